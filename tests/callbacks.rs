//! Early stopping and ReduceLROnPlateau against Keras 3 itself: tables of monitored
//! values fed to Keras's own callbacks (`tests/keras_reference/make_callback_tables.py`
//! wrote what they did into `callbacks.json`) replayed through nntui's state machines.
//! Each row says where Keras stops, which epoch's weights it restores, and when it
//! reduces the learning rate to what.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_possible_truncation)] // a test fails loudly where its set-up does

use nntui::train::callbacks::{EarlyStopping, EarlyStoppingSpec, Logs, Mode, PlateauSpec, ReduceLrOnPlateau};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

#[derive(Deserialize)]
struct Tables {
    keras: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    callback: String,
    monitor: String,
    values: Vec<f64>,
    params: serde_json::Map<String, Value>,
    #[serde(default)]
    stopped_epoch: Option<usize>,
    #[serde(default)]
    restored_epoch: Option<usize>,
    #[serde(default)]
    reductions: Vec<(usize, f64)>,
    #[serde(default)]
    initial_lr: f64,
}

fn tables() -> Tables {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keras_reference/callbacks.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The case's arguments in `--early-stopping` / `--reduce-lr-on-plateau` spelling, so
/// that the parser is part of what is checked.
fn argument(case: &Case) -> String {
    let mut pairs = vec![format!("monitor={}", case.monitor)];
    for (key, value) in &case.params {
        let text = match value {
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            other => panic!("unexpected {other}"),
        };
        pairs.push(format!("{key}={text}"));
    }
    pairs.join(",")
}

fn logs(case: &Case, value: f64) -> Logs {
    let mut logs = Logs::new();
    logs.insert(case.monitor.clone(), value);
    if case.monitor != "loss" {
        logs.insert("loss".into(), 1.0);
    }
    logs
}

#[test]
fn early_stopping_stops_and_restores_where_keras_does() {
    let tables = tables();
    let mut checked = 0;
    for case in tables.cases.iter().filter(|c| c.callback == "early_stopping") {
        let spec: EarlyStoppingSpec = argument(case).parse().unwrap();
        let mut policy = EarlyStopping::new(spec);
        let mut stopped = None;
        for (index, &value) in case.values.iter().enumerate() {
            if policy.on_epoch_end(index + 1, &logs(case, value)).stop {
                stopped = Some(index + 1);
                break;
            }
        }
        let label = format!("{} {} {:?} (Keras {})", case.monitor, argument(case), case.values, tables.keras);
        assert_eq!(stopped, case.stopped_epoch, "stopped epoch: {label}");
        assert_eq!(policy.restore_epoch(), case.restored_epoch, "restored epoch: {label}");
        checked += 1;
    }
    assert_eq!(checked, 18);
}

#[test]
fn plateaus_reduce_the_learning_rate_where_keras_does() {
    let tables = tables();
    let mut checked = 0;
    for case in tables.cases.iter().filter(|c| c.callback == "reduce_lr_on_plateau") {
        let spec: PlateauSpec = argument(case).parse().unwrap();
        let mut policy = ReduceLrOnPlateau::new(spec);
        let mut learning_rate = case.initial_lr;
        let mut reductions = Vec::new();
        for (index, &value) in case.values.iter().enumerate() {
            if let Some(reduced) = policy.on_epoch_end(&logs(case, value), learning_rate) {
                learning_rate = reduced;
                reductions.push((index + 1, reduced));
            }
        }
        let label = format!("{} {} {:?} (Keras {})", case.monitor, argument(case), case.values, tables.keras);
        assert_eq!(
            reductions.iter().map(|r| r.0).collect::<Vec<_>>(),
            case.reductions.iter().map(|r| r.0).collect::<Vec<_>>(),
            "epochs: {label}"
        );
        // Keras keeps the rate in float32; nntui in f64: equal to float32 precision.
        for (ours, keras) in reductions.iter().zip(&case.reductions) {
            assert!(
                (ours.1 - keras.1).abs() <= 1e-6 * keras.1,
                "rate {} vs Keras {}: {label}",
                ours.1,
                keras.1
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 9);
}

#[test]
fn auto_mode_follows_the_metric_name() {
    assert!(Mode::Auto.maximizes("val_accuracy"));
    assert!(Mode::Auto.maximizes("accuracy"));
    assert!(!Mode::Auto.maximizes("val_loss"));
    assert!(!Mode::Auto.maximizes("mae"));
    assert!(Mode::Max.maximizes("loss"));
}

// ---- End to end: the command line with policies --------------------------------------

use assert_cmd::Command;
use nntui::train::Event;
use nntui::train::callbacks::CallbackAction;

struct Run {
    code: i32,
    events: Vec<Event>,
    stderr: String,
}

fn nntui(args: &[&str]) -> Run {
    let output = Command::cargo_bin("nntui").unwrap().args(args).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let events = if args.contains(&"--json") {
        stdout.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
    } else {
        Vec::new()
    };
    Run {
        code: output.status.code().unwrap_or(-1),
        events,
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// A noisy two-moons set that a large network over-fits.
fn noisy_moons(dir: &Path) -> String {
    let path = dir.join("noisy.csv");
    let out = Command::cargo_bin("nntui")
        .unwrap()
        .args([
            "generate",
            "moons",
            "--rows",
            "200",
            "--noise",
            "0.45",
            "--seed",
            "3",
            "-o",
            path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    path.to_str().unwrap().to_string()
}

const OVERFIT: [&str; 10] = [
    "--folds",
    "1",
    "--validation-split",
    "0.3",
    "--layers",
    "128:relu,128:relu",
    "--init",
    "he_uniform",
    "--lr",
    "0.01",
];

#[test]
fn early_stopping_ends_near_the_validation_minimum_and_keeps_those_weights() {
    let dir = tempfile::tempdir().unwrap();
    let data = noisy_moons(dir.path());
    let mut args = OVERFIT.to_vec();
    args.extend([
        "--epochs",
        "400",
        "--early-stopping",
        "patience=20,restore_best_weights=true",
        "--json",
        &data,
    ]);
    let run = nntui(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let val_losses: Vec<(usize, f64)> = run
        .events
        .iter()
        .filter_map(|e| match e {
            Event::EpochEnded(r) => Some((r.epoch, r.val_loss.unwrap())),
            _ => None,
        })
        .collect();
    let (last, _) = *val_losses.last().unwrap();
    assert!(last < 400, "the network over-fits, so training stops early (ran {last} epochs)");
    let (best_epoch, best_loss) =
        val_losses.iter().copied().fold((0, f64::INFINITY), |b, (e, l)| if l < b.1 { (e, l) } else { b });
    assert_eq!(last, best_epoch + 20, "patience 20 after the minimum");
    let fold = run
        .events
        .iter()
        .find_map(|e| match e {
            Event::FoldEnded(f) => Some(f.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(fold.stopped_early, Some(last));
    assert_eq!(fold.restored_epoch, Some(best_epoch));
    // The kept weights are the best epoch's: scored again, they give its loss exactly.
    assert_eq!(fold.validation.unwrap().loss, best_loss);
    let actions: Vec<&CallbackAction> = run
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Callback(p) => Some(&p.action),
            _ => None,
        })
        .collect();
    assert_eq!(
        actions,
        [
            &CallbackAction::EarlyStopping { stopped_epoch: last },
            &CallbackAction::RestoredBestWeights { best_epoch }
        ]
    );

    // The same run as text: Keras's messages.
    let mut args = OVERFIT.to_vec();
    args.extend([
        "--epochs",
        "400",
        "--early-stopping",
        "patience=20,restore_best_weights=true",
        "--no-tui",
        &data,
    ]);
    let text = nntui(&args);
    assert!(text.stderr.contains(&format!("\nEpoch {last}: early stopping\n")), "{}", text.stderr);
    assert!(
        text.stderr
            .contains(&format!("\nRestoring model weights from the end of the best epoch: {best_epoch}.\n")),
        "{}",
        text.stderr
    );
}

#[test]
fn plateaus_reduce_the_rate_in_the_epoch_lines_and_events() {
    let dir = tempfile::tempdir().unwrap();
    let data = noisy_moons(dir.path());
    let mut args = OVERFIT.to_vec();
    args.extend(["--epochs", "80", "--reduce-lr-on-plateau", "patience=4,factor=0.5", "--json", &data]);
    let run = nntui(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut rate = 0.01;
    let mut reductions = 0;
    for event in &run.events {
        match event {
            Event::EpochEnded(report) => assert!(
                (report.learning_rate - rate).abs() < 1e-15,
                "epoch {}: {}",
                report.epoch,
                report.learning_rate
            ),
            Event::Callback(policy) => {
                if let CallbackAction::ReduceLrOnPlateau { learning_rate } = policy.action {
                    assert_eq!(learning_rate, rate * 0.5);
                    rate = learning_rate;
                    reductions += 1;
                }
            }
            _ => {}
        }
    }
    assert!(reductions >= 2, "a noisy validation loss plateaus: {reductions} reductions");
    let mut args = OVERFIT.to_vec();
    args.extend(["--epochs", "80", "--reduce-lr-on-plateau", "patience=4,factor=0.5", "--no-tui", &data]);
    let text = nntui(&args);
    assert!(
        text.stderr.contains(": ReduceLROnPlateau reducing learning rate to 0.005.\n"),
        "{}",
        text.stderr
    );
    assert!(
        text.stderr.contains(" - learning_rate: 0.0050\n"),
        "the epoch lines show the rate: {}",
        text.stderr
    );
}

#[test]
fn checkpoints_reload_as_the_model_of_their_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let data = noisy_moons(dir.path());
    let template = dir.path().join("ck-{epoch}.json");
    let mut args = OVERFIT.to_vec();
    let checkpoint = format!("{},monitor=val_loss", template.to_str().unwrap());
    args.extend(["--epochs", "30", "--checkpoint", &checkpoint, "--json", &data]);
    let run = nntui(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let saves: Vec<(usize, f64, String)> = run
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Callback(p) => match &p.action {
                CallbackAction::Checkpoint { to: Some(to), path, .. } => Some((p.epoch, *to, path.clone())),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert!(saves.len() >= 2, "{saves:?}");
    assert!(saves.windows(2).all(|w| w[1].1 < w[0].1), "each save improves on the last");
    // The last checkpoint, evaluated on the validation rows (the last 30% of the file),
    // gives the loss it was saved for.
    let (epoch, loss, path) = saves.last().unwrap().clone();
    assert!(path.ends_with(&format!("ck-{epoch}.json")));
    let text = std::fs::read_to_string(&data).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let rows = lines.len() - 1;
    let split = (rows as f64 * 0.7) as usize;
    let validation = dir.path().join("validation.csv");
    std::fs::write(&validation, format!("{}\n{}\n", lines[0], lines[1 + split..].join("\n"))).unwrap();
    let out = Command::cargo_bin("nntui")
        .unwrap()
        .args(["evaluate", "--model", &path, validation.to_str().unwrap()])
        .output()
        .unwrap();
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.contains(&format!("loss: {loss:.4}\n")), "epoch {epoch} saved at {loss}: {report}");
}

#[test]
fn csv_log_has_kerass_columns() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log-{fold}.csv");
    let run = nntui(&[
        "--folds",
        "2",
        "--epochs",
        "3",
        "--csv-log",
        log.to_str().unwrap(),
        "--no-tui",
        "-q",
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/moons.csv").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for fold in 1..=2 {
        let text = std::fs::read_to_string(dir.path().join(format!("log-{fold}.csv"))).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "epoch,accuracy,loss,val_accuracy,val_loss");
        assert_eq!(lines.len(), 4);
        assert!(lines[1].starts_with("0,") && lines[3].starts_with("2,"), "{text}");
    }
}

#[test]
fn a_monitored_value_that_does_not_exist_is_a_usage_error() {
    let moons = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/moons.csv");
    let run = nntui(&["--folds", "1", "--early-stopping", "--no-tui", moons.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--early-stopping: monitor=val_loss is not a value this run reports; it reports loss, accuracy (there is no validation data"),
        "{}",
        run.stderr
    );
    let run = nntui(&[
        "--folds",
        "1",
        "--validation-split",
        "0.2",
        "--reduce-lr-on-plateau",
        "monitor=val_auc",
        "--no-tui",
        moons.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("it reports loss, accuracy, val_loss, val_accuracy"), "{}", run.stderr);
    let run = nntui(&["--reduce-lr-on-plateau", "factor=2", "--no-tui", moons.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("factor >= 1.0"), "{}", run.stderr);
    let run = nntui(&["--checkpoint", "m.json", "--no-tui", moons.to_str().unwrap()]);
    assert_eq!(run.code, 2, "cross-validation needs {{fold}} in the path");
    assert!(run.stderr.contains("put {fold} in the path"), "{}", run.stderr);
}
