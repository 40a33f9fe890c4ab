//! `--metrics` against Keras 3's own metrics: the same predictions, batch by batch, and
//! Keras's result after each batch (its state accumulated as `fit` accumulates it over
//! an epoch), recorded by `tests/keras_reference/make_metric_tables.py`. Then the metrics
//! through the program: epoch lines, events, the CV line, monitoring and tune.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

mod common;

use assert_cmd::Command;
use nntui::nn::{Measure, Tally};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Deserialize)]
struct Tables {
    keras: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    units: usize,
    batches: Vec<Batch>,
    keras: BTreeMap<String, Vec<f64>>,
}

#[derive(Deserialize)]
struct Batch {
    predictions: Vec<f32>,
    targets: Vec<f32>,
}

#[test]
fn every_metric_agrees_with_keras_batch_by_batch() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keras_reference/metrics.json");
    let tables: Tables = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(tables.keras.starts_with('3'), "recorded from Keras 3, not {}", tables.keras);
    let mut checked = 0;
    for case in &tables.cases {
        for (name, expected) in &case.keras {
            let measure: Measure = name.parse().unwrap();
            let mut tally = Tally::new(measure, case.units);
            for (k, (batch, &keras)) in case.batches.iter().zip(expected).enumerate() {
                tally.add(&batch.predictions, &batch.targets, case.units);
                let ours = tally.result();
                // Keras keeps its sums in float32: a few units in the last place.
                let tolerance = 1e-6 * keras.abs().max(1.0);
                assert!(
                    (ours - keras).abs() <= tolerance,
                    "{}: {name} after batch {}: nntui {ours}, Keras {keras}",
                    case.name,
                    k + 1
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 60, "only {checked} values checked");
}

#[derive(Deserialize)]
struct Weighted {
    keras: String,
    args: Vec<String>,
    history: BTreeMap<String, Vec<f64>>,
}

/// Keras's `class_weight` with AUC, precision and recall and a held-out share: every
/// epoch's training values weighted by class as Keras weights them (the loss summed
/// over the batch's rows and divided by their count; the metrics counting each row by its
/// weight), the held-out ones unweighted (tests/keras_reference/make_weighted_reference.py).
#[test]
fn class_weights_and_metrics_follow_keras_epoch_by_epoch() {
    follows_keras("tests/keras_reference/weighted.json");
}

/// Keras's `sample_weight` from a column (`--sample-weight-col`), some weights 0, with a
/// held-out share: the training loss weighted as with class weights, the held-out loss
/// weighted by the held-out rows' own weights, the metrics unweighted
/// (tests/keras_reference/make_sample_weight_reference.py).
#[test]
fn sample_weights_from_a_column_follow_keras_epoch_by_epoch() {
    follows_keras("tests/keras_reference/sample_weighted.json");
}

/// Runs nntui with a reference file's arguments and compares every epoch's values.
fn follows_keras(reference: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let reference: Weighted =
        serde_json::from_str(&std::fs::read_to_string(root.join(reference)).unwrap()).unwrap();
    let output = Command::cargo_bin("nntui")
        .unwrap()
        .current_dir(root)
        .args(&reference.args)
        .args(["--json", "--threads", "1"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut ours: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        if let nntui::train::Event::EpochEnded(epoch) = serde_json::from_str(line).unwrap() {
            let mut values: Vec<(String, f64)> = epoch.values("accuracy");
            values.retain(|(name, _)| name != "learning_rate");
            for (name, value) in values {
                ours.entry(name).or_default().push(value);
            }
        }
    }
    assert_eq!(ours.keys().collect::<Vec<_>>(), reference.history.keys().collect::<Vec<_>>());
    for (name, keras) in &reference.history {
        for (epoch, (ours, keras)) in ours[name].iter().zip(keras).enumerate() {
            assert!(
                (ours - keras).abs() <= 2e-6 * keras.abs().max(1.0),
                "{name}, epoch {}: nntui {ours}, Keras {} {keras}",
                epoch + 1,
                reference.keras
            );
        }
    }
}

fn pima() -> String {
    std::env::var("NNTUI_PIMA").unwrap_or_else(|_| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data/pima-indians-diabetes.csv")
            .display()
            .to_string()
    })
}

/// stdout, stderr and whether it succeeded.
fn nntui(args: &[&str]) -> (String, String, bool) {
    let out = common::run(args);
    (out.stdout, out.stderr, out.code == 0)
}

#[test]
fn metrics_reach_epoch_lines_events_and_the_cross_validated_line() {
    let dir = tempfile::tempdir().unwrap();
    let log_dir = dir.path().display().to_string();
    let pima = pima();
    let (out, err, ok) = nntui(&[
        "--no-tui",
        "--folds",
        "3",
        "--epochs",
        "3",
        "--metrics",
        "auc,recall",
        "--log-dir",
        &log_dir,
        &pima,
    ]);
    assert!(ok, "{err}");
    let epoch = err.lines().find(|l| l.contains("val_loss")).unwrap();
    // Keras's order: the task's metric, then --metrics' in the order given; val_ the same.
    let order: Vec<usize> =
        ["loss:", "accuracy:", "auc:", "recall:", "val_loss:", "val_accuracy:", "val_auc:", "val_recall:"]
            .iter()
            .map(|name| epoch.find(&format!(" {name}")).unwrap_or_else(|| panic!("{name} in {epoch}")))
            .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{epoch}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines.iter().filter(|l| l.starts_with("accuracy:") && l.contains(" - auc: ")).count() == 3,
        "{out}"
    );
    let auc = lines.iter().find(|l| l.starts_with("auc: ")).unwrap_or_else(|| panic!("{out}"));
    assert!(auc.contains(" (+/- "), "{auc}");
    assert!(lines.iter().any(|l| l.starts_with("recall: ")), "{out}");
    // The run file carries them, and the viewer reads them as series.
    let (view, err, ok) = nntui(&["view", "--json", &log_dir]);
    assert!(ok, "{err}");
    assert!(view.contains("\"val_auc\"") && view.contains("\"recall\""), "{view}");
}

#[test]
fn early_stopping_watches_val_auc_and_says_what_is_missing() {
    let pima = pima();
    let (out, err, ok) = nntui(&[
        "--no-tui",
        "--folds",
        "1",
        "--validation-split",
        "0.3",
        "--epochs",
        "60",
        "--metrics",
        "auc",
        "--early-stopping",
        "monitor=val_auc,patience=2",
        &pima,
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("early stopping"), "auto mode maximizes val_auc and stops: {err}");
    assert!(out.lines().any(|l| l.starts_with("val_auc: ")), "{out}");
    let (_, err, ok) = nntui(&[
        "--no-tui",
        "--folds",
        "1",
        "--validation-split",
        "0.3",
        "--early-stopping",
        "monitor=val_auc",
        &pima,
    ]);
    assert!(!ok);
    assert!(err.contains("add --metrics auc"), "{err}");
    let (_, err, ok) = nntui(&["--no-tui", "--metrics", "r2_score", &pima]);
    assert!(!ok);
    assert!(err.lines().count() == 1 && err.contains("does not measure a classification"), "{err}");
}

/// `evaluate` scores the ranking exactly (the same AUC as the probabilities `predict
/// --proba` writes give), and `--threshold` moves the decisions of both commands.
#[test]
fn evaluate_ranks_exactly_and_thresholds_decide() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json").display().to_string();
    let pima = pima();
    let (_, err, ok) =
        nntui(&["--no-tui", "-q", "--folds", "1", "--epochs", "20", "--save-model", &model, &pima]);
    assert!(ok, "{err}");
    let (report, err, ok) = nntui(&["evaluate", "--model", &model, &pima]);
    assert!(ok, "{err}");
    let (proba, _, _) = nntui(&["predict", "--model", &model, "--proba", &pima]);
    let scores: Vec<f64> =
        proba.lines().skip(1).map(|l| l.rsplit(',').next().unwrap().parse().unwrap()).collect();
    let labels: Vec<bool> = std::fs::read_to_string(&pima)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .map(|l| l.trim().ends_with(",1"))
        .collect();
    let auc = nntui::evaluate::roc_auc(&scores, &labels).unwrap();
    assert!(report.contains(&format!("roc auc: {auc:.4}\n")), "{report}");
    assert!(report.contains("average precision: "), "{report}");
    let (low, _, ok) = nntui(&["evaluate", "--model", &model, "--threshold", "0.05", &pima]);
    assert!(ok && low.starts_with("threshold: 0.05 (1 above it)\n"), "{low}");
    assert_ne!(low.lines().nth(1), report.lines().next(), "another threshold, other decisions");
    let (all, _, ok) = nntui(&["predict", "--model", &model, "--threshold", "0.000001", &pima]);
    assert!(ok && all.lines().skip(1).all(|l| l.starts_with("1,")), "{all}");
    let (_, err, ok) = nntui(&["predict", "--model", &model, "--threshold", "1.5", &pima]);
    assert!(!ok && err.contains("between 0 and 1"), "{err}");
}

/// `nntui tune --objective val_auc` ranks trials by the held-out AUC `--metrics` adds;
/// without it, the error says how to measure it.
#[test]
fn tune_optimizes_val_auc() {
    let pima = pima();
    let study = tempfile::tempdir().unwrap();
    let journal = study.path().join("s.jsonl").display().to_string();
    let args =
        ["tune", &pima, "--no-tui", "--trials", "2", "--epochs", "4", "--folds", "2", "--storage", &journal];
    let mut with = args.to_vec();
    with.extend(["--metrics", "auc", "--objective", "val_auc", "--lr", "1e-3..1e-2:log"]);
    let (out, err, ok) = nntui(&with);
    assert!(ok, "{err}");
    let best = out.lines().find(|l| l.starts_with("best: trial ")).unwrap_or_else(|| panic!("{out}"));
    assert!(best.contains("val_auc 0."), "{best}");
    let other = study.path().join("other.jsonl").display().to_string();
    let mut without = args[..args.len() - 1].to_vec();
    without.extend([other.as_str(), "--objective", "val_auc", "--lr", "1e-3..1e-2:log"]);
    let (_, err, ok) = nntui(&without);
    assert!(!ok && err.contains("add --metrics auc"), "{err}");
}

/// `--sample-weight-col`: the column is not a feature (a saved model's columns are the
/// others, and predict reads a file that has it); every cell must be a number >= 0
/// (file:line:col otherwise); Keras's refusals are kept (with class weights); a model
/// continued from a saved one (`--initial-model`, whose schema reads the file) still
/// reads the weights.
#[test]
fn sample_weights_are_read_checked_and_kept_out_of_the_features() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("a,b,w,label\n");
    for i in 0..60 {
        let x = f64::from(i) / 60.0;
        text.push_str(&format!("{x:.3},{:.3},2,{}\n", 1.0 - x, if i % 3 == 0 { "yes" } else { "no" }));
    }
    let file = dir.path().join("w.csv");
    std::fs::write(&file, &text).unwrap();
    let file = file.display().to_string();
    let model = dir.path().join("m.json").display().to_string();
    let (_, err, ok) = nntui(&[
        &file,
        "--sample-weight-col",
        "w",
        "--folds",
        "1",
        "--epochs",
        "2",
        "--no-tui",
        "--save-model",
        &model,
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("sample weights from column \"w\" (not a feature): 2 to 2, mean 2.0000"), "{err}");
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(saved["feature_names"], serde_json::json!(["a", "b"]));
    let (out, err, ok) = nntui(&["predict", "--model", &model, &file]);
    assert!(ok && out.lines().count() == 61, "{err}");

    // Weights of 2 on every row double the reported loss (an update too small to matter).
    let loss = |extra: &[&str]| -> f64 {
        let mut args =
            vec![file.as_str(), "--folds", "1", "--epochs", "1", "--json", "--initial-model", &model];
        args.extend_from_slice(&["--optimizer", "sgd", "--lr", "1e-9", "--no-shuffle"]);
        args.extend_from_slice(extra);
        let (out, err, ok) = nntui(&args);
        assert!(ok, "{err}");
        out.lines()
            .find_map(|l| match serde_json::from_str(l).unwrap() {
                nntui::train::Event::EpochEnded(e) => Some(e.loss),
                _ => None,
            })
            .unwrap()
    };
    let (plain, weighted) = (loss(&[]), loss(&["--sample-weight-col", "w"]));
    assert!((weighted / plain - 2.0).abs() < 1e-4, "{weighted} vs {plain}");

    let (_, err, ok) = nntui(&[&file, "--sample-weight-col", "w", "--class-weight", "balanced", "--no-tui"]);
    assert!(!ok && err.contains("--class-weight: cannot be used with --sample-weight-col"), "{err}");
    let (_, err, ok) = nntui(&[&file, "--sample-weight-col", "label", "--no-tui"]);
    assert!(!ok && err.contains("--sample-weight-col") && err.contains("label column"), "{err}");
    for (cell, why) in [
        ("-1", "sample weight \"-1\" is not a number >= 0"),
        ("", "a sample weight is missing"),
        ("x", "sample weight \"x\" is not a number >= 0"),
    ] {
        let bad = text.replacen("0.017,0.983,2,no", &format!("0.017,0.983,{cell},no"), 1);
        let path = dir.path().join("bad.csv");
        std::fs::write(&path, bad).unwrap();
        let (_, err, ok) = nntui(&[path.to_str().unwrap(), "--sample-weight-col", "w", "--no-tui"]);
        assert!(!ok && err.contains("bad.csv:3:3") && err.contains(why), "{cell:?}: {err}");
    }
    let zero = dir.path().join("zero.csv");
    std::fs::write(&zero, text.replace(",2,", ",0,")).unwrap();
    let (_, err, ok) = nntui(&[zero.to_str().unwrap(), "--sample-weight-col", "w", "--no-tui"]);
    assert!(!ok && err.contains("every row's weight in column \"w\" is 0"), "{err}");
}
