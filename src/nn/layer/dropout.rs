//! Inverted dropout, as Keras 3's `Dropout` (keras/src/layers/regularization/dropout.py
//! calls `backend.random.dropout`, which keeps each value with probability `1 - rate`
//! and scales it by `1 / (1 - rate)`): active only in training, so evaluation,
//! validation and prediction see the identity.

use crate::nn::Real;
use rand::{Rng, RngExt};

/// Draws a mask for `values` (each `0` with probability `rate`, else `1 / (1 - rate)`)
/// and applies it: `output = input * mask`.
#[inline(always)]
pub fn forward<T: Real, R: Rng + ?Sized>(
    rate: f64,
    input: &[T],
    output: &mut [T],
    mask: &mut [T],
    rng: &mut R,
) {
    let keep = T::of(1.0 / (1.0 - rate));
    for ((m, o), &x) in mask.iter_mut().zip(output.iter_mut()).zip(input) {
        *m = if rng.random::<f64>() < rate { T::zero() } else { keep };
        *o = x * *m;
    }
}

/// `input_gradient = delta * mask`.
#[inline(always)]
pub fn backward<T: Real>(delta: &[T], mask: &[T], input_gradient: &mut [T]) {
    for ((g, &d), &m) in input_gradient.iter_mut().zip(delta).zip(mask) {
        *g = d * m;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;

    #[test]
    fn kept_values_are_scaled_and_the_dropped_share_is_the_rate() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let n = 100_000;
        let input = vec![2.0f64; n];
        let (mut out, mut mask) = (vec![0.0; n], vec![0.0; n]);
        forward(0.25, &input, &mut out, &mut mask, &mut rng);
        let dropped = out.iter().filter(|&&v| v == 0.0).count();
        assert!(out.iter().all(|&v| v == 0.0 || (v - 2.0 / 0.75).abs() < 1e-12));
        assert!((dropped as f64 / n as f64 - 0.25).abs() < 0.01, "{dropped}");
        // The mean is kept in expectation.
        let mean = out.iter().sum::<f64>() / n as f64;
        assert!((mean - 2.0).abs() < 0.02, "{mean}");
        let mut g = vec![0.0; n];
        backward(&vec![1.0; n], &mask, &mut g);
        assert_eq!(g, mask);
        // Rate 0 keeps everything unscaled.
        forward(0.0, &input, &mut out, &mut mask, &mut rng);
        assert_eq!(out, input);
    }
}
