#!/usr/bin/env python3
"""Writes the TensorBoard event files under tests/tensorboard/ with the real writers,
and the values they were given, for tests/tensorboard.rs to check exactly.

    python tests/tensorboard/make_fixtures.py    # in a venv with tensorflow-cpu, keras, tensorboardX

- keras/: a Keras 3 fit with keras.callbacks.TensorBoard(histogram_freq=1) and
  validation data: train/ and validation/ event files with TF2 tensor summaries
  (scalars plugin, the plugin name on a tag's first event only) and weight histograms
  as [k, 3] tensors (histograms plugin).
- tbx/: a tensorboardX loop: simple_value scalars (Loss/train, Loss/test,
  Accuracy/test), HistogramProto histograms, and a text summary (skipped by nntui).
expected.json holds what each writer was given: Keras's History (the values the
callback logs) and the loop's scalars.
"""

import json
import os
import shutil

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def keras_run(out):
    import keras

    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(96, 4)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("float32")
    model = keras.Sequential([
        keras.Input(shape=(4,)),
        keras.layers.Dense(6, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(
        x[:64], y[:64], validation_data=(x[64:], y[64:]), epochs=6, batch_size=16, verbose=0,
        callbacks=[keras.callbacks.TensorBoard(log_dir=out, histogram_freq=1)],
    )
    return {name: [float(v) for v in values] for name, values in history.history.items()}


def tbx_run(out):
    from tensorboardX import SummaryWriter

    rng = np.random.default_rng(3)
    writer = SummaryWriter(out)
    logged = {"Loss/train": [], "Loss/test": [], "Accuracy/test": []}
    for step in range(0, 50, 5):
        train = float(np.float32(1.0 / (1 + step) + 0.01 * rng.random()))
        test = float(np.float32(1.2 / (1 + step) + 0.02 * rng.random()))
        accuracy = float(np.float32(0.5 + 0.009 * step))
        writer.add_scalar("Loss/train", train, step)
        writer.add_scalar("Loss/test", test, step)
        writer.add_scalar("Accuracy/test", accuracy, step)
        logged["Loss/train"].append([step, train])
        logged["Loss/test"].append([step, test])
        logged["Accuracy/test"].append([step, accuracy])
        writer.add_histogram("weights/layer1", rng.normal(step / 10, 1.0, size=200), step)
    writer.add_text("notes", "a text summary, which nntui skips and counts", 0)
    writer.close()
    return logged


def main():
    for name in ("keras", "tbx"):
        shutil.rmtree(os.path.join(HERE, name), ignore_errors=True)
    expected = {
        "keras": keras_run(os.path.join(HERE, "keras")),
        "tbx": tbx_run(os.path.join(HERE, "tbx")),
    }
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
