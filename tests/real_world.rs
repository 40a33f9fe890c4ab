//! Real-world CSVs (issue 14): categories, missing cells, identifiers, a validation and
//! a test file, and predictions on raw rows, through the command line and the library.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_possible_truncation)] // a test fails loudly where its set-up does

mod common;

use common::{data, file_with, run};
use nntui::data::{CsvOptions, LabelColumn, NaValues, Scaling, load, parse};
use nntui::model_file::ModelFile;
use proptest::prelude::*;

/// The bundled mixed file's options: its identifier left out.
fn mixed_options() -> CsvOptions {
    CsvOptions { ignore: vec![LabelColumn::Name("id".into())], ..CsvOptions::default() }
}

/// The first `n` data rows of `data/mixed.csv` (with its header) and the rest.
fn mixed_split(n: usize) -> (String, String) {
    let text = std::fs::read_to_string(data("mixed.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let part = |rows: &[&str]| format!("{header}\n{}\n", rows.join("\n"));
    (part(&rows[..n]), part(&rows[n..]))
}

/// A single fit on `data/mixed.csv` (its identifier left out), saved to `model`.
fn fit_mixed(model: &std::path::Path) -> common::Output {
    let file = data("mixed.csv");
    let out = run(&[
        "--no-tui",
        "-q",
        "--epochs",
        "20",
        "--standardize",
        "--ignore-col",
        "id",
        "--save-model",
        model.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out
}

#[test]
fn the_mixed_file_trains_and_says_what_was_done_to_it() {
    let file = data("mixed.csv");
    let out = run(&[
        "--no-tui",
        "--folds",
        "5",
        "--epochs",
        "60",
        "--standardize",
        "--ignore-col",
        "id",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for line in [
        "nntui: data: 6 columns used (4 numeric, 2 categorical -> 9 inputs), 299 rows (1 dropped)",
        "nntui:   island             3 categories (Biscoe, Dream, Torgersen)",
        "nntui:   body_mass_g        number, 14 missing -> mean",
        "nntui:   sex                2 categories (female, male), 14 missing -> most frequent",
        "nntui:   ignored: id",
        "nntui:   1 row dropped: no label",
    ] {
        assert!(out.stderr.lines().any(|l| l == line), "{line:?} not in:\n{}", out.stderr);
    }
    assert!(out.stderr.contains("299 rows (1 dropped) x 9 features"), "{}", out.stderr);
    let mean: f64 = out.stdout.lines().last().unwrap().split('%').next().unwrap().parse().unwrap();
    assert!(mean >= 90.0, "{}", out.stdout);
}

#[test]
fn an_identifier_column_is_refused_with_the_way_out() {
    let file = data("mixed.csv");
    let out = run(&["--no-tui", "--folds", "1", "--epochs", "1", file.to_str().unwrap()]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("column 1: column \"id\" has more than 50 distinct values"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--ignore-col id"), "{}", out.stderr);
    // The same column by number, and a name that is not there.
    let by_number = run(&[
        "--no-tui",
        "-q",
        "--folds",
        "1",
        "--epochs",
        "1",
        "--ignore-col",
        "1",
        file.to_str().unwrap(),
    ]);
    assert_eq!(by_number.code, 0, "{}", by_number.stderr);
    let unknown = run(&["--no-tui", "--folds", "1", "--ignore-col", "name", file.to_str().unwrap()]);
    assert_eq!(unknown.code, 2, "a usage error");
    assert!(
        unknown.stderr.starts_with("nntui: --ignore-col: no column named \"name\""),
        "{}",
        unknown.stderr
    );
    let label = run(&["--no-tui", "--folds", "1", "--ignore-col", "species", file.to_str().unwrap()]);
    assert!(label.stderr.contains("--ignore-col: column 8 is the label column"), "{}", label.stderr);
}

#[test]
fn run_started_carries_the_data_report() {
    let file = data("mixed.csv");
    let out = run(&["--json", "--folds", "2", "--epochs", "1", "--ignore-col", "id", file.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let started: serde_json::Value = serde_json::from_str(out.stdout.lines().next().unwrap()).unwrap();
    let data = &started["dataset"]["preprocessing"];
    assert_eq!(data["columns"].as_array().unwrap().len(), 6);
    assert_eq!(data["columns"][0]["kind"], "category");
    assert_eq!(data["columns"][0]["categories"][2], "Torgersen");
    assert_eq!(data["report"]["missing_label"], 1);
    assert_eq!(data["report"]["ignored"][0], "id");
    assert_eq!(data["impute"], "mean");
    assert_eq!(started["dataset"]["feature_names"][0], "island=Biscoe");
}

#[test]
fn imputation_and_categories_are_fitted_on_the_training_rows_only() {
    let text = b"x,colour,y\n1,red,0\n3,red,1\nNA,green,0\n100,,1\n,blue,0\n";
    let dataset = parse(text, "t.csv", &CsvOptions::default()).unwrap();
    assert_eq!(dataset.feature_names, vec!["x", "colour=blue", "colour=green", "colour=red"]);
    // Training rows 0-2: x's mean is 2; "blue" (row 4) is only held out; red is the most
    // frequent colour.
    let scaling = Scaling::fit(&dataset, &[0, 1, 2], false);
    let row = |r: usize| {
        let mut out = vec![0.0; 4];
        scaling.transform_features(dataset.features.row(r).as_slice().unwrap(), &mut out);
        out
    };
    assert_eq!(row(2), vec![2.0, 0.0, 1.0, 0.0], "x filled with the training mean");
    assert_eq!(row(3), vec![100.0, 0.0, 0.0, 1.0], "a missing colour is the most frequent");
    assert_eq!(row(4), vec![2.0, 0.0, 0.0, 0.0], "blue was never seen in training: all zeros");
    // Another fold, another fill.
    let other = Scaling::fit(&dataset, &[0, 3, 4], false);
    let mut out = vec![0.0; 4];
    other.transform_features(dataset.features.row(2).as_slice().unwrap(), &mut out);
    assert_eq!(out[0], 50.5);
    // Standardized: numbers are z-scored, one-hot inputs stay 0 and 1.
    let standardized = Scaling::fit(&dataset, &[0, 1, 2], true);
    standardized.transform_features(dataset.features.row(0).as_slice().unwrap(), &mut out);
    assert_eq!(out[1..], [0.0, 0.0, 1.0]);
    assert!((out[0] + 1.2247).abs() < 1e-3, "{out:?}");
}

#[test]
fn options_for_categories_missing_values_and_dropped_rows() {
    // Codes as categories, -999 as missing, and rows with gaps dropped.
    let text = b"grade,size,label\n1,10,a\n2,-999,b\n3,12,a\n1,,b\n2,14,a\n3,15,b\n";
    let options = CsvOptions {
        categorical: vec![LabelColumn::Name("grade".into())],
        na_values: NaValues::parse("-999"),
        impute: nntui::data::Impute::Drop,
        ..CsvOptions::default()
    };
    let dataset = parse(text, "t.csv", &options).unwrap();
    assert_eq!(dataset.feature_names, vec!["grade=1", "grade=2", "grade=3", "size"]);
    assert_eq!(dataset.rows(), 4);
    assert_eq!(dataset.report.missing_feature, 2);
    assert!(
        dataset.report_lines().contains(&"  2 rows dropped: a missing feature (--impute drop)".to_string())
    );
    // The same through the command line.
    let (_dir, path) = file_with("codes.csv", text);
    let out = run(&[
        "--no-tui",
        "--folds",
        "1",
        "--epochs",
        "1",
        "--categorical",
        "grade",
        "--na-values",
        "-999",
        "--impute",
        "drop",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("grade   3 categories (1, 2, 3)"), "{}", out.stderr);
    assert!(out.stderr.contains("4 rows (2 dropped) x 4 features"), "{}", out.stderr);
    let bad = run(&["--no-tui", "--impute", "mode", path.to_str().unwrap()]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("unknown imputation 'mode' (expected one of: mean, median, most_frequent, zero, drop)"),
        "{}",
        bad.stderr
    );
}

#[test]
fn validation_data_and_a_test_file() {
    let (train, rest) = mixed_split(200);
    let (dir, train_path) = file_with("train.csv", train.as_bytes());
    let test_path = dir.path().join("test.csv");
    std::fs::write(&test_path, &rest).unwrap();
    let model = dir.path().join("model.json");
    let (train_path, test_path) = (train_path.to_str().unwrap(), test_path.to_str().unwrap());
    let common = ["--no-tui", "--epochs", "30", "--standardize", "--ignore-col", "id"];

    let mut args = common.to_vec();
    args.extend([
        "--validation-data",
        test_path,
        "--test",
        test_path,
        "--save-model",
        model.to_str().unwrap(),
        train_path,
    ]);
    let out = run(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("val_loss: "), "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let value = |prefix: &str| {
        lines.iter().find_map(|l| l.strip_prefix(prefix)).unwrap_or_else(|| panic!("{prefix} in {lines:?}"))
    };
    // Validating on the test file every epoch: the last val_ values are the test scores.
    assert_eq!(value("val_accuracy: "), value("test accuracy: "));
    assert_eq!(value("val_loss: "), value("test loss: "));
    // And they are what evaluating the saved model on that file gives.
    let evaluated = run(&["evaluate", "--model", model.to_str().unwrap(), test_path]);
    assert_eq!(evaluated.code, 0, "{}", evaluated.stderr);
    assert!(
        evaluated.stdout.starts_with(&format!("accuracy: {} (", value("test accuracy: "))),
        "{}",
        evaluated.stdout
    );
    assert!(evaluated.stdout.contains(&format!("loss: {}", value("test loss: "))), "{}", evaluated.stdout);

    // Under cross-validation, every fold's model is tested.
    let mut args = common.to_vec();
    args.extend(["--folds", "3", "--test", test_path, train_path]);
    let out = run(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.lines().any(|l| l.starts_with("test accuracy: ") && l.ends_with("over 3 fold models")),
        "{}",
        out.stdout
    );
    let mut args = common.to_vec();
    args.extend(["--folds", "3", "--validation-data", test_path, train_path]);
    let refused = run(&args);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("--validation-data validates a single fit"), "{}", refused.stderr);
}

#[test]
fn prediction_on_raw_rows_is_prediction_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let model_path = dir.path().join("model.json");
    let file = data("mixed.csv");
    fit_mixed(&model_path);
    let model = ModelFile::load(&model_path).unwrap();
    let trained = model.trained();
    let dataset = load(&file, &mixed_options()).unwrap();
    let rows = model.read_rows(&file, &CsvOptions::default(), None).unwrap();
    // The raw file still has its row without a label; the training set does not.
    let labelled: Vec<usize> =
        (0..rows.features.nrows()).filter(|&r| !rows.labels.as_ref().unwrap()[r].is_empty()).collect();
    let raw = rows.features.select(ndarray::Axis(0), &labelled);
    assert_eq!(raw.shape(), dataset.features.shape());
    let same_cells =
        raw.iter().zip(dataset.features.iter()).all(|(a, b)| a == b || (a.is_nan() && b.is_nan()));
    assert!(same_cells, "the raw rows read as the training rows were");
    assert_eq!(trained.predict(&raw, model.task), trained.predict(&dataset.features, model.task));

    // Columns by name: reordered, without the label and the identifier, as in the
    // training layout; and one unseen island.
    let reordered = "sex,body_mass_g,flipper_length_mm,bill_depth_mm,bill_length_mm,island\nmale,4500,210,15,47,Biscoe\nfemale,NA,190,18,39,Dream\nmale,3900,195,18,49,Anvers\n";
    let layout = "id,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,species\nA,Biscoe,47,15,210,4500,male,\nB,Dream,39,18,190,,female,\nC,,49,18,195,3900,male,\n";
    let predict = |text: &str| {
        let (_d, path) = file_with("new.csv", text.as_bytes());
        run(&["predict", "--model", model_path.to_str().unwrap(), "--proba", path.to_str().unwrap()])
    };
    let (by_name, in_layout) = (predict(reordered), predict(layout));
    assert_eq!(by_name.code, 0, "{}", by_name.stderr);
    assert_eq!(in_layout.code, 0, "{}", in_layout.stderr);
    assert_eq!(by_name.stdout.lines().count(), 4, "a header and three rows: {}", by_name.stdout);
    // Rows 1 and 2 are the same penguins; row 3's island is unknown in one file and
    // missing (the most frequent island) in the other.
    let lines = |text: &str| text.lines().take(3).map(String::from).collect::<Vec<_>>();
    assert_eq!(lines(&by_name.stdout), lines(&in_layout.stdout));
    assert!(
        by_name.stderr.contains("warning: 1 cell of categories the training file did not have (island: 1), read as no category (all zeros)"),
        "{}",
        by_name.stderr
    );
    assert!(!in_layout.stderr.contains("warning"), "{}", in_layout.stderr);
    // A hand-edited model whose columns do not fit its file is refused when loaded.
    let mut edited: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model_path).unwrap()).unwrap();
    edited["data"]["columns"][0]["file_column"] = serde_json::json!(99);
    let bad_model = dir.path().join("bad.json");
    std::fs::write(&bad_model, edited.to_string()).unwrap();
    let refused = run(&["predict", "--model", bad_model.to_str().unwrap(), file.to_str().unwrap()]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("the columns' places do not fit a file of 8 columns"),
        "{}",
        refused.stderr
    );
    let missing = "sex,island\nmale,Biscoe\n";
    let (_d, path) = file_with("short.csv", missing.as_bytes());
    let refused = run(&["predict", "--model", model_path.to_str().unwrap(), path.to_str().unwrap()]);
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("no column named \"bill_length_mm\""), "{}", refused.stderr);
}

/// A categorical column's cells: a few words, or missing.
fn category_cell() -> impl Strategy<Value = String> {
    prop_oneof![4 => "[a-d]{1,2}", 1 => Just(String::new()), 1 => Just("NA".to_string())]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Every category is one input, sorted, whatever the row order; a row holds one 1
    /// in its column's inputs, or NaN in all when missing.
    #[test]
    fn every_category_is_one_input_in_a_stable_order(cells in prop::collection::vec(category_cell(), 4..40)) {
        let make = |cells: &[String]| {
            let mut text = String::from("c,x,y\n");
            for (row, cell) in cells.iter().enumerate() {
                text.push_str(&format!("{cell},{row},{}\n", row % 2));
            }
            parse(text.as_bytes(), "p.csv", &CsvOptions::default())
        };
        let mut seen: Vec<String> = cells.iter().filter(|c| !c.is_empty() && *c != "NA").cloned().collect();
        seen.sort();
        seen.dedup();
        // Parsing fails only for the reasons it should: no category at all, or one a row
        // each (an identifier, refused as such).
        let dataset = match make(&cells) {
            Ok(dataset) => dataset,
            Err(error) => {
                let text = error.to_string();
                prop_assert!(seen.is_empty() || text.contains("an identifier or free text"), "{}", text);
                return Ok(());
            }
        };
        if seen.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = seen.iter().map(|c| format!("c={c}")).collect();
        prop_assert_eq!(&dataset.feature_names[..seen.len()], &names[..]);
        for (row, cell) in cells.iter().enumerate() {
            let inputs = &dataset.features.row(row).to_vec()[..seen.len()];
            if cell.is_empty() || cell == "NA" {
                prop_assert!(inputs.iter().all(|v| v.is_nan()));
            } else {
                let hot = seen.iter().position(|c| c == cell).unwrap();
                prop_assert!(inputs.iter().enumerate().all(|(i, &v)| v == f32::from(u8::from(i == hot))));
            }
        }
        let mut reversed = cells.clone();
        reversed.reverse();
        if let Ok(again) = make(&reversed) {
            prop_assert_eq!(again.feature_names, dataset.feature_names);
        }
    }
}

#[test]
fn evaluating_the_raw_training_file_gives_the_training_scores() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    let file = data("mixed.csv");
    let fit = fit_mixed(&model);
    let evaluated = run(&["evaluate", "--model", model.to_str().unwrap(), file.to_str().unwrap()]);
    assert_eq!(evaluated.code, 0, "{}", evaluated.stderr);
    // The row without a label is left out, as in training; the rest score the same.
    assert!(evaluated.stderr.contains("1 row without a label left out"), "{}", evaluated.stderr);
    let accuracy = fit.stdout.lines().next().unwrap().trim_start_matches("accuracy: ");
    assert!(
        evaluated.stdout.starts_with(&format!("accuracy: {accuracy} (")),
        "{}\n{}",
        fit.stdout,
        evaluated.stdout
    );
    let loss = fit.stdout.lines().nth(1).unwrap();
    assert!(evaluated.stdout.contains(&format!("\n{loss}\n")), "{}\n{}", fit.stdout, evaluated.stdout);
}
