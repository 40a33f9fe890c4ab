//! Real-world feature columns: numbers and categories, missing cells, and the
//! imputation fitted on training rows only (as scikit-learn's `SimpleImputer` and
//! `OneHotEncoder(handle_unknown="ignore")` inside a pipeline).

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How missing feature values are filled (`--impute`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impute {
    /// The training rows' mean (numbers); the most frequent category (categories).
    #[default]
    Mean,
    /// The training rows' median (numbers); the most frequent category (categories).
    Median,
    /// The most frequent value or category (the smallest among ties, as scikit-learn).
    MostFrequent,
    /// Zero (numbers); no category at all, every one-hot input 0 (categories).
    Zero,
    /// Training rows with a missing feature are removed (and the rows of
    /// `--validation-data` and `--test`); prediction fills with the mean.
    Drop,
}

impl Impute {
    /// Every strategy, in the order the help lists them.
    pub const ALL: [Impute; 5] =
        [Impute::Mean, Impute::Median, Impute::MostFrequent, Impute::Zero, Impute::Drop];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Impute::Mean => "mean",
            Impute::Median => "median",
            Impute::MostFrequent => "most_frequent",
            Impute::Zero => "zero",
            Impute::Drop => "drop",
        }
    }

    /// How a missing cell of a column of this kind is filled, in words.
    pub fn describe(self, kind: &ColumnKind) -> &'static str {
        match (self, kind) {
            (Impute::Drop, _) => "row dropped",
            (Impute::Zero, ColumnKind::Number) => "zero",
            (Impute::Zero, ColumnKind::Category { .. }) => "no category (all zeros)",
            (Impute::Mean, ColumnKind::Number) => "mean",
            (Impute::Median, ColumnKind::Number) => "median",
            (_, _) => "most frequent",
        }
    }
}

crate::names::named!(Impute, "imputation");

/// Cells read as missing besides empty ones, unless `--na-values` says otherwise.
pub const DEFAULT_NA_VALUES: [&str; 5] = ["NA", "N/A", "NaN", "null", "?"];

/// A categorical column with more distinct values than this is refused by default.
pub const DEFAULT_MAX_CATEGORIES: usize = 50;

/// The texts that mark a missing cell (compared trimmed and in any ASCII case); an
/// empty cell is always missing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NaValues(pub Vec<String>);

impl Default for NaValues {
    fn default() -> Self {
        NaValues(DEFAULT_NA_VALUES.iter().map(|s| (*s).to_string()).collect())
    }
}

impl NaValues {
    /// Reads `--na-values`: comma-separated texts (an empty list keeps only empty cells).
    pub fn parse(text: &str) -> NaValues {
        NaValues(text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect())
    }

    /// These markers and `more`.
    #[must_use]
    pub fn with(&self, more: &[String]) -> NaValues {
        let mut all = self.0.clone();
        all.extend(more.iter().filter(|m| !self.0.contains(m)).cloned());
        NaValues(all)
    }

    /// Whether `cell` is missing: empty, one of the markers in any case, or a number
    /// equal to a marker that is a number (`0` marks `0.0` too, as pandas' `na_values`).
    pub fn is_missing(&self, cell: &[u8]) -> bool {
        let cell = cell.trim_ascii();
        cell.is_empty()
            || self.0.iter().any(|na| na.as_bytes().eq_ignore_ascii_case(cell))
            || (cell[0].is_ascii_digit() || matches!(cell[0], b'-' | b'+' | b'.'))
                && std::str::from_utf8(cell).ok().and_then(|t| t.parse::<f64>().ok()).is_some_and(|value| {
                    self.0.iter().any(|na| na.trim().parse::<f64>().is_ok_and(|marker| marker == value))
                })
    }
}

/// What a feature column holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ColumnKind {
    /// Numbers: one input.
    Number,
    /// Categories, one-hot encoded: one input per category, in this (sorted) order.
    Category {
        /// The categories seen in the training file.
        categories: Vec<String>,
    },
}

/// One column of the training file that feeds the network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureColumn {
    /// The header's name, or `column N`.
    pub name: String,
    /// Where it is in the training file, from zero.
    pub file_column: usize,
    /// Numbers or categories.
    #[serde(flatten)]
    pub kind: ColumnKind,
    /// Missing cells in the training file.
    #[serde(default)]
    pub missing: usize,
    /// Cells that mean "missing" in this column only (`--na-values-col`), besides the
    /// file's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub na_values: Vec<String>,
}

impl FeatureColumn {
    /// A column of numbers.
    pub fn number(name: impl Into<String>, file_column: usize) -> Self {
        FeatureColumn {
            name: name.into(),
            file_column,
            kind: ColumnKind::Number,
            missing: 0,
            na_values: Vec::new(),
        }
    }

    /// Network inputs it becomes.
    pub fn width(&self) -> usize {
        match &self.kind {
            ColumnKind::Number => 1,
            ColumnKind::Category { categories } => categories.len(),
        }
    }

    /// The names of its inputs: the column's own, or `name=category` per category.
    pub fn input_names(&self) -> Vec<String> {
        match &self.kind {
            ColumnKind::Number => vec![self.name.clone()],
            ColumnKind::Category { categories } => {
                categories.iter().map(|c| format!("{}={c}", self.name)).collect()
            }
        }
    }

    /// Whether it is categorical.
    pub fn is_categorical(&self) -> bool {
        matches!(self.kind, ColumnKind::Category { .. })
    }
}

/// How a training file's columns were read, so that other files (prediction,
/// `--validation-data`, `--test`) are read the same way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// The feature columns, in input order.
    pub columns: Vec<FeatureColumn>,
    /// The label column's name.
    pub label_name: String,
    /// The label column's index in the training file, from zero.
    pub label_column: usize,
    /// Columns in the training file.
    pub width: usize,
    /// Whether the training file had a header.
    pub has_header: bool,
}

/// The text under which a category is known: numbers in one canonical form (so that
/// `1`, `1.0` and `01` are one category), other text as written.
pub fn category_key(text: &str) -> String {
    match text.parse::<f32>() {
        Ok(value) if value.is_finite() => format!("{}", value + 0.0),
        _ => text.to_string(),
    }
}

/// Sorts categories as scikit-learn's `OneHotEncoder` does: numerically when every one
/// is a number, otherwise as text (by code point, as Python sorts strings).
pub fn sort_categories(categories: &mut [String]) {
    let numbers: Option<Vec<f32>> = categories.iter().map(|c| c.parse::<f32>().ok()).collect();
    if numbers.is_some() {
        categories.sort_by(|a, b| {
            let (a, b) = (a.parse::<f32>().unwrap_or(f32::NAN), b.parse::<f32>().unwrap_or(f32::NAN));
            a.total_cmp(&b)
        });
    } else {
        categories.sort();
    }
}

/// Category lookups for rows read against a saved list: key -> position.
pub fn category_index(categories: &[String]) -> HashMap<String, usize> {
    categories.iter().enumerate().map(|(i, c)| (category_key(c), i)).collect()
}

/// Per-input fill values and the inputs a fold never saw set, fitted on its training
/// rows. Applied before standardization.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Imputer {
    /// What a missing input becomes.
    pub fill: Vec<f32>,
    /// `false` for a category no training row has: it is read as 0 (unknown), as
    /// scikit-learn's `handle_unknown="ignore"`.
    pub seen: Vec<bool>,
}

impl Imputer {
    /// Fits on `rows` of `features` (missing inputs are NaN; a missing category is NaN
    /// in all its inputs). `None` when nothing can be missing or unseen.
    pub fn fit(
        features: ArrayView2<'_, f32>,
        rows: &[u32],
        columns: &[FeatureColumn],
        impute: Impute,
    ) -> Option<Self> {
        let needed = columns.iter().any(|c| c.missing > 0 || c.is_categorical());
        if !needed || columns.iter().map(FeatureColumn::width).sum::<usize>() != features.ncols() {
            return None;
        }
        let mut fill = vec![0.0f32; features.ncols()];
        let mut seen = vec![true; features.ncols()];
        let mut start = 0;
        for column in columns {
            let width = column.width();
            match &column.kind {
                ColumnKind::Number => {
                    let values: Vec<f32> =
                        rows.iter().map(|&r| features[[r as usize, start]]).filter(|v| !v.is_nan()).collect();
                    fill[start] = number_fill(values, impute);
                }
                ColumnKind::Category { .. } => {
                    let mut counts = vec![0usize; width];
                    for &row in rows {
                        for (count, &x) in
                            counts.iter_mut().zip(features.row(row as usize).iter().skip(start))
                        {
                            if x == 1.0 {
                                *count += 1;
                            }
                        }
                    }
                    for (seen, &count) in seen[start..start + width].iter_mut().zip(&counts) {
                        *seen = count > 0;
                    }
                    if impute != Impute::Zero {
                        // The first of the most frequent, in sorted order (scikit-learn's tie rule).
                        let most = counts.iter().copied().max().unwrap_or(0);
                        if let Some(best) = counts.iter().position(|&c| c == most && c > 0) {
                            fill[start + best] = 1.0;
                        }
                    }
                }
            }
            start += width;
        }
        Some(Imputer { fill, seen })
    }

    /// Writes `row` with missing inputs filled and unseen categories cleared into `out`.
    pub fn transform(&self, row: &[f32], out: &mut [f32]) {
        for (((o, &x), &fill), &seen) in out.iter_mut().zip(row).zip(&self.fill).zip(&self.seen) {
            *o = if x.is_nan() {
                fill
            } else if seen {
                x
            } else {
                0.0
            };
        }
    }
}

/// The fill value of a number column from its non-missing training values.
#[allow(clippy::cast_possible_truncation, reason = "statistics of f32 values, rounded back to f32")]
fn number_fill(mut values: Vec<f32>, impute: Impute) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    match impute {
        Impute::Zero => 0.0,
        // Rows with missing values were dropped in training; new rows are filled with
        // the mean when predicting.
        Impute::Mean | Impute::Drop => {
            crate::stats::mean_and_std(values.iter().map(|&v| f64::from(v))).map_or(0.0, |(m, _)| m as f32)
        }
        Impute::Median => {
            values.sort_by(f32::total_cmp);
            let n = values.len();
            if n % 2 == 1 {
                values[n / 2]
            } else {
                f64::midpoint(f64::from(values[n / 2 - 1]), f64::from(values[n / 2])) as f32
            }
        }
        Impute::MostFrequent => {
            values.sort_by(f32::total_cmp);
            // The longest run of equal values; the first (smallest) wins ties.
            let (mut best, mut best_count, mut i) = (values[0], 0, 0);
            while i < values.len() {
                let run = values[i..].iter().take_while(|&&v| v == values[i]).count();
                if run > best_count {
                    (best, best_count) = (values[i], run);
                }
                i += run;
            }
            best
        }
    }
}

/// What loading did to a file, for the data report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataReport {
    /// Data rows in the file.
    pub rows_read: usize,
    /// Rows dropped because their label was missing.
    pub missing_label: usize,
    /// Rows dropped because a feature was missing (`--impute drop`).
    pub missing_feature: usize,
    /// Columns left out (`--ignore-col`), by name.
    pub ignored: Vec<String>,
    /// Cells whose category the columns do not know (read as all zeros), when read
    /// against a saved schema.
    pub unseen: usize,
    /// Columns that are probably not what they look like (constant, a row index or a
    /// time axis), with the option that leaves them out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl DataReport {
    /// Rows dropped for any reason.
    pub fn dropped(&self) -> usize {
        self.missing_label + self.missing_feature
    }
}

/// Whether a file needs a report at all: anything but complete numeric columns.
pub fn worth_reporting(columns: &[FeatureColumn], report: &DataReport) -> bool {
    report.dropped() > 0
        || !report.ignored.is_empty()
        || report.unseen > 0
        || columns.iter().any(|c| c.missing > 0 || c.is_categorical())
}

/// The data report's lines: one per column that is not a complete number column, then
/// what was dropped. `rows` is the rows kept.
pub fn report_lines(
    columns: &[FeatureColumn],
    report: &DataReport,
    impute: Impute,
    rows: usize,
) -> Vec<String> {
    let numbers = columns.iter().filter(|c| !c.is_categorical()).count();
    let categories = columns.len() - numbers;
    let inputs: usize = columns.iter().map(FeatureColumn::width).sum();
    let mut lines = vec![format!(
        "data: {} columns used ({numbers} numeric, {categories} categorical -> {inputs} inputs), {rows} rows{}",
        columns.len(),
        dropped_text(report),
    )];
    let width = columns.iter().map(|c| c.name.chars().count()).max().unwrap_or(0).max(6);
    for column in columns {
        let missing = if column.missing > 0 {
            format!(", {} missing -> {}", column.missing, impute.describe(&column.kind))
        } else {
            String::new()
        };
        match &column.kind {
            ColumnKind::Number if column.missing > 0 => {
                lines.push(format!("  {:<width$}  number{missing}", column.name));
            }
            ColumnKind::Number => {}
            ColumnKind::Category { categories } => {
                const SHOWN: usize = 8;
                let shown: Vec<&str> = categories.iter().take(SHOWN).map(String::as_str).collect();
                let more = if categories.len() > SHOWN { ", ..." } else { "" };
                let count = match categories.len() {
                    1 => "1 category".to_string(),
                    n => format!("{n} categories"),
                };
                lines.push(format!(
                    "  {:<width$}  {count} ({}{more}){missing}",
                    column.name,
                    shown.join(", ")
                ));
            }
        }
    }
    if !report.ignored.is_empty() {
        lines.push(format!("  ignored: {}", report.ignored.join(", ")));
    }
    let rows_text = |n: usize| if n == 1 { "1 row".to_string() } else { format!("{n} rows") };
    if report.missing_label > 0 {
        lines.push(format!("  {} dropped: no label", rows_text(report.missing_label)));
    }
    if report.missing_feature > 0 {
        lines.push(format!(
            "  {} dropped: a missing feature (--impute drop)",
            rows_text(report.missing_feature)
        ));
    }
    lines
}

/// ` (12 dropped)` or nothing.
pub fn dropped_text(report: &DataReport) -> String {
    match report.dropped() {
        0 => String::new(),
        n => format!(" ({n} dropped)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn category(name: &str, categories: &[&str], missing: usize) -> FeatureColumn {
        FeatureColumn {
            name: name.into(),
            file_column: 0,
            kind: ColumnKind::Category { categories: categories.iter().map(|c| (*c).to_string()).collect() },
            missing,
            na_values: Vec::new(),
        }
    }

    #[test]
    fn missing_cells_in_any_case_and_always_empty() {
        let na = NaValues::default();
        for cell in ["", "  ", "NA", "na", "N/A", "nan", "NULL", "?", " NaN "] {
            assert!(na.is_missing(cell.as_bytes()), "{cell:?}");
        }
        for cell in ["0", "none", "Biscoe", "-"] {
            assert!(!na.is_missing(cell.as_bytes()), "{cell:?}");
        }
        let custom = NaValues::parse("-999, ,missing");
        assert_eq!(custom.0, vec!["-999", "missing"]);
        assert!(custom.is_missing(b"-999") && custom.is_missing(b"") && !custom.is_missing(b"NA"));
        assert!(custom.is_missing(b"-999.0"), "numbers compare as numbers");
        assert!(NaValues::parse("0").is_missing(b"0.0") && !NaValues::parse("0").is_missing(b"0.5"));
    }

    #[test]
    fn categories_sort_as_scikit_learn() {
        let mut texts = vec!["b".to_string(), "B".into(), "a".into(), "10".into()];
        sort_categories(&mut texts);
        assert_eq!(texts, vec!["10", "B", "a", "b"]);
        let mut numbers = vec!["10".to_string(), "9".into(), "-1.5".into()];
        sort_categories(&mut numbers);
        assert_eq!(numbers, vec!["-1.5", "9", "10"]);
        assert_eq!(category_key("01.0"), "1");
        assert_eq!(category_key("-0"), "0");
        assert_eq!(category_key("Dream"), "Dream");
    }

    #[test]
    fn number_fills_follow_numpy_and_scikit_learn() {
        let values = vec![1.0, 2.0, 2.0, 7.0];
        assert_eq!(number_fill(values.clone(), Impute::Mean), 3.0);
        assert_eq!(number_fill(values.clone(), Impute::Median), 2.0);
        assert_eq!(number_fill(vec![1.0, 4.0], Impute::Median), 2.5);
        assert_eq!(number_fill(vec![5.0, 3.0, 5.0, 3.0], Impute::MostFrequent), 3.0, "smallest of a tie");
        assert_eq!(number_fill(values, Impute::Zero), 0.0);
        assert_eq!(number_fill(Vec::new(), Impute::Mean), 0.0);
    }

    #[test]
    fn the_imputer_sees_only_the_training_rows() {
        let nan = f32::NAN;
        // Columns: x (number), colour (red, green, blue).
        let x = array![
            [1.0, 1.0, 0.0, 0.0],
            [3.0, 1.0, 0.0, 0.0],
            [nan, 0.0, 1.0, 0.0],
            [100.0, nan, nan, nan],
            [nan, 0.0, 0.0, 1.0],
        ];
        let mut x_column = FeatureColumn::number("x", 0);
        x_column.missing = 2;
        let columns = vec![x_column, category("colour", &["blue", "green", "red"], 1)];
        // Rows 0-2 train; row 4's "blue" only appears in the held-out rows.
        let imputer = Imputer::fit(x.view(), &[0, 1, 2], &columns, Impute::Mean).unwrap();
        assert_eq!(imputer.fill, vec![2.0, 1.0, 0.0, 0.0]);
        assert_eq!(imputer.seen, vec![true, true, true, false]);
        let mut out = [0.0; 4];
        imputer.transform(x.row(3).as_slice().unwrap(), &mut out);
        assert_eq!(out, [100.0, 1.0, 0.0, 0.0], "a missing category becomes the most frequent");
        imputer.transform(x.row(4).as_slice().unwrap(), &mut out);
        assert_eq!(out, [2.0, 0.0, 0.0, 0.0], "an unseen category becomes all zeros");

        let zero = Imputer::fit(x.view(), &[0, 1, 2], &columns, Impute::Zero).unwrap();
        assert_eq!(zero.fill, vec![0.0; 4]);
        let complete = vec![FeatureColumn::number("a", 0); 4];
        assert_eq!(Imputer::fit(x.view(), &[0], &complete, Impute::Mean), None);
    }

    #[test]
    fn the_report_names_what_was_done() {
        let mut age = FeatureColumn::number("age", 1);
        age.missing = 3;
        let columns = vec![FeatureColumn::number("x", 0), age, category("island", &["Biscoe", "Dream"], 0)];
        let report = DataReport {
            rows_read: 10,
            missing_label: 2,
            ignored: vec!["name".into()],
            ..Default::default()
        };
        assert!(worth_reporting(&columns, &report));
        assert!(!worth_reporting(&columns[..1], &DataReport::default()));
        assert_eq!(
            report_lines(&columns, &report, Impute::Median, 8),
            vec![
                "data: 3 columns used (2 numeric, 1 categorical -> 4 inputs), 8 rows (2 dropped)",
                "  age     number, 3 missing -> median",
                "  island  2 categories (Biscoe, Dream)",
                "  ignored: name",
                "  2 rows dropped: no label",
            ]
        );
    }
}
