"""Reference trajectories from Keras 3 (on JAX) for the activations added after
make_reference.py's cases, for tests/keras_reference.rs: the same starting weights for
Keras and nntui (written as nntui model files, read by `--initial-model`), the same
batches (`shuffle=False`, `--no-shuffle`), every epoch's loss and accuracy as Keras
reports them. Run from the repository root:

    python3 -m venv venv && venv/bin/pip install keras jax
    KERAS_BACKEND=jax venv/bin/python tests/keras_reference/make_activation_trajectories.py

It writes tests/keras_reference/moons_{elu,softplus,gelu}.init.json and
activation_trajectories.json.
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402
import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EPOCHS = 8
BATCH = 10
CASES = [
    ("moons_elu", [(8, "elu"), (8, "selu"), (6, "leaky_relu")]),
    ("moons_softplus", [(8, "softplus"), (8, "softsign"), (6, "hard_sigmoid")]),
    ("moons_gelu", [(8, "gelu"), (8, "silu"), (6, "mish")]),
]


def main():
    with open("data/moons.csv") as f:
        header = f.readline().strip().split(",")
        rows = [line.strip().split(",") for line in f if line.strip()]
    x = np.array([[float(v) for v in row[:-1]] for row in rows], dtype=np.float32)
    labels = [row[-1] for row in rows]
    classes = sorted(set(labels))
    y = np.array([classes.index(label) for label in labels], dtype=np.float32)
    out = {"keras": keras.__version__, "backend": keras.backend.backend(), "epochs": EPOCHS, "cases": []}
    for number, (name, hidden) in enumerate(CASES):
        rng = np.random.default_rng(23 + number)
        units = [u for u, _ in hidden] + [1]
        activations = [a for _, a in hidden] + ["sigmoid"]
        inputs, layers = x.shape[1], []
        for u, a in zip(units, activations):
            kernel = rng.uniform(-0.5, 0.5, size=(inputs, u)).astype(np.float32)
            bias = rng.uniform(-0.1, 0.1, size=u).astype(np.float32)
            layers.append({"units": u, "activation": a, "kernel": kernel.tolist(), "bias": bias.tolist()})
            inputs = u
        init_path = os.path.join("tests", "keras_reference", f"{name}.init.json")
        with open(init_path, "w") as f:
            json.dump({"format": "nntui-model", "version": 1, "task": "binary", "class_names": classes,
                       "feature_names": header[:-1], "label_name": header[-1], "label_column": len(header) - 1,
                       "standardization": None, "target_standardization": None, "layers": layers}, f, indent=1)
            f.write("\n")
        network = keras.Sequential([keras.Input(shape=(x.shape[1],))]
                                   + [keras.layers.Dense(u, activation=a) for u, a in zip(units, activations)])
        for layer, saved in zip(network.layers, layers):
            layer.set_weights([np.array(saved["kernel"], dtype=np.float32), np.array(saved["bias"], dtype=np.float32)])
        network.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        history = network.fit(x, y, epochs=EPOCHS, batch_size=BATCH, shuffle=False, verbose=0)
        out["cases"].append({
            "name": name,
            "args": ["data/moons.csv", "--folds", "1", "--epochs", str(EPOCHS), "--batch-size", str(BATCH),
                     "--no-shuffle", "--initial-model", init_path, "--optimizer", "adam"],
            "loss": [float(v) for v in history.history["loss"]],
            "accuracy": [float(v) for v in history.history["accuracy"]],
        })
        print(name, history.history["loss"], file=sys.stderr)
    with open(os.path.join(HERE, "activation_trajectories.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
