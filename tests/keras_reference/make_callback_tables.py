"""Tables of what Keras 3's EarlyStopping and ReduceLROnPlateau do, for
tests/callbacks.rs.

Each case feeds a callback a sequence of monitored values through its real
`on_epoch_end` (on a tiny compiled model, so that `mode="auto"` resolves as in a fit)
and records where Keras stops, which epoch's weights it would restore, and where it
reduces the learning rate to what. Run from the repository root, in a virtual
environment outside the repo with tensorflow and keras installed:

    python tests/keras_reference/make_callback_tables.py

It rewrites tests/keras_reference/callbacks.json.
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import keras

HERE = os.path.dirname(os.path.abspath(__file__))

DOWN = [1.0, 0.9, 0.8, 0.85, 0.84, 0.83, 0.82, 0.81, 0.79, 0.795, 0.8, 0.81, 0.82, 0.83, 0.84]
FLAT = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
SMALL_STEPS = [1.0, 0.99995, 0.9999, 0.99985, 0.9998, 0.99975, 0.9997, 0.99965, 0.9996, 0.99955]
UP = [0.5, 0.6, 0.7, 0.65, 0.66, 0.64, 0.71, 0.70, 0.69, 0.68, 0.67, 0.66]
NOISY = [0.9, 0.7, 0.75, 0.72, 0.69, 0.71, 0.73, 0.74, 0.68, 0.70, 0.71, 0.72, 0.73, 0.74, 0.75, 0.76]

EARLY_STOPPING = [
    ("val_loss", DOWN, {"patience": 0}),
    ("val_loss", DOWN, {"patience": 2}),
    ("val_loss", DOWN, {"patience": 3, "restore_best_weights": True}),
    ("val_loss", DOWN, {"patience": 10, "restore_best_weights": True}),
    ("val_loss", FLAT, {"patience": 3}),
    ("val_loss", SMALL_STEPS, {"patience": 2, "min_delta": 0.0001}),
    ("val_loss", SMALL_STEPS, {"patience": 2, "min_delta": -0.0001}),
    ("val_loss", DOWN, {"patience": 2, "baseline": 0.7}),
    ("val_loss", DOWN, {"patience": 2, "baseline": 0.7, "restore_best_weights": True}),
    ("val_loss", DOWN, {"patience": 2, "baseline": 0.85}),
    ("val_loss", DOWN, {"patience": 2, "start_from_epoch": 4}),
    ("val_loss", DOWN, {"patience": 1, "start_from_epoch": 6, "restore_best_weights": True}),
    ("val_accuracy", UP, {"patience": 2}),
    ("val_accuracy", UP, {"patience": 3, "restore_best_weights": True}),
    ("val_accuracy", UP, {"patience": 2, "mode": "min"}),
    ("loss", UP, {"patience": 2, "mode": "max", "min_delta": 0.05}),
    ("accuracy", NOISY, {"patience": 4, "mode": "max", "baseline": 0.95}),
    ("val_loss", NOISY, {"patience": 4, "restore_best_weights": True}),
]

REDUCE_LR = [
    ("val_loss", DOWN, {"patience": 2}),
    ("val_loss", DOWN, {"patience": 2, "factor": 0.5}),
    ("val_loss", DOWN, {"patience": 1, "factor": 0.5, "cooldown": 2}),
    ("val_loss", FLAT, {"patience": 2, "factor": 0.5, "min_lr": 0.0002}),
    ("val_loss", FLAT, {"patience": 0, "factor": 0.5}),
    ("val_loss", SMALL_STEPS, {"patience": 2, "min_delta": 0.0001}),
    ("val_loss", SMALL_STEPS, {"patience": 2, "min_delta": 0.0}),
    ("val_accuracy", UP, {"patience": 2, "factor": 0.2}),
    ("val_loss", NOISY, {"patience": 3, "factor": 0.5, "cooldown": 1, "min_lr": 0.0001}),
]


def model():
    network = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, activation="sigmoid")])
    network.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.001), metrics=["accuracy"])
    # Build the metrics as a fit would.
    network.evaluate(np.zeros((2, 2)), np.zeros((2, 1)), verbose=0)
    return network


def logs(monitor, value):
    return {monitor: value, "loss": 1.0 if monitor != "loss" else value}


def early_stopping(monitor, values, params):
    network = model()
    callback = keras.callbacks.EarlyStopping(monitor=monitor, **params)
    callback.set_model(network)
    callback.on_train_begin()
    stopped = None
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, logs(monitor, value))
        if network.stop_training:
            stopped = epoch + 1
            break
    restored = callback.best_epoch + 1 if callback.restore_best_weights and callback.best_weights is not None else None
    return {"stopped_epoch": stopped, "restored_epoch": restored}


def reduce_lr(monitor, values, params):
    network = model()
    callback = keras.callbacks.ReduceLROnPlateau(monitor=monitor, **params)
    callback.set_model(network)
    callback.on_train_begin()
    reductions = []
    for epoch, value in enumerate(values):
        before = float(network.optimizer.learning_rate)
        callback.on_epoch_end(epoch, logs(monitor, value))
        after = float(network.optimizer.learning_rate)
        if after != before:
            reductions.append([epoch + 1, after])
    return {"reductions": reductions}


def main():
    cases = []
    for monitor, values, params in EARLY_STOPPING:
        cases.append({"callback": "early_stopping", "monitor": monitor, "values": values, "params": params,
                      **early_stopping(monitor, values, params)})
    for monitor, values, params in REDUCE_LR:
        cases.append({"callback": "reduce_lr_on_plateau", "monitor": monitor, "values": values, "params": params,
                      "initial_lr": 0.001, **reduce_lr(monitor, values, params)})
    with open(os.path.join(HERE, "callbacks.json"), "w") as f:
        json.dump({"keras": keras.__version__, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
