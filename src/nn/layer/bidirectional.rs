//! Keras's `Bidirectional(layer)` with `merge_mode="concat"`: the recurrent layer run
//! forward over the steps and a second one (its own weights) over the steps reversed;
//! every output is the forward state, then the backward one. With `:seq`, the backward
//! layer's states are put back in time order first, so that step `t` holds the forward
//! state after `x_0..x_t` and the backward one after `x_{T-1}..x_t`, as Keras flips them.
//!
//! Parameters: the forward layer's kernel, then the backward one's, stacked as rows
//! (`2 features x gates*units`); the recurrent kernels likewise (`2 units x
//! gates*units`); the biases one after the other.

use super::recurrent::{Recurrent, RecurrentScratch};
use crate::nn::Real;

/// The buffers both directions keep from the forward pass for the backward one.
#[derive(Clone, Debug, Default)]
pub struct BidirectionalScratch<T> {
    /// The forward layer's.
    pub forward: RecurrentScratch<T>,
    /// The backward layer's.
    pub backward: RecurrentScratch<T>,
    /// The input with its steps reversed.
    flipped: Vec<T>,
    /// Each direction's output (then its gradient).
    forward_out: Vec<T>,
    backward_out: Vec<T>,
    /// The backward layer's input gradient, steps reversed.
    flipped_gradient: Vec<T>,
}

/// Reverses the steps of each row of `rows x steps x width` values.
fn flip<T: Real>(from: &[T], to: &mut [T], steps: usize, width: usize) {
    for (row_in, row_out) in from.chunks_exact(steps * width).zip(to.chunks_exact_mut(steps * width)) {
        for (t, step) in row_in.chunks_exact(width).enumerate() {
            let back = steps - 1 - t;
            row_out[back * width..(back + 1) * width].copy_from_slice(step);
        }
    }
}

/// A bidirectional recurrent layer: `rnn` describes each direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bidirectional {
    /// One direction's geometry.
    pub rnn: Recurrent,
}

impl Bidirectional {
    /// Each direction's parameter counts: kernel, recurrent kernel, bias.
    pub fn halves(&self) -> (usize, usize, usize) {
        let width = self.rnn.cell.gates() * self.rnn.units;
        (self.rnn.features * width, self.rnn.units * width, self.rnn.cell.bias_len(self.rnn.units))
    }

    /// One direction's output per row.
    fn out_len(&self) -> usize {
        if self.rnn.sequences { self.rnn.steps * self.rnn.units } else { self.rnn.units }
    }

    /// Where each output (a step's, or a row's last) sits: its start in the merged
    /// output, and the starts of the forward and the backward layer's own outputs that
    /// fill it (the backward layer's steps are in reverse time order).
    fn places(&self, rows: usize) -> impl Iterator<Item = (usize, usize, usize)> {
        let units = self.rnn.units;
        let steps = if self.rnn.sequences { self.rnn.steps } else { 1 };
        (0..rows).flat_map(move |row| {
            (0..steps).map(move |t| {
                let (here, back) = (row * steps + t, row * steps + steps - 1 - t);
                (here * 2 * units, here * units, back * units)
            })
        })
    }

    /// Buffers for up to `capacity` rows.
    pub fn scratch<T: Real>(&self, capacity: usize) -> BidirectionalScratch<T> {
        let input = capacity * self.rnn.steps * self.rnn.features;
        BidirectionalScratch {
            forward: self.rnn.scratch(capacity),
            backward: self.rnn.scratch(capacity),
            flipped: vec![T::zero(); input],
            forward_out: vec![T::zero(); capacity * self.out_len()],
            backward_out: vec![T::zero(); capacity * self.out_len()],
            flipped_gradient: vec![T::zero(); input],
        }
    }

    /// Both directions, their outputs concatenated per step (or per row).
    ///
    /// # Shapes
    /// `input`: `rows x steps x features`; `output`: `rows x steps x 2 units` with
    /// `:seq`, else `rows x 2 units`.
    #[allow(clippy::too_many_arguments, reason = "a recurrent layer's pass, as Recurrent::forward")]
    pub fn forward<T: Real>(
        &self,
        input: &[T],
        rows: usize,
        kernel: &[T],
        recurrent: &[T],
        bias: &[T],
        output: &mut [T],
        s: &mut BidirectionalScratch<T>,
    ) {
        let (k, r, b) = self.halves();
        let (steps, features, units) = (self.rnn.steps, self.rnn.features, self.rnn.units);
        let out = rows * self.out_len();
        let forward_out = &mut s.forward_out[..out];
        self.rnn.forward(input, rows, &kernel[..k], &recurrent[..r], &bias[..b], forward_out, &mut s.forward);
        let flipped = &mut s.flipped[..rows * steps * features];
        flip(input, flipped, steps, features);
        let backward_out = &mut s.backward_out[..out];
        self.rnn.forward(
            flipped,
            rows,
            &kernel[k..],
            &recurrent[r..],
            &bias[b..],
            backward_out,
            &mut s.backward,
        );
        for (at, ahead, back) in self.places(rows) {
            output[at..at + units].copy_from_slice(&forward_out[ahead..ahead + units]);
            output[at + units..at + 2 * units].copy_from_slice(&backward_out[back..back + units]);
        }
    }

    /// Both directions' gradients (kernel, recurrent kernel and bias, each as forward
    /// half then backward half) and, when asked, the input's: the forward layer's plus
    /// the backward layer's put back in time order.
    #[allow(clippy::too_many_arguments, reason = "a recurrent layer's pass, as Recurrent::backward")]
    pub fn backward<T: Real>(
        &self,
        input: &[T],
        delta: &[T],
        rows: usize,
        kernel: &[T],
        recurrent: &[T],
        gradients: (&mut [T], &mut [T], &mut [T]),
        mut input_gradient: Option<&mut [T]>,
        s: &mut BidirectionalScratch<T>,
    ) {
        let (k, r, b) = self.halves();
        let (steps, features, units) = (self.rnn.steps, self.rnn.features, self.rnn.units);
        let (kernel_gradient, recurrent_gradient, bias_gradient) = gradients;
        let out = rows * self.out_len();
        let (forward_delta, backward_delta) = (&mut s.forward_out[..out], &mut s.backward_out[..out]);
        for (at, ahead, back) in self.places(rows) {
            forward_delta[ahead..ahead + units].copy_from_slice(&delta[at..at + units]);
            backward_delta[back..back + units].copy_from_slice(&delta[at + units..at + 2 * units]);
        }
        let (kf, kb) = kernel_gradient.split_at_mut(k);
        let (rf, rb) = recurrent_gradient.split_at_mut(r);
        let (bf, bb) = bias_gradient.split_at_mut(b);
        let wanted = input_gradient.is_some();
        self.rnn.backward(
            input,
            forward_delta,
            rows,
            &kernel[..k],
            &recurrent[..r],
            (kf, rf, bf),
            input_gradient.as_deref_mut(),
            &mut s.forward,
        );
        let flipped_gradient = &mut s.flipped_gradient[..rows * steps * features];
        self.rnn.backward(
            &s.flipped[..rows * steps * features],
            backward_delta,
            rows,
            &kernel[k..],
            &recurrent[r..],
            (kb, rb, bb),
            wanted.then_some(&mut *flipped_gradient),
            &mut s.backward,
        );
        if let Some(gradient) = input_gradient {
            let width = steps * features;
            for (row, flipped) in
                gradient.chunks_exact_mut(width).zip(flipped_gradient.chunks_exact(width)).take(rows)
            {
                for (t, step) in row.chunks_exact_mut(features).enumerate() {
                    let back = (steps - 1 - t) * features;
                    for (g, &f) in step.iter_mut().zip(&flipped[back..back + features]) {
                        *g += f;
                    }
                }
            }
        }
    }
}
