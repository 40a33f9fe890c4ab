//! Normalization over the last axis's channels, then a scale `gamma` and a shift
//! `beta` per channel:
//! - layer normalization (Keras's `LayerNormalization`, axis -1): each position's values
//!   standardized with their own mean and (population) variance;
//! - batch normalization (Keras's `BatchNormalization`, axis -1): each channel
//!   standardized with the batch's mean and variance over every row and position in
//!   training, and with their moving averages otherwise.

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

/// Keras's default `momentum` for batch normalization's moving averages.
pub const MOMENTUM: f64 = 0.99;

/// Each channel's mean and population variance over every position of the batch
/// (`values / channels` of them), as `jnp.mean` and `jnp.var` compute them (two passes),
/// accumulated in `f64` (in `sums`, so that the batch loop allocates nothing).
///
/// # Shapes
/// `input`: `positions x channels`; `mean`, `variance`, `sums`: `channels`.
pub fn moments<T: Real>(input: &[T], mean: &mut [T], variance: &mut [T], sums: &mut [f64]) {
    let channels = mean.len();
    let count = (input.len() / channels) as f64;
    sums.fill(0.0);
    for x in input.chunks_exact(channels) {
        for (s, &v) in sums.iter_mut().zip(x) {
            *s += v.as_f64();
        }
    }
    for (m, s) in mean.iter_mut().zip(sums.iter()) {
        *m = T::of(s / count);
    }
    sums.fill(0.0);
    for x in input.chunks_exact(channels) {
        for ((s, &v), &m) in sums.iter_mut().zip(x).zip(mean.iter()) {
            let d = (v - m).as_f64();
            *s += d * d;
        }
    }
    for (v, s) in variance.iter_mut().zip(sums.iter()) {
        *v = T::of(s / count);
    }
}

/// Batch normalization with the given statistics (the batch's in training, the moving
/// ones otherwise): `y = x inv + (beta - mean inv)` with `inv = gamma / sqrt(var +
/// epsilon)`, in the order Keras computes it; keeps `x̂ = (x - mean) r` per value and
/// `r = 1 / sqrt(var + epsilon)` per channel for the backward pass.
///
/// # Shapes
/// `input`, `output`, `normalized`: `positions x channels`; `gamma`, `beta`, `mean`,
/// `variance`, `inverse`: `channels`.
#[allow(clippy::too_many_arguments, reason = "the statistics, the parameters and what backward keeps")]
pub fn batch_forward<T: Real>(
    input: &[T],
    (gamma, beta): (&[T], &[T]),
    (mean, variance): (&[T], &[T]),
    output: &mut [T],
    normalized: &mut [T],
    inverse: &mut [T],
) {
    let channels = gamma.len();
    let epsilon = T::of(EPSILON);
    for (r, &v) in inverse.iter_mut().zip(variance) {
        *r = T::one() / (v + epsilon).sqrt();
    }
    for ((x, y), n) in input
        .chunks_exact(channels)
        .zip(output.chunks_exact_mut(channels))
        .zip(normalized.chunks_exact_mut(channels))
    {
        for c in 0..channels {
            let scale = inverse[c] * gamma[c];
            y[c] = x[c] * scale + (beta[c] - mean[c] * scale);
            n[c] = (x[c] - mean[c]) * inverse[c];
        }
    }
}

/// The parameter gradients (`dgamma = Σ dy x̂`, `dbeta = Σ dy` over positions) and, when
/// `input_gradient` is given, the input's: through the batch's statistics when they
/// normalized (`batch`), `dx = r (g - mean(g) - x̂ mean(g x̂))` per channel with
/// `g = dy gamma`; through constants otherwise, `dx = r g`.
///
/// # Shapes
/// As [`batch_forward`]; `gamma_gradient`, `beta_gradient`: `channels`.
pub fn batch_backward<T: Real>(
    delta: &[T],
    gamma: &[T],
    (normalized, inverse): (&[T], &[T]),
    batch: bool,
    (gamma_gradient, beta_gradient): (&mut [T], &mut [T]),
    input_gradient: Option<&mut [T]>,
) {
    let channels = gamma.len();
    gamma_gradient.fill(T::zero());
    beta_gradient.fill(T::zero());
    for (d, n) in delta.chunks_exact(channels).zip(normalized.chunks_exact(channels)) {
        for c in 0..channels {
            gamma_gradient[c] += d[c] * n[c];
            beta_gradient[c] += d[c];
        }
    }
    let Some(dx) = input_gradient else { return };
    let count = T::of((delta.len() / channels) as f64);
    for ((x, d), n) in
        dx.chunks_exact_mut(channels).zip(delta.chunks_exact(channels)).zip(normalized.chunks_exact(channels))
    {
        for c in 0..channels {
            let g = d[c] * gamma[c];
            x[c] = if batch {
                // mean(g) = gamma dbeta / m, mean(g x̂) = gamma dgamma / m.
                let (mean, mean_dot) =
                    (gamma[c] * beta_gradient[c] / count, gamma[c] * gamma_gradient[c] / count);
                inverse[c] * (g - mean - n[c] * mean_dot)
            } else {
                inverse[c] * g
            };
        }
    }
}

/// Keras's moving averages: `moving = moving momentum + batch (1 - momentum)`.
pub fn update_moving<T: Real>(moving: &mut [T], batch: &[T]) {
    let (momentum, rest) = (T::of(MOMENTUM), T::of(1.0 - MOMENTUM));
    for (m, &b) in moving.iter_mut().zip(batch) {
        *m = *m * momentum + b * rest;
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

    #[test]
    fn batch_statistics_by_hand() {
        // Two rows of two channels: channel 0 holds 1 and 3, channel 1 holds 2 and 6.
        let x = [1.0, 2.0, 3.0, 6.0];
        let (mut mean, mut variance) = ([0.0; 2], [0.0; 2]);
        moments(&x, &mut mean, &mut variance, &mut [0.0; 2]);
        assert_eq!((mean, variance), ([2.0, 4.0], [1.0, 4.0]));
        let (mut y, mut n, mut r) = ([0.0; 4], [0.0; 4], [0.0; 2]);
        batch_forward(&x, (&[1.0, 0.5], &[0.0, 1.0]), (&mean, &variance), &mut y, &mut n, &mut r);
        let (r0, r1) = (1.0 / 1.001_f64.sqrt(), 1.0 / 4.001_f64.sqrt());
        assert_close(&r, &[r0, r1], 1e-15, 0.0);
        assert_close(&n, &[-r0, -2.0 * r1, r0, 2.0 * r1], 1e-15, 0.0);
        assert_close(&y, &[-r0, 1.0 - r1, r0, 1.0 + r1], 1e-15, 0.0);
        // Keras's moving averages from their initial zeros and ones.
        let (mut moving_mean, mut moving_variance) = ([0.0; 2], [1.0; 2]);
        update_moving(&mut moving_mean, &mean);
        update_moving(&mut moving_variance, &variance);
        assert_close(&moving_mean, &[0.02, 0.04], 1e-15, 0.0);
        assert_close(&moving_variance, &[1.0, 1.03], 1e-15, 0.0);
    }

    /// In training the statistics are the batch's, so every value's gradient runs through
    /// them; with moving statistics the layer is an affine map.
    #[test]
    fn batch_gradients_match_central_differences() {
        let channels = 3;
        let x = [0.3, -1.2, 2.2, 0.7, 1.5, 1.4, -0.3, 0.0, -2.0, 0.4, 0.9, 3.1];
        let gamma = [1.1, -0.7, 0.4];
        let beta = [0.2, 0.0, -0.5];
        let moving = ([0.1, -0.2, 0.3], [0.5, 2.0, 1.5]);
        let upstream: Vec<f64> = (0..x.len()).map(|i| (i as f64 * 0.91).sin()).collect();
        for batch in [true, false] {
            let objective = |x: &[f64], gamma: &[f64], beta: &[f64]| {
                let (mut mean, mut variance) = (vec![0.0; channels], vec![0.0; channels]);
                if batch {
                    moments(x, &mut mean, &mut variance, &mut [0.0; 3]);
                } else {
                    (mean, variance) = (moving.0.to_vec(), moving.1.to_vec());
                }
                let (mut y, mut n, mut r) = (vec![0.0; x.len()], vec![0.0; x.len()], vec![0.0; channels]);
                batch_forward(x, (gamma, beta), (&mean, &variance), &mut y, &mut n, &mut r);
                y.iter().zip(&upstream).map(|(y, g)| y * g).sum::<f64>()
            };
            let (mut mean, mut variance) = (vec![0.0; channels], vec![0.0; channels]);
            if batch {
                moments(&x, &mut mean, &mut variance, &mut [0.0; 3]);
            } else {
                (mean, variance) = (moving.0.to_vec(), moving.1.to_vec());
            }
            let (mut y, mut n, mut r) = (vec![0.0; 12], vec![0.0; 12], vec![0.0; channels]);
            batch_forward(&x, (&gamma, &beta), (&mean, &variance), &mut y, &mut n, &mut r);
            let (mut dgamma, mut dbeta, mut dx) = (vec![0.0; 3], vec![0.0; 3], vec![0.0; 12]);
            batch_backward(&upstream, &gamma, (&n, &r), batch, (&mut dgamma, &mut dbeta), Some(&mut dx));
            assert_gradient(&dx, &numeric_gradient(&x, 1e-6, |x| objective(x, &gamma, &beta)), 1e-6);
            assert_gradient(&dgamma, &numeric_gradient(&gamma, 1e-6, |g| objective(&x, g, &beta)), 1e-6);
            assert_gradient(&dbeta, &numeric_gradient(&beta, 1e-6, |b| objective(&x, &gamma, b)), 1e-6);
        }
    }
}
