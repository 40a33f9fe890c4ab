//! Pooling: the maximum or the mean of each window (stride = window, `valid`, as
//! Keras's defaults), and the mean over every position. Global max pooling is max
//! pooling with one window the size of the input.

use super::Grid;
use crate::nn::Real;

/// A pooling window's geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool {
    /// The input grid.
    pub input: Grid,
    /// Window height and width (and stride).
    pub pool: [usize; 2],
    /// The output grid.
    pub output: Grid,
}

impl Pool {
    /// The geometry, or why the window does not fit.
    pub fn new(input: Grid, pool: [usize; 2]) -> Result<Pool, String> {
        if pool[0] > input.height || pool[1] > input.width {
            let size = |p: [usize; 2]| {
                if input.width == 1 && p[1] == 1 { format!("{}", p[0]) } else { format!("{}x{}", p[0], p[1]) }
            };
            return Err(format!(
                "the {} pool is larger than the {} input",
                size(pool),
                size([input.height, input.width])
            ));
        }
        let output =
            Grid { height: input.height / pool[0], width: input.width / pool[1], channels: input.channels };
        Ok(Pool { input, pool, output })
    }

    /// The maximum of each window; `argmax` records which input it came from, as its
    /// offset from the window's first value (the first in row-major order on ties, as
    /// TensorFlow's kernel routes the gradient; a NaN first stays). Channels are the
    /// inner loop: contiguous, so that it vectorizes.
    ///
    /// Windows of 2, 4 or 9 values (2x2, 3x3, 2x1, ...) take [`Pool::max_fixed`], which
    /// writes each output once; others update a running maximum in place, which LLVM
    /// compiles to masked stores (`vmaskmovps`), many times slower than plain ones on
    /// AMD CPUs.
    #[inline(always)]
    pub fn forward<T: Real>(&self, input: &[T], rows: usize, output: &mut [T], argmax: &mut [u32]) {
        match self.pool[0] * self.pool[1] {
            2 => self.max_fixed::<T, 2>(input, rows, output, argmax),
            4 => self.max_fixed::<T, 4>(input, rows, output, argmax),
            9 => self.max_fixed::<T, 9>(input, rows, output, argmax),
            _ => self.max_running(input, rows, output, argmax),
        }
    }

    /// Each window's offsets from its first value, in row-major order (`N` values).
    #[allow(
        clippy::cast_possible_truncation,
        reason = "offsets within a row: a row has far fewer than 2^32 values"
    )]
    fn offsets<const N: usize>(&self) -> [u32; N] {
        let (width, c) = (self.input.width, self.input.channels);
        std::array::from_fn(|i| ((i / self.pool[1] * width + i % self.pool[1]) * c) as u32)
    }

    /// [`Pool::forward`] for windows of `N` values: per channel, the maximum is kept in
    /// a register over the window (a fixed number of selects) and stored once.
    #[inline(always)]
    fn max_fixed<T: Real, const N: usize>(
        &self,
        input: &[T],
        rows: usize,
        output: &mut [T],
        argmax: &mut [u32],
    ) {
        let (grid, out, c) = (self.input, self.output, self.input.channels);
        let offsets = self.offsets::<N>();
        let span = offsets[N - 1] as usize + c;
        for ((x, out_row), arg_row) in input
            .chunks_exact(grid.size())
            .zip(output.chunks_exact_mut(out.size()))
            .zip(argmax.chunks_exact_mut(out.size()))
            .take(rows)
        {
            let windows = out_row.chunks_exact_mut(c).zip(arg_row.chunks_exact_mut(c));
            for (p, (best, arg)) in windows.enumerate() {
                let window = &x[self.window_start(p / out.width, p % out.width)..][..span];
                let candidates: [&[T]; N] = std::array::from_fn(|i| &window[offsets[i] as usize..][..c]);
                // Blocks of 8 channels in registers (a loop over all `c` would be
                // vectorized 32 at a time, and a small layer's 16 channels would all
                // take its scalar remainder), then the rest one by one.
                let mut k = 0;
                while k + 8 <= c {
                    let mut m: [T; 8] = std::array::from_fn(|l| candidates[0][k + l]);
                    let mut at = [0u32; 8];
                    for (candidate, &offset) in candidates.iter().zip(&offsets).skip(1) {
                        let v = &candidate[k..k + 8];
                        for l in 0..8 {
                            let take = v[l] > m[l];
                            m[l] = if take { v[l] } else { m[l] };
                            at[l] = if take { offset } else { at[l] };
                        }
                    }
                    best[k..k + 8].copy_from_slice(&m);
                    arg[k..k + 8].copy_from_slice(&at);
                    k += 8;
                }
                for k in k..c {
                    let (mut m, mut at) = (candidates[0][k], 0);
                    for i in 1..N {
                        let v = candidates[i][k];
                        if v > m {
                            (m, at) = (v, offsets[i]);
                        }
                    }
                    (best[k], arg[k]) = (m, at);
                }
            }
        }
    }

    /// [`Pool::forward`] for any window: as [`Pool::max_fixed`], 8 channels at a time in
    /// registers, with the window's offsets counted as it goes.
    #[allow(
        clippy::cast_possible_truncation,
        reason = "offsets within a row: a row has far fewer than 2^32 values"
    )]
    #[inline(always)]
    fn max_running<T: Real>(&self, input: &[T], rows: usize, output: &mut [T], argmax: &mut [u32]) {
        let (grid, out, c) = (self.input, self.output, self.input.channels);
        let offsets = || {
            (0..self.pool[0]).flat_map(move |dy| (0..self.pool[1]).map(move |dx| (dy * grid.width + dx) * c))
        };
        let span = ((self.pool[0] - 1) * grid.width + self.pool[1]) * c;
        for ((x, out_row), arg_row) in input
            .chunks_exact(grid.size())
            .zip(output.chunks_exact_mut(out.size()))
            .zip(argmax.chunks_exact_mut(out.size()))
            .take(rows)
        {
            let windows = out_row.chunks_exact_mut(c).zip(arg_row.chunks_exact_mut(c));
            for (p, (best, arg)) in windows.enumerate() {
                let window = &x[self.window_start(p / out.width, p % out.width)..][..span];
                let mut k = 0;
                while k + 8 <= c {
                    let mut m: [T; 8] = std::array::from_fn(|l| window[k + l]);
                    let mut at = [0u32; 8];
                    for offset in offsets().skip(1) {
                        let v = &window[offset + k..offset + k + 8];
                        for l in 0..8 {
                            let take = v[l] > m[l];
                            m[l] = if take { v[l] } else { m[l] };
                            at[l] = if take { offset as u32 } else { at[l] };
                        }
                    }
                    best[k..k + 8].copy_from_slice(&m);
                    arg[k..k + 8].copy_from_slice(&at);
                    k += 8;
                }
                for k in k..c {
                    let (mut m, mut at) = (window[k], 0);
                    for offset in offsets().skip(1) {
                        let v = window[offset + k];
                        if v > m {
                            (m, at) = (v, offset as u32);
                        }
                    }
                    (best[k], arg[k]) = (m, at);
                }
            }
        }
    }

    /// Where window `(oy, ox)` starts in a row's input.
    #[inline(always)]
    fn window_start(&self, oy: usize, ox: usize) -> usize {
        ((oy * self.pool[0]) * self.input.width + ox * self.pool[1]) * self.input.channels
    }

    /// Routes each output's gradient to the input its maximum came from.
    #[inline(always)]
    pub fn backward<T: Real>(&self, delta: &[T], rows: usize, argmax: &[u32], input_gradient: &mut [T]) {
        match self.pool[0] * self.pool[1] {
            2 => self.route_fixed::<T, 2>(delta, rows, argmax, input_gradient),
            4 => self.route_fixed::<T, 4>(delta, rows, argmax, input_gradient),
            9 => self.route_fixed::<T, 9>(delta, rows, argmax, input_gradient),
            _ => self.route_any(delta, rows, argmax, input_gradient),
        }
    }

    /// [`Pool::backward`] for windows of `N` values: every input of a window is written
    /// once, the gradient where the maximum was and zero elsewhere (plain stores, in
    /// place of a zero fill and a scatter). Inputs outside every window are zeroed.
    #[inline(always)]
    fn route_fixed<T: Real, const N: usize>(
        &self,
        delta: &[T],
        rows: usize,
        argmax: &[u32],
        input_gradient: &mut [T],
    ) {
        let (grid, out, c) = (self.input, self.output, self.input.channels);
        if !grid.height.is_multiple_of(self.pool[0]) || !grid.width.is_multiple_of(self.pool[1]) {
            input_gradient[..rows * grid.size()].fill(T::zero());
        }
        let offsets = self.offsets::<N>();
        let span = offsets[N - 1] as usize + c;
        for ((g, d), arg) in input_gradient
            .chunks_exact_mut(grid.size())
            .zip(delta.chunks_exact(out.size()))
            .zip(argmax.chunks_exact(out.size()))
            .take(rows)
        {
            for (p, (d, arg)) in d.chunks_exact(c).zip(arg.chunks_exact(c)).enumerate() {
                let window = &mut g[self.window_start(p / out.width, p % out.width)..][..span];
                for &offset in &offsets {
                    let target = &mut window[offset as usize..][..c];
                    // `0 + d` as the scatter's sum gave: -0 becomes +0.
                    for ((t, &dv), &at) in target.iter_mut().zip(d).zip(arg) {
                        *t = if at == offset { T::zero() + dv } else { T::zero() };
                    }
                }
            }
        }
    }

    /// [`Pool::backward`] for any window: a zero fill, then a scatter.
    #[inline(always)]
    fn route_any<T: Real>(&self, delta: &[T], rows: usize, argmax: &[u32], input_gradient: &mut [T]) {
        let (grid, out, c) = (self.input, self.output, self.input.channels);
        input_gradient[..rows * grid.size()].fill(T::zero());
        for ((g, d), arg) in input_gradient
            .chunks_exact_mut(grid.size())
            .zip(delta.chunks_exact(out.size()))
            .zip(argmax.chunks_exact(out.size()))
            .take(rows)
        {
            let mut position = 0;
            for oy in 0..out.height {
                for ox in 0..out.width {
                    let first = self.window_start(oy, ox);
                    for k in 0..c {
                        g[first + arg[position + k] as usize + k] += d[position + k];
                    }
                    position += c;
                }
            }
        }
    }
}

impl Pool {
    /// The mean of each window (Keras's `AveragePooling`, `valid`: every window is
    /// whole, so each divides by its size). Summed window row by window row, as the
    /// channels are contiguous.
    #[inline(always)]
    pub fn average<T: Real>(&self, input: &[T], rows: usize, output: &mut [T]) {
        let (grid, out, c) = (self.input, self.output, self.input.channels);
        let [ph, pw] = self.pool;
        let scale = T::one() / T::of((ph * pw) as f64);
        for (x, out_row) in
            input.chunks_exact(grid.size()).zip(output.chunks_exact_mut(out.size())).take(rows)
        {
            for (p, mean) in out_row.chunks_exact_mut(c).enumerate() {
                let (oy, ox) = (p / out.width, p % out.width);
                mean.fill(T::zero());
                for dy in 0..ph {
                    for dx in 0..pw {
                        let start = ((oy * ph + dy) * grid.width + ox * pw + dx) * c;
                        for (m, &v) in mean.iter_mut().zip(&x[start..start + c]) {
                            *m += v;
                        }
                    }
                }
                mean.iter_mut().for_each(|m| *m *= scale);
            }
        }
    }

    /// Spreads each window's gradient evenly over it; inputs outside every window
    /// (the remainder `valid` drops) get zero.
    #[inline(always)]
    pub fn average_backward<T: Real>(&self, delta: &[T], rows: usize, input_gradient: &mut [T]) {
        let (grid, out, c) = (self.input, self.output, self.input.channels);
        let [ph, pw] = self.pool;
        let scale = T::one() / T::of((ph * pw) as f64);
        input_gradient[..rows * grid.size()].fill(T::zero());
        for (d, g) in
            delta.chunks_exact(out.size()).zip(input_gradient.chunks_exact_mut(grid.size())).take(rows)
        {
            for (p, dp) in d.chunks_exact(c).enumerate() {
                let (oy, ox) = (p / out.width, p % out.width);
                for dy in 0..ph {
                    for dx in 0..pw {
                        let start = ((oy * ph + dy) * grid.width + ox * pw + dx) * c;
                        for (gv, &dv) in g[start..start + c].iter_mut().zip(dp) {
                            *gv = dv * scale;
                        }
                    }
                }
            }
        }
    }
}

/// The mean over positions, per channel.
#[inline(always)]
pub fn global_average<T: Real>(grid: Grid, input: &[T], rows: usize, output: &mut [T]) {
    let scale = T::one() / T::of(grid.positions() as f64);
    for (x, out) in input.chunks_exact(grid.size()).zip(output.chunks_exact_mut(grid.channels)).take(rows) {
        out.fill(T::zero());
        for position in x.chunks_exact(grid.channels) {
            for (o, &v) in out.iter_mut().zip(position) {
                *o += v;
            }
        }
        out.iter_mut().for_each(|o| *o *= scale);
    }
}

/// Spreads each channel's gradient evenly over the positions.
#[inline(always)]
pub fn global_average_backward<T: Real>(grid: Grid, delta: &[T], rows: usize, input_gradient: &mut [T]) {
    let scale = T::one() / T::of(grid.positions() as f64);
    for (d, g) in
        delta.chunks_exact(grid.channels).zip(input_gradient.chunks_exact_mut(grid.size())).take(rows)
    {
        for position in g.chunks_exact_mut(grid.channels) {
            for (value, &dv) in position.iter_mut().zip(d) {
                *value = dv * scale;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_pool_by_hand_with_ties_going_to_the_first() {
        // 4x4, one channel; 2x2 windows. The top-right window is all 5s (a tie).
        #[rustfmt::skip]
        let x = [
            1.0, 2.0, 5.0, 5.0,
            3.0, 0.0, 5.0, 5.0,
            -1.0, -2.0, 7.0, 1.0,
            -3.0, -0.5, 2.0, 8.0,
        ];
        let pool = Pool::new(Grid { height: 4, width: 4, channels: 1 }, [2, 2]).unwrap();
        let (mut out, mut argmax) = (vec![0.0; 4], vec![0; 4]);
        pool.forward(&x, 1, &mut out, &mut argmax);
        assert_eq!(out, vec![3.0, 5.0, -0.5, 8.0]);
        // Offsets from each window's first value (0, 2, 8 and 10).
        assert_eq!(argmax, vec![4, 0, 5, 5]);
        let mut g = vec![9.0; 16];
        pool.backward(&[1.0, 2.0, 3.0, 4.0], 1, &argmax, &mut g);
        let mut expected = vec![0.0; 16];
        (expected[4], expected[2], expected[13], expected[15]) = (1.0, 2.0, 3.0, 4.0);
        assert_eq!(g, expected);
        // An odd size drops the last row and column, as Keras's valid pooling.
        let pool = Pool::new(Grid { height: 5, width: 5, channels: 2 }, [2, 2]).unwrap();
        assert_eq!((pool.output.height, pool.output.width), (2, 2));
    }

    /// Eleven channels and every kind of window (those of 2, 4 and 9 values have their
    /// own code, a 3x2 one the general), on a grid they do not divide, against the plain
    /// definition: the first maximum in row-major order, its gradient routed there, zero
    /// elsewhere (the gradient buffer starts full of another value).
    #[test]
    fn max_pool_matches_the_definition_over_many_channels() {
        let grid = Grid { height: 7, width: 5, channels: 11 };
        for (ph, pw) in [(3, 2), (2, 2), (3, 3), (1, 2), (2, 1), (4, 1), (1, 1)] {
            let pool = Pool::new(grid, [ph, pw]).unwrap();
            // Few distinct values, so that ties are common.
            let x: Vec<f64> = (0..2 * grid.size()).map(|i| ((i * 7919) % 13) as f64).collect();
            let (mut out, mut argmax) = (vec![0.0; 2 * pool.output.size()], vec![0; 2 * pool.output.size()]);
            pool.forward(&x, 2, &mut out, &mut argmax);
            let delta: Vec<f64> = (0..out.len()).map(|i| i as f64 + 1.0).collect();
            let mut g = vec![7.5; x.len()];
            pool.backward(&delta, 2, &argmax, &mut g);
            let mut expected_g = vec![0.0; x.len()];
            for r in 0..2 {
                for oy in 0..pool.output.height {
                    for ox in 0..pool.output.width {
                        for k in 0..grid.channels {
                            let index = |dy: usize, dx: usize| {
                                r * grid.size()
                                    + ((oy * ph + dy) * grid.width + ox * pw + dx) * grid.channels
                                    + k
                            };
                            let mut best = index(0, 0);
                            for dy in 0..ph {
                                for dx in 0..pw {
                                    if x[index(dy, dx)] > x[best] {
                                        best = index(dy, dx);
                                    }
                                }
                            }
                            let o =
                                r * pool.output.size() + (oy * pool.output.width + ox) * grid.channels + k;
                            assert_eq!(out[o], x[best], "{ph}x{pw}");
                            expected_g[best] += delta[o];
                        }
                    }
                }
            }
            assert_eq!(g, expected_g, "{ph}x{pw}");
            // A NaN first in its window stays: the output is NaN, not the rest's maximum.
            let mut nan = vec![1.0; grid.size()];
            nan[0] = f64::NAN;
            pool.forward(&nan, 1, &mut out, &mut argmax);
            assert!(out[0].is_nan(), "{ph}x{pw}");
        }
    }

    #[test]
    fn global_average_by_hand() {
        // 2 positions x 2 channels: means (1 + 3) / 2 and (2 + 6) / 2.
        let grid = Grid { height: 2, width: 1, channels: 2 };
        let mut out = vec![0.0; 2];
        global_average(grid, &[1.0, 2.0, 3.0, 6.0], 1, &mut out);
        assert_eq!(out, vec![2.0, 4.0]);
        let mut g = vec![0.0; 4];
        global_average_backward(grid, &[1.0, -2.0], 1, &mut g);
        assert_eq!(g, vec![0.5, -1.0, 0.5, -1.0]);
    }
}
