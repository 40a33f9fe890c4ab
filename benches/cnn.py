#!/usr/bin/env python3
"""A small CNN on 8x8 images, nntui against Keras 3 on TensorFlow with the same network
and settings, in one run: scikit-learn's digits (1,797 images, 10 classes, pixels 0..16),
`rescaling:0.0625, conv2d:16:3x3:relu, maxpool2d:2x2, flatten, 64:relu`, a softmax of 10,
Adam 0.001, batches of 32, 20 epochs, stratified 5-fold cross-validation with shuffling,
glorot_uniform kernels (Keras's default) in both.

    python3 benches/cnn.py [--repeat 3]

Needs numpy, scikit-learn, keras and tensorflow. Times are whole processes (the program
as a user runs it, TensorFlow's import included) and, for Keras, also the training alone
(the five fits, timed inside the process); accuracy is the mean over folds.

It also times the bound: the matrix products of the same five trainings alone (every
batch's forward and gradient products, and the held-out rows' forward products after
the last epoch: a quiet run scores them then alone, as Keras's `evaluate` does), in
numpy on OpenBLAS on one thread, with nntui on one thread beside it.
"""

import argparse
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LAYERS = "rescaling:0.0625,conv2d:16:3x3:relu,maxpool2d:2x2,flatten,64:relu"


def write_digits(path):
    from sklearn.datasets import load_digits

    digits = load_digits()
    with open(path, "w") as f:
        f.write(",".join(f"p{i}" for i in range(64)) + ",digit\n")
        for row, label in zip(digits.data.astype(int), digits.target):
            f.write(",".join(map(str, row)) + f",{label}\n")


KERAS = r"""
import os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np, keras
from sklearn.model_selection import StratifiedKFold
data = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
x, y = data[:, :-1].reshape(-1, 8, 8, 1).astype("float32"), data[:, -1].astype(int)
keras.utils.set_random_seed(7)
scores, start = [], time.perf_counter()
for train, test in StratifiedKFold(5, shuffle=True, random_state=7).split(x, y):
    model = keras.Sequential([
        keras.Input((8, 8, 1)), keras.layers.Rescaling(0.0625),
        keras.layers.Conv2D(16, (3, 3), activation="relu"), keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Flatten(), keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[train], y[train], epochs=20, batch_size=32, verbose=0)
    scores.append(model.evaluate(x[test], y[test], verbose=0)[1])
print("TRAIN", time.perf_counter() - start)
print("ACCURACY", 100 * np.mean(scores), 100 * np.std(scores))
"""


BOUND = r"""
import sys, time
import numpy as np
# argv: repeats, then each fold's training and held-out row counts (train:held).
folds = [tuple(map(int, f.split(":"))) for f in sys.argv[2:]]
epochs, batch = 20, 32
rng = np.random.default_rng(0)
def r(*shape):
    return rng.random(shape, dtype=np.float32)
conv, dense, out = r(9, 16), r(144, 64), r(64, 10)
def operands(train_rows, held_rows):
    # One epoch: the full batches of 32 stacked (numpy's matmul runs one sgemm per
    # batch, in C) and the last, shorter one; the conv as a product over 3x3 patches
    # (36 positions per image).
    batches = [(train_rows // batch, batch), (1, train_rows % batch)]
    stacks = [(r(n, b * 36, 9), r(n, b * 36, 16), r(n, b, 144), r(n, b, 64), r(n, b, 64), r(n, b, 10))
              for n, b in batches if b > 0]
    held = (r(held_rows * 36, 9), r(held_rows, 144), r(held_rows, 64))
    return stacks, held
def epoch(stacks):
    for patches, conv_grad, flat, dense_grad, hidden, out_grad in stacks:
        patches @ conv; patches.transpose(0, 2, 1) @ conv_grad
        flat @ dense; flat.transpose(0, 2, 1) @ dense_grad; dense_grad @ dense.T
        hidden @ out; hidden.transpose(0, 2, 1) @ out_grad; out_grad @ out.T
def score(held):
    held[0] @ conv; held[1] @ dense; held[2] @ out
work = [operands(train, held) for train, held in folds]
best = float("inf")
for _ in range(int(sys.argv[1])):
    start = time.perf_counter()
    for stacks, held in work:
        for _ in range(epochs):
            epoch(stacks)
        score(held)
    best = min(best, time.perf_counter() - start)
print("BOUND", best)
"""


def digit_folds(path):
    """The five stratified folds of the Keras run, as (training, held-out) index arrays."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    labels = np.loadtxt(path, delimiter=",", skiprows=1, usecols=-1).astype(int)
    return list(StratifiedKFold(5, shuffle=True, random_state=7).split(np.zeros(len(labels)), labels))


def timed(cmd):
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, out.stdout


def cpu_seconds(cmd):
    """User + system CPU time of one run of `cmd` (the process and its threads)."""
    before = os.times()
    subprocess.run(cmd, capture_output=True, text=True, check=True)
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "nntui"))
    args = parser.parse_args()
    out_dir = os.path.join(HERE, "out")
    os.makedirs(out_dir, exist_ok=True)
    data = os.path.join(out_dir, "digits.csv")
    if not os.path.exists(data):
        write_digits(data)
    nntui_cmd = [args.binary, data, "--no-tui", "-q", "--input-shape", "8x8x1", "--layers", LAYERS,
                 "--init", "glorot_uniform", "--epochs", "20", "--batch-size", "32", "--folds", "5", "--seed", "7"]
    rows = []
    for _ in range(args.repeat):
        seconds, stdout = timed(nntui_cmd)
        accuracy = stdout.strip().splitlines()[-1]
        rows.append(("nntui", seconds, None, accuracy))
        seconds, stdout = timed([sys.executable, "-c", KERAS, data])
        train = float(re.search(r"TRAIN ([\d.]+)", stdout).group(1))
        mean, std = map(float, re.search(r"ACCURACY ([\d.]+) ([\d.]+)", stdout).groups())
        rows.append(("keras", seconds, train, f"{mean:.2f}% (+/- {std:.2f}%)"))
    print(f"{'program':<8}{'process s':>11}{'training s':>12}  accuracy (5-fold)")
    for name, seconds, train, accuracy in rows:
        train_text = f"{train:.2f}" if train is not None else "-"
        print(f"{name:<8}{seconds:>11.2f}{train_text:>12}  {accuracy}")
    best = {name: min(r[1] for r in rows if r[0] == name) for name in ("nntui", "keras")}
    keras_train = min(r[2] for r in rows if r[0] == "keras")
    print(f"best of {args.repeat}: Keras / nntui = {best['keras'] / best['nntui']:.0f}x as processes, "
          f"{keras_train / best['nntui']:.0f}x counting only Keras's training")
    # The bound: the same products in numpy on one thread, against nntui's whole run on
    # one thread (user + system CPU time of the process, best of the repeats).
    # The folds' sizes are scikit-learn's StratifiedKFold's on the digits (1,437 or
    # 1,438 training rows, 360 or 359 held out), as in the Keras run.
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    sizes = [f"{len(train)}:{len(test)}" for train, test in digit_folds(data)]
    bound = float(re.search(r"BOUND ([\d.]+)", subprocess.run(
        [sys.executable, "-c", BOUND, str(args.repeat), *sizes], capture_output=True, text=True, check=True,
        env=env).stdout).group(1))
    one_thread = min(cpu_seconds(nntui_cmd + ["--threads", "1"]) for _ in range(args.repeat))
    print(f"one thread: nntui {one_thread:.3f} s (CPU, whole process); numpy, the same matrix "
          f"products alone: {bound:.3f} s; nntui / bound = {one_thread / bound:.2f}")


if __name__ == "__main__":
    main()
