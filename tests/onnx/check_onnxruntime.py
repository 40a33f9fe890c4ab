#!/usr/bin/env python3
"""Runs an exported nntui model with onnxruntime on a CSV's raw rows and compares the
result with `nntui predict` on the same file (probabilities, labels or values).

    python3 -m venv /tmp/ort && /tmp/ort/bin/pip install onnxruntime numpy
    cargo build --release
    # every case tests/onnx.rs runs with tract, categories as strings included:
    /tmp/ort/bin/python tests/onnx/check_onnxruntime.py --nntui target/release/nntui --all
    # or one model of your own:
    /tmp/ort/bin/python tests/onnx/check_onnxruntime.py --nntui target/release/nntui \
        --model model.json --onnx model.onnx data.csv [--single-input]

Exits 0 when every row agrees to 1e-5 (relative, with 1e-6 absolute for values near
zero) and every label is the same, 1 otherwise. Category cells are passed as written
(trimmed), missing ones as empty strings; missing numbers as NaN.
"""
import argparse
import csv
import io
import json
import subprocess
import math
import os
import sys
import tempfile

import numpy as np
import onnxruntime as ort


def read_rows(path, model):
    data = model.get("data") or {}
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if data.get("has_header", True):
        header, rows = rows[0], rows[1:]
    else:
        header = None
    return header, [r for r in rows if any(cell.strip() for cell in r)]


def missing(cell, markers):
    text = cell.strip()
    return text == "" or any(text.lower() == m.lower() for m in markers)


def number(cell, markers):
    if missing(cell, markers):
        return np.nan
    try:
        return float(cell)
    except ValueError:
        return np.nan


def column_index(header, column):
    if header is not None and column["name"] in header:
        return header.index(column["name"])
    return column["file_column"]


def feeds(session, model, header, rows, single_input):
    data = model.get("data") or {}
    markers = (data.get("na_values") or ["NA", "N/A", "NaN", "null", "?"])
    columns = data.get("columns") or [
        {"name": n, "file_column": i + (1 if i >= model["label_column"] else 0), "kind": "number"}
        for i, n in enumerate(model["feature_names"])
    ]
    if model.get("window"):
        size = model["window"]["size"]
        step_columns = [c for c in columns if c["name"].endswith("[t-0]") and c["file_column"] != model["label_column"]]
        label = header.index(model["label_name"]) if header else model["label_column"]
        classes = model["class_names"]
        steps = []
        for r in rows:
            values = [number(r[column_index(header, dict(c, name=c["name"][: -len("[t-0]")]))], markers) for c in step_columns]
            cell = r[label].strip()
            if model["task"] == "regression":
                past = [number(cell, markers)]
            elif model["task"] == "binary":
                past = [float(classes.index(cell)) if cell else np.nan]
            else:
                past = [float(cell == c) if cell else np.nan for c in classes]
            steps.append(values + past)
        steps = np.array(steps, dtype=np.float32)
        windows = np.stack([steps[i : i + size] for i in range(len(steps) - size + 1)])
        return {"window": windows}
    if single_input:
        x = [[number(r[column_index(header, c)], markers + c.get("na_values", [])) for c in columns] for r in rows]
        return {"input": np.array(x, dtype=np.float32)}
    out = {}
    for c in columns:
        cells = [r[column_index(header, c)] for r in rows]
        if c["kind"] == "number":
            values = [number(cell, markers + c.get("na_values", [])) for cell in cells]
            out[c["name"]] = np.array(values, dtype=np.float32).reshape(-1, 1)
        else:
            texts = ["" if missing(cell, markers + c.get("na_values", [])) else cell.strip() for cell in cells]
            out[c["name"]] = np.array(texts, dtype=object).reshape(-1, 1)
    return out


DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data")

# The cases of tests/onnx.rs (and --impute zero): (name, training arguments, export arguments, file to predict).
CASES = [
    ("penguins", ["{mixed}", "--ignore-col", "id", "--standardize", "--layers", "12:relu,8:tanh"], [], "{odd}"),
    ("penguins_impute_zero", ["{mixed}", "--ignore-col", "id", "--impute", "zero"], [], "{odd}"),
    ("moons_a", ["{moons}", "--layers", "16:leaky_relu,8:elu,8:selu", "--optimizer", "adam", "--lr", "0.01",
                 "--epochs", "15"], ["--single-input"], "{moons}"),
    ("moons_b", ["{moons}", "--layers", "16:softplus,8:softsign,8:hard_sigmoid,4:linear", "--optimizer", "adam",
                 "--lr", "0.01", "--epochs", "15"], ["--single-input"], "{moons}"),
    ("moons_c", ["{moons}", "--layers", "16:gelu,8:silu,8:mish", "--optimizer", "adam", "--lr", "0.01",
                 "--epochs", "15"], ["--single-input"], "{moons}"),
    ("strokes", ["{strokes}", "--input-shape", "8x8x1", "--layers",
                 "rescaling:0.0039:-0.5,conv2d:4:3x3:relu:same,maxpool2d:2x2,conv2d:3:2x3:tanh,dropout:0.2,flatten,dense:6:sigmoid"],
     ["--single-input"], "{strokes}"),
    ("strokes_avg", ["{strokes}", "--input-shape", "8x8x1", "--layers",
                     "rescaling:0.0039,conv2d:4:3x3:gelu:same,layernorm,avgpool2d:2x2,dense:6:silu,globalmaxpool,8:mish"],
     ["--single-input"], "{strokes}"),
    ("strokes_batchnorm", ["{strokes}", "--input-shape", "8x8x1", "--layers",
                           "rescaling:0.0039,conv2d:4:3x3:relu,batchnorm,maxpool2d:2x2,flatten,8:tanh,batchnorm"],
     ["--single-input"], "{strokes}"),
    ("codes_lstm", ["{codes}", "--layers", "embedding:10:3,lstm:4", "--optimizer", "adam", "--lr", "0.01"],
     ["--single-input"], "{codes}"),
    ("sine", ["{sine}", "--layers", "8:tanh,8:relu"], [], "{sine}"),
    ("stacked", ["{series}", "--label-col", "load", "--window", "6", "--layers", "lstm:6:seq,gru:5:seq,simplernn:4"], [], "{series}"),
    ("gru", ["{series}", "--label-col", "load", "--window", "6", "--layers", "gru:6"], [], "{series}"),
    ("dense_steps", ["{series}", "--label-col", "load", "--window", "6", "--layers", "lstm:5:seq,layernorm,dense:3:tanh,gru:4"],
     [], "{series}"),
    ("bidirectional", ["{series}", "--label-col", "load", "--window", "6", "--layers", "bilstm:3:seq,bigru:2"],
     [], "{series}"),
    ("bidirectional_simple", ["{series}", "--label-col", "load", "--window", "6", "--layers",
                              "gru:3:seq,bisimplernn:2:seq,flatten"], [], "{series}"),
    ("avg", ["{series}", "--label-col", "load", "--window", "6", "--layers",
             "conv1d:4:2:gelu,avgpool1d:2,dense:3:silu,globalmaxpool,layernorm"], [], "{series}"),
    ("batchnorm_steps", ["{series}", "--label-col", "load", "--window", "6", "--layers",
                         "batchnorm,lstm:4:seq,batchnorm,gru:3"], [], "{series}"),
    ("rise", ["{rise}", "--window", "6", "--layers", "lstm:6,8:relu", "--optimizer", "adam", "--lr", "0.01"],
     [], "{rise}"),
    ("lstm_flat", ["{series}", "--label-col", "load", "--window", "6", "--layers", "lstm:4:seq,flatten,dense:4:relu"], [], "{series}"),
    ("conv1d", ["{series}", "--label-col", "load", "--window", "6", "--layers",
                "conv1d:4:3:relu:same,maxpool1d:2,conv1d:3:2,globalavgpool"], [], "{series}"),
]


def run_all(nntui):
    failures = 0
    with tempfile.TemporaryDirectory() as folder:
        odd = os.path.join(folder, "penguins.csv")
        with open(os.path.join(DATA, "mixed.csv")) as f:
            text = f.read()
        with open(odd, "w") as f:
            f.write(text + "P9001,Atlantis,44,,200,4000,NA,Adelie\nP9002,,44,17,,4000,?,Adelie\n"
                    "P9003,Dream,44,17,200,4000,unknown,Gentoo\n")
        series = os.path.join(folder, "series.csv")
        with open(series, "w") as f:
            f.write("temp,load\n")
            for i in range(120):
                f.write(f"{math.sin(i / 7):.4f},{math.cos(i / 11) * 3 + math.sin(i * 0.37) * 0.2:.4f}\n")
        # The same series with a class label: did the load go up, down or stay (about) flat.
        rise = os.path.join(folder, "rise.csv")
        with open(rise, "w") as f:
            f.write("temp,move\n")
            previous = None
            for i in range(160):
                load = math.cos(i / 11) * 3 + math.sin(i * 0.37) * 0.2
                move = "flat" if previous is None or abs(load - previous) < 0.05 else "up" if load > previous else "down"
                f.write(f"{math.sin(i / 7):.4f},{move}\n")
                previous = load
        paths = {name: os.path.join(DATA, f"{name}.csv") for name in ["mixed", "moons", "strokes", "sine"]}
        paths.update(odd=odd, series=series, rise=rise,
                     codes=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "keras_reference", "codes.csv"))
        for name, train, export, predict_on in CASES:
            model = os.path.join(folder, f"{name}.json")
            graph = os.path.join(folder, f"{name}.onnx")
            train = [a.format(**paths) for a in train]
            epochs = [] if "--epochs" in train else ["--epochs", "4"]
            subprocess.run([nntui, *train, *epochs, "--no-tui", "-q", "--save-model", model], check=True)
            subprocess.run([nntui, "export", "--model", model, *export, graph], check=True)
            print(f"{name}: ", end="", flush=True)
            failures += check(nntui, model, graph, predict_on.format(**paths), "--single-input" in export)
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nntui", default="nntui")
    parser.add_argument("--all", action="store_true", help="train, export and check every case")
    parser.add_argument("--model")
    parser.add_argument("--onnx")
    parser.add_argument("--single-input", action="store_true")
    parser.add_argument("file", nargs="?")
    args = parser.parse_args()
    if args.all:
        return run_all(args.nntui)
    if not (args.model and args.onnx and args.file):
        parser.error("give --all, or --model, --onnx and the CSV file")
    return check(args.nntui, args.model, args.onnx, args.file, args.single_input)


def check(nntui, model_path, onnx_path, file, single_input):
    model = json.load(open(model_path))
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    header, rows = read_rows(file, model)
    results = session.run(None, feeds(session, model, header, rows, single_input))
    names = [o.name for o in session.get_outputs()]
    got = dict(zip(names, results))
    regression = model["task"] == "regression"
    command = [nntui, "predict", "--model", model_path, file]
    if not regression:
        command.append("--proba")
    text = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    table = list(csv.reader(io.StringIO(text)))
    header_out, lines = table[0], table[1:]
    if model.get("window"):
        # Each line starts with the row it predicts.
        lines = [line[1:] for line in lines]
    failures = 0
    if regression:
        want = np.array([float(line[-1]) for line in lines], dtype=np.float64)
        have = got["value"].reshape(-1).astype(np.float64)
        if len(want) != len(have):
            print(f"{len(have)} values from onnxruntime, {len(want)} from nntui predict")
            return 1
        bad = np.abs(have - want) > 1e-5 * np.abs(want) + 1e-6
        failures = int(bad.sum())
        worst = float(np.max(np.abs(have - want) / np.maximum(np.abs(want), 1e-6))) if len(want) else 0.0
    else:
        labels = [line[0] for line in lines]
        want = np.array([[float(v) for v in line[1:]] for line in lines], dtype=np.float64)
        have = got["probabilities"].astype(np.float64)
        bad = np.abs(have - want) > 1e-5 * np.abs(want) + 1e-6
        failures = int(bad.any(axis=1).sum())
        failures += sum(1 for a, b in zip(got["label"], labels) if str(a) != b)
        worst = float(np.max(np.abs(have - want) / np.maximum(np.abs(want), 1e-6))) if len(want) else 0.0
    print(f"{len(want)} rows, {failures} differ, largest relative difference {worst:.3g}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
