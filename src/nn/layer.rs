//! The closed set of layer kinds a [`super::Sequential`] stacks: what the user asks for
//! ([`Layer`]), and each layer placed on its input shape ([`Placed`]): its output
//! shape, its parameters' place in the model's flat vector, and the scratch it needs.
//!
//! Shapes leave out the batch and are channels last, as Keras's `channels_last`: an
//! image is `[height, width, channels]`, a sequence `[steps, features]`, a flat row
//! `[width]`. One-dimensional convolution and pooling run as their two-dimensional
//! forms on a `[steps, 1, features]` grid, so there is one implementation of each.
//!
//! The per-kind arithmetic lives in `layer/`: [`conv`] (im2col and its adjoint, the
//! products going through [`super::gemm`]), [`pool`] (max, average and global) and
//! [`dropout`], [`norm`] (layer normalization) and [`embedding`]; flatten and
//! rescaling are one line each here.

pub mod bidirectional;
pub mod conv;
pub mod dropout;
pub mod embedding;
pub mod norm;
pub mod pool;
pub mod recurrent;

use super::Activation;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;

/// Keras's `padding` for convolutions (stride 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// No padding: the output shrinks by `kernel - 1`.
    Valid,
    /// Zeros around the input (`(k - 1) / 2` before, the rest after) keep its size.
    Same,
}

/// One layer as the user specifies it (`--layers`), before it knows its input.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Layer {
    /// `x W + b`, then the activation, over a flat input.
    Dense {
        /// Output units.
        units: usize,
        /// Activation applied to `x W + b`.
        activation: Activation,
    },
    /// Zeroes a share `rate` of its inputs in training, scaling the rest by
    /// `1 / (1 - rate)`; the identity otherwise.
    Dropout {
        /// The share dropped, in `[0, 1)`.
        rate: f64,
    },
    /// Reshapes any input to one flat row (channels last, row-major, as Keras).
    Flatten,
    /// `x * scale + offset`.
    Rescaling {
        /// Multiplier.
        scale: f64,
        /// Added after scaling.
        offset: f64,
    },
    /// A 1-D convolution over `[steps, channels]`, stride 1.
    Conv1d {
        /// Output channels.
        filters: usize,
        /// Kernel length.
        kernel: usize,
        /// Activation applied to the output.
        activation: Activation,
        /// Keras's padding.
        padding: Padding,
    },
    /// A 2-D convolution over `[height, width, channels]`, stride 1.
    Conv2d {
        /// Output channels.
        filters: usize,
        /// Kernel height and width.
        kernel: [usize; 2],
        /// Activation applied to the output.
        activation: Activation,
        /// Keras's padding.
        padding: Padding,
    },
    /// The maximum of each window of `pool` steps (stride `pool`, valid).
    MaxPool1d {
        /// Window length.
        pool: usize,
    },
    /// The maximum of each `pool` window (stride `pool`, valid).
    MaxPool2d {
        /// Window height and width.
        pool: [usize; 2],
    },
    /// The mean of each window of `pool` steps (stride `pool`, valid).
    AvgPool1d {
        /// Window length.
        pool: usize,
    },
    /// The mean of each `pool` window (stride `pool`, valid).
    AvgPool2d {
        /// Window height and width.
        pool: [usize; 2],
    },
    /// Keras's `Embedding(vocab, dim)`: each input value, an integer code in
    /// `0..vocab`, becomes its row of a `vocab x dim` table (the first layer only).
    Embedding {
        /// How many codes.
        vocab: usize,
        /// The length of each code's vector.
        dim: usize,
    },
    /// Keras's `LayerNormalization()`: each position standardized over the last axis
    /// (epsilon 1e-3), then scaled and shifted per channel (`gamma`, `beta`).
    LayerNorm,
    /// Keras's `BatchNormalization()`: each channel (the last axis) standardized with
    /// the batch's mean and variance in training, with their moving averages
    /// (momentum 0.99) otherwise; epsilon 1e-3; then scaled and shifted per channel.
    BatchNorm,
    /// The mean over every position, per channel (1-D or 2-D by the input's rank).
    GlobalAvgPool,
    /// The maximum over every position, per channel (1-D or 2-D by the input's rank).
    GlobalMaxPool,
    /// Keras's `SimpleRNN(units, return_sequences=sequences)` over `[steps, features]`.
    SimpleRnn {
        /// Units.
        units: usize,
        /// Every step's state as the output (`:seq`), else the last.
        sequences: bool,
    },
    /// Keras's `LSTM(units, return_sequences=sequences)`.
    Lstm {
        /// Units.
        units: usize,
        /// Every step's state as the output (`:seq`), else the last.
        sequences: bool,
    },
    /// Keras 3's `GRU(units, return_sequences=sequences)` (`reset_after=True`).
    Gru {
        /// Units.
        units: usize,
        /// Every step's state as the output (`:seq`), else the last.
        sequences: bool,
    },
    /// `Bidirectional(SimpleRNN(units, return_sequences=sequences))`, outputs concatenated.
    BiSimpleRnn {
        /// Units of each direction.
        units: usize,
        /// Every step's states as the output (`:seq`), else the last.
        sequences: bool,
    },
    /// `Bidirectional(LSTM(units, return_sequences=sequences))`, outputs concatenated.
    BiLstm {
        /// Units of each direction.
        units: usize,
        /// Every step's states as the output (`:seq`), else the last.
        sequences: bool,
    },
    /// `Bidirectional(GRU(units, return_sequences=sequences))`, outputs concatenated.
    BiGru {
        /// Units of each direction.
        units: usize,
        /// Every step's states as the output (`:seq`), else the last.
        sequences: bool,
    },
}

impl Layer {
    /// A Dense layer.
    pub fn dense(units: usize, activation: Activation) -> Self {
        Layer::Dense { units, activation }
    }

    /// Keras's layer type, as `model.summary()` prints it (rank 2 or 3 for pooling).
    pub fn keras_type(&self, input_rank: usize) -> &'static str {
        match self {
            Layer::Dense { .. } => "Dense",
            Layer::Dropout { .. } => "Dropout",
            Layer::Flatten => "Flatten",
            Layer::Rescaling { .. } => "Rescaling",
            Layer::Conv1d { .. } => "Conv1D",
            Layer::Conv2d { .. } => "Conv2D",
            Layer::MaxPool1d { .. } => "MaxPooling1D",
            Layer::MaxPool2d { .. } => "MaxPooling2D",
            Layer::LayerNorm => "LayerNormalization",
            Layer::BatchNorm => "BatchNormalization",
            Layer::Embedding { .. } => "Embedding",
            Layer::AvgPool1d { .. } => "AveragePooling1D",
            Layer::AvgPool2d { .. } => "AveragePooling2D",
            Layer::GlobalAvgPool if input_rank == 2 => "GlobalAveragePooling1D",
            Layer::GlobalAvgPool => "GlobalAveragePooling2D",
            Layer::GlobalMaxPool if input_rank == 2 => "GlobalMaxPooling1D",
            Layer::GlobalMaxPool => "GlobalMaxPooling2D",
            Layer::SimpleRnn { .. } => "SimpleRNN",
            Layer::Lstm { .. } => "LSTM",
            Layer::Gru { .. } => "GRU",
            Layer::BiSimpleRnn { .. } | Layer::BiLstm { .. } | Layer::BiGru { .. } => "Bidirectional",
        }
    }

    /// The short name used in `--json` and model files (`dense`, `conv2d`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Layer::Dense { .. } => "dense",
            Layer::Dropout { .. } => "dropout",
            Layer::Flatten => "flatten",
            Layer::Rescaling { .. } => "rescaling",
            Layer::Conv1d { .. } => "conv1d",
            Layer::Conv2d { .. } => "conv2d",
            Layer::MaxPool1d { .. } => "maxpool1d",
            Layer::MaxPool2d { .. } => "maxpool2d",
            Layer::LayerNorm => "layernorm",
            Layer::BatchNorm => "batchnorm",
            Layer::Embedding { .. } => "embedding",
            Layer::AvgPool1d { .. } => "avgpool1d",
            Layer::AvgPool2d { .. } => "avgpool2d",
            Layer::GlobalAvgPool => "globalavgpool",
            Layer::GlobalMaxPool => "globalmaxpool",
            Layer::SimpleRnn { .. } => "simplernn",
            Layer::Lstm { .. } => "lstm",
            Layer::Gru { .. } => "gru",
            Layer::BiSimpleRnn { .. } => "bisimplernn",
            Layer::BiLstm { .. } => "bilstm",
            Layer::BiGru { .. } => "bigru",
        }
    }

    /// Whether it is a bidirectional recurrent layer.
    pub fn is_bidirectional(&self) -> bool {
        matches!(self, Layer::BiSimpleRnn { .. } | Layer::BiLstm { .. } | Layer::BiGru { .. })
    }

    /// The recurrent cell, for recurrent layers (each direction's, for bidirectional ones).
    pub fn cell(&self) -> Option<(recurrent::Cell, usize, bool)> {
        match *self {
            Layer::SimpleRnn { units, sequences } | Layer::BiSimpleRnn { units, sequences } => {
                Some((recurrent::Cell::Simple, units, sequences))
            }
            Layer::Lstm { units, sequences } | Layer::BiLstm { units, sequences } => {
                Some((recurrent::Cell::Lstm, units, sequences))
            }
            Layer::Gru { units, sequences } | Layer::BiGru { units, sequences } => {
                Some((recurrent::Cell::Gru, units, sequences))
            }
            _ => None,
        }
    }

    /// The activation applied to the output, for the layers that have one.
    pub fn activation(&self) -> Option<Activation> {
        match *self {
            Layer::Dense { activation, .. }
            | Layer::Conv1d { activation, .. }
            | Layer::Conv2d { activation, .. } => Some(activation),
            _ => None,
        }
    }

    /// Parses one `--layers` item; `position` (from 1) names it in errors.
    pub fn parse(text: &str, position: usize) -> Result<Layer, String> {
        let text = text.trim();
        let parts: Vec<&str> = text.split(':').map(str::trim).collect();
        let fail = |expected: &str| format!("layer {position} ('{text}'): {expected}");
        let count = |value: &str, what: &str| -> Result<usize, String> {
            match value.parse::<usize>() {
                Ok(0) => Err(fail(&format!("{what} must be at least 1"))),
                Ok(n) if n > 1_000_000 => {
                    Err(fail(&format!("{what} {n} is more than nntui allows (1000000)")))
                }
                Ok(n) => Ok(n),
                Err(_) => Err(fail(&format!("'{value}' is not a whole number of {what}"))),
            }
        };
        let number = |value: &str, what: &str| -> Result<f64, String> {
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| fail(&format!("'{value}' is not a number ({what})")))
        };
        let activation = |value: Option<&&str>| -> Result<Activation, String> {
            match value {
                None => Ok(Activation::Linear),
                Some(name) => {
                    let activation: Activation = name.parse().map_err(|e: String| fail(&e))?;
                    if activation == Activation::Softmax {
                        return Err(fail("softmax belongs on the output layer (--output), not a hidden one"));
                    }
                    Ok(activation)
                }
            }
        };
        let window = |value: &str, what: &str, dims: usize| -> Result<[usize; 2], String> {
            let sizes: Vec<&str> = value.split(['x', 'X']).collect();
            if sizes.len() != dims {
                let example = match (dims, what) {
                    (2, "pool size") => "2x2",
                    (2, _) => "3x3",
                    (_, "pool size") => "2",
                    _ => "3",
                };
                return Err(fail(&format!("expected the {what} as {example}, got '{value}'")));
            }
            let first = count(sizes[0], what)?;
            let second = if dims == 2 { count(sizes[1], what)? } else { 1 };
            Ok([first, second])
        };
        // The convolution's optional activation and padding, in either order.
        let conv_tail = |rest: &[&str]| -> Result<(Activation, Padding), String> {
            let (mut act, mut padding) = (None, None);
            for &item in rest {
                match item.to_ascii_lowercase().as_str() {
                    "same" if padding.is_none() => padding = Some(Padding::Same),
                    "valid" if padding.is_none() => padding = Some(Padding::Valid),
                    _ if act.is_none() => act = Some(activation(Some(&item))?),
                    _ => {
                        return Err(fail(
                            "expected at most an activation and same|valid after the kernel size",
                        ));
                    }
                }
            }
            Ok((act.unwrap_or(Activation::Linear), padding.unwrap_or(Padding::Valid)))
        };
        let name = parts[0].to_ascii_lowercase();
        let arity = |low: usize, high: usize, usage: &str| {
            if parts.len() < low || parts.len() > high {
                Err(fail(&format!("expected {usage}")))
            } else {
                Ok(())
            }
        };
        match name.as_str() {
            _ if name.chars().next().is_some_and(|c| c.is_ascii_digit()) => {
                arity(2, 2, "UNITS:ACTIVATION (e.g. 12:relu)")?;
                Ok(Layer::dense(count(parts[0], "units")?, activation(parts.get(1))?))
            }
            "dense" => {
                arity(2, 3, "dense:UNITS[:ACTIVATION] (e.g. dense:64:relu)")?;
                Ok(Layer::dense(count(parts[1], "units")?, activation(parts.get(2))?))
            }
            "dropout" => {
                arity(2, 2, "dropout:RATE with RATE in [0, 1) (e.g. dropout:0.25)")?;
                let rate = number(parts[1], "the rate")?;
                if !(0.0..1.0).contains(&rate) {
                    return Err(fail("the rate must be in [0, 1) (e.g. dropout:0.25)"));
                }
                Ok(Layer::Dropout { rate })
            }
            "flatten" => {
                arity(1, 1, "flatten with nothing after it")?;
                Ok(Layer::Flatten)
            }
            "embedding" => {
                arity(3, 3, "embedding:VOCAB:DIM (e.g. embedding:1000:16: codes 0..999, 16 values each)")?;
                Ok(Layer::Embedding { vocab: count(parts[1], "codes")?, dim: count(parts[2], "values")? })
            }
            "layernorm" | "batchnorm" => {
                arity(1, 1, &format!("{name} with nothing after it"))?;
                Ok(if name == "layernorm" { Layer::LayerNorm } else { Layer::BatchNorm })
            }
            "globalavgpool" | "globalmaxpool" => {
                arity(1, 1, &format!("{name} with nothing after it"))?;
                Ok(if name == "globalavgpool" { Layer::GlobalAvgPool } else { Layer::GlobalMaxPool })
            }
            "rescaling" => {
                arity(2, 3, "rescaling:SCALE[:OFFSET] (e.g. rescaling:0.00392)")?;
                let scale = number(parts[1], "the scale")?;
                let offset = parts.get(2).map_or(Ok(0.0), |o| number(o, "the offset"))?;
                Ok(Layer::Rescaling { scale, offset })
            }
            "conv2d" | "conv1d" => {
                let two = name == "conv2d";
                let usage = if two {
                    "conv2d:FILTERS:KxK[:ACTIVATION][:same|valid] (e.g. conv2d:16:3x3:relu)"
                } else {
                    "conv1d:FILTERS:K[:ACTIVATION][:same|valid] (e.g. conv1d:16:3:relu)"
                };
                arity(3, 5, usage)?;
                let filters = count(parts[1], "filters")?;
                let kernel = window(parts[2], "kernel size", if two { 2 } else { 1 })?;
                let (activation, padding) = conv_tail(&parts[3..])?;
                Ok(if two {
                    Layer::Conv2d { filters, kernel, activation, padding }
                } else {
                    Layer::Conv1d { filters, kernel: kernel[0], activation, padding }
                })
            }
            "maxpool2d" => {
                arity(2, 2, "maxpool2d:PxP (e.g. maxpool2d:2x2)")?;
                Ok(Layer::MaxPool2d { pool: window(parts[1], "pool size", 2)? })
            }
            "maxpool1d" => {
                arity(2, 2, "maxpool1d:P (e.g. maxpool1d:2)")?;
                Ok(Layer::MaxPool1d { pool: window(parts[1], "pool size", 1)?[0] })
            }
            "avgpool2d" => {
                arity(2, 2, "avgpool2d:PxP (e.g. avgpool2d:2x2)")?;
                Ok(Layer::AvgPool2d { pool: window(parts[1], "pool size", 2)? })
            }
            "avgpool1d" => {
                arity(2, 2, "avgpool1d:P (e.g. avgpool1d:2)")?;
                Ok(Layer::AvgPool1d { pool: window(parts[1], "pool size", 1)?[0] })
            }
            "simplernn" | "lstm" | "gru" | "bisimplernn" | "bilstm" | "bigru" => {
                let usage =
                    format!("{name}:UNITS[:seq] (e.g. {name}:32 or {name}:32:seq to return every step)");
                arity(2, 3, &usage)?;
                let units = count(parts[1], "units")?;
                let sequences = match parts.get(2) {
                    None => false,
                    Some(s) if s.eq_ignore_ascii_case("seq") => true,
                    Some(_) => return Err(fail(&format!("expected {usage}"))),
                };
                Ok(match name.as_str() {
                    "simplernn" => Layer::SimpleRnn { units, sequences },
                    "lstm" => Layer::Lstm { units, sequences },
                    "gru" => Layer::Gru { units, sequences },
                    "bisimplernn" => Layer::BiSimpleRnn { units, sequences },
                    "bilstm" => Layer::BiLstm { units, sequences },
                    _ => Layer::BiGru { units, sequences },
                })
            }
            _ => Err(fail(
                "expected UNITS:ACTIVATION or one of dense, dropout, flatten, rescaling, conv1d, conv2d, maxpool1d, maxpool2d, avgpool1d, avgpool2d, globalavgpool, globalmaxpool, layernorm, batchnorm, embedding, simplernn, lstm, gru, bisimplernn, bilstm, bigru",
            )),
        }
    }
}

impl fmt::Display for Layer {
    /// The `--layers` spelling (Dense as `12:relu`, as the tutorial writes it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let padding = |p: &Padding| if *p == Padding::Same { ":same" } else { "" };
        match self {
            Layer::Dense { units, activation } => write!(f, "{units}:{activation}"),
            Layer::Dropout { rate } => write!(f, "dropout:{rate}"),
            Layer::Flatten => write!(f, "flatten"),
            Layer::Rescaling { scale, offset } if *offset == 0.0 => write!(f, "rescaling:{scale}"),
            Layer::Rescaling { scale, offset } => write!(f, "rescaling:{scale}:{offset}"),
            Layer::Conv1d { filters, kernel, activation, padding: p } => {
                write!(f, "conv1d:{filters}:{kernel}:{activation}{}", padding(p))
            }
            Layer::Conv2d { filters, kernel, activation, padding: p } => {
                write!(f, "conv2d:{filters}:{}x{}:{activation}{}", kernel[0], kernel[1], padding(p))
            }
            Layer::MaxPool1d { pool } => write!(f, "maxpool1d:{pool}"),
            Layer::MaxPool2d { pool } => write!(f, "maxpool2d:{}x{}", pool[0], pool[1]),
            Layer::AvgPool1d { pool } => write!(f, "avgpool1d:{pool}"),
            Layer::AvgPool2d { pool } => write!(f, "avgpool2d:{}x{}", pool[0], pool[1]),
            Layer::GlobalAvgPool => write!(f, "globalavgpool"),
            Layer::GlobalMaxPool => write!(f, "globalmaxpool"),
            Layer::LayerNorm => write!(f, "layernorm"),
            Layer::BatchNorm => write!(f, "batchnorm"),
            Layer::Embedding { vocab, dim } => write!(f, "embedding:{vocab}:{dim}"),
            Layer::SimpleRnn { units, sequences }
            | Layer::Lstm { units, sequences }
            | Layer::Gru { units, sequences }
            | Layer::BiSimpleRnn { units, sequences }
            | Layer::BiLstm { units, sequences }
            | Layer::BiGru { units, sequences } => {
                write!(f, "{}:{units}{}", self.kind(), if *sequences { ":seq" } else { "" })
            }
        }
    }
}

/// Serde for a list of layers that reads and writes a Dense layer as files from before
/// the layer stack did (`{"units": 12, "activation": "relu"}`), and other kinds tagged
/// with their `kind`: `#[serde(with = "crate::nn::layer::compat")]`.
pub mod compat {
    use super::Layer;
    use crate::nn::LayerSpec;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Dense(LayerSpec),
        Tagged(Layer),
    }

    /// Writes Dense layers untagged.
    pub fn serialize<S: Serializer>(layers: &[Layer], serializer: S) -> Result<S::Ok, S::Error> {
        let stored: Vec<Stored> = layers
            .iter()
            .map(|&l| match l {
                Layer::Dense { units, activation } => Stored::Dense(LayerSpec::new(units, activation)),
                other => Stored::Tagged(other),
            })
            .collect();
        stored.serialize(serializer)
    }

    /// Reads either form.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Layer>, D::Error> {
        let stored = Vec::<Stored>::deserialize(deserializer)?;
        Ok(stored
            .into_iter()
            .map(|s| match s {
                Stored::Dense(spec) => spec.into(),
                Stored::Tagged(layer) => layer,
            })
            .collect())
    }
}

/// A shape without the batch, as Keras prints it: `(None, 6, 6, 16)`.
pub fn shape_text(shape: &[usize]) -> String {
    let mut text = "(None".to_string();
    for d in shape {
        text.push_str(&format!(", {d}"));
    }
    text.push(')');
    text
}

/// `8x8x1`
pub fn shape_dims(shape: &[usize]) -> String {
    shape.iter().map(usize::to_string).collect::<Vec<_>>().join("x")
}

/// A spatial grid: `height x width` positions of `channels` values, channels last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grid {
    /// Rows (steps for a sequence).
    pub height: usize,
    /// Columns (1 for a sequence).
    pub width: usize,
    /// Values per position.
    pub channels: usize,
}

impl Grid {
    /// Positions.
    pub fn positions(&self) -> usize {
        self.height * self.width
    }

    /// Values.
    pub fn size(&self) -> usize {
        self.positions() * self.channels
    }
}

/// How a layer computes, with everything its placement fixed.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A Dense product `inputs x units`.
    Dense {
        /// Input width.
        inputs: usize,
        /// Output width.
        units: usize,
    },
    /// A convolution as a product over im2col rows.
    Conv(conv::Conv),
    /// Max pooling (global max pooling: one window over the whole input).
    MaxPool(pool::Pool),
    /// Average pooling.
    AvgPool(pool::Pool),
    /// The mean over positions, per channel.
    GlobalAvgPool(Grid),
    /// Layer normalization over the last axis of this many channels.
    LayerNorm(usize),
    /// Batch normalization of this many channels (the last axis).
    BatchNorm(usize),
    /// An embedding table's lookup, rows of this many values.
    Embedding(usize),
    /// Inverted dropout.
    Dropout(f64),
    /// A copy (flatten).
    Copy,
    /// `x * scale + offset`.
    Rescale {
        /// Multiplier.
        scale: f64,
        /// Added after scaling.
        offset: f64,
    },
    /// A recurrent layer.
    Recurrent(recurrent::Recurrent),
    /// A bidirectional recurrent layer.
    Bidirectional(bidirectional::Bidirectional),
}

/// A layer placed in a model: its input and output shapes and where its parameters
/// sit in the flat parameter vector (kernel first, row-major as Keras stores it, then
/// the bias, then the values it keeps without training them: batch normalization's
/// moving mean and variance).
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    /// What the user asked for.
    pub layer: Layer,
    /// Its input shape, without the batch.
    pub input: Vec<usize>,
    /// Its output shape, without the batch.
    pub output: Vec<usize>,
    /// How it computes.
    pub op: Op,
    offset: usize,
    kernel_len: usize,
    recurrent_len: usize,
    bias_len: usize,
    state_len: usize,
    // Read in every pass: kept rather than recomputed from the shapes.
    input_size: usize,
    output_size: usize,
    activation: Option<Activation>,
}

impl Placed {
    /// Places `layer` on `input` with its parameters from `offset`; an error (naming
    /// the layer's `position` from 1 and both shapes) when it cannot follow that shape.
    pub fn new(layer: Layer, input: &[usize], offset: usize, position: usize) -> Result<Placed, String> {
        let fail = |why: &str| {
            format!("layer {position} ({layer}) cannot follow shape {}: {why}", shape_text(input))
        };
        let size: usize = input.iter().product();
        let grid = |rank_two_is_image: bool| -> Option<Grid> {
            match *input {
                [h, w, c] => Some(Grid { height: h, width: w, channels: c }),
                [h, w] if rank_two_is_image => Some(Grid { height: h, width: w, channels: 1 }),
                [t, f] => Some(Grid { height: t, width: 1, channels: f }),
                _ => None,
            }
        };
        let (mut recurrent_len, mut state_len) = (0, 0);
        let (op, output, kernel_len, bias_len) = match layer {
            // As Keras, Dense works on the last axis: on a sequence it is applied to every
            // step with the same kernel (one product over `rows x steps` rows).
            Layer::Dense { units, .. } => {
                let (&last, leading) = input.split_last().unwrap_or((&size, &[]));
                let mut output = leading.to_vec();
                output.push(units);
                (Op::Dense { inputs: last, units }, output, last * units, units)
            }
            Layer::Dropout { rate } => (Op::Dropout(rate), input.to_vec(), 0, 0),
            // Keras: (None, ...) -> (None, ..., dim); the table is the kernel, no bias.
            Layer::Embedding { vocab, dim } => {
                if position != 1 {
                    return Err(fail(
                        "embedding reads the input's integer codes, so it must be the first layer",
                    ));
                }
                let mut output = input.to_vec();
                output.push(dim);
                (Op::Embedding(dim), output, vocab * dim, 0)
            }
            // gamma as the kernel (a 1 x channels matrix), beta as the bias.
            Layer::LayerNorm => {
                let channels = input.last().copied().unwrap_or(size);
                (Op::LayerNorm(channels), input.to_vec(), channels, channels)
            }
            // As layer normalization, then the moving mean and variance (Keras's order
            // of weights: gamma, beta, moving_mean, moving_variance).
            Layer::BatchNorm => {
                let channels = input.last().copied().unwrap_or(size);
                state_len = 2 * channels;
                (Op::BatchNorm(channels), input.to_vec(), channels, channels)
            }
            Layer::Flatten => (Op::Copy, vec![size], 0, 0),
            Layer::Rescaling { scale, offset } => (Op::Rescale { scale, offset }, input.to_vec(), 0, 0),
            Layer::Conv2d { filters, kernel, padding, .. } => {
                let Some(grid) = grid(true) else {
                    return Err(fail("conv2d needs an image (HxWxC or HxW; give --input-shape)"));
                };
                let conv = conv::Conv::new(grid, kernel, filters, padding).map_err(|why| fail(&why))?;
                let out = conv.output;
                (Op::Conv(conv), vec![out.height, out.width, out.channels], conv.patch() * filters, filters)
            }
            Layer::Conv1d { filters, kernel, padding, .. } => {
                let Some(grid) = grid(false).filter(|_| input.len() == 2) else {
                    return Err(fail("conv1d needs a sequence (steps x features; give --input-shape)"));
                };
                let conv = conv::Conv::new(grid, [kernel, 1], filters, padding).map_err(|why| fail(&why))?;
                let out = conv.output;
                (Op::Conv(conv), vec![out.height, out.channels], conv.patch() * filters, filters)
            }
            Layer::MaxPool2d { pool } | Layer::AvgPool2d { pool } => {
                let Some(grid) = grid(true) else {
                    return Err(fail(&format!("{} needs an image (HxWxC or HxW)", layer.kind())));
                };
                let pool = pool::Pool::new(grid, pool).map_err(|why| fail(&why))?;
                let out = pool.output;
                let op = if matches!(layer, Layer::MaxPool2d { .. }) {
                    Op::MaxPool(pool)
                } else {
                    Op::AvgPool(pool)
                };
                (op, vec![out.height, out.width, out.channels], 0, 0)
            }
            Layer::MaxPool1d { pool } | Layer::AvgPool1d { pool } => {
                let Some(grid) = grid(false).filter(|_| input.len() == 2) else {
                    return Err(fail(&format!("{} needs a sequence (steps x features)", layer.kind())));
                };
                let pool = pool::Pool::new(grid, [pool, 1]).map_err(|why| fail(&why))?;
                let out = pool.output;
                let op = if matches!(layer, Layer::MaxPool1d { .. }) {
                    Op::MaxPool(pool)
                } else {
                    Op::AvgPool(pool)
                };
                (op, vec![out.height, out.channels], 0, 0)
            }
            Layer::GlobalMaxPool => {
                let Some(grid) = grid(false).filter(|_| input.len() >= 2) else {
                    return Err(fail("globalmaxpool needs a sequence or an image"));
                };
                let pool = pool::Pool::new(grid, [grid.height, grid.width]).map_err(|why| fail(&why))?;
                (Op::MaxPool(pool), vec![grid.channels], 0, 0)
            }
            Layer::GlobalAvgPool => {
                let Some(grid) = grid(false).filter(|_| input.len() >= 2) else {
                    return Err(fail("globalavgpool needs a sequence or an image"));
                };
                (Op::GlobalAvgPool(grid), vec![grid.channels], 0, 0)
            }
            Layer::SimpleRnn { .. }
            | Layer::Lstm { .. }
            | Layer::Gru { .. }
            | Layer::BiSimpleRnn { .. }
            | Layer::BiLstm { .. }
            | Layer::BiGru { .. } => {
                let &[steps, features] = input else {
                    return Err(fail(&format!(
                        "{} needs a sequence (steps x features: give --input-shape TxF or --window N; before it, conv1d, maxpool1d or a recurrent layer with :seq)",
                        layer.kind()
                    )));
                };
                let Some((cell, units, sequences)) = layer.cell() else {
                    return Err(fail("not a recurrent layer"));
                };
                let width = cell.gates() * units;
                let rnn = recurrent::Recurrent { cell, steps, features, units, sequences };
                // Both directions' parameters, forward then backward, for bidirectional.
                let (op, directions) = if layer.is_bidirectional() {
                    (Op::Bidirectional(bidirectional::Bidirectional { rnn }), 2)
                } else {
                    (Op::Recurrent(rnn), 1)
                };
                recurrent_len = directions * units * width;
                let out = directions * units;
                let output = if sequences { vec![steps, out] } else { vec![out] };
                (op, output, directions * features * width, directions * cell.bias_len(units))
            }
        };
        if output.contains(&0) {
            return Err(fail("the output would be empty"));
        }
        let output_size = output.iter().product();
        let activation = layer.activation();
        Ok(Placed {
            layer,
            input: input.to_vec(),
            output,
            op,
            offset,
            kernel_len,
            recurrent_len,
            bias_len,
            state_len,
            input_size: size,
            output_size,
            activation,
        })
    }

    /// Values in one row of input.
    #[inline(always)]
    pub fn input_size(&self) -> usize {
        self.input_size
    }

    /// Values in one row of output.
    #[inline(always)]
    pub fn output_size(&self) -> usize {
        self.output_size
    }

    /// The width the activation works across (the last axis).
    #[inline(always)]
    pub fn channels(&self) -> usize {
        self.output.last().copied().unwrap_or(1)
    }

    /// The activation applied to the output, if any.
    #[inline(always)]
    pub fn activation(&self) -> Option<Activation> {
        self.activation
    }

    /// Kernel, recurrent kernel, bias and kept values (all of Keras's weights).
    pub fn parameter_count(&self) -> usize {
        self.kernel_len + self.recurrent_len + self.bias_len + self.state_len
    }

    /// The values training does not move by gradients (Keras's non-trainable weights):
    /// batch normalization's moving mean and variance.
    pub fn non_trainable_count(&self) -> usize {
        self.state_len
    }

    /// Whether the layer has trainable weights (Dense, convolutions, recurrent layers,
    /// layer normalization).
    pub fn has_weights(&self) -> bool {
        self.kernel_len > 0
    }

    /// Whether `--l1`/`--l2` apply to its kernel (Keras's `kernel_regularizer`):
    /// normalization's scale and an embedding table are not kernels.
    pub fn is_regularized(&self) -> bool {
        self.has_weights() && !matches!(self.op, Op::LayerNorm(_) | Op::BatchNorm(_) | Op::Embedding(_))
    }

    /// Where the kernel sits in the parameter vector (empty for layers without one).
    pub fn kernel_range(&self) -> Range<usize> {
        self.offset..self.offset + self.kernel_len
    }

    /// Where a recurrent layer's recurrent kernel (`units x gates*units`) sits in the
    /// parameter vector, between the kernel and the bias (empty for other layers).
    pub fn recurrent_range(&self) -> Range<usize> {
        let start = self.offset + self.kernel_len;
        start..start + self.recurrent_len
    }

    /// Where the bias sits in the parameter vector.
    pub fn bias_range(&self) -> Range<usize> {
        let start = self.offset + self.kernel_len + self.recurrent_len;
        start..start + self.bias_len
    }

    /// Where the kept values sit, after the bias: batch normalization's moving mean
    /// then moving variance (empty for other layers).
    pub fn state_range(&self) -> Range<usize> {
        let start = self.bias_range().end;
        start..start + self.state_len
    }

    /// The kernel as a matrix: `(rows, columns)`, i.e. `inputs x units` for Dense and
    /// `(kh * kw * channels_in) x filters` for a convolution (Keras's layout flattened).
    pub fn kernel_shape(&self) -> (usize, usize) {
        match &self.op {
            Op::Dense { inputs, units } => (*inputs, *units),
            Op::Conv(conv) => (conv.patch(), conv.output.channels),
            Op::Recurrent(rnn) => (rnn.features, rnn.cell.gates() * rnn.units),
            Op::Bidirectional(bi) => (2 * bi.rnn.features, bi.rnn.cell.gates() * bi.rnn.units),
            Op::LayerNorm(channels) | Op::BatchNorm(channels) => (1, *channels),
            Op::Embedding(dim) => (self.kernel_len / dim, *dim),
            _ => (0, 0),
        }
    }

    /// Keras's fans for the initializers: `(inputs, units)` for Dense, the receptive
    /// field times the input or output channels for a convolution.
    pub fn fans(&self) -> (usize, usize) {
        match &self.op {
            Op::Conv(conv) => {
                let field = conv.kernel[0] * conv.kernel[1];
                (field * conv.input.channels, field * conv.output.channels)
            }
            // Each direction's kernel on its own.
            Op::Bidirectional(bi) => (bi.rnn.features, bi.rnn.cell.gates() * bi.rnn.units),
            _ => self.kernel_shape(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_in_the_issue_spelling() {
        let text = "rescaling:0.0625,conv2d:16:3x3:relu,maxpool2d:2x2,flatten,dropout:0.25,64:relu";
        let layers: Vec<Layer> =
            text.split(',').enumerate().map(|(i, t)| Layer::parse(t, i + 1).unwrap()).collect();
        assert_eq!(
            layers,
            vec![
                Layer::Rescaling { scale: 0.0625, offset: 0.0 },
                Layer::Conv2d {
                    filters: 16,
                    kernel: [3, 3],
                    activation: Activation::Relu,
                    padding: Padding::Valid
                },
                Layer::MaxPool2d { pool: [2, 2] },
                Layer::Flatten,
                Layer::Dropout { rate: 0.25 },
                Layer::dense(64, Activation::Relu),
            ]
        );
        let round_trip: Vec<String> = layers.iter().map(ToString::to_string).collect();
        assert_eq!(round_trip.join(","), text);
        assert_eq!(Layer::parse("dense:8", 1).unwrap(), Layer::dense(8, Activation::Linear));
        assert_eq!(
            Layer::parse("conv1d:4:5:same:tanh", 1).unwrap(),
            Layer::Conv1d { filters: 4, kernel: 5, activation: Activation::Tanh, padding: Padding::Same }
        );
        assert_eq!(Layer::parse("MaxPool1d:3", 1).unwrap(), Layer::MaxPool1d { pool: 3 });
        for (text, layer) in [
            ("avgpool1d:3", Layer::AvgPool1d { pool: 3 }),
            ("avgpool2d:2x3", Layer::AvgPool2d { pool: [2, 3] }),
            ("globalmaxpool", Layer::GlobalMaxPool),
        ] {
            assert_eq!(Layer::parse(text, 1).unwrap(), layer);
            assert_eq!(layer.to_string(), text);
        }
        assert_eq!(Layer::parse("rescaling:2:-1", 1).unwrap(), Layer::Rescaling { scale: 2.0, offset: -1.0 });
    }

    #[test]
    fn mistakes_name_the_layer_its_position_and_what_was_expected() {
        let cases = [
            ("conv2d:16:3", "layer 2 ('conv2d:16:3'): expected the kernel size as 3x3, got '3'"),
            ("dropout:1.5", "layer 2 ('dropout:1.5'): the rate must be in [0, 1)"),
            ("maxpool2d", "layer 2 ('maxpool2d'): expected maxpool2d:PxP"),
            ("conv", "layer 2 ('conv'): expected UNITS:ACTIVATION or one of dense"),
            ("12:softmax", "softmax belongs on the output layer"),
            ("conv2d:0:3x3", "filters must be at least 1"),
            ("conv2d:8:3x3:relu:same:tanh", "expected conv2d:FILTERS:KxK[:ACTIVATION][:same|valid]"),
            ("conv2d:8:3x3:relu:tanh", "expected at most an activation and same|valid"),
            ("12:swishy", "layer 2 ('12:swishy'): "),
        ];
        for (text, expected) in cases {
            let error = Layer::parse(text, 2).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn shapes_follow_keras() {
        let place = |layer: &str, input: &[usize]| Placed::new(Layer::parse(layer, 1).unwrap(), input, 0, 1);
        assert_eq!(place("conv2d:16:3x3:relu", &[8, 8, 1]).unwrap().output, vec![6, 6, 16]);
        assert_eq!(place("conv2d:16:3x3:relu:same", &[8, 8, 1]).unwrap().output, vec![8, 8, 16]);
        assert_eq!(place("conv2d:4:3x3", &[28, 28]).unwrap().output, vec![26, 26, 4]);
        assert_eq!(place("maxpool2d:2x2", &[7, 7, 3]).unwrap().output, vec![3, 3, 3]);
        assert_eq!(place("conv1d:8:3", &[10, 2]).unwrap().output, vec![8, 8]);
        assert_eq!(place("maxpool1d:3", &[10, 2]).unwrap().output, vec![3, 2]);
        assert_eq!(place("globalavgpool", &[6, 6, 16]).unwrap().output, vec![16]);
        assert_eq!(place("globalavgpool", &[10, 3]).unwrap().output, vec![3]);
        assert_eq!(place("flatten", &[3, 3, 16]).unwrap().output, vec![144]);
        assert_eq!(place("avgpool2d:2x2", &[7, 7, 3]).unwrap().output, vec![3, 3, 3]);
        assert_eq!(place("avgpool1d:3", &[10, 2]).unwrap().output, vec![3, 2]);
        assert_eq!(place("globalmaxpool", &[6, 6, 16]).unwrap().output, vec![16]);
        assert_eq!(place("globalmaxpool", &[10, 3]).unwrap().output, vec![3]);
        // Dense on the last axis, as Keras: (None, 10, 3) -> (None, 10, 8), 3*8 + 8 weights.
        let dense = place("dense:8:relu", &[10, 3]).unwrap();
        assert_eq!((dense.output.clone(), dense.parameter_count()), (vec![10, 8], 32));
        assert_eq!(place("12:relu", &[6, 6, 16]).unwrap().output, vec![6, 6, 12]);
        let conv = place("conv2d:16:3x3:relu", &[8, 8, 1]).unwrap();
        assert_eq!(conv.parameter_count(), 160);
        assert_eq!(conv.fans(), (9, 144));
        let errors = [
            (
                "conv2d:8:3x3",
                vec![64],
                "layer 1 (conv2d:8:3x3:linear) cannot follow shape (None, 64): conv2d needs an image",
            ),
            (
                "conv2d:8:9x9",
                vec![8, 8, 1],
                "cannot follow shape (None, 8, 8, 1): the 9x9 kernel is larger than the 8x8 input",
            ),
            ("maxpool2d:3x3", vec![2, 2, 1], "the 3x3 pool is larger than the 2x2 input"),
            ("conv1d:2:3", vec![8, 8, 1], "conv1d needs a sequence"),
            ("avgpool1d:2", vec![8, 8, 1], "avgpool1d needs a sequence"),
            ("avgpool2d:3x3", vec![2, 2, 1], "the 3x3 pool is larger than the 2x2 input"),
            ("globalmaxpool", vec![8], "globalmaxpool needs a sequence or an image"),
        ];
        for (layer, input, expected) in errors {
            let error = place(layer, &input).unwrap_err();
            assert!(error.contains(expected), "{layer}: {error}");
        }
    }
}
