//! The real binary in a real terminal: `tests/tmux_session.sh` drives the dashboard in
//! tmux at 120x40 and checks what a person would see, and that quitting leaves the
//! terminal clean with the summary printed; `tests/tmux_drills.sh` breaks it on purpose
//! (Ctrl-C, SIGTERM, a panic in the dashboard, an engine failure, a tiny terminal, rapid
//! resizes) and checks the terminal is restored and the exit code right each time.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

use std::path::Path;
use std::process::Command;

/// Runs a tmux script on the built binary. Without tmux it fails, unless skipping was
/// asked for (`NNTUI_SKIP_TMUX=1`), so that a machine without tmux cannot pass it
/// without looking.
fn run_script(name: &str) {
    if Command::new("tmux").arg("-V").output().is_err() {
        let asked = std::env::var_os("NNTUI_SKIP_TMUX").is_some_and(|v| v == "1");
        assert!(asked, "tmux is not installed: install it, or set NNTUI_SKIP_TMUX=1 to skip {name}");
        eprintln!("SKIPPED {name}: tmux is not installed and NNTUI_SKIP_TMUX=1");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(name);
    let output = Command::new("bash").arg(script).arg(env!("CARGO_BIN_EXE_nntui")).output().unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn dashboard_session_in_tmux() {
    run_script("tmux_session.sh");
}

#[test]
fn failure_drills_in_tmux() {
    run_script("tmux_drills.sh");
}
