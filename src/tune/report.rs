//! What `nntui tune` prints without a dashboard: a line per finished trial on stdout,
//! notes on stderr, and at the end the trials ranked by the objective and the best one
//! as the training command line that reproduces it.

use super::journal::Journal;
use super::journal::{Trial, TrialState};
use super::space::{self, Param, Space};
use super::study::{Objective, Progress, command_text, params_text};
use std::fmt::Write as _;
use std::io::Write;

/// The objective's value as the table shows it: accuracies as percentages, like
/// training's output, other values with four decimals.
pub fn value_text(objective: &Objective, value: Option<f64>, std: Option<f64>) -> String {
    let Some(value) = value else { return "-".into() };
    let percent = objective.name.ends_with("accuracy");
    let one = |v: f64| if percent { format!("{:.2}%", 100.0 * v) } else { format!("{v:.4}") };
    match std {
        Some(std) => format!("{} (+/- {})", one(value), one(std)),
        None => one(value),
    }
}

/// One finished trial: `trial 3  complete  val_accuracy 76.12% (+/- 3.12%)  150 epochs  lr=0.0023`.
pub fn trial_line(objective: &Objective, trial: &Trial) -> String {
    let note = trial.note.as_ref().map_or_else(String::new, |n| format!("  ({n})"));
    format!(
        "trial {:>3}  {:<8}  {} {}  {} epoch{}  {}{note}",
        trial.number,
        trial.state.name(),
        objective.name,
        value_text(objective, trial.value, trial.std),
        trial.epochs,
        if trial.epochs == 1 { "" } else { "s" },
        params_text(&trial.params),
    )
}

/// The searched options' importances as bars, largest first: which options the best
/// tenth of the completed trials owes its values to (PED-ANOVA, as Optuna computes it);
/// empty with fewer than two completed trials.
pub fn importance_text(space: &Space, objective: &Objective, trials: &[&Trial]) -> String {
    importances_of(space, objective.maximize, trials).map_or_else(String::new, |(n, shares)| bars(n, &shares))
}

/// Completed trials counted, and each searched option's share (flag, share), largest first.
pub type Importances = (usize, Vec<(String, f64)>);

/// The importances of a study file's searched options.
pub fn journal_importances(journal: &Journal) -> Option<Importances> {
    let header = journal.header.as_ref()?;
    let params = header
        .space
        .iter()
        .filter_map(|(flag, text)| {
            let domain = space::parse(flag, space::kind_of(flag)?, text).ok()??;
            Some(Param { flag: flag.clone(), text: text.clone(), domain })
        })
        .collect();
    let trials: Vec<&Trial> = journal.trials.values().collect();
    importances_of(&Space { params }, header.maximize, &trials)
}

fn importances_of(space: &Space, maximize: bool, trials: &[&Trial]) -> Option<Importances> {
    let completed: Vec<(&[(String, String)], f64)> = trials
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .filter_map(|t| t.value.map(|v| (t.params.as_slice(), v)))
        .collect();
    super::importance::importances(space, &completed, maximize).map(|shares| (completed.len(), shares))
}

/// Importances as a heading and a bar per option.
pub fn bars(completed: usize, shares: &[(String, f64)]) -> String {
    const BAR: usize = 24;
    let width = shares.iter().map(|(f, _)| f.trim_start_matches('-').len()).max().unwrap_or(0);
    let mut out = format!(
        "importance of each searched option to reaching the best 10% of {completed} completed trials (PED-ANOVA):\n"
    );
    for (flag, share) in shares {
        #[allow(clippy::cast_possible_truncation, reason = "a share in [0, 1] of the bar")]
        let filled = ((share * BAR as f64).round() as usize).min(BAR);
        let _ = writeln!(
            out,
            "  {:<width$}  {}{}  {:.2}",
            flag.trim_start_matches('-'),
            "\u{2588}".repeat(filled),
            "\u{00b7}".repeat(BAR - filled),
            share
        );
    }
    out
}

/// The ranked table, the options' importances, and the best trial's command line.
pub fn summary(objective: &Objective, ranked: &[&Trial], importances: &str) -> String {
    let mut out = String::new();
    let flags: Vec<String> =
        ranked.first().map(|t| t.params.iter().map(|(f, _)| f.clone()).collect()).unwrap_or_default();
    let names: Vec<&str> = flags.iter().map(|f| f.trim_start_matches('-')).collect();
    let value_width = ranked
        .iter()
        .map(|t| value_text(objective, t.value, t.std).len())
        .max()
        .unwrap_or(0)
        .max(objective.name.len());
    let widths: Vec<usize> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            ranked
                .iter()
                .filter_map(|t| t.params.get(i))
                .map(|(_, v)| v.len())
                .max()
                .unwrap_or(0)
                .max(name.len())
        })
        .collect();
    let _ = write!(out, "rank  trial  state     {:<value_width$}  epochs", objective.name);
    for (name, width) in names.iter().zip(&widths) {
        let _ = write!(out, "  {name:<width$}");
    }
    out.push('\n');
    for (rank, trial) in ranked.iter().enumerate() {
        let _ = write!(
            out,
            "{:<4}  {:<5}  {:<8}  {:<value_width$}  {:<6}",
            rank + 1,
            trial.number,
            trial.state.name(),
            value_text(objective, trial.value, trial.std),
            trial.epochs
        );
        for ((_, value), width) in trial.params.iter().zip(&widths) {
            let _ = write!(out, "  {value:<width$}");
        }
        out.push('\n');
    }
    let out = out.lines().map(str::trim_end).collect::<Vec<_>>().join("\n") + "\n" + importances;
    match ranked.first().filter(|t| t.state == TrialState::Complete) {
        Some(best) => format!(
            "{out}best: trial {}, {} {}; to train it again:\n{}\n",
            best.number,
            objective.name,
            value_text(objective, best.value, best.std),
            command_text(&best.command)
        ),
        None => format!("{out}no trial completed\n"),
    }
}

/// Progress as text: finished trials on `out`, starts and notes on `err` (quiet: none).
pub struct Printer<O: Write, E: Write> {
    /// Where trial lines go.
    pub out: O,
    /// Where notes go.
    pub err: E,
    /// The objective.
    pub objective: Objective,
    /// No starts or notes.
    pub quiet: bool,
    /// Set when a signal asked to stop.
    pub stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl<O: Write, E: Write> Progress for Printer<O, E> {
    fn started(&mut self, trial: &Trial) {
        if !self.quiet {
            let again = trial.retry_of.map_or_else(String::new, |n| format!(" (trial {n} again)"));
            let _ = writeln!(
                self.err,
                "nntui: trial {} started{again}: {}",
                trial.number,
                params_text(&trial.params)
            );
        }
    }

    fn finished(&mut self, trial: &Trial) {
        let _ = writeln!(self.out, "{}", trial_line(&self.objective, trial));
        let _ = self.out.flush();
    }

    fn note(&mut self, text: &str) {
        if !self.quiet {
            let _ = writeln!(self.err, "nntui: {text}");
        }
    }

    fn stop_requested(&mut self) -> bool {
        self.stop.load(std::sync::atomic::Ordering::SeqCst)
    }
}
