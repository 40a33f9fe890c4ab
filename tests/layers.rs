//! The layer stack through the command line and the library (issue 11): `--input-shape`,
//! `--layers` in Keras's names, shape errors, a CNN against a Dense network on the
//! bundled stroke images, the summary, `--json`'s layer description, saved models, and
//! the same numbers on one thread or two when batches are split.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails loudly where its set-up does

mod common;

use common::{data, file_with, run};
use nntui::data::{CsvOptions, load};
use nntui::model_file::ModelFile;
use nntui::train::{self, Plan, RunConfig};

const CNN: &str = "rescaling:0.0039,conv2d:16:3x3:relu,maxpool2d:2x2,flatten,32:relu";

/// The CV line's mean accuracy (`87.67% (+/- 1.93%)` -> 87.67).
fn cv_accuracy(stdout: &str) -> f64 {
    let line = stdout.lines().last().unwrap();
    line.split('%').next().unwrap().trim().parse().unwrap()
}

fn strokes(layers: &str, extra: &[&str]) -> common::Output {
    let file = data("strokes.csv");
    let mut args = vec![
        "--no-tui",
        "-q",
        "--input-shape",
        "8x8x1",
        "--layers",
        layers,
        "--init",
        "glorot_uniform",
        "--epochs",
        "40",
        "--batch-size",
        "32",
        "--folds",
        "5",
        file.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn a_cnn_learns_the_stroke_images_far_better_than_a_dense_network_of_its_size() {
    let cnn = strokes(CNN, &[]);
    assert_eq!(cnn.code, 0, "{}", cnn.stderr);
    // About as many weights: 4,932 for the CNN, 4,420 for the Dense network.
    let dense = strokes("rescaling:0.0039,flatten,64:relu", &[]);
    assert_eq!(dense.code, 0, "{}", dense.stderr);
    let (cnn, dense) = (cv_accuracy(&cnn.stdout), cv_accuracy(&dense.stdout));
    assert!(cnn > 80.0 && cnn > dense + 20.0, "CNN {cnn}% against Dense {dense}%");
}

#[test]
fn the_summary_is_keras_table_with_output_shapes() {
    let file = data("strokes.csv");
    let out = run(&[
        "--no-tui",
        "--folds",
        "1",
        "--epochs",
        "1",
        "--input-shape",
        "8x8x1",
        "--layers",
        CNN,
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let table = [
        " Layer (type)                  Output Shape              Param #",
        " rescaling (Rescaling)         (None, 8, 8, 1)           0",
        " conv2d (Conv2D, relu)         (None, 6, 6, 16)          160",
        " max_pooling2d (MaxPooling2D)  (None, 3, 3, 16)          0",
        " flatten (Flatten)             (None, 144)               0",
        " dense (Dense, relu)           (None, 32)                4640",
        " dense_1 (Dense, softmax)      (None, 4)                 132",
        "Total params: 4932",
    ];
    for line in table {
        assert!(out.stderr.lines().any(|l| l == line), "{line}\n{}", out.stderr);
    }
}

#[test]
fn shape_mistakes_are_usage_errors_naming_both_shapes() {
    let file = data("strokes.csv");
    let file = file.to_str().unwrap();
    let cases: [(&[&str], &str); 6] = [
        (
            &["--input-shape", "8x9x1", "--layers", "flatten"],
            "nntui: --input-shape: 8x9x1 holds 72 values per row, but the data has 64 features",
        ),
        (
            &["--input-shape", "8x8x1", "--layers", "flatten,conv2d:4:3x3"],
            "nntui: --layers: layer 2 (conv2d:4:3x3:linear) cannot follow shape (None, 64): conv2d needs an image (HxWxC or HxW; give --input-shape)",
        ),
        (
            &["--input-shape", "8x8x1", "--layers", "conv2d:4:9x9,flatten"],
            "nntui: --layers: layer 1 (conv2d:4:9x9:linear) cannot follow shape (None, 8, 8, 1): the 9x9 kernel is larger than the 8x8 input",
        ),
        (
            &["--input-shape", "8x8x1", "--layers", "conv2d:4:3x3:relu"],
            "nntui: --layers: the output layer (4:softmax) gives (None, 6, 6, 4) per row, where a prediction is one flat row: put flatten, globalavgpool or a recurrent layer without :seq before it",
        ),
        (&["--layers", "conv2d:4:3x3:relu,flatten"], "cannot follow shape (None, 64): conv2d needs an image"),
        (
            &["--layers", "12:relu,maxpool2d:2"],
            "layer 2 ('maxpool2d:2'): expected the pool size as 2x2, got '2'",
        ),
    ];
    for (args, expected) in cases {
        let mut all = vec!["--no-tui", "-q"];
        all.extend_from_slice(args);
        all.push(file);
        let out = run(&all);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        // One line (clap adds its usage hint under its own errors).
        let first = out.stderr.lines().next().unwrap();
        assert!(first.contains(expected), "{args:?}:\n{}\nexpected {expected}", out.stderr);
    }
}

#[test]
fn json_run_started_describes_every_layer() {
    let file = data("strokes.csv");
    let out = run(&[
        "--no-tui",
        "--json",
        "--folds",
        "1",
        "--epochs",
        "1",
        "--input-shape",
        "8x8x1",
        "--layers",
        "conv2d:16:3x3:relu:same,maxpool2d:2x2,dropout:0.25,globalavgpool",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let started: serde_json::Value = serde_json::from_str(out.stdout.lines().next().unwrap()).unwrap();
    let model = &started["model"];
    assert_eq!(model["input_shape"], serde_json::json!([8, 8, 1]));
    let layers = model["layers"].as_array().unwrap();
    let described: Vec<(String, String, serde_json::Value, u64)> = layers
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap().to_string(),
                l["name"].as_str().unwrap().to_string(),
                l["output_shape"].clone(),
                l["parameters"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("conv2d", "conv2d", serde_json::json!([8, 8, 16]), 160),
        ("maxpool2d", "max_pooling2d", serde_json::json!([4, 4, 16]), 0),
        ("dropout", "dropout", serde_json::json!([4, 4, 16]), 0),
        ("globalavgpool", "global_average_pooling2d", serde_json::json!([16]), 0),
        ("dense", "dense", serde_json::json!([4]), 68),
    ];
    let expected: Vec<(String, String, serde_json::Value, u64)> =
        expected.into_iter().map(|(k, n, s, p)| (k.to_string(), n.to_string(), s, p)).collect();
    assert_eq!(described, expected);
    assert_eq!(layers[0]["input_shape"], serde_json::json!([8, 8, 1]));
    assert_eq!(layers[0]["activation"], "relu");
    // The config spells the stack as --layers does.
    assert_eq!(started["config"]["input_shape"], serde_json::json!([8, 8, 1]));
    assert_eq!(started["config"]["hidden"][0]["kind"], "conv2d");
}

#[test]
fn a_saved_cnn_predicts_as_the_model_in_memory() {
    let file = data("strokes.csv");
    let options = CsvOptions::default();
    let dataset = std::sync::Arc::new(load(&file, &options).unwrap());
    let config = RunConfig {
        folds: 1,
        epochs: 5,
        batch_size: 32,
        input_shape: Some(vec![8, 8, 1]),
        hidden: nntui::cli::parse_layers(
            "rescaling:0.0039,conv2d:8:3x3:relu:same,maxpool2d:2x2,dropout:0.2,flatten,16:relu",
        )
        .unwrap()
        .0,
        ..RunConfig::default()
    };
    let handle = train::spawn(Plan::new(config, &dataset).unwrap(), dataset.clone());
    for _ in &handle.events {}
    let trained = handle.join().unwrap().model.unwrap();
    let in_memory = trained.predict(&dataset.features, dataset.task);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cnn.json");
    ModelFile::new(&trained, &dataset).save(&path).unwrap();
    let loaded = ModelFile::load(&path).unwrap();
    assert_eq!(loaded.version, nntui::model_file::VERSION_LAYERS);
    assert_eq!(loaded.trained().predict(&dataset.features, dataset.task), in_memory);

    // Through the command line: `predict` prints one class per row, the same ones.
    let out = run(&["predict", "--model", path.to_str().unwrap(), file.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let printed: Vec<&str> = out.stdout.lines().skip(1).collect();
    assert_eq!(printed.len(), in_memory.len());
    for (line, prediction) in printed.iter().zip(&in_memory) {
        let nntui::model_file::Prediction::Class { class, .. } = prediction else { panic!("a class") };
        assert!(line.starts_with(&format!("{},", dataset.class_names[*class])), "{line} vs {prediction:?}");
    }

    // A hand-edited stack whose shapes no longer fit is refused when loading.
    let text = std::fs::read_to_string(&path).unwrap().replacen(
        "\"input_shape\": [\n    8,",
        "\"input_shape\": [\n    4,",
        1,
    );
    let (_d, bad) = file_with("bad.json", text.as_bytes());
    let error = ModelFile::load(&bad).unwrap_err().to_string();
    assert!(error.contains("input shape"), "{error}");
}

#[test]
fn split_batches_give_the_same_numbers_on_one_thread_or_two() {
    // 64 x 64 reaches the GEMM, so batches of 64 are split in two parts; with dropout.
    // The second network has over 32,768 weights, so that on two threads the parts'
    // gradients are summed, and Adam's update applied, in chunks on both.
    let file = data("strokes.csv");
    for layers in ["64:relu,dropout:0.3,64:relu", "256:relu,dropout:0.3,128:relu"] {
        let fit = |threads: &str| {
            let flags = format!(
                "--no-tui -q --folds 1 --epochs 3 --batch-size 64 --validation-split 0.2 --layers {layers} --threads {threads}"
            );
            let mut args: Vec<&str> = flags.split_whitespace().collect();
            args.push(file.to_str().unwrap());
            let out = run(&args);
            assert_eq!(out.code, 0, "{}", out.stderr);
            out.stdout
        };
        assert_eq!(fit("1"), fit("2"), "{layers}");
    }
}

#[test]
fn dropout_sets_every_dropout_rate_and_tune_searches_it() {
    let file = data("strokes.csv");
    let file = file.to_str().unwrap();
    let base = ["--no-tui", "-q", "--folds", "1", "--epochs", "2", "--seed", "3"];
    let with = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        args.push(file);
        run(&args)
    };
    let set = with(&["--layers", "32:relu,dropout:0.1,16:relu,dropout:0.1", "--dropout", "0.4"]);
    let spelled = with(&["--layers", "32:relu,dropout:0.4,16:relu,dropout:0.4"]);
    assert_eq!(set.code, 0, "{}", set.stderr);
    assert_eq!(set.stdout, spelled.stdout);
    let none = with(&["--layers", "32:relu", "--dropout", "0.4"]);
    assert_eq!(none.code, 2);
    assert!(
        none.stderr.contains("--dropout sets the rate of the dropout layers in --layers"),
        "{}",
        none.stderr
    );

    let tuned = run(&[
        "tune",
        file,
        "--layers",
        "32:relu,dropout:0.1",
        "--dropout",
        "0.1..0.6",
        "--trials",
        "2",
        "--epochs",
        "2",
        "--folds",
        "2",
    ]);
    assert_eq!(tuned.code, 0, "{}", tuned.stderr);
    assert!(tuned.stdout.contains("--dropout"), "{}", tuned.stdout);
}

/// Every activation against Keras 3's own (tests/keras_reference/make_activation_table.py):
/// values in float32 and the backward pass (from the activations, and the pre-activations
/// where gelu, silu and mish need them) against JAX's
/// autodiff through Keras's function, on both sides of each kink and far out.
#[test]
fn activations_agree_with_keras_forward_and_backward() {
    use nntui::nn::Activation;
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keras_reference/activations.json");
    let table: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // The table holds float32 values written as JSON's doubles: back to float32 exactly.
    #[allow(clippy::cast_possible_truncation, reason = "the values were float32")]
    let numbers = |v: &serde_json::Value| -> Vec<f32> {
        v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
    };
    let z = numbers(&table["z"]);
    let upstream = numbers(&table["upstream"]);
    let names = table["activations"].as_object().unwrap();
    assert_eq!(names.len(), 13);
    for (name, reference) in names {
        let activation: Activation = name.parse().unwrap();
        let mut values = z.clone();
        activation.forward(&mut values, 1);
        let mut gradient = upstream.clone();
        activation.backward(&z, &values, &mut gradient, 1);
        for (what, ours, keras) in [
            ("value", &values, numbers(&reference["values"])),
            ("gradient", &gradient, numbers(&reference["gradient"])),
        ] {
            for ((o, k), z) in ours.iter().zip(&keras).zip(&z) {
                assert!(
                    (o - k).abs() <= 2e-6 * k.abs().max(1.0),
                    "{name} {what} at {z}: nntui {o}, Keras {k}"
                );
            }
        }
    }
}

/// Embeddings read integer codes: anything else is refused with the feature and row,
/// before training and before predicting, and so are `--standardize` and an embedding
/// that is not first; an embedding learns a rule of codes that Dense layers cannot.
#[test]
fn embeddings_read_codes_and_refuse_anything_else() {
    let codes = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keras_reference/codes.csv");
    let codes = codes.to_str().unwrap();
    let refusals: [(&[&str], &str); 4] = [
        (
            &["--layers", "embedding:10:3,flatten", "--standardize"],
            "nntui: --standardize: would turn the integer codes embedding:10:3 reads into other numbers; leave it out",
        ),
        (
            &["--layers", "embedding:5:3,flatten"],
            "nntui: --layers: feature \"c1\" holds 6 in row 1, and embedding:5:3 reads whole codes from 0 to 4",
        ),
        (&["--layers", "4:relu,embedding:10:3"], "must be the first layer"),
        (&["--layers", "embedding:10"], "expected embedding:VOCAB:DIM"),
    ];
    for (args, expected) in refusals {
        let mut all = vec!["--no-tui", "-q", codes];
        all.extend_from_slice(args);
        let out = run(&all);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "{args:?}:\n{}\nexpected {expected}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    }
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("codes.json");
    let out = run(&[
        "--no-tui",
        "-q",
        codes,
        "--layers",
        "embedding:10:4,flatten,8:tanh",
        "--optimizer",
        "adam",
        "--lr",
        "0.01",
        "--epochs",
        "30",
        "--folds",
        "1",
        "--save-model",
        model.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The label depends on which codes a row holds: an embedding learns it, a Dense
    // network reading the codes as magnitudes does not (4-fold CV).
    let cv = |layers: &str| {
        let out = run(&[
            "--no-tui",
            "-q",
            codes,
            "--layers",
            layers,
            "--optimizer",
            "adam",
            "--lr",
            "0.01",
            "--epochs",
            "30",
            "--folds",
            "4",
        ]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        cv_accuracy(&out.stdout)
    };
    let (embedded, dense) = (cv("embedding:10:4,flatten,8:tanh"), cv("16:tanh,8:tanh"));
    assert!(embedded > 95.0 && dense < 75.0, "embedding {embedded}%, Dense {dense}%");
    let (_dir, bad) = file_with("bad.csv", b"c1,c2,c3,c4,c5,c6,label\n1,2,3,4,5,6,no\n1,2,3,10,5,6,no\n");
    let predicted = run(&["predict", "--model", model.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(predicted.code, 1, "{}", predicted.stderr);
    assert!(
        predicted
            .stderr
            .contains("feature \"c4\" holds 10 in row 2, and embedding:10:4 reads whole codes from 0 to 9"),
        "{}",
        predicted.stderr
    );
}

/// A batch normalization first standardizes raw features of any scale: on values near
/// 5e6 it trains (its moving variance near 4e12 is the data's, not an exploded weight)
/// and the warning that such values saturate the network is not given; without it,
/// the same data is warned about.
#[test]
fn batch_normalization_first_takes_raw_features_of_any_scale() {
    let mut text = String::from("a,b,label\n");
    for i in 0..300u32 {
        let a = 5e6 + 2e6 * (f64::from(i) * 0.7).sin();
        text.push_str(&format!("{a:.1},{:.4},{}\n", (f64::from(i) * 1.3).cos(), u8::from(a > 5e6)));
    }
    let (_dir, path) = file_with("big.csv", text.as_bytes());
    let fit = |layers: &str| {
        let file = path.to_str().unwrap();
        let args = ["--no-tui", "--layers", layers, "--epochs", "20", "--optimizer", "adam", "--lr", "0.01"];
        run(&[&args[..], &["--folds", "1", "--validation-split", "0.2", file]].concat())
    };
    let normalized = fit("batchnorm,8:relu");
    assert_eq!(normalized.code, 0, "{}", normalized.stderr);
    assert!(!normalized.stderr.contains("saturate"), "{}", normalized.stderr);
    let accuracy = normalized.stdout.lines().find(|l| l.starts_with("val_accuracy")).unwrap();
    let accuracy: f64 = accuracy.trim_start_matches("val_accuracy: ").trim_end_matches('%').parse().unwrap();
    assert!(accuracy > 90.0, "{}", normalized.stdout);
    let raw = fit("8:relu");
    assert!(raw.stderr.contains("values this large saturate the network"), "{}", raw.stderr);
}
