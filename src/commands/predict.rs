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

/// A series' windows for a model trained on them, each named by the row it predicts
/// (1-based among the data rows; past the file's end for the last windows).
fn series_rows(args: &PredictArgs, file: &ModelFile) -> Result<data::ModelRows, Failure> {
    let input = &args.input;
    let (windows, targets, _) = file.read_series(&input.file, &input.csv_options()).map_err(|e| match e {
        nntui::model_file::ModelError::Data(data) => Failure::from(data),
        other => Failure::new(1, other.to_string()),
    })?;
    Ok(data::ModelRows {
        features: windows,
        labels: None,
        ids: Some(("row".to_string(), targets.iter().map(ToString::to_string).collect())),
        report: data::DataReport::default(),
        unseen: Vec::new(),
    })
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
        (_, Some(_)) if args.id_col.is_some() => {
            return Err(Failure::new(
                2,
                "--id-col: a series' predictions are named by the row each predicts, not by a column",
            ));
        }
        _ => {}
    }
    let rows = if file.window.is_some() {
        series_rows(args, &file)?
    } else {
        let id = args.id_col.as_deref().map(nntui::cli::column);
        model_rows(&file, &input.file, &input.csv_options(), id.as_ref())?
    };
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
    // A forecast is named by the label it forecasts: `row,<label>`.
    header.push(match (file.task, file.window) {
        (data::Task::Regression, Some(_)) => file.label_name.clone(),
        (data::Task::Regression, None) => "value".into(),
        _ => "predicted".into(),
    });
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
