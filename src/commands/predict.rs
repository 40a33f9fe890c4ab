//! `nntui predict`: a saved model's predictions for a file's rows (or a series' windows).

use super::closed_or_failed;
use super::evaluate::two_classes_only;
use nntui::cli::PredictArgs;
use nntui::data;
use nntui::model_file::{ModelFile, Prediction};
use nntui::prepare::{self, Failure};
use std::fs::File;
use std::io::{self, BufWriter, Write};

/// Reads a file for a model, mapping its errors to exit codes.
pub(crate) fn model_rows(
    file: &ModelFile,
    path: &std::path::Path,
    options: &data::CsvOptions,
    id: Option<&data::LabelColumn>,
) -> Result<data::ModelRows, Failure> {
    let rows = file.read_rows(path, options, id).map_err(|e| match e {
        nntui::model_file::ModelError::Data(data) => Failure::from(data),
        other => Failure::new(1, other.to_string()),
    })?;
    if let Some(warning) = prepare::unseen_warning(&rows.unseen) {
        let _ = writeln!(io::stderr(), "nntui: {}: {warning}", path.display());
    }
    let specs: Vec<nntui::nn::Layer> = file.layers.first().and_then(|l| l.spec).into_iter().collect();
    let values = rows.features.as_standard_layout();
    nntui::nn::layer::embedding::check_codes(
        &specs,
        values.as_slice().unwrap_or_default(),
        &file.feature_names,
    )
    .map_err(|why| Failure::new(1, format!("{}: {why}", path.display())))?;
    Ok(rows)
}

/// `predict` with a series forecaster: a `row,<label>` line per window, the row being
/// the one it forecasts (past the file's end for the last windows).
pub(crate) fn predict_series(args: &PredictArgs, file: &ModelFile) -> Result<u8, Failure> {
    let input = &args.input;
    let (windows, targets, _) = file.read_series(&input.file, &input.csv_options()).map_err(|e| match e {
        nntui::model_file::ModelError::Data(data) => Failure::from(data),
        other => Failure::new(1, other.to_string()),
    })?;
    let predictions = file.trained().predict(&windows, file.task);
    let mut text = if args.no_output_header { String::new() } else { format!("row,{}\n", file.label_name) };
    for (row, prediction) in targets.iter().zip(&predictions) {
        if let Prediction::Value(value) = prediction {
            text.push_str(&format!("{row},{}\n", nntui::headless::full_precision(*value)));
        }
    }
    let written = match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure::new(1, format!("{}: cannot write: {e}", path.display()))),
        None => {
            return io::stdout().lock().write_all(text.as_bytes()).map_or_else(closed_or_failed, |()| Ok(0));
        }
    };
    written.map(|()| 0)
}

pub(crate) fn predict(args: &PredictArgs) -> Result<u8, Failure> {
    let input = &args.input;
    if let Some(path) = &args.output {
        prepare::check_output(path, prepare::Output::File)
            .map_err(|why| Failure::usage(format!("--output {}: {why}", path.display())))?;
    }
    let file = ModelFile::load(&input.model).map_err(|e| Failure::new(1, e.to_string()))?;
    if args.proba && file.task == data::Task::Regression {
        return Err(Failure::new(2, "--proba: the model predicts values (regression), not classes"));
    }
    if args.threshold.is_some() && file.class_names.len() != 2 {
        return Err(Failure::new(2, two_classes_only(&file)));
    }
    match (args.window, file.window) {
        (Some(_), None) => {
            return Err(Failure::new(
                2,
                "--window: the model was not trained on a series (train it with --window)",
            ));
        }
        (Some(n), Some(w)) if n != w.size => {
            return Err(Failure::new(
                2,
                format!("--window {n}: the model was trained on windows of {}", w.size),
            ));
        }
        (_, Some(_)) => return predict_series(args, &file),
        (None, None) => {}
    }
    let id = args.id_col.as_deref().map(nntui::cli::column);
    let rows = model_rows(&file, &input.file, &input.csv_options(), id.as_ref())?;
    let predictions = file.trained().predict(&rows.features, file.task);
    let sink: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path)
                .map_err(|e| Failure::new(1, format!("{}: cannot write: {e}", path.display())))?,
        )),
        None => Box::new(io::stdout().lock()),
    };
    let mut out = csv::Writer::from_writer(sink);
    // Always a header row (unless --no-output-header): the identifier, the prediction,
    // then the predicted class's probability or, with --proba, every class's.
    let mut header: Vec<String> = Vec::new();
    header.extend(rows.ids.as_ref().map(|(name, _)| name.clone()));
    header.push(if file.task == data::Task::Regression { "value".into() } else { "predicted".into() });
    if args.proba {
        header.extend(file.class_names.iter().cloned());
    } else if file.task != data::Task::Regression {
        header.push("probability".into());
    }
    let written = (|| -> Result<(), csv::Error> {
        if !args.no_output_header {
            out.write_record(&header)?;
        }
        for (index, prediction) in predictions.iter().enumerate() {
            let mut record: Vec<String> = Vec::new();
            if let Some((_, ids)) = &rows.ids {
                record.push(ids[index].clone());
            }
            match prediction {
                Prediction::Class { class, probabilities } => {
                    // --threshold on the second class's probability decides between two.
                    let class = match args.threshold {
                        Some(t) => &usize::from(f64::from(probabilities[1]) > t),
                        None => class,
                    };
                    record.push(file.class_names[*class].clone());
                    if args.proba {
                        record.extend(probabilities.iter().map(|&p| nntui::headless::full_precision(p)));
                    } else {
                        record.push(nntui::headless::full_precision(probabilities[*class]));
                    }
                }
                Prediction::Value(value) => record.push(nntui::headless::full_precision(*value)),
            }
            out.write_record(&record)?;
        }
        out.flush()?;
        Ok(())
    })();
    match written {
        Ok(()) => Ok(0),
        // The csv crate wraps the writer's error; a closed pipe is still not an error.
        Err(error) => match error.into_kind() {
            csv::ErrorKind::Io(error) => closed_or_failed(error),
            other => Err(Failure::new(1, format!("cannot write output: {other:?}"))),
        },
    }
}
