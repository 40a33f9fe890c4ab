//! A trained model as one ONNX file: the whole predictor, from raw columns to the
//! class names, as scikit-learn-onnx exports a pipeline.
//!
//! The graph does what `nntui predict` does, step for step and in the same float32
//! arithmetic: one input per feature column (numbers as float `[N, 1]`, categories as
//! strings), missing values filled as the model file says, categories one-hot encoded
//! (an unseen one gives zeros), the standardization, every layer, and the outputs
//! `probabilities` and `label` (classification) or `value` (regression, in the label's
//! units). Layers run channels last between operators, as in nntui and Keras; each
//! convolution and pooling is wrapped in the transposes ONNX's channels-first
//! operators need, and recurrent layers run time-major between ONNX's RNN, LSTM and GRU.

pub mod proto;

use crate::data::columns::ColumnKind;
use crate::data::{FeatureColumn, Standardizer, Task};
use crate::model_file::{ModelFile, SavedLayer};
use crate::nn::layer::recurrent::Cell;
use crate::nn::{Activation, Layer, Padding};
use prost::Message;
use proto::{
    AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, StringStringEntryProto,
    TensorProto, TypeProto, ValueInfoProto, attribute_type, data_type,
};

/// The ONNX operator set the graph is written for (onnxruntime has run it since 1.12).
pub const OPSET: i64 = 17;
/// The `ai.onnx.ml` operator set (its `CategoryMapper` for categories).
pub const ML_OPSET: i64 = 3;
/// The IR version of opset 17.
pub const IR_VERSION: i64 = 8;
/// Names every output and node of nntui's own (a column could be called anything
/// else; see [`OUTPUT_NAMES`]).
const PREFIX: &str = "nntui/";
/// The graph's outputs' names.
pub const OUTPUT_NAMES: [&str; 3] = ["probabilities", "label", "value"];
/// A category cell's code for a missing cell (an unseen category is -1).
const MISSING_CODE: i64 = -2;

/// How the graph takes its inputs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OnnxOptions {
    /// One float `[N, F]` input in the file's column order (numeric models only),
    /// instead of one input per column.
    pub single_input: bool,
}

/// The model as an ONNX file's bytes.
///
/// # Errors
/// `--single-input` with a category column, or a column named like an output.
pub fn onnx(file: &ModelFile, options: &OnnxOptions) -> Result<Vec<u8>, String> {
    let mut graph = Graph::default();
    let features = preprocess(&mut graph, file, options)?;
    let mut layout = Layout::Flat;
    let mut x = features;
    if let Some(shape) = &file.input_shape
        && shape.len() > 1
    {
        let dims: Vec<i64> = std::iter::once(-1).chain(shape.iter().map(|&d| dim(d))).collect();
        let target = graph.ints("shape", &[dim(dims.len())], &dims);
        x = graph.op("Reshape", &[&x, &target], vec![]);
        layout = Layout::ChannelsLast(shape.len() + 1);
    }
    for (index, layer) in file.layers.iter().enumerate() {
        (x, layout) = network_layer(&mut graph, layer, x, layout)
            .map_err(|why| format!("layer {} ({}): {why}", index + 1, layer_name(layer)))?;
    }
    if layout != Layout::Flat {
        return Err("the network's output is not one row per sample".into());
    }
    outputs(&mut graph, file, &x);
    let metadata = metadata(file, options);
    let model = ModelProto {
        ir_version: Some(IR_VERSION),
        opset_import: vec![
            OperatorSetIdProto { domain: Some(String::new()), version: Some(OPSET) },
            OperatorSetIdProto { domain: Some("ai.onnx.ml".into()), version: Some(ML_OPSET) },
        ],
        producer_name: Some("nntui".into()),
        producer_version: Some(env!("CARGO_PKG_VERSION").into()),
        domain: Some(String::new()),
        model_version: Some(1),
        doc_string: Some(format!(
            "{} predicting {:?} ({}), exported by nntui {}",
            file.task,
            file.label_name,
            if file.task == Task::Regression { "output value".into() } else { file.class_names.join(", ") },
            env!("CARGO_PKG_VERSION")
        )),
        graph: Some(GraphProto {
            node: graph.nodes,
            name: Some("nntui".into()),
            initializer: graph.initializers,
            doc_string: None,
            input: graph.inputs,
            output: graph.outputs,
        }),
        metadata_props: metadata
            .into_iter()
            .map(|(key, value)| StringStringEntryProto { key: Some(key), value: Some(value) })
            .collect(),
    };
    Ok(model.encode_to_vec())
}

/// Writes [`onnx`]'s bytes to `path`.
///
/// # Errors
/// What [`onnx`] refuses, or a write that failed, with the path.
pub fn write_onnx(file: &ModelFile, options: &OnnxOptions, path: &std::path::Path) -> Result<(), String> {
    let bytes = onnx(file, options)?;
    std::fs::write(path, bytes).map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

/// Where the samples' axes are between two layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// `[N, features]`.
    Flat,
    /// `[N, ..., channels]` of this rank, as nntui and Keras hold it.
    ChannelsLast(usize),
    /// `[steps, N, features]`, as ONNX's recurrent operators take and give it.
    TimeMajor,
}

/// Nodes and constants as they are added, with names that cannot meet a column's.
#[derive(Default)]
struct Graph {
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    inputs: Vec<ValueInfoProto>,
    outputs: Vec<ValueInfoProto>,
    count: usize,
}

impl Graph {
    fn fresh(&mut self, hint: &str) -> String {
        self.count += 1;
        format!("{PREFIX}{hint}_{}", self.count)
    }

    fn constant(&mut self, hint: &str, mut tensor: TensorProto) -> String {
        let name = self.fresh(hint);
        tensor.name = Some(name.clone());
        self.initializers.push(tensor);
        name
    }

    fn floats(&mut self, hint: &str, dims: &[i64], values: &[f32]) -> String {
        self.constant(hint, float_tensor(dims, values))
    }

    fn ints(&mut self, hint: &str, dims: &[i64], values: &[i64]) -> String {
        let raw = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.constant(
            hint,
            TensorProto {
                dims: dims.to_vec(),
                data_type: Some(data_type::INT64),
                raw_data: Some(raw),
                ..TensorProto::default()
            },
        )
    }

    fn strings(&mut self, hint: &str, values: &[String]) -> String {
        self.constant(
            hint,
            TensorProto {
                dims: vec![dim(values.len())],
                data_type: Some(data_type::STRING),
                string_data: values.iter().map(|s| s.as_bytes().to_vec()).collect(),
                ..TensorProto::default()
            },
        )
    }

    /// An operator of the default domain with one output.
    fn op(&mut self, op: &str, inputs: &[&str], attributes: Vec<AttributeProto>) -> String {
        let output = self.fresh(&op.to_lowercase());
        self.node(op, "", inputs, attributes, std::slice::from_ref(&output));
        output
    }

    fn node(
        &mut self,
        op: &str,
        domain: &str,
        inputs: &[&str],
        attributes: Vec<AttributeProto>,
        outputs: &[String],
    ) {
        let name = format!("{PREFIX}{op}_{}", self.nodes.len() + 1);
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| (*s).to_string()).collect(),
            output: outputs.to_vec(),
            name: Some(name),
            op_type: Some(op.into()),
            domain: Some(domain.into()),
            attribute: attributes,
        });
    }

    fn input(&mut self, name: &str, elem_type: i32, dims: &[Option<usize>]) {
        self.inputs.push(value_info(name, elem_type, dims));
    }
}

fn dim(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn float_tensor(dims: &[i64], values: &[f32]) -> TensorProto {
    TensorProto {
        dims: dims.to_vec(),
        data_type: Some(data_type::FLOAT),
        raw_data: Some(values.iter().flat_map(|v| v.to_le_bytes()).collect()),
        ..TensorProto::default()
    }
}

/// A tensor's type: `None` dimensions are the batch, `N`.
fn value_info(name: &str, elem_type: i32, dims: &[Option<usize>]) -> ValueInfoProto {
    use proto::tensor_shape_proto::{Dimension, dimension};
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Some(n) => dimension::Value::DimValue(dim(*n)),
                None => dimension::Value::DimParam("N".into()),
            }),
        })
        .collect();
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto {
            value: Some(proto::type_proto::Value::TensorType(proto::type_proto::Tensor {
                elem_type: Some(elem_type),
                shape: Some(proto::TensorShapeProto { dim }),
            })),
        }),
        doc_string: None,
    }
}

fn string(name: &str, value: &str) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(attribute_type::STRING),
        s: Some(value.as_bytes().to_vec()),
        ..Default::default()
    }
}

fn int(name: &str, value: i64) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(attribute_type::INT),
        i: Some(value),
        ..Default::default()
    }
}

fn ints(name: &str, values: &[i64]) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(attribute_type::INTS),
        ints: values.to_vec(),
        ..Default::default()
    }
}

fn float(name: &str, value: f32) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(attribute_type::FLOAT),
        f: Some(value),
        ..Default::default()
    }
}

fn strings(name: &str, values: &[String]) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(attribute_type::STRINGS),
        strings: values.iter().map(|s| s.as_bytes().to_vec()).collect(),
        ..Default::default()
    }
}

/// The graph's inputs up to the network's: `[N, inputs]` floats, filled and scaled.
fn preprocess(graph: &mut Graph, file: &ModelFile, options: &OnnxOptions) -> Result<String, String> {
    let inputs = file.feature_names.len();
    let schema = file.schema();
    let mut x = if let Some(window) = file.window {
        // A forecaster reads windows of the raw series: per step the feature columns,
        // then the label's own value (a class as its index of two or one-hot), as
        // `predict` cuts them from the file.
        let step = inputs / window.size.max(1);
        graph.input("window", data_type::FLOAT, &[None, Some(window.size), Some(step)]);
        let flat = graph.ints("shape", &[2], &[-1, dim(inputs)]);
        graph.op("Reshape", &["window", &flat], vec![])
    } else if options.single_input {
        if let Some(column) = schema.columns.iter().find(|c| c.is_categorical()) {
            return Err(format!(
                "--single-input takes numbers only, and the column {:?} holds categories (leave out --single-input: one input per column)",
                column.name
            ));
        }
        graph.input("input", data_type::FLOAT, &[None, Some(inputs)]);
        "input".to_string()
    } else {
        let mut pieces = Vec::with_capacity(schema.columns.len());
        for column in &schema.columns {
            if OUTPUT_NAMES.contains(&column.name.as_str()) || column.name.starts_with(PREFIX) {
                return Err(format!(
                    "the column {:?} has an output's name (the outputs are {}); export with --single-input",
                    column.name,
                    OUTPUT_NAMES.join(", ")
                ));
            }
            pieces.push(column_input(graph, file, column));
        }
        if pieces.len() == 1 {
            pieces.remove(0)
        } else {
            let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
            graph.op("Concat", &refs, vec![int("axis", 1)])
        }
    };
    let trained = file.trained();
    if let Some(imputer) = &trained.scaling.imputer {
        let missing = graph.op("IsNaN", &[&x], vec![]);
        let fill = graph.floats("fill", &[dim(inputs)], &imputer.fill);
        x = graph.op("Where", &[&missing, &fill, &x], vec![]);
        if imputer.seen.iter().any(|&seen| !seen) {
            let seen: Vec<f32> = imputer.seen.iter().map(|&s| if s { 1.0 } else { 0.0 }).collect();
            let mask = graph.floats("seen", &[dim(inputs)], &seen);
            x = graph.op("Mul", &[&x, &mask], vec![]);
        }
    }
    if let Some(s) = &file.standardization {
        // The same f32 numbers as predict's: (x - mean) * (1 / std), zero std read as 1.
        let standardizer = Standardizer::new(s.mean.clone(), s.std.clone());
        let inverse: Vec<f32> = standardizer.std().iter().map(|s| 1.0 / s).collect();
        let mean = graph.floats("mean", &[dim(inputs)], standardizer.mean());
        let inverse = graph.floats("inverse_std", &[dim(inputs)], &inverse);
        let centred = graph.op("Sub", &[&x, &mean], vec![]);
        x = graph.op("Mul", &[&centred, &inverse], vec![]);
    }
    Ok(x)
}

/// One column's input and its `[N, width]` floats: a number as it is (NaN when
/// missing), a category one-hot (zeros when unseen, NaN when missing, for the fill).
fn column_input(graph: &mut Graph, file: &ModelFile, column: &FeatureColumn) -> String {
    match &column.kind {
        ColumnKind::Number => {
            graph.input(&column.name, data_type::FLOAT, &[None, Some(1)]);
            column.name.clone()
        }
        ColumnKind::Category { categories } => {
            graph.input(&column.name, data_type::STRING, &[None, Some(1)]);
            // Codes: each category its place, each missing marker -2, anything else -1.
            let mut keys: Vec<String> = categories.clone();
            let mut codes: Vec<i64> = (0..dim(categories.len())).collect();
            let na = file.data.as_ref().map(|d| d.na_values.with(&column.na_values)).unwrap_or_default();
            let mut markers: Vec<String> = vec![String::new()];
            for marker in &na.0 {
                // Markers match in any ASCII case: the spellings people write.
                for spelling in [marker.clone(), marker.to_lowercase(), marker.to_uppercase()] {
                    markers.push(spelling);
                }
            }
            for marker in markers {
                if !keys.contains(&marker) {
                    keys.push(marker);
                    codes.push(MISSING_CODE);
                }
            }
            let code = graph.fresh("code");
            graph.node(
                "CategoryMapper",
                "ai.onnx.ml",
                &[&column.name],
                vec![strings("cats_strings", &keys), ints("cats_int64s", &codes), int("default_int64", -1)],
                std::slice::from_ref(&code),
            );
            let places: Vec<i64> = (0..dim(categories.len())).collect();
            let places = graph.ints("places", &[1, dim(categories.len())], &places);
            let hot = graph.op("Equal", &[&code, &places], vec![]);
            let hot = graph.op("Cast", &[&hot], vec![int("to", i64::from(data_type::FLOAT))]);
            let missing_code = graph.ints("missing_code", &[1], &[MISSING_CODE]);
            let missing = graph.op("Equal", &[&code, &missing_code], vec![]);
            let nan = graph.floats("nan", &[1], &[f32::NAN]);
            graph.op("Where", &[&missing, &nan, &hot], vec![])
        }
    }
}

fn layer_name(layer: &SavedLayer) -> String {
    layer.spec.map_or_else(|| "dense".to_string(), |spec| spec.kind().to_string())
}

/// Moves `[steps, N, features]` back to `[N, steps, features]`.
fn channels_last(graph: &mut Graph, x: String, layout: Layout) -> (String, Layout) {
    match layout {
        Layout::TimeMajor => {
            (graph.op("Transpose", &[&x], vec![ints("perm", &[1, 0, 2])]), Layout::ChannelsLast(3))
        }
        other => (x, other),
    }
}

/// The permutations between channels last and first for a tensor of `rank`.
fn perms(rank: usize) -> (Vec<i64>, Vec<i64>) {
    let r = dim(rank);
    let first: Vec<i64> = [0, r - 1].into_iter().chain(1..r - 1).collect();
    let last: Vec<i64> = std::iter::once(0).chain(2..r).chain(std::iter::once(1)).collect();
    (first, last)
}

/// One layer's nodes on `x`; the output and where its axes are.
fn network_layer(
    graph: &mut Graph,
    layer: &SavedLayer,
    x: String,
    layout: Layout,
) -> Result<(String, Layout), String> {
    let spec = layer.spec.unwrap_or(Layer::Dense { units: layer.units, activation: layer.activation });
    let kernel: Vec<f32> = layer.kernel.iter().flatten().copied().collect();
    let rows = layer.kernel.len();
    match spec {
        // MatMul works on the last axis, broadcasting over the others: Dense on a
        // sequence (either axis order) or an image keeps its layout.
        Layer::Dense { units, activation } => {
            let w = graph.floats("kernel", &[dim(rows), dim(units)], &kernel);
            let b = graph.floats("bias", &[dim(units)], &layer.bias);
            let product = graph.op("MatMul", &[&x, &w], vec![]);
            let z = graph.op("Add", &[&product, &b], vec![]);
            Ok((activate(graph, z, activation), layout))
        }
        Layer::Dropout { .. } => Ok((x, layout)),
        // The codes as indices into the table: [N, ...] -> [N, ..., dim]. A runtime
        // refuses an index outside the table; a fraction is cut to its whole part (nntui
        // refuses both before it predicts).
        Layer::Embedding { vocab, dim: width } => {
            let table = graph.floats("embeddings", &[dim(vocab), dim(width)], &kernel);
            let codes = graph.op("Cast", &[&x], vec![int("to", i64::from(data_type::INT64))]);
            let rank = match layout {
                Layout::Flat => 2,
                Layout::ChannelsLast(rank) => rank,
                Layout::TimeMajor => {
                    return Err("an embedding reads the input's codes: it must come first".into());
                }
            };
            Ok((graph.op("Gather", &[&table, &codes], vec![int("axis", 0)]), Layout::ChannelsLast(rank + 1)))
        }
        // Over the last axis, in every layout, with each position's own statistics.
        Layer::LayerNorm => {
            let last = || vec![ints("axes", &[-1]), int("keepdims", 1)];
            let mean = graph.op("ReduceMean", &[&x], last());
            let centred = graph.op("Sub", &[&x, &mean], vec![]);
            let squares = graph.op("Mul", &[&centred, &centred], vec![]);
            let variance = graph.op("ReduceMean", &[&squares], last());
            Ok((normalize(graph, &x, (&mean, &variance), (&kernel, &layer.bias)), layout))
        }
        // With the moving statistics: an affine map on the last axis in every layout.
        Layer::BatchNorm => {
            let channels = layer.bias.len();
            let mean = graph.floats("moving_mean", &[dim(channels)], &layer.moving_mean);
            let variance = graph.floats("moving_variance", &[dim(channels)], &layer.moving_variance);
            Ok((normalize(graph, &x, (&mean, &variance), (&kernel, &layer.bias)), layout))
        }
        Layer::Flatten => {
            let (x, _) = channels_last(graph, x, layout);
            Ok((graph.op("Flatten", &[&x], vec![int("axis", 1)]), Layout::Flat))
        }
        Layer::Rescaling { scale, offset } => {
            #[allow(clippy::cast_possible_truncation, reason = "the layer computes in f32 as nntui does")]
            let (scale, offset) = (scale as f32, offset as f32);
            let s = graph.floats("scale", &[1], &[scale]);
            let o = graph.floats("offset", &[1], &[offset]);
            let scaled = graph.op("Mul", &[&x, &s], vec![]);
            Ok((graph.op("Add", &[&scaled, &o], vec![]), layout))
        }
        Layer::Conv1d { filters, kernel: k, activation, padding } => {
            conv(graph, x, layout, (&kernel, rows, &layer.bias), (&[k], filters), activation, padding)
        }
        Layer::Conv2d { filters, kernel: k, activation, padding } => {
            conv(graph, x, layout, (&kernel, rows, &layer.bias), (&k, filters), activation, padding)
        }
        Layer::MaxPool1d { pool } => pooling(graph, x, layout, "MaxPool", &[pool]),
        Layer::MaxPool2d { pool } => pooling(graph, x, layout, "MaxPool", &pool),
        Layer::AvgPool1d { pool } => pooling(graph, x, layout, "AveragePool", &[pool]),
        Layer::AvgPool2d { pool } => pooling(graph, x, layout, "AveragePool", &pool),
        Layer::GlobalAvgPool | Layer::GlobalMaxPool => {
            let (x, layout) = channels_last(graph, x, layout);
            let Layout::ChannelsLast(rank) = layout else {
                return Err("global pooling needs steps or an image".into());
            };
            let axes: Vec<i64> = (1..dim(rank) - 1).collect();
            let op = if spec == Layer::GlobalAvgPool { "ReduceMean" } else { "ReduceMax" };
            Ok((graph.op(op, &[&x], vec![ints("axes", &axes), int("keepdims", 0)]), Layout::Flat))
        }
        Layer::SimpleRnn { .. }
        | Layer::Lstm { .. }
        | Layer::Gru { .. }
        | Layer::BiSimpleRnn { .. }
        | Layer::BiLstm { .. }
        | Layer::BiGru { .. } => recurrent(graph, x, layout, layer, spec),
    }
}

/// `y = x s + (beta - mean s)` with `s = gamma / sqrt(variance + 1e-3)`, over the last
/// axis, in the order nntui (and Keras) compute normalization in.
fn normalize(
    graph: &mut Graph,
    x: &str,
    (mean, variance): (&str, &str),
    (gamma, beta): (&[f32], &[f32]),
) -> String {
    let gamma = graph.floats("gamma", &[dim(gamma.len())], gamma);
    let beta = graph.floats("beta", &[dim(beta.len())], beta);
    #[allow(clippy::cast_possible_truncation, reason = "the epsilon nntui adds in f32")]
    let epsilon = graph.floats("epsilon", &[1], &[crate::nn::layer::norm::EPSILON as f32]);
    let shifted = graph.op("Add", &[variance, &epsilon], vec![]);
    let root = graph.op("Sqrt", &[&shifted], vec![]);
    let inverse = graph.op("Reciprocal", &[&root], vec![]);
    let scale = graph.op("Mul", &[&inverse, &gamma], vec![]);
    let scaled = graph.op("Mul", &[x, &scale], vec![]);
    let moved = graph.op("Mul", &[mean, &scale], vec![]);
    let offset = graph.op("Sub", &[&beta, &moved], vec![]);
    graph.op("Add", &[&scaled, &offset], vec![])
}

fn activate(graph: &mut Graph, z: String, activation: Activation) -> String {
    match activation {
        Activation::Linear => z,
        Activation::Relu => graph.op("Relu", &[&z], vec![]),
        Activation::Sigmoid => graph.op("Sigmoid", &[&z], vec![]),
        Activation::Tanh => graph.op("Tanh", &[&z], vec![]),
        Activation::Softmax => graph.op("Softmax", &[&z], vec![int("axis", -1)]),
        Activation::LeakyRelu => graph.op("LeakyRelu", &[&z], vec![float("alpha", 0.2)]),
        Activation::Elu => graph.op("Elu", &[&z], vec![float("alpha", 1.0)]),
        // ONNX's defaults are SELU's constants in f32, the ones nntui rounds to.
        Activation::Selu => graph.op("Selu", &[&z], vec![]),
        Activation::Softplus => graph.op("Softplus", &[&z], vec![]),
        Activation::Softsign => graph.op("Softsign", &[&z], vec![]),
        Activation::HardSigmoid => {
            graph.op("HardSigmoid", &[&z], vec![float("alpha", 1.0 / 6.0), float("beta", 0.5)])
        }
        // Opset 17 has no Gelu (it came in 20): z (1 + erf(z / √2)) / 2, as nntui computes it.
        Activation::Gelu => {
            #[allow(clippy::cast_possible_truncation, reason = "the constant nntui rounds to f32")]
            let root_half = graph.floats("root_half", &[1], &[std::f64::consts::FRAC_1_SQRT_2 as f32]);
            let (one, half) = (graph.floats("one", &[1], &[1.0]), graph.floats("half", &[1], &[0.5]));
            let scaled = graph.op("Mul", &[&z, &root_half], vec![]);
            let erf = graph.op("Erf", &[&scaled], vec![]);
            let shifted = graph.op("Add", &[&erf, &one], vec![]);
            let product = graph.op("Mul", &[&z, &shifted], vec![]);
            graph.op("Mul", &[&product, &half], vec![])
        }
        Activation::Silu => {
            let s = graph.op("Sigmoid", &[&z], vec![]);
            graph.op("Mul", &[&z, &s], vec![])
        }
        Activation::Mish => {
            let softplus = graph.op("Softplus", &[&z], vec![]);
            let t = graph.op("Tanh", &[&softplus], vec![]);
            graph.op("Mul", &[&z, &t], vec![])
        }
    }
}

/// A convolution (stride 1): Keras's `kernel_size x channels_in x filters` kernel as
/// ONNX's `filters x channels_in x kernel_size`, `same` padding `(k - 1) / 2` before.
fn conv(
    graph: &mut Graph,
    x: String,
    layout: Layout,
    (kernel, rows, bias): (&[f32], usize, &[f32]),
    (size, filters): (&[usize], usize),
    activation: Activation,
    padding: Padding,
) -> Result<(String, Layout), String> {
    let (x, layout) = channels_last(graph, x, layout);
    let rank = size.len() + 2;
    if layout != Layout::ChannelsLast(rank) {
        return Err(format!("a {}-D convolution needs a rank-{rank} input", size.len()));
    }
    let taps: usize = size.iter().product();
    let channels = rows / taps.max(1);
    // Keras's row `tap * channels + c`, column `f` -> ONNX's `[f][c][tap]`.
    let mut weights = vec![0.0f32; filters * channels * taps];
    for tap in 0..taps {
        for c in 0..channels {
            for f in 0..filters {
                weights[(f * channels + c) * taps + tap] = kernel[(tap * channels + c) * filters + f];
            }
        }
    }
    let dims: Vec<i64> = [filters, channels].iter().chain(size).map(|&d| dim(d)).collect();
    let w = graph.floats("kernel", &dims, &weights);
    let b = graph.floats("bias", &[dim(filters)], bias);
    let pads: Vec<i64> = match padding {
        Padding::Valid => vec![0; 2 * size.len()],
        Padding::Same => {
            let before = size.iter().map(|&k| dim((k - 1) / 2));
            let after = size.iter().map(|&k| dim(k - 1 - (k - 1) / 2));
            before.chain(after).collect()
        }
    };
    let (first, last) = perms(rank);
    let x = graph.op("Transpose", &[&x], vec![ints("perm", &first)]);
    let kernel_shape: Vec<i64> = size.iter().map(|&k| dim(k)).collect();
    let y = graph.op(
        "Conv",
        &[&x, &w, &b],
        vec![ints("kernel_shape", &kernel_shape), ints("pads", &pads), ints("strides", &vec![1; size.len()])],
    );
    let y = graph.op("Transpose", &[&y], vec![ints("perm", &last)]);
    Ok((activate(graph, y, activation), layout))
}

/// Max or average pooling (`op`), stride = window, no padding, between transposes to
/// channels first and back.
fn pooling(
    graph: &mut Graph,
    x: String,
    layout: Layout,
    op: &str,
    pool: &[usize],
) -> Result<(String, Layout), String> {
    let (x, layout) = channels_last(graph, x, layout);
    let rank = pool.len() + 2;
    if layout != Layout::ChannelsLast(rank) {
        return Err(format!("a {}-D pooling needs a rank-{rank} input", pool.len()));
    }
    let (first, last) = perms(rank);
    let shape: Vec<i64> = pool.iter().map(|&p| dim(p)).collect();
    let x = graph.op("Transpose", &[&x], vec![ints("perm", &first)]);
    let y = graph.op(op, &[&x], vec![ints("kernel_shape", &shape), ints("strides", &shape)]);
    Ok((graph.op("Transpose", &[&y], vec![ints("perm", &last)]), layout))
}

/// ONNX's RNN, LSTM or GRU from Keras's weights: kernels transposed, gates reordered
/// (Keras's LSTM i f c o is ONNX's i o f c; GRU z r h is the same), Keras's one bias
/// as ONNX's input bias (the GRU's second as the recurrent one, `linear_before_reset`
/// being Keras's `reset_after`). A bidirectional layer is ONNX's `bidirectional`
/// direction, its two outputs per step concatenated, forward first, as Keras's.
fn recurrent(
    graph: &mut Graph,
    x: String,
    layout: Layout,
    layer: &SavedLayer,
    spec: Layer,
) -> Result<(String, Layout), String> {
    let Some((cell, units, sequences)) = spec.cell() else {
        return Err("not a recurrent layer".into());
    };
    let directions = if spec.is_bidirectional() { 2 } else { 1 };
    let x = match layout {
        Layout::TimeMajor => x,
        Layout::ChannelsLast(3) => graph.op("Transpose", &[&x], vec![ints("perm", &[1, 0, 2])]),
        _ => return Err("a recurrent layer needs [steps, features] samples".into()),
    };
    let (op, order): (&str, &[usize]) = match cell {
        Cell::Lstm => ("LSTM", &[0, 3, 1, 2]),
        Cell::Gru => ("GRU", &[0, 1, 2]),
        Cell::Simple => ("RNN", &[0]),
    };
    let gates = order.len();
    // `matrix` is `inputs x gates*units` (Keras); ONNX wants `gates*units x inputs`,
    // gate blocks in its own order.
    let onnx_weights = |matrix: &[Vec<f32>]| -> Vec<f32> {
        let mut out = Vec::with_capacity(matrix.len() * gates * units);
        for &keras_gate in order {
            for unit in 0..units {
                out.extend(matrix.iter().map(|row| row[keras_gate * units + unit]));
            }
        }
        out
    };
    let features = layer.kernel.len() / directions;
    let width = gates * units;
    let reorder = |bias: &[f32]| -> Vec<f32> {
        order.iter().flat_map(|&g| bias[g * units..(g + 1) * units].iter().copied()).collect()
    };
    let bias_len = layer.bias.len() / directions;
    let (mut w, mut r, mut b) = (Vec::new(), Vec::new(), Vec::new());
    for d in 0..directions {
        w.extend(onnx_weights(&layer.kernel[d * features..(d + 1) * features]));
        r.extend(onnx_weights(&layer.recurrent_kernel[d * units..(d + 1) * units]));
        let bias = &layer.bias[d * bias_len..(d + 1) * bias_len];
        b.extend(reorder(&bias[..width]));
        if cell == Cell::Gru {
            b.extend(reorder(&bias[width..2 * width]));
        } else {
            b.extend(std::iter::repeat_n(0.0, width));
        }
    }
    let d = dim(directions);
    let w = graph.floats("kernel", &[d, dim(width), dim(features)], &w);
    let r = graph.floats("recurrent_kernel", &[d, dim(width), dim(units)], &r);
    let b = graph.floats("bias", &[d, dim(2 * width)], &b);
    let mut attributes = vec![int("hidden_size", dim(units))];
    if cell == Cell::Gru {
        attributes.push(int("linear_before_reset", 1));
    }
    if directions == 2 {
        attributes.push(string("direction", "bidirectional"));
    }
    let (all, last) = (graph.fresh("sequence"), graph.fresh("state"));
    let mut outputs = vec![all.clone(), last.clone()];
    if cell == Cell::Lstm {
        outputs.push(graph.fresh("cell"));
    }
    graph.node(op, "", &[&x, &w, &r, &b], attributes, &outputs);
    // Y is [steps, directions, N, units], Y_h [directions, N, units].
    match (sequences, directions) {
        (true, 1) => {
            let axis = graph.ints("axis", &[1], &[1]);
            Ok((graph.op("Squeeze", &[&all, &axis], vec![]), Layout::TimeMajor))
        }
        (false, 1) => {
            let axis = graph.ints("axis", &[1], &[0]);
            Ok((graph.op("Squeeze", &[&last, &axis], vec![]), Layout::Flat))
        }
        (true, _) => {
            let y = graph.op("Transpose", &[&all], vec![ints("perm", &[0, 2, 1, 3])]);
            let shape = graph.ints("shape", &[3], &[0, 0, -1]);
            Ok((graph.op("Reshape", &[&y, &shape], vec![]), Layout::TimeMajor))
        }
        (false, _) => {
            let y = graph.op("Transpose", &[&last], vec![ints("perm", &[1, 0, 2])]);
            let shape = graph.ints("shape", &[2], &[0, -1]);
            Ok((graph.op("Reshape", &[&y, &shape], vec![]), Layout::Flat))
        }
    }
}

/// `probabilities` and `label`, or `value`.
fn outputs(graph: &mut Graph, file: &ModelFile, z: &str) {
    let units = file.layers.last().map_or(1, |l| l.units);
    if file.task == Task::Regression {
        let y = match file.target_standardization {
            Some(t) => {
                let std = graph.floats("target_std", &[1], &[t.std]);
                let mean = graph.floats("target_mean", &[1], &[t.mean]);
                let scaled = graph.op("Mul", &[z, &std], vec![]);
                graph.op("Add", &[&scaled, &mean], vec![])
            }
            None => z.to_string(),
        };
        graph.node("Identity", "", &[&y], vec![], &["value".to_string()]);
        graph.outputs.push(value_info("value", data_type::FLOAT, &[None, Some(1)]));
        return;
    }
    let classes = file.class_names.len();
    let index = if units == 1 {
        // One sigmoid unit: [1 - p, p], and the second class when p > 0.5.
        let one = graph.floats("one", &[1], &[1.0]);
        let other = graph.op("Sub", &[&one, z], vec![]);
        graph.node("Concat", "", &[&other, z], vec![int("axis", 1)], &["probabilities".to_string()]);
        let half = graph.floats("half", &[1], &[0.5]);
        let above = graph.op("Greater", &[z, &half], vec![]);
        let above = graph.op("Cast", &[&above], vec![int("to", i64::from(data_type::INT64))]);
        let flat = graph.ints("shape", &[1], &[-1]);
        graph.op("Reshape", &[&above, &flat], vec![])
    } else {
        graph.node("Identity", "", &[z], vec![], &["probabilities".to_string()]);
        graph.op("ArgMax", &[z], vec![int("axis", 1), int("keepdims", 0)])
    };
    let names = graph.strings("class_names", &file.class_names);
    graph.node("Gather", "", &[&names, &index], vec![int("axis", 0)], &["label".to_string()]);
    graph.outputs.push(value_info("probabilities", data_type::FLOAT, &[None, Some(classes)]));
    graph.outputs.push(value_info("label", data_type::STRING, &[None]));
}

/// The file's story, for whoever loads it: `nntui.*` keys.
fn metadata(file: &ModelFile, options: &OnnxOptions) -> Vec<(String, String)> {
    let schema = file.schema();
    let inputs: Vec<serde_json::Value> = if let Some(window) = file.window {
        // The last step's names without `[t-0]`: the features, then the label's values
        // (a number, a class index of two, or one per class: `label=class`).
        let step: Vec<String> =
            schema.columns.iter().filter_map(|c| c.name.strip_suffix("[t-0]")).map(String::from).collect();
        vec![serde_json::json!({
            "name": "window", "type": "float", "shape": ["N", window.size, step.len()], "step": step,
        })]
    } else if options.single_input {
        vec![
            serde_json::json!({ "name": "input", "type": "float", "shape": ["N", file.feature_names.len()], "columns": file.feature_names }),
        ]
    } else {
        schema
            .columns
            .iter()
            .map(|c| match &c.kind {
                ColumnKind::Number => {
                    serde_json::json!({ "name": c.name, "type": "float", "shape": ["N", 1] })
                }
                ColumnKind::Category { categories } => serde_json::json!({
                    "name": c.name, "type": "string", "shape": ["N", 1], "categories": categories,
                }),
            })
            .collect()
    };
    let mut entries = vec![
        ("nntui.version".to_string(), env!("CARGO_PKG_VERSION").to_string()),
        ("nntui.task".to_string(), file.task.to_string()),
        ("nntui.label".to_string(), file.label_name.clone()),
        ("nntui.inputs".to_string(), serde_json::Value::Array(inputs).to_string()),
    ];
    if file.task != Task::Regression {
        entries.push(("nntui.classes".to_string(), serde_json::json!(file.class_names).to_string()));
    }
    if let Some(command) = &file.command {
        entries.push(("nntui.command".to_string(), command.clone()));
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_between_channels_last_and_first() {
        assert_eq!(perms(3), (vec![0, 2, 1], vec![0, 2, 1]));
        assert_eq!(perms(4), (vec![0, 3, 1, 2], vec![0, 2, 3, 1]));
    }

    #[test]
    fn attributes_keep_zero_values_on_the_wire() {
        // proto2: an attribute's i of 0 must be present, not left as a default.
        let bytes = int("axis", 0).encode_to_vec();
        let back = AttributeProto::decode(bytes.as_slice()).unwrap();
        assert_eq!(back.i, Some(0));
        assert_eq!(back.r#type, Some(attribute_type::INT));
    }
}
