//! Every random number in nntui flows from one `--seed` through these helpers, so the
//! same seed gives the same numbers whatever the thread count or the order of work.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, RngExt, SeedableRng};

/// Independent streams drawn from one seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// The shuffle that assigns rows to cross-validation folds.
    Folds,
    /// A fold's own initialization and epoch shuffles.
    Fold(usize),
    /// A data generator.
    Generator,
    /// `nntui tune`'s draw of a trial's settings (by sample number).
    Trial(usize),
    /// A fold's dropout masks for one part of its batches, drawn batch by batch.
    Dropout {
        /// The fold.
        fold: usize,
        /// The part of a split batch (0 when batches are not split).
        part: usize,
    },
}

/// A generator for `stream`, derived from `seed` so that different streams are
/// unrelated and each is reproducible on its own.
pub fn rng(seed: u64, stream: Stream) -> Xoshiro256PlusPlus {
    let tag = match stream {
        Stream::Folds => 0x9e37_79b9_7f4a_7c15,
        Stream::Fold(fold) => 0x2545_f491_4f6c_dd1d ^ (fold as u64).wrapping_mul(0x9e37_79b9),
        Stream::Generator => 0x6a09_e667_f3bc_c908,
        Stream::Trial(index) => 0xbb67_ae85_84ca_a73b ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15),
        Stream::Dropout { fold, part } => {
            0x3c6e_f372_fe94_f82b
                ^ (fold as u64).wrapping_mul(0x9e37_79b9)
                ^ (part as u64).wrapping_mul(0x85eb_ca6b_27d4_eb4f)
        }
    };
    Xoshiro256PlusPlus::seed_from_u64(splitmix64(seed ^ splitmix64(tag)))
}

/// One round of SplitMix64: a bijective mix that spreads nearby seeds apart.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A standard normal draw (Box-Muller).
pub fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    // 1 - u lies in (0, 1], so the logarithm is finite.
    let u: f64 = 1.0 - rng.random::<f64>();
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let draw = |seed, stream| rng(seed, stream).random::<u64>();
        assert_eq!(draw(7, Stream::Fold(3)), draw(7, Stream::Fold(3)));
        assert_ne!(draw(7, Stream::Fold(3)), draw(7, Stream::Fold(4)));
        assert_ne!(draw(7, Stream::Fold(0)), draw(7, Stream::Folds));
        assert_ne!(draw(7, Stream::Folds), draw(8, Stream::Folds));
    }

    #[test]
    fn normal_draws_have_unit_variance() {
        let mut r = rng(1, Stream::Generator);
        let n = 50_000;
        let draws: Vec<f64> = (0..n).map(|_| standard_normal(&mut r)).collect();
        let mean = draws.iter().sum::<f64>() / f64::from(n);
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / f64::from(n);
        assert!(mean.abs() < 0.02 && (var - 1.0).abs() < 0.03, "{mean} {var}");
    }
}
