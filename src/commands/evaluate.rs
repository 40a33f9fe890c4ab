//! `nntui evaluate`: a saved model scored on a labelled file.

use super::closed_or_failed;
use super::predict::model_rows;
use nntui::cli::EvaluateArgs;
use nntui::data;
use nntui::model_file::ModelFile;
use nntui::prepare::Failure;
use std::io::{self, Write};

/// `--threshold` on a model that does not decide between two classes.
pub(crate) fn two_classes_only(file: &ModelFile) -> String {
    if file.task == data::Task::Regression {
        "--threshold: the model predicts values (regression), not classes".into()
    } else {
        format!("--threshold: decides between two classes; this model has {}", file.class_names.len())
    }
}

pub(crate) fn evaluate(args: &EvaluateArgs) -> Result<u8, Failure> {
    let input = &args.input;
    let file = ModelFile::load(&input.model).map_err(|e| Failure::new(1, e.to_string()))?;
    let rows = if file.window.is_some() {
        // A forecaster: its windows whose target row is in the file, scored on it.
        let (windows, targets, values) =
            file.read_series(&input.file, &input.csv_options()).map_err(|e| match e {
                nntui::model_file::ModelError::Data(data) => Failure::from(data),
                other => Failure::new(1, other.to_string()),
            })?;
        let known: Vec<usize> = (0..targets.len()).filter(|&w| targets[w] <= values.len()).collect();
        if known.is_empty() {
            return Err(Failure::new(
                1,
                format!(
                    "{}: nothing to score: {} rows make no window whose target row is in the file (a window takes {} rows and predicts {} on)",
                    input.file.display(),
                    values.len(),
                    file.window.map_or(0, |w| w.size),
                    file.window.map_or(0, |w| w.horizon),
                ),
            ));
        }
        data::ModelRows {
            features: windows.select(ndarray::Axis(0), &known),
            labels: Some(known.iter().map(|&w| values[targets[w] - 1].clone()).collect()),
            ids: None,
            report: data::DataReport::default(),
            unseen: Vec::new(),
        }
    } else {
        model_rows(&file, &input.file, &input.csv_options(), None)?
    };
    let rows = &rows;
    let Some(labels) = &rows.labels else {
        return Err(Failure::new(
            1,
            format!(
                "{}: no label column ({:?}): evaluation needs the true labels; nntui predict works without them",
                input.file.display(),
                file.label_name
            ),
        ));
    };
    // Rows without a label cannot be scored: left out, and counted, as training does.
    let labelled: Vec<usize> = (0..labels.len()).filter(|&r| !labels[r].is_empty()).collect();
    if labelled.len() < labels.len() {
        let _ = writeln!(
            io::stderr(),
            "nntui: {}: {} without a label left out",
            input.file.display(),
            match labels.len() - labelled.len() {
                1 => "1 row".to_string(),
                n => format!("{n} rows"),
            }
        );
    }
    if labelled.is_empty() {
        return Err(Failure::new(
            1,
            format!(
                "{}: nothing to score: no row has a label ({:?} is empty or missing on every row)",
                input.file.display(),
                file.label_name
            ),
        ));
    }
    let features = rows.features.select(ndarray::Axis(0), &labelled);
    let labels: Vec<String> = labelled.iter().map(|&r| labels[r].clone()).collect();
    if args.threshold.is_some() && file.class_names.len() != 2 {
        return Err(Failure::new(2, two_classes_only(&file)));
    }
    let evaluation = nntui::evaluate::evaluate(&file, &features, &labels, args.threshold)
        .map_err(|message| Failure::new(1, format!("{}: {message}", input.file.display())))?;
    match write!(io::stdout().lock(), "{}", nntui::evaluate::report(&evaluation)) {
        Ok(()) => Ok(0),
        Err(error) => closed_or_failed(error),
    }
}
