//! Recording a run: `--log-dir DIR` (or `NNTUI_LOG_DIR`) gives each run the folder
//! `DIR/<start time>-<name>` with its events, appended and flushed as they happen (a crash
//! loses at most the last partial line), its resolved settings and, for a single fit that
//! finished, its model.

use crate::train::{Event, RunConfig};
use serde::Serialize;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// The file holding the events.
pub const EVENTS: &str = "events.jsonl";
/// The file holding the settings.
pub const CONFIG: &str = "config.json";
/// The file holding a single fit's model.
pub const MODEL: &str = "model.json";

/// What `config.json` holds.
#[derive(Serialize)]
struct ConfigFile<'a> {
    schema: u32,
    name: &'a str,
    started: String,
    data: &'a str,
    config: &'a RunConfig,
}

/// A run folder being written.
pub struct Recorder {
    /// The folder.
    pub folder: PathBuf,
    events: BufWriter<File>,
}

impl Recorder {
    /// Creates `log_dir/<start time>-<name>` (with `-2`, `-3`, ... if it exists) and
    /// writes `config.json` into it.
    ///
    /// # Errors
    /// The folder or a file in it cannot be written.
    pub fn create(log_dir: &Path, name: &str, data: &str, config: &RunConfig) -> io::Result<Recorder> {
        std::fs::create_dir_all(log_dir)?;
        let started = timestamp(SystemTime::now());
        let stem = format!("{started}-{name}");
        let mut folder = log_dir.join(&stem);
        let mut attempt = 1;
        // create_dir (not _all) fails on an existing folder: two runs never share one.
        while let Err(error) = std::fs::create_dir(&folder) {
            if error.kind() != io::ErrorKind::AlreadyExists || attempt > 999 {
                return Err(error);
            }
            attempt += 1;
            folder = log_dir.join(format!("{stem}-{attempt}"));
        }
        let file = ConfigFile { schema: super::SCHEMA, name, started, data, config };
        let text = serde_json::to_string_pretty(&file).map_err(io::Error::other)?;
        std::fs::write(folder.join(CONFIG), text + "\n")?;
        let events = BufWriter::new(File::create(folder.join(EVENTS))?);
        Ok(Recorder { folder, events })
    }

    /// Appends one event and flushes it; the pictures ([`Event::Learned`]) and the
    /// progress within epochs are left out: they are for the screen, and the pictures
    /// would be most of the file.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write(&mut self, event: &Event) -> io::Result<()> {
        if matches!(event, Event::Learned(_) | Event::Progress(_)) {
            return Ok(());
        }
        serde_json::to_writer(&mut self.events, event).map_err(io::Error::other)?;
        self.events.write_all(b"\n")?;
        self.events.flush()
    }
}

/// A run's default name: the data file's stem and the settings that differ from the
/// tutorial's defaults (`pima-lr0.01-l2-0.001`), safe as a folder name.
pub fn default_name(data: &Path, config: &RunConfig) -> String {
    let defaults = RunConfig::default();
    let stem = data.file_stem().map_or_else(|| "run".to_string(), |s| s.to_string_lossy().into_owned());
    let stem = stem.split(['-', '_', '.']).next().filter(|s| !s.is_empty()).unwrap_or("run").to_string();
    let mut parts = vec![stem];
    if config.optimizer.kind != defaults.optimizer.kind {
        parts.push(config.optimizer.kind.name().to_string());
    }
    if config.optimizer.learning_rate != config.optimizer.kind.default_learning_rate() {
        parts.push(format!("lr{}", config.optimizer.learning_rate));
    }
    if config.hidden != defaults.hidden {
        let layers: Vec<String> = config
            .hidden
            .iter()
            .map(|l| match l {
                crate::nn::Layer::Dense { units, activation } => {
                    format!("{units}{}", &activation.name()[..1])
                }
                other => other.to_string().replace(':', "-"),
            })
            .collect();
        // Dense widths read as `12rx8r`; other layers' names hold an `x` already (`3x3`).
        let dense = config.hidden.iter().all(|l| matches!(l, crate::nn::Layer::Dense { .. }));
        parts.push(if layers.is_empty() {
            "linear".into()
        } else {
            layers.join(if dense { "x" } else { "_" })
        });
    }
    if config.initializer != defaults.initializer {
        parts.push(config.initializer.name().to_string());
    }
    for (label, value) in [("l1", config.regularizer.l1), ("l2", config.regularizer.l2)] {
        if value != 0.0 {
            parts.push(format!("{label}-{value}"));
        }
    }
    if config.epochs != defaults.epochs {
        parts.push(format!("e{}", config.epochs));
    }
    if config.batch_size != defaults.batch_size {
        parts.push(format!("b{}", config.batch_size));
    }
    if config.folds != defaults.folds {
        parts.push(if config.folds == 1 { "fit".into() } else { format!("k{}", config.folds) });
    }
    if config.standardize {
        parts.push("std".into());
    }
    if config.seed != defaults.seed {
        parts.push(format!("seed{}", config.seed));
    }
    safe_name(&parts.join("-"))
}

/// `name` with anything but letters, digits, `.`, `_` and `-` replaced by `_`.
pub fn safe_name(name: &str) -> String {
    let safe: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    if safe.is_empty() { "run".into() } else { safe }
}

/// `YYYYMMDD-HHMMSS` in UTC.
pub fn timestamp(time: SystemTime) -> String {
    let seconds = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}{month:02}{day:02}-{:02}{:02}{:02}", rest / 3600, (rest / 60) % 60, rest % 60)
}

/// The calendar date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_utc_calendar_times() {
        assert_eq!(timestamp(UNIX_EPOCH), "19700101-000000");
        // 2026-11-28 16:02:09 UTC.
        assert_eq!(timestamp(UNIX_EPOCH + Duration::from_secs(1_795_881_729)), "20261128-160209");
        // A leap day.
        assert_eq!(timestamp(UNIX_EPOCH + Duration::from_secs(951_782_400)), "20000229-000000");
    }

    #[test]
    fn names_say_what_differs_from_the_defaults() {
        let path = Path::new("../data/pima-indians-diabetes.csv");
        assert_eq!(default_name(path, &RunConfig::default()), "pima");
        let mut config = RunConfig::default();
        config.optimizer.learning_rate = 0.01;
        config.regularizer.l2 = 0.001;
        config.standardize = true;
        assert_eq!(default_name(path, &config), "pima-lr0.01-l2-0.001-std");
        assert_eq!(safe_name("a b/c"), "a_b_c");
        let layers = |text: &str| RunConfig {
            hidden: crate::cli::parse_layers(text).unwrap().0,
            ..RunConfig::default()
        };
        assert_eq!(default_name(path, &layers("32:relu,16:tanh")), "pima-32rx16t");
        assert_eq!(
            default_name(path, &layers("conv2d:4:3x3:relu,flatten")),
            "pima-conv2d-4-3x3-relu_flatten"
        );
    }

    #[test]
    fn a_second_run_in_the_same_second_gets_its_own_folder() {
        let dir = tempfile::tempdir().unwrap();
        let config = RunConfig::default();
        let first = Recorder::create(dir.path(), "x", "d.csv", &config).unwrap();
        let second = Recorder::create(dir.path(), "x", "d.csv", &config).unwrap();
        assert_ne!(first.folder, second.folder);
        let text = std::fs::read_to_string(first.folder.join(CONFIG)).unwrap();
        assert!(text.contains("\"schema\": 1"), "{text}");
    }
}
