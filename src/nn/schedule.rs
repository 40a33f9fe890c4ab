//! Learning-rate schedules.

use serde::{Deserialize, Serialize};

/// `tf.train.exponential_decay`: `lr = lr0 * rate^(step / steps)`, where `step` counts
/// optimizer updates (batches) from zero and `staircase` makes the division an integer one.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExponentialDecay {
    /// Multiplier applied every `steps` updates.
    pub rate: f64,
    /// Updates per application of `rate`.
    pub steps: u64,
    /// Decay in whole steps rather than continuously.
    pub staircase: bool,
}

impl ExponentialDecay {
    /// The factor by which the initial learning rate is multiplied at `step`.
    pub fn factor(&self, step: u64) -> f64 {
        let exponent =
            if self.staircase { (step / self.steps) as f64 } else { step as f64 / self.steps as f64 };
        self.rate.powf(exponent)
    }

    /// The learning rate at `step`, starting from `initial`.
    pub fn learning_rate(&self, initial: f64, step: u64) -> f64 {
        initial * self.factor(step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_tensorflow_exponential_decay() {
        let smooth = ExponentialDecay { rate: 0.96, steps: 100, staircase: false };
        // 0.01 * 0.96^2.5
        assert!((smooth.learning_rate(0.01, 250) - 0.009_029_8).abs() < 5e-8);
        assert_eq!(smooth.learning_rate(0.01, 0), 0.01);

        let staircase = ExponentialDecay { staircase: true, ..smooth };
        // 0.01 * 0.96^2
        assert!((staircase.learning_rate(0.01, 250) - 0.009_216).abs() < 1e-15);
        assert_eq!(staircase.learning_rate(0.01, 99), 0.01);
    }
}
