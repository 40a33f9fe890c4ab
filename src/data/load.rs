//! CSV loading with errors that name the file, line and column.

use super::labels::LabelCollector;
use super::{DataError, Dataset, Task};
use ndarray::Array2;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// Which column holds the label.
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
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { label: LabelColumn::Last, header: HeaderMode::Auto, delimiter: b',', task: None }
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

/// Loads a dataset from `path`, calling `progress(bytes_read, total_bytes)` now and then.
pub fn load_with_progress(
    path: &Path,
    options: &CsvOptions,
    progress: impl FnMut(u64, u64),
) -> Result<Dataset, DataError> {
    let name = path.display().to_string();
    let (file, size) = open(path, &name)?;
    let loader = Loader::new(name, options, size);
    let table = loader.read(file, progress, LabelPolicy::Collect)?;
    loader.dataset_from(table)
}

/// A file read for a saved model: its feature columns as numbers, and the text of its
/// label and identifier columns where it has them.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelRows {
    /// `rows x features`, in the file's own units.
    pub features: Array2<f32>,
    /// Each row's label, as written (when the file has the label column).
    pub labels: Option<Vec<String>>,
    /// Each row's identifier, as written (with `id`), and the column's name.
    pub ids: Option<(String, Vec<String>)>,
}

/// Reads a file for a saved model (prediction, evaluation). `id` names a column to pass
/// through as text (`--id-col`, counted as `--label-col` counts). `label_column(width, id)`
/// is told how many columns the file has and where the identifier is, and answers which
/// column, if any, holds the label, or refuses the width.
pub fn load_model_rows(
    path: &Path,
    options: &CsvOptions,
    id: Option<&LabelColumn>,
    label_column: &dyn Fn(usize, Option<usize>) -> Result<Option<usize>, DataError>,
) -> Result<ModelRows, DataError> {
    let name = path.display().to_string();
    let (file, size) = open(path, &name)?;
    let loader = Loader::new(name, options, size);
    let table = loader.read(file, |_, _| {}, LabelPolicy::Keep { id, label_column })?;
    let ids = table.id.zip(table.ids).map(|(column, ids)| (table.names[column].clone(), ids));
    Ok(ModelRows { features: table.features, labels: table.label_texts, ids })
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
    let table = loader.read(bytes, |_, _| {}, LabelPolicy::Collect)?;
    loader.dataset_from(table)
}

/// What to do with the label column.
#[derive(Clone, Copy)]
enum LabelPolicy<'f> {
    /// Find it from the options and collect its values.
    Collect,
    /// Keep the text of the label column that `label_column` names, if any, and of the
    /// `id` column.
    Keep {
        id: Option<&'f LabelColumn>,
        label_column: &'f dyn Fn(usize, Option<usize>) -> Result<Option<usize>, DataError>,
    },
}

impl LabelPolicy<'_> {
    fn collects(self) -> bool {
        matches!(self, LabelPolicy::Collect)
    }
}

/// A parsed file before its labels are interpreted.
struct Table {
    features: Array2<f32>,
    names: Vec<String>,
    has_header: bool,
    label: Option<usize>,
    labels: Option<LabelCollector>,
    /// The label column's text, row by row (when kept, not collected).
    label_texts: Option<Vec<String>>,
    /// The identifier column, and its text row by row.
    id: Option<usize>,
    ids: Option<Vec<String>>,
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
        policy: LabelPolicy<'_>,
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
        let (label, id) = match policy {
            LabelPolicy::Collect => {
                if width < 2 {
                    return Err(self.one_column(&first, line_of(&first)));
                }
                (Some(self.column_index(&self.options.label, "--label-col", &first, width)?), None)
            }
            LabelPolicy::Keep { id, label_column } => {
                let id = id.map(|id| self.column_index(id, "--id-col", &first, width)).transpose()?;
                (label_column(width, id)?, id)
            }
        };
        let mut labels = label.is_some().then(LabelCollector::new).filter(|_| policy.collects());
        let mut label_texts = label.filter(|_| !policy.collects()).map(|_| Vec::new());
        let mut ids = id.map(|_| Vec::new());

        // Peek at the second row: it settles whether a first row whose only text is
        // its label is a header (numeric labels below) or data (string labels).
        let mut second = csv::ByteRecord::new();
        let has_second = next(&mut reader, &mut second)?;
        let named_id = matches!(policy, LabelPolicy::Keep { id: Some(LabelColumn::Name(_)), .. });
        let header = named_id || self.is_header(&first, label, id, has_second.then_some(&second));

        // Size the feature array from the file's size and the first rows' length, and
        // refuse up front a file whose numbers cannot fit in memory.
        let feature_count = width - usize::from(label.is_some()) - usize::from(id.is_some());
        let size = self.size.unwrap_or(1 << 20);
        let row_bytes = match (first.position(), second.position()) {
            (Some(a), Some(b)) if has_second && b.byte() > a.byte() => b.byte() - a.byte(),
            _ => size,
        };
        let estimated_rows = usize::try_from(size / row_bytes.max(2) + 1).unwrap_or(usize::MAX);
        self.check_memory(estimated_rows, feature_count)?;
        let mut features: Vec<f32> = Vec::new();
        features
            .try_reserve_exact(estimated_rows.saturating_mul(feature_count).min(1 << 28))
            .map_err(|_| self.too_big(estimated_rows, feature_count, None))?;
        let mut rows = 0usize;
        let mut add = |record: &csv::ByteRecord, features: &mut Vec<f32>| -> Result<(), DataError> {
            let line = line_of(record);
            if features.len() + feature_count > features.capacity() {
                features
                    .try_reserve(features.capacity().max(feature_count))
                    .map_err(|_| self.too_big(rows * 2, feature_count, None))?;
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
            for (column, field) in record.iter().enumerate() {
                if Some(column) == id {
                    if let Some(ids) = ids.as_mut() {
                        ids.push(String::from_utf8_lossy(field.trim_ascii()).into_owned());
                    }
                } else if Some(column) == label {
                    if let Some(texts) = label_texts.as_mut() {
                        texts.push(String::from_utf8_lossy(field.trim_ascii()).into_owned());
                        continue;
                    }
                    let Some(labels) = labels.as_mut() else {
                        continue;
                    };
                    let text = std::str::from_utf8(field.trim_ascii()).map_err(|_| {
                        self.at(line, column + 1, format!("label {} is not valid UTF-8 text", quoted(field)))
                    })?;
                    labels.push(text, line).map_err(|message| self.at(line, column + 1, message))?;
                } else {
                    let value = parse_number(field).map_err(|message| self.at(line, column + 1, message))?;
                    features.push(value);
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
        if rows == 0 {
            return Err(self.at(line_of(&first) + 1, 1, "a header row but no data rows"));
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
        #[allow(clippy::expect_used, reason = "every row added exactly feature_count values")]
        let features = Array2::from_shape_vec((rows, feature_count), features)
            .expect("every row added exactly feature_count values");
        Ok(Table { features, names, has_header: header, label, labels, label_texts, id, ids })
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
            feature_names: table
                .names
                .iter()
                .enumerate()
                .filter(|&(c, _)| c != label)
                .map(|(_, n)| n.clone())
                .collect(),
            label_column: label,
            has_header: table.has_header,
            features: table.features,
            task,
            class_names,
            labels,
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

    fn is_header(
        &self,
        first: &csv::ByteRecord,
        label: Option<usize>,
        id: Option<usize>,
        second: Option<&csv::ByteRecord>,
    ) -> bool {
        match self.options.header {
            HeaderMode::Present => return true,
            HeaderMode::Absent => return false,
            HeaderMode::Auto => {}
        }
        if matches!(self.options.label, LabelColumn::Name(_)) {
            return true;
        }
        // An identifier is text in every row, header or not: it says nothing.
        let numeric = |field: &[u8]| parse_number(field).is_ok();
        // A header names every feature column, so all its (non-empty) feature cells are
        // text; one bad value in a row of numbers is data, and an error on that line.
        // Empty cells say nothing: headers have them (pandas' index column) and so
        // does data with missing values.
        let mut cells = first
            .iter()
            .enumerate()
            .filter(|&(c, f)| Some(c) != label && Some(c) != id && !f.trim_ascii().is_empty());
        let mut any = false;
        if cells.all(|(_, f)| {
            any = true;
            !numeric(f)
        }) && any
        {
            return true;
        }
        let Some(label) = label.filter(|&l| !numeric(&first[l])) else {
            return false;
        };
        // Only the label is text: a header if the labels below are numbers.
        second.is_some_and(|s| s.get(label).is_some_and(numeric))
    }
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
        assert_eq!(error(b"1,2,0\n3,abc,1\n"), "t.csv:2:2: non-numeric value \"abc\"");
        assert_eq!(error(b"1,2,0\nNaN,4,1\n"), "t.csv:2:1: value \"NaN\" is not a finite number");
        assert_eq!(error(b"1,2,0\n3,-inf,1\n"), "t.csv:2:2: value \"-inf\" is not a finite number");
        assert_eq!(
            error(b"1,2,0\n3,1e308,1\n"),
            "t.csv:2:2: value \"1e308\" is too large for 32-bit floats (largest is 3.4e38)"
        );
        assert_eq!(error(b"1,,0\n"), "t.csv:1:2: empty value (missing data?)");
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
