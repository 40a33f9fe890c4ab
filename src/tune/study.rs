//! Running a study: reading `nntui tune`'s arguments into the options every trial
//! shares and the ones searched, claiming trials from the journal, training each as the
//! command line it prints would, and pruning it by the journal's other trials.

use super::journal::{Entry, Journal, StudyHeader, Trial, TrialState, now, owner};
use super::pruner::Pruner;
use super::space::{self, Param, Space};
use crate::cli::{Cli, TrainArgs};
use crate::data::Dataset;
use crate::train::{self, Control, EpochReport, Event, FoldOutcome, FoldReport, Plan};
use clap::Parser;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How the search picks trials (`--sampler`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Search {
    /// Optuna's TPE: random draws for the first 10 finished trials, then each option
    /// from the Parzen estimators of the best trials against the rest.
    Tpe,
    /// Independent draws.
    Random,
    /// Every combination of the choice lists.
    Grid,
}

impl Search {
    /// The name on the command line and in the study file.
    pub fn name(self) -> &'static str {
        match self {
            Search::Tpe => "tpe",
            Search::Random => "random",
            Search::Grid => "grid",
        }
    }

    fn parse(text: &str) -> Option<Search> {
        [Search::Tpe, Search::Random, Search::Grid].into_iter().find(|s| s.name() == text)
    }
}

/// `nntui tune`'s own options, and the training options every trial shares.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The training arguments every trial shares (the data file among them).
    pub base: Vec<String>,
    /// The searched options.
    pub space: Space,
    /// Trials in all (`None`: 20 for random search, the whole grid for a grid).
    pub trials: Option<usize>,
    /// TPE, random or grid.
    pub search: Search,
    /// Whether `--sampler` was given (a study continued without it keeps its own).
    pub search_given: bool,
    /// The pruner.
    pub pruner: Pruner,
    /// The objective's name, if given.
    pub objective: Option<String>,
    /// The study file.
    pub storage: Option<PathBuf>,
    /// A running trial silent this long is taken for dead.
    pub heartbeat_timeout: Duration,
}

/// The objective: a name of the epoch values, and its direction.
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    /// `val_loss`, `val_accuracy`, `val_mae`, `loss`, ...
    pub name: String,
    /// Higher is better (accuracies).
    pub maximize: bool,
}

impl Objective {
    fn of_epoch(&self, report: &EpochReport) -> Option<f64> {
        match self.name.as_str() {
            "val_loss" => report.val_loss,
            "loss" => Some(report.loss),
            // A further metric (--metrics) by its name.
            name if report.metrics.contains_key(name) => report.metrics.get(name).copied(),
            name if name.starts_with("val_") => report.val_metric,
            _ => Some(report.metric),
        }
    }

    fn of_fold(&self, fold: &FoldReport) -> Option<f64> {
        let score = if self.name.starts_with("val_") { fold.validation } else { fold.train }?;
        if let Some(&value) = fold.metrics.get(&self.name) {
            return Some(value);
        }
        Some(if self.name.ends_with("loss") { score.loss } else { score.metric })
    }
}

/// Options only `nntui tune` takes (each with a value).
const TUNE_FLAGS: [&str; 11] = [
    "--trials",
    "--sampler",
    "--search",
    "--pruner",
    "--objective",
    "--storage",
    "--heartbeat-timeout",
    "--min-epochs",
    "--reduction",
    "--startup-trials",
    "--warmup-epochs",
];

/// Reads `nntui tune`'s arguments (everything after `tune`).
///
/// # Errors
/// A bad value for a tune option, or a search space that cannot be read.
pub fn parse(arguments: &[String]) -> Result<Settings, String> {
    let mut tune: BTreeMap<&str, String> = BTreeMap::new();
    let mut base = Vec::new();
    let mut params = Vec::new();
    let mut iter = arguments.iter().peekable();
    while let Some(argument) = iter.next() {
        let (flag, inline) = match argument.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_string(), Some(value.to_string())),
            _ => (argument.clone(), None),
        };
        let takes = TUNE_FLAGS.contains(&flag.as_str()) || space::kind_of(&flag).is_some();
        if !takes {
            base.push(absolute(argument));
            continue;
        }
        let value = match inline {
            Some(value) => value,
            None => iter.next().cloned().ok_or_else(|| format!("{flag} needs a value"))?,
        };
        if let Some(&name) = TUNE_FLAGS.iter().find(|f| **f == flag) {
            tune.insert(name, value);
            continue;
        }
        let kind = space::kind_of(&flag).ok_or_else(|| format!("{flag} cannot be searched"))?;
        if let Some(domain) = space::parse(&flag, kind, &value)? {
            if params.iter().any(|p: &Param| p.flag == flag) {
                return Err(format!("{flag} is searched twice"));
            }
            params.push(Param { flag, text: value, domain });
        } else {
            base.push(flag);
            base.push(value);
        }
    }
    let number = |name: &str| -> Result<Option<usize>, String> {
        tune.get(name)
            .map(|v| v.trim().parse::<usize>().map_err(|_| format!("{name} {v:?} is not a whole number")))
            .transpose()
    };
    // `--search` is the name before `--sampler` (Optuna's word); both are read.
    let (search, search_given) = match (tune.get("--sampler"), tune.get("--search")) {
        (Some(_), Some(_)) => return Err("--sampler and --search are one option: give one".into()),
        (Some(text), None) | (None, Some(text)) => {
            let flag = if tune.contains_key("--sampler") { "--sampler" } else { "--search" };
            let search = Search::parse(text.trim()).ok_or_else(|| {
                format!("{flag}: unknown sampler '{text}' (expected one of: tpe, random, grid)")
            })?;
            (search, true)
        }
        (None, None) => (Search::Tpe, false),
    };
    let pruner = match tune.get("--pruner").map(String::as_str) {
        None | Some("none") => Pruner::None,
        Some("median") => Pruner::Median {
            startup: number("--startup-trials")?.unwrap_or(5),
            warmup: number("--warmup-epochs")?.unwrap_or(0),
        },
        Some("asha") => Pruner::Asha {
            min_epochs: number("--min-epochs")?,
            reduction: number("--reduction")?.unwrap_or(4).max(2),
        },
        Some(other) => {
            return Err(format!("--pruner: unknown pruner '{other}' (expected one of: none, median, asha)"));
        }
    };
    let space = Space { params };
    if search == Search::Grid && !space.is_grid() {
        let ranges: Vec<&str> = space
            .params
            .iter()
            .filter(|p| !matches!(p.domain, space::Domain::Choice(_)))
            .map(|p| p.flag.as_str())
            .collect();
        let flag = if tune.contains_key("--search") { "--search" } else { "--sampler" };
        return Err(format!("{flag} grid walks choice lists a|b|c; {} is a range", ranges.join(", ")));
    }
    let trials = number("--trials")?;
    if trials == Some(0) {
        return Err("--trials: at least 1".into());
    }
    let heartbeat = tune.get("--heartbeat-timeout").map_or(Ok(60.0), |v| {
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|s| *s > 0.0 && s.is_finite())
            .ok_or_else(|| format!("--heartbeat-timeout {v:?} is not a positive number of seconds"))
    })?;
    Ok(Settings {
        base,
        space,
        trials,
        search,
        search_given,
        pruner,
        objective: tune.get("--objective").cloned(),
        storage: tune.get("--storage").map(PathBuf::from),
        heartbeat_timeout: Duration::from_secs_f64(heartbeat),
    })
}

impl Settings {
    /// The trials the study runs.
    pub fn trial_count(&self) -> usize {
        match self.search {
            Search::Grid => self.trials.unwrap_or(usize::MAX).min(self.space.grid_size()),
            Search::Random | Search::Tpe => self.trials.unwrap_or(20),
        }
    }

    /// The training command line of a trial with `params`: `nntui`, the shared options,
    /// then the trial's values (five folds unless the shared options say otherwise).
    pub fn command(&self, params: &[(String, String)]) -> Vec<String> {
        let mut command = vec!["nntui".to_string()];
        command.extend(self.base.iter().cloned());
        let given = |flag: &str| self.base.iter().any(|a| a == flag || a.starts_with(&format!("{flag}=")));
        if !given("--folds") && !given("--validation-split") && !given("--validation-data") {
            command.extend(["--folds".to_string(), "5".to_string()]);
        }
        for (flag, value) in params {
            command.push(flag.clone());
            command.push(value.clone());
        }
        command
    }

    /// A trial's training options, read as `nntui` reads them.
    ///
    /// # Errors
    /// clap's message for arguments training does not take.
    pub fn train_args(&self, params: &[(String, String)]) -> Result<TrainArgs, String> {
        let cli = Cli::try_parse_from(self.command(params)).map_err(|e| {
            // clap's first line, with the list it announces ("... not provided:\n  --x").
            let text = e.to_string();
            let mut lines = text.lines().filter(|l| !l.trim().is_empty());
            let first = lines.next().unwrap_or_default().trim_start_matches("error: ").to_string();
            if first.ends_with(':') {
                let listed: Vec<&str> = lines.take_while(|l| l.starts_with("  ")).map(str::trim).collect();
                format!("{first} {}", listed.join(", "))
            } else {
                first
            }
        })?;
        if cli.command.is_some() {
            return Err("the options after tune are training options (and a CSV file)".into());
        }
        Ok(cli.train)
    }

    /// Checks every choice and range end against training's own parser, and picks the
    /// objective: `--objective`, or the held-out metric.
    ///
    /// # Errors
    /// A value training refuses, a study without held-out data, an unknown objective.
    pub fn check(&self, dataset_task_is_classification: Option<bool>) -> Result<Objective, String> {
        let corners: Vec<Vec<(String, String)>> = self
            .space
            .params
            .iter()
            .flat_map(|p| {
                let values: Vec<String> = match &p.domain {
                    space::Domain::Choice(choices) => choices.clone(),
                    space::Domain::Float { low, high, .. } => vec![low.to_string(), high.to_string()],
                    space::Domain::Int { low, high, .. } => vec![low.to_string(), high.to_string()],
                };
                values.into_iter().map(|v| vec![(p.flag.clone(), v)]).collect::<Vec<_>>()
            })
            .collect();
        // Each corner with the other options at a sample of theirs (an option may need
        // another: a searched --lr-decay goes with --lr-decay-steps).
        let point = self.space.sample(0, 0);
        let first = self.train_args(&point)?;
        for corner in &corners {
            let at: Vec<(String, String)> = point
                .iter()
                .map(
                    |(flag, value)| {
                        if *flag == corner[0].0 { corner[0].clone() } else { (flag.clone(), value.clone()) }
                    },
                )
                .collect();
            self.train_args(&at).map_err(|e| format!("{} {}: {e}", corner[0].0, corner[0].1))?;
        }
        let config = first.run_config(false).map_err(|e| e.0)?;
        let held_out =
            config.folds > 1 || config.validation_split.is_some() || first.validation_data.is_some();
        let metric = match dataset_task_is_classification {
            Some(false) => "mae",
            _ => "accuracy",
        };
        let name = self.objective.clone().unwrap_or_else(|| format!("val_{metric}"));
        // The task's metric and the loss, and what --metrics adds.
        let mut known = vec!["loss", metric];
        known.extend(config.metrics.iter().filter(|m| m.primary().is_none()).map(|m| m.name()));
        let base = name.strip_prefix("val_").unwrap_or(&name);
        if !known.contains(&base) {
            let expected: Vec<String> = known
                .iter()
                .map(|k| format!("val_{k}"))
                .chain(known.iter().map(std::string::ToString::to_string))
                .collect();
            let hint =
                if config.metrics.is_empty() && crate::nn::Measure::ALL.iter().any(|m| m.name() == base) {
                    format!(" (add --metrics {base} to measure it)")
                } else {
                    String::new()
                };
            return Err(format!(
                "--objective: {name:?} is not measured (expected one of: {}){hint}",
                expected.join(", ")
            ));
        }
        if name.starts_with("val_") && !held_out {
            return Err(format!(
                "{name} needs held-out rows: --folds K (5 by default) or --validation-split"
            ));
        }
        Ok(Objective { maximize: crate::series::maximizes(&name), name })
    }

    fn header(&self, objective: &Objective, seed: u64) -> StudyHeader {
        StudyHeader {
            format: super::journal::JOURNAL_FORMAT,
            base: self.base.clone(),
            space: self.space.params.iter().map(|p| (p.flag.clone(), p.text.clone())).collect(),
            search: self.search.name().into(),
            trials: self.trial_count(),
            seed,
            objective: objective.name.clone(),
            maximize: objective.maximize,
            pruner: self.pruner.name().into(),
        }
    }
}

/// Options of a process, not of the study: how it shows, paces and records its trials
/// (`-q`, `--no-tui`, `--threads`, `--pace`, `--log-dir`, `--plot`, ...); with values.
const NOT_IDENTITY: [(&str, bool); 12] = [
    ("-q", false),
    ("--quiet", false),
    ("--no-tui", false),
    ("--json", false),
    ("--verbose", true),
    ("--threads", true),
    ("--pace", true),
    ("--log-dir", true),
    ("--plot", true),
    ("--log", true),
    ("--name", true),
    ("--csv-log", true),
];

/// An argument that names an existing file, as its absolute path (the study is the
/// same whichever folder a process runs it from); any other as it is.
fn absolute(argument: &str) -> String {
    let path = std::path::Path::new(argument);
    if !argument.starts_with('-')
        && path.is_file()
        && let Ok(full) = std::fs::canonicalize(path)
    {
        return full.display().to_string();
    }
    argument.to_string()
}

/// The options given a value that is a file: a file after any other flag is the data
/// file, not that flag's value.
const FILE_FLAGS: [&str; 3] = ["--validation-data", "--test", "--initial-model"];

/// The shared options that make a study what it is: `base` without [`NOT_IDENTITY`]'s,
/// as options with their values (`--epochs 5`), files by their absolute path, sorted:
/// the same options in another order, or the data file named from another folder, are
/// the same study.
pub fn identity(base: &[String]) -> Vec<String> {
    let mut out = options(&kept(base).iter().map(|a| absolute(a)).collect::<Vec<_>>());
    out.sort();
    out
}

/// `base` without [`NOT_IDENTITY`]'s options.
fn kept(base: &[String]) -> Vec<String> {
    let mut kept = Vec::new();
    let mut skip_value = false;
    for argument in base {
        if std::mem::take(&mut skip_value) {
            continue;
        }
        let flag = argument.split_once('=').map_or(argument.as_str(), |(f, _)| f);
        match NOT_IDENTITY.iter().find(|(f, _)| *f == flag) {
            Some(&(_, takes_value)) => skip_value = takes_value && !argument.contains('='),
            None => kept.push(argument.clone()),
        }
    }
    kept
}

/// Arguments as options with their values (`--epochs 5`), for saying what differs.
fn options(arguments: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut iter = arguments.iter().peekable();
    while let Some(argument) = iter.next() {
        match iter.peek() {
            Some(value)
                if argument.starts_with('-')
                    && !argument.contains('=')
                    && !value.starts_with("--")
                    && (!std::path::Path::new(value.as_str()).is_file()
                        || FILE_FLAGS.contains(&argument.as_str())) =>
            {
                out.push(format!("{argument} {value}"));
                iter.next();
            }
            _ => out.push(argument.clone()),
        }
    }
    out
}

/// The searched options in flag order (the order they were given in does not matter).
fn sorted(space: &[(String, String)]) -> Vec<(String, String)> {
    let mut space = space.to_vec();
    space.sort();
    space
}

/// How the study in a file differs from the one asked for, in words.
fn differences(existing: &StudyHeader, asked: &StudyHeader) -> Vec<String> {
    let mut out = Vec::new();
    let (existing_base, asked_base) = (identity(&existing.base), identity(&asked.base));
    if existing_base != asked_base {
        let theirs: Vec<&String> = existing_base.iter().filter(|a| !asked_base.contains(a)).collect();
        let ours: Vec<&String> = asked_base.iter().filter(|a| !existing_base.contains(a)).collect();
        let list = |items: &[&String]| {
            if items.is_empty() {
                "nothing".to_string()
            } else {
                items.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
            }
        };
        out.push(format!("its options have {} where these have {}", list(&theirs), list(&ours)));
    }
    if sorted(&existing.space) != sorted(&asked.space) {
        let text = |space: &[(String, String)]| {
            space.iter().map(|(f, t)| format!("{f} {t}")).collect::<Vec<_>>().join(" ")
        };
        out.push(format!("it searches {}, not {}", text(&existing.space), text(&asked.space)));
    }
    if existing.search != asked.search {
        out.push(format!("its sampler is {}, not {}", existing.search, asked.search));
    }
    if existing.seed != asked.seed {
        out.push(format!("its --seed is {}, not {}", existing.seed, asked.seed));
    }
    if existing.objective != asked.objective || existing.maximize != asked.maximize {
        out.push(format!("its objective is {}, not {}", existing.objective, asked.objective));
    }
    if existing.pruner != asked.pruner {
        out.push(format!("its pruner is {}, not {}", existing.pruner, asked.pruner));
    }
    if out.is_empty() {
        out.push(format!("journal format {}", existing.format));
    }
    out
}

/// What a process should do next.
#[derive(Clone, Debug, PartialEq)]
pub enum Claim {
    /// Run this trial.
    Run(Box<Trial>),
    /// Others' trials are still running (or may have died): look again shortly.
    Wait,
    /// The study has all its trials.
    Done,
}

/// What the runner tells its caller as trials go.
pub trait Progress {
    /// A trial started.
    fn started(&mut self, trial: &Trial);
    /// A trial reported an epoch (the mean over its folds).
    fn epoch(&mut self, _trial: usize, _epoch: usize, _value: f64) {}
    /// A trial ended (the journal's record of it).
    fn finished(&mut self, trial: &Trial);
    /// A note for the user (another process's dead trial marked failed, ...).
    fn note(&mut self, _text: &str) {}
    /// Whether the user asked to stop the search (checked between epochs).
    fn stop_requested(&mut self) -> bool {
        false
    }
    /// Whether the user asked to stop this trial alone (it ends as pruned by hand).
    fn stop_trial(&mut self, _trial: usize) -> bool {
        false
    }
}

/// A study in progress in this process.
pub struct Study {
    /// The settings.
    pub settings: Settings,
    /// The objective.
    pub objective: Objective,
    /// The journal (shared file or memory).
    pub journal: Journal,
    /// The sampler's seed (the training `--seed`).
    pub seed: u64,
    /// The shared `--initial-model`, loaded once (every trial starts from it).
    pub initial: Option<crate::model_file::ModelFile>,
}

impl Study {
    /// Opens (or starts) the study; a journal holding another study is refused.
    ///
    /// # Errors
    /// The journal cannot be used, or holds another study.
    pub fn open(mut settings: Settings, objective: Objective, seed: u64) -> Result<Study, String> {
        let mut journal = match &settings.storage {
            Some(path) => Journal::open(path).map_err(|e| format!("{}: {e}", path.display()))?,
            None => Journal::in_memory(),
        };
        let mut header = settings.header(&objective, seed);
        let existing = journal
            .transaction(|j| match &j.header {
                Some(existing) => (Vec::new(), Some(existing.clone())),
                None => (vec![Entry::Study(header.clone())], None),
            })
            .map_err(|e| {
                format!(
                    "{}: {e}",
                    settings.storage.as_deref().unwrap_or_else(|| std::path::Path::new("-")).display()
                )
            })?;
        if let Some(existing) = existing {
            if existing.format > super::journal::JOURNAL_FORMAT {
                return Err(format!(
                    "{}: a study in journal format {} (written by a later nntui); this one reads format {}",
                    settings.storage.as_deref().map_or_else(String::new, |p| p.display().to_string()),
                    existing.format,
                    super::journal::JOURNAL_FORMAT
                ));
            }
            // Continued without --sampler, a study keeps the sampler it was begun with
            // (studies from before TPE were random searches).
            if !settings.search_given
                && let Some(search) = Search::parse(&existing.search)
            {
                settings.search = search;
                header.search.clone_from(&existing.search);
            }
            // Options that only change how a process shows or records its trials are not
            // part of the study: another terminal may run it quietly, headless, with other
            // threads or its own log folder.
            let same = StudyHeader {
                trials: header.trials,
                base: identity(&existing.base),
                space: sorted(&existing.space),
                ..existing.clone()
            } == StudyHeader {
                base: identity(&header.base),
                space: sorted(&header.space),
                ..header.clone()
            };
            if !same {
                return Err(format!(
                    "{}: holds another study ({}); use another --storage",
                    settings.storage.as_deref().map_or_else(String::new, |p| p.display().to_string()),
                    differences(&existing, &header).join("; ")
                ));
            }
        }
        Ok(Study { settings, objective, journal, seed, initial: None })
    }

    /// Trials finished (complete, pruned, or failed for good) and the trials the study
    /// counts.
    pub fn counts(&self) -> (usize, usize) {
        let finished = self
            .journal
            .trials
            .values()
            .filter(|t| match t.state {
                TrialState::Complete | TrialState::Pruned => true,
                TrialState::Failed => !t.retry,
                TrialState::Running => false,
            })
            .count();
        (finished, self.total())
    }

    /// The trials counted by the study: `--trials` when given (a study continued with a
    /// larger count runs the missing ones), else its header's, when another process
    /// began it.
    fn total(&self) -> usize {
        match (&self.journal.header, self.settings.trials) {
            (Some(header), None) => header.trials,
            _ => self.settings.trial_count(),
        }
    }

    /// Claims the next trial under the journal's lock: first marks other processes'
    /// silent trials failed, then runs again a failed trial that may be run again, then
    /// takes the next sample.
    ///
    /// # Errors
    /// The journal cannot be read or written.
    pub fn claim(&mut self, progress: &mut dyn Progress) -> Result<Claim, String> {
        let total = self.total();
        let timeout = self.settings.heartbeat_timeout;
        let settings = &self.settings;
        let seed = self.seed;
        let maximize = self.objective.maximize;
        let (claim, notes) = self
            .journal
            .transaction(|j| {
                let at = now();
                let mut entries = Vec::new();
                let mut notes = Vec::new();
                let stale = j.stale(timeout, at);
                for &number in &stale {
                    let owner = &j.trials[&number].owner;
                    notes.push(format!(
                        "trial {number} ({owner}) silent for {:.0} s: marked failed, to run again",
                        timeout.as_secs_f64()
                    ));
                    entries.push(Entry::Finish {
                        trial: number,
                        state: TrialState::Failed,
                        value: None,
                        std: None,
                        epochs: j.trials[&number].epochs,
                        note: Some(format!("no heartbeat from {owner} for {:.0} s", timeout.as_secs_f64())),
                        retry: true,
                        time: at,
                    });
                }
                let state = |t: &Trial| if stale.contains(&t.number) { TrialState::Failed } else { t.state };
                let counted = j.trials.values().filter(|t| state(t) != TrialState::Failed).count();
                let running = j.trials.values().filter(|t| state(t) == TrialState::Running).count();
                let retried: Vec<usize> = j.trials.values().filter_map(|t| t.retry_of).collect();
                let retry = j.trials.values().find(|t| {
                    state(t) == TrialState::Failed
                        && (t.retry || stale.contains(&t.number))
                        && !retried.contains(&t.number)
                });
                let fresh = j.trials.values().filter(|t| t.retry_of.is_none()).count();
                if counted >= total || (retry.is_none() && fresh >= total) {
                    let next = if running > 0 || retry.is_some() { Claim::Wait } else { Claim::Done };
                    return (entries, (next, notes));
                }
                let number = j.trials.keys().next_back().map_or(0, |n| n + 1);
                let (sample, retry_of, params) = if let Some(t) = retry {
                    (t.sample, Some(t.number), t.params.clone())
                } else {
                    let params = match settings.search {
                        Search::Random => settings.space.sample(seed, fresh),
                        Search::Grid => settings.space.grid_point(fresh),
                        // The same history and sample number give the same draw in
                        // every process sharing the study.
                        Search::Tpe => {
                            let history: Vec<&Trial> = j.trials.values().collect();
                            let mut rng = crate::random::rng(seed, crate::random::Stream::Trial(fresh));
                            super::tpe::suggest(&settings.space, &history, maximize, &mut rng)
                                .unwrap_or_else(|| settings.space.sample(seed, fresh))
                        }
                    };
                    (fresh, None, params)
                };
                let command = settings.command(&params);
                let trial = Trial {
                    number,
                    sample,
                    retry_of,
                    params: params.clone(),
                    command: command.clone(),
                    owner: owner(),
                    alive: at,
                    ..Trial::default()
                };
                entries.push(Entry::Start {
                    trial: number,
                    sample,
                    retry_of,
                    params,
                    command,
                    owner: owner(),
                    time: at,
                });
                (entries, (Claim::Run(Box::new(trial)), notes))
            })
            .map_err(|e| format!("the study journal: {e}"))?;
        for note in notes {
            progress.note(&note);
        }
        Ok(claim)
    }

    /// Trains `trial` on `dataset`, reporting each epoch's mean to the journal and
    /// asking the pruner after it; returns the journal's record once it is finished.
    ///
    /// # Errors
    /// The journal cannot be written.
    pub fn run(
        &mut self,
        trial: &Trial,
        dataset: &Arc<Dataset>,
        progress: &mut dyn Progress,
    ) -> Result<Trial, String> {
        let finish = |state, value, std, epochs, note: Option<String>, retry| Entry::Finish {
            trial: trial.number,
            state,
            value,
            std,
            epochs,
            note,
            retry,
            time: now(),
        };
        let args = match self.settings.train_args(&trial.params) {
            Ok(args) => args,
            Err(message) => {
                return self
                    .end(trial.number, finish(TrialState::Failed, None, None, 0, Some(message), false));
            }
        };
        // The trial's settings as training resolves them (windows, an initial model).
        let configured =
            crate::prepare::config(&args, false, dataset, self.initial.as_ref()).map_err(|f| f.message);
        let plan = match configured.and_then(|mut config| {
            // Every fold at once, so that the mean over folds at an epoch comes while
            // the folds are still training (the results do not depend on threads).
            config.threads = config.folds.max(config.threads);
            config.pace = None;
            Plan::new(config, dataset)
                .map(|p| p.with_saver(crate::model_file::ModelFile::saver()))
                .map_err(|e| e.to_string())
        }) {
            Ok(plan) => plan,
            Err(message) => {
                return self
                    .end(trial.number, finish(TrialState::Failed, None, None, 0, Some(message), false));
            }
        };
        let folds = plan.fold_count();
        let mut recorder =
            args.log_dir.clone().or_else(|| std::env::var_os("NNTUI_LOG_DIR").map(PathBuf::from)).and_then(
                |dir| {
                    let name = format!(
                        "trial-{:03}-{}",
                        trial.number,
                        params_text(&trial.params).replace([' ', '='], "-")
                    );
                    let data = args.file.as_ref().map_or_else(String::new, |f| f.display().to_string());
                    crate::runs::record::Recorder::create(&dir, &name, &data, &plan.config).ok()
                },
            );
        progress.started(trial);
        let handle = train::spawn(plan, Arc::clone(dataset));
        // Each epoch's values by fold: summed in fold order, whichever fold reported
        // first (the order of a sum changes its last bits, and TPE reads them).
        let mut per_epoch: BTreeMap<usize, BTreeMap<usize, f64>> = BTreeMap::new();
        // Each fold's last reported epoch, and whether it has ended: an epoch's mean is
        // complete once every fold has reported it or ended before it.
        let mut last = vec![0usize; folds];
        let mut ended = vec![false; folds];
        let mut pruned_at = None;
        let mut stopped_by_hand = false;
        let mut beat = Instant::now();
        let mut reports: Vec<FoldReport> = Vec::new();
        // A sign of life every sixth of the timeout, on a clock of its own: a busy trial
        // whose events never pause (fast epochs) beats as one that waits does.
        let beat_every = (self.settings.heartbeat_timeout / 6).min(Duration::from_secs(10));
        loop {
            let received = handle.events.recv_timeout(beat_every.min(Duration::from_millis(500)));
            if beat.elapsed() >= beat_every {
                beat = Instant::now();
                self.journal
                    .append(&[Entry::Beat { trial: trial.number, time: now() }])
                    .map_err(|e| e.to_string())?;
            }
            let event = match received {
                Ok(event) => event,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
                Err(_) => break,
            };
            if let Some(recorder) = recorder.as_mut() {
                let _ = recorder.write(&event);
            }
            match &event {
                Event::EpochEnded(report) => {
                    if let Some(fold_last) = last.get_mut(report.fold) {
                        *fold_last = report.epoch;
                    }
                    per_epoch
                        .entry(report.epoch)
                        .or_default()
                        .insert(report.fold, self.objective.of_epoch(report).unwrap_or(f64::NAN));
                }
                Event::FoldEnded(report) => {
                    if let Some(fold_ended) = ended.get_mut(report.fold) {
                        *fold_ended = true;
                    }
                    // In fold order, as they are summed later.
                    let at = reports.partition_point(|r| r.fold < report.fold);
                    reports.insert(at, report.clone());
                }
                _ => {}
            }
            while pruned_at.is_none() {
                let Some((&epoch, values)) = per_epoch.iter().next() else { break };
                let complete = last.iter().zip(&ended).all(|(&l, &e)| l >= epoch || e);
                if !complete {
                    break;
                }
                let mean = values.values().sum::<f64>() / values.len() as f64;
                per_epoch.remove(&epoch);
                self.journal
                    .append(&[Entry::Epoch {
                        trial: trial.number,
                        epoch,
                        value: Some(mean).filter(|v| v.is_finite()),
                    }])
                    .map_err(|e| e.to_string())?;
                progress.epoch(trial.number, epoch, mean);
                let others: Vec<&Trial> =
                    self.journal.trials.values().filter(|t| t.number != trial.number).collect();
                let own = &self.journal.trials[&trial.number];
                let decision = self.settings.pruner.decide(own, epoch, &others, self.objective.maximize);
                let rungs: Vec<Entry> = decision
                    .rungs
                    .iter()
                    .map(|&(rung, value)| Entry::Rung { trial: trial.number, rung, value })
                    .collect();
                self.journal.append(&rungs).map_err(|e| e.to_string())?;
                if decision.prune {
                    pruned_at = Some(epoch);
                    let _ = handle.control.send(Control::Stop);
                } else if progress.stop_trial(trial.number) {
                    pruned_at = Some(epoch);
                    stopped_by_hand = true;
                    let _ = handle.control.send(Control::Stop);
                } else if progress.stop_requested() {
                    let _ = handle.control.send(Control::Stop);
                }
            }
            if matches!(event, Event::RunEnded(_)) {
                break;
            }
        }
        let result = handle.join();
        let entry = match (result, pruned_at) {
            (Err(message), _) => {
                finish(TrialState::Failed, None, None, 0, Some(format!("the engine failed: {message}")), true)
            }
            (Ok(_), Some(epoch)) => {
                let value = self.journal.trials[&trial.number]
                    .intermediate
                    .get(&epoch)
                    .copied()
                    .filter(|v| v.is_finite());
                finish(
                    TrialState::Pruned,
                    value,
                    None,
                    epoch,
                    Some(if stopped_by_hand {
                        format!("stopped at epoch {epoch} from the dashboard")
                    } else {
                        format!("pruned at epoch {epoch} ({})", self.settings.pruner.name())
                    }),
                    false,
                )
            }
            (Ok(result), None) => {
                let epochs = reports.iter().map(|f| f.epochs_run).max().unwrap_or(0);
                if result.summary.stopped {
                    finish(TrialState::Failed, None, None, epochs, Some("interrupted".into()), true)
                } else if reports.iter().any(|f| matches!(f.outcome, FoldOutcome::Diverged { .. })) {
                    finish(TrialState::Failed, None, None, epochs, Some("diverged".into()), false)
                } else {
                    let values: Vec<f64> = reports.iter().filter_map(|f| self.objective.of_fold(f)).collect();
                    let (mean, std) = crate::stats::mean_and_std(values.iter().copied())
                        .map_or((None, None), |(m, s)| (Some(m), Some(s)));
                    finish(TrialState::Complete, mean, std.filter(|_| values.len() > 1), epochs, None, false)
                }
            }
        };
        self.end(trial.number, entry)
    }

    fn end(&mut self, number: usize, entry: Entry) -> Result<Trial, String> {
        self.journal.append(&[entry]).map_err(|e| format!("the study journal: {e}"))?;
        Ok(self.journal.trials[&number].clone())
    }

    /// The finished trials, best first (complete ones by the objective, then pruned
    /// ones by their last value, then failed ones).
    pub fn leaderboard(&self) -> Vec<&Trial> {
        leaderboard(&self.journal, self.objective.maximize)
    }
}

/// A journal's trials, best first (see [`Study::leaderboard`]).
pub fn leaderboard(journal: &Journal, maximize: bool) -> Vec<&Trial> {
    let rank = |t: &Trial| match t.state {
        TrialState::Complete => 0,
        TrialState::Running => 1,
        TrialState::Pruned => 2,
        TrialState::Failed => 3,
    };
    let mut trials: Vec<&Trial> =
        journal.trials.values().filter(|t| !(t.state == TrialState::Failed && t.retry)).collect();
    trials.sort_by(|a, b| {
        rank(a).cmp(&rank(b)).then_with(|| {
            let (x, y) = (a.value.unwrap_or(f64::NAN), b.value.unwrap_or(f64::NAN));
            let order = if maximize { y.total_cmp(&x) } else { x.total_cmp(&y) };
            match (x.is_nan(), y.is_nan()) {
                (true, false) => std::cmp::Ordering::Greater,
                (false, true) => std::cmp::Ordering::Less,
                _ => order,
            }
        })
    });
    trials
}

/// `lr=0.003 layers=32:relu`.
pub fn params_text(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(flag, value)| format!("{}={value}", flag.trim_start_matches('-')))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The command line as a shell reads it back.
pub fn command_text(command: &[String]) -> String {
    command.iter().map(|a| crate::cli::shell_quoted(a)).collect::<Vec<_>>().join(" ")
}
