//! Runs as files: recorded with --log-dir, read back by `nntui view` (the table, the
//! replay), from nntui and from programs that write Keras-callback lines.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(name).to_str().unwrap().to_string()
}

fn nntui(args: &[&str]) -> (i32, String, String) {
    let output =
        Command::cargo_bin("nntui").unwrap().env_remove("NNTUI_LOG_DIR").args(args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn folders(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    found.sort();
    found
}

#[test]
fn a_recorded_run_replays_as_it_printed() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().to_str().unwrap();
    let args = ["--no-tui", "--folds", "1", "--epochs", "20", "--validation-split", "0.2", "--log-dir", logs];
    let (code, stdout, stderr) = nntui(&[&args[..], &[&data("moons.csv")]].concat());
    assert_eq!(code, 0, "{stderr}");
    let runs = folders(dir.path());
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let name = run.file_name().unwrap().to_str().unwrap();
    assert!(name.ends_with("-moons-e20-fit"), "{name}");
    let config = std::fs::read_to_string(run.join("config.json")).unwrap();
    assert!(config.contains("\"schema\": 1") && config.contains("\"epochs\": 20"), "{config}");
    let events = std::fs::read_to_string(run.join("events.jsonl")).unwrap();
    assert!(events.starts_with("{\"type\":\"run_started\",\"schema\":1,"), "{}", &events[..80]);
    assert!(events.ends_with("}\n"));
    assert!(run.join("model.json").is_file(), "a single fit keeps its model");

    let (code, replayed, replayed_err) = nntui(&["view", "--replay", run.to_str().unwrap()]);
    assert_eq!(code, 0, "{replayed_err}");
    assert_eq!(replayed, stdout, "the same results");
    assert_eq!(replayed_err, stderr, "the same epoch lines");

    // The table says the same numbers.
    let (code, table, _) = nntui(&["view", "--no-tui", logs]);
    assert_eq!(code, 0);
    let row = table.lines().nth(1).unwrap();
    assert!(row.starts_with(name) && row.contains(" done "), "{table}");
    let val_accuracy = stdout.lines().find(|l| l.starts_with("val_accuracy: ")).unwrap();
    let percent: f64 =
        val_accuracy.trim_start_matches("val_accuracy: ").trim_end_matches('%').parse().unwrap();
    assert!(row.contains(&format!("{:.4}", percent / 100.0)), "{table}\n{val_accuracy}");
}

#[test]
fn a_folder_of_runs_and_foreign_files_make_one_table() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().to_str().unwrap();
    for seed in 1..=20 {
        let seed = seed.to_string();
        let (code, _, stderr) = nntui(&[
            "--no-tui",
            "-q",
            "--folds",
            "1",
            "--epochs",
            "3",
            "--seed",
            &seed,
            "--log-dir",
            logs,
            &data("moons.csv"),
        ]);
        assert_eq!(code, 0, "{stderr}");
    }
    // A Keras callback's lines, with a NaN, a garbage line and one still being written.
    let keras = dir.path().join("keras-run");
    std::fs::create_dir(&keras).unwrap();
    std::fs::write(
        keras.join("events.jsonl"),
        "{\"epoch\": 0, \"logs\": {\"loss\": 0.7, \"val_loss\": NaN}}\ngarbage\n{\"epoch\": 1, \"logs\": {\"loss\": 0.5, \"val_loss\": 0.6}}\n{\"epoch\": 2, \"lo",
    )
    .unwrap();
    let (code, table, stderr) = nntui(&["view", "--no-tui", logs]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = table.lines().collect();
    // Seed 7 is the default, so that run's name does not mention it.
    assert_eq!(lines.iter().filter(|l| l.contains("-moons-e3-fit")).count(), 20, "{table}");
    let keras_row = lines.iter().find(|l| l.starts_with("keras-run")).unwrap();
    // Just written: running (a log that records no end is done once it stops growing).
    assert!(keras_row.contains("running") && keras_row.contains("0.6000 @2"), "{table}");
    assert!(table.contains("(1 unreadable line skipped)"), "{table}");
    // Only the seed differs between the nntui runs.
    assert!(
        lines.iter().filter(|l| l.contains("-moons-e3-fit")).all(|l| l
            .trim_end()
            .split("  ")
            .last()
            .unwrap()
            .starts_with("seed=")),
        "{table}"
    );

    let (code, json, _) = nntui(&["view", "--json", logs]);
    assert_eq!(code, 0);
    assert_eq!(json.lines().count(), 21);
    assert!(json.lines().all(|l| l.starts_with("{\"type\":\"run\"")));

    let (code, _, stderr) = nntui(&["view", "--no-tui", dir.path().join("nothing").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no such file or folder"), "{stderr}");
}

#[test]
fn files_from_before_the_schema_version_still_read() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/events-before-schema.jsonl");
    let run = nntui::runs::read::read(&fixture).unwrap();
    assert_eq!(run.skipped, 0);
    assert!(run.own);
    let events = nntui::runs::read::events(&fixture).unwrap();
    assert!(matches!(events.first(), Some(nntui::train::Event::RunStarted(info)) if info.schema == 1));
    assert_eq!(run.folds[&0].get("loss").unwrap().count, 3);
    assert!(run.summary.is_some());
    let (code, stdout, _) = nntui(&["view", "--replay", fixture.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(stdout.contains("val_accuracy: "), "{stdout}");
}

/// The comparison of several runs on ratatui's TestBackend: both charts, every run in
/// the table with the setting that differs, the cursor's keys.
#[test]
fn the_comparison_shows_runs_side_by_side() {
    use nntui::tui::compare::{Compare, CompareAction, Entry, Next};
    use nntui::tui::ui::Theme;
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().to_str().unwrap();
    for lr in ["0.001", "0.01", "0.1"] {
        let (code, _, stderr) = nntui(&[
            "--no-tui",
            "-q",
            "--folds",
            "1",
            "--epochs",
            "15",
            "--validation-split",
            "0.25",
            "--lr",
            lr,
            "--log-dir",
            logs,
            &data("moons.csv"),
        ]);
        assert_eq!(code, 0, "{stderr}");
    }
    let entries: Vec<Entry> = nntui::runs::read::discover(dir.path())
        .into_iter()
        .map(|path| {
            let mut run = nntui::runs::read::read(&path).unwrap();
            // Folder names start with the time of day: fixed names keep the snapshot stable.
            run.name = run
                .name
                .split_once('-')
                .and_then(|(_, rest)| rest.split_once('-'))
                .map_or(run.name.clone(), |(_, name)| name.to_string());
            Entry { path, run, selected: true, pinned: false, hidden: false }
        })
        .collect();
    assert_eq!(entries.len(), 3);
    let mut compare = Compare::new(entries, Theme { color: true });
    let screen = |compare: &Compare| {
        let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
        terminal.draw(|frame| frame.render_widget(compare, frame.area())).unwrap();
        terminal.backend().to_string()
    };
    let text = screen(&compare);
    assert!(text.contains("3 runs, 3 drawn"), "{text}");
    assert!(
        text.contains("loss and val_loss (dotted)") && text.contains("accuracy and val_accuracy (dotted)"),
        "{text}"
    );
    // The differing setting is a column of its own.
    assert!(text.lines().any(|l| l.contains("best val_loss lr ")), "{text}");
    for (run, lr) in [("* e15-fit", " 0.001 "), ("* lr0.01-e15-fit", " 0.01 "), ("* lr0.1-e15-fit", " 0.1 ")]
    {
        let row = text.lines().find(|l| l.contains(run)).unwrap_or_else(|| panic!("{text}"));
        assert!(row.contains(lr), "the differing setting {lr}: {text}");
    }
    insta::assert_snapshot!("compare_120x40", text);
    compare.apply(CompareAction::ToggleSelected);
    assert!(screen(&compare).contains("3 runs, 2 drawn"));
    // Sort by val_loss, the second value column.
    for _ in 0..5 {
        compare.apply(CompareAction::NextSort);
    }
    assert!(screen(&compare).contains("sorted by val_loss"));
    let opened = compare.apply(CompareAction::Open);
    assert!(
        matches!(opened, Next::Open(p) if p.ends_with("events.jsonl")),
        "nntui's runs open on the full dashboard"
    );
}

#[test]
fn csv_logs_of_keras_and_lightning_are_runs_and_data_files_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let keras = dir.path().join("keras_log.csv");
    std::fs::write(&keras, "epoch,accuracy,loss,val_accuracy,val_loss\n0,0.5,0.7,0.55,0.69\n1,0.6,0.6,NA,0.65\n2,0.7,0.5,0.7,0.6\n").unwrap();
    let lightning = dir.path().join("lightning_logs/version_0");
    std::fs::create_dir_all(&lightning).unwrap();
    std::fs::write(
        lightning.join("metrics.csv"),
        "epoch,step,train_loss_step,train_loss_epoch,val_loss,val_acc\n0,49,0.9,,,\n0,99,0.8,,,\n0,99,,,0.7,0.6\n0,99,,0.85,,\n1,149,0.6,,,\n1,199,0.5,,,\n1,199,,,0.5,0.8\n1,199,,0.55,,\n",
    )
    .unwrap();
    // A data file beside them is not a run.
    std::fs::write(dir.path().join("data.csv"), "x,y,label\n1,2,0\n").unwrap();
    let (code, table, stderr) = nntui(&["view", "--no-tui", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let keras_row = table.lines().find(|l| l.starts_with("keras_log")).unwrap_or_else(|| panic!("{table}"));
    assert!(keras_row.contains(" 3 ") && keras_row.contains("0.6000 @3"), "epochs from 1: {table}");
    let lightning_row =
        table.lines().find(|l| l.starts_with("version_0")).unwrap_or_else(|| panic!("{table}"));
    assert!(lightning_row.contains("0.5000 @2"), "{table}");
    assert!(table.contains("version_0: per-step values not shown as epochs: train_loss_step"), "{table}");
    assert!(!table.contains("data"), "{table}");
    let (code, json, _) = nntui(&["view", "--json", keras.to_str().unwrap()]);
    assert_eq!(code, 0);
    let row: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(row["last"]["val_accuracy"], 0.7);
    assert_eq!(row["epochs"], 3);
    // A data CSV and a binary file named directly are refused.
    let garbage = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/garbage.bin");
    for (file, why) in [
        (data("moons.csv"), "not a training log: a CSV log has an epoch or step column"),
        (garbage.to_string_lossy().into_owned(), "not a training log"),
    ] {
        let (code, _, stderr) = nntui(&["view", "--no-tui", &file]);
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains(why), "{stderr}");
    }
}

#[test]
fn a_log_whose_last_loss_is_not_finite_is_diverged() {
    let dir = tempfile::tempdir().unwrap();
    let lines = dir.path().join("nan.jsonl");
    std::fs::write(
        &lines,
        "{\"epoch\": 0, \"logs\": {\"loss\": 0.7}}\n{\"epoch\": 1, \"logs\": {\"loss\": NaN}}\n",
    )
    .unwrap();
    let csv = dir.path().join("inf.csv");
    std::fs::write(&csv, "epoch,loss\n0,0.5\n1,inf\n").unwrap();
    for file in [lines, csv] {
        let (code, table, stderr) = nntui(&["view", "--no-tui", file.to_str().unwrap()]);
        assert_eq!(code, 0, "{stderr}");
        assert!(table.lines().nth(1).unwrap().contains("diverged"), "{table}");
    }
}

/// A run whose loss became NaN is `diverged`: its last loss shows as NaN (`null` in
/// JSON) with the last finite value beside it, in the table, in JSON and in replay.
#[test]
fn a_diverged_foreign_run_shows_its_nan_and_its_last_finite_loss() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keras.jsonl");
    std::fs::write(
        &path,
        concat!(
            "{\"epoch\": 0, \"logs\": {\"loss\": 0.7, \"accuracy\": 0.5}}\n",
            "{\"epoch\": 1, \"logs\": {\"loss\": 0.52, \"accuracy\": 0.6}}\n",
            "{\"epoch\": 2, \"logs\": {\"loss\": NaN, \"accuracy\": 0.1}}\n"
        ),
    )
    .unwrap();
    let file = path.to_str().unwrap();
    let (code, stdout, _) = nntui(&["view", "--no-tui", file]);
    assert_eq!(code, 0);
    assert!(stdout.contains("diverged") && stdout.contains("NaN (0.5200)"), "{stdout}");
    let (_, json, _) = nntui(&["view", "--json", file]);
    let row: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(row["state"], "diverged");
    assert!(row["last"]["loss"].is_null());
    assert_eq!(row["last_finite"]["loss"], 0.52);
    assert_eq!(row["epochs"], 3);
    let (_, replay, _) = nntui(&["view", "--replay", file]);
    assert!(replay.ends_with("Epoch 3\naccuracy: 0.1000 - loss: NaN\n"), "{replay}");
}

/// A long log costs the points kept, not the lines read: 300,000 epochs of three
/// series hold at most 1,024 points each, with the count, last and best exact.
#[test]
fn a_long_log_is_read_into_bounded_memory_with_exact_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.jsonl");
    let mut text = String::new();
    for epoch in 0..300_000u32 {
        let loss = 1.0 / f64::from(epoch + 1) + if epoch == 123_456 { -0.5 } else { 0.0 };
        text.push_str(&format!(
            "{{\"epoch\": {epoch}, \"logs\": {{\"loss\": {loss}, \"val_loss\": {}, \"accuracy\": 0.5}}}}\n",
            loss + 0.1
        ));
    }
    std::fs::write(&path, text).unwrap();
    let run = nntui::runs::read::read(&path).unwrap();
    assert!(run.held() <= 3 * nntui::series::store::CAPACITY, "{} points held", run.held());
    let fold = &run.folds[&0];
    let loss = fold.get("loss").unwrap();
    assert_eq!(loss.count, 300_000);
    assert_eq!(fold.best("loss", None), Some((1.0 / 123_457.0 - 0.5, 123_457.0)), "the best, though thinned");
    assert_eq!(loss.last.map(|p| (p.step, p.value)), Some((300_000.0, 1.0 / 300_000.0)));
    let (code, json, _) = nntui(&["view", "--json", path.to_str().unwrap()]);
    assert_eq!(code, 0);
    let row: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(row["epochs"], 300_000);
    assert_eq!(row["best_val_loss"][1], 123_457);
}
