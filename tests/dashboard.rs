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
    plain.screen.theme.color = false;
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
        recording: None,
        recorder: None,
        plot: None,
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
    assert_eq!((app.steering.live.learning_rate, app.steering.live.l2), (0.002, 1e-4));
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
    let mut session: Session<Vec<u8>> = Session {
        config: config.clone(),
        dataset: dataset("moons.csv"),
        log: None,
        recording: None,
        recorder: None,
        plot: None,
    };
    let (keys, inputs) = unbounded();
    let (_signal_sender, signals) = unbounded();
    let script = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        for code in [KeyCode::Char('-'), KeyCode::Char('r')] {
            keys.send(key(code)).unwrap();
            std::thread::sleep(Duration::from_millis(300));
        }
        keys.send(key(KeyCode::Char('q'))).unwrap();
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

/// The first row of the key bar at several sizes: quitting and help come first.
#[test]
fn the_key_bar_always_shows_quit_and_help() {
    let config = cv_config();
    let events = recorded("moons.csv", config.clone());
    let (app, _) = replay(until_epoch(&events, 0, 5), &config);
    for (width, height) in [(60, 16), (80, 24), (100, 30), (120, 40)] {
        let text = screen(&app, width, height);
        let bar = text.lines().last().unwrap();
        assert!(bar.starts_with("\" q quit  ? help"), "{width}x{height}: {bar}");
    }
}

/// Numbers keep their magnitude wherever they are shown, and bars fill the space they
/// have with their scale stated.
#[test]
fn big_epoch_numbers_and_bars_that_scale() {
    let config = RunConfig { epochs: 300_000, ..cv_config() };
    let events = recorded("moons.csv", RunConfig { epochs: 4, ..cv_config() });
    let mut script = Vec::new();
    for event in &events {
        let mut event = event.clone();
        match &mut event {
            Event::RunStarted(info) => info.config.epochs = 300_000,
            Event::EpochEnded(report) => report.epoch += 232_034,
            Event::Weights(weights) => weights.epoch += 232_034,
            Event::FoldEnded(report) => {
                report.epochs_run += 232_034;
                report.best_epoch = report.best_epoch.map(|b| b + 232_034);
            }
            _ => {}
        }
        script.push(event);
    }
    let (app, _) = replay(&script, &config);
    let text = screen(&app, 120, 40);
    assert!(text.contains("232038"), "the header's epoch in full: {text}");
    assert!(text.contains("232k"), "the fold table's epoch shortened, not cut: {text}");
    assert!(text.contains("e232038"), "the strip's labels in full: {text}");
    assert!(!text.contains("23203 ") && !text.contains("23203│"), "{text}");
    assert!(text.contains("0-100%"), "the bars' scale: {text}");
    let rows: Vec<&str> = text.lines().filter(|l| l.contains("232k  232k done")).collect();
    assert_eq!(rows.len(), 3, "{text}");
    // The bars use the column they have: 82.84% of a 7-cell column is five cells and
    // most of a sixth, where a 10-cell bar cut to 7 cells drew seven full cells.
    assert!(rows[0].contains("█████▊ "), "{}", rows[0]);
    let narrow = screen(&app, 80, 24);
    assert!(narrow.contains("232k"), "{narrow}");
}

#[test]
fn the_loss_axis_never_goes_below_zero_and_the_legend_is_in_the_title() {
    let config = cv_config();
    let events = recorded("moons.csv", config.clone());
    let (app, _) = replay(&events, &config);
    for (width, height) in [(80, 24), (100, 30), (120, 40)] {
        let text = screen(&app, width, height);
        // Axis labels sit between two vertical bars at the chart's left edge.
        for line in text.lines() {
            assert!(!line.starts_with("\"│-"), "{width}x{height}: a negative axis label: {line}");
        }
        let title = text.lines().find(|l| l.contains("Loss")).unwrap();
        assert!(title.contains("train") && title.contains("val"), "{width}x{height}: {title}");
        assert!(!text.contains("│train") && !text.contains("│val "), "no legend box: {text}");
    }
}

#[test]
fn other_folds_can_be_hidden() {
    let config = cv_config();
    let events = recorded("moons.csv", config.clone());
    let (mut app, _) = replay(&events, &config);
    let dimmed = screen(&app, 120, 40);
    app.apply(Action::ToggleOtherFolds);
    let hidden = screen(&app, 120, 40);
    let dots = |text: &str| text.chars().filter(|c| ('\u{2801}'..='\u{28ff}').contains(c)).count();
    assert!(dots(&hidden) < dots(&dimmed), "hiding the other folds removes their lines");
}

#[test]
fn without_colour_validation_is_drawn_in_dots() {
    let config = cv_config();
    let events = recorded("moons.csv", config.clone());
    let (mut app, _) = replay(until_epoch(&events, 0, 30), &config);
    app.screen.theme.color = false;
    let text = screen(&app, 120, 40);
    assert!(text.contains('•'), "{text}");
    assert!(text.contains("val •"), "the title names the marker: {text}");
}

#[test]
fn settings_change_after_the_run_for_the_restart_and_say_so() {
    let config = cv_config();
    let events = recorded("moons.csv", config.clone());
    let (mut app, _) = replay(&events, &config);
    assert_eq!(app.apply(Action::ScaleLearningRate(2.0)), None);
    assert_eq!(app.apply(Action::RaiseL2), None);
    assert_eq!(app.apply(Action::ToggleFullSpeed), None);
    assert_eq!(app.wanted().learning_rate, 0.002);
    assert_eq!(app.wanted().l2, 1e-4);
    assert_eq!(app.wanted().pace, None);
    app.apply(Action::TogglePause);
    let text = screen(&app, 120, 40);
    assert!(text.contains("learning rate 0.001 -> 0.002; applies on r (restart)"), "{text}");
    assert!(
        text.contains("L2 0 -> 1e-4; applies on r (restart)")
            || text.contains("L2 0 -> 1.0e-4; applies on r"),
        "{text}"
    );
    assert!(text.contains("the run is over: r restarts it"), "{text}");
    let restarted = app.restarted(Instant::now());
    assert_eq!(restarted.steering.live.learning_rate, 0.002);
    let text = screen(&restarted, 120, 40);
    assert!(text.contains("restarted at full speed (f: back to 20 epochs/s)"), "{text}");
}

#[test]
fn lowering_l2_reaches_zero_and_then_says_so() {
    let config = cv_config();
    let (mut app, _) = replay(&[], &config);
    app.mode = Mode::Running;
    let mut seen = Vec::new();
    app.apply(Action::RaiseL2);
    for _ in 0..4 {
        if let Some(nntui::tui::app::Command::Control(Control::SetL2(l2))) = app.apply(Action::LowerL2) {
            seen.push(l2);
        }
    }
    assert_eq!(seen, [1e-5, 0.0], "1e-4 -> 1e-5 -> 0, then nothing to send");
    assert!(app.log.iter().any(|e| e.text.contains("L2 is already 0")));
}

#[test]
fn long_log_lines_wrap_instead_of_losing_their_end() {
    let config = cv_config();
    let (mut app, now) = replay(&[], &config);
    let message = "fold 3 diverged in epoch 2: the loss is no longer a finite number; lower the learning rate (it was 1000000000), or add --standardize";
    app.on_event(
        &Event::Warning(nntui::train::Warning {
            fold: Some(2),
            epoch: Some(2),
            message: message.into(),
            hint: None,
        }),
        now,
    );
    let text = screen(&app, 80, 24);
    assert!(text.contains("or add --standardize"), "{text}");
}

#[test]
fn a_run_whose_folds_all_diverged_ends_failed_and_pauses_stop_the_clock() {
    let config = RunConfig {
        optimizer: OptimizerSpec { learning_rate: 1e9, ..OptimizerSpec::new(OptimizerKind::Sgd) },
        ..cv_config()
    };
    let events = recorded("moons.csv", config.clone());
    let (app, _) = replay(&events, &config);
    assert!(matches!(app.mode, Mode::Failed(_)), "{:?}", app.mode);
    assert!(screen(&app, 120, 40).contains("[failed]"));

    let config = cv_config();
    let events = recorded("moons.csv", config.clone());
    let mut script = until_epoch(&events, 0, 2).to_vec();
    script.push(ack(Control::Pause, 0, 0, 3, true, 0.001));
    let (mut app, now) = replay(&script, &config);
    let before = app.elapsed();
    app.tick(now + Duration::from_secs(60));
    assert_eq!(app.elapsed(), before, "a minute paused is not training time");
}

/// Early stopping and a plateau at work: the policy line in the header, the best epoch
/// and the policy marks in the charts, Keras's messages in the log.
#[test]
fn policies_on_the_dashboard() {
    use nntui::train::callbacks::{Callbacks, EarlyStoppingSpec, PlateauSpec};
    let config = RunConfig {
        folds: 1,
        epochs: 300,
        validation_split: Some(0.3),
        hidden: vec![
            nntui::nn::Layer::dense(64, nntui::nn::Activation::Relu),
            nntui::nn::Layer::dense(64, nntui::nn::Activation::Relu),
        ],
        initializer: nntui::nn::Initializer::HeUniform,
        policies: Callbacks {
            early_stopping: Some(EarlyStoppingSpec {
                patience: 15,
                restore_best_weights: true,
                ..EarlyStoppingSpec::default()
            }),
            reduce_lr_on_plateau: Some(PlateauSpec { patience: 5, factor: 0.5, ..PlateauSpec::default() }),
            ..Callbacks::default()
        },
        ..cv_config()
    };
    let events = recorded("moons.csv", config.clone());
    let (mut app, _) = replay(&events, &config);
    let text = screen(&app, 120, 40);
    assert!(text.contains("early stopping val_loss patience 15/15"), "{text}");
    assert!(text.contains("plateau val_loss wait"), "{text}");
    assert!(text.contains("| best "), "{text}");
    assert!(
        text.contains("early stopping")
            && text.contains("Restoring model weights from the end of the best epoch"),
        "{text}"
    );
    insta::assert_snapshot!("policies_120x40", text);
    assert_eq!(app.apply(Action::ExtendPatience), None, "the run is over");
    assert!(app.log.back().unwrap().text.contains("early stopping keys act on running folds"));
}

/// Smoothing, zoom and the value cursor: pure state changes, drawn.
#[test]
fn smoothing_zoom_and_the_value_cursor() {
    let config = RunConfig { epochs: 150, ..cv_config() };
    let events = recorded("moons.csv", config.clone());
    let (mut app, _) = replay(&events, &config);
    app.apply(Action::CycleSmoothing);
    assert!(screen(&app, 120, 40).contains("smooth 0.6"));
    app.apply(Action::CycleSmoothing);
    app.apply(Action::CycleSmoothing);
    assert!(screen(&app, 120, 40).contains("smooth 0.99"));
    app.apply(Action::CycleSmoothing);
    assert!(!screen(&app, 120, 40).contains("smooth 0."), "back to raw");

    app.apply(Action::CycleZoom);
    assert_eq!(app.x_range(), Some((51, 150)));
    app.apply(Action::CycleZoom);
    assert_eq!(app.x_range(), Some((131, 150)));
    let zoomed = screen(&app, 120, 40);
    assert!(zoomed.contains("epochs 131-150"), "{zoomed}");
    app.apply(Action::CycleZoom);
    assert_eq!(app.x_range(), None);

    app.apply(Action::ToggleCursor);
    assert_eq!(app.screen.cursor, Some(150));
    app.apply(Action::Left);
    app.apply(Action::Left);
    assert_eq!(app.screen.cursor, Some(148));
    let layer = app.screen.layer;
    let text = screen(&app, 120, 40);
    assert_eq!(app.screen.layer, layer, "with the cursor on, left and right move it, not the layer");
    assert!(text.contains("@148"), "{text}");
    // The box lists every fold's values at the cursor.
    assert!(text.contains("f1 ") && text.contains("f3 "), "{text}");
    insta::assert_snapshot!("cursor_120x40", text);
    app.apply(Action::ToggleCursor);
    app.apply(Action::Right);
    assert_eq!(app.screen.cursor, None);
    assert_ne!(app.screen.layer, layer, "without it, right picks the next layer");
}

#[test]
fn a_cnn_shows_its_stack_and_its_filters() {
    let config = RunConfig {
        folds: 2,
        epochs: 15,
        threads: 1,
        batch_size: 32,
        pace: Some(20.0),
        input_shape: Some(vec![8, 8, 1]),
        layer_initializer: nntui::nn::Initializer::GlorotUniform,
        initializer: nntui::nn::Initializer::GlorotUniform,
        hidden: nntui::cli::parse_layers(
            "rescaling:0.0039,conv2d:8:3x3:relu,maxpool2d:2x2,flatten,dropout:0.2,16:relu",
        )
        .unwrap()
        .0,
        ..RunConfig::default()
    };
    let events = recorded("strokes.csv", config.clone());
    let (mut app, _) = replay(&events, &config);
    app.source = "data/strokes.csv".into();
    assert_eq!(app.mode, Mode::Done);
    let screen_120 = screen(&app, 120, 40);
    // The header's compact stack, the weights panel's list of every layer with its
    // shape, and eight 3x3 filters drawn in shades.
    assert!(screen_120.contains("8x8x1 -> conv 8 -> pool -> drop -> 16 -> 4, 1316 params"), "{screen_120}");
    assert!(screen_120.contains("conv 6x6x8"), "{screen_120}");
    assert!(screen_120.contains("8 filters"), "{screen_120}");
    insta::assert_snapshot!("cnn_conv_layer_120x40", screen_120);
    insta::assert_snapshot!("cnn_conv_layer_80x24", screen(&app, 80, 24));
    // Tab skips the layers without weights: conv, dense, the output, then conv again.
    app.apply(Action::NextLayer);
    let dense = screen(&app, 120, 40);
    assert!(dense.contains("layer 2/3"), "{dense}");
    assert!(!dense.contains("8 filters"), "{dense}");
    app.apply(Action::NextLayer);
    app.apply(Action::NextLayer);
    assert!(screen(&app, 120, 40).contains("layer 1/3"));
}

/// Layer normalization's weights are its scale and its shift; an embedding's, its table.
#[test]
fn normalization_shows_its_scale_and_shift_and_an_embedding_its_table() {
    let config = RunConfig {
        folds: 1,
        epochs: 3,
        threads: 1,
        batch_size: 32,
        input_shape: Some(vec![8, 8]),
        hidden: nntui::cli::parse_layers("embedding:256:2,flatten,layernorm,6:tanh").unwrap().0,
        ..RunConfig::default()
    };
    let events = recorded("strokes.csv", config.clone());
    let (mut app, _) = replay(&events, &config);
    let table = screen(&app, 120, 40);
    assert!(table.contains("layer 1/4"), "{table}");
    assert!(table.contains("embeddings   mean"), "{table}");
    // The first 64 of the 256 codes placed by their vectors, in place of the values
    // over epochs.
    assert!(table.contains("codes 0-63, 2 axes: 100% of spread"), "{table}");
    assert!(!table.contains("embeddings over epochs"), "{table}");
    app.apply(Action::NextLayer);
    let norm = screen(&app, 120, 40);
    assert!(norm.contains("layer 2/4"), "{norm}");
    assert!(norm.contains("scale   mean"), "{norm}");
    assert!(norm.contains("shift   mean"), "{norm}");
    assert!(!norm.contains("kernel   mean"), "{norm}");
    app.apply(Action::NextLayer);
    assert!(screen(&app, 120, 40).contains("kernel   mean"));
}

#[test]
fn an_lstm_shows_its_gates_input_and_recurrent_kernels_apart() {
    let mut text = String::from("a,b,c,d,e,f,target\n");
    for i in 0..200 {
        let v: Vec<f64> = (0..7).map(|k| (f64::from(i + k) * 0.3).sin()).collect();
        text.push_str(&v.iter().map(|x| format!("{x:.4}")).collect::<Vec<_>>().join(","));
        text.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("waves.csv");
    std::fs::write(&path, text).unwrap();
    let mut dataset = data::load(&path, &CsvOptions::default()).unwrap();
    dataset.source = "waves.csv".into();
    let dataset = Arc::new(dataset);
    let config = RunConfig {
        folds: 1,
        epochs: 10,
        threads: 1,
        validation_split: Some(0.2),
        pace: Some(20.0),
        input_shape: Some(vec![6, 1]),
        hidden: nntui::cli::parse_layers("lstm:8").unwrap().0,
        ..RunConfig::default()
    };
    let handle =
        train::spawn(Plan::new(RunConfig { pace: None, ..config.clone() }, &dataset).unwrap(), dataset);
    let events: Vec<Event> = handle.events.iter().collect();
    handle.join().unwrap();
    let (app, _) = replay(&events, &config);
    let screen_120 = screen(&app, 120, 40);
    for gate in ["gate     input kernel, std", "input", "forget", "cell", "output"] {
        assert!(screen_120.contains(gate), "{gate}\n{screen_120}");
    }
    assert!(screen_120.contains("6x1 -> lstm 8 -> 1"), "{screen_120}");
    insta::assert_snapshot!("lstm_gates_120x40", screen_120);
}

#[test]
fn a_series_forecast_replaces_the_metric_chart_on_f() {
    let mut text = String::from("value\n");
    for i in 0..160 {
        text.push_str(&format!("{:.4}\n", (f64::from(i) * 0.4).sin() + 0.3 * (f64::from(i) * 0.9).cos()));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("series.csv");
    std::fs::write(&path, text).unwrap();
    let options = CsvOptions { series: true, ..CsvOptions::default() };
    let series = data::load(&path, &options).unwrap();
    let window = data::windows::Window { size: 8, horizon: 1 };
    let mut dataset = data::windows::window(&series, window).unwrap();
    dataset.source = "series.csv".into();
    let dataset = Arc::new(dataset);
    let config = RunConfig {
        folds: 1,
        epochs: 15,
        threads: 1,
        validation_split: Some(0.25),
        pace: Some(20.0),
        window: Some(window),
        input_shape: Some(vec![8, 1]),
        hidden: nntui::cli::parse_layers("gru:8").unwrap().0,
        ..RunConfig::default()
    };
    let handle =
        train::spawn(Plan::new(RunConfig { pace: None, ..config.clone() }, &dataset).unwrap(), dataset);
    let events: Vec<Event> = handle.events.iter().collect();
    handle.join().unwrap();
    let (mut app, _) = replay(&events, &config);
    assert!(!screen(&app, 120, 40).contains("Forecast"));
    app.apply(Action::ToggleForecast);
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("Forecast fold 1 epoch 15 actual predicted mae"), "{shown}");
    insta::assert_snapshot!("series_forecast_120x40", shown);
    insta::assert_snapshot!("series_forecast_80x24", screen(&app, 80, 24));
    // On a run that is not a series, F says what it is for.
    let moons = recorded("moons.csv", cv_config());
    let (mut other, _) = replay(&moons, &cv_config());
    other.apply(Action::ToggleForecast);
    assert!(!other.screen.forecast_view);
}

#[test]
fn the_log_scrolls_and_opens_full_screen() {
    let config = cv_config();
    let events = recorded("moons.csv", config.clone());
    let mut script = until_epoch(&events, 0, 20).to_vec();
    // Enough acknowledged changes that the small panel shows only the newest.
    for step in 0..12 {
        let rate = 0.001 * 2f64.powi(step + 1);
        script.push(ack(Control::ScaleLearningRate(2.0), step as usize, 0, 21, false, rate));
    }
    let (mut app, _) = replay(&script, &config);
    let small = screen(&app, 120, 40);
    assert!(small.contains("learning rate 2.048 -> 4.096"), "{small}");
    assert!(!small.contains("learning rate 0.001 -> 0.002"), "the oldest has scrolled away: {small}");
    // PageUp goes back to older entries, and the title counts the newer ones below.
    app.apply(Action::ScrollLog(5));
    let scrolled = screen(&app, 120, 40);
    assert!(scrolled.contains("5 newer: pgdn"), "{scrolled}");
    assert!(!scrolled.contains("2.048 -> 4.096"), "{scrolled}");
    // Full screen: every entry fits, up/down scroll, Esc closes it without quitting.
    app.apply(Action::ScrollLog(-5));
    app.apply(Action::ToggleLog);
    let full = screen(&app, 120, 40);
    assert!(full.contains("learning rate 0.001 -> 0.002") && full.contains("2.048 -> 4.096"), "{full}");
    assert!(full.contains("L or esc closes"), "{full}");
    assert_eq!(app.apply(Action::PreviousFold), None, "up scrolls the open log");
    assert_eq!(app.screen.log_scroll, 1);
    assert_eq!(app.apply(Action::Back), None);
    assert!(!app.screen.log_open, "Esc closes the log");
    assert!(screen(&app, 80, 24).contains("Log"), "and the dashboard is back");
}

/// Any run, whatever wrote it, gets the full dashboard: a PyTorch-style TensorBoard run
/// (tensorboardX fixture) with its tag group on one chart, its histogram tag in the
/// weights panel, every series with exact last and best values, and the view keys.
#[test]
fn a_tensorboard_run_gets_the_full_dashboard() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tensorboard/tbx");
    let source = nntui::runs::read::Source::TensorBoard { root: folder.clone(), folder };
    let mut reader = nntui::runs::read::Reader::default();
    let read = |reader: &mut nntui::runs::read::Reader| reader.read_all(&source).unwrap().remove(0).1;
    let mut app = App::new(String::new(), initial_live(&RunConfig::default()), Instant::now());
    let run = read(&mut reader);
    let state = nntui::runs::table::state(&run);
    app.load(run, state, source.kind());
    let text = screen(&app, 120, 40);
    assert!(text.contains("TensorBoard") && text.contains("done"), "{text}");
    assert!(text.contains("┌ Loss fold 1 test 0.0300 train 0.0229"), "the Loss/* group on one chart: {text}");
    assert!(text.contains("┌ weights/layer1 "), "the histogram tag in the weights panel: {text}");
    assert!(text.contains("┌ Series"), "{text}");
    assert!(text.contains("Accuracy/test"), "{text}");
    assert!(text.contains("read TensorBoard: 3 series"), "{text}");
    // m cycles the metric chart, s smooths, z zooms, c puts the cursor on the last step
    // and left moves it to the previous drawn step (steps every 5).
    app.apply(Action::CycleSmoothing);
    app.apply(Action::ToggleCursor);
    assert_eq!(app.screen.cursor, Some(45));
    app.apply(Action::Left);
    assert_eq!(app.screen.cursor, Some(40));
    let text = screen(&app, 120, 40);
    assert!(text.contains("@40"), "{text}");
    assert!(text.contains("smooth 0.6"), "{text}");
    app.apply(Action::ToggleCursor);
    let before = app.chart_lines(false).unwrap().0;
    app.apply(Action::NextMetricChart);
    assert_ne!(app.chart_lines(false).unwrap().0, before, "m shows another series");
    // Reading again (a growing run) keeps the view's choices and logs nothing twice.
    let charts = app.screen.charts;
    let run = read(&mut reader);
    app.load(run, state, source.kind());
    assert_eq!(app.screen.charts, charts);
    assert_eq!(app.log.len(), 1);
    // Steering keys say why not.
    assert!(app.apply(Action::TogglePause).is_none());
    assert!(screen(&app, 80, 24).contains("recorded run"));
}

/// `v` turns the right-hand panel from the weights to what the model learned (the
/// held-out confusion matrix with row shares and the ROC curve with its AUC) and to the
/// decision map (a colour field with the training rows as class markers), and back; a
/// run with nothing more to show says what `v` is for.
#[test]
fn v_shows_the_confusion_matrix_the_roc_curve_and_the_decision_map() {
    let config = RunConfig {
        folds: 1,
        epochs: 30,
        threads: 1,
        validation_split: Some(0.25),
        pace: Some(20.0),
        hidden: nntui::cli::parse_layers("16:relu").unwrap().0,
        ..RunConfig::default()
    };
    let dataset = dataset("moons.csv");
    let plan = Plan::new(RunConfig { pace: None, ..config.clone() }, &dataset).unwrap().with_pictures();
    let handle = train::spawn(plan, dataset);
    let events: Vec<Event> = handle.events.iter().collect();
    handle.join().unwrap();
    let (mut app, _) = replay(&events, &config);
    assert!(screen(&app, 120, 40).contains("Weights"));
    app.apply(Action::NextSidePanel);
    let learned = screen(&app, 120, 40);
    assert!(learned.contains("Learned epoch 30 held-out 100 rows AUC 0."), "{learned}");
    assert!(learned.contains("false positive rate"), "{learned}");
    insta::assert_snapshot!("learned_120x40", learned);
    insta::assert_snapshot!("learned_80x24", screen(&app, 80, 24));
    app.apply(Action::NextSidePanel);
    let map = screen(&app, 120, 40);
    assert!(map.contains("Map x x y") && map.contains("o lower  x upper  shade: P(upper)"), "{map}");
    insta::assert_snapshot!("map_120x40", map);
    insta::assert_snapshot!("map_80x24", screen(&app, 80, 24));
    // The field is coloured: blue where the model says lower, orange where upper.
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|frame| frame.render_widget(&app, frame.area())).unwrap();
    let backgrounds: std::collections::HashSet<Color> =
        terminal.backend().buffer().content().iter().map(|c| c.bg).collect();
    let blue = backgrounds.iter().any(|c| matches!(c, Color::Rgb(r, _, b) if b > r));
    let orange = backgrounds.iter().any(|c| matches!(c, Color::Rgb(r, _, b) if r > b));
    assert!(blue && orange, "{backgrounds:?}");
    app.apply(Action::NextSidePanel);
    assert!(screen(&app, 120, 40).contains("Weights"));
    // A regression on many features has nothing more to show: v says why.
    let mut text = String::from("a,b,c,target\n");
    for i in 0..40 {
        let x = f64::from(i);
        text.push_str(&format!("{x},{},{},{}\n", x * 0.5, 40.0 - x, x * 2.0 + 1.0));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.csv");
    std::fs::write(&path, text).unwrap();
    let many = Arc::new(data::load(&path, &CsvOptions::default()).unwrap());
    let short = RunConfig { folds: 1, epochs: 2, threads: 1, ..RunConfig::default() };
    let handle = train::spawn(Plan::new(short.clone(), &many).unwrap().with_pictures(), many);
    let events: Vec<Event> = handle.events.iter().collect();
    handle.join().unwrap();
    let (mut regression, _) = replay(&events, &short);
    regression.apply(Action::NextSidePanel);
    let said = screen(&regression, 120, 40);
    assert!(said.contains("Weights") && said.contains("v shows the confusion matrix"), "{said}");
}

/// The fold table follows the metric chart: with `--metrics auc` and the chart on `auc`
/// (`m`), each fold's value and bar are its held-out AUC and the footer their mean.
#[test]
fn the_fold_table_shows_the_metric_the_chart_shows() {
    let config = RunConfig { metrics: vec![nntui::nn::Measure::Auc], ..cv_config() };
    let events = recorded("moons.csv", config.clone());
    let (mut app, _) = replay(&events, &config);
    let before = screen(&app, 120, 40);
    assert!(before.contains("fold acc") && before.contains("0-100%"), "{before}");
    app.apply(Action::NextMetricChart);
    let after = screen(&app, 120, 40);
    assert!(after.contains("fold auc") && after.contains("0-1 "), "{after}");
    let finals: Vec<f64> = events
        .iter()
        .filter_map(|e| match e {
            Event::FoldEnded(r) => Some(r.metrics["val_auc"]),
            _ => None,
        })
        .collect();
    assert!(after.contains(&format!("   1 {:.4}", finals[0])), "{after}");
    let (mean, std) = nntui::stats::mean_and_std(finals.iter().copied()).unwrap();
    assert!(after.contains(&format!("val_auc mean {mean:.4} +/- {std:.4} over 3 folds")), "{after}");
}
