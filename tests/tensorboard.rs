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
    let series = run.scalars.get(tag).unwrap_or_else(|| panic!("no {tag} in {:?}", run.scalars.keys()));
    #[allow(clippy::cast_possible_truncation)]
    series.points().into_iter().map(|(step, value)| (step as i64, value)).collect()
}

#[test]
fn keras_tensorboard_callback_scalars_and_histograms() {
    let run = tensorboard::read(&fixtures().join("keras"));
    let expected = expected();
    for (name, tag) in [
        ("loss", "epoch_loss"),
        ("accuracy", "epoch_accuracy"),
        ("val_loss", "val_epoch_loss"),
        ("val_accuracy", "val_epoch_accuracy"),
    ] {
        let logged: Vec<f64> =
            expected["keras"][name].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let read = values(&run, tag);
        // Keras logs each epoch's value at step = epoch (from 0), as float32.
        let steps: Vec<i64> = read.iter().map(|p| p.0).collect();
        assert_eq!(steps, (0..i64::try_from(logged.len()).unwrap()).collect::<Vec<_>>(), "{tag}");
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
        let as_f32 =
            |points: Vec<(i64, f64)>| points.into_iter().map(|(s, v)| (s, v as f32)).collect::<Vec<_>>();
        assert_eq!(as_f32(values(&run, tag)), as_f32(logged), "{tag}");
    }
    let weights = &run.histograms["weights/layer1"];
    assert_eq!(weights.len(), 10);
    // 200 values per snapshot, every one in a bin.
    assert!(weights.iter().all(|(_, h)| h.counts.iter().sum::<u32>() == 200), "{weights:?}");
    assert_eq!(run.skipped.get("text"), Some(&1), "{:?}", run.skipped);
}

/// The value as the table prints it: the float32 the writer logged.
fn shown(value: &Value) -> String {
    format!("{}", value.as_f64().unwrap() as f32)
}

#[test]
fn the_headless_table_has_every_tag_with_its_last_and_best_values() {
    let root = fixtures();
    let out = run(&["view", "--no-tui", root.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let expected = expected();
    let row = |run: &str, tag: &str| -> Vec<String> {
        out.stdout
            .lines()
            .find(|l| l.split_whitespace().take(2).collect::<Vec<_>>() == [run, tag])
            .unwrap_or_else(|| panic!("no {run} {tag} in\n{}", out.stdout))
            .split_whitespace()
            .map(String::from)
            .collect()
    };
    // keras  epoch_loss  6  0.791922 (epoch 6)  0.791922 (epoch 6): Keras's epochs,
    // numbered as its messages number them.
    let losses = expected["keras"]["loss"].as_array().unwrap();
    let epoch_loss = row("keras", "epoch_loss");
    assert_eq!(epoch_loss[2], "6");
    assert_eq!(epoch_loss[3], shown(losses.last().unwrap()));
    assert_eq!(epoch_loss[4..6], ["(epoch", "6)"]);
    let rate = row("keras", "epoch_learning_rate");
    assert_eq!(rate.last().map(String::as_str), Some("-"), "a learning rate has no best");
    let val_accuracy = row("keras", "val_epoch_accuracy");
    let best = expected["keras"]["val_accuracy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .fold(0.0, f64::max);
    assert_eq!(val_accuracy[6], format!("{}", best as f32));
    let test_loss = row("tbx", "Loss/test");
    let logged = expected["tbx"]["Loss/test"].as_array().unwrap();
    assert_eq!(test_loss[2], "10");
    assert_eq!(test_loss[3], shown(&logged.last().unwrap()[1]));
    let lowest = logged.iter().map(|p| p[1].as_f64().unwrap()).fold(f64::INFINITY, f64::min);
    assert_eq!(test_loss[5], format!("{}", lowest as f32), "the best loss is the lowest");
    assert!(out.stdout.contains("tbx: 1 histogram tag; skipped text (1)"), "{}", out.stdout);

    let json = run(&["view", "--json", root.join("tbx").to_str().unwrap()]);
    let tags: Vec<Value> = json
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &Value| v["type"] == "tag")
        .collect();
    assert_eq!(tags.len(), 3);
    assert_eq!(tags[0]["tag"], "Accuracy/test");
    assert_eq!(tags[0]["points"], 10);
    // --json says what the text says: histogram tags and skipped kinds with counts.
    let row: Value = serde_json::from_str(json.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(row["type"], "run");
    assert_eq!(row["histogram_tags"], serde_json::json!(["weights/layer1"]));
    assert_eq!(row["skipped_summaries"], serde_json::json!({"text": 1}));
}

#[test]
fn damaged_truncated_and_empty_files_are_read_around() {
    let source = std::fs::read_dir(fixtures().join("tbx")).unwrap().next().unwrap().unwrap().path();
    let mut bytes = std::fs::read(source).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("damaged");
    std::fs::create_dir(&folder).unwrap();
    // A flipped byte in the middle, and the last record cut off.
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x5a;
    bytes.truncate(bytes.len() - 7);
    std::fs::write(folder.join("events.out.tfevents.1.damaged"), &bytes).unwrap();
    std::fs::write(folder.join("events.out.tfevents.2.empty"), b"").unwrap();
    let out = run(&["view", "--no-tui", dir.path().to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("1 damaged record skipped"), "{}", out.stdout);
    assert!(out.stdout.contains("bytes of a record still being written"), "{}", out.stdout);
    assert!(out.stdout.contains("damaged  Loss/train"), "{}", out.stdout);
    // In JSON, damaged records apart from records that were not events.
    let json = run(&["view", "--json", dir.path().to_str().unwrap()]);
    let row: Value = serde_json::from_str(json.stdout.lines().next().unwrap()).unwrap();
    assert_eq!((row["damaged_records"].as_u64(), row["skipped"].as_u64()), (Some(1), Some(0)), "{row}");
    assert!(row["pending_bytes"].as_u64().is_some_and(|n| n > 0), "{row}");
    // A folder with no event files at all.
    let empty = tempfile::tempdir().unwrap();
    let none = run(&["view", "--no-tui", empty.path().to_str().unwrap()]);
    assert_eq!(none.code, 1);
    assert!(
        none.stderr.contains("no runs here (no events.jsonl, Keras-callback lines, CSV logs or TensorBoard tfevents files below it)"),
        "{}",
        none.stderr
    );
}
