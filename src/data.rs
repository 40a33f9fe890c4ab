//! Data: CSV loading, task inference, standardization, stratified k-fold, and the
//! generators behind the project's own `data/` files.

pub mod generate;
pub mod kfold;
mod labels;
mod load;
pub mod standardize;

pub use load::{
    CsvOptions, HeaderMode, LabelColumn, ModelRows, load, load_model_rows, load_with_progress, parse,
    parse_delimiter,
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
