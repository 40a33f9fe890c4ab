//! Collecting the label column and inferring the task from it.

use super::{DataError, Task};
use std::collections::HashMap;

/// The most classes a label column may have; more means it is not a class label.
pub const MAX_CLASSES: usize = 1000;
/// Integer labels with at most this many distinct values are read as classes.
pub const MAX_INTEGER_CLASSES: usize = 20;

/// Interns label values row by row, keeping what task inference needs.
#[derive(Debug, Default)]
pub struct LabelCollector {
    /// Each row's index into `names`, while interning is on.
    ids: Vec<u32>,
    /// Distinct label texts (numbers in canonical form), in order of appearance.
    names: Vec<String>,
    /// Numeric labels by value (so that "1" and "1.0" are one class), and the others
    /// by text; looked up without allocating, so only a new class costs a string.
    numbers: HashMap<u64, u32>,
    texts: HashMap<String, u32>,
    /// Each row's numeric value, while every label so far is numeric.
    values: Vec<f32>,
    all_numeric: bool,
    all_integer: bool,
    /// Where the first non-numeric label was: line and text.
    first_text: Option<(u64, String)>,
    /// Interning stops once numeric labels pass `MAX_CLASSES` distinct values.
    too_many: bool,
}

impl LabelCollector {
    /// An empty collector.
    pub fn new() -> Self {
        LabelCollector { all_numeric: true, all_integer: true, ..Default::default() }
    }

    /// Adds one row's label text (already trimmed and valid UTF-8).
    pub fn push(&mut self, text: &str, line: u64) -> Result<(), String> {
        if text.is_empty() {
            return Err("empty label".to_string());
        }
        let number = match text.parse::<f64>() {
            Ok(value) if self.all_numeric => {
                if !value.is_finite() || value.abs() > f64::from(f32::MAX) {
                    return Err(format!("label {text:?} is not a finite 32-bit number"));
                }
                self.all_integer &= value.fract() == 0.0;
                #[allow(
                    clippy::cast_possible_truncation,
                    reason = "in f32's range, checked above; rounding intended"
                )]
                self.values.push(value as f32);
                Some(value)
            }
            Ok(value) => Some(value),
            Err(_) => {
                if self.all_numeric {
                    self.all_numeric = false;
                    self.first_text = Some((line, text.to_string()));
                    self.values = Vec::new();
                }
                None
            }
        };
        if self.too_many {
            return Ok(());
        }
        #[allow(
            clippy::cast_possible_truncation,
            reason = "class ids are below the row count, which fits u32"
        )]
        let next = self.names.len() as u32;
        let id = match number {
            // Adding 0.0 turns -0 into 0, so that they are one class.
            Some(value) => *self.numbers.entry((value + 0.0).to_bits()).or_insert_with(|| {
                self.names.push(format!("{value}"));
                next
            }),
            None => {
                if let Some(&id) = self.texts.get(text) {
                    id
                } else {
                    self.names.push(text.to_string());
                    self.texts.insert(text.to_string(), next);
                    next
                }
            }
        };
        self.ids.push(id);
        if self.names.len() > MAX_CLASSES {
            if !self.all_numeric {
                return Err(format!(
                    "the label column has more than {MAX_CLASSES} distinct values, too many to be classes (is --label-col right?)"
                ));
            }
            self.too_many = true;
            self.ids = Vec::new();
            self.numbers = HashMap::new();
            self.texts = HashMap::new();
        }
        Ok(())
    }

    /// Decides the task (or checks the requested one) and returns it with the class
    /// names and the per-row labels. `where_` renders an error's place.
    pub fn finish(
        self,
        requested: Option<Task>,
        where_: impl Fn(Option<u64>, String) -> DataError,
    ) -> Result<(Task, Vec<String>, Vec<f32>), DataError> {
        let distinct = if self.too_many { usize::MAX } else { self.names.len() };
        if distinct == 1 {
            let rows = self.ids.len();
            return Err(where_(
                None,
                format!(
                    "only one label value, {:?}, in {rows} row{}: there is nothing to learn",
                    self.names[0],
                    if rows == 1 { "" } else { "s" }
                ),
            ));
        }
        let task = match requested {
            Some(task) => task,
            None if !self.all_numeric => {
                if distinct == 2 {
                    Task::Binary
                } else {
                    Task::Multiclass
                }
            }
            None if distinct == 2 => Task::Binary,
            None if self.all_integer && distinct <= MAX_INTEGER_CLASSES => Task::Multiclass,
            None => Task::Regression,
        };
        match task {
            Task::Regression => {
                if let Some((line, text)) = self.first_text {
                    return Err(where_(
                        Some(line),
                        format!("regression needs numeric labels, found {text:?}"),
                    ));
                }
                Ok((task, Vec::new(), self.values))
            }
            Task::Binary if distinct != 2 => Err(where_(
                None,
                format!(
                    "binary classification needs exactly two label values, found {}",
                    self.describe_count()
                ),
            )),
            Task::Binary | Task::Multiclass => {
                if self.too_many {
                    return Err(where_(
                        None,
                        format!("more than {MAX_CLASSES} distinct label values are too many classes"),
                    ));
                }
                let (names, labels) = self.sorted_classes();
                Ok((task, names, labels))
            }
        }
    }

    fn describe_count(&self) -> String {
        let shown: Vec<&str> = self.names.iter().take(5).map(String::as_str).collect();
        let more = if self.names.len() > 5 { ", ..." } else { "" };
        format!("{} ({}{more})", self.names.len(), shown.join(", "))
    }

    /// Class names sorted (numerically when every label is a number, as scikit-learn's
    /// LabelEncoder orders them), and each row's class index.
    #[allow(clippy::cast_possible_truncation, reason = "class ids are below the row count, which fits u32")]
    fn sorted_classes(self) -> (Vec<String>, Vec<f32>) {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        if self.all_numeric {
            let value = |i: &u32| self.names[*i as usize].parse::<f64>().unwrap_or(f64::NAN);
            order.sort_by(|a, b| value(a).total_cmp(&value(b)));
        } else {
            order.sort_by(|a, b| self.names[*a as usize].cmp(&self.names[*b as usize]));
        }
        let mut rank = vec![0u32; order.len()];
        for (position, &id) in order.iter().enumerate() {
            rank[id as usize] = position as u32;
        }
        let labels = self.ids.iter().map(|&id| rank[id as usize] as f32).collect();
        let names = order.iter().map(|&id| self.names[id as usize].clone()).collect();
        (names, labels)
    }
}

/// The class index of each label text: the class name itself, or for numeric classes the
/// same number written another way (`1.0` for class `1`).
///
/// # Errors
/// A label that is none of the model's classes, with its row (from 1) and the classes.
pub fn class_indices(labels: &[String], names: &[String]) -> Result<Vec<usize>, String> {
    let canonical =
        |text: &str| text.parse::<f64>().ok().filter(|v| v.is_finite()).map(|v| format!("{}", v + 0.0));
    labels
        .iter()
        .enumerate()
        .map(|(row, label)| {
            names
                .iter()
                .position(|name| name == label)
                .or_else(|| canonical(label).and_then(|c| names.iter().position(|name| *name == c)))
                .ok_or_else(|| {
                    format!(
                        "row {}: label {label:?} is not one of the model's classes ({})",
                        row + 1,
                        names.join(", ")
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infer(labels: &[&str], requested: Option<Task>) -> Result<(Task, Vec<String>, Vec<f32>), String> {
        let mut collector = LabelCollector::new();
        for (i, label) in labels.iter().enumerate() {
            collector.push(label, i as u64 + 1)?;
        }
        collector
            .finish(requested, |line, message| DataError::Content {
                path: "t.csv".into(),
                line,
                column: Some(9),
                message,
            })
            .map_err(|e| e.to_string())
    }

    #[test]
    fn two_values_are_binary_in_sorted_order() {
        let (task, names, labels) = infer(&["1", "0", "1.0"], None).unwrap();
        assert_eq!((task, names, labels), (Task::Binary, vec!["0".into(), "1".into()], vec![1.0, 0.0, 1.0]));
        let (task, names, labels) = infer(&["yes", "no", "no"], None).unwrap();
        assert_eq!(
            (task, names, labels),
            (Task::Binary, vec!["no".into(), "yes".into()], vec![1.0, 0.0, 0.0])
        );
        let (_, names, _) = infer(&["2", "10", "2"], None).unwrap();
        assert_eq!(names, vec!["2", "10"], "numeric labels sort as numbers");
    }

    #[test]
    fn strings_and_small_integer_sets_are_multiclass() {
        let (task, names, _) = infer(&["setosa", "virginica", "versicolor"], None).unwrap();
        assert_eq!(task, Task::Multiclass);
        assert_eq!(names, vec!["setosa", "versicolor", "virginica"]);
        let (task, names, _) = infer(&["3", "1", "2", "1"], None).unwrap();
        assert_eq!((task, names.len()), (Task::Multiclass, 3));
    }

    #[test]
    fn many_or_fractional_values_are_regression() {
        let (task, names, values) = infer(&["0.5", "1.25", "2.0"], None).unwrap();
        assert_eq!((task, names.len(), values), (Task::Regression, 0, vec![0.5, 1.25, 2.0]));
        let many: Vec<String> = (0..30).map(|i| i.to_string()).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(infer(&many, None).unwrap().0, Task::Regression);
        assert_eq!(infer(&many, Some(Task::Multiclass)).unwrap().1.len(), 30);
    }

    #[test]
    fn one_class_and_mismatched_requests_are_errors() {
        let error = infer(&["1", "1"], None).unwrap_err();
        assert_eq!(
            error,
            "t.csv: column 9: only one label value, \"1\", in 2 rows: there is nothing to learn"
        );
        let error = infer(&["a", "b", "c"], Some(Task::Binary)).unwrap_err();
        assert!(error.contains("exactly two label values, found 3 (a, b, c)"), "{error}");
        let error = infer(&["1", "x", "2"], Some(Task::Regression)).unwrap_err();
        assert_eq!(error, "t.csv:2:9: regression needs numeric labels, found \"x\"");
        assert_eq!(infer(&["1", ""], None).unwrap_err(), "empty label");
    }

    #[test]
    fn too_many_numeric_values_stop_interning() {
        let values: Vec<String> = (0..2000).map(|i| format!("{i}.5")).collect();
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let (task, _, labels) = infer(&values, None).unwrap();
        assert_eq!((task, labels.len()), (Task::Regression, 2000));
        assert!(infer(&values, Some(Task::Multiclass)).unwrap_err().contains("too many classes"));
    }
}
