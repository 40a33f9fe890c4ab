//! The network maths: layers (Dense, convolution, pooling, dropout, ...), activations, initializers, losses, metrics,
//! optimizers, regularizers and learning-rate schedules.
//!
//! Pure computation: no threads, no I/O. Everything is generic over [`Real`] so that
//! training runs in `f32` while the gradient checks run in `f64`.

pub mod activation;
pub mod gemm;
pub mod init;
pub mod kernels;
pub mod layer;
pub mod loss;
pub mod metric;
pub mod model;
pub mod optimizer;
pub mod regularizer;
pub mod schedule;
pub mod step;
pub mod vmath;

pub use activation::Activation;
pub use init::Initializer;
pub use layer::{Layer, Padding};
pub use loss::Loss;
pub use metric::{Measure, Metric, Tally};
pub use model::{LayerSpec, Sequential, Workspace};
pub use optimizer::{Optimizer, OptimizerKind, OptimizerSpec, check_learning_rate};
pub use regularizer::{Regularizer, check_penalty};
pub use schedule::ExponentialDecay;
pub use step::{Batch, StepBuffers, StepTotals};

/// The floating-point types the network runs on: `f32` for training, `f64` for checks.
pub trait Real:
    num_traits::Float
    + std::fmt::Debug
    + std::fmt::Display
    + std::ops::AddAssign
    + std::ops::SubAssign
    + std::ops::MulAssign
    + Default
    + Send
    + Sync
    + ndarray::LinalgScalar
    + faer::traits::ComplexField
    + 'static
{
    /// Converts from `f64`, rounding to the nearest representable value.
    fn of(value: f64) -> Self;
    /// Widens to `f64`.
    fn as_f64(self) -> f64;
    /// The error function (`libm`'s, in this precision).
    #[must_use]
    fn erf(self) -> Self;
    /// The recurrent layers' logistic function: in `f32` [`vmath::sigmoid`], branch-free so
    /// that the gates vectorize; in `f64` [`activation::sigmoid`].
    #[must_use]
    fn gate_sigmoid(self) -> Self;
    /// The recurrent layers' `tanh`: in `f32` [`vmath::tanh`]; in `f64` the exact
    /// `m / (m + 2)` with `m = e^2x - 1`.
    #[must_use]
    fn gate_tanh(self) -> Self;
}

impl Real for f32 {
    #[allow(clippy::cast_possible_truncation, reason = "rounding to the nearest f32 is the point")]
    fn of(value: f64) -> Self {
        value as f32
    }
    fn as_f64(self) -> f64 {
        f64::from(self)
    }
    fn erf(self) -> Self {
        libm::erff(self)
    }
    #[inline(always)]
    fn gate_sigmoid(self) -> Self {
        vmath::sigmoid(self)
    }
    #[inline(always)]
    fn gate_tanh(self) -> Self {
        vmath::tanh(self)
    }
}

impl Real for f64 {
    fn of(value: f64) -> Self {
        value
    }
    fn as_f64(self) -> f64 {
        self
    }
    fn erf(self) -> Self {
        libm::erf(self)
    }
    fn gate_sigmoid(self) -> Self {
        activation::sigmoid(self)
    }
    fn gate_tanh(self) -> Self {
        // One exponential, and no cancellation near 0 as in `1 - 2 / (e^2x + 1)`.
        let m = (self + self).exp_m1();
        if m.is_infinite() { 1.0f64.copysign(self) } else { m / (m + 2.0) }
    }
}

/// Test helpers shared by the maths modules.
#[cfg(test)]
pub(crate) mod testing {
    /// `|a - b| <= atol + rtol * |b|`, elementwise, with a readable failure.
    pub fn assert_close(actual: &[f64], expected: &[f64], atol: f64, rtol: f64) {
        assert_eq!(actual.len(), expected.len(), "length mismatch");
        for (i, (a, b)) in actual.iter().zip(expected).enumerate() {
            assert!(
                (a - b).abs() <= atol + rtol * b.abs(),
                "element {i}: {a} vs expected {b} (atol {atol}, rtol {rtol})"
            );
        }
    }

    /// Central-difference gradient of `f` at `x`, step `h`.
    pub fn numeric_gradient(x: &[f64], h: f64, mut f: impl FnMut(&[f64]) -> f64) -> Vec<f64> {
        let mut probe = x.to_vec();
        (0..x.len())
            .map(|i| {
                probe[i] = x[i] + h;
                let up = f(&probe);
                probe[i] = x[i] - h;
                let down = f(&probe);
                probe[i] = x[i];
                (up - down) / (2.0 * h)
            })
            .collect()
    }

    /// Asserts that an analytic gradient matches the central difference with a
    /// relative error (scaled by the larger magnitude) below `tolerance`.
    pub fn assert_gradient(analytic: &[f64], numeric: &[f64], tolerance: f64) {
        assert_eq!(analytic.len(), numeric.len());
        for (i, (a, n)) in analytic.iter().zip(numeric).enumerate() {
            let scale = a.abs().max(n.abs()).max(1e-8);
            let relative = (a - n).abs() / scale;
            assert!(
                relative < tolerance || (a - n).abs() < 1e-10,
                "gradient element {i}: analytic {a} vs numeric {n} (relative error {relative:e})"
            );
        }
    }
}
