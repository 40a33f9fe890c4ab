//! The headless consumers of the event stream: Keras-style epoch lines on stderr,
//! results on stdout, and JSON Lines for `--json` and `--log`.

use crate::nn::Metric;
use crate::train::callbacks::CallbackAction;
use crate::train::{EpochReport, Event, FoldOutcome, FoldReport, RunInfo, RunSummary, Warning};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// A number as Keras prints it: four decimals, or scientific below 1e-3.
pub fn keras_number(value: f64) -> String {
    if value == 0.0 || value.abs() >= 1e-3 { format!("{value:.4}") } else { format!("{value:.4e}") }
}

/// A metric value for results: accuracy as a percentage, mae as a number.
pub fn metric_text(metric: Metric, value: f64) -> String {
    match metric {
        Metric::Accuracy => format!("{:.2}%", 100.0 * value),
        Metric::Mae => format!("{value:.4}"),
    }
}

/// Keras's time per step: `1ms/step`, `250us/step`, `2s/step`.
fn per_step(seconds: f64) -> String {
    if seconds >= 1.0 {
        format!("{seconds:.0}s/step")
    } else if seconds >= 1e-3 {
        format!("{:.0}ms/step", seconds * 1e3)
    } else {
        format!("{:.0}us/step", seconds * 1e6)
    }
}

/// The line above an epoch's values: `Epoch 3/150`, or `Fold 2/10 - Epoch 3/150`.
fn epoch_heading(info: &RunInfo, fold: usize, epoch: usize) -> String {
    if info.folds > 1 {
        format!("Fold {}/{} - Epoch {}/{}", fold + 1, info.folds, epoch, info.config.epochs)
    } else {
        format!("Epoch {}/{}", epoch, info.config.epochs)
    }
}

/// The two lines Keras prints per epoch with `verbose=2`.
pub fn epoch_lines(info: &RunInfo, epoch: &EpochReport, show_learning_rate: bool) -> String {
    let heading = epoch_heading(info, epoch.fold, epoch.epoch);
    let line = format!(
        "{steps}/{steps} - {seconds:.0}s - {per_step}{values}",
        steps = epoch.steps,
        seconds = epoch.epoch_seconds,
        per_step = per_step(epoch.epoch_seconds / epoch.steps.max(1) as f64),
        values = epoch_values(info, epoch, show_learning_rate),
    );
    format!("{heading}\n{line}\n")
}

/// An epoch's values as its line ends: ` - loss: 0.5 - accuracy: 0.7 - val_loss: ...`.
fn epoch_values(info: &RunInfo, epoch: &EpochReport, show_learning_rate: bool) -> String {
    let name = info.metric.name();
    let mut line = format!(" - loss: {} - {name}: {}", keras_number(epoch.loss), keras_number(epoch.metric));
    // `--metrics`' further ones after the task's own, in the order asked for.
    let further = |line: &mut String, prefix: &str| {
        for measure in info.config.metrics.iter().filter(|m| m.primary().is_none()) {
            if let Some(v) = epoch.metrics.get(&format!("{prefix}{measure}")) {
                line.push_str(&format!(" - {prefix}{measure}: {}", keras_number(*v)));
            }
        }
    };
    further(&mut line, "");
    if let (Some(loss), Some(metric)) = (epoch.val_loss, epoch.val_metric) {
        line.push_str(&format!(" - val_loss: {} - val_{name}: {}", keras_number(loss), keras_number(metric)));
        further(&mut line, "val_");
    }
    if show_learning_rate {
        line.push_str(&format!(" - learning_rate: {}", keras_number(epoch.learning_rate)));
    }
    line
}

/// Keras's progress bar (`verbose=1`): `12/23 ━━━━━━━━━━━━━━━━━━━━ 1s 40ms/step -
/// loss: 0.6 - accuracy: 0.7`, the count bold and the done part green in colour; the
/// text and its width on screen (without the colour codes).
fn bar_line(step: usize, steps: usize, timing: &str, values: &str, colour: bool) -> (String, usize) {
    const WIDTH: usize = 20;
    let digits = steps.max(1).to_string().len();
    let count = format!("{step:>digits$}/{steps}");
    let done = (WIDTH * step).checked_div(steps).unwrap_or(0).min(WIDTH);
    let (filled, rest) = ("━".repeat(done), "━".repeat(WIDTH - done));
    let text = if colour {
        format!("\x1b[1m{count}\x1b[0m \x1b[32m{filled}\x1b[0m\x1b[37m{rest}\x1b[0m {timing}{values}")
    } else {
        format!("{count} {filled}{rest} {timing}{values}")
    };
    let shown = count.chars().count() + 1 + WIDTH + 1 + timing.chars().count() + values.chars().count();
    (text, shown)
}

/// Keras's time left: `7s`, `2:05`, `1:02:05`.
pub fn eta_text(seconds: f64) -> String {
    #[allow(clippy::cast_possible_truncation, reason = "a positive number of seconds")]
    let whole = seconds.max(0.0) as u64;
    match whole {
        3600.. => format!("{}:{:02}:{:02}", whole / 3600, (whole % 3600) / 60, whole % 60),
        60.. => format!("{}:{:02}", whole / 60, whole % 60),
        _ => format!("{whole}s"),
    }
}

/// A progress bar being drawn on a terminal: the epoch whose heading is out, and the
/// width of the last bar (a shorter one pads over it).
#[derive(Clone, Copy, Debug, Default)]
struct Progressing {
    colour: bool,
    /// The terminal's width: a moving bar is cut to it, as a wrapped line could not be
    /// drawn over.
    columns: Option<usize>,
    current: Option<(usize, usize)>,
    width: usize,
}

/// A policy's message as Keras prints it (`Epoch 23: early stopping`), after the fold's
/// name under cross-validation.
pub fn policy_line(info: &RunInfo, fold: usize, epoch: usize, action: &CallbackAction) -> String {
    let prefix = if info.folds > 1 { format!("Fold {}/{} - ", fold + 1, info.folds) } else { String::new() };
    match action {
        // Keras prints this one without the epoch.
        CallbackAction::RestoredBestWeights { .. } => format!("{prefix}{action}"),
        _ => format!("{prefix}Epoch {epoch}: {action}"),
    }
}

/// A fold's result line: `accuracy: 74.03%`, or why it has no score.
pub fn fold_line(info: &RunInfo, fold: &FoldReport) -> Option<String> {
    let name = info.metric.name();
    match (&fold.outcome, fold.validation) {
        (FoldOutcome::Diverged { epoch, .. }, _) => {
            Some(format!("fold {}: diverged in epoch {epoch}, no score", fold.fold + 1))
        }
        (FoldOutcome::Stopped { .. }, _) => None,
        (FoldOutcome::Completed, Some(score)) => {
            let mut line = format!("{name}: {}", metric_text(info.metric, score.metric));
            for (measure, value) in further(info, &fold.metrics, "val_") {
                line.push_str(&format!(" - {measure}: {}", measure_text(value)));
            }
            Some(line)
        }
        (FoldOutcome::Completed, None) => None,
    }
}

/// The closing line of cross-validation: `76.05% (+/- 4.68%)`.
pub fn mean_line(info: &RunInfo, summary: &RunSummary) -> Option<String> {
    let (mean, std) = summary.mean.zip(summary.std)?;
    let scored = summary
        .folds
        .iter()
        .filter(|f| f.outcome == FoldOutcome::Completed && f.validation.is_some())
        .count();
    let partial =
        if scored < info.folds { format!(" over {scored} of {} folds", info.folds) } else { String::new() };
    Some(format!("{} (+/- {}){partial}", metric_text(info.metric, mean), metric_text(info.metric, std)))
}

/// What stdout shows at the end: per-fold lines and the mean, or the fit's evaluation.
pub fn result_lines(info: &RunInfo, summary: &RunSummary) -> Vec<String> {
    let mut lines = scores_lines(info, summary);
    lines.extend(test_lines(info, summary));
    lines
}

/// `test accuracy: 77.27%` and `test loss: 0.4689` for `--test`: the final model's
/// scores, or under cross-validation each fold model's, as mean (+/- std).
pub fn test_lines(info: &RunInfo, summary: &RunSummary) -> Vec<String> {
    let scores: Vec<crate::train::Score> = summary.folds.iter().filter_map(|f| f.test).collect();
    let Some(first) = scores.first() else {
        return Vec::new();
    };
    let name = info.metric.name();
    if info.folds == 1 {
        return vec![
            format!("test {name}: {}", metric_text(info.metric, first.metric)),
            format!("test loss: {:.4}", first.loss),
        ];
    }
    let spread = |values: Vec<f64>| crate::stats::mean_and_std(values.into_iter()).unwrap_or((0.0, 0.0));
    let (metric, metric_std) = spread(scores.iter().map(|s| s.metric).collect());
    let (loss, loss_std) = spread(scores.iter().map(|s| s.loss).collect());
    let models = format!("over {} fold model{}", scores.len(), if scores.len() == 1 { "" } else { "s" });
    vec![
        format!(
            "test {name}: {} (+/- {}) {models}",
            metric_text(info.metric, metric),
            metric_text(info.metric, metric_std)
        ),
        format!("test loss: {loss:.4} (+/- {loss_std:.4}) {models}"),
    ]
}

/// `stopped at epoch 12 of 150`, or `stopped in epoch 1 of 150, before any epoch finished`.
fn stopped_text(epoch: usize, epochs: usize) -> String {
    if epoch == 0 {
        format!("stopped in epoch 1 of {epochs}, before any epoch finished")
    } else {
        format!("stopped at epoch {epoch} of {epochs}")
    }
}

/// The run's own results: per fold and the mean, or the single fit's scores.
fn scores_lines(info: &RunInfo, summary: &RunSummary) -> Vec<String> {
    if info.folds > 1 {
        let mut lines: Vec<String> = summary.folds.iter().filter_map(|f| fold_line(info, f)).collect();
        lines.extend(mean_line(info, summary));
        lines.extend(further_mean_lines(info, summary));
        // Where a stop left the folds that had not finished, and that none had.
        for fold in &summary.folds {
            if let FoldOutcome::Stopped { epoch } = fold.outcome {
                lines.push(format!(
                    "fold {}: {}, no score",
                    fold.fold + 1,
                    stopped_text(epoch, info.config.epochs)
                ));
            }
        }
        let started = summary.folds.len();
        if started < info.folds && summary.stopped {
            lines.push(format!("{} of {} folds not started", info.folds - started, info.folds));
        }
        if summary.folds.iter().all(|f| f.outcome != FoldOutcome::Completed) {
            lines.push("no fold finished: no cross-validated score".into());
        }
        return lines;
    }
    let Some(fold) = summary.folds.first() else {
        return Vec::new();
    };
    let name = info.metric.name();
    let mut lines = Vec::new();
    if let FoldOutcome::Stopped { epoch } = fold.outcome {
        // What follows was measured during the last epoch that finished, not after
        // training: say so before any number.
        let partial = if fold.train.is_some() { "partial results" } else { "no score" };
        lines.push(format!("{}: {partial}", stopped_text(epoch, info.config.epochs)));
    }
    if let Some(train) = fold.train {
        lines.push(format!("{name}: {}", metric_text(info.metric, train.metric)));
        for (measure, value) in further(info, &fold.metrics, "") {
            lines.push(format!("{measure}: {}", measure_text(value)));
        }
        lines.push(format!("loss: {:.4}", train.loss));
    }
    if let Some(validation) = fold.validation {
        lines.push(format!("val_{name}: {}", metric_text(info.metric, validation.metric)));
        for (measure, value) in further(info, &fold.metrics, "val_") {
            lines.push(format!("val_{measure}: {}", measure_text(value)));
        }
        lines.push(format!("val_loss: {:.4}", validation.loss));
    }
    lines
}

/// `--metrics`' further values in `values` named with `prefix`, in the order asked for.
fn further<'a>(
    info: &'a RunInfo,
    values: &'a std::collections::BTreeMap<String, f64>,
    prefix: &'a str,
) -> impl Iterator<Item = (crate::nn::Measure, f64)> + 'a {
    info.config
        .metrics
        .iter()
        .filter(|m| m.primary().is_none())
        .filter_map(move |&m| values.get(&format!("{prefix}{m}")).map(|&v| (m, v)))
}

/// A further metric's value: four decimals, as Keras's verbose lines round them.
fn measure_text(value: f64) -> String {
    format!("{value:.4}")
}

/// The cross-validated mean of each further metric: `auc: 0.8312 (+/- 0.0412)`, over
/// the folds that finished with a score.
fn further_mean_lines(info: &RunInfo, summary: &RunSummary) -> Vec<String> {
    let scored: Vec<&FoldReport> = summary
        .folds
        .iter()
        .filter(|f| f.outcome == FoldOutcome::Completed && f.validation.is_some())
        .collect();
    info.config
        .metrics
        .iter()
        .filter(|m| m.primary().is_none())
        .filter_map(|m| {
            let values = scored.iter().filter_map(|f| f.metrics.get(&format!("val_{m}")).copied());
            let (mean, std) = crate::stats::mean_and_std(values)?;
            Some(format!("{m}: {} (+/- {})", measure_text(mean), measure_text(std)))
        })
        .collect()
}

/// A float32 value to full precision: the shortest text that reads back as the same
/// `f32` (so a confident model's 4e-26 is not printed as 0.0000), in exponent form when
/// very small or large.
pub fn full_precision(value: f32) -> String {
    let magnitude = value.abs();
    if value == 0.0 || (1e-4..1e16).contains(&magnitude) || !value.is_finite() {
        format!("{}", value + 0.0)
    } else {
        format!("{value:e}")
    }
}

/// A warning as one stderr line.
pub fn warning_line(warning: &Warning) -> String {
    match &warning.hint {
        Some(hint) => format!("nntui: warning: {}; {hint}", warning.message),
        None => format!("nntui: warning: {}", warning.message),
    }
}

/// How a run ended, for the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Every fold trained.
    Finished,
    /// A fold diverged (its results are left out).
    Diverged,
    /// Stopped before the end.
    Stopped,
}

impl Ending {
    /// Classifies a finished run.
    pub fn of(summary: &RunSummary) -> Ending {
        if summary.stopped {
            Ending::Stopped
        } else if summary.folds.iter().any(|f| matches!(f.outcome, FoldOutcome::Diverged { .. })) {
            Ending::Diverged
        } else {
            Ending::Finished
        }
    }
}

/// Writes every event as one JSON object per line.
pub struct JsonLines<W: Write> {
    out: W,
}

impl<W: Write> JsonLines<W> {
    /// A writer onto `out`.
    pub fn new(out: W) -> Self {
        JsonLines { out }
    }

    /// Writes one event.
    pub fn write(&mut self, event: &Event) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, event)?;
        self.out.write_all(b"\n")
    }

    /// Flushes what is buffered.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// The text printer: epoch lines and warnings on `err`, results on `out`, fold results
/// in fold order whatever order parallel folds finish in.
pub struct TextPrinter<O: Write, E: Write> {
    out: O,
    err: E,
    quiet: bool,
    info: Option<RunInfo>,
    show_learning_rate: bool,
    pending: BTreeMap<usize, FoldReport>,
    next_fold: usize,
    /// Folds trained at once: each fold's epoch and policy lines, held until the fold
    /// ends and the folds before it are written, so that the lines come out the same on
    /// every run (each fold's together, in fold order).
    held: BTreeMap<usize, String>,
    /// Folds that ended, whose held lines wait for an earlier fold.
    ended: std::collections::BTreeSet<usize>,
    /// The next fold whose held lines are written.
    next_held: usize,
    /// Keras's progress bar (`--verbose 1`) instead of a line per epoch, where folds
    /// train one at a time.
    progress: Option<Progressing>,
}

impl<O: Write, E: Write> TextPrinter<O, E> {
    /// A printer; `quiet` drops the summary table and epoch lines.
    pub fn new(out: O, err: E, quiet: bool) -> Self {
        TextPrinter {
            out,
            err,
            quiet,
            info: None,
            show_learning_rate: false,
            pending: BTreeMap::new(),
            next_fold: 0,
            held: BTreeMap::new(),
            ended: std::collections::BTreeSet::new(),
            next_held: 0,
            progress: None,
        }
    }

    /// The printer drawing Keras's progress bar within epochs (`--verbose 1`, on a
    /// terminal), with colour or without (`NO_COLOR`).
    #[must_use]
    pub fn with_progress_bar(mut self, colour: bool, columns: Option<usize>) -> Self {
        self.progress = Some(Progressing { colour, columns, ..Progressing::default() });
        self
    }

    /// Writes the bar (or an epoch's last one, `end`) over the one before, after the
    /// epoch's heading when it is the first of its epoch.
    fn draw_bar(&mut self, (fold, epoch): (usize, usize), (text, width): (String, usize), end: bool) {
        let (Some(info), Some(progress)) = (self.info.as_ref(), self.progress.as_mut()) else { return };
        let mut out = String::new();
        if progress.current != Some((fold, epoch)) {
            out.push_str(&epoch_heading(info, fold, epoch));
            out.push('\n');
            progress.width = 0;
        }
        out.push('\r');
        out.push_str(&text);
        out.push_str(&" ".repeat(progress.width.saturating_sub(width)));
        if end {
            out.push('\n');
            progress.current = None;
            progress.width = 0;
        } else {
            progress.current = Some((fold, epoch));
            progress.width = width;
        }
        let _ = self.err.write_all(out.as_bytes());
        let _ = self.err.flush();
    }

    /// Whether folds run at once, so that their lines are held (see `held`).
    fn holds(&self) -> bool {
        self.info.as_ref().is_some_and(|i| i.folds > 1 && i.threads > 1)
    }

    /// A fold's stderr text: held while folds run at once, written at once otherwise.
    fn fold_text(&mut self, fold: usize, text: &str) {
        // A fold whose lines were written already (nothing should come after its end)
        // writes at once.
        if self.holds() && fold >= self.next_held {
            self.held.entry(fold).or_default().push_str(text);
        } else {
            let _ = self.err.write_all(text.as_bytes());
        }
    }

    /// Writes the held lines of the ended folds that are next in order (all of them at
    /// the run's end, when a stop may have left folds unended).
    fn write_held(&mut self, all: bool) {
        while self.ended.contains(&self.next_held) {
            if let Some(text) = self.held.remove(&self.next_held) {
                let _ = self.err.write_all(text.as_bytes());
            }
            self.next_held += 1;
        }
        if all {
            for (fold, text) in std::mem::take(&mut self.held) {
                let _ = self.err.write_all(text.as_bytes());
                self.next_held = self.next_held.max(fold + 1);
            }
        }
    }

    /// Handles one event. Errors come from `out` only (a closed stderr is ignored).
    pub fn handle(&mut self, event: &Event) -> io::Result<()> {
        match event {
            Event::RunStarted(info) => {
                self.show_learning_rate =
                    info.config.decay.is_some() || info.config.policies.reduce_lr_on_plateau.is_some();
                if !self.quiet {
                    let _ = writeln!(self.err, "{}", info.model);
                    let data = &info.dataset;
                    let plan = match (info.folds > 1, info.config.window) {
                        (true, Some(_)) => format!(
                            "{}-fold time-ordered cross-validation (TimeSeriesSplit: each fold trains on the windows before its block) on {} threads",
                            info.folds, info.threads
                        ),
                        (true, None) => {
                            format!("{}-fold cross-validation on {} threads", info.folds, info.threads)
                        }
                        (false, Some(w)) if info.config.validation_split.is_some() => format!(
                            "a single fit, validated on the last windows (the {} windows before them left out, so that none crosses the cut)",
                            w.span()
                        ),
                        (false, _) => "a single fit".to_string(),
                    };
                    let _ = writeln!(
                        self.err,
                        "{}: {}, {} task; {plan}, {} epoch{} of batch {}",
                        data.source,
                        data.shape(),
                        data.task,
                        info.config.epochs,
                        if info.config.epochs == 1 { "" } else { "s" },
                        info.batch_size
                    );
                }
                for warning in &info.warnings {
                    let _ = writeln!(self.err, "nntui: warning: {warning}");
                }
                self.info = Some(info.as_ref().clone());
            }
            Event::Progress(p) => {
                if let (Some(info), Some(progress)) = (self.info.as_ref(), self.progress)
                    && !self.quiet
                    && !self.holds()
                {
                    let per = p.seconds / p.step.max(1) as f64;
                    let timing = format!("{} {}", eta_text(per * (p.steps - p.step) as f64), per_step(per));
                    let name = info.metric.name();
                    let mut values =
                        format!(" - loss: {} - {name}: {}", keras_number(p.loss), keras_number(p.metric));
                    if let Some(columns) = progress.columns {
                        let (_, without) = bar_line(p.step, p.steps, &timing, "", false);
                        values.truncate(columns.saturating_sub(without + 1));
                    }
                    let bar = bar_line(p.step, p.steps, &timing, &values, progress.colour);
                    self.draw_bar((p.fold, p.epoch), bar, false);
                }
            }
            Event::EpochEnded(epoch) => {
                if let Some(info) = self.info.as_ref().filter(|_| !self.quiet) {
                    if let Some(progress) = self.progress.filter(|_| !self.holds()) {
                        let timing = format!(
                            "{:.0}s {}",
                            epoch.epoch_seconds,
                            per_step(epoch.epoch_seconds / epoch.steps.max(1) as f64)
                        );
                        let values = epoch_values(info, epoch, self.show_learning_rate);
                        let bar = bar_line(epoch.steps, epoch.steps, &timing, &values, progress.colour);
                        self.draw_bar((epoch.fold, epoch.epoch), bar, true);
                    } else {
                        let text = epoch_lines(info, epoch, self.show_learning_rate);
                        self.fold_text(epoch.fold, &text);
                    }
                }
            }
            Event::Ack(ack) => {
                // A live change makes the learning rate worth showing from now on.
                if matches!(
                    ack.control,
                    crate::train::Control::SetLearningRate(_) | crate::train::Control::ScaleLearningRate(_)
                ) {
                    self.show_learning_rate = true;
                }
            }
            Event::Warning(warning) => {
                let _ = writeln!(self.err, "{}", warning_line(warning));
            }
            Event::FoldEnded(fold) => {
                self.ended.insert(fold.fold);
                self.write_held(false);
                if self.info.as_ref().is_some_and(|i| i.folds > 1) {
                    self.pending.insert(fold.fold, fold.clone());
                    self.print_ready_folds()?;
                }
            }
            Event::RunEnded(summary) => {
                self.write_held(true);
                let Some(info) = self.info.clone() else {
                    return Ok(());
                };
                if info.folds > 1 {
                    // Folds that never ended (a stop) no longer hold up the ones after them.
                    self.next_fold = info.folds;
                    for fold in std::mem::take(&mut self.pending).into_values() {
                        if let Some(line) = fold_line(&info, &fold) {
                            writeln!(self.out, "{line}")?;
                        }
                    }
                    if let Some(line) = mean_line(&info, summary) {
                        writeln!(self.out, "{line}")?;
                    }
                    for line in further_mean_lines(&info, summary) {
                        writeln!(self.out, "{line}")?;
                    }
                    for line in test_lines(&info, summary) {
                        writeln!(self.out, "{line}")?;
                    }
                } else {
                    for line in result_lines(&info, summary) {
                        writeln!(self.out, "{line}")?;
                    }
                }
                if summary.stopped {
                    let _ = writeln!(
                        self.err,
                        "nntui: stopped before the end; results above cover what finished"
                    );
                }
            }
            Event::Callback(policy) => {
                if let Some(info) = &self.info {
                    match &policy.action {
                        CallbackAction::WriteFailed { message } => {
                            let _ = writeln!(self.err, "nntui: warning: {message}");
                        }
                        _ if self.quiet => {}
                        action => {
                            let line = format!("{}\n", policy_line(info, policy.fold, policy.epoch, action));
                            self.fold_text(policy.fold, &line);
                        }
                    }
                }
            }
            Event::FoldStarted(_) | Event::Weights(_) | Event::Learned(_) => {}
        }
        Ok(())
    }

    fn print_ready_folds(&mut self) -> io::Result<()> {
        let Some(info) = &self.info else {
            return Ok(());
        };
        while let Some(fold) = self.pending.remove(&self.next_fold) {
            if let Some(line) = fold_line(info, &fold) {
                writeln!(self.out, "{line}")?;
            }
            self.next_fold += 1;
        }
        Ok(())
    }

    /// Flushes both streams.
    pub fn flush(&mut self) -> io::Result<()> {
        let _ = self.err.flush();
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_style_numbers_and_times() {
        assert_eq!(keras_number(0.476_62), "0.4766");
        assert_eq!(keras_number(0.000_123_4), "1.2340e-4");
        assert_eq!(keras_number(0.0), "0.0000");
        assert_eq!(per_step(0.0012), "1ms/step");
        assert_eq!(per_step(0.000_25), "250us/step");
        assert_eq!(per_step(2.0), "2s/step");
        assert_eq!(metric_text(Metric::Accuracy, 0.760_52), "76.05%");
        assert_eq!(metric_text(Metric::Mae, 0.123_456), "0.1235");
    }
}
