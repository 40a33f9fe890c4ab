//! Kernel regularization, added to the loss as Keras does (`l1 * sum|w| + l2 * sum w^2`).

use super::Real;
use serde::{Deserialize, Serialize};

/// A usable L1 or L2 factor: a finite number, zero or more. The one rule that the
/// command line, the plan and live changes all apply.
pub fn check_penalty(value: f64) -> Result<f64, String> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(format!("must be zero or positive, got {value}"))
    }
}

/// L1 and L2 penalties on kernels (never biases); both zero means none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Regularizer {
    /// Weight of `sum |w|`.
    pub l1: f64,
    /// Weight of `sum w^2`.
    pub l2: f64,
}

impl Regularizer {
    /// Whether any penalty applies.
    pub fn is_active(&self) -> bool {
        self.l1 != 0.0 || self.l2 != 0.0
    }

    /// `l1 * sum |w| + l2 * sum w^2` over one kernel.
    pub fn penalty<T: Real>(&self, kernel: &[T]) -> f64 {
        if !self.is_active() {
            return 0.0;
        }
        let (abs, square) = kernel.iter().fold((0.0, 0.0), |(a, s), w| {
            let w = w.as_f64();
            (a + w.abs(), s + w * w)
        });
        self.l1 * abs + self.l2 * square
    }

    /// Adds the penalty's gradient, `l1 * sign(w) + 2 l2 w` (sign(0) = 0), to `gradient`.
    ///
    /// # Shapes
    /// `kernel`, `gradient`: equal lengths.
    #[inline(always)]
    pub fn add_gradient<T: Real>(&self, kernel: &[T], gradient: &mut [T]) {
        if !self.is_active() {
            return;
        }
        let l1 = T::of(self.l1);
        let two_l2 = T::of(2.0 * self.l2);
        for (&w, g) in kernel.iter().zip(gradient.iter_mut()) {
            let sign = if w > T::zero() {
                T::one()
            } else if w < T::zero() {
                -T::one()
            } else {
                T::zero()
            };
            *g += l1 * sign + two_l2 * w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::testing::{assert_close, assert_gradient, numeric_gradient};

    #[test]
    fn hand_worked_penalty() {
        let r = Regularizer { l1: 0.01, l2: 0.1 };
        // sum|w| = 3.5, sum w^2 = 0.25 + 4 + 1 = 5.25
        assert_close(&[r.penalty(&[0.5, -2.0, 1.0])], &[0.035 + 0.525], 1e-15, 0.0);
        assert_eq!(Regularizer::default().penalty(&[1.0, 2.0]), 0.0);
    }

    #[test]
    fn gradients_match_central_differences() {
        let kernel = [0.5, -2.0, 1.0, -0.3];
        for r in [
            Regularizer { l1: 0.01, l2: 0.0 },
            Regularizer { l1: 0.0, l2: 0.1 },
            Regularizer { l1: 0.02, l2: 0.05 },
        ] {
            let mut analytic = vec![0.0; kernel.len()];
            r.add_gradient(&kernel, &mut analytic);
            let numeric = numeric_gradient(&kernel, 1e-6, |w| r.penalty(w));
            assert_gradient(&analytic, &numeric, 1e-6);
        }
    }

    #[test]
    fn adds_to_the_existing_gradient() {
        let r = Regularizer { l1: 0.5, l2: 1.0 };
        let mut g = [1.0, 1.0, 1.0];
        r.add_gradient(&[2.0, 0.0, -1.0], &mut g);
        assert_close(&g, &[1.0 + 0.5 + 4.0, 1.0, 1.0 - 0.5 - 2.0], 1e-15, 0.0);
    }
}
