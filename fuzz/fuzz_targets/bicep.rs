//! Fuzzes the Bicep front end: any UTF-8 text, read as a Bicep file and as a parameters file,
//! must parse without panicking and with every span inside the text.
//!
//! Run: `cargo fuzz run bicep` (needs nightly; on stable try `RUSTC_BOOTSTRAP=1`). Without
//! cargo-fuzz, `tests/syntax_bicep.rs` has a bounded mutation loop (`fuzz`, ignored by default).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for is_params in [false, true] {
        let (program, errors) = keyless::syntax::bicep::parse(text, is_params);
        for error in &errors {
            assert!(error.span.start <= error.span.end);
            assert!(text.is_char_boundary(error.span.start as usize));
            assert!(text.is_char_boundary(error.span.end as usize));
        }
        for statement in &program.statements {
            let span = statement.span();
            assert!(text.get(span.range()).is_some());
        }
        let _ = program.to_sexpr(text);
    }
});
