//! Ctrl-C and `kill` in headless mode: a prompt stop, finished results printed, no panic.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs 4-fold cross-validation at 200 epochs a second and sends `signal` once stderr
/// shows `stop_at`; returns the exit code, stdout, stderr and the time to exit.
fn interrupt(signal: &str, epochs: &str, stop_at: &str) -> (Option<i32>, String, String, Duration) {
    let moons = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/moons.csv");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("nntui"))
        .args(["--no-tui", "--folds", "4", "--threads", "1", "--epochs", epochs, "--pace", "200"])
        .arg(&moons)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        seen.push_str(&line);
        let reached = line.starts_with(stop_at);
        line.clear();
        if reached {
            break;
        }
    }
    let sent = Instant::now();
    let status = Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let output = child.wait_with_output().unwrap();
    let took = sent.elapsed();
    seen.push_str(&rest);
    (output.status.code(), String::from_utf8(output.stdout).unwrap(), seen, took)
}

#[test]
fn ctrl_c_stops_promptly_without_a_panic() {
    // The first fold needs 100000 epochs: stop it in its 20th.
    let (code, stdout, stderr, took) = interrupt("-INT", "100000", "Fold 1/4 - Epoch 20/");
    assert_eq!(code, Some(130), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("stopped before the end"), "{stderr}");
    // Nothing finished, so no fold line and no mean: never a made-up score.
    assert!(stdout.is_empty(), "{stdout}");
    // A stop takes effect at the next batch; the bound is loose for a loaded machine.
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn finished_folds_are_printed_after_a_stop() {
    let (code, stdout, stderr, _) = interrupt("-INT", "30", "Fold 3/4 - Epoch 10/");
    assert_eq!(code, Some(130), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].starts_with("accuracy: ") && lines[1].starts_with("accuracy: "));
    assert!(lines[2].ends_with("%) over 2 of 4 folds"), "{}", lines[2]);
}

#[test]
fn sigterm_stops_too() {
    let (code, _, stderr, _) = interrupt("-TERM", "100000", "Fold 1/4 - Epoch 5/");
    assert_eq!(code, Some(143), "{stderr}");
    assert!(!stderr.contains("panicked"));
}
