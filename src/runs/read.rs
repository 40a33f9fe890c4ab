//! Reading runs back: nntui's `events.jsonl` and files of Keras-callback lines
//! (`{"epoch": 3, "logs": {"loss": 0.52, "val_loss": 0.55}}`, optional `"run"`, `"fold"`,
//! `"time"`), into named series per fold, whatever the metric names. Damaged or
//! unknown lines are skipped and counted, never fatal; a last line without its newline
//! is a writer in the middle of it, left for the next read.

use super::record::EVENTS;
use crate::series::Part;
use crate::train::{Event, RunConfig, RunSummary};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One epoch's values by name (`loss`, `val_accuracy`, `epoch_auc`, ...), as a reader
/// gathers them before they go into the store.
pub type Values = BTreeMap<String, f64>;

/// A run as read from its file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Run {
    /// Its name: the folder's, or the `"run"` of foreign lines.
    pub name: String,
    /// nntui's settings, when nntui wrote it.
    pub config: Option<RunConfig>,
    /// The configuration's settings flattened (`lr`, `hidden`, ...), worked out once.
    pub settings: BTreeMap<String, String>,
    /// Whether nntui wrote it (its events; replay and the own-run plot read them again
    /// from the file, the store keeps only the series).
    pub own: bool,
    /// Named series per fold (or part), by step: the store.
    pub folds: BTreeMap<usize, Part>,
    /// The run's end, when it ended.
    pub summary: Option<RunSummary>,
    /// Lines that were neither nntui events nor Keras-callback lines, or were damaged.
    pub skipped: usize,
    /// Whether the file ends in a partial line (a writer in the middle of it).
    pub partial: bool,
    /// For a TensorBoard run, what its event files held besides the scalars (histograms,
    /// skipped summaries); its scalars are the fold-0 series, by step.
    pub tensorboard: Option<crate::tensorboard::Run>,
    /// For a trial of a study: its state (`complete`, `pruned`, `running`, `failed`).
    pub trial_state: Option<&'static str>,
    /// For a trial of a study, whose curve is the mean over its folds: the folds it
    /// trained (its command's `--folds`).
    pub trial_folds: Option<usize>,
    /// Settings given by name rather than by an nntui config (a trial's searched values).
    pub params: BTreeMap<String, String>,
    /// The spread over folds of a final value, by name (a trial's objective +/- std).
    pub spread: BTreeMap<String, f64>,
    /// What reading left out or noticed, said beside the table.
    pub notes: Vec<String>,
    /// When its files last changed (a run whose files grew recently is running).
    pub modified: Option<std::time::SystemTime>,
    /// Its last loss was not finite (the series keep the finite values).
    pub diverged: bool,
    /// For a trial of a study: its number.
    pub trial: Option<usize>,
    /// For a trial of a study: its objective's name and whether it is maximized (the
    /// comparison sorts by it).
    pub objective: Option<(String, bool)>,
    /// Epochs (or steps) as the writer counts them, where the steps do not say (an Optuna
    /// trial's intermediate values, reported from step 0 or any other).
    pub counted_epochs: Option<usize>,
    /// Final values that are not their series' last point, by name (an Optuna trial's
    /// objective values, where its intermediate values are the series).
    pub finals: BTreeMap<String, f64>,
    /// Series indexed by step that are not epochs (Keras's per-batch TensorBoard tags):
    /// in the tag table, not counted as epochs.
    pub steps: Part,
    /// A TensorBoard run written by Keras's callback: its epoch tags are numbered from 1.
    pub keras_epochs: bool,
}

impl Run {
    /// Every series name seen, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.folds.values().flat_map(|f| f.series.keys().cloned()).collect();
        names.sort();
        names.dedup();
        names
    }

    /// Its epochs: the highest step of any fold's series.
    #[allow(clippy::cast_possible_truncation, reason = "steps are whole and small")]
    pub fn epochs(&self) -> usize {
        self.folds.values().filter_map(Part::last_step).fold(0.0f64, f64::max).max(0.0) as usize
    }

    /// Its objective's name and final value (a study trial's), else its first series'
    /// name and last value.
    pub fn objective_value(&self) -> Option<(String, f64)> {
        let name = match &self.objective {
            Some((name, _)) => name.clone(),
            None => self.names().into_iter().next()?,
        };
        let value = match self.finals.get(&name) {
            Some(&value) => value,
            None => self.folds.values().next()?.last(&name)?,
        };
        Some((name, value))
    }

    /// Points held in memory by its series.
    pub fn held(&self) -> usize {
        self.folds.values().map(Part::held).sum()
    }
}

/// Adds one epoch's values to a fold's series.
fn add_epoch(part: &mut Part, epoch: usize, values: impl IntoIterator<Item = (String, f64)>) {
    add_epoch_at(part, epoch, f64::NAN, values);
}

/// Adds one epoch's values, written at `wall` (seconds since 1970, NaN if unknown).
fn add_epoch_at(part: &mut Part, epoch: usize, wall: f64, values: impl IntoIterator<Item = (String, f64)>) {
    for (name, value) in values {
        part.push(&name, epoch as f64, value, wall);
    }
}

/// Parses the complete lines of `text` as one run named `name`.
pub fn parse(text: &str, name: &str) -> Run {
    let mut lines = Lines::new(name);
    let complete = text.rfind('\n').map_or("", |end| &text[..=end]);
    lines.feed(complete.as_bytes());
    lines.run.partial = complete.len() < text.len();
    lines.run
}

/// A file of JSON lines read a piece at a time: the run so far and what the next
/// lines need to be read right (the run's metric name, where foreign epochs count from).
#[derive(Clone, Debug, Default)]
struct Lines {
    run: Run,
    metric: String,
    /// `val_` and the metric's name.
    val_metric: String,
    /// Foreign epochs count from 0 or from 1: the first one seen decides.
    foreign_offset: Option<usize>,
    /// Its series keep statistics only (a table's reading, [`Reader::summaries`]).
    summary: bool,
}

impl Lines {
    fn new(name: &str) -> Lines {
        Lines {
            run: Run { name: name.to_string(), ..Run::default() },
            metric: "accuracy".into(),
            val_metric: "val_accuracy".into(),
            foreign_offset: None,
            summary: false,
        }
    }

    /// Fold `fold`'s series, made when first written.
    fn part(run: &mut Run, fold: usize, summary: bool) -> &mut Part {
        run.folds.entry(fold).or_insert_with(|| if summary { Part::summary() } else { Part::default() })
    }

    /// Takes in complete lines. nntui's event lines the store does not keep are passed
    /// over before they are even checked as text.
    fn feed(&mut self, complete: &[u8]) {
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', complete).chain(std::iter::once(complete.len())) {
            let line = &complete[start..end];
            start = end + 1;
            if let Some(rest) = line.strip_prefix(b"{\"type\":\"") {
                // Epochs first: most lines are epochs or weights.
                if rest.starts_with(b"epoch_ended\"")
                    && let Some(epoch) = EpochValues::scan(line.trim_ascii_end())
                {
                    self.epoch(&epoch);
                    continue;
                }
                if PASSED_OVER.iter().any(|kind| rest.starts_with(kind)) {
                    self.run.own = true;
                    continue;
                }
            }
            let line = match std::str::from_utf8(line) {
                Ok(line) => std::borrow::Cow::Borrowed(line),
                Err(_) => String::from_utf8_lossy(line),
            };
            let line = line.trim();
            if !line.is_empty() {
                self.line(line);
            }
        }
    }

    fn line(&mut self, line: &str) {
        // nntui's own events: only the three kinds the store keeps are decoded, straight
        // into their types; the rest (weights, most of the bytes) are passed over unread.
        if let Some(kind) = own_type(line) {
            // An epoch (most of what is kept) decodes only the values the store keeps;
            // a start and an end straight into their types.
            if kind == "epoch_ended"
                && let Ok(epoch) = serde_json::from_str::<EpochValues>(line)
            {
                self.epoch(&epoch);
                return;
            }
            let event = match kind {
                "run_started" => serde_json::from_str::<crate::train::RunInfo>(line)
                    .ok()
                    .map(|info| Event::RunStarted(Box::new(info))),
                "run_ended" => {
                    serde_json::from_str::<crate::train::RunSummary>(line).ok().map(Event::RunEnded)
                }
                _ => serde_json::from_str::<Event>(line).ok(),
            };
            if let Some(event) = event {
                self.own(event);
                return;
            }
        }
        let run = &mut self.run;
        // Python's json writes NaN and Infinity, which JSON has no words for: read them
        // as missing values rather than losing the line.
        let parsed = serde_json::from_str::<Value>(line).or_else(|_| {
            serde_json::from_str::<Value>(
                &line.replace("-Infinity", "null").replace("Infinity", "null").replace("NaN", "null"),
            )
        });
        let Ok(value) = parsed else {
            run.skipped += 1;
            return;
        };
        if value.get("type").is_some() {
            // nntui's own events; types and fields this build does not know are skipped.
            let Ok(event) = serde_json::from_value::<Event>(value) else {
                run.skipped += 1;
                return;
            };
            self.own(event);
            return;
        }
        match foreign(&value, &mut self.foreign_offset) {
            Some((fold, epoch, values)) => {
                // A loss written as NaN or Infinity (null here) is a diverged run; a
                // finite one after it is not.
                if let Some(loss) = value.get("logs").and_then(|l| l.get("loss")) {
                    run.diverged = !loss.as_f64().is_some_and(f64::is_finite);
                }
                // `"time"`: when the epoch ended, in seconds since 1970 (Python's time.time()).
                let wall = value.get("time").and_then(Value::as_f64).unwrap_or(f64::NAN);
                add_epoch_at(Lines::part(run, fold, self.summary), epoch, wall, values);
            }
            None => run.skipped += 1,
        }
    }
}

impl Lines {
    /// An epoch of nntui's own, into the store.
    fn epoch(&mut self, epoch: &EpochValues) {
        let part = Lines::part(&mut self.run, epoch.fold, self.summary);
        let step = epoch.epoch as f64;
        part.push("loss", step, epoch.loss.unwrap_or(f64::NAN), f64::NAN);
        part.push(&self.metric, step, epoch.metric.unwrap_or(f64::NAN), f64::NAN);
        if let Some(v) = epoch.val_loss {
            part.push("val_loss", step, v, f64::NAN);
        }
        if let Some(v) = epoch.val_metric {
            part.push(&self.val_metric, step, v, f64::NAN);
        }
        for (name, value) in &epoch.metrics {
            part.push(name, step, value.unwrap_or(f64::NAN), f64::NAN);
        }
        part.push("learning_rate", step, epoch.learning_rate.unwrap_or(f64::NAN), f64::NAN);
        self.run.own = true;
    }

    /// One of nntui's events, into the store.
    fn own(&mut self, event: Event) {
        let run = &mut self.run;
        match event {
            Event::RunStarted(info) => {
                self.metric = info.metric.name().to_string();
                self.val_metric = format!("val_{}", self.metric);
                run.settings = super::table::settings_of(&info.config);
                run.config = Some(info.config);
            }
            Event::EpochEnded(report) => {
                add_epoch(
                    Lines::part(run, report.fold, self.summary),
                    report.epoch,
                    report.values(&self.metric),
                );
            }
            Event::RunEnded(summary) => run.summary = Some(summary),
            _ => {}
        }
        run.own = true;
    }
}

/// nntui's event types the store does not keep (the type and its closing quote): passed
/// over unread. Types this build does not know are still decoded, and counted as skipped.
const PASSED_OVER: [&[u8]; 6] =
    [b"weights\"", b"fold_started\"", b"fold_ended\"", b"warning\"", b"ack\"", b"policy\""];

/// The values of an `epoch_ended` line the store keeps (as [`EpochReport::values`] names
/// them); the rest of the line is passed over.
///
/// [`EpochReport::values`]: crate::train::EpochReport::values
#[derive(serde::Deserialize)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct EpochValues {
    fold: usize,
    epoch: usize,
    /// `null` where the loss was not finite (a diverged epoch): kept as NaN.
    loss: Option<f64>,
    metric: Option<f64>,
    val_loss: Option<f64>,
    val_metric: Option<f64>,
    learning_rate: Option<f64>,
    /// `--metrics`' values (`auc`, `val_auc`; `null` where not a number). Lines that
    /// carry them are read by serde.
    #[serde(default)]
    metrics: std::collections::BTreeMap<String, Option<f64>>,
}

impl EpochValues {
    /// Reads the line as nntui writes it (a flat object of numbers, `null`s and plain
    /// strings) without a general JSON decoder: a third of the time a folder of 10,000
    /// runs took. Anything else (escapes, nesting, a value that is not a number where one
    /// is kept, a missing fold or epoch) gives `None`, and serde decodes the line.
    fn scan(line: &[u8]) -> Option<EpochValues> {
        let (mut fold, mut epoch) = (None, None);
        let mut values = EpochValues {
            fold: 0,
            epoch: 0,
            loss: None,
            metric: None,
            val_loss: None,
            val_metric: None,
            learning_rate: None,
            metrics: std::collections::BTreeMap::new(),
        };
        if memchr::memchr(b'\\', line).is_some() {
            return None;
        }
        // Keys and values are short: a plain walk to their ends beats a search call.
        let text = std::str::from_utf8(line).ok()?;
        let mut rest = text.strip_prefix('{')?;
        loop {
            rest = rest.strip_prefix('"')?;
            let end = rest.bytes().position(|b| b == b'"')?;
            let key = &rest.as_bytes()[..end];
            rest = rest[end + 1..].strip_prefix(':')?;
            let (raw, after, quoted) = if let Some(text) = rest.strip_prefix('"') {
                let end = text.bytes().position(|b| b == b'"')?;
                (&text[..end], &text[end + 1..], true)
            } else {
                let end = rest.bytes().position(|b| b == b',' || b == b'}')?;
                (&rest[..end], &rest[end..], false)
            };
            let number = || -> Option<Option<f64>> {
                match raw.as_bytes() {
                    _ if quoted => None,
                    b"null" => Some(None),
                    [b'-' | b'0'..=b'9', ..] => raw.parse().ok().map(Some),
                    _ => None,
                }
            };
            let whole = || -> Option<usize> {
                if quoted || !raw.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                raw.parse().ok()
            };
            match key {
                b"fold" => fold = Some(whole()?),
                b"epoch" => epoch = Some(whole()?),
                b"loss" => values.loss = number()?,
                b"metric" => values.metric = number()?,
                b"val_loss" => values.val_loss = number()?,
                b"val_metric" => values.val_metric = number()?,
                b"learning_rate" => values.learning_rate = number()?,
                _ => {}
            }
            match after.as_bytes() {
                [b',', ..] => rest = &after[1..],
                [b'}'] => break,
                _ => return None,
            }
        }
        values.fold = fold?;
        values.epoch = epoch?;
        Some(values)
    }
}

/// The type of one of nntui's event lines (`{"type":"epoch_ended",...`: serde writes it
/// first), without decoding the line.
fn own_type(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("{\"type\":\"")?;
    rest.find('"').map(|end| &rest[..end])
}

/// A JSON-lines file followed as it grows: each read takes what was appended (a MiB at
/// a time), so that memory follows the points kept, not the bytes read; a file that
/// shrank or was replaced is read again from the start.
#[derive(Debug, Default)]
struct LinesFollower {
    lines: Lines,
    /// Bytes taken in (complete lines only).
    offset: u64,
    /// The file's length and change time when last read.
    seen: Option<(u64, Option<std::time::SystemTime>)>,
    /// The file's identity when last read: another file at the path is read from the start.
    identity: Option<(u64, u64)>,
}

/// Bytes read at a time.
const CHUNK: usize = 1 << 20;

impl LinesFollower {
    /// Reads what was appended; says whether the file had changed.
    fn update(&mut self, path: &Path, summary: bool) -> Result<bool, String> {
        use std::io::{Read, Seek, SeekFrom};
        let fail = |e: std::io::Error| format!("{}: {e}", path.display());
        // A look at the file's length and change time first: an idle file is not opened.
        if self.seen.is_some() {
            let metadata = std::fs::metadata(path).map_err(fail)?;
            if self.seen == Some((metadata.len(), metadata.modified().ok())) {
                return Ok(false);
            }
        }
        let mut file = std::fs::File::open(path).map_err(fail)?;
        let metadata = file.metadata().map_err(fail)?;
        let seen = (metadata.len(), metadata.modified().ok());
        let identity = crate::tensorboard::identity(&metadata);
        if metadata.len() < self.offset || self.seen.is_none() || self.identity != identity {
            *self = LinesFollower {
                lines: Lines { summary, ..Lines::new(&run_name(path)) },
                ..LinesFollower::default()
            };
        }
        self.identity = identity;
        self.seen = Some(seen);
        if self.offset > 0 {
            file.seek(SeekFrom::Start(self.offset)).map_err(fail)?;
        }
        thread_local! {
            /// The room reads go through, kept by each reading thread: a fresh one per
            /// file cost a tenth of reading 10,000 runs (allocated and faulted in anew).
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        BUFFER.with_borrow_mut(|buffer| -> Result<(), String> {
            buffer.clear();
            // What the file held when looked at, a chunk at a time, each with as few
            // reads as the kernel allows (`read_to_end` reads 8 KiB, then doubles).
            let mut remaining = metadata.len().saturating_sub(self.offset);
            while remaining > 0 {
                let start = buffer.len();
                let want = usize::try_from(remaining).unwrap_or(CHUNK).min(CHUNK);
                buffer.resize(start + want, 0);
                let mut filled = 0;
                while filled < want {
                    match file.read(&mut buffer[start + filled..]) {
                        Ok(0) => break,
                        Ok(n) => filled += n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(fail(e)),
                    }
                }
                buffer.truncate(start + filled);
                if filled == 0 {
                    break;
                }
                remaining -= filled as u64;
                // Complete lines go in; a partial one waits for the next chunk or read.
                if let Some(end) = memchr::memrchr(b'\n', buffer) {
                    self.lines.feed(&buffer[..=end]);
                    self.offset += end as u64 + 1;
                    buffer.drain(..=end);
                }
            }
            self.lines.run.partial = !buffer.is_empty();
            // A partial line is read again with the next read; a large buffer is not kept.
            buffer.clear();
            buffer.shrink_to(2 * CHUNK);
            Ok(())
        })?;
        self.lines.run.modified = seen.1;
        Ok(true)
    }
}

/// nntui's events in a run's file, in order (for replay and the run's own charts; the
/// store keeps only the series).
///
/// # Errors
/// The file cannot be read.
pub fn events(path: &Path) -> Result<Vec<Event>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let complete = text.rfind('\n').map_or("", |end| &text[..=end]);
    Ok(complete.lines().filter_map(|line| parse_line(line.trim())).collect())
}

/// One complete line as an nntui event, if it is one (unknown types and damaged lines
/// are not).
pub fn parse_line(line: &str) -> Option<Event> {
    let value = serde_json::from_str::<Value>(line).ok()?;
    value.get("type")?;
    serde_json::from_value::<Event>(value).ok()
}

/// A Keras-callback line: `(fold, epoch from 1, finite values)`, or `None` if it is not one.
fn foreign(value: &Value, offset: &mut Option<usize>) -> Option<(usize, usize, Values)> {
    let epoch = usize::try_from(value.get("epoch")?.as_u64()?).ok()?;
    let logs = value.get("logs")?.as_object()?;
    let fold = value.get("fold").and_then(Value::as_u64).and_then(|f| usize::try_from(f).ok()).unwrap_or(0);
    let offset = *offset.get_or_insert(usize::from(epoch == 0));
    // A NaN or Infinity (null here) goes in as NaN: the series shows it last and keeps
    // its last finite value beside it; non-numbers are left out.
    let values: Values = logs
        .iter()
        .filter_map(|(name, v)| {
            let value = if v.is_null() { Some(f64::NAN) } else { v.as_f64() };
            value.map(|x| (name.clone(), if x.is_finite() { x } else { f64::NAN }))
        })
        .collect();
    Some((fold, epoch + offset, values))
}

/// The `events.jsonl` files a path names: the file itself, a run folder's, or every run
/// folder's below a folder of runs, sorted.
pub fn discover(path: &Path) -> Vec<PathBuf> {
    if path.is_file() { vec![path.to_path_buf()] } else { walk(path).files }
}

/// What one walk of a folder finds.
#[derive(Debug, Default)]
pub struct Found {
    /// Run files: nntui's `events.jsonl` (nothing below it is looked for) and CSV logs.
    pub files: Vec<PathBuf>,
    /// Folders holding TensorBoard event files (each one's own; see
    /// [`crate::tensorboard::runs_of`] for the runs they make).
    pub event_folders: Vec<PathBuf>,
}

/// Walks `folder` once for every kind of run below it (sorted).
pub fn walk(folder: &Path) -> Found {
    fn visit(folder: &Path, below_own: bool, depth: usize, found: &mut Found) {
        // Deep enough for any log folder; a loop of links stops here.
        if depth > 16 {
            return;
        }
        let Ok(entries) = std::fs::read_dir(folder) else { return };
        let mut dirs = Vec::new();
        let (mut own, mut csvs, mut has_events) = (false, Vec::new(), false);
        for entry in entries.flatten() {
            let child = entry.path();
            // The entry's own type (no second look at the file), links followed.
            let (is_dir, is_file) = match entry.file_type() {
                Ok(kind) if kind.is_symlink() => (child.is_dir(), child.is_file()),
                Ok(kind) => (kind.is_dir(), kind.is_file()),
                Err(_) => (false, false),
            };
            let name = entry.file_name();
            if is_dir {
                dirs.push(child);
            } else if !is_file {
            } else if name == EVENTS {
                own = true;
            } else if name.to_string_lossy().contains("tfevents") {
                has_events = true;
            } else if is_csv(&child) {
                csvs.push(child);
            } else if is_storage_name(&child) && crate::tune::optuna::is_storage(&child) {
                found.files.push(child);
            }
        }
        if has_events {
            found.event_folders.push(folder.to_path_buf());
        }
        if !below_own {
            if own {
                found.files.push(folder.join(EVENTS));
            } else {
                // A CSV log in a folder of runs (Lightning's `version_0/metrics.csv`,
                // Keras's CSVLogger file); data files beside them are not runs.
                found.files.extend(csvs.into_iter().filter(|c| super::csvlog::is_log_header(&first_line(c))));
            }
        }
        if depth == 0 && dirs.len() >= 256 {
            // A folder of thousands of runs: its folders walked on every core.
            for below in super::par_map(&dirs, |dir| {
                let mut below = Found::default();
                visit(dir, own, 1, &mut below);
                below
            }) {
                found.files.extend(below.files);
                found.event_folders.extend(below.event_folders);
            }
            return;
        }
        for dir in dirs {
            visit(&dir, below_own || own, depth + 1, found);
        }
    }
    let mut found = Found::default();
    visit(folder, false, 0, &mut found);
    found.files.sort();
    found.event_folders.sort();
    found
}

/// A run found under a path given to `nntui view`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// A JSON Lines file: nntui's `events.jsonl`, or Keras-callback lines.
    Lines(PathBuf),
    /// A study journal of `nntui tune`: one run per trial.
    Study(PathBuf),
    /// An Optuna storage (a journal file or an SQLite database): one run per trial of
    /// each of its studies.
    Optuna(PathBuf),
    /// A CSV training log: Keras's `CSVLogger`, Lightning's `metrics.csv`.
    Csv(PathBuf),
    /// A folder of TensorBoard event files, named by its path under `root`.
    TensorBoard {
        /// The folder given on the command line.
        root: PathBuf,
        /// The run's folder.
        folder: PathBuf,
    },
}

impl Source {
    /// What wrote its runs, in a word or two (for runs other than nntui's own).
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Lines(_) => "Keras-callback lines",
            Source::Study(_) => "study trial",
            Source::Optuna(_) => "Optuna trial",
            Source::Csv(_) => "CSV log",
            Source::TensorBoard { .. } => "TensorBoard",
        }
    }

    /// The file or folder it is read from (a run's identity in the comparison).
    pub fn path(&self) -> &Path {
        match self {
            Source::Lines(path) | Source::Study(path) | Source::Optuna(path) | Source::Csv(path) => path,
            Source::TensorBoard { folder, .. } => folder,
        }
    }
}

/// The runs a path names: an events file, a TensorBoard event file (its folder's run),
/// a run folder of either kind, or every run below a folder, sorted.
pub fn sources(path: &Path) -> Vec<Source> {
    if crate::tensorboard::is_event_file(path) {
        let folder = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        return vec![Source::TensorBoard { root: folder.clone(), folder }];
    }
    if path.is_file() {
        return vec![source_of(path.to_path_buf())];
    }
    let walked = walk(path);
    let mut found: Vec<Source> = walked.files.into_iter().map(source_of).collect();
    found.extend(
        crate::tensorboard::runs_of(path, walked.event_folders)
            .into_iter()
            .map(|folder| Source::TensorBoard { root: path.to_path_buf(), folder }),
    );
    found
}

/// A run file as the kind of source it is.
fn source_of(file: PathBuf) -> Source {
    if is_csv(&file) {
        Source::Csv(file)
    } else if is_study(&file) {
        Source::Study(file)
    } else if file.file_name().is_some_and(|n| n != EVENTS) && crate::tune::optuna::is_storage(&file) {
        Source::Optuna(file)
    } else {
        Source::Lines(file)
    }
}

/// Whether a file's name may be an Optuna storage's (`study.db`, `journal.log`): such
/// files in a folder are looked into.
fn is_storage_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| ["db", "sqlite", "sqlite3", "log"].iter().any(|known| e.eq_ignore_ascii_case(known)))
}

/// Whether a file is a CSV (by its name): read as a CSV training log.
fn is_csv(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("tsv"))
}

/// The first line of a file (at most 64 KiB of it).
fn first_line(path: &Path) -> String {
    use std::io::BufRead;
    let Ok(file) = std::fs::File::open(path) else { return String::new() };
    let mut first = String::new();
    let _ = std::io::BufReader::new(std::io::Read::take(file, 64 << 10)).read_line(&mut first);
    first
}

/// Whether a file is a study journal (its first line opens a study).
fn is_study(path: &Path) -> bool {
    use std::io::BufRead;
    // nntui's own runs are never studies (thousands of them need not be opened to say so).
    if path.file_name().is_some_and(|n| n == EVENTS) {
        return false;
    }
    let Ok(file) = std::fs::File::open(path) else { return false };
    let mut first = String::new();
    let _ = std::io::BufReader::new(std::io::Read::take(file, 64 << 10)).read_line(&mut first);
    first.contains("\"op\":\"study\"")
}

/// Reads runs again and again (the comparison refreshes every second): TensorBoard runs
/// are followed, each file read from where the last read stopped.
#[derive(Debug, Default)]
pub struct Reader {
    /// Each source is read by the shard its path falls to, on a thread of its own when
    /// many are read at once.
    shards: Vec<Shard>,
    /// Read once (`--no-tui`, `--json`): runs are handed over, not kept to follow.
    once: bool,
    /// Followed (the comparison): a file that did not change since the last read gives
    /// nothing (the caller keeps what it had).
    changed_only: bool,
    /// Runs keep their series' statistics, not their points ([`Reader::summaries`]).
    summary: bool,
}

/// What one reading thread keeps between reads.
#[derive(Debug, Default)]
struct Shard {
    once: bool,
    changed_only: bool,
    summary: bool,
    followers: std::collections::HashMap<PathBuf, crate::tensorboard::Follower>,
    studies: std::collections::HashMap<PathBuf, crate::tune::journal::Journal>,
    optunas: std::collections::HashMap<PathBuf, crate::tune::optuna::Storage>,
    lines: std::collections::HashMap<PathBuf, LinesFollower>,
    csvs: std::collections::HashMap<PathBuf, (Option<CsvSeen>, Run)>,
}

/// What reading one source gives: its runs, each with the path that identifies it, or
/// why it could not be read.
pub type Read = Result<Vec<(PathBuf, Run)>, String>;

/// A CSV log's length and change time when it was read.
type CsvSeen = (u64, Option<std::time::SystemTime>);

/// A study's trials as runs: the objective per epoch (fold 0), the searched values as
/// settings, the trial's state.
/// The folds a trial's command line trains: its `--folds`, else 1 with a validation split
/// or file, else training's default of 10.
fn trial_folds(command: &[String]) -> usize {
    let value = |flag: &str| {
        command.iter().enumerate().find_map(|(i, a)| match a.strip_prefix(flag) {
            Some("") => command.get(i + 1).cloned(),
            Some(rest) => rest.strip_prefix('=').map(String::from),
            None => None,
        })
    };
    match value("--folds").and_then(|v| v.parse().ok()) {
        Some(folds) => folds,
        None if value("--validation-split").is_some() || value("--validation-data").is_some() => 1,
        None => 10,
    }
}

fn study_runs(path: &Path, journal: &crate::tune::journal::Journal) -> Vec<(PathBuf, Run)> {
    let objective = journal.header.as_ref().map_or_else(|| "objective".to_string(), |h| h.objective.clone());
    journal
        .trials
        .values()
        .filter(|t| !(t.state == crate::tune::journal::TrialState::Failed && t.retry))
        .map(|trial| {
            let mut part = Part::default();
            for (&epoch, &value) in trial.intermediate.iter().filter(|(_, v)| v.is_finite()) {
                part.push_epoch(&objective, epoch, value);
            }
            let mut folds = BTreeMap::new();
            if !part.is_empty() {
                folds.insert(0, part);
            }
            let mut identity = path.as_os_str().to_owned();
            identity.push(format!("#{}", trial.number));
            let run = Run {
                name: format!("trial {:03}", trial.number),
                trial: Some(trial.number),
                folds,
                trial_state: Some(trial.state.name()),
                trial_folds: Some(trial_folds(&trial.command)),
                params: trial
                    .params
                    .iter()
                    .map(|(f, v)| (f.trim_start_matches('-').to_string(), v.clone()))
                    .collect(),
                spread: trial.std.map(|std| (objective.clone(), std)).into_iter().collect(),
                objective: Some((objective.clone(), journal.header.as_ref().is_some_and(|h| h.maximize))),
                ..Run::default()
            };
            (PathBuf::from(identity), run)
        })
        .collect()
}

/// An Optuna storage's trials as runs, named by study and number: the intermediate
/// values as the objective's series by step, the objective values as final values, the
/// parameters as settings, the trial's state.
fn optuna_runs(path: &Path, storage: &crate::tune::optuna::Storage) -> Vec<(PathBuf, Run)> {
    let skipped = storage.skipped();
    let studies = storage.studies();
    let several = studies.len() > 1;
    let mut runs = Vec::new();
    for study in studies {
        // Several studies in one storage: each one's objectives under its name
        // (`mlp/value`), as a TensorBoard tag group, so that they are not one column.
        let names: Vec<String> = study
            .objective_names()
            .into_iter()
            .map(|name| if several { format!("{}/{name}", study.name) } else { name })
            .collect();
        for trial in &study.trials {
            let mut part = Part::default();
            for (&step, &value) in &trial.intermediate {
                part.push(&names[0], step as f64, value, f64::NAN);
            }
            let mut folds = BTreeMap::new();
            if !part.is_empty() {
                folds.insert(0, part);
            }
            let mut identity = path.as_os_str().to_owned();
            identity.push(format!("#{}#{}", study.name, trial.number));
            let run = Run {
                name: format!("{} trial {:03}", study.name, trial.number),
                trial: Some(trial.number),
                folds,
                counted_epochs: Some(trial.intermediate.len()),
                trial_state: Some(trial.state.name()),
                params: trial.params.iter().map(|(name, (text, _))| (name.clone(), text.clone())).collect(),
                objective: Some((names[0].clone(), study.maximize.first().copied().unwrap_or(false))),
                finals: trial
                    .values
                    .iter()
                    .flat_map(|values| names.iter().cloned().zip(values.iter().copied()))
                    .collect(),
                skipped,
                ..Run::default()
            };
            runs.push((PathBuf::from(identity), run));
        }
    }
    runs
}

impl Reader {
    /// A reader for one read of each source: what it reads is handed over rather than
    /// kept (half the memory), and nothing is followed.
    pub fn once() -> Reader {
        Reader { once: true, ..Reader::default() }
    }

    /// A reader for one read of each source for a table (`--no-tui`, `--json`): nntui's
    /// runs and Keras-callback lines keep their series' counts, ends and extremes but no
    /// points to draw, a tenth of the memory and half the time for thousands of runs.
    pub fn summaries() -> Reader {
        Reader { once: true, summary: true, ..Reader::default() }
    }

    /// A reader that follows sources: each read gives the runs of files that changed
    /// since the last read (all of them the first time); TensorBoard runs and studies,
    /// read on from where they were, every time.
    pub fn following() -> Reader {
        Reader { changed_only: true, ..Reader::default() }
    }

    /// The shard a source's path falls to (of `count`).
    fn shard_of(source: &Source, count: usize) -> usize {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        source.path().hash(&mut hasher);
        usize::try_from(hasher.finish() % count as u64).unwrap_or(0)
    }

    /// Reads `source`'s runs, each with the path that identifies it (a study's trials
    /// as `study.jsonl#3`); a TensorBoard run, what was added since the last read.
    ///
    /// # Errors
    /// A file that cannot be read.
    pub fn read_all(&mut self, source: &Source) -> Result<Vec<(PathBuf, Run)>, String> {
        if self.shards.is_empty() {
            self.shards.push(Shard {
                once: self.once,
                changed_only: self.changed_only,
                summary: self.summary,
                ..Shard::default()
            });
        }
        let shard = Self::shard_of(source, self.shards.len());
        self.shards[shard].read_all(source)
    }

    /// Reads many sources, on as many threads as the machine has cores (each thread
    /// keeps its own followers between calls), the answers in the sources' order.
    pub fn read_many(&mut self, sources: &[Source]) -> Vec<Read> {
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).min(8);
        let threads = if sources.len() < 64 { 1 } else { threads };
        if self.shards.len() != threads {
            // The followers are per shard: a new count starts them again.
            self.shards = (0..threads)
                .map(|_| Shard {
                    once: self.once,
                    changed_only: self.changed_only,
                    summary: self.summary,
                    ..Shard::default()
                })
                .collect();
        }
        let mut by_shard: Vec<Vec<(usize, &Source)>> = vec![Vec::new(); threads];
        for (index, source) in sources.iter().enumerate() {
            by_shard[Self::shard_of(source, threads)].push((index, source));
        }
        let mut answers: Vec<Option<Read>> = vec![None; sources.len()];
        std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .shards
                .iter_mut()
                .zip(by_shard)
                .map(|(shard, mine)| {
                    scope.spawn(move || {
                        mine.into_iter()
                            .map(|(index, source)| (index, shard.read_all(source)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for handle in handles {
                // A reading thread that panicked loses its runs rather than the viewer.
                for (index, answer) in handle.join().unwrap_or_default() {
                    answers[index] = Some(answer);
                }
            }
        });
        answers.into_iter().map(|a| a.unwrap_or_else(|| Err("a reading thread failed".into()))).collect()
    }
}

impl Shard {
    /// Reads `source`'s runs, each with the path that identifies it (a study's trials
    /// as `study.jsonl#3`); a TensorBoard run, what was added since the last read.
    ///
    /// # Errors
    /// A file that cannot be read.
    pub fn read_all(&mut self, source: &Source) -> Result<Vec<(PathBuf, Run)>, String> {
        match source {
            Source::Study(path) => {
                let journal = self.studies.entry(path.clone()).or_default();
                if journal.path().is_none() {
                    *journal = crate::tune::journal::Journal::open(path)
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                } else {
                    journal.refresh().map_err(|e| format!("{}: {e}", path.display()))?;
                }
                Ok(study_runs(path, journal))
            }
            Source::Optuna(path) => {
                let first = !self.optunas.contains_key(path);
                let storage = self
                    .optunas
                    .entry(path.clone())
                    .or_insert_with(|| crate::tune::optuna::Storage::open(path));
                if !storage.refresh()? && self.changed_only && !first {
                    return Ok(Vec::new());
                }
                Ok(optuna_runs(path, storage))
            }
            Source::Lines(path) if self.once => {
                // Read once: nothing is kept to follow the file with.
                let mut follower = LinesFollower::default();
                follower.update(path, self.summary)?;
                Ok(vec![(path.clone(), checked(path, follower.lines.run)?)])
            }
            Source::Lines(path) => {
                let follower = self.lines.entry(path.clone()).or_default();
                if !follower.update(path, self.summary)? && self.changed_only {
                    return Ok(Vec::new());
                }
                Ok(vec![(path.clone(), checked(path, follower.lines.run.clone())?)])
            }
            Source::Csv(path) => {
                // Read again only when the file changed (length or change time).
                let seen = std::fs::metadata(path).ok().map(|m| (m.len(), m.modified().ok()));
                if let Some((when, run)) = self.csvs.get(path)
                    && seen.is_some()
                    && *when == seen
                {
                    return Ok(if self.changed_only {
                        Vec::new()
                    } else {
                        vec![(path.clone(), run.clone())]
                    });
                }
                let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
                let mut run = super::csvlog::parse(&String::from_utf8_lossy(&bytes), &run_name(path))
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                run.modified = modified(path);
                self.csvs.insert(path.clone(), (seen, run.clone()));
                Ok(vec![(path.clone(), run)])
            }
            Source::TensorBoard { root, folder } => {
                let first = !self.followers.contains_key(folder);
                let follower = self
                    .followers
                    .entry(folder.clone())
                    .or_insert_with(|| crate::tensorboard::Follower::new(folder.clone()));
                if !follower.update() && self.changed_only && !first {
                    return Ok(Vec::new());
                }
                let tensorboard = if self.once { follower.take_run() } else { follower.run().clone() };
                let mut run = from_tensorboard(crate::tensorboard::run_name(root, folder), tensorboard);
                run.modified = std::fs::read_dir(folder)
                    .ok()
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter_map(|e| e.metadata().and_then(|m| m.modified()).ok())
                    .max();
                Ok(vec![(folder.clone(), run)])
            }
        }
    }
}

/// A TensorBoard run as named series: its scalar tags in fold 0, by step; a Keras
/// callback's epoch tags (`epoch_loss` at step = epoch from 0) numbered from 1 as Keras's
/// messages and its JSON lines number them, its per-batch and per-iteration tags by
/// their own steps (they do not count as epochs).
pub fn from_tensorboard(name: String, mut tensorboard: crate::tensorboard::Run) -> Run {
    let keras = keras_epochs(tensorboard.scalars.keys());
    let diverged = tensorboard
        .scalars
        .iter()
        .filter(|(tag, _)| is_training_loss(tag))
        .any(|(_, s)| s.last.is_some_and(|p| !p.value.is_finite()));
    let (mut part, mut steps) = (Part::default(), Part::default());
    for (tag, mut series) in std::mem::take(&mut tensorboard.scalars) {
        if !keras {
            part.series.insert(tag, series);
        } else if is_epoch_tag(&tag) {
            series.shift(1.0);
            part.series.insert(tag, series);
        } else {
            steps.series.insert(tag, series);
        }
    }
    let mut folds = BTreeMap::new();
    if !part.is_empty() {
        folds.insert(0, part);
    }
    Run {
        name,
        folds,
        // Records that were not events; damaged ones are counted apart (`damaged_records`).
        skipped: tensorboard.undecoded,
        partial: tensorboard.pending > 0,
        params: tensorboard.hparams.clone(),
        tensorboard: Some(tensorboard),
        keras_epochs: keras,
        steps,
        diverged,
        ..Run::default()
    }
}

/// Whether a series is a training loss (`loss`, `epoch_loss`, `Loss/train`, `train_loss`):
/// the one whose last value says a run diverged.
pub fn is_training_loss(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !lower.contains("val")
        && !lower.contains("test")
        && lower.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| w == "loss")
}

/// Whether a TensorBoard tag is one of Keras's per-epoch tags (`epoch_loss`,
/// `val_epoch_accuracy`).
pub fn is_epoch_tag(tag: &str) -> bool {
    tag.strip_prefix("val_").unwrap_or(tag).starts_with("epoch_")
}

/// Whether a TensorBoard run's tags are a Keras callback's (some per-epoch tags).
pub fn keras_epochs<'a>(mut tags: impl Iterator<Item = &'a String>) -> bool {
    tags.any(|t| is_epoch_tag(t))
}

/// Reads one events file; the run is named after its folder (or the file).
///
/// # Errors
/// The file cannot be read.
pub fn read(path: &Path) -> Result<Run, String> {
    let mut follower = LinesFollower::default();
    follower.update(path, false)?;
    checked(path, follower.lines.run)
}

/// A run read from JSON lines, or the error of a file that is not a log.
fn checked(path: &Path, run: Run) -> Result<Run, String> {
    // Lines were read and none was an event or a Keras-callback line: not a log at all
    // (a binary file, a data file), rather than an empty run.
    if run.skipped > 0 && !run.own && run.folds.is_empty() {
        return Err(format!(
            "{}: not a training log: none of its {} lines is an nntui event or a Keras-callback line ({{\"epoch\": .., \"logs\": {{..}}}})",
            path.display(),
            run.skipped
        ));
    }
    Ok(run)
}

/// A run's name: its folder's for `events.jsonl` and `metrics.csv`, else the file's stem.
fn run_name(path: &Path) -> String {
    let name = if path.file_name().is_some_and(|n| n == EVENTS || n == "metrics.csv") {
        path.parent().and_then(Path::file_name)
    } else {
        path.file_stem()
    };
    name.map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// When a file last changed.
fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_callback_lines_become_named_series() {
        let text = concat!(
            "{\"epoch\": 0, \"logs\": {\"loss\": 0.7, \"accuracy\": 0.5, \"val_loss\": 0.8}}\n",
            "not json\n",
            "{\"epoch\": 1, \"logs\": {\"loss\": NaN, \"epoch_auc\": 0.9}, \"extra\": true}\n",
            "{\"something\": \"else\"}\n",
            "{\"epoch\": 2, \"logs\": {\"loss\": 0.5}, \"fold\": 1}\n",
            "{\"epoch\": 3, \"logs\": {\"loss\": 0.4"
        );
        let run = parse(text, "keras");
        assert_eq!(run.skipped, 2, "the garbage line and the line of another shape");
        assert!(run.partial, "the last line is still being written");
        let fold = &run.folds[&0];
        assert_eq!(fold.last_step(), Some(2.0), "epochs from 0 are shifted to count from 1");
        assert_eq!(fold.get("accuracy").unwrap().points(), [(1.0, 0.5)]);
        assert_eq!(fold.last("loss"), Some(0.7), "a NaN is left out");
        assert_eq!(fold.last("epoch_auc"), Some(0.9));
        assert_eq!(run.folds[&1].last_step(), Some(3.0));
        assert_eq!(run.names(), ["accuracy", "epoch_auc", "loss", "val_loss"]);
        assert_eq!(fold.best("loss", None), Some((0.7, 1.0)));
    }

    #[test]
    fn epochs_out_of_order_and_missing_fields_are_kept_or_skipped_not_fatal() {
        let text = concat!(
            "{\"epoch\": 5, \"logs\": {\"loss\": 0.5}}\n",
            "{\"epoch\": 3, \"logs\": {\"loss\": 0.7}}\n",
            "{\"epoch\": 4}\n",
            "{\"logs\": {\"loss\": 0.1}}\n",
            "{\"epoch\": \"six\", \"logs\": {}}\n"
        );
        let run = parse(text, "odd");
        assert_eq!(run.skipped, 3, "no logs, no epoch, a non-numeric epoch");
        assert_eq!(run.folds[&0].get("loss").unwrap().points(), [(5.0, 0.5), (3.0, 0.7)], "kept as written");
        assert_eq!(run.folds[&0].best("loss", None), Some((0.5, 5.0)));
    }

    #[test]
    fn a_replaced_file_is_read_again_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.jsonl");
        std::fs::write(&path, "{\"epoch\": 0, \"logs\": {\"loss\": 0.9}}\n").unwrap();
        let mut follower = LinesFollower::default();
        follower.update(&path, false).unwrap();
        // Another run written beside it and moved over it: longer, from its own start.
        let other = dir.path().join("new.jsonl");
        std::fs::write(
            &other,
            "{\"epoch\": 0, \"logs\": {\"loss\": 0.4}}\n{\"epoch\": 1, \"logs\": {\"loss\": 0.3}}\n",
        )
        .unwrap();
        std::fs::rename(&other, &path).unwrap();
        follower.update(&path, false).unwrap();
        let loss = follower.lines.run.folds[&0].get("loss").unwrap();
        assert_eq!(loss.points(), [(1.0, 0.4), (2.0, 0.3)], "nothing of the old file, nothing skipped");
    }

    #[test]
    fn own_epochs_are_read_from_their_values_alone_and_weights_passed_over() {
        let text = concat!(
            "{\"type\":\"weights\",\"fold\":0,\"epoch\":1,\"layers\":\"not even a list\"}\n",
            "{\"type\":\"epoch_ended\",\"fold\":1,\"epoch\":1,\"loss\":0.5,\"metric\":0.7,\"val_loss\":0.6,\"val_metric\":null,\"learning_rate\":0.001,\"steps\":3,\"iterations\":3,\"epoch_seconds\":0.1,\"elapsed_seconds\":0.1,\"future\":[1,2]}\n",
            "{\"type\":\"epoch_ended\",\"fold\":1,\"epoch\":2,\"loss\":null,\"metric\":0.5,\"val_loss\":null,\"val_metric\":null,\"learning_rate\":0.001,\"steps\":3,\"iterations\":6,\"epoch_seconds\":0.1,\"elapsed_seconds\":0.2}\n",
        );
        let run = parse(text, "r");
        assert!(run.own);
        assert_eq!(run.skipped, 0, "a weights line is passed over, not judged");
        let fold = &run.folds[&1];
        let loss = fold.get("loss").unwrap();
        assert_eq!(loss.count, 2);
        assert!(loss.last.unwrap().value.is_nan(), "a diverged epoch's null loss is kept as NaN");
        assert_eq!(fold.get("accuracy").unwrap().points(), [(1.0, 0.7), (2.0, 0.5)]);
        assert_eq!(fold.get("val_loss").unwrap().points(), [(1.0, 0.6)]);
        assert!(fold.get("val_accuracy").is_none());
        assert_eq!(fold.last("learning_rate"), Some(0.001));
    }

    #[test]
    fn the_epoch_scanner_agrees_with_serde_or_leaves_the_line_to_it() {
        let mut report = crate::train::EpochReport {
            fold: 3,
            epoch: 17,
            loss: 0.680_718_570_016_324_5,
            metric: 1e-7,
            val_loss: Some(-2.5e300),
            val_metric: None,
            learning_rate: 0.001,
            metrics: std::collections::BTreeMap::new(),
            steps: 77,
            iterations: 1309,
            epoch_seconds: 0.000_148,
            elapsed_seconds: 0.002,
            policies: None,
            forecast: None,
        };
        let written = serde_json::to_string(&Event::EpochEnded(report.clone())).unwrap();
        let scanned = EpochValues::scan(written.as_bytes()).expect("nntui's own line is scanned");
        assert_eq!(Some(&scanned), serde_json::from_str::<EpochValues>(&written).ok().as_ref());
        assert_eq!(
            (scanned.fold, scanned.epoch, scanned.loss, scanned.val_metric),
            (3, 17, Some(report.loss), None)
        );
        report.loss = f64::NAN;
        let written = serde_json::to_string(&Event::EpochEnded(report)).unwrap();
        assert_eq!(EpochValues::scan(written.as_bytes()).unwrap().loss, None, "a null loss");
        // What nntui does not write is left to serde, which reads it or not.
        for line in [
            r#"{"type":"epoch_ended","fold":0,"epoch":1,"loss":0.5,"metric":0.5,"learning_rate":0.1,"note":"a \"quoted\" word"}"#,
            r#"{"type":"epoch_ended","fold":0,"epoch":1,"loss":0.5,"x":{"a":1},"metric":0.5}"#,
            r#"{"type":"epoch_ended","fold":0, "epoch":1,"loss":0.5}"#,
            r#"{"type":"epoch_ended","fold":0,"epoch":1,"loss":"0.5"}"#,
            r#"{"type":"epoch_ended","fold":0,"loss":0.5}"#,
            r#"{"type":"epoch_ended","fold":0,"epoch":1,"loss":0.5}}"#,
            r#"{"type":"epoch_ended","fold":0,"epoch":1,"loss":0.5"#,
        ] {
            assert_eq!(EpochValues::scan(line.as_bytes()), None, "{line}");
        }
        // Unknown plain fields are passed over, as serde passes them over.
        let line = r#"{"type":"epoch_ended","fold":0,"epoch":2,"future":"yes","loss":0.25,"metric":0.5,"val_loss":null,"val_metric":null,"learning_rate":0.1}"#;
        assert_eq!(EpochValues::scan(line.as_bytes()), serde_json::from_str(line).ok());
    }

    #[test]
    fn unknown_event_types_and_fields_are_skipped() {
        let text = concat!(
            "{\"type\":\"from_the_future\",\"x\":1}\n",
            "{\"type\":\"warning\",\"fold\":null,\"epoch\":null,\"message\":\"m\",\"hint\":null,\"new_field\":3}\n"
        );
        let run = parse(text, "r");
        assert_eq!(run.skipped, 1);
        assert!(run.own);
        assert!(!run.partial);
    }
}
