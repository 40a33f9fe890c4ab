//! Metrics reported beside the loss: accuracy for classification, mae for regression,
//! and the further ones `--metrics` asks for ([`Measure`]), each accumulated over an
//! epoch's batches as Keras's stateful metrics are ([`Tally`]).

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

/// A metric `--metrics` names, in Keras's words. Each is what Keras 3 reports for the
/// metric of that name: `auc` is `AUC()` (ROC, 200 thresholds, interpolated), `pr_auc`
/// `AUC(curve="PR")`, `precision` and `recall` `Precision()` and `Recall()` (threshold 0.5;
/// a softmax output's units taken one by one, as Keras flattens them), `f1_score`
/// `F1Score(average="macro")` (threshold 0.5 for one output unit, the arg max otherwise),
/// `top_k_categorical_accuracy` `TopKCategoricalAccuracy()` (k = 5); for regression `mse`,
/// `rmse` (`RootMeanSquaredError()`), `mape` and `r2_score` (`R2Score()`), in the label's units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Share of rows classified right (the default for classification).
    Accuracy,
    /// Area under the ROC curve.
    Auc,
    /// Area under the precision-recall curve.
    PrAuc,
    /// True positives over predicted positives.
    Precision,
    /// True positives over actual positives.
    Recall,
    /// The harmonic mean of precision and recall, averaged over classes.
    F1Score,
    /// Share of rows whose class is among the five most probable.
    TopKCategoricalAccuracy,
    /// Mean absolute error (the default for regression).
    Mae,
    /// Mean squared error.
    Mse,
    /// Root of the mean squared error.
    Rmse,
    /// Mean absolute percentage error.
    Mape,
    /// Coefficient of determination.
    R2Score,
}

impl Measure {
    /// Every measure, classification's first.
    pub const ALL: [Measure; 12] = [
        Measure::Accuracy,
        Measure::Auc,
        Measure::PrAuc,
        Measure::Precision,
        Measure::Recall,
        Measure::F1Score,
        Measure::TopKCategoricalAccuracy,
        Measure::Mae,
        Measure::Mse,
        Measure::Rmse,
        Measure::Mape,
        Measure::R2Score,
    ];

    /// Keras's name, as epoch lines and logs print it.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Accuracy => "accuracy",
            Measure::Auc => "auc",
            Measure::PrAuc => "pr_auc",
            Measure::Precision => "precision",
            Measure::Recall => "recall",
            Measure::F1Score => "f1_score",
            Measure::TopKCategoricalAccuracy => "top_k_categorical_accuracy",
            Measure::Mae => "mae",
            Measure::Mse => "mse",
            Measure::Rmse => "rmse",
            Measure::Mape => "mape",
            Measure::R2Score => "r2_score",
        }
    }

    /// Whether it measures a classifier (the rest measure regressions).
    pub fn for_classification(self) -> bool {
        (self as usize) < (Measure::Mae as usize)
    }

    /// The metric training reports first, if this is one.
    pub fn primary(self) -> Option<Metric> {
        match self {
            Measure::Accuracy => Some(Metric::Accuracy),
            Measure::Mae => Some(Metric::Mae),
            _ => None,
        }
    }
}

impl std::str::FromStr for Measure {
    type Err = String;

    /// Keras's names, and the spellings Keras also takes (`AUC`, `mean_squared_error`).
    fn from_str(text: &str) -> Result<Measure, String> {
        let lower = text.trim().to_ascii_lowercase();
        let found = match lower.as_str() {
            "acc" => Some(Measure::Accuracy),
            "roc_auc" => Some(Measure::Auc),
            "f1" => Some(Measure::F1Score),
            "top_k" | "top5" | "top_5" => Some(Measure::TopKCategoricalAccuracy),
            "mean_absolute_error" => Some(Measure::Mae),
            "mean_squared_error" => Some(Measure::Mse),
            "root_mean_squared_error" => Some(Measure::Rmse),
            "mean_absolute_percentage_error" => Some(Measure::Mape),
            "r2" => Some(Measure::R2Score),
            name => Measure::ALL.into_iter().find(|m| m.name() == name),
        };
        found.ok_or_else(|| {
            let names: Vec<&str> = Measure::ALL.iter().map(|m| m.name()).collect();
            format!("unknown metric '{}' (known: {})", text.trim(), names.join(", "))
        })
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Keras's AUC thresholds: 200, evenly spaced, the end ones just outside [0, 1].
const AUC_THRESHOLDS: usize = 200;

/// A measure's state over an epoch's batches (or the held-out rows' chunks): what Keras's
/// metric variables hold, summed in f64.
#[derive(Clone, Debug, PartialEq)]
pub struct Tally {
    measure: Measure,
    /// The measure's sums (their meaning is the measure's; see [`Tally::add`]).
    sums: Vec<f64>,
}

impl Tally {
    /// An empty tally for `measure` on outputs of `units` units.
    pub fn new(measure: Measure, units: usize) -> Tally {
        let len = match measure {
            // True and false positives by threshold bucket, then all positives and negatives.
            Measure::Auc | Measure::PrAuc => 2 * AUC_THRESHOLDS + 2,
            // True positives, false positives, false negatives.
            Measure::Precision | Measure::Recall => 3,
            // The same per class.
            Measure::F1Score => 3 * units.max(1),
            // Per unit: count, sum of y, sum of y^2, sum of squared residuals.
            Measure::R2Score => 4 * units.max(1),
            // A sum and a count.
            _ => 2,
        };
        Tally { measure, sums: vec![0.0; len] }
    }

    /// Its measure.
    pub fn measure(&self) -> Measure {
        self.measure
    }

    /// Starts again (a new epoch).
    pub fn reset(&mut self) {
        self.sums.fill(0.0);
    }

    /// Takes in a batch: `predictions` and `targets` are `rows x units`, row-major, in the
    /// label's units for regression (one-hot targets for classes).
    pub fn add<T: Real>(&mut self, predictions: &[T], targets: &[T], units: usize) {
        let units = units.max(1);
        let sums = &mut self.sums;
        let pairs = predictions.iter().zip(targets).map(|(p, y)| (p.as_f64(), y.as_f64()));
        match self.measure {
            Measure::Accuracy => {
                sums[0] += Metric::Accuracy.total(predictions, targets, units);
                sums[1] += (targets.len() / units) as f64;
            }
            Measure::Auc | Measure::PrAuc => {
                // Keras's evenly spaced thresholds: a prediction (clipped to [0, 1]) goes
                // in bucket ceil(p * 199) - 1 (at least 0), computed in float32 as Keras
                // does; it is above every threshold up to its bucket.
                #[allow(
                    clippy::cast_possible_truncation,
                    reason = "Keras buckets in float32; the bucket is in 0..=198 (NaN: 0)"
                )]
                for (p, y) in predictions.iter().zip(targets) {
                    let p = (p.as_f64() as f32).clamp(0.0, 1.0);
                    let bucket = ((p * (AUC_THRESHOLDS - 1) as f32).ceil() - 1.0).max(0.0) as usize;
                    let negative = usize::from(y.as_f64() == 0.0);
                    sums[2 * bucket + negative] += 1.0;
                    sums[2 * AUC_THRESHOLDS + negative] += 1.0;
                }
            }
            Measure::Precision | Measure::Recall => {
                for (p, y) in pairs {
                    match (p > 0.5, y != 0.0) {
                        (true, true) => sums[0] += 1.0,
                        (true, false) => sums[1] += 1.0,
                        (false, true) => sums[2] += 1.0,
                        (false, false) => {}
                    }
                }
            }
            Measure::F1Score => {
                for (p, y) in predictions.chunks_exact(units).zip(targets.chunks_exact(units)) {
                    // One unit: the positive class at 0.5; several: the arg max is 1.
                    let best = argmax(p);
                    for k in 0..units {
                        let predicted = if units == 1 { p[0] > T::of(0.5) } else { k == best };
                        match (predicted, y[k].as_f64() != 0.0) {
                            (true, true) => sums[3 * k] += 1.0,
                            (true, false) => sums[3 * k + 1] += 1.0,
                            (false, true) => sums[3 * k + 2] += 1.0,
                            (false, false) => {}
                        }
                    }
                }
            }
            Measure::TopKCategoricalAccuracy => {
                for (p, y) in predictions.chunks_exact(units).zip(targets.chunks_exact(units)) {
                    let truth = argmax(y);
                    // In the top 5: fewer than five units score above the true class.
                    let above = p.iter().filter(|&&v| v > p[truth]).count();
                    sums[0] += f64::from(u8::from(above < 5 && !p[truth].is_nan()));
                    sums[1] += 1.0;
                }
            }
            Measure::Mae | Measure::Mse | Measure::Rmse | Measure::Mape => {
                // Keras averages over units, then over rows: the same as over all values.
                for (p, y) in pairs {
                    sums[0] += match self.measure {
                        Measure::Mae => (p - y).abs(),
                        Measure::Mape => 100.0 * (y - p).abs() / y.abs().max(1e-7),
                        _ => (p - y) * (p - y),
                    };
                    sums[1] += 1.0;
                }
            }
            Measure::R2Score => {
                for (i, (p, y)) in pairs.enumerate() {
                    let unit = &mut sums[4 * (i % units)..4 * (i % units) + 4];
                    unit[0] += 1.0;
                    unit[1] += y;
                    unit[2] += y * y;
                    unit[3] += (y - p) * (y - p);
                }
            }
        }
    }

    /// The measure over what was taken in (0 where Keras divides by nothing, as its
    /// `divide_no_nan` does; NaN before anything was taken in).
    pub fn result(&self) -> f64 {
        let sums = &self.sums;
        let ratio = |a: f64, b: f64| if b == 0.0 { 0.0 } else { a / b };
        match self.measure {
            Measure::Accuracy
            | Measure::TopKCategoricalAccuracy
            | Measure::Mae
            | Measure::Mse
            | Measure::Mape => {
                if sums[1] == 0.0 {
                    f64::NAN
                } else {
                    sums[0] / sums[1]
                }
            }
            Measure::Rmse => {
                if sums[1] == 0.0 {
                    f64::NAN
                } else {
                    (sums[0] / sums[1]).sqrt()
                }
            }
            Measure::Precision => ratio(sums[0], sums[0] + sums[1]),
            Measure::Recall => ratio(sums[0], sums[0] + sums[2]),
            Measure::F1Score => {
                let classes = sums.len() / 3;
                let total: f64 = (0..classes)
                    .map(|k| {
                        let (tp, fp, fn_) = (sums[3 * k], sums[3 * k + 1], sums[3 * k + 2]);
                        let precision = ratio(tp, tp + fp);
                        let recall = ratio(tp, tp + fn_);
                        ratio(2.0 * precision * recall, precision + recall)
                    })
                    .sum();
                total / classes as f64
            }
            Measure::Auc | Measure::PrAuc => self.auc(),
            Measure::R2Score => {
                let units = sums.len() / 4;
                let total: f64 = (0..units)
                    .map(|k| {
                        let [n, sum, squares, residual] =
                            [sums[4 * k], sums[4 * k + 1], sums[4 * k + 2], sums[4 * k + 3]];
                        let mean = ratio(sum, n);
                        let total = squares - sum * mean;
                        // Keras: 1 - residual / total, 0 where the total is 0.
                        if total == 0.0 { 0.0 } else { 1.0 - residual / total }
                    })
                    .sum();
                if sums[0] == 0.0 { f64::NAN } else { total / units as f64 }
            }
        }
    }

    /// Keras's AUC from the bucket counts: the true and false positives at each threshold
    /// are the counts in its bucket and above.
    fn auc(&self) -> f64 {
        let n = AUC_THRESHOLDS;
        let sums = &self.sums;
        let (positives, negatives) = (sums[2 * n], sums[2 * n + 1]);
        if positives + negatives == 0.0 {
            return f64::NAN;
        }
        let (mut tp, mut fp) = (vec![0.0; n], vec![0.0; n]);
        let (mut above_tp, mut above_fp) = (0.0, 0.0);
        for t in (0..n).rev() {
            above_tp += sums[2 * t];
            above_fp += sums[2 * t + 1];
            tp[t] = above_tp;
            fp[t] = above_fp;
        }
        let ratio = |a: f64, b: f64| if b == 0.0 { 0.0 } else { a / b };
        let fn_ = |t: usize| positives - tp[t];
        if self.measure == Measure::PrAuc {
            // Keras's interpolate_pr_auc (Davis & Goadrich).
            let mut area = 0.0;
            for t in 0..n - 1 {
                let dtp = tp[t] - tp[t + 1];
                let (p_here, p_next) = (tp[t] + fp[t], tp[t + 1] + fp[t + 1]);
                let slope = ratio(dtp, (p_here - p_next).max(0.0));
                let intercept = tp[t + 1] - slope * p_next;
                let p_ratio = if p_here > 0.0 && p_next > 0.0 { ratio(p_here, p_next.max(0.0)) } else { 1.0 };
                area += ratio(slope * (dtp + intercept * p_ratio.ln()), (tp[t + 1] + fn_(t + 1)).max(0.0));
            }
            return area;
        }
        let recall = |t: usize| ratio(tp[t], tp[t] + fn_(t));
        let fp_rate = |t: usize| ratio(fp[t], fp[t] + (negatives - fp[t]));
        (0..n - 1).map(|t| (fp_rate(t) - fp_rate(t + 1)) * (recall(t) + recall(t + 1)) / 2.0).sum()
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
    fn measures_read_their_keras_names_and_say_the_known_ones() {
        for measure in Measure::ALL {
            assert_eq!(measure.name().parse::<Measure>(), Ok(measure));
        }
        assert_eq!("AUC".parse::<Measure>(), Ok(Measure::Auc));
        assert_eq!("mean_squared_error".parse::<Measure>(), Ok(Measure::Mse));
        let error = "aucc".parse::<Measure>().unwrap_err();
        assert!(error.contains("unknown metric 'aucc'") && error.contains("pr_auc"), "{error}");
        assert!(
            Measure::TopKCategoricalAccuracy.for_classification() && !Measure::R2Score.for_classification()
        );
    }

    #[test]
    fn a_split_batch_tallies_as_the_whole_one() {
        let p = [0.9f32, 0.2, 0.6, 0.4, 0.55, 0.1];
        let y = [1.0f32, 0.0, 0.0, 1.0, 1.0, 0.0];
        for measure in [Measure::Auc, Measure::PrAuc, Measure::Precision, Measure::F1Score] {
            let mut whole = Tally::new(measure, 1);
            whole.add(&p, &y, 1);
            let mut parts = Tally::new(measure, 1);
            parts.add(&p[..4], &y[..4], 1);
            parts.add(&p[4..], &y[4..], 1);
            assert_eq!(whole.result(), parts.result(), "{measure}");
        }
        // tp 2 (0.9, 0.55), fp 1 (0.6), fn 1 (0.4).
        let mut precision = Tally::new(Measure::Precision, 1);
        precision.add(&p, &y, 1);
        assert_eq!(precision.result(), 2.0 / 3.0);
        precision.reset();
        assert_eq!(precision.result(), 0.0, "Keras's divide_no_nan on an empty state");
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
