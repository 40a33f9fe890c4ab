//! The Keras tutorial on the real Pima data. The file is never copied into the project:
//! `NNTUI_PIMA` names it (and must exist when set); otherwise the shared copy beside the
//! project is used, and without either the tests skip with a note.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

use assert_cmd::Command;
use nntui::data::{self, CsvOptions};
use nntui::model_file::ModelFile;
use nntui::train::{self, Event, Plan, RunConfig};
use std::path::PathBuf;
use std::sync::Arc;

fn pima() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("NNTUI_PIMA") {
        let path = PathBuf::from(path);
        assert!(path.is_file(), "NNTUI_PIMA is set to {}, which is not a file", path.display());
        return Some(path);
    }
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/pima-indians-diabetes.csv");
    if shared.is_file() {
        return Some(shared);
    }
    eprintln!("note: Pima data not found (set NNTUI_PIMA to pima-indians-diabetes.csv); skipping");
    None
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

#[test]
fn tutorial_fit_reaches_keras_accuracy_with_identical_bytes() {
    let Some(path) = pima() else { return };
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

#[test]
fn ten_fold_cross_validation_matches_keras_and_ignores_thread_count() {
    let Some(path) = pima() else { return };
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

#[test]
fn json_gives_1500_epoch_events() {
    let Some(path) = pima() else { return };
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

#[test]
fn saved_model_predicts_like_the_model_in_memory() {
    let Some(path) = pima() else { return };
    let dataset = Arc::new(data::load(&path, &CsvOptions::default()).unwrap());
    let config = RunConfig { folds: 1, standardize: true, epochs: 30, ..RunConfig::default() };
    let handle = train::spawn(Plan::new(config, &dataset).unwrap(), Arc::clone(&dataset));
    for _ in handle.events.iter() {}
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
