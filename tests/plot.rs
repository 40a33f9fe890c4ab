//! `--plot`: the chart files parse, hold what they should, and do not change for the
//! same seed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

use assert_cmd::Command;
use std::path::Path;

fn nntui(args: &[&str]) -> (i32, String) {
    let output = Command::cargo_bin("nntui").unwrap().args(args).output().unwrap();
    (output.status.code().unwrap_or(-1), String::from_utf8(output.stderr).unwrap())
}

fn moons() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/moons.csv").to_str().unwrap().to_string()
}

#[test]
fn cross_validation_charts_are_svg_with_a_line_per_fold_a_band_and_a_legend() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plots");
    let (code, stderr) = nntui(&[
        "--no-tui",
        "-q",
        "--folds",
        "3",
        "--epochs",
        "12",
        "--plot",
        out.to_str().unwrap(),
        &moons(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("charts written:"), "{stderr}");
    for name in ["loss.svg", "accuracy.svg"] {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        let document = roxmltree::Document::parse(&text).expect("the SVG is well-formed XML");
        let lines = document.descendants().filter(|n| n.has_tag_name("polyline")).count();
        // Three folds of training and of validation lines, two mean lines, and the legend's samples.
        assert!(lines >= 3 * 2 + 2, "{name}: {lines} lines");
        let polygons = document.descendants().filter(|n| n.has_tag_name("polygon")).count();
        assert!(polygons >= 2, "{name}: the +/- std bands");
        let texts: Vec<&str> = document.descendants().filter_map(|n| n.text()).collect();
        for label in ["train, each fold", "val, mean +/- std", "epoch"] {
            assert!(texts.iter().any(|t| t.contains(label)), "{name}: no '{label}' in {texts:?}");
        }
        assert!(texts.iter().any(|t| t.contains("moons.csv (3-fold CV")), "{name}: the title");
    }
    // The same seed draws the same files.
    let again = dir.path().join("again");
    nntui(&["--no-tui", "-q", "--folds", "3", "--epochs", "12", "--plot", again.to_str().unwrap(), &moons()]);
    assert_eq!(std::fs::read(out.join("loss.svg")).unwrap(), std::fs::read(again.join("loss.svg")).unwrap());
}

#[test]
fn png_charts_decode_at_their_size() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plots");
    let (code, stderr) = nntui(&[
        "--no-tui",
        "-q",
        "--folds",
        "1",
        "--epochs",
        "8",
        "--validation-split",
        "0.2",
        "--plot",
        out.to_str().unwrap(),
        "--plot-format",
        "png",
        &moons(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    for name in ["loss.png", "accuracy.png"] {
        let decoder = png::Decoder::new(std::fs::File::open(out.join(name)).unwrap());
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), nntui::plot::SIZE, "{name}");
    }
    let (code, stderr) = nntui(&["--no-tui", "--plot-format", "gif", &moons()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown plot format 'gif'"), "{stderr}");
}

#[test]
fn a_recorded_run_plots_as_the_live_one_did() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("runs");
    let live = dir.path().join("live");
    let args = [
        "--no-tui",
        "-q",
        "--folds",
        "1",
        "--epochs",
        "10",
        "--log-dir",
        logs.to_str().unwrap(),
        "--plot",
        live.to_str().unwrap(),
    ];
    let (code, stderr) = nntui(&[&args[..], &[moons().as_str()]].concat());
    assert_eq!(code, 0, "{stderr}");
    let run = std::fs::read_dir(&logs).unwrap().next().unwrap().unwrap().path();
    let viewed = dir.path().join("viewed");
    let (code, stderr) = nntui(&["view", "--plot", viewed.to_str().unwrap(), run.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        std::fs::read(live.join("loss.svg")).unwrap(),
        std::fs::read(viewed.join("loss.svg")).unwrap()
    );
}

#[test]
fn any_run_plots_and_several_runs_overlay_a_line_each() {
    let dir = tempfile::tempdir().unwrap();
    let keras = dir.path().join("keras.csv");
    std::fs::write(&keras, "epoch,accuracy,loss,val_accuracy,val_loss\n0,0.5,0.7,0.55,0.69\n1,0.6,0.6,0.6,0.65\n2,0.7,0.5,0.7,0.6\n")
        .unwrap();
    let tensorboard = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tensorboard/tbx");
    // One run from another program: a chart per series name.
    let one = dir.path().join("one");
    let (code, stderr) = nntui(&["view", "--plot", one.to_str().unwrap(), tensorboard.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(one.join("Loss_train.svg").is_file(), "{stderr}");
    // Two runs: one chart per name, a line per run, a legend of run names.
    let two = dir.path().join("two");
    let (code, stderr) =
        nntui(&["view", "--plot", two.to_str().unwrap(), keras.to_str().unwrap(), keras.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(two.join("loss.svg")).unwrap();
    let document = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let texts: Vec<&str> = document.descendants().filter_map(|n| n.text()).collect();
    assert!(texts.iter().any(|t| t.contains("keras (val)")), "the legend names the runs: {texts:?}");
    assert!(texts.iter().any(|t| t.contains("loss: 2 runs")), "{texts:?}");
    // Text falls back to a monospace family where the embedded font is not installed.
    assert!(text.contains("monospace"), "a generic family after the font's own");
    // A data file is not a run to plot.
    let (code, stderr) = nntui(&["view", "--plot", dir.path().join("no").to_str().unwrap(), &moons()]);
    assert_eq!(code, 1, "{stderr}");
}
