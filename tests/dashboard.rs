//! The dashboard on ratatui's TestBackend: whole-screen snapshots at 80x24 and 120x40
//! after scripted events (a real engine run replayed with a made-up clock), the styles
//! that tell lines apart, and the real event loop driven by scripted keys.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

use crossbeam_channel::unbounded;
use crossterm::event::{Event as TerminalEvent, KeyCode, KeyEvent, KeyModifiers};
use nntui::data::{self, CsvOptions};
use nntui::nn::{OptimizerKind, OptimizerSpec};
use nntui::train::{self, Ack, Control, Event, Plan, RunConfig};
use nntui::tui::app::{Action, App, Mode};
use nntui::tui::{self, Exit, Session, initial_live};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn dataset(name: &str) -> Arc<data::Dataset> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(name);
    let mut dataset = data::load(&path, &CsvOptions::default()).unwrap();
    dataset.source = format!("data/{name}");
    Arc::new(dataset)
}

/// Every event of a real run, in order (one thread, so the order is fixed). It runs at
/// full speed; the pace the dashboard shows is the configured one.
fn recorded(name: &str, config: RunConfig) -> Vec<Event> {
    let dataset = dataset(name);
    let fast = RunConfig { pace: None, ..config.clone() };
    let handle = train::spawn(Plan::new(fast, &dataset).unwrap(), dataset);
    let mut events: Vec<Event> = handle.events.iter().collect();
    handle.join().unwrap();
    if let Some(Event::RunStarted(info)) = events.first_mut() {
        info.config.pace = config.pace;
    }
    events
}

fn cv_config() -> RunConfig {
    RunConfig { folds: 3, epochs: 40, threads: 1, pace: Some(20.0), ..RunConfig::default() }
}

/// Replays `events` into a fresh app, one every 50 ms of made-up time.
fn replay(events: &[Event], config: &RunConfig) -> (App, Instant) {
    let start = Instant::now();
    let mut app = App::new("data/moons.csv", initial_live(config), start);
    let mut now = start;
    for event in events {
        now += Duration::from_millis(50);
        app.on_event(event, now);
    }
    app.tick(now);
    (app, now)
}

fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| frame.render_widget(app, frame.area())).unwrap();
    terminal.backend().to_string()
}

/// Events up to and including the `count`-th epoch of fold `fold` (from 0).
fn until_epoch(events: &[Event], fold: usize, count: usize) -> &[Event] {
    let end = events
        .iter()
        .position(|e| matches!(e, Event::EpochEnded(r) if r.fold == fold && r.epoch == count))
        .unwrap();
    &events[..=end + 1]
}

fn ack(
    control: Control,
    sequence: usize,
    fold: usize,
    epoch: usize,
    paused: bool,
    learning_rate: f64,
) -> Event {
    Event::Ack(Ack {
        control,
        sequence,
        fold: Some(fold),
        epoch,
        iterations: (epoch as u64 - 1) * 30 + 12,
        learning_rate,
        l1: 0.0,
        l2: 0.0,
        pace: Some(20.0),
        paused,
    })
}

#[test]
fn running_with_a_learning_rate_change() {
    let config = cv_config();
    let events = recorded("moons.csv", config.clone());
    let mut script = until_epoch(&events, 1, 10).to_vec();
    script.push(ack(Control::ScaleLearningRate(2.0), 0, 1, 11, false, 0.002));
    let after = events
        .iter()
        .position(|e| matches!(e, Event::EpochEnded(r) if r.fold == 1 && r.epoch == 11))
        .unwrap();
    let end = events
        .iter()
        .position(|e| matches!(e, Event::EpochEnded(r) if r.fold == 1 && r.epoch == 25))
        .unwrap();
    script.extend_from_slice(&events[after..=end]);
    let (app, _) = replay(&script, &config);
    assert_eq!(app.mode, Mode::Running);
    insta::assert_snapshot!("running_120x40", screen(&app, 120, 40));
    insta::assert_snapshot!("running_80x24", screen(&app, 80, 24));
}

#[test]
fn paused_with_help_open() {
    let config = cv_config();
    let events = recorded("moons.csv", config.clone());
    let mut script = until_epoch(&events, 0, 20).to_vec();
    script.push(ack(Control::Pause, 0, 0, 21, true, 0.001));
    let (mut app, _) = replay(&script, &config);
    assert_eq!(app.mode, Mode::Paused);
    insta::assert_snapshot!("paused_120x40", screen(&app, 120, 40));
    app.apply(Action::ToggleHelp);
    insta::assert_snapshot!("help_80x24", screen(&app, 80, 24));
}

#[test]
fn done_on_a_multiclass_dataset() {
    let config = RunConfig { standardize: true, ..cv_config() };
    let events = recorded("spiral.csv", config.clone());
    let (mut app, _) = replay(&events, &config);
    app.source = "data/spiral.csv".into();
    assert_eq!(app.mode, Mode::Done);
    app.apply(Action::NextLayer);
    app.apply(Action::ToggleLogScale);
    insta::assert_snapshot!("done_multiclass_120x40", screen(&app, 120, 40));
    insta::assert_snapshot!("done_multiclass_80x24", screen(&app, 80, 24));
}

#[test]
fn diverged_folds_are_flagged() {
    let config = RunConfig {
        optimizer: OptimizerSpec { learning_rate: 1e9, ..OptimizerSpec::new(OptimizerKind::Sgd) },
        ..cv_config()
    };
    let events = recorded("moons.csv", config.clone());
    let (app, _) = replay(&events, &config);
    let text = screen(&app, 120, 40);
    assert!(text.contains("DIVERGED"), "{text}");
    assert!(text.contains("3 diverged: lower the lr"), "{text}");
    insta::assert_snapshot!("diverged_120x40", text);
}

#[test]
fn a_tiny_terminal_gets_a_note() {
    let config = cv_config();
    let (app, _) = replay(&[], &config);
    let text = screen(&app, 50, 12);
    assert!(text.contains("terminal too small"), "{text}");
    assert!(text.contains("need 60x16, have 50x12"), "{text}");
    insta::assert_snapshot!("too_small_50x12", text);
}

#[test]
fn lines_and_markers_have_distinct_colours() {
    let config = cv_config();
    let events = recorded("moons.csv", config.clone());
    let mut script = until_epoch(&events, 0, 30).to_vec();
    script.push(ack(Control::ScaleLearningRate(2.0), 0, 0, 15, false, 0.002));
    let (app, _) = replay(&script, &config);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|frame| frame.render_widget(&app, frame.area())).unwrap();
    let buffer = terminal.backend().buffer();
    let colours: std::collections::HashSet<Color> = buffer.content().iter().map(|c| c.fg).collect();
    for wanted in [Color::Cyan, Color::Yellow, Color::LightRed] {
        assert!(colours.contains(&wanted), "no {wanted:?} on screen");
    }
    // NO_COLOR: the same screen without any colour.
    let mut plain = app.clone();
    plain.theme.color = false;
    terminal.draw(|frame| frame.render_widget(&plain, frame.area())).unwrap();
    assert!(terminal.backend().buffer().content().iter().all(|c| c.fg == Color::Reset));
}

fn key(code: KeyCode) -> TerminalEvent {
    TerminalEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

#[test]
fn the_event_loop_pauses_changes_the_rate_and_quits_with_a_summary() {
    let config =
        RunConfig { folds: 2, epochs: 100_000, threads: 1, pace: Some(50.0), ..RunConfig::default() };
    let mut session: Session<Vec<u8>> = Session {
        config: config.clone(),
        dataset: dataset("moons.csv"),
        log: Some(nntui::headless::JsonLines::new(Vec::new())),
    };
    let (keys, inputs) = unbounded();
    let (_signal_sender, signals) = unbounded();
    let script = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        for code in [KeyCode::Char(' '), KeyCode::Char('+'), KeyCode::Char('w'), KeyCode::Char('q')] {
            keys.send(key(code)).unwrap();
            std::thread::sleep(Duration::from_millis(200));
        }
        keys
    });
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut app = App::new("data/moons.csv", initial_live(&config), Instant::now());
    let ending = tui::event_loop(&mut terminal, &mut app, &mut session, &inputs, &signals).unwrap();
    drop(script.join());
    assert_eq!(ending.exit, Exit::Quit);
    let summary = ending.summary.expect("a stopped run still ends with a summary");
    assert!(summary.stopped);
    assert_eq!((app.live.learning_rate, app.live.l2), (0.002, 1e-4));
    let screen = terminal.backend().to_string();
    assert!(screen.contains("[paused]"), "{screen}");
    assert!(screen.contains("lr 0.002"), "{screen}");
    assert!(screen.contains("learning rate 0.001 -> 0.002"), "{screen}");
    let log = String::from_utf8(session.log.take().unwrap().into_inner()).unwrap();
    assert!(log.lines().any(|l| l.contains(r#""control":"pause""#)), "the log file gets every event");
}

#[test]
fn the_event_loop_restarts_with_the_current_settings() {
    let config =
        RunConfig { folds: 1, epochs: 100_000, threads: 1, pace: Some(50.0), ..RunConfig::default() };
    let mut session: Session<Vec<u8>> =
        Session { config: config.clone(), dataset: dataset("moons.csv"), log: None };
    let (keys, inputs) = unbounded();
    let (_signal_sender, signals) = unbounded();
    let script = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        for code in [KeyCode::Char('-'), KeyCode::Char('r')] {
            keys.send(key(code)).unwrap();
            std::thread::sleep(Duration::from_millis(300));
        }
        keys.send(key(KeyCode::Esc)).unwrap();
        keys
    });
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut app = App::new("data/moons.csv", initial_live(&config), Instant::now());
    let ending = tui::event_loop(&mut terminal, &mut app, &mut session, &inputs, &signals).unwrap();
    drop(script.join());
    assert_eq!(ending.exit, Exit::Quit);
    assert_eq!(session.config.optimizer.learning_rate, 0.0005, "the restart keeps the halved rate");
    let info = ending.info.unwrap();
    assert_eq!(info.config.optimizer.learning_rate, 0.0005, "the new run started with it");
}

/// Every size from 1x1 up draws without a panic, with data in every panel (the rapid
/// resize drill once found a layout that could not be drawn at 61x17).
#[test]
fn every_terminal_size_draws() {
    let config = RunConfig { folds: 12, epochs: 20, ..cv_config() };
    let events = recorded("spiral.csv", config.clone());
    let middle = events.len() / 2;
    for script in [&events[..0], &events[..middle], &events[..]] {
        let (mut app, _) = replay(script, &config);
        app.apply(Action::ToggleHelp);
        for width in (1..=130).step_by(3) {
            for height in 1..=45 {
                let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
                terminal.draw(|frame| frame.render_widget(&app, frame.area())).unwrap();
            }
        }
    }
}
