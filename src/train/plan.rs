//! A run's settings ([`RunConfig`], plain data) and their resolution against a dataset
//! into a [`Plan`]: the output layer, loss and metric the task calls for, and the folds.

use crate::data::{Dataset, Task, kfold};
use crate::nn::{
    Activation, ExponentialDecay, Initializer, Layer, LayerSpec, Loss, Measure, Metric, OptimizerKind,
    OptimizerSpec, Regularizer, check_learning_rate, check_penalty,
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Everything a run was asked to do, as given (after command-line parsing).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// Hidden layers, first to last.
    #[serde(with = "crate::nn::layer::compat")]
    pub hidden: Vec<Layer>,
    /// One row's shape, channels last (`--input-shape`); `None` for flat rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_shape: Option<Vec<usize>>,
    /// The rows are windows of one series (`--window`): time-ordered splits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<crate::data::windows::Window>,
    /// The output layer, if not the task's default.
    pub output: Option<LayerSpec>,
    /// Dense kernels' initializer.
    pub initializer: Initializer,
    /// Other layers' kernel initializer (Keras's `glorot_uniform` unless `--init`).
    #[serde(default = "glorot")]
    pub layer_initializer: Initializer,
    /// The loss, if not the task's default.
    pub loss: Option<Loss>,
    /// The metrics `--metrics` asked for, in its order (empty: the task's one, accuracy
    /// or mae).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Measure>,
    /// Each class's weight in the training loss (`--class-weight`, Keras's `class_weight`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_weight: Option<ClassWeight>,
    /// Optimizer and its initial learning rate.
    pub optimizer: OptimizerSpec,
    /// L1/L2 kernel penalties.
    pub regularizer: Regularizer,
    /// Learning-rate decay.
    pub decay: Option<ExponentialDecay>,
    /// Epochs per fold.
    pub epochs: usize,
    /// Rows per batch.
    pub batch_size: usize,
    /// The one seed every random number comes from.
    pub seed: u64,
    /// Z-score features with training-row statistics.
    pub standardize: bool,
    /// Hold out this share of the rows for validation (single fit only).
    pub validation_split: Option<f64>,
    /// Which rows `validation_split` holds out.
    #[serde(default)]
    pub split: Split,
    /// 1 for a single fit, K for stratified K-fold cross-validation.
    pub folds: usize,
    /// Folds trained at once.
    pub threads: usize,
    /// At most this many epochs per second (`None`: as fast as possible).
    pub pace: Option<f64>,
    /// Shuffle the training rows before every epoch (Keras's `shuffle=True`).
    #[serde(default = "shuffle_default")]
    pub shuffle: bool,
    /// Start from these weights (`--initial-model`) instead of the initializer's.
    #[serde(default)]
    pub initial_model: Option<InitialModel>,
    /// For nntui's own demo datasets: what they can reach, to hint when a run falls short.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demo: Option<crate::data::generate::DemoHint>,
    /// Early stopping, learning-rate reduction, checkpoints, the CSV log.
    #[serde(default)]
    pub policies: super::callbacks::Callbacks,
    /// The features of the decision map (`--map-features`; empty: the data's own when
    /// it has two, one for a regression).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub map_features: Vec<String>,
}

/// `--class-weight`: how much each class's rows count in the training loss and metrics
/// (Keras's `class_weight`, which becomes each row's `sample_weight`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeight {
    /// scikit-learn's `compute_class_weight("balanced")` on each fold's training rows:
    /// rows / (classes x the class's rows).
    Balanced,
    /// Weights by class name; a class not named counts 1.
    Given(Vec<(String, f64)>),
}

impl ClassWeight {
    /// Each class's weight (in class-index order) for the training rows with `labels`
    /// (class indices) of a dataset with `class_names`.
    pub fn per_class(&self, class_names: &[String], labels: impl Iterator<Item = usize>) -> Vec<f32> {
        let classes = class_names.len();
        match self {
            ClassWeight::Balanced => {
                let mut counts = vec![0usize; classes];
                let mut rows = 0usize;
                for label in labels {
                    counts[label] += 1;
                    rows += 1;
                }
                #[allow(
                    clippy::cast_possible_truncation,
                    reason = "a weight in float32, as Keras's sample weights are"
                )]
                counts
                    .iter()
                    .map(
                        |&count| {
                            if count == 0 { 1.0 } else { (rows as f64 / (classes * count) as f64) as f32 }
                        },
                    )
                    .collect()
            }
            #[allow(
                clippy::cast_possible_truncation,
                reason = "a weight in float32, as Keras's sample weights are"
            )]
            ClassWeight::Given(given) => class_names
                .iter()
                .map(|name| given.iter().find(|(n, _)| n == name).map_or(1.0, |(_, w)| *w as f32))
                .collect(),
        }
    }
}

/// Which rows `--validation-split` holds out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// The last rows, before any shuffling (Keras's `validation_split`).
    #[default]
    Last,
    /// A seeded random share of the rows.
    Shuffled,
    /// A seeded share of each class's rows (classification).
    Stratified,
}

impl Split {
    /// Every split, in the order the help lists them.
    pub const ALL: [Split; 3] = [Split::Last, Split::Shuffled, Split::Stratified];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Split::Last => "last",
            Split::Shuffled => "shuffled",
            Split::Stratified => "stratified",
        }
    }
}

crate::names::named!(Split, "split");

fn glorot() -> Initializer {
    Initializer::GlorotUniform
}

fn shuffle_default() -> bool {
    true
}

/// Weights to start every fold from, and the file they came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InitialModel {
    /// The model file, as given.
    pub path: std::path::PathBuf,
    /// Every parameter in the model's layout (not written to events).
    #[serde(skip)]
    pub parameters: std::sync::Arc<[f32]>,
    /// The model's preprocessing (imputation, scaling), used instead of fitting one on
    /// each fold's rows, so that its weights see the inputs they were trained on.
    #[serde(skip)]
    pub scaling: Option<crate::data::Scaling>,
}

impl Default for RunConfig {
    /// The Keras tutorial: 12 relu, 8 relu, random_uniform, Adam, 150 epochs of 10.
    fn default() -> Self {
        RunConfig {
            hidden: vec![Layer::dense(12, Activation::Relu), Layer::dense(8, Activation::Relu)],
            input_shape: None,
            window: None,
            output: None,
            initializer: Initializer::RandomUniform,
            layer_initializer: Initializer::GlorotUniform,
            loss: None,
            metrics: Vec::new(),
            class_weight: None,
            optimizer: OptimizerSpec::new(OptimizerKind::Adam),
            regularizer: Regularizer::default(),
            decay: None,
            epochs: 150,
            batch_size: 10,
            seed: 7,
            standardize: false,
            validation_split: None,
            split: Split::Last,
            folds: 10,
            threads: 1,
            pace: None,
            shuffle: true,
            initial_model: None,
            demo: None,
            policies: super::callbacks::Callbacks::default(),
            map_features: Vec::new(),
        }
    }
}

/// A setting that does not fit the dataset: names the option to change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError {
    /// The command-line option at fault.
    pub flag: &'static str,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.flag, self.message)
    }
}

impl std::error::Error for PlanError {}

fn error(flag: &'static str, message: impl Into<String>) -> PlanError {
    PlanError { flag, message: message.into() }
}

/// A run resolved against its dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The settings as given.
    pub config: RunConfig,
    /// Hidden layers and the output layer.
    pub layers: Vec<Layer>,
    /// One row's shape (`[features]` for flat rows).
    pub input_shape: Vec<usize>,
    /// The loss trained on.
    pub loss: Loss,
    /// The metric reported beside it.
    pub metric: Metric,
    /// The further metrics reported after it (`--metrics` but the task's own), in order.
    pub measures: Vec<Measure>,
    /// Rows per batch (at most the training rows).
    pub batch_size: usize,
    /// Each fold's held-out rows; for a single fit, the validation rows (maybe none).
    pub held_out: Vec<Vec<u32>>,
    /// Each fold's training rows when they are not the rest (time-ordered splits of
    /// windows); `None`: every row not held out.
    pub train_rows: Option<Vec<Vec<u32>>>,
    /// Notes for the user about adjustments made.
    pub warnings: Vec<String>,
    /// Writes checkpoints (`--checkpoint`); given by the caller, so that the engine does
    /// not depend on the model file's format.
    pub saver: Option<ModelSaver>,
    /// Whether to send [`super::Event::Learned`] after each epoch (set by a caller that
    /// shows pictures: the dashboard, `--plot`).
    pub pictures: bool,
    /// The decision map's features, when there is one.
    pub map: Option<MapFeatures>,
    /// Whether to send [`super::Event::Progress`] within epochs (a progress bar).
    pub progress: bool,
    /// Whether to send [`super::Event::Weights`] (on by default; off for a caller that
    /// neither shows, logs nor records them, which saves the histograms' work).
    pub weights: bool,
    /// Whether a fold's held-out rows are scored after every epoch (on by default).
    /// Off for a caller that reads only the folds' final scores: cross-validation
    /// then scores them after the last epoch alone, unless callbacks or pictures
    /// read them between epochs (see [`Plan::scores_epoch`]).
    pub epoch_scores: bool,
}

/// The features a decision map spans (two; one for a regression's curve).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapFeatures {
    /// Their names.
    pub names: Vec<String>,
    /// Their places among the model's inputs.
    pub inputs: Vec<usize>,
}

/// Writes a trained model to a path.
pub type SaveModel =
    dyn Fn(&super::TrainedModel, &Dataset, &std::path::Path) -> Result<(), String> + Send + Sync;

/// A way to write trained models (the model file's), handed to the engine.
#[derive(Clone)]
pub struct ModelSaver(pub std::sync::Arc<SaveModel>);

impl fmt::Debug for ModelSaver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ModelSaver")
    }
}

impl PartialEq for ModelSaver {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Plan {
    /// Checks `config` against `dataset` and fills in what the task implies.
    pub fn new(config: RunConfig, dataset: &Dataset) -> Result<Plan, PlanError> {
        validate_numbers(&config)?;
        let output = output_layer(&config, dataset)?;
        let loss = loss_for(&config, dataset.task, output)?;
        let metric = if dataset.task.is_classification() { Metric::Accuracy } else { Metric::Mae };
        let measures = measures_for(&config, dataset, output)?;
        check_class_weight(&config, dataset)?;
        let map = map_features(&config, dataset)?;
        let rows = dataset.rows();
        let mut warnings = Vec::new();

        // Windows of a series: time-ordered splits whose training windows stop before
        // the held-out rows (`data::windows`); otherwise Keras's split or stratified folds.
        let mut train_rows: Option<Vec<Vec<u32>>> = None;
        let held_out: Vec<Vec<u32>> = if let Some(window) = config.window {
            let splits = match (config.folds, config.validation_split) {
                (1, Some(share)) => vec![
                    crate::data::windows::validation_cut(rows, share, window)
                        .map_err(|message| error("--validation-split", message))?,
                ],
                (1, None) => vec![(crate::data::windows::indices(0..rows), Vec::new())],
                (_, Some(_)) => {
                    return Err(error(
                        "--validation-split",
                        "applies to a single fit (--folds 1); cross-validation already holds out each fold",
                    ));
                }
                (folds, None) => crate::data::windows::time_series_split(rows, folds, window)
                    .map_err(|message| error("--folds", message))?,
            };
            if config.split != Split::Last && config.validation_split.is_some() {
                return Err(error(
                    "--split",
                    "windows of a series are held out in time order (the last ones); leave out --split",
                ));
            }
            let (train, held): (Vec<Vec<u32>>, Vec<Vec<u32>>) = splits.into_iter().unzip();
            train_rows = Some(train);
            held
        } else if config.folds == 1 {
            let validation = match config.validation_split {
                Some(share) => validation_rows(dataset, share, config.split, config.seed)?,
                None => Vec::new(),
            };
            vec![validation]
        } else {
            if config.validation_split.is_some() {
                return Err(error(
                    "--validation-split",
                    "applies to a single fit (--folds 1); cross-validation already holds out each fold",
                ));
            }
            let (folds, warning) = kfold::split_dataset(dataset, config.folds, config.seed)
                .map_err(|message| error("--folds", message))?;
            warnings.extend(warning);
            #[allow(
                clippy::cast_possible_truncation,
                reason = "row indices fit u32: the loader refuses more than data::load::MAX_ROWS rows"
            )]
            let folds =
                folds.into_iter().map(|fold| fold.into_iter().map(|row| row as u32).collect()).collect();
            folds
        };

        if config.split != Split::Last && config.validation_split.is_none() {
            return Err(error(
                "--split",
                "chooses the rows --validation-split holds out; give --validation-split",
            ));
        }
        warnings.extend(dataset.report.warnings.iter().cloned());
        warnings.extend(class_coverage(dataset, &config, &held_out, train_rows.as_deref()));

        // A batch normalization first standardizes each feature itself.
        let normalized = config.hidden.first().is_some_and(|l| matches!(l, crate::nn::Layer::BatchNorm));
        if !config.standardize
            && !normalized
            && let Some((column, largest)) = largest_feature(dataset).filter(|&(_, v)| v > LARGE_FEATURE)
        {
            warnings.push(format!(
                "feature {:?} reaches {largest:.1e}; values this large saturate the network (try --standardize)",
                dataset.feature_names[column]
            ));
        }

        let smallest_training = match &train_rows {
            Some(train) => train.iter().map(Vec::len).min().unwrap_or(rows),
            None => held_out.iter().map(|h| rows - h.len()).min().unwrap_or(rows),
        };
        let batch_size = if config.batch_size > smallest_training {
            warnings.push(format!(
                "--batch-size {} is more than the {smallest_training} training rows; using {smallest_training} (one batch per epoch)",
                config.batch_size
            ));
            smallest_training
        } else {
            config.batch_size
        };

        check_policies(
            &config,
            metric,
            &measures,
            held_out.iter().any(|h| !h.is_empty()) || dataset.validation.is_some(),
        )?;
        let mut layers = config.hidden.clone();
        layers.push(output.into());
        let features = dataset.feature_count();
        let input_shape = config.input_shape.clone().unwrap_or_else(|| vec![features]);
        let values: usize = input_shape.iter().product();
        if values != features {
            return Err(error(
                "--input-shape",
                format!(
                    "{} holds {values} values per row, but the data has {features} features",
                    crate::nn::layer::shape_dims(&input_shape)
                ),
            ));
        }
        let model = crate::nn::Sequential::<f32>::build(&input_shape, &layers).map_err(|message| {
            // The last layer is the output layer the task added, not one the user listed.
            let output = format!("layer {} (", layers.len());
            error("--layers", message.replacen(&output, "the output layer (", 1))
        })?;
        if matches!(layers.first(), Some(crate::nn::Layer::Embedding { .. })) {
            if config.standardize {
                return Err(error(
                    "--standardize",
                    format!(
                        "would turn the integer codes {} reads into other numbers; leave it out",
                        layers[0]
                    ),
                ));
            }
            let values = dataset.features.as_standard_layout();
            let values = values.as_slice().unwrap_or_default();
            crate::nn::layer::embedding::check_codes(&layers, values, &dataset.feature_names)
                .map_err(|why| error("--layers", why))?;
        }
        if let Some(initial) = &config.initial_model {
            let expected = model.parameters().len();
            if initial.parameters.len() != expected {
                return Err(error(
                    "--initial-model",
                    format!(
                        "{} holds {} weights, but this network on {} features needs {expected}",
                        initial.path.display(),
                        initial.parameters.len(),
                        dataset.feature_count()
                    ),
                ));
            }
        }
        Ok(Plan {
            config,
            layers,
            input_shape,
            loss,
            metric,
            measures,
            batch_size,
            held_out,
            train_rows,
            warnings,
            saver: None,
            pictures: false,
            map,
            progress: false,
            weights: true,
            epoch_scores: true,
        })
    }

    /// The plan with [`super::Event::Progress`] sent within epochs.
    #[must_use]
    pub fn with_progress(mut self) -> Self {
        self.progress = true;
        self
    }

    /// The plan without [`super::Event::Weights`]: for a caller that drops them.
    #[must_use]
    pub fn without_weights(mut self) -> Self {
        self.weights = false;
        self
    }

    /// The plan for a caller that reads only the folds' final scores (a quiet
    /// printer): under cross-validation an epoch before the last is reported
    /// without held-out scores, which saves one evaluation of the held-out rows
    /// per epoch. A stopped fold has no score under cross-validation, so nothing
    /// printed changes; a held-out loss that turns non-finite between epochs is
    /// found after the last one instead of when it happens.
    #[must_use]
    pub fn with_final_scores_only(mut self) -> Self {
        self.epoch_scores = false;
        self
    }

    /// Whether `epoch`'s held-out rows are scored: always in a single fit (a stop
    /// reports the last epoch's), after the last epoch, and whenever callbacks
    /// (`callbacks`: any is active) or pictures read them.
    pub fn scores_epoch(&self, epoch: usize, callbacks: bool) -> bool {
        self.epoch_scores
            || !self.is_cross_validation()
            || epoch == self.config.epochs
            || callbacks
            || self.pictures
    }

    /// The plan with [`super::Event::Learned`] sent after each epoch.
    #[must_use]
    pub fn with_pictures(mut self) -> Self {
        self.pictures = true;
        self
    }

    /// The plan with checkpoints written by `saver`.
    #[must_use]
    pub fn with_saver(mut self, saver: ModelSaver) -> Self {
        self.saver = Some(saver);
        self
    }

    /// The network this plan trains, every weight zero.
    #[allow(clippy::expect_used, reason = "Plan::new built the same network from the same layers")]
    pub fn model<T: crate::nn::Real>(&self) -> crate::nn::Sequential<T> {
        crate::nn::Sequential::build(&self.input_shape, &self.layers).expect("Plan::new checked the layers")
    }

    /// Number of folds (1 for a single fit).
    pub fn fold_count(&self) -> usize {
        self.held_out.len()
    }

    /// Whether this is K-fold cross-validation rather than a single fit.
    pub fn is_cross_validation(&self) -> bool {
        self.config.folds > 1
    }
}

/// The rows `--validation-split` holds out: the last share (Keras), a seeded shuffled
/// share, or a seeded share of each class, sorted.
fn validation_rows(dataset: &Dataset, share: f64, split: Split, seed: u64) -> Result<Vec<u32>, PlanError> {
    use rand::seq::SliceRandom;
    let rows = dataset.rows();
    // Keras's int(): a share of rows, truncated.
    #[allow(clippy::cast_possible_truncation, reason = "Keras's int(): a share of rows, truncated")]
    let count = |n: usize| n - (n as f64 * (1.0 - share)) as usize;
    let held = count(rows);
    if held == 0 || held == rows {
        return Err(error(
            "--validation-split",
            format!("{share} of {rows} rows leaves no training or no validation rows"),
        ));
    }
    #[allow(
        clippy::cast_possible_truncation,
        reason = "row indices fit u32: the loader refuses more than data::load::MAX_ROWS rows"
    )]
    let mut chosen: Vec<u32> = match split {
        Split::Last => ((rows - held) as u32..rows as u32).collect(),
        Split::Shuffled => {
            let mut order: Vec<u32> = (0..rows as u32).collect();
            order.shuffle(&mut crate::random::rng(seed, crate::random::Stream::Folds));
            order.truncate(held);
            order
        }
        Split::Stratified => {
            if !dataset.task.is_classification() {
                return Err(error(
                    "--split",
                    "stratified needs classes; a regression takes last or shuffled",
                ));
            }
            let mut rng = crate::random::rng(seed, crate::random::Stream::Folds);
            let mut by_class: Vec<Vec<u32>> = vec![Vec::new(); dataset.class_count()];
            for row in 0..rows {
                by_class[dataset.class_of(row)].push(row as u32);
            }
            let mut chosen = Vec::with_capacity(held);
            for mut members in by_class {
                members.shuffle(&mut rng);
                // Each class gives its share, and keeps a training row when it can.
                let take = count(members.len()).min(members.len().saturating_sub(1));
                chosen.extend_from_slice(&members[..take]);
            }
            if chosen.is_empty() {
                return Err(error("--validation-split", format!("{share} of each class holds out no rows")));
            }
            chosen
        }
    };
    chosen.sort_unstable();
    Ok(chosen)
}

/// Warnings, once per kind, where a held-out part (a validation split, a fold,
/// `--validation-data`, `--test`) has a class its training part lacks, or the reverse:
/// such a part measures nothing about that class.
fn class_coverage(
    dataset: &Dataset,
    config: &RunConfig,
    held_out: &[Vec<u32>],
    train_rows: Option<&[Vec<u32>]>,
) -> Vec<String> {
    if !dataset.task.is_classification() {
        return Vec::new();
    }
    let classes = dataset.class_count();
    let present_in = |data: &Dataset, rows: &mut dyn Iterator<Item = usize>| {
        let mut seen = vec![false; classes];
        rows.for_each(|row| seen[data.class_of(row)] = true);
        seen
    };
    let present = |rows: &mut dyn Iterator<Item = usize>| present_in(dataset, rows);
    let names = |flags: &[bool]| -> String {
        let named: Vec<String> =
            (0..classes).filter(|&c| flags[c]).map(|c| format!("{:?}", dataset.class_names[c])).collect();
        let noun = if named.len() == 1 { "class" } else { "classes" };
        format!("{noun} {}", named.join(", "))
    };
    // Labels in a few long runs (each class together) mean a file sorted by label.
    let runs = 1 + (1..dataset.rows()).filter(|&r| dataset.labels[r] != dataset.labels[r - 1]).count();
    let sorted = classes > 1 && runs <= 2 * classes;
    let cause = if sorted {
        "; the rows look sorted by label (try --split stratified, or shuffle the file)"
    } else {
        ""
    };
    let mut warnings = Vec::new();
    let what =
        if config.folds > 1 { "cross-validation" } else { "the validation split (--validation-split)" };
    let mut only_held = vec![false; classes];
    let mut only_trained = vec![false; classes];
    for (fold, held) in held_out.iter().enumerate().filter(|(_, h)| !h.is_empty()) {
        let in_held = present(&mut held.iter().map(|&r| r as usize));
        let in_train = if let Some(train) = train_rows {
            present(&mut train[fold].iter().map(|&r| r as usize))
        } else {
            let mut excluded = vec![false; dataset.rows()];
            held.iter().for_each(|&r| excluded[r as usize] = true);
            present(&mut (0..dataset.rows()).filter(|&r| !excluded[r]))
        };
        for c in 0..classes {
            only_held[c] |= in_held[c] && !in_train[c];
            // With folds, a class missing from one fold's held-out part is the small
            // class kfold already warns of.
            only_trained[c] |= config.folds == 1 && in_train[c] && !in_held[c];
        }
    }
    if only_held.iter().any(|&b| b) {
        warnings.push(format!(
            "{what}: {} held out but in no training row, so the model never learns it and every such row scores wrong{cause}",
            names(&only_held)
        ));
    }
    if only_trained.iter().any(|&b| b) {
        warnings.push(format!(
            "{what}: {} in no validation row, so val_ scores say nothing about it{cause}",
            names(&only_trained)
        ));
    }
    let trained = present(&mut (0..dataset.rows()));
    for (other, flag) in [(&dataset.validation, "--validation-data"), (&dataset.test, "--test")] {
        let Some(other) = other.as_deref() else { continue };
        let seen = present_in(other, &mut (0..other.rows()));
        let lacking: Vec<bool> = (0..classes).map(|c| seen[c] && !trained[c]).collect();
        let absent: Vec<bool> = (0..classes).map(|c| trained[c] && !seen[c]).collect();
        if lacking.iter().any(|&b| b) {
            warnings.push(format!(
                "{flag} {}: {} in no training row of {}{cause}",
                other.source,
                names(&lacking),
                dataset.source
            ));
        }
        if absent.iter().any(|&b| b) && other.rows() > 0 {
            warnings.push(format!(
                "{flag} {}: {} in none of its rows, so its scores say nothing about it",
                other.source,
                names(&absent)
            ));
        }
    }
    warnings
}

/// Feature magnitudes beyond this are worth a warning when not standardizing.
const LARGE_FEATURE: f64 = 1e6;

/// The feature column with the largest magnitude, and that magnitude.
fn largest_feature(dataset: &Dataset) -> Option<(usize, f64)> {
    let mut largest: Option<(usize, f64)> = None;
    for row in dataset.features.outer_iter() {
        for (column, &value) in row.iter().enumerate() {
            let value = f64::from(value.abs());
            if largest.is_none_or(|(_, l)| value > l) {
                largest = Some((column, value));
            }
        }
    }
    largest
}

/// The values an epoch reports, by Keras's names, which policies may monitor.
pub fn epoch_values(metric: Metric, measures: &[Measure], validation: bool) -> Vec<String> {
    let names: Vec<String> = std::iter::once("loss")
        .chain(std::iter::once(metric.name()))
        .chain(measures.iter().map(|m| m.name()))
        .map(String::from)
        .collect();
    let val: Vec<String> =
        if validation { names.iter().map(|n| format!("val_{n}")).collect() } else { Vec::new() };
    names.into_iter().chain(val).collect()
}

/// The decision map's features: `--map-features` checked against the columns, or the
/// data's own when a classification has two number columns (a regression one).
fn map_features(config: &RunConfig, dataset: &Dataset) -> Result<Option<MapFeatures>, PlanError> {
    let wanted = if dataset.task.is_classification() { 2 } else { 1 };
    let flat = config.input_shape.is_none() && config.window.is_none();
    let given = &config.map_features;
    if given.is_empty() {
        let numbers = dataset.columns.iter().all(|c| !c.is_categorical());
        return Ok((flat && numbers && dataset.columns.len() == wanted).then(|| MapFeatures {
            names: dataset.columns.iter().map(|c| c.name.clone()).collect(),
            inputs: (0..wanted).collect(),
        }));
    }
    if !flat {
        return Err(error(
            "--map-features",
            "a map spans features of flat rows, not --input-shape or --window samples",
        ));
    }
    if given.len() != wanted {
        let what = if wanted == 2 {
            "a classification's map spans two features (--map-features A,B)"
        } else {
            "a regression's curve runs along one feature (--map-features A)"
        };
        return Err(error("--map-features", format!("{what}; {} given", given.len())));
    }
    let mut inputs = Vec::new();
    for name in given {
        let mut offset = 0;
        let mut found = None;
        for column in &dataset.columns {
            if &column.name == name {
                found = Some((offset, column));
            }
            offset += column.width();
        }
        let Some((input, column)) = found else {
            let names: Vec<&str> = dataset.columns.iter().map(|c| c.name.as_str()).collect();
            return Err(error(
                "--map-features",
                format!("no feature {name:?} (the features are {})", names.join(", ")),
            ));
        };
        if column.is_categorical() {
            return Err(error(
                "--map-features",
                format!("{name} holds categories; a map's axes are numbers"),
            ));
        }
        if inputs.contains(&input) {
            return Err(error("--map-features", format!("{name} is named twice")));
        }
        inputs.push(input);
    }
    Ok(Some(MapFeatures { names: given.clone(), inputs }))
}

/// `--class-weight` names classes the labels have, with weights that are numbers >= 0,
/// on a classification.
fn check_class_weight(config: &RunConfig, dataset: &Dataset) -> Result<(), PlanError> {
    if let Some(weights) = &dataset.sample_weights {
        if config.class_weight.is_some() {
            return Err(error(
                "--class-weight",
                "cannot be used with --sample-weight-col (nor can Keras's class_weight with sample_weight): multiply each class's weight into the column",
            ));
        }
        if weights.values.iter().all(|&w| w == 0.0) {
            return Err(error(
                "--sample-weight-col",
                format!("every row's weight in column {:?} is 0: nothing to learn from", weights.column),
            ));
        }
    }
    let Some(weights) = &config.class_weight else { return Ok(()) };
    if !dataset.task.is_classification() {
        return Err(error("--class-weight", "weights classes; this task is a regression (no classes)"));
    }
    if let ClassWeight::Given(given) = weights {
        for (name, weight) in given {
            if !dataset.class_names.contains(name) {
                return Err(error(
                    "--class-weight",
                    format!(
                        "no class {name:?} in the labels (the classes are {})",
                        dataset.class_names.join(", ")
                    ),
                ));
            }
            if !weight.is_finite() || *weight < 0.0 {
                return Err(error("--class-weight", format!("{name}={weight}: a weight is a number >= 0")));
            }
        }
    }
    Ok(())
}

/// `--metrics` for the task: the ones that measure it, the task's own left out (it is
/// always reported first).
fn measures_for(config: &RunConfig, dataset: &Dataset, output: LayerSpec) -> Result<Vec<Measure>, PlanError> {
    let classification = dataset.task.is_classification();
    let mut measures = Vec::new();
    for &measure in &config.metrics {
        if measure.for_classification() != classification {
            let kind = if classification { "a classification" } else { "a regression" };
            let fitting: Vec<&str> = Measure::ALL
                .iter()
                .filter(|m| m.for_classification() == classification)
                .map(|m| m.name())
                .collect();
            return Err(error(
                "--metrics",
                format!("{measure} does not measure {kind}; this task's metrics are {}", fitting.join(", ")),
            ));
        }
        if measure == Measure::TopKCategoricalAccuracy && output.units < 2 {
            return Err(error(
                "--metrics",
                "top_k_categorical_accuracy needs an output of several classes (a softmax layer); this one has one unit",
            ));
        }
        if measure.primary().is_none() {
            measures.push(measure);
        }
    }
    Ok(measures)
}

/// Callbacks monitor values that exist and write one file per fold.
fn check_policies(
    config: &RunConfig,
    metric: Metric,
    measures: &[Measure],
    validation: bool,
) -> Result<(), PlanError> {
    let policies = &config.policies;
    let available = epoch_values(metric, measures, validation);
    for (flag, monitor) in policies.monitored() {
        if !available.iter().any(|name| name == monitor) {
            let base = monitor.strip_prefix("val_").unwrap_or(monitor);
            let why = if monitor.starts_with("val_") && !validation {
                " (there is no validation data: add --validation-split, or cross-validate with --folds)"
                    .to_string()
            } else if Measure::ALL.iter().any(|m| m.name() == base) {
                format!(" (add --metrics {base} to measure it)")
            } else {
                String::new()
            };
            return Err(error(
                flag,
                format!(
                    "monitor={monitor} is not a value this run reports; it reports {}{why}",
                    available.join(", ")
                ),
            ));
        }
    }
    if policies.reduce_lr_on_plateau.is_some() && config.decay.is_some() {
        return Err(error(
            "--reduce-lr-on-plateau",
            "cannot be combined with --lr-decay (Keras refuses to set a learning rate that a schedule controls)",
        ));
    }
    if config.folds > 1 {
        let paths = [
            ("--checkpoint", policies.checkpoint.as_ref().map(|c| c.path.as_str())),
            ("--csv-log", policies.csv_log.as_deref()),
        ];
        for (flag, path) in paths {
            if let Some(path) = path.filter(|p| !p.contains("{fold}")) {
                return Err(error(
                    flag,
                    format!(
                        "{path}: with cross-validation each fold writes its own file: put {{fold}} in the path"
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn validate_numbers(config: &RunConfig) -> Result<(), PlanError> {
    let positive = |value: f64| value.is_finite() && value > 0.0;
    if config.epochs == 0 {
        return Err(error("--epochs", "must be at least 1"));
    }
    if config.batch_size == 0 {
        return Err(error("--batch-size", "must be at least 1"));
    }
    if config.folds == 0 {
        return Err(error("--folds", "must be at least 1 (1 is a single fit)"));
    }
    if config.threads == 0 {
        return Err(error("--threads", "must be at least 1"));
    }
    check_learning_rate(config.optimizer.learning_rate).map_err(|message| error("--lr", message))?;
    let momentum = config.optimizer.momentum;
    if !(0.0..1.0).contains(&momentum) {
        return Err(error("--momentum", format!("must be in [0, 1), got {momentum}")));
    }
    if momentum != 0.0 && !config.optimizer.kind.takes_momentum() {
        return Err(error("--momentum", "applies to sgd and rmsprop, not adam"));
    }
    if config.optimizer.nesterov && config.optimizer.kind != OptimizerKind::Sgd {
        return Err(error("--nesterov", "applies to sgd only"));
    }
    if config.optimizer.nesterov && momentum == 0.0 {
        return Err(error("--nesterov", "needs --momentum above 0"));
    }
    for (flag, value) in [("--l1", config.regularizer.l1), ("--l2", config.regularizer.l2)] {
        check_penalty(value).map_err(|message| error(flag, message))?;
    }
    if let Some(decay) = config.decay {
        if !positive(decay.rate) || decay.rate > 1.0 {
            return Err(error("--lr-decay", format!("must be in (0, 1], got {}", decay.rate)));
        }
        if decay.steps == 0 {
            return Err(error("--lr-decay-steps", "must be at least 1"));
        }
    }
    if let Some(share) = config.validation_split
        && !(share > 0.0 && share < 1.0)
    {
        return Err(error("--validation-split", format!("must be between 0 and 1, got {share}")));
    }
    if let Some(pace) = config.pace
        && !positive(pace)
    {
        return Err(error("--pace", format!("must be a positive number of epochs per second, got {pace}")));
    }
    if config.hidden.iter().any(|l| matches!(l, Layer::Dense { units: 0, .. })) {
        return Err(error("--layers", "every layer needs at least one unit"));
    }
    if config.hidden.iter().any(|l| l.activation() == Some(Activation::Softmax)) {
        return Err(error("--layers", "softmax belongs on the output layer (--output), not a hidden one"));
    }
    Ok(())
}

fn output_layer(config: &RunConfig, dataset: &Dataset) -> Result<LayerSpec, PlanError> {
    let classes = dataset.class_count();
    let default = match dataset.task {
        Task::Binary => LayerSpec::new(1, Activation::Sigmoid),
        Task::Multiclass => LayerSpec::new(classes, Activation::Softmax),
        Task::Regression => LayerSpec::new(1, Activation::Linear),
    };
    let Some(output) = config.output else {
        return Ok(default);
    };
    let fits = match dataset.task {
        Task::Binary => {
            output == LayerSpec::new(1, Activation::Sigmoid)
                || output == LayerSpec::new(2, Activation::Softmax)
        }
        Task::Multiclass => output == default,
        Task::Regression => output.units == 1 && output.activation != Activation::Softmax,
    };
    if fits {
        return Ok(output);
    }
    let expected = match dataset.task {
        Task::Binary => "1:sigmoid or 2:softmax".to_string(),
        Task::Multiclass => format!("{classes}:softmax, one unit per class"),
        Task::Regression => "one unit, e.g. 1:linear".to_string(),
    };
    Err(error("--output", format!("{output} does not suit a {} task; expected {expected}", dataset.task)))
}

fn loss_for(config: &RunConfig, task: Task, output: LayerSpec) -> Result<Loss, PlanError> {
    let default = match (task, output.activation) {
        (Task::Regression, _) => Loss::MeanSquaredError,
        (_, Activation::Softmax) => Loss::CategoricalCrossentropy,
        _ => Loss::BinaryCrossentropy,
    };
    let Some(loss) = config.loss else {
        return Ok(default);
    };
    let fits = match loss {
        Loss::BinaryCrossentropy => output.activation == Activation::Sigmoid && task.is_classification(),
        Loss::CategoricalCrossentropy => output.activation == Activation::Softmax && task.is_classification(),
        Loss::MeanSquaredError => true,
    };
    if fits {
        Ok(loss)
    } else {
        Err(error(
            "--loss",
            format!("{loss} does not suit a {task} task with a {output} output; use {default}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn dataset(task: Task, classes: usize, rows: usize) -> Dataset {
        Dataset {
            source: "t.csv".into(),
            feature_names: vec!["a".into(), "b".into()],
            label_name: "y".into(),
            label_column: 2,
            has_header: true,
            features: Array2::zeros((rows, 2)),
            task,
            class_names: (0..classes).map(|c| c.to_string()).collect(),
            labels: (0..rows).map(|r| if classes > 0 { (r % classes) as f32 } else { r as f32 }).collect(),
            columns: vec![
                crate::data::FeatureColumn::number("a", 0),
                crate::data::FeatureColumn::number("b", 1),
            ],
            width: 3,
            impute: crate::data::Impute::Mean,
            na_values: crate::data::NaValues::default(),
            report: crate::data::DataReport::default(),
            validation: None,
            test: None,
            window: None,
            sample_weights: None,
        }
    }

    #[test]
    fn task_defaults() {
        let plan = Plan::new(RunConfig::default(), &dataset(Task::Binary, 2, 100)).unwrap();
        assert_eq!(plan.layers.last(), Some(&Layer::dense(1, Activation::Sigmoid)));
        assert_eq!(
            (plan.loss, plan.metric, plan.fold_count()),
            (Loss::BinaryCrossentropy, Metric::Accuracy, 10)
        );

        let plan = Plan::new(RunConfig::default(), &dataset(Task::Multiclass, 4, 100)).unwrap();
        assert_eq!(plan.layers.last(), Some(&Layer::dense(4, Activation::Softmax)));
        assert_eq!(plan.loss, Loss::CategoricalCrossentropy);

        let plan = Plan::new(RunConfig::default(), &dataset(Task::Regression, 0, 100)).unwrap();
        assert_eq!((plan.loss, plan.metric), (Loss::MeanSquaredError, Metric::Mae));
    }

    #[test]
    fn output_and_loss_are_checked_against_the_task() {
        let binary = dataset(Task::Binary, 2, 100);
        let config =
            RunConfig { output: Some(LayerSpec::new(3, Activation::Softmax)), ..RunConfig::default() };
        let e = Plan::new(config, &binary).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--output: 3:softmax does not suit a binary task; expected 1:sigmoid or 2:softmax"
        );

        let config =
            RunConfig { output: Some(LayerSpec::new(2, Activation::Softmax)), ..RunConfig::default() };
        assert_eq!(Plan::new(config, &binary).unwrap().loss, Loss::CategoricalCrossentropy);

        let config = RunConfig { loss: Some(Loss::CategoricalCrossentropy), ..RunConfig::default() };
        assert_eq!(Plan::new(config, &binary).unwrap_err().flag, "--loss");
        let config = RunConfig { loss: Some(Loss::MeanSquaredError), ..RunConfig::default() };
        assert!(Plan::new(config, &binary).is_ok());
    }

    #[test]
    fn folds_and_splits() {
        let small = dataset(Task::Multiclass, 3, 12);
        let e = Plan::new(RunConfig::default(), &small).unwrap_err();
        assert_eq!(e.flag, "--folds");
        assert!(e.message.contains("need more rows than every class has"), "{e}");

        // One small class is a warning, as scikit-learn's StratifiedKFold gives.
        let mut uneven = dataset(Task::Binary, 2, 60);
        uneven.labels = (0..60).map(|r| if r < 4 { 1.0 } else { 0.0 }).collect();
        let plan = Plan::new(RunConfig::default(), &uneven).unwrap();
        assert_eq!(plan.fold_count(), 10);
        assert!(
            plan.warnings.iter().any(|w| w.contains("class \"1\" has only 4 rows")),
            "{:?}",
            plan.warnings
        );

        let config = RunConfig { folds: 1, validation_split: Some(0.25), ..RunConfig::default() };
        let plan = Plan::new(config, &dataset(Task::Binary, 2, 100)).unwrap();
        assert_eq!(plan.held_out, vec![(75..100).collect::<Vec<u32>>()]);

        let config = RunConfig { validation_split: Some(0.25), ..RunConfig::default() };
        assert_eq!(Plan::new(config, &dataset(Task::Binary, 2, 100)).unwrap_err().flag, "--validation-split");
    }

    #[test]
    fn batch_larger_than_the_data_is_clamped_with_a_warning() {
        let config = RunConfig { folds: 1, batch_size: 500, ..RunConfig::default() };
        let plan = Plan::new(config, &dataset(Task::Binary, 2, 40)).unwrap();
        assert_eq!(plan.batch_size, 40);
        assert_eq!(plan.warnings.len(), 1);
    }

    #[test]
    fn bad_numbers_name_their_flag() {
        let d = dataset(Task::Binary, 2, 100);
        let cases: Vec<(RunConfig, &str)> = vec![
            (RunConfig { epochs: 0, ..RunConfig::default() }, "--epochs"),
            (RunConfig { batch_size: 0, ..RunConfig::default() }, "--batch-size"),
            (RunConfig { folds: 0, ..RunConfig::default() }, "--folds"),
            (
                RunConfig {
                    optimizer: OptimizerSpec {
                        learning_rate: -1.0,
                        ..OptimizerSpec::new(OptimizerKind::Adam)
                    },
                    ..RunConfig::default()
                },
                "--lr",
            ),
            (
                RunConfig {
                    optimizer: OptimizerSpec { momentum: 0.9, ..OptimizerSpec::new(OptimizerKind::Adam) },
                    ..RunConfig::default()
                },
                "--momentum",
            ),
            (RunConfig { regularizer: Regularizer { l1: -0.1, l2: 0.0 }, ..RunConfig::default() }, "--l1"),
            (RunConfig { pace: Some(0.0), ..RunConfig::default() }, "--pace"),
        ];
        for (config, flag) in cases {
            assert_eq!(Plan::new(config, &d).unwrap_err().flag, flag);
        }
    }
}
