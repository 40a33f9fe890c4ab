//! Kernel initializers, as Keras defines them. Biases always start at zero.

use super::Real;
use crate::random::standard_normal;
use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};

/// How a kernel's starting values are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Initializer {
    /// Uniform in `[-0.05, 0.05]` (Keras `RandomUniform()` defaults; the tutorial's choice).
    RandomUniform,
    /// Uniform in `[-l, l]`, `l = sqrt(6 / (fan_in + fan_out))`.
    GlorotUniform,
    /// Normal with `stddev = sqrt(2 / fan_in)`, truncated at two standard deviations.
    HeNormal,
    /// Uniform in `[-l, l]`, `l = sqrt(6 / fan_in)`.
    HeUniform,
}

impl Initializer {
    /// Every initializer, in the order the help text lists them.
    pub const ALL: [Initializer; 4] = [
        Initializer::RandomUniform,
        Initializer::GlorotUniform,
        Initializer::HeNormal,
        Initializer::HeUniform,
    ];

    /// Keras's name.
    pub fn name(self) -> &'static str {
        match self {
            Initializer::RandomUniform => "random_uniform",
            Initializer::GlorotUniform => "glorot_uniform",
            Initializer::HeNormal => "he_normal",
            Initializer::HeUniform => "he_uniform",
        }
    }

    /// Fills a `fan_in x fan_out` kernel.
    pub fn fill<T: Real, R: Rng + ?Sized>(
        self,
        kernel: &mut [T],
        fan_in: usize,
        fan_out: usize,
        rng: &mut R,
    ) {
        let (fan_in, fan_out) = (fan_in as f64, fan_out as f64);
        let uniform = |limit: f64, rng: &mut R| limit * (2.0 * rng.random::<f64>() - 1.0);
        for w in kernel.iter_mut() {
            let value = match self {
                Initializer::RandomUniform => uniform(0.05, rng),
                Initializer::GlorotUniform => uniform((6.0 / (fan_in + fan_out)).sqrt(), rng),
                Initializer::HeUniform => uniform((6.0 / fan_in).sqrt(), rng),
                // Keras divides by the truncated distribution's standard deviation so that
                // the drawn values keep the intended variance.
                Initializer::HeNormal => {
                    (2.0 / fan_in).sqrt() / 0.879_625_661_034_239_8 * truncated_normal(rng)
                }
            };
            *w = T::of(value);
        }
    }
}

/// Keras's `Orthogonal` initializer (gain 1) for a `rows x columns` matrix, row-major:
/// a standard normal matrix of `max x min` shape, orthonormalized (the Q of its QR
/// decomposition with a positive diagonal in R, by modified Gram-Schmidt), transposed
/// when there are fewer rows than columns, so that the shorter side is orthonormal.
pub fn orthogonal<T: Real, R: Rng + ?Sized>(values: &mut [T], rows: usize, columns: usize, rng: &mut R) {
    let (long, short) = (rows.max(columns), rows.min(columns));
    // Column-major: column k of the long x short matrix is q[k * long..(k + 1) * long].
    let mut q: Vec<f64> = (0..long * short).map(|_| crate::random::standard_normal(rng)).collect();
    for k in 0..short {
        for previous in 0..k {
            let (done, rest) = q.split_at_mut(k * long);
            let earlier = &done[previous * long..(previous + 1) * long];
            let column = &mut rest[..long];
            let dot: f64 = earlier.iter().zip(column.iter()).map(|(a, b)| a * b).sum();
            for (c, e) in column.iter_mut().zip(earlier) {
                *c -= dot * e;
            }
        }
        let column = &mut q[k * long..(k + 1) * long];
        let norm = column.iter().map(|v| v * v).sum::<f64>().sqrt().max(f64::MIN_POSITIVE);
        column.iter_mut().for_each(|v| *v /= norm);
    }
    for r in 0..rows {
        for c in 0..columns {
            // Element (i, j) of the long x short Q.
            let (i, j) = if rows >= columns { (r, c) } else { (c, r) };
            values[r * columns + c] = T::of(q[j * long + i]);
        }
    }
}

/// A standard normal draw, redrawn until it lies within two standard deviations.
fn truncated_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    loop {
        let z = standard_normal(rng);
        if z.abs() <= 2.0 {
            return z;
        }
    }
}

crate::names::named!(Initializer, "initializer");

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;

    fn draw(init: Initializer, fan_in: usize, fan_out: usize) -> Vec<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut kernel = vec![0.0; 20_000];
        init.fill(&mut kernel, fan_in, fan_out, &mut rng);
        kernel
    }

    fn mean_and_std(values: &[f64]) -> (f64, f64) {
        crate::stats::mean_and_std(values.iter().copied()).unwrap()
    }

    #[test]
    fn uniform_initializers_respect_their_limits_and_spread() {
        for (init, limit) in [
            (Initializer::RandomUniform, 0.05),
            (Initializer::GlorotUniform, (6.0_f64 / 20.0).sqrt()),
            (Initializer::HeUniform, (6.0_f64 / 8.0).sqrt()),
        ] {
            let values = draw(init, 8, 12);
            assert!(values.iter().all(|v| v.abs() <= limit), "{init}");
            // A uniform on [-l, l] has standard deviation l / sqrt(3).
            let (mean, std) = mean_and_std(&values);
            assert!(mean.abs() < 0.02 * limit, "{init}: mean {mean}");
            assert!((std - limit / 3f64.sqrt()).abs() < 0.02 * limit, "{init}: std {std}");
        }
    }

    #[test]
    fn he_normal_has_variance_two_over_fan_in() {
        let values = draw(Initializer::HeNormal, 8, 12);
        let (mean, std) = mean_and_std(&values);
        let target = (2.0_f64 / 8.0).sqrt();
        assert!(mean.abs() < 0.02 * target);
        assert!((std - target).abs() < 0.02 * target, "std {std} vs {target}");
        // Truncation at two of the underlying standard deviations.
        assert!(values.iter().all(|v| v.abs() <= 2.0 * target / 0.879_625_661_034_239_8));
    }

    #[test]
    fn same_seed_same_values() {
        assert_eq!(draw(Initializer::GlorotUniform, 3, 4), draw(Initializer::GlorotUniform, 3, 4));
    }
}
