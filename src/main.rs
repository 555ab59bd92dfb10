use std::process::ExitCode;

use clap::Parser;

/// See the note on `mimalloc` in Cargo.toml: allocation is a large share of a lint run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Returns the memory freed by the units of a run to the system, before the report is shown
/// (see `keyless::lint::set_memory_release`).
fn release_freed_memory() {
    // SAFETY: `mi_collect` only walks mimalloc's own heaps; any thread may call it.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

fn main() -> ExitCode {
    keyless::lint::set_memory_release(release_freed_memory);
    let cli = match keyless::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version to stdout (exit 0) and usage errors to stderr; usage
            // errors are exit 2 in keyless's contract, as in clap's own default.
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    ExitCode::from(keyless::run(cli).exit_code())
}
