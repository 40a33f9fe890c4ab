#!/usr/bin/env python3
"""A 10-step LSTM(32) forecast of the yearly sunspot numbers (statsmodels' `sunspots`,
1700-2008, 309 values, so 299 windows), nntui against Keras 3 on TensorFlow in one run:
`--window 10 --layers lstm:32`, a linear output, mse, Adam 0.001, batches of 32, 100
epochs, the last 20% of the windows held out (the 10 windows before them left out of
training in both, so that no window crosses the cut), inputs and target z-scored with
the training windows' statistics, glorot_uniform input kernels, orthogonal recurrent
kernels, unit forget bias (Keras's defaults) in both.

    python3 benches/lstm.py [--repeat 3]

Needs numpy, statsmodels, keras and tensorflow. Prints each program's whole-process time
(and Keras's training alone), the held-out mean absolute error in sunspots, and the
naive forecast's (next year = this year) on the same windows. nntui's GRU and SimpleRNN
are listed too.
"""

import argparse
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WINDOW, SHARE = 10, 0.2


def write_series(path):
    import statsmodels.api as sm

    values = sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].tolist()
    with open(path, "w") as f:
        f.write("sunspots\n")
        f.writelines(f"{v}\n" for v in values)
    return values


KERAS = r"""
import os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np, keras
window, share = int(sys.argv[2]), float(sys.argv[3])
series = np.loadtxt(sys.argv[1], skiprows=1, dtype="float32")
n = len(series) - window
x = np.stack([series[i:i + window] for i in range(n)])[..., None]
y = series[window:window + n]
split = int(n * (1 - share))
train, held = np.arange(split - window), np.arange(split, n)
mean, std = x[train].mean(axis=0), x[train].std(axis=0)
y_mean, y_std = y[train].mean(), y[train].std()
xs, ys = (x - mean) / std, (y - y_mean) / y_std
keras.utils.set_random_seed(7)
model = keras.Sequential([keras.Input((window, 1)), keras.layers.LSTM(32), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
start = time.perf_counter()
model.fit(xs[train], ys[train], epochs=100, batch_size=32, verbose=0)
train_seconds = time.perf_counter() - start
predicted = model.predict(xs[held], verbose=0)[:, 0] * y_std + y_mean
print("TRAIN", train_seconds)
print("MAE", float(np.mean(np.abs(predicted - y[held]))))
print("NAIVE", float(np.mean(np.abs(x[held, -1, 0] - y[held]))))
"""


def timed(cmd):
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, out.stdout


def nntui(binary, data, layers):
    cmd = [binary, data, "--no-tui", "-q", "--window", str(WINDOW), "--layers", layers, "--epochs", "100",
           "--batch-size", "32", "--folds", "1", "--validation-split", str(SHARE), "--standardize",
           "--init", "glorot_uniform", "--seed", "7"]
    seconds, stdout = timed(cmd)
    val_mae = float(re.search(r"val_mae: ([\d.]+)", stdout).group(1))
    return seconds, val_mae


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "nntui"))
    args = parser.parse_args()
    out_dir = os.path.join(HERE, "out")
    os.makedirs(out_dir, exist_ok=True)
    data = os.path.join(out_dir, "sunspots.csv")
    write_series(data)
    rows = []
    for _ in range(args.repeat):
        rows.append(("nntui lstm:32", *nntui(args.binary, data, "lstm:32"), None))
        seconds, stdout = timed([sys.executable, "-c", KERAS, data, str(WINDOW), str(SHARE)])
        found = lambda name: float(re.search(name + r" ([\d.]+)", stdout).group(1))
        rows.append(("keras LSTM(32)", seconds, found("MAE"), found("TRAIN")))
        naive = found("NAIVE")
    for layers in ("gru:32", "simplernn:32"):
        rows.append((f"nntui {layers}", *nntui(args.binary, data, layers), None))
    print(f"{'program':<20}{'process s':>11}{'training s':>12}{'held-out mae':>14}")
    for name, seconds, mae, train in rows:
        train_text = f"{train:.2f}" if train is not None else "-"
        print(f"{name:<20}{seconds:>11.2f}{train_text:>12}{mae:>14.2f}")
    print(f"{'naive (last year)':<20}{'':>11}{'':>12}{naive:>14.2f}")
    best_nntui = min(r[1] for r in rows if r[0] == "nntui lstm:32")
    best_keras = min(r[1] for r in rows if r[0].startswith("keras"))
    keras_train = min(r[3] for r in rows if r[0].startswith("keras"))
    print(f"best of {args.repeat}: Keras / nntui = {best_keras / best_nntui:.0f}x as processes, "
          f"{keras_train / best_nntui:.0f}x counting only Keras's training")


if __name__ == "__main__":
    main()
