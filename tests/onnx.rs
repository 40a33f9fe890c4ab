//! `nntui export`: the ONNX graph gives what `nntui predict` gives, run here with tract
//! (a pure-Rust ONNX runtime) on the CSV's raw cells: every layer kind and activation,
//! categories (missing, unseen), missing numbers, standardization, the target's scale,
//! series windows. `tests/onnx/check_onnxruntime.py` does the same with onnxruntime.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use tract_onnx::prelude::*;

fn nntui() -> Command {
    Command::cargo_bin("nntui").unwrap()
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data").join(name)
}

/// Trains with `args` (then `--save-model`) and exports; the model and the graph.
fn train_and_export(dir: &Path, name: &str, args: &[&str], export: &[&str]) -> (PathBuf, PathBuf) {
    let model = dir.join(format!("{name}.json"));
    let graph = dir.join(format!("{name}.onnx"));
    let epochs: &[&str] = if args.contains(&"--epochs") { &[] } else { &["--epochs", "4"] };
    let out = nntui()
        .args(args)
        .args(epochs)
        .args(["--no-tui", "-q", "--save-model"])
        .arg(&model)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = nntui().args(["export", "--model"]).arg(&model).args(export).arg(&graph).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (model, graph)
}

/// `nntui predict` (with `--proba` for classes) as rows of cells, header dropped.
fn predict(model: &Path, file: &Path, classes: bool) -> Vec<Vec<String>> {
    let mut command = nntui();
    command.args(["predict", "--model"]).arg(model).arg(file);
    if classes {
        command.arg("--proba");
    }
    let out = command.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines().skip(1).map(|l| l.split(',').map(String::from).collect()).collect()
}

/// The graph's inputs, in its order.
enum Input {
    Floats(Vec<usize>, Vec<f32>),
    Strings(Vec<usize>, Vec<String>),
}

fn run(graph: &Path, inputs: Vec<Input>) -> TVec<TValue> {
    let mut model = tract_onnx::onnx().model_for_path(graph).unwrap();
    let mut values = TVec::new();
    for (index, input) in inputs.into_iter().enumerate() {
        let tensor = match input {
            Input::Floats(shape, cells) => {
                tract_ndarray::ArrayD::from_shape_vec(shape, cells).unwrap().into_tensor()
            }
            Input::Strings(shape, cells) => {
                tract_ndarray::ArrayD::from_shape_vec(shape, cells).unwrap().into_tensor()
            }
        };
        model = model
            .with_input_fact(index, InferenceFact::dt_shape(tensor.datum_type(), tensor.shape()))
            .unwrap();
        values.push(tensor.into_tvalue());
    }
    model.into_optimized().unwrap().into_runnable().unwrap().run(values).unwrap()
}

/// The file's header and rows.
fn read_csv(file: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(file).unwrap();
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    (header, rows)
}

fn number(cell: &str) -> f32 {
    let cell = cell.trim();
    if ["", "NA", "N/A", "NaN", "null", "?"].iter().any(|m| m.eq_ignore_ascii_case(cell)) {
        f32::NAN
    } else {
        cell.parse().unwrap()
    }
}

/// One input per column, as the model's inputs name them: numbers `[N, 1]` (NaN for
/// a missing cell), categories as written (empty when missing).
fn column_inputs(file: &Path, columns: &[(&str, bool)]) -> Vec<Input> {
    let (header, rows) = read_csv(file);
    columns
        .iter()
        .map(|&(name, category)| {
            let at = header.iter().position(|h| h == name).unwrap();
            let cells = rows.iter().map(|r| r[at].trim().to_string());
            if category {
                Input::Strings(vec![rows.len(), 1], cells.collect())
            } else {
                Input::Floats(vec![rows.len(), 1], cells.map(|c| number(&c)).collect())
            }
        })
        .collect()
}

/// Every row's probabilities agree to 1e-5 relative (1e-6 absolute near zero), and the
/// labels are the same.
fn assert_classes_agree(outputs: &TVec<TValue>, predicted: &[Vec<String>]) {
    let probabilities = outputs[0].to_array_view::<f32>().unwrap();
    let labels = outputs[1].to_array_view::<String>().unwrap();
    assert_eq!(probabilities.shape()[0], predicted.len());
    for (row, line) in predicted.iter().enumerate() {
        assert_eq!(labels[[row]], line[0], "row {row}");
        for (class, cell) in line[1..].iter().enumerate() {
            let want: f32 = cell.parse().unwrap();
            let have = probabilities[[row, class]];
            assert!(
                (have - want).abs() <= 1e-5 * want.abs() + 1e-6,
                "row {row} class {class}: {have} vs {want}"
            );
        }
    }
}

fn assert_values_agree(outputs: &TVec<TValue>, predicted: &[Vec<String>]) {
    let values = outputs[0].to_array_view::<f32>().unwrap();
    assert_eq!(values.shape(), &[predicted.len(), 1]);
    for (row, line) in predicted.iter().enumerate() {
        let want: f32 = line.last().unwrap().parse().unwrap();
        let have = values[[row, 0]];
        assert!((have - want).abs() <= 1e-5 * want.abs() + 1e-5, "row {row}: {have} vs {want}");
    }
}

#[test]
fn categories_missing_cells_and_standardization_run_as_predict_does() {
    let dir = tempfile::tempdir().unwrap();
    // The penguins-like file, with rows that have an unseen island, missing numbers and
    // missing or unknown categories added.
    let file = dir.path().join("penguins.csv");
    let mut text = std::fs::read_to_string(data("mixed.csv")).unwrap();
    text.push_str("P9001,Atlantis,44,,200,4000,NA,Adelie\nP9002,,44,17,,4000,?,Adelie\nP9003,Dream,44,17,200,4000,unknown,Gentoo\n");
    std::fs::write(&file, text).unwrap();
    let (model, graph) = train_and_export(
        dir.path(),
        "penguins",
        &[
            data("mixed.csv").to_str().unwrap(),
            "--ignore-col",
            "id",
            "--standardize",
            "--layers",
            "12:relu,8:tanh",
        ],
        &[],
    );
    let columns = [
        ("island", true),
        ("bill_length_mm", false),
        ("bill_depth_mm", false),
        ("flipper_length_mm", false),
        ("body_mass_g", false),
        ("sex", true),
    ];
    let outputs = run(&graph, column_inputs(&file, &columns));
    assert_classes_agree(&outputs, &predict(&model, &file, true));
}

#[test]
fn a_one_unit_sigmoid_gives_both_probabilities_and_single_input_takes_one_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let moons = data("moons.csv");
    let (_, rows) = read_csv(&moons);
    let cells: Vec<f32> = rows.iter().flat_map(|r| [number(&r[0]), number(&r[1])]).collect();
    // Trained until the outputs differ from row to row: every activation is exercised.
    for (name, layers) in [
        ("moons_a", "16:leaky_relu,8:elu,8:selu"),
        ("moons_b", "16:softplus,8:softsign,8:hard_sigmoid,4:linear"),
        ("moons_c", "16:gelu,8:silu,8:mish"),
    ] {
        let (model, graph) = train_and_export(
            dir.path(),
            name,
            &[
                moons.to_str().unwrap(),
                "--layers",
                layers,
                "--optimizer",
                "adam",
                "--lr",
                "0.01",
                "--epochs",
                "15",
            ],
            &["--single-input"],
        );
        let outputs = run(&graph, vec![Input::Floats(vec![rows.len(), 2], cells.clone())]);
        assert_eq!(outputs[0].shape(), &[rows.len(), 2]);
        let predicted = predict(&model, &moons, true);
        assert!(predicted.iter().any(|r| r[0] == "upper") && predicted.iter().any(|r| r[0] == "lower"));
        assert_classes_agree(&outputs, &predicted);
    }
}

#[test]
fn convolutions_pooling_and_rescaling_on_images() {
    let dir = tempfile::tempdir().unwrap();
    let strokes = data("strokes.csv");
    let (_, rows) = read_csv(&strokes);
    let cells: Vec<f32> = rows.iter().flat_map(|r| r[..64].iter().map(|c| number(c))).collect();
    for (name, layers) in [
        (
            "strokes",
            "rescaling:0.0039:-0.5,conv2d:4:3x3:relu:same,maxpool2d:2x2,conv2d:3:2x3:tanh,dropout:0.2,flatten,dense:6:sigmoid",
        ),
        // Average and global max pooling, and Dense on the image's last axis.
        (
            "strokes_avg",
            "rescaling:0.0039,conv2d:4:3x3:gelu:same,layernorm,avgpool2d:2x2,dense:6:silu,globalmaxpool,8:mish",
        ),
        // Batch normalization with its moving statistics, over positions and flat rows.
        (
            "strokes_batchnorm",
            "rescaling:0.0039,conv2d:4:3x3:relu,batchnorm,maxpool2d:2x2,flatten,8:tanh,batchnorm",
        ),
    ] {
        let (model, graph) = train_and_export(
            dir.path(),
            name,
            &[strokes.to_str().unwrap(), "--input-shape", "8x8x1", "--layers", layers],
            &["--single-input"],
        );
        let outputs = run(&graph, vec![Input::Floats(vec![rows.len(), 64], cells.clone())]);
        assert_classes_agree(&outputs, &predict(&model, &strokes, true));
    }
}

#[test]
fn embeddings_gather_the_codes_rows() {
    let dir = tempfile::tempdir().unwrap();
    let codes = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/keras_reference/codes.csv");
    let (_, rows) = read_csv(&codes);
    let cells: Vec<f32> = rows.iter().flat_map(|r| r[..6].iter().map(|c| number(c))).collect();
    for (name, layers) in
        [("codes_lstm", "embedding:10:3,lstm:4"), ("codes_flat", "embedding:10:2,flatten,4:tanh")]
    {
        let (model, graph) = train_and_export(
            dir.path(),
            name,
            &[codes.to_str().unwrap(), "--layers", layers, "--optimizer", "adam", "--lr", "0.01"],
            &["--single-input"],
        );
        let outputs = run(&graph, vec![Input::Floats(vec![rows.len(), 6], cells.clone())]);
        assert_classes_agree(&outputs, &predict(&model, &codes, true));
    }
}

#[test]
fn a_regression_gives_values_in_the_label_units() {
    let dir = tempfile::tempdir().unwrap();
    let sine = data("sine.csv");
    let (model, graph) =
        train_and_export(dir.path(), "sine", &[sine.to_str().unwrap(), "--layers", "8:tanh,8:relu"], &[]);
    let outputs = run(&graph, column_inputs(&sine, &[("x", false)]));
    assert_values_agree(&outputs, &predict(&model, &sine, false));
}

/// A series of two columns: `temp` and the label `load`.
fn series(dir: &Path) -> PathBuf {
    let path = dir.join("series.csv");
    let mut text = String::from("temp,load\n");
    for i in 0..120 {
        let t = f64::from(i);
        text.push_str(&format!(
            "{:.4},{:.4}\n",
            (t / 7.0).sin(),
            (t / 11.0).cos() * 3.0 + (t * 0.37).sin() * 0.2
        ));
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// The windows of the series as the graph takes them: `[N, steps, (temp, load)]`.
fn windows(file: &Path, size: usize) -> Input {
    let (_, rows) = read_csv(file);
    let count = rows.len() - size + 1;
    let cells = (0..count)
        .flat_map(|s| rows[s..s + size].iter().flat_map(|r| [number(&r[0]), number(&r[1])]))
        .collect();
    Input::Floats(vec![count, size, 2], cells)
}

#[test]
fn recurrent_layers_on_windows_of_a_series() {
    let dir = tempfile::tempdir().unwrap();
    let file = series(dir.path());
    for (name, layers) in [
        ("stacked", "lstm:6:seq,gru:5:seq,simplernn:4"),
        ("gru", "gru:6"),
        ("lstm_flat", "lstm:4:seq,flatten,dense:4:relu"),
        ("conv", "conv1d:4:3:relu:same,maxpool1d:2,conv1d:3:2,globalavgpool"),
        // Dense on every step, between recurrent layers (time-major there) and after
        // average pooling; global max pooling.
        ("dense_steps", "lstm:5:seq,layernorm,dense:3:tanh,gru:4"),
        ("avg", "conv1d:4:2:gelu,avgpool1d:2,dense:3:silu,globalmaxpool,layernorm"),
        // Bidirectional: every step's two states, then the last ones.
        ("bidirectional", "bilstm:3:seq,bigru:2"),
        ("bidirectional_simple", "gru:3:seq,bisimplernn:2:seq,flatten"),
        // Batch normalization of the raw steps and between time-major recurrent layers.
        ("batchnorm_steps", "batchnorm,lstm:4:seq,batchnorm,gru:3"),
    ] {
        let (model, graph) = train_and_export(
            dir.path(),
            name,
            &[file.to_str().unwrap(), "--label-col", "load", "--window", "6", "--layers", layers],
            &[],
        );
        let outputs = run(&graph, vec![windows(&file, 6)]);
        assert_values_agree(&outputs, &predict(&model, &file, false));
    }
}

/// Classes on windows of a series (will next year's sunspot number rise?): each step's
/// value, then the past class as its index (`no` 0, `yes` 1).
#[test]
fn classes_on_windows_of_a_series() {
    let dir = tempfile::tempdir().unwrap();
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sunspots.csv");
    let (model, graph) = train_and_export(
        dir.path(),
        "rise",
        &[
            file.to_str().unwrap(),
            "--ignore-col",
            "year",
            "--window",
            "10",
            "--standardize",
            "--layers",
            "gru:4",
        ],
        &[],
    );
    let (_, rows) = read_csv(&file);
    let steps: Vec<[f32; 2]> =
        rows.iter().map(|r| [number(&r[1]), f32::from(u8::from(r[2] == "yes"))]).collect();
    let count = steps.len() - 10 + 1;
    let cells: Vec<f32> = (0..count).flat_map(|s| steps[s..s + 10].iter().flatten().copied()).collect();
    let outputs = run(&graph, vec![Input::Floats(vec![count, 10, 2], cells)]);
    // predict names each window by the row it predicts: left out here.
    let predicted: Vec<Vec<String>> =
        predict(&model, &file, true).into_iter().map(|r| r[1..].to_vec()).collect();
    assert_classes_agree(&outputs, &predicted);
}

#[test]
fn refusals_are_one_line_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (model, _) =
        train_and_export(dir.path(), "m", &[data("mixed.csv").to_str().unwrap(), "--ignore-col", "id"], &[]);
    let out = nntui()
        .args(["export", "--single-input", "--model"])
        .arg(&model)
        .arg(dir.path().join("x.onnx"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("--single-input takes numbers only, and the column \"island\" holds categories"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let out = nntui().args(["export", "--model", "nowhere.json", "x.onnx"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr).unwrap().contains("nowhere.json: no such file"));
}

#[test]
fn training_writes_the_graph_with_its_command() {
    let dir = tempfile::tempdir().unwrap();
    let graph = dir.path().join("moons.onnx");
    let out = nntui()
        .arg(data("moons.csv"))
        .args(["--no-tui", "--epochs", "3", "--folds", "3", "--export-onnx"])
        .arg(&graph)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("refitting on all 400 rows for --export-onnx"), "{stderr}");
    assert!(stderr.contains("saved "), "{stderr}");
    let bytes = std::fs::read(&graph).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("nntui.command") && text.contains("--export-onnx"),
        "the command is in the metadata"
    );
    // Loadable and runnable.
    let outputs =
        run(&graph, vec![Input::Floats(vec![1, 1], vec![0.5]), Input::Floats(vec![1, 1], vec![0.25])]);
    assert_eq!(outputs[0].shape(), &[1, 2]);
}
