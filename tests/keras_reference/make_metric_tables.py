"""Records Keras 3's metrics on fixed predictions, batch by batch, for nntui's tests.

Each case is a list of batches (predictions and targets, float32); for each metric the
file holds Keras's result after each batch, the metric's state accumulated as `fit`
accumulates it over an epoch. nntui's `Tally` must give the same numbers
(`tests/metrics.rs`).

    python3 -m venv venv && venv/bin/pip install keras numpy
    KERAS_BACKEND=numpy venv/bin/python tests/keras_reference/make_metric_tables.py

writes tests/keras_reference/metrics.json.
"""

import json
import os

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "numpy")
import keras  # noqa: E402

rng = np.random.default_rng(20261206)


def binary_batches():
    batches = []
    for size in (10, 10, 7):
        p = rng.random((size, 1)).astype(np.float32)
        y = (rng.random((size, 1)) < 0.35).astype(np.float32)
        batches.append((p, y))
    # Edge values: exactly 0, 1, 0.5 and on AUC thresholds (k / 199 in float32).
    p = np.array([[0.0], [1.0], [0.5], [np.float32(100) / np.float32(199)], [np.float32(1) / np.float32(199)], [0.99]], dtype=np.float32)
    y = np.array([[0.0], [1.0], [1.0], [0.0], [1.0], [1.0]], dtype=np.float32)
    batches.append((p, y))
    return batches


def categorical_batches(classes):
    batches = []
    for size in (12, 12, 5):
        logits = rng.normal(size=(size, classes)) * 2
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        labels = rng.integers(0, classes, size)
        y = np.eye(classes)[labels]
        batches.append((p.astype(np.float32), y.astype(np.float32)))
    return batches


def regression_batches():
    batches = []
    for size in (8, 8, 3):
        y = (rng.normal(size=(size, 1)) * 20 + 50).astype(np.float32)
        p = (y + rng.normal(size=(size, 1)) * 5).astype(np.float32)
        batches.append((p, y))
    # A target of 0 (mape divides by epsilon there).
    batches.append((np.array([[0.5], [3.0]], dtype=np.float32), np.array([[0.0], [2.0]], dtype=np.float32)))
    return batches


def metrics(kind):
    if kind == "binary":
        return {
            "accuracy": lambda: keras.metrics.BinaryAccuracy(),
            "auc": lambda: keras.metrics.AUC(),
            "pr_auc": lambda: keras.metrics.AUC(curve="PR"),
            "precision": lambda: keras.metrics.Precision(),
            "recall": lambda: keras.metrics.Recall(),
            "f1_score": lambda: keras.metrics.F1Score(average="macro", threshold=0.5),
        }
    if kind == "categorical":
        return {
            "accuracy": lambda: keras.metrics.CategoricalAccuracy(),
            "auc": lambda: keras.metrics.AUC(),
            "pr_auc": lambda: keras.metrics.AUC(curve="PR"),
            "precision": lambda: keras.metrics.Precision(),
            "recall": lambda: keras.metrics.Recall(),
            "f1_score": lambda: keras.metrics.F1Score(average="macro"),
            "top_k_categorical_accuracy": lambda: keras.metrics.TopKCategoricalAccuracy(),
        }
    return {
        "mae": lambda: keras.metrics.MeanAbsoluteError(),
        "mse": lambda: keras.metrics.MeanSquaredError(),
        "rmse": lambda: keras.metrics.RootMeanSquaredError(),
        "mape": lambda: keras.metrics.MeanAbsolutePercentageError(),
        "r2_score": lambda: keras.metrics.R2Score(),
    }


cases = []
for name, kind, batches in [
    ("binary", "binary", binary_batches()),
    ("three_classes", "categorical", categorical_batches(3)),
    ("seven_classes", "categorical", categorical_batches(7)),
    ("regression", "regression", regression_batches()),
]:
    results = {}
    for metric, make in metrics(kind).items():
        m = make()
        after = []
        for p, y in batches:
            m.update_state(y, p)
            after.append(float(np.asarray(m.result())))
        results[metric] = after
    cases.append(
        {
            "name": name,
            "units": int(batches[0][0].shape[1]),
            "batches": [
                {"predictions": p.ravel().tolist(), "targets": y.ravel().tolist()} for p, y in batches
            ],
            "keras": results,
        }
    )

out = os.path.join(os.path.dirname(__file__), "metrics.json")
with open(out, "w") as f:
    json.dump({"keras": keras.__version__, "backend": keras.backend.backend(), "cases": cases}, f, indent=1)
    f.write("\n")
print(out)
