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
    /// `done`, `stopped`, or `incomplete` (no end recorded: still running, or cut off).
    pub state: &'static str,
    /// Folds with at least one epoch.
    pub folds: usize,
    /// The most epochs any fold reached.
    pub epochs: usize,
    /// The mean over folds of each fold's last value, by name.
    pub last: BTreeMap<String, f64>,
    /// The lowest validation loss of any fold, and its epoch.
    pub best_val_loss: Option<(f64, usize)>,
    /// Settings whose values differ between the runs shown.
    pub differs: BTreeMap<String, String>,
    /// Lines of the file that could not be read.
    pub skipped: usize,
}

/// Settings flattened to `key = value`, with short names for the common ones; the ones
/// that say nothing about the model (pace, threads) are left out.
fn settings(run: &Run) -> BTreeMap<String, String> {
    let mut flat = BTreeMap::new();
    let Some(config) = &run.config else {
        return flat;
    };
    let Ok(value) = serde_json::to_value(config) else {
        return flat;
    };
    flatten("", &value, &mut flat);
    let short = |key: &str| -> String {
        match key {
            "optimizer.learning_rate" => "lr".into(),
            "optimizer.kind" => "optimizer".into(),
            "optimizer.momentum" => "momentum".into(),
            "regularizer.l1" => "l1".into(),
            "regularizer.l2" => "l2".into(),
            other => other.into(),
        }
    };
    flat.into_iter()
        .filter(|(key, _)| {
            !["pace", "threads", "demo"]
                .iter()
                .any(|skip| key == skip || key.starts_with(&format!("{skip}.")))
        })
        .map(|(key, value)| (short(&key), value))
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
        Value::Array(items) if items.iter().all(|i| i.is_object()) && !items.is_empty() => {
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

/// The rows for `runs`, in their order.
pub fn rows<'a>(runs: impl IntoIterator<Item = &'a Run>) -> Vec<Row> {
    let runs: Vec<&Run> = runs.into_iter().collect();
    let all: Vec<BTreeMap<String, String>> = runs.iter().map(|run| settings(run)).collect();
    let keys: std::collections::BTreeSet<&String> = all.iter().flat_map(BTreeMap::keys).collect();
    let differing: Vec<&String> = keys
        .into_iter()
        .filter(|key| {
            let mut values = all.iter().filter(|s| !s.is_empty()).map(|s| s.get(*key));
            let first = values.next();
            values.any(|v| Some(v) != first)
        })
        .collect();
    runs.iter()
        .zip(&all)
        .map(|(run, settings)| {
            let mut sums: BTreeMap<String, (f64, usize)> = BTreeMap::new();
            let names = run.names();
            for fold in run.folds.values() {
                for name in &names {
                    if let Some(value) = fold.last(name) {
                        let entry = sums.entry(name.clone()).or_insert((0.0, 0));
                        entry.0 += value;
                        entry.1 += 1;
                    }
                }
            }
            let best_val_loss = run
                .folds
                .values()
                .filter_map(|f| f.best("val_loss", false))
                .reduce(|a, b| if b.0 < a.0 { b } else { a });
            Row {
                kind: "run",
                name: run.name.clone(),
                state: match &run.summary {
                    Some(summary) if summary.stopped => "stopped",
                    Some(_) => "done",
                    None => "incomplete",
                },
                folds: run.folds.values().filter(|f| !f.epochs.is_empty()).count(),
                epochs: run
                    .folds
                    .values()
                    .filter_map(|f| f.epochs.iter().map(|(e, _)| *e).max())
                    .max()
                    .unwrap_or(0),
                last: sums.into_iter().map(|(name, (sum, n))| (name, sum / n as f64)).collect(),
                best_val_loss,
                differs: differing
                    .iter()
                    .filter_map(|key| settings.get(*key).map(|v| ((*key).clone(), v.clone())))
                    .collect(),
                skipped: run.skipped,
            }
        })
        .collect()
}

/// The value columns: `loss` and `val_loss` first, then the rest by how many runs have
/// them, at most `limit` in all.
fn columns(rows: &[Row], limit: usize) -> Vec<String> {
    let mut counts: BTreeMap<&String, usize> = BTreeMap::new();
    for row in rows {
        for name in row.last.keys().filter(|n| *n != "learning_rate") {
            *counts.entry(name).or_default() += 1;
        }
    }
    let mut names: Vec<(&String, usize)> = counts.into_iter().collect();
    let rank = |name: &str| match name {
        "loss" => 0,
        "val_loss" => 1,
        _ => 2,
    };
    names.sort_by(|a, b| rank(a.0).cmp(&rank(b.0)).then(b.1.cmp(&a.1)).then(a.0.cmp(b.0)));
    names.into_iter().take(limit).map(|(n, _)| n.clone()).collect()
}

/// The table as text, one run a line under a header.
pub fn text(rows: &[Row]) -> String {
    let columns = columns(rows, 6);
    let mut header: Vec<String> = ["run", "state", "folds", "epochs"].map(String::from).to_vec();
    header.extend(columns.iter().cloned());
    header.push("best val_loss".into());
    header.push("differs".into());
    let mut table: Vec<Vec<String>> = vec![header];
    for row in rows {
        let mut cells =
            vec![row.name.clone(), row.state.to_string(), row.folds.to_string(), row.epochs.to_string()];
        cells.extend(columns.iter().map(|c| row.last.get(c).map_or("-".into(), |v| format!("{v:.4}"))));
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
    out
}
