//! Loss functions. Each is a per-sample loss; a batch's loss is their mean.

use super::{Activation, Real};
use serde::{Deserialize, Serialize};

/// Predictions are clipped to `[EPSILON, 1 - EPSILON]` before a logarithm, as Keras does.
pub const EPSILON: f64 = 1e-7;

/// A loss, with Keras's names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// `-mean_j [y_j ln p_j + (1 - y_j) ln(1 - p_j)]`, `p` clipped.
    BinaryCrossentropy,
    /// `-sum_j y_j ln p_j` over one-hot targets, `p` clipped.
    CategoricalCrossentropy,
    /// `mean_j (p_j - y_j)^2`
    #[serde(rename = "mse")]
    MeanSquaredError,
}

impl Loss {
    /// Every loss, in the order the help text lists them.
    pub const ALL: [Loss; 3] =
        [Loss::BinaryCrossentropy, Loss::CategoricalCrossentropy, Loss::MeanSquaredError];

    /// Keras's name.
    pub fn name(self) -> &'static str {
        match self {
            Loss::BinaryCrossentropy => "binary_crossentropy",
            Loss::CategoricalCrossentropy => "categorical_crossentropy",
            Loss::MeanSquaredError => "mse",
        }
    }

    /// The sum over rows of the per-sample loss, accumulated in `f64`.
    ///
    /// # Shapes
    /// `predictions`, `targets`: `rows x units`, row-major.
    #[inline(always)]
    pub fn total<T: Real>(self, predictions: &[T], targets: &[T], units: usize) -> f64 {
        let pairs = predictions.iter().zip(targets).map(|(p, y)| (p.as_f64(), y.as_f64()));
        match self {
            Loss::BinaryCrossentropy => {
                // The logarithms in the network's own precision (logf for f32): the
                // reported loss needs four decimals, not sixteen.
                let (low, high) = (T::of(EPSILON), T::one() - T::of(EPSILON));
                let sum: f64 = predictions
                    .iter()
                    .zip(targets)
                    .map(|(&p, &y)| {
                        // Comparisons, not max/min: a NaN prediction must stay NaN.
                        let p = if p < low {
                            low
                        } else if p > high {
                            high
                        } else {
                            p
                        };
                        // Class labels are 0 or 1: one logarithm each; soft labels need both.
                        if y == T::one() {
                            -p.ln().as_f64()
                        } else if y == T::zero() {
                            -(T::one() - p).ln().as_f64()
                        } else {
                            let y = y.as_f64();
                            -(y * p.ln().as_f64() + (1.0 - y) * (T::one() - p).ln().as_f64())
                        }
                    })
                    .sum();
                sum / units as f64
            }
            Loss::CategoricalCrossentropy => pairs
                .map(|(p, y)| if y == 0.0 { 0.0 } else { -y * p.clamp(EPSILON, 1.0 - EPSILON).ln() })
                .sum(),
            Loss::MeanSquaredError => pairs.map(|(p, y)| (p - y) * (p - y)).sum::<f64>() / units as f64,
        }
    }

    /// Whether this loss is computed from the logits of `activation`'s input, as Keras 3
    /// on TensorFlow does (`_get_logits` in `keras/src/backend/tensorflow/nn.py`): binary
    /// cross-entropy after a sigmoid, categorical cross-entropy after a softmax.
    pub fn pairs_with(self, activation: Activation) -> bool {
        matches!(
            (self, activation),
            (Loss::BinaryCrossentropy, Activation::Sigmoid)
                | (Loss::CategoricalCrossentropy, Activation::Softmax)
        )
    }

    /// The sum over rows of the per-sample loss computed from logits `z`, unclipped, in
    /// the network's precision and summed in `f64`, with TensorFlow's stable forms:
    /// - binary (`sigmoid_cross_entropy_with_logits`): the mean over units of
    ///   `max(z, 0) - z y + ln(1 + e^-|z|)`;
    /// - categorical (`softmax_cross_entropy_with_logits`):
    ///   `sum_j y_j (ln sum_k e^(z_k - m) - (z_j - m))`, `m = max_k z_k`.
    ///
    /// A confidently wrong row thus costs its logit (e.g. 30), not the clipped 16.12.
    /// Mean squared error has no logits: it is computed from `z` as from outputs.
    ///
    /// # Shapes
    /// `logits`, `targets`: `rows x units`, row-major.
    #[inline(always)]
    pub fn total_from_logits<T: Real>(self, logits: &[T], targets: &[T], units: usize) -> f64 {
        match self {
            Loss::BinaryCrossentropy => {
                let sum: f64 = logits
                    .iter()
                    .zip(targets)
                    .map(|(&z, &y)| (z.max(T::zero()) - z * y + (-z.abs()).exp().ln_1p()).as_f64())
                    .sum();
                sum / units as f64
            }
            Loss::CategoricalCrossentropy => logits
                .chunks_exact(units)
                .zip(targets.chunks_exact(units))
                .map(|(z, y)| {
                    let max = z.iter().fold(T::neg_infinity(), |m, &v| m.max(v));
                    let log_sum = z.iter().fold(T::zero(), |s, &v| s + (v - max).exp()).ln();
                    let row = z.iter().zip(y).fold(T::zero(), |s, (&z, &y)| s + y * (log_sum - (z - max)));
                    row.as_f64()
                })
                .sum(),
            Loss::MeanSquaredError => self.total(logits, targets, units),
        }
    }

    /// Writes `dL/dp` for `L = scale * sum over rows of the per-sample loss`.
    ///
    /// Where clipping is active the loss is flat, so the gradient there is zero.
    ///
    /// # Shapes
    /// `predictions`, `targets`, `gradient`: `rows x units`, row-major.
    #[inline(always)]
    pub fn gradient<T: Real>(
        self,
        predictions: &[T],
        targets: &[T],
        gradient: &mut [T],
        units: usize,
        scale: T,
    ) {
        let low = T::of(EPSILON);
        let high = T::one() - low;
        let per_unit = scale / T::of(units as f64);
        let triples = predictions.iter().zip(targets).zip(gradient.iter_mut());
        match self {
            Loss::BinaryCrossentropy => triples.for_each(|((&p, &y), g)| {
                *g =
                    if p <= low || p >= high { T::zero() } else { per_unit * (p - y) / (p * (T::one() - p)) };
            }),
            Loss::CategoricalCrossentropy => triples.for_each(|((&p, &y), g)| {
                *g = if p <= low || p >= high { T::zero() } else { -scale * y / p };
            }),
            Loss::MeanSquaredError => triples.for_each(|((&p, &y), g)| {
                *g = per_unit * T::of(2.0) * (p - y);
            }),
        }
    }

    /// Writes `dL/dz` at the output layer's pre-activations, given its activations.
    ///
    /// sigmoid with binary cross-entropy and softmax with categorical cross-entropy use
    /// the closed forms `(a - y) / units` and `a - y` (one-hot targets), which stay exact
    /// where `a` saturates; every other pairing chains `gradient` through the activation.
    ///
    /// `inputs` are the pre-activations, read only by activations that need them
    /// ([`Activation::needs_inputs`]).
    ///
    /// # Shapes
    /// `activations`, `targets`, `gradient` (and `inputs` when read): `rows x units`,
    /// row-major.
    #[allow(clippy::too_many_arguments, reason = "the output's values, targets, gradient and shape")]
    #[inline(always)]
    pub fn output_gradient<T: Real>(
        self,
        activation: Activation,
        inputs: &[T],
        activations: &[T],
        targets: &[T],
        gradient: &mut [T],
        units: usize,
        scale: T,
    ) {
        let fused = match (self, activation) {
            (Loss::BinaryCrossentropy, Activation::Sigmoid) => Some(scale / T::of(units as f64)),
            (Loss::CategoricalCrossentropy, Activation::Softmax) => Some(scale),
            _ => None,
        };
        if let Some(factor) = fused {
            for ((&a, &y), g) in activations.iter().zip(targets).zip(gradient.iter_mut()) {
                *g = factor * (a - y);
            }
        } else {
            self.gradient(activations, targets, gradient, units, scale);
            activation.backward(inputs, activations, gradient, units);
        }
    }
}

crate::names::named!(Loss, "loss", "mean_squared_error" => Loss::MeanSquaredError, "bce" => Loss::BinaryCrossentropy, "cce" => Loss::CategoricalCrossentropy);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::testing::{assert_close, assert_gradient, numeric_gradient};

    #[test]
    fn hand_worked_values() {
        // -(ln 0.9 + ln 0.8) over two rows of one unit each.
        let total = Loss::BinaryCrossentropy.total(&[0.9, 0.2], &[1.0, 0.0], 1);
        assert_close(&[total], &[0.105_360_515_657_826_3 + 0.223_143_551_314_209_76], 1e-15, 0.0);
        // Clipping: ln(1e-7) rather than ln(0).
        let total = Loss::BinaryCrossentropy.total(&[0.0], &[1.0], 1);
        assert_close(&[total], &[-(1e-7_f64).ln()], 1e-12, 0.0);

        let total = Loss::CategoricalCrossentropy.total(&[0.2, 0.7, 0.1], &[0.0, 1.0, 0.0], 3);
        assert_close(&[total], &[-(0.7_f64).ln()], 1e-15, 0.0);

        // Mean over units of the squared error, summed over rows: (1 + 4)/2 + 9/2.
        let total = Loss::MeanSquaredError.total(&[1.0, 2.0, 3.0, 0.0], &[0.0, 0.0, 0.0, 0.0], 2);
        assert_close(&[total], &[2.5 + 4.5], 1e-15, 0.0);
    }

    fn targets_for(loss: Loss) -> Vec<f64> {
        match loss {
            Loss::BinaryCrossentropy => vec![1.0, 0.0, 1.0, 0.0, 0.0, 1.0],
            Loss::CategoricalCrossentropy => vec![0.0, 1.0, 0.0, 1.0, 0.0, 0.0],
            Loss::MeanSquaredError => vec![0.3, -1.2, 2.0, 0.0, 0.5, 0.9],
        }
    }

    #[test]
    fn a_nan_prediction_gives_a_nan_loss() {
        for loss in Loss::ALL {
            assert!(loss.total(&[f32::NAN], &[1.0], 1).is_nan(), "{loss}");
        }
    }

    #[test]
    fn gradients_match_central_differences() {
        let predictions = [0.3, 0.6, 0.15, 0.45, 0.25, 0.8];
        for loss in Loss::ALL {
            let targets = targets_for(loss);
            let scale = 0.5;
            let mut analytic = vec![0.0; 6];
            loss.gradient(&predictions, &targets, &mut analytic, 3, scale);
            let numeric = numeric_gradient(&predictions, 1e-7, |p| scale * loss.total(p, &targets, 3));
            assert_gradient(&analytic, &numeric, 1e-6);
        }
    }

    #[test]
    fn output_gradients_match_central_differences_for_every_pairing() {
        let z = [0.4, -1.1, 0.9, 2.0, -0.3, 0.2];
        for loss in Loss::ALL {
            for activation in Activation::ALL {
                // Relu's kink and cross-entropy over non-probabilities are not meaningful.
                let probabilities = matches!(activation, Activation::Sigmoid | Activation::Softmax);
                if loss != Loss::MeanSquaredError && !probabilities {
                    continue;
                }
                let targets = targets_for(loss);
                let scale = 0.25;
                let mut a = z.to_vec();
                activation.forward(&mut a, 3);
                let mut analytic = vec![0.0; 6];
                loss.output_gradient(activation, &z, &a, &targets, &mut analytic, 3, scale);
                let numeric = numeric_gradient(&z, 1e-6, |z| {
                    let mut a = z.to_vec();
                    activation.forward(&mut a, 3);
                    scale * loss.total(&a, &targets, 3)
                });
                assert_gradient(&analytic, &numeric, 1e-6);
            }
        }
    }

    #[test]
    fn fused_sigmoid_gradient_stays_exact_when_saturated() {
        // a = 1 - 1e-9 is clipped, so the chained form would give 0; the closed form
        // still pushes a wrong, confident prediction back.
        let mut g = [0.0_f64];
        Loss::BinaryCrossentropy.output_gradient(
            Activation::Sigmoid,
            &[],
            &[1.0 - 1e-9],
            &[0.0],
            &mut g,
            1,
            1.0,
        );
        assert!((g[0] - 1.0).abs() < 1e-8);
    }

    #[test]
    fn from_logits_hand_worked_and_unclipped() {
        // z = 0: ln 2 whatever the label; z = 30 with y = 0: 30 + ln(1 + e^-30), where
        // clipped probabilities would give -ln(1e-7) = 16.12.
        let total = Loss::BinaryCrossentropy.total_from_logits(&[0.0, 30.0], &[1.0, 0.0], 1);
        assert_close(&[total], &[std::f64::consts::LN_2 + 30.0 + (-30.0f64).exp().ln_1p()], 1e-12, 0.0);
        // Softmax over (1, 2, 3), true class 0: ln(e + e^2 + e^3) - 1 = 2.4076059644.
        let total = Loss::CategoricalCrossentropy.total_from_logits(&[1.0, 2.0, 3.0], &[1.0, 0.0, 0.0], 3);
        assert_close(&[total], &[2.407_605_964_444_38], 1e-12, 0.0);
        // Agrees with the probability form where nothing is clipped.
        let z = [0.4, -1.1, 0.9, 2.0, -0.3, 0.2];
        for (loss, activation) in [
            (Loss::BinaryCrossentropy, Activation::Sigmoid),
            (Loss::CategoricalCrossentropy, Activation::Softmax),
        ] {
            let targets = targets_for(loss);
            let mut a = z.to_vec();
            activation.forward(&mut a, 3);
            let expected = loss.total(&a, &targets, 3);
            assert_close(&[loss.total_from_logits(&z, &targets, 3)], &[expected], 1e-12, 1e-12);
        }
    }

    #[test]
    fn the_trained_gradient_is_the_gradient_of_the_reported_loss() {
        // The fused output gradient (a - y) is the exact derivative of the loss from
        // logits, saturated rows included (z = 25 would be flat if clipped).
        let z = [0.4, -1.1, 25.0, 2.0, -0.3, -18.0];
        for (loss, activation) in [
            (Loss::BinaryCrossentropy, Activation::Sigmoid),
            (Loss::CategoricalCrossentropy, Activation::Softmax),
        ] {
            let targets = targets_for(loss);
            let mut a = z.to_vec();
            activation.forward(&mut a, 3);
            let mut analytic = vec![0.0; 6];
            loss.output_gradient(activation, &z, &a, &targets, &mut analytic, 3, 1.0);
            let numeric = numeric_gradient(&z, 1e-6, |z| loss.total_from_logits(z, &targets, 3));
            assert_gradient(&analytic, &numeric, 1e-6);
        }
    }

    #[test]
    fn parses_names_and_aliases() {
        assert_eq!("mean_squared_error".parse(), Ok(Loss::MeanSquaredError));
        assert_eq!("binary_crossentropy".parse(), Ok(Loss::BinaryCrossentropy));
        assert!("hinge".parse::<Loss>().unwrap_err().contains("unknown loss 'hinge'"));
    }
}
