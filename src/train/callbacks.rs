//! Keras 3's callbacks: early stopping, reducing the learning
//! rate on a plateau, checkpoints and the CSV log's columns. Each callback is a state
//! machine fed one epoch's values and returning what to do; the fold loop acts on that
//! (copies weights, changes its learning rate, writes files). No I/O here.
//!
//! Sources: `keras/src/callbacks/monitor_callback.py` (the comparison),
//! `early_stopping.py`, `reduce_lr_on_plateau.py`, `model_checkpoint.py` and
//! `csv_logger.py` of Keras 3.15; `tests/keras_reference/callbacks.json` holds Keras's
//! own answers for tables of monitored values, which `tests/callbacks.rs` replays.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Which way a monitored value improves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// From the name: `acc` (accuracy) rises, everything else (loss, mae) falls.
    Auto,
    /// Lower is better.
    Min,
    /// Higher is better.
    Max,
}

impl Mode {
    /// Whether higher values are better for `monitor`.
    pub fn maximizes(self, monitor: &str) -> bool {
        match self {
            Mode::Min => false,
            Mode::Max => true,
            // Keras resolves `auto` from the metric's direction: accuracy goes up; loss
            // and errors go down; the one rule by name every reader and view uses.
            Mode::Auto => crate::series::maximizes(monitor),
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "auto" => Ok(Mode::Auto),
            "min" => Ok(Mode::Min),
            "max" => Ok(Mode::Max),
            other => Err(format!("mode must be auto, min or max, got '{other}'")),
        }
    }
}

/// A monitored quantity and how it improves: `MonitorCallback` in Keras.
#[derive(Clone, Debug, PartialEq)]
pub struct Monitor {
    /// The value's name in the epoch logs (`val_loss`).
    pub name: String,
    maximize: bool,
    /// `abs(min_delta)`, negated when lower is better, as Keras stores it.
    min_delta: f64,
}

impl Monitor {
    /// A monitor of `name` in `mode` with `min_delta`.
    pub fn new(name: &str, mode: Mode, min_delta: f64) -> Monitor {
        let maximize = mode.maximizes(name);
        let magnitude = min_delta.abs();
        Monitor { name: name.to_string(), maximize, min_delta: if maximize { magnitude } else { -magnitude } }
    }

    /// Keras's `_is_improvement`: `current - min_delta` beats `reference` (anything
    /// beats no reference).
    pub fn is_improvement(&self, current: f64, reference: Option<f64>) -> bool {
        let Some(reference) = reference else {
            return true;
        };
        if self.maximize {
            current - self.min_delta > reference
        } else {
            current - self.min_delta < reference
        }
    }
}

/// The values of one epoch, by Keras's names (`loss`, `accuracy`, `val_loss`, ...).
pub type Logs = BTreeMap<String, f64>;

/// `--early-stopping`: Keras's `EarlyStopping` arguments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EarlyStoppingSpec {
    /// The monitored value.
    pub monitor: String,
    /// Smallest change that counts as an improvement.
    pub min_delta: f64,
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// Which way is better.
    pub mode: Mode,
    /// A value to beat before waiting restarts.
    pub baseline: Option<f64>,
    /// Put back the best epoch's weights at the end.
    pub restore_best_weights: bool,
    /// Epochs (from the first) before monitoring starts.
    pub start_from_epoch: usize,
}

impl Default for EarlyStoppingSpec {
    /// Keras's defaults (`keras.callbacks.EarlyStopping()`): patience 0, the last
    /// epoch's weights kept.
    fn default() -> Self {
        EarlyStoppingSpec {
            monitor: "val_loss".into(),
            min_delta: 0.0,
            patience: 0,
            mode: Mode::Auto,
            baseline: None,
            restore_best_weights: false,
            start_from_epoch: 0,
        }
    }
}

/// What early stopping asks for after an epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EarlyStoppingAction {
    /// Keep a copy of the current weights as the best.
    pub keep_weights: bool,
    /// Stop training after this epoch.
    pub stop: bool,
}

/// Keras's `EarlyStopping`, epoch by epoch. Epochs count from 1 here (Keras's `epoch + 1`).
#[derive(Clone, Debug, PartialEq)]
pub struct EarlyStopping {
    /// The arguments.
    pub spec: EarlyStoppingSpec,
    monitor: Monitor,
    /// Epochs since the last improvement (Keras's `wait`).
    pub wait: usize,
    /// The best value so far.
    pub best: Option<f64>,
    /// The epoch of the best value (or of the first weights kept).
    pub best_epoch: Option<usize>,
    /// The epoch at which it stopped training.
    pub stopped_epoch: Option<usize>,
    has_best_weights: bool,
    /// Turned off live: it watches but does not stop.
    pub enabled: bool,
    /// Patience added live.
    pub extra_patience: usize,
}

impl EarlyStopping {
    /// A fresh state (`on_train_begin`).
    pub fn new(spec: EarlyStoppingSpec) -> EarlyStopping {
        let monitor = Monitor::new(&spec.monitor, spec.mode, spec.min_delta);
        EarlyStopping {
            spec,
            monitor,
            wait: 0,
            best: None,
            best_epoch: None,
            stopped_epoch: None,
            has_best_weights: false,
            enabled: true,
            extra_patience: 0,
        }
    }

    /// The patience in force (the configured one plus what was added live).
    pub fn patience(&self) -> usize {
        self.spec.patience + self.extra_patience
    }

    /// Keras's `on_epoch_end` for `epoch` (from 1).
    pub fn on_epoch_end(&mut self, epoch: usize, logs: &Logs) -> EarlyStoppingAction {
        let mut action = EarlyStoppingAction::default();
        let Some(&current) = logs.get(&self.spec.monitor) else {
            return action;
        };
        // Keras's epochs count from 0: `epoch < start_from_epoch` is a warm-up epoch.
        if epoch - 1 < self.spec.start_from_epoch {
            return action;
        }
        if !self.has_best_weights {
            // The first monitored weights are the best until something beats them.
            self.has_best_weights = true;
            self.best_epoch = Some(epoch);
            action.keep_weights = true;
        }
        self.wait += 1;
        if self.monitor.is_improvement(current, self.best) {
            self.best = Some(current);
            self.best_epoch = Some(epoch);
            action.keep_weights = true;
            // Waiting restarts only when both the previous best and the baseline are beaten.
            if self.spec.baseline.is_none() || self.monitor.is_improvement(current, self.spec.baseline) {
                self.wait = 0;
            }
            return action;
        }
        if self.enabled && self.wait >= self.patience() && epoch > 1 {
            self.stopped_epoch = Some(epoch);
            action.stop = true;
        }
        action
    }

    /// The epoch whose weights are put back at the end, if any.
    pub fn restore_epoch(&self) -> Option<usize> {
        self.best_epoch.filter(|_| self.spec.restore_best_weights && self.has_best_weights)
    }
}

/// `--reduce-lr-on-plateau`: Keras's `ReduceLROnPlateau` arguments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlateauSpec {
    /// The monitored value.
    pub monitor: String,
    /// The factor the learning rate is multiplied by (below 1).
    pub factor: f64,
    /// Epochs without improvement before reducing.
    pub patience: usize,
    /// Which way is better.
    pub mode: Mode,
    /// Smallest change that counts as an improvement.
    pub min_delta: f64,
    /// Epochs to wait after a reduction before counting again.
    pub cooldown: usize,
    /// The learning rate never goes below this.
    pub min_lr: f64,
}

impl Default for PlateauSpec {
    /// Keras's defaults.
    fn default() -> Self {
        PlateauSpec {
            monitor: "val_loss".into(),
            factor: 0.1,
            patience: 10,
            mode: Mode::Auto,
            min_delta: 1e-4,
            cooldown: 0,
            min_lr: 0.0,
        }
    }
}

/// Keras's `ReduceLROnPlateau`, epoch by epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct ReduceLrOnPlateau {
    /// The arguments.
    pub spec: PlateauSpec,
    monitor: Monitor,
    /// Epochs without improvement.
    pub wait: usize,
    /// Epochs of cooldown left.
    pub cooldown_counter: usize,
    /// The best value so far.
    pub best: Option<f64>,
}

impl ReduceLrOnPlateau {
    /// A fresh state.
    pub fn new(spec: PlateauSpec) -> ReduceLrOnPlateau {
        let monitor = Monitor::new(&spec.monitor, spec.mode, spec.min_delta);
        ReduceLrOnPlateau { spec, monitor, wait: 0, cooldown_counter: 0, best: None }
    }

    /// Keras's `on_epoch_end`: the new learning rate, if it reduces `learning_rate`.
    pub fn on_epoch_end(&mut self, logs: &Logs, learning_rate: f64) -> Option<f64> {
        let &current = logs.get(&self.spec.monitor)?;
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.wait = 0;
        }
        if self.monitor.is_improvement(current, self.best) {
            self.best = Some(current);
            self.wait = 0;
            return None;
        }
        if self.cooldown_counter > 0 {
            return None;
        }
        self.wait += 1;
        if self.wait < self.spec.patience {
            return None;
        }
        // Keras's rate is a float32 variable compared with `np.float32(min_lr)`: compare
        // in f32 too, so that a rate already at `min_lr` is left alone.
        let as_f32 = <f32 as crate::nn::Real>::of;
        if as_f32(learning_rate) <= as_f32(self.spec.min_lr) {
            return None;
        }
        let reduced = (learning_rate * self.spec.factor).max(self.spec.min_lr);
        self.cooldown_counter = self.spec.cooldown;
        self.wait = 0;
        Some(reduced)
    }
}

/// `--checkpoint`: Keras's `ModelCheckpoint` arguments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckpointSpec {
    /// Where to save; `{epoch}` and `{fold}` are filled in.
    pub path: String,
    /// The monitored value.
    pub monitor: String,
    /// Save only when the monitored value improves.
    pub save_best_only: bool,
    /// Which way is better.
    pub mode: Mode,
}

/// What a checkpoint decided about an epoch.
#[derive(Clone, Debug, PartialEq)]
pub enum CheckpointDecision {
    /// Save, after an improvement from `from` (none the first time) to `to`.
    Improved {
        /// The previous best.
        from: Option<f64>,
        /// The new best.
        to: f64,
    },
    /// Save every epoch (`save_best_only=false`).
    Always,
    /// No save: no improvement on `best`.
    NotImproved {
        /// The best so far.
        best: Option<f64>,
    },
}

/// Keras's `ModelCheckpoint` decision, epoch by epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    /// The arguments.
    pub spec: CheckpointSpec,
    monitor: Monitor,
    best: Option<f64>,
}

impl Checkpoint {
    /// A fresh state.
    pub fn new(spec: CheckpointSpec) -> Checkpoint {
        let monitor = Monitor::new(&spec.monitor, spec.mode, 0.0);
        Checkpoint { spec, monitor, best: None }
    }

    /// Whether to save after this epoch (`None`: the monitored value is missing).
    pub fn on_epoch_end(&mut self, logs: &Logs) -> Option<CheckpointDecision> {
        if !self.spec.save_best_only {
            return Some(CheckpointDecision::Always);
        }
        let &current = logs.get(&self.spec.monitor)?;
        if self.monitor.is_improvement(current, self.best) {
            let from = self.best.replace(current);
            Some(CheckpointDecision::Improved { from, to: current })
        } else {
            Some(CheckpointDecision::NotImproved { best: self.best })
        }
    }

    /// The file for `epoch` (from 1) of `fold` (from 1).
    pub fn path_for(&self, epoch: usize, fold: usize) -> String {
        fill(&self.spec.path, epoch, fold)
    }
}

/// `{epoch}` and `{fold}` (both from 1) filled into `template`.
pub fn fill(template: &str, epoch: usize, fold: usize) -> String {
    template.replace("{epoch}", &epoch.to_string()).replace("{fold}", &fold.to_string())
}

/// Keras's `CSVLogger` line for one epoch: `epoch` (from 0, as Keras writes it) then the
/// values in `columns` (sorted names), `NA` where an epoch has none.
pub fn csv_row(epoch: usize, columns: &[String], logs: &Logs) -> Vec<String> {
    let mut row = vec![(epoch - 1).to_string()];
    row.extend(
        columns.iter().map(|name| logs.get(name).map_or_else(|| "NA".to_string(), |v| python_float(*v))),
    );
    row
}

/// A float as Python's `repr` writes it (what Keras's CSV holds): the shortest text that
/// reads back the same, with `.0` on whole numbers and `nan`/`inf` spelled Python's way.
pub fn python_float(value: f64) -> String {
    if value.is_nan() {
        return "nan".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let text = format!("{value:?}");
    // Rust's `{:?}` is the shortest round-trip form too; exponents differ in spelling.
    match text.split_once('e') {
        Some((mantissa, exponent)) => {
            let exponent: i32 = exponent.parse().unwrap_or(0);
            let mantissa = mantissa.strip_suffix(".0").unwrap_or(mantissa);
            format!("{mantissa}e{}{:02}", if exponent < 0 { '-' } else { '+' }, exponent.abs())
        }
        None => text,
    }
}

/// The callbacks of a run, as configured (`RunConfig::policies`, named so in the event
/// stream since its first schema).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Callbacks {
    /// `--early-stopping`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_stopping: Option<EarlyStoppingSpec>,
    /// `--reduce-lr-on-plateau`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduce_lr_on_plateau: Option<PlateauSpec>,
    /// `--checkpoint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<CheckpointSpec>,
    /// `--csv-log`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csv_log: Option<String>,
}

impl Callbacks {
    /// The monitored names, each with the option that monitors it.
    pub fn monitored(&self) -> Vec<(&'static str, &str)> {
        let mut names = Vec::new();
        if let Some(spec) = &self.early_stopping {
            names.push(("--early-stopping", spec.monitor.as_str()));
        }
        if let Some(spec) = &self.reduce_lr_on_plateau {
            names.push(("--reduce-lr-on-plateau", spec.monitor.as_str()));
        }
        if let Some(spec) = &self.checkpoint {
            names.push(("--checkpoint", spec.monitor.as_str()));
        }
        names
    }
}

/// Reads `key=value` pairs (comma separated) into `apply`, which knows the keys.
fn pairs(text: &str, mut apply: impl FnMut(&str, &str) -> Result<(), String>) -> Result<(), String> {
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!("'{pair}' is not key=value"));
        };
        apply(key.trim(), value.trim())?;
    }
    Ok(())
}

fn number(key: &str, value: &str) -> Result<f64, String> {
    value
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("{key} must be a number, got '{value}'"))
}

fn count(key: &str, value: &str) -> Result<usize, String> {
    value.parse::<usize>().map_err(|_| format!("{key} must be a whole number, got '{value}'"))
}

fn boolean(key: &str, value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(format!("{key} must be true or false, got '{value}'")),
    }
}

fn unknown(key: &str, known: &[&str]) -> String {
    format!("unknown key '{key}' (expected one of: {})", known.join(", "))
}

impl std::str::FromStr for EarlyStoppingSpec {
    type Err = String;

    /// `monitor=val_loss,patience=10,min_delta=0,mode=auto,baseline=,restore_best_weights=true,start_from_epoch=0`,
    /// every key optional.
    fn from_str(text: &str) -> Result<Self, String> {
        const KEYS: [&str; 7] = [
            "monitor",
            "patience",
            "min_delta",
            "mode",
            "baseline",
            "restore_best_weights",
            "start_from_epoch",
        ];
        let mut spec = EarlyStoppingSpec::default();
        pairs(text, |key, value| {
            match key {
                "monitor" => spec.monitor = value.to_string(),
                "patience" => spec.patience = count(key, value)?,
                "min_delta" => spec.min_delta = number(key, value)?,
                "mode" => spec.mode = value.parse()?,
                "baseline" if value.is_empty() || value == "none" => spec.baseline = None,
                "baseline" => spec.baseline = Some(number(key, value)?),
                "restore_best_weights" => spec.restore_best_weights = boolean(key, value)?,
                "start_from_epoch" => spec.start_from_epoch = count(key, value)?,
                _ => return Err(unknown(key, &KEYS)),
            }
            Ok(())
        })?;
        Ok(spec)
    }
}

impl std::str::FromStr for PlateauSpec {
    type Err = String;

    /// `monitor=val_loss,factor=0.1,patience=10,mode=auto,min_delta=0.0001,cooldown=0,min_lr=0`.
    fn from_str(text: &str) -> Result<Self, String> {
        const KEYS: [&str; 7] = ["monitor", "factor", "patience", "mode", "min_delta", "cooldown", "min_lr"];
        let mut spec = PlateauSpec::default();
        pairs(text, |key, value| {
            match key {
                "monitor" => spec.monitor = value.to_string(),
                "factor" => spec.factor = number(key, value)?,
                "patience" => spec.patience = count(key, value)?,
                "mode" => spec.mode = value.parse()?,
                "min_delta" => spec.min_delta = number(key, value)?,
                "cooldown" => spec.cooldown = count(key, value)?,
                "min_lr" => spec.min_lr = number(key, value)?,
                _ => return Err(unknown(key, &KEYS)),
            }
            Ok(())
        })?;
        if spec.factor >= 1.0 {
            return Err(format!(
                "ReduceLROnPlateau does not support a factor >= 1.0, got factor={}",
                spec.factor
            ));
        }
        if spec.factor <= 0.0 {
            return Err(format!("factor must be above 0, got {}", spec.factor));
        }
        if spec.min_lr < 0.0 {
            return Err(format!("min_lr must be 0 or more, got {}", spec.min_lr));
        }
        Ok(spec)
    }
}

impl std::str::FromStr for CheckpointSpec {
    type Err = String;

    /// `PATH[,monitor=val_loss,save_best_only=true,mode=auto]`.
    fn from_str(text: &str) -> Result<Self, String> {
        const KEYS: [&str; 3] = ["monitor", "save_best_only", "mode"];
        let (path, rest) = text.split_once(',').unwrap_or((text, ""));
        if path.trim().is_empty() || path.contains('=') {
            return Err("the first item must be the file to save to (PATH[,monitor=...])".into());
        }
        let mut spec = CheckpointSpec {
            path: path.trim().to_string(),
            monitor: "val_loss".into(),
            save_best_only: true,
            mode: Mode::Auto,
        };
        pairs(rest, |key, value| {
            match key {
                "monitor" => spec.monitor = value.to_string(),
                "save_best_only" => spec.save_best_only = boolean(key, value)?,
                "mode" => spec.mode = value.parse()?,
                _ => return Err(unknown(key, &KEYS)),
            }
            Ok(())
        })?;
        Ok(spec)
    }
}

/// A callback's doing, as an event reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "policy", rename_all = "snake_case")]
pub enum CallbackAction {
    /// Early stopping ended the fold after this epoch.
    EarlyStopping {
        /// The epoch it stopped at (from 1).
        stopped_epoch: usize,
    },
    /// The best epoch's weights were put back.
    RestoredBestWeights {
        /// That epoch (from 1).
        best_epoch: usize,
    },
    /// The learning rate was reduced.
    ReduceLrOnPlateau {
        /// The new learning rate.
        learning_rate: f64,
    },
    /// A checkpoint was written.
    Checkpoint {
        /// The monitored value's name.
        monitor: String,
        /// The previous best (none for the first save, or with `save_best_only=false`).
        from: Option<f64>,
        /// The value that was saved.
        to: Option<f64>,
        /// The file.
        path: String,
    },
    /// A checkpoint or CSV log could not be written.
    WriteFailed {
        /// What and why.
        message: String,
    },
}

impl fmt::Display for CallbackAction {
    /// Keras's own message, without the `Epoch N: ` prefix.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackAction::EarlyStopping { .. } => f.write_str("early stopping"),
            CallbackAction::RestoredBestWeights { best_epoch } => {
                write!(f, "Restoring model weights from the end of the best epoch: {best_epoch}.")
            }
            CallbackAction::ReduceLrOnPlateau { learning_rate } => {
                write!(f, "ReduceLROnPlateau reducing learning rate to {}.", python_float(*learning_rate))
            }
            CallbackAction::Checkpoint { monitor, from, to: Some(to), path } => {
                let from = from.map_or("None".to_string(), |b| format!("{b:.5}"));
                write!(f, "{monitor} improved from {from} to {to:.5}, saving model to {path}")
            }
            CallbackAction::Checkpoint { path, .. } => write!(f, "saving model to {path}"),
            CallbackAction::WriteFailed { message } => f.write_str(message),
        }
    }
}

/// The live state of a fold's callbacks, sent with each epoch for the dashboard.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CallbackState {
    /// Early stopping: epochs waited, patience, best value and its epoch, whether on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_stopping: Option<EarlyStoppingState>,
    /// ReduceLROnPlateau: epochs waited, patience, cooldown left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plateau: Option<PlateauState>,
}

/// Early stopping's state after an epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EarlyStoppingState {
    /// The monitored value.
    pub monitor: String,
    /// Epochs since the last improvement.
    pub wait: usize,
    /// The patience in force.
    pub patience: usize,
    /// The best value and its epoch.
    pub best: Option<(f64, usize)>,
    /// Whether it may stop the fold.
    pub enabled: bool,
}

/// ReduceLROnPlateau's state after an epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlateauState {
    /// The monitored value.
    pub monitor: String,
    /// Epochs since the last improvement.
    pub wait: usize,
    /// The patience.
    pub patience: usize,
    /// Cooldown epochs left.
    pub cooldown: usize,
}

impl EarlyStopping {
    /// The state the dashboard shows.
    pub fn state(&self) -> EarlyStoppingState {
        EarlyStoppingState {
            monitor: self.spec.monitor.clone(),
            wait: self.wait,
            patience: self.patience(),
            best: self.best.zip(self.best_epoch),
            enabled: self.enabled,
        }
    }
}

impl ReduceLrOnPlateau {
    /// The state the dashboard shows.
    pub fn state(&self) -> PlateauState {
        PlateauState {
            monitor: self.spec.monitor.clone(),
            wait: self.wait,
            patience: self.spec.patience,
            cooldown: self.cooldown_counter,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logs(name: &str, value: f64) -> Logs {
        [(name.to_string(), value)].into_iter().collect()
    }

    #[test]
    fn min_delta_counts_in_the_direction_of_improvement() {
        let min = Monitor::new("val_loss", Mode::Auto, 0.1);
        assert!(min.is_improvement(0.85, Some(1.0)));
        assert!(!min.is_improvement(0.95, Some(1.0)), "0.05 better is less than min_delta");
        let max = Monitor::new("val_accuracy", Mode::Auto, -0.1);
        assert!(max.is_improvement(0.95, Some(0.8)));
        assert!(!max.is_improvement(0.85, Some(0.8)));
        assert!(max.is_improvement(0.0, None), "anything beats no reference");
    }

    #[test]
    fn parses_keras_argument_names() {
        let spec: EarlyStoppingSpec =
            "monitor=val_accuracy,patience=3,baseline=0.8,restore_best_weights=false".parse().unwrap();
        assert_eq!((spec.monitor.as_str(), spec.patience, spec.baseline), ("val_accuracy", 3, Some(0.8)));
        assert!(!spec.restore_best_weights);
        assert_eq!("".parse::<EarlyStoppingSpec>().unwrap(), EarlyStoppingSpec::default());
        assert!(
            "patience=x"
                .parse::<EarlyStoppingSpec>()
                .unwrap_err()
                .contains("patience must be a whole number")
        );
        assert!("wait=3".parse::<EarlyStoppingSpec>().unwrap_err().contains("unknown key 'wait'"));
        assert!("factor=1".parse::<PlateauSpec>().unwrap_err().contains("factor >= 1.0"));
        let checkpoint: CheckpointSpec = "m-{fold}-{epoch}.json,monitor=val_accuracy".parse().unwrap();
        assert!(checkpoint.save_best_only);
        assert_eq!(Checkpoint::new(checkpoint).path_for(7, 2), "m-2-7.json");
        assert!("monitor=loss".parse::<CheckpointSpec>().is_err(), "the path comes first");
    }

    #[test]
    fn checkpoints_save_on_improvement_only() {
        let spec = CheckpointSpec {
            path: "m.json".into(),
            monitor: "val_loss".into(),
            save_best_only: true,
            mode: Mode::Auto,
        };
        let mut checkpoint = Checkpoint::new(spec);
        assert_eq!(
            checkpoint.on_epoch_end(&logs("val_loss", 0.5)),
            Some(CheckpointDecision::Improved { from: None, to: 0.5 })
        );
        assert_eq!(
            checkpoint.on_epoch_end(&logs("val_loss", 0.6)),
            Some(CheckpointDecision::NotImproved { best: Some(0.5) })
        );
        assert_eq!(
            checkpoint.on_epoch_end(&logs("val_loss", 0.4)),
            Some(CheckpointDecision::Improved { from: Some(0.5), to: 0.4 })
        );
        assert_eq!(checkpoint.on_epoch_end(&logs("loss", 0.4)), None, "a missing value decides nothing");
        let message = CallbackAction::Checkpoint {
            monitor: "val_loss".into(),
            from: Some(0.5531),
            to: Some(0.5402),
            path: "m.json".into(),
        };
        assert_eq!(message.to_string(), "val_loss improved from 0.55310 to 0.54020, saving model to m.json");
    }

    #[test]
    fn csv_rows_are_keras_csv_logger_rows() {
        let columns = ["accuracy", "loss", "val_loss"].map(String::from).to_vec();
        let logs: Logs = [("loss".to_string(), 0.5), ("accuracy".to_string(), 0.75)].into_iter().collect();
        assert_eq!(csv_row(1, &columns, &logs), ["0", "0.75", "0.5", "NA"]);
        assert_eq!(python_float(1.0), "1.0");
        assert_eq!(python_float(1e-5), "1e-05");
        assert_eq!(python_float(1.5e-7), "1.5e-07");
        assert_eq!(python_float(0.693_147_182_464_599_6), "0.6931471824645996");
        assert_eq!(python_float(1e20), "1e+20");
    }
}
