//! CSV loading with errors that name the file, line and column: numbers, categories
//! and missing cells, inferred from a training file or read against a saved schema.

use super::columns::{
    ColumnKind, DataReport, FeatureColumn, Impute, NaValues, Schema, category_index, category_key,
    sort_categories,
};
use super::labels::LabelCollector;
use super::{DataError, Dataset, SampleWeights, Task};
use ndarray::Array2;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// Which column holds the label (or, for `--ignore-col` and `--categorical`, which
/// column is meant).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum LabelColumn {
    /// The last column.
    #[default]
    Last,
    /// A 1-based column number.
    Index(usize),
    /// A header name.
    Name(String),
}

impl LabelColumn {
    /// Reads a column as `--label-col` takes it: a number from 1, or a name.
    pub fn parse(text: &str) -> LabelColumn {
        let text = text.trim();
        match text.parse::<usize>() {
            Ok(index) => LabelColumn::Index(index),
            Err(_) => LabelColumn::Name(text.to_string()),
        }
    }

    /// Reads a comma-separated list of columns.
    pub fn parse_list(text: &str) -> Vec<LabelColumn> {
        text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(LabelColumn::parse).collect()
    }
}

/// Whether the first row is a header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum HeaderMode {
    /// A header if the first row is not numeric where the data is.
    #[default]
    Auto,
    /// Always a header.
    Present,
    /// Never a header.
    Absent,
}

/// How to read a CSV file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvOptions {
    /// The label column.
    pub label: LabelColumn,
    /// Header detection.
    pub header: HeaderMode,
    /// Field separator.
    pub delimiter: u8,
    /// The task, if not inferred.
    pub task: Option<Task>,
    /// Columns left out (`--ignore-col`).
    pub ignore: Vec<LabelColumn>,
    /// The column of each row's weight in the loss (`--sample-weight-col`), not a feature.
    pub sample_weight: Option<LabelColumn>,
    /// Columns read as categories even when they hold numbers (`--categorical`).
    pub categorical: Vec<LabelColumn>,
    /// Cells that mean "missing" in feature columns (`--na-values`); never the label's.
    pub na_values: NaValues,
    /// More cells that mean "missing", per feature column (`--na-values-col`).
    pub na_values_col: Vec<(LabelColumn, Vec<String>)>,
    /// The most categories a column may have (`--max-categories`).
    pub max_categories: usize,
    /// How missing features are filled (`--impute`).
    pub impute: Impute,
    /// One long series (`--window`): the label alone is enough, its past values being
    /// the inputs.
    pub series: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            label: LabelColumn::Last,
            header: HeaderMode::Auto,
            delimiter: b',',
            task: None,
            ignore: Vec::new(),
            sample_weight: None,
            categorical: Vec::new(),
            na_values: NaValues::default(),
            na_values_col: Vec::new(),
            max_categories: super::columns::DEFAULT_MAX_CATEGORIES,
            impute: Impute::default(),
            series: false,
        }
    }
}

/// Reads `,`, `;`, `tab`, `\t`, `|` or any single ASCII character as a delimiter.
pub fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        "space" => Ok(b' '),
        _ if text.len() == 1 && text.is_ascii() && text != "\"" && text != "\n" => Ok(text.as_bytes()[0]),
        _ => Err(format!("'{text}' is not a single ASCII character (use tab for tabs)")),
    }
}

/// Loads a dataset from `path`.
pub fn load(path: &Path, options: &CsvOptions) -> Result<Dataset, DataError> {
    load_with_progress(path, options, |_, _| {})
}

/// Rows between two progress reports.
const PROGRESS_EVERY: usize = 1 << 16;

/// Rows are indexed with `u32` in folds and batches (half the memory of `usize`), so a
/// dataset holds at most this many; the check makes every such index exact.
pub const MAX_ROWS: usize = u32::MAX as usize;

/// The most categories `--max-categories` allows (category codes are exact in `f32`
/// while loading, and one-hot inputs cost a weight per unit each).
pub const MAX_CATEGORIES_LIMIT: usize = 100_000;

/// Loads a dataset from `path`, calling `progress(bytes_read, total_bytes)` now and then.
pub fn load_with_progress(
    path: &Path,
    options: &CsvOptions,
    progress: impl FnMut(u64, u64),
) -> Result<Dataset, DataError> {
    let name = path.display().to_string();
    let (file, size) = open(path, &name)?;
    let loader = Loader::new(name, options, size);
    let table = loader.read(file, progress, Mode::Train)?;
    loader.dataset_from(table)
}

/// A file read against a saved schema: its features encoded as in training (missing
/// inputs NaN, unseen categories all zeros), and the text of its label and identifier
/// columns where it has them.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelRows {
    /// `rows x inputs`, in the file's own units.
    pub features: Array2<f32>,
    /// Each row's label, as written (when the file has the label column; empty when
    /// missing).
    pub labels: Option<Vec<String>>,
    /// Each row's identifier, as written (with `id`), and the column's name.
    pub ids: Option<(String, Vec<String>)>,
    /// What reading did: unseen categories, rows dropped.
    pub report: DataReport,
    /// Cells per column whose category the schema does not know.
    pub unseen: Vec<(String, usize)>,
}

/// Reads a file against `schema` (prediction, evaluation, `--validation-data`,
/// `--test`). `id` names a column to pass through as text (`--id-col`, counted as
/// `--label-col` counts). With a header, columns are found by name; without one, the
/// file has the training file's layout, with or without its label column. With
/// `drop_incomplete`, rows with a missing feature are left out (`--impute drop`).
pub fn load_model_rows(
    path: &Path,
    options: &CsvOptions,
    id: Option<&LabelColumn>,
    schema: &Schema,
    drop_incomplete: bool,
) -> Result<ModelRows, DataError> {
    let name = path.display().to_string();
    let (file, size) = open(path, &name)?;
    let loader = Loader::new(name, options, size);
    let table = loader.read(file, |_, _| {}, Mode::Fixed { schema, id, drop_incomplete })?;
    let ids = table.id.zip(table.ids).map(|(column, ids)| (table.names[column].clone(), ids));
    let unseen = table.unseen;
    Ok(ModelRows { features: table.features, labels: table.label_texts, ids, report: table.report, unseen })
}
/// Opens a file, returning it with its size if it is a regular file (a pipe, such as
/// `<(zcat data.csv.gz)`, has none).
fn open(path: &Path, name: &str) -> Result<(File, Option<u64>), DataError> {
    let io_error = |error: &io::Error| DataError::Io { path: name.to_string(), message: describe_io(error) };
    let metadata = std::fs::metadata(path).map_err(|e| io_error(&e))?;
    if metadata.is_dir() {
        return Err(DataError::Io {
            path: name.to_string(),
            message: "is a directory, not a CSV file".into(),
        });
    }
    let file = File::open(path).map_err(|e| io_error(&e))?;
    Ok((file, metadata.is_file().then_some(metadata.len())))
}
/// Parses CSV text already in memory (for tests and fuzzing; `name` stands for the file).
pub fn parse(bytes: &[u8], name: &str, options: &CsvOptions) -> Result<Dataset, DataError> {
    let loader = Loader::new(name.to_string(), options, Some(bytes.len() as u64));
    let table = loader.read(bytes, |_, _| {}, Mode::Train)?;
    loader.dataset_from(table)
}

/// Parses CSV text in memory against a schema (for tests).
pub fn parse_model_rows(
    bytes: &[u8],
    name: &str,
    options: &CsvOptions,
    schema: &Schema,
) -> Result<ModelRows, DataError> {
    let loader = Loader::new(name.to_string(), options, Some(bytes.len() as u64));
    let table = loader.read(bytes, |_, _| {}, Mode::Fixed { schema, id: None, drop_incomplete: false })?;
    let unseen = table.unseen;
    Ok(ModelRows {
        features: table.features,
        labels: table.label_texts,
        ids: None,
        report: table.report,
        unseen,
    })
}

/// Inferring a training file's columns, or reading one against a saved schema.
#[derive(Clone, Copy)]
enum Mode<'f> {
    /// The training file: kinds inferred, the label collected.
    Train,
    /// Rows for a saved model: its columns, the label's text kept if present.
    Fixed { schema: &'f Schema, id: Option<&'f LabelColumn>, drop_incomplete: bool },
}

/// What a file column is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Left out.
    Skip,
    /// Passed through as text (`--id-col`).
    Id,
    /// Each row's weight in the loss (`--sample-weight-col`).
    Weight,
    /// The label.
    Label,
    /// A feature: its index among the feature columns.
    Feature(usize),
}

/// A feature column's values while reading.
enum Values {
    /// Numbers (NaN for missing).
    Numbers,
    /// Categories met so far, by key; the cell holds the code.
    Inferred { keys: Vec<String>, index: HashMap<String, u32> },
    /// A saved category list: the cell holds the position, or -1 for an unseen category.
    Known { index: HashMap<String, usize>, categories: Vec<String> },
}

/// One feature column while reading.
struct ColumnState {
    name: String,
    file_column: usize,
    values: Values,
    missing: usize,
    numbers: usize,
    texts: usize,
    unseen: usize,
    /// The first text cell: line and text.
    first_text: Option<(u64, String)>,
    /// Categories by `--categorical`, whatever the cells hold.
    forced: bool,
    /// Its own missing markers (`--na-values-col`), besides the file's.
    na_values: Vec<String>,
    /// Numbers only: the first value, whether every value equals it, whether each is
    /// above (below) the one before: a constant column, or a row index or time axis.
    first_value: Option<f32>,
    previous: f32,
    constant: bool,
    increasing: bool,
    decreasing: bool,
}

impl ColumnState {
    /// A feature column before any cell is read.
    fn new(name: String, file_column: usize, values: Values, forced: bool, na_values: Vec<String>) -> Self {
        ColumnState {
            name,
            file_column,
            values,
            missing: 0,
            numbers: 0,
            texts: 0,
            unseen: 0,
            first_text: None,
            forced,
            na_values,
            first_value: None,
            previous: f32::NAN,
            constant: true,
            increasing: true,
            decreasing: true,
        }
    }

    /// Notes a number, for the constant and index checks.
    fn observe(&mut self, value: f32) {
        match self.first_value {
            None => self.first_value = Some(value),
            Some(first) => {
                self.constant &= value == first;
                self.increasing &= value > self.previous;
                self.decreasing &= value < self.previous;
            }
        }
        self.previous = value;
    }
}

/// A file's columns read against a schema: each column's role, whether the first row is
/// a header, the feature columns' states, and the identifier column (`--id-col`).
type SchemaRoles = (Vec<Role>, bool, Vec<ColumnState>, Option<usize>);

/// A cell's meaning.
enum Cell<'c> {
    Missing,
    Number(f32),
    Text(&'c str),
}

/// A parsed file before its labels are interpreted.
struct Table {
    features: Array2<f32>,
    columns: Vec<FeatureColumn>,
    names: Vec<String>,
    has_header: bool,
    label: Option<usize>,
    labels: Option<LabelCollector>,
    /// The label column's text, row by row (when kept, not collected).
    label_texts: Option<Vec<String>>,
    /// The identifier column, and its text row by row.
    id: Option<usize>,
    ids: Option<Vec<String>>,
    /// The sample weights' column, and each row's weight.
    weights: Option<(usize, Vec<f32>)>,
    width: usize,
    report: DataReport,
    unseen: Vec<(String, usize)>,
}

/// Memory the system can still give, in bytes (Linux's MemAvailable; elsewhere unknown).
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Plain words for the usual I/O failures.
fn describe_io(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let text = error.to_string();
            // "Is a directory (os error 21)" -> "is a directory (os error 21)"
            let mut chars = text.chars();
            chars.next().map_or(text.clone(), |c| c.to_lowercase().chain(chars).collect())
        }
    }
}
struct Loader<'a> {
    name: String,
    options: &'a CsvOptions,
    /// The file's size, when it is a regular file.
    size: Option<u64>,
}

/// A value quoted for an error message, shortened if long.
fn quoted(bytes: &[u8]) -> String {
    const LONGEST: usize = 40;
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            let short: String = text.chars().take(LONGEST).collect();
            let more = if short.len() < text.len() { "..." } else { "" };
            format!("{short:?}{more}")
        }
        // Not text: show the bytes themselves, escaped.
        Err(_) => {
            let more = if bytes.len() > LONGEST { "..." } else { "" };
            format!("\"{}\"{more}", bytes[..bytes.len().min(LONGEST)].escape_ascii())
        }
    }
}

/// A sample weight's cell: a number >= 0 (Keras's `sample_weight`), or why it is not.
///
/// # Errors
/// The cell is empty, not a number, negative or not finite.
pub fn sample_weight(field: &[u8]) -> Result<f32, String> {
    let text = std::str::from_utf8(field.trim_ascii()).unwrap_or("");
    match text.parse::<f32>() {
        Ok(weight) if weight.is_finite() && weight >= 0.0 => Ok(weight),
        _ if text.is_empty() => {
            Err("a sample weight is missing (--sample-weight-col needs one on every row)".into())
        }
        _ => Err(format!("sample weight {} is not a number >= 0", quoted(field))),
    }
}

/// A numeric cell's value, or why it is not one. Surrounding spaces are ignored (the
/// fields are trimmed here rather than by the reader, which would copy every record).
fn parse_number(bytes: &[u8]) -> Result<f32, String> {
    let bytes = bytes.trim_ascii();
    if bytes.is_empty() {
        return Err("empty value (missing data?)".into());
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(format!("value {} is not valid UTF-8 text", quoted(bytes)));
    };
    match text.parse::<f64>() {
        Ok(value) if !value.is_finite() => Err(format!("value {} is not a finite number", quoted(bytes))),
        Ok(value) if value.abs() > f64::from(f32::MAX) => {
            Err(format!("value {} is too large for 32-bit floats (largest is 3.4e38)", quoted(bytes)))
        }
        #[allow(
            clippy::cast_possible_truncation,
            reason = "rounding to f32 is the point; the range was checked"
        )]
        Ok(value) => Ok(value as f32),
        Err(_) => Err(format!("non-numeric value {}", quoted(bytes))),
    }
}

/// The cells that mean "missing", checked in the order that costs least: a number is
/// looked up only when some marker is itself a number (`-999`).
struct Missing<'a> {
    markers: &'a NaValues,
    numeric_markers: bool,
    /// The markers that are numbers, compared as numbers (`0` marks `0.0` too, as
    /// pandas' `na_values` does).
    numbers: Vec<f64>,
}

impl<'a> Missing<'a> {
    fn new(markers: &'a NaValues) -> Self {
        let numbers: Vec<f64> =
            markers.0.iter().filter_map(|m| m.trim().parse::<f64>().ok().filter(|v| v.is_finite())).collect();
        Missing { markers, numeric_markers: !numbers.is_empty(), numbers }
    }

    /// What a cell holds, as missing, a number or text; a number out of range or bytes
    /// that are not text are errors. Each cell is parsed once.
    fn read<'c>(&self, field: &'c [u8]) -> Result<Cell<'c>, String> {
        let bytes = field.trim_ascii();
        if bytes.is_empty() {
            return Ok(Cell::Missing);
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Err(format!("value {} is not valid UTF-8 text", quoted(bytes)));
        };
        match text.parse::<f64>() {
            Ok(value) if value.is_finite() && value.abs() <= f64::from(f32::MAX) => {
                if self.numeric_markers && (self.numbers.contains(&value) || self.markers.is_missing(bytes)) {
                    return Ok(Cell::Missing);
                }
                #[allow(
                    clippy::cast_possible_truncation,
                    reason = "rounding to f32 is the point; the range was checked"
                )]
                Ok(Cell::Number(value as f32))
            }
            // NaN, inf, 1e308 and text are missing markers, or else errors and text.
            _ if self.markers.is_missing(bytes) => Ok(Cell::Missing),
            Ok(_) => parse_number(bytes).map(Cell::Number),
            Err(_) => Ok(Cell::Text(text)),
        }
    }
}

impl Values {
    /// The code of a category key, interning it if new; `None` past `limit` categories.
    fn intern(
        keys: &mut Vec<String>,
        index: &mut HashMap<String, u32>,
        key: String,
        limit: usize,
    ) -> Option<u32> {
        if let Some(&code) = index.get(&key) {
            return Some(code);
        }
        if keys.len() >= limit {
            return None;
        }
        #[allow(clippy::cast_possible_truncation, reason = "at most MAX_CATEGORIES_LIMIT categories")]
        let code = keys.len() as u32;
        keys.push(key.clone());
        index.insert(key, code);
        Some(code)
    }
}

impl Loader<'_> {
    fn new(name: String, options: &CsvOptions, size: Option<u64>) -> Loader<'_> {
        Loader { name, options, size }
    }

    fn at(&self, line: u64, column: usize, message: impl Into<String>) -> DataError {
        DataError::at(&self.name, line, column, message)
    }

    fn read(
        &self,
        input: impl Read,
        mut progress: impl FnMut(u64, u64),
        mode: Mode<'_>,
    ) -> Result<Table, DataError> {
        if self.size == Some(0) {
            return Err(self.at(1, 1, "the file is empty"));
        }
        let mut input = BufReader::with_capacity(1 << 16, input);
        if let Some(error) = self.binary(input.fill_buf().map_err(|e| self.io(&e))?) {
            return Err(error);
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.options.delimiter)
            .from_reader(input);
        let mut record = csv::ByteRecord::new();
        let next = |reader: &mut csv::Reader<_>, record: &mut csv::ByteRecord| {
            reader.read_byte_record(record).map_err(|error| self.csv_error(&error))
        };

        if !next(&mut reader, &mut record)? {
            let what = if reader.position().byte() == 0 {
                "the file is empty"
            } else {
                "the file has no rows (only blank lines)"
            };
            return Err(self.at(1, 1, what));
        }
        let first = record.clone();
        let line_of = |r: &csv::ByteRecord| r.position().map_or(0, csv::Position::line);
        let width = first.len();
        // Peek at the second row: it settles whether a first row whose only text is
        // its label is a header (numeric labels below) or data (string labels).
        let mut second = csv::ByteRecord::new();
        let has_second = next(&mut reader, &mut second)?;
        let (roles, header, mut states, id) = match mode {
            Mode::Train => {
                let (roles, header, states) = self.training_roles(&first, has_second.then_some(&second))?;
                (roles, header, states, None)
            }
            Mode::Fixed { schema, id, .. } => {
                self.schema_roles(schema, id, &first, has_second.then_some(&second))?
            }
        };
        let label = roles.iter().position(|&r| r == Role::Label);
        let feature_columns: Vec<usize> =
            roles.iter().enumerate().filter(|(_, r)| matches!(r, Role::Feature(_))).map(|(c, _)| c).collect();
        let collects = matches!(mode, Mode::Train);
        let drop_incomplete = match mode {
            Mode::Train => self.options.impute == Impute::Drop,
            Mode::Fixed { drop_incomplete, .. } => drop_incomplete,
        };
        let mut labels = label.is_some().then(LabelCollector::new).filter(|_| collects);
        let mut label_texts = label.filter(|_| !collects).map(|_| Vec::new());
        let mut ids = id.map(|_| Vec::new());
        let mut weights = roles.iter().position(|&r| r == Role::Weight).map(|column| (column, Vec::new()));
        // `--na-values` and `--na-values-col` are for features: a label is missing only
        // when empty or one of the usual markers (Pima's `--na-values 0` keeps its 0 labels).
        let label_na = NaValues::default();
        let markers: Vec<NaValues> =
            states.iter().map(|state| self.options.na_values.with(&state.na_values)).collect();
        let missings: Vec<Missing<'_>> = markers.iter().map(Missing::new).collect();
        let slot_of: Vec<Option<usize>> =
            roles.iter().map(|r| if let Role::Feature(slot) = r { Some(*slot) } else { None }).collect();
        let mut report = DataReport::default();

        // Size the feature array from the file's size and the first rows' length, and
        // refuse up front a file whose numbers cannot fit in memory.
        let slots = states.len();
        let size = self.size.unwrap_or(1 << 20);
        let row_bytes = match (first.position(), second.position()) {
            (Some(a), Some(b)) if has_second && b.byte() > a.byte() => b.byte() - a.byte(),
            _ => size,
        };
        let estimated_rows = usize::try_from(size / row_bytes.max(2) + 1).unwrap_or(usize::MAX);
        self.check_memory(estimated_rows, slots)?;
        let mut features: Vec<f32> = Vec::new();
        features
            .try_reserve_exact(estimated_rows.saturating_mul(slots).min(1 << 28))
            .map_err(|_| self.too_big(estimated_rows, slots, None))?;
        let mut rows = 0usize;
        let mut add = |record: &csv::ByteRecord, features: &mut Vec<f32>| -> Result<(), DataError> {
            let line = line_of(record);
            if features.len() + slots > features.capacity() {
                features
                    .try_reserve(features.capacity().max(slots))
                    .map_err(|_| self.too_big(rows * 2, slots, None))?;
            }
            if record.len() != width {
                let column = record.len().min(width) + 1;
                return Err(self.at(
                    line,
                    column,
                    format!(
                        "expected {width} fields, as on line {}, found {}",
                        line_of(&first),
                        record.len()
                    ),
                ));
            }
            report.rows_read += 1;
            if let Some(label) = label
                && collects
                && label_na.is_missing(&record[label])
            {
                report.missing_label += 1;
                return Ok(());
            }
            if drop_incomplete
                && feature_columns
                    .iter()
                    .any(|&c| slot_of[c].is_some_and(|s| markers[s].is_missing(&record[c])))
            {
                report.missing_feature += 1;
                return Ok(());
            }
            // The row's cells go where their columns' inputs are, in the schema's order
            // (a file read by names may have its columns in any order).
            let base = features.len();
            features.resize(base + slots, f32::NAN);
            for (column, field) in record.iter().enumerate() {
                // The identifier may be one of the model's own columns: passed through
                // and still read as a feature.
                if Some(column) == id
                    && let Some(ids) = ids.as_mut()
                {
                    ids.push(String::from_utf8_lossy(field.trim_ascii()).into_owned());
                }
                match roles[column] {
                    Role::Skip | Role::Id => {}
                    Role::Weight => {
                        if let Some((_, weights)) = weights.as_mut() {
                            let weight =
                                sample_weight(field).map_err(|message| self.at(line, column + 1, message))?;
                            weights.push(weight);
                        }
                    }
                    Role::Label => {
                        if let Some(texts) = label_texts.as_mut() {
                            let missing = label_na.is_missing(field);
                            texts.push(if missing {
                                String::new()
                            } else {
                                String::from_utf8_lossy(field.trim_ascii()).into_owned()
                            });
                            continue;
                        }
                        let Some(labels) = labels.as_mut() else {
                            continue;
                        };
                        let text = std::str::from_utf8(field.trim_ascii()).map_err(|_| {
                            self.at(
                                line,
                                column + 1,
                                format!("label {} is not valid UTF-8 text", quoted(field)),
                            )
                        })?;
                        labels.push(text, line).map_err(|message| self.at(line, column + 1, message))?;
                    }
                    Role::Feature(slot) => {
                        let cell = missings[slot]
                            .read(field)
                            .map_err(|message| self.at(line, column + 1, message))?;
                        // The common case first: a number in a column of numbers.
                        let state = &mut states[slot];
                        if let (Cell::Number(value), Values::Numbers) = (&cell, &state.values) {
                            state.numbers += 1;
                            if collects {
                                state.observe(*value);
                            }
                            features[base + slot] = *value;
                            continue;
                        }
                        let value = self.encode(
                            &mut states[slot],
                            cell,
                            features,
                            (rows, slot, slots),
                            line,
                            collects,
                        )?;
                        features[base + slot] = value;
                    }
                }
            }
            rows += 1;
            if rows > MAX_ROWS {
                return Err(self.at(
                    line,
                    1,
                    format!("more than {MAX_ROWS} data rows; nntui indexes rows with 32 bits"),
                ));
            }
            if rows.is_multiple_of(PROGRESS_EVERY) {
                progress(record.position().map_or(0, csv::Position::byte), self.size.unwrap_or(0));
            }
            Ok(())
        };

        if !header {
            add(&first, &mut features)?;
        }
        if has_second {
            add(&second, &mut features)?;
            while next(&mut reader, &mut record)? {
                add(&record, &mut features)?;
            }
        }
        if report.rows_read == 0 {
            return Err(self.at(line_of(&first) + 1, 1, "a header row but no data rows"));
        }
        if rows == 0 {
            let why = if report.missing_label > 0 {
                "every row's label is missing"
            } else {
                "every row has a missing feature (--impute drop)"
            };
            return Err(DataError::Content {
                path: self.name.clone(),
                line: None,
                column: None,
                message: format!("no rows left: {why}"),
            });
        }
        let end = reader.position().byte();
        progress(end, self.size.unwrap_or(end));

        let names: Vec<String> = (0..width)
            .map(|column| {
                let text = if header {
                    String::from_utf8_lossy(&first[column]).trim().to_string()
                } else {
                    String::new()
                };
                if text.is_empty() { format!("column {}", column + 1) } else { text }
            })
            .collect();
        report.ignored =
            roles.iter().zip(&names).filter(|(r, _)| **r == Role::Skip).map(|(_, n)| n.clone()).collect();
        let (columns, ranks) = self.finish_columns(&mut states)?;
        if collects {
            report.warnings = column_warnings(&states, rows);
        }
        report.unseen = states.iter().map(|s| s.unseen).sum();
        let unseen = states.iter().filter(|s| s.unseen > 0).map(|s| (s.name.clone(), s.unseen)).collect();
        let features = expand(features, rows, &columns, &ranks);
        Ok(Table {
            features,
            columns,
            names,
            has_header: header,
            label,
            labels,
            label_texts,
            id,
            ids,
            weights,
            width,
            report,
            unseen,
        })
    }

    /// The value a feature cell stores while reading: a number, NaN when missing, or a
    /// category's code (-1 for one a saved list lacks). In a training file, a text cell
    /// in a column of numbers makes it a column of categories, the cells read so far
    /// included; a saved number column refuses text.
    #[allow(clippy::too_many_arguments, reason = "the reader's state, passed rather than held")]
    fn encode(
        &self,
        state: &mut ColumnState,
        cell: Cell<'_>,
        features: &mut [f32],
        (rows, slot, slots): (usize, usize, usize),
        line: u64,
        inferring: bool,
    ) -> Result<f32, DataError> {
        let limit = self.options.max_categories;
        let key = match cell {
            Cell::Missing => {
                state.missing += 1;
                return Ok(f32::NAN);
            }
            Cell::Number(value) => {
                state.numbers += 1;
                if matches!(state.values, Values::Numbers) {
                    return Ok(value);
                }
                format!("{}", value + 0.0)
            }
            Cell::Text(text) => {
                state.texts += 1;
                if state.first_text.is_none() {
                    state.first_text = Some((line, text.to_string()));
                }
                if matches!(state.values, Values::Numbers) {
                    if !inferring {
                        return Err(self.at(
                            line,
                            state.file_column + 1,
                            format!(
                                "non-numeric value {} in column {:?}, which holds numbers in the training file",
                                quoted(text.as_bytes()),
                                state.name
                            ),
                        ));
                    }
                    let (mut keys, mut index) = (Vec::new(), HashMap::new());
                    for row in 0..rows {
                        let cell = &mut features[row * slots + slot];
                        if !cell.is_nan() {
                            let Some(code) =
                                Values::intern(&mut keys, &mut index, format!("{}", *cell + 0.0), limit)
                            else {
                                return Err(self.too_many_categories(state));
                            };
                            {
                                *cell = code as f32;
                            }
                        }
                    }
                    state.values = Values::Inferred { keys, index };
                }
                text.to_string()
            }
        };
        let code = match &mut state.values {
            Values::Numbers => None,
            Values::Inferred { keys, index } => Values::intern(keys, index, key, limit).map(|c| c as usize),
            Values::Known { index, .. } => {
                let position = index.get(&category_key(&key)).copied();
                if position.is_none() {
                    state.unseen += 1;
                    return Ok(-1.0);
                }
                position
            }
        };
        code.map(|c| c as f32).ok_or_else(|| self.too_many_categories(state))
    }

    /// How to name a column in a suggested `--ignore-col`.
    fn column_argument(state: &ColumnState) -> String {
        // A name a list could not carry (a comma, a line break, a number that would
        // read as a position) is given by its position.
        let unusable = state.name.contains(',')
            || state.name.chars().any(char::is_control)
            || state.name.parse::<usize>().is_ok();
        let name = if unusable || state.name == format!("column {}", state.file_column + 1) {
            (state.file_column + 1).to_string()
        } else {
            state.name.clone()
        };
        if name.contains([' ', ',', '"', '\'', '$']) { format!("{name:?}") } else { name }
    }

    /// A column that cannot be categories: mostly numbers with stray text, or too
    /// many distinct values.
    fn too_many_categories(&self, state: &ColumnState) -> DataError {
        let argument = Self::column_argument(state);
        if let Some((line, text)) =
            state.first_text.as_ref().filter(|_| state.numbers > state.texts && !state.forced)
        {
            // --na-values is a comma-separated list of trimmed markers: a value with a
            // comma or a control character cannot be one.
            let marker = text.trim();
            let missing = if let Some(hint) = comma_hint(marker) {
                format!("fix the cell ({hint})")
            } else if marker.is_empty() || marker.contains(',') || marker.chars().any(char::is_control) {
                "fix the cell".to_string()
            } else {
                format!("mark it missing with --na-values {}", shell_word(marker))
            };
            return self.at(
                *line,
                state.file_column + 1,
                format!(
                    "non-numeric value {} in column {:?}, whose other values are numbers (a typo?): {missing}, or read the column as categories with --categorical {argument}",
                    quoted(text.as_bytes()),
                    state.name,
                ),
            );
        }
        let every_row = if state.numbers + state.texts == self.options.max_categories + 1 {
            " (a different one on every row: an identifier or free text?)"
        } else {
            ""
        };
        DataError::Content {
            path: self.name.clone(),
            line: None,
            column: Some(state.file_column + 1),
            message: format!(
                "column {:?} has more than {} distinct values{every_row}, too many to encode as categories: leave it out with --ignore-col {argument} (or raise --max-categories)",
                state.name, self.options.max_categories
            ),
        }
    }

    /// The feature columns as read: kinds, categories sorted (training) and the rank of
    /// each code. A training column of categories with a distinct value on nearly every
    /// row is an identifier or free text, refused.
    fn finish_columns(
        &self,
        states: &mut [ColumnState],
    ) -> Result<(Vec<FeatureColumn>, Vec<Vec<usize>>), DataError> {
        let mut columns = Vec::with_capacity(states.len());
        let mut ranks = Vec::with_capacity(states.len());
        for state in states.iter_mut() {
            let (kind, rank) = match &mut state.values {
                Values::Numbers => (ColumnKind::Number, Vec::new()),
                Values::Inferred { keys, .. } => {
                    let present = state.numbers + state.texts;
                    let distinct = keys.len();
                    // Text cells among a majority of numbers are mistakes or unlisted
                    // missing markers, not categories, whatever the file's size.
                    if !state.forced && state.texts > 0 && state.numbers > state.texts {
                        return Err(self.too_many_categories(state));
                    }
                    if present >= NEARLY_UNIQUE_ROWS && distinct * 10 > present * 9 {
                        let argument = Self::column_argument(state);
                        return Err(DataError::Content {
                            path: self.name.clone(),
                            line: None,
                            column: Some(state.file_column + 1),
                            message: format!(
                                "column {:?} has {distinct} distinct values in {present} rows, an identifier or free text rather than categories: leave it out with --ignore-col {argument}",
                                state.name
                            ),
                        });
                    }
                    let mut sorted = keys.clone();
                    sort_categories(&mut sorted);
                    let position: HashMap<&str, usize> =
                        sorted.iter().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
                    let rank = keys.iter().map(|k| position[k.as_str()]).collect();
                    (ColumnKind::Category { categories: sorted }, rank)
                }
                Values::Known { categories, .. } => {
                    let rank = (0..categories.len()).collect();
                    (ColumnKind::Category { categories: categories.clone() }, rank)
                }
            };
            columns.push(FeatureColumn {
                name: state.name.clone(),
                file_column: state.file_column,
                kind,
                missing: state.missing,
                na_values: state.na_values.clone(),
            });
            ranks.push(rank);
        }
        Ok((columns, ranks))
    }

    /// A training file's columns: the label, the ignored ones, the features (numbers
    /// until a text cell says otherwise, or categories by `--categorical`), and whether
    /// the first row is a header.
    fn training_roles(
        &self,
        first: &csv::ByteRecord,
        second: Option<&csv::ByteRecord>,
    ) -> Result<(Vec<Role>, bool, Vec<ColumnState>), DataError> {
        let width = first.len();
        let line = first.position().map_or(0, csv::Position::line);
        if width < 2 && !(self.options.series && width == 1) {
            return Err(self.one_column(first, line));
        }
        let label = self.column_index(&self.options.label, "--label-col", first, width)?;
        let find = |wanted: &[LabelColumn], flag: &'static str| -> Result<Vec<usize>, DataError> {
            let columns: Vec<usize> =
                wanted.iter().map(|c| self.column_index(c, flag, first, width)).collect::<Result<_, _>>()?;
            if columns.contains(&label) {
                return Err(DataError::Option {
                    flag,
                    message: format!("column {} is the label column", label + 1),
                });
            }
            Ok(columns)
        };
        let ignored = find(&self.options.ignore, "--ignore-col")?;
        let wanted: Vec<LabelColumn> = self.options.na_values_col.iter().map(|(c, _)| c.clone()).collect();
        let per_column: Vec<(usize, Vec<String>)> = find(&wanted, "--na-values-col")?
            .into_iter()
            .zip(self.options.na_values_col.iter().map(|(_, v)| v.clone()))
            .collect();
        let categorical = find(&self.options.categorical, "--categorical")?;
        if let Some(&both) = categorical.iter().find(|c| ignored.contains(c)) {
            return Err(DataError::Option {
                flag: "--categorical",
                message: format!("column {} is also left out by --ignore-col", both + 1),
            });
        }
        let weight = find(self.options.sample_weight.as_slice(), "--sample-weight-col")?.first().copied();
        if let Some(weight) = weight
            && (ignored.contains(&weight) || categorical.contains(&weight))
        {
            let other = if ignored.contains(&weight) {
                "left out by --ignore-col"
            } else {
                "read as categories by --categorical"
            };
            return Err(DataError::Option {
                flag: "--sample-weight-col",
                message: format!("column {} is also {other}", weight + 1),
            });
        }
        let mut roles = Vec::with_capacity(width);
        let mut features = 0;
        for column in 0..width {
            roles.push(if column == label {
                Role::Label
            } else if ignored.contains(&column) {
                Role::Skip
            } else if Some(column) == weight {
                Role::Weight
            } else {
                features += 1;
                Role::Feature(features - 1)
            });
        }
        if features == 0 && !self.options.series {
            return Err(DataError::Option {
                flag: "--ignore-col",
                message: "leaves no feature columns".into(),
            });
        }
        let named = |columns: &[LabelColumn]| columns.iter().any(|c| matches!(c, LabelColumn::Name(_)));
        // A column named on the command line means a header (unless --no-header, which
        // column_index has already refused with names).
        let any_named = named(std::slice::from_ref(&self.options.label))
            || named(&self.options.ignore)
            || named(self.options.sample_weight.as_slice())
            || named(&self.options.categorical);
        let header =
            (any_named && self.options.header != HeaderMode::Absent) || self.is_header(first, &roles, second);
        let states = roles
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r, Role::Feature(_)))
            .map(|(column, _)| {
                let values = if categorical.contains(&column) {
                    Values::Inferred { keys: Vec::new(), index: HashMap::new() }
                } else {
                    Values::Numbers
                };
                let markers = per_column.iter().filter(|(c, _)| *c == column).flat_map(|(_, v)| v.clone());
                ColumnState::new(
                    column_name(first, column, header),
                    column,
                    values,
                    categorical.contains(&column),
                    markers.collect(),
                )
            })
            .collect();
        Ok((roles, header, states))
    }

    /// A file read against a saved schema: columns by name under a header, otherwise
    /// the training file's layout with or without its label column.
    fn schema_roles(
        &self,
        schema: &Schema,
        id: Option<&LabelColumn>,
        first: &csv::ByteRecord,
        second: Option<&csv::ByteRecord>,
    ) -> Result<SchemaRoles, DataError> {
        let width = first.len();
        let id = id.map(|id| self.column_index(id, "--id-col", first, width)).transpose()?;
        let id_column = id;
        let cells: Vec<String> =
            first.iter().map(|f| String::from_utf8_lossy(f).trim().to_string()).collect();
        let names_match = schema.has_header && schema.columns.iter().all(|c| cells.contains(&c.name));
        let header = match self.options.header {
            HeaderMode::Present => true,
            HeaderMode::Absent => false,
            HeaderMode::Auto => {
                names_match || {
                    let mut roles = vec![Role::Feature(0); width];
                    if let Some(id) = id {
                        roles[id] = Role::Id;
                    }
                    self.is_header(first, &roles, second)
                }
            }
        };
        let mut roles = vec![Role::Skip; width];
        if let Some(id) = id {
            roles[id] = Role::Id;
        }
        let mut positions = Vec::with_capacity(schema.columns.len());
        if header {
            // Another column of the name first; else the identifier column itself, when it
            // is one of the model's (read in place as well as passed through).
            let position = |name: &str| {
                (0..width)
                    .find(|&c| Some(c) != id && cells[c] == name)
                    .or_else(|| id.filter(|&i| cells[i] == name))
            };
            for column in &schema.columns {
                let Some(found) = position(&column.name) else {
                    let names: Vec<&str> = schema.columns.iter().map(|c| c.name.as_str()).collect();
                    return Err(self.at(
                        first.position().map_or(1, csv::Position::line),
                        1,
                        format!(
                            "no column named {:?}: the model reads the columns {}",
                            column.name,
                            names.join(", ")
                        ),
                    ));
                };
                positions.push(found);
            }
            if let Some(label) = position(&schema.label_name) {
                roles[label] = Role::Label;
            }
        } else {
            // Without a header, an identifier column in a file of the training layout is
            // one of the model's own columns, read in place (no shift).
            let in_place = width == schema.width || width + 1 == schema.width;
            let id = id.filter(|_| !in_place);
            let others = width - usize::from(id.is_some());
            // The training file's columns, with the identifier column somewhere among them.
            let shift = |p: usize| p + usize::from(id.is_some_and(|id| id <= p));
            let with_label = if others == schema.width {
                true
            } else if others + 1 == schema.width {
                false
            } else {
                let features = schema.columns.len();
                let id_note = if id.is_some() { " besides the identifier" } else { "" };
                let layout = if schema.width == features + 1 {
                    format!("{features} features ({} columns with the label)", features + 1)
                } else {
                    format!("{} columns ({features} of them features, one the label)", schema.width)
                };
                return Err(self.at(
                    1,
                    1,
                    format!("the model takes {layout}, but the file has {others} columns{id_note}"),
                ));
            };
            if with_label && shift(schema.label_column) < width {
                roles[shift(schema.label_column)] = Role::Label;
            }
            for column in &schema.columns {
                let p = column.file_column;
                let p = if with_label { p } else { p - usize::from(p > schema.label_column) };
                positions.push(shift(p));
            }
        }
        let mut states = Vec::with_capacity(positions.len());
        for (slot, (column, &position)) in schema.columns.iter().zip(&positions).enumerate() {
            roles[position] = Role::Feature(slot);
            let values = match &column.kind {
                ColumnKind::Number => Values::Numbers,
                ColumnKind::Category { categories } => {
                    Values::Known { index: category_index(categories), categories: categories.clone() }
                }
            };
            states.push(ColumnState::new(
                column.name.clone(),
                position,
                values,
                false,
                column.na_values.clone(),
            ));
        }
        Ok((roles, header, states, id_column))
    }

    /// Makes a dataset of a training table, inferring the task from its labels.
    fn dataset_from(&self, table: Table) -> Result<Dataset, DataError> {
        let (Some(label), Some(labels)) = (table.label, table.labels) else {
            unreachable!("a training table always has a label column");
        };
        let (task, class_names, labels) = labels.finish(self.options.task, |line, message| {
            DataError::Content { path: self.name.clone(), line, column: Some(label + 1), message }
        })?;
        Ok(Dataset {
            source: self.name.clone(),
            label_name: table.names[label].clone(),
            feature_names: table.columns.iter().flat_map(FeatureColumn::input_names).collect(),
            label_column: label,
            has_header: table.has_header,
            features: table.features,
            task,
            class_names,
            labels,
            columns: table.columns,
            width: table.width,
            impute: self.options.impute,
            na_values: self.options.na_values.clone(),
            report: table.report,
            validation: None,
            test: None,
            window: None,
            sample_weights: table
                .weights
                .map(|(column, values)| SampleWeights { column: table.names[column].clone(), values }),
        })
    }

    fn one_column(&self, first: &csv::ByteRecord, line: u64) -> DataError {
        let line_text = String::from_utf8_lossy(first.get(0).unwrap_or_default()).to_string();
        let hint = [(';', "';'"), ('\t', "tab"), ('|', "'|'")]
            .iter()
            .find(|(c, _)| line_text.contains(*c))
            .map(|(_, name)| {
                format!(" (the line contains {name}: try --delimiter {})", name.trim_matches('\''))
            })
            .unwrap_or_default();
        self.at(line, 1, format!("found one column; nntui needs feature columns and a label column{hint}"))
    }

    /// Fails if about `rows` rows of `features` numbers (and their labels) would not fit
    /// in the memory the system says is available.
    fn check_memory(&self, rows: usize, features: usize) -> Result<(), DataError> {
        let needed = rows as f64 * (features as f64 * 4.0 + 12.0);
        match available_memory() {
            Some(available) if needed > available as f64 => {
                Err(self.too_big(rows, features, Some(available)))
            }
            _ => Ok(()),
        }
    }

    fn too_big(&self, rows: usize, features: usize, available: Option<u64>) -> DataError {
        const GIB: f64 = (1u64 << 30) as f64;
        let needed = rows as f64 * (features as f64 * 4.0 + 12.0) / GIB;
        let available =
            available.map_or(String::new(), |a| format!(", and {:.1} GiB is available", a as f64 / GIB));
        DataError::Io {
            path: self.name.clone(),
            message: format!(
                "too big for this machine's memory: about {rows} rows of {features} features need {needed:.1} GiB as 32-bit numbers{available}"
            ),
        }
    }

    /// A NUL byte in the first block means binary data, not a CSV: say where it is.
    #[allow(clippy::naive_bytecount, reason = "counted once, for an error's place in the first block")]
    fn binary(&self, start: &[u8]) -> Option<DataError> {
        let offset = start.iter().position(|&b| b == 0)?;
        let before = &start[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = before[line_start..].iter().filter(|&&b| b == self.options.delimiter).count() + 1;
        Some(self.at(
            line,
            column,
            format!("binary data (a NUL byte at offset {offset}): this is not a CSV text file"),
        ))
    }

    fn io(&self, error: &io::Error) -> DataError {
        DataError::Io { path: self.name.clone(), message: describe_io(error) }
    }

    fn csv_error(&self, error: &csv::Error) -> DataError {
        let line = error.position().map_or(0, csv::Position::line);
        match error.kind() {
            csv::ErrorKind::Io(io) => DataError::Io { path: self.name.clone(), message: describe_io(io) },
            _ => self.at(line, 1, error.to_string()),
        }
    }

    /// Where the column `wanted` (for option `flag`) is, from 0.
    fn column_index(
        &self,
        wanted: &LabelColumn,
        flag: &'static str,
        first: &csv::ByteRecord,
        width: usize,
    ) -> Result<usize, DataError> {
        match wanted {
            LabelColumn::Last => Ok(width - 1),
            LabelColumn::Index(index) if (1..=width).contains(index) => Ok(index - 1),
            LabelColumn::Index(index) => Err(DataError::Option {
                flag,
                message: format!("column {index} does not exist: {} has {width} columns", self.name),
            }),
            LabelColumn::Name(wanted) => {
                if self.options.header == HeaderMode::Absent {
                    return Err(DataError::Option {
                        flag,
                        message: format!(
                            "a column name ({wanted:?}) needs a header row, but --no-header was given"
                        ),
                    });
                }
                first
                    .iter()
                    .position(|field| String::from_utf8_lossy(field).trim() == wanted.as_str())
                    .ok_or_else(|| {
                        let names: Vec<String> = first
                            .iter()
                            .take(12)
                            .map(|f| String::from_utf8_lossy(f).trim().to_string())
                            .collect();
                        DataError::Option {
                            flag,
                            message: format!(
                                "no column named {wanted:?} in the header of {} ({})",
                                self.name,
                                names.join(", ")
                            ),
                        }
                    })
            }
        }
    }

    fn is_header(&self, first: &csv::ByteRecord, roles: &[Role], second: Option<&csv::ByteRecord>) -> bool {
        match self.options.header {
            HeaderMode::Present => return true,
            HeaderMode::Absent => return false,
            HeaderMode::Auto => {}
        }
        let numeric = |field: &[u8]| parse_number(field).is_ok();
        let na = &self.options.na_values;
        // A header names every feature column, so all its (non-missing) feature cells
        // are text; one bad value in a row of numbers is data, and an error on that
        // line. Missing cells say nothing: headers have empty ones (pandas' index
        // column) and so does data. An identifier is text in every row: it says nothing.
        let texts: Vec<usize> = first
            .iter()
            .enumerate()
            .filter(|&(c, f)| matches!(roles[c], Role::Feature(_)) && !na.is_missing(f))
            .map(|(c, _)| c)
            .collect();
        if !texts.is_empty() && texts.iter().all(|&c| !numeric(&first[c])) {
            // Numbers below a text cell settle it; a file of categories only has text
            // below too, and then a header is told by its names being all different.
            let numbers_below = second.is_some_and(|s| texts.iter().any(|&c| s.get(c).is_some_and(numeric)));
            let mut cells: Vec<&[u8]> =
                first.iter().map(<[u8]>::trim_ascii).filter(|f| !f.is_empty()).collect();
            let count = cells.len();
            cells.sort_unstable();
            cells.dedup();
            return numbers_below || second.is_none() || cells.len() == count;
        }
        let label = roles.iter().position(|&r| r == Role::Label);
        let Some(label) = label.filter(|&l| !numeric(&first[l]) && !na.is_missing(&first[l])) else {
            return false;
        };
        // Only the label is text: a header if the labels below are numbers.
        second.is_some_and(|s| s.get(label).is_some_and(numeric))
    }
}

/// Rows with at least this many values in a column of categories are checked for a
/// distinct value on nearly every row (an identifier or free text).
const NEARLY_UNIQUE_ROWS: usize = 20;

/// Fewest rows for a column in order with a different value on each to look like a row
/// index or a time axis rather than chance.
const INDEX_ROWS: usize = 10;

/// Warnings for number columns that are probably not features: one value on every row,
/// or a different value on each in order (a row index, a year, a timestamp), which a
/// network can only extrapolate.
fn column_warnings(states: &[ColumnState], rows: usize) -> Vec<String> {
    let mut warnings = Vec::new();
    for state in states.iter().filter(|s| matches!(s.values, Values::Numbers) && s.numbers > 1) {
        let argument = Loader::column_argument(state);
        if state.constant {
            warnings.push(format!(
                "column {:?} holds one value ({}) on every row: it tells the rows nothing (--ignore-col {argument} leaves it out)",
                state.name,
                state.first_value.unwrap_or(0.0)
            ));
        } else if state.missing == 0
            && rows >= INDEX_ROWS
            && state.numbers == rows
            && (state.increasing || state.decreasing)
        {
            warnings.push(format!(
                "column {:?} has a different value on every row, in order: it looks like a row index or a time axis, which a model can only extrapolate (--ignore-col {argument} leaves it out)",
                state.name
            ));
        }
    }
    warnings
}

/// What a number written with commas may have meant: a decimal comma (`2,5`),
/// thousands separators (`1,234,567`, `1,234.5`), or either (`1,500`).
fn comma_hint(text: &str) -> Option<String> {
    let groups: Vec<&str> = text.split(',').collect();
    if groups.len() < 2 {
        return None;
    }
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let decimal = (groups.len() == 2)
        .then(|| text.replace(',', "."))
        .filter(|d| d.parse::<f64>().is_ok_and(f64::is_finite));
    let head = groups[0].strip_prefix(['-', '+']).unwrap_or(groups[0]);
    let last = groups.len() - 1;
    let thousands = digits(head)
        && head.len() <= 3
        && groups[1..].iter().enumerate().all(|(k, &group)| {
            // The last group may carry a decimal part.
            let whole = match group.split_once('.') {
                Some((whole, fraction)) if k + 1 == last && digits(fraction) => whole,
                _ => group,
            };
            whole.len() == 3 && digits(whole)
        });
    match (decimal, thousands) {
        (Some(_), true) => Some("a decimal comma or a thousands separator?".to_string()),
        (Some(decimal), false) => Some(format!("{decimal}, with a decimal point?")),
        (None, true) => Some(format!("{}, without thousands separators?", text.replace(',', ""))),
        (None, false) => None,
    }
}

/// An argument as a POSIX shell reads it back: as is when plain, else in single quotes.
fn shell_word(text: &str) -> String {
    let plain =
        !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:,=+@%".contains(c));
    if plain { text.to_string() } else { format!("'{}'", text.replace('\'', "'\\''")) }
}

/// A column's name: the header's, or `column N`.
fn column_name(first: &csv::ByteRecord, column: usize, header: bool) -> String {
    let text =
        if header { String::from_utf8_lossy(&first[column]).trim().to_string() } else { String::new() };
    if text.is_empty() { format!("column {}", column + 1) } else { text }
}

/// The network's inputs from the cells as read (one per column, categories as codes):
/// numbers as they are, each category as one input per category (1 for its own, 0
/// elsewhere; NaN in all when missing, 0 in all when unknown). A file of numbers only
/// is used as it is, without a copy.
fn expand(raw: Vec<f32>, rows: usize, columns: &[FeatureColumn], ranks: &[Vec<usize>]) -> Array2<f32> {
    let slots = columns.len();
    let inputs: usize = columns.iter().map(FeatureColumn::width).sum();
    let raw = if columns.iter().any(FeatureColumn::is_categorical) {
        let mut out = Vec::with_capacity(rows * inputs);
        for row in raw.chunks_exact(slots) {
            for ((column, &value), rank) in columns.iter().zip(row).zip(ranks) {
                let width = column.width();
                if !column.is_categorical() {
                    out.push(value);
                } else if value.is_nan() {
                    out.extend(std::iter::repeat_n(f32::NAN, width));
                } else if value < 0.0 {
                    out.extend(std::iter::repeat_n(0.0, width));
                } else {
                    #[allow(
                        clippy::cast_possible_truncation,
                        reason = "a category code, a small whole number"
                    )]
                    let hot = rank[value as usize];
                    out.extend((0..width).map(|i| if i == hot { 1.0 } else { 0.0 }));
                }
            }
        }
        out
    } else {
        raw
    };
    #[allow(clippy::expect_used, reason = "every row added exactly one value per input")]
    Array2::from_shape_vec((rows, inputs), raw).expect("every row added exactly one value per input")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &[u8], options: &CsvOptions) -> Result<Dataset, String> {
        parse(text, "t.csv", options).map_err(|e| e.to_string())
    }

    fn ok(text: &str) -> Dataset {
        load_text(text.as_bytes(), &CsvOptions::default()).unwrap()
    }

    fn error(text: &[u8]) -> String {
        load_text(text, &CsvOptions::default()).unwrap_err()
    }

    #[test]
    fn headerless_numeric_file() {
        let d = ok("1,2,0\n3,4,1\n5,6,0");
        assert_eq!((d.rows(), d.feature_count(), d.task), (3, 2, Task::Binary));
        assert!(!d.has_header);
        assert_eq!(d.features.row(1).to_vec(), vec![3.0, 4.0]);
        assert_eq!(d.labels, vec![0.0, 1.0, 0.0]);
        assert_eq!(d.feature_names, vec!["column 1", "column 2"]);
    }

    #[test]
    fn header_bom_crlf_quotes_and_spaces() {
        let d = ok("\u{feff}a,\"b\",class\r\n1, 2 ,yes\r\n\"3\",4,no\r\n");
        assert!(d.has_header);
        assert_eq!(d.feature_names, vec!["a", "b"]);
        assert_eq!(d.label_name, "class");
        assert_eq!(d.class_names, vec!["no", "yes"]);
        assert_eq!(d.features.as_slice().unwrap(), &[1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn string_labels_without_header_are_data() {
        let d = ok("5.1,3.5,setosa\n6.0,2.2,versicolor\n6.3,3.3,virginica\n");
        assert_eq!((d.rows(), d.task, d.has_header), (3, Task::Multiclass, false));
    }

    #[test]
    fn label_column_by_index_and_name() {
        let options = CsvOptions { label: LabelColumn::Index(1), ..Default::default() };
        let d = load_text(b"0,1.5,2\n1,2.5,3\n", &options).unwrap();
        assert_eq!(d.labels, vec![0.0, 1.0]);
        assert_eq!(d.features.as_slice().unwrap(), &[1.5, 2.0, 2.5, 3.0]);

        let options = CsvOptions { label: LabelColumn::Name("y".into()), ..Default::default() };
        let d = load_text(b"y,x\n0,1\n1,2\n", &options).unwrap();
        assert_eq!(d.labels, vec![0.0, 1.0]);

        let options = CsvOptions { label: LabelColumn::Index(4), ..Default::default() };
        assert_eq!(
            load_text(b"0,1,2\n", &options).unwrap_err(),
            "--label-col: column 4 does not exist: t.csv has 3 columns"
        );
    }

    #[test]
    fn semicolons_need_the_delimiter_option() {
        let message = error(b"1;2;0\n3;4;1\n");
        assert!(message.starts_with("t.csv:1:1: found one column"), "{message}");
        assert!(message.contains("try --delimiter ;"), "{message}");
        let options = CsvOptions { delimiter: b';', ..Default::default() };
        assert_eq!(load_text(b"1;2;0\n3;4;1\n", &options).unwrap().rows(), 2);
    }

    #[test]
    fn every_bad_input_names_line_and_column() {
        assert_eq!(error(b""), "t.csv:1:1: the file is empty");
        assert_eq!(error(b"a,b,c\n"), "t.csv:2:1: a header row but no data rows");
        assert_eq!(error(b"1,2,0\n3,4\n"), "t.csv:2:3: expected 3 fields, as on line 1, found 2");
        assert_eq!(error(b"1,2,0\n3,4,1,9\n"), "t.csv:2:4: expected 3 fields, as on line 1, found 4");
        let mut stray = String::new();
        for row in 0..60 {
            stray.push_str(&format!("{row}.5,{},{}\n", row % 7, row % 2));
        }
        stray.push_str("1,abc,1\n");
        assert_eq!(
            error(stray.as_bytes()),
            "t.csv:61:2: non-numeric value \"abc\" in column \"column 2\", whose other values are numbers (a typo?): mark it missing with --na-values abc, or read the column as categories with --categorical 2"
        );
        // A value --na-values cannot carry (a comma, a line break) is not offered as a
        // marker; a header name a list cannot carry is given by its position.
        let odd = stray.replace("1,abc,1", "1,\"2,5\",1");
        assert_eq!(
            error(odd.as_bytes()),
            "t.csv:61:2: non-numeric value \"2,5\" in column \"column 2\", whose other values are numbers (a typo?): fix the cell (2.5, with a decimal point?), or read the column as categories with --categorical 2"
        );
        for (cell, hint) in [
            ("1,500", "a decimal comma or a thousands separator?"),
            ("-1,234,567", "-1234567, without thousands separators?"),
            ("1,234.5", "1234.5, without thousands separators?"),
            ("0,25", "0.25, with a decimal point?"),
            ("12,5e3", "12.5e3, with a decimal point?"),
            ("1234,567", "1234.567, with a decimal point?"),
        ] {
            assert_eq!(comma_hint(cell).as_deref(), Some(hint), "{cell}");
        }
        for cell in ["1,2,3", "1,5,", "1,5.2.1", "1,23,456", "a,b", "1.5"] {
            assert_eq!(comma_hint(cell), None, "{cell}");
        }
        let odd = stray.replace("1,abc,1", "1,\"a,b\",1");
        assert_eq!(
            error(odd.as_bytes()),
            "t.csv:61:2: non-numeric value \"a,b\" in column \"column 2\", whose other values are numbers (a typo?): fix the cell, or read the column as categories with --categorical 2"
        );
        let odd = format!("x,\"y\ny\",z\n{}", stray.replace("1,abc,1", "1,\"a\nb\",1"));
        assert_eq!(
            error(odd.as_bytes()),
            "t.csv:63:2: non-numeric value \"a\\nb\" in column \"y\\ny\", whose other values are numbers (a typo?): fix the cell, or read the column as categories with --categorical 2"
        );
        let no_na = CsvOptions { na_values: NaValues(Vec::new()), ..Default::default() };
        assert_eq!(
            load_text(b"1,2,0\nNaN,4,1\n", &no_na).unwrap_err(),
            "t.csv:2:1: value \"NaN\" is not a finite number"
        );
        assert_eq!(error(b"1,2,0\n3,-inf,1\n"), "t.csv:2:2: value \"-inf\" is not a finite number");
        assert_eq!(
            error(b"1,2,0\n3,1e308,1\n"),
            "t.csv:2:2: value \"1e308\" is too large for 32-bit floats (largest is 3.4e38)"
        );

        assert_eq!(
            error(b"1,2,0\n3,\xff\xfe,1\n"),
            "t.csv:2:2: value \"\\xff\\xfe\" is not valid UTF-8 text"
        );
        assert_eq!(
            error(b"1,2,1\n3,4,1\n"),
            "t.csv: column 3: only one label value, \"1\", in 2 rows: there is nothing to learn"
        );
    }
}
