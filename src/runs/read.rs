//! Reading runs back: nntui's `events.jsonl` and files of Keras-callback lines
//! (`{"epoch": 3, "logs": {"loss": 0.52, "val_loss": 0.55}}`, optional `"run"`, `"fold"`,
//! `"time"`), into named series per fold, whatever the metric names. Damaged or
//! unknown lines are skipped and counted, never fatal; a last line without its newline
//! is a writer in the middle of it, left for the next read.

use super::record::EVENTS;
use crate::train::{Event, RunConfig, RunSummary};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One epoch's values by name (`loss`, `val_accuracy`, `epoch_auc`, ...).
pub type Values = BTreeMap<String, f64>;

/// A fold's epochs, in the order they arrived.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FoldSeries {
    /// `(epoch from 1, values)`.
    pub epochs: Vec<(usize, Values)>,
}

impl FoldSeries {
    /// The last value of `name`.
    pub fn last(&self, name: &str) -> Option<f64> {
        self.epochs.iter().rev().find_map(|(_, v)| v.get(name).copied())
    }

    /// The best value of `name` (lowest, or highest with `maximize`) and its epoch.
    pub fn best(&self, name: &str, maximize: bool) -> Option<(f64, usize)> {
        let values = self.epochs.iter().filter_map(|(epoch, v)| v.get(name).map(|&x| (x, *epoch)));
        values.filter(|(x, _)| x.is_finite()).reduce(|a, b| {
            let better = if maximize { b.0 > a.0 } else { b.0 < a.0 };
            if better { b } else { a }
        })
    }
}

/// A run as read from its file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Run {
    /// Its name: the folder's, or the `"run"` of foreign lines.
    pub name: String,
    /// nntui's settings, when nntui wrote it.
    pub config: Option<RunConfig>,
    /// nntui's events in order (empty for foreign files).
    pub events: Vec<Event>,
    /// Named series per fold.
    pub folds: BTreeMap<usize, FoldSeries>,
    /// The run's end, when it ended.
    pub summary: Option<RunSummary>,
    /// Lines that were neither nntui events nor Keras-callback lines, or were damaged.
    pub skipped: usize,
    /// Whether the file ends in a partial line (a writer in the middle of it).
    pub partial: bool,
    /// For a TensorBoard run, everything its event files held (tags, histograms,
    /// skipped summaries); its scalars are also the fold-0 series, by step.
    pub tensorboard: Option<crate::tensorboard::Run>,
    /// For a trial of a study: its state (`complete`, `pruned`, `running`, `failed`).
    pub trial_state: Option<&'static str>,
    /// Settings given by name rather than by an nntui config (a trial's searched values).
    pub params: BTreeMap<String, String>,
    /// The spread over folds of a final value, by name (a trial's objective +/- std).
    pub spread: BTreeMap<String, f64>,
    /// What reading left out or noticed, said beside the table.
    pub notes: Vec<String>,
    /// When its files last changed (a run whose files grew recently is running).
    pub modified: Option<std::time::SystemTime>,
    /// Its last loss was not finite (the series keep the finite values).
    pub diverged: bool,
}

impl Run {
    /// Every value name seen, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> =
            self.folds.values().flat_map(|f| f.epochs.iter().flat_map(|(_, v)| v.keys().cloned())).collect();
        names.sort();
        names.dedup();
        names
    }
}

/// The epoch values an nntui epoch report carries, by Keras's names.
fn values_of(report: &crate::train::EpochReport, metric: &str) -> Values {
    let mut values = Values::new();
    values.insert("loss".into(), report.loss);
    values.insert(metric.into(), report.metric);
    if let Some(v) = report.val_loss {
        values.insert("val_loss".into(), v);
    }
    if let Some(v) = report.val_metric {
        values.insert(format!("val_{metric}"), v);
    }
    values.insert("learning_rate".into(), report.learning_rate);
    values
}

/// Parses the complete lines of `text` as one run named `name`.
pub fn parse(text: &str, name: &str) -> Run {
    let mut run = Run { name: name.to_string(), ..Run::default() };
    let complete = match text.rfind('\n') {
        Some(end) => &text[..=end],
        None => "",
    };
    run.partial = complete.len() < text.len();
    let mut metric = "accuracy".to_string();
    // Foreign epochs count from 0 or from 1: the first one seen decides.
    let mut foreign_offset: Option<usize> = None;
    for line in complete.lines().map(str::trim).filter(|l| !l.is_empty()) {
        // Python's json writes NaN and Infinity, which JSON has no words for: read them
        // as missing values rather than losing the line.
        let parsed = serde_json::from_str::<Value>(line).or_else(|_| {
            serde_json::from_str::<Value>(
                &line.replace("-Infinity", "null").replace("Infinity", "null").replace("NaN", "null"),
            )
        });
        let Ok(value) = parsed else {
            run.skipped += 1;
            continue;
        };
        if value.get("type").is_some() {
            // nntui's own events; types and fields this build does not know are skipped.
            let Ok(event) = serde_json::from_value::<Event>(value) else {
                run.skipped += 1;
                continue;
            };
            match &event {
                Event::RunStarted(info) => {
                    metric = info.metric.name().to_string();
                    run.config = Some(info.config.clone());
                }
                Event::EpochEnded(report) => {
                    run.folds
                        .entry(report.fold)
                        .or_default()
                        .epochs
                        .push((report.epoch, values_of(report, &metric)));
                }
                Event::RunEnded(summary) => run.summary = Some(summary.clone()),
                _ => {}
            }
            run.events.push(event);
            continue;
        }
        match foreign(&value, &mut foreign_offset) {
            Some((fold, epoch, values)) => {
                // A loss written as NaN or Infinity (null here) is a diverged run; a
                // finite one after it is not.
                if let Some(loss) = value.get("logs").and_then(|l| l.get("loss")) {
                    run.diverged = !loss.as_f64().is_some_and(f64::is_finite);
                }
                run.folds.entry(fold).or_default().epochs.push((epoch, values));
            }
            None => run.skipped += 1,
        }
    }
    run
}

/// One complete line as an nntui event, if it is one (unknown types and damaged lines
/// are not).
pub fn parse_line(line: &str) -> Option<Event> {
    let value = serde_json::from_str::<Value>(line).ok()?;
    value.get("type")?;
    serde_json::from_value::<Event>(value).ok()
}

/// A Keras-callback line: `(fold, epoch from 1, finite values)`, or `None` if it is not one.
fn foreign(value: &Value, offset: &mut Option<usize>) -> Option<(usize, usize, Values)> {
    let epoch = usize::try_from(value.get("epoch")?.as_u64()?).ok()?;
    let logs = value.get("logs")?.as_object()?;
    let fold = value.get("fold").and_then(Value::as_u64).and_then(|f| usize::try_from(f).ok()).unwrap_or(0);
    let offset = *offset.get_or_insert(usize::from(epoch == 0));
    // Non-numbers and non-finite values (a NaN loss) are left out of the series.
    let values: Values = logs
        .iter()
        .filter_map(|(name, v)| v.as_f64().filter(|x| x.is_finite()).map(|x| (name.clone(), x)))
        .collect();
    Some((fold, epoch + offset, values))
}

/// The `events.jsonl` files a path names: the file itself, a run folder's, or every run
/// folder's below a folder of runs, sorted.
pub fn discover(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let own = path.join(EVENTS);
    if own.is_file() {
        return vec![own];
    }
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(path) {
        for entry in entries.flatten() {
            let child = entry.path();
            if child.is_dir() {
                found.extend(discover(&child));
            } else if is_csv(&child) && super::csvlog::is_log_header(&first_line(&child)) {
                // A CSV log in a folder of runs (Lightning's `version_0/metrics.csv`,
                // Keras's CSVLogger file); data files beside them are not runs.
                found.push(child);
            }
        }
    }
    found.sort();
    found
}

/// A run found under a path given to `nntui view`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// A JSON Lines file: nntui's `events.jsonl`, or Keras-callback lines.
    Lines(PathBuf),
    /// A study journal of `nntui tune`: one run per trial.
    Study(PathBuf),
    /// A CSV training log: Keras's `CSVLogger`, Lightning's `metrics.csv`.
    Csv(PathBuf),
    /// A folder of TensorBoard event files, named by its path under `root`.
    TensorBoard {
        /// The folder given on the command line.
        root: PathBuf,
        /// The run's folder.
        folder: PathBuf,
    },
}

impl Source {
    /// The file or folder it is read from (a run's identity in the comparison).
    pub fn path(&self) -> &Path {
        match self {
            Source::Lines(path) | Source::Study(path) | Source::Csv(path) => path,
            Source::TensorBoard { folder, .. } => folder,
        }
    }
}

/// The runs a path names: an events file, a TensorBoard event file (its folder's run),
/// a run folder of either kind, or every run below a folder, sorted.
pub fn sources(path: &Path) -> Vec<Source> {
    if crate::tensorboard::is_event_file(path) {
        let folder = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        return vec![Source::TensorBoard { root: folder.clone(), folder }];
    }
    let mut found: Vec<Source> = discover(path)
        .into_iter()
        .map(|file| {
            if is_csv(&file) {
                Source::Csv(file)
            } else if is_study(&file) {
                Source::Study(file)
            } else {
                Source::Lines(file)
            }
        })
        .collect();
    if path.is_dir() {
        found.extend(
            crate::tensorboard::discover(path)
                .into_iter()
                .map(|folder| Source::TensorBoard { root: path.to_path_buf(), folder }),
        );
    }
    found
}

/// Whether a file is a CSV (by its name): read as a CSV training log.
fn is_csv(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("tsv"))
}

/// The first line of a file (at most 64 KiB of it).
fn first_line(path: &Path) -> String {
    use std::io::BufRead;
    let Ok(file) = std::fs::File::open(path) else { return String::new() };
    let mut first = String::new();
    let _ = std::io::BufReader::new(std::io::Read::take(file, 64 << 10)).read_line(&mut first);
    first
}

/// Whether a file is a study journal (its first line opens a study).
fn is_study(path: &Path) -> bool {
    use std::io::BufRead;
    let Ok(file) = std::fs::File::open(path) else { return false };
    let mut first = String::new();
    let _ = std::io::BufReader::new(std::io::Read::take(file, 64 << 10)).read_line(&mut first);
    first.contains("\"op\":\"study\"")
}

/// Reads runs again and again (the comparison refreshes every second): TensorBoard runs
/// are followed, each file read from where the last read stopped.
#[derive(Debug, Default)]
pub struct Reader {
    followers: std::collections::HashMap<PathBuf, crate::tensorboard::Follower>,
    studies: std::collections::HashMap<PathBuf, crate::tune::journal::Journal>,
}

/// A study's trials as runs: the objective per epoch (fold 0), the searched values as
/// settings, the trial's state.
fn study_runs(path: &Path, journal: &crate::tune::journal::Journal) -> Vec<(PathBuf, Run)> {
    let objective = journal.header.as_ref().map_or_else(|| "objective".to_string(), |h| h.objective.clone());
    journal
        .trials
        .values()
        .filter(|t| !(t.state == crate::tune::journal::TrialState::Failed && t.retry))
        .map(|trial| {
            let epochs: Vec<(usize, Values)> = trial
                .intermediate
                .iter()
                .filter(|(_, v)| v.is_finite())
                .map(|(&epoch, &value)| (epoch, Values::from([(objective.clone(), value)])))
                .collect();
            let mut folds = BTreeMap::new();
            if !epochs.is_empty() {
                folds.insert(0, FoldSeries { epochs });
            }
            let mut identity = path.as_os_str().to_owned();
            identity.push(format!("#{}", trial.number));
            let run = Run {
                name: format!("trial {:03}", trial.number),
                folds,
                trial_state: Some(trial.state.name()),
                params: trial
                    .params
                    .iter()
                    .map(|(f, v)| (f.trim_start_matches('-').to_string(), v.clone()))
                    .collect(),
                spread: trial.std.map(|std| (objective.clone(), std)).into_iter().collect(),
                ..Run::default()
            };
            (PathBuf::from(identity), run)
        })
        .collect()
}

impl Reader {
    /// Reads `source`'s runs, each with the path that identifies it (a study's trials
    /// as `study.jsonl#3`); a TensorBoard run, what was added since the last read.
    ///
    /// # Errors
    /// A file that cannot be read.
    pub fn read_all(&mut self, source: &Source) -> Result<Vec<(PathBuf, Run)>, String> {
        match source {
            Source::Study(path) => {
                let journal = self.studies.entry(path.clone()).or_default();
                if journal.path().is_none() {
                    *journal = crate::tune::journal::Journal::open(path)
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                } else {
                    journal.refresh().map_err(|e| format!("{}: {e}", path.display()))?;
                }
                Ok(study_runs(path, journal))
            }
            Source::Lines(path) => Ok(vec![(path.clone(), read(path)?)]),
            Source::Csv(path) => {
                let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
                let mut run = super::csvlog::parse(&String::from_utf8_lossy(&bytes), &run_name(path))
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                run.modified = modified(path);
                Ok(vec![(path.clone(), run)])
            }
            Source::TensorBoard { root, folder } => {
                let follower = self
                    .followers
                    .entry(folder.clone())
                    .or_insert_with(|| crate::tensorboard::Follower::new(folder.clone()));
                follower.update();
                let mut run = from_tensorboard(crate::tensorboard::run_name(root, folder), follower.run());
                run.modified = std::fs::read_dir(folder)
                    .ok()
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter_map(|e| e.metadata().and_then(|m| m.modified()).ok())
                    .max();
                Ok(vec![(folder.clone(), run)])
            }
        }
    }
}

/// A TensorBoard run as named series: its scalar tags by step in fold 0 (negative
/// steps as 0), the kept points and each tag's last value.
pub fn from_tensorboard(name: String, tensorboard: &crate::tensorboard::Run) -> Run {
    let mut steps: BTreeMap<usize, Values> = BTreeMap::new();
    // Keras's callback logs epochs (`epoch_loss` at step = epoch from 0) beside per-batch
    // and per-iteration tags: a run's epochs are those of its epoch tags, numbered from
    // 1 as Keras's messages and its JSON lines are; the other tags stay in the tag table.
    let keras = keras_epochs(tensorboard.scalars.keys());
    for (tag, scalars) in &tensorboard.scalars {
        if keras && !is_epoch_tag(tag) {
            continue;
        }
        let shift = usize::from(keras);
        for (step, value) in scalars.drawn() {
            if value.is_finite() {
                steps
                    .entry(usize::try_from(step).unwrap_or(0) + shift)
                    .or_default()
                    .insert(tag.clone(), value);
            }
        }
    }
    let mut folds = BTreeMap::new();
    if !steps.is_empty() {
        folds.insert(0, FoldSeries { epochs: steps.into_iter().collect() });
    }
    Run {
        name,
        folds,
        skipped: tensorboard.bad_records + tensorboard.undecoded,
        partial: tensorboard.pending > 0,
        tensorboard: Some(tensorboard.without_points()),
        ..Run::default()
    }
}

/// Whether a TensorBoard tag is one of Keras's per-epoch tags (`epoch_loss`,
/// `val_epoch_accuracy`).
pub fn is_epoch_tag(tag: &str) -> bool {
    tag.strip_prefix("val_").unwrap_or(tag).starts_with("epoch_")
}

/// Whether a TensorBoard run's tags are a Keras callback's (some per-epoch tags).
pub fn keras_epochs<'a>(mut tags: impl Iterator<Item = &'a String>) -> bool {
    tags.any(|t| is_epoch_tag(t))
}

/// Reads one events file; the run is named after its folder (or the file).
///
/// # Errors
/// The file cannot be read.
pub fn read(path: &Path) -> Result<Run, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let mut run = parse(&text, &run_name(path));
    // Lines were read and none was an event or a Keras-callback line: not a log at all
    // (a binary file, a data file), rather than an empty run.
    if run.skipped > 0 && run.events.is_empty() && run.folds.is_empty() {
        return Err(format!(
            "{}: not a training log: none of its {} lines is an nntui event or a Keras-callback line ({{\"epoch\": .., \"logs\": {{..}}}})",
            path.display(),
            run.skipped
        ));
    }
    run.modified = modified(path);
    Ok(run)
}

/// A run's name: its folder's for `events.jsonl` and `metrics.csv`, else the file's stem.
fn run_name(path: &Path) -> String {
    let name = if path.file_name().is_some_and(|n| n == EVENTS || n == "metrics.csv") {
        path.parent().and_then(Path::file_name)
    } else {
        path.file_stem()
    };
    name.map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// When a file last changed.
fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_callback_lines_become_named_series() {
        let text = concat!(
            "{\"epoch\": 0, \"logs\": {\"loss\": 0.7, \"accuracy\": 0.5, \"val_loss\": 0.8}}\n",
            "not json\n",
            "{\"epoch\": 1, \"logs\": {\"loss\": NaN, \"epoch_auc\": 0.9}, \"extra\": true}\n",
            "{\"something\": \"else\"}\n",
            "{\"epoch\": 2, \"logs\": {\"loss\": 0.5}, \"fold\": 1}\n",
            "{\"epoch\": 3, \"logs\": {\"loss\": 0.4"
        );
        let run = parse(text, "keras");
        assert_eq!(run.skipped, 2, "the garbage line and the line of another shape");
        assert!(run.partial, "the last line is still being written");
        let fold = &run.folds[&0];
        assert_eq!(fold.epochs.len(), 2);
        assert_eq!(fold.epochs[0].0, 1, "epochs from 0 are shifted to count from 1");
        assert_eq!(fold.last("loss"), Some(0.7), "a NaN is left out");
        assert_eq!(fold.last("epoch_auc"), Some(0.9));
        assert_eq!(run.folds[&1].epochs[0].0, 3);
        assert_eq!(run.names(), ["accuracy", "epoch_auc", "loss", "val_loss"]);
        assert_eq!(fold.best("loss", false), Some((0.7, 1)));
    }

    #[test]
    fn epochs_out_of_order_and_missing_fields_are_kept_or_skipped_not_fatal() {
        let text = concat!(
            "{\"epoch\": 5, \"logs\": {\"loss\": 0.5}}\n",
            "{\"epoch\": 3, \"logs\": {\"loss\": 0.7}}\n",
            "{\"epoch\": 4}\n",
            "{\"logs\": {\"loss\": 0.1}}\n",
            "{\"epoch\": \"six\", \"logs\": {}}\n"
        );
        let run = parse(text, "odd");
        assert_eq!(run.skipped, 3, "no logs, no epoch, a non-numeric epoch");
        assert_eq!(
            run.folds[&0].epochs.iter().map(|(e, _)| *e).collect::<Vec<_>>(),
            [5, 3],
            "kept as written"
        );
        assert_eq!(run.folds[&0].best("loss", false), Some((0.5, 5)));
    }

    #[test]
    fn unknown_event_types_and_fields_are_skipped() {
        let text = concat!(
            "{\"type\":\"from_the_future\",\"x\":1}\n",
            "{\"type\":\"warning\",\"fold\":null,\"epoch\":null,\"message\":\"m\",\"hint\":null,\"new_field\":3}\n"
        );
        let run = parse(text, "r");
        assert_eq!(run.skipped, 1);
        assert_eq!(run.events.len(), 1);
        assert!(!run.partial);
    }
}
