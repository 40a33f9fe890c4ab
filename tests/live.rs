//! The real binary in a real terminal: `tests/tmux_session.sh` drives the dashboard in
//! tmux at 120x40 and checks what a person would see, and that quitting leaves the
//! terminal clean with the summary printed.

use std::path::Path;
use std::process::Command;

#[test]
fn dashboard_session_in_tmux() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("note: tmux is not installed; skipping the live dashboard session");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tmux_session.sh");
    let output = Command::new("bash").arg(script).arg(env!("CARGO_BIN_EXE_nntui")).output().unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
