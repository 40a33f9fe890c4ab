//! Layer normalization (Keras's `LayerNormalization`, axis -1): each position's values
//! over the last axis standardized with their own mean and (population) variance, then
//! scaled by `gamma` and shifted by `beta`, one of each per channel.

use crate::nn::Real;

/// Keras's default `epsilon`, added to the variance.
pub const EPSILON: f64 = 1e-3;

/// `y = x r gamma + (beta - mean r gamma)` with `r = 1 / sqrt(var + epsilon)`, in the
/// order Keras computes it; keeps `x̂ = (x - mean) r` and `r` per position for the
/// backward pass.
///
/// # Shapes
/// `input`, `output`, `normalized`: `positions x channels`; `inverse`: `positions`.
#[inline(always)]
pub fn forward<T: Real>(
    input: &[T],
    gamma: &[T],
    beta: &[T],
    output: &mut [T],
    normalized: &mut [T],
    inverse: &mut [T],
) {
    let channels = gamma.len();
    let count = T::of(channels as f64);
    let epsilon = T::of(EPSILON);
    for (((x, y), n), r) in input
        .chunks_exact(channels)
        .zip(output.chunks_exact_mut(channels))
        .zip(normalized.chunks_exact_mut(channels))
        .zip(inverse.iter_mut())
    {
        let mean = x.iter().fold(T::zero(), |s, &v| s + v) / count;
        let variance = x.iter().fold(T::zero(), |s, &v| s + (v - mean) * (v - mean)) / count;
        *r = T::one() / (variance + epsilon).sqrt();
        for ((((y, n), &v), &g), &b) in y.iter_mut().zip(n.iter_mut()).zip(x).zip(gamma).zip(beta) {
            let scale = *r * g;
            *y = v * scale + (b - mean * scale);
            *n = (v - mean) * *r;
        }
    }
}

/// The parameter gradients (added over positions: `dgamma += dy x̂`, `dbeta += dy`) and,
/// when `input_gradient` is given, `dx = r (g - mean(g) - x̂ mean(g x̂))` with
/// `g = dy gamma`.
///
/// # Shapes
/// As [`forward`]; `gamma_gradient`, `beta_gradient`: `channels`.
#[inline(always)]
pub fn backward<T: Real>(
    delta: &[T],
    gamma: &[T],
    normalized: &[T],
    inverse: &[T],
    (gamma_gradient, beta_gradient): (&mut [T], &mut [T]),
    mut input_gradient: Option<&mut [T]>,
) {
    let channels = gamma.len();
    let count = T::of(channels as f64);
    gamma_gradient.fill(T::zero());
    beta_gradient.fill(T::zero());
    for (position, ((d, n), &r)) in
        delta.chunks_exact(channels).zip(normalized.chunks_exact(channels)).zip(inverse).enumerate()
    {
        for (((gg, bg), &dv), &nv) in gamma_gradient.iter_mut().zip(beta_gradient.iter_mut()).zip(d).zip(n) {
            *gg += dv * nv;
            *bg += dv;
        }
        if let Some(dx) = input_gradient.as_deref_mut() {
            let dx = &mut dx[position * channels..(position + 1) * channels];
            let (mut sum, mut dot) = (T::zero(), T::zero());
            for ((&dv, &g), &nv) in d.iter().zip(gamma).zip(n) {
                sum += dv * g;
                dot += dv * g * nv;
            }
            let (mean, mean_dot) = (sum / count, dot / count);
            for (((x, &dv), &g), &nv) in dx.iter_mut().zip(d).zip(gamma).zip(n) {
                *x = r * (dv * g - mean - nv * mean_dot);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::testing::{assert_close, assert_gradient, numeric_gradient};

    #[test]
    fn hand_worked_position() {
        // x = (1, 2, 3): mean 2, variance 2/3, r = 1 / sqrt(2/3 + 0.001).
        let r = 1.0 / (2.0_f64 / 3.0 + 1e-3).sqrt();
        let (mut y, mut n, mut inverse) = ([0.0; 3], [0.0; 3], [0.0]);
        forward(&[1.0, 2.0, 3.0], &[1.0, 2.0, 0.5], &[0.0, 0.1, -1.0], &mut y, &mut n, &mut inverse);
        assert_close(&inverse, &[r], 1e-15, 0.0);
        assert_close(&n, &[-r, 0.0, r], 1e-15, 0.0);
        assert_close(&y, &[-r, 0.1, 0.5 * r - 1.0], 1e-15, 0.0);
    }

    #[test]
    fn gradients_match_central_differences() {
        let channels = 4;
        let x = [0.3, -1.2, 2.2, 0.7, 1.5, 1.4, -0.3, 0.0, -2.0, 0.4, 0.9, 3.1];
        let gamma = [1.1, -0.7, 0.4, 2.0];
        let beta = [0.2, 0.0, -0.5, 1.0];
        let upstream: Vec<f64> = (0..x.len()).map(|i| (i as f64 * 0.91).sin()).collect();
        let objective = |x: &[f64], gamma: &[f64], beta: &[f64]| {
            let (mut y, mut n, mut r) =
                (vec![0.0; x.len()], vec![0.0; x.len()], vec![0.0; x.len() / channels]);
            forward(x, gamma, beta, &mut y, &mut n, &mut r);
            y.iter().zip(&upstream).map(|(y, g)| y * g).sum::<f64>()
        };
        let (mut y, mut n, mut r) = (vec![0.0; 12], vec![0.0; 12], vec![0.0; 3]);
        forward(&x, &gamma, &beta, &mut y, &mut n, &mut r);
        let (mut dgamma, mut dbeta, mut dx) = (vec![0.0; 4], vec![0.0; 4], vec![0.0; 12]);
        backward(&upstream, &gamma, &n, &r, (&mut dgamma, &mut dbeta), Some(&mut dx));
        assert_gradient(&dx, &numeric_gradient(&x, 1e-6, |x| objective(x, &gamma, &beta)), 1e-6);
        assert_gradient(&dgamma, &numeric_gradient(&gamma, 1e-6, |g| objective(&x, g, &beta)), 1e-6);
        assert_gradient(&dbeta, &numeric_gradient(&beta, 1e-6, |b| objective(&x, &gamma, b)), 1e-6);
    }
}
