//! Activation functions, applied in place to a row-major batch (`rows x units`).

use super::Real;
use serde::{Deserialize, Serialize};

/// An elementwise (or, for softmax, row-wise) activation, with Keras's names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// `max(0, z)`
    Relu,
    /// `1 / (1 + e^-z)`
    Sigmoid,
    /// `tanh(z)`
    Tanh,
    /// `z`
    Linear,
    /// `e^z_i / sum_j e^z_j` over each row
    Softmax,
    /// `z` if `z > 0`, else `0.2 z` (Keras 3's `negative_slope`)
    LeakyRelu,
    /// `z` if `z >= 0`, else `e^z - 1` (alpha 1)
    Elu,
    /// `1.0507 elu(z)` with alpha 1.6733 (Klambauer et al., as Keras)
    Selu,
    /// `ln(1 + e^z)`
    Softplus,
    /// `z / (1 + |z|)`
    Softsign,
    /// `clip(z / 6 + 0.5, 0, 1)` (Keras 3's: `relu6(z + 3) / 6`)
    HardSigmoid,
    /// `z Φ(z) = z (1 + erf(z / √2)) / 2`, the exact form (Keras's `approximate=False`)
    Gelu,
    /// `z sigmoid(z)` (Keras 3's `silu`, also called `swish`)
    Silu,
    /// `z tanh(softplus(z))`
    Mish,
}

/// SELU's constants, as Keras writes them.
const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
const SELU_SCALE: f64 = 1.050_700_987_355_480_5;
/// Leaky ReLU's slope below zero (Keras 3's default).
const LEAKY_SLOPE: f64 = 0.2;

impl Activation {
    /// Every activation, in the order the help text lists them.
    pub const ALL: [Activation; 14] = [
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Linear,
        Activation::Softmax,
        Activation::LeakyRelu,
        Activation::Elu,
        Activation::Selu,
        Activation::Softplus,
        Activation::Softsign,
        Activation::HardSigmoid,
        Activation::Gelu,
        Activation::Silu,
        Activation::Mish,
    ];

    /// Keras's name for the activation.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Linear => "linear",
            Activation::Softmax => "softmax",
            Activation::LeakyRelu => "leaky_relu",
            Activation::Elu => "elu",
            Activation::Selu => "selu",
            Activation::Softplus => "softplus",
            Activation::Softsign => "softsign",
            Activation::HardSigmoid => "hard_sigmoid",
            Activation::Gelu => "gelu",
            Activation::Silu => "silu",
            Activation::Mish => "mish",
        }
    }

    /// Whether the backward pass needs the pre-activations `z` as well as the
    /// activations: gelu, silu and mish are not functions of their outputs alone (silu
    /// and mish are not even monotonic), so their layers keep `z`.
    #[inline(always)]
    pub fn needs_inputs(self) -> bool {
        matches!(self, Activation::Gelu | Activation::Silu | Activation::Mish)
    }

    /// Whether this activation turns logits into probabilities (sigmoid, softmax), so
    /// that a cross-entropy can be computed from its input.
    pub fn has_logits(self) -> bool {
        matches!(self, Activation::Sigmoid | Activation::Softmax)
    }

    /// Replaces pre-activations `z` by activations `a`, in place.
    ///
    /// # Shapes
    /// `values`: `rows x units`, row-major; `units` > 0.
    #[inline(always)]
    pub fn forward<T: Real>(self, values: &mut [T], units: usize) {
        match self {
            Activation::Relu => values.iter_mut().for_each(|v| *v = v.max(T::zero())),
            Activation::Sigmoid => values.iter_mut().for_each(|v| *v = sigmoid(*v)),
            Activation::Tanh => values.iter_mut().for_each(|v| *v = v.tanh()),
            Activation::Linear => {}
            Activation::LeakyRelu => {
                let slope = T::of(LEAKY_SLOPE);
                // `v > 0 ? v : v * slope` as a maximum, the same for a slope in (0, 1):
                // a select that keeps the value already there compiles to masked stores,
                // as in `backward`.
                values.iter_mut().for_each(|v| *v = v.max(*v * slope));
            }
            Activation::Elu => {
                values.iter_mut().for_each(|v| *v = if *v >= T::zero() { *v } else { v.exp_m1() });
            }
            Activation::Selu => {
                let (alpha, scale) = (T::of(SELU_ALPHA), T::of(SELU_SCALE));
                values
                    .iter_mut()
                    .for_each(|v| *v = scale * if *v >= T::zero() { *v } else { alpha * v.exp_m1() });
            }
            Activation::Softplus => values.iter_mut().for_each(|v| *v = softplus(*v)),
            Activation::Softsign => values.iter_mut().for_each(|v| *v /= T::one() + v.abs()),
            Activation::HardSigmoid => {
                let (sixth, half) = (T::of(1.0 / 6.0), T::of(0.5));
                values.iter_mut().for_each(|v| *v = (*v * sixth + half).max(T::zero()).min(T::one()));
            }
            Activation::Gelu => {
                let (half, root_half) = (T::of(0.5), T::of(std::f64::consts::FRAC_1_SQRT_2));
                values.iter_mut().for_each(|v| *v = *v * (T::one() + (*v * root_half).erf()) * half);
            }
            Activation::Silu => values.iter_mut().for_each(|v| *v = *v * sigmoid(*v)),
            Activation::Mish => values.iter_mut().for_each(|v| *v = *v * softplus(*v).tanh()),
            Activation::Softmax => {
                for row in values.chunks_exact_mut(units) {
                    let max = row.iter().fold(T::neg_infinity(), |m, &v| m.max(v));
                    let mut sum = T::zero();
                    for v in row.iter_mut() {
                        *v = (*v - max).exp();
                        sum += *v;
                    }
                    let inverse = T::one() / sum;
                    row.iter_mut().for_each(|v| *v *= inverse);
                }
            }
        }
    }

    /// Turns `dL/da` into `dL/dz` in place, given the activations `a` from `forward`
    /// and, for the kinds that [`Activation::needs_inputs`], the pre-activations `z`
    /// (`inputs`; read by those kinds only, so others may pass an empty slice).
    ///
    /// relu: `a > 0`; sigmoid: `a (1 - a)`; tanh: `1 - a^2`; linear: 1;
    /// softmax: `dz_i = a_i (g_i - sum_j g_j a_j)` (the Jacobian-vector product);
    /// leaky relu: 1 or 0.2 by the sign of `a`; elu: 1 for `a > 0`, else `a + 1` (`e^z`);
    /// selu: the scale for `a > 0`, else `a + scale alpha`; softplus: `1 - e^-a` (the
    /// sigmoid of `z`); softsign: `(1 - |a|)^2`; hard sigmoid: 1/6 inside (0, 1), else 0.
    /// Each of those is a function of `a` alone, so no pre-activation is kept for them.
    /// gelu: `Φ(z) + z φ(z)`; silu: `s (1 + z (1 - s))` with `s = sigmoid(z)`; mish:
    /// `t + z (1 - t^2) sigmoid(z)` with `t = tanh(softplus(z))`.
    ///
    /// # Shapes
    /// `activations`, `gradient` and (when needed) `inputs`: `rows x units`, row-major.
    #[inline(always)]
    pub fn backward<T: Real>(self, inputs: &[T], activations: &[T], gradient: &mut [T], units: usize) {
        if self.needs_inputs() {
            let inputs = &inputs[..gradient.len()];
            let derivative: fn(T) -> T = match self {
                Activation::Gelu => |z| {
                    let (half, root_half) = (T::of(0.5), T::of(std::f64::consts::FRAC_1_SQRT_2));
                    let density =
                        T::of(0.5 * std::f64::consts::FRAC_2_SQRT_PI * std::f64::consts::FRAC_1_SQRT_2);
                    (T::one() + (z * root_half).erf()) * half + z * density * (-(z * z) * half).exp()
                },
                Activation::Silu => |z| {
                    let s = sigmoid(z);
                    s * (T::one() + z * (T::one() - s))
                },
                _ => |z| {
                    let t = softplus(z).tanh();
                    t + z * (T::one() - t * t) * sigmoid(z)
                },
            };
            inputs.iter().zip(gradient.iter_mut()).for_each(|(&z, g)| *g *= derivative(z));
            return;
        }
        let pairs = activations.iter().zip(gradient.iter_mut());
        match self {
            // `g + 0` rather than `g` (the same but for -0, which becomes +0): a select
            // between the value already there and zero makes LLVM store only the zeros,
            // with masked stores (`vmaskmovps`), many times slower than plain ones on AMD
            // CPUs.
            Activation::Relu => {
                pairs.for_each(|(&a, g)| *g = if a > T::zero() { *g + T::zero() } else { T::zero() });
            }
            Activation::Sigmoid => pairs.for_each(|(&a, g)| *g *= a * (T::one() - a)),
            Activation::Tanh => pairs.for_each(|(&a, g)| *g *= T::one() - a * a),
            Activation::Linear => {}
            Activation::LeakyRelu => {
                let slope = T::of(LEAKY_SLOPE);
                pairs.for_each(|(&a, g)| *g *= if a > T::zero() { T::one() } else { slope });
            }
            Activation::Elu => {
                pairs.for_each(|(&a, g)| *g *= if a > T::zero() { T::one() } else { a + T::one() });
            }
            Activation::Selu => {
                let (scale, floor) = (T::of(SELU_SCALE), T::of(SELU_SCALE * SELU_ALPHA));
                pairs.for_each(|(&a, g)| *g *= if a > T::zero() { scale } else { a + floor });
            }
            Activation::Softplus => pairs.for_each(|(&a, g)| *g *= -(-a).exp_m1()),
            Activation::Softsign => pairs.for_each(|(&a, g)| {
                let d = T::one() - a.abs();
                *g *= d * d;
            }),
            Activation::HardSigmoid => {
                let sixth = T::of(1.0 / 6.0);
                pairs.for_each(|(&a, g)| *g *= if a > T::zero() && a < T::one() { sixth } else { T::zero() });
            }
            // Handled above, from the pre-activations.
            Activation::Gelu | Activation::Silu | Activation::Mish => {}
            Activation::Softmax => {
                for (a_row, g_row) in activations.chunks_exact(units).zip(gradient.chunks_exact_mut(units)) {
                    let dot = a_row.iter().zip(g_row.iter()).fold(T::zero(), |s, (&a, &g)| s + a * g);
                    for (&a, g) in a_row.iter().zip(g_row.iter_mut()) {
                        *g = a * (*g - dot);
                    }
                }
            }
        }
    }
}

/// The logistic function, written so that neither branch overflows.
pub fn sigmoid<T: Real>(z: T) -> T {
    if z >= T::zero() {
        T::one() / (T::one() + (-z).exp())
    } else {
        let e = z.exp();
        e / (T::one() + e)
    }
}

/// `ln(1 + e^z)`, written so that neither side overflows: `max(z, 0) + ln(1 + e^-|z|)`.
pub fn softplus<T: Real>(z: T) -> T {
    z.max(T::zero()) + (-z.abs()).exp().ln_1p()
}

crate::names::named!(Activation, "activation", "swish" => Activation::Silu);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::testing::{assert_close, assert_gradient, numeric_gradient};

    #[test]
    fn hand_worked_values() {
        let mut v = vec![-1.0, 0.0, 2.0];
        Activation::Relu.forward(&mut v, 3);
        assert_close(&v, &[0.0, 0.0, 2.0], 0.0, 0.0);

        let mut v = vec![0.0, 2.0];
        Activation::Sigmoid.forward(&mut v, 2);
        assert_close(&v, &[0.5, 0.880_797_077_977_882_3], 1e-15, 0.0);

        let mut v = vec![0.5];
        Activation::Tanh.forward(&mut v, 1);
        assert_close(&v, &[0.462_117_157_260_009_74], 1e-15, 0.0);

        // softmax([1, 2, 3]) = e^[1,2,3] / (e + e^2 + e^3)
        let mut v = vec![1.0, 2.0, 3.0, 0.0, 0.0, 0.0];
        Activation::Softmax.forward(&mut v, 3);
        assert_close(
            &v,
            &[
                0.090_030_573_170_380_46,
                0.244_728_471_054_797_64,
                0.665_240_955_774_821_9,
                1.0 / 3.0,
                1.0 / 3.0,
                1.0 / 3.0,
            ],
            1e-15,
            0.0,
        );
    }

    /// The forms written to avoid masked stores keep the plain definitions' values:
    /// relu's gradient is `g` where `a > 0` (a -0 becomes +0) and 0 elsewhere, even for
    /// an infinite or NaN `g`; leaky relu is `v` or `0.2 v` by the sign, NaN and -0 kept.
    #[test]
    fn relu_kinds_at_the_edges() {
        let a = [1.0, 2.0, 0.0, 0.0, 0.0, 3.0, 1e-300, 5.0, 0.0];
        let mut g = vec![-0.0, f64::INFINITY, f64::NAN, -4.0, f64::INFINITY, -2.5, 7.0, f64::NAN, 1.0];
        Activation::Relu.backward(&[], &a, &mut g, 9);
        let expected = [0.0, f64::INFINITY, 0.0, 0.0, 0.0, -2.5, 7.0, f64::NAN, 0.0];
        for (got, want) in g.iter().zip(&expected) {
            assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()), "{got} vs {want}");
        }
        let mut v = vec![-0.0, 0.0, -5.0, 5.0, f64::NAN, f64::NEG_INFINITY, -1e-310, 3.0, -1.0];
        Activation::LeakyRelu.forward(&mut v, 9);
        let expected = [-0.0, 0.0, -1.0, 5.0, f64::NAN, f64::NEG_INFINITY, -1e-310 * 0.2, 3.0, -0.2];
        for (got, want) in v.iter().zip(&expected) {
            assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()), "{got} vs {want}");
        }
    }

    #[test]
    fn sigmoid_and_softmax_do_not_overflow() {
        let mut v = vec![-1000.0_f32, 1000.0, 88.0, -88.0];
        Activation::Sigmoid.forward(&mut v, 4);
        assert!(v.iter().all(|x| x.is_finite()));
        assert_eq!(v[0], 0.0);
        assert_eq!(v[1], 1.0);

        let mut v = vec![1000.0_f32, 1001.0];
        Activation::Softmax.forward(&mut v, 2);
        assert!(v.iter().all(|x| x.is_finite()));
        assert!((v[0] + v[1] - 1.0).abs() < 1e-6);
    }

    /// For a random upstream gradient `g`, checks d(sum g * act(z))/dz against
    /// central differences.
    fn check_gradient(activation: Activation, z: &[f64], units: usize) {
        let upstream: Vec<f64> = (0..z.len()).map(|i| 0.3 + 0.17 * i as f64).collect();
        let objective = |z: &[f64]| {
            let mut a = z.to_vec();
            activation.forward(&mut a, units);
            a.iter().zip(&upstream).map(|(a, g)| a * g).sum::<f64>()
        };
        let mut a = z.to_vec();
        activation.forward(&mut a, units);
        let mut analytic = upstream.clone();
        activation.backward(z, &a, &mut analytic, units);
        let numeric = numeric_gradient(z, 1e-6, objective);
        assert_gradient(&analytic, &numeric, 1e-6);
    }

    #[test]
    fn gradients_match_central_differences() {
        // Relu is checked away from its kink at 0.
        let z = [-1.3, -0.2, 0.4, 1.7, 2.5, -0.7];
        for activation in Activation::ALL {
            check_gradient(activation, &z, 3);
        }
    }

    #[test]
    fn parses_keras_names() {
        assert_eq!("relu".parse::<Activation>(), Ok(Activation::Relu));
        assert_eq!("Softmax".parse::<Activation>(), Ok(Activation::Softmax));
        let error = "swishy".parse::<Activation>().unwrap_err();
        assert!(error.contains("unknown activation 'swishy'"), "{error}");
        assert_eq!("swish".parse::<Activation>(), Ok(Activation::Silu));
        assert_eq!("silu".parse::<Activation>(), Ok(Activation::Silu));
        assert!(error.contains("relu, sigmoid, tanh, linear, softmax, leaky_relu, elu, selu"));
        assert_eq!("leaky_relu".parse::<Activation>(), Ok(Activation::LeakyRelu));
        assert_eq!("hard_sigmoid".parse::<Activation>(), Ok(Activation::HardSigmoid));
    }
}
