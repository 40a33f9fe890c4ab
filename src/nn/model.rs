//! The Sequential model: a stack of Dense layers over one flat parameter vector.
//!
//! All parameters live in one contiguous `Vec` (each layer's kernel, `inputs x units`
//! row-major as Keras stores it, then its bias), so an optimizer step is one loop and
//! the gradients share the same layout. The batch loop allocates nothing: activations,
//! deltas and gradients live in a [`Workspace`] sized once per fit.

use super::kernels::{dense_forward, dense_input_gradient, dense_parameter_gradients};
use super::{Activation, Initializer, Loss, Real, Regularizer};
use ndarray::ArrayView2;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;

/// One Dense layer as configured: its width and activation.
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

/// A Dense layer placed in the model's parameter vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dense {
    /// Input width (the previous layer's units, or the feature count).
    pub inputs: usize,
    /// Output width.
    pub units: usize,
    /// Activation applied to `x W + b`.
    pub activation: Activation,
    offset: usize,
}

impl Dense {
    /// Kernel and bias values.
    pub fn parameter_count(&self) -> usize {
        self.inputs * self.units + self.units
    }

    /// Where the kernel (`inputs x units`, row-major) sits in the parameter vector.
    pub fn kernel_range(&self) -> Range<usize> {
        self.offset..self.offset + self.inputs * self.units
    }

    /// Where the bias sits in the parameter vector.
    pub fn bias_range(&self) -> Range<usize> {
        let start = self.offset + self.inputs * self.units;
        start..start + self.units
    }
}

/// A feed-forward stack of Dense layers.
#[derive(Clone, Debug, PartialEq)]
pub struct Sequential<T> {
    input_dim: usize,
    layers: Vec<Dense>,
    parameters: Vec<T>,
}

/// Buffers for a forward and backward pass over up to `capacity` rows.
#[derive(Clone, Debug)]
pub struct Workspace<T> {
    capacity: usize,
    activations: Vec<Vec<T>>,
    deltas: Vec<Vec<T>>,
    gradients: Vec<T>,
    /// A transposed kernel, for the input gradient.
    transposed: Vec<T>,
    /// The output layer's pre-activations, kept when it is sigmoid or softmax: Keras
    /// reports cross-entropy from these logits (see [`Loss::total_from_logits`]).
    logits: Vec<T>,
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
}

impl<T: Real> Sequential<T> {
    /// A model with every parameter zero.
    ///
    /// # Panics
    /// If `input_dim` is zero, `layers` is empty or a layer has no units: the caller
    /// validates specifications first.
    pub fn new(input_dim: usize, layers: &[LayerSpec]) -> Self {
        assert!(input_dim > 0 && !layers.is_empty(), "a model needs inputs and layers");
        let mut placed = Vec::with_capacity(layers.len());
        let (mut inputs, mut offset) = (input_dim, 0);
        for spec in layers {
            assert!(spec.units > 0, "a layer needs at least one unit");
            let layer = Dense { inputs, units: spec.units, activation: spec.activation, offset };
            offset += layer.parameter_count();
            inputs = spec.units;
            placed.push(layer);
        }
        Sequential { input_dim, layers: placed, parameters: vec![T::zero(); offset] }
    }

    /// A model with the given parameter values, or `None` if their count does not fit.
    pub fn with_parameters(input_dim: usize, layers: &[LayerSpec], parameters: Vec<T>) -> Option<Self> {
        let mut model = Self::new(input_dim, layers);
        if parameters.len() != model.parameters.len() {
            return None;
        }
        model.parameters = parameters;
        Some(model)
    }

    /// Draws every kernel from `initializer`, layer by layer; biases are set to zero.
    pub fn initialize<R: Rng + ?Sized>(&mut self, initializer: Initializer, rng: &mut R) {
        for layer in &self.layers {
            initializer.fill(&mut self.parameters[layer.kernel_range()], layer.inputs, layer.units, rng);
            self.parameters[layer.bias_range()].fill(T::zero());
        }
    }

    /// Input width.
    pub fn input_dim(&self) -> usize {
        self.input_dim
    }

    /// Output width.
    pub fn output_units(&self) -> usize {
        self.layers.last().map_or(0, |l| l.units)
    }

    /// The layers, first to last.
    pub fn layers(&self) -> &[Dense] {
        &self.layers
    }

    /// The layer specifications this model was built from.
    pub fn specs(&self) -> Vec<LayerSpec> {
        self.layers.iter().map(|l| LayerSpec::new(l.units, l.activation)).collect()
    }

    /// Every parameter, layer by layer (kernel, then bias).
    pub fn parameters(&self) -> &[T] {
        &self.parameters
    }

    /// Every parameter, mutable (for the optimizer).
    pub fn parameters_mut(&mut self) -> &mut [T] {
        &mut self.parameters
    }

    /// A layer's kernel as an `inputs x units` matrix.
    #[allow(clippy::expect_used, reason = "the kernel range is inputs x units long by construction")]
    pub fn kernel(&self, layer: usize) -> ArrayView2<'_, T> {
        let l = &self.layers[layer];
        ArrayView2::from_shape((l.inputs, l.units), &self.parameters[l.kernel_range()])
            .expect("kernel range matches its shape")
    }

    /// A layer's bias.
    pub fn bias(&self, layer: usize) -> &[T] {
        &self.parameters[self.layers[layer].bias_range()]
    }

    /// Buffers for passes over up to `capacity` rows.
    pub fn workspace(&self, capacity: usize) -> Workspace<T> {
        let per_layer = || self.layers.iter().map(|l| vec![T::zero(); capacity * l.units]).collect();
        Workspace {
            capacity,
            activations: per_layer(),
            deltas: per_layer(),
            gradients: vec![T::zero(); self.parameters.len()],
            transposed: vec![T::zero(); self.layers.iter().map(|l| l.inputs * l.units).max().unwrap_or(0)],
            logits: vec![T::zero(); capacity * self.output_units()],
        }
    }

    /// The network's outputs for `rows` inputs.
    ///
    /// # Shapes
    /// `inputs`: `rows x input_dim`, row-major; returns `rows x output_units`.
    ///
    /// # Panics
    /// If `rows` exceeds the workspace's capacity or `inputs` is too short.
    #[inline(always)]
    pub fn forward<'w>(&self, inputs: &[T], rows: usize, workspace: &'w mut Workspace<T>) -> &'w [T] {
        assert!(rows <= workspace.capacity, "batch larger than the workspace");
        for (index, layer) in self.layers.iter().enumerate() {
            let (done, rest) = workspace.activations.split_at_mut(index);
            let input = if index == 0 {
                &inputs[..rows * layer.inputs]
            } else {
                &done[index - 1][..rows * layer.inputs]
            };
            let output = &mut rest[0][..rows * layer.units];
            dense_forward(
                input,
                &self.parameters[layer.kernel_range()],
                &self.parameters[layer.bias_range()],
                output,
                layer.inputs,
                layer.units,
            );
            if index == self.layers.len() - 1 && layer.activation.has_logits() {
                workspace.logits[..output.len()].copy_from_slice(output);
            }
            layer.activation.forward(output, layer.units);
        }
        let last = self.layers.len() - 1;
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
        let activation = self.layers[self.layers.len() - 1].activation;
        let targets = &targets[..rows * units];
        if loss.pairs_with(activation) {
            loss.total_from_logits(&workspace.logits[..rows * units], targets, units)
        } else {
            loss.total(workspace.outputs(self, rows), targets, units)
        }
    }

    /// Gradients of `mean over rows of loss + regularization` with respect to every
    /// parameter, after a [`Sequential::forward`] on the same `inputs`; they are left in
    /// the workspace ([`Workspace::gradients`]).
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
        let last = self.layers.len() - 1;
        let output = &self.layers[last];
        let scale = T::one() / T::of(rows as f64);
        loss.output_gradient(
            output.activation,
            &workspace.activations[last][..rows * output.units],
            &targets[..rows * output.units],
            &mut workspace.deltas[last][..rows * output.units],
            output.units,
            scale,
        );
        for (index, layer) in self.layers.iter().enumerate().rev() {
            let input = if index == 0 {
                &inputs[..rows * layer.inputs]
            } else {
                &workspace.activations[index - 1][..rows * layer.inputs]
            };
            let (below, here) = workspace.deltas.split_at_mut(index);
            let delta = &here[0][..rows * layer.units];
            let (kernel_gradient, bias_gradient) = workspace.gradients
                [layer.kernel_range().start..layer.bias_range().end]
                .split_at_mut(layer.inputs * layer.units);
            dense_parameter_gradients(
                input,
                delta,
                kernel_gradient,
                bias_gradient,
                layer.inputs,
                layer.units,
            );
            regularizer.add_gradient(&self.parameters[layer.kernel_range()], kernel_gradient);
            if index > 0 {
                let previous = &mut below[index - 1][..rows * layer.inputs];
                dense_input_gradient(
                    delta,
                    &self.parameters[layer.kernel_range()],
                    &mut workspace.transposed,
                    previous,
                    layer.inputs,
                    layer.units,
                );
                self.layers[index - 1].activation.backward(input, previous, layer.inputs);
            }
        }
    }

    /// The regularization term added to the loss: the penalty summed over every kernel.
    pub fn penalty(&self, regularizer: &Regularizer) -> f64 {
        if !regularizer.is_active() {
            return 0.0;
        }
        self.layers.iter().map(|l| regularizer.penalty(&self.parameters[l.kernel_range()])).sum()
    }

    /// Layer names, output shapes and parameter counts, as Keras's `model.summary()`.
    pub fn summary(&self) -> ModelSummary {
        ModelSummary {
            input_dim: self.input_dim,
            layers: self
                .layers
                .iter()
                .map(|l| LayerSummary {
                    units: l.units,
                    activation: l.activation,
                    parameters: l.parameter_count(),
                })
                .collect(),
        }
    }
}

/// One layer's line in the summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerSummary {
    /// Output units.
    pub units: usize,
    /// Activation.
    pub activation: Activation,
    /// Kernel and bias values.
    pub parameters: usize,
}

/// The model's shape, for printing and for the dashboard's header.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    /// Input width.
    pub input_dim: usize,
    /// Each Dense layer.
    pub layers: Vec<LayerSummary>,
}

impl ModelSummary {
    /// Total parameter count.
    pub fn total_parameters(&self) -> usize {
        self.layers.iter().map(|l| l.parameters).sum()
    }

    /// `8 -> 12 relu -> 8 relu -> 1 sigmoid`
    pub fn arrows(&self) -> String {
        let mut text = self.input_dim.to_string();
        for l in &self.layers {
            text.push_str(&format!(" -> {} {}", l.units, l.activation));
        }
        text
    }

    /// Keras's layer names: `dense`, `dense_1`, `dense_2`, ...
    pub fn layer_name(index: usize) -> String {
        if index == 0 { "dense".to_string() } else { format!("dense_{index}") }
    }
}

impl fmt::Display for ModelSummary {
    /// The table Keras's `model.summary()` prints (its plain-text form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rule = "_".repeat(65);
        let double = "=".repeat(65);
        writeln!(f, "Model: \"sequential\"")?;
        writeln!(f, "{rule}")?;
        writeln!(f, " {:<28}{:<26}Param #", "Layer (type)", "Output Shape")?;
        writeln!(f, "{double}")?;
        for (index, layer) in self.layers.iter().enumerate() {
            let name = format!("{} (Dense, {})", Self::layer_name(index), layer.activation);
            writeln!(f, " {:<28}{:<26}{}", name, format!("(None, {})", layer.units), layer.parameters)?;
        }
        writeln!(f, "{double}")?;
        writeln!(f, "Total params: {}", self.total_parameters())?;
        writeln!(f, "Trainable params: {}", self.total_parameters())?;
        writeln!(f, "Non-trainable params: 0")?;
        write!(f, "{rule}")
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
