//! A study as a file: an append-only log of JSON lines (`--storage study.jsonl`), shared
//! by any number of `nntui tune` processes, on one machine or on many over a shared file
//! system, as Optuna's journal file storage is: every append is made under an exclusive
//! lock file and synced to disk; readers skip a partial last line; trials are claimed
//! under the lock, so no two processes run the same one; a trial whose process stops
//! sending heartbeats is marked failed and run again by another.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The journal's format this build writes and reads; a study written in a later one is
/// refused rather than misread.
pub const JOURNAL_FORMAT: u32 = 1;

fn first_format() -> u32 {
    1
}

/// A lock file older than this is left over from a process that died holding it.
const STALE_LOCK: Duration = Duration::from_secs(30);
/// The longest wait for the lock before giving up.
const LOCK_PATIENCE: Duration = Duration::from_secs(120);

/// One line of the journal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Entry {
    /// The study's definition, the first line.
    Study(StudyHeader),
    /// A trial claimed by a process.
    Start {
        /// Trial number, from 0.
        trial: usize,
        /// The sample (random search) or grid point it runs.
        sample: usize,
        /// The trial this one runs again, if it is a retry.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_of: Option<usize>,
        /// The searched options' values, as given on the command line.
        params: Vec<(String, String)>,
        /// The training command line that runs it (`nntui` and its arguments).
        command: Vec<String>,
        /// `host:pid`.
        owner: String,
        /// Seconds since the Unix epoch.
        time: f64,
    },
    /// An intermediate value: the objective after an epoch.
    Epoch {
        /// Trial number.
        trial: usize,
        /// Epoch, from 1.
        epoch: usize,
        /// The objective (mean over folds); `null` if not a number.
        value: Option<f64>,
    },
    /// A rung value successive halving recorded (later trials compete with it).
    Rung {
        /// Trial number.
        trial: usize,
        /// Rung, from 0.
        rung: usize,
        /// The value recorded.
        value: f64,
    },
    /// The owning process is alive and the trial still running.
    Beat {
        /// Trial number.
        trial: usize,
        /// Seconds since the Unix epoch.
        time: f64,
    },
    /// A trial ended.
    Finish {
        /// Trial number.
        trial: usize,
        /// How.
        state: TrialState,
        /// The objective (the mean over folds for cross-validation).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<f64>,
        /// Its standard deviation over folds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        std: Option<f64>,
        /// Epochs trained.
        epochs: usize,
        /// Why it failed, or who marked it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        /// A failure to run again (its process died or was interrupted), not one that
        /// would happen again (a diverged network).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        retry: bool,
        /// Seconds since the Unix epoch.
        time: f64,
    },
}

/// What every process of a study must agree on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StudyHeader {
    /// The journal's format ([`JOURNAL_FORMAT`] when written; files from before it had
    /// none, which reads as 1).
    #[serde(default = "first_format")]
    pub format: u32,
    /// The data file and the options every trial shares (searched options left out).
    pub base: Vec<String>,
    /// The searched options as given: `(flag, text)`.
    pub space: Vec<(String, String)>,
    /// `random` or `grid`.
    pub search: String,
    /// Trials to run in all.
    pub trials: usize,
    /// The sampler's seed.
    pub seed: u64,
    /// The objective's name (`val_loss`, `val_accuracy`, ...).
    pub objective: String,
    /// Whether higher is better.
    pub maximize: bool,
    /// The pruner's name.
    pub pruner: String,
}

/// A trial's state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialState {
    /// Training (or its process died: see [`Journal::stale`]).
    #[default]
    Running,
    /// Trained to its last epoch.
    Complete,
    /// Stopped early by the pruner (or by the user).
    Pruned,
    /// Its training failed or its process died.
    Failed,
}

impl TrialState {
    /// The name shown.
    pub fn name(self) -> &'static str {
        match self {
            TrialState::Running => "running",
            TrialState::Complete => "complete",
            TrialState::Pruned => "pruned",
            TrialState::Failed => "failed",
        }
    }
}

/// A trial as the journal tells it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trial {
    /// Trial number.
    pub number: usize,
    /// Sample or grid point.
    pub sample: usize,
    /// The trial it runs again.
    pub retry_of: Option<usize>,
    /// Searched options' values.
    pub params: Vec<(String, String)>,
    /// The command line that runs it.
    pub command: Vec<String>,
    /// `host:pid`.
    pub owner: String,
    /// The last sign of life (start, heartbeat, epoch), seconds since the Unix epoch.
    pub alive: f64,
    /// Objective per epoch (NaN where it was not a number).
    pub intermediate: BTreeMap<usize, f64>,
    /// Successive halving's recorded values by rung.
    pub rungs: BTreeMap<usize, f64>,
    /// State.
    pub state: TrialState,
    /// Final objective and its spread over folds.
    pub value: Option<f64>,
    /// See `value`.
    pub std: Option<f64>,
    /// Epochs trained.
    pub epochs: usize,
    /// Why it failed.
    pub note: Option<String>,
    /// A failure to run again.
    pub retry: bool,
}

impl Trial {
    /// The last epoch with a value.
    pub fn last_epoch(&self) -> Option<usize> {
        self.intermediate.keys().next_back().copied()
    }
}

/// The study as read from its journal (or kept in memory without `--storage`).
#[derive(Debug, Default)]
pub struct Journal {
    path: Option<PathBuf>,
    /// Bytes read so far.
    offset: u64,
    /// The study's definition.
    pub header: Option<StudyHeader>,
    /// Trials by number.
    pub trials: BTreeMap<usize, Trial>,
    /// Lines that could not be read.
    pub skipped: usize,
}

/// Seconds since the Unix epoch.
pub fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

impl Journal {
    /// A study kept in memory only.
    pub fn in_memory() -> Journal {
        Journal::default()
    }

    /// The study in `path` (created if absent), read to its end.
    ///
    /// # Errors
    /// The file cannot be created or read.
    pub fn open(path: &Path) -> io::Result<Journal> {
        OpenOptions::new().create(true).append(true).open(path)?;
        let mut journal = Journal { path: Some(path.to_path_buf()), ..Journal::default() };
        journal.refresh()?;
        Ok(journal)
    }

    /// Reads the lines appended since the last read (a partial last line waits).
    ///
    /// # Errors
    /// The file cannot be read.
    pub fn refresh(&mut self) -> io::Result<()> {
        let Some(path) = &self.path else { return Ok(()) };
        let mut file = File::open(path)?;
        let length = file.metadata()?.len();
        if length < self.offset {
            // Replaced by a shorter file: read it from the start.
            *self = Journal { path: self.path.clone(), ..Journal::default() };
        }
        file.seek(SeekFrom::Start(self.offset))?;
        let mut bytes = Vec::new();
        file.take(length - self.offset).read_to_end(&mut bytes)?;
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |end| end + 1);
        self.offset += complete as u64;
        for line in String::from_utf8_lossy(&bytes[..complete]).lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<Entry>(line) {
                Ok(entry) => self.apply(entry),
                Err(_) => self.skipped += 1,
            }
        }
        Ok(())
    }

    fn apply(&mut self, entry: Entry) {
        match entry {
            Entry::Study(header) => {
                self.header.get_or_insert(header);
            }
            Entry::Start { trial, sample, retry_of, params, command, owner, time } => {
                self.trials.insert(
                    trial,
                    Trial {
                        number: trial,
                        sample,
                        retry_of,
                        params,
                        command,
                        owner,
                        alive: time,
                        ..Trial::default()
                    },
                );
            }
            Entry::Epoch { trial, epoch, value } => {
                if let Some(t) = self.trials.get_mut(&trial) {
                    t.intermediate.insert(epoch, value.unwrap_or(f64::NAN));
                    t.epochs = t.epochs.max(epoch);
                }
            }
            Entry::Rung { trial, rung, value } => {
                if let Some(t) = self.trials.get_mut(&trial) {
                    t.rungs.insert(rung, value);
                }
            }
            Entry::Beat { trial, time } => {
                if let Some(t) = self.trials.get_mut(&trial) {
                    t.alive = t.alive.max(time);
                }
            }
            Entry::Finish { trial, state, value, std, epochs, note, retry, .. } => {
                if let Some(t) = self.trials.get_mut(&trial).filter(|t| t.state == TrialState::Running) {
                    (t.state, t.value, t.std, t.epochs, t.note, t.retry) =
                        (state, value, std, epochs, note, retry);
                }
            }
        }
    }

    /// Appends entries (under the lock, synced, for a file).
    ///
    /// # Errors
    /// The lock cannot be had, or the file cannot be written.
    pub fn append(&mut self, entries: &[Entry]) -> io::Result<()> {
        match self.path.clone() {
            None => {
                entries.iter().cloned().for_each(|e| self.apply(e));
                Ok(())
            }
            Some(path) => with_lock(&path, || {
                self.refresh()?;
                write_entries(&path, entries)?;
                self.refresh()
            }),
        }
    }

    /// Under the lock: reads the journal, then lets `decide` look at the study and return
    /// what to append (nothing, or a claim), and appends it before anyone else can.
    ///
    /// # Errors
    /// The lock cannot be had, or the file cannot be read or written.
    pub fn transaction<T>(&mut self, decide: impl FnOnce(&Journal) -> (Vec<Entry>, T)) -> io::Result<T> {
        match self.path.clone() {
            None => {
                let (entries, result) = decide(self);
                entries.into_iter().for_each(|e| self.apply(e));
                Ok(result)
            }
            Some(path) => with_lock(&path, || {
                self.refresh()?;
                let (entries, result) = decide(self);
                write_entries(&path, &entries)?;
                self.refresh()?;
                Ok(result)
            }),
        }
    }

    /// Running trials whose owner has not been heard from for `timeout`.
    pub fn stale(&self, timeout: Duration, at: f64) -> Vec<usize> {
        self.trials
            .values()
            .filter(|t| t.state == TrialState::Running && at - t.alive > timeout.as_secs_f64())
            .map(|t| t.number)
            .collect()
    }

    /// The journal's file, if it has one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

/// Appends lines and syncs them to disk.
fn write_entries(path: &Path, entries: &[Entry]) -> io::Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut text = String::new();
    for entry in entries {
        text.push_str(&serde_json::to_string(entry).map_err(io::Error::other)?);
        text.push('\n');
    }
    let mut file = OpenOptions::new().append(true).open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_data()
}

/// Runs `f` holding `PATH.lock`, made with exclusive creation (which NFS honours); a lock
/// left by a dead process is removed after [`STALE_LOCK`].
fn with_lock<T>(path: &Path, f: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
    let mut lock_name = path.as_os_str().to_owned();
    lock_name.push(".lock");
    let lock = PathBuf::from(lock_name);
    let started = std::time::Instant::now();
    loop {
        match OpenOptions::new().write(true).create_new(true).open(&lock) {
            Ok(mut file) => {
                let _ = writeln!(file, "{}", owner());
                break;
            }
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                let age =
                    std::fs::metadata(&lock).and_then(|m| m.modified()).ok().and_then(|m| m.elapsed().ok());
                if age.is_some_and(|age| age > STALE_LOCK) {
                    let _ = std::fs::remove_file(&lock);
                    continue;
                }
                if started.elapsed() > LOCK_PATIENCE {
                    return Err(io::Error::other(format!("{} is held by another process", lock.display())));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(error) => return Err(error),
        }
    }
    let result = f();
    let _ = std::fs::remove_file(&lock);
    result
}

/// This process, as the journal names it: `host:pid`.
pub fn owner() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map_or_else(|| "localhost".into(), |h| h.trim().to_string());
    format!("{host}:{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(trial: usize) -> Entry {
        Entry::Start {
            trial,
            sample: trial,
            retry_of: None,
            params: vec![("--lr".into(), "0.01".into())],
            command: vec!["nntui".into()],
            owner: "h:1".into(),
            time: 100.0,
        }
    }

    #[test]
    fn entries_round_trip_and_a_partial_line_waits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("study.jsonl");
        let mut journal = Journal::open(&path).unwrap();
        journal.append(&[start(0), Entry::Epoch { trial: 0, epoch: 1, value: Some(0.5) }]).unwrap();
        // Another process's half-written line.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"op\":\"epoch\",\"trial\":0,\"ep").unwrap();
        let mut reader = Journal::open(&path).unwrap();
        assert_eq!(reader.trials[&0].intermediate.get(&1), Some(&0.5));
        file.write_all(b"och\":2,\"value\":null}\n").unwrap();
        reader.refresh().unwrap();
        assert!(reader.trials[&0].intermediate[&2].is_nan());
        assert_eq!(reader.skipped, 0);
        // A finish is final; a second one (a late process) does not change it.
        journal
            .append(&[
                Entry::Finish {
                    trial: 0,
                    state: TrialState::Failed,
                    value: None,
                    std: None,
                    epochs: 2,
                    note: Some("no heartbeat".into()),
                    retry: true,
                    time: 200.0,
                },
                Entry::Finish {
                    trial: 0,
                    state: TrialState::Complete,
                    value: Some(0.4),
                    std: None,
                    epochs: 3,
                    note: None,
                    retry: false,
                    time: 201.0,
                },
            ])
            .unwrap();
        assert_eq!(journal.trials[&0].state, TrialState::Failed);
    }

    #[test]
    fn stale_trials_and_a_stale_lock() {
        let mut journal = Journal::in_memory();
        journal.append(&[start(0), start(1), Entry::Beat { trial: 1, time: 190.0 }]).unwrap();
        assert_eq!(journal.stale(Duration::from_secs(60), 200.0), vec![0]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        let lock = dir.path().join("s.jsonl.lock");
        std::fs::write(&lock, "dead:1\n").unwrap();
        let old = SystemTime::now() - Duration::from_secs(60);
        File::options().write(true).open(&lock).unwrap().set_modified(old).unwrap();
        let mut journal = Journal::open(&path).unwrap();
        journal.append(&[start(0)]).unwrap();
        assert!(!lock.exists());
        assert_eq!(journal.trials.len(), 1);
    }
}
