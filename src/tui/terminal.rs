//! The terminal's state: entered once, restored always (on drop, on a panic, on a
//! signal), and the thread that reads keys.

use crossbeam_channel::{Receiver, unbounded};
use crossterm::cursor::{Hide, Show};
use crossterm::event::Event;
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};

static ACTIVE: AtomicBool = AtomicBool::new(false);
static ENGINE_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Raw mode and the alternate screen while it lives.
pub struct TerminalGuard(());

impl TerminalGuard {
    /// Enters raw mode and the alternate screen, and hides the cursor.
    ///
    /// # Errors
    /// The terminal refused.
    pub fn enter() -> io::Result<TerminalGuard> {
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        if let Err(error) = execute!(io::stdout(), EnterAlternateScreen, Hide) {
            restore();
            return Err(error);
        }
        Ok(TerminalGuard(()))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Leaves the alternate screen, shows the cursor and ends raw mode; does nothing the
/// second time.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        // Raw mode first: it has the most side effects (ratatui's advice).
        let _ = disable_raw_mode();
        let _ = execute!(io::stdout(), Show, LeaveAlternateScreen);
    }
}

/// A panic on the main thread restores the terminal before its message is printed, so
/// the message is readable and the shell usable. A panic on another thread (the engine)
/// is kept for the dashboard to show instead of being printed over it.
pub fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let main = std::thread::current().name() == Some("main");
            if main || !ACTIVE.load(Ordering::SeqCst) {
                restore();
                default(info);
            } else if let Ok(mut slot) = ENGINE_PANIC.lock() {
                slot.get_or_insert_with(|| info.to_string());
            }
        }));
    });
}

/// The message of a panic caught on a background thread while the dashboard was up.
pub fn engine_panic() -> Option<String> {
    ENGINE_PANIC.lock().ok().and_then(|slot| slot.clone())
}

/// Reads terminal events on a thread of its own; it ends when the receiver is gone.
pub fn spawn_input_thread() -> Receiver<Event> {
    let (sender, receiver) = unbounded();
    let read = move || {
        while let Ok(event) = crossterm::event::read() {
            if sender.send(event).is_err() {
                break;
            }
        }
    };
    // Without the thread there are no keys; signals still end the dashboard.
    let _ = std::thread::Builder::new().name("nntui-input".into()).spawn(read);
    receiver
}
