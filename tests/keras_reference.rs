//! nntui against Keras 3 itself: the same starting weights, the same batches in the same
//! order, and every epoch's reported loss and accuracy compared with what Keras reported.
//!
//! The reference numbers, the starting weights and the script that made both are in
//! `tests/keras_reference/` (`make_reference.py`; the README says how to run it). The
//! cases cover Adam and RMSprop with their `1 - beta` constants, binary cross-entropy
//! from a sigmoid's logits (including saturated, confidently wrong rows, where a clipped
//! loss would report 16.12 a row instead of the logit), categorical cross-entropy from a
//! softmax, and an L2 penalty taken before each update.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

use assert_cmd::Command;
use nntui::train::Event;
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct Reference {
    keras: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    args: Vec<String>,
    loss: Vec<f64>,
    accuracy: Vec<f64>,
}

/// float32 arithmetic done in another order (TensorFlow's kernels, oneDNN) drifts by a
/// few units in the last place per operation; over four epochs of 40 to 60 updates that
/// stays within this relative tolerance, while each mismatch the cases guard against
/// (clipping, the penalty's timing, `1 - beta`) moves the loss by far more.
const RTOL: f64 = 1e-6;

fn epochs(case: &Case) -> Vec<(f64, f64)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::cargo_bin("nntui")
        .unwrap()
        .current_dir(root)
        .args(&case.args)
        .args(["--json", "--threads", "1"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}: {}", case.name, String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| match serde_json::from_str::<Event>(line).unwrap() {
            Event::EpochEnded(epoch) => Some((epoch.loss, epoch.metric)),
            _ => None,
        })
        .collect()
}

#[test]
fn every_epoch_matches_keras() {
    matches_keras("trajectories.json", 4);
}

/// The activations added after the first cases (elu, selu, leaky_relu; softplus,
/// softsign, hard_sigmoid; gelu, silu, mish), eight epochs each against Keras 3 on JAX
/// (`make_activation_trajectories.py`).
#[test]
fn every_epoch_with_the_further_activations_matches_keras() {
    matches_keras("activation_trajectories.json", 3);
}

/// The layers of issue 30 (layer normalization, average and global max pooling, Dense on
/// the last axis of an image and of every step of a sequence, around an LSTM; embeddings
/// flattened and read by an LSTM) with gelu, silu and mish:
/// Keras's predictions from its own initial weights, then four epochs of Adam
/// (`make_layer_reference.py`).
#[test]
fn the_further_layers_match_keras_forward_and_over_four_epochs() {
    matches_keras("layer_trajectories.json", 6);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keras_reference/layer_trajectories.json");
    let reference: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for case in reference["cases"].as_array().unwrap() {
        let args = strings(&case["args"]);
        let model = &args[args.iter().position(|a| a == "--initial-model").unwrap() + 1];
        predictions_match(case, model, &args[0], "probabilities", 1e-6);
    }
}

/// Batch normalization (Keras's `BatchNormalization`) over an image's positions, over a
/// sequence's steps and over flat rows, first in the stack and between others: Keras's
/// predictions from its own initial weights, four epochs of Adam on the batches'
/// statistics, and after them the moving mean and variance and the predictions made
/// with them (`make_layer_reference.py --batchnorm`).
///
/// The weights after 120 updates have drifted from Keras's by float32 rounding (about
/// 1e-5 of a prediction); a wrong momentum, a variance with Bessel's correction or a
/// moving average taken before the batch's statistics moves them by 1e-3 and more.
#[test]
fn batch_normalization_matches_keras_in_training_and_with_its_moving_statistics() {
    matches_keras("batchnorm_trajectories.json", 3);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("tests/keras_reference/batchnorm_trajectories.json");
    let reference: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for case in reference["cases"].as_array().unwrap() {
        let args = strings(&case["args"]);
        let initial = &args[args.iter().position(|a| a == "--initial-model").unwrap() + 1];
        predictions_match(case, initial, &args[0], "probabilities", 1e-6);
        let trained = dir.path().join(format!("{}.json", case["name"].as_str().unwrap()));
        let output = Command::cargo_bin("nntui")
            .unwrap()
            .current_dir(root)
            .args(&args)
            .args(["--no-tui", "-q", "--threads", "1", "--save-model"])
            .arg(&trained)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        predictions_match(case, trained.to_str().unwrap(), &args[0], "trained_probabilities", 1e-4);
        let saved: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&trained).unwrap()).unwrap();
        let kept: Vec<&serde_json::Value> =
            saved["layers"].as_array().unwrap().iter().filter(|l| l.get("moving_mean").is_some()).collect();
        let keras = case["moving"].as_array().unwrap();
        assert_eq!(kept.len(), keras.len(), "{}: batch normalization layers", case["name"]);
        for (layer, (ours, keras)) in kept.iter().zip(keras).enumerate() {
            for (statistic, name) in ["moving_mean", "moving_variance"].iter().enumerate() {
                let ours = numbers(&ours[*name]);
                let keras = numbers(&keras[statistic]);
                assert_eq!(ours.len(), keras.len());
                for (o, k) in ours.iter().zip(&keras) {
                    assert!(
                        (o - k).abs() <= 1e-4 * k.abs().max(1e-2),
                        "{} batch normalization {} {name}: nntui {o}, Keras {k}",
                        case["name"],
                        layer + 1
                    );
                }
            }
        }
    }
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    value.as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect()
}

fn numbers(value: &serde_json::Value) -> Vec<f64> {
    value.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
}

/// `nntui predict` with `model` on the first 40 rows of `data` against the case's `key`
/// (Keras's probabilities), each within `rtol` of Keras's (of 1e-3 for smaller ones).
fn predictions_match(case: &serde_json::Value, model: &str, data: &str, key: &str, rtol: f64) {
    let output = Command::cargo_bin("nntui")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["predict", "--model", model, "--proba", "--no-output-header", data])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let ours: Vec<Vec<f64>> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| line.split(',').skip(1).map(|v| v.parse().unwrap()).collect())
        .collect();
    let keras = case[key].as_array().unwrap();
    assert_eq!(keras.len(), 40);
    for (row, (ours, keras)) in ours.iter().zip(keras).enumerate() {
        for (o, k) in ours.iter().zip(numbers(keras)) {
            assert!(
                (o - k).abs() <= rtol * k.max(1e-3),
                "{} {key} row {row}: nntui {o}, Keras {k}",
                case["name"]
            );
        }
    }
}

fn matches_keras(file: &str, cases: usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keras_reference").join(file);
    let reference: Reference = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(reference.cases.len(), cases);
    for case in &reference.cases {
        let ours = epochs(case);
        assert_eq!(ours.len(), case.loss.len(), "{}: epochs", case.name);
        for (epoch, ((loss, accuracy), (keras_loss, keras_accuracy))) in
            ours.iter().zip(case.loss.iter().zip(&case.accuracy)).enumerate()
        {
            let close = (loss - keras_loss).abs() <= RTOL * keras_loss.abs();
            assert!(
                close,
                "{} epoch {}: loss {loss} vs Keras {} {keras_loss}",
                case.name,
                epoch + 1,
                reference.keras
            );
            // Accuracy counts rows: equal unless a prediction sits within rounding of 0.5.
            assert!(
                (accuracy - keras_accuracy).abs() < 1e-6,
                "{} epoch {}: accuracy {accuracy} vs Keras {keras_accuracy}",
                case.name,
                epoch + 1
            );
        }
    }
}

/// The saturated case is the one that shows the loss is taken from the logits: half its
/// rows are wrong with a logit near 25, so the mean is near 12.5, above the 8.06 that
/// clipped probabilities (16.12 a wrong row) could ever report.
#[test]
fn the_saturated_case_is_reported_from_logits() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keras_reference/trajectories.json");
    let reference: Reference = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let case = reference.cases.iter().find(|c| c.name == "moons_saturated").unwrap();
    let clipped_bound = -(1e-7f64).ln() / 2.0;
    assert!(case.loss[0] > clipped_bound + 4.0, "{}", case.loss[0]);
    assert!(epochs(case)[0].0 > clipped_bound + 4.0);
}
