"""Reference epochs from Keras 3 for `sample_weight` from a column, for tests/metrics.rs:
Keras's `fit(x, y, sample_weight=w, validation_split=0.25)` (each row's loss term times
its weight, summed and divided by the batch's rows; the held-out rows' loss weighted by
theirs; the metrics not weighted, as Keras 3 computes them), from the same starting
weights as nntui (`--initial-model`) and the same batches (`shuffle=False`,
`--no-shuffle`). Run from the repository root after make_weighted_reference.py (it reads
weighted.csv and weighted.init.json):

    python3 -m venv venv && venv/bin/pip install keras jax
    KERAS_BACKEND=jax venv/bin/python tests/keras_reference/make_sample_weight_reference.py

It writes tests/keras_reference/sample_weighted.csv and sample_weighted.json.
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
    with open(os.path.join(HERE, "weighted.csv")) as f:
        header = f.readline().strip().split(",")
        rows = [line.strip().split(",") for line in f if line.strip()]
    x = np.array([[float(v) for v in row[:-1]] for row in rows], dtype=np.float32)
    labels = [row[-1] for row in rows]
    classes = sorted(set(labels))
    y = np.array([classes.index(label) for label in labels], dtype=np.float32)
    # Weights with two decimals (exact in the file), some zero.
    rng = np.random.default_rng(11)
    w = np.round(rng.uniform(0.0, 3.0, size=len(y)), 2).astype(np.float32)
    w[::17] = 0.0
    data = os.path.join(HERE, "sample_weighted.csv")
    with open(data, "w") as f:
        f.write(f"{header[0]},{header[1]},w,{header[2]}\n")
        for row, weight, label in zip(rows, w, labels):
            f.write(f"{row[0]},{row[1]},{weight:.2f},{label}\n")
    with open(os.path.join(HERE, "weighted.init.json")) as f:
        saved = json.load(f)["layers"]
    network = keras.Sequential([keras.Input(shape=(2,))] + [keras.layers.Dense(l["units"], activation=l["activation"]) for l in saved])
    for layer, s in zip(network.layers, saved):
        layer.set_weights([np.array(s["kernel"], dtype=np.float32), np.array(s["bias"], dtype=np.float32)])
    network.compile(loss="binary_crossentropy", optimizer="adam",
                    metrics=["accuracy", keras.metrics.AUC(name="auc")])
    history = network.fit(x, y, sample_weight=w, epochs=EPOCHS, batch_size=BATCH, shuffle=False, verbose=0,
                          validation_split=VALIDATION)
    rel = lambda p: os.path.relpath(p)
    out = {
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "args": [rel(data), "--folds", "1", "--epochs", str(EPOCHS), "--batch-size", str(BATCH), "--no-shuffle",
                 "--initial-model", rel(os.path.join(HERE, "weighted.init.json")),
                 "--validation-split", str(VALIDATION), "--metrics", "accuracy,auc", "--sample-weight-col", "w"],
        "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
    }
    with open(os.path.join(HERE, "sample_weighted.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(json.dumps(out["history"], indent=None)[:600])


if __name__ == "__main__":
    main()
