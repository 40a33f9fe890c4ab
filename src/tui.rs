//! The dashboard: a terminal guard, an input thread, and one event loop that gives keys
//! priority, drains engine events, and draws at most 30 times a second, only when
//! something changed. The loop is generic over the ratatui backend, so tests drive the
//! real thing on a `TestBackend`.

pub mod app;
mod charts;
pub mod compare;
mod folds;
mod header;
pub mod keymap;
mod learned;
mod log;
pub mod terminal;
pub mod theme;
mod trials;
pub mod ui;
mod weights;

use crate::data::Dataset;
use crate::headless::JsonLines;
use crate::train::{self, Control, Event, Handle, Plan, RunConfig, RunInfo, RunResult, RunSummary};
use app::{App, Command, LiveSettings, Mode};
use crossbeam_channel::{Receiver, never, select_biased};
use crossterm::event::Event as TerminalEvent;
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The shortest time between two frames.
pub const FRAME: Duration = Duration::from_millis(33);
/// Events handled before keys are looked at again.
const EVENTS_PER_TURN: usize = 4096;
/// How long a stopping engine may take to finish its batch and report.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// How the dashboard was left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// `q` or Esc.
    Quit,
    /// Ctrl-C.
    Interrupted,
    /// A signal (SIGTERM, SIGHUP, SIGINT from outside).
    Signal(i32),
}

/// What the dashboard leaves for the normal screen.
pub struct Ending {
    /// How it was left.
    pub exit: Exit,
    /// The last run's settings and summary, when it got that far.
    pub info: Option<RunInfo>,
    /// The last run's summary.
    pub summary: Option<RunSummary>,
    /// The engine's result (or its panic message), when it ended.
    pub result: Option<Result<RunResult, String>>,
    /// Learning-rate and penalty changes made live in the last run, in order.
    pub changes: Vec<app::LogEntry>,
    /// The settings in force when the dashboard closed.
    pub live: LiveSettings,
}

/// A run being shown: its engine, and where its events are also logged.
pub struct Session<W: Write> {
    /// Settings for (re)starting.
    pub config: RunConfig,
    /// The data.
    pub dataset: Arc<Dataset>,
    /// `--log`: every event as JSON Lines.
    pub log: Option<JsonLines<W>>,
    /// `--log-dir`: where each run (a restart is a new one) gets its folder, and its name.
    pub recording: Option<Recording>,
    /// The folder of the run on screen.
    pub recorder: Option<crate::runs::record::Recorder>,
    /// `--plot`: what the charts need, collected from the run's events.
    pub plot: Option<crate::plot::Collector>,
}

/// Where and as what runs are recorded.
#[derive(Clone, Debug)]
pub struct Recording {
    /// `--log-dir`.
    pub dir: std::path::PathBuf,
    /// The run's name.
    pub name: String,
    /// The data file, as given.
    pub data: String,
}

impl<W: Write> Session<W> {
    /// Opens a folder for a run starting now, if recording; an error is returned for the
    /// caller to show.
    pub fn start_recording(&mut self) -> io::Result<()> {
        self.recorder = None;
        if let Some(recording) = &self.recording {
            let recorder = crate::runs::record::Recorder::create(
                &recording.dir,
                &recording.name,
                &recording.data,
                &self.config,
            )?;
            self.recorder = Some(recorder);
        }
        Ok(())
    }
}

/// The live engine and whether its end was seen.
struct Engine {
    handle: Option<Handle>,
    events: Receiver<Event>,
    ended: bool,
    result: Option<Result<RunResult, String>>,
}

impl Engine {
    fn start(config: &RunConfig, dataset: &Arc<Dataset>) -> Engine {
        // The configuration was checked when the program started; a restart changes
        // only live settings that the engine itself accepted.
        #[allow(clippy::expect_used, reason = "the same configuration planned before, on the same data")]
        let plan = Plan::new(config.clone(), dataset)
            .expect("a checked configuration plans again")
            .with_saver(crate::model_file::ModelFile::saver())
            .with_pictures();
        let handle = train::spawn(plan, Arc::clone(dataset));
        let events = handle.events.clone();
        Engine { handle: Some(handle), events, ended: false, result: None }
    }

    fn send(&self, control: Control) {
        if let Some(handle) = &self.handle {
            let _ = handle.control.send(control);
        }
    }

    /// The channel closed: collect the thread's result.
    fn finish(&mut self) -> Option<&Result<RunResult, String>> {
        self.events = never();
        if let Some(handle) = self.handle.take() {
            self.result = Some(handle.join());
        }
        self.result.as_ref()
    }
}

/// Runs the dashboard on `terminal` until the user quits.
///
/// # Errors
/// Drawing to the terminal failed.
pub fn event_loop<B: Backend, W: Write>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    session: &mut Session<W>,
    inputs: &Receiver<TerminalEvent>,
    signals: &Receiver<i32>,
) -> io::Result<Ending>
where
    B::Error: Send + Sync + 'static,
{
    let mut engine = Engine::start(&session.config, &session.dataset);
    let injected_panic = crate::debug::injected_panic("ui");
    let mut dirty = true;
    let mut last_frame: Option<Instant> = None;
    let exit = loop {
        let now = Instant::now();
        let due = last_frame.map_or(Duration::ZERO, |t| FRAME.saturating_sub(now.duration_since(t)));
        if dirty && due.is_zero() {
            app.tick(now);
            let epochs = app.progress().0;
            assert!(
                injected_panic.is_none_or(|epoch| epochs < epoch),
                "injected by NNTUI_DEBUG_PANIC in the dashboard after {epochs} epochs"
            );
            terminal.draw(|frame| frame.render_widget(&*app, frame.area())).map_err(io::Error::other)?;
            last_frame = Some(now);
            dirty = false;
        }
        // Idle: sleep until something happens; running: wake each second for the
        // clock; changed: wake when the next frame is due.
        let timeout = if dirty {
            due.max(Duration::from_millis(1))
        } else if app.mode == Mode::Running {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(3600)
        };
        select_biased! {
            recv(inputs) -> input => match input {
                Ok(TerminalEvent::Key(key)) => {
                    dirty = true;
                    let command = keymap::action_for(key).and_then(|action| app.apply(action));
                    match command {
                        Some(Command::Control(control)) => engine.send(control),
                        Some(Command::Restart) => {
                            stop(&mut engine, app, session);
                            let wanted = app.wanted();
                            session.config.optimizer.learning_rate = wanted.learning_rate;
                            session.config.regularizer.l1 = wanted.l1;
                            session.config.regularizer.l2 = wanted.l2;
                            session.config.pace = wanted.pace;
                            *app = app.restarted(Instant::now());
                            if let Err(error) = session.start_recording() {
                                app.fail(format!("cannot record the run: {error}"));
                            }
                            engine = Engine::start(&session.config, &session.dataset);
                        }
                        Some(Command::Quit { interrupted }) => {
                            break if interrupted { Exit::Interrupted } else { Exit::Quit };
                        }
                        None => {}
                    }
                }
                Ok(TerminalEvent::Resize(..)) => {
                    repaint(terminal)?;
                    dirty = true;
                }
                Ok(_) => dirty = true,
                // No terminal input any more: nothing can end the session but a signal.
                Err(_) => {}
            },
            recv(signals) -> signal => {
                if let Ok(signal) = signal {
                    break Exit::Signal(signal);
                }
            },
            recv(engine.events) -> event => {
                dirty = true;
                match event {
                    Ok(event) => {
                        take(app, session, &mut engine, event);
                        for _ in 0..EVENTS_PER_TURN {
                            let Ok(event) = engine.events.try_recv() else { break };
                            take(app, session, &mut engine, event);
                        }
                    }
                    Err(_) => {
                        if let Some(Err(message)) = engine.finish() {
                            // The hook's copy says where it happened too.
                            app.fail(terminal::engine_panic().unwrap_or_else(|| message.clone()));
                        } else if !engine.ended {
                            app.fail("the engine ended without a summary".into());
                        }
                    }
                }
            },
            default(timeout) => {
                app.tick(Instant::now());
                dirty |= app.mode == Mode::Running;
            },
        }
    };
    stop(&mut engine, app, session);
    if let Some(log) = session.log.as_mut() {
        log.flush()?;
    }
    Ok(Ending {
        exit,
        info: app.info.clone(),
        summary: app.summary.clone(),
        result: engine.result.take(),
        changes: app.steering.changes.clone(),
        live: app.steering.live,
    })
}

/// One engine event: into the log file and the app.
fn take<W: Write>(app: &mut App, session: &mut Session<W>, engine: &mut Engine, event: Event) {
    if let Some(log) = session.log.as_mut()
        && log.write(&event).is_err()
    {
        // A log that cannot be written is reported once and then left alone.
        session.log = None;
        app.fail_log();
    }
    if let Some(plot) = session.plot.as_mut() {
        plot.take(&event);
    }
    if let Some(recorder) = session.recorder.as_mut()
        && recorder.write(&event).is_err()
    {
        session.recorder = None;
        app.fail_log();
    }
    engine.ended |= matches!(event, Event::RunEnded(_));
    app.on_event(&event, Instant::now());
}

/// Stops the engine and takes in its last events, waiting at most [`STOP_GRACE`].
fn stop<W: Write>(engine: &mut Engine, app: &mut App, session: &mut Session<W>) {
    if engine.handle.is_none() {
        return;
    }
    engine.send(Control::Stop);
    let deadline = Instant::now() + STOP_GRACE;
    while !engine.ended {
        match engine.events.recv_deadline(deadline) {
            Ok(event) => take(app, session, engine, event),
            Err(_) => break,
        }
    }
    if engine.ended {
        engine.finish();
    }
}

/// How long a followed run may be silent before the viewer says it stalled.
const STALL: Duration = Duration::from_secs(30);

/// `nntui view` on a terminal: the dashboard on one recorded run, followed live while
/// its file grows. Keys that change the view work; the others say they cannot steer a
/// recording. The terminal is restored however this ends.
///
/// # Errors
/// The terminal could not be set up or drawn to.
pub fn view(path: std::path::PathBuf, name: String, color: bool) -> io::Result<()> {
    let (guard, mut terminal, inputs, signals) = open_terminal()?;
    let result = watch(&mut terminal, &inputs, &signals, path, &name, color);
    drop(guard);
    result
}

/// One recorded run on the dashboard until the user leaves it.
fn watch<B: Backend>(
    terminal: &mut Terminal<B>,
    inputs: &Receiver<TerminalEvent>,
    signals: &Receiver<i32>,
    path: std::path::PathBuf,
    name: &str,
    color: bool,
) -> io::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let followed = crate::runs::follow::follow(path, STALL);
    let fresh = |now| {
        let mut app = App::new(name.to_string(), initial_live(&RunConfig::default()), now);
        app.screen.theme = ui::Theme { color };
        app.recorded = true;
        app
    };
    let mut app = fresh(Instant::now());
    view_loop(terminal, &mut app, inputs, signals, &followed, fresh, &mut |_| false)
}

/// `nntui view` on one run another program wrote (or a run read from the store): the
/// full dashboard over its named series, read again every second while it grows.
///
/// # Errors
/// The terminal could not be set up or drawn to.
pub fn view_stored(source: crate::runs::read::Source, color: bool) -> io::Result<()> {
    let (guard, mut terminal, inputs, signals) = open_terminal()?;
    let mut reader = crate::runs::read::Reader::default();
    let kind = source.kind();
    let mut find =
        || reader.read_all(&source).ok().and_then(|runs| runs.into_iter().next()).map(|(_, run)| run);
    let result = watch_stored(&mut terminal, &inputs, &signals, kind, color, &mut find);
    drop(guard);
    result
}

/// A stored run on the dashboard until the user leaves it: `find` reads it again (every
/// second), and the dashboard keeps its view choices across reads.
fn watch_stored<B: Backend>(
    terminal: &mut Terminal<B>,
    inputs: &Receiver<TerminalEvent>,
    signals: &Receiver<i32>,
    kind: &'static str,
    color: bool,
    find: &mut dyn FnMut() -> Option<crate::runs::read::Run>,
) -> io::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let mut app = App::new(String::new(), initial_live(&RunConfig::default()), Instant::now());
    app.screen.theme = ui::Theme { color };
    app.recorded = true;
    let mut load = |app: &mut App| {
        let Some(run) = find() else { return false };
        let state = crate::runs::table::state(&run);
        app.source.clone_from(&run.name);
        app.load(run, state, kind);
        true
    };
    load(&mut app);
    // A stored run has no events file to follow: the loop reads it again instead.
    let (_keep, nothing) = crossbeam_channel::bounded(0);
    view_loop(
        terminal,
        &mut app,
        inputs,
        signals,
        &nothing,
        |now| App::new(String::new(), initial_live(&RunConfig::default()), now),
        &mut load,
    )
}

/// `nntui view` on several runs: the comparison, read again every second (new run
/// folders under a watched folder join it); Enter opens a run's full dashboard, from
/// which Esc comes back.
///
/// # Errors
/// The terminal could not be set up or drawn to.
pub fn compare(roots: Vec<std::path::PathBuf>, color: bool) -> io::Result<()> {
    compare_with(roots, color, None, &|| None, &mut |_, _| None, None)
}

/// The comparison, sorted by `sort` (a value column and whether descending) once it
/// appears, with `heading()` at the top (read again each refresh); a letter the
/// comparison does not use goes to `on_key` with the path of the run under the cursor,
/// and what it answers is shown as a note.
///
/// # Errors
/// The terminal could not be set up or drawn to.
pub fn compare_with(
    roots: Vec<std::path::PathBuf>,
    color: bool,
    sort: Option<(String, bool)>,
    heading: &dyn Fn() -> Option<String>,
    on_key: &mut dyn FnMut(char, Option<&std::path::Path>) -> Option<String>,
    keys: Option<&str>,
) -> io::Result<()> {
    let (guard, mut terminal, inputs, signals) = open_terminal()?;
    let mut reader = crate::runs::read::Reader::following();
    let mut read_all = || -> Vec<(std::path::PathBuf, crate::runs::read::Run)> {
        let sources: Vec<_> = roots.iter().flat_map(|root| crate::runs::read::sources(root)).collect();
        reader.read_many(&sources).into_iter().filter_map(Result::ok).flatten().collect()
    };
    let mut state = compare::Compare::new(Vec::new(), ui::Theme { color });
    state.preferred_sort = sort;
    state.keys = keys.map(String::from);
    state.heading = heading();
    state.refresh(read_all());
    let result = (|| -> io::Result<()> {
        let mut dirty = true;
        loop {
            if dirty {
                terminal.draw(|frame| frame.render_widget(&state, frame.area())).map_err(io::Error::other)?;
                dirty = false;
            }
            select_biased! {
                recv(inputs) -> input => match input {
                    Ok(TerminalEvent::Key(key)) => {
                        dirty = true;
                        if state.editing.is_some() {
                            if let Some(edit) = keymap::compare_edit_for(key) {
                                state.edit(edit);
                            }
                            continue;
                        }
                        let Some(action) = keymap::compare_action_for(key) else {
                            if let crossterm::event::KeyCode::Char(letter) = key.code
                                && key.kind != crossterm::event::KeyEventKind::Release
                            {
                                let order = state.order();
                                let current = order.get(state.cursor.min(order.len().saturating_sub(1)));
                                let path = current.map(|&i| state.entries[i].path.clone());
                                if let Some(note) = on_key(letter, path.as_deref()) {
                                    state.note = Some(note);
                                }
                            }
                            continue;
                        };
                        match state.apply(action) {
                            compare::Next::Quit => return Ok(()),
                            compare::Next::Open(path) => {
                                let Some(entry) = state.entries.iter().find(|e| e.path == path) else { continue };
                                let name = entry.run.name.clone();
                                if entry.run.own {
                                    watch(&mut terminal, &inputs, &signals, path, &name, color)?;
                                } else {
                                    // Any other run from the store: its source alone read
                                    // again, the run found by its identity (a trial's
                                    // `study.jsonl#3`).
                                    let source = roots.iter().flat_map(|root| crate::runs::read::sources(root)).find(|s| {
                                        let whole = s.path().as_os_str().to_string_lossy().into_owned();
                                        path == s.path() || path.as_os_str().to_string_lossy().starts_with(&format!("{whole}#"))
                                    });
                                    let Some(source) = source else { continue };
                                    let kind = source.kind();
                                    let mut single = crate::runs::read::Reader::default();
                                    let mut find = || {
                                        single.read_all(&source).ok()?.into_iter().find(|(p, _)| *p == path).map(|(_, run)| run)
                                    };
                                    watch_stored(&mut terminal, &inputs, &signals, kind, color, &mut find)?;
                                }
                                repaint(&mut terminal)?;
                            }
                            compare::Next::Stay => {}
                        }
                    }
                    Ok(TerminalEvent::Resize(..)) => {
                        repaint(&mut terminal)?;
                        dirty = true;
                    }
                    Ok(_) => dirty = true,
                    Err(_) => {}
                },
                recv(signals) -> signal => if signal.is_ok() { return Ok(()) },
                default(Duration::from_secs(1)) => {
                    // Drawn again only when something may look different (idle runs
                    // cost a look at their files, not a frame).
                    let changed = state.refresh(read_all());
                    let now = heading();
                    dirty |= changed || now != state.heading;
                    state.heading = now;
                },
            }
        }
    })();
    drop(guard);
    result
}

/// The viewer's loop, for every recorded run: keys first, then what the follower found
/// in an events file (`followed`) or, once a second, what `reload` reads again from the
/// store (another program's run), drawing at most once a frame.
fn view_loop<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    inputs: &Receiver<TerminalEvent>,
    signals: &Receiver<i32>,
    followed: &Receiver<crate::runs::follow::Followed>,
    fresh: impl Fn(Instant) -> App,
    reload: &mut dyn FnMut(&mut App) -> bool,
) -> io::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    use crate::runs::follow::Followed;
    let mut skipped = 0usize;
    let mut dirty = true;
    let mut last_frame: Option<Instant> = None;
    let mut last_read = Instant::now();
    loop {
        let now = Instant::now();
        let due = last_frame.map_or(Duration::ZERO, |t| FRAME.saturating_sub(now.duration_since(t)));
        if dirty && due.is_zero() {
            app.tick(now);
            terminal.draw(|frame| frame.render_widget(&*app, frame.area())).map_err(io::Error::other)?;
            last_frame = Some(now);
            dirty = false;
        }
        let timeout = if dirty { due.max(Duration::from_millis(1)) } else { Duration::from_secs(1) };
        select_biased! {
            recv(inputs) -> input => match input {
                Ok(TerminalEvent::Key(key)) => {
                    dirty = true;
                    if let Some(Command::Quit { .. }) = keymap::action_for(key).and_then(|action| app.apply(action)) {
                        return Ok(());
                    }
                }
                Ok(TerminalEvent::Resize(..)) => {
                    repaint(terminal)?;
                    dirty = true;
                }
                Ok(_) => dirty = true,
                Err(_) => {}
            },
            recv(signals) -> signal => if signal.is_ok() { return Ok(()) },
            recv(followed) -> message => {
                dirty = true;
                let mut message = message.ok();
                let mut handled = 0;
                while let Some(found) = message.take() {
                    let now = Instant::now();
                    match found {
                        Followed::Event(event) => app.on_event(&event, now),
                        Followed::Restarted => {
                            let mut new = fresh(now);
                            (new.screen.layer, new.screen.log_scale, new.screen.hide_other_folds) = (app.screen.layer, app.screen.log_scale, app.screen.hide_other_folds);
                            *app = new;
                            app.notice("the file was truncated or replaced: reading it again from the start".into());
                        }
                        Followed::Stalled(since) => {
                            let stamp = crate::runs::record::timestamp(since);
                            app.notice(format!("stalled: no new lines since {} UTC", &stamp[9..]));
                        }
                        Followed::Skipped => {
                            skipped += 1;
                            if skipped == 1 {
                                app.notice("skipped a line that is not an nntui event (more are counted here)".into());
                            }
                        }
                    }
                    handled += 1;
                    if handled < EVENTS_PER_TURN {
                        message = followed.try_recv().ok();
                    }
                }
            },
            default(timeout) => {
                app.tick(Instant::now());
                dirty |= app.mode == Mode::Running;
            },
        }
        if last_read.elapsed() >= Duration::from_secs(1) {
            dirty |= reload(app);
            last_read = Instant::now();
        }
    }
}

/// The settings the dashboard starts from.
pub fn initial_live(config: &RunConfig) -> LiveSettings {
    LiveSettings {
        learning_rate: config.optimizer.learning_rate,
        l1: config.regularizer.l1,
        l2: config.regularizer.l2,
        pace: config.pace,
        paused: false,
    }
}

/// After a resize: the terminal may have reflowed or cropped the screen at sizes that
/// were never drawn, and ratatui only diffs against what it drew last, so the next frame
/// starts from a blank screen. (Not `Terminal::clear`: it asks the terminal where the
/// cursor is, and the input thread would eat the answer.)
fn repaint<B: Backend>(terminal: &mut Terminal<B>) -> io::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let size = terminal.size().map_err(io::Error::other)?;
    terminal.resize(size.into()).map_err(io::Error::other)
}

/// The real terminal, restored when the guard drops (or by the panic hook), with the
/// key and signal channels.
#[allow(clippy::type_complexity)]
fn open_terminal() -> io::Result<(
    terminal::TerminalGuard,
    Terminal<ratatui::backend::CrosstermBackend<io::Stdout>>,
    Receiver<TerminalEvent>,
    Receiver<i32>,
)> {
    terminal::install_panic_hook();
    let guard = terminal::TerminalGuard::enter()?;
    let backend = ratatui::backend::CrosstermBackend::new(io::stdout());
    let mut terminal = Terminal::new(backend)?;
    let size = terminal.size()?;
    terminal.resize(size.into())?;
    Ok((guard, terminal, terminal::spawn_input_thread(), crate::signals::listen()))
}

/// Runs the dashboard on the real terminal. The terminal is restored however this
/// ends: normally, on an error, or on a panic anywhere.
///
/// # Errors
/// The terminal could not be set up or drawn to.
pub fn run<W: Write>(session: &mut Session<W>, color: bool) -> io::Result<Ending> {
    let (guard, mut terminal, inputs, signals) = open_terminal()?;
    let mut app = App::new(session.dataset.source.clone(), initial_live(&session.config), Instant::now());
    app.screen.theme = ui::Theme { color };
    let ending = event_loop(&mut terminal, &mut app, session, &inputs, &signals);
    drop(guard);
    ending
}
