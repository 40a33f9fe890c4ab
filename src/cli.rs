//! Command-line parsing (clap) into the engine's plain [`RunConfig`] and load options.

use crate::data::generate::{Generator, GeneratorSpec};
use crate::data::{
    CsvOptions, HeaderMode, Impute, LabelColumn, MAX_CATEGORIES_LIMIT, NaValues, Task, parse_delimiter,
};
use crate::nn::{
    Activation, ExponentialDecay, Initializer, Layer, LayerSpec, Loss, OptimizerKind, OptimizerSpec,
    Regularizer,
};
use crate::train::RunConfig;
use crate::train::callbacks::{Callbacks, CheckpointSpec, EarlyStoppingSpec, PlateauSpec};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Train Keras-style neural networks on CSV files and watch them learn.
#[derive(Debug, Parser)]
#[command(
    name = "nntui",
    version,
    about,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "Examples:\n  nntui data/moons.csv                      dashboard, 10-fold cross-validation\n  nntui --no-tui --folds 1 pima.csv         the Keras tutorial's fit, headless\n  nntui --save-model m.json pima.csv && nntui predict --model m.json pima.csv"
)]
pub struct Cli {
    /// Something other than training.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Training options.
    #[command(flatten)]
    pub train: TrainArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Predict with a saved model: one line per row, the class and its probability (or the value).
    Predict(PredictArgs),
    /// Score a saved model on a labelled file: accuracy, loss, confusion matrix and a
    /// per-class report (or mse and mae).
    Evaluate(EvaluateArgs),
    /// Write a saved model as one ONNX file: the whole predictor, from raw columns (missing
    /// values, categories, standardization) to class names, for onnxruntime and friends.
    Export(ExportArgs),
    /// Recorded runs (--log-dir folders, events.jsonl files, Keras-callback lines): one run's
    /// dashboard, followed live, or several compared; headless, a table or a replay.
    View(ViewArgs),
    /// Write one of the built-in synthetic datasets as CSV.
    Generate(GenerateArgs),
    /// Search hyperparameters: train trials with sampled options, prune the hopeless,
    /// rank them, print the best as a command line.
    Tune(TuneArgs),
    /// Print a shell's completion script (e.g. `nntui completions bash >
    /// ~/.local/share/bash-completion/completions/nntui`).
    Completions(CompletionsArgs),
    /// Print the manual page (roff), e.g. `nntui man > ~/.local/share/man/man1/nntui.1`.
    Man,
}

/// The formats `nntui export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// ONNX (opset 17, with ai.onnx.ml's CategoryMapper for categories).
    Onnx,
}

/// `nntui export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The model written by --save-model.
    #[arg(long, value_name = "PATH")]
    pub model: PathBuf,
    /// The file format.
    #[arg(long, value_enum, default_value = "onnx")]
    pub format: ExportFormat,
    /// One float input [N, F] in the model's column order instead of one input per
    /// column (numeric models only).
    #[arg(long)]
    pub single_input: bool,
    /// The file to write.
    #[arg(value_name = "OUT")]
    pub output: PathBuf,
}

/// `nntui completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, powershell or elvish.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `nntui tune`: its own options and training's, in any order.
#[derive(Debug, Args)]
#[command(after_help = TUNE_HELP)]
pub struct TuneArgs {
    /// The CSV file and training options; searched options as choices `a|b|c` or ranges
    /// `LO..HI` (`LO..HI:log`): --lr, --layers, --batch-size, --l1, --l2, --epochs,
    /// --optimizer, --init, --momentum, --lr-decay, --dropout.
    #[arg(value_name = "FILE AND OPTIONS", required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub arguments: Vec<String>,
}

/// `nntui tune --help`'s list of its own options.
const TUNE_HELP: &str = "Tune options (among the training options):
  --trials N                 trials in all [default: 20, or the whole grid]
  --sampler tpe|random|grid  Optuna's TPE (random for the first 10 finished trials, then
                             the options the best trials had, each on its own), independent
                             random draws, or every combination of the choice lists [default: tpe]
  --objective NAME           val_loss, val_accuracy (val_mae), loss, accuracy [default: the held-out metric]
  --pruner none|median|asha  stop hopeless trials early, by Optuna's rules [default: none]
  --startup-trials N         median: completed trials before any pruning [default: 5]
  --warmup-epochs N          median: epochs before any pruning [default: 0]
  --min-epochs N             asha: the first rung [default: a hundredth of the longest completed trial]
  --reduction N              asha: keep the best 1/N at each rung [default: 4]
  --storage FILE             the study journal, shared by every process given it
  --heartbeat-timeout SECS   a trial silent this long is run again by another process [default: 60]

Each trial is cross-validated (--folds, 5 by default) or is a single fit validated on
--validation-split (which implies --folds 1; with --folds K above 1 it is refused) or
--validation-data; --seed seeds both the sampler and every trial's training. Every
training option reaches every trial (--window, --split, --initial-model, --test, ...).

Example:
  nntui tune data.csv --standardize --trials 30 --pruner median \\
      --lr 1e-4..1e-1:log --layers '12:relu,8:relu|32:relu|64:relu,32:relu' --batch-size 8..64";

/// A saved model and a CSV to apply it to (`predict`, `evaluate`).
#[derive(Debug, Args)]
pub struct ModelInput {
    /// The model written by --save-model.
    #[arg(long, value_name = "PATH")]
    pub model: PathBuf,
    /// The CSV: the model's feature columns, and its label column where it has one
    /// (evaluate needs it).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub csv: CsvArgs,
}

impl ModelInput {
    /// The CSV options (the label column comes from the model).
    pub fn csv_options(&self) -> CsvOptions {
        CsvOptions { header: self.csv.header_mode(), delimiter: self.csv.delimiter, ..CsvOptions::default() }
    }
}

/// `nntui predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    #[command(flatten)]
    pub input: ModelInput,
    /// Every class's probability, one column per class (named in the header row).
    #[arg(long)]
    pub proba: bool,
    /// For a model of two classes: predict the second class when its probability is
    /// above T (0.5 by default).
    #[arg(long, value_name = "T", value_parser = parse_threshold)]
    pub threshold: Option<f64>,
    /// A column to pass through to each output row (a name or a number from 1), e.g. an ID.
    #[arg(long, value_name = "COL")]
    pub id_col: Option<String>,
    /// Leave out the output's header row (predicted,probability / the class names).
    #[arg(long)]
    pub no_output_header: bool,
    /// Write the predictions to FILE (CSV) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// FILE is a series: one prediction per window of N rows, labelled with the row it
    /// forecasts (must be the model's --window; a model trained on a series reads FILE
    /// this way without it).
    #[arg(long, value_name = "N", value_parser = at_least_one)]
    pub window: Option<usize>,
}

/// `nntui view`.
#[derive(Debug, Args)]
pub struct ViewArgs {
    /// Runs: events.jsonl files, run folders, or folders of runs.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Print the table of runs (the default when stdout is not a terminal).
    #[arg(long)]
    pub no_tui: bool,
    /// The table as JSON Lines, one run per line.
    #[arg(long)]
    pub json: bool,
    /// Print one run's epoch lines and results again, as training printed them.
    #[arg(long)]
    pub replay: bool,
    /// Write one nntui run's charts into DIR (as training's --plot).
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    /// The charts' format.
    #[arg(long, value_name = "svg|png", default_value = "svg", value_parser = parse_plot_format)]
    pub plot_format: crate::plot::Format,
}

/// `nntui evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    pub input: ModelInput,
    /// For a model of two classes: the second class when its probability is above T
    /// (0.5 by default), for the confusion matrix and the report.
    #[arg(long, value_name = "T", value_parser = parse_threshold)]
    pub threshold: Option<f64>,
}

fn parse_threshold(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(t) if t > 0.0 && t < 1.0 => Ok(t),
        _ => Err("a probability between 0 and 1 (exclusive), e.g. 0.3".into()),
    }
}

/// An argument as a POSIX shell reads it back: as is when plain, else in single quotes.
pub fn shell_quoted(argument: &str) -> String {
    let plain = !argument.is_empty()
        && argument.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:,=+@%".contains(c));
    if plain { argument.to_string() } else { format!("'{}'", argument.replace('\'', "'\\''")) }
}

/// A column given by number (from 1) or by name.
pub fn column(text: &str) -> LabelColumn {
    LabelColumn::parse(text)
}

/// `nntui generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// moons, spiral, sine, blobs, mixed (categories and gaps) or strokes (8x8 images).
    #[arg(value_parser = parse_generator)]
    pub dataset: Generator,
    /// Rows to write.
    #[arg(long, default_value_t = 400, value_parser = at_least_one)]
    pub rows: usize,
    /// Feature columns (blobs).
    #[arg(long, default_value_t = 10, value_parser = at_least_one)]
    pub features: usize,
    /// Classes (spiral, blobs).
    #[arg(long, default_value_t = 3, value_parser = at_least_one)]
    pub classes: usize,
    /// Standard deviation of the noise.
    #[arg(long, default_value_t = 0.15, value_parser = non_negative, allow_negative_numbers = true)]
    pub noise: f64,
    /// Seed.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Write here instead of to stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl GenerateArgs {
    /// The generator's settings.
    pub fn spec(&self) -> GeneratorSpec {
        GeneratorSpec {
            kind: self.dataset,
            rows: self.rows,
            features: self.features,
            classes: self.classes,
            noise: self.noise,
            seed: self.seed,
        }
    }
}

/// How to read a CSV (shared by training and predict).
#[derive(Debug, Args)]
pub struct CsvArgs {
    /// The first row is a header (default: detected).
    #[arg(long, conflicts_with = "no_header", help_heading = "Data")]
    pub header: bool,
    /// The first row is data.
    #[arg(long, help_heading = "Data")]
    pub no_header: bool,
    /// Field separator: a character, or "tab".
    #[arg(long, short = 'd', default_value = ",", value_parser = parse_delimiter, help_heading = "Data")]
    pub delimiter: u8,
}

impl CsvArgs {
    fn header_mode(&self) -> HeaderMode {
        if self.header {
            HeaderMode::Present
        } else if self.no_header {
            HeaderMode::Absent
        } else {
            HeaderMode::Auto
        }
    }
}

/// Pace of training: epochs per second, or full speed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pace {
    /// At most this many epochs per second.
    Limited(f64),
    /// As fast as the machine goes.
    Full,
}

/// Training options.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The CSV to train on: numeric features and one label column.
    #[arg(value_name = "FILE", required = true)]
    pub file: Option<PathBuf>,

    /// Label column: a 1-based number or a header name [default: the last].
    #[arg(long, value_name = "N|NAME", help_heading = "Data")]
    pub label_col: Option<String>,
    #[command(flatten)]
    pub csv: CsvArgs,
    /// binary, multiclass or regression [default: inferred from the labels].
    #[arg(long, value_parser = parse_task, help_heading = "Data")]
    pub task: Option<Task>,
    /// Z-score the features with statistics of the training rows (per fold).
    #[arg(long, help_heading = "Data")]
    pub standardize: bool,
    /// Leave these columns out: names or numbers (as --label-col counts), comma separated.
    #[arg(long, value_name = "COLS", help_heading = "Data")]
    pub ignore_col: Option<String>,
    /// Each row's weight in the training loss from this column (a name or a number, as
    /// --label-col counts), as Keras's sample_weight: numbers >= 0, not a feature. The
    /// held-out rows' loss is weighted too; the metrics are not (as in Keras).
    #[arg(long, value_name = "COL", help_heading = "Data")]
    pub sample_weight_col: Option<String>,
    /// Read these columns as categories even where they hold numbers (codes).
    #[arg(long, value_name = "COLS", help_heading = "Data")]
    pub categorical: Option<String>,
    /// Cells that mean "missing" in feature columns (never the label), comma separated,
    /// any case, numbers compared as numbers; empty cells always do [default: NA,N/A,NaN,null,?].
    #[arg(long, value_name = "LIST", allow_hyphen_values = true, help_heading = "Data")]
    pub na_values: Option<String>,
    /// Cells that mean "missing" in one feature column only, besides --na-values:
    /// COL=V1,V2 (a name or a number; repeatable). Never the label's.
    #[arg(long, value_name = "COL=V1,V2", allow_hyphen_values = true, action = clap::ArgAction::Append, value_parser = parse_na_values_col, help_heading = "Data")]
    pub na_values_col: Vec<(LabelColumn, Vec<String>)>,
    /// Fill missing features with the training rows' mean, median or most_frequent
    /// value, with zero, or drop the rows (categories: most frequent, or none with zero).
    /// [default: mean]
    #[arg(long, value_parser = parse_impute, help_heading = "Data")]
    pub impute: Option<Impute>,
    /// A categorical column with more distinct values than this is refused.
    #[arg(long, default_value_t = crate::data::columns::DEFAULT_MAX_CATEGORIES, value_parser = max_categories, value_name = "N", help_heading = "Data")]
    pub max_categories: usize,
    /// Validate on this CSV every epoch, read like FILE (Keras's validation_data; a single fit).
    #[arg(long, value_name = "CSV", conflicts_with = "validation_split", help_heading = "Data")]
    pub validation_data: Option<PathBuf>,
    /// After training, evaluate once on this CSV, read like FILE (Keras's model.evaluate).
    #[arg(long, value_name = "CSV", help_heading = "Data")]
    pub test: Option<PathBuf>,

    /// Hidden layers, comma separated: UNITS:ACTIVATION (Dense) or dense:U[:ACT],
    /// dropout:RATE, flatten, rescaling:SCALE[:OFFSET], conv2d:FILTERS:KxK[:ACT][:same|valid],
    /// conv1d:FILTERS:K[:ACT][:same|valid], maxpool2d:PxP, maxpool1d:P, avgpool2d:PxP,
    /// avgpool1d:P, globalavgpool, globalmaxpool, layernorm, batchnorm, embedding:VOCAB:DIM (first),
    /// simplernn:U[:seq], lstm:U[:seq], gru:U[:seq], bisimplernn:U[:seq], bilstm:U[:seq],
    /// bigru:U[:seq] ("none" for none).
    #[arg(long, default_value = "12:relu,8:relu", value_parser = parse_layers, help_heading = "Model")]
    pub layers: HiddenLayers,
    /// The shape of one row's features, channels last: 8x8x1 (an image, row-major),
    /// 28x28 (one channel), 10x1 (steps x features) [default: a flat row].
    #[arg(long, value_name = "HxWxC", value_parser = parse_input_shape, help_heading = "Model")]
    pub input_shape: Option<InputShape>,
    /// Read FILE as one long series (a row per time step): samples of N consecutive rows
    /// (every column, the label's own past values too), each predicting the label of the
    /// row --horizon after its last; time-ordered validation and folds.
    #[arg(long, value_name = "N", value_parser = at_least_one, help_heading = "Data")]
    pub window: Option<usize>,
    /// With --window: predict H rows after the window's last [default: 1, the next].
    #[arg(long, value_name = "H", value_parser = at_least_one, requires = "window", help_heading = "Data")]
    pub horizon: Option<usize>,
    /// The rate of every dropout layer in --layers (e.g. for nntui tune's search).
    #[arg(long, value_name = "RATE", value_parser = fraction, help_heading = "Model")]
    pub dropout: Option<f64>,
    /// Output layer UNITS:ACTIVATION [default: from the task].
    #[arg(long, value_parser = parse_layer, help_heading = "Model")]
    pub output: Option<LayerSpec>,
    /// Kernel initializer of every layer: random_uniform, glorot_uniform, he_normal,
    /// he_uniform [default: random_uniform for Dense, glorot_uniform for the others].
    #[arg(long, value_parser = parse_init, help_heading = "Model")]
    pub init: Option<Initializer>,
    /// binary_crossentropy, categorical_crossentropy or mse [default: from the task].
    #[arg(long, value_parser = parse_loss, help_heading = "Model")]
    pub loss: Option<Loss>,
    /// Metrics to report beside the loss, in Keras's names, comma-separated: accuracy
    /// (the default), auc, pr_auc, precision, recall, f1_score, top_k_categorical_accuracy;
    /// for regression mae (the default), mse, rmse, mape, r2_score. Each is printed, logged
    /// and monitorable with its val_ twin (monitor=val_auc).
    #[arg(long, value_name = "LIST", value_parser = parse_metrics, help_heading = "Model")]
    pub metrics: Option<Metrics>,
    /// Weights of the classes in the training loss and metrics, as Keras's class_weight:
    /// balanced (rows / (classes x the class's rows), as scikit-learn's) or CLASS=W,...
    /// by the label's class names (a class not named counts 1).
    #[arg(long, value_name = "balanced|CLASS=W,...", value_parser = parse_class_weight, help_heading = "Training")]
    pub class_weight: Option<crate::train::plan::ClassWeight>,
    /// The features the dashboard's and --plot's decision map spans, the others held at
    /// their training median: two for classes (A,B), one for a regression's curve (A).
    /// Data with just that many number columns gets the map without it.
    #[arg(long, value_name = "A,B", value_delimiter = ',', help_heading = "Output")]
    pub map_features: Vec<String>,

    /// adam, sgd or rmsprop.
    #[arg(long, default_value = "adam", value_parser = parse_optimizer, help_heading = "Optimizer")]
    pub optimizer: OptimizerKind,
    /// Learning rate [default: adam 0.001, sgd 0.01, rmsprop 0.001].
    #[arg(long, value_parser = learning_rate, allow_negative_numbers = true, help_heading = "Optimizer")]
    pub lr: Option<f64>,
    /// Momentum (sgd, rmsprop).
    #[arg(long, default_value_t = 0.0, value_parser = fraction, allow_negative_numbers = true, help_heading = "Optimizer")]
    pub momentum: f64,
    /// Nesterov momentum (sgd).
    #[arg(long, help_heading = "Optimizer")]
    pub nesterov: bool,
    /// L1 kernel penalty: adds L * sum|w| to the loss.
    #[arg(long, default_value_t = 0.0, value_parser = penalty, allow_negative_numbers = true, help_heading = "Optimizer")]
    pub l1: f64,
    /// L2 kernel penalty: adds L * sum w^2 to the loss.
    #[arg(long, default_value_t = 0.0, value_parser = penalty, allow_negative_numbers = true, help_heading = "Optimizer")]
    pub l2: f64,
    /// Exponential decay: lr = lr0 * RATE^(step / STEPS).
    #[arg(long, value_name = "RATE", value_parser = decay_rate, allow_negative_numbers = true, requires = "lr_decay_steps", help_heading = "Optimizer")]
    pub lr_decay: Option<f64>,
    /// Optimizer steps (batches) per decay by RATE.
    #[arg(long, value_name = "STEPS", value_parser = at_least_one_u64, requires = "lr_decay", help_heading = "Optimizer")]
    pub lr_decay_steps: Option<u64>,
    /// Decay in whole steps (integer division).
    #[arg(long, requires = "lr_decay", help_heading = "Optimizer")]
    pub staircase: bool,

    /// Epochs per fold.
    #[arg(long, default_value_t = 150, value_parser = at_least_one, allow_negative_numbers = true, help_heading = "Training")]
    pub epochs: usize,
    /// Rows per batch.
    #[arg(long, default_value_t = 10, value_parser = at_least_one, allow_negative_numbers = true, help_heading = "Training")]
    pub batch_size: usize,
    /// Seed for every random number.
    #[arg(long, default_value_t = 7, help_heading = "Training")]
    pub seed: u64,
    /// Stratified K-fold cross-validation; 1 for a single fit [default: 10; 1 with
    /// --save-model, --validation-split or --validation-data].
    #[arg(long, value_name = "K", value_parser = at_least_one, allow_negative_numbers = true, help_heading = "Training")]
    pub folds: Option<usize>,
    /// Hold out a share of the rows for validation (a single fit: implies --folds 1).
    #[arg(long, value_name = "F", value_parser = fraction, allow_negative_numbers = true, help_heading = "Training")]
    pub validation_split: Option<f64>,
    /// Which rows --validation-split holds out: the last (Keras's meaning), a seeded
    /// shuffled share, or a share of each class (stratified).
    #[arg(long, value_name = "last|shuffled|stratified", default_value = "last", value_parser = parse_split, help_heading = "Training")]
    pub split: crate::train::Split,
    /// Folds trained at once [default: the machine's cores].
    #[arg(long, value_parser = thread_count, allow_negative_numbers = true, help_heading = "Training")]
    pub threads: Option<usize>,
    /// Stop a fold when the monitored value stops improving, as Keras's EarlyStopping:
    /// monitor=val_loss,patience=10,min_delta=0,mode=auto,baseline=,restore_best_weights=true,start_from_epoch=0
    /// (every key optional).
    #[arg(long, value_name = "KEY=VALUE,...", num_args = 0..=1, default_missing_value = "", value_parser = parse_early_stopping, help_heading = "Callbacks")]
    pub early_stopping: Option<EarlyStoppingSpec>,
    /// Reduce the learning rate when the monitored value stops improving (ReduceLROnPlateau):
    /// monitor=val_loss,factor=0.1,patience=10,mode=auto,min_delta=0.0001,cooldown=0,min_lr=0.
    #[arg(long, value_name = "KEY=VALUE,...", num_args = 0..=1, default_missing_value = "", value_parser = parse_plateau, help_heading = "Callbacks")]
    pub reduce_lr_on_plateau: Option<PlateauSpec>,
    /// Save the model when the monitored value improves (ModelCheckpoint):
    /// PATH[,monitor=val_loss,save_best_only=true,mode=auto]; {epoch} and {fold} fill in.
    #[arg(long, value_name = "PATH[,KEY=VALUE,...]", value_parser = parse_checkpoint, help_heading = "Callbacks")]
    pub checkpoint: Option<CheckpointSpec>,
    /// Every epoch's values as CSV (Keras's CSVLogger); {fold} fills in.
    #[arg(long, value_name = "PATH", help_heading = "Callbacks")]
    pub csv_log: Option<String>,
    /// Keep the rows in file order every epoch (Keras's shuffle=False).
    #[arg(long, help_heading = "Training")]
    pub no_shuffle: bool,
    /// Start from the weights of a saved model (its layers replace --layers and --output).
    #[arg(long, value_name = "PATH", help_heading = "Model")]
    pub initial_model: Option<PathBuf>,
    /// Epochs per second at most, or "full" [default: 20 on the dashboard, full headless].
    #[arg(long, value_parser = parse_pace, help_heading = "Training")]
    pub pace: Option<Pace>,

    /// Print to the terminal instead of opening the dashboard.
    #[arg(long, help_heading = "Output")]
    pub no_tui: bool,
    /// Write events as JSON Lines on stdout (implies --no-tui).
    #[arg(long, help_heading = "Output")]
    pub json: bool,
    /// Also write the events as JSON Lines to FILE.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub log: Option<PathBuf>,
    /// No epoch lines.
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,
    /// As Keras's verbose: 1 draws a progress bar within each epoch (the default when
    /// stderr is a terminal), 2 one line per epoch (the default otherwise), 0 nothing
    /// (as --quiet).
    #[arg(long, value_name = "0|1|2", value_parser = clap::value_parser!(u8).range(0..=2), help_heading = "Output")]
    pub verbose: Option<u8>,
    /// Write the charts into DIR when the run ends: loss and accuracy (or mae); for
    /// classes the confusion matrix and (two classes) the ROC curve; the decision map.
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub plot: Option<PathBuf>,
    /// The charts' format.
    #[arg(long, value_name = "svg|png", default_value = "svg", value_parser = parse_plot_format, help_heading = "Output")]
    pub plot_format: crate::plot::Format,
    /// Record the run in its own folder under DIR (events.jsonl, config.json, model.json)
    /// [env: NNTUI_LOG_DIR].
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub log_dir: Option<PathBuf>,
    /// The run's name in --log-dir [default: the file and the settings that differ].
    #[arg(long, value_name = "NAME", help_heading = "Output")]
    pub name: Option<String>,
    /// Save the trained model as JSON (after cross-validation: refitted on every row).
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub save_model: Option<PathBuf>,
    /// Also write the trained model as one ONNX file (as `nntui export` does; after
    /// cross-validation: refitted on every row).
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub export_onnx: Option<PathBuf>,
}

/// The hidden layers, parsed from one `--layers` value.
#[derive(Clone, Debug, PartialEq)]
pub struct HiddenLayers(pub Vec<Layer>);

/// What the dashboard paces at unless told otherwise: slow enough to watch.
pub const DASHBOARD_PACE: f64 = 20.0;

/// Why the arguments do not make a run.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

impl TrainArgs {
    /// The CSV options.
    pub fn csv_options(&self) -> CsvOptions {
        let label = self.label_col.as_deref().map_or(LabelColumn::Last, column);
        let list = |text: &Option<String>| text.as_deref().map(LabelColumn::parse_list).unwrap_or_default();
        CsvOptions {
            label,
            header: self.csv.header_mode(),
            delimiter: self.csv.delimiter,
            task: self.task,
            ignore: list(&self.ignore_col),
            sample_weight: self.sample_weight_col.as_deref().map(column),
            categorical: list(&self.categorical),
            na_values: self.na_values.as_deref().map(NaValues::parse).unwrap_or_default(),
            na_values_col: self.na_values_col.clone(),
            max_categories: self.max_categories,
            impute: self.impute.unwrap_or_default(),
            series: self.window.is_some(),
        }
    }

    /// The engine's settings. `dashboard` picks the default pace.
    pub fn run_config(&self, dashboard: bool) -> Result<RunConfig, UsageError> {
        let single = self.save_model.is_some()
            || self.export_onnx.is_some()
            || self.validation_data.is_some()
            || self.validation_split.is_some();
        let folds = match self.folds {
            Some(k) if k > 1 && self.validation_data.is_some() => {
                return Err(UsageError(
                    "--validation-data validates a single fit; leave out --folds (or use --folds 1)".into(),
                ));
            }
            Some(k) if k > 1 && self.validation_split.is_some() => {
                return Err(UsageError(format!(
                    "--validation-split holds out rows of a single fit, and --folds {k} asks for cross-validation (each fold is held out in turn): leave out one of them"
                )));
            }
            Some(k) => k,
            None if single => 1,
            None => 10,
        };
        if self.split != crate::train::Split::Last && self.validation_split.is_none() {
            return Err(UsageError(
                "--split chooses the rows --validation-split holds out; give --validation-split".into(),
            ));
        }
        let mut optimizer = OptimizerSpec::new(self.optimizer);
        if let Some(lr) = self.lr {
            optimizer.learning_rate = lr;
        }
        optimizer.momentum = self.momentum;
        optimizer.nesterov = self.nesterov;
        let pace = match self.pace {
            Some(Pace::Limited(rate)) => Some(rate),
            Some(Pace::Full) => None,
            None if dashboard => Some(DASHBOARD_PACE),
            None => None,
        };
        let mut hidden = self.layers.0.clone();
        if let Some(rate) = self.dropout {
            let mut found = false;
            for layer in &mut hidden {
                if let Layer::Dropout { rate: r } = layer {
                    (*r, found) = (rate, true);
                }
            }
            if !found {
                return Err(UsageError(
                    "--dropout sets the rate of the dropout layers in --layers, and it has none (add one, e.g. --layers 64:relu,dropout:0.2)".into(),
                ));
            }
        }
        if self.window.is_some() && self.sample_weight_col.is_some() {
            return Err(UsageError(
                "--sample-weight-col weights the rows of a table; a series' samples (--window) are its windows".into(),
            ));
        }
        if self.window.is_some() && self.input_shape.is_some() {
            return Err(UsageError(
                "--window makes each sample N steps of the file's columns; leave out --input-shape".into(),
            ));
        }
        Ok(RunConfig {
            window: self
                .window
                .map(|size| crate::data::windows::Window { size, horizon: self.horizon.unwrap_or(1) }),
            hidden,
            input_shape: self.input_shape.as_ref().map(|s| s.0.clone()),
            output: self.output,
            initializer: self.init.unwrap_or(Initializer::RandomUniform),
            layer_initializer: self.init.unwrap_or(Initializer::GlorotUniform),
            loss: self.loss,
            metrics: self.metrics.clone().map(|m| m.0).unwrap_or_default(),
            class_weight: self.class_weight.clone(),
            optimizer,
            regularizer: Regularizer { l1: self.l1, l2: self.l2 },
            decay: self.lr_decay.zip(self.lr_decay_steps).map(|(rate, steps)| ExponentialDecay {
                rate,
                steps,
                staircase: self.staircase,
            }),
            epochs: self.epochs,
            batch_size: self.batch_size,
            seed: self.seed,
            standardize: self.standardize,
            validation_split: self.validation_split,
            split: self.split,
            folds,
            threads: self.threads.unwrap_or_else(default_threads),
            pace,
            shuffle: !self.no_shuffle,
            // Filled in by the caller, which reads the file.
            initial_model: None,
            demo: None,
            policies: Callbacks {
                early_stopping: self.early_stopping.clone(),
                reduce_lr_on_plateau: self.reduce_lr_on_plateau.clone(),
                checkpoint: self.checkpoint.clone(),
                csv_log: self.csv_log.clone(),
            },
            map_features: self.map_features.clone(),
        })
    }
}

/// The machine's cores.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Parses one `UNITS:ACTIVATION`.
pub fn parse_layer(text: &str) -> Result<LayerSpec, String> {
    let text = text.trim();
    let Some((units, activation)) = text.split_once(':') else {
        return Err(format!("'{text}' is not UNITS:ACTIVATION (e.g. 12:relu)"));
    };
    let units: usize = units
        .trim()
        .parse()
        .map_err(|_| format!("'{}' in '{text}' is not a whole number of units", units.trim()))?;
    if units == 0 {
        return Err(format!("'{text}': a layer needs at least one unit"));
    }
    if units > 1_000_000 {
        return Err(format!("'{text}': {units} units is more than nntui allows (1000000)"));
    }
    let activation: Activation = activation.parse()?;
    Ok(LayerSpec::new(units, activation))
}

/// Parses the `--layers` list ([`Layer::parse`] for each item), or `none` for no
/// hidden layers.
pub fn parse_layers(text: &str) -> Result<HiddenLayers, String> {
    if text.trim().eq_ignore_ascii_case("none") {
        return Ok(HiddenLayers(Vec::new()));
    }
    let layers = text
        .split(',')
        .enumerate()
        .map(|(index, item)| Layer::parse(item, index + 1))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HiddenLayers(layers))
}

/// One row's shape, from `--input-shape`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputShape(pub Vec<usize>);

/// Parses `HxWxC`, `HxW` or `TxF` (whole numbers from 1, at most three).
pub fn parse_input_shape(text: &str) -> Result<InputShape, String> {
    let dims: Vec<usize> = text
        .split(['x', 'X'])
        .map(|d| d.trim().parse::<usize>().ok().filter(|&n| n > 0))
        .collect::<Option<_>>()
        .ok_or_else(|| format!("'{text}' is not a shape like 8x8x1, 28x28 or 10x1 (whole numbers from 1)"))?;
    if dims.len() > 3 {
        return Err(format!("'{text}' has {} dimensions; nntui reads at most three (HxWxC)", dims.len()));
    }
    if dims.iter().try_fold(1usize, |p, &d| p.checked_mul(d)).is_none_or(|p| p > 100_000_000) {
        return Err(format!("'{text}' is more values per row than nntui allows (100000000)"));
    }
    Ok(InputShape(dims))
}

fn parse_plot_format(text: &str) -> Result<crate::plot::Format, String> {
    match text.to_ascii_lowercase().as_str() {
        "svg" => Ok(crate::plot::Format::Svg),
        "png" => Ok(crate::plot::Format::Png),
        other => Err(format!("unknown plot format '{other}' (expected one of: svg, png)")),
    }
}

/// `--metrics`' list, in the order given, each once.
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics(pub Vec<crate::nn::Measure>);

fn parse_metrics(text: &str) -> Result<Metrics, String> {
    let mut measures = Vec::new();
    for name in text.split(',').filter(|n| !n.trim().is_empty()) {
        let measure: crate::nn::Measure = name.parse()?;
        if !measures.contains(&measure) {
            measures.push(measure);
        }
    }
    if measures.is_empty() {
        return Err("name at least one metric (e.g. accuracy,auc)".into());
    }
    Ok(Metrics(measures))
}

fn parse_class_weight(text: &str) -> Result<crate::train::plan::ClassWeight, String> {
    use crate::train::plan::ClassWeight;
    if text.trim().eq_ignore_ascii_case("balanced") {
        return Ok(ClassWeight::Balanced);
    }
    let mut given = Vec::new();
    for pair in text.split(',').filter(|p| !p.trim().is_empty()) {
        let (class, weight) =
            pair.split_once('=').ok_or_else(|| format!("{pair:?}: expected CLASS=WEIGHT (or balanced)"))?;
        let weight: f64 =
            weight.trim().parse().map_err(|_| format!("{pair:?}: the weight is not a number"))?;
        if !weight.is_finite() || weight < 0.0 {
            return Err(format!("{pair:?}: a weight is a number >= 0"));
        }
        given.push((class.trim().to_string(), weight));
    }
    if given.is_empty() {
        return Err("expected balanced or CLASS=WEIGHT,...".into());
    }
    Ok(ClassWeight::Given(given))
}

fn parse_early_stopping(text: &str) -> Result<EarlyStoppingSpec, String> {
    text.parse()
}

fn parse_plateau(text: &str) -> Result<PlateauSpec, String> {
    text.parse()
}

fn parse_checkpoint(text: &str) -> Result<CheckpointSpec, String> {
    text.parse()
}

fn parse_impute(text: &str) -> Result<Impute, String> {
    text.parse()
}

fn parse_split(text: &str) -> Result<crate::train::Split, String> {
    text.parse()
}

/// Reads `COL=V1,V2`: a column (name or number) and the cells that mean missing in it.
fn parse_na_values_col(text: &str) -> Result<(LabelColumn, Vec<String>), String> {
    let Some((column, values)) = text.split_once('=') else {
        return Err(format!("'{text}' is not COL=V1,V2 (e.g. Insulin=0)"));
    };
    let values = NaValues::parse(values).0;
    if column.trim().is_empty() || values.is_empty() {
        return Err(format!("'{text}' is not COL=V1,V2 (e.g. Insulin=0)"));
    }
    Ok((LabelColumn::parse(column), values))
}

/// The options whose value is optional (`--early-stopping`, `--reduce-lr-on-plateau`):
/// their value is a `KEY=VALUE,...` list, so a following argument without `=` (the CSV
/// file, another option) is not theirs.
pub const OPTIONAL_VALUE_FLAGS: [&str; 2] = ["--early-stopping", "--reduce-lr-on-plateau"];

/// The arguments with each [`OPTIONAL_VALUE_FLAGS`] flag that is followed by something
/// other than a `KEY=VALUE` list written as `--flag=`, so that clap does not take the
/// next argument (`nntui --early-stopping data.csv` trains on data.csv).
pub fn with_optional_values_attached<T: Into<std::ffi::OsString>>(
    arguments: impl IntoIterator<Item = T>,
) -> Vec<std::ffi::OsString> {
    let arguments: Vec<std::ffi::OsString> = arguments.into_iter().map(Into::into).collect();
    let mut out = Vec::with_capacity(arguments.len());
    let mut rest = false;
    for (index, argument) in arguments.iter().enumerate() {
        let text = argument.to_string_lossy();
        if text == "--" {
            rest = true;
        }
        if !rest && OPTIONAL_VALUE_FLAGS.contains(&text.as_ref()) {
            let next = arguments.get(index + 1).map(|a| a.to_string_lossy());
            let is_value = next.as_deref().is_some_and(|n| !n.starts_with('-') && n.contains('='));
            if !is_value {
                out.push(format!("{text}=").into());
                continue;
            }
        }
        out.push(argument.clone());
    }
    out
}

fn max_categories(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_CATEGORIES_LIMIT).contains(&n) => Ok(n),
        _ => Err(format!("'{text}' is not a whole number from 1 to {MAX_CATEGORIES_LIMIT}")),
    }
}

fn parse_task(text: &str) -> Result<Task, String> {
    text.parse()
}

fn parse_init(text: &str) -> Result<Initializer, String> {
    text.parse()
}

fn parse_loss(text: &str) -> Result<Loss, String> {
    text.parse()
}

fn parse_optimizer(text: &str) -> Result<OptimizerKind, String> {
    text.parse()
}

fn parse_generator(text: &str) -> Result<Generator, String> {
    text.parse()
}

fn number(text: &str) -> Result<f64, String> {
    let value: f64 = text.trim().parse().map_err(|_| format!("'{text}' is not a number"))?;
    if value.is_finite() { Ok(value) } else { Err(format!("'{text}' is not a finite number")) }
}

fn positive(text: &str) -> Result<f64, String> {
    let value = number(text)?;
    if value > 0.0 { Ok(value) } else { Err(format!("must be above 0, got {text}")) }
}

fn learning_rate(text: &str) -> Result<f64, String> {
    crate::nn::check_learning_rate(number(text)?)
}

fn penalty(text: &str) -> Result<f64, String> {
    crate::nn::check_penalty(number(text)?)
}

fn non_negative(text: &str) -> Result<f64, String> {
    let value = number(text)?;
    if value >= 0.0 { Ok(value) } else { Err(format!("must be 0 or more, got {text}")) }
}

fn fraction(text: &str) -> Result<f64, String> {
    let value = number(text)?;
    if (0.0..1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("must be at least 0 and below 1, got {text}"))
    }
}

fn decay_rate(text: &str) -> Result<f64, String> {
    let value = number(text)?;
    if value > 0.0 && value <= 1.0 { Ok(value) } else { Err(format!("must be in (0, 1], got {text}")) }
}

fn at_least_one(text: &str) -> Result<usize, String> {
    match text.trim().parse::<i128>() {
        Ok(value) if value >= 1 => usize::try_from(value).map_err(|_| format!("{text} is too large")),
        Ok(_) => Err(format!("must be at least 1, got {text}")),
        Err(_) => Err(format!("'{text}' is not a whole number")),
    }
}

fn at_least_one_u64(text: &str) -> Result<u64, String> {
    at_least_one(text).map(|v| v as u64)
}

fn thread_count(text: &str) -> Result<usize, String> {
    let threads = at_least_one(text)?;
    if threads > 256 {
        Err(format!("{threads} threads is more than nntui allows (256)"))
    } else {
        Ok(threads)
    }
}

fn parse_pace(text: &str) -> Result<Pace, String> {
    match text.trim() {
        "full" | "max" | "unlimited" => Ok(Pace::Full),
        _ => positive(text).map(Pace::Limited).map_err(|e| format!("{e} (or \"full\")")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("nntui").chain(args.iter().copied()))
    }

    #[test]
    fn defaults_are_the_tutorial() {
        let cli = parse(&["pima.csv"]).unwrap();
        let config = cli.train.run_config(false).unwrap();
        let expected = RunConfig { threads: default_threads(), ..RunConfig::default() };
        assert_eq!(config, expected);
        assert_eq!(cli.train.run_config(true).unwrap().pace, Some(DASHBOARD_PACE));
    }

    #[test]
    fn layers_parse_and_fail_clearly() {
        assert_eq!(
            parse_layers("64:tanh, 3:linear").unwrap().0,
            vec![Layer::dense(64, Activation::Tanh), Layer::dense(3, Activation::Linear)]
        );
        assert_eq!(parse_layers("none").unwrap().0, vec![]);
        assert!(
            parse_layers("").unwrap_err().starts_with("layer 1 (''): expected UNITS:ACTIVATION or one of")
        );
        assert_eq!(
            parse_layers("12").unwrap_err(),
            "layer 1 ('12'): expected UNITS:ACTIVATION (e.g. 12:relu)"
        );
        assert!(
            parse_layers("8:relu,x:relu")
                .unwrap_err()
                .starts_with("layer 2 ('x:relu'): expected UNITS:ACTIVATION")
        );
        assert_eq!(
            parse_layers("conv2d:16:3:relu").unwrap_err(),
            "layer 1 ('conv2d:16:3:relu'): expected the kernel size as 3x3, got '3'"
        );
        assert_eq!(parse_input_shape("8x8x1").unwrap().0, vec![8, 8, 1]);
        assert_eq!(parse_input_shape("28X28").unwrap().0, vec![28, 28]);
        assert!(parse_input_shape("8x0").is_err());
        assert!(parse_input_shape("2x2x2x2").unwrap_err().contains("at most three"));
        assert!(parse_input_shape("eight").is_err());
        assert!(parse_layers("12:swishy").unwrap_err().contains("unknown activation 'swishy'"));
        assert!(parse_layers("0:relu").is_err());
        assert!(parse_layers("12:relu,,8:relu").is_err());
    }

    #[test]
    fn usage_errors_name_the_flag() {
        for (args, flag) in [
            (vec!["--epochs", "0", "f.csv"], "--epochs"),
            (vec!["--epochs", "-5", "f.csv"], "--epochs"),
            (vec!["--lr", "-1", "f.csv"], "--lr"),
            (vec!["--batch-size", "0", "f.csv"], "--batch-size"),
            (vec!["--folds", "0", "f.csv"], "--folds"),
            (vec!["--optimizer", "adagrad", "f.csv"], "--optimizer"),
            (vec!["--layers", "12:foo", "f.csv"], "--layers"),
            (vec!["--output", "3", "f.csv"], "--output"),
            (vec!["--lr-decay", "0.9", "f.csv"], "--lr-decay-steps"),
            (vec!["--header", "--no-header", "f.csv"], "--no-header"),
        ] {
            let error = parse(&args).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{args:?}");
            assert!(error.to_string().contains(flag), "{args:?}: {error}");
        }
    }

    #[test]
    fn save_model_implies_a_single_fit() {
        let cli = parse(&["--save-model", "m.json", "f.csv"]).unwrap();
        assert_eq!(cli.train.run_config(false).unwrap().folds, 1);
        // Cross-validation first, then a refit on every row (main.rs).
        let cli = parse(&["--save-model", "m.json", "--folds", "5", "f.csv"]).unwrap();
        assert_eq!(cli.train.run_config(false).unwrap().folds, 5);
    }

    #[test]
    fn subcommands() {
        let cli = parse(&["predict", "--model", "m.json", "x.csv"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Predict(_))));
        let cli = parse(&["generate", "spiral", "--rows", "30"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Generate(ref g)) if g.rows == 30));
        assert!(parse(&[]).is_err(), "a file is required");
    }
}
