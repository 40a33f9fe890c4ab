//! One training step on a batch, compiled for the widest vector instructions the CPU
//! has: pulp picks AVX-512, AVX2 or plain SSE2 at run time, safely. No operation is fused or
//! reordered by this, so every instruction set gives the same bits.

use super::optimizer::AVX2_UPDATE_FROM;
use super::{Loss, Metric, Optimizer, Real, Regularizer, Sequential, Workspace};
use pulp::{Arch, Simd, WithSimd};
use rand::rngs::Xoshiro256PlusPlus;

/// A batch and how to learn from it.
#[derive(Clone, Copy, Debug)]
pub struct Batch<'a, T> {
    /// `rows x input_dim`, row-major.
    pub inputs: &'a [T],
    /// `rows x output_units`, row-major.
    pub targets: &'a [T],
    /// The loss trained on.
    pub loss: Loss,
    /// The metric reported beside it.
    pub metric: Metric,
    /// Kernel penalties.
    pub regularizer: Regularizer,
    /// The step's learning rate.
    pub learning_rate: f64,
    /// Each row's weight in the loss (`--class-weight`; Keras weights the loss, not the
    /// metrics, by `class_weight`); `None`: all 1.
    pub weights: Option<&'a [T]>,
}

/// What a step measured before it updated the weights.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepTotals {
    /// The loss summed over the batch's rows (no penalty), as Keras reports it
    /// ([`Sequential::reported_loss`]).
    pub loss: f64,
    /// The metric summed over the batch's rows.
    pub metric: f64,
    /// Whether the weights were updated (not when the loss was not finite).
    pub stepped: bool,
}

impl<T: Real> Sequential<T> {
    /// Forward pass, loss and metric; then, if the loss is finite, the backward pass and
    /// one optimizer update.
    pub fn train_step(
        &mut self,
        optimizer: &mut Optimizer<T>,
        workspace: &mut Workspace<T>,
        batch: Batch<'_, T>,
        arch: Arch,
    ) -> StepTotals {
        arch.dispatch(Step { model: self, optimizer, workspace, batch })
    }
}

/// The buffers of a training step whose batch may be split into parts
/// ([`Sequential::batch_parts`]): one workspace per part, and the summed gradients.
#[derive(Clone, Debug)]
pub struct StepBuffers<T> {
    parts: Vec<Workspace<T>>,
    gradients: Vec<T>,
}

impl<T: Real> StepBuffers<T> {
    /// Buffers for batches of up to `batch_size` rows; part `k`'s dropout masks come
    /// from `dropout(k)`.
    pub fn new(
        model: &Sequential<T>,
        batch_size: usize,
        mut dropout: impl FnMut(usize) -> Xoshiro256PlusPlus,
    ) -> Self {
        let parts = model.batch_parts(batch_size);
        let capacity = batch_size.div_ceil(parts);
        let parts: Vec<Workspace<T>> = (0..parts)
            .map(|k| {
                let mut workspace = model.workspace(capacity);
                workspace.seed_dropout(dropout(k));
                workspace
            })
            .collect();
        let gradients = if parts.len() > 1 { vec![T::zero(); model.parameters().len()] } else { Vec::new() };
        StepBuffers { parts, gradients }
    }

    /// The outputs of the last step's forward pass on its `rows` rows (the predictions
    /// its metrics measured, before the update), part by part: `f(first row, outputs)`.
    pub fn outputs(&self, model: &Sequential<T>, rows: usize, mut f: impl FnMut(usize, &[T])) {
        let part_rows = rows.div_ceil(self.parts.len());
        for (k, part) in self.parts.iter().enumerate() {
            let start = (k * part_rows).min(rows);
            let n = part_rows.min(rows - start);
            if n > 0 {
                f(start, part.outputs(model, n));
            }
        }
    }

    /// The gradients of the last step, laid out like the parameters.
    pub fn gradients(&self) -> &[T] {
        if self.parts.len() > 1 { &self.gradients } else { self.parts[0].gradients() }
    }
}

impl<T: Real> Sequential<T> {
    /// [`Sequential::train_step`] on a batch split into the buffers' parts: each part's
    /// forward and backward pass (on scoped threads when `threads` > 1), then the
    /// gradients summed in part order, the penalty's gradient added once, and one
    /// optimizer update. One part is exactly [`Sequential::train_step`].
    pub fn train_step_split(
        &mut self,
        optimizer: &mut Optimizer<T>,
        buffers: &mut StepBuffers<T>,
        batch: Batch<'_, T>,
        arch: Arch,
        threads: usize,
    ) -> StepTotals {
        if buffers.parts.len() == 1 {
            return self.train_step(optimizer, &mut buffers.parts[0], batch, arch);
        }
        let units = self.output_units();
        let inputs_per_row = self.input_dim();
        let rows = batch.targets.len() / units;
        let part_rows = rows.div_ceil(buffers.parts.len());
        let scale = T::one() / T::of(rows as f64);
        let model: &Sequential<T> = self;
        let pass = |(k, workspace): (usize, &mut Workspace<T>)| {
            let start = (k * part_rows).min(rows);
            let n = part_rows.min(rows - start);
            if n == 0 {
                workspace.gradients.fill(T::zero());
                return (0.0, 0.0);
            }
            let part = Batch {
                inputs: &batch.inputs[start * inputs_per_row..(start + n) * inputs_per_row],
                targets: &batch.targets[start * units..(start + n) * units],
                weights: batch.weights.map(|w| &w[start..start + n]),
                ..batch
            };
            arch.dispatch(Part { model, workspace, batch: part, scale })
        };
        // The parts run on rayon's pool, whose threads live as long as the program: a
        // thread started for each batch would build the GEMM's per-thread packing
        // buffers again at every step.
        let totals: Vec<(f64, f64)> = if threads > 1 {
            use rayon::prelude::*;
            buffers.parts.par_iter_mut().enumerate().map(pass).collect()
        } else {
            buffers.parts.iter_mut().enumerate().map(pass).collect()
        };
        let loss: f64 = totals.iter().map(|t| t.0).sum();
        let metric: f64 = totals.iter().map(|t| t.1).sum();
        if !loss.is_finite() {
            return StepTotals { loss, metric, stepped: false };
        }
        // The parts' gradients summed in part order, and the update: each value reads
        // only its own position, so chunks on threads give the bits of one loop.
        let StepBuffers { parts, gradients } = buffers;
        let sum = |(chunk, out): (usize, &mut [T])| {
            let start = chunk * SUM_CHUNK;
            arch.dispatch(SumParts { parts, start, out });
        };
        if threads > 1 && gradients.len() >= 2 * SUM_CHUNK {
            use rayon::prelude::*;
            gradients.par_chunks_mut(SUM_CHUNK).enumerate().for_each(sum);
        } else {
            gradients.chunks_mut(SUM_CHUNK).enumerate().for_each(sum);
        }
        self.add_regularization(&batch.regularizer, gradients);
        optimizer.step_dispatched(self.parameters_mut(), gradients, batch.learning_rate, arch, threads);
        StepTotals { loss, metric, stepped: true }
    }
}

/// Gradient values per chunk of the parts' sum on threads (64 KiB of each).
const SUM_CHUNK: usize = 1 << 14;

/// `out` = the parts' gradients from position `start`, summed in part order.
struct SumParts<'a, T> {
    parts: &'a [Workspace<T>],
    start: usize,
    out: &'a mut [T],
}

impl<T: Real> WithSimd for SumParts<'_, T> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        let SumParts { parts, start, out } = self;
        let range = start..start + out.len();
        out.copy_from_slice(&parts[0].gradients()[range.clone()]);
        for part in &parts[1..] {
            for (sum, &g) in out.iter_mut().zip(&part.gradients()[range.clone()]) {
                *sum += g;
            }
        }
    }
}

/// One part of a split batch: forward, loss and metric, backward scaled by the whole
/// batch, without the penalty (added once to the sum).
struct Part<'a, T> {
    model: &'a Sequential<T>,
    workspace: &'a mut Workspace<T>,
    batch: Batch<'a, T>,
    scale: T,
}

impl<T: Real> WithSimd for Part<'_, T> {
    type Output = (f64, f64);

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> (f64, f64) {
        let Part { model, workspace, batch, scale } = self;
        let units = model.output_units();
        let rows = batch.targets.len() / units;
        let out = model.forward_training(batch.inputs, rows, workspace);
        let metric = batch.metric.total(out, batch.targets, units);
        let loss = model.weighted_loss(batch.loss, batch.targets, rows, batch.weights, workspace);
        if loss.is_finite() {
            let none = Regularizer::default();
            let (inputs, targets, weights) = (batch.inputs, batch.targets, batch.weights);
            model.backward_weighted(inputs, targets, rows, scale, weights, batch.loss, &none, workspace);
        }
        (loss, metric)
    }
}

/// The step as a unit pulp compiles once per instruction set (a closure's body would
/// not be inlined into the dispatched code).
struct Step<'a, T> {
    model: &'a mut Sequential<T>,
    optimizer: &'a mut Optimizer<T>,
    workspace: &'a mut Workspace<T>,
    batch: Batch<'a, T>,
}

impl<T: Real> WithSimd for Step<'_, T> {
    type Output = StepTotals;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> StepTotals {
        let Step { model, optimizer, workspace, batch } = self;
        let units = model.output_units();
        let rows = batch.targets.len() / units;
        let out = model.forward_training(batch.inputs, rows, workspace);
        let metric = batch.metric.total(out, batch.targets, units);
        let loss = model.weighted_loss(batch.loss, batch.targets, rows, batch.weights, workspace);
        // As Keras, the moving statistics follow every training batch, even one whose
        // loss is not finite.
        model.update_moving_statistics(workspace);
        if !loss.is_finite() {
            return StepTotals { loss, metric, stepped: false };
        }
        match batch.weights {
            None => {
                model.backward(batch.inputs, batch.targets, rows, batch.loss, &batch.regularizer, workspace);
            }
            Some(weights) => {
                let scale = T::one() / T::of(rows as f64);
                let (inputs, targets, regularizer) = (batch.inputs, batch.targets, &batch.regularizer);
                model.backward_weighted(
                    inputs,
                    targets,
                    rows,
                    scale,
                    Some(weights),
                    batch.loss,
                    regularizer,
                    workspace,
                );
            }
        }
        if model.parameters().len() >= AVX2_UPDATE_FROM {
            // A large update in its own dispatch (see `AVX2_UPDATE_FROM`).
            optimizer.step_dispatched(
                model.parameters_mut(),
                workspace.gradients(),
                batch.learning_rate,
                Arch::new(),
                1,
            );
        } else {
            optimizer.step(model.parameters_mut(), workspace.gradients(), batch.learning_rate);
        }
        StepTotals { loss, metric, stepped: true }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, Initializer, LayerSpec, OptimizerKind, OptimizerSpec};
    use crate::random::{self, Stream};

    /// The dispatched step and the same arithmetic called plainly give the same bits.
    #[test]
    fn dispatched_and_plain_steps_agree_exactly() {
        let specs = [LayerSpec::new(12, Activation::Relu), LayerSpec::new(3, Activation::Softmax)];
        let mut a = Sequential::<f32>::new(5, &specs);
        a.initialize(Initializer::GlorotUniform, &mut random::rng(1, Stream::Fold(0)));
        let mut b = a.clone();
        let spec = OptimizerSpec::new(OptimizerKind::Adam);
        let (mut oa, mut ob) =
            (Optimizer::new(spec, a.parameters().len()), Optimizer::new(spec, b.parameters().len()));
        let (mut wa, mut wb) = (a.workspace(10), b.workspace(10));
        let inputs: Vec<f32> = (0..50).map(|i| (i as f32 * 0.37).sin()).collect();
        let mut targets = vec![0.0f32; 30];
        for row in 0..10 {
            targets[row * 3 + row % 3] = 1.0;
        }
        let regularizer = Regularizer { l1: 0.001, l2: 0.01 };
        for _ in 0..20 {
            let batch = Batch {
                inputs: &inputs,
                targets: &targets,
                loss: Loss::CategoricalCrossentropy,
                metric: Metric::Accuracy,
                regularizer,
                learning_rate: 0.01,
                weights: None,
            };
            let totals = a.train_step(&mut oa, &mut wa, batch, Arch::new());
            assert!(totals.stepped);
            b.forward(&inputs, 10, &mut wb);
            b.backward(&inputs, &targets, 10, Loss::CategoricalCrossentropy, &regularizer, &mut wb);
            ob.step(b.parameters_mut(), wb.gradients(), 0.01);
        }
        assert_eq!(a.parameters(), b.parameters());
    }
}
