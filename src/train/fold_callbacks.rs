//! A fold's callbacks at work: the state machines of `callbacks` fed each
//! epoch's values, and what they ask for carried out (best weights kept and put back,
//! the learning rate reduced, checkpoints and CSV rows written), with the live controls
//! (early stopping on or off, more patience, the best weights back now) taken up at
//! batch boundaries.

use super::callbacks::{
    CallbackAction, CallbackState, Callbacks, Checkpoint, CheckpointDecision, EarlyStopping, Logs,
    ReduceLrOnPlateau, csv_row, fill,
};
use super::live::Settings;
use std::fs::File;
use std::io::{BufWriter, Write};

/// Keras's `CSVLogger` for one fold: the header at the first epoch, a row per epoch,
/// flushed as it goes.
struct CsvLog {
    path: String,
    file: Option<BufWriter<File>>,
    columns: Vec<String>,
}

impl CsvLog {
    fn write(&mut self, epoch: usize, logs: &Logs) -> Result<(), String> {
        let error = |e: std::io::Error| format!("{}: cannot write the CSV log: {e}", self.path);
        if self.file.is_none() {
            let file = File::create(&self.path).map_err(error)?;
            // Keras takes the columns from the first epoch's values, sorted.
            self.columns = logs.keys().cloned().collect();
            let mut file = BufWriter::new(file);
            writeln!(file, "epoch,{}", self.columns.join(",")).map_err(error)?;
            self.file = Some(file);
        }
        let row = csv_row(epoch, &self.columns, logs).join(",");
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        writeln!(file, "{row}").and_then(|()| file.flush()).map_err(error)
    }
}

/// One fold's policies and what they keep.
pub(crate) struct FoldCallbacks {
    early_stopping: Option<EarlyStopping>,
    plateau: Option<ReduceLrOnPlateau>,
    checkpoint: Option<Checkpoint>,
    csv: Option<CsvLog>,
    /// Early stopping's best weights (kept whenever it runs, so that a restore can be
    /// asked for live even without `restore_best_weights`).
    best_weights: Option<Vec<f32>>,
    /// The learning rate's factor from ReduceLROnPlateau's reductions.
    pub lr_factor: f64,
    restores_seen: u64,
    /// The epoch at which early stopping ended the fold.
    pub stopped_early: Option<usize>,
    fold: usize,
}

impl FoldCallbacks {
    /// Fresh policies for `fold` (from 0), as configured.
    pub fn new(policies: &Callbacks, fold: usize, settings: &Settings) -> FoldCallbacks {
        FoldCallbacks {
            early_stopping: policies.early_stopping.clone().map(EarlyStopping::new),
            plateau: policies.reduce_lr_on_plateau.clone().map(ReduceLrOnPlateau::new),
            checkpoint: policies.checkpoint.clone().map(Checkpoint::new),
            csv: policies.csv_log.as_ref().map(|template| CsvLog {
                path: fill(template, 0, fold + 1),
                file: None,
                columns: Vec::new(),
            }),
            best_weights: None,
            lr_factor: 1.0,
            restores_seen: settings.restores,
            stopped_early: None,
            fold,
        }
    }

    /// Whether the fold needs the values of its epochs.
    pub fn active(&self) -> bool {
        self.early_stopping.is_some()
            || self.plateau.is_some()
            || self.checkpoint.is_some()
            || self.csv.is_some()
    }

    /// At a batch boundary: takes up the live settings; returns the best epoch when its
    /// weights were just put back on request.
    pub fn on_batch(&mut self, settings: &Settings, parameters: &mut [f32]) -> Option<usize> {
        let early_stopping = self.early_stopping.as_mut()?;
        early_stopping.enabled = settings.early_stopping;
        early_stopping.extra_patience = settings.extra_patience;
        if settings.restores == self.restores_seen {
            return None;
        }
        self.restores_seen = settings.restores;
        let best = self.best_weights.as_ref()?;
        parameters.copy_from_slice(best);
        early_stopping.best_epoch
    }

    /// After epoch `epoch` (from 1) with `logs`: what the policies did, and whether the
    /// fold stops. `base_rate` is the learning rate before this fold's reductions;
    /// `save` writes the model to a path (for checkpoints).
    pub fn on_epoch_end(
        &mut self,
        epoch: usize,
        logs: &Logs,
        base_rate: f64,
        parameters: &[f32],
        save: &mut dyn FnMut(&str) -> Result<(), String>,
    ) -> (Vec<CallbackAction>, bool) {
        let mut actions = Vec::new();
        let mut stop = false;
        if let Some(plateau) = self.plateau.as_mut()
            && let Some(reduced) = plateau.on_epoch_end(logs, base_rate * self.lr_factor)
        {
            self.lr_factor = reduced / base_rate;
            actions.push(CallbackAction::ReduceLrOnPlateau { learning_rate: reduced });
        }
        if let Some(checkpoint) = self.checkpoint.as_mut() {
            let decision = checkpoint.on_epoch_end(logs);
            let path = checkpoint.path_for(epoch, self.fold + 1);
            let saved = match decision {
                Some(CheckpointDecision::Improved { from, to }) => Some(CallbackAction::Checkpoint {
                    monitor: checkpoint.spec.monitor.clone(),
                    from,
                    to: Some(to),
                    path: path.clone(),
                }),
                Some(CheckpointDecision::Always) => Some(CallbackAction::Checkpoint {
                    monitor: checkpoint.spec.monitor.clone(),
                    from: None,
                    to: None,
                    path: path.clone(),
                }),
                Some(CheckpointDecision::NotImproved { .. }) | None => None,
            };
            if let Some(action) = saved {
                actions.push(match save(&path) {
                    Ok(()) => action,
                    Err(message) => CallbackAction::WriteFailed { message },
                });
            }
        }
        if let Some(csv) = self.csv.as_mut() {
            let mut logs = logs.clone();
            if self.plateau.is_some() {
                // ReduceLROnPlateau adds the rate to Keras's logs, so the CSV has it too.
                logs.insert("learning_rate".into(), base_rate * self.lr_factor);
            }
            if let Err(message) = csv.write(epoch, &logs) {
                actions.push(CallbackAction::WriteFailed { message });
                self.csv = None;
            }
        }
        if let Some(early_stopping) = self.early_stopping.as_mut() {
            let action = early_stopping.on_epoch_end(epoch, logs);
            if action.keep_weights {
                match self.best_weights.as_mut() {
                    Some(best) => best.copy_from_slice(parameters),
                    None => self.best_weights = Some(parameters.to_vec()),
                }
            }
            if action.stop {
                self.stopped_early = Some(epoch);
                actions.push(CallbackAction::EarlyStopping { stopped_epoch: epoch });
                stop = true;
            }
        }
        (actions, stop)
    }

    /// At the end of the fold: puts back the best epoch's weights when early stopping
    /// says to (`restore_best_weights`), returning that epoch.
    pub fn finish(&mut self, parameters: &mut [f32]) -> Option<usize> {
        let epoch = self.early_stopping.as_ref()?.restore_epoch()?;
        parameters.copy_from_slice(self.best_weights.as_ref()?);
        Some(epoch)
    }

    /// The state the dashboard shows after an epoch.
    pub fn state(&self) -> Option<CallbackState> {
        let state = CallbackState {
            early_stopping: self.early_stopping.as_ref().map(EarlyStopping::state),
            plateau: self.plateau.as_ref().map(ReduceLrOnPlateau::state),
        };
        (state.early_stopping.is_some() || state.plateau.is_some()).then_some(state)
    }
}
