//! The Keras tutorial on the real Pima data. The file is never copied into the project:
//! `NNTUI_PIMA` names it (and must exist when set); otherwise the shared copy beside the
//! project is used. Without either, every test here is reported as *ignored*, with the
//! reason, rather than passing without running: this file has its own small harness
//! (`harness = false`) because libtest can only ignore a test at compile time.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

use assert_cmd::Command;
use nntui::data::{self, CsvOptions};
use nntui::model_file::ModelFile;
use nntui::train::{self, Event, Plan, RunConfig};
use std::path::PathBuf;
use std::sync::Arc;

/// Where the data is: `Ok(None)` when it is simply absent, `Err` when `NNTUI_PIMA` names
/// a file that is not there (a failure: CI sets it).
fn locate() -> Result<Option<PathBuf>, String> {
    if let Some(path) = std::env::var_os("NNTUI_PIMA").filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        if !path.is_file() {
            return Err(format!("NNTUI_PIMA is set to {}, which is not a file", path.display()));
        }
        return Ok(Some(path));
    }
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/pima-indians-diabetes.csv");
    Ok(shared.is_file().then_some(shared))
}

/// The data's path; the harness runs the tests only when it exists.
fn pima() -> PathBuf {
    locate().ok().flatten().expect("the harness checked the data first")
}

/// The tests, by name.
const TESTS: [(&str, fn()); 4] = [
    (
        "tutorial_fit_reaches_keras_accuracy_with_identical_bytes",
        tutorial_fit_reaches_keras_accuracy_with_identical_bytes,
    ),
    (
        "ten_fold_cross_validation_matches_keras_and_ignores_thread_count",
        ten_fold_cross_validation_matches_keras_and_ignores_thread_count,
    ),
    ("json_gives_1500_epoch_events", json_gives_1500_epoch_events),
    ("saved_model_predicts_like_the_model_in_memory", saved_model_predicts_like_the_model_in_memory),
];

/// Runs the tests as libtest would report them (`cargo test -- NAME` filters by name),
/// or reports each as ignored, with the reason, when the data is absent.
fn main() -> std::process::ExitCode {
    // libtest's arguments that matter here: name filters, `--skip NAME`, `--exact`,
    // `--list`; options that take a value are stepped over.
    let (mut filters, mut skips, mut list, mut exact) = (Vec::new(), Vec::new(), false, false);
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        match argument.as_str() {
            "--list" => list = true,
            "--exact" => exact = true,
            "--skip" => skips.extend(arguments.next()),
            "--test-threads" | "--format" | "--color" | "--logfile" | "-Z" => drop(arguments.next()),
            other if other.starts_with('-') => {}
            _ => filters.push(argument),
        }
    }
    let matches = |name: &str, pattern: &str| if exact { name == pattern } else { name.contains(pattern) };
    let chosen: Vec<&(&str, fn())> = TESTS
        .iter()
        .filter(|(name, _)| filters.is_empty() || filters.iter().any(|f| matches(name, f)))
        .filter(|(name, _)| !skips.iter().any(|s| matches(name, s)))
        .collect();
    if list {
        chosen.iter().for_each(|(name, _)| println!("{name}: test"));
        return std::process::ExitCode::SUCCESS;
    }
    let data = locate();
    println!("\nrunning {} tests", chosen.len());
    let (mut passed, mut failed, mut ignored) = (0, 0, 0);
    for (name, test) in &chosen {
        let outcome = match &data {
            Err(message) => Err(message.clone()),
            Ok(None) => {
                println!(
                    "test {name} ... ignored, the Pima data is absent (set NNTUI_PIMA to pima-indians-diabetes.csv)"
                );
                ignored += 1;
                continue;
            }
            Ok(Some(_)) => std::panic::catch_unwind(test).map_err(|payload| {
                payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_string()))
                    .unwrap_or_default()
            }),
        };
        match outcome {
            Ok(()) => {
                println!("test {name} ... ok");
                passed += 1;
            }
            Err(message) => {
                println!("test {name} ... FAILED\n    {message}");
                failed += 1;
            }
        }
    }
    let verdict = if failed == 0 { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {verdict}. {passed} passed; {failed} failed; {ignored} ignored; 0 measured; 0 filtered out\n"
    );
    if failed == 0 { std::process::ExitCode::SUCCESS } else { std::process::ExitCode::FAILURE }
}

fn nntui(args: &[&str]) -> (i32, String, String) {
    let output = Command::cargo_bin("nntui").unwrap().args(args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn percent(line: &str) -> f64 {
    line.trim_start_matches("accuracy: ").split('%').next().unwrap().parse().unwrap()
}

fn tutorial_fit_reaches_keras_accuracy_with_identical_bytes() {
    let path = pima();
    let path = path.to_str().unwrap();
    let (code, stdout, stderr) = nntui(&["--no-tui", "--folds", "1", path]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Total params: 221"), "{stderr}");
    assert_eq!(stderr.lines().filter(|l| l.starts_with("Epoch ")).count(), 150);
    assert_eq!(stderr.lines().filter(|l| l.starts_with("77/77 - ")).count(), 150);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let accuracy = percent(lines[0]);
    assert!(accuracy >= 74.0, "training accuracy {accuracy}% (Keras: 76.6-79.0%)");
    assert!(lines[1].starts_with("loss: 0."), "{}", lines[1]);
    let (_, again, _) = nntui(&["--no-tui", "--folds", "1", path]);
    assert_eq!(stdout, again);
}

fn ten_fold_cross_validation_matches_keras_and_ignores_thread_count() {
    let path = pima();
    let path = path.to_str().unwrap();
    let (code, one, stderr) = nntui(&["--no-tui", "-q", "--threads", "1", path]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = one.lines().collect();
    assert_eq!(lines.len(), 11, "{one}");
    let folds: Vec<f64> = lines[..10].iter().map(|l| percent(l)).collect();
    let mean = folds.iter().sum::<f64>() / 10.0;
    let std = (folds.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / 10.0).sqrt();
    // The summary line is the mean and population std of the fold lines.
    assert_eq!(lines[10], format!("{mean:.2}% (+/- {std:.2}%)"));
    assert!(mean >= 74.0, "CV mean {mean}% (Keras: 76.05% +/- 4.68%)");
    let (_, two, _) = nntui(&["--no-tui", "-q", "--threads", "2", path]);
    assert_eq!(one, two);
}

fn json_gives_1500_epoch_events() {
    let path = pima();
    let (code, stdout, _) = nntui(&["--json", path.to_str().unwrap()]);
    assert_eq!(code, 0);
    let events: Vec<Event> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let epochs = events.iter().filter(|e| matches!(e, Event::EpochEnded(_))).count();
    assert_eq!(epochs, 1500);
    for fold in 0..10 {
        let last = events.iter().rev().find_map(|e| match e {
            Event::EpochEnded(r) if r.fold == fold => Some(r.epoch),
            _ => None,
        });
        assert_eq!(last, Some(150));
    }
}

fn saved_model_predicts_like_the_model_in_memory() {
    let path = pima();
    let dataset = Arc::new(data::load(&path, &CsvOptions::default()).unwrap());
    let config = RunConfig { folds: 1, standardize: true, epochs: 30, ..RunConfig::default() };
    let handle = train::spawn(Plan::new(config, &dataset).unwrap(), Arc::clone(&dataset));
    for _ in &handle.events {}
    let trained = handle.join().unwrap().model.expect("a single fit keeps its model");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pima.json");
    ModelFile::new(&trained, &dataset).save(&file).unwrap();
    let loaded = ModelFile::load(&file).unwrap();
    assert_eq!(loaded.trained(), trained, "weights and statistics survive the file");

    let in_memory = trained.predict(&dataset.features, dataset.task);
    let rows = loaded.read_rows(&path, &CsvOptions::default(), None).unwrap();
    let from_file = loaded.trained().predict(&rows.features, loaded.task);
    assert_eq!(in_memory, from_file);
    assert_eq!(from_file.len(), 768);
}
