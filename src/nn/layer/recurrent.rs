//! Recurrent layers: SimpleRNN, LSTM and GRU as Keras 3 defines them
//! (keras/src/layers/rnn/simple_rnn.py, lstm.py, gru.py): activation tanh, recurrent
//! activation sigmoid, gates in Keras's order (LSTM i, f, c, o; GRU z, r, h) and GRU with
//! `reset_after=True` (a second bias on the recurrent side, the reset gate applied
//! after the recurrent product).
//!
//! The input's product with the kernel is one GEMM over every step of every row; the
//! recurrence is one product per step for the whole batch (`h_{t-1} R`), and the
//! gradients are full backpropagation through time, the recurrent kernel's as one GEMM
//! over all steps. States are kept time-major (`[step][row][unit]`) so that each step's
//! batch is one contiguous matrix; the layer's input and output are row-major
//! (`[row][step][feature]`) as the rest of the stack.

use crate::nn::activation::sigmoid;
use crate::nn::{Real, gemm};

/// `tanh(x)` as `m / (m + 2)` with `m = e^2x - 1` computed by `expm1`: one exponential
/// (the C library's `expm1f` is far cheaper than its `tanhf`, and the recurrence's cost is
/// mostly these calls), within a few ulps of `tanh` everywhere: near zero too, where
/// `1 - 2 / (e^2x + 1)` loses every digit to cancellation (2e-2 relative below 1e-3).
#[inline(always)]
fn tanh<T: Real>(x: T) -> T {
    let two = T::one() + T::one();
    let m = (x + x).exp_m1();
    if m.is_infinite() { T::one() } else { m / (m + two) }
}

/// Which cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    /// `h = tanh(x W + h R + b)`.
    Simple,
    /// Keras's LSTM (input, forget, cell, output gates).
    Lstm,
    /// Keras 3's GRU with `reset_after=True` (update, reset, candidate).
    Gru,
}

impl Cell {
    /// Gates: the kernel's width is `gates * units`.
    pub fn gates(self) -> usize {
        match self {
            Cell::Simple => 1,
            Cell::Lstm => 4,
            Cell::Gru => 3,
        }
    }

    /// The gates' names, in Keras's order.
    pub fn gate_names(self) -> &'static [&'static str] {
        match self {
            Cell::Simple => &["state"],
            Cell::Lstm => &["input", "forget", "cell", "output"],
            Cell::Gru => &["update", "reset", "candidate"],
        }
    }

    /// Bias values: one per gate and unit, twice for the GRU (input and recurrent).
    pub fn bias_len(self, units: usize) -> usize {
        let width = self.gates() * units;
        if self == Cell::Gru { 2 * width } else { width }
    }
}

/// A recurrent layer's geometry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recurrent {
    /// The cell.
    pub cell: Cell,
    /// Time steps.
    pub steps: usize,
    /// Features per step.
    pub features: usize,
    /// Units.
    pub units: usize,
    /// Whether every step's state is the output (`return_sequences=True`).
    pub sequences: bool,
}

/// The buffers a recurrent layer keeps from its forward pass for the backward one.
#[derive(Clone, Debug, Default)]
pub struct RecurrentScratch<T> {
    /// `x W + b` for every row and step, row-major, then reused for its gradient.
    pub xw: Vec<T>,
    /// The activated gates, time-major `[step][row][gates * units]` (GRU: z, r, hh).
    pub gates: Vec<T>,
    /// States `h_0 .. h_T`, time-major `[step][row][unit]` (`h_0 = 0`).
    pub states: Vec<T>,
    /// LSTM: cells `c_0 .. c_T`, time-major. GRU: `h_{t-1} R_h + b_h`, time-major.
    pub extra: Vec<T>,
    /// The gradients of the recurrent pre-activations, time-major.
    pub recurrent_delta: Vec<T>,
    /// One step's `h R` (`rows x gates * units`), and the next state's gradient.
    pub step: Vec<T>,
    /// The state gradient carried back (`rows x units`).
    pub carry: Vec<T>,
    /// The LSTM's cell gradient carried back.
    pub carry_cell: Vec<T>,
    /// The LSTM's `tanh(c_t)`, time-major, kept for the backward pass.
    pub cell_tanh: Vec<T>,
    /// A transposed kernel for the products.
    pub transposed: Vec<T>,
    /// Zeros, the bias of the recurrent product without one.
    pub zero_bias: Vec<T>,
    /// Where the unused bias gradient of that product goes.
    pub spare_bias: Vec<T>,
}

impl Recurrent {
    fn width(&self) -> usize {
        self.cell.gates() * self.units
    }

    /// Buffers for up to `capacity` rows.
    pub fn scratch<T: Real>(&self, capacity: usize) -> RecurrentScratch<T> {
        let (t, u, g) = (self.steps, self.units, self.width());
        let zeros = |n: usize| vec![T::zero(); n];
        RecurrentScratch {
            xw: zeros(capacity * t * g),
            gates: zeros(t * capacity * g),
            states: zeros((t + 1) * capacity * u),
            extra: zeros(if self.cell == Cell::Simple { 0 } else { (t + 1) * capacity * u }),
            recurrent_delta: zeros(t * capacity * g),
            step: zeros(capacity * g),
            carry: zeros(capacity * u),
            carry_cell: zeros(capacity * u),
            cell_tanh: zeros(if self.cell == Cell::Lstm { t * capacity * u } else { 0 }),
            transposed: zeros(u.max(self.features) * g),
            zero_bias: zeros(g),
            spare_bias: zeros(g),
        }
    }

    /// The forward pass over `rows` sequences.
    ///
    /// # Shapes
    /// `input`: `rows x steps x features`; `kernel`: `features x gates*units`;
    /// `recurrent`: `units x gates*units`; `bias`: [`Cell::bias_len`]; `output`:
    /// `rows x steps x units` with sequences, else `rows x units`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments, reason = "the layer's weights, its buffers and the batch")]
    pub fn forward<T: Real>(
        &self,
        input: &[T],
        rows: usize,
        kernel: &[T],
        recurrent: &[T],
        bias: &[T],
        output: &mut [T],
        s: &mut RecurrentScratch<T>,
    ) {
        let (steps, units, g) = (self.steps, self.units, self.width());
        let xw = &mut s.xw[..rows * steps * g];
        gemm::forward(input, kernel, &bias[..g], xw, self.features, g);
        let state_len = rows * units;
        s.states[..state_len].fill(T::zero());
        if self.cell != Cell::Simple {
            s.extra[..state_len].fill(T::zero());
        }
        for t in 0..steps {
            // h_{t-1} R (+ the GRU's recurrent bias) for the whole batch.
            let (before, after) = s.states.split_at_mut((t + 1) * state_len);
            let previous = &before[t * state_len..];
            let hr = &mut s.step[..rows * g];
            let recurrent_bias = if self.cell == Cell::Gru { &bias[g..2 * g] } else { &s.zero_bias[..] };
            gemm::forward(previous, recurrent, recurrent_bias, hr, units, g);
            let gates = &mut s.gates[t * rows * g..(t + 1) * rows * g];
            let next = &mut after[..state_len];
            for r in 0..rows {
                let x = &xw[(r * steps + t) * g..(r * steps + t + 1) * g];
                let h = &hr[r * g..(r + 1) * g];
                let a = &mut gates[r * g..(r + 1) * g];
                let h_prev = &previous[r * units..(r + 1) * units];
                let h_new = &mut next[r * units..(r + 1) * units];
                match self.cell {
                    Cell::Simple => {
                        for j in 0..units {
                            let v = tanh(x[j] + h[j]);
                            a[j] = v;
                            h_new[j] = v;
                        }
                    }
                    Cell::Lstm => {
                        let (c_before, c_after) = s.extra.split_at_mut((t + 1) * state_len);
                        let c_prev = &c_before[t * state_len + r * units..t * state_len + (r + 1) * units];
                        let c_new = &mut c_after[r * units..(r + 1) * units];
                        for j in 0..units {
                            let i = sigmoid(x[j] + h[j]);
                            let f = sigmoid(x[units + j] + h[units + j]);
                            let c = tanh(x[2 * units + j] + h[2 * units + j]);
                            let o = sigmoid(x[3 * units + j] + h[3 * units + j]);
                            (a[j], a[units + j], a[2 * units + j], a[3 * units + j]) = (i, f, c, o);
                            c_new[j] = f * c_prev[j] + i * c;
                            let tc = tanh(c_new[j]);
                            s.cell_tanh[t * state_len + r * units + j] = tc;
                            h_new[j] = o * tc;
                        }
                    }
                    Cell::Gru => {
                        let rh = &mut s.extra[t * state_len + r * units..t * state_len + (r + 1) * units];
                        for j in 0..units {
                            let z = sigmoid(x[j] + h[j]);
                            let reset = sigmoid(x[units + j] + h[units + j]);
                            rh[j] = h[2 * units + j];
                            let hh = tanh(x[2 * units + j] + reset * h[2 * units + j]);
                            (a[j], a[units + j], a[2 * units + j]) = (z, reset, hh);
                            h_new[j] = z * h_prev[j] + (T::one() - z) * hh;
                        }
                    }
                }
            }
        }
        // The output, row-major.
        if self.sequences {
            for r in 0..rows {
                for t in 0..steps {
                    let state =
                        &s.states[(t + 1) * state_len + r * units..(t + 1) * state_len + (r + 1) * units];
                    output[(r * steps + t) * units..(r * steps + t + 1) * units].copy_from_slice(state);
                }
            }
        } else {
            output[..state_len].copy_from_slice(&s.states[steps * state_len..(steps + 1) * state_len]);
        }
    }

    /// Backpropagation through time after [`Recurrent::forward`] on the same input:
    /// overwrites the kernel, recurrent kernel and bias gradients, and when asked the
    /// input's gradient.
    #[inline(always)]
    #[allow(clippy::too_many_arguments, reason = "the layer's weights, gradients, buffers and the batch")]
    pub fn backward<T: Real>(
        &self,
        input: &[T],
        delta: &[T],
        rows: usize,
        kernel: &[T],
        recurrent: &[T],
        gradients: (&mut [T], &mut [T], &mut [T]),
        input_gradient: Option<&mut [T]>,
        s: &mut RecurrentScratch<T>,
    ) {
        let (kernel_gradient, recurrent_gradient, bias_gradient) = gradients;
        let (steps, units, g) = (self.steps, self.units, self.width());
        let state_len = rows * units;
        let carry = &mut s.carry[..state_len];
        carry.fill(T::zero());
        s.carry_cell[..state_len].fill(T::zero());
        if !self.sequences {
            carry.copy_from_slice(&delta[..state_len]);
        }
        for t in (0..steps).rev() {
            let gates = &s.gates[t * rows * g..(t + 1) * rows * g];
            let recurrent_delta = &mut s.recurrent_delta[t * rows * g..(t + 1) * rows * g];
            for r in 0..rows {
                let a = &gates[r * g..(r + 1) * g];
                let dxw = &mut s.xw[(r * steps + t) * g..(r * steps + t + 1) * g];
                let dr = &mut recurrent_delta[r * g..(r + 1) * g];
                let h_prev = &s.states[t * state_len + r * units..t * state_len + (r + 1) * units];
                for j in 0..units {
                    let mut d = carry[r * units + j];
                    if self.sequences {
                        d += delta[(r * steps + t) * units + j];
                    }
                    match self.cell {
                        Cell::Simple => {
                            let v = a[j];
                            let dz = d * (T::one() - v * v);
                            dxw[j] = dz;
                            dr[j] = dz;
                            carry[r * units + j] = T::zero();
                        }
                        Cell::Lstm => {
                            let (i, f, c, o) = (a[j], a[units + j], a[2 * units + j], a[3 * units + j]);
                            let c_prev = s.extra[t * state_len + r * units + j];
                            let tc = s.cell_tanh[t * state_len + r * units + j];
                            let d_o = d * tc;
                            let dc = s.carry_cell[r * units + j] + d * o * (T::one() - tc * tc);
                            let (di, df, dcc) = (dc * c, dc * c_prev, dc * i);
                            s.carry_cell[r * units + j] = dc * f;
                            let pre = [
                                di * i * (T::one() - i),
                                df * f * (T::one() - f),
                                dcc * (T::one() - c * c),
                                d_o * o * (T::one() - o),
                            ];
                            for (k, &p) in pre.iter().enumerate() {
                                dxw[k * units + j] = p;
                                dr[k * units + j] = p;
                            }
                            carry[r * units + j] = T::zero();
                        }
                        Cell::Gru => {
                            let (z, reset, hh) = (a[j], a[units + j], a[2 * units + j]);
                            let rh = s.extra[t * state_len + r * units + j];
                            let dhh = d * (T::one() - z);
                            let da = dhh * (T::one() - hh * hh);
                            let dz = d * (h_prev[j] - hh) * z * (T::one() - z);
                            let dreset = da * rh * reset * (T::one() - reset);
                            dxw[j] = dz;
                            dxw[units + j] = dreset;
                            dxw[2 * units + j] = da;
                            dr[j] = dz;
                            dr[units + j] = dreset;
                            dr[2 * units + j] = da * reset;
                            // The direct path h_t = z h_{t-1} + ...
                            carry[r * units + j] = d * z;
                        }
                    }
                }
            }
            // The state gradient one step back: (direct part) + dR_t R^T.
            let back = &mut s.step[..state_len];
            gemm::input_gradient(recurrent_delta, recurrent, &mut s.transposed, back, units, g);
            for (c, &b) in carry.iter_mut().zip(back.iter()) {
                *c += b;
            }
        }
        // Every step's recurrent product at once: dR = H_prev^T dZ_h.
        let previous_states = &s.states[..steps * state_len];
        let recurrent_deltas = &s.recurrent_delta[..steps * rows * g];
        let (_, recurrent_bias) = bias_gradient.split_at_mut(g);
        let recurrent_bias = if self.cell == Cell::Gru { recurrent_bias } else { &mut s.spare_bias[..] };
        gemm::parameter_gradients(
            previous_states,
            recurrent_deltas,
            recurrent_gradient,
            recurrent_bias,
            units,
            g,
        );
        let dxw = &s.xw[..rows * steps * g];
        gemm::parameter_gradients(input, dxw, kernel_gradient, &mut bias_gradient[..g], self.features, g);
        if let Some(input_gradient) = input_gradient {
            gemm::input_gradient(dxw, kernel, &mut s.transposed, input_gradient, self.features, g);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tanh;

    #[test]
    fn tanh_is_accurate_to_a_few_ulps_for_small_inputs_too() {
        let mut worst = 0.0f64;
        let mut x = -20.0f32;
        while x <= 20.0 {
            for value in [x, x * 1e-3, x * 1e-6, x * 1e-30] {
                let exact = f64::from(value).tanh();
                let got = f64::from(tanh(value));
                // Relative to the value, in float32 ulps (an ulp is 2^-23 of it).
                let ulps = (got - exact).abs()
                    / (exact.abs().max(f64::from(f32::MIN_POSITIVE)) * f64::from(f32::EPSILON));
                worst = worst.max(ulps);
            }
            x += 0.001;
        }
        assert!(worst <= 4.0, "worst error {worst} ulps");
        assert_eq!(tanh(0.0f32), 0.0);
        assert_eq!(tanh(100.0f32), 1.0);
        assert_eq!(tanh(-100.0f32), -1.0);
    }
}
