//! Metrics reported beside the loss: accuracy for classification, mae for regression.

use super::Real;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What is measured besides the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Share of rows classified right: `p > 0.5` for one output unit, argmax otherwise.
    Accuracy,
    /// Mean absolute error, averaged over output units.
    Mae,
}

impl Metric {
    /// Keras's name, as printed in epoch lines.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::Mae => "mae",
        }
    }

    /// Whether a larger value is better.
    pub fn higher_is_better(self) -> bool {
        self == Metric::Accuracy
    }

    /// The metric summed over rows (correct rows, or per-row mean absolute errors);
    /// divide by the row count for the mean.
    ///
    /// # Shapes
    /// `predictions`, `targets`: `rows x units`, row-major.
    #[inline(always)]
    pub fn total<T: Real>(self, predictions: &[T], targets: &[T], units: usize) -> f64 {
        match self {
            Metric::Accuracy if units == 1 => predictions
                .iter()
                .zip(targets)
                .filter(|&(&p, &y)| (p > T::of(0.5)) == (y > T::of(0.5)))
                .count() as f64,
            Metric::Accuracy => predictions
                .chunks_exact(units)
                .zip(targets.chunks_exact(units))
                .filter(|(p, y)| argmax(p) == argmax(y))
                .count() as f64,
            Metric::Mae => {
                let sum: f64 =
                    predictions.iter().zip(targets).map(|(p, y)| (p.as_f64() - y.as_f64()).abs()).sum();
                sum / units as f64
            }
        }
    }
}

/// The class a row of outputs predicts: the threshold at 0.5 for one unit, the
/// index of the largest value (the first, on ties) otherwise.
pub fn predicted_class<T: Real>(outputs: &[T]) -> usize {
    if outputs.len() == 1 { usize::from(outputs[0] > T::of(0.5)) } else { argmax(outputs) }
}

/// Index of the largest value, the first on ties; NaN never wins.
pub fn argmax<T: Real>(values: &[T]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] || values[best].is_nan() {
            best = i;
        }
    }
    best
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_accuracy_thresholds_at_one_half() {
        let p = [0.7, 0.5, 0.2, 0.51];
        let y = [1.0, 1.0, 0.0, 0.0];
        // 0.5 is not above the threshold, so the second row counts as class 0: wrong.
        assert_eq!(Metric::Accuracy.total(&p, &y, 1), 2.0);
    }

    #[test]
    fn categorical_accuracy_uses_argmax() {
        let p = [0.1, 0.7, 0.2, 0.5, 0.3, 0.2];
        let y = [0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        assert_eq!(Metric::Accuracy.total(&p, &y, 3), 1.0);
    }

    #[test]
    fn mae_averages_over_units() {
        let total = Metric::Mae.total(&[1.0, 3.0, 0.0, 0.0], &[0.0, 0.0, 0.5, 0.5], 2);
        assert_eq!(total, 2.0 + 0.5);
    }

    #[test]
    fn predicted_class_and_argmax() {
        assert_eq!(predicted_class(&[0.49]), 0);
        assert_eq!(predicted_class(&[0.51]), 1);
        assert_eq!(predicted_class(&[0.2, 0.5, 0.3]), 1);
        assert_eq!(argmax(&[1.0, 1.0]), 0);
        assert_eq!(argmax(&[f64::NAN, 0.1]), 1);
    }
}
