//! What the model learned, as pictures (issue 26): the `learned` events behind the
//! dashboard's confusion matrix, ROC curve and decision map, checked against the epoch's
//! own scores, the saved model's predictions and the rows they count; `--plot`'s files;
//! `--map-features`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

mod common;

use nntui::train::{EpochReport, Event, LearnedReport};
use std::collections::BTreeMap;

fn events(stdout: &str) -> (Vec<EpochReport>, Vec<LearnedReport>) {
    let (mut epochs, mut learned) = (Vec::new(), Vec::new());
    for line in stdout.lines() {
        match serde_json::from_str::<Event>(line).unwrap() {
            Event::EpochEnded(e) => epochs.push(e),
            Event::Learned(l) => learned.push(*l),
            _ => {}
        }
    }
    (epochs, learned)
}

fn moons() -> String {
    common::data("moons.csv").display().to_string()
}

/// Each epoch's matrix counts the held-out rows once and agrees with the epoch's own
/// held-out accuracy; the curve runs from (0, 0) to (1, 1) without stepping back; the
/// last epoch's matrix and exact AUC are `nntui evaluate`'s of the saved model on the
/// held-out rows (Keras's split: the last quarter), and its map is the saved model's
/// predictions at the cells' centres.
#[test]
fn the_pictures_agree_with_the_epochs_scores_and_the_saved_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    let plots = dir.path().join("plots");
    let out = common::run(&[
        &moons(),
        "--folds",
        "1",
        "--validation-split",
        "0.25",
        "--epochs",
        "6",
        "--layers",
        "8:relu",
        "--metrics",
        "auc",
        "--threads",
        "1",
        "--json",
        "--plot",
        plots.to_str().unwrap(),
        "--save-model",
        model.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (epochs, learned) = events(&out.stdout);
    assert_eq!(learned.len(), 6);
    for (epoch, pictures) in epochs.iter().zip(&learned) {
        assert_eq!(pictures.epoch, epoch.epoch);
        assert!(pictures.held_out);
        let total: u64 = pictures.confusion.iter().flatten().sum();
        assert_eq!(total, 100, "the held-out quarter of 400 rows");
        let right = pictures.confusion[0][0] + pictures.confusion[1][1];
        let accuracy = right as f64 / total as f64;
        assert!((accuracy - epoch.val_metric.unwrap()).abs() < 1e-9, "{accuracy} vs {:?}", epoch.val_metric);
        assert_eq!(pictures.roc.first(), Some(&(0.0, 0.0)));
        assert_eq!(pictures.roc.last(), Some(&(1.0, 1.0)));
        assert!(pictures.roc.windows(2).all(|w| w[1].0 >= w[0].0 && w[1].1 >= w[0].1));
    }
    let text = std::fs::read_to_string(moons()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let held_out = format!("{}\n{}\n", lines[0], lines[lines.len() - 100..].join("\n"));
    let (_held, held_path) = common::file_with("held.csv", held_out.as_bytes());
    let evaluated =
        common::run(&["evaluate", "--model", model.to_str().unwrap(), held_path.to_str().unwrap()]);
    assert_eq!(evaluated.code, 0, "{}", evaluated.stderr);
    let last = learned.last().unwrap();
    let auc = format!("roc auc: {:.4}", last.roc_auc.unwrap());
    assert!(evaluated.stdout.contains(&auc), "{auc} in\n{}", evaluated.stdout);
    let row = |k: usize| format!("{:>6} {:>6}", last.confusion[k][0], last.confusion[k][1]);
    assert!(
        evaluated.stdout.contains(&format!("lower {}", row(0))),
        "{:?} in\n{}",
        last.confusion,
        evaluated.stdout
    );
    assert!(
        evaluated.stdout.contains(&format!("upper {}", row(1))),
        "{:?} in\n{}",
        last.confusion,
        evaluated.stdout
    );
    // The last map against `nntui predict` at a few cells' centres.
    let map = learned.last().unwrap().map.as_ref().unwrap();
    assert_eq!((map.columns, map.rows, map.class.len()), (64, 48, 64 * 48));
    assert_eq!(map.features, ["x", "y"]);
    assert!(!map.points.is_empty() && map.points.len() <= 400);
    let cells = [0, 65, 1000, 2047, 3071];
    let centre = |cell: usize| {
        let (row, column) = ((cell / map.columns) as f32, (cell % map.columns) as f32);
        let x = map.x.0 + (map.x.1 - map.x.0) * (column + 0.5) / map.columns as f32;
        let y = map.y.1 - (map.y.1 - map.y.0) * (row + 0.5) / map.rows as f32;
        (x, y)
    };
    let mut grid = String::from("x,y\n");
    for &cell in &cells {
        let (x, y) = centre(cell);
        grid.push_str(&format!("{x},{y}\n"));
    }
    let (_keep, grid_path) = common::file_with("grid.csv", grid.as_bytes());
    let predicted =
        common::run(&["predict", "--model", model.to_str().unwrap(), "--proba", grid_path.to_str().unwrap()]);
    assert_eq!(predicted.code, 0, "{}", predicted.stderr);
    for (line, &cell) in predicted.stdout.lines().skip(1).zip(&cells) {
        let upper: f32 = line.split(',').nth(2).unwrap().parse().unwrap();
        let drawn = map.second_class_probability(cell);
        assert!((upper - drawn).abs() < 2e-3, "cell {cell}: predict {upper}, map {drawn}");
    }
    let mut files: Vec<String> = std::fs::read_dir(&plots)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["accuracy.svg", "confusion.svg", "loss.svg", "map.svg", "roc.svg"]);
    let confusion = std::fs::read_to_string(plots.join("confusion.svg")).unwrap();
    let last = &learned.last().unwrap().confusion;
    assert!(confusion.contains(&format!(">\n{}\n<", last[0][0])), "the counts are written in the cells");
    assert!(confusion.contains("held-out rows after epoch 6"));
}

/// Under cross-validation the folds' last matrices count every row once (each by the
/// fold that held it out); three classes have no ROC curve; with nothing held out the
/// training rows are counted.
#[test]
fn folds_count_every_row_once_and_a_single_fit_counts_its_training_rows() {
    let dir = tempfile::tempdir().unwrap();
    let plots = dir.path().join("plots");
    let spiral = common::data("spiral.csv").display().to_string();
    let out = common::run(&[
        &spiral,
        "--folds",
        "3",
        "--epochs",
        "3",
        "--json",
        "--plot",
        plots.to_str().unwrap(),
        "--plot-format",
        "png",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (_, learned) = events(&out.stdout);
    let mut last: BTreeMap<usize, &LearnedReport> = BTreeMap::new();
    for l in &learned {
        last.insert(l.fold, l);
    }
    assert_eq!(last.len(), 3);
    let rows: u64 = last.values().map(|l| l.confusion.iter().flatten().sum::<u64>()).sum();
    assert_eq!(rows, 300, "spiral's 300 rows, each held out once");
    assert!(last.values().all(|l| l.confusion.len() == 3 && l.roc.is_empty() && l.roc_auc.is_none()));
    assert!(plots.join("confusion.png").exists() && plots.join("map.png").exists());
    assert!(!plots.join("roc.png").exists(), "no ROC curve for three classes");

    let out = common::run(&[
        &moons(),
        "--folds",
        "1",
        "--epochs",
        "2",
        "--json",
        "--plot",
        plots.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (_, learned) = events(&out.stdout);
    assert!(learned.iter().all(|l| !l.held_out && l.confusion.iter().flatten().sum::<u64>() == 400));
}

/// A regression on one feature gets its fitted curve, in the target's units.
#[test]
fn a_regression_on_one_feature_gets_its_fitted_curve() {
    let dir = tempfile::tempdir().unwrap();
    let plots = dir.path().join("plots");
    let sine = common::data("sine.csv").display().to_string();
    let out = common::run(&[
        &sine,
        "--folds",
        "1",
        "--epochs",
        "3",
        "--standardize",
        "--json",
        "--plot",
        plots.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (_, learned) = events(&out.stdout);
    let map = learned.last().unwrap().map.as_ref().unwrap();
    assert!(learned.last().unwrap().confusion.is_empty());
    assert_eq!((map.columns, map.rows, map.value.len()), (160, 1, 160));
    // The targets drawn are the file's (a sine: within [-1.5, 1.5]), not z-scores.
    assert!(map.points.iter().all(|p| p.1.abs() < 1.5) && map.points.iter().any(|p| p.1.abs() > 0.8));
    assert!(plots.join("map.svg").exists() && !plots.join("confusion.svg").exists());
}

#[test]
fn map_features_are_checked_and_the_tutorial_sends_no_pictures() {
    let pima = std::env::var("NNTUI_PIMA").unwrap_or_else(|_| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data/pima-indians-diabetes.csv")
            .display()
            .to_string()
    });
    let dir = tempfile::tempdir().unwrap();
    let plots = dir.path().join("plots");
    let run = |extra: &[&str]| {
        let mut args = vec![pima.as_str(), "--folds", "1", "--epochs", "1", "--json"];
        args.extend_from_slice(extra);
        common::run(&args)
    };
    let one = run(&["--map-features", "column 2"]);
    assert_eq!(one.code, 2);
    assert!(
        one.stderr.contains("a classification's map spans two features (--map-features A,B); 1 given"),
        "{}",
        one.stderr
    );
    let unknown = run(&["--map-features", "glucose,column 3"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("no feature \"glucose\" (the features are column 1, column 2"),
        "{}",
        unknown.stderr
    );
    let twice = run(&["--map-features", "column 2,column 2"]);
    assert!(twice.stderr.contains("column 2 is named twice"), "{}", twice.stderr);

    let mapped = run(&["--map-features", "column 2,column 6", "--plot", plots.to_str().unwrap()]);
    assert_eq!(mapped.code, 0, "{}", mapped.stderr);
    let (_, learned) = events(&mapped.stdout);
    let map = learned[0].map.as_ref().unwrap();
    assert_eq!(map.features, ["column 2", "column 6"]);
    // The glucose axis spans the training rows' range (0 to 199 in Pima) and a little more.
    assert!(map.x.0 < 0.0 && map.x.1 > 199.0 && map.x.1 < 215.0, "{:?}", map.x);

    // Without the dashboard or --plot the events are as before: no pictures.
    let plain = run(&[]);
    assert_eq!(plain.code, 0);
    assert!(!plain.stdout.contains("\"learned\""));
}
