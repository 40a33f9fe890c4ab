//! `nntui evaluate`: a saved model scored on a labelled file, with scikit-learn's
//! confusion matrix and `classification_report` for classes.

use crate::data::Task;
use crate::model_file::{ModelFile, Prediction};
use std::fmt::Write as _;

/// What an evaluation found.
#[derive(Clone, Debug, PartialEq)]
pub enum Evaluation {
    /// A classifier's scores.
    Classes {
        /// Class names, in the model's order.
        names: Vec<String>,
        /// `matrix[true][predicted]` row counts.
        matrix: Vec<Vec<usize>>,
        /// Mean cross-entropy (from the logits, as training reports it).
        loss: f64,
        /// For two classes: ROC AUC and average precision of the second class's
        /// probability, exactly (scikit-learn's `roc_auc_score` and
        /// `average_precision_score`); `None` where a class is missing from the labels.
        ranking: Option<Option<(f64, f64)>>,
        /// The decision threshold on the second class's probability (`--threshold`).
        threshold: Option<f64>,
    },
    /// A regressor's scores, in the target's units.
    Values {
        /// Mean squared error.
        mse: f64,
        /// Mean absolute error.
        mae: f64,
        /// Rows scored.
        rows: usize,
    },
}

pub use crate::data::class_indices;

pub use crate::stats::{average_precision, confusion_matrix, roc_auc};

/// Scores `model` on rows whose labels are `labels`; for two classes, `threshold` on the
/// second class's probability decides (0.5 without it: above it is the second class).
///
/// # Errors
/// A label the model cannot score (an unknown class, a non-numeric regression target).
pub fn evaluate(
    model: &ModelFile,
    features: &ndarray::Array2<f32>,
    labels: &[String],
    threshold: Option<f64>,
) -> Result<Evaluation, String> {
    let trained = model.trained();
    let predictions = trained.predict(features, model.task);
    if model.task == Task::Regression {
        let truth: Vec<f64> = labels
            .iter()
            .enumerate()
            .map(|(row, text)| {
                text.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| format!("row {}: target {text:?} is not a number", row + 1))
            })
            .collect::<Result<_, _>>()?;
        let (mut squares, mut absolute) = (0.0, 0.0);
        for (prediction, &y) in predictions.iter().zip(&truth) {
            if let Prediction::Value(value) = prediction {
                let error = f64::from(*value) - y;
                squares += error * error;
                absolute += error.abs();
            }
        }
        let n = truth.len().max(1) as f64;
        return Ok(Evaluation::Values { mse: squares / n, mae: absolute / n, rows: truth.len() });
    }
    let truth = class_indices(labels, &model.class_names)?;
    let binary = model.class_names.len() == 2;
    let predicted: Vec<usize> = predictions
        .iter()
        .filter_map(|p| match p {
            Prediction::Class { probabilities, .. } if binary && threshold.is_some() => {
                Some(usize::from(f64::from(probabilities[1]) > threshold.unwrap_or(0.5)))
            }
            Prediction::Class { class, .. } => Some(*class),
            Prediction::Value(_) => None,
        })
        .collect();
    let ranking = binary.then(|| {
        let scores: Vec<f64> = predictions
            .iter()
            .map(|p| match p {
                Prediction::Class { probabilities, .. } => f64::from(probabilities[1]),
                Prediction::Value(v) => f64::from(*v),
            })
            .collect();
        let positive: Vec<bool> = truth.iter().map(|&t| t == 1).collect();
        roc_auc(&scores, &positive).zip(average_precision(&scores, &positive))
    });
    Ok(Evaluation::Classes {
        names: model.class_names.clone(),
        matrix: confusion_matrix(&truth, &predicted, model.class_names.len()),
        loss: trained.class_loss(features, &truth),
        ranking,
        threshold,
    })
}

/// The report: accuracy and loss, the confusion matrix, and per-class precision,
/// recall, F1 and support laid out as scikit-learn's `classification_report`.
pub fn report(evaluation: &Evaluation) -> String {
    let mut out = String::new();
    match evaluation {
        Evaluation::Values { mse, mae, rows } => {
            let _ = writeln!(out, "rows: {rows}");
            let _ = writeln!(out, "mse: {mse:.4}");
            let _ = writeln!(out, "mae: {mae:.4}");
        }
        Evaluation::Classes { names, matrix, loss, ranking, threshold } => {
            let total: usize = matrix.iter().flatten().sum();
            let correct: usize = (0..names.len()).map(|i| matrix[i][i]).sum();
            let accuracy = correct as f64 / total.max(1) as f64;
            if let Some(threshold) = threshold {
                let _ = writeln!(out, "threshold: {threshold} ({} above it)", names[1]);
            }
            let _ = writeln!(out, "accuracy: {:.2}% ({correct} of {total} rows)", 100.0 * accuracy);
            let _ = writeln!(out, "loss: {loss:.4}");
            match ranking {
                Some(Some((auc, ap))) => {
                    let _ = writeln!(out, "roc auc: {auc:.4}");
                    let _ = writeln!(out, "average precision: {ap:.4}");
                }
                Some(None) => {
                    let _ = writeln!(out, "roc auc: undefined (the labels hold one class only)");
                }
                None => {}
            }
            out.push('\n');
            out.push_str(&matrix_text(names, matrix));
            out.push('\n');
            out.push_str(&classification_report(names, matrix));
        }
    }
    out
}

/// The confusion matrix with true classes down and predicted classes across.
fn matrix_text(names: &[String], matrix: &[Vec<usize>]) -> String {
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .chain(matrix.iter().flatten().map(|c| c.to_string().len()))
        .max()
        .unwrap_or(1)
        .max(4);
    let label_width =
        names.iter().map(|n| n.chars().count()).max().unwrap_or(4).max("true \\ predicted".len());
    let mut out = format!("{:<label_width$}", "true \\ predicted");
    for name in names {
        let _ = write!(out, "  {name:>width$}");
    }
    out.push('\n');
    for (name, row) in names.iter().zip(matrix) {
        let _ = write!(out, "{name:>label_width$}");
        for count in row {
            let _ = write!(out, "  {count:>width$}");
        }
        out.push('\n');
    }
    out
}

/// scikit-learn's `classification_report(digits=2)`, character for character.
pub fn classification_report(names: &[String], matrix: &[Vec<usize>]) -> String {
    let classes = names.len();
    let support: Vec<usize> = matrix.iter().map(|row| row.iter().sum()).collect();
    let predicted: Vec<usize> = (0..classes).map(|j| matrix.iter().map(|row| row[j]).sum()).collect();
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision: Vec<f64> = (0..classes).map(|i| ratio(matrix[i][i], predicted[i])).collect();
    let recall: Vec<f64> = (0..classes).map(|i| ratio(matrix[i][i], support[i])).collect();
    let f1: Vec<f64> = (0..classes)
        .map(|i| {
            let sum = precision[i] + recall[i];
            if sum == 0.0 { 0.0 } else { 2.0 * precision[i] * recall[i] / sum }
        })
        .collect();
    let total: usize = support.iter().sum();
    let width = names.iter().map(|n| n.chars().count()).chain(["weighted avg".len()]).max().unwrap_or(12);
    let mut out =
        format!("{:>width$}  {:>9} {:>9} {:>9} {:>9}\n\n", "", "precision", "recall", "f1-score", "support");
    for i in 0..classes {
        let _ = writeln!(
            out,
            "{:>width$}  {:>9.2} {:>9.2} {:>9.2} {:>9}",
            names[i], precision[i], recall[i], f1[i], support[i]
        );
    }
    out.push('\n');
    let correct: usize = (0..classes).map(|i| matrix[i][i]).sum();
    let _ = writeln!(
        out,
        "{:>width$}  {:>9} {:>9} {:>9.2} {:>9}",
        "accuracy",
        "",
        "",
        ratio(correct, total),
        total
    );
    let mean = |values: &[f64]| values.iter().sum::<f64>() / classes.max(1) as f64;
    let weighted = |values: &[f64]| {
        values.iter().zip(&support).map(|(v, &s)| v * s as f64).sum::<f64>() / total.max(1) as f64
    };
    let _ = writeln!(
        out,
        "{:>width$}  {:>9.2} {:>9.2} {:>9.2} {:>9}",
        "macro avg",
        mean(&precision),
        mean(&recall),
        mean(&f1),
        total
    );
    let _ = writeln!(
        out,
        "{:>width$}  {:>9.2} {:>9.2} {:>9.2} {:>9}",
        "weighted avg",
        weighted(&precision),
        weighted(&recall),
        weighted(&f1),
        total
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Recorded from scikit-learn 1.9.1: `roc_auc_score(y, s)` and
    /// `average_precision_score(y, s)` with ties across classes.
    #[test]
    fn ranking_scores_agree_with_scikit_learn() {
        let y = [1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0].map(|v| v == 1);
        let s = [0.9, 0.8, 0.8, 0.7, 0.55, 0.5, 0.5, 0.5, 0.3, 0.2, 0.1, 0.1];
        assert!((roc_auc(&s, &y).unwrap() - 0.728_571_428_571_428_5).abs() < 1e-15);
        assert!((average_precision(&s, &y).unwrap() - 0.683_333_333_333_333_3).abs() < 1e-15);
        assert_eq!(roc_auc(&s, &[true; 12]), None, "one class: undefined, as scikit-learn refuses");
        assert_eq!(average_precision(&s, &[false; 12]), None);
        assert_eq!(roc_auc(&[0.1, 0.9], &[false, true]), Some(1.0));
    }

    #[test]
    fn the_report_is_laid_out_as_scikit_learns() {
        // sklearn.metrics.classification_report([0,0,0,1,1,2], [0,0,1,1,0,2],
        // target_names=["a","b","c"]) prints exactly this.
        let names = ["a", "b", "c"].map(String::from).to_vec();
        let matrix = confusion_matrix(&[0, 0, 0, 1, 1, 2], &[0, 0, 1, 1, 0, 2], 3);
        assert_eq!(matrix, [[2, 1, 0], [1, 1, 0], [0, 0, 1]]);
        let expected = "              precision    recall  f1-score   support

           a       0.67      0.67      0.67         3
           b       0.50      0.50      0.50         2
           c       1.00      1.00      1.00         1

    accuracy                           0.67         6
   macro avg       0.72      0.72      0.72         6
weighted avg       0.67      0.67      0.67         6
";
        assert_eq!(classification_report(&names, &matrix), expected);
    }

    #[test]
    fn labels_map_to_classes_by_name_or_number() {
        let names = ["0", "1"].map(String::from).to_vec();
        let labels = ["1", "0", "1.0", "0.0"].map(String::from).to_vec();
        assert_eq!(class_indices(&labels, &names), Ok(vec![1, 0, 1, 0]));
        let bad = class_indices(&["2".to_string()], &names).unwrap_err();
        assert_eq!(bad, "row 1: label \"2\" is not one of the model's classes (0, 1)");
    }
}
