//! The three products a Dense layer needs, written for the small matrices of this kind
//! of network (a batch of 10 rows, 8 to a few hundred units).
//!
//! A general matrix multiply spends more on setup than on arithmetic at these sizes, and
//! a plain triple loop keeps reloading its output from memory. These loops work on
//! blocks of 8 (then 4, then 1) output units held in a local array, which the compiler
//! keeps in vector registers for the whole reduction.

use super::Real;

/// `output[r, :] = bias + input[r, :] . kernel` for every row.
///
/// # Shapes
/// `input`: `rows x inputs`; `kernel`: `inputs x units`; `bias`: `units`;
/// `output`: `rows x units`.
#[inline(always)]
pub fn dense_forward<T: Real>(
    input: &[T],
    kernel: &[T],
    bias: &[T],
    output: &mut [T],
    inputs: usize,
    units: usize,
) {
    if units == 1 {
        // One output unit (binary and regression heads): a dot product per row, with
        // the lanes running along the inputs instead.
        for (x, out) in input.chunks_exact(inputs).zip(output.iter_mut()) {
            *out = bias[0] + dot(x, &kernel[..inputs]);
        }
        return;
    }
    if units.is_multiple_of(16) {
        // Whole blocks of 16 units (a small convolution's filters): four rows at a time.
        wide_product(input, kernel, Some(bias), output, inputs, units);
    } else {
        product(input, kernel, Some(bias), output, inputs, units);
    }
}

/// A dot product with eight running sums, so that it vectorizes.
#[inline(always)]
fn dot<T: Real>(a: &[T], b: &[T]) -> T {
    let mut sums = [T::zero(); 8];
    let (a_blocks, b_blocks) = (a.chunks_exact(8), b.chunks_exact(8));
    let (a_rest, b_rest) = (a_blocks.remainder(), b_blocks.remainder());
    for (x, y) in a_blocks.zip(b_blocks) {
        for lane in 0..8 {
            sums[lane] += x[lane] * y[lane];
        }
    }
    let mut total = ((sums[0] + sums[4]) + (sums[1] + sums[5])) + ((sums[2] + sums[6]) + (sums[3] + sums[7]));
    for (&x, &y) in a_rest.iter().zip(b_rest) {
        total += x * y;
    }
    total
}

/// `output = input . kernel (+ bias)`, two rows at a time, in blocks of output units:
/// each kernel block is loaded once for both rows.
#[inline(always)]
fn product<T: Real>(
    input: &[T],
    kernel: &[T],
    bias: Option<&[T]>,
    output: &mut [T],
    inputs: usize,
    units: usize,
) {
    let kernel = &kernel[..inputs * units];
    let mut pairs_in = input.chunks_exact(2 * inputs);
    let mut pairs_out = output.chunks_exact_mut(2 * units);
    for (x, out) in (&mut pairs_in).zip(&mut pairs_out) {
        let (x0, x1) = x.split_at(inputs);
        let (out0, out1) = out.split_at_mut(units);
        let mut j = 0;
        while j + 8 <= units {
            let (a, b) = pair_block::<T, 8>(x0, x1, kernel, bias, units, j);
            out0[j..j + 8].copy_from_slice(&a);
            out1[j..j + 8].copy_from_slice(&b);
            j += 8;
        }
        if j + 4 <= units {
            let (a, b) = pair_block::<T, 4>(x0, x1, kernel, bias, units, j);
            out0[j..j + 4].copy_from_slice(&a);
            out1[j..j + 4].copy_from_slice(&b);
            j += 4;
        }
        while j < units {
            let (a, b) = pair_block::<T, 1>(x0, x1, kernel, bias, units, j);
            (out0[j], out1[j]) = (a[0], b[0]);
            j += 1;
        }
    }
    let (x, out) = (pairs_in.remainder(), pairs_out.into_remainder());
    if !x.is_empty() {
        let mut j = 0;
        while j + 8 <= units {
            out[j..j + 8].copy_from_slice(&row_block::<T, 8>(x, kernel, bias, units, j));
            j += 8;
        }
        if j + 4 <= units {
            out[j..j + 4].copy_from_slice(&row_block::<T, 4>(x, kernel, bias, units, j));
            j += 4;
        }
        while j < units {
            out[j] = row_block::<T, 1>(x, kernel, bias, units, j)[0];
            j += 1;
        }
    }
}

/// [`product`] four rows at a time (then one), in blocks of up to 16 output units: each
/// kernel block is loaded once for the four rows, and 8 vectors of sums stay in
/// registers. For a recurrent step (16 or 32 rows through 32 x 128), where it beats
/// both the two-row blocks and a GEMM that packs the same recurrent kernel at every
/// step; at the tutorial's sizes it costs more than it saves. Every output is
/// `bias + x_0 w_0 + x_1 w_1 + ...` summed in that order, as in [`product`].
///
/// # Shapes
/// `input`: `rows x inputs`; `kernel`: `inputs x units`; `bias`: `units`;
/// `output`: `rows x units`.
#[inline(always)]
pub fn wide_product<T: Real>(
    input: &[T],
    kernel: &[T],
    bias: Option<&[T]>,
    output: &mut [T],
    inputs: usize,
    units: usize,
) {
    let kernel = &kernel[..inputs * units];
    let mut quads_in = input.chunks_exact(4 * inputs);
    let mut quads_out = output.chunks_exact_mut(4 * units);
    for (x, out) in (&mut quads_in).zip(&mut quads_out) {
        let rows = [&x[..inputs], &x[inputs..2 * inputs], &x[2 * inputs..3 * inputs], &x[3 * inputs..]];
        row_group::<T, 4>(rows, kernel, bias, out, units);
    }
    let rest = quads_in.remainder().chunks_exact(inputs);
    for (x, out) in rest.zip(quads_out.into_remainder().chunks_exact_mut(units)) {
        row_group::<T, 1>([x], kernel, bias, out, units);
    }
}

/// `R` rows' products, block by block of output units.
#[inline(always)]
fn row_group<T: Real, const R: usize>(
    x: [&[T]; R],
    kernel: &[T],
    bias: Option<&[T]>,
    out: &mut [T],
    units: usize,
) {
    let mut store = |j: usize, sums: &[[T; 16]; R], n: usize| {
        for (r, row) in sums.iter().enumerate() {
            out[r * units + j..r * units + j + n].copy_from_slice(&row[..n]);
        }
    };
    let mut j = 0;
    while j + 16 <= units {
        store(j, &block::<T, R, 16>(x, kernel, bias, units, j), 16);
        j += 16;
    }
    if j + 8 <= units {
        store(j, &widen(block::<T, R, 8>(x, kernel, bias, units, j)), 8);
        j += 8;
    }
    if j + 4 <= units {
        store(j, &widen(block::<T, R, 4>(x, kernel, bias, units, j)), 4);
        j += 4;
    }
    while j < units {
        store(j, &widen(block::<T, R, 1>(x, kernel, bias, units, j)), 1);
        j += 1;
    }
}

/// A narrower block's sums in the first lanes of a 16-wide one.
#[inline(always)]
fn widen<T: Real, const R: usize, const N: usize>(sums: [[T; N]; R]) -> [[T; 16]; R] {
    let mut wide = [[T::zero(); 16]; R];
    for (w, s) in wide.iter_mut().zip(&sums) {
        w[..N].copy_from_slice(s);
    }
    wide
}

/// Units `j..j + N` of `R` rows' products.
#[inline(always)]
fn block<T: Real, const R: usize, const N: usize>(
    x: [&[T]; R],
    kernel: &[T],
    bias: Option<&[T]>,
    units: usize,
    j: usize,
) -> [[T; N]; R] {
    let mut acc = [[T::zero(); N]; R];
    if let Some(bias) = bias {
        for sums in &mut acc {
            sums.copy_from_slice(&bias[j..j + N]);
        }
    }
    let inputs = x[0].len();
    let x = x.map(|row| &row[..inputs]);
    for (k, w_row) in kernel.chunks_exact(units).take(inputs).enumerate() {
        let w = &w_row[j..j + N];
        for (sums, row) in acc.iter_mut().zip(&x) {
            let u = row[k];
            for lane in 0..N {
                sums[lane] += u * w[lane];
            }
        }
    }
    acc
}

/// Units `j..j + N` of two rows' products.
#[inline(always)]
fn pair_block<T: Real, const N: usize>(
    x0: &[T],
    x1: &[T],
    kernel: &[T],
    bias: Option<&[T]>,
    units: usize,
    j: usize,
) -> ([T; N], [T; N]) {
    let mut a = [T::zero(); N];
    if let Some(bias) = bias {
        a.copy_from_slice(&bias[j..j + N]);
    }
    let mut b = a;
    for ((&u, &v), w_row) in x0.iter().zip(x1).zip(kernel.chunks_exact(units)) {
        let w = &w_row[j..j + N];
        for lane in 0..N {
            a[lane] += u * w[lane];
            b[lane] += v * w[lane];
        }
    }
    (a, b)
}

/// Units `j..j + N` of one row's product.
#[inline(always)]
fn row_block<T: Real, const N: usize>(
    x: &[T],
    kernel: &[T],
    bias: Option<&[T]>,
    units: usize,
    j: usize,
) -> [T; N] {
    let mut acc = [T::zero(); N];
    if let Some(bias) = bias {
        acc.copy_from_slice(&bias[j..j + N]);
    }
    for (&xk, w_row) in x.iter().zip(kernel.chunks_exact(units)) {
        let w = &w_row[j..j + N];
        for lane in 0..N {
            acc[lane] += xk * w[lane];
        }
    }
    acc
}

/// `kernel_gradient = input^T . delta` and `bias_gradient = sum over rows of delta`,
/// overwriting both.
///
/// # Shapes
/// `input`: `rows x inputs`; `delta`: `rows x units`; `kernel_gradient`:
/// `inputs x units`; `bias_gradient`: `units`.
#[inline(always)]
pub fn dense_parameter_gradients<T: Real>(
    input: &[T],
    delta: &[T],
    kernel_gradient: &mut [T],
    bias_gradient: &mut [T],
    inputs: usize,
    units: usize,
) {
    let rows = delta.len() / units;
    let input = &input[..rows * inputs];
    if units == 1 {
        // One output unit: dW = delta^T . input, a 1 x rows by rows x inputs product
        // whose lanes run along the inputs.
        bias_gradient[0] = delta.iter().fold(T::zero(), |sum, &d| sum + d);
        product(delta, input, None, &mut kernel_gradient[..inputs], rows, inputs);
        return;
    }
    let mut j = 0;
    while j + 16 <= units {
        gradient_block::<T, 16>(input, delta, kernel_gradient, bias_gradient, inputs, units, j);
        j += 16;
    }
    while j + 8 <= units {
        gradient_block::<T, 8>(input, delta, kernel_gradient, bias_gradient, inputs, units, j);
        j += 8;
    }
    if j + 4 <= units {
        gradient_block::<T, 4>(input, delta, kernel_gradient, bias_gradient, inputs, units, j);
        j += 4;
    }
    while j < units {
        gradient_block::<T, 1>(input, delta, kernel_gradient, bias_gradient, inputs, units, j);
        j += 1;
    }
}

/// Columns `j..j + N` of the kernel gradient (four kernel rows at a time, then one,
/// sharing each load of `delta`) and of the bias gradient.
#[inline(always)]
fn gradient_block<T: Real, const N: usize>(
    input: &[T],
    delta: &[T],
    kernel_gradient: &mut [T],
    bias_gradient: &mut [T],
    inputs: usize,
    units: usize,
    j: usize,
) {
    let mut bias = [T::zero(); N];
    for d_row in delta.chunks_exact(units) {
        let d = &d_row[j..j + N];
        for lane in 0..N {
            bias[lane] += d[lane];
        }
    }
    bias_gradient[j..j + N].copy_from_slice(&bias);
    let mut k = 0;
    while k + 4 <= inputs {
        kernel_rows::<T, 4, N>(input, delta, kernel_gradient, inputs, units, j, k);
        k += 4;
    }
    while k < inputs {
        kernel_rows::<T, 1, N>(input, delta, kernel_gradient, inputs, units, j, k);
        k += 1;
    }
}

/// Kernel-gradient rows `k..k + K`, columns `j..j + N`, summed over the batch's rows.
#[inline(always)]
fn kernel_rows<T: Real, const K: usize, const N: usize>(
    input: &[T],
    delta: &[T],
    kernel_gradient: &mut [T],
    inputs: usize,
    units: usize,
    j: usize,
    k: usize,
) {
    let mut acc = [[T::zero(); N]; K];
    for (x_row, d_row) in input.chunks_exact(inputs).zip(delta.chunks_exact(units)) {
        let x = &x_row[k..k + K];
        let d = &d_row[j..j + N];
        for (sums, &value) in acc.iter_mut().zip(x) {
            for lane in 0..N {
                sums[lane] += value * d[lane];
            }
        }
    }
    for (row, sums) in acc.iter().enumerate() {
        kernel_gradient[(k + row) * units + j..][..N].copy_from_slice(sums);
    }
}

/// `input_gradient[r, :] = delta[r, :] . kernel^T`, through a transposed copy of the
/// kernel (`scratch`) so that the product runs in the same blocks as the forward pass.
///
/// # Shapes
/// `delta`: `rows x units`; `kernel`: `inputs x units`; `scratch`: at least
/// `inputs * units`; `input_gradient`: `rows x inputs`.
#[inline(always)]
pub fn dense_input_gradient<T: Real>(
    delta: &[T],
    kernel: &[T],
    scratch: &mut [T],
    input_gradient: &mut [T],
    inputs: usize,
    units: usize,
) {
    if units == 1 {
        // The kernel is a single column: each row's gradient is it, scaled.
        for (&d, g_row) in delta.iter().zip(input_gradient.chunks_exact_mut(inputs)) {
            for (g, &w) in g_row.iter_mut().zip(&kernel[..inputs]) {
                *g = d * w;
            }
        }
        return;
    }
    transpose(kernel, scratch, inputs, units);
    product(delta, &scratch[..inputs * units], None, input_gradient, units, inputs);
}

/// `transposed` (`units x inputs`) = `kernel^T` for an `inputs x units` kernel.
#[inline(always)]
pub fn transpose<T: Real>(kernel: &[T], transposed: &mut [T], inputs: usize, units: usize) {
    let transposed = &mut transposed[..inputs * units];
    for (k, w_row) in kernel.chunks_exact(units).take(inputs).enumerate() {
        for (j, &w) in w_row.iter().enumerate() {
            transposed[j * inputs + k] = w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::testing::assert_close;

    /// Deterministic values in [-1, 1).
    fn values(n: usize, seed: u64) -> Vec<f64> {
        (0..n).map(|i| (((i as u64 + 1) * 2_654_435_761 + seed * 97) % 2000) as f64 / 1000.0 - 1.0).collect()
    }

    /// The four-row product gives the two-row one's bits (the same sums in the same
    /// order), with and without a bias, for sizes that leave every kind of remainder.
    #[test]
    fn wide_product_gives_the_same_bits_as_the_two_row_one() {
        for (rows, inputs, units) in
            [(1, 1, 1), (5, 3, 16), (7, 32, 128), (9, 5, 45), (16, 128, 32), (3, 2, 29)]
        {
            let x = values(rows * inputs, 5);
            let w = values(inputs * units, 6);
            let b = values(units, 7);
            for bias in [None, Some(&b[..])] {
                let (mut wide, mut narrow) = (vec![9.0; rows * units], vec![7.0; rows * units]);
                wide_product(&x, &w, bias, &mut wide, inputs, units);
                product(&x, &w, bias, &mut narrow, inputs, units);
                assert_eq!(wide, narrow, "{rows} x {inputs} x {units}");
            }
        }
    }

    #[test]
    fn blocked_products_match_the_definitions_for_awkward_sizes() {
        // The last three reach the 16-unit paths: the four-row forward kernel (units a
        // multiple of 16, rows leaving a remainder) and 16-unit gradient blocks.
        for (rows, inputs, units) in [
            (1, 1, 1),
            (10, 8, 12),
            (3, 5, 13),
            (7, 17, 4),
            (2, 3, 9),
            (10, 12, 8),
            (9, 9, 16),
            (5, 3, 32),
            (6, 7, 45),
        ] {
            let x = values(rows * inputs, 1);
            let w = values(inputs * units, 2);
            let b = values(units, 3);
            let d = values(rows * units, 4);

            let mut out = vec![0.0; rows * units];
            dense_forward(&x, &w, &b, &mut out, inputs, units);
            let expected: Vec<f64> = (0..rows * units)
                .map(|i| {
                    let (r, j) = (i / units, i % units);
                    b[j] + (0..inputs).map(|k| x[r * inputs + k] * w[k * units + j]).sum::<f64>()
                })
                .collect();
            assert_close(&out, &expected, 1e-12, 1e-12);

            let (mut dw, mut db) = (vec![9.0; inputs * units], vec![9.0; units]);
            dense_parameter_gradients(&x, &d, &mut dw, &mut db, inputs, units);
            let expected_dw: Vec<f64> = (0..inputs * units)
                .map(|i| {
                    let (k, j) = (i / units, i % units);
                    (0..rows).map(|r| x[r * inputs + k] * d[r * units + j]).sum::<f64>()
                })
                .collect();
            let expected_db: Vec<f64> =
                (0..units).map(|j| (0..rows).map(|r| d[r * units + j]).sum()).collect();
            assert_close(&dw, &expected_dw, 1e-12, 1e-12);
            assert_close(&db, &expected_db, 1e-12, 1e-12);

            let mut dx = vec![9.0; rows * inputs];
            let mut scratch = vec![0.0; inputs * units];
            dense_input_gradient(&d, &w, &mut scratch, &mut dx, inputs, units);
            let expected_dx: Vec<f64> = (0..rows * inputs)
                .map(|i| {
                    let (r, k) = (i / inputs, i % inputs);
                    (0..units).map(|j| d[r * units + j] * w[k * units + j]).sum::<f64>()
                })
                .collect();
            assert_close(&dx, &expected_dx, 1e-12, 1e-12);
        }
    }
}
