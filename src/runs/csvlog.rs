//! CSV training logs: Keras's `CSVLogger` (`epoch,accuracy,loss,val_accuracy,val_loss`,
//! epochs from 0, `NA` for a value an epoch lacks; nntui's own `--csv-log` writes the
//! same) and PyTorch Lightning's `CSVLogger` `metrics.csv` (`epoch` and `step` columns,
//! each row holding the values logged at one step, the others blank). A CSV without an
//! epoch or step column is a data file, not a log, and is refused.

use super::read::Run;

/// Whether a CSV header row names a training log's index column.
pub fn is_log_header(line: &str) -> bool {
    header_cells(line).iter().any(|c| c == "epoch" || c == "step")
}

fn header_cells(line: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
    reader
        .records()
        .next()
        .and_then(Result::ok)
        .map(|r| r.iter().map(|c| c.trim().trim_start_matches('\u{feff}').to_string()).collect())
        .unwrap_or_default()
}

/// Parses the complete lines of a CSV log as one run named `name`.
///
/// # Errors
/// The file is not a training log (no `epoch` or `step` column).
pub fn parse(text: &str, name: &str) -> Result<Run, String> {
    let complete = match text.rfind('\n') {
        Some(end) => &text[..=end],
        None => "",
    };
    let mut run = Run { name: name.to_string(), partial: complete.len() < text.len(), ..Run::default() };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(complete.as_bytes());
    let mut records = reader.records();
    let Some(header) = records.next() else {
        // Not even a header yet: a writer that has just started.
        return Ok(run);
    };
    let header: Vec<String> = header
        .map_err(|e| format!("not a training log: {e}"))?
        .iter()
        .map(|c| c.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let epoch_column = header.iter().position(|c| c == "epoch");
    let step_column = header.iter().position(|c| c == "step");
    if epoch_column.is_none() && step_column.is_none() {
        return Err(format!(
            "not a training log: a CSV log has an epoch or step column (Keras's CSVLogger, Lightning's metrics.csv), and this one's columns are {}; to train on a data file: nntui FILE",
            header.iter().take(6).cloned().collect::<Vec<_>>().join(", ")
                + if header.len() > 6 { ", ..." } else { "" }
        ));
    }
    // The index of a row: its epoch (from 0 in both loggers, from 1 here) or, in a log
    // of steps alone, its step.
    let index_column = epoch_column.or(step_column).unwrap_or(0);
    let from_zero = usize::from(epoch_column.is_some());
    let loss_column = header.iter().position(|c| c == "loss" || c == "train_loss" || c == "train_loss_epoch");
    // Every value as (row index, column, value), flat: a few bytes a value, whatever the
    // columns; and whether a column was logged twice in one epoch.
    let mut values: Vec<(usize, usize, f64)> = Vec::new();
    let mut last_index: Vec<Option<usize>> = vec![None; header.len()];
    let mut stepwise = vec![false; header.len()];
    for record in records {
        let Ok(record) = record else {
            run.skipped += 1;
            continue;
        };
        let Some(index) = record.get(index_column).and_then(number).filter(|v| *v >= 0.0) else {
            // Lightning writes rows without an epoch rarely; anything else is damage.
            run.skipped += 1;
            continue;
        };
        #[allow(clippy::cast_possible_truncation, reason = "a whole, non-negative index")]
        let index = index as usize + from_zero;
        for (column, cell) in record.iter().enumerate().take(header.len()) {
            if Some(column) == epoch_column || Some(column) == step_column {
                continue;
            }
            let Some(value) = number(cell) else { continue };
            if Some(column) == loss_column {
                run.diverged = !value.is_finite();
            }
            // A column logged at most once per epoch is an epoch's value; one logged at
            // several steps of an epoch (Lightning's `on_step`) is per step, not an epoch's.
            if epoch_column.is_some() && last_index[column] == Some(index) {
                stepwise[column] = true;
            }
            last_index[column] = Some(index);
            values.push((index, column, value));
        }
    }
    let mut part = crate::series::Part::default();
    for (index, column, value) in values {
        // A non-finite value (a diverged loss) goes in as NaN: shown last, the last
        // finite value kept beside it.
        if !stepwise[column] {
            part.push_epoch(&header[column], index, value);
        }
    }
    if !part.is_empty() {
        run.folds.insert(0, part);
    }
    let skipped_steps: Vec<&str> =
        (0..header.len()).filter(|&c| stepwise[c]).map(|c| header[c].as_str()).collect();
    if !skipped_steps.is_empty() {
        run.notes.push(format!("per-step values not shown as epochs: {}", skipped_steps.join(", ")));
    }
    Ok(run)
}

/// A cell's number: blank and `NA` are none; `nan`, `inf` are numbers (not finite).
fn number(cell: &str) -> Option<f64> {
    let cell = cell.trim();
    if cell.is_empty() || cell.eq_ignore_ascii_case("na") {
        return None;
    }
    cell.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_csv_logger_files_are_epochs_from_one() {
        let text = "epoch,accuracy,loss,val_accuracy,val_loss\n0,0.5,0.7,0.55,0.69\n1,0.6,0.6,NA,0.65\n2,0.7,0.5,0.7,0.6\n";
        let run = parse(text, "keras").unwrap();
        let fold = &run.folds[&0];
        assert_eq!(fold.get("loss").unwrap().count, 3);
        assert_eq!(fold.get("loss").unwrap().first.unwrap().step, 1.0, "Keras's epoch 0 is the first");
        assert_eq!(fold.last("val_loss"), Some(0.6));
        assert_eq!(fold.best("val_accuracy", None), Some((0.7, 3.0)));
        assert_eq!(fold.get("val_accuracy").unwrap().points(), [(1.0, 0.55), (3.0, 0.7)], "NA is no value");
        assert!(!run.diverged);
        let nan = parse("epoch,loss\n0,0.5\n1,nan\n", "nan").unwrap();
        assert!(nan.diverged, "a last loss of NaN");
        assert_eq!(nan.folds[&0].last("loss"), Some(0.5), "the last finite value kept");
    }

    #[test]
    fn lightning_metrics_keep_epoch_values_and_leave_step_values_out() {
        let text = concat!(
            "epoch,step,train_loss_step,train_loss_epoch,val_loss,val_acc\n",
            "0,49,0.9,,,\n",
            "0,99,0.8,,,\n",
            "0,99,,,0.7,0.6\n",
            "0,99,,0.85,,\n",
            "1,149,0.6,,,\n",
            "1,199,0.5,,,\n",
            "1,199,,,0.5,0.8\n",
            "1,199,,0.55,,\n",
            "2,249,0.4",
        );
        let run = parse(text, "lightning").unwrap();
        let fold = &run.folds[&0];
        assert_eq!(fold.last_step(), Some(2.0), "the cut row waits");
        assert_eq!(fold.last("val_acc"), Some(0.8));
        assert_eq!(fold.last("train_loss_epoch"), Some(0.55));
        assert_eq!(fold.last("train_loss_step"), None);
        assert!(run.partial);
        assert!(run.notes.iter().any(|n| n.contains("train_loss_step")), "{:?}", run.notes);
    }

    #[test]
    fn a_data_file_is_not_a_log() {
        let error = parse("x,y,moon\n0.1,0.2,upper\n", "moons").unwrap_err();
        assert!(error.starts_with("not a training log"), "{error}");
        assert!(error.contains("x, y, moon"), "{error}");
        assert!(
            is_log_header("epoch,loss") && is_log_header("\u{feff}step,val_loss") && !is_log_header("a,b")
        );
    }
}
