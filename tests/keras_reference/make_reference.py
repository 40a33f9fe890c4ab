"""Reference trajectories from Keras 3 on TensorFlow, for tests/keras_reference.rs.

Each case starts Keras and nntui from the same weights (written here as nntui model
files, read by `--initial-model`), trains a few epochs on a bundled dataset with
`shuffle=False` (`--no-shuffle`) and records every epoch's loss and accuracy as Keras
reports them. Run from the repository root, in a virtual environment outside the repo
with tensorflow and keras installed:

    python tests/keras_reference/make_reference.py

It rewrites tests/keras_reference/*.init.json and trajectories.json. The versions it ran
with are recorded in trajectories.json.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import tensorflow as tf
import keras

HERE = os.path.dirname(os.path.abspath(__file__))
EPOCHS = 10
BATCH = 10

# name, data file, hidden layers, optimizer, l2, weight scale, output bias
CASES = [
    # The tutorial's setting: Adam, binary cross-entropy from a sigmoid.
    ("moons_adam", "data/moons.csv", [(8, "relu")], "adam", 0.0, 0.5, 0.0),
    # Saturated from the start: every row predicted "upper" with a logit near 25, so
    # half the rows are confidently wrong. Keras reports their loss from the logits
    # (about 25 each), not the clipped 16.12.
    ("moons_saturated", "data/moons.csv", [(8, "relu")], "adam", 0.0, 0.5, 25.0),
    # An L2 penalty, which Keras adds in the forward pass (the weights before the update).
    ("moons_l2", "data/moons.csv", [(8, "relu")], "adam", 0.01, 0.5, 0.0),
    # RMSprop and a softmax over six classes (categorical cross-entropy from logits).
    ("blobs_rmsprop", "data/blobs.csv", [(12, "tanh")], "rmsprop", 0.0, 0.3, 0.0),
]


def load(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
        rows = [line.strip().split(",") for line in f if line.strip()]
    x = np.array([[float(v) for v in row[:-1]] for row in rows], dtype=np.float32)
    labels = [row[-1] for row in rows]
    classes = sorted(set(labels))  # scikit-learn's LabelEncoder order, as nntui's
    y = np.array([classes.index(label) for label in labels])
    return header, x, y, classes


def main():
    keras.utils.set_random_seed(1)
    out = {"keras": keras.__version__, "tensorflow": tf.__version__, "epochs": EPOCHS, "cases": []}
    for name, data, hidden, optimizer, l2, scale, output_bias in CASES:
        header, x, y, classes = load(data)
        binary = len(classes) == 2
        rng = np.random.default_rng(11 + len(out["cases"]))
        units = [u for u, _ in hidden] + [1 if binary else len(classes)]
        activations = [a for _, a in hidden] + ["sigmoid" if binary else "softmax"]
        inputs = x.shape[1]
        layers = []
        for index, (u, a) in enumerate(zip(units, activations)):
            kernel = rng.uniform(-scale, scale, size=(inputs, u)).astype(np.float32)
            bias = np.zeros(u, dtype=np.float32)
            if index == len(units) - 1:
                bias[:] = output_bias
            layers.append({"units": u, "activation": a, "kernel": kernel.tolist(), "bias": bias.tolist()})
            inputs = u
        model_file = {
            "format": "nntui-model",
            "version": 1,
            "task": "binary" if binary else "multiclass",
            "class_names": classes,
            "feature_names": header[:-1],
            "label_name": header[-1],
            "label_column": len(header) - 1,
            "standardization": None,
            "target_standardization": None,
            "layers": layers,
        }
        init_path = os.path.join("tests", "keras_reference", f"{name}.init.json")
        with open(init_path, "w") as f:
            json.dump(model_file, f, indent=1)
            f.write("\n")

        regularizer = keras.regularizers.L2(l2) if l2 > 0 else None
        network = keras.Sequential(
            [keras.Input(shape=(x.shape[1],))]
            + [keras.layers.Dense(u, activation=a, kernel_regularizer=regularizer) for u, a in zip(units, activations)]
        )
        for layer, saved in zip(network.layers, layers):
            layer.set_weights([np.array(saved["kernel"], dtype=np.float32), np.array(saved["bias"], dtype=np.float32)])
        loss = "binary_crossentropy" if binary else "categorical_crossentropy"
        targets = y.astype(np.float32) if binary else keras.utils.to_categorical(y, len(classes))
        network.compile(loss=loss, optimizer=optimizer, metrics=["accuracy"])
        history = network.fit(x, targets, epochs=EPOCHS, batch_size=BATCH, shuffle=False, verbose=0)
        args = [data, "--folds", "1", "--epochs", str(EPOCHS), "--batch-size", str(BATCH), "--no-shuffle",
                "--initial-model", init_path, "--optimizer", optimizer]
        if l2 > 0:
            args += ["--l2", str(l2)]
        out["cases"].append({
            "name": name,
            "args": args,
            "loss": [float(v) for v in history.history["loss"]],
            "accuracy": [float(v) for v in history.history["accuracy"]],
        })
        print(name, history.history["loss"], file=sys.stderr)
    with open(os.path.join(HERE, "trajectories.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
