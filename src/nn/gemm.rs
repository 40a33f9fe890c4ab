//! The one place that picks how a layer's products run: the hand-blocked kernels of
//! [`super::kernels`] for small matrices (the tutorial's sizes, where a general matrix
//! multiply spends more on setup than on arithmetic), and `matrixmultiply` (through
//! ndarray's safe `general_mat_mul`, single-threaded) above [`GEMM_THRESHOLD`].
//!
//! Below the threshold the bits are the same on every x86-64 CPU (the kernels fuse
//! nothing); above it `matrixmultiply` picks its FMA kernels at run time, so results
//! may differ in the last bits between CPUs with and without FMA. On one machine both
//! are the same whatever the thread count.

use super::Real;
use super::kernels;
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

/// Kernels of at least this many values (`inputs * units`) go through the GEMM: from
/// `64 x 64` up. Measured with `cargo bench --bench training -- products`: at 64 x 64
/// and 128 rows the GEMM is about even with the hand kernels, and pulls ahead fast
/// above (3-4x at 784 x 256).
pub const GEMM_THRESHOLD: usize = 64 * 64;

/// Whether an `inputs x units` kernel goes through the GEMM.
pub fn uses_gemm(inputs: usize, units: usize) -> bool {
    inputs * units >= GEMM_THRESHOLD
}

#[allow(clippy::expect_used, reason = "callers pass slices of exactly rows x columns")]
fn view<T>(values: &[T], rows: usize, columns: usize) -> ArrayView2<'_, T> {
    ArrayView2::from_shape((rows, columns), &values[..rows * columns]).expect("slice matches its shape")
}

#[allow(clippy::expect_used, reason = "callers pass slices of exactly rows x columns")]
fn view_mut<T>(values: &mut [T], rows: usize, columns: usize) -> ArrayViewMut2<'_, T> {
    ArrayViewMut2::from_shape((rows, columns), &mut values[..rows * columns])
        .expect("slice matches its shape")
}

/// `output[r, :] = bias + input[r, :] . kernel` for every row.
///
/// # Shapes
/// `input`: `rows x inputs`; `kernel`: `inputs x units`; `bias`: `units`;
/// `output`: `rows x units`.
#[inline(always)]
pub fn forward<T: Real>(
    input: &[T],
    kernel: &[T],
    bias: &[T],
    output: &mut [T],
    inputs: usize,
    units: usize,
) {
    if !uses_gemm(inputs, units) {
        kernels::dense_forward(input, kernel, bias, output, inputs, units);
        return;
    }
    let rows = output.len() / units;
    for row in output.chunks_exact_mut(units) {
        row.copy_from_slice(bias);
    }
    let mut out = view_mut(output, rows, units);
    general_mat_mul(T::one(), &view(input, rows, inputs), &view(kernel, inputs, units), T::one(), &mut out);
}

/// `kernel_gradient = input^T . delta`, `bias_gradient = sum over rows of delta`.
///
/// # Shapes
/// `input`: `rows x inputs`; `delta`: `rows x units`.
#[inline(always)]
pub fn parameter_gradients<T: Real>(
    input: &[T],
    delta: &[T],
    kernel_gradient: &mut [T],
    bias_gradient: &mut [T],
    inputs: usize,
    units: usize,
) {
    if !uses_gemm(inputs, units) {
        kernels::dense_parameter_gradients(input, delta, kernel_gradient, bias_gradient, inputs, units);
        return;
    }
    let rows = delta.len() / units;
    bias_gradient.fill(T::zero());
    for d in delta.chunks_exact(units) {
        for (b, &v) in bias_gradient.iter_mut().zip(d) {
            *b += v;
        }
    }
    let mut out = view_mut(kernel_gradient, inputs, units);
    general_mat_mul(T::one(), &view(input, rows, inputs).t(), &view(delta, rows, units), T::zero(), &mut out);
}

/// `input_gradient[r, :] = delta[r, :] . kernel^T`; `scratch` as
/// [`kernels::dense_input_gradient`] wants it.
#[inline(always)]
pub fn input_gradient<T: Real>(
    delta: &[T],
    kernel: &[T],
    scratch: &mut [T],
    input_gradient: &mut [T],
    inputs: usize,
    units: usize,
) {
    if !uses_gemm(inputs, units) {
        kernels::dense_input_gradient(delta, kernel, scratch, input_gradient, inputs, units);
        return;
    }
    let rows = delta.len() / units;
    let mut out = view_mut(input_gradient, rows, inputs);
    general_mat_mul(
        T::one(),
        &view(delta, rows, units),
        &view(kernel, inputs, units).t(),
        T::zero(),
        &mut out,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::testing::assert_close;

    #[test]
    fn gemm_and_hand_kernels_agree_above_the_threshold() {
        let (rows, inputs, units) = (37, 70, 65);
        assert!(uses_gemm(inputs, units));
        let value = |i: usize, seed: usize| ((i * 2_654_435_761 + seed * 97) % 2000) as f64 / 1000.0 - 1.0;
        let x: Vec<f64> = (0..rows * inputs).map(|i| value(i, 1)).collect();
        let w: Vec<f64> = (0..inputs * units).map(|i| value(i, 2)).collect();
        let b: Vec<f64> = (0..units).map(|i| value(i, 3)).collect();
        let d: Vec<f64> = (0..rows * units).map(|i| value(i, 4)).collect();
        let (mut a, mut h) = (vec![0.0; rows * units], vec![0.0; rows * units]);
        forward(&x, &w, &b, &mut a, inputs, units);
        kernels::dense_forward(&x, &w, &b, &mut h, inputs, units);
        assert_close(&a, &h, 1e-12, 1e-12);
        let (mut dw, mut db, mut hw, mut hb) =
            (vec![0.0; inputs * units], vec![0.0; units], vec![0.0; inputs * units], vec![0.0; units]);
        parameter_gradients(&x, &d, &mut dw, &mut db, inputs, units);
        kernels::dense_parameter_gradients(&x, &d, &mut hw, &mut hb, inputs, units);
        assert_close(&dw, &hw, 1e-12, 1e-12);
        assert_close(&db, &hb, 1e-12, 1e-12);
        let mut scratch = vec![0.0; inputs * units];
        let (mut dx, mut hx) = (vec![0.0; rows * inputs], vec![0.0; rows * inputs]);
        input_gradient(&d, &w, &mut scratch, &mut dx, inputs, units);
        kernels::dense_input_gradient(&d, &w, &mut scratch, &mut hx, inputs, units);
        assert_close(&dx, &hx, 1e-12, 1e-12);
    }
}
