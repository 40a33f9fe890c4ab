//! Studies that Optuna writes from Python, read as Optuna reads them back: its journal
//! files (`JournalStorage(JournalFileBackend(path))`, one JSON operation per line,
//! replayed as `optuna/storages/journal/_storage.py` replays them) and its SQLite storages
//! (`sqlite:///study.db`, the tables of `optuna/storages/_rdb/models.py`, opened read-only
//! and read in one transaction, so a study Optuna is writing is seen whole).
//!
//! A journal is read on from where the last read stopped; a last line without its newline
//! is an Optuna process in the middle of writing it, left for the next read. Lines that are
//! not JSON, or operations on trials and studies that do not exist, are skipped as Optuna
//! skips other workers' failed operations, and counted.

use super::space::{Domain, Param, Space};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

/// A trial's state (Optuna's `TrialState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Asked for and not yet told.
    Running,
    /// Finished with its values.
    Complete,
    /// Stopped by the pruner.
    Pruned,
    /// Raised an error, or returned a value that is not a number.
    Failed,
    /// Enqueued, not yet started.
    Waiting,
}

impl State {
    /// From Optuna's number (the journal) or name (SQLite).
    fn of(number: i64) -> Option<State> {
        Some(match number {
            0 => State::Running,
            1 => State::Complete,
            2 => State::Pruned,
            3 => State::Failed,
            4 => State::Waiting,
            _ => return None,
        })
    }

    fn named(name: &str) -> Option<State> {
        Some(match name {
            "RUNNING" => State::Running,
            "COMPLETE" => State::Complete,
            "PRUNED" => State::Pruned,
            "FAIL" => State::Failed,
            "WAITING" => State::Waiting,
            _ => return None,
        })
    }

    /// As nntui's study tables say it.
    pub fn name(self) -> &'static str {
        match self {
            State::Running => "running",
            State::Complete => "complete",
            State::Pruned => "pruned",
            State::Failed => "failed",
            State::Waiting => "waiting",
        }
    }

    fn finished(self) -> bool {
        matches!(self, State::Complete | State::Pruned | State::Failed)
    }
}

/// One trial of an Optuna study.
#[derive(Clone, Debug, PartialEq)]
pub struct Trial {
    /// Its number in its study (from 0).
    pub number: usize,
    /// Its state.
    pub state: State,
    /// Its parameters as Optuna gives them back (`0.0031`, `34`, `relu`), by name, with
    /// the range each was drawn from.
    pub params: BTreeMap<String, (String, Domain)>,
    /// Its objective values (one per direction), when it has them.
    pub values: Option<Vec<f64>>,
    /// What it reported along the way (`trial.report(value, step)`), by step.
    pub intermediate: BTreeMap<i64, f64>,
    /// When it started and finished, in seconds since the Unix epoch.
    pub start: Option<f64>,
    /// When it finished.
    pub complete: Option<f64>,
}

/// One study of an Optuna storage.
#[derive(Clone, Debug, PartialEq)]
pub struct Study {
    /// Its name (`study_name`).
    pub name: String,
    /// For each objective, whether it is maximized.
    pub maximize: Vec<bool>,
    /// Its objectives' names (`study.set_metric_names`), when it has them.
    pub metric_names: Option<Vec<String>>,
    /// Its trials, by number.
    pub trials: Vec<Trial>,
}

impl Study {
    /// Each objective's name: the study's metric names, else `value` (one objective) or
    /// `values_0`, `values_1`, ... (as `trials_dataframe` names them).
    pub fn objective_names(&self) -> Vec<String> {
        match &self.metric_names {
            Some(names) if names.len() == self.maximize.len() => names.clone(),
            _ if self.maximize.len() == 1 => vec!["value".into()],
            _ => (0..self.maximize.len()).map(|i| format!("values_{i}")).collect(),
        }
    }

    /// The options searched in every completed trial, each with the range its first
    /// completed trial drew it from (Optuna's `intersection_search_space`, which its
    /// importance evaluators use).
    pub fn space(&self) -> Space {
        let completed: Vec<&Trial> = self.trials.iter().filter(|t| t.state == State::Complete).collect();
        let Some(first) = completed.first() else { return Space { params: Vec::new() } };
        let params = first
            .params
            .iter()
            .filter(|(name, (_, domain))| {
                completed.iter().all(|t| t.params.get(*name).is_some_and(|(_, d)| d == domain))
            })
            .map(|(name, (_, domain))| Param {
                flag: name.clone(),
                text: String::new(),
                domain: domain.clone(),
            })
            .collect();
        Space { params }
    }

    /// Each searched option's share of the first objective's importance (PED-ANOVA, as
    /// `optuna.importance.get_param_importances` with `PedAnovaImportanceEvaluator`
    /// computes it), with the completed trials counted; `None` for a study of several
    /// objectives or with fewer than two completed trials.
    pub fn importances(&self) -> Option<(usize, Vec<(String, f64)>)> {
        let [maximize] = self.maximize.as_slice() else { return None };
        let space = self.space();
        let params: Vec<(Vec<(String, String)>, f64)> = self
            .trials
            .iter()
            .filter(|t| t.state == State::Complete)
            .filter_map(|t| {
                let value = *t.values.as_ref()?.first()?;
                let params = space
                    .params
                    .iter()
                    .filter_map(|p| Some((p.flag.clone(), t.params.get(&p.flag)?.0.clone())))
                    .collect();
                Some((params, value))
            })
            .collect();
        let trials: Vec<(&[(String, String)], f64)> =
            params.iter().map(|(p, v)| (p.as_slice(), *v)).collect();
        super::importance::importances(&space, &trials, *maximize).map(|shares| (trials.len(), shares))
    }
}

/// Whether a file is an Optuna storage: an SQLite database, or a journal whose first line
/// creates a study.
pub fn is_storage(path: &Path) -> bool {
    is_sqlite(path) || is_journal(path)
}

/// Whether a file is an SQLite database (by its first 16 bytes).
pub fn is_sqlite(path: &Path) -> bool {
    let mut head = [0u8; 16];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok()
        && &head == b"SQLite format 3\0"
}

/// Whether a file is an Optuna journal (its first line is a `create_study` operation).
fn is_journal(path: &Path) -> bool {
    use std::io::BufRead;
    let Ok(file) = std::fs::File::open(path) else { return false };
    let mut first = String::new();
    let _ = std::io::BufReader::new(file.take(64 << 10)).read_line(&mut first);
    first.starts_with("{\"op_code\":0,") && first.contains("\"study_name\"")
}

/// An Optuna storage being read: a journal read on from where it was, or an SQLite
/// database read again when it changed.
#[derive(Debug)]
pub enum Storage {
    /// A journal file.
    Journal(Journal),
    /// An SQLite database, and what its files looked like when it was last read.
    Sqlite { path: PathBuf, seen: Option<Vec<(u64, Option<std::time::SystemTime>)>>, studies: Vec<Study> },
}

impl Storage {
    /// Opens a storage file (nothing is read until [`Storage::refresh`]).
    pub fn open(path: &Path) -> Storage {
        if is_sqlite(path) {
            Storage::Sqlite { path: path.to_path_buf(), seen: None, studies: Vec::new() }
        } else {
            Storage::Journal(Journal::new(path))
        }
    }

    /// Reads what changed since the last read; whether anything did.
    ///
    /// # Errors
    /// A file that cannot be read, or a database that is not an Optuna storage.
    pub fn refresh(&mut self) -> Result<bool, String> {
        match self {
            Storage::Journal(journal) => journal.refresh(),
            Storage::Sqlite { path, seen, studies } => {
                // The database and its write-ahead log, if Optuna's engine keeps one.
                let now: Vec<(u64, Option<std::time::SystemTime>)> = ["", "-wal", "-journal"]
                    .iter()
                    .map(|suffix| {
                        let mut name = path.as_os_str().to_owned();
                        name.push(suffix);
                        std::fs::metadata(PathBuf::from(name))
                            .map_or((0, None), |m| (m.len(), m.modified().ok()))
                    })
                    .collect();
                if seen.as_ref() == Some(&now) {
                    return Ok(false);
                }
                *studies = read_sqlite(path)?;
                *seen = Some(now);
                Ok(true)
            }
        }
    }

    /// The studies read so far, in the order they were created.
    pub fn studies(&self) -> Vec<&Study> {
        match self {
            Storage::Journal(journal) => journal.studies.values().collect(),
            Storage::Sqlite { studies, .. } => studies.iter().collect(),
        }
    }

    /// Lines of a journal that were skipped (damaged, or operations Optuna would reject).
    pub fn skipped(&self) -> usize {
        match self {
            Storage::Journal(journal) => journal.skipped,
            Storage::Sqlite { .. } => 0,
        }
    }
}

/// An Optuna journal file, replayed as Optuna replays it.
#[derive(Debug, Default)]
pub struct Journal {
    path: PathBuf,
    /// Bytes replayed (always at a line's end).
    offset: u64,
    /// The studies that exist, by study id.
    pub studies: BTreeMap<i64, Study>,
    next_study: i64,
    /// Each trial id's study and place in its study's trials.
    trials: Vec<(i64, usize)>,
    /// Lines skipped.
    pub skipped: usize,
}

impl Journal {
    /// A journal to read from its start.
    pub fn new(path: &Path) -> Journal {
        Journal { path: path.to_path_buf(), ..Journal::default() }
    }

    /// Replays the lines written since the last read; whether there were any.
    ///
    /// # Errors
    /// A file that cannot be read.
    pub fn refresh(&mut self) -> Result<bool, String> {
        let mut file =
            std::fs::File::open(&self.path).map_err(|e| format!("{}: {e}", self.path.display()))?;
        let length = file.metadata().map_err(|e| format!("{}: {e}", self.path.display()))?.len();
        if length < self.offset {
            // Rewritten from the start: read it again.
            *self = Journal::new(&self.path);
        }
        if length == self.offset {
            return Ok(false);
        }
        file.seek(std::io::SeekFrom::Start(self.offset))
            .map_err(|e| format!("{}: {e}", self.path.display()))?;
        let mut bytes = Vec::new();
        file.take(length - self.offset)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{}: {e}", self.path.display()))?;
        let Some(end) = bytes.iter().rposition(|&b| b == b'\n') else { return Ok(false) };
        for line in bytes[..end].split(|&b| b == b'\n') {
            let replayed = std::str::from_utf8(line)
                .ok()
                .and_then(|text| {
                    serde_json::from_str::<Value>(&python_json(text.trim_end_matches('\r'))).ok()
                })
                .is_some_and(|op| self.apply(&op).is_some());
            if !replayed && !line.iter().all(u8::is_ascii_whitespace) {
                self.skipped += 1;
            }
        }
        self.offset += end as u64 + 1;
        Ok(true)
    }

    /// Replays one operation; `None` where Optuna would skip it.
    fn apply(&mut self, op: &Value) -> Option<()> {
        match op.get("op_code")?.as_i64()? {
            0 => {
                let name = op.get("study_name")?.as_str()?.to_string();
                if self.studies.values().any(|s| s.name == name) {
                    return None;
                }
                let maximize =
                    op.get("directions")?.as_array()?.iter().map(|d| d.as_i64() == Some(2)).collect();
                self.studies.insert(
                    self.next_study,
                    Study { name, maximize, metric_names: None, trials: Vec::new() },
                );
                self.next_study += 1;
            }
            1 => {
                self.studies.remove(&op.get("study_id")?.as_i64()?)?;
            }
            2 => {
                self.studies.get(&op.get("study_id")?.as_i64()?)?;
            }
            3 => {
                let study = self.studies.get_mut(&op.get("study_id")?.as_i64()?)?;
                if let Some(names) = op.get("system_attr")?.get("study:metric_names") {
                    study.metric_names = names.as_array().map(|a| a.iter().map(text_of).collect());
                }
            }
            4 => {
                let study_id = op.get("study_id")?.as_i64()?;
                let study = self.studies.get_mut(&study_id)?;
                let mut trial = Trial {
                    number: study.trials.len(),
                    state: op.get("state").and_then(Value::as_i64).map_or(Some(State::Running), State::of)?,
                    params: BTreeMap::new(),
                    values: op
                        .get("values")
                        .and_then(numbers)
                        .or_else(|| op.get("value").and_then(number).map(|v| vec![v])),
                    intermediate: BTreeMap::new(),
                    start: op.get("datetime_start").and_then(Value::as_str).and_then(seconds),
                    complete: op.get("datetime_complete").and_then(Value::as_str).and_then(seconds),
                };
                if let (Some(Value::Object(distributions)), Some(Value::Object(params))) =
                    (op.get("distributions"), op.get("params"))
                {
                    for (name, internal) in params {
                        let domain = distribution(distributions.get(name)?)?;
                        trial.params.insert(name.clone(), (external(&domain, number(internal)?)?, domain));
                    }
                }
                if let Some(Value::Object(values)) = op.get("intermediate_values") {
                    for (step, value) in values {
                        trial.intermediate.insert(step.parse().ok()?, number(value)?);
                    }
                }
                self.trials.push((study_id, study.trials.len()));
                study.trials.push(trial);
            }
            5 => {
                let trial = self.updatable(op)?;
                let domain = distribution(op.get("distribution")?)?;
                let text = external(&domain, number(op.get("param_value_internal")?)?)?;
                trial.params.insert(op.get("param_name")?.as_str()?.to_string(), (text, domain));
            }
            6 => {
                let trial = self.updatable(op)?;
                let state = State::of(op.get("state")?.as_i64()?)?;
                if state == State::Running && trial.state == State::Running {
                    return None;
                }
                if state == State::Running {
                    trial.start = op.get("datetime_start").and_then(Value::as_str).and_then(seconds);
                }
                if state.finished() {
                    trial.complete = op.get("datetime_complete").and_then(Value::as_str).and_then(seconds);
                }
                trial.state = state;
                if let Some(values) = op.get("values").and_then(numbers) {
                    trial.values = Some(values);
                }
            }
            7 => {
                let step = op.get("step")?.as_i64()?;
                let value = number(op.get("intermediate_value")?)?;
                self.updatable(op)?.intermediate.insert(step, value);
            }
            8..=10 => {}
            _ => return None,
        }
        Some(())
    }

    /// The trial an operation names, if it exists and has not finished.
    fn updatable(&mut self, op: &Value) -> Option<&mut Trial> {
        let id = usize::try_from(op.get("trial_id")?.as_i64()?).ok()?;
        let &(study, index) = self.trials.get(id)?;
        let trial = self.studies.get_mut(&study)?.trials.get_mut(index)?;
        (!trial.state.finished()).then_some(trial)
    }
}

/// Python's `json.dumps` writes `NaN`, `Infinity` and `-Infinity` bare; they become
/// strings here (outside strings only), which [`number`] reads back.
fn python_json(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains("NaN") && !line.contains("Infinity") {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 8);
    let (mut in_string, mut escaped) = (false, false);
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if let Some(token) = ["-Infinity", "Infinity", "NaN"].iter().find(|t| rest.starts_with(**t)) {
            out.push('"');
            out.push_str(token);
            out.push('"');
            rest = &rest[token.len()..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    std::borrow::Cow::Owned(out)
}

/// A number, or one of Python's bare non-finite numbers (as [`python_json`] leaves them).
fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if s == "NaN" => Some(f64::NAN),
        Value::String(s) if s == "Infinity" => Some(f64::INFINITY),
        Value::String(s) if s == "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

fn numbers(value: &Value) -> Option<Vec<f64>> {
    value.as_array()?.iter().map(number).collect()
}

/// A choice as text: a string as written, anything else as Python prints it.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        other => other.to_string(),
    }
}

/// A distribution (`distribution_to_json`: a JSON text, or in a created trial, already
/// parsed) as the range nntui's search space uses.
fn distribution(value: &Value) -> Option<Domain> {
    let parsed;
    let value = match value {
        Value::String(text) => {
            parsed = serde_json::from_str::<Value>(text).ok()?;
            &parsed
        }
        other => other,
    };
    let attributes = value.get("attributes")?;
    let log = attributes.get("log").and_then(Value::as_bool).unwrap_or(false);
    match value.get("name")?.as_str()? {
        "FloatDistribution"
        | "UniformDistribution"
        | "LogUniformDistribution"
        | "DiscreteUniformDistribution" => {
            let log = log || value.get("name")?.as_str()? == "LogUniformDistribution";
            Some(Domain::Float {
                low: number(attributes.get("low")?)?,
                high: number(attributes.get("high")?)?,
                log,
            })
        }
        "IntDistribution" | "IntUniformDistribution" | "IntLogUniformDistribution" => Some(Domain::Int {
            low: attributes.get("low")?.as_i64()?,
            high: attributes.get("high")?.as_i64()?,
            log: log || value.get("name")?.as_str()? == "IntLogUniformDistribution",
        }),
        "CategoricalDistribution" => {
            Some(Domain::Choice(attributes.get("choices")?.as_array()?.iter().map(text_of).collect()))
        }
        _ => None,
    }
}

/// A parameter's internal value (a float; a choice's index) as Optuna gives it back.
#[allow(clippy::cast_possible_truncation, reason = "whole numbers and indices Optuna wrote")]
fn external(domain: &Domain, internal: f64) -> Option<String> {
    match domain {
        Domain::Float { .. } => Some(format!("{internal}")),
        Domain::Int { .. } => internal.is_finite().then(|| format!("{}", internal.round() as i64)),
        Domain::Choice(choices) => (internal >= 0.0).then(|| choices.get(internal as usize).cloned())?,
    }
}

/// An ISO 8601 time (`2026-12-07T00:37:26.171415+00:00` in a journal, `2026-12-07
/// 00:37:27.487653` in UTC in SQLite) in seconds since the Unix epoch.
fn seconds(text: &str) -> Option<f64> {
    let (date, time) = text.split_once(['T', ' '])?;
    let mut parts = date.splitn(3, '-').map(str::parse::<i64>);
    let (year, month, day) = (parts.next()?.ok()?, parts.next()?.ok()?, parts.next()?.ok()?);
    // The offset, if any: `+00:00`, `-05:00`, `Z`.
    let (clock, offset) = match time.find(['+', '-', 'Z']) {
        Some(at) => {
            let zone = &time[at..];
            let minutes = if zone == "Z" {
                0
            } else {
                let sign = if zone.starts_with('-') { -1 } else { 1 };
                let (h, m) = zone[1..].split_once(':').unwrap_or((&zone[1..], "0"));
                sign * (h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?)
            };
            (&time[..at], minutes)
        }
        None => (time, 0),
    };
    let mut hms = clock.splitn(3, ':');
    let (h, m) = (hms.next()?.parse::<i64>().ok()?, hms.next()?.parse::<i64>().ok()?);
    let s: f64 = hms.next().unwrap_or("0").parse().ok()?;
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + m * 60 - offset * 60) as f64 + s)
}

/// Every study of an SQLite storage, read in one transaction.
///
/// # Errors
/// A file that cannot be opened, or a database without Optuna's tables.
pub fn read_sqlite(path: &Path) -> Result<Vec<Study>, String> {
    use rusqlite::{Connection, OpenFlags};
    let fail = |e: rusqlite::Error| format!("{}: {e}", path.display());
    let connection =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(fail)?;
    // Optuna may hold the write lock for a moment; wait for it rather than fail.
    connection.busy_timeout(std::time::Duration::from_secs(5)).map_err(fail)?;
    let known: i64 = connection
        .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('studies', 'trials', 'trial_params', 'trial_values', 'trial_intermediate_values', 'study_directions')", [], |r| r.get(0))
        .map_err(fail)?;
    if known < 6 {
        return Err(format!(
            "{}: an SQLite database, but not an Optuna storage (no studies and trials tables)",
            path.display()
        ));
    }
    let transaction = connection.unchecked_transaction().map_err(fail)?;
    let mut studies: BTreeMap<i64, Study> = BTreeMap::new();
    let mut statement =
        transaction.prepare("SELECT study_id, study_name FROM studies ORDER BY study_id").map_err(fail)?;
    for row in statement.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))).map_err(fail)? {
        let (id, name) = row.map_err(fail)?;
        studies.insert(id, Study { name, maximize: Vec::new(), metric_names: None, trials: Vec::new() });
    }
    let mut statement = transaction
        .prepare("SELECT study_id, direction FROM study_directions ORDER BY study_id, objective")
        .map_err(fail)?;
    for row in statement.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))).map_err(fail)? {
        let (id, direction) = row.map_err(fail)?;
        if let Some(study) = studies.get_mut(&id) {
            study.maximize.push(direction == "MAXIMIZE");
        }
    }
    if let Ok(mut statement) = transaction
        .prepare("SELECT study_id, value_json FROM study_system_attributes WHERE key = 'study:metric_names'")
    {
        for row in
            statement.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))).map_err(fail)?
        {
            let (id, json) = row.map_err(fail)?;
            if let (Some(study), Ok(Value::Array(names))) =
                (studies.get_mut(&id), serde_json::from_str(&json))
            {
                study.metric_names = Some(names.iter().map(text_of).collect());
            }
        }
    }
    // Each trial id's study and place.
    let mut places: std::collections::HashMap<i64, (i64, usize)> = std::collections::HashMap::new();
    let mut statement = transaction
        .prepare("SELECT trial_id, number, study_id, state, datetime_start, datetime_complete FROM trials ORDER BY study_id, number, trial_id")
        .map_err(fail)?;
    let rows = statement
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })
        .map_err(fail)?;
    for row in rows {
        let (id, number, study_id, state, start, complete) = row.map_err(fail)?;
        let (Some(study), Some(state)) = (studies.get_mut(&study_id), State::named(&state)) else { continue };
        places.insert(id, (study_id, study.trials.len()));
        study.trials.push(Trial {
            number: number.and_then(|n| usize::try_from(n).ok()).unwrap_or(study.trials.len()),
            state,
            params: BTreeMap::new(),
            values: None,
            intermediate: BTreeMap::new(),
            start: start.as_deref().and_then(seconds),
            complete: complete.as_deref().and_then(seconds),
        });
    }
    fn place<'a>(
        studies: &'a mut BTreeMap<i64, Study>,
        places: &std::collections::HashMap<i64, (i64, usize)>,
        id: i64,
    ) -> Option<&'a mut Trial> {
        let &(study, index) = places.get(&id)?;
        studies.get_mut(&study)?.trials.get_mut(index)
    }
    let mut statement = transaction
        .prepare(
            "SELECT trial_id, param_name, param_value, distribution_json FROM trial_params ORDER BY param_id",
        )
        .map_err(fail)?;
    let rows = statement
        .query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, f64>(2)?, r.get::<_, String>(3)?))
        })
        .map_err(fail)?;
    for row in rows {
        let (id, name, internal, json) = row.map_err(fail)?;
        let Some(domain) = distribution(&Value::String(json)) else { continue };
        if let (Some(trial), Some(text)) = (place(&mut studies, &places, id), external(&domain, internal)) {
            trial.params.insert(name, (text, domain));
        }
    }
    let special = |value: Option<f64>, kind: &str| match kind {
        "INF_POS" => f64::INFINITY,
        "INF_NEG" => f64::NEG_INFINITY,
        "NAN" => f64::NAN,
        _ => value.unwrap_or(f64::NAN),
    };
    let mut statement = transaction
        .prepare(
            "SELECT trial_id, objective, value, value_type FROM trial_values ORDER BY trial_id, objective",
        )
        .map_err(fail)?;
    let rows = statement
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<f64>>(2)?, r.get::<_, String>(3)?)))
        .map_err(fail)?;
    for row in rows {
        let (id, value, kind) = row.map_err(fail)?;
        if let Some(trial) = place(&mut studies, &places, id) {
            trial.values.get_or_insert_with(Vec::new).push(special(value, &kind));
        }
    }
    let mut statement = transaction
        .prepare("SELECT trial_id, step, intermediate_value, intermediate_value_type FROM trial_intermediate_values")
        .map_err(fail)?;
    let rows = statement
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<f64>>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .map_err(fail)?;
    for row in rows {
        let (id, step, value, kind) = row.map_err(fail)?;
        if let Some(trial) = place(&mut studies, &places, id) {
            trial.intermediate.insert(step, special(value, &kind));
        }
    }
    Ok(studies.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_in_utc_with_their_offsets() {
        assert_eq!(seconds("1970-01-01T00:00:00+00:00"), Some(0.0));
        assert_eq!(seconds("1970-01-02 00:00:01.5"), Some(86_401.5));
        assert_eq!(seconds("2026-12-07T01:00:00+01:00"), seconds("2026-12-07 00:00:00"));
        assert_eq!(seconds("2000-03-01T00:00:00Z"), Some(951_868_800.0));
        assert_eq!(seconds("yesterday"), None);
    }

    #[test]
    fn pythons_bare_non_finite_numbers_are_read_and_strings_are_left_alone() {
        let line = python_json(r#"{"v":NaN,"w":-Infinity,"s":"NaN is Infinity","x":Infinity}"#);
        let value: Value = serde_json::from_str(&line).unwrap();
        assert!(number(&value["v"]).unwrap().is_nan());
        assert_eq!(number(&value["w"]), Some(f64::NEG_INFINITY));
        assert_eq!(number(&value["x"]), Some(f64::INFINITY));
        assert_eq!(value["s"], "NaN is Infinity");
    }

    #[test]
    fn internal_values_become_what_optuna_gives_back() {
        let choice = Domain::Choice(vec!["relu".into(), "tanh".into()]);
        assert_eq!(external(&choice, 1.0).as_deref(), Some("tanh"));
        assert_eq!(external(&choice, 2.0), None);
        assert_eq!(external(&Domain::Int { low: 1, high: 9, log: false }, 4.0).as_deref(), Some("4"));
        assert_eq!(
            external(&Domain::Float { low: 0.0, high: 1.0, log: false }, 0.25).as_deref(),
            Some("0.25")
        );
        let json = Value::String(
            r#"{"name": "IntDistribution", "attributes": {"log": true, "step": 1, "low": 4, "high": 64}}"#
                .into(),
        );
        assert_eq!(distribution(&json), Some(Domain::Int { low: 4, high: 64, log: true }));
    }
}
