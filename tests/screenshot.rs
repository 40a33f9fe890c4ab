//! `assets/dashboard.svg`, the README's screenshot, is the dashboard itself: a real
//! engine run replayed into the app and drawn on a 120x40 `TestBackend`, written out
//! as SVG. This test fails when the drawing changes and the picture was not renewed;
//! `NNTUI_REGENERATE=1 cargo test --test screenshot` renews it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

use nntui::data::{self, CsvOptions};
use nntui::train::{self, Ack, Control, Event, Plan, RunConfig};
use nntui::tui::app::App;
use nntui::tui::initial_live;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use std::fmt::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn hex(color: Color, default: &str) -> String {
    match color {
        Color::Reset => default.to_string(),
        Color::Black => "#1e1e1e".into(),
        Color::Red | Color::LightRed => "#ff6b6b".into(),
        Color::Green | Color::LightGreen => "#8ae234".into(),
        Color::Yellow | Color::LightYellow => "#fce94f".into(),
        Color::Blue | Color::LightBlue => "#729fcf".into(),
        Color::Magenta | Color::LightMagenta => "#ed7ff0".into(),
        Color::Cyan => "#34e2e2".into(),
        Color::LightCyan => "#93f3f3".into(),
        Color::Gray => "#a0a0a0".into(),
        Color::DarkGray => "#6b6b6b".into(),
        Color::White => "#ffffff".into(),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(_) => default.to_string(),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The buffer as SVG: one `<text>` per run of equally styled cells.
fn svg(buffer: &Buffer) -> String {
    let (cell_width, cell_height) = (8.4, 17.0);
    let area = buffer.area;
    let (width, height) =
        (f64::from(area.width) * cell_width + 16.0, f64::from(area.height) * cell_height + 16.0);
    let mut out = String::new();
    writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">"#
    )
    .unwrap();
    writeln!(out, r##"<rect width="100%" height="100%" rx="6" fill="#1e1e1e"/>"##).unwrap();
    for y in 0..area.height {
        let mut x = 0;
        while x < area.width {
            let cell = &buffer[(x, y)];
            let style = (cell.fg, cell.modifier);
            let start = x;
            let mut text = String::new();
            while x < area.width && (buffer[(x, y)].fg, buffer[(x, y)].modifier) == style {
                text.push_str(buffer[(x, y)].symbol());
                x += 1;
            }
            if text.trim().is_empty() {
                continue;
            }
            let mut fill = hex(style.0, "#d0d0d0");
            if style.1.contains(Modifier::DIM) {
                fill = "#6b6b6b".into();
            }
            let weight = if style.1.contains(Modifier::BOLD) { r#" font-weight="bold""# } else { "" };
            writeln!(
                out,
                r#"<text x="{:.1}" y="{:.1}" fill="{fill}"{weight} xml:space="preserve" textLength="{:.1}" lengthAdjust="spacingAndGlyphs">{}</text>"#,
                8.0 + f64::from(start) * cell_width,
                8.0 + f64::from(y) * cell_height + 13.0,
                f64::from(x - start) * cell_width,
                escape(&text)
            )
            .unwrap();
        }
    }
    out.push_str("</svg>\n");
    out
}

#[test]
fn readme_screenshot_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/spiral.csv");
    let mut dataset = data::load(&path, &CsvOptions::default()).unwrap();
    dataset.source = "data/spiral.csv".into();
    let dataset = Arc::new(dataset);
    // The spiral with the start that suits it (data/README.md): a run that learns.
    let config = RunConfig {
        folds: 5,
        epochs: 120,
        threads: 1,
        standardize: true,
        initializer: nntui::nn::Initializer::HeUniform,
        ..RunConfig::default()
    };
    let handle = train::spawn(Plan::new(config.clone(), &dataset).unwrap(), dataset);
    let mut events: Vec<Event> = handle.events.iter().collect();
    handle.join().unwrap();
    if let Some(Event::RunStarted(info)) = events.first_mut() {
        info.config.pace = Some(20.0);
    }
    let stop = events
        .iter()
        .position(|e| matches!(e, Event::EpochEnded(r) if r.fold == 2 && r.epoch == 90))
        .unwrap();
    let change = events
        .iter()
        .position(|e| matches!(e, Event::EpochEnded(r) if r.fold == 2 && r.epoch == 40))
        .unwrap();
    let mut script: Vec<Event> = events[..=stop + 1].to_vec();
    script.insert(
        change + 1,
        Event::Ack(Ack {
            control: Control::ScaleLearningRate(2.0),
            sequence: 0,
            fold: Some(2),
            epoch: 41,
            iterations: 40 * 24,
            learning_rate: 0.002,
            l1: 0.0,
            l2: 0.0,
            pace: Some(20.0),
            paused: false,
        }),
    );
    let start = Instant::now();
    let mut app = App::new("data/spiral.csv", initial_live(&config), start);
    let mut now = start;
    for event in &script {
        now += Duration::from_millis(50);
        app.on_event(event, now);
    }
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|frame| frame.render_widget(&app, frame.area())).unwrap();
    let picture = svg(terminal.backend().buffer());

    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/dashboard.svg");
    if std::env::var_os("NNTUI_REGENERATE").is_some() {
        std::fs::write(&file, &picture).unwrap();
    }
    let current = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        current == picture,
        "assets/dashboard.svg is stale: NNTUI_REGENERATE=1 cargo test --test screenshot"
    );
}

/// The README's second picture: the cross-validation curves of the moons demo as
/// `--plot` draws them (`NNTUI_REGENERATE=1 cargo test --release --test screenshot`
/// renews both pictures).
#[test]
fn readme_plot_is_current() {
    let dir = tempfile::tempdir().unwrap();
    let moons = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/moons.csv");
    let output = assert_cmd::Command::cargo_bin("nntui")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--no-tui", "-q", "--folds", "5", "--epochs", "100", "--init", "he_uniform", "--plot"])
        .arg(dir.path())
        .arg("data/moons.csv")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let _ = moons;
    let picture = std::fs::read_to_string(dir.path().join("accuracy.svg")).unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/cv-accuracy.svg");
    if std::env::var_os("NNTUI_REGENERATE").is_some() {
        std::fs::write(&file, &picture).unwrap();
    }
    let current = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        current == picture,
        "assets/cv-accuracy.svg is stale: NNTUI_REGENERATE=1 cargo test --release --test screenshot"
    );
}
