//! Early stopping and ReduceLROnPlateau against Keras 3 itself: tables of monitored
//! values fed to Keras's own callbacks (`tests/keras_reference/make_callback_tables.py`
//! wrote what they did into `callbacks.json`) replayed through nntui's state machines.
//! Each row says where Keras stops, which epoch's weights it restores, and when it
//! reduces the learning rate to what.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

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
        let mut spec: EarlyStoppingSpec = argument(case).parse().unwrap();
        // Keras's default is restore_best_weights=False; nntui's is true.
        if !case.params.contains_key("restore_best_weights") {
            spec.restore_best_weights = false;
        }
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
            assert!((ours.1 - keras.1).abs() <= 1e-6 * keras.1, "rate {} vs Keras {}: {label}", ours.1, keras.1);
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
