//! The Sequential model: a stack of layers ([`super::layer`]) over one flat parameter
//! vector.
//!
//! All parameters live in one contiguous `Vec` (each layer's kernel, row-major as Keras
//! stores it, then its bias), so an optimizer step is one loop and the gradients share
//! the same layout. The batch loop allocates nothing: activations, deltas, gradients
//! and each layer's scratch live in a [`Workspace`] sized once per fit.
//!
//! Dense layers run on the hand kernels exactly as before the layer stack existed (the
//! tutorial's bits do not move); larger products go through [`super::gemm`].

use super::layer::bidirectional::BidirectionalScratch;
use super::layer::recurrent::{Cell, RecurrentScratch};
use super::layer::{Layer, Op, Placed, dropout, embedding, norm, pool, shape_dims, shape_text};
use super::{Activation, Initializer, Loss, Real, Regularizer, gemm};
use ndarray::ArrayView2;
use pulp::{Arch, Simd, WithSimd};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One Dense layer as configured: its width and activation (the output layer, and
/// the hidden layers of a plain Dense stack).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerSpec {
    /// Output units.
    pub units: usize,
    /// Activation applied to `x W + b`.
    pub activation: Activation,
}

impl LayerSpec {
    /// A layer of `units` with `activation`.
    pub fn new(units: usize, activation: Activation) -> Self {
        LayerSpec { units, activation }
    }
}

impl fmt::Display for LayerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.units, self.activation)
    }
}

impl From<LayerSpec> for Layer {
    fn from(spec: LayerSpec) -> Layer {
        Layer::dense(spec.units, spec.activation)
    }
}

/// A stack of layers.
#[derive(Clone, Debug, PartialEq)]
pub struct Sequential<T> {
    input_shape: Vec<usize>,
    layers: Vec<Placed>,
    parameters: Vec<T>,
    /// Whether layer `i`'s backward pass computes its input's gradient: only when a
    /// layer below it has weights.
    input_gradients: Vec<bool>,
}

/// One layer's scratch: what its backward pass needs from the forward one.
#[derive(Clone, Debug, Default)]
struct Scratch<T> {
    /// A convolution's patch matrix (im2col), `rows * positions x patch`.
    patches: Vec<T>,
    /// The patch matrix's gradient.
    patch_gradient: Vec<T>,
    /// Max pooling's winners, per output value.
    argmax: Vec<u32>,
    /// Dropout's mask, per value (`0` or `1 / (1 - rate)`).
    mask: Vec<T>,
    /// A recurrent layer's states and gates through time.
    recurrent: RecurrentScratch<T>,
    /// A bidirectional layer's, both directions.
    bidirectional: BidirectionalScratch<T>,
    /// Layer normalization's standardized inputs, per value.
    normalized: Vec<T>,
    /// Layer normalization's `1 / sqrt(var + epsilon)`, per position; batch
    /// normalization's, per channel.
    inverse: Vec<T>,
    /// Batch normalization's batch mean then batch variance, per channel, from the last
    /// training pass (for the moving averages).
    statistics: Vec<T>,
    /// Batch normalization's sums, accumulated in `f64`.
    sums: Vec<f64>,
    /// Whether the last pass normalized with the batch's statistics (training).
    batch: bool,
}

/// Buffers for a forward and backward pass over up to `capacity` rows.
#[derive(Clone, Debug)]
pub struct Workspace<T> {
    capacity: usize,
    activations: Vec<Vec<T>>,
    /// Each layer's pre-activations, kept (sized) only where its activation's backward
    /// pass needs them ([`Activation::needs_inputs`]).
    pre_activations: Vec<Vec<T>>,
    deltas: Vec<Vec<T>>,
    pub(super) gradients: Vec<T>,
    /// A transposed kernel, for the input gradient.
    transposed: Vec<T>,
    /// The output layer's pre-activations, kept when it is sigmoid or softmax: Keras
    /// reports cross-entropy from these logits (see [`Loss::total_from_logits`]).
    logits: Vec<T>,
    scratch: Vec<Scratch<T>>,
    /// Dropout's draws in training ([`Workspace::seed_dropout`]).
    dropout: Xoshiro256PlusPlus,
}

impl<T: Real> Workspace<T> {
    /// The gradients of the last [`Sequential::backward`], laid out like the parameters.
    pub fn gradients(&self) -> &[T] {
        &self.gradients
    }

    /// The most rows a pass may hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The outputs of the last [`Sequential::forward`] over `rows` rows.
    pub fn outputs(&self, model: &Sequential<T>, rows: usize) -> &[T] {
        let last = model.layers.len() - 1;
        &self.activations[last][..rows * model.output_units()]
    }

    /// Where dropout's masks are drawn from in training: one stream per fit, drawn in
    /// batch order, so that a seed gives the same masks whatever the thread count.
    pub fn seed_dropout(&mut self, rng: Xoshiro256PlusPlus) {
        self.dropout = rng;
    }
}

impl<T: Real> Sequential<T> {
    /// A Dense stack on flat rows of `input_dim`, every parameter zero.
    ///
    /// # Panics
    /// If `input_dim` is zero, `layers` is empty or a layer has no units: the caller
    /// validates specifications first.
    #[allow(
        clippy::expect_used,
        reason = "a Dense stack on a flat input always places; the panic is documented"
    )]
    pub fn new(input_dim: usize, layers: &[LayerSpec]) -> Self {
        assert!(input_dim > 0 && !layers.is_empty(), "a model needs inputs and layers");
        assert!(layers.iter().all(|l| l.units > 0), "a layer needs at least one unit");
        let layers: Vec<Layer> = layers.iter().map(|&l| l.into()).collect();
        Self::build(&[input_dim], &layers).expect("a Dense stack fits any flat input")
    }

    /// A stack of any layers on rows of `input_shape` (channels last), every parameter
    /// zero; an error naming the layer and both shapes when one cannot follow the shape
    /// before it.
    pub fn build(input_shape: &[usize], layers: &[Layer]) -> Result<Self, String> {
        if input_shape.is_empty() || input_shape.contains(&0) || layers.is_empty() {
            return Err("a model needs inputs and layers".into());
        }
        let mut placed: Vec<Placed> = Vec::with_capacity(layers.len());
        let (mut shape, mut offset) = (input_shape.to_vec(), 0);
        for (index, &layer) in layers.iter().enumerate() {
            let layer = Placed::new(layer, &shape, offset, index + 1)?;
            offset += layer.parameter_count();
            shape.clone_from(&layer.output);
            placed.push(layer);
        }
        if placed.last().is_some_and(|l| !matches!(l.op, Op::Dense { .. })) {
            return Err("the last layer must be Dense".into());
        }
        // Dense works on the last axis (as Keras's), so it can end on a sequence or an
        // image; a prediction is one flat row.
        if let Some(last) = placed.last().filter(|l| l.output.len() > 1) {
            return Err(format!(
                "layer {} ({}) gives {} per row, where a prediction is one flat row: put flatten, globalavgpool or a recurrent layer without :seq before it",
                placed.len(),
                last.layer,
                shape_text(&last.output)
            ));
        }
        let input_gradients =
            (0..placed.len()).map(|i| placed[..i].iter().any(Placed::has_weights)).collect();
        Ok(Sequential {
            input_shape: input_shape.to_vec(),
            layers: placed,
            parameters: vec![T::zero(); offset],
            input_gradients,
        })
    }

    /// A model with the given parameter values, or `None` if their count does not fit.
    pub fn with_parameters(input_dim: usize, layers: &[LayerSpec], parameters: Vec<T>) -> Option<Self> {
        Self::new(input_dim, layers).set_parameters(parameters)
    }

    /// The model with `parameters` in place of its own, or `None` if the count differs.
    pub fn set_parameters(mut self, parameters: Vec<T>) -> Option<Self> {
        if parameters.len() != self.parameters.len() {
            return None;
        }
        self.parameters = parameters;
        Some(self)
    }

    /// Draws every kernel from `initializer`, layer by layer; biases are set to zero.
    pub fn initialize<R: Rng + ?Sized>(&mut self, initializer: Initializer, rng: &mut R) {
        self.initialize_with(|_| initializer, rng);
    }

    /// Draws each layer's kernel from the initializer `pick` gives for it, layer by
    /// layer; biases are set to zero.
    pub fn initialize_with<R: Rng + ?Sized>(&mut self, pick: impl Fn(&Layer) -> Initializer, rng: &mut R) {
        for layer in self.layers.iter().filter(|l| l.has_weights()) {
            if let Op::LayerNorm(channels) | Op::BatchNorm(channels) = layer.op {
                // Keras's gamma_initializer="ones", beta_initializer="zeros", and for batch
                // normalization moving_mean "zeros", moving_variance "ones".
                self.parameters[layer.kernel_range()].fill(T::one());
                self.parameters[layer.bias_range()].fill(T::zero());
                let state = layer.state_range();
                self.parameters[state.start..state.start + channels.min(state.len())].fill(T::zero());
                self.parameters[state.start + channels.min(state.len())..state.end].fill(T::one());
                continue;
            }
            if let Op::Embedding(_) = layer.op {
                // Keras's embeddings_initializer="uniform" (-0.05..0.05), whatever --init says.
                let (fan_in, fan_out) = layer.fans();
                Initializer::RandomUniform.fill(
                    &mut self.parameters[layer.kernel_range()],
                    fan_in,
                    fan_out,
                    rng,
                );
                continue;
            }
            let (fan_in, fan_out) = layer.fans();
            pick(&layer.layer).fill(&mut self.parameters[layer.kernel_range()], fan_in, fan_out, rng);
            self.parameters[layer.bias_range()].fill(T::zero());
            let (rnn, directions) = match &layer.op {
                Op::Recurrent(rnn) => (rnn, 1),
                Op::Bidirectional(bi) => (&bi.rnn, 2),
                _ => continue,
            };
            // Keras: an orthogonal recurrent kernel, and the LSTM's forget gate bias 1
            // (unit_forget_bias); each direction its own.
            let width = rnn.cell.gates() * rnn.units;
            let (recurrent, bias) = (layer.recurrent_range(), layer.bias_range());
            let (recurrent_half, bias_half) = (recurrent.len() / directions, bias.len() / directions);
            for direction in 0..directions {
                let start = recurrent.start + direction * recurrent_half;
                super::init::orthogonal(
                    &mut self.parameters[start..start + recurrent_half],
                    rnn.units,
                    width,
                    rng,
                );
                if rnn.cell == Cell::Lstm {
                    let start = bias.start + direction * bias_half;
                    self.parameters[start + rnn.units..start + 2 * rnn.units].fill(T::one());
                }
            }
        }
    }

    /// Values in one row of input.
    pub fn input_dim(&self) -> usize {
        self.input_shape.iter().product()
    }

    /// The shape of one row of input (channels last).
    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    /// Output width.
    pub fn output_units(&self) -> usize {
        self.layers.last().map_or(0, Placed::output_size)
    }

    /// The layers, first to last.
    pub fn layers(&self) -> &[Placed] {
        &self.layers
    }

    /// The layer specifications this model was built from.
    pub fn specs(&self) -> Vec<Layer> {
        self.layers.iter().map(|l| l.layer).collect()
    }

    /// Every parameter, layer by layer (kernel, then bias).
    pub fn parameters(&self) -> &[T] {
        &self.parameters
    }

    /// Every parameter, mutable (for the optimizer).
    pub fn parameters_mut(&mut self) -> &mut [T] {
        &mut self.parameters
    }

    /// A layer's kernel as a matrix ([`Placed::kernel_shape`]; `0 x 0` without one).
    #[allow(clippy::expect_used, reason = "the kernel range is its shape's size by construction")]
    pub fn kernel(&self, layer: usize) -> ArrayView2<'_, T> {
        let l = &self.layers[layer];
        ArrayView2::from_shape(l.kernel_shape(), &self.parameters[l.kernel_range()])
            .expect("kernel range matches its shape")
    }

    /// A layer's bias.
    pub fn bias(&self, layer: usize) -> &[T] {
        &self.parameters[self.layers[layer].bias_range()]
    }

    /// Buffers for passes over up to `capacity` rows.
    pub fn workspace(&self, capacity: usize) -> Workspace<T> {
        let per_layer = || self.layers.iter().map(|l| vec![T::zero(); capacity * l.output_size()]).collect();
        let scratch = self
            .layers
            .iter()
            .zip(&self.input_gradients)
            .map(|(l, &input_gradient)| match &l.op {
                Op::Conv(c) => {
                    let patches = capacity * c.output.positions() * c.patch();
                    Scratch {
                        patches: vec![T::zero(); patches],
                        patch_gradient: if input_gradient { vec![T::zero(); patches] } else { Vec::new() },
                        ..Scratch::default()
                    }
                }
                Op::MaxPool(_) => {
                    Scratch { argmax: vec![0; capacity * l.output_size()], ..Scratch::default() }
                }
                Op::Dropout(_) => {
                    Scratch { mask: vec![T::zero(); capacity * l.output_size()], ..Scratch::default() }
                }
                Op::Recurrent(rnn) => Scratch { recurrent: rnn.scratch(capacity), ..Scratch::default() },
                Op::Bidirectional(bi) => {
                    Scratch { bidirectional: bi.scratch(capacity), ..Scratch::default() }
                }
                Op::LayerNorm(channels) => Scratch {
                    normalized: vec![T::zero(); capacity * l.output_size()],
                    inverse: vec![T::zero(); capacity * l.output_size() / channels],
                    ..Scratch::default()
                },
                Op::BatchNorm(channels) => Scratch {
                    normalized: vec![T::zero(); capacity * l.output_size()],
                    inverse: vec![T::zero(); *channels],
                    statistics: vec![T::zero(); 2 * channels],
                    sums: vec![0.0; *channels],
                    ..Scratch::default()
                },
                _ => Scratch::default(),
            })
            .collect();
        Workspace {
            capacity,
            activations: per_layer(),
            pre_activations: self
                .layers
                .iter()
                .map(|l| match l.activation() {
                    Some(a) if a.needs_inputs() => vec![T::zero(); capacity * l.output_size()],
                    _ => Vec::new(),
                })
                .collect(),
            deltas: per_layer(),
            gradients: vec![T::zero(); self.parameters.len()],
            transposed: vec![
                T::zero();
                self.layers.iter().map(|l| l.kernel_range().len()).max().unwrap_or(0)
            ],
            logits: vec![T::zero(); capacity * self.output_units()],
            scratch,
            dropout: Xoshiro256PlusPlus::seed_from_u64(0),
        }
    }

    /// The network's outputs for `rows` inputs, as in evaluation and prediction
    /// (dropout off).
    ///
    /// # Shapes
    /// `inputs`: `rows x input_dim`, row-major; returns `rows x output_units`.
    ///
    /// Compiled, as the training step, for the widest vector instructions the CPU has
    /// (the same bits on every instruction set).
    ///
    /// # Panics
    /// If `rows` exceeds the workspace's capacity or `inputs` is too short.
    pub fn forward<'w>(&self, inputs: &[T], rows: usize, workspace: &'w mut Workspace<T>) -> &'w [T] {
        Arch::new().dispatch(Evaluation { model: self, inputs, rows, workspace: &mut *workspace });
        workspace.outputs(self, rows)
    }

    /// [`Sequential::forward`] as in training: dropout draws its masks from the
    /// workspace's stream.
    #[inline(always)]
    pub fn forward_training<'w>(
        &self,
        inputs: &[T],
        rows: usize,
        workspace: &'w mut Workspace<T>,
    ) -> &'w [T] {
        self.pass(inputs, rows, workspace, true)
    }

    #[inline(always)]
    fn pass<'w>(
        &self,
        inputs: &[T],
        rows: usize,
        workspace: &'w mut Workspace<T>,
        training: bool,
    ) -> &'w [T] {
        assert!(rows <= workspace.capacity, "batch larger than the workspace");
        let last = self.layers.len() - 1;
        for (index, layer) in self.layers.iter().enumerate() {
            let (done, rest) = workspace.activations.split_at_mut(index);
            let input = if index == 0 {
                &inputs[..rows * layer.input_size()]
            } else {
                &done[index - 1][..rows * layer.input_size()]
            };
            let output = &mut rest[0][..rows * layer.output_size()];
            let scratch = &mut workspace.scratch[index];
            let kernel = &self.parameters[layer.kernel_range()];
            let bias = &self.parameters[layer.bias_range()];
            match &layer.op {
                Op::Dense { inputs: n, units } => gemm::forward(input, kernel, bias, output, *n, *units),
                Op::Conv(c) => {
                    let patches = &mut scratch.patches[..rows * c.output.positions() * c.patch()];
                    c.im2col(input, rows, patches);
                    gemm::forward(patches, kernel, bias, output, c.patch(), c.output.channels);
                }
                Op::MaxPool(p) => p.forward(input, rows, output, &mut scratch.argmax),
                Op::AvgPool(p) => p.average(input, rows, output),
                Op::GlobalAvgPool(grid) => pool::global_average(*grid, input, rows, output),
                Op::Dropout(rate) if training && *rate > 0.0 => {
                    dropout::forward(
                        *rate,
                        input,
                        output,
                        &mut scratch.mask[..input.len()],
                        &mut workspace.dropout,
                    );
                }
                Op::Dropout(_) | Op::Copy => output.copy_from_slice(input),
                Op::Rescale { scale, offset } => {
                    let (scale, offset) = (T::of(*scale), T::of(*offset));
                    for (o, &x) in output.iter_mut().zip(input) {
                        *o = x * scale + offset;
                    }
                }
                Op::Recurrent(rnn) => {
                    let recurrent = &self.parameters[layer.recurrent_range()];
                    rnn.forward(input, rows, kernel, recurrent, bias, output, &mut scratch.recurrent);
                }
                Op::Bidirectional(bi) => {
                    let recurrent = &self.parameters[layer.recurrent_range()];
                    bi.forward(input, rows, kernel, recurrent, bias, output, &mut scratch.bidirectional);
                }
                Op::Embedding(dim) => embedding::forward(input, kernel, *dim, output),
                Op::LayerNorm(channels) => {
                    let positions = output.len() / channels;
                    norm::forward(
                        input,
                        kernel,
                        bias,
                        output,
                        &mut scratch.normalized[..output.len()],
                        &mut scratch.inverse[..positions],
                    );
                }
                // In training, the batch's statistics (kept for the moving averages);
                // otherwise the moving ones.
                Op::BatchNorm(channels) => {
                    let Scratch { statistics, sums, normalized, inverse, batch, .. } = scratch;
                    let state = &self.parameters[layer.state_range()];
                    let (mean, variance) = if training {
                        let (mean, variance) = statistics.split_at_mut(*channels);
                        norm::moments(input, mean, variance, sums);
                        (&*mean, &*variance)
                    } else {
                        state.split_at(*channels)
                    };
                    *batch = training;
                    let normalized = &mut normalized[..output.len()];
                    norm::batch_forward(input, (kernel, bias), (mean, variance), output, normalized, inverse);
                }
            }
            if let Some(activation) = layer.activation() {
                if index == last && activation.has_logits() {
                    workspace.logits[..output.len()].copy_from_slice(output);
                }
                if activation.needs_inputs() {
                    workspace.pre_activations[index][..output.len()].copy_from_slice(output);
                }
                activation.forward(output, layer.channels());
            }
        }
        &workspace.activations[last][..rows * self.output_units()]
    }

    /// The loss summed over the rows of the last [`Sequential::forward`], as Keras 3 on
    /// TensorFlow reports it: cross-entropy from the logits (unclipped) when the output
    /// activation is the loss's own (sigmoid for binary, softmax for categorical),
    /// otherwise from the clipped outputs.
    ///
    /// # Shapes
    /// `targets`: `rows x output_units`.
    #[inline(always)]
    pub fn reported_loss(&self, loss: Loss, targets: &[T], rows: usize, workspace: &Workspace<T>) -> f64 {
        let units = self.output_units();
        let activation = self.output_activation();
        let targets = &targets[..rows * units];
        if loss.pairs_with(activation) {
            loss.total_from_logits(&workspace.logits[..rows * units], targets, units)
        } else {
            loss.total(workspace.outputs(self, rows), targets, units)
        }
    }

    /// [`Sequential::reported_loss`] with each row's loss times its weight (Keras's
    /// `sample_weight`; the caller divides by the row count, as Keras's
    /// `sum_over_batch_size` does); no weights: the same as `reported_loss`.
    #[inline(always)]
    pub fn weighted_loss(
        &self,
        loss: Loss,
        targets: &[T],
        rows: usize,
        weights: Option<&[T]>,
        workspace: &Workspace<T>,
    ) -> f64 {
        let Some(weights) = weights else {
            return self.reported_loss(loss, targets, rows, workspace);
        };
        let units = self.output_units();
        let from_logits = loss.pairs_with(self.output_activation());
        let values =
            if from_logits { &workspace.logits[..rows * units] } else { workspace.outputs(self, rows) };
        values
            .chunks_exact(units)
            .zip(targets[..rows * units].chunks_exact(units))
            .zip(weights)
            .map(|((v, y), w)| {
                let row =
                    if from_logits { loss.total_from_logits(v, y, units) } else { loss.total(v, y, units) };
                w.as_f64() * row
            })
            .sum()
    }

    /// The output layer's activation.
    pub fn output_activation(&self) -> Activation {
        self.layers.last().and_then(Placed::activation).unwrap_or(Activation::Linear)
    }

    /// Gradients of `mean over rows of loss + regularization` with respect to every
    /// parameter, after a [`Sequential::forward`] (or [`Sequential::forward_training`])
    /// on the same `inputs`; they are left in the workspace ([`Workspace::gradients`]).
    ///
    /// # Shapes
    /// `inputs`: `rows x input_dim`; `targets`: `rows x output_units`.
    #[inline(always)]
    pub fn backward(
        &self,
        inputs: &[T],
        targets: &[T],
        rows: usize,
        loss: Loss,
        regularizer: &Regularizer,
        workspace: &mut Workspace<T>,
    ) {
        self.backward_scaled(
            inputs,
            targets,
            rows,
            T::one() / T::of(rows as f64),
            loss,
            regularizer,
            workspace,
        );
    }

    /// [`Sequential::backward`] with the loss gradient scaled by `scale` instead of
    /// `1 / rows`: a part of a batch split across threads scales by the whole batch.
    #[allow(clippy::too_many_arguments, reason = "the backward pass's inputs, one scale more")]
    #[inline(always)]
    pub fn backward_scaled(
        &self,
        inputs: &[T],
        targets: &[T],
        rows: usize,
        scale: T,
        loss: Loss,
        regularizer: &Regularizer,
        workspace: &mut Workspace<T>,
    ) {
        self.backward_weighted(inputs, targets, rows, scale, None, loss, regularizer, workspace);
    }

    /// [`Sequential::backward_scaled`] of the loss with each row's term times its weight
    /// (`weights`: one per row; Keras's `sample_weight`, which `class_weight` becomes).
    #[allow(clippy::too_many_arguments, reason = "the backward pass's inputs, a scale and weights more")]
    #[inline(always)]
    pub fn backward_weighted(
        &self,
        inputs: &[T],
        targets: &[T],
        rows: usize,
        scale: T,
        weights: Option<&[T]>,
        loss: Loss,
        regularizer: &Regularizer,
        workspace: &mut Workspace<T>,
    ) {
        let last = self.layers.len() - 1;
        let units = self.output_units();
        loss.output_gradient(
            self.output_activation(),
            &workspace.pre_activations[last],
            &workspace.activations[last][..rows * units],
            &targets[..rows * units],
            &mut workspace.deltas[last][..rows * units],
            units,
            scale,
        );
        if let Some(weights) = weights {
            for (row, &w) in workspace.deltas[last][..rows * units].chunks_exact_mut(units).zip(weights) {
                row.iter_mut().for_each(|d| *d *= w);
            }
        }
        for (index, layer) in self.layers.iter().enumerate().rev() {
            let input = if index == 0 {
                &inputs[..rows * layer.input_size()]
            } else {
                &workspace.activations[index - 1][..rows * layer.input_size()]
            };
            let (below, here) = workspace.deltas.split_at_mut(index);
            let delta = &here[0][..rows * layer.output_size()];
            let scratch = &mut workspace.scratch[index];
            let kernel = &self.parameters[layer.kernel_range()];
            if matches!(layer.op, Op::Recurrent(_) | Op::Bidirectional(_)) {
                let gradients = &mut workspace.gradients[layer.kernel_range().start..layer.bias_range().end];
                let (kernel_gradient, rest) = gradients.split_at_mut(layer.kernel_range().len());
                let (recurrent_gradient, bias_gradient) = rest.split_at_mut(layer.recurrent_range().len());
                let previous = if self.input_gradients[index] {
                    Some(&mut below[index - 1][..rows * layer.input_size()])
                } else {
                    None
                };
                let recurrent = &self.parameters[layer.recurrent_range()];
                let parameter_gradients = (&mut *kernel_gradient, recurrent_gradient, bias_gradient);
                match &layer.op {
                    Op::Bidirectional(bi) => bi.backward(
                        input,
                        delta,
                        rows,
                        kernel,
                        recurrent,
                        parameter_gradients,
                        previous,
                        &mut scratch.bidirectional,
                    ),
                    Op::Recurrent(rnn) => rnn.backward(
                        input,
                        delta,
                        rows,
                        kernel,
                        recurrent,
                        parameter_gradients,
                        previous,
                        &mut scratch.recurrent,
                    ),
                    _ => {}
                }
                regularizer.add_gradient(kernel, kernel_gradient);
                if self.input_gradients[index]
                    && let Some(activation) = self.layers[index - 1].activation()
                {
                    let previous = &mut below[index - 1][..rows * layer.input_size()];
                    let pre = &workspace.pre_activations[index - 1];
                    activation.backward(pre, input, previous, self.layers[index - 1].channels());
                }
                continue;
            }
            // The first layer: the table's gradient only.
            if let Op::Embedding(dim) = &layer.op {
                embedding::backward(input, delta, *dim, &mut workspace.gradients[layer.kernel_range()]);
                continue;
            }
            // Normalization: the scale's and shift's gradients and the input's at once.
            if let Op::LayerNorm(channels) | Op::BatchNorm(channels) = &layer.op {
                let (gamma_gradient, beta_gradient) = workspace.gradients
                    [layer.kernel_range().start..layer.bias_range().end]
                    .split_at_mut(*channels);
                let values = rows * layer.output_size();
                let previous =
                    if self.input_gradients[index] { Some(&mut below[index - 1][..values]) } else { None };
                let normalized = &scratch.normalized[..values];
                if let Op::BatchNorm(_) = layer.op {
                    let (inverse, batch) = (&scratch.inverse, scratch.batch);
                    let gradients = (gamma_gradient, beta_gradient);
                    norm::batch_backward(delta, kernel, (normalized, inverse), batch, gradients, previous);
                } else {
                    let inverse = &scratch.inverse[..values / channels];
                    norm::backward(
                        delta,
                        kernel,
                        normalized,
                        inverse,
                        (gamma_gradient, beta_gradient),
                        previous,
                    );
                }
                if self.input_gradients[index]
                    && let Some(activation) = self.layers[index - 1].activation()
                {
                    let pre = &workspace.pre_activations[index - 1];
                    activation.backward(
                        pre,
                        input,
                        &mut below[index - 1][..values],
                        self.layers[index - 1].channels(),
                    );
                }
                continue;
            }
            if layer.has_weights() {
                let (kernel_gradient, bias_gradient) = workspace.gradients
                    [layer.kernel_range().start..layer.bias_range().end]
                    .split_at_mut(layer.kernel_range().len());
                if let Op::Conv(c) = &layer.op {
                    let patches = &scratch.patches[..rows * c.output.positions() * c.patch()];
                    gemm::parameter_gradients(
                        patches,
                        delta,
                        kernel_gradient,
                        bias_gradient,
                        c.patch(),
                        c.output.channels,
                    );
                } else {
                    let (n, units) = layer.kernel_shape();
                    gemm::parameter_gradients(input, delta, kernel_gradient, bias_gradient, n, units);
                }
                regularizer.add_gradient(kernel, kernel_gradient);
            }
            if !self.input_gradients[index] {
                continue;
            }
            let previous = &mut below[index - 1][..rows * layer.input_size()];
            match &layer.op {
                Op::Dense { inputs: n, units } => {
                    gemm::input_gradient(delta, kernel, &mut workspace.transposed, previous, *n, *units);
                }
                Op::Conv(c) => {
                    let patch_gradient =
                        &mut scratch.patch_gradient[..rows * c.output.positions() * c.patch()];
                    gemm::input_gradient(
                        delta,
                        kernel,
                        &mut workspace.transposed,
                        patch_gradient,
                        c.patch(),
                        c.output.channels,
                    );
                    c.col2im(patch_gradient, rows, previous);
                }
                Op::MaxPool(p) => p.backward(delta, rows, &scratch.argmax, previous),
                Op::AvgPool(p) => p.average_backward(delta, rows, previous),
                Op::GlobalAvgPool(grid) => pool::global_average_backward(*grid, delta, rows, previous),
                Op::Dropout(rate) if *rate > 0.0 => dropout::backward(delta, &scratch.mask, previous),
                Op::Dropout(_) | Op::Copy => previous.copy_from_slice(delta),
                Op::Rescale { scale, .. } => {
                    let scale = T::of(*scale);
                    for (p, &d) in previous.iter_mut().zip(delta) {
                        *p = d * scale;
                    }
                }
                // Their whole backward pass ran above.
                Op::Recurrent(_)
                | Op::Bidirectional(_)
                | Op::LayerNorm(_)
                | Op::BatchNorm(_)
                | Op::Embedding(_) => {}
            }
            let below_layer = &self.layers[index - 1];
            if let Some(activation) = below_layer.activation() {
                let pre = &workspace.pre_activations[index - 1];
                activation.backward(pre, input, previous, below_layer.channels());
            }
        }
    }

    /// Into how many parts a training batch of `batch_size` rows is split, each part's
    /// gradients computed on its own (on its own thread when there is one) and summed
    /// in part order: 2 for batches of 64 rows and more through a layer that goes
    /// through the GEMM, and of 32 rows and more through a recurrent layer (whose steps
    /// are a chain of small products and gates, so that two halves on two cores take
    /// about 0.8 times as long as the whole batch on one), else 1 (and 1 with batch
    /// normalization, whose statistics are the whole batch's). It depends on the model
    /// and the batch only, so that a seed gives the same numbers whatever the thread
    /// count.
    pub fn batch_parts(&self, batch_size: usize) -> usize {
        if self.has_batch_statistics() {
            return 1;
        }
        let big = self.layers.iter().any(|l| {
            let (rows, columns) = l.kernel_shape();
            gemm::uses_gemm(rows, columns)
        });
        let recurrent = self.layers.iter().any(|l| matches!(l.op, Op::Recurrent(_) | Op::Bidirectional(_)));
        if (big && batch_size >= 64) || (recurrent && batch_size >= 32) { 2 } else { 1 }
    }

    /// Whether a layer normalizes with the batch's statistics in training.
    pub fn has_batch_statistics(&self) -> bool {
        self.layers.iter().any(|l| matches!(l.op, Op::BatchNorm(_)))
    }

    /// After a training pass ([`Sequential::forward_training`]) on a whole batch: each
    /// batch normalization's moving mean and variance take a step toward the batch's
    /// (Keras's momentum 0.99). Nothing for other layers.
    pub fn update_moving_statistics(&mut self, workspace: &Workspace<T>) {
        for (layer, scratch) in self.layers.iter().zip(&workspace.scratch) {
            if let Op::BatchNorm(channels) = layer.op
                && scratch.batch
            {
                let (moving_mean, moving_variance) =
                    self.parameters[layer.state_range()].split_at_mut(channels);
                let (mean, variance) = scratch.statistics.split_at(channels);
                norm::update_moving(moving_mean, mean);
                norm::update_moving(moving_variance, variance);
            }
        }
    }

    /// Adds every kernel's regularization gradient to `gradients` (laid out like the
    /// parameters).
    pub fn add_regularization(&self, regularizer: &Regularizer, gradients: &mut [T]) {
        for layer in self.layers.iter().filter(|l| l.is_regularized()) {
            regularizer
                .add_gradient(&self.parameters[layer.kernel_range()], &mut gradients[layer.kernel_range()]);
        }
    }

    /// The regularization term added to the loss: the penalty summed over every kernel.
    pub fn penalty(&self, regularizer: &Regularizer) -> f64 {
        if !regularizer.is_active() {
            return 0.0;
        }
        self.layers
            .iter()
            .filter(|l| l.is_regularized())
            .map(|l| regularizer.penalty(&self.parameters[l.kernel_range()]))
            .sum()
    }

    /// Layer names, output shapes and parameter counts, as Keras's `model.summary()`.
    pub fn summary(&self) -> ModelSummary {
        let mut counts = std::collections::HashMap::new();
        ModelSummary {
            input_dim: self.input_dim(),
            input_shape: self.input_shape.clone(),
            layers: self
                .layers
                .iter()
                .map(|l| {
                    let keras = l.layer.keras_type(l.input.len());
                    let count = counts.entry(keras).or_insert(0usize);
                    let name = keras_name(keras, *count);
                    *count += 1;
                    LayerSummary {
                        units: l.channels(),
                        activation: l.activation(),
                        parameters: l.parameter_count(),
                        non_trainable: l.non_trainable_count(),
                        kind: l.layer.kind().to_string(),
                        name,
                        keras_type: keras.to_string(),
                        spec: l.layer.to_string(),
                        input_shape: l.input.clone(),
                        output_shape: l.output.clone(),
                    }
                })
                .collect(),
        }
    }
}

/// Keras's automatic layer name: the class name in snake case, then `_1`, `_2`, ...
/// (`max_pooling2d`, `conv2d_1`, `global_average_pooling2d`).
fn keras_name(keras_type: &str, count: usize) -> String {
    let mut snake = String::new();
    let chars: Vec<char> = keras_type.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        // A capital starts a word unless it follows a digit-or-capital run (`Conv2D`).
        if c.is_ascii_uppercase() && i > 0 && chars[i - 1].is_ascii_lowercase() {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    if count == 0 { snake } else { format!("{snake}_{count}") }
}

/// One layer's line in the summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerSummary {
    /// The last axis of the output (units, filters, channels).
    pub units: usize,
    /// Activation, for the layers that have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation: Option<Activation>,
    /// Kernel and bias values (and kept values: Keras's count of weights).
    pub parameters: usize,
    /// Of those, the ones not trained by gradients (batch normalization's moving mean
    /// and variance).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub non_trainable: usize,
    /// `dense`, `conv2d`, `maxpool2d`, ... (files before the layer stack: dense).
    #[serde(default = "dense_kind")]
    pub kind: String,
    /// Keras's name (`dense_1`, `conv2d`); empty in files before the layer stack.
    #[serde(default)]
    pub name: String,
    /// Keras's class (`Dense`, `Conv2D`, ...).
    #[serde(default)]
    pub keras_type: String,
    /// The `--layers` spelling.
    #[serde(default)]
    pub spec: String,
    /// Input shape without the batch (empty in files before the layer stack).
    #[serde(default)]
    pub input_shape: Vec<usize>,
    /// Output shape without the batch (empty in files before the layer stack).
    #[serde(default)]
    pub output_shape: Vec<usize>,
}

#[allow(clippy::trivially_copy_pass_by_ref, reason = "serde's skip_serializing_if passes a reference")]
fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn dense_kind() -> String {
    "dense".to_string()
}

impl LayerSummary {
    /// Whether the layer has weights (histograms and a tab stop in the dashboard).
    pub fn has_weights(&self) -> bool {
        self.parameters > 0
    }

    /// The output shape, `[units]` for files before the layer stack.
    pub fn shape(&self) -> Vec<usize> {
        if self.output_shape.is_empty() { vec![self.units] } else { self.output_shape.clone() }
    }

    /// A short name for the kind: `dense`, `conv`, `pool`, `avgpool`, `flat`, `drop`,
    /// `rescale`.
    pub fn short_kind(&self) -> &str {
        match self.kind.as_str() {
            "conv1d" | "conv2d" => "conv",
            "maxpool1d" | "maxpool2d" => "pool",
            "globalavgpool" => "avgpool",
            "flatten" => "flat",
            "dropout" => "drop",
            "rescaling" => "rescale",
            other => other,
        }
    }

    /// `conv 16`, `pool`, `64`: the header's compact form (`None` for the layers it
    /// leaves out: rescaling and flatten, which change no learning).
    pub fn compact(&self) -> Option<String> {
        match self.kind.as_str() {
            "dense" => Some(self.units.to_string()),
            "conv1d" | "conv2d" => Some(format!("conv {}", self.units)),
            "simplernn" | "lstm" | "gru" => {
                let sequences = if self.shape().len() > 1 { " seq" } else { "" };
                Some(format!("{} {}{sequences}", self.kind, self.units))
            }
            "rescaling" | "flatten" => None,
            _ => Some(self.short_kind().to_string()),
        }
    }
}

/// The model's shape, for printing and for the dashboard's header.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    /// Values per input row.
    pub input_dim: usize,
    /// One row's shape (`[input_dim]` for flat rows; empty in files before the layer
    /// stack).
    #[serde(default)]
    pub input_shape: Vec<usize>,
    /// Each layer.
    pub layers: Vec<LayerSummary>,
}

impl ModelSummary {
    /// Total parameter count.
    pub fn total_parameters(&self) -> usize {
        self.layers.iter().map(|l| l.parameters).sum()
    }

    /// `8 -> 12 relu -> 8 relu -> 1 sigmoid` for a Dense stack; with other layers the
    /// compact `8x8x1 -> conv 16 -> pool -> 64 -> 10`.
    pub fn arrows(&self) -> String {
        let mut text = if self.input_shape.len() > 1 {
            shape_dims(&self.input_shape)
        } else {
            self.input_dim.to_string()
        };
        let dense = self.layers.iter().all(|l| l.kind == "dense");
        for l in &self.layers {
            let part = match (dense, l.activation) {
                (true, Some(activation)) => Some(format!("{} {activation}", l.units)),
                _ => l.compact(),
            };
            if let Some(part) = part {
                text.push_str(" -> ");
                text.push_str(&part);
            }
        }
        text
    }

    /// The layer's Keras name (`dense_2`); files before the layer stack numbered
    /// Dense layers only.
    pub fn layer_name(&self, index: usize) -> String {
        match self.layers.get(index) {
            Some(l) if !l.name.is_empty() => l.name.clone(),
            _ => keras_name("Dense", index),
        }
    }
}

impl fmt::Display for ModelSummary {
    /// The table Keras's `model.summary()` prints (its plain-text form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = (0..self.layers.len())
            .map(|i| {
                let l = &self.layers[i];
                let keras = if l.keras_type.is_empty() { "Dense" } else { &l.keras_type };
                match l.activation {
                    Some(a) => format!("{} ({keras}, {a})", self.layer_name(i)),
                    None => format!("{} ({keras})", self.layer_name(i)),
                }
            })
            .collect();
        let shapes: Vec<String> = self.layers.iter().map(|l| shape_text(&l.shape())).collect();
        let name_width = names.iter().map(|n| n.len() + 2).max().unwrap_or(0).max(28);
        let shape_width = shapes.iter().map(|s| s.len() + 2).max().unwrap_or(0).max(26);
        let width = name_width + shape_width + 11;
        let rule = "_".repeat(width);
        let double = "=".repeat(width);
        writeln!(f, "Model: \"sequential\"")?;
        writeln!(f, "{rule}")?;
        writeln!(f, " {:<name_width$}{:<shape_width$}Param #", "Layer (type)", "Output Shape")?;
        writeln!(f, "{double}")?;
        for ((name, shape), layer) in names.iter().zip(&shapes).zip(&self.layers) {
            writeln!(f, " {name:<name_width$}{shape:<shape_width$}{}", layer.parameters)?;
        }
        writeln!(f, "{double}")?;
        writeln!(f, "Total params: {}", self.total_parameters())?;
        let fixed: usize = self.layers.iter().map(|l| l.non_trainable).sum();
        writeln!(f, "Trainable params: {}", self.total_parameters() - fixed)?;
        writeln!(f, "Non-trainable params: {fixed}")?;
        write!(f, "{rule}")
    }
}

/// [`Sequential::forward`] as a unit pulp compiles once per instruction set.
struct Evaluation<'a, T> {
    model: &'a Sequential<T>,
    inputs: &'a [T],
    rows: usize,
    workspace: &'a mut Workspace<T>,
}

impl<T: Real> WithSimd for Evaluation<'_, T> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        self.model.pass(self.inputs, self.rows, self.workspace, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::testing::{assert_close, assert_gradient, numeric_gradient};
    use crate::nn::{Metric, Optimizer, OptimizerKind, OptimizerSpec};
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;

    fn tutorial_model() -> Sequential<f64> {
        Sequential::new(
            8,
            &[
                LayerSpec::new(12, Activation::Relu),
                LayerSpec::new(8, Activation::Relu),
                LayerSpec::new(1, Activation::Sigmoid),
            ],
        )
    }

    #[test]
    fn tutorial_network_has_221_parameters() {
        let model = tutorial_model();
        assert_eq!(model.parameters().len(), 221);
        let summary = model.summary();
        assert_eq!(summary.total_parameters(), 221);
        assert_eq!(summary.arrows(), "8 -> 12 relu -> 8 relu -> 1 sigmoid");
        let text = summary.to_string();
        assert!(text.contains("dense_1 (Dense, relu)       (None, 8)                 104"), "{text}");
        assert!(text.contains("Total params: 221"));
    }

    #[test]
    fn hand_worked_forward_pass() {
        // 2 -> 2 relu -> 1 linear, weights chosen by hand.
        let specs = [LayerSpec::new(2, Activation::Relu), LayerSpec::new(1, Activation::Linear)];
        // kernel0 = [[1, -1], [2, 0.5]], bias0 = [0, 1], kernel1 = [[3], [-2]], bias1 = [0.5]
        let params = vec![1.0, -1.0, 2.0, 0.5, 0.0, 1.0, 3.0, -2.0, 0.5];
        let model = Sequential::with_parameters(2, &specs, params).unwrap();
        let mut ws = model.workspace(2);
        // x = [1, 1]: h = relu([3, 0.5]) = [3, 0.5], y = 9 - 1 + 0.5 = 8.5
        // x = [-1, 0]: h = relu([-1, 2]) = [0, 2], y = -4 + 0.5 = -3.5
        let out = model.forward(&[1.0, 1.0, -1.0, 0.0], 2, &mut ws);
        assert_close(out, &[8.5, -3.5], 1e-15, 0.0);
        assert_eq!(model.kernel(0).shape(), &[2, 2]);
        assert_eq!(model.kernel(0)[[1, 0]], 2.0);
        assert_eq!(model.bias(1), &[0.5]);
    }

    /// Full-model gradient check: every parameter, every output/loss pairing used.
    fn check_model(specs: &[LayerSpec], loss: Loss, targets: &[f64], regularizer: Regularizer) {
        let inputs = [0.5, -1.2, 0.3, 0.9, 0.1, -0.4, -0.7, 0.8, 1.5];
        let rows = 3;
        let mut model = Sequential::<f64>::new(3, specs);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        model.initialize(Initializer::GlorotUniform, &mut rng);
        // Non-zero biases, so relu kinks are unlikely to sit on a probe.
        for layer in model.layers().to_vec() {
            for (i, b) in model.parameters_mut()[layer.bias_range()].iter_mut().enumerate() {
                *b = 0.1 * (i as f64 + 1.0);
            }
        }
        let mut ws = model.workspace(rows);
        model.forward(&inputs, rows, &mut ws);
        model.backward(&inputs, targets, rows, loss, &regularizer, &mut ws);
        let analytic = ws.gradients().to_vec();
        let numeric = numeric_gradient(model.parameters(), 1e-6, |p| {
            let probe = Sequential::with_parameters(3, specs, p.to_vec()).unwrap();
            let mut ws = probe.workspace(rows);
            let out = probe.forward(&inputs, rows, &mut ws).to_vec();
            loss.total(&out, targets, probe.output_units()) / rows as f64 + probe.penalty(&regularizer)
        });
        assert_gradient(&analytic, &numeric, 1e-6);
    }

    /// Row weights (`--class-weight`): the gradient of the weighted mean loss
    /// `sum(w_i l_i) / rows`, and the weighted loss itself row by row.
    #[test]
    fn weighted_gradients_match_central_differences() {
        let specs = [LayerSpec::new(4, Activation::Tanh), LayerSpec::new(3, Activation::Softmax)];
        let inputs = [0.5, -1.2, 0.3, 0.9, 0.1, -0.4, -0.7, 0.8, 1.5];
        let targets = [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
        let weights = [0.5, 2.0, 1.25];
        let (rows, loss) = (3, Loss::CategoricalCrossentropy);
        let mut model = Sequential::<f64>::new(3, &specs);
        model.initialize(Initializer::GlorotUniform, &mut Xoshiro256PlusPlus::seed_from_u64(3));
        let mut ws = model.workspace(rows);
        model.forward(&inputs, rows, &mut ws);
        let scale = 1.0 / rows as f64;
        let none = Regularizer::default();
        model.backward_weighted(&inputs, &targets, rows, scale, Some(&weights), loss, &none, &mut ws);
        let analytic = ws.gradients().to_vec();
        let weighted = |probe: &Sequential<f64>, ws: &Workspace<f64>| {
            probe.weighted_loss(loss, &targets, rows, Some(&weights), ws) / rows as f64
        };
        let numeric = numeric_gradient(model.parameters(), 1e-6, |p| {
            let probe = Sequential::with_parameters(3, &specs, p.to_vec()).unwrap();
            let mut ws = probe.workspace(rows);
            probe.forward(&inputs, rows, &mut ws);
            weighted(&probe, &ws)
        });
        assert_gradient(&analytic, &numeric, 1e-6);
        // The weighted loss is each row's loss times its weight.
        let by_row: f64 = (0..rows)
            .map(|r| {
                let mut one = model.workspace(1);
                model.forward(&inputs[3 * r..3 * r + 3], 1, &mut one);
                weights[r] * model.reported_loss(loss, &targets[3 * r..3 * r + 3], 1, &one)
            })
            .sum();
        assert_close(
            &[model.weighted_loss(loss, &targets, rows, Some(&weights), &ws)],
            &[by_row],
            1e-12,
            1e-14,
        );
        // No weights: exactly the reported loss.
        assert_eq!(
            model.weighted_loss(loss, &targets, rows, None, &ws),
            model.reported_loss(loss, &targets, rows, &ws)
        );
    }

    #[test]
    fn model_gradients_match_central_differences() {
        let hidden = [LayerSpec::new(4, Activation::Tanh), LayerSpec::new(3, Activation::Relu)];
        let with_output = |output: LayerSpec| [hidden[0], hidden[1], output];
        check_model(
            &with_output(LayerSpec::new(1, Activation::Sigmoid)),
            Loss::BinaryCrossentropy,
            &[1.0, 0.0, 1.0],
            Regularizer::default(),
        );
        check_model(
            &with_output(LayerSpec::new(3, Activation::Softmax)),
            Loss::CategoricalCrossentropy,
            &[0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
            Regularizer { l1: 0.0, l2: 0.01 },
        );
        check_model(
            &with_output(LayerSpec::new(2, Activation::Linear)),
            Loss::MeanSquaredError,
            &[0.5, -1.0, 2.0, 0.0, 1.0, 1.0],
            Regularizer { l1: 0.01, l2: 0.02 },
        );
        check_model(
            &[LayerSpec::new(5, Activation::Sigmoid), LayerSpec::new(1, Activation::Tanh)],
            Loss::MeanSquaredError,
            &[0.5, -0.5, 0.2],
            Regularizer::default(),
        );
    }

    /// Gradient check of a stack of any layers on inputs of `shape`: the loss of a
    /// training pass (dropout masks drawn from the same seed for every probe).
    fn check_stack(shape: &[usize], layers: &str, output: LayerSpec, loss: Loss, regularizer: Regularizer) {
        let mut specs: Vec<Layer> =
            layers.split(',').enumerate().map(|(i, t)| Layer::parse(t, i + 1).unwrap()).collect();
        specs.push(output.into());
        let rows = 3;
        let mut model = Sequential::<f64>::build(shape, &specs).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        model.initialize(Initializer::GlorotUniform, &mut rng);
        for layer in model.layers().to_vec() {
            for (i, b) in model.parameters_mut()[layer.bias_range()].iter_mut().enumerate() {
                *b = 0.05 * (i as f64 + 1.0);
            }
        }
        // An embedding reads codes: 0..vocab, some repeated within a row.
        let inputs: Vec<f64> = match specs[0] {
            Layer::Embedding { vocab, .. } => {
                (0..rows * model.input_dim()).map(|i| (i * 7 % vocab) as f64).collect()
            }
            _ => (0..rows * model.input_dim()).map(|i| ((i * 37 % 101) as f64 / 50.0 - 1.0) * 1.3).collect(),
        };
        let units = model.output_units();
        let targets: Vec<f64> = (0..rows * units)
            .map(|i| match loss {
                Loss::MeanSquaredError => (i as f64 * 0.7).sin(),
                _ => f64::from(u8::from(i % units == (i / units) % units)),
            })
            .collect();
        let seeded = |model: &Sequential<f64>| {
            let mut ws = model.workspace(rows);
            ws.seed_dropout(Xoshiro256PlusPlus::seed_from_u64(5));
            ws
        };
        let mut ws = seeded(&model);
        model.forward_training(&inputs, rows, &mut ws);
        model.backward(&inputs, &targets, rows, loss, &regularizer, &mut ws);
        let analytic = ws.gradients().to_vec();
        let numeric = numeric_gradient(model.parameters(), 1e-6, |p| {
            let probe = model.clone().set_parameters(p.to_vec()).unwrap();
            let mut ws = seeded(&probe);
            let out = probe.forward_training(&inputs, rows, &mut ws).to_vec();
            loss.total(&out, &targets, units) / rows as f64 + probe.penalty(&regularizer)
        });
        assert_gradient(&analytic, &numeric, 1e-5);
    }

    #[test]
    fn stacks_of_every_layer_kind_match_central_differences() {
        let softmax = LayerSpec::new(3, Activation::Softmax);
        let categorical = Loss::CategoricalCrossentropy;
        let none = Regularizer::default();
        check_stack(&[5, 5, 2], "conv2d:3:3x3:tanh,flatten,4:tanh", softmax, categorical, none);
        check_stack(
            &[4, 5, 1],
            "conv2d:2:3x2:tanh:same,conv2d:2:2x2:sigmoid,flatten",
            softmax,
            categorical,
            none,
        );
        check_stack(
            &[6, 6],
            "rescaling:0.5:0.1,conv2d:3:3x3:tanh,maxpool2d:2x2,flatten,dropout:0.3,5:tanh",
            LayerSpec::new(1, Activation::Sigmoid),
            Loss::BinaryCrossentropy,
            Regularizer { l1: 0.01, l2: 0.02 },
        );
        check_stack(
            &[7, 2],
            "conv1d:3:3:tanh:same,maxpool1d:2,conv1d:2:2:tanh,globalavgpool",
            LayerSpec::new(2, Activation::Linear),
            Loss::MeanSquaredError,
            none,
        );
        check_stack(&[5, 4, 3], "globalavgpool,4:tanh", softmax, categorical, none);
        // Average and global max pooling, Dense on the last axis of an image and of a
        // sequence, and the activations that keep their pre-activations.
        check_stack(
            &[5, 6, 2],
            "conv2d:3:2x2:gelu,avgpool2d:2x2,3:silu,globalmaxpool,4:mish",
            softmax,
            categorical,
            none,
        );
        check_stack(
            &[7, 3],
            "conv1d:4:2:silu,avgpool1d:3,dense:3:gelu,flatten",
            LayerSpec::new(2, Activation::Gelu),
            Loss::MeanSquaredError,
            Regularizer { l1: 0.0, l2: 0.01 },
        );
        check_stack(&[12], "dropout:0.5,6:tanh,dropout:0.2", softmax, categorical, none);
        // Layer normalization on flat rows and on an image's channels, with a penalty
        // (which leaves its scale alone).
        check_stack(
            &[4, 4, 2],
            "conv2d:3:2x2:tanh,layernorm,flatten,5:tanh,layernorm",
            softmax,
            categorical,
            Regularizer { l1: 0.01, l2: 0.02 },
        );
        // Batch normalization through the batch's statistics: over an image's positions,
        // over flat rows, first in the stack, and over a sequence's steps.
        check_stack(
            &[4, 4, 2],
            "conv2d:3:2x2:tanh,batchnorm,flatten,5:tanh,batchnorm",
            softmax,
            categorical,
            Regularizer { l1: 0.01, l2: 0.02 },
        );
        check_stack(
            &[3],
            "batchnorm,4:tanh",
            LayerSpec::new(1, Activation::Sigmoid),
            Loss::BinaryCrossentropy,
            none,
        );
        check_stack(
            &[4, 3],
            "batchnorm,gru:3:seq,batchnorm,lstm:2",
            LayerSpec::new(2, Activation::Linear),
            Loss::MeanSquaredError,
            none,
        );
        // A layer without weights first: no input gradient is computed below it.
        check_stack(
            &[3, 3, 1],
            "maxpool2d:2x2,flatten",
            LayerSpec::new(1, Activation::Sigmoid),
            Loss::BinaryCrossentropy,
            none,
        );
    }

    #[test]
    fn layer_normalization_starts_as_keras_and_is_not_penalized() {
        let specs: Vec<Layer> = ["3:tanh", "layernorm"].iter().map(|t| Layer::parse(t, 1).unwrap()).collect();
        let mut specs = specs;
        specs.push(Layer::dense(1, Activation::Sigmoid));
        let mut model = Sequential::<f64>::build(&[2], &specs).unwrap();
        model.initialize(Initializer::GlorotUniform, &mut Xoshiro256PlusPlus::seed_from_u64(3));
        let norm = &model.layers()[1];
        assert_eq!((norm.parameter_count(), norm.output.clone()), (6, vec![3]));
        assert!(model.parameters()[norm.kernel_range()].iter().all(|&g| g == 1.0));
        assert!(model.parameters()[norm.bias_range()].iter().all(|&b| b == 0.0));
        let l2 = Regularizer { l1: 0.0, l2: 0.5 };
        let kernels: f64 = [0, 2]
            .iter()
            .map(|&i| {
                model.parameters()[model.layers()[i].kernel_range()].iter().map(|w| 0.5 * w * w).sum::<f64>()
            })
            .sum();
        assert!((model.penalty(&l2) - kernels).abs() < 1e-15);
        let mut gradients = vec![0.0; model.parameters().len()];
        model.add_regularization(&l2, &mut gradients);
        assert!(gradients[norm.kernel_range()].iter().all(|&g| g == 0.0));
    }

    /// Keras's counts and starting values; the batch's statistics in training, which
    /// move the moving ones by 1% each batch; the moving ones otherwise; no penalty; a
    /// batch never split.
    #[test]
    fn batch_normalization_keeps_moving_statistics_as_keras() {
        let specs = [Layer::parse("batchnorm", 1).unwrap(), Layer::dense(1, Activation::Linear)];
        let mut model = Sequential::<f64>::build(&[2], &specs).unwrap();
        model.initialize(Initializer::GlorotUniform, &mut Xoshiro256PlusPlus::seed_from_u64(3));
        let norm = model.layers()[0].clone();
        assert_eq!((norm.parameter_count(), norm.non_trainable_count()), (8, 4));
        assert_eq!(model.parameters()[norm.state_range()], [0.0, 0.0, 1.0, 1.0]);
        assert!(
            model
                .summary()
                .to_string()
                .contains("Total params: 11\nTrainable params: 7\nNon-trainable params: 4")
        );
        assert_eq!(model.penalty(&Regularizer { l1: 1.0, l2: 1.0 }), {
            let w = &model.parameters()[model.layers()[1].kernel_range()];
            w.iter().map(|w| w.abs() + w * w).sum::<f64>()
        });
        // Channel 0 holds 1, 2, 3, 6 (mean 3, variance 3.5); channel 1 is constant 4.
        let inputs = [1.0, 4.0, 2.0, 4.0, 3.0, 4.0, 6.0, 4.0];
        let mut ws = model.workspace(4);
        let trained = model.forward_training(&inputs, 4, &mut ws).to_vec();
        model.update_moving_statistics(&ws);
        assert_close(&model.parameters()[norm.state_range()], &[0.03, 0.04, 0.99 + 0.035, 0.99], 1e-15, 0.0);
        // The batch's statistics normalized: with them as the moving ones, inference agrees.
        let kept = norm.state_range();
        model.parameters_mut()[kept].copy_from_slice(&[3.0, 4.0, 3.5, 0.0]);
        let inferred = model.forward(&inputs, 4, &mut ws).to_vec();
        assert_close(&inferred, &trained, 1e-15, 1e-15);
        // Otherwise inference differs from training.
        model.parameters_mut()[norm.state_range()].copy_from_slice(&[0.0, 0.0, 1.0, 1.0]);
        assert!(model.forward(&inputs, 4, &mut ws)[0] != trained[0]);
        let wide = [
            Layer::parse("batchnorm", 1).unwrap(),
            Layer::dense(256, Activation::Relu),
            Layer::dense(1, Activation::Linear),
        ];
        assert_eq!(Sequential::<f32>::build(&[512], &wide).unwrap().batch_parts(128), 1);
        assert_eq!(Sequential::<f32>::build(&[512], &wide[1..]).unwrap().batch_parts(128), 2);
        assert_eq!(Sequential::<f32>::build(&[512], &wide[1..]).unwrap().batch_parts(32), 1);
        let recurrent = [Layer::parse("lstm:4", 1).unwrap(), Layer::dense(1, Activation::Linear)];
        let recurrent = Sequential::<f32>::build(&[10, 1], &recurrent).unwrap();
        assert_eq!((recurrent.batch_parts(32), recurrent.batch_parts(31)), (2, 1));
    }

    #[test]
    fn recurrent_stacks_match_central_differences_through_time() {
        let none = Regularizer::default();
        let linear = LayerSpec::new(2, Activation::Linear);
        check_stack(&[4, 3], "simplernn:3", linear, Loss::MeanSquaredError, none);
        check_stack(
            &[4, 3],
            "lstm:3:seq,lstm:2",
            linear,
            Loss::MeanSquaredError,
            Regularizer { l1: 0.0, l2: 0.01 },
        );
        check_stack(
            &[5, 2],
            "gru:3:seq,dropout:0.2,gru:2",
            LayerSpec::new(3, Activation::Softmax),
            Loss::CategoricalCrossentropy,
            none,
        );
        check_stack(
            &[6, 2],
            "conv1d:2:2:tanh,lstm:2:seq,globalavgpool",
            linear,
            Loss::MeanSquaredError,
            none,
        );
        check_stack(&[3, 2], "simplernn:2:seq,flatten,3:tanh", linear, Loss::MeanSquaredError, none);
        // Dense on every step between recurrent layers (Keras: (None, 4, 3) -> (None, 4, 2)).
        check_stack(&[4, 3], "lstm:3:seq,dense:2:tanh,gru:2", linear, Loss::MeanSquaredError, none);
        // Embeddings (rows of codes; the table is not penalized) read by a recurrent layer
        // and by Dense layers.
        check_stack(
            &[6],
            "embedding:5:3,gru:3",
            linear,
            Loss::MeanSquaredError,
            Regularizer { l1: 0.0, l2: 0.1 },
        );
        check_stack(&[2, 3], "embedding:4:2,flatten,3:tanh", linear, Loss::MeanSquaredError, none);
        // Bidirectional layers: every step (flipped back in time order) and the last
        // states, stacked, after a regular one, and on an embedding.
        check_stack(
            &[4, 3],
            "bilstm:2:seq,bigru:2",
            linear,
            Loss::MeanSquaredError,
            Regularizer { l1: 0.0, l2: 0.01 },
        );
        check_stack(
            &[5, 2],
            "simplernn:3:seq,bisimplernn:2:seq,flatten",
            linear,
            Loss::MeanSquaredError,
            none,
        );
        check_stack(
            &[6],
            "embedding:5:2,bigru:2:seq,dense:2:tanh,flatten",
            linear,
            Loss::MeanSquaredError,
            none,
        );
        // Layer normalization per step, after a recurrent layer and before one.
        check_stack(&[4, 3], "layernorm,gru:3:seq,layernorm,lstm:2", linear, Loss::MeanSquaredError, none);
    }

    /// One step of each cell written from Keras's equations, on plain vectors.
    fn keras_step(
        cell: &str,
        x: &[f64],
        h: &[f64],
        c: &[f64],
        w: &[f64],
        r: &[f64],
        b: &[f64],
    ) -> (Vec<f64>, Vec<f64>) {
        let units = h.len();
        let gates = w.len() / x.len() / units;
        let sig = |v: f64| 1.0 / (1.0 + (-v).exp());
        // x W (+ b) and h R for gate g, unit j.
        let xw = |g: usize, j: usize| {
            (0..x.len()).map(|k| x[k] * w[k * gates * units + g * units + j]).sum::<f64>()
        };
        let hr =
            |g: usize, j: usize| (0..units).map(|k| h[k] * r[k * gates * units + g * units + j]).sum::<f64>();
        let mut h_new = vec![0.0; units];
        let mut c_new = vec![0.0; units];
        for j in 0..units {
            match cell {
                "simplernn" => h_new[j] = (xw(0, j) + hr(0, j) + b[j]).tanh(),
                "lstm" => {
                    let gate = |g: usize| xw(g, j) + hr(g, j) + b[g * units + j];
                    let (i, f, cc, o) = (sig(gate(0)), sig(gate(1)), gate(2).tanh(), sig(gate(3)));
                    c_new[j] = f * c[j] + i * cc;
                    h_new[j] = o * c_new[j].tanh();
                }
                _ => {
                    // reset_after=True: bias[0] on the input side, bias[1] on the recurrent.
                    let (bi, br) = b.split_at(3 * units);
                    let z = sig(xw(0, j) + bi[j] + hr(0, j) + br[j]);
                    let reset = sig(xw(1, j) + bi[units + j] + hr(1, j) + br[units + j]);
                    let hh = (xw(2, j) + bi[2 * units + j] + reset * (hr(2, j) + br[2 * units + j])).tanh();
                    h_new[j] = z * h[j] + (1.0 - z) * hh;
                }
            }
        }
        (h_new, c_new)
    }

    #[test]
    fn hand_worked_steps_follow_the_keras_equations() {
        for cell in ["simplernn", "lstm", "gru"] {
            let layers = [
                Layer::parse(&format!("{cell}:3:seq"), 1).unwrap(),
                Layer::Flatten,
                Layer::dense(1, Activation::Linear),
            ];
            let mut model = Sequential::<f64>::build(&[2, 2], &layers).unwrap();
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
            model.initialize(Initializer::GlorotUniform, &mut rng);
            let rnn = model.layers()[0].clone();
            for (i, b) in model.parameters_mut()[rnn.bias_range()].iter_mut().enumerate() {
                *b = 0.1 * (i as f64) - 0.4;
            }
            let w = model.parameters()[rnn.kernel_range()].to_vec();
            let r = model.parameters()[rnn.recurrent_range()].to_vec();
            let b = model.parameters()[rnn.bias_range()].to_vec();
            let x = [0.5, -1.0, 2.0, 0.25];
            let mut ws = model.workspace(1);
            model.forward(&x, 1, &mut ws);
            let (h1, c1) = keras_step(cell, &x[..2], &[0.0; 3], &[0.0; 3], &w, &r, &b);
            let (h2, _) = keras_step(cell, &x[2..], &h1, &c1, &w, &r, &b);
            let expected: Vec<f64> = h1.iter().chain(&h2).copied().collect();
            assert_close(&ws.activations[0][..6], &expected, 1e-14, 1e-12);
        }
    }

    #[test]
    fn recurrent_weights_start_as_keras_starts_them() {
        let layers = [Layer::parse("lstm:4", 1).unwrap(), Layer::dense(1, Activation::Linear)];
        let mut model = Sequential::<f64>::build(&[5, 3], &layers).unwrap();
        model.initialize(Initializer::GlorotUniform, &mut Xoshiro256PlusPlus::seed_from_u64(1));
        let lstm = model.layers()[0].clone();
        assert_eq!(lstm.parameter_count(), 3 * 16 + 4 * 16 + 16);
        // The forget gate's bias is 1, the others 0.
        let bias = &model.parameters()[lstm.bias_range()];
        assert_eq!(bias, &[0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        // The 4 x 16 recurrent kernel has orthonormal rows.
        let r = &model.parameters()[lstm.recurrent_range()];
        for a in 0..4 {
            for b in 0..4 {
                let dot: f64 = (0..16).map(|k| r[a * 16 + k] * r[b * 16 + k]).sum();
                assert!((dot - f64::from(u8::from(a == b))).abs() < 1e-12, "{a} {b} {dot}");
            }
        }
        let summary = model.summary();
        assert_eq!(summary.layers[0].name, "lstm");
        assert!(summary.to_string().contains("(None, 4)"));
        let seq = Sequential::<f32>::build(
            &[10, 1],
            &[
                Layer::parse("lstm:32:seq", 1).unwrap(),
                Layer::parse("lstm:16", 2).unwrap(),
                Layer::dense(1, Activation::Linear),
            ],
        )
        .unwrap();
        let text = seq.summary().to_string();
        assert!(text.contains(" lstm (LSTM)                 (None, 10, 32)            4352"), "{text}");
        assert!(text.contains(" lstm_1 (LSTM)               (None, 16)                3136"), "{text}");
        let gru = Sequential::<f32>::build(
            &[10, 1],
            &[Layer::parse("gru:8", 1).unwrap(), Layer::dense(1, Activation::Linear)],
        )
        .unwrap();
        // Keras 3: 3 * (1 * 8 + 8 * 8 + 2 * 8) = 264.
        assert_eq!(gru.layers()[0].parameter_count(), 264);
        assert!(
            Sequential::<f32>::build(
                &[10],
                &[Layer::parse("lstm:8", 1).unwrap(), Layer::dense(1, Activation::Linear)]
            )
            .unwrap_err()
            .contains("lstm needs a sequence")
        );
    }

    #[test]
    fn hand_worked_convolutions_valid_and_same() {
        // A 3x3 image 1..9, one 2x2 filter [[1, 0], [0, -1]] (x - the value down-right), bias 0.5.
        let conv = |padding: &str| {
            let layers = [
                Layer::parse(&format!("conv2d:1:2x2:linear:{padding}"), 1).unwrap(),
                Layer::Flatten,
                Layer::dense(1, Activation::Linear),
            ];
            let mut model = Sequential::<f64>::build(&[3, 3, 1], &layers).unwrap();
            let params = model.parameters_mut();
            params[..5].copy_from_slice(&[1.0, 0.0, 0.0, -1.0, 0.5]);
            model
        };
        let x: Vec<f64> = (1..=9).map(f64::from).collect();
        let model = conv("valid");
        assert_eq!(model.layers()[0].output, vec![2, 2, 1]);
        let mut ws = model.workspace(1);
        model.forward(&x, 1, &mut ws);
        // Every valid window: x[i] - x[i + 4] + 0.5 = -3.5.
        assert_eq!(&ws.activations[0][..4], &[-3.5, -3.5, -3.5, -3.5]);
        let model = conv("same");
        let mut ws = model.workspace(1);
        model.forward(&x, 1, &mut ws);
        // TensorFlow pads a 2x2 kernel with 0 before and 1 after: the last row and
        // column see zeros down-right.
        assert_eq!(&ws.activations[0][..9], &[-3.5, -3.5, 3.5, -3.5, -3.5, 6.5, 7.5, 8.5, 9.5]);
    }

    #[test]
    fn flatten_is_channels_last_row_major_as_keras() {
        // A 2x2 image with 2 channels: Keras's Flatten keeps the memory order
        // (h, w, c), so the output is the input row as it is.
        let layers = [Layer::Flatten, Layer::dense(8, Activation::Linear)];
        let model = Sequential::<f64>::build(&[2, 2, 2], &layers).unwrap();
        let mut ws = model.workspace(1);
        let x: Vec<f64> = (0..8).map(f64::from).collect();
        model.forward(&x, 1, &mut ws);
        assert_eq!(&ws.activations[0][..8], &x[..]);
        assert_eq!(model.summary().layers[0].output_shape, vec![8]);
    }

    #[test]
    fn dropout_is_off_outside_training_and_scaled_inside() {
        let layers = [Layer::Dropout { rate: 0.5 }, Layer::dense(1, Activation::Linear)];
        let model = Sequential::<f64>::build(&[1000], &layers).unwrap();
        let x = vec![1.0; 1000];
        let mut ws = model.workspace(1);
        model.forward(&x, 1, &mut ws);
        assert!(ws.activations[0].iter().all(|&v| v == 1.0));
        ws.seed_dropout(Xoshiro256PlusPlus::seed_from_u64(1));
        model.forward_training(&x, 1, &mut ws);
        assert!(ws.activations[0].iter().all(|&v| v == 0.0 || v == 2.0));
        let kept = ws.activations[0].iter().filter(|&&v| v == 2.0).count();
        assert!((400..600).contains(&kept), "{kept}");
        // The same seed draws the same masks.
        let first = ws.activations[0].clone();
        ws.seed_dropout(Xoshiro256PlusPlus::seed_from_u64(1));
        model.forward_training(&x, 1, &mut ws);
        assert_eq!(ws.activations[0], first);
    }

    #[test]
    fn summary_is_keras_table_with_output_shapes() {
        let text = "rescaling:0.0625,conv2d:16:3x3:relu,maxpool2d:2x2,flatten,dropout:0.25,64:relu";
        let mut layers: Vec<Layer> =
            text.split(',').enumerate().map(|(i, t)| Layer::parse(t, i + 1).unwrap()).collect();
        layers.push(Layer::dense(10, Activation::Softmax));
        let model = Sequential::<f32>::build(&[8, 8, 1], &layers).unwrap();
        let summary = model.summary();
        assert_eq!(summary.arrows(), "8x8x1 -> conv 16 -> pool -> drop -> 64 -> 10");
        let table = summary.to_string();
        for line in [
            " rescaling (Rescaling)       (None, 8, 8, 1)           0",
            " conv2d (Conv2D, relu)       (None, 6, 6, 16)          160",
            " max_pooling2d (MaxPooling2D)  (None, 3, 3, 16)          0",
            " flatten (Flatten)           (None, 144)               0",
            " dropout (Dropout)           (None, 144)               0",
            " dense (Dense, relu)         (None, 64)                9280",
            " dense_1 (Dense, softmax)    (None, 10)                650",
            "Total params: 10090",
        ] {
            // The name column widens to the longest name (30 here).
            let squeezed: String = line.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                table.lines().any(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") == squeezed),
                "{squeezed}\n{table}"
            );
        }
        let gap =
            Sequential::<f32>::build(&[10, 3], &[Layer::GlobalAvgPool, Layer::dense(1, Activation::Linear)]);
        assert_eq!(gap.unwrap().summary().layers[0].name, "global_average_pooling1d");
    }

    /// Full-batch training on a tiny problem, returning the final accuracy.
    fn train(
        inputs: &[f64],
        targets: &[f64],
        specs: &[LayerSpec],
        loss: Loss,
        epochs: usize,
        learning_rate: f64,
    ) -> f64 {
        let input_dim = inputs.len() / (targets.len() / specs.last().unwrap().units);
        let rows = inputs.len() / input_dim;
        let mut model = Sequential::<f64>::new(input_dim, specs);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        model.initialize(Initializer::GlorotUniform, &mut rng);
        let spec = OptimizerSpec { learning_rate, ..OptimizerSpec::new(OptimizerKind::Adam) };
        let mut optimizer = Optimizer::new(spec, model.parameters().len());
        let mut ws = model.workspace(rows);
        for _ in 0..epochs {
            model.forward(inputs, rows, &mut ws);
            model.backward(inputs, targets, rows, loss, &Regularizer::default(), &mut ws);
            let gradients = ws.gradients().to_vec();
            optimizer.step(model.parameters_mut(), &gradients, learning_rate);
        }
        let out = model.forward(inputs, rows, &mut ws).to_vec();
        Metric::Accuracy.total(&out, targets, model.output_units()) / rows as f64
    }

    #[test]
    fn learns_xor() {
        let inputs = [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
        let targets = [0.0, 1.0, 1.0, 0.0];
        let specs = [LayerSpec::new(4, Activation::Tanh), LayerSpec::new(1, Activation::Sigmoid)];
        assert_eq!(train(&inputs, &targets, &specs, Loss::BinaryCrossentropy, 500, 0.05), 1.0);
    }

    #[test]
    fn learns_a_three_class_spiral() {
        let (inputs, labels) = crate::data::generate::spiral_points(3, 100, 0.2, 7);
        let mut targets = vec![0.0; labels.len() * 3];
        for (row, &class) in labels.iter().enumerate() {
            targets[row * 3 + class] = 1.0;
        }
        let specs = [
            LayerSpec::new(32, Activation::Relu),
            LayerSpec::new(32, Activation::Relu),
            LayerSpec::new(3, Activation::Softmax),
        ];
        let accuracy = train(&inputs, &targets, &specs, Loss::CategoricalCrossentropy, 2000, 0.01);
        assert!(accuracy >= 0.95, "spiral accuracy {accuracy}");
    }
}
