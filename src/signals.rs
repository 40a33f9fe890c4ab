//! Termination signals (Ctrl-C, `kill`, a closed terminal) as messages on a channel,
//! so that every consumer can stop the engine and end cleanly.

use crossbeam_channel::{Receiver, bounded};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// Starts listening for SIGINT, SIGTERM and SIGHUP; each arrives as its number.
/// If the handlers cannot be installed the channel simply stays silent.
pub fn listen() -> Receiver<i32> {
    let (sender, receiver) = bounded(4);
    if let Ok(mut signals) = Signals::new([SIGINT, SIGTERM, SIGHUP]) {
        let forward = move || {
            for signal in signals.forever() {
                if sender.send(signal).is_err() {
                    break;
                }
            }
        };
        // Without the thread the signals keep their default effect; nothing to report.
        let _ = std::thread::Builder::new().name("nntui-signals".into()).spawn(forward);
    }
    receiver
}

/// The conventional exit status for death by `signal`: 128 + its number.
pub fn exit_status(signal: i32) -> u8 {
    u8::try_from(128 + signal).unwrap_or(1)
}
