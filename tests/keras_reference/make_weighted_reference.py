"""Reference epochs from Keras 3 for class weights and further metrics, for
tests/metrics.rs: Keras's `class_weight` (each row's loss and training metrics weighted
by its class) and `metrics=["accuracy", AUC(), Precision(), Recall()]` with a held-out
share, from the same starting weights as nntui (`--initial-model`) and the same batches
(`shuffle=False`, `--no-shuffle`). Run from the repository root:

    python3 -m venv venv && venv/bin/pip install keras jax
    KERAS_BACKEND=jax venv/bin/python tests/keras_reference/make_weighted_reference.py

It writes tests/keras_reference/weighted.json and weighted.init.json.
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402
import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EPOCHS = 8
BATCH = 10
VALIDATION = 0.25


def main():
    with open("data/moons.csv") as f:
        header = f.readline().strip().split(",")
        rows = [line.strip().split(",") for line in f if line.strip()]
    x = np.array([[float(v) for v in row[:-1]] for row in rows], dtype=np.float32)
    labels = [row[-1] for row in rows]
    classes = sorted(set(labels))
    y = np.array([classes.index(label) for label in labels], dtype=np.float32)
    # An imbalanced version: half of the "upper" rows left out (a third positive).
    keep = [i for i in range(len(y)) if not (y[i] == 1 and i % 4 < 2)]
    x, y = x[keep], y[keep]
    data = os.path.join(HERE, "weighted.csv")
    with open(data, "w") as f:
        f.write(",".join(header) + "\n")
        for row, label in zip(x, y):
            f.write(f"{row[0]:.4f},{row[1]:.4f},{classes[int(label)]}\n")
    rng = np.random.default_rng(5)
    units, activations, inputs, layers = [8, 1], ["relu", "sigmoid"], 2, []
    for u, a in zip(units, activations):
        kernel = rng.uniform(-0.5, 0.5, size=(inputs, u)).astype(np.float32)
        layers.append({"units": u, "activation": a, "kernel": kernel.tolist(), "bias": [0.0] * u})
        inputs = u
    init_path = os.path.join(HERE, "weighted.init.json")
    with open(init_path, "w") as f:
        json.dump({
            "format": "nntui-model", "version": 1, "task": "binary", "class_names": classes,
            "feature_names": header[:-1], "label_name": header[-1], "label_column": 2,
            "standardization": None, "target_standardization": None, "layers": layers,
        }, f, indent=1)
        f.write("\n")
    network = keras.Sequential([keras.Input(shape=(2,))] + [keras.layers.Dense(u, activation=a) for u, a in zip(units, activations)])
    for layer, saved in zip(network.layers, layers):
        layer.set_weights([np.array(saved["kernel"], dtype=np.float32), np.zeros(saved["units"], dtype=np.float32)])
    network.compile(
        loss="binary_crossentropy",
        optimizer="adam",
        metrics=["accuracy", keras.metrics.AUC(name="auc"), keras.metrics.Precision(name="precision"),
                 keras.metrics.Recall(name="recall")],
    )
    weights = {0: 1.0, 1: 2.5}
    history = network.fit(x, y, epochs=EPOCHS, batch_size=BATCH, shuffle=False, verbose=0,
                          validation_split=VALIDATION, class_weight=weights)
    rel = lambda p: os.path.relpath(p)
    out = {
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "args": [rel(data), "--folds", "1", "--epochs", str(EPOCHS), "--batch-size", str(BATCH), "--no-shuffle",
                 "--initial-model", rel(init_path), "--validation-split", str(VALIDATION),
                 "--metrics", "accuracy,auc,precision,recall", "--class-weight", f"{classes[0]}=1,{classes[1]}=2.5"],
        "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
    }
    with open(os.path.join(HERE, "weighted.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(json.dumps(out["history"], indent=None)[:600])


if __name__ == "__main__":
    main()
