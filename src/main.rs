use std::alloc::{GlobalAlloc, Layout};
use std::process::ExitCode;

use libmimalloc_sys as mi;

use clap::Parser;

/// See the note on `libmimalloc-sys` in Cargo.toml: allocation is a large share of a lint run.
#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

/// mimalloc as the global allocator, through its plain `malloc` entry points whenever the
/// alignment asked for is one every block already has: its `*_aligned` entry points (what the
/// `mimalloc` crate calls for every allocation) take a slower path in mimalloc 3; going
/// around them saved 4 % of a run's instructions.
struct MiMalloc;

/// The alignment mimalloc gives every block of at least this size (`MI_MAX_ALIGN_SIZE`);
/// smaller blocks are aligned to their size, which Rust's layouts make a multiple of the
/// alignment.
const MIN_ALIGN: usize = 16;

fn plain(align: usize, size: usize) -> bool {
    align <= MIN_ALIGN && align <= size
}

// SAFETY: every pointer handed out comes from mimalloc with at least the layout's alignment
// (see `plain`), and is freed or resized by mimalloc only.
unsafe impl GlobalAlloc for MiMalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if plain(layout.align(), layout.size()) {
            mi::mi_malloc(layout.size()).cast()
        } else {
            mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if plain(layout.align(), layout.size()) {
            mi::mi_zalloc(layout.size()).cast()
        } else {
            mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi::mi_free(ptr.cast());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if plain(layout.align(), new_size) {
            mi::mi_realloc(ptr.cast(), new_size).cast()
        } else {
            mi::mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
        }
    }
}

/// Returns the memory freed by the units of a run to the system, before the report is shown
/// (see `keyless::lint::set_memory_release`).
fn release_freed_memory() {
    // SAFETY: `mi_collect` only walks mimalloc's own heaps; any thread may call it.
    unsafe { mi::mi_collect(true) }
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
