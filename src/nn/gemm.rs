//! The one place that picks how a layer's products run, by size:
//! - the hand-blocked kernels of [`super::kernels`] below [`GEMM_THRESHOLD`] (the
//!   tutorial's sizes, where a general matrix multiply spends more on setup than on
//!   arithmetic);
//! - on a CPU with AVX-512, `faer`'s `matmul` for every product above it: its kernels
//!   use AVX-512 and `matrixmultiply`'s do not (measured on an AVX-512 machine, faer was
//!   faster from 2 x 64 x 64 up: see [`faer_from`]);
//! - on other CPUs, `matrixmultiply` (through ndarray's safe `general_mat_mul`) for
//!   mid-sized products (a small CNN's dense layer) and `faer` from [`FAER_WORK`]
//!   multiply-adds up (a 784 x 256 layer on 64 rows), where its AVX2 kernels and cache
//!   blocking pay for its higher cost per call.
//!
//! A recurrent layer's steps always take the hand kernels ([`recurrent_step`]).
//!
//! Every product runs on one thread. Below the threshold the bits are the same on every
//! x86-64 CPU (the kernels fuse nothing); above it the GEMMs pick their kernels at run
//! time, so results may differ in the last bits between CPUs (AVX-512 or not, FMA or
//! not). On one machine they are the same whatever the thread count: a batch split over
//! threads is split by the model and the batch size alone.

use super::Real;
use super::kernels;
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

/// Kernels of at least this many values (`inputs * units`) go through the GEMM: from
/// `64 x 64` up. Measured with `cargo bench --bench training -- products`: at 64 x 64
/// and 128 rows the GEMM is about even with the hand kernels, and pulls ahead fast
/// above (3-4x at 784 x 256).
pub const GEMM_THRESHOLD: usize = 64 * 64;

/// On a CPU without AVX-512, products of at least this many multiply-adds
/// (`rows * inputs * units`) go through `faer`. Measured on an AVX2 machine with
/// `benches/big_dense.py` and `benches/lstm.py`:
/// `faer` is 6-10% faster than `matrixmultiply` on a 784 x 256 layer's 64-row halves
/// (12.8M), and 1.6x slower on an LSTM(32)'s 32-row steps (131k), where its set-up per
/// call dominates.
pub const FAER_WORK: usize = 1 << 20;

/// From how many multiply-adds a GEMM-sized product goes through `faer` on this CPU:
/// all of them where the CPU has AVX-512F (faer's x86 kernels check the same flag), else
/// [`FAER_WORK`]. Measured on an AVX-512 machine (AMD EPYC, 2 cores) with the CLI on one
/// thread, `faer` against `matrixmultiply` for every GEMM-sized product: Pima through
/// `64:relu,64:relu` took 2.14 s against 2.72 s with batches of 2, 0.88 s against 1.15 s
/// with batches of 10, 0.53 s against 0.61 s with batches of 32; `128:relu,128:relu` with
/// batches of 10, 2.94 s against 3.81 s; the digits CNN (its 144 x 64 layer on 32 rows)
/// 0.30 s against 0.36 s of CPU time.
pub fn faer_from() -> usize {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        return 0;
    }
    FAER_WORK
}

/// Whether an `inputs x units` kernel goes through the GEMM.
pub fn uses_gemm(inputs: usize, units: usize) -> bool {
    inputs * units >= GEMM_THRESHOLD
}

/// `values` as a row-major `rows x columns` matrix.
fn faer_view<T>(values: &[T], rows: usize, columns: usize) -> MatRef<'_, T> {
    MatRef::from_row_major_slice(&values[..rows * columns], rows, columns)
}

fn faer_view_mut<T>(values: &mut [T], rows: usize, columns: usize) -> MatMut<'_, T> {
    MatMut::from_row_major_slice_mut(&mut values[..rows * columns], rows, columns)
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

/// `out (+)= lhs . rhs` for row-major `lhs` (`m x k`, or its transpose when
/// `lhs_transposed`: stored `k x m`) and `rhs` (`k x n`, or stored `n x k` when
/// `rhs_transposed`).
struct Product<'a, T> {
    out: &'a mut [T],
    /// Whether to add to `out` rather than replace it.
    add: bool,
    lhs: &'a [T],
    lhs_transposed: bool,
    rhs: &'a [T],
    rhs_transposed: bool,
    /// `(m, k, n)`.
    shape: (usize, usize, usize),
}

impl<T: Real> Product<'_, T> {
    /// By `faer` or `matrixmultiply`, as [`faer_from`] decides.
    fn run(self) {
        let (m, k, n) = self.shape;
        let faer = m * k * n >= faer_from();
        self.run_by(faer);
    }

    /// By `faer` when `faer`, else by `matrixmultiply`.
    fn run_by(self, faer: bool) {
        let Product { out, add, lhs, lhs_transposed, rhs, rhs_transposed, shape: (m, k, n) } = self;
        if faer {
            let a = if lhs_transposed { faer_view(lhs, k, m).transpose() } else { faer_view(lhs, m, k) };
            let b = if rhs_transposed { faer_view(rhs, n, k).transpose() } else { faer_view(rhs, k, n) };
            let accum = if add { Accum::Add } else { Accum::Replace };
            matmul(faer_view_mut(out, m, n), accum, a, b, T::one(), Par::Seq);
        } else {
            let a = if lhs_transposed { view(lhs, k, m).reversed_axes() } else { view(lhs, m, k) };
            let b = if rhs_transposed { view(rhs, n, k).reversed_axes() } else { view(rhs, k, n) };
            let beta = if add { T::one() } else { T::zero() };
            general_mat_mul(T::one(), &a, &b, beta, &mut view_mut(out, m, n));
        }
    }
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
    Product {
        out: output,
        add: true,
        lhs: input,
        lhs_transposed: false,
        rhs: kernel,
        rhs_transposed: false,
        shape: (rows, inputs, units),
    }
    .run();
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
    Product {
        out: kernel_gradient,
        add: false,
        lhs: input,
        lhs_transposed: true,
        rhs: delta,
        rhs_transposed: false,
        shape: (inputs, rows, units),
    }
    .run();
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
    Product {
        out: input_gradient,
        add: false,
        lhs: delta,
        lhs_transposed: false,
        rhs: kernel,
        rhs_transposed: true,
        shape: (rows, units, inputs),
    }
    .run();
}

/// A recurrent step's `out = h . recurrent (+ bias)` (`rows x units` by `units x width`),
/// always by [`kernels::wide_product`]: the same recurrent kernel goes through every
/// step, and a GEMM would pack it again each time (on an AVX2 machine, an LSTM(32)'s
/// 16-row steps spent a third of their product time packing). Nothing is fused, so
/// every CPU gives the same bits.
#[inline(always)]
pub fn recurrent_step<T: Real>(
    h: &[T],
    recurrent: &[T],
    bias: Option<&[T]>,
    out: &mut [T],
    units: usize,
    width: usize,
) {
    kernels::wide_product(h, recurrent, bias, out, units, width);
}

/// A recurrent step's state gradient `back = delta . recurrent^T`, from the recurrent
/// kernel transposed once for all steps by [`kernels::transpose`] (`width x units`).
#[inline(always)]
pub fn recurrent_step_gradient<T: Real>(
    delta: &[T],
    transposed: &[T],
    back: &mut [T],
    units: usize,
    width: usize,
) {
    kernels::wide_product(delta, transposed, None, back, width, units);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::testing::assert_close;

    /// The GEMM this CPU picks, below and above `FAER_WORK` (each of the three
    /// products, with its transposed operand, crosses it).
    #[test]
    fn gemm_and_hand_kernels_agree_above_the_threshold() {
        agree(37, 70, 65);
        const { assert!(37 * 70 * 65 < FAER_WORK) };
        agree(260, 70, 65);
        const { assert!(260 * 70 * 65 >= FAER_WORK) };
    }

    /// Both GEMMs, whichever this CPU picks, on every operand layout and both
    /// accumulations, against a plain triple loop.
    #[test]
    fn both_gemms_compute_every_layout() {
        let value = |i: usize, seed: usize| ((i * 2_654_435_761 + seed * 97) % 2000) as f64 / 1000.0 - 1.0;
        for (m, k, n) in [(2, 64, 64), (37, 70, 65), (5, 3, 130)] {
            let a: Vec<f64> = (0..m * k).map(|i| value(i, 1)).collect();
            let b: Vec<f64> = (0..k * n).map(|i| value(i, 2)).collect();
            let start: Vec<f64> = (0..m * n).map(|i| value(i, 3)).collect();
            let transpose = |x: &[f64], rows: usize, columns: usize| -> Vec<f64> {
                (0..columns).flat_map(|c| (0..rows).map(move |r| x[r * columns + c])).collect()
            };
            let (at, bt) = (transpose(&a, m, k), transpose(&b, k, n));
            for faer in [false, true] {
                for (lhs_transposed, rhs_transposed) in
                    [(false, false), (true, false), (false, true), (true, true)]
                {
                    for add in [false, true] {
                        let lhs = if lhs_transposed { &at } else { &a };
                        let rhs = if rhs_transposed { &bt } else { &b };
                        let mut out = start.clone();
                        let shape = (m, k, n);
                        Product { out: &mut out, add, lhs, lhs_transposed, rhs, rhs_transposed, shape }
                            .run_by(faer);
                        let expected: Vec<f64> = (0..m * n)
                            .map(|i| {
                                let (r, c) = (i / n, i % n);
                                let sum: f64 = (0..k).map(|j| a[r * k + j] * b[j * n + c]).sum();
                                if add { start[i] + sum } else { sum }
                            })
                            .collect();
                        assert_close(&out, &expected, 1e-12, 1e-12);
                    }
                }
            }
        }
    }

    fn agree(rows: usize, inputs: usize, units: usize) {
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
