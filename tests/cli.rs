//! The command line as a process: exit codes, what goes to stdout and stderr, and one
//! test per kind of bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

mod common;

use common::{data, file_with, run};
use nntui::train::Event;
use std::path::PathBuf;

/// Runs a headless fit on `bytes` and expects exit 1 with exactly one stderr line.
fn bad_input(bytes: &[u8], expected: &str) {
    let (_dir, path) = file_with("bad.csv", bytes);
    let path = path.to_str().unwrap();
    let out = run(&["--no-tui", "--folds", "1", "--epochs", "2", path]);
    assert_eq!(out.code, 1, "{expected}: {}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "one line: {}", out.stderr);
    assert_eq!(out.stderr.trim_end(), format!("nntui: {path}{expected}"));
    assert!(out.stdout.is_empty());
}

#[test]
fn each_bad_input_gets_one_line_and_exit_code_1() {
    bad_input(b"", ":1:1: the file is empty");
    bad_input(b"a,b,label\n", ":2:1: a header row but no data rows");
    bad_input(b"1,2,0\n3,4,1\n5,6\n", ":3:3: expected 3 fields, as on line 1, found 2");
    let mut stray: String = (0..40).map(|row| format!("1,{row},{}\n", row % 2)).collect();
    stray.push_str("3,high,1\n");
    bad_input(
        stray.as_bytes(),
        ":41:2: non-numeric value \"high\" in column \"column 2\", whose other values are numbers (a typo?): mark it missing with --na-values high, or read the column as categories with --categorical 2",
    );
    bad_input(b"1,2,0\n3,1e999,1\n", ":2:2: value \"1e999\" is not a finite number");
    bad_input(b"1,2,0\n3,inf,1\n", ":2:2: value \"inf\" is not a finite number");
    bad_input(
        b"1,2,1\n3,4,1\n",
        ": column 3: only one label value, \"1\", in 2 rows: there is nothing to learn",
    );
}

#[test]
fn missing_file_and_directory() {
    let out = run(&["--no-tui", "no/such/file.csv"]);
    assert_eq!((out.code, out.stderr.as_str()), (1, "nntui: no/such/file.csv: no such file\n"));
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["--no-tui", dir.path().to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.ends_with(": is a directory, not a CSV file\n"), "{}", out.stderr);
}

#[test]
fn usage_errors_exit_2_and_name_the_flag() {
    let moons = data("moons.csv");
    let moons = moons.to_str().unwrap();
    for (args, flag) in [
        (vec!["--epochs", "0"], "--epochs"),
        (vec!["--lr", "0"], "--lr"),
        (vec!["--layers", "12:relu,x:relu"], "--layers"),
        (vec!["--output", "3:softmax"], "--output"),
        (vec!["--loss", "categorical_crossentropy"], "--loss"),
        (vec!["--optimizer", "adagrad"], "--optimizer"),
        (vec!["--momentum", "0.9"], "--momentum"),
        (vec!["--folds", "500"], "--folds"),
        (vec!["--label-col", "7"], "--label-col"),
        (vec!["--label-col", "nope"], "--label-col"),
        (vec!["--folds", "5", "--validation-split", "0.2"], "--validation-split"),
        (vec!["--split", "stratified"], "--split"),
    ] {
        let mut full = vec!["--no-tui"];
        full.extend(args.iter().copied());
        full.push(moons);
        let out = run(&full);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(flag), "{args:?}: {}", out.stderr);
    }
    let out = run(&[]);
    assert_eq!(out.code, 2);
    let out = run(&["--help"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("--lr-decay"));
}

#[test]
fn same_seed_same_bytes_and_another_seed_differs() {
    let moons = data("moons.csv");
    let args = ["--no-tui", "--folds", "1", "--epochs", "20", moons.to_str().unwrap()];
    let first = run(&args);
    let second = run(&args);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(first.stdout.starts_with("accuracy: "), "{}", first.stdout);
    assert_eq!(first.stdout, second.stdout);
    let other = run(&["--no-tui", "--folds", "1", "--epochs", "20", "--seed", "8", moons.to_str().unwrap()]);
    assert_ne!(first.stdout, other.stdout);
}

#[test]
fn epoch_lines_look_like_keras() {
    let moons = data("moons.csv");
    let out = run(&[
        "--no-tui",
        "--folds",
        "1",
        "--epochs",
        "3",
        "--validation-split",
        "0.25",
        moons.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("Total params: 149"), "{}", out.stderr);
    let lines: Vec<&str> =
        out.stderr.lines().filter(|l| l.starts_with("Epoch ") || l.starts_with("30/30")).collect();
    assert_eq!(lines.len(), 6, "{}", out.stderr);
    assert_eq!(lines[0], "Epoch 1/3");
    // 300 training rows in batches of 10, then the validation on the last 100 rows.
    let pattern = lines[1];
    assert!(pattern.starts_with("30/30 - 0s - "), "{pattern}");
    assert!(pattern.contains("/step - loss: 0."), "{pattern}");
    assert!(pattern.contains(" - accuracy: 0."), "{pattern}");
    assert!(pattern.contains(" - val_loss: 0."), "{pattern}");
    assert!(pattern.contains(" - val_accuracy: 0."), "{pattern}");
    assert!(out.stdout.contains("\nval_accuracy: "), "{}", out.stdout);

    let quiet = run(&["--no-tui", "-q", "--folds", "1", "--epochs", "3", moons.to_str().unwrap()]);
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
}

#[test]
fn learning_rate_decay_is_shown_and_applied() {
    let moons = data("moons.csv");
    let out = run(&[
        "--no-tui",
        "--folds",
        "1",
        "--epochs",
        "2",
        "--lr",
        "0.01",
        "--lr-decay",
        "0.5",
        "--lr-decay-steps",
        "40",
        "--staircase",
        moons.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // 40 steps per epoch: the last step of epoch 1 is step 39 (0.01), of epoch 2 step 79 (0.005).
    let rates: Vec<&str> = out.stderr.lines().filter_map(|l| l.split(" - learning_rate: ").nth(1)).collect();
    assert_eq!(rates, vec!["0.0100", "0.0050"]);
}

#[test]
fn cross_validation_prints_fold_lines_and_mean_identically_on_any_thread_count() {
    let moons = data("moons.csv");
    let args = |threads: &'static str| {
        vec![
            "--no-tui",
            "-q",
            "--folds",
            "5",
            "--epochs",
            "10",
            "--threads",
            threads,
            moons.to_str().unwrap(),
        ]
    };
    let one = run(&args("1"));
    let two = run(&args("2"));
    assert_eq!(one.code, 0, "{}", one.stderr);
    let lines: Vec<&str> = one.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{}", one.stdout);
    assert!(lines[..5].iter().all(|l| l.starts_with("accuracy: ") && l.ends_with('%')));
    assert!(lines[5].contains("% (+/- ") && lines[5].ends_with("%)"), "{}", lines[5]);
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn multiclass_and_regression_defaults() {
    let spiral =
        run(&["--no-tui", "-q", "--folds", "1", "--standardize", data("spiral.csv").to_str().unwrap()]);
    assert_eq!(spiral.code, 0, "{}", spiral.stderr);
    assert!(spiral.stdout.starts_with("accuracy: "));
    let sine = run(&["--no-tui", "-q", "--folds", "1", data("sine.csv").to_str().unwrap()]);
    assert_eq!(sine.code, 0, "{}", sine.stderr);
    let mae: f64 = sine.stdout.lines().next().unwrap().strip_prefix("mae: ").unwrap().parse().unwrap();
    assert!(mae < 0.2, "sine mae {mae}");
}

#[test]
fn json_lines_parse_into_events() {
    let moons = data("moons.csv");
    let out = run(&["--json", "--folds", "3", "--epochs", "4", moons.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let events: Vec<Event> = out.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(matches!(events.first(), Some(Event::RunStarted(_))));
    assert!(matches!(events.last(), Some(Event::RunEnded(_))));
    let epochs = events.iter().filter(|e| matches!(e, Event::EpochEnded(_))).count();
    assert_eq!(epochs, 12);
    for line in out.stdout.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(value["type"].is_string(), "{line}");
        // Round trip: the event re-serializes to the same JSON.
        let event: Event = serde_json::from_str(line).unwrap();
        assert_eq!(serde_json::to_value(&event).unwrap(), value);
    }
}

#[test]
fn log_file_keeps_the_stream_beside_text_output() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("run.jsonl");
    let out = run(&[
        "--no-tui",
        "-q",
        "--folds",
        "1",
        "--epochs",
        "5",
        "--log",
        log.to_str().unwrap(),
        data("moons.csv").to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.starts_with("accuracy: "));
    let text = std::fs::read_to_string(&log).unwrap();
    let epochs = text.lines().filter(|l| l.starts_with(r#"{"type":"epoch_ended""#)).count();
    assert_eq!(epochs, 5);
}

#[test]
fn divergence_is_reported_without_nan() {
    let moons = data("moons.csv");
    let out = run(&[
        "--no-tui",
        "-q",
        "--folds",
        "3",
        "--epochs",
        "5",
        "--optimizer",
        "sgd",
        "--lr",
        "1e9",
        moons.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("diverged in epoch"), "{}", out.stdout);
    assert!(out.stderr.contains("lower the learning rate"), "{}", out.stderr);
    assert!(!out.stdout.to_lowercase().contains("nan") && !out.stdout.contains("inf"), "{}", out.stdout);
}

#[test]
fn exploding_inputs_are_flagged_not_printed_as_nan() {
    let mut text = String::from("a,b,label\n");
    for row in 0..100 {
        text.push_str(&format!("{}e30,{}e35,{}\n", row % 7, (row * 3) % 5, row % 2));
    }
    let (_dir, path) = file_with("explode.csv", text.as_bytes());
    for optimizer in ["adam", "sgd"] {
        let out = run(&[
            "--no-tui",
            "-q",
            "--folds",
            "4",
            "--epochs",
            "5",
            "--optimizer",
            optimizer,
            path.to_str().unwrap(),
        ]);
        assert!(out.stderr.contains("feature \"b\" reaches 4.0e35"), "{}", out.stderr);
        assert!(out.stderr.contains("--standardize"), "{}", out.stderr);
        let lower = out.stdout.to_lowercase();
        assert!(!lower.contains("nan") && !lower.contains("inf"), "{}", out.stdout);
        // Adam's steps stay small whatever the gradient; plain SGD blows up.
        if optimizer == "sgd" {
            assert_eq!(out.code, 1);
            assert!(out.stdout.contains("diverged in epoch 1, no score"), "{}", out.stdout);
        }
    }
    let fixed =
        run(&["--no-tui", "-q", "--folds", "4", "--epochs", "5", "--standardize", path.to_str().unwrap()]);
    assert_eq!(fixed.code, 0);
    assert!(!fixed.stderr.contains("reaches"), "{}", fixed.stderr);
}

#[test]
fn saved_model_predicts_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    let spiral = data("spiral.csv");
    let out = run(&[
        "--no-tui",
        "-q",
        "--standardize",
        "--epochs",
        "200",
        "--save-model",
        model.to_str().unwrap(),
        spiral.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let predicted = run(&["predict", "--model", model.to_str().unwrap(), spiral.to_str().unwrap()]);
    assert_eq!(predicted.code, 0, "{}", predicted.stderr);
    let lines: Vec<&str> = predicted.stdout.lines().skip(1).collect();
    assert_eq!(predicted.stdout.lines().next(), Some("predicted,probability"), "a header row");
    assert_eq!(lines.len(), 300);
    let labels: Vec<String> = std::fs::read_to_string(&spiral)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().to_string())
        .collect();
    let correct = lines
        .iter()
        .zip(&labels)
        .filter(|(line, label)| line.split(',').next() == Some(label.as_str()))
        .count();
    // The same share as the training accuracy the fit printed.
    let accuracy: f64 = out
        .stdout
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("accuracy: ")
        .trim_end_matches('%')
        .parse()
        .unwrap();
    assert!((100.0 * correct as f64 / 300.0 - accuracy).abs() < 0.01, "{correct} vs {accuracy}");
    for line in &lines {
        let probability: f64 = line.split(',').nth(1).unwrap().parse().unwrap();
        assert!((1.0 / 3.0..=1.0).contains(&probability), "{line}");
    }

    // Features only (no label column) works too; a file of another width does not.
    let features_only: String = std::fs::read_to_string(&spiral)
        .unwrap()
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n")
        .collect();
    let (_d, path) = file_with("features.csv", features_only.as_bytes());
    let again = run(&["predict", "--model", model.to_str().unwrap(), path.to_str().unwrap()]);
    assert_eq!(again.stdout, predicted.stdout);
    let wrong = run(&["predict", "--model", model.to_str().unwrap(), data("blobs.csv").to_str().unwrap()]);
    assert_eq!(wrong.code, 1);
    assert!(
        wrong.stderr.contains("blobs.csv:1:1: no column named \"x\": the model reads the columns x, y"),
        "{}",
        wrong.stderr
    );
    let (_d, path) = file_with("wide.csv", b"1,2,3,4\n5,6,7,8\n");
    let wrong = run(&["predict", "--model", model.to_str().unwrap(), path.to_str().unwrap()]);
    assert_eq!(wrong.code, 1);
    assert!(
        wrong
            .stderr
            .contains("the model takes 2 features (3 columns with the label), but the file has 4 columns"),
        "{}",
        wrong.stderr
    );
    let not_model = run(&["predict", "--model", spiral.to_str().unwrap(), spiral.to_str().unwrap()]);
    assert_eq!(not_model.code, 1);
    assert!(not_model.stderr.contains("not an nntui model file"), "{}", not_model.stderr);
}

#[test]
fn save_model_after_cross_validation_refits_on_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    let moons = data("moons.csv");
    let args = ["--no-tui", "--folds", "3", "--epochs", "5", "--save-model", model.to_str().unwrap()];
    let out = run(&[&args[..], &[moons.to_str().unwrap()]].concat());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.lines().last().unwrap().contains("(+/- "), "the CV score first: {}", out.stdout);
    assert!(out.stderr.contains("refitting on all 400 rows for --save-model"), "{}", out.stderr);
    assert!(out.stderr.contains("(trained on all 400 rows)"), "{}", out.stderr);
    let predicted = run(&["predict", "--model", model.to_str().unwrap(), moons.to_str().unwrap()]);
    assert_eq!(predicted.code, 0, "{}", predicted.stderr);
    assert_eq!(predicted.stdout.lines().count(), 401, "a header and a line per row");
}

#[test]
fn closed_stdout_is_not_an_error() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("nntui"))
        .args(["--json", "--epochs", "2000", "--folds", "1", data("moons.csv").to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// A model trained briefly on moons, saved in a fresh directory.
fn moons_model() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("moons.json");
    let out = run(&[
        "--no-tui",
        "-q",
        "--folds",
        "1",
        "--epochs",
        "20",
        "--save-model",
        model.to_str().unwrap(),
        data("moons.csv").to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    (dir, model)
}

#[test]
fn evaluate_prints_accuracy_a_confusion_matrix_and_a_classification_report() {
    let (_dir, model) = moons_model();
    let out = run(&["evaluate", "--model", model.to_str().unwrap(), data("moons.csv").to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("accuracy: ") && lines[0].ends_with(" of 400 rows)"), "{}", out.stdout);
    assert!(lines[1].starts_with("loss: "), "{}", out.stdout);
    assert!(out.stdout.contains("true \\ predicted  lower  upper"), "{}", out.stdout);
    assert!(out.stdout.contains("              precision    recall  f1-score   support"), "{}", out.stdout);
    assert!(out.stdout.contains("\n    accuracy                           0."), "{}", out.stdout);
    assert!(out.stdout.contains("weighted avg"), "{}", out.stdout);

    // Without labels there is nothing to score; with foreign labels, the row is named.
    let (_d, features_only) = file_with("x.csv", b"x,y\n0.1,0.2\n");
    let out = run(&["evaluate", "--model", model.to_str().unwrap(), features_only.to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("no label column"), "{}", out.stderr);
    let (_d, foreign) = file_with("f.csv", b"x,y,moon\n0.1,0.2,upper\n0.3,0.4,middle\n");
    let out = run(&["evaluate", "--model", model.to_str().unwrap(), foreign.to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("row 2: label \"middle\" is not one of the model's classes (lower, upper)"),
        "{}",
        out.stderr
    );
}

#[test]
fn predict_gives_probabilities_passes_an_id_through_and_writes_a_file() {
    let (dir, model) = moons_model();
    let (_d, with_ids) = file_with("ids.csv", b"name,x,y\nfirst,-0.1194,0.9638\nsecond,1.0577,-0.1908\n");
    let out = run(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--proba",
        "--id-col",
        "name",
        with_ids.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], "name,predicted,lower,upper");
    assert!(
        lines[1].starts_with("first,upper,0.") && lines[2].starts_with("second,lower,0."),
        "{}",
        out.stdout
    );
    let probabilities: f64 = lines[1].split(',').skip(2).map(|p| p.parse::<f64>().unwrap()).sum();
    assert!((probabilities - 1.0).abs() < 2e-4, "{}", lines[1]);

    let written = dir.path().join("out.csv");
    let out = run(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--id-col",
        "1",
        "--output",
        written.to_str().unwrap(),
        with_ids.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    let text = std::fs::read_to_string(&written).unwrap();
    assert!(text.starts_with("name,predicted,probability\nfirst,upper,"), "{text}");

    let out =
        run(&["predict", "--model", model.to_str().unwrap(), "--id-col", "nope", with_ids.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("--id-col") && out.stderr.contains("no column named \"nope\""),
        "{}",
        out.stderr
    );
}

#[test]
fn a_demo_that_falls_short_of_what_it_can_reach_gets_a_hint() {
    let spiral = data("spiral.csv");
    let out = run(&["--no-tui", "-q", "--folds", "3", spiral.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("on the spiral demo, where about 97% is within reach; try --init he_uniform"),
        "{}",
        out.stderr
    );
    let out = run(&["--no-tui", "-q", "--folds", "3", "--init", "he_uniform", spiral.to_str().unwrap()]);
    assert!(!out.stderr.contains("demo"), "{}", out.stderr);
}

/// The parser is consistent (clap's own checks: no clashing names, valid defaults), and
/// it makes every shell's completions and the manual page.
#[test]
fn the_parser_checks_out_and_makes_completions_and_a_manual() {
    <nntui::cli::Cli as clap::CommandFactory>::command().debug_assert();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(&["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        // Subcommands and options reach every script.
        assert!(out.stdout.contains("nntui") && out.stdout.contains("class-weight"), "{shell}");
        assert!(out.stdout.contains("evaluate") && out.stdout.contains("threshold"), "{shell}");
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.code, 2, "an unknown shell is a usage error");
    let man = run(&["man"]);
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(
        man.stdout.starts_with(".ie \\n(.g .ds Aq") || man.stdout.contains(".TH nntui"),
        "{}",
        &man.stdout[..200]
    );
    assert!(man.stdout.contains("\\-\\-metrics"), "the options are in the page");
}

/// clap's usage errors in nntui's style: `nntui: ...` on one line (the hints folded in),
/// the usage line after it, exit code 2.
#[test]
fn usage_errors_are_one_nntui_line() {
    for (args, expected) in [
        (vec!["completions", "tcsh"], "nntui: invalid value 'tcsh' for '<SHELL>' (possible values: bash,"),
        (
            vec!["--metrics", "aucc", "x.csv"],
            "nntui: invalid value 'aucc' for '--metrics <LIST>': unknown metric 'aucc'",
        ),
        (vec!["--no-such-flag", "x.csv"], "nntui: unexpected argument '--no-such-flag' found"),
        (
            vec!["predict"],
            "nntui: the following required arguments were not provided: --model <PATH>, <FILE>",
        ),
    ] {
        let out = run(&args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert!(lines[0].starts_with(expected), "{args:?}: {}", out.stderr);
        assert!(lines.len() <= 2 && lines.get(1).is_none_or(|l| l.starts_with("Usage: ")), "{}", out.stderr);
    }
    let help = run(&["--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("Usage:"));
}

/// Folds trained at once write their epoch lines each fold's together, in fold order,
/// so that the headless output comes out the same on every run.
#[test]
fn parallel_folds_write_their_lines_in_fold_order() {
    let moons = data("moons.csv").display().to_string();
    let args = ["--no-tui", "--folds", "4", "--threads", "2", "--epochs", "25", moons.as_str()];
    let headings = |stderr: &str| -> Vec<usize> {
        stderr
            .lines()
            .filter_map(|l| {
                l.strip_prefix("Fold ").and_then(|r| r.split('/').next()).and_then(|f| f.parse().ok())
            })
            .collect()
    };
    let first = run(&args);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let folds = headings(&first.stderr);
    assert_eq!(folds.len(), 100, "{}", first.stderr);
    assert!(folds.windows(2).all(|w| w[0] <= w[1]), "in fold order: {folds:?}");
    // Timings aside, the same text again.
    let strip = |text: &str| -> String {
        text.lines()
            .map(|l| {
                l.split(" - ")
                    .filter(|p| !p.contains("s/step") && !p.ends_with('s'))
                    .collect::<Vec<_>>()
                    .join(" - ")
                    + "\n"
            })
            .collect()
    };
    assert_eq!(strip(&run(&args).stderr), strip(&first.stderr));
}

/// `--verbose` as Keras's: 2 (the default off a terminal) a line per epoch, 1 the
/// progress bar's form (without colour or a moving bar off a terminal), 0 nothing.
#[test]
fn verbose_picks_keras_lines_bars_or_nothing() {
    let moons = common::data("moons.csv").display().to_string();
    let run = |verbose: &str| {
        common::run(&[&moons, "--folds", "1", "--epochs", "2", "--no-tui", "--verbose", verbose])
    };
    let two = run("2");
    assert_eq!(two.code, 0);
    assert!(two.stderr.contains("Epoch 2/2\n40/40 - 0s - "), "{}", two.stderr);
    let default = common::run(&[&moons, "--folds", "1", "--epochs", "2", "--no-tui"]);
    assert!(
        default.stderr.contains("Epoch 2/2\n40/40 - 0s - ") && !default.stderr.contains('━'),
        "{}",
        default.stderr
    );
    let one = run("1");
    assert!(one.stderr.contains("Epoch 2/2\n\r40/40 ━━━━━━━━━━━━━━━━━━━━ 0s "), "{}", one.stderr);
    assert!(!one.stderr.contains('\x1b'), "no colour off a terminal");
    let zero = run("0");
    assert!(!zero.stderr.contains("Epoch") && zero.stdout.contains("accuracy"), "{}", zero.stderr);
    let bad = run("3");
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.starts_with("nntui: ") && bad.stderr.contains("--verbose"), "{}", bad.stderr);
}
