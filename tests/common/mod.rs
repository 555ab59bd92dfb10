//! What the integration tests that run the `keyless` binary share: running it, and fresh
//! folders to run it in.

// Each test crate includes this module and uses a part of it.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Output {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs keyless in `dir` with `stdin` and extra environment. `NO_COLOR` and
/// `GITHUB_STEP_SUMMARY` are cleared first, so the caller's environment never leaks into a
/// snapshot; pass them in `env` to test them.
pub fn run(dir: &Path, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_keyless"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("the keyless binary runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin)
        .expect("keyless reads its stdin");
    let output = child.wait_with_output().expect("keyless finishes");
    Output {
        status: output
            .status
            .code()
            .expect("keyless exits, not killed by a signal"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs keyless in `dir` without colour, as a user's pipe would.
pub fn plain(dir: &Path, args: &[&str]) -> Output {
    run(dir, args, b"", &[("NO_COLOR", "1")])
}

/// A fresh, empty folder `group/name` under cargo's per-test temporary directory.
pub fn scratch(group: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the temporary directory is writable");
    dir
}
