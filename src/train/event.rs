//! What the engine says ([`Event`]) and what it is told ([`Control`]): plain data,
//! serializable, with the fold it concerns on every event that has one.

use super::RunConfig;
use crate::data::DatasetSummary;
use crate::nn::model::ModelSummary;
use crate::nn::{Loss, Metric};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The version of the event schema this build writes (`events.jsonl`, `--json`).
pub const SCHEMA: u32 = 1;
/// One message from the engine. Serialized with a `"type"` tag, one JSON object per line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The run is about to train.
    RunStarted(Box<RunInfo>),
    /// A fold (or the single fit) starts.
    FoldStarted(FoldStart),
    /// An epoch finished.
    EpochEnded(EpochReport),
    /// Weight and gradient distributions, per layer.
    Weights(WeightsReport),
    /// A fold finished, diverged or was stopped.
    FoldEnded(FoldReport),
    /// The run is over; the last event.
    RunEnded(RunSummary),
    /// Something the user should know.
    Warning(Warning),
    /// A control took effect.
    Ack(Ack),
    /// A callback acted (early stopping, learning-rate reduction, checkpoint); `policy`
    /// in the event stream, as written since the first schema.
    #[serde(rename = "policy")]
    Callback(CallbackEvent),
    /// What the model predicts after an epoch: the pictures of the dashboard and
    /// `--plot` (sent only when one is shown, [`super::Plan::pictures`]).
    Learned(Box<LearnedReport>),
    /// Where an epoch is, between its batches (Keras's progress bar, `--verbose 1`; sent
    /// only when asked for, [`super::Plan::progress`], at most every 50 ms).
    Progress(BatchProgress),
}

/// An epoch under way: its batches done so far and the running values of its line.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchProgress {
    /// Fold index, from zero.
    pub fold: usize,
    /// Epoch, from one.
    pub epoch: usize,
    /// Batches done.
    pub step: usize,
    /// Batches in the epoch.
    pub steps: usize,
    /// Mean loss over the rows so far (as the epoch's line will report it).
    pub loss: f64,
    /// The metric over the rows so far.
    pub metric: f64,
    /// Seconds the epoch has run (pauses excluded).
    pub seconds: f64,
}

/// A policy's action in a fold, after an epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallbackEvent {
    /// Fold index.
    pub fold: usize,
    /// The epoch after which it acted (from 1).
    pub epoch: usize,
    /// What it did.
    #[serde(flatten)]
    pub action: super::callbacks::CallbackAction,
}

fn first_schema() -> u32 {
    1
}

impl Event {
    /// The fold an event concerns, if any.
    pub fn fold(&self) -> Option<usize> {
        match self {
            Event::FoldStarted(e) => Some(e.fold),
            Event::EpochEnded(e) => Some(e.fold),
            Event::Weights(e) => Some(e.fold),
            Event::FoldEnded(e) => Some(e.fold),
            Event::Warning(e) => e.fold,
            Event::Ack(e) => e.fold,
            Event::Callback(e) => Some(e.fold),
            Event::Learned(e) => Some(e.fold),
            Event::Progress(e) => Some(e.fold),
            Event::RunStarted(_) | Event::RunEnded(_) => None,
        }
    }
}

/// The run's settings, data and network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The event schema's version ([`SCHEMA`]); files from before it had none.
    #[serde(default = "first_schema")]
    pub schema: u32,
    /// Settings as given.
    pub config: RunConfig,
    /// The data.
    pub dataset: DatasetSummary,
    /// The network.
    pub model: ModelSummary,
    /// The loss trained on.
    pub loss: Loss,
    /// The metric reported beside it.
    pub metric: Metric,
    /// Number of folds (1 for a single fit).
    pub folds: usize,
    /// Rows per batch, as used.
    pub batch_size: usize,
    /// Folds trained at once.
    pub threads: usize,
    /// Adjustments the plan made.
    pub warnings: Vec<String>,
}

/// A fold begins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FoldStart {
    /// Fold index, from zero.
    pub fold: usize,
    /// Rows trained on.
    pub train_rows: usize,
    /// Rows evaluated after every epoch (held out, or the validation split).
    pub validation_rows: usize,
    /// Batches per epoch.
    pub steps_per_epoch: usize,
}

/// A map of values read back with JSON's `null` (how a NaN is written) as NaN.
fn null_as_nan<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<BTreeMap<String, f64>, D::Error> {
    let values = BTreeMap::<String, Option<f64>>::deserialize(deserializer)?;
    Ok(values.into_iter().map(|(name, v)| (name, v.unwrap_or(f64::NAN))).collect())
}

/// One finished epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochReport {
    /// Fold index, from zero.
    pub fold: usize,
    /// Epoch, from one.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches (penalty included), as Keras reports it.
    pub loss: f64,
    /// Training accuracy (or mae) over the epoch's batches.
    pub metric: f64,
    /// Loss on the held-out rows after the epoch.
    pub val_loss: Option<f64>,
    /// Accuracy (or mae) on the held-out rows after the epoch.
    pub val_metric: Option<f64>,
    /// Learning rate at the epoch's last batch.
    pub learning_rate: f64,
    /// The further metrics (`--metrics`) by Keras's names, their `val_` twins included:
    /// training's over the epoch's batches, the held-out rows' after the epoch.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_as_nan")]
    pub metrics: BTreeMap<String, f64>,
    /// Batches in the epoch.
    pub steps: usize,
    /// Optimizer updates in this fold so far.
    pub iterations: u64,
    /// Seconds the epoch took (pauses excluded).
    pub epoch_seconds: f64,
    /// Seconds since the fold started (pauses excluded).
    pub elapsed_seconds: f64,
    /// The fold's policies after this epoch (early stopping's patience used, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies: Option<super::callbacks::CallbackState>,
    /// For a forecast of a series (`--window`, regression): the held-out windows'
    /// targets and the predictions after this epoch, in time order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast: Option<Forecast>,
}

impl EpochReport {
    /// Its values by Keras's names (`loss`, `accuracy`, `val_loss`, `val_accuracy`,
    /// `learning_rate`), as they go into the store; `metric` is the run's metric name.
    pub fn values(&self, metric: &str) -> Vec<(String, f64)> {
        let mut values = vec![("loss".to_string(), self.loss), (metric.to_string(), self.metric)];
        if let Some(v) = self.val_loss {
            values.push(("val_loss".into(), v));
        }
        if let Some(v) = self.val_metric {
            values.push((format!("val_{metric}"), v));
        }
        values.extend(self.metrics.iter().map(|(name, &v)| (name.clone(), v)));
        values.push(("learning_rate".into(), self.learning_rate));
        values
    }
}

/// What the model predicts after an epoch: for classes, the confusion matrix and (two
/// classes) the ROC curve of the held-out rows (of the training rows when none are held
/// out); for two features (one for a regression), its predictions over their plane.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LearnedReport {
    /// Fold index, from zero.
    pub fold: usize,
    /// Epoch, from one.
    pub epoch: usize,
    /// Whether the matrix and the curve are of held-out rows (else of the training rows).
    pub held_out: bool,
    /// `confusion[true][predicted]` row counts (the predicted class as accuracy decides
    /// it: above 0.5 for two classes); empty for a regression.
    pub confusion: Vec<Vec<u64>>,
    /// Two classes: the ROC curve of the second class's probability, (false positive
    /// rate, true positive rate) from (0, 0) to (1, 1), thinned for drawing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roc: Vec<(f32, f32)>,
    /// The exact area under that curve (scikit-learn's `roc_auc_score`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roc_auc: Option<f64>,
    /// The predictions over the features' plane.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<DecisionMap>,
}

/// A model's predictions over a grid of two features (the others held at their training
/// median), or along one feature for a regression, with training rows to draw on it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionMap {
    /// The features on the axes, in the file's units: x, then y (a regression: x only).
    pub features: Vec<String>,
    /// The x axis's range.
    pub x: (f32, f32),
    /// The y axis's range (a regression: the targets' and predictions' range).
    pub y: (f32, f32),
    /// Cells across (x).
    pub columns: usize,
    /// Cells down (y); 1 for a regression's curve.
    pub rows: usize,
    /// Per cell, row by row from the top (the largest y): the predicted class (0 for a
    /// regression).
    pub class: Vec<u16>,
    /// Per cell: the predicted class's probability; a regression: the predicted value
    /// (in the target's units) at each x.
    pub value: Vec<f32>,
    /// Training rows to draw: x, y (a regression: the target) and class.
    pub points: Vec<(f32, f32, u16)>,
}

impl DecisionMap {
    /// Cells across a map of two features.
    pub const COLUMNS: usize = 64;
    /// Cells down a map of two features.
    pub const ROWS: usize = 48;
    /// Points along a regression's curve.
    pub const CURVE: usize = 160;
    /// The most training rows drawn.
    pub const POINTS: usize = 400;

    /// The probability of the second class at a cell (two classes), from its predicted
    /// class and that class's probability.
    pub fn second_class_probability(&self, cell: usize) -> f32 {
        if self.class[cell] == 1 { self.value[cell] } else { 1.0 - self.value[cell] }
    }

    /// The colour a cell is drawn in (the dashboard's and `--plot`'s), as RGB: for two
    /// classes blue to orange by the second class's probability, light grey where the
    /// model is unsure; for more, the predicted class's colour, paler where it is less
    /// sure. Light colours, so that black markers stand out on them.
    pub fn colour(&self, cell: usize, classes: usize) -> (u8, u8, u8) {
        #[allow(clippy::cast_possible_truncation, reason = "colour channels in 0..=255")]
        let mix = |x: u8, y: u8, t: f32| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
        let blend =
            |a: (u8, u8, u8), b: (u8, u8, u8), t: f32| (mix(a.0, b.0, t), mix(a.1, b.1, t), mix(a.2, b.2, t));
        if classes <= 2 {
            let (low, middle, high) = ((103, 169, 207), (240, 240, 240), (239, 138, 98));
            let p = self.second_class_probability(cell).clamp(0.0, 1.0);
            return if p < 0.5 { blend(low, middle, p * 2.0) } else { blend(middle, high, (p - 0.5) * 2.0) };
        }
        let colour = Self::CLASS_COLOURS[usize::from(self.class[cell]) % Self::CLASS_COLOURS.len()];
        let floor = 1.0 / classes as f32;
        let sure = ((self.value[cell] - floor) / (1.0 - floor)).clamp(0.0, 1.0);
        blend((255, 255, 255), colour, 0.25 + 0.75 * sure)
    }

    /// ColorBrewer's Set3, a class's colour on a map of more than two classes.
    pub const CLASS_COLOURS: [(u8, u8, u8); 10] = [
        (141, 211, 199),
        (255, 255, 179),
        (190, 186, 218),
        (251, 128, 114),
        (128, 177, 211),
        (253, 180, 98),
        (179, 222, 105),
        (252, 205, 229),
        (217, 217, 217),
        (188, 128, 189),
    ];
}

/// Held-out targets against predictions, in the target's units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// The first window's index among the samples (its place in time).
    pub first: usize,
    /// The targets, in time order.
    pub actual: Vec<f32>,
    /// The predictions for the same windows.
    pub predicted: Vec<f32>,
}

impl Forecast {
    /// The most windows a forecast carries (the last ones held out).
    pub const MAX: usize = 240;
}

/// Value counts over equal-width bins, with summary statistics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Smallest value (the first bin's left edge).
    pub min: f64,
    /// Largest value (the last bin's right edge).
    pub max: f64,
    /// Mean.
    pub mean: f64,
    /// Population standard deviation.
    pub std: f64,
    /// Count per bin.
    pub counts: Vec<u32>,
}

/// Bins per histogram.
pub const HISTOGRAM_BINS: usize = 32;

impl Histogram {
    /// The histogram of `values` over `HISTOGRAM_BINS` bins spanning their range.
    pub fn of(values: &[f32]) -> Histogram {
        if values.is_empty() {
            return Histogram::default();
        }
        let (min, max) =
            values.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(min, max), &v| (min.min(v), max.max(v)));
        let (mean, std) =
            crate::stats::mean_and_std(values.iter().map(|&v| f64::from(v))).unwrap_or_default();
        let mut counts = vec![0u32; HISTOGRAM_BINS];
        // Bins by multiplication with the inverse width, in f32: this runs every epoch.
        let scale = if max > min { HISTOGRAM_BINS as f32 / (max - min) } else { 0.0 };
        for &v in values {
            #[allow(clippy::cast_possible_truncation, reason = "the floor of a bin position in 0..=BINS")]
            let bin = if scale > 0.0 { ((v - min) * scale) as usize } else { HISTOGRAM_BINS / 2 };
            if let Some(count) = counts.get_mut(bin.min(HISTOGRAM_BINS - 1)) {
                *count += 1;
            }
        }
        Histogram { min: f64::from(min), max: f64::from(max), mean, std, counts }
    }
}

/// One layer's kernel and gradient distributions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerWeights {
    /// Kernel values.
    pub kernel: Histogram,
    /// The kernel's gradient at the last batch.
    pub gradient: Histogram,
    /// A normalization layer's shift (beta; its scale, gamma, is the kernel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift: Option<Histogram>,
    /// A convolution's learned filters, as small images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Filters>,
    /// A recurrent layer's kernels split by gate (LSTM: input, forget, cell, output;
    /// GRU: update, reset, candidate), the input kernel apart from the recurrent one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gates: Vec<GateWeights>,
    /// An embedding's codes placed by their vectors, as TensorBoard's projector does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codes: Option<CodeMap>,
}

/// An embedding's first codes as points: each code's vector projected on the two
/// directions along which the table's vectors spread most (principal components),
/// so that codes the model treats alike sit together.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CodeMap {
    /// Codes `0..points.len()`, each `[first axis, second axis]` (the second 0 for
    /// vectors of one value).
    pub points: Vec<[f32; 2]>,
    /// The share of the vectors' spread (variance) the two axes hold, 0..1.
    pub share: f32,
    /// Values per code.
    pub dim: usize,
}

impl CodeMap {
    /// The most codes sent per layer.
    pub const MAX: usize = 64;
    /// The most codes the axes are found from.
    const SAMPLE: usize = 4096;

    /// The map of a `vocab x dim` table, row-major.
    #[allow(clippy::cast_possible_truncation, reason = "screen coordinates, computed in f64")]
    pub fn of(table: &[f32], dim: usize) -> CodeMap {
        let rows: Vec<&[f32]> = table.chunks_exact(dim.max(1)).take(Self::SAMPLE).collect();
        let n = rows.len().max(1) as f64;
        let mut mean = vec![0.0f64; dim];
        for row in &rows {
            for (m, &v) in mean.iter_mut().zip(*row) {
                *m += f64::from(v) / n;
            }
        }
        let mut covariance = vec![0.0f64; dim * dim];
        for row in &rows {
            for i in 0..dim {
                let a = f64::from(row[i]) - mean[i];
                for j in 0..dim {
                    covariance[i * dim + j] += a * (f64::from(row[j]) - mean[j]) / n;
                }
            }
        }
        let total: f64 = (0..dim).map(|i| covariance[i * dim + i]).sum();
        let first = principal_axis(&covariance, dim, 0);
        let mut rest = covariance.clone();
        for i in 0..dim {
            for j in 0..dim {
                rest[i * dim + j] -= first.1 * first.0[i] * first.0[j];
            }
        }
        let second = if dim > 1 { principal_axis(&rest, dim, 1) } else { (vec![0.0; dim], 0.0) };
        let project = |row: &[f32], axis: &[f64]| -> f32 {
            row.iter().zip(&mean).zip(axis).map(|((&v, m), a)| (f64::from(v) - m) * a).sum::<f64>() as f32
        };
        let points = rows
            .iter()
            .take(Self::MAX)
            .map(|row| [project(row, &first.0), project(row, &second.0)])
            .collect();
        let share = if total > 0.0 { ((first.1 + second.1.max(0.0)) / total).clamp(0.0, 1.0) } else { 1.0 };
        CodeMap { points, share: share as f32, dim }
    }
}

/// The leading eigenvector of a symmetric `dim x dim` matrix and its eigenvalue, by
/// power iteration from a fixed start (`seed` varies it), the sign chosen so that its
/// largest component is positive: the same table gives the same picture.
fn principal_axis(matrix: &[f64], dim: usize, seed: usize) -> (Vec<f64>, f64) {
    let mut v: Vec<f64> = (0..dim).map(|i| 1.0 + ((i + seed) % 3) as f64 * 0.25).collect();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    for _ in 0..200 {
        let next: Vec<f64> =
            (0..dim).map(|i| (0..dim).map(|j| matrix[i * dim + j] * v[j]).sum::<f64>()).collect();
        let length = norm(&next);
        if length <= f64::MIN_POSITIVE {
            break;
        }
        v = next.iter().map(|x| x / length).collect();
    }
    let length = norm(&v).max(f64::MIN_POSITIVE);
    v.iter_mut().for_each(|x| *x /= length);
    if let Some(&largest) = v.iter().max_by(|a, b| a.abs().total_cmp(&b.abs()))
        && largest < 0.0
    {
        v.iter_mut().for_each(|x| *x = -*x);
    }
    let value: f64 = (0..dim).map(|i| v[i] * (0..dim).map(|j| matrix[i * dim + j] * v[j]).sum::<f64>()).sum();
    (v, value)
}

/// One gate's share of a recurrent layer's kernels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GateWeights {
    /// Keras's name for the gate (`forget`).
    pub name: String,
    /// The input kernel's columns for this gate.
    pub kernel: Histogram,
    /// The recurrent kernel's columns for this gate.
    pub recurrent: Histogram,
}

/// A convolution's filters as images: each `height x width` kernel window, summed over
/// the input channels (exact for the first layer on grayscale images).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Filters {
    /// Kernel height (steps for 1-D).
    pub height: usize,
    /// Kernel width (1 for 1-D).
    pub width: usize,
    /// Input channels summed into each cell.
    pub channels: usize,
    /// `count x height x width` values, filter by filter, row-major; at most
    /// [`Filters::MAX`] filters.
    pub values: Vec<f32>,
}

impl Filters {
    /// The most filters sent per layer.
    pub const MAX: usize = 64;

    /// Filters from a kernel in Keras's layout `(kh, kw, channels_in, filters)`.
    pub fn of(kernel: &[f32], height: usize, width: usize, channels: usize, filters: usize) -> Filters {
        let count = filters.min(Self::MAX);
        let mut values = vec![0.0f32; count * height * width];
        for (cell, row) in kernel.chunks_exact(channels * filters).take(height * width).enumerate() {
            for c in 0..channels {
                for f in 0..count {
                    values[f * height * width + cell] += row[c * filters + f];
                }
            }
        }
        Filters { height, width, channels, values }
    }

    /// Filters sent.
    pub fn count(&self) -> usize {
        self.values.len() / (self.height * self.width).max(1)
    }

    /// Filter `index`'s cells, row-major.
    pub fn filter(&self, index: usize) -> &[f32] {
        let size = self.height * self.width;
        &self.values[index * size..(index + 1) * size]
    }
}

/// Weight distributions after an epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeightsReport {
    /// Fold index.
    pub fold: usize,
    /// Epoch, from one.
    pub epoch: usize,
    /// One entry per layer with weights (Dense, convolutions), first to last.
    pub layers: Vec<LayerWeights>,
}

/// A loss and a metric measured on some rows.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Mean loss (penalty included).
    pub loss: f64,
    /// Accuracy or mae.
    pub metric: f64,
}

/// How a fold ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum FoldOutcome {
    /// All epochs ran.
    Completed,
    /// The loss stopped being finite or the weights exploded.
    Diverged {
        /// Epoch in which it happened.
        epoch: usize,
        /// Optimizer updates before it happened.
        iterations: u64,
        /// What gave it away.
        cause: Divergence,
    },
    /// Stopped by a control before the last epoch.
    Stopped {
        /// Epochs completed.
        epoch: usize,
    },
}

/// How divergence showed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Divergence {
    /// The loss became NaN or infinite.
    NonFiniteLoss,
    /// A weight grew past [`EXPLODED_WEIGHT`] (or stopped being finite).
    ExplodedWeights {
        /// The largest weight magnitude.
        largest: f64,
    },
}

/// A weight this large means training has blown up: f32 values this size are spaced
/// more than 0.06 apart, so ordinary updates no longer register, and no network on
/// sensible inputs needs it. Clipped losses (binary cross-entropy) can stay finite
/// while weights run away, so the weights are watched too.
pub const EXPLODED_WEIGHT: f64 = 1e6;

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Divergence::NonFiniteLoss => f.write_str("the loss is no longer a finite number"),
            Divergence::ExplodedWeights { largest } if largest.is_finite() => {
                write!(f, "the weights exploded (largest {largest:.1e})")
            }
            Divergence::ExplodedWeights { .. } => f.write_str("the weights are no longer finite numbers"),
        }
    }
}

/// A fold's results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FoldReport {
    /// Fold index.
    pub fold: usize,
    /// How it ended.
    pub outcome: FoldOutcome,
    /// Epochs completed.
    pub epochs_run: usize,
    /// The model evaluated on its training rows after the last epoch.
    pub train: Option<Score>,
    /// The model evaluated on the held-out rows after the last epoch: the fold's score.
    pub validation: Option<Score>,
    /// The epoch with the lowest validation loss (training loss without validation).
    pub best_epoch: Option<usize>,
    /// Set when the model predicts a single class for every evaluated row.
    pub collapsed_to: Option<String>,
    /// The epoch at which early stopping ended the fold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_early: Option<usize>,
    /// The epoch whose weights the fold kept (early stopping's best), when not its last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restored_epoch: Option<usize>,
    /// The final model scored on `--test`'s rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<Score>,
    /// The further metrics (`--metrics`) of the model the fold ends with: on its
    /// training rows (`auc`) and held-out rows (`val_auc`), as `train` and `validation`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_as_nan")]
    pub metrics: BTreeMap<String, f64>,
    /// Seconds spent training (pauses excluded).
    pub elapsed_seconds: f64,
}

impl FoldReport {
    /// The score that counts: held-out for cross-validation, training data for a fit.
    pub fn score(&self, cross_validation: bool) -> Option<Score> {
        if cross_validation { self.validation } else { self.train }
    }
}

/// The run's outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Every fold that started, in fold order.
    pub folds: Vec<FoldReport>,
    /// Mean of the completed folds' held-out metric (cross-validation only).
    pub mean: Option<f64>,
    /// Population standard deviation of the same (numpy's `std`).
    pub std: Option<f64>,
    /// Whether a stop control ended the run early.
    pub stopped: bool,
    /// Wall-clock seconds for the run.
    pub elapsed_seconds: f64,
    /// Times the engine found the event channel full and had to wait for the consumer.
    pub backpressure_waits: u64,
}

/// Something the user should know, with a hint where one helps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    /// The fold concerned.
    pub fold: Option<usize>,
    /// The epoch concerned.
    pub epoch: Option<usize>,
    /// What happened.
    pub message: String,
    /// What to try.
    pub hint: Option<String>,
}

/// A control, sent to the engine between batches.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "control", content = "value", rename_all = "snake_case")]
pub enum Control {
    /// Pause at the next batch boundary.
    Pause,
    /// Resume.
    Resume,
    /// While paused, run until one more epoch has ended.
    Step,
    /// Set the initial learning rate (the schedule, if any, still applies).
    SetLearningRate(f64),
    /// Multiply the learning rate.
    ScaleLearningRate(f64),
    /// Set the L1 kernel penalty.
    SetL1(f64),
    /// Set the L2 kernel penalty.
    SetL2(f64),
    /// At most this many epochs per second; `None` for full speed.
    SetPace(Option<f64>),
    /// End the run at the next batch boundary.
    Stop,
    /// Let early stopping end folds (true), or only watch (false).
    SetEarlyStopping(bool),
    /// Add this many epochs to early stopping's patience.
    ExtendPatience(usize),
    /// Put back each running fold's best weights now (early stopping's best epoch).
    RestoreBestWeights,
}

/// A control took effect: where, and the settings it left.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ack {
    /// The control.
    pub control: Control,
    /// The control's sequence number in the run, from zero: parallel folds each
    /// acknowledge the same control, with the same number.
    pub sequence: usize,
    /// Fold where it took effect (`None`: no fold was training).
    pub fold: Option<usize>,
    /// Epoch in progress when it took effect, from one.
    pub epoch: usize,
    /// Optimizer updates done in that fold when it took effect.
    pub iterations: u64,
    /// Initial learning rate now in force.
    pub learning_rate: f64,
    /// L1 penalty now in force.
    pub l1: f64,
    /// L2 penalty now in force.
    pub l2: f64,
    /// Pace now in force.
    pub pace: Option<f64>,
    /// Whether training is now paused.
    pub paused: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Codes the table makes alike sit together on the first axis: here 1, 4 and 8 far
    /// from the rest along one direction, with a little spread across it.
    #[test]
    fn a_code_map_puts_alike_codes_together() {
        let dim = 4;
        let table: Vec<f32> = (0..10)
            .flat_map(|code| {
                let side = if [1, 4, 8].contains(&code) { 1.0 } else { -1.0 };
                (0..dim).map(move |d| side * 0.5 + 0.01 * ((code * 7 + d * 3) % 5) as f32)
            })
            .collect();
        let map = CodeMap::of(&table, dim);
        assert_eq!((map.points.len(), map.dim), (10, 4));
        assert!(map.share > 0.99, "{}", map.share);
        let first: Vec<f32> = map.points.iter().map(|p| p[0]).collect();
        let (alike, rest): (Vec<usize>, Vec<usize>) = (0..10).partition(|c| [1, 4, 8].contains(c));
        let low = alike.iter().map(|&c| first[c]).fold(f32::INFINITY, f32::min);
        let high = alike.iter().map(|&c| first[c]).fold(f32::NEG_INFINITY, f32::max);
        assert!(rest.iter().all(|&c| first[c] < low - 0.5 || first[c] > high + 0.5), "{first:?}");
        assert!(map.points.iter().all(|p| p[1].abs() < 0.1), "{:?}", map.points);
        // One value per code: the value itself, centred.
        let single = CodeMap::of(&[0.5, -0.5, 1.5], 1);
        assert_eq!(single.points, vec![[0.0, 0.0], [-1.0, 0.0], [1.0, 0.0]]);
    }

    #[test]
    fn histogram_bins_and_statistics() {
        let h = Histogram::of(&[0.0, 1.0, 2.0, 3.0]);
        assert_eq!((h.min, h.max, h.mean), (0.0, 3.0, 1.5));
        assert!((h.std - 1.25f64.sqrt()).abs() < 1e-12);
        assert_eq!(h.counts.iter().sum::<u32>(), 4);
        assert_eq!(h.counts[0], 1);
        assert_eq!(h.counts[HISTOGRAM_BINS - 1], 1, "the maximum lands in the last bin");

        let flat = Histogram::of(&[0.5; 7]);
        assert_eq!(flat.counts.iter().sum::<u32>(), 7);
        assert_eq!(flat.std, 0.0);
    }

    #[test]
    fn events_round_trip_through_json_with_a_type_tag() {
        let event = Event::Ack(Ack {
            control: Control::SetPace(Some(5.0)),
            sequence: 4,
            fold: Some(2),
            epoch: 3,
            iterations: 140,
            learning_rate: 0.002,
            l1: 0.0,
            l2: 0.01,
            pace: Some(5.0),
            paused: false,
        });
        let json = serde_json::to_string(&event).unwrap();
        assert!(json.starts_with(r#"{"type":"ack","control":{"control":"set_pace","value":5.0}"#), "{json}");
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), event);
    }
}
