//! Saving a trained model as JSON, loading it back, and predicting with it.

use crate::data::columns::Imputer;
use crate::data::{
    CsvOptions, DataError, Dataset, FeatureColumn, Impute, LabelColumn, ModelRows, NaValues, Scaling, Schema,
    Standardizer, TargetScale, Task, load_model_rows,
};
use crate::nn::metric::predicted_class;
use crate::nn::{Activation, Layer, Sequential};
use crate::train::TrainedModel;
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::Write;
use std::path::Path;

/// The `format` field every model file carries.
pub const FORMAT: &str = "nntui-model";
/// The layout version written for a Dense stack on flat rows (readable by every
/// nntui); models with other layers or an input shape are written as
/// [`VERSION_LAYERS`].
pub const VERSION: u32 = 1;
/// The layout version of a model with layers other than Dense or an `--input-shape`:
/// each layer carries its specification (`spec`) and the file its `input_shape`.
pub const VERSION_LAYERS: u32 = 2;

/// A trained model and everything needed to use it on new rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    /// Always `nntui-model`.
    pub format: String,
    /// Layout version.
    pub version: u32,
    /// The task it was trained for.
    pub task: Task,
    /// Class names in output order (empty for regression).
    pub class_names: Vec<String>,
    /// Feature column names, in input order.
    pub feature_names: Vec<String>,
    /// The label column's name.
    pub label_name: String,
    /// The label column's index in the training file, from zero.
    pub label_column: usize,
    /// Feature statistics applied before the network, if it was trained standardized.
    pub standardization: Option<Standardization>,
    /// Regression target statistics: outputs are `value * std + mean`.
    pub target_standardization: Option<TargetStandardization>,
    /// The layers, first to last.
    pub layers: Vec<SavedLayer>,
    /// One row's shape, channels last (absent for flat rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_shape: Option<Vec<usize>>,
    /// A forecaster of one series (`--window`): how its samples were cut. Its saved
    /// columns are then the window's (`value[t-3]`), and `predict` reads the raw series.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<crate::data::windows::Window>,
    /// How raw rows become inputs (absent in files written before categories and
    /// missing values: every feature a number column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<SavedData>,
    /// The command that trained it, as typed (absent in files written before it was
    /// kept, and for models saved by a checkpoint or a tune trial).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

/// The training file's columns and the preprocessing fitted on its rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedData {
    /// The feature columns: names, places, kinds and categories.
    pub columns: Vec<FeatureColumn>,
    /// Columns in the training file.
    pub file_columns: usize,
    /// Whether the training file had a header.
    pub has_header: bool,
    /// The cells read as missing.
    pub na_values: NaValues,
    /// How missing values were filled.
    pub impute: Impute,
    /// Fill values and seen categories, fitted on the training rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imputation: Option<Imputer>,
}

/// Per-feature mean and standard deviation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standardization {
    /// Means.
    pub mean: Vec<f32>,
    /// Standard deviations.
    pub std: Vec<f32>,
}

/// A regression target's mean and standard deviation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetStandardization {
    /// Mean.
    pub mean: f32,
    /// Standard deviation.
    pub std: f32,
}

impl SavedData {
    /// The columns fit the file they name and the inputs the network takes.
    fn check(&self, inputs: usize, label_column: usize, windowed: bool) -> Result<(), String> {
        // A series forecaster's columns are its window's: each file column once per
        // step; the last step (`[t-0]`) names each once, the label's among them.
        let mut places: Vec<usize> = self
            .columns
            .iter()
            .filter(|c| !windowed || (c.name.ends_with("[t-0]") && c.file_column != label_column))
            .map(|c| c.file_column)
            .collect();
        places.push(label_column);
        let count = places.len();
        places.sort_unstable();
        places.dedup();
        if places.len() != count || places.iter().any(|&p| p >= self.file_columns) {
            return Err(format!("the columns' places do not fit a file of {} columns", self.file_columns));
        }
        let widths: usize = self.columns.iter().map(FeatureColumn::width).sum();
        if widths != inputs || self.columns.iter().any(|c| c.width() == 0) {
            return Err(format!("the columns make {widths} inputs, the network takes {inputs}"));
        }
        if let Some(imputer) = &self.imputation
            && (imputer.fill.len() != inputs
                || imputer.seen.len() != inputs
                || imputer.fill.iter().any(|f| !f.is_finite()))
        {
            return Err("the imputation does not fit the inputs".into());
        }
        Ok(())
    }
}

/// One layer's weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedLayer {
    /// Output units (the last axis of the output).
    pub units: usize,
    /// Activation (`linear` for layers without one).
    pub activation: Activation,
    /// The layer as specified (absent in version 1 files: Dense).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<Layer>,
    /// The kernel as a matrix, one inner list per row: `inputs x units` for Dense,
    /// `(kh * kw * channels_in) x filters` for a convolution (Keras's layout); empty
    /// for layers without weights.
    pub kernel: Vec<Vec<f32>>,
    /// A recurrent layer's recurrent kernel, `units x gates*units`, one inner list per
    /// unit (absent for other layers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recurrent_kernel: Vec<Vec<f32>>,
    /// One per unit.
    pub bias: Vec<f32>,
    /// Batch normalization's moving mean, one per channel (absent for other layers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moving_mean: Vec<f32>,
    /// Batch normalization's moving variance, one per channel (absent for other layers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moving_variance: Vec<f32>,
}

/// Why a model file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelError {
    /// Reading or writing failed, or the content is not a model.
    File {
        /// The model file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The CSV to predict on could not be read or does not fit the model.
    Data(DataError),
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::File { path, message } => write!(f, "{path}: {message}"),
            ModelError::Data(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ModelError {}

impl ModelFile {
    /// Describes a trained model and the dataset it learned from.
    pub fn new(trained: &TrainedModel, dataset: &Dataset) -> ModelFile {
        let model = &trained.model;
        let flat_dense = model.input_shape().len() == 1
            && model.layers().iter().all(|l| matches!(l.layer, Layer::Dense { .. }));
        let layers = model
            .layers()
            .iter()
            .enumerate()
            .map(|(index, layer)| SavedLayer {
                units: layer.channels(),
                activation: layer.activation().unwrap_or(Activation::Linear),
                spec: (!flat_dense).then_some(layer.layer),
                kernel: model.kernel(index).outer_iter().map(|row| row.to_vec()).collect(),
                recurrent_kernel: {
                    let recurrent = &model.parameters()[layer.recurrent_range()];
                    let width = layer.kernel_shape().1.max(1);
                    recurrent.chunks(width).map(<[f32]>::to_vec).collect()
                },
                bias: model.bias(index).to_vec(),
                moving_mean: {
                    let state = &model.parameters()[layer.state_range()];
                    state[..state.len() / 2].to_vec()
                },
                moving_variance: {
                    let state = &model.parameters()[layer.state_range()];
                    state[state.len() / 2..].to_vec()
                },
            })
            .collect();
        ModelFile {
            format: FORMAT.into(),
            version: if flat_dense { VERSION } else { VERSION_LAYERS },
            task: dataset.task,
            class_names: dataset.class_names.clone(),
            feature_names: dataset.feature_names.clone(),
            label_name: dataset.label_name.clone(),
            label_column: dataset.label_column,
            standardization: trained
                .scaling
                .features
                .as_ref()
                .map(|s| Standardization { mean: s.mean().to_vec(), std: s.std().to_vec() }),
            target_standardization: trained
                .scaling
                .target
                .map(|t| TargetStandardization { mean: t.mean, std: t.std }),
            layers,
            input_shape: (!flat_dense).then(|| model.input_shape().to_vec()),
            window: dataset.window,
            data: Some(SavedData {
                columns: dataset.columns.clone(),
                file_columns: dataset.width,
                has_header: dataset.has_header,
                na_values: dataset.na_values.clone(),
                impute: dataset.impute,
                imputation: trained.scaling.imputer.clone(),
            }),
            command: None,
        }
    }

    /// The engine's checkpoint writer: model files.
    pub fn saver() -> crate::train::ModelSaver {
        crate::train::ModelSaver(std::sync::Arc::new(|trained, dataset, path| {
            ModelFile::new(trained, dataset).save(path).map_err(|e| e.to_string())
        }))
    }

    /// Writes the model as pretty-printed JSON.
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        let error = |message: String| ModelError::File { path: path.display().to_string(), message };
        let text = serde_json::to_string_pretty(self).map_err(|e| error(e.to_string()))?;
        let mut file = std::fs::File::create(path).map_err(|e| error(format!("cannot write: {e}")))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .map_err(|e| error(format!("cannot write: {e}")))
    }

    /// Reads and checks a model file.
    pub fn load(path: &Path) -> Result<ModelFile, ModelError> {
        let name = path.display().to_string();
        let error = |message: String| ModelError::File { path: name.clone(), message };
        let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => error("no such file".into()),
            std::io::ErrorKind::InvalidData => error("not a model file (not UTF-8 text)".into()),
            _ => error(e.to_string()),
        })?;
        let file: ModelFile = serde_json::from_str(&text)
            .map_err(|e| error(format!("not an nntui model file ({e}); make one with --save-model")))?;
        if file.format != FORMAT || !(file.version == VERSION || file.version == VERSION_LAYERS) {
            return Err(error(format!(
                "format {:?} version {} is not {FORMAT} version {VERSION} or {VERSION_LAYERS}",
                file.format, file.version
            )));
        }
        file.check().map_err(error)?;
        Ok(file)
    }

    /// Consistency of shapes, so that a hand-edited file fails here, not later.
    fn check(&self) -> Result<(), String> {
        let inputs = self.feature_names.len();
        if inputs == 0 || self.layers.is_empty() {
            return Err("the model has no features or no layers".into());
        }
        if let Some(data) = &self.data {
            data.check(inputs, self.label_column, self.window.is_some())?;
        }
        if let Some(s) = &self.standardization
            && (s.mean.len() != inputs || s.std.len() != inputs)
        {
            return Err("standardization statistics do not match the feature count".into());
        }
        let model = self.network()?;
        for (index, (layer, placed)) in self.layers.iter().zip(model.layers()).enumerate() {
            let (rows, columns) = placed.kernel_shape();
            let recurrent_rows = placed.recurrent_range().len() / columns.max(1);
            let shaped = layer.kernel.len() == rows
                && layer.kernel.iter().all(|row| row.len() == columns)
                && layer.recurrent_kernel.len() == recurrent_rows
                && layer.recurrent_kernel.iter().all(|row| row.len() == columns)
                && layer.bias.len() == placed.bias_range().len();
            if !shaped {
                return Err(format!(
                    "layer {} does not have a {rows} x {columns} kernel and {} biases",
                    index + 1,
                    placed.bias_range().len()
                ));
            }
            let kept = placed.state_range().len() / 2;
            if layer.moving_mean.len() != kept || layer.moving_variance.len() != kept {
                return Err(if kept == 0 {
                    format!("layer {} ({}) keeps no moving mean or variance", index + 1, placed.layer)
                } else {
                    format!(
                        "layer {} needs a moving mean and a moving variance of {kept} values each",
                        index + 1
                    )
                });
            }
            if layer.moving_variance.iter().any(|&v| v < 0.0) {
                return Err(format!("layer {} has a negative moving variance", index + 1));
            }
            if layer
                .kernel
                .iter()
                .chain(&layer.recurrent_kernel)
                .flatten()
                .chain(&layer.bias)
                .chain(&layer.moving_mean)
                .chain(&layer.moving_variance)
                .any(|w| !w.is_finite())
            {
                return Err(format!("layer {} has weights that are not finite numbers", index + 1));
            }
        }
        if let Some(t) = self.target_standardization
            && (self.task != Task::Regression || !(t.std > 0.0 && t.std.is_finite()) || !t.mean.is_finite())
        {
            return Err("target statistics need a regression task and a positive std".into());
        }
        let outputs = model.output_units();
        let expected = match self.task {
            Task::Binary => outputs == 1 || outputs == 2,
            Task::Multiclass => outputs == self.class_names.len(),
            Task::Regression => outputs == 1,
        };
        if !expected {
            return Err(format!("{outputs} outputs do not fit a {} task", self.task));
        }
        Ok(())
    }

    /// The network and standardization this file describes.
    pub fn trained(&self) -> TrainedModel {
        let parameters: Vec<f32> = self
            .layers
            .iter()
            .flat_map(|l| {
                l.kernel
                    .iter()
                    .flatten()
                    .chain(l.recurrent_kernel.iter().flatten())
                    .chain(&l.bias)
                    .chain(&l.moving_mean)
                    .chain(&l.moving_variance)
                    .copied()
            })
            .collect();
        #[allow(clippy::expect_used, reason = "check() verified every shape when the file was loaded")]
        let model = self
            .network()
            .ok()
            .and_then(|model| model.set_parameters(parameters))
            .expect("check() verified every shape");
        let scaling = Scaling {
            imputer: self.data.as_ref().and_then(|d| d.imputation.clone()),
            features: self.standardization.as_ref().map(|s| Standardizer::new(s.mean.clone(), s.std.clone())),
            target: self.target_standardization.map(|t| TargetScale { mean: t.mean, std: t.std }),
        };
        TrainedModel { model, scaling }
    }

    /// The network's layers on its input shape, every weight zero; an error when a
    /// layer cannot follow the shape before it or the input shape does not hold the
    /// features.
    fn network(&self) -> Result<Sequential<f32>, String> {
        let features = self.feature_names.len();
        let shape = self.input_shape.clone().unwrap_or_else(|| vec![features]);
        if shape.iter().product::<usize>() != features {
            return Err(format!("the input shape {shape:?} does not hold the {features} features"));
        }
        let specs: Vec<Layer> = self
            .layers
            .iter()
            .map(|l| l.spec.unwrap_or(Layer::Dense { units: l.units, activation: l.activation }))
            .collect();
        if specs.iter().any(|l| matches!(l, Layer::Dense { units: 0, .. })) {
            return Err("a layer has no units".into());
        }
        Sequential::build(&shape, &specs)
    }

    /// How the training file's columns were read: saved, or for a file from before
    /// categories, every feature a number column with the label among them.
    pub fn schema(&self) -> Schema {
        match &self.data {
            Some(data) => Schema {
                columns: data.columns.clone(),
                label_name: self.label_name.clone(),
                label_column: self.label_column,
                width: data.file_columns,
                has_header: data.has_header,
            },
            None => Schema {
                columns: self
                    .feature_names
                    .iter()
                    .enumerate()
                    .map(|(i, name)| FeatureColumn::number(name, i + usize::from(i >= self.label_column)))
                    .collect(),
                label_name: self.label_name.clone(),
                label_column: self.label_column,
                width: self.feature_names.len() + 1,
                has_header: self.feature_names.iter().any(|n| !n.starts_with("column ")),
            },
        }
    }

    /// A dataset with this model's columns, classes and missing markers and no rows, to
    /// read training rows into as the model reads them (`--initial-model`).
    pub fn dataset_shell(&self, source: &str) -> Dataset {
        let schema = self.schema();
        Dataset {
            source: source.to_string(),
            feature_names: self.feature_names.clone(),
            label_name: self.label_name.clone(),
            label_column: self.label_column,
            has_header: schema.has_header,
            features: Array2::zeros((0, self.feature_names.len())),
            task: self.task,
            class_names: self.class_names.clone(),
            labels: Vec::new(),
            columns: schema.columns,
            width: schema.width,
            impute: self.data.as_ref().map_or_else(Impute::default, |d| d.impute),
            na_values: self.data.as_ref().map_or_else(NaValues::default, |d| d.na_values.clone()),
            report: crate::data::DataReport::default(),
            validation: None,
            test: None,
            window: self.window,
            sample_weights: None,
        }
    }

    /// Reads `path` as rows of this model's features: by name under a header, else in
    /// the training file's layout with or without the label column; the `id` column
    /// passed through.
    pub fn read_rows(
        &self,
        path: &Path,
        options: &CsvOptions,
        id: Option<&LabelColumn>,
    ) -> Result<ModelRows, ModelError> {
        let mut options = options.clone();
        if let Some(data) = &self.data {
            options.na_values = data.na_values.clone();
        }
        load_model_rows(path, &options, id, &self.schema(), false).map_err(ModelError::Data)
    }

    /// For a series forecaster: reads the raw series at `path` (a row per time step,
    /// the feature columns by name and the label, whose past values are inputs too) and
    /// cuts every window of it, the last ones included (their targets lie beyond the
    /// file: the forecast). Returns the windows, for each the 1-based data row its
    /// prediction is for, and the label cells of the series as written.
    pub fn read_series(&self, path: &Path, options: &CsvOptions) -> Result<SeriesRows, ModelError> {
        let data_error = |message: String| {
            ModelError::Data(DataError::Content {
                path: path.display().to_string(),
                line: None,
                column: None,
                message,
            })
        };
        let Some(window) = self.window else {
            return Err(data_error("the model was not trained on a series (--window)".into()));
        };
        // The window's last step names the raw columns: `name[t-0]`, the label's last.
        let mut schema = self.schema();
        schema.columns = schema
            .columns
            .iter()
            .filter_map(|c| c.name.strip_suffix("[t-0]").map(|name| (name, c)))
            .filter(|(_, c)| c.file_column != self.label_column)
            .map(|(name, c)| FeatureColumn { name: name.to_string(), ..c.clone() })
            .collect();
        let mut options = options.clone();
        options.series = true;
        let rows = load_model_rows(path, &options, None, &schema, false).map_err(ModelError::Data)?;
        let Some(labels) = rows.labels else {
            return Err(data_error(format!(
                "the series needs its {:?} column: its past values are the model's inputs",
                self.label_name
            )));
        };
        // The label's past values: numbers, or classes as the model knows them (a
        // missing one is NaN, as a missing number).
        let classes = self.class_names.len();
        let mut values = Vec::with_capacity(labels.len());
        for (row, cell) in labels.iter().enumerate() {
            let cell = cell.trim();
            values.push(if self.task == Task::Regression {
                cell.parse::<f32>().unwrap_or(f32::NAN)
            } else if cell.is_empty() {
                f32::NAN
            } else {
                match self.class_names.iter().position(|c| c == cell) {
                    Some(class) => class as f32,
                    None => {
                        return Err(data_error(format!(
                            "data row {}: {:?} in {:?} is not a class the model knows ({}), and the series' past classes are its inputs",
                            row + 1,
                            cell,
                            self.label_name,
                            self.class_names.join(", ")
                        )));
                    }
                }
            });
        }
        let (count, features) = (values.len(), rows.features.ncols());
        if count < window.size {
            return Err(data_error(format!("{count} rows make no window of {} rows", window.size)));
        }
        let step = features + crate::data::windows::label_width(self.task, classes);
        let windows = count - window.size + 1;
        let mut cells = Vec::with_capacity(windows * window.size * step);
        for start in 0..windows {
            for (row, &value) in values.iter().enumerate().skip(start).take(window.size) {
                cells.extend(rows.features.row(row).iter().copied());
                crate::data::windows::label_step(self.task, classes, value, &mut cells);
            }
        }
        #[allow(clippy::expect_used, reason = "windows x (size * step) cells by construction")]
        let matrix =
            Array2::from_shape_vec((windows, window.size * step), cells).expect("windows fill the matrix");
        let targets = (0..windows).map(|start| start + window.span() + 1).collect();
        Ok((matrix, targets, labels))
    }
}

/// A series read for a forecaster: its windows, the 1-based row each forecasts, and
/// the series' label cells.
pub type SeriesRows = (Array2<f32>, Vec<usize>, Vec<String>);

/// One row's prediction.
#[derive(Clone, Debug, PartialEq)]
pub enum Prediction {
    /// The predicted class (an index into the class names) and every class's
    /// probability, in class order.
    Class {
        /// The most probable class.
        class: usize,
        /// One probability per class.
        probabilities: Vec<f32>,
    },
    /// A regression value.
    Value(f32),
}

/// Rows per forward pass when predicting.
const PREDICTION_ROWS: usize = 256;

impl TrainedModel {
    /// The mean cross-entropy over rows whose classes are `truth`, reported as training
    /// reports it (from the logits after a sigmoid or softmax).
    pub fn class_loss(&self, features: &Array2<f32>, truth: &[usize]) -> f64 {
        let inputs = self.model.input_dim();
        let units = self.model.output_units();
        let loss = if units == 1 {
            crate::nn::Loss::BinaryCrossentropy
        } else {
            crate::nn::Loss::CategoricalCrossentropy
        };
        let mut workspace = self.model.workspace(PREDICTION_ROWS);
        let mut batch = vec![0.0f32; PREDICTION_ROWS * inputs];
        let mut targets = vec![0.0f32; PREDICTION_ROWS * units];
        let layout = features.as_standard_layout();
        #[allow(clippy::expect_used, reason = "a standard-layout array is one slice")]
        let values = layout.as_slice().expect("a standard-layout array is one slice");
        let mut total = 0.0;
        for (chunk, classes) in values.chunks(PREDICTION_ROWS * inputs).zip(truth.chunks(PREDICTION_ROWS)) {
            let rows = classes.len();
            for (row, slot) in chunk.chunks_exact(inputs).zip(batch.chunks_exact_mut(inputs)) {
                self.scaling.transform_features(row, slot);
            }
            for (&class, target) in classes.iter().zip(targets.chunks_exact_mut(units)) {
                target.fill(0.0);
                if units == 1 {
                    target[0] = if class == 1 { 1.0 } else { 0.0 };
                } else if let Some(slot) = target.get_mut(class) {
                    *slot = 1.0;
                }
            }
            self.model.forward(&batch[..rows * inputs], rows, &mut workspace);
            total += self.model.reported_loss(loss, &targets[..rows * units], rows, &workspace);
        }
        total / truth.len().max(1) as f64
    }

    /// Predicts every row of `features` (`rows x inputs`, in the file's own units).
    pub fn predict(&self, features: &Array2<f32>, task: Task) -> Vec<Prediction> {
        let inputs = self.model.input_dim();
        let units = self.model.output_units();
        let mut workspace = self.model.workspace(PREDICTION_ROWS);
        let mut batch = vec![0.0f32; PREDICTION_ROWS * inputs];
        let mut predictions = Vec::with_capacity(features.nrows());
        let layout = features.as_standard_layout();
        #[allow(clippy::expect_used, reason = "a standard-layout array is one slice")]
        let values = layout.as_slice().expect("a standard-layout array is one slice");
        for chunk in values.chunks(PREDICTION_ROWS * inputs) {
            let rows = chunk.len() / inputs;
            for (row, slot) in chunk.chunks_exact(inputs).zip(batch.chunks_exact_mut(inputs)) {
                self.scaling.transform_features(row, slot);
            }
            let out = self.model.forward(&batch[..chunk.len()], rows, &mut workspace);
            for row in out.chunks_exact(units) {
                predictions.push(if task == Task::Regression {
                    Prediction::Value(self.scaling.target.map_or(row[0], |t| t.restore(row[0])))
                } else {
                    let class = predicted_class(row);
                    let probabilities = if units == 1 { vec![1.0 - row[0], row[0]] } else { row.to_vec() };
                    Prediction::Class { class, probabilities }
                });
            }
        }
        predictions
    }
}
