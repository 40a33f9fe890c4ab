//! Recurrent layers and series through the command line (issue 12): a generated task
//! only a recurrent network solves well, `--window`/`--horizon` on one long series (the
//! same numbers as its lagged-window CSV), time-ordered splits said in the output, and
//! a saved LSTM predicting as the model in memory.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

mod common;

use common::{file_with, run};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

/// Rows of 10 steps, mostly zeros, a few values of +/-(0.5..1) at random places; the
/// label is the last of them (0 when there is none): a recurrent cell keeps it in its
/// state, a Dense network has to learn "last" for every arrangement.
fn last_nonzero_csv() -> String {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let mut text: String = (0..10).map(|i| format!("x{i},")).collect::<String>() + "last\n";
    for _ in 0..800 {
        let mut last = 0.0;
        for _ in 0..10 {
            let value = if rng.random::<f64>() < 0.3 {
                let sign = if rng.random::<bool>() { 1.0 } else { -1.0 };
                sign * (0.5 + 0.5 * rng.random::<f64>())
            } else {
                0.0
            };
            if value != 0.0 {
                last = value;
            }
            text.push_str(&format!("{value:.3},"));
        }
        text.push_str(&format!("{last:.3}\n"));
    }
    text
}

fn mae(stdout: &str) -> f64 {
    stdout.lines().last().unwrap().split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn a_gru_recalls_the_last_event_far_better_than_a_dense_network_of_its_size() {
    let (_dir, path) = file_with("last.csv", last_nonzero_csv().as_bytes());
    let fit = |layers: &str| {
        let out = run(&[
            "--no-tui",
            "-q",
            "--input-shape",
            "10x1",
            "--layers",
            layers,
            "--epochs",
            "60",
            "--folds",
            "3",
            "--batch-size",
            "16",
            "--lr",
            "0.01",
            "--init",
            "glorot_uniform",
            path.to_str().unwrap(),
        ]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        mae(&out.stdout)
    };
    // 273 weights for the GRU, 385 for the Dense network.
    let (gru, dense) = (fit("gru:8"), fit("flatten,32:tanh"));
    assert!(gru < 0.6 * dense, "GRU mae {gru} against Dense {dense}");
}

/// A one-column series: a daily and a weekly cycle and noise.
fn series_csv(rows: usize) -> String {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let mut text = String::from("value\n");
    for i in 0..rows {
        let t = i as f64;
        let noise = 0.1 * (rng.random::<f64>() - 0.5);
        let v =
            (t * std::f64::consts::TAU / 24.0).sin() + 0.5 * (t * std::f64::consts::TAU / 7.0).sin() + noise;
        text.push_str(&format!("{v:.4}\n"));
    }
    text
}

#[test]
fn a_window_over_a_series_is_its_lagged_csv_read_as_sequences() {
    let series = series_csv(120);
    let (_dir, path) = file_with("series.csv", series.as_bytes());
    // The same samples written out: 4 lagged values and the value 2 rows later.
    let values: Vec<&str> = series.lines().skip(1).collect();
    let (size, horizon) = (4, 2);
    let mut lagged = String::from("a,b,c,d,target\n");
    for start in 0..=values.len() - size - horizon {
        let window = values[start..start + size].join(",");
        lagged.push_str(&format!("{window},{}\n", values[start + size - 1 + horizon]));
    }
    let (_dir2, lagged_path) = file_with("lagged.csv", lagged.as_bytes());
    let common =
        ["--no-tui", "-q", "--folds", "1", "--epochs", "5", "--layers", "lstm:4:seq,gru:3", "--standardize"];
    let mut windowed: Vec<&str> = common.to_vec();
    windowed.extend(["--window", "4", "--horizon", "2", path.to_str().unwrap()]);
    let mut as_rows: Vec<&str> = common.to_vec();
    as_rows.extend(["--input-shape", "4x1", lagged_path.to_str().unwrap()]);
    let (a, b) = (run(&windowed), run(&as_rows));
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(b.code, 0, "{}", b.stderr);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn time_ordered_splits_are_said_and_mistakes_are_one_line() {
    let (_dir, path) = file_with("series.csv", series_csv(200).as_bytes());
    let file = path.to_str().unwrap();
    let out = run(&[
        "--no-tui",
        "--epochs",
        "2",
        "--folds",
        "3",
        "--window",
        "10",
        "--layers",
        "simplernn:4",
        file,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("3-fold time-ordered cross-validation (TimeSeriesSplit"), "{}", out.stderr);
    assert!(out.stderr.contains(" simple_rnn (SimpleRNN)"), "{}", out.stderr);
    let out = run(&[
        "--no-tui",
        "--epochs",
        "2",
        "--folds",
        "1",
        "--validation-split",
        "0.2",
        "--window",
        "10",
        "--layers",
        "gru:4",
        file,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("validated on the last windows"), "{}", out.stderr);
    for (args, expected) in [
        (vec!["--window", "300"], "200 rows make no window of 300 rows"),
        (
            vec!["--window", "10", "--folds", "200"],
            "--folds: 190 windows are too few for 200 time-ordered folds",
        ),
        (
            vec!["--window", "10", "--folds", "30"],
            "--folds: fold 1: no training window ends before its held-out block",
        ),
        (vec!["--window", "10", "--input-shape", "10x1"], "leave out --input-shape"),
        (
            vec!["--window", "5", "--layers", "flatten,lstm:4"],
            "layer 2 (lstm:4) cannot follow shape (None, 5): lstm needs a sequence (steps x features",
        ),
        (vec!["--window", "5", "--layers", "lstm:4:sequence"], "expected lstm:UNITS[:seq]"),
    ] {
        let mut all = vec!["--no-tui", "-q", "--epochs", "1"];
        all.extend(args.iter().copied());
        all.push(file);
        let out = run(&all);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.lines().next().unwrap().contains(expected), "{args:?}: {}", out.stderr);
    }
}

/// Classification on windows of a real series (statsmodels' yearly sunspots, with
/// `rise`: did the number go up from the year before; `tests/fixtures/make_sunspots.py`):
/// will next year's rise? The class cycle of about 11 years is in the windows, so an LSTM
/// does far better than always saying the commoner class.
#[test]
fn classes_on_windows_of_a_real_series() {
    let sunspots = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sunspots.csv");
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("rise.json");
    let common =
        ["--no-tui", "--ignore-col", "year", "--window", "10", "--standardize", "--layers", "lstm:16"];
    let training = ["--optimizer", "adam", "--lr", "0.01", "--epochs", "60", "--seed", "1"];
    let cv = run(&[&common[..], &training, &["--folds", "4", sunspots]].concat());
    assert_eq!(cv.code, 0, "{}", cv.stderr);
    assert!(
        cv.stderr.contains(
            "each predicting the class of \"rise\" (the next row's); windows are held out in time order, so folds and the validation split are not stratified"
        ),
        "{}",
        cv.stderr
    );
    let accuracy: f64 = cv.stdout.lines().last().unwrap().split('%').next().unwrap().parse().unwrap();
    // The held-out windows (the last four fifths of the years) rise in 39% of them: always "no"
    // scores 61%.
    assert!(accuracy > 80.0, "{}", cv.stdout);
    let fit =
        run(&[&common[..], &training, &["-q", "--save-model", model.to_str().unwrap(), sunspots]].concat());
    assert_eq!(fit.code, 0, "{}", fit.stderr);
    let model = model.to_str().unwrap();
    // One line per window: the row it predicts, the class and its probability.
    let predicted = run(&["predict", "--model", model, sunspots]);
    assert_eq!(predicted.code, 0, "{}", predicted.stderr);
    let lines: Vec<&str> = predicted.stdout.lines().collect();
    assert_eq!(lines[0], "row,predicted,probability");
    assert_eq!(lines.len(), 1 + 308 - 10 + 1);
    assert!(lines[1].starts_with("11,") && lines.last().unwrap().starts_with("309,"), "{}", predicted.stdout);
    assert!(lines[1..].iter().all(|l| l.contains(",yes,") || l.contains(",no,")));
    let proba = run(&["predict", "--model", model, "--proba", sunspots]);
    assert!(proba.stdout.starts_with("row,predicted,no,yes\n"), "{}", proba.stdout);
    // Evaluating the training series scores it as training did.
    let evaluated = run(&["evaluate", "--model", model, sunspots]);
    assert_eq!(evaluated.code, 0, "{}", evaluated.stderr);
    let fit_accuracy = fit.stdout.lines().find(|l| l.starts_with("accuracy")).unwrap();
    assert!(evaluated.stdout.contains(fit_accuracy), "{}\n{}", fit.stdout, evaluated.stdout);
    // A past class the model does not know is refused, naming it.
    let text = std::fs::read_to_string(sunspots).unwrap().replacen(",yes\n", ",maybe\n", 1);
    let (_d, odd) = file_with("odd.csv", text.as_bytes());
    let refused = run(&["predict", "--model", model, odd.to_str().unwrap()]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("data row 1: \"maybe\" in \"rise\" is not a class the model knows (no, yes)"),
        "{}",
        refused.stderr
    );
    let by_id = run(&["predict", "--model", model, "--id-col", "year", sunspots]);
    assert_eq!(by_id.code, 2);
    assert!(
        by_id.stderr.contains("--id-col: a series' predictions are named by the row"),
        "{}",
        by_id.stderr
    );
}

/// More than two classes enter each step one-hot.
#[test]
fn past_classes_of_three_enter_one_hot() {
    let mut text = String::from("v,label\n");
    for i in 0..60 {
        text.push_str(&format!("{},{}\n", i % 7, ["a", "b", "c"][i % 3]));
    }
    let (dir, classes) = file_with("classes.csv", text.as_bytes());
    let model = dir.path().join("m.json");
    let out = run(&[
        "--no-tui",
        "-q",
        "--window",
        "3",
        "--layers",
        "lstm:4",
        "--epochs",
        "2",
        "--save-model",
        model.to_str().unwrap(),
        classes.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let names: Vec<&str> =
        saved["feature_names"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(&names[8..], ["v[t-0]", "label=a[t-0]", "label=b[t-0]", "label=c[t-0]"]);
    let predicted = run(&["predict", "--model", model.to_str().unwrap(), classes.to_str().unwrap()]);
    assert_eq!(predicted.code, 0, "{}", predicted.stderr);
    assert_eq!(predicted.stdout.lines().count(), 1 + 58);
}

#[test]
fn a_saved_recurrent_model_predicts_as_the_model_in_memory() {
    let (dir, path) = file_with("last.csv", last_nonzero_csv().as_bytes());
    let model = dir.path().join("gru.json");
    let fit = run(&[
        "--no-tui",
        "-q",
        "--input-shape",
        "10x1",
        "--layers",
        "lstm:6:seq,dropout:0.1,gru:4",
        "--epochs",
        "3",
        "--save-model",
        model.to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    assert_eq!(fit.code, 0, "{}", fit.stderr);
    // The fit's last line is the training mae; evaluating the file scores the same.
    let evaluated = run(&["evaluate", "--model", model.to_str().unwrap(), path.to_str().unwrap()]);
    assert_eq!(evaluated.code, 0, "{}", evaluated.stderr);
    let fit_mae = fit.stdout.lines().find(|l| l.starts_with("mae")).unwrap();
    assert!(evaluated.stdout.contains(fit_mae), "{}\n{}", fit.stdout, evaluated.stdout);
}

#[test]
fn a_series_forecaster_predicts_every_window_and_scores_as_it_trained() {
    let (dir, path) = file_with("series.csv", series_csv(150).as_bytes());
    let model = dir.path().join("forecaster.json");
    let fit = run(&[
        "--no-tui",
        "-q",
        "--window",
        "6",
        "--horizon",
        "2",
        "--layers",
        "gru:6",
        "--epochs",
        "4",
        "--standardize",
        "--save-model",
        model.to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    assert_eq!(fit.code, 0, "{}", fit.stderr);
    let (model, file) = (model.to_str().unwrap(), path.to_str().unwrap());
    let predicted = run(&["predict", "--model", model, file]);
    assert_eq!(predicted.code, 0, "{}", predicted.stderr);
    let lines: Vec<&str> = predicted.stdout.lines().collect();
    // A header, then one line per window of 6 of the 150 rows: rows 8 to 152, the last
    // two past the file's end (the forecast).
    assert_eq!(lines[0], "row,value");
    assert_eq!(lines.len(), 1 + 145);
    assert!(lines[1].starts_with("8,"), "{}", lines[1]);
    assert!(lines[145].starts_with("152,"), "{}", lines[145]);
    let same = run(&["predict", "--model", model, "--window", "6", file]);
    assert_eq!(same.stdout, predicted.stdout);
    let wrong = run(&["predict", "--model", model, "--window", "5", file]);
    assert_eq!(wrong.code, 2);
    assert!(wrong.stderr.contains("--window 5: the model was trained on windows of 6"), "{}", wrong.stderr);
    // Evaluating the training series scores the windows whose target it holds.
    let evaluated = run(&["evaluate", "--model", model, file]);
    assert_eq!(evaluated.code, 0, "{}", evaluated.stderr);
    let fit_mae = fit.stdout.lines().find(|l| l.starts_with("mae")).unwrap();
    assert!(evaluated.stdout.contains(fit_mae), "{}\n{}", fit.stdout, evaluated.stdout);
}
