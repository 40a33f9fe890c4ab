//! One preparation of data and settings for everything that trains: the training
//! command, every `nntui tune` trial, and the refit after cross-validation. The data
//! file, `--validation-data` and `--test` are read one way; `--window` cuts them; an
//! `--initial-model` brings its weights *and* its preprocessing; output paths are
//! checked before any training starts.

use crate::cli::TrainArgs;
use crate::data::{self, DataError, Dataset};
use crate::model_file::ModelFile;
use crate::train::{self, RunConfig};
use std::path::{Path, PathBuf};

/// A failure to report: the message and the exit code (1 failure, 2 usage).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// One line, without the `nntui: ` prefix.
    pub message: String,
    /// The process's exit code.
    pub code: u8,
}

impl Failure {
    /// A failure with `code`.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Failure { message: message.into(), code }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(2, message)
    }
}

impl From<DataError> for Failure {
    fn from(error: DataError) -> Self {
        let code = if matches!(error, DataError::Option { .. }) { 2 } else { 1 };
        Failure::new(code, error.to_string())
    }
}

/// Data and settings ready to train.
#[derive(Debug)]
pub struct Prepared {
    /// The rows (windows for `--window`), with `--validation-data` and `--test` attached.
    pub dataset: Dataset,
    /// What reading did, worth saying unless quiet (the data report, other files'
    /// notes, how windows were cut).
    pub notes: Vec<String>,
    /// What must be said even when quiet (categories another file has that training did
    /// not).
    pub warnings: Vec<String>,
    /// The `--initial-model`, loaded.
    pub initial: Option<ModelFile>,
}

/// Reads the data for `args`: the training file (through `progress(read, total)`), the
/// other files against its columns, cut into windows with `--window`. With
/// `--initial-model`, every file is read as that model reads rows (its columns,
/// categories and missing markers), and flags that disagree with it are refused.
///
/// # Errors
/// A file that cannot be read, a flag that disagrees with the initial model.
pub fn data(args: &TrainArgs, progress: &mut dyn FnMut(u64, u64)) -> Result<Prepared, Failure> {
    let Some(path) = &args.file else {
        return Err(Failure::usage("a CSV file to train on is required"));
    };
    let options = args.csv_options();
    let initial = match &args.initial_model {
        Some(model) => {
            let file = ModelFile::load(model).map_err(|e| Failure::new(1, e.to_string()))?;
            check_initial_flags(args, model, &file)?;
            Some(file)
        }
        None => None,
    };
    let mut notes = Vec::new();
    let mut warnings = Vec::new();
    // A model's own schema reads the file unless it is a series (whose columns are the
    // window's): its categories, its missing markers, its label's classes.
    let schema_model = initial.as_ref().filter(|m| m.window.is_none() && m.data.is_some());
    let mut dataset = match schema_model {
        Some(model) => {
            // The sample weights' column is read beside the model's own columns.
            let rows = model
                .read_rows(path, &options, options.sample_weight.as_ref())
                .map_err(|e| model_error(e, args.initial_model.as_deref()))?;
            warnings.extend(unseen_warning(&rows.unseen).map(|w| format!("{}: {w}", path.display())));
            let weights = rows.ids.clone().zip(rows.labels.clone());
            let mut read = model
                .dataset_shell(&path.display().to_string())
                .rows_like(&path.display().to_string(), rows)?;
            if let Some(((column, texts), labels)) = weights.filter(|_| options.sample_weight.is_some()) {
                // As rows_like keeps them: the rows with a label.
                let kept = texts.iter().zip(&labels).filter(|(_, label)| !label.is_empty());
                let values = kept
                    .enumerate()
                    .map(|(row, (text, _))| {
                        data::sample_weight(text.as_bytes()).map_err(|why| {
                            Failure::new(1, format!("{}: data row {}: {why}", path.display(), row + 1))
                        })
                    })
                    .collect::<Result<Vec<f32>, Failure>>()?;
                read.sample_weights = Some(data::SampleWeights { column, values });
            }
            read
        }
        None => data::load_with_progress(path, &options, progress)?,
    };
    if dataset.needs_report() {
        notes.extend(dataset.report_lines());
    }
    if let Some(weights) = &dataset.sample_weights {
        notes.push(sample_weight_note(weights));
    }
    let mut other_file = |other: &Path| -> Result<Box<Dataset>, Failure> {
        let drop = dataset.impute == data::Impute::Drop;
        let rows =
            data::load_model_rows(other, &options_for(&dataset, &options), None, &dataset.schema(), drop)?;
        warnings.extend(unseen_warning(&rows.unseen).map(|w| format!("{}: {w}", other.display())));
        let read = dataset.rows_like(&other.display().to_string(), rows)?;
        notes.extend(other_file_notes(&read).into_iter().map(|n| format!("{}: {n}", other.display())));
        Ok(Box::new(read))
    };
    let validation = args.validation_data.as_deref().map(&mut other_file).transpose()?;
    let test = args.test.as_deref().map(&mut other_file).transpose()?;
    (dataset.validation, dataset.test) = (validation, test);
    if let Some(size) = args.window {
        let window = data::windows::Window { size, horizon: args.horizon.unwrap_or(1) };
        let cut = |d: &Dataset| {
            data::windows::window(d, window).map_err(|e| Failure::usage(format!("{}: {e}", d.source)))
        };
        let mut windowed = cut(&dataset)?;
        windowed.validation = dataset.validation.as_deref().map(cut).transpose()?.map(Box::new);
        windowed.test = dataset.test.as_deref().map(cut).transpose()?.map(Box::new);
        let ahead = if window.horizon == 1 {
            "the next row's".to_string()
        } else {
            format!("its value {} rows on", window.horizon)
        };
        let classes = dataset.task.is_classification();
        notes.push(format!(
            "series: {} rows -> {} windows of {} rows ({} a step), each predicting {}{:?} ({ahead}){}",
            dataset.rows(),
            windowed.rows(),
            window.size,
            match dataset.feature_count() + data::windows::label_width(dataset.task, dataset.class_count()) {
                1 => "1 value".to_string(),
                n => format!("{n} values"),
            },
            if classes { "the class of " } else { "" },
            dataset.label_name,
            if classes {
                "; windows are held out in time order, so folds and the validation split are not stratified"
            } else {
                ""
            },
        ));
        // The columns' warnings (a time axis among them) stay with the windows.
        windowed.report.warnings.clone_from(&dataset.report.warnings);
        dataset = windowed;
    }
    Ok(Prepared { dataset, notes, warnings, initial })
}

/// The options another file is read with: the training file's missing markers.
fn options_for(dataset: &Dataset, options: &data::CsvOptions) -> data::CsvOptions {
    data::CsvOptions { na_values: dataset.na_values.clone(), ..options.clone() }
}

fn model_error(error: crate::model_file::ModelError, model: Option<&Path>) -> Failure {
    match error {
        crate::model_file::ModelError::Data(data) => Failure::from(data),
        other => Failure::new(
            1,
            format!(
                "--initial-model {}: {other}",
                model.map(|m| m.display().to_string()).unwrap_or_default()
            ),
        ),
    }
}

/// Preprocessing flags given beside `--initial-model` must say what the model did: it
/// brings its own columns, missing markers, imputation and scaling.
fn check_initial_flags(args: &TrainArgs, path: &Path, model: &ModelFile) -> Result<(), Failure> {
    let refuse = |flag: &str, why: String| {
        Err(Failure::usage(format!(
            "{flag} disagrees with --initial-model {}: {why}; the model's own preprocessing is used (leave out {flag})",
            path.display()
        )))
    };
    if args.standardize && model.standardization.is_none() {
        return refuse("--standardize", "the model was trained without it".into());
    }
    let saved = model.data.as_ref();
    if let (Some(impute), Some(data)) = (args.impute, saved)
        && impute != data.impute
    {
        return refuse("--impute", format!("the model fills missing values with {}", data.impute));
    }
    if let (Some(text), Some(data)) = (&args.na_values, saved) {
        let given = data::NaValues::parse(text);
        let same = given.0.len() == data.na_values.0.len()
            && given.0.iter().all(|g| data.na_values.0.iter().any(|n| n.eq_ignore_ascii_case(g)));
        if !same {
            return refuse(
                "--na-values",
                format!("the model reads {} as missing", data.na_values.0.join(",")),
            );
        }
    }
    if let Some(label) = &args.label_col
        && let data::LabelColumn::Name(name) = data::LabelColumn::parse(label)
        && name != model.label_name
    {
        return refuse("--label-col", format!("the model's label is {:?}", model.label_name));
    }
    let schema = model.schema();
    let names: Vec<&str> = schema.columns.iter().map(|c| c.name.as_str()).collect();
    for (flag, list) in [("--ignore-col", &args.ignore_col), ("--categorical", &args.categorical)] {
        let Some(list) = list else { continue };
        for column in data::LabelColumn::parse_list(list) {
            if let data::LabelColumn::Name(name) = &column
                && names.contains(&name.as_str())
            {
                return refuse(flag, format!("the model reads column {name:?} as it was trained"));
            }
        }
    }
    Ok(())
}

/// The engine's settings for `args` on `dataset` (`dashboard` picks the default pace):
/// the input shape of windows, the demo hint, and the initial model's layers, weights
/// and preprocessing.
///
/// # Errors
/// A usage error in the arguments, or a model that does not fit the data.
pub fn config(
    args: &TrainArgs,
    dashboard: bool,
    dataset: &Dataset,
    initial: Option<&ModelFile>,
) -> Result<RunConfig, Failure> {
    let mut config = args.run_config(dashboard).map_err(|e| Failure::usage(e.0))?;
    if let Some(window) = config.window {
        // Windows' samples: steps of every column plus the label's own past.
        config.input_shape = Some(vec![window.size, dataset.feature_count() / window.size.max(1)]);
    }
    config.demo = data::generate::demo_hint(dataset);
    if let (Some(file), Some(path)) = (initial, &args.initial_model) {
        start_from(&mut config, path, file, dataset)?;
    }
    Ok(config)
}

/// `--initial-model`: the saved model's layers, weights and preprocessing become the
/// run's starting point (every fold starts from them).
fn start_from(
    config: &mut RunConfig,
    path: &Path,
    file: &ModelFile,
    dataset: &Dataset,
) -> Result<(), Failure> {
    let usage = |message: String| Failure::usage(format!("--initial-model: {}: {message}", path.display()));
    if file.feature_names.len() != dataset.feature_count() {
        return Err(usage(format!(
            "the model takes {} features, the data has {}",
            file.feature_names.len(),
            dataset.feature_count()
        )));
    }
    if file.task != dataset.task {
        return Err(usage(format!("the model is for a {} task, the data is {}", file.task, dataset.task)));
    }
    if file.task.is_classification() && file.class_names != dataset.class_names {
        return Err(usage(format!(
            "the model's classes are {}, the data's {}",
            file.class_names.join(", "),
            dataset.class_names.join(", ")
        )));
    }
    let trained = file.trained();
    let mut specs = trained.model.specs();
    config.output = match specs.pop() {
        Some(crate::nn::Layer::Dense { units, activation }) => {
            Some(crate::nn::LayerSpec::new(units, activation))
        }
        _ => None,
    };
    config.hidden = specs;
    let shape = trained.model.input_shape();
    config.input_shape = (shape.len() > 1).then(|| shape.to_vec());
    // The model's scaling, so that its weights see the inputs they were trained on.
    config.standardize = file.standardization.is_some();
    config.initial_model = Some(train::InitialModel {
        path: path.to_path_buf(),
        parameters: trained.model.parameters().into(),
        scaling: Some(trained.scaling),
    });
    Ok(())
}

/// What reading a `--validation-data` or `--test` file did, when worth saying.
/// What `--sample-weight-col` read: the column, the weights' range and mean, and how
/// many rows weigh nothing.
fn sample_weight_note(weights: &data::SampleWeights) -> String {
    let values = weights.values.iter().map(|&w| f64::from(w));
    let (low, high) =
        values.clone().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), w| (l.min(w), h.max(w)));
    let mean = crate::stats::mean_and_std(values).map_or(0.0, |(mean, _)| mean);
    let zeros = weights.values.iter().filter(|&&w| w == 0.0).count();
    let zeros = if zeros > 0 { format!(", {zeros} rows weigh 0") } else { String::new() };
    format!(
        "sample weights from column {:?} (not a feature): {low} to {high}, mean {mean:.4}{zeros}",
        weights.column
    )
}

fn other_file_notes(other: &Dataset) -> Vec<String> {
    let mut notes = Vec::new();
    if other.report.missing_label > 0 {
        notes.push(format!("{} rows without a label dropped", other.report.missing_label));
    }
    if other.report.missing_feature > 0 {
        notes.push(format!(
            "{} rows with a missing feature dropped (--impute drop)",
            other.report.missing_feature
        ));
    }
    notes
}

/// `warning: 3 cells of categories the training file did not have (island: 3), ...`.
pub fn unseen_warning(unseen: &[(String, usize)]) -> Option<String> {
    let total: usize = unseen.iter().map(|(_, n)| n).sum();
    (total > 0).then(|| {
        let per: Vec<String> = unseen.iter().map(|(name, n)| format!("{name}: {n}")).collect();
        format!(
            "warning: {total} cell{} of categories the training file did not have ({}), read as no category (all zeros)",
            if total == 1 { "" } else { "s" },
            per.join(", ")
        )
    })
}

/// A file the run will write, or a folder it will write into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// A file (its folder must exist and take a new file).
    File,
    /// A folder (made if missing, under one that exists).
    Folder,
}

/// Checks, before any training, that every path the run writes can be written:
/// `--save-model`, `--checkpoint`, `--csv-log`, `--plot`, `--log-dir`, `--log`.
///
/// # Errors
/// A usage error (exit 2) naming the option and the path.
pub fn check_outputs(args: &TrainArgs) -> Result<(), Failure> {
    let mut outputs: Vec<(&str, PathBuf, Output)> = Vec::new();
    if let Some(path) = &args.save_model {
        outputs.push(("--save-model", path.clone(), Output::File));
    }
    if let Some(path) = &args.export_onnx {
        outputs.push(("--export-onnx", path.clone(), Output::File));
    }
    if let Some(checkpoint) = &args.checkpoint {
        outputs.push(("--checkpoint", PathBuf::from(untemplated(&checkpoint.path)), Output::File));
    }
    if let Some(path) = &args.csv_log {
        outputs.push(("--csv-log", PathBuf::from(untemplated(path)), Output::File));
    }
    if let Some(path) = &args.log {
        outputs.push(("--log", path.clone(), Output::File));
    }
    if let Some(path) = &args.plot {
        outputs.push(("--plot", path.clone(), Output::Folder));
    }
    if let Some(path) = &args.log_dir {
        outputs.push(("--log-dir", path.clone(), Output::Folder));
    }
    for (flag, path, kind) in outputs {
        check_output(&path, kind)
            .map_err(|why| Failure::usage(format!("{flag} {}: {why}", path.display())))?;
    }
    Ok(())
}

/// A path template with `{epoch}` and `{fold}` filled, to check its folder.
fn untemplated(template: &str) -> String {
    template.replace("{epoch}", "1").replace("{fold}", "1")
}

/// Why `path` cannot be written as `kind`, if it cannot.
///
/// # Errors
/// The reason, in words.
pub fn check_output(path: &Path, kind: Output) -> Result<(), String> {
    let writable_folder = |folder: &Path| -> Result<(), String> {
        let probe = folder.join(format!(".nntui-write-check-{}", std::process::id()));
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&probe) {
            Ok(_) => {
                let _ = std::fs::remove_file(&probe);
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(format!("cannot write in {}: {}", shown(folder), describe(&e))),
        }
    };
    match kind {
        Output::File => {
            if path.is_dir() {
                return Err("is a folder, not a file".into());
            }
            let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            if !folder.is_dir() {
                return Err(format!("no folder {} (create it first)", shown(folder)));
            }
            if path.exists() {
                return std::fs::OpenOptions::new()
                    .append(true)
                    .open(path)
                    .map(|_| ())
                    .map_err(|e| format!("cannot write: {}", describe(&e)));
            }
            writable_folder(folder)
        }
        Output::Folder => {
            if path.exists() && !path.is_dir() {
                return Err("is a file, not a folder".into());
            }
            // The nearest folder that exists must take the new ones.
            let mut existing = path;
            while !existing.is_dir() {
                if let Some(parent) = existing.parent().filter(|p| !p.as_os_str().is_empty()) {
                    existing = parent;
                } else {
                    existing = Path::new(".");
                    break;
                }
                if existing.exists() && !existing.is_dir() {
                    return Err(format!("{} is a file, not a folder", shown(existing)));
                }
            }
            writable_folder(existing)
        }
    }
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

fn describe(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_checked_before_training() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.json");
        assert_eq!(check_output(&file, Output::File), Ok(()));
        assert!(
            check_output(&dir.path().join("missing/m.json"), Output::File).unwrap_err().contains("no folder")
        );
        assert!(check_output(dir.path(), Output::File).unwrap_err().contains("is a folder"));
        assert_eq!(check_output(&dir.path().join("a/b/plots"), Output::Folder), Ok(()));
        std::fs::write(&file, "x").unwrap();
        assert!(check_output(&file.join("plots"), Output::Folder).unwrap_err().contains("is a file"));
        assert!(check_output(&file, Output::Folder).unwrap_err().contains("not a folder"));
        assert!(!dir.path().join("a").exists(), "checking makes nothing");
    }
}
