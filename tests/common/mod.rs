//! What the command-line tests share: the binary, the bundled data, a run's output,
//! and files written on the spot.

#![allow(dead_code, clippy::unwrap_used)] // each test file uses its own share of these

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The `nntui` binary.
pub fn nntui() -> Command {
    Command::cargo_bin("nntui").unwrap()
}

/// A file of the project's `data/`.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(name)
}

/// What a run printed, and how it exited.
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `nntui` with `args`.
pub fn run(args: &[&str]) -> Output {
    let output = nntui().args(args).output().unwrap();
    Output {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Writes `bytes` to a file in a fresh directory and returns both.
pub fn file_with(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}
