//! TensorBoard event files (`*tfevents*`), as Keras's `TensorBoard` callback,
//! `torch.utils.tensorboard` and tensorboardX write them: runs found as TensorBoard finds
//! them, records read as they are appended, scalars and histograms in both encodings.
//! No Python and no TensorFlow: the TFRecord framing ([`record`]) and the few protocol
//! buffer messages needed ([`proto`], vendored from TensorBoard) are read here.

pub mod proto;
pub mod record;

use crate::train::Histogram;
use prost::Message;
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Snapshots kept per histogram tag (the strip shows the newest).
pub const SNAPSHOTS_PER_TAG: usize = 64;

/// Keras writes a run's training and validation summaries in these folders; they are one
/// run, the validation tags prefixed `val_`.
const KERAS_FOLDERS: [(&str, &str); 2] = [("train", ""), ("validation", "val_")];

/// Whether `path` names an event file.
pub fn is_event_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n.to_string_lossy().contains("tfevents")) && path.is_file()
}

/// The runs below `root`, as TensorBoard sees them: every folder holding event files,
/// except that Keras's `train/` and `validation/` folders make one run, their parent.
/// Sorted; `root` itself may be one.
///
/// `folders`: those below `root` that hold event files (`runs::read::walk` finds them
/// in the one walk that finds every kind of run).
pub fn runs_of(root: &Path, folders: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut runs: Vec<PathBuf> = folders
        .into_iter()
        .map(|folder| match (folder.file_name().and_then(|n| n.to_str()), folder.parent()) {
            (Some(name), Some(parent))
                if folder != root
                    && ((KERAS_FOLDERS.iter().any(|(k, _)| *k == name) && keras_layout(parent))
                        || is_session(&folder, name)) =>
            {
                parent.to_path_buf()
            }
            _ => folder,
        })
        .collect();
    runs.sort();
    runs.dedup();
    runs
}

/// Whether `parent`'s `train/` and `validation/` folders are a Keras callback's: TF2's
/// event files (named `*.v2`) there, and none of the parent's own. tensorboardX's
/// `add_scalars` folders (`exp1/Loss/train`) and a writer beside them (`exp/` and
/// `exp/train/`) are runs of their own.
pub fn keras_layout(parent: &Path) -> bool {
    event_files(parent).is_empty()
        && KERAS_FOLDERS.iter().any(|(name, _)| {
            event_files(&parent.join(name)).iter().any(|f| f.to_string_lossy().ends_with(".v2"))
        })
}

/// Whether a folder is where PyTorch's and tensorboardX's `add_hparams` wrote a session
/// (named by default after the time it was called, `1796549437.5924587`): it belongs to
/// the run it was written from, its parent.
pub fn is_session_folder(name: &str) -> bool {
    name.contains('.')
        && name.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && name.parse::<f64>().is_ok_and(|t| t > 1e8)
}

/// Whether `folder` (named `name`) is an `add_hparams` session of the run its parent is:
/// time-named, or (`add_hparams(..., run_name=...)`) a parent with event files of its
/// own and here only small files with the HParams plugin's data.
pub fn is_session(folder: &Path, name: &str) -> bool {
    if is_session_folder(name) {
        return true;
    }
    /// A session's file: the hyperparameters and a few `hparam/*` values.
    const SESSION_BYTES: u64 = 64 << 10;
    let files = event_files(folder);
    !files.is_empty()
        && folder.parent().is_some_and(|parent| !event_files(parent).is_empty())
        && files.iter().all(|file| {
            std::fs::metadata(file).is_ok_and(|m| m.len() <= SESSION_BYTES)
                && std::fs::read(file).is_ok_and(|bytes| memchr::memmem::find(&bytes, b"hparams").is_some())
        })
}

/// A run's name: its path under the folder given on the command line (the folder's own
/// name when the run is that folder).
pub fn run_name(root: &Path, run: &Path) -> String {
    match run.strip_prefix(root) {
        Ok(relative) if !relative.as_os_str().is_empty() => relative.display().to_string(),
        _ => run.file_name().map_or_else(|| run.display().to_string(), |n| n.to_string_lossy().into_owned()),
    }
}

/// What a run's event files held.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Run {
    /// Scalar tags (validation ones from Keras's `validation/` prefixed `val_`).
    pub scalars: BTreeMap<String, crate::series::Series>,
    /// Histogram tags: `(step, histogram)`, the newest [`SNAPSHOTS_PER_TAG`].
    pub histograms: BTreeMap<String, Vec<(i64, Histogram)>>,
    /// Hyperparameters from the HParams plugin's session start, by name.
    pub hparams: BTreeMap<String, String>,
    /// Summaries of other kinds (images, text, audio, graphs, other plugins), by kind.
    pub skipped: BTreeMap<String, usize>,
    /// Records whose checksum failed, and stretches of damage resynchronized.
    pub bad_records: usize,
    /// Records that were not events (or events that did not decode).
    pub undecoded: usize,
    /// Bytes at the ends of files waiting for the rest of a record.
    pub pending: usize,
    /// Event files read.
    pub files: usize,
}

/// A run being read: each of its files with how far it has been read.
#[derive(Debug, Default)]
pub struct Follower {
    /// The run's folder.
    pub folder: PathBuf,
    files: BTreeMap<PathBuf, FileState>,
    run: Run,
    /// Subfolders found to be `add_hparams` sessions (not looked into again).
    sessions: std::collections::BTreeSet<PathBuf>,
    /// Subfolders found not to be, with their event files' count and bytes then and
    /// whether the run had event files of its own: looked into again only when those
    /// change (their files are not read on every refresh of a folder of many runs).
    not_sessions: BTreeMap<PathBuf, (usize, u64, bool)>,
}

#[derive(Debug, Default)]
struct FileState {
    /// Bytes read so far.
    offset: u64,
    /// The file's identity when last read (a different one was replaced: start again).
    identity: Option<(u64, u64)>,
    reader: record::Reader,
    /// `val_` for Keras's validation folder.
    prefix: &'static str,
    /// Each tag's plugin, from its first event (TF2 writes the metadata only there).
    plugins: HashMap<String, String>,
}

impl Follower {
    /// A run in `folder` (its own event files, and Keras's `train/` and `validation/`).
    pub fn new(folder: PathBuf) -> Follower {
        Follower { folder, ..Follower::default() }
    }

    /// What has been read so far.
    pub fn run(&self) -> &Run {
        &self.run
    }

    /// What has been read so far, handed over (a reader that reads once keeps nothing).
    pub fn take_run(&mut self) -> Run {
        std::mem::take(&mut self.run)
    }

    /// Reads what was appended since the last call, and files that appeared. A file that
    /// shrank or was replaced is read again from the start (its values are added again,
    /// as TensorBoard does with a rewritten file).
    ///
    /// Says whether anything was read (or a file was replaced).
    pub fn update(&mut self) -> bool {
        let mut changed = false;
        let mut files: Vec<(PathBuf, &'static str)> =
            event_files(&self.folder).into_iter().map(|f| (f, "")).collect();
        if keras_layout(&self.folder) {
            for (name, prefix) in KERAS_FOLDERS {
                files.extend(event_files(&self.folder.join(name)).into_iter().map(|f| (f, prefix)));
            }
        }
        // `add_hparams` sessions: their hyperparameters and `hparam/*` values are this run's.
        let own_files = files.iter().any(|(_, prefix)| prefix.is_empty());
        if let Ok(entries) = std::fs::read_dir(&self.folder) {
            for entry in entries.flatten() {
                let path = entry.path();
                if !entry.file_type().is_ok_and(|t| t.is_dir()) {
                    continue;
                }
                let session = self.sessions.contains(&path) || {
                    let found = event_files(&path);
                    let bytes = found.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
                    let seen = (found.len(), bytes, own_files);
                    if self.not_sessions.get(&path) == Some(&seen) {
                        false
                    } else if is_session(&path, &entry.file_name().to_string_lossy()) {
                        self.not_sessions.remove(&path);
                        true
                    } else {
                        self.not_sessions.insert(path.clone(), seen);
                        false
                    }
                };
                if session {
                    self.sessions.insert(path.clone());
                    files.extend(event_files(&path).into_iter().map(|f| (f, "")));
                }
            }
        }
        self.run.files = files.len();
        let mut buffer = Vec::new();
        for (path, prefix) in files {
            let state = self
                .files
                .entry(path.clone())
                .or_insert_with(|| FileState { prefix, ..FileState::default() });
            let Ok(mut file) = std::fs::File::open(&path) else { continue };
            let Ok(metadata) = file.metadata() else { continue };
            let identity = identity(&metadata);
            if metadata.len() < state.offset || (state.identity.is_some() && state.identity != identity) {
                *state = FileState { prefix, ..FileState::default() };
                changed = true;
            }
            state.identity = identity;
            if metadata.len() == state.offset || file.seek(SeekFrom::Start(state.offset)).is_err() {
                continue;
            }
            buffer.clear();
            if file.take(metadata.len() - state.offset).read_to_end(&mut buffer).is_err() {
                continue;
            }
            state.offset += buffer.len() as u64;
            changed |= !buffer.is_empty();
            let run = &mut self.run;
            let (before_bad, before_resyncs) = (state.reader.bad_records, state.reader.resyncs);
            let FileState { reader, plugins, prefix, .. } = state;
            reader.feed(&buffer, |data| take_record(run, plugins, prefix, data));
            run.bad_records += (reader.bad_records - before_bad) + (reader.resyncs - before_resyncs);
        }
        self.run.pending = self.files.values().map(|s| s.reader.pending()).sum();
        changed
    }
}

/// The event files directly in `folder`, sorted (TensorBoard reads them in name order).
fn event_files(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .map(|entries| entries.flatten().map(|e| e.path()).filter(|p| is_event_file(p)).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// A file's identity (device and inode), to tell a replaced file from a grown one.
#[cfg(unix)]
#[allow(clippy::unnecessary_wraps, reason = "elsewhere than Unix there is none")]
pub(crate) fn identity(metadata: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((metadata.dev(), metadata.ino()))
}

/// No identity off Unix: a replaced file is told by its length alone.
#[cfg(not(unix))]
pub(crate) fn identity(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Reads a run in one go.
pub fn read(folder: &Path) -> Run {
    let mut follower = Follower::new(folder.to_path_buf());
    follower.update();
    follower.run
}

/// One record: an `Event`, whose summary values go into the run.
fn take_record(run: &mut Run, plugins: &mut HashMap<String, String>, prefix: &str, data: &[u8]) {
    let Ok(event) = proto::Event::decode(data) else {
        run.undecoded += 1;
        return;
    };
    let summary = match event.what {
        Some(proto::event::What::Summary(summary)) => summary,
        Some(proto::event::What::GraphDef(_) | proto::event::What::MetaGraphDef(_)) => {
            *run.skipped.entry("graphs".into()).or_default() += 1;
            return;
        }
        Some(proto::event::What::TaggedRunMetadata(_)) => {
            *run.skipped.entry("run metadata".into()).or_default() += 1;
            return;
        }
        // The file version, session logs and log messages are not summaries.
        _ => return,
    };
    for value in summary.value {
        // The tag's plugin, from this value or the tag's first (looked up, not copied).
        let plugin: &str = match value.metadata.as_ref().and_then(|m| m.plugin_data.as_ref()) {
            Some(data) if !data.plugin_name.is_empty() => {
                if plugins.get(&value.tag) != Some(&data.plugin_name) {
                    plugins.insert(value.tag.clone(), data.plugin_name.clone());
                }
                &data.plugin_name
            }
            _ => plugins.get(&value.tag).map_or("", String::as_str),
        };
        let scalar_class = value.metadata.as_ref().is_some_and(|m| m.data_class == proto::DATA_CLASS_SCALAR);
        if plugin == "hparams" {
            take_hparams(run, &value);
            continue;
        }
        let tag: std::borrow::Cow<str> =
            if prefix.is_empty() { (&value.tag).into() } else { format!("{prefix}{}", value.tag).into() };
        let tag = tag.as_ref();
        match &value.value {
            Some(proto::value::Kind::SimpleValue(v)) => {
                push_scalar(run, tag, (event.step, event.wall_time), f64::from(*v));
            }
            Some(proto::value::Kind::Histo(histogram)) => match from_buckets(histogram) {
                Some(h) => push_histogram(run, tag.to_string(), event.step, h),
                None => *run.skipped.entry("empty histograms".into()).or_default() += 1,
            },
            Some(proto::value::Kind::Tensor(tensor)) if plugin == "scalars" || scalar_class => {
                match tensor_values(tensor).as_deref() {
                    Some([v]) => push_scalar(run, tag, (event.step, event.wall_time), *v),
                    _ => *run.skipped.entry("scalars not of one value".into()).or_default() += 1,
                }
            }
            Some(proto::value::Kind::Tensor(tensor)) if plugin == "histograms" => match from_tensor(tensor) {
                Some(h) => push_histogram(run, tag.to_string(), event.step, h),
                None => *run.skipped.entry("empty histograms".into()).or_default() += 1,
            },
            Some(proto::value::Kind::Image(_)) => *run.skipped.entry("images".into()).or_default() += 1,
            Some(proto::value::Kind::Audio(_)) => *run.skipped.entry("audio".into()).or_default() += 1,
            _ => {
                let kind = if plugin.is_empty() { "other".to_string() } else { plugin.to_string() };
                *run.skipped.entry(kind).or_default() += 1;
            }
        }
    }
}

fn push_scalar(run: &mut Run, tag: &str, (step, wall): (i64, f64), value: f64) {
    match run.scalars.get_mut(tag) {
        Some(series) => series.push(step as f64, value, wall),
        None => run.scalars.entry(tag.to_string()).or_default().push(step as f64, value, wall),
    }
}

/// The HParams plugin's session start (PyTorch's and tensorboardX's `add_hparams`,
/// Keras's `hp.KerasCallback`): the run's hyperparameters. The experiment's description
/// and the session's end say nothing a run's table needs.
fn take_hparams(run: &mut Run, value: &proto::Value) {
    let content = value.metadata.as_ref().and_then(|m| m.plugin_data.as_ref()).map(|d| d.content.as_slice());
    let Some(Ok(data)) = content.map(proto::HParamsPluginData::decode) else {
        *run.skipped.entry("hparams not decoded".into()).or_default() += 1;
        return;
    };
    if let Some(proto::hparams_plugin_data::Data::SessionStartInfo(start)) = data.data {
        for (name, value) in start.hparams {
            use proto::proto_value::Kind;
            let text = match value.kind {
                Some(Kind::NumberValue(x)) => format!("{x}"),
                Some(Kind::StringValue(text)) => text,
                Some(Kind::BoolValue(b)) => b.to_string(),
                _ => continue,
            };
            run.hparams.insert(name, text);
        }
    }
}

fn push_histogram(run: &mut Run, tag: String, step: i64, histogram: Histogram) {
    let snapshots = run.histograms.entry(tag).or_default();
    snapshots.push((step, histogram));
    if snapshots.len() > SNAPSHOTS_PER_TAG {
        snapshots.remove(0);
    }
}

/// A tensor's values as numbers (float, double, half, int32, int64), from its typed
/// fields or its packed content.
fn tensor_values(tensor: &proto::TensorProto) -> Option<Vec<f64>> {
    let content = &tensor.tensor_content;
    let values: Vec<f64> = match tensor.dtype {
        proto::DT_FLOAT if !content.is_empty() => {
            content.chunks_exact(4).map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))).collect()
        }
        proto::DT_FLOAT => tensor.float_val.iter().map(|&v| f64::from(v)).collect(),
        proto::DT_DOUBLE if !content.is_empty() => content
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
            .collect(),
        proto::DT_DOUBLE => tensor.double_val.clone(),
        proto::DT_HALF if !content.is_empty() => {
            content.chunks_exact(2).map(|b| half(u16::from_le_bytes([b[0], b[1]]))).collect()
        }
        #[allow(clippy::cast_possible_truncation, reason = "half_val holds 16-bit patterns in int32s")]
        proto::DT_HALF => tensor.half_val.iter().map(|&v| half(v as u16)).collect(),
        proto::DT_INT32 if !content.is_empty() => {
            content.chunks_exact(4).map(|b| f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))).collect()
        }
        proto::DT_INT32 => tensor.int_val.iter().map(|&v| f64::from(v)).collect(),
        proto::DT_INT64 if !content.is_empty() => content
            .chunks_exact(8)
            .map(|b| i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f64)
            .collect(),
        proto::DT_INT64 => tensor.int64_val.iter().map(|&v| v as f64).collect(),
        _ => return None,
    };
    Some(values)
}

/// An IEEE half-precision value.
fn half(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = i32::from((bits >> 10) & 0x1f);
    let fraction = f64::from(bits & 0x3ff);
    match exponent {
        0 => sign * fraction * 2f64.powi(-24),
        31 if fraction == 0.0 => sign * f64::INFINITY,
        31 => f64::NAN,
        _ => sign * (1.0 + fraction / 1024.0) * 2f64.powi(exponent - 15),
    }
}

/// A TF2 histogram tensor: `[k, 3]` rows of left edge, right edge, count.
fn from_tensor(tensor: &proto::TensorProto) -> Option<Histogram> {
    let values = tensor_values(tensor)?;
    let buckets: Vec<(f64, f64, f64)> = values.chunks_exact(3).map(|b| (b[0], b[1], b[2])).collect();
    rebin(&buckets)
}

/// A `HistogramProto`: bucket `i` holds the values up to `bucket_limit[i]`, from the
/// previous limit (or `min`); the last limit is often a huge sentinel, cut at `max`.
fn from_buckets(histogram: &proto::HistogramProto) -> Option<Histogram> {
    let mut left = histogram.min;
    let mut buckets = Vec::with_capacity(histogram.bucket.len());
    for (&limit, &count) in histogram.bucket_limit.iter().zip(&histogram.bucket) {
        let right = limit.min(histogram.max).max(left);
        if count > 0.0 {
            buckets.push((left, right, count));
        }
        left = right;
    }
    let mut rebinned = rebin(&buckets)?;
    // The writer's own statistics are exact where the buckets are not.
    if histogram.num > 0.0 {
        rebinned.mean = histogram.sum / histogram.num;
        rebinned.std = (histogram.sum_squares / histogram.num - rebinned.mean.powi(2)).max(0.0).sqrt();
        (rebinned.min, rebinned.max) = (histogram.min, histogram.max);
    }
    Some(rebinned)
}

/// Buckets (left, right, count) spread over nntui's bins spanning their range, each
/// bucket's count shared by the bins it overlaps; mean and std from the bucket centres.
#[allow(clippy::cast_possible_truncation, reason = "counts, rounded to whole numbers")]
fn rebin(buckets: &[(f64, f64, f64)]) -> Option<Histogram> {
    let buckets: Vec<&(f64, f64, f64)> = buckets
        .iter()
        .filter(|(l, r, c)| l.is_finite() && r.is_finite() && c.is_finite() && *c > 0.0)
        .collect();
    let low = buckets.iter().map(|b| b.0).fold(f64::INFINITY, f64::min);
    let high = buckets.iter().map(|b| b.1).fold(f64::NEG_INFINITY, f64::max);
    if !low.is_finite() || !high.is_finite() {
        return None;
    }
    let bins = crate::train::event::HISTOGRAM_BINS;
    let span = (high - low).max(f64::MIN_POSITIVE);
    let mut counts = vec![0u32; bins];
    let (mut total, mut sum, mut squares) = (0.0, 0.0, 0.0);
    for &&(left, right, count) in &buckets {
        let centre = f64::midpoint(left, right);
        total += count;
        sum += count * centre;
        squares += count * centre * centre;
        let first = (((left - low) / span) * bins as f64).floor().clamp(0.0, (bins - 1) as f64) as usize;
        let last = (((right - low) / span) * bins as f64).ceil().clamp(1.0, bins as f64) as usize;
        let width = (right - left).max(0.0);
        let last = last.max(first + 1);
        // The bucket's count shared by the bins it overlaps, in whole counts that add up
        // to it.
        let shares: Vec<f64> = (first..last)
            .map(|bin| {
                let (bin_left, bin_right) =
                    (low + span * bin as f64 / bins as f64, low + span * (bin + 1) as f64 / bins as f64);
                let share = if width == 0.0 {
                    1.0 / (last - first) as f64
                } else {
                    ((right.min(bin_right) - left.max(bin_left)).max(0.0)) / width
                };
                count * share
            })
            .collect();
        for (slot, whole) in counts[first..last].iter_mut().zip(whole_counts(&shares)) {
            *slot = slot.saturating_add(whole);
        }
    }
    let mean = sum / total;
    Some(Histogram {
        min: low,
        max: high,
        mean,
        std: (squares / total - mean * mean).max(0.0).sqrt(),
        counts,
    })
}

/// Shares rounded to whole counts that keep their (rounded) total: each share's floor,
/// and the rest one by one to the largest remainders.
#[allow(clippy::cast_possible_truncation, reason = "counts, rounded to whole numbers")]
fn whole_counts(shares: &[f64]) -> Vec<u32> {
    let mut counts: Vec<u32> = shares.iter().map(|c| c.floor().min(f64::from(u32::MAX)) as u32).collect();
    let total = shares.iter().sum::<f64>().round();
    let given: f64 = counts.iter().map(|&c| f64::from(c)).sum();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| (shares[b] - shares[b].floor()).total_cmp(&(shares[a] - shares[a].floor())));
    for &bin in order.iter().take((total - given).max(0.0) as usize) {
        counts[bin] += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runs below `root` (the folders holding event files found as the viewer's
    /// walk finds them, which lives a layer up).
    fn discover(root: &Path) -> Vec<PathBuf> {
        fn walk(folder: &Path, found: &mut Vec<PathBuf>) {
            let entries: Vec<PathBuf> =
                std::fs::read_dir(folder).unwrap().map(|e| e.unwrap().path()).collect();
            if entries.iter().any(|p| is_event_file(p)) {
                found.push(folder.to_path_buf());
            }
            entries.iter().filter(|p| p.is_dir()).for_each(|p| walk(p, found));
        }
        let mut found = Vec::new();
        walk(root, &mut found);
        found.sort();
        runs_of(root, found)
    }

    fn scalar_event(step: i64, tag: &str, value: f32) -> Vec<u8> {
        let event = proto::Event {
            wall_time: 1.0,
            step,
            what: Some(proto::event::What::Summary(proto::Summary {
                value: vec![proto::Value {
                    tag: tag.into(),
                    value: Some(proto::value::Kind::SimpleValue(value)),
                    ..proto::Value::default()
                }],
            })),
        };
        record::frame(&event.encode_to_vec())
    }

    /// What PyTorch's and tensorboardX's `add_hparams` write: a summary of the
    /// `hparams` plugin whose content is the session's start with its values.
    fn hparams_event(values: &[(&str, proto::proto_value::Kind)]) -> Vec<u8> {
        let start = proto::SessionStartInfo {
            hparams: values
                .iter()
                .map(|(name, kind)| ((*name).to_string(), proto::ProtoValue { kind: Some(kind.clone()) }))
                .collect(),
            ..proto::SessionStartInfo::default()
        };
        let data = proto::HParamsPluginData {
            version: 0,
            data: Some(proto::hparams_plugin_data::Data::SessionStartInfo(start)),
        };
        let event = proto::Event {
            wall_time: 1.0,
            step: 0,
            what: Some(proto::event::What::Summary(proto::Summary {
                value: vec![proto::Value {
                    tag: "_hparams_/session_start_info".into(),
                    metadata: Some(proto::SummaryMetadata {
                        plugin_data: Some(proto::PluginData {
                            plugin_name: "hparams".into(),
                            content: data.encode_to_vec(),
                        }),
                        ..proto::SummaryMetadata::default()
                    }),
                    ..proto::Value::default()
                }],
            })),
        };
        record::frame(&event.encode_to_vec())
    }

    #[test]
    fn hparams_become_the_runs_hyperparameters() {
        use proto::proto_value::Kind;
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = hparams_event(&[
            ("lr", Kind::NumberValue(0.01)),
            ("optimizer", Kind::StringValue("adam".into())),
            ("bn", Kind::BoolValue(true)),
        ]);
        bytes.extend(scalar_event(0, "hparam/accuracy", 0.75));
        std::fs::write(dir.path().join("events.out.tfevents.1.hp"), bytes).unwrap();
        let run = read(dir.path());
        let expected: Vec<(&str, &str)> = vec![("bn", "true"), ("lr", "0.01"), ("optimizer", "adam")];
        assert_eq!(run.hparams.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect::<Vec<_>>(), expected);
        assert!(run.skipped.is_empty(), "{:?}", run.skipped);
        let stored = crate::runs::read::from_tensorboard("hp".into(), run.clone());
        assert_eq!(stored.params.get("lr").map(String::as_str), Some("0.01"));
        assert_eq!(crate::runs::table::settings(&stored).get("optimizer").map(String::as_str), Some("adam"));
    }

    #[test]
    fn runs_are_named_as_their_writers_laid_them_out() {
        use proto::proto_value::Kind;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |folder: &str, file: &str, bytes: Vec<u8>| {
            std::fs::create_dir_all(root.join(folder)).unwrap();
            std::fs::write(root.join(folder).join(file), bytes).unwrap();
        };
        // PyTorch / tensorboardX: a run, its add_hparams session (a time-named folder),
        // and add_scalars folders named train and test.
        write("exp", "events.out.tfevents.1.vm", scalar_event(0, "Loss/train", 0.5));
        let mut session = hparams_event(&[("lr", Kind::NumberValue(0.1))]);
        session.extend(scalar_event(0, "hparam/accuracy", 0.9));
        write("exp/1796549437.5924587", "events.out.tfevents.2.vm", session);
        // add_hparams(..., run_name="trial_3"): a session under a name of its own.
        let mut named = hparams_event(&[("batch", Kind::NumberValue(32.0))]);
        named.extend(scalar_event(0, "hparam/loss", 0.3));
        write("exp/trial_3", "events.out.tfevents.8.vm", named.clone());
        // The same bytes where the parent is no run of its own: a run.
        write("alone/trial_4", "events.out.tfevents.9.vm", named);
        write("exp/exp1/Loss/train", "events.out.tfevents.3.vm", scalar_event(0, "exp1/Loss", 0.4));
        write("exp/exp1/Loss/test", "events.out.tfevents.3.vm", scalar_event(0, "exp1/Loss", 0.6));
        // A writer at other/ and another at other/train/: never one series.
        write("other", "events.out.tfevents.4.vm", scalar_event(0, "loss", 1.0));
        write("other/train", "events.out.tfevents.5.vm", scalar_event(0, "loss", 2.0));
        // Keras: train/ and validation/ with TF2's files, nothing in the parent.
        write("keras/train", "events.out.tfevents.6.vm.1.0.v2", scalar_event(0, "epoch_loss", 0.7));
        write("keras/validation", "events.out.tfevents.7.vm.1.1.v2", scalar_event(0, "epoch_loss", 0.8));
        let names: Vec<String> = discover(root).iter().map(|r| run_name(root, r)).collect();
        assert_eq!(
            names,
            [
                "alone/trial_4",
                "exp",
                "exp/exp1/Loss/test",
                "exp/exp1/Loss/train",
                "keras",
                "other",
                "other/train"
            ]
        );
        let exp = read(&root.join("exp"));
        assert_eq!(
            exp.hparams.get("lr").map(String::as_str),
            Some("0.1"),
            "the session's values are the run's"
        );
        assert!(exp.scalars.contains_key("hparam/accuracy") && exp.scalars.contains_key("Loss/train"));
        assert_eq!(
            exp.hparams.get("batch").map(String::as_str),
            Some("32"),
            "a named session is the run's too"
        );
        assert!(exp.scalars.contains_key("hparam/loss"));
        assert!(!exp.scalars.contains_key("exp1/Loss"), "add_scalars folders are not read into the run");
        let other = read(&root.join("other"));
        assert_eq!(other.scalars["loss"].count, 1, "exp/ and exp/train/ are not mixed");
        let keras = read(&root.join("keras"));
        assert!(keras.scalars.contains_key("epoch_loss") && keras.scalars.contains_key("val_epoch_loss"));
    }

    #[test]
    fn buckets_are_rebinned_keeping_their_counts() {
        let h = rebin(&[(0.0, 1.0, 10.0), (1.0, 2.0, 30.0), (3.0, 4.0, 0.0)]).unwrap();
        assert_eq!((h.min, h.max), (0.0, 2.0));
        assert_eq!(h.counts.iter().sum::<u32>(), 40);
        assert_eq!(h.counts[0..16].iter().sum::<u32>(), 10);
        assert!((h.mean - 1.25).abs() < 1e-12);
        // HistogramProto: limits up to a huge sentinel, cut at max.
        let proto = proto::HistogramProto {
            min: -1.0,
            max: 1.0,
            num: 4.0,
            sum: 0.0,
            sum_squares: 2.0,
            bucket_limit: vec![-0.5, 0.0, 1.0, 1e308],
            bucket: vec![1.0, 1.0, 2.0, 0.0],
        };
        let h = from_buckets(&proto).unwrap();
        assert_eq!((h.min, h.max, h.mean), (-1.0, 1.0, 0.0));
        assert!((h.std - 0.5f64.sqrt()).abs() < 1e-12);
        assert_eq!(h.counts.iter().sum::<u32>(), 4);
        assert_eq!(half(0x3c00), 1.0);
        assert_eq!(half(0xc000), -2.0);
    }

    #[test]
    fn a_growing_file_is_followed_and_a_damaged_one_read_around() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.out.tfevents.1.test");
        let mut bytes = scalar_event(0, "loss", 1.0);
        bytes.extend(scalar_event(1, "loss", 0.5));
        let cut = bytes.len() - 5;
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let mut follower = Follower::new(dir.path().to_path_buf());
        follower.update();
        assert_eq!(follower.run().scalars["loss"].count, 1);
        assert!(follower.run().pending > 0, "the cut record waits");
        // The writer finishes the record and adds a damaged one and a good one.
        let mut rest = bytes[cut..].to_vec();
        let mut damaged = scalar_event(2, "loss", 0.25);
        let last = damaged.len() - 1;
        damaged[last] ^= 0x40;
        rest.extend(damaged);
        rest.extend(scalar_event(3, "loss", 0.125));
        let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        std::io::Write::write_all(&mut file, &rest).unwrap();
        follower.update();
        let loss = &follower.run().scalars["loss"];
        assert_eq!(loss.points(), vec![(0.0, 1.0), (1.0, 0.5), (3.0, 0.125)]);
        assert_eq!((follower.run().bad_records, follower.run().pending), (1, 0));
        // Empty files and a new file in the folder.
        std::fs::write(dir.path().join("events.out.tfevents.2.empty"), b"").unwrap();
        std::fs::write(dir.path().join("events.out.tfevents.3.more"), scalar_event(4, "acc", 0.9)).unwrap();
        follower.update();
        assert_eq!(follower.run().files, 3);
        assert_eq!(follower.run().scalars["acc"].last.map(|p| (p.step, p.value)), Some((4.0, 0.9f32.into())));
    }

    #[test]
    fn keras_folders_are_one_run_and_names_are_paths() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for folder in ["fit/train", "fit/validation", "torch/run1", "torch/run2/deeper"] {
            std::fs::create_dir_all(root.join(folder)).unwrap();
            // Keras's files are TF2's (`.v2`); PyTorch's are not.
            let file = if folder.starts_with("fit") {
                "events.out.tfevents.1.x.1.0.v2"
            } else {
                "events.out.tfevents.1.x"
            };
            std::fs::write(root.join(folder).join(file), scalar_event(0, "loss", 1.0)).unwrap();
        }
        std::fs::write(root.join("torch/notes.txt"), b"not events").unwrap();
        let runs = discover(root);
        let names: Vec<String> = runs.iter().map(|r| run_name(root, r)).collect();
        assert_eq!(names, vec!["fit", "torch/run1", "torch/run2/deeper"]);
        let fit = read(&runs[0]);
        assert_eq!(fit.scalars.keys().collect::<Vec<_>>(), vec!["loss", "val_loss"]);
        assert_eq!(run_name(&root.join("fit"), &root.join("fit")), "fit");
    }
}
