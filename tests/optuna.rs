//! Studies written by Optuna itself (`tests/optuna/make_optuna_studies.py`, Optuna 5.1):
//! `nntui view` reads its journal files and SQLite storages as Optuna reads them back,
//! while they grow and while another connection writes, and gives Optuna's own
//! importances.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

mod common;

use common::run;
use nntui::tune::optuna::{Journal, Storage, Study, read_sqlite};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/optuna").join(name)
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("expected.json")).unwrap()).unwrap()
}

/// `view --json`'s lines of one type.
fn lines(stdout: &str, kind: &str) -> Vec<Value> {
    stdout.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()).filter(|v| v["type"] == kind).collect()
}

/// A parameter as Optuna gave it back against the text nntui shows.
fn same_param(optuna: &Value, text: &str) -> bool {
    match optuna {
        Value::String(s) => s == text,
        Value::Number(n) if n.is_i64() => n.to_string() == text,
        Value::Number(n) => text.parse::<f64>().ok() == n.as_f64(),
        _ => false,
    }
}

fn check_storage(path: &Path) {
    let out = run(&["view", "--json", path.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows: BTreeMap<String, Value> =
        lines(&out.stdout, "run").into_iter().map(|r| (r["name"].as_str().unwrap().to_string(), r)).collect();
    let expected = expected();
    let studies = expected["studies"].as_array().unwrap();
    let trials: usize = studies.iter().map(|s| s["trials"].as_array().unwrap().len()).sum();
    assert_eq!(rows.len(), trials, "every trial of every study, once");
    for study in studies {
        let name = study["name"].as_str().unwrap();
        let objectives: Vec<String> = match study["metric_names"].as_array() {
            Some(names) => names.iter().map(|n| format!("{name}/{}", n.as_str().unwrap())).collect(),
            None => vec![format!("{name}/value")],
        };
        for trial in study["trials"].as_array().unwrap() {
            let label = format!("{name} trial {:03}", trial["number"].as_u64().unwrap());
            let row = &rows[&label];
            let state = trial["state"].as_str().unwrap().replace("fail", "failed");
            assert_eq!(row["state"], state.as_str(), "{label}");
            let params = trial["params"].as_object().unwrap();
            let hparams = row["hparams"].as_object().cloned().unwrap_or_default();
            assert_eq!(hparams.len(), params.len(), "{label}");
            for (param, value) in params {
                assert!(
                    same_param(value, hparams[param].as_str().unwrap()),
                    "{label} {param}: {value} {hparams:?}"
                );
            }
            // The objective values, exactly; a trial without them (running, failed) its
            // last intermediate value if it reported one.
            let values = trial["values"].as_array();
            let reported =
                trial["intermediate"].as_object().unwrap().values().next_back().and_then(Value::as_f64);
            for (i, objective) in objectives.iter().enumerate() {
                let want = values.map_or(if i == 0 { reported } else { None }, |v| v[i].as_f64());
                assert_eq!(row["last"].get(objective).and_then(Value::as_f64), want, "{label} {objective}");
            }
            let steps = trial["intermediate"].as_object().unwrap().len();
            assert_eq!(row["epochs"].as_u64(), Some(steps as u64), "{label}");
        }
    }
    // Optuna's own PED-ANOVA importances, for each single-objective study.
    let importances = lines(&out.stdout, "importance");
    assert_eq!(importances.len(), 2, "{importances:?}");
    for study in studies.iter().filter(|s| s.get("importances").is_some()) {
        let name = study["name"].as_str().unwrap();
        let line =
            importances.iter().find(|l| l["study"].as_str().unwrap().ends_with(&format!("#{name}"))).unwrap();
        let ours: BTreeMap<&str, f64> = line["importances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["option"].as_str().unwrap(), s["share"].as_f64().unwrap()))
            .collect();
        let theirs = study["importances"].as_object().unwrap();
        assert_eq!(ours.len(), theirs.len());
        for (option, share) in theirs {
            let diff = (ours[option.as_str()] - share.as_f64().unwrap()).abs();
            assert!(diff < 1e-9, "{name} {option}: {} against Optuna's {share}", ours[option.as_str()]);
        }
    }
}

#[test]
fn a_journal_file_reads_as_optuna_reads_it_back() {
    check_storage(&fixture("journal.log"));
}

#[test]
fn an_sqlite_storage_reads_as_optuna_reads_it_back_by_path_or_url() {
    check_storage(&fixture("study.db"));
    // Optuna's storage URL names the same file.
    let dir = fixture("");
    let out =
        common::nntui().current_dir(&dir).args(["view", "--no-tui", "sqlite:///study.db"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("mlp trial 039") && stdout.contains("study.db#mlp: importance"), "{stdout}");
}

/// Each trial's study, number, state, values and count of intermediate values.
type Seen = (String, usize, String, Option<Vec<f64>>, usize);

fn trials(studies: &[&Study]) -> Vec<Seen> {
    studies
        .iter()
        .flat_map(|s| {
            s.trials.iter().map(|t| {
                (s.name.clone(), t.number, t.state.name().to_string(), t.values.clone(), t.intermediate.len())
            })
        })
        .collect()
}

#[test]
fn a_journal_being_written_is_read_as_far_as_its_last_whole_line() {
    let whole = std::fs::read(fixture("journal.log")).unwrap();
    let mut full = Storage::open(&fixture("journal.log"));
    full.refresh().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.log");
    // Cut in the middle of a line: an Optuna process writing it.
    let cut = whole.len() / 2;
    std::fs::write(&path, &whole[..cut]).unwrap();
    let mut journal = Journal::new(&path);
    assert!(journal.refresh().unwrap());
    let before = journal.studies.values().map(|s| s.trials.len()).sum::<usize>();
    assert!(before > 0 && journal.skipped == 0, "the half line waits: {}", journal.skipped);
    assert!(!journal.refresh().unwrap(), "nothing new");
    std::fs::write(&path, &whole).unwrap();
    assert!(journal.refresh().unwrap());
    assert_eq!(journal.skipped, 0);
    let studies: Vec<&Study> = journal.studies.values().collect();
    assert_eq!(trials(&studies), trials(&full.studies()));
    // A damaged line in the middle is skipped and counted; everything else is read.
    let mut damaged = whole[..cut].to_vec();
    let at = damaged.iter().rposition(|&b| b == b'\n').unwrap() + 1;
    damaged.truncate(at);
    damaged.extend_from_slice(b"{\"op_code\":7,\"trial_id\":\n");
    damaged.extend_from_slice(&whole[at..]);
    std::fs::write(&path, &damaged).unwrap();
    let mut journal = Journal::new(&path);
    journal.refresh().unwrap();
    assert_eq!(journal.skipped, 1);
    let studies: Vec<&Study> = journal.studies.values().collect();
    assert_eq!(trials(&studies), trials(&full.studies()));
}

#[test]
fn an_sqlite_storage_is_read_whole_while_another_connection_writes_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("study.db");
    std::fs::copy(fixture("study.db"), &path).unwrap();
    let base = read_sqlite(&path).unwrap().iter().map(|s| s.trials.len()).sum::<usize>();
    let writer = {
        let path = path.clone();
        std::thread::spawn(move || {
            let mut connection = rusqlite::Connection::open(&path).unwrap();
            connection.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
            for i in 0..150 {
                // As Optuna tells a trial: the trial, its value, in one transaction.
                let transaction = connection.transaction().unwrap();
                transaction
                    .execute(
                        "INSERT INTO trials (number, study_id, state, datetime_start, datetime_complete) VALUES (?1, 2, 'COMPLETE', '2026-12-07 00:00:00', '2026-12-07 00:00:01')",
                        [25 + i],
                    )
                    .unwrap();
                let id = transaction.last_insert_rowid();
                transaction
                    .execute(
                        "INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?1, 0, 1.5, 'FINITE')",
                        [id],
                    )
                    .unwrap();
                transaction.commit().unwrap();
            }
        })
    };
    let mut last = base;
    while !writer.is_finished() {
        let studies = read_sqlite(&path).unwrap();
        let quadratic = studies.iter().find(|s| s.name == "quadratic").unwrap();
        // Never a trial without the value told with it.
        assert!(quadratic.trials.iter().all(|t| t.values.is_some()));
        let count = studies.iter().map(|s| s.trials.len()).sum::<usize>();
        assert!(count >= last);
        last = count;
    }
    writer.join().unwrap();
    let count = read_sqlite(&path).unwrap().iter().map(|s| s.trials.len()).sum::<usize>();
    assert_eq!(count, base + 150);
}

#[test]
fn an_sqlite_file_that_is_not_an_optuna_storage_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    rusqlite::Connection::open(&path).unwrap().execute_batch("CREATE TABLE things (a INTEGER);").unwrap();
    let out = run(&["view", "--no-tui", path.to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("not an Optuna storage"), "{}", out.stderr);
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
}

#[test]
fn a_folder_of_studies_shows_each_storage() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("study.db"), dir.path().join("study.db")).unwrap();
    std::fs::copy(fixture("journal.log"), dir.path().join("journal.log")).unwrap();
    std::fs::write(dir.path().join("notes.log"), "not a journal\n").unwrap();
    let out = run(&["view", "--json", dir.path().to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let runs = lines(&out.stdout, "run");
    assert_eq!(runs.len(), 2 * 78, "both storages' trials");
    assert_eq!(lines(&out.stdout, "importance").len(), 4);
}

#[test]
fn a_studys_figures_are_drawn_as_files_with_the_options_own_values() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        run(&["view", fixture("journal.log").to_str().unwrap(), "--plot", dir.path().to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    // Each study of the storage: history, a slice per option, parallel coordinates; and
    // the chart of the intermediate values the mlp trials reported.
    for name in [
        "mlp_history.svg",
        "mlp_parallel.svg",
        "mlp_slice_activation.svg",
        "mlp_slice_lr.svg",
        "mlp_slice_units.svg",
        "mlp_slice_unused.svg",
        "mlp_value.svg",
        "quadratic_history.svg",
        "quadratic_slice_x.svg",
        "two_history.svg",
    ] {
        assert!(files.iter().any(|f| f == name), "{name} in {files:?}");
    }
    // An SVG's texts, each on a line of its own.
    let read = |name: &str| -> String {
        let svg = std::fs::read_to_string(dir.path().join(name)).unwrap();
        svg.split("<text")
            .skip(1)
            .filter_map(|t| Some(t.split_once('>')?.1.split('<').next()?.trim().to_string()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let history = read("mlp_history.svg");
    assert!(history.contains("mlp/value over trials: 32 complete, 7 pruned"), "pruned trials counted apart");
    assert!(history.contains("best so far"));
    // lr spans 1.7e-4 to 0.0735: a log axis labelled in learning rates.
    let slice = read("mlp_slice_lr.svg");
    assert!(slice.contains("against lr (log scale)"));
    let labels: Vec<&str> = slice.lines().collect();
    assert!(
        labels.contains(&"1.7e-4") && labels.contains(&"0.0735"),
        "labels in the option's values: {labels:?}"
    );
    assert!(!labels.iter().any(|l| l.starts_with('-')), "no logarithms: {labels:?}");
    let parallel = read("mlp_parallel.svg");
    let labels: Vec<&str> = parallel.lines().collect();
    for label in ["relu", "tanh", "activation", "lr", "units", "unused", "mlp/value", "1.7e-4"] {
        assert!(labels.contains(&label), "{label} in {labels:?}");
    }
}
