//! Property-based fuzzing of the two parsers that take arbitrary user input: the CSV
//! loader and the `--layers` parser. Whatever they are given, they return a result or
//! one clear line, and what they return holds together. CI runs a few hundred cases
//! of each; a long run is `PROPTEST_CASES=200000 cargo test --release --test fuzz`.
//! Inputs that once failed live in `tests/fuzz.proptest-regressions` and run first.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_possible_truncation)] // a test fails loudly where its set-up does

use nntui::cli::parse_layers;
use nntui::data::{CsvOptions, Dataset, Scaling, Task, parse};
use proptest::prelude::*;

/// What every load must satisfy: a dataset that holds together, or one line that
/// names the file.
fn check(bytes: &[u8], options: &CsvOptions) {
    match parse(bytes, "fuzz.csv", options) {
        Ok(dataset) => check_dataset(&dataset),
        Err(error) => {
            let message = error.to_string();
            assert!(!message.contains('\n'), "multi-line error: {message:?}");
            assert!(message.starts_with("fuzz.csv"), "error without the file: {message:?}");
        }
    }
}

fn check_dataset(d: &Dataset) {
    assert!(d.rows() > 0);
    assert!(d.feature_count() >= 1);
    assert_eq!(d.labels.len(), d.rows());
    assert_eq!(d.feature_names.len(), d.feature_count());
    // Missing cells are NaN (a missing category in all its inputs) until a fold's
    // imputation fills them; nothing else is not finite.
    assert!(d.features.iter().all(|v| v.is_finite() || v.is_nan()), "an infinite feature got through");
    let missing: usize = d.columns.iter().map(|c| c.missing * c.width()).sum();
    assert_eq!(d.features.iter().filter(|v| v.is_nan()).count(), missing);
    assert_eq!(d.columns.iter().map(nntui::data::FeatureColumn::width).sum::<usize>(), d.feature_count());
    let rows: Vec<u32> = (0..d.rows() as u32).collect();
    // Filled rows are finite; standardized too, unless a value is near f32's limit
    // (its distance from the mean overflows, as it would in any f32 z-score: the plan
    // warns of such features and training reports the divergence).
    let moderate = d.features.iter().all(|v| v.is_nan() || v.abs() < 1e18);
    for standardize in [false, true] {
        let scaling = Scaling::fit(d, &rows, standardize);
        let mut out = vec![0.0; d.feature_count()];
        for row in d.features.rows() {
            scaling.transform_features(row.as_slice().unwrap(), &mut out);
            if !standardize || moderate {
                assert!(out.iter().all(|v| v.is_finite()), "a filled row is not finite: {out:?}");
            }
        }
    }
    match d.task {
        Task::Regression => assert!(d.labels.iter().all(|v| v.is_finite())),
        Task::Binary | Task::Multiclass => {
            assert!(d.class_count() >= 2);
            assert!(d.labels.iter().all(|&c| c >= 0.0 && (c as usize) < d.class_count() && c.fract() == 0.0));
            if d.task == Task::Binary {
                assert_eq!(d.class_count(), 2);
            }
            // Every class appears.
            assert!(d.class_counts().iter().all(|&n| n > 0));
        }
    }
}

/// Cells that are numbers, near-numbers, words, quotes and noise.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (-1000i32..1000).prop_map(|v| v.to_string()),
        3 => any::<f32>().prop_map(|v| v.to_string()),
        1 => Just(String::new()),
        1 => prop_oneof![Just("nan"), Just("inf"), Just("-inf"), Just("1e308"), Just("1e-50"), Just("0x10"), Just("1,5"), Just(" 7 ")].prop_map(String::from),
        1 => "[a-z]{1,6}",
        1 => "\"[a-z0-9 ,;\"]{0,6}\"",
        1 => "[^\n]{0,5}",
    ]
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn loader_survives_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        check(&bytes, &CsvOptions::default());
    }

    #[test]
    fn loader_survives_near_csv(
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 1..6), 1..14),
        delimiter in prop_oneof![Just(b','), Just(b';'), Just(b'\t')],
        crlf in any::<bool>(),
        bom in any::<bool>(),
    ) {
        let separator = char::from(delimiter).to_string();
        let end = if crlf { "\r\n" } else { "\n" };
        let mut text = if bom { "\u{feff}".to_string() } else { String::new() };
        for row in &rows {
            text.push_str(&row.join(&separator));
            text.push_str(end);
        }
        check(text.as_bytes(), &CsvOptions { delimiter, ..CsvOptions::default() });
        check(text.as_bytes(), &CsvOptions::default());
    }

    #[test]
    fn loader_accepts_well_formed_numbers(
        rows in proptest::collection::vec((proptest::collection::vec(-1e6f32..1e6, 3), 0u8..3), 2..40),
    ) {
        let text: String = rows
            .iter()
            .map(|(features, label)| {
                let cells: Vec<String> = features.iter().map(f32::to_string).collect();
                format!("{},{label}\n", cells.join(","))
            })
            .collect();
        let distinct = rows.iter().map(|(_, l)| *l).collect::<std::collections::BTreeSet<_>>().len();
        match parse(text.as_bytes(), "fuzz.csv", &CsvOptions::default()) {
            Ok(d) => {
                prop_assert_eq!(d.rows(), rows.len());
                prop_assert_eq!(d.class_count(), distinct);
                check_dataset(&d);
            }
            Err(e) => prop_assert!(distinct == 1, "{}", e),
        }
    }

    #[test]
    fn layers_parser_survives_any_text(text in "\\PC{0,30}") {
        if let Ok(layers) = parse_layers(&text) {
            prop_assert!(layers.0.iter().all(|l| !l.to_string().starts_with("0:")));
            // What parsed prints back as something that parses to the same.
            let again: Vec<String> = layers.0.iter().map(ToString::to_string).collect();
            if !layers.0.is_empty() {
                prop_assert_eq!(parse_layers(&again.join(",")).unwrap(), layers);
            }
        }
    }

    #[test]
    fn layers_parser_on_near_specs(
        parts in proptest::collection::vec(
            (prop_oneof![Just("0".to_string()), "[0-9]{1,8}", "-?[0-9]{1,3}", "[a-z]{1,3}"],
             prop_oneof![Just(":"), Just(""), Just("::"), Just(" : ")],
             prop_oneof![Just("relu"), Just("tanh"), Just("softmax"), Just("RELU"), Just(""), Just("sigmoid "), Just("linear")]),
            0..5),
    ) {
        let text: Vec<String> = parts.iter().map(|(u, c, a)| format!("{u}{c}{a}")).collect();
        let _ = parse_layers(&text.join(","));
    }
}
