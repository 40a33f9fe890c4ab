//! The table of runs `nntui view --no-tui` prints: each run's state, its final values
//! (the mean over its folds of each fold's last value), its best validation loss, and
//! the settings that differ between the runs shown.

use super::read::Run;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One row of the table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// Always `"run"` (JSON Lines with a type on every line).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The run's name.
    pub name: String,
    /// `running`, `done`, `stopped`, `diverged` ([`state`]), or a trial's state.
    pub state: &'static str,
    /// Folds with at least one epoch.
    pub folds: usize,
    /// The most epochs any fold reached.
    pub epochs: usize,
    /// The mean over folds of each fold's last value, by name (NaN, `null` in JSON,
    /// where a last value is not finite: a diverged loss).
    pub last: BTreeMap<String, f64>,
    /// Where a last value is not finite: the mean of each fold's last finite value.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub last_finite: BTreeMap<String, f64>,
    /// The spread over folds of final values, where known (a study trial's objective).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub spread: BTreeMap<String, f64>,
    /// The lowest validation loss of any fold, and its epoch.
    pub best_val_loss: Option<(f64, usize)>,
    /// Settings whose values differ between the runs shown.
    pub differs: BTreeMap<String, String>,
    /// Hyperparameters given by name (TensorBoard's HParams plugin, a trial's searched
    /// values), all of them.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub hparams: BTreeMap<String, String>,
    /// Lines of the file that could not be read.
    pub skipped: usize,
    /// What reading left out or noticed (a CSV log's per-step columns).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// A TensorBoard run's histogram tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub histogram_tags: Vec<String>,
    /// A TensorBoard run's summaries of kinds not read (images, text, graphs, ...), by kind.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub skipped_summaries: BTreeMap<String, usize>,
    /// A TensorBoard run's records whose checksums failed (apart from `skipped`'s
    /// records that were not events).
    #[serde(skip_serializing_if = "is_zero")]
    pub damaged_records: usize,
    /// Bytes at the end of a TensorBoard run's files waiting for the rest of a record.
    #[serde(skip_serializing_if = "is_zero")]
    pub pending_bytes: usize,
}

#[allow(clippy::trivially_copy_pass_by_ref, reason = "serde's skip_serializing_if passes a reference")]
fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Settings flattened to `key = value`, with short names for the common ones; the ones
/// that say nothing about the model (pace, threads) are left out.
pub fn settings(run: &Run) -> &BTreeMap<String, String> {
    if run.config.is_some() { &run.settings } else { &run.params }
}

/// A run configuration's settings, flattened as [`settings`] shows them (worked out once,
/// when a run's start is read).
pub fn settings_of(config: &crate::train::RunConfig) -> BTreeMap<String, String> {
    let mut flat = BTreeMap::new();
    let Ok(value) = serde_json::to_value(config) else {
        return flat;
    };
    flatten("", &value, &mut flat);
    let short = |key: String| -> String {
        match key.as_str() {
            "optimizer.learning_rate" => "lr".into(),
            "optimizer.kind" => "optimizer".into(),
            "optimizer.momentum" => "momentum".into(),
            "regularizer.l1" => "l1".into(),
            "regularizer.l2" => "l2".into(),
            _ => key,
        }
    };
    flat.into_iter()
        .filter(|(key, _)| {
            !["pace", "threads", "demo"].iter().any(|skip| {
                key.strip_prefix(skip).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            })
        })
        .map(|(key, value)| (short(key), value))
        .collect()
}

fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let name = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten(&name, child, out);
            }
        }
        Value::Array(items) if items.iter().all(serde_json::Value::is_object) && !items.is_empty() => {
            // Layers: `12:relu,8:relu`, as --layers spells them.
            let text: Vec<String> = items
                .iter()
                .map(|i| match (i.get("units"), i.get("activation")) {
                    (Some(u), Some(Value::String(a))) => format!("{u}:{a}"),
                    _ => i.to_string(),
                })
                .collect();
            out.insert(prefix.to_string(), text.join(","));
        }
        Value::String(text) => {
            out.insert(prefix.to_string(), text.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

/// A run whose files changed this recently is taken to be running.
pub const RUNNING_WITHIN: std::time::Duration = std::time::Duration::from_secs(30);

/// What a run's files say of it: `running` (they grew recently), `done` (nntui recorded
/// the end; or a log that records none, no longer growing), `stopped` (nntui's run
/// stopped by hand, or killed: its files stopped growing without an end), `diverged`
/// (its last loss is not finite), or a study trial's own state.
pub fn state(run: &Run) -> &'static str {
    if let Some(state) = run.trial_state {
        return state;
    }
    let diverged = run.summary.as_ref().is_some_and(|s| {
        s.folds.iter().any(|f| matches!(f.outcome, crate::train::FoldOutcome::Diverged { .. }))
    }) || run.diverged;
    let recent = run
        .modified
        .and_then(|m| std::time::SystemTime::now().duration_since(m).ok())
        .is_some_and(|age| age < RUNNING_WITHIN);
    match &run.summary {
        _ if diverged => "diverged",
        Some(summary) if summary.stopped => "stopped",
        Some(_) => "done",
        None if recent => "running",
        // nntui records an end; without one its run was killed.
        None if run.own => "stopped",
        // Keras-callback lines, CSV logs and TensorBoard files record no end: as far as
        // they were written.
        None => "done",
    }
}

/// The settings whose values are not the same in every run that has settings (a
/// setting some runs lack differs). Each run is walked beside the first in key order,
/// once: for 10,000 runs a lookup of every key in every run took a fifth of the table.
fn differing<'a>(all: &[&'a BTreeMap<String, String>]) -> Vec<&'a String> {
    let mut settings = all.iter().filter(|s| !s.is_empty());
    let Some(first) = settings.next() else { return Vec::new() };
    let mut differ: std::collections::BTreeSet<&String> = std::collections::BTreeSet::new();
    for other in settings {
        let (mut a, mut b) = (first.iter().peekable(), other.iter().peekable());
        loop {
            match (a.peek(), b.peek()) {
                (None, None) => break,
                (Some((key, _)), None) => {
                    differ.insert(key);
                    a.next();
                }
                (None, Some((key, _))) => {
                    differ.insert(key);
                    b.next();
                }
                (Some((ka, va)), Some((kb, vb))) => match ka.cmp(kb) {
                    std::cmp::Ordering::Less => {
                        differ.insert(ka);
                        a.next();
                    }
                    std::cmp::Ordering::Greater => {
                        differ.insert(kb);
                        b.next();
                    }
                    std::cmp::Ordering::Equal => {
                        if va != vb {
                            differ.insert(ka);
                        }
                        a.next();
                        b.next();
                    }
                },
            }
        }
    }
    differ.into_iter().collect()
}

/// The rows for `runs`, in their order.
pub fn rows<'a>(runs: impl IntoIterator<Item = &'a Run>) -> Vec<Row> {
    let runs: Vec<&Run> = runs.into_iter().collect();
    let all: Vec<&BTreeMap<String, String>> = runs.iter().map(|run| settings(run)).collect();
    let differing = differing(&all);
    let pairs: Vec<(&Run, &BTreeMap<String, String>)> =
        runs.iter().copied().zip(all.iter().copied()).collect();
    super::par_map(&pairs, |&(run, settings)| {
        let mut sums: BTreeMap<String, (f64, usize)> = BTreeMap::new();
        let mut finite_sums: BTreeMap<String, (f64, usize)> = BTreeMap::new();
        let names = run.names();
        for fold in run.folds.values() {
            for name in &names {
                let Some(series) = fold.get(name) else { continue };
                if let Some(value) = series.latest() {
                    let entry = sums.entry(name.clone()).or_insert((0.0, 0));
                    entry.0 += value;
                    entry.1 += 1;
                }
                if let Some(value) = series.latest_finite() {
                    let entry = finite_sums.entry(name.clone()).or_insert((0.0, 0));
                    entry.0 += value;
                    entry.1 += 1;
                }
            }
        }
        let mean = |(sum, n): (f64, usize)| sum / n as f64;
        let mut last: BTreeMap<String, f64> = sums.into_iter().map(|(name, s)| (name, mean(s))).collect();
        // An Optuna trial's objective values, which need not be its last intermediate values.
        last.extend(run.finals.iter().map(|(name, &value)| (name.clone(), value)));
        let last_finite = finite_sums
            .into_iter()
            .filter(|(name, _)| last.get(name).is_some_and(|v| !v.is_finite()))
            .map(|(name, s)| (name, mean(s)))
            .collect();
        // `val_loss`, or another validation loss (Keras's TensorBoard `val_epoch_loss`).
        let val_loss = if names.iter().any(|n| n == "val_loss") {
            "val_loss"
        } else {
            names
                .iter()
                .find(|n| n.starts_with("val_") && n.ends_with("loss"))
                .map_or("val_loss", String::as_str)
        };
        #[allow(clippy::cast_possible_truncation, reason = "epochs are whole and small")]
        let best_val_loss = run
            .folds
            .values()
            .filter_map(|f| f.best(val_loss, Some(false)))
            .map(|(value, epoch)| (value, epoch.max(0.0) as usize))
            .reduce(|a, b| if b.0 < a.0 { b } else { a });
        Row {
            kind: "run",
            name: run.name.clone(),
            state: state(run),
            folds: run.trial_folds.unwrap_or_else(|| run.folds.values().filter(|f| !f.is_empty()).count()),
            epochs: run.counted_epochs.unwrap_or_else(|| run.epochs()),
            last,
            last_finite,
            spread: run.spread.clone(),
            best_val_loss,
            differs: differing
                .iter()
                .filter_map(|key| settings.get(*key).map(|v| ((*key).clone(), v.clone())))
                .collect(),
            hparams: run.params.clone(),
            skipped: run.skipped,
            notes: run.notes.clone(),
            histogram_tags: run
                .tensorboard
                .as_ref()
                .map(|t| t.histograms.keys().cloned().collect())
                .unwrap_or_default(),
            skipped_summaries: run.tensorboard.as_ref().map(|t| t.skipped.clone()).unwrap_or_default(),
            damaged_records: run.tensorboard.as_ref().map_or(0, |t| t.bad_records),
            pending_bytes: run.tensorboard.as_ref().map_or(0, |t| t.pending),
        }
    })
}

impl Row {
    /// A value column's cell: `0.9475`, with `+/-0.0124` when its spread is known, or `-`.
    pub fn value_text(&self, name: &str) -> String {
        match (self.last.get(name), self.spread.get(name)) {
            (Some(v), _) if !v.is_finite() => match self.last_finite.get(name) {
                Some(finite) => format!("{v} ({finite:.4})"),
                None => format!("{v}"),
            },
            (Some(v), Some(s)) => format!("{v:.4} +/-{s:.4}"),
            (Some(v), None) => format!("{v:.4}"),
            _ => "-".into(),
        }
    }
}

/// The value columns: `loss` and `val_loss` first, then the rest by how many runs have
/// them, each beside its `val_` twin (`auc`, `val_auc`), at most `limit` in all.
fn columns(rows: &[Row], limit: usize) -> Vec<String> {
    let mut counts: BTreeMap<&String, usize> = BTreeMap::new();
    for row in rows {
        for name in row.last.keys().filter(|n| *n != "learning_rate") {
            *counts.entry(name).or_default() += 1;
        }
    }
    let rank = |name: &str| match name {
        "loss" => 0,
        "val_loss" => 1,
        _ => 2,
    };
    // A twin is ranked by its training name's count, and follows it.
    let base = |name: &str| -> String { name.strip_prefix("val_").unwrap_or(name).to_string() };
    let count_of =
        |name: &str| counts.get(&base(name)).or_else(|| counts.get(&name.to_string())).copied().unwrap_or(0);
    let mut names: Vec<&String> = counts.keys().copied().collect();
    names.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then(count_of(b).cmp(&count_of(a)))
            .then(base(a).cmp(&base(b)))
            .then(a.starts_with("val_").cmp(&b.starts_with("val_")))
    });
    names.into_iter().take(limit).cloned().collect()
}

/// The table as text, one run a line under a header.
pub fn text(rows: &[Row]) -> String {
    let columns = columns(rows, 8);
    let mut header: Vec<String> = ["run", "state", "folds", "epochs"].map(String::from).to_vec();
    header.extend(columns.iter().cloned());
    header.push("best val_loss".into());
    header.push("differs".into());
    let mut table: Vec<Vec<String>> = vec![header];
    for row in rows {
        let mut cells =
            vec![row.name.clone(), row.state.to_string(), row.folds.to_string(), row.epochs.to_string()];
        cells.extend(columns.iter().map(|c| row.value_text(c)));
        cells.push(row.best_val_loss.map_or("-".into(), |(v, e)| format!("{v:.4} @{e}")));
        cells.push(row.differs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "));
        table.push(cells);
    }
    let widths: Vec<usize> =
        (0..table[0].len()).map(|c| table.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for cells in &table {
        let mut line = String::new();
        for (c, cell) in cells.iter().enumerate() {
            // Names and text to the left, numbers to the right.
            let left = c < 2 || c == cells.len() - 1;
            let _ = if left {
                write!(line, "{cell:<w$}  ", w = widths[c])
            } else {
                write!(line, "{cell:>w$}  ", w = widths[c])
            };
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let skipped: usize = rows.iter().map(|r| r.skipped).sum();
    if skipped > 0 {
        let _ = writeln!(out, "({skipped} unreadable line{} skipped)", if skipped == 1 { "" } else { "s" });
    }
    for row in rows {
        for note in &row.notes {
            let _ = writeln!(out, "{}: {note}", row.name);
        }
    }
    out
}

/// One TensorBoard tag of one run, for `nntui view --no-tui`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TagRow {
    /// Always `"tag"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The run's name.
    pub run: String,
    /// The tag (`val_` for Keras's validation folder).
    pub tag: String,
    /// Values written.
    pub points: u64,
    /// The last value and its step.
    pub last: Option<(f64, i64)>,
    /// The best value (lowest for loss-like tags, highest for accuracies and the like,
    /// none for learning rates and counters) and its step.
    pub best: Option<(f64, i64)>,
    /// Its steps are Keras's epochs from 0 (`epoch_loss`): shown from 1, as Keras's
    /// messages number them.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub epochs: bool,
}

/// Whether a name is loss-like (lower is better), by the one rule ([`crate::series`]).
pub fn loss_like(name: &str) -> bool {
    crate::series::direction(name) == Some(crate::series::Direction::Lower)
}

/// The tags of the TensorBoard runs among `runs`, run by run, in tag order.
pub fn tag_rows<'a>(runs: impl IntoIterator<Item = &'a Run>) -> Vec<TagRow> {
    let mut rows = Vec::new();
    for run in runs {
        if run.tensorboard.is_none() {
            continue;
        }
        let fold = run.folds.get(&0).into_iter().flat_map(|f| f.series.iter());
        let mut tags: Vec<(&String, &crate::series::Series)> = fold.chain(run.steps.series.iter()).collect();
        tags.sort_by_key(|(tag, _)| *tag);
        #[allow(clippy::cast_possible_truncation, reason = "steps are whole numbers")]
        let at = |p: crate::series::Point| (p.value, p.step as i64);
        for (tag, scalars) in tags {
            rows.push(TagRow {
                kind: "tag",
                run: run.name.clone(),
                tag: tag.clone(),
                points: scalars.count,
                last: scalars.last.map(at),
                // The one rule: no best for a learning rate or a counter.
                best: scalars.best(tag).map(at),
                epochs: run.keras_epochs && super::read::is_epoch_tag(tag),
            });
        }
    }
    rows
}

/// The tags as a text table, with a note per run of what was skipped or damaged.
pub fn tag_text(rows: &[TagRow]) -> String {
    let run_width = rows.iter().map(|r| r.run.chars().count()).max().unwrap_or(3).max(3);
    let tag_width = rows.iter().map(|r| r.tag.chars().count()).max().unwrap_or(3).max(3);
    let mut out = format!(
        "{:<run_width$}  {:<tag_width$}  {:>7}  {:>22}  {:>22}\n",
        "run", "tag", "points", "last (step|epoch)", "best (step|epoch)"
    );
    for row in rows {
        let value = |v: Option<(f64, i64)>| {
            v.map_or("-".to_string(), |(x, step)| {
                if row.epochs {
                    format!("{} (epoch {step})", short_value(x))
                } else {
                    format!("{} ({step})", short_value(x))
                }
            })
        };
        let _ = writeln!(
            out,
            "{:<run_width$}  {:<tag_width$}  {:>7}  {:>22}  {:>22}",
            row.run,
            row.tag,
            row.points,
            value(row.last),
            value(row.best)
        );
    }
    out
}

/// A value with the digits a float32 holds (`0.6931472`, `1.25e-5`).
fn short_value(value: f64) -> String {
    #[allow(clippy::cast_possible_truncation, reason = "TensorBoard scalars are float32 values")]
    let single = value as f32;
    if f64::from(single) == value { format!("{single}") } else { format!("{value}") }
}

/// A line per TensorBoard run with histograms, summaries skipped, or damage: what the
/// tag table does not show.
pub fn tensorboard_notes<'a>(runs: impl IntoIterator<Item = &'a Run>) -> Vec<String> {
    let mut notes = Vec::new();
    for run in runs {
        let Some(tensorboard) = &run.tensorboard else { continue };
        let mut parts = Vec::new();
        if !run.params.is_empty() {
            let values: Vec<String> = run.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            parts.push(format!("hparams {}", values.join(" ")));
        }
        if !tensorboard.histograms.is_empty() {
            let n = tensorboard.histograms.len();
            parts.push(format!("{n} histogram tag{}", if n == 1 { "" } else { "s" }));
        }
        if !tensorboard.skipped.is_empty() {
            let kinds: Vec<String> =
                tensorboard.skipped.iter().map(|(kind, n)| format!("{kind} ({n})")).collect();
            parts.push(format!("skipped {}", kinds.join(", ")));
        }
        if tensorboard.bad_records > 0 {
            let n = tensorboard.bad_records;
            parts.push(format!("{n} damaged record{} skipped", if n == 1 { "" } else { "s" }));
        }
        if tensorboard.pending > 0 {
            parts.push(format!("{} bytes of a record still being written", tensorboard.pending));
        }
        if !parts.is_empty() {
            notes.push(format!("{}: {}", run.name, parts.join("; ")));
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect()
    }

    #[test]
    fn settings_differ_where_a_value_changes_or_a_run_lacks_the_key() {
        let a = map(&[("epochs", "100"), ("lr", "0.001"), ("seed", "1")]);
        let b = map(&[("epochs", "100"), ("lr", "0.002"), ("seed", "1")]);
        let c = map(&[("epochs", "100"), ("lr", "0.001"), ("seed", "1"), ("l2", "0.01")]);
        let d = map(&[("epochs", "100"), ("seed", "1")]);
        let none = BTreeMap::new();
        let names = |all: &[&BTreeMap<String, String>]| -> Vec<String> {
            differing(all).into_iter().cloned().collect()
        };
        assert!(names(&[&a, &a, &none]).is_empty(), "runs without settings are left out");
        assert_eq!(names(&[&none, &a, &b]), ["lr"]);
        assert_eq!(names(&[&a, &c]), ["l2"], "a key the first run lacks");
        assert_eq!(names(&[&a, &d]), ["lr"], "a key a later run lacks");
        assert_eq!(names(&[&d, &b, &c]), ["l2", "lr"]);
        assert!(names(&[]).is_empty());
    }

    #[test]
    fn parallel_rows_keep_the_runs_order() {
        let doubled = crate::runs::par_map(&(0..1000).collect::<Vec<i32>>(), |i| i * 2);
        assert_eq!(doubled, (0..1000).map(|i| i * 2).collect::<Vec<_>>());
    }
}
