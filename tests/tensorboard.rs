//! TensorBoard event files written by the real writers (`tests/tensorboard/`, made by
//! `make_fixtures.py`): the values the writers were given come back exactly, through
//! the library and `nntui view`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_possible_truncation)] // a test fails loudly where its set-up does

mod common;

use common::run;
use nntui::tensorboard::{self, Run};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tensorboard")
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join("expected.json")).unwrap()).unwrap()
}

/// A tag's values in step order.
fn values(run: &Run, tag: &str) -> Vec<(i64, f64)> {
    run.scalars.get(tag).unwrap_or_else(|| panic!("no {tag} in {:?}", run.scalars.keys())).points.clone()
}

#[test]
fn keras_tensorboard_callback_scalars_and_histograms() {
    let run = tensorboard::read(&fixtures().join("keras"));
    let expected = expected();
    for (name, tag) in [("loss", "epoch_loss"), ("accuracy", "epoch_accuracy"), ("val_loss", "val_epoch_loss"), ("val_accuracy", "val_epoch_accuracy")] {
        let logged: Vec<f64> = expected["keras"][name].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let read = values(&run, tag);
        // Keras logs each epoch's value at step = epoch (from 0), as float32.
        let steps: Vec<i64> = read.iter().map(|p| p.0).collect();
        assert_eq!(steps, (0..logged.len() as i64).collect::<Vec<_>>(), "{tag}");
        for ((_, got), want) in read.iter().zip(&logged) {
            assert_eq!(*got, f64::from(*want as f32), "{tag}");
        }
    }
    // Weight histograms, one per epoch per weight, as [k, 3] tensors.
    assert!(run.histograms.keys().any(|k| k.contains("kernel")), "{:?}", run.histograms.keys());
    for (tag, snapshots) in &run.histograms {
        assert_eq!(snapshots.len(), 6, "{tag}");
        let h = &snapshots[0].1;
        assert!(h.counts.iter().sum::<u32>() > 0 && h.min <= h.max, "{tag}: {h:?}");
    }
    assert_eq!(run.bad_records, 0);
}

#[test]
fn tensorboardx_simple_values_histograms_and_skipped_text() {
    let run = tensorboard::read(&fixtures().join("tbx"));
    let expected = expected();
    for tag in ["Loss/train", "Loss/test", "Accuracy/test"] {
        let logged: Vec<(i64, f64)> = expected["tbx"][tag]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_i64().unwrap(), p[1].as_f64().unwrap()))
            .collect();
        // The loop logged float32 values (serde_json's parsing of the expected file may
        // be one ulp off in f64, so both are compared as the f32 they are).
        let as_f32 = |points: Vec<(i64, f64)>| points.into_iter().map(|(s, v)| (s, v as f32)).collect::<Vec<_>>();
        assert_eq!(as_f32(values(&run, tag)), as_f32(logged), "{tag}");
    }
    let weights = &run.histograms["weights/layer1"];
    assert_eq!(weights.len(), 10);
    // 200 values per snapshot, every one in a bin.
    assert!(weights.iter().all(|(_, h)| h.counts.iter().sum::<u32>() == 200), "{weights:?}");
    assert_eq!(run.skipped.get("text"), Some(&1), "{:?}", run.skipped);
}
