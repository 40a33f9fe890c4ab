"""Reference values from Keras 3 (on JAX) for the layers added with issue 30, for
tests/keras_reference.rs: stacks of the new kinds with Keras's own initial weights
(written as nntui model files, read by `--initial-model` and `predict`), Keras's
predictions with those weights (the forward pass), and every epoch's loss and accuracy
over a few epochs of Adam on the same batches (`shuffle=False`, `--no-shuffle`).
Run from the repository root:

    python3 -m venv venv && venv/bin/pip install keras jax
    KERAS_BACKEND=jax venv/bin/python tests/keras_reference/make_layer_reference.py

It writes tests/keras_reference/codes.csv (rows of integer codes for the embeddings),
{strokes,codes}_*.init.json and layer_trajectories.json. With `--batchnorm` it writes the
BatchNormalization cases instead ({strokes,moons}_batchnorm*.init.json and
batchnorm_trajectories.json), with the predictions after training too: those go through
the moving mean and variance the four epochs left.
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers as L  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EPOCHS = 4
BATCH = 20
PREDICTED_ROWS = 40
LR = 0.01


def image_case():
    """Layer normalization, average pooling, Dense on an image's last axis, global max
    pooling, gelu/silu/mish."""
    spec = "rescaling:0.00392,conv2d:4:3x3:gelu:same,layernorm,avgpool2d:2x2,dense:6:silu,globalmaxpool,8:mish"
    model = keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        L.Rescaling(0.00392),
        L.Conv2D(4, 3, padding="same", activation="gelu"),
        L.LayerNormalization(),
        L.AveragePooling2D(2),
        L.Dense(6, activation="silu"),
        L.GlobalMaxPooling2D(),
        L.Dense(8, activation="mish"),
        L.Dense(4, activation="softmax"),
    ])
    return "strokes_image", "8x8x1", spec, model


def sequence_case():
    """The same on a sequence, with Dense and layer normalization on every step before an
    LSTM and Dense after it."""
    spec = "rescaling:0.00392,conv1d:4:3:gelu,avgpool1d:2,dense:5:silu,layernorm,lstm:4:seq,dense:3:mish,globalmaxpool"
    model = keras.Sequential([
        keras.Input(shape=(8, 8)),
        L.Rescaling(0.00392),
        L.Conv1D(4, 3, activation="gelu"),
        L.AveragePooling1D(2),
        L.Dense(5, activation="silu"),
        L.LayerNormalization(),
        L.LSTM(4, return_sequences=True),
        L.Dense(3, activation="mish"),
        L.GlobalMaxPooling1D(),
        L.Dense(4, activation="softmax"),
    ])
    return "strokes_sequence", "8x8", spec, model


def bidirectional_case():
    """Bidirectional GRU and LSTM (merge concat), every step and the last, on a sequence."""
    spec = "rescaling:0.00392,bigru:3:seq,layernorm,bilstm:2,dense:5:gelu"
    model = keras.Sequential([
        keras.Input(shape=(8, 8)),
        L.Rescaling(0.00392),
        L.Bidirectional(L.GRU(3, return_sequences=True)),
        L.LayerNormalization(),
        L.Bidirectional(L.LSTM(2)),
        L.Dense(5, activation="gelu"),
        L.Dense(4, activation="softmax"),
    ])
    return "strokes_bidirectional", "8x8", spec, model


def bidirectional_simple_case():
    """Bidirectional SimpleRNN returning every step, Dense on each, flattened."""
    spec = "embedding:10:3,bisimplernn:3:seq,dense:2:tanh,flatten"
    model = keras.Sequential([
        keras.Input(shape=(6,)),
        L.Embedding(10, 3),
        L.Bidirectional(L.SimpleRNN(3, return_sequences=True)),
        L.Dense(2, activation="tanh"),
        L.Flatten(),
        L.Dense(1, activation="sigmoid"),
    ])
    return "codes_bidirectional", None, spec, model


def embedding_flat_case():
    """An embedding of six integer codes, flattened into Dense layers."""
    spec = "embedding:10:3,flatten,4:tanh"
    model = keras.Sequential([
        keras.Input(shape=(6,)),
        L.Embedding(10, 3),
        L.Flatten(),
        L.Dense(4, activation="tanh"),
        L.Dense(1, activation="sigmoid"),
    ])
    return "codes_flat", None, spec, model


def embedding_lstm_case():
    """An embedding read as a sequence by an LSTM."""
    spec = "embedding:10:4,lstm:5"
    model = keras.Sequential([
        keras.Input(shape=(6,)),
        L.Embedding(10, 4),
        L.LSTM(5),
        L.Dense(1, activation="sigmoid"),
    ])
    return "codes_lstm", None, spec, model


def batchnorm_image_case():
    """Batch normalization over an image's positions and over flat rows."""
    spec = "rescaling:0.00392,conv2d:4:3x3:relu,batchnorm,maxpool2d:2x2,flatten,16:tanh,batchnorm"
    model = keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        L.Rescaling(0.00392),
        L.Conv2D(4, 3, activation="relu"),
        L.BatchNormalization(),
        L.MaxPooling2D(2),
        L.Flatten(),
        L.Dense(16, activation="tanh"),
        L.BatchNormalization(),
        L.Dense(4, activation="softmax"),
    ])
    return "strokes_batchnorm", "8x8x1", spec, model


def batchnorm_sequence_case():
    """Batch normalization of the raw pixels as steps, and over every step of an LSTM."""
    spec = "rescaling:0.00392,batchnorm,lstm:4:seq,batchnorm,globalavgpool"
    model = keras.Sequential([
        keras.Input(shape=(8, 8)),
        L.Rescaling(0.00392),
        L.BatchNormalization(),
        L.LSTM(4, return_sequences=True),
        L.BatchNormalization(),
        L.GlobalAveragePooling1D(),
        L.Dense(4, activation="softmax"),
    ])
    return "strokes_batchnorm_sequence", "8x8", spec, model


def batchnorm_flat_case():
    """Batch normalization as the first layer (no gradient below it) and between Dense
    layers."""
    spec = "batchnorm,8:tanh,batchnorm,8:relu"
    model = keras.Sequential([
        keras.Input(shape=(2,)),
        L.BatchNormalization(),
        L.Dense(8, activation="tanh"),
        L.BatchNormalization(),
        L.Dense(8, activation="relu"),
        L.Dense(1, activation="sigmoid"),
    ])
    return "moons_batchnorm", None, spec, model


def write_codes(path):
    """Rows of six codes from 0..9; the label says whether two or more are 1, 4 or 8."""
    rng = np.random.default_rng(5)
    codes = rng.integers(0, 10, size=(240, 6))
    with open(path, "w") as f:
        f.write("c1,c2,c3,c4,c5,c6,label\n")
        for row in codes:
            label = "yes" if sum(int(c) in (1, 4, 8) for c in row) >= 2 else "no"
            f.write(",".join(str(int(c)) for c in row) + f",{label}\n")


def read(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
        rows = [line.strip().split(",") for line in f if line.strip()]
    x = np.array([[float(v) for v in row[:-1]] for row in rows], dtype=np.float32)
    labels = [row[-1] for row in rows]
    return header, x, labels


def parse(text):
    """One `--layers` item as nntui's model file spells the layer (its `spec`)."""
    parts = text.split(":")
    size = lambda p: [int(v) for v in p.split("x")]  # noqa: E731
    name = parts[0]
    if name[0].isdigit() or name == "dense":
        units, activation = (parts[0], parts[1]) if name[0].isdigit() else (parts[1], parts[2])
        return {"kind": "dense", "units": int(units), "activation": activation}
    if name == "rescaling":
        return {"kind": "rescaling", "scale": float(parts[1]), "offset": 0.0}
    if name in ("conv1d", "conv2d"):
        kernel = size(parts[2]) if name == "conv2d" else int(parts[2])
        padding = "same" if "same" in parts[3:] else "valid"
        return {"kind": name, "filters": int(parts[1]), "kernel": kernel, "activation": parts[3],
                "padding": padding}
    if name == "avgpool2d":
        return {"kind": "avg_pool2d", "pool": size(parts[1])}
    if name == "avgpool1d":
        return {"kind": "avg_pool1d", "pool": int(parts[1])}
    if name == "flatten":
        return {"kind": "flatten"}
    if name == "embedding":
        return {"kind": "embedding", "vocab": int(parts[1]), "dim": int(parts[2])}
    if name == "layernorm":
        return {"kind": "layer_norm"}
    if name == "batchnorm":
        return {"kind": "batch_norm"}
    if name == "maxpool2d":
        return {"kind": "max_pool2d", "pool": size(parts[1])}
    if name == "globalavgpool":
        return {"kind": "global_avg_pool"}
    if name == "globalmaxpool":
        return {"kind": "global_max_pool"}
    if name in ("lstm", "gru", "simplernn", "bilstm", "bigru", "bisimplernn"):
        kind = {"simplernn": "simple_rnn", "bisimplernn": "bi_simple_rnn", "bilstm": "bi_lstm",
                "bigru": "bi_gru"}.get(name, name)
        return {"kind": kind, "units": int(parts[1]), "sequences": parts[2:] == ["seq"]}
    raise ValueError(text)


def saved_layers(model, spec):
    """The model's layers as nntui's model file keeps them (kernels as matrices)."""
    output = model.layers[-1]
    specs = [parse(text) for text in spec.split(",") + [f"{output.units}:{output.activation.__name__}"]]
    saved = []
    for layer, kind in zip(model.layers, specs):
        weights = layer.get_weights()
        units = layer.output.shape[-1]
        entry = {"units": int(units), "activation": kind.get("activation", "linear"), "spec": kind,
                 "kernel": [], "bias": []}
        if isinstance(layer, L.Bidirectional):
            # Both directions' kernels stacked (forward first), as are the recurrent
            # kernels and the biases.
            half = len(weights) // 2
            entry["kernel"] = np.vstack([weights[0], weights[half]]).tolist()
            entry["recurrent_kernel"] = np.vstack([weights[1], weights[half + 1]]).tolist()
            entry["bias"] = np.concatenate([weights[2].ravel(), weights[half + 2].ravel()]).tolist()
        elif weights:
            kernel = weights[0].reshape(-1, weights[0].shape[-1])
            entry["kernel"] = kernel.tolist()
            if isinstance(layer, (L.LSTM, L.GRU, L.SimpleRNN)):
                entry["recurrent_kernel"] = weights[1].tolist()
            if isinstance(layer, L.BatchNormalization):
                # gamma, beta, moving_mean, moving_variance.
                entry["kernel"] = [weights[0].tolist()]
                entry["bias"] = weights[1].tolist()
                entry["moving_mean"] = weights[2].tolist()
                entry["moving_variance"] = weights[3].tolist()
            else:
                entry["bias"] = weights[-1].ravel().tolist() if len(weights) > 1 else []
        saved.append(entry)
    return saved


def main():
    batchnorm = "--batchnorm" in sys.argv[1:]
    codes = os.path.join("tests", "keras_reference", "codes.csv")
    if not batchnorm:
        write_codes(codes)
    out = {"keras": keras.__version__, "backend": keras.backend.backend(), "epochs": EPOCHS, "cases": []}
    cases = [("data/strokes.csv", image_case), ("data/strokes.csv", sequence_case),
             (codes, embedding_flat_case), (codes, embedding_lstm_case),
             ("data/strokes.csv", bidirectional_case), (codes, bidirectional_simple_case)]
    if batchnorm:
        cases = [("data/strokes.csv", batchnorm_image_case), ("data/strokes.csv", batchnorm_sequence_case),
                 ("data/moons.csv", batchnorm_flat_case)]
    for number, (data, make) in enumerate(cases):
        header, x, labels = read(data)
        classes = sorted(set(labels))
        binary = len(classes) == 2
        truth = [classes.index(label) for label in labels]
        y = np.array(truth, dtype=np.float32) if binary else keras.utils.to_categorical(truth, len(classes))
        keras.utils.set_random_seed(31 + number)
        name, shape, spec, model = make()
        dims = [int(d) for d in shape.split("x")] if shape else [x.shape[1]]
        inputs = x.reshape([-1] + dims)
        layers = saved_layers(model, spec)
        init_path = os.path.join("tests", "keras_reference", f"{name}.init.json")
        with open(init_path, "w") as f:
            json.dump({"format": "nntui-model", "version": 2, "task": "binary" if binary else "multiclass",
                       "class_names": classes, "feature_names": header[:-1], "label_name": header[-1],
                       "label_column": len(header) - 1, "standardization": None,
                       "target_standardization": None, "input_shape": dims, "layers": layers}, f, indent=1)
            f.write("\n")
        probabilities = model.predict(inputs[:PREDICTED_ROWS], verbose=0)
        if binary:
            probabilities = np.hstack([1.0 - probabilities, probabilities])
        loss = "binary_crossentropy" if binary else "categorical_crossentropy"
        model.compile(loss=loss, optimizer=keras.optimizers.Adam(LR), metrics=["accuracy"])
        history = model.fit(inputs, y, epochs=EPOCHS, batch_size=BATCH, shuffle=False, verbose=0)
        args = [data] + (["--input-shape", shape] if shape else [])
        if batchnorm:
            trained = model.predict(inputs[:PREDICTED_ROWS], verbose=0)
            if binary:
                trained = np.hstack([1.0 - trained, trained])
            moving = [[w.tolist() for w in layer.get_weights()[2:]] for layer in model.layers
                      if isinstance(layer, L.BatchNormalization)]
        out["cases"].append({
            "name": name,
            "args": args + ["--layers", spec, "--folds", "1", "--epochs", str(EPOCHS), "--batch-size", str(BATCH),
                            "--no-shuffle", "--initial-model", init_path, "--optimizer", "adam", "--lr", str(LR)],
            "loss": [float(v) for v in history.history["loss"]],
            "accuracy": [float(v) for v in history.history["accuracy"]],
            "probabilities": probabilities.astype(float).tolist(),
            **({"trained_probabilities": trained.astype(float).tolist(), "moving": moving} if batchnorm else {}),
        })
        print(name, history.history["loss"], file=sys.stderr)
    name = "batchnorm_trajectories.json" if batchnorm else "layer_trajectories.json"
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
