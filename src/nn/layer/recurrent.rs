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
//!
//! The gates are computed a row at a time in loops over the units with nothing else in
//! them, so that they vectorize: in `f32` the activations are [`crate::nn::vmath`]'s
//! branch-free `tanh` and logistic function ([`Real::gate_tanh`], [`Real::gate_sigmoid`]).

use crate::nn::{Real, gemm, kernels};

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
    /// A transposed kernel for the products (the recurrent one during the backward
    /// pass's steps, then the input one).
    pub transposed: Vec<T>,
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
            let recurrent_bias = (self.cell == Cell::Gru).then(|| &bias[g..2 * g]);
            gemm::recurrent_step(previous, recurrent, recurrent_bias, hr, units, g);
            let gates = &mut s.gates[t * rows * g..(t + 1) * rows * g];
            let next = &mut after[..state_len];
            for r in 0..rows {
                let x = &xw[(r * steps + t) * g..(r * steps + t + 1) * g];
                let h = &hr[r * g..(r + 1) * g];
                let a = &mut gates[r * g..(r + 1) * g];
                let row = r * units..(r + 1) * units;
                let h_new = &mut next[row.clone()];
                match self.cell {
                    Cell::Simple => simple_forward(x, h, a, h_new),
                    Cell::Lstm => {
                        let (c_before, c_after) = s.extra.split_at_mut((t + 1) * state_len);
                        let c_prev = &c_before[t * state_len..][row.clone()];
                        let cell_tanh = &mut s.cell_tanh[t * state_len..][row.clone()];
                        lstm_forward(x, h, a, c_prev, &mut c_after[row], cell_tanh, h_new);
                    }
                    Cell::Gru => {
                        let rh = &mut s.extra[t * state_len..][row.clone()];
                        gru_forward(x, h, a, &previous[row], rh, h_new);
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
        kernels::transpose(recurrent, &mut s.transposed, units, g);
        for t in (0..steps).rev() {
            let gates = &s.gates[t * rows * g..(t + 1) * rows * g];
            let recurrent_delta = &mut s.recurrent_delta[t * rows * g..(t + 1) * rows * g];
            if self.sequences {
                for r in 0..rows {
                    let upstream = &delta[(r * steps + t) * units..(r * steps + t + 1) * units];
                    for (c, &d) in carry[r * units..(r + 1) * units].iter_mut().zip(upstream) {
                        *c += d;
                    }
                }
            }
            for r in 0..rows {
                let a = &gates[r * g..(r + 1) * g];
                let dxw = &mut s.xw[(r * steps + t) * g..(r * steps + t + 1) * g];
                let dr = &mut recurrent_delta[r * g..(r + 1) * g];
                let row = r * units..(r + 1) * units;
                // In: the state's gradient; out: its direct part one step back.
                let d = &mut carry[row.clone()];
                match self.cell {
                    Cell::Simple => simple_backward(a, d, dxw, dr),
                    Cell::Lstm => {
                        let c_prev = &s.extra[t * state_len..][row.clone()];
                        let cell_tanh = &s.cell_tanh[t * state_len..][row.clone()];
                        lstm_backward(a, c_prev, cell_tanh, d, &mut s.carry_cell[row], dxw, dr);
                    }
                    Cell::Gru => {
                        let h_prev = &s.states[t * state_len..][row.clone()];
                        let rh = &s.extra[t * state_len..][row];
                        gru_backward(a, h_prev, rh, d, dxw, dr);
                    }
                }
            }
            // The state gradient one step back: (direct part) + dR_t R^T.
            let back = &mut s.step[..state_len];
            gemm::recurrent_step_gradient(recurrent_delta, &s.transposed, back, units, g);
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

/// SimpleRNN's step for one row: `h = tanh(x W + h R + b)`, kept as the gate too.
#[inline(always)]
fn simple_forward<T: Real>(x: &[T], h: &[T], a: &mut [T], h_new: &mut [T]) {
    for (((a, h_new), &x), &h) in a.iter_mut().zip(h_new.iter_mut()).zip(x).zip(h) {
        let v = (x + h).gate_tanh();
        *a = v;
        *h_new = v;
    }
}

/// The LSTM's step for one row, `x` and `h` holding the input and recurrent parts of
/// the four gates' pre-activations (i, f, c, o), each `units` long.
#[inline(always)]
fn lstm_forward<T: Real>(
    x: &[T],
    h: &[T],
    a: &mut [T],
    c_prev: &[T],
    c_new: &mut [T],
    cell_tanh: &mut [T],
    h_new: &mut [T],
) {
    let units = h_new.len();
    for k in [0, 1, 3] {
        let gate = k * units..(k + 1) * units;
        for ((a, &x), &h) in a[gate.clone()].iter_mut().zip(&x[gate.clone()]).zip(&h[gate]) {
            *a = (x + h).gate_sigmoid();
        }
    }
    let gate = 2 * units..3 * units;
    for ((a, &x), &h) in a[gate.clone()].iter_mut().zip(&x[gate.clone()]).zip(&h[gate]) {
        *a = (x + h).gate_tanh();
    }
    let (i, rest) = a.split_at(units);
    let (f, rest) = rest.split_at(units);
    let (c, o) = rest.split_at(units);
    let (i, f, c, o, c_prev) = (&i[..units], &f[..units], &c[..units], &o[..units], &c_prev[..units]);
    let (c_new, cell_tanh) = (&mut c_new[..units], &mut cell_tanh[..units]);
    for j in 0..units {
        let cell = f[j] * c_prev[j] + i[j] * c[j];
        c_new[j] = cell;
        let tc = cell.gate_tanh();
        cell_tanh[j] = tc;
        h_new[j] = o[j] * tc;
    }
}

/// The GRU's step for one row (`reset_after=True`): z, r, then the candidate from the
/// reset recurrent part, which is kept in `rh` for the backward pass.
#[inline(always)]
fn gru_forward<T: Real>(x: &[T], h: &[T], a: &mut [T], h_prev: &[T], rh: &mut [T], h_new: &mut [T]) {
    let units = h_new.len();
    for ((a, &x), &h) in a[..2 * units].iter_mut().zip(&x[..2 * units]).zip(&h[..2 * units]) {
        *a = (x + h).gate_sigmoid();
    }
    rh.copy_from_slice(&h[2 * units..3 * units]);
    let (z, rest) = a.split_at_mut(units);
    let (reset, hh) = rest.split_at_mut(units);
    let (z, reset, hh, h_prev, rh) =
        (&z[..units], &reset[..units], &mut hh[..units], &h_prev[..units], &rh[..units]);
    let xh = &x[2 * units..3 * units];
    for j in 0..units {
        let candidate = (xh[j] + reset[j] * rh[j]).gate_tanh();
        hh[j] = candidate;
        h_new[j] = z[j] * h_prev[j] + (T::one() - z[j]) * candidate;
    }
}

/// SimpleRNN's gradients for one row: `d` is the state's gradient in, 0 out (its only
/// path back is through `R`).
#[inline(always)]
fn simple_backward<T: Real>(a: &[T], d: &mut [T], dxw: &mut [T], dr: &mut [T]) {
    for (((&v, d), dxw), dr) in a.iter().zip(d.iter_mut()).zip(dxw.iter_mut()).zip(dr.iter_mut()) {
        let dz = *d * (T::one() - v * v);
        *dxw = dz;
        *dr = dz;
        *d = T::zero();
    }
}

/// The LSTM's gradients for one row: `d` is the state's gradient in, 0 out; `carry_cell`
/// the cell's gradient, carried back one step.
#[inline(always)]
fn lstm_backward<T: Real>(
    a: &[T],
    c_prev: &[T],
    cell_tanh: &[T],
    d: &mut [T],
    carry_cell: &mut [T],
    dxw: &mut [T],
    dr: &mut [T],
) {
    let units = d.len();
    let (c_prev, cell_tanh, carry_cell) = (&c_prev[..units], &cell_tanh[..units], &mut carry_cell[..units]);
    let gate = |k: usize| k * units..(k + 1) * units;
    let (i, f, c, o) = (&a[gate(0)], &a[gate(1)], &a[gate(2)], &a[gate(3)]);
    let (dxi, rest) = dxw[..4 * units].split_at_mut(units);
    let (dxf, rest) = rest.split_at_mut(units);
    let (dxc, dxo) = rest.split_at_mut(units);
    for j in 0..units {
        let (i, f, c, o) = (i[j], f[j], c[j], o[j]);
        let tc = cell_tanh[j];
        let d_o = d[j] * tc;
        let dc = carry_cell[j] + d[j] * o * (T::one() - tc * tc);
        let (di, df, dcc) = (dc * c, dc * c_prev[j], dc * i);
        carry_cell[j] = dc * f;
        dxi[j] = di * i * (T::one() - i);
        dxf[j] = df * f * (T::one() - f);
        dxc[j] = dcc * (T::one() - c * c);
        dxo[j] = d_o * o * (T::one() - o);
        d[j] = T::zero();
    }
    dr[..4 * units].copy_from_slice(&dxw[..4 * units]);
}

/// The GRU's gradients for one row: `d` is the state's gradient in, its direct part
/// (through `h_t = z h_{t-1} + ...`) out.
#[inline(always)]
fn gru_backward<T: Real>(a: &[T], h_prev: &[T], rh: &[T], d: &mut [T], dxw: &mut [T], dr: &mut [T]) {
    let units = d.len();
    let (h_prev, rh) = (&h_prev[..units], &rh[..units]);
    let (a, dxw, dr) = (&a[..3 * units], &mut dxw[..3 * units], &mut dr[..3 * units]);
    for j in 0..units {
        let (z, reset, hh) = (a[j], a[units + j], a[2 * units + j]);
        let dhh = d[j] * (T::one() - z);
        let da = dhh * (T::one() - hh * hh);
        let dz = d[j] * (h_prev[j] - hh) * z * (T::one() - z);
        let dreset = da * rh[j] * reset * (T::one() - reset);
        dxw[j] = dz;
        dxw[units + j] = dreset;
        dxw[2 * units + j] = da;
        dr[j] = dz;
        dr[units + j] = dreset;
        dr[2 * units + j] = da * reset;
        d[j] *= z;
    }
}

#[cfg(test)]
mod tests {
    use crate::nn::Real;

    /// The `f64` gates (the gradient checks') are the exact formulas; `f32`'s are
    /// `vmath`'s, tested there.
    #[test]
    fn f64_gates_are_accurate_for_small_inputs_too() {
        let mut worst = 0.0f64;
        let mut x = -20.0f64;
        while x <= 20.0 {
            for value in [x, x * 1e-3, x * 1e-6, x * 1e-30] {
                let exact = value.tanh();
                let ulps =
                    (value.gate_tanh() - exact).abs() / (exact.abs().max(f64::MIN_POSITIVE) * f64::EPSILON);
                worst = worst.max(ulps);
                let logistic = 1.0 / (1.0 + (-value).exp());
                assert!((value.gate_sigmoid() - logistic).abs() <= 2.0 * f64::EPSILON * logistic);
            }
            x += 0.001;
        }
        assert!(worst <= 4.0, "worst error {worst} ulps");
        assert_eq!(0.0f64.gate_tanh(), 0.0);
        assert_eq!(100.0f64.gate_tanh(), 1.0);
        assert_eq!((-100.0f64).gate_tanh(), -1.0);
    }
}
