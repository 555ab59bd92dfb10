//! Output does not depend on the number of threads (issue 9): units run in parallel, but
//! their reports are merged in path order, so every format is byte-identical whether one
//! thread or four lint the fixtures folder. `KEYLESS_THREADS` pins the thread count.

use std::process::Command;

/// Every `--format`; none of them prints a time or anything else that changes run to run.
const FORMATS: &[&str] = &[
    "human",
    "compact",
    "json",
    "sarif",
    "github",
    "azure-devops",
    "gitlab",
];

/// Exit status, stdout and stderr of `keyless check --format FORMAT fixtures`.
fn check_fixtures(format: &str, threads: usize) -> (Option<i32>, Vec<u8>, Vec<u8>) {
    let output = Command::new(env!("CARGO_BIN_EXE_keyless"))
        .args(["check", "--format", format, "fixtures"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("KEYLESS_THREADS", threads.to_string())
        .output()
        .expect("the keyless binary runs");
    (output.status.code(), output.stdout, output.stderr)
}

#[test]
fn output_is_the_same_for_one_and_four_threads() {
    for format in FORMATS {
        let (status_1, stdout_1, stderr_1) = check_fixtures(format, 1);
        let (status_4, stdout_4, stderr_4) = check_fixtures(format, 4);
        assert!(
            !stdout_1.is_empty(),
            "--format {format} printed nothing for the fixtures"
        );
        assert_eq!(status_1, status_4, "--format {format}: exit status");
        // Compared as text so that a failure shows the first differing line.
        assert_eq!(
            String::from_utf8_lossy(&stdout_1),
            String::from_utf8_lossy(&stdout_4),
            "--format {format}: stdout"
        );
        assert_eq!(stdout_1, stdout_4, "--format {format}: stdout bytes");
        assert_eq!(stderr_1, stderr_4, "--format {format}: stderr");
    }
}
