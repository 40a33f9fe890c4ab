//! Convolution as a product: each output position's receptive field is copied into a
//! row of a patch matrix (im2col, as dfdx and candle do), so that the layer is one
//! `(rows * positions) x patch` by `patch x filters` product through
//! [`crate::nn::gemm`], and its gradients are the Dense layer's three products. The
//! patch order is Keras's kernel layout `(kh, kw, channels_in)`, so the kernel is
//! stored exactly as Keras stores it.

use super::{Grid, Padding};
use crate::nn::Real;

/// A stride-1 convolution's geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv {
    /// The input grid.
    pub input: Grid,
    /// Kernel height and width.
    pub kernel: [usize; 2],
    /// The output grid (channels = filters).
    pub output: Grid,
    /// Zeros before the first row and column (`same` padding).
    pub pad: [usize; 2],
}

impl Conv {
    /// The geometry, or why the kernel does not fit.
    pub fn new(input: Grid, kernel: [usize; 2], filters: usize, padding: Padding) -> Result<Conv, String> {
        let (output, pad) = match padding {
            Padding::Valid => {
                if kernel[0] > input.height || kernel[1] > input.width {
                    let size = |k: [usize; 2]| {
                        if k[1] == 1 && input.width == 1 {
                            format!("{}", k[0])
                        } else {
                            format!("{}x{}", k[0], k[1])
                        }
                    };
                    return Err(format!(
                        "the {} kernel is larger than the {} input",
                        size(kernel),
                        size([input.height, input.width])
                    ));
                }
                let height = input.height - kernel[0] + 1;
                let width = input.width - kernel[1] + 1;
                (Grid { height, width, channels: filters }, [0, 0])
            }
            // TensorFlow's SAME with stride 1: (k - 1) / 2 before, the rest after.
            Padding::Same => (
                Grid { height: input.height, width: input.width, channels: filters },
                [(kernel[0] - 1) / 2, (kernel[1] - 1) / 2],
            ),
        };
        Ok(Conv { input, kernel, output, pad })
    }

    /// Values in one patch: `kh * kw * channels_in`.
    pub fn patch(&self) -> usize {
        self.kernel[0] * self.kernel[1] * self.input.channels
    }

    /// Copies each output position's receptive field of `rows` inputs into `patches`
    /// (`(rows * positions) x patch`), zeros where the field hangs over the padding.
    #[inline(always)]
    pub fn im2col<T: Real>(&self, input: &[T], rows: usize, patches: &mut [T]) {
        match self.kernel[1] * self.input.channels {
            1 => self.im2col_rows::<T, 1>(input, rows, patches),
            2 => self.im2col_rows::<T, 2>(input, rows, patches),
            3 => self.im2col_rows::<T, 3>(input, rows, patches),
            4 => self.im2col_rows::<T, 4>(input, rows, patches),
            5 => self.im2col_rows::<T, 5>(input, rows, patches),
            6 => self.im2col_rows::<T, 6>(input, rows, patches),
            7 => self.im2col_rows::<T, 7>(input, rows, patches),
            8 => self.im2col_rows::<T, 8>(input, rows, patches),
            _ => self.im2col_rows::<T, 0>(input, rows, patches),
        }
    }

    /// [`Conv::im2col`] for kernel rows of `L` values (`kernel width * channels`; 0:
    /// any length). A small kernel's short rows (3 values for a 3x3 kernel on one
    /// channel) are then copied by plain moves, with no call and no dispatch on the
    /// length per row: a `memmove` call for each was 7% of a small CNN's training.
    ///
    /// One output row at a time, one kernel row at a time: a kernel row that falls in
    /// the padding is zeros in every patch of the output row, and the patches whose
    /// kernel row lies wholly inside the input (all but the `same` padding's edges)
    /// take their values from one input row with no padding test per patch.
    #[inline(always)]
    fn im2col_rows<T: Real, const L: usize>(&self, input: &[T], rows: usize, patches: &mut [T]) {
        let (grid, out, c) = (self.input, self.output, self.input.channels);
        let patch = self.patch();
        let row_len = if L > 0 { L } else { self.kernel[1] * c };
        // Output columns whose kernel row is wholly inside: `pad <= ox <= width - kw + pad`.
        let inner_end = (grid.width + self.pad[1] + 1).saturating_sub(self.kernel[1]).min(out.width);
        let inner_start = self.pad[1].min(inner_end);
        let line = out.width * patch;
        for (x, row_patches) in
            input.chunks_exact(grid.size()).zip(patches.chunks_exact_mut(out.positions() * patch)).take(rows)
        {
            for (oy, line_patches) in row_patches.chunks_exact_mut(line).enumerate() {
                for dy in 0..self.kernel[0] {
                    let offset = dy * row_len;
                    let iy = (oy + dy).wrapping_sub(self.pad[0]);
                    // Patches by index, not by `chunks_exact_mut`: making that iterator
                    // here divides, once per kernel row.
                    if iy >= grid.height {
                        for ox in 0..out.width {
                            let at = ox * patch + offset;
                            line_patches[at..at + row_len].fill(T::zero());
                        }
                        continue;
                    }
                    let source = &x[iy * grid.width * c..(iy + 1) * grid.width * c];
                    for (k, ox) in (inner_start..inner_end).enumerate() {
                        let (at, from) = (ox * patch + offset, k * c);
                        line_patches[at..at + row_len].copy_from_slice(&source[from..from + row_len]);
                    }
                    // The edges: cell by cell, zeros where the row hangs over the padding.
                    for ox in (0..inner_start).chain(inner_end..out.width) {
                        let at = ox * patch + offset;
                        for (dx, cell) in line_patches[at..at + row_len].chunks_exact_mut(c).enumerate() {
                            let ix = (ox + dx).wrapping_sub(self.pad[1]);
                            if ix < grid.width {
                                cell.copy_from_slice(&source[ix * c..ix * c + c]);
                            } else {
                                cell.fill(T::zero());
                            }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of [`Conv::im2col`]: adds each patch gradient back onto the input
    /// positions it was copied from, overwriting `input_gradient`.
    #[inline(always)]
    pub fn col2im<T: Real>(&self, patches: &[T], rows: usize, input_gradient: &mut [T]) {
        let (grid, out, c) = (self.input, self.output, self.input.channels);
        let patch = self.patch();
        input_gradient[..rows * grid.size()].fill(T::zero());
        for (g, row_patches) in input_gradient
            .chunks_exact_mut(grid.size())
            .zip(patches.chunks_exact(out.positions() * patch))
            .take(rows)
        {
            let positions = (0..out.height).flat_map(|oy| (0..out.width).map(move |ox| (oy, ox)));
            for ((oy, ox), source) in positions.zip(row_patches.chunks_exact(patch)) {
                for dy in 0..self.kernel[0] {
                    let iy = (oy + dy).wrapping_sub(self.pad[0]);
                    if iy >= grid.height {
                        continue;
                    }
                    for dx in 0..self.kernel[1] {
                        let ix = (ox + dx).wrapping_sub(self.pad[1]);
                        if ix >= grid.width {
                            continue;
                        }
                        let start = (iy * grid.width + ix) * c;
                        let from = (dy * self.kernel[1] + dx) * c;
                        for (value, &d) in g[start..start + c].iter_mut().zip(&source[from..from + c]) {
                            *value += d;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(h: usize, w: usize, c: usize, k: [usize; 2], padding: Padding) -> Conv {
        Conv::new(Grid { height: h, width: w, channels: c }, k, 1, padding).unwrap()
    }

    #[test]
    fn patches_follow_their_definition_on_every_path() {
        // patches[(r, oy, ox), (dy, dx, ch)] = x[r, oy + dy - pad, ox + dx - pad, ch], or 0
        // outside the grid: kernel rows of 1, 3, 5, 6, 8, 9 and 12 values (the compiled
        // lengths and the general one), kernels wider and taller than the image under
        // `same` padding, edges on both sides.
        let cases = [
            (8, 8, 1, [3, 3], Padding::Valid),
            (6, 5, 1, [3, 3], Padding::Same),
            (5, 7, 2, [4, 3], Padding::Same),
            (4, 4, 3, [3, 3], Padding::Same),
            (3, 2, 1, [5, 5], Padding::Same),
            (2, 9, 4, [1, 2], Padding::Valid),
            (5, 5, 8, [2, 1], Padding::Same),
            (7, 3, 1, [7, 1], Padding::Same),
            (3, 6, 2, [2, 6], Padding::Valid),
        ];
        for (h, w, c, k, padding) in cases {
            let conv = conv(h, w, c, k, padding);
            let (rows, out, patch) = (2, conv.output, conv.patch());
            let x: Vec<f64> = (0..rows * conv.input.size()).map(|i| (i + 1) as f64).collect();
            let mut patches = vec![f64::NAN; rows * out.positions() * patch];
            conv.im2col(&x, rows, &mut patches);
            for r in 0..rows {
                for (oy, ox) in (0..out.height).flat_map(|oy| (0..out.width).map(move |ox| (oy, ox))) {
                    for (dy, dx, ch) in (0..k[0])
                        .flat_map(|dy| (0..k[1]).flat_map(move |dx| (0..c).map(move |ch| (dy, dx, ch))))
                    {
                        let iy = (oy + dy).checked_sub(conv.pad[0]).filter(|&iy| iy < h);
                        let ix = (ox + dx).checked_sub(conv.pad[1]).filter(|&ix| ix < w);
                        let expected = match (iy, ix) {
                            (Some(iy), Some(ix)) => x[r * conv.input.size() + (iy * w + ix) * c + ch],
                            _ => 0.0,
                        };
                        let at =
                            (r * out.positions() + oy * out.width + ox) * patch + (dy * k[1] + dx) * c + ch;
                        assert_eq!(
                            patches[at], expected,
                            "{h}x{w}x{c} {k:?} {padding:?}: row {r} ({oy}, {ox}) tap ({dy}, {dx}, {ch})"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn patches_are_receptive_fields_in_keras_kernel_order() {
        // A 3x3 single-channel image 1..9, a 2x2 kernel, valid: 4 patches.
        let c = conv(3, 3, 1, [2, 2], Padding::Valid);
        let x: Vec<f64> = (1..=9).map(f64::from).collect();
        let mut patches = vec![0.0; 4 * 4];
        c.im2col(&x, 1, &mut patches);
        assert_eq!(patches, vec![1., 2., 4., 5., 2., 3., 5., 6., 4., 5., 7., 8., 5., 6., 8., 9.]);
        // Same padding on a 2x2 image with a 3x3 kernel: one zero before each axis.
        let c = conv(2, 2, 1, [3, 3], Padding::Same);
        let x = [1.0, 2.0, 3.0, 4.0];
        let mut patches = vec![9.0; 4 * 9];
        c.im2col(&x, 1, &mut patches);
        assert_eq!(&patches[..9], &[0., 0., 0., 0., 1., 2., 0., 3., 4.]);
        assert_eq!(&patches[27..], &[1., 2., 0., 3., 4., 0., 0., 0., 0.]);
    }

    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        // <im2col(x), p> = <x, col2im(p)> for any x and p.
        for (k, padding) in [([3, 3], Padding::Same), ([2, 3], Padding::Valid), ([4, 1], Padding::Same)] {
            let c = conv(5, 4, 2, k, padding);
            let rows = 2;
            let n_in = rows * c.input.size();
            let n_out = rows * c.output.positions() * c.patch();
            let x: Vec<f64> = (0..n_in).map(|i| ((i * 7 % 11) as f64) - 5.0).collect();
            let p: Vec<f64> = (0..n_out).map(|i| ((i * 5 % 13) as f64) - 6.0).collect();
            let mut cols = vec![0.0; n_out];
            c.im2col(&x, rows, &mut cols);
            let mut back = vec![7.0; n_in];
            c.col2im(&p, rows, &mut back);
            let left: f64 = cols.iter().zip(&p).map(|(a, b)| a * b).sum();
            let right: f64 = x.iter().zip(&back).map(|(a, b)| a * b).sum();
            assert!((left - right).abs() < 1e-9, "{k:?} {padding:?}: {left} vs {right}");
        }
    }
}
