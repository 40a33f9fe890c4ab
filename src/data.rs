//! Data: CSV loading, task inference, standardization, stratified k-fold, and the
//! generators behind the project's own `data/` files.

pub mod columns;
pub mod generate;
pub mod kfold;
mod labels;
mod load;
pub mod standardize;
pub mod windows;

pub use columns::{DataReport, FeatureColumn, Impute, NaValues, Schema};
pub use labels::class_indices;
pub use load::{
    CsvOptions, HeaderMode, LabelColumn, MAX_CATEGORIES_LIMIT, ModelRows, load, load_model_rows,
    load_with_progress, parse, parse_delimiter, parse_model_rows, sample_weight,
};
pub use standardize::{Scaling, Standardizer, TargetScale};

use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What the label column asks of the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Two classes.
    Binary,
    /// Three or more classes.
    Multiclass,
    /// A real-valued target.
    Regression,
}

impl Task {
    /// Every task, in the order the help text lists them.
    pub const ALL: [Task; 3] = [Task::Binary, Task::Multiclass, Task::Regression];

    /// The name used on the command line and in output.
    pub fn name(self) -> &'static str {
        match self {
            Task::Binary => "binary",
            Task::Multiclass => "multiclass",
            Task::Regression => "regression",
        }
    }

    /// Whether rows belong to classes.
    pub fn is_classification(self) -> bool {
        self != Task::Regression
    }
}

crate::names::named!(Task, "task");

/// A loaded dataset: numeric features and one label per row.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Where it came from, as the user named it.
    pub source: String,
    /// One name per feature column (the header's, or `column N`).
    pub feature_names: Vec<String>,
    /// The label column's name.
    pub label_name: String,
    /// The label column's index in the file, from zero.
    pub label_column: usize,
    /// Whether the file began with a header row.
    pub has_header: bool,
    /// `rows x features`.
    pub features: Array2<f32>,
    /// The task the labels call for.
    pub task: Task,
    /// Class names in class-index order (empty for regression).
    pub class_names: Vec<String>,
    /// The class index (classification) or target value (regression) of each row.
    pub labels: Vec<f32>,
    /// The feature columns as read (numbers or categories), in input order.
    pub columns: Vec<FeatureColumn>,
    /// Columns in the file.
    pub width: usize,
    /// How missing features are filled, per fold.
    pub impute: Impute,
    /// The cells read as missing.
    pub na_values: NaValues,
    /// What loading did: rows dropped, columns ignored.
    pub report: DataReport,
    /// Rows to validate on every epoch (`--validation-data`), read like this file.
    pub validation: Option<Box<Dataset>>,
    /// Rows to evaluate once after training (`--test`), read like this file.
    pub test: Option<Box<Dataset>>,
    /// How a series was cut into these samples (`--window`), if it was.
    pub window: Option<windows::Window>,
    /// Each row's weight in the loss (`--sample-weight-col`).
    pub sample_weights: Option<SampleWeights>,
}

/// Each row's weight in the training loss, from a column of the file (Keras's
/// `sample_weight`): numbers >= 0, not a feature.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleWeights {
    /// The column's name.
    pub column: String,
    /// One per row, in row order.
    pub values: Vec<f32>,
}

impl Dataset {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.features.nrows()
    }

    /// Number of feature columns.
    pub fn feature_count(&self) -> usize {
        self.features.ncols()
    }

    /// Number of classes (0 for regression).
    pub fn class_count(&self) -> usize {
        self.class_names.len()
    }

    /// The class of `row` (classification only).
    #[allow(clippy::cast_possible_truncation, reason = "class labels are small whole numbers stored as f32")]
    pub fn class_of(&self, row: usize) -> usize {
        self.labels[row] as usize
    }

    /// Rows per class, in class-index order.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.class_count()];
        if self.task.is_classification() {
            for row in 0..self.rows() {
                counts[self.class_of(row)] += 1;
            }
        }
        counts
    }

    /// How this file's columns were read, to read other files the same way.
    pub fn schema(&self) -> Schema {
        Schema {
            columns: self.columns.clone(),
            label_name: self.label_name.clone(),
            label_column: self.label_column,
            width: self.width,
            has_header: self.has_header,
        }
    }

    /// Whether the data needs a report (categories, missing cells, dropped rows).
    pub fn needs_report(&self) -> bool {
        columns::worth_reporting(&self.columns, &self.report)
    }

    /// The data report's lines.
    pub fn report_lines(&self) -> Vec<String> {
        columns::report_lines(&self.columns, &self.report, self.impute, self.rows())
    }

    /// Rows of another file read against this dataset's schema (`--validation-data`,
    /// `--test`): labels mapped to this dataset's classes; rows without a label dropped.
    pub fn rows_like(&self, source: &str, rows: ModelRows) -> Result<Dataset, DataError> {
        let content = |message: String| DataError::Content {
            path: source.to_string(),
            line: None,
            column: None,
            message,
        };
        let Some(texts) = rows.labels else {
            return Err(content(format!(
                "no label column ({:?}): the rows cannot be scored",
                self.label_name
            )));
        };
        let keep: Vec<usize> = (0..texts.len()).filter(|&r| !texts[r].is_empty()).collect();
        let kept_texts: Vec<String> = keep.iter().map(|&r| texts[r].clone()).collect();
        let labels: Vec<f32> = if self.task.is_classification() {
            class_indices(&kept_texts, &self.class_names)
                .map_err(content)?
                .into_iter()
                .map(|c| c as f32)
                .collect()
        } else {
            kept_texts
                .iter()
                .map(|t| t.parse::<f32>().ok().filter(|v| v.is_finite()))
                .collect::<Option<Vec<f32>>>()
                .ok_or_else(|| content("regression needs numeric labels".into()))?
        };
        let features = rows.features.select(ndarray::Axis(0), &keep);
        let mut report = rows.report;
        report.missing_label += texts.len() - keep.len();
        Ok(Dataset {
            source: source.to_string(),
            features,
            labels,
            report,
            validation: None,
            test: None,
            ..self.without_rows()
        })
    }

    /// This dataset's description with no rows (the base of [`Dataset::rows_like`]).
    fn without_rows(&self) -> Dataset {
        Dataset {
            source: self.source.clone(),
            feature_names: self.feature_names.clone(),
            label_name: self.label_name.clone(),
            label_column: self.label_column,
            has_header: self.has_header,
            features: Array2::zeros((0, self.feature_count())),
            task: self.task,
            class_names: self.class_names.clone(),
            labels: Vec::new(),
            columns: self.columns.clone(),
            width: self.width,
            impute: self.impute,
            na_values: self.na_values.clone(),
            report: DataReport::default(),
            validation: None,
            test: None,
            window: self.window,
            sample_weights: None,
        }
    }

    /// A plain-data description for events and headers.
    pub fn summary(&self) -> DatasetSummary {
        DatasetSummary {
            source: self.source.clone(),
            rows: self.rows(),
            features: self.feature_count(),
            feature_names: self.feature_names.clone(),
            label_name: self.label_name.clone(),
            task: self.task,
            class_names: self.class_names.clone(),
            class_counts: self.class_counts(),
            preprocessing: self.needs_report().then(|| Preprocessing {
                columns: self.columns.clone(),
                impute: self.impute,
                report: self.report.clone(),
                lines: self.report_lines(),
            }),
            validation_data: self.validation.as_deref().map(OtherFile::of),
            test_data: self.test.as_deref().map(OtherFile::of),
        }
    }
}

/// `768 rows x 8 features`, in the singular where it applies.
pub fn shape_text(rows: usize, features: usize) -> String {
    let plural = |n: usize, word: &str| if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") };
    format!("{} x {}", plural(rows, "row"), plural(features, "feature"))
}

/// What the dashboard and the event log say about a dataset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatasetSummary {
    /// Where it came from.
    pub source: String,
    /// Number of rows.
    pub rows: usize,
    /// Number of feature columns.
    pub features: usize,
    /// Feature column names.
    pub feature_names: Vec<String>,
    /// Label column name.
    pub label_name: String,
    /// The task.
    pub task: Task,
    /// Class names (empty for regression).
    pub class_names: Vec<String>,
    /// Rows per class (empty for regression).
    pub class_counts: Vec<usize>,
    /// The data report, when there is anything to say (categories, missing cells,
    /// dropped rows, ignored columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preprocessing: Option<Preprocessing>,
    /// The file validated on every epoch (`--validation-data`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_data: Option<OtherFile>,
    /// The file scored after training (`--test`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_data: Option<OtherFile>,
}

impl DatasetSummary {
    /// `768 rows x 8 features`, with ` (12 dropped)` after the rows when some were.
    pub fn shape(&self) -> String {
        let shape = shape_text(self.rows, self.features);
        match self.preprocessing.as_ref().map_or(0, |p| p.report.dropped()) {
            0 => shape,
            dropped => shape.replacen(" x ", &format!(" ({dropped} dropped) x "), 1),
        }
    }
}

/// The data report as `run_started` carries it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Preprocessing {
    /// Every feature column: name, place, kind, categories, missing cells.
    pub columns: Vec<FeatureColumn>,
    /// How missing values are filled.
    pub impute: Impute,
    /// Rows read and dropped, columns ignored.
    pub report: DataReport,
    /// The report as printed.
    pub lines: Vec<String>,
}

/// Another file's rows used for scoring.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OtherFile {
    /// The file.
    pub source: String,
    /// Rows used.
    pub rows: usize,
    /// Rows dropped (no label, or a missing feature with `--impute drop`).
    pub dropped: usize,
}

impl OtherFile {
    fn of(dataset: &Dataset) -> OtherFile {
        OtherFile { source: dataset.source.clone(), rows: dataset.rows(), dropped: dataset.report.dropped() }
    }
}

/// Why a dataset could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataError {
    /// The file could not be opened or read.
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Something in the file's content, at a place where one is known.
    Content {
        /// The file.
        path: String,
        /// 1-based line.
        line: Option<u64>,
        /// 1-based column (field).
        column: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// The file and a command-line option disagree.
    Option {
        /// The option, e.g. `--label-col`.
        flag: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl DataError {
    /// A content error at `line` and `column`.
    pub fn at(path: &str, line: u64, column: usize, message: impl Into<String>) -> Self {
        DataError::Content {
            path: path.to_string(),
            line: Some(line),
            column: Some(column),
            message: message.into(),
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Io { path, message } => write!(f, "{path}: {message}"),
            DataError::Content { path, line, column, message } => {
                write!(f, "{path}")?;
                if let Some(line) = line {
                    write!(f, ":{line}")?;
                    if let Some(column) = column {
                        write!(f, ":{column}")?;
                    }
                } else if let Some(column) = column {
                    write!(f, ": column {column}")?;
                }
                write!(f, ": {message}")
            }
            DataError::Option { flag, message } => write!(f, "{flag}: {message}"),
        }
    }
}

impl std::error::Error for DataError {}
