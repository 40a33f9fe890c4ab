//! No silent wrong results (issue 19): splits that cannot measure a class, typo cells,
//! index and constant columns, missing markers that must not touch the label,
//! identifiers that are features, evaluations with nothing to score, full-precision
//! predictions, continued models with their preprocessing, tune trials that train what
//! they print, output paths checked before training, optional-value flags.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

mod common;

use common::{data, file_with, run};
use std::fmt::Write as _;

/// A two-feature, two-class file sorted by label: `n` rows of class a then of class b.
fn sorted_by_label(n: usize) -> String {
    let mut text = String::from("x,y,label\n");
    for class in ["a", "b"] {
        for i in 0..n {
            let shift = if class == "a" { 0.0 } else { 3.0 };
            let _ = writeln!(text, "{:.3},{:.3},{class}", shift + (i % 7) as f64 * 0.1, (i % 5) as f64 * 0.2);
        }
    }
    text
}

fn path_of(path: &std::path::Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn the_bundled_spiral_is_shuffled_and_validates_on_every_arm() {
    let out = run(&["generate", "spiral", "--rows", "60"]);
    assert_eq!(out.code, 0);
    let labels: Vec<&str> = out.stdout.lines().skip(1).map(|l| l.rsplit(',').next().unwrap()).collect();
    let runs = 1 + labels.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(runs > 10, "rows in a shuffled order, not sorted by arm ({runs} runs)");
    let spiral = data("spiral.csv");
    let out = run(&["--no-tui", "--epochs", "2", "--validation-split", "0.2", path_of(&spiral)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("held out but in no training row"), "{}", out.stderr);
}

#[test]
fn a_split_that_misses_a_class_is_said_with_its_cause_and_stratified_fixes_it() {
    let (_dir, file) = file_with("sorted.csv", sorted_by_label(40).as_bytes());
    let out = run(&["--no-tui", "-q", "--epochs", "1", "--validation-split", "0.2", path_of(&file)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("class \"a\" in no validation row"), "{}", out.stderr);
    assert!(out.stderr.contains("the rows look sorted by label"), "{}", out.stderr);
    assert_eq!(out.stderr.matches("look sorted").count(), 1, "said once: {}", out.stderr);
    for split in ["stratified", "shuffled"] {
        let args = [
            "--no-tui",
            "-q",
            "--epochs",
            "1",
            "--validation-split",
            "0.2",
            "--split",
            split,
            path_of(&file),
        ];
        let (out, again) = (run(&args), run(&args));
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(!out.stderr.contains("no validation row"), "{split}: {}", out.stderr);
        assert_eq!(out.stdout, again.stdout, "{split} is seeded");
    }
    // A test file without one of the training classes.
    let only_b: String =
        sorted_by_label(10).lines().filter(|l| !l.ends_with(",a")).collect::<Vec<_>>().join("\n");
    let (_dir2, test) = file_with("test.csv", only_b.as_bytes());
    let out =
        run(&["--no-tui", "-q", "--folds", "1", "--epochs", "1", "--test", path_of(&test), path_of(&file)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("--test") && out.stderr.contains("class \"a\" in none of its rows"),
        "{}",
        out.stderr
    );
    // --split needs --validation-split; --validation-split is a single fit.
    let out = run(&["--no-tui", "--split", "stratified", path_of(&file)]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let out = run(&["--no-tui", "--folds", "5", "--validation-split", "0.2", path_of(&file)]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--validation-split"), "{}", out.stderr);
}

#[test]
fn a_word_among_numbers_is_a_typo_in_a_file_of_any_size() {
    for rows in [16, 400] {
        let mut text = String::from("a,b,label\n");
        for i in 0..rows {
            let _ = writeln!(text, "{}.5,{},{}", i % 9, i % 3, i % 2);
        }
        text.push_str("abc,1,0\n");
        let (_dir, file) = file_with("typo.csv", text.as_bytes());
        let out = run(&["--no-tui", "-q", "--epochs", "1", path_of(&file)]);
        assert_eq!(out.code, 1, "{rows}: {}", out.stderr);
        let line = rows + 2;
        assert!(
            out.stderr.contains(&format!("typo.csv:{line}:1: non-numeric value \"abc\"")),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("--na-values abc") && out.stderr.contains("--categorical a"),
            "{}",
            out.stderr
        );
        assert_eq!(out.stderr.lines().count(), 1, "one line: {}", out.stderr);
        let out =
            run(&["--no-tui", "-q", "--epochs", "1", "--folds", "2", "--na-values", "abc", path_of(&file)]);
        assert_eq!(out.code, 0, "the fix it names works: {}", out.stderr);
    }
}

#[test]
fn index_time_and_constant_columns_are_warned_of_even_when_quiet() {
    let mut text = String::from("YEAR,flat,value,label\n");
    for i in 0..30 {
        let _ = writeln!(text, "{},7,{:.2},{}", 1700 + i, f64::from((i * 37) % 11) / 3.0, i % 2);
    }
    let (_dir, file) = file_with("years.csv", text.as_bytes());
    let out = run(&["--no-tui", "-q", "--folds", "2", "--epochs", "1", path_of(&file)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("column \"YEAR\"") && out.stderr.contains("row index or a time axis"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--ignore-col YEAR"), "{}", out.stderr);
    assert!(out.stderr.contains("column \"flat\" holds one value (7)"), "{}", out.stderr);
    let out = run(&["--no-tui", "--json", "--folds", "2", "--epochs", "1", path_of(&file)]);
    let started = out.stdout.lines().find(|l| l.contains("\"run_started\"")).unwrap();
    assert!(started.contains("row index or a time axis"), "in run_started: {started}");
    let out = run(&[
        "--no-tui",
        "-q",
        "--folds",
        "2",
        "--epochs",
        "1",
        "--ignore-col",
        "YEAR,flat",
        path_of(&file),
    ]);
    assert!(!out.stderr.contains("time axis") && !out.stderr.contains("one value"), "{}", out.stderr);
}

#[test]
fn missing_markers_never_touch_the_label_and_can_be_per_column() {
    // Pima's clean-up: zeros in a measurement mean missing, zeros in the label do not.
    let mut text = String::from("glucose,insulin,outcome\n");
    for i in 0..40 {
        // Zeros written both ways: a numeric marker compares as a number.
        let insulin = match i % 8 {
            0 => "0".to_string(),
            4 => "0.0".to_string(),
            _ => (50 + i).to_string(),
        };
        let _ = writeln!(text, "{},{insulin},{}", 80 + i, i % 2);
    }
    let (_dir, file) = file_with("pima-like.csv", text.as_bytes());
    let out = run(&["--no-tui", "--folds", "1", "--epochs", "1", "--na-values", "0", path_of(&file)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("dropped"), "no label was read as missing: {}", out.stderr);
    assert!(out.stderr.contains("insulin") && out.stderr.contains("10 missing"), "{}", out.stderr);
    let out =
        run(&["--no-tui", "--folds", "1", "--epochs", "1", "--na-values-col", "insulin=0", path_of(&file)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("insulin") && out.stderr.contains("10 missing"), "{}", out.stderr);
    assert!(
        !out.stderr.lines().any(|l| l.trim_start().starts_with("glucose")),
        "glucose untouched: {}",
        out.stderr
    );
    // The model keeps the column's markers: a 0 there is filled at prediction too.
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    let out = run(&[
        "--no-tui",
        "-q",
        "--epochs",
        "1",
        "--na-values-col",
        "insulin=0",
        "--save-model",
        path_of(&model),
        path_of(&file),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows = "glucose,insulin\n100,0\n100,\n";
    let (_d, rows_file) = file_with("rows.csv", rows.as_bytes());
    let out = run(&["predict", "--model", path_of(&model), "--proba", path_of(&rows_file)]);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[1], lines[2], "0 and empty are both missing in insulin: {}", out.stdout);
}

/// A fit on moons saved to `dir/m.json`.
fn moons_model(dir: &std::path::Path, extra: &[&str]) -> std::path::PathBuf {
    let model = dir.join("m.json");
    let moons = data("moons.csv");
    let mut args = vec!["--no-tui", "-q", "--init", "he_uniform", "--save-model", path_of(&model)];
    args.extend_from_slice(extra);
    if !extra.contains(&"--epochs") {
        args.extend(["--epochs", "30"]);
    }
    args.push(path_of(&moons));
    let out = run(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    model
}

#[test]
fn an_identifier_that_is_a_feature_is_printed_and_still_read_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let model = moons_model(dir.path(), &[]);
    let text = std::fs::read_to_string(data("moons.csv")).unwrap();
    let head: Vec<&str> = text.lines().take(21).collect();
    let (_d, with_header) = file_with("h.csv", head.join("\n").as_bytes());
    let (_e, without) = file_with("n.csv", head[1..].join("\n").as_bytes());
    let plain = run(&["predict", "--model", path_of(&model), "--proba", path_of(&with_header)]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    for (file, id) in [(&with_header, "x"), (&without, "1")] {
        let out = run(&["predict", "--model", path_of(&model), "--proba", "--id-col", id, path_of(file)]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let rows: Vec<&str> = out.stdout.lines().skip(1).collect();
        let expected: Vec<&str> = plain.stdout.lines().skip(1).collect();
        for ((row, want), source) in rows.iter().zip(&expected).zip(&head[1..]) {
            let (ident, rest) = row.split_once(',').unwrap();
            assert_eq!(rest, *want, "the same prediction with --id-col {id}");
            assert_eq!(ident, source.split(',').next().unwrap(), "the id is the x cell");
        }
    }
}

#[test]
fn evaluate_with_nothing_to_score_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let model = moons_model(dir.path(), &[]);
    let (_d, unlabelled) = file_with("u.csv", b"x,y,moon\n0.1,0.2,\n0.3,0.1,NA\n");
    let out = run(&["evaluate", "--model", path_of(&model), path_of(&unlabelled)]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("nothing to score"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "no rows: 0 line: {}", out.stdout);
}

#[test]
fn predictions_are_printed_to_full_precision_under_a_header() {
    let dir = tempfile::tempdir().unwrap();
    let model = moons_model(dir.path(), &["--epochs", "200", "--lr", "0.05"]);
    let moons = data("moons.csv");
    let out = run(&["predict", "--model", path_of(&model), "--proba", path_of(&moons)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().next(), Some("predicted,lower,upper"));
    // Every probability reads back as a float32 the rows add up with, none rounded away.
    let mut exponent = false;
    for line in out.stdout.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let p: Vec<f32> = cells[1..].iter().map(|c| c.parse().unwrap()).collect();
        assert!((p[0] + p[1] - 1.0).abs() < 1e-6, "{line}");
        assert!(p.iter().all(|&v| (0.0..=1.0).contains(&v)), "{line}");
        exponent |= cells[1..].iter().any(|c| c.contains('e'));
        assert!(
            cells[1..].iter().all(|c| c.len() > 6 || c.contains('e') || *c == "0" || *c == "1"),
            "{line}"
        );
    }
    assert!(exponent, "a confident model's tiny probabilities keep their digits: {}", &out.stdout[..400]);
    let plain = run(&["predict", "--model", path_of(&model), path_of(&moons)]);
    assert_eq!(plain.stdout.lines().next(), Some("predicted,probability"), "a header without --proba too");
    let bare = run(&["predict", "--model", path_of(&model), "--no-output-header", path_of(&moons)]);
    assert_eq!(bare.stdout.lines().count(), plain.stdout.lines().count() - 1);
}

#[test]
fn a_continued_standardized_model_starts_from_its_own_loss() {
    let dir = tempfile::tempdir().unwrap();
    let model = moons_model(dir.path(), &["--standardize"]);
    let moons = data("moons.csv");
    let first = run(&["evaluate", "--model", path_of(&model), path_of(&moons)]);
    let loss: f64 = first
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("loss: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{}", first.stdout));
    let out = run(&[
        "--no-tui",
        "--folds",
        "1",
        "--epochs",
        "1",
        "--lr",
        "1e-7",
        "--initial-model",
        path_of(&model),
        path_of(&moons),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let continued: f64 = out.stdout.lines().find_map(|l| l.strip_prefix("loss: ")).unwrap().parse().unwrap();
    assert!((continued - loss).abs() < 0.01 * loss.max(0.01), "continued {continued} vs saved {loss}");
    // A flag that disagrees with the model is refused.
    let out = run(&[
        "--no-tui",
        "--folds",
        "1",
        "--impute",
        "median",
        "--initial-model",
        path_of(&model),
        path_of(&moons),
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--impute disagrees with --initial-model"), "{}", out.stderr);
}

#[test]
fn tune_trials_train_what_their_command_lines_train() {
    let sine = data("sine.csv");
    let out = run(&[
        "tune",
        path_of(&sine),
        "--no-tui",
        "--window",
        "8",
        "--folds",
        "3",
        "--epochs",
        "3",
        "--trials",
        "2",
        "--lr",
        "0.001|0.01",
        "--layers",
        "flatten,8:relu",
        "--search",
        "grid",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let best =
        out.stdout.lines().find(|l| l.trim_start().starts_with("nntui ")).expect("the best command line");
    assert!(best.contains("--window 8"), "{best}");
    // The printed command trains the trial's windows: the same objective again.
    let args: Vec<String> = best.split_whitespace().skip(1).map(String::from).collect();
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    args.push("-q");
    let again = run(&args);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let mean = again.stdout.lines().last().unwrap();
    let value = mean.split_whitespace().next().unwrap();
    assert!(out.stdout.contains(value), "the trial's objective {value} is in the ranking:\n{}", out.stdout);
    let out = run(&[
        "tune",
        path_of(&sine),
        "--no-tui",
        "--folds",
        "5",
        "--validation-split",
        "0.2",
        "--lr",
        "0.001|0.01",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn output_paths_are_checked_before_training() {
    let moons = data("moons.csv");
    for (flag, value) in [
        ("--save-model", "/no/such/folder/m.json"),
        ("--csv-log", "/no/such/folder/log.csv"),
        ("--checkpoint", "/no/such/folder/best.json"),
        ("--plot", "/dev/null/plots"),
        ("--log-dir", "/dev/null/runs"),
    ] {
        let out = run(&["--no-tui", "--folds", "1", "--epochs", "500", flag, value, path_of(&moons)]);
        assert_eq!(out.code, 2, "{flag}: {}", out.stderr);
        assert!(out.stderr.starts_with(&format!("nntui: {flag} {value}: ")), "{}", out.stderr);
        assert!(!out.stdout.contains("accuracy"), "no training first: {}", out.stdout);
    }
    let dir = tempfile::tempdir().unwrap();
    let model = moons_model(dir.path(), &[]);
    let out = run(&["predict", "--model", path_of(&model), "--output", "/no/such/p.csv", path_of(&moons)]);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn optional_value_flags_do_not_take_the_file() {
    let moons = data("moons.csv");
    for flag in ["--early-stopping", "--reduce-lr-on-plateau"] {
        let out = run(&["--no-tui", "-q", "--folds", "2", "--epochs", "2", flag, path_of(&moons)]);
        assert_eq!(out.code, 0, "{flag}: {}", out.stderr);
        let out =
            run(&["--no-tui", "-q", "--folds", "2", "--epochs", "2", flag, "patience=1", path_of(&moons)]);
        assert_eq!(out.code, 0, "{flag} with a value: {}", out.stderr);
    }
}
