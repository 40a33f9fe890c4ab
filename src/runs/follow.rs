//! Following a run's `events.jsonl` while it grows (tail semantics): complete lines are
//! sent as events as they appear; a partial last line waits for its end; a file that
//! shrinks or is replaced is read again from its start; a writer silent for a while is
//! reported once as stalled.

use super::read::parse_line;
use crate::train::Event;
use crossbeam_channel::{Receiver, Sender, bounded};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

/// What the follower reports.
#[derive(Clone, Debug, PartialEq)]
pub enum Followed {
    /// An event from a complete line.
    Event(Box<Event>),
    /// The file was truncated or replaced: what was shown is void; events start again.
    Restarted,
    /// No new bytes since this time, for longer than the stall limit.
    Stalled(SystemTime),
    /// A line that is not an nntui event (counted, not fatal).
    Skipped,
}

/// How often the file is looked at.
const POLL: Duration = Duration::from_millis(200);

/// Follows `path` on a thread, which ends at its first send after the receiver is
/// dropped (or with the process). `stall` is how long without new bytes counts as
/// stalled (reported once per silence).
pub fn follow(path: PathBuf, stall: Duration) -> Receiver<Followed> {
    let (sender, receiver) = bounded(4096);
    let _ = std::thread::Builder::new().name("nntui-follow".into()).spawn(move || run(&path, stall, &sender));
    receiver
}

/// The file's identity: a replaced file is a new one.
#[cfg(unix)]
fn identity(file: &File) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    file.metadata().ok().map(|m| m.ino())
}

#[cfg(not(unix))]
fn identity(_: &File) -> Option<u64> {
    None
}

fn run(path: &std::path::Path, stall: Duration, sender: &Sender<Followed>) {
    let mut file: Option<File> = None;
    let mut position = 0u64;
    let mut pending: Vec<u8> = Vec::new();
    let mut last_growth = Instant::now();
    let mut stalled_reported = false;
    loop {
        if file.is_none() {
            file = File::open(path).ok();
            position = 0;
            pending.clear();
        }
        if let Some(open) = file.as_mut() {
            let on_disk = std::fs::metadata(path).ok();
            let replaced = match (File::open(path).ok().as_ref().and_then(identity), identity(open)) {
                (Some(now), Some(before)) => now != before,
                _ => false,
            };
            let shrunk = on_disk.as_ref().is_some_and(|m| m.len() < position);
            if replaced || shrunk {
                file = None;
                if sender.send(Followed::Restarted).is_err() {
                    return;
                }
                continue;
            }
            let mut fresh = Vec::new();
            let read = open.seek(SeekFrom::Start(position)).and_then(|_| open.read_to_end(&mut fresh));
            if let Ok(count) = read
                && count > 0
            {
                position += count as u64;
                last_growth = Instant::now();
                stalled_reported = false;
                pending.extend_from_slice(&fresh);
                // Complete lines only; the rest waits for the writer.
                while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                    let line: Vec<u8> = pending.drain(..=end).collect();
                    let text = String::from_utf8_lossy(&line);
                    let text = text.trim();
                    if text.is_empty() {
                        continue;
                    }
                    let message = match parse_line(text) {
                        Some(event) => Followed::Event(Box::new(event)),
                        None => Followed::Skipped,
                    };
                    if sender.send(message).is_err() {
                        return;
                    }
                }
            }
        }
        if !stalled_reported && last_growth.elapsed() >= stall {
            stalled_reported = true;
            let since = SystemTime::now().checked_sub(last_growth.elapsed()).unwrap_or(SystemTime::now());
            if sender.send(Followed::Stalled(since)).is_err() {
                return;
            }
        }
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn next(receiver: &Receiver<Followed>) -> Followed {
        receiver.recv_timeout(Duration::from_secs(5)).expect("the follower reports within 5 s")
    }

    #[test]
    fn follows_a_growing_file_through_partial_lines_truncation_and_silence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let warning = r#"{"type":"warning","fold":null,"epoch":null,"message":"m","hint":null}"#;
        std::fs::write(&path, "").unwrap();
        let receiver = follow(path.clone(), Duration::from_millis(600));
        let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        // Half a line: nothing yet.
        file.write_all(&warning.as_bytes()[..20]).unwrap();
        file.flush().unwrap();
        std::thread::sleep(Duration::from_millis(450));
        assert!(receiver.try_recv().is_err(), "a partial line waits");
        file.write_all(&warning.as_bytes()[20..]).unwrap();
        file.write_all(b"\nnot an event\n").unwrap();
        file.flush().unwrap();
        assert!(matches!(next(&receiver), Followed::Event(e) if matches!(*e, Event::Warning(_))));
        assert_eq!(next(&receiver), Followed::Skipped);
        // Silence: reported once as a stall.
        assert!(matches!(next(&receiver), Followed::Stalled(_)));
        // Truncated and written again: a restart, then the new events.
        std::fs::write(&path, format!("{warning}\n")).unwrap();
        assert_eq!(next(&receiver), Followed::Restarted);
        assert!(matches!(next(&receiver), Followed::Event(_)));
    }
}
