#!/usr/bin/env python3
"""Rows per second for a big Dense network: 60,000 x 784 rows (MNIST-sized, pixels
0..255 drawn around ten random prototypes), `--layers 256:relu,128:relu --batch-size 128`,
one fit, against PyTorch's CPU build on the same standardized data with the same network
(784-256-128-10, Adam 0.001, shuffled batches of 128), on 1 and 2 threads, in one run.

    python3 benches/big_dense.py [--baseline OLD_NNTUI] [--epochs 3]

Needs numpy and torch (any build; it runs on the CPU). Prints each program's steady
epoch time (the mean of the epochs after the first), rows per second, and peak memory
of the whole process (GNU time). The last row is the bound: the same epoch's matrix
products alone (forward, weight gradients, the hidden layers' input gradients) through
numpy's BLAS with as many threads, on random data of the same shapes. `--baseline` runs another nntui binary the same way,
e.g. one built from the commit before the GEMM path.
"""

import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ROWS, FEATURES, CLASSES = 60_000, 784, 10


def make_data(path):
    import numpy as np

    rng = np.random.default_rng(0)
    prototypes = rng.integers(0, 256, (CLASSES, FEATURES)).astype(np.float32)
    labels = rng.integers(0, CLASSES, ROWS)
    x = np.clip(prototypes[labels] * 0.5 + rng.normal(0, 60, (ROWS, FEATURES)), 0, 255).astype(np.int32)
    with open(path, "w") as f:
        f.write(",".join(f"p{i}" for i in range(FEATURES)) + ",label\n")
        for row, label in zip(x, labels):
            f.write(",".join(map(str, row)) + f",{label}\n")


def peak_mb(stderr):
    match = re.search(r"PEAK_KB (\d+)", stderr)
    return int(match.group(1)) / 1024 if match else float("nan")


def nntui(binary, data, threads, epochs):
    cmd = ["/usr/bin/time", "-f", "PEAK_KB %M", binary, data, "--no-tui", "--json", "--folds", "1",
           "--layers", "256:relu,128:relu", "--batch-size", "128", "--epochs", str(epochs),
           "--standardize", "--threads", str(threads)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    seconds = [json.loads(line)["epoch_seconds"] for line in out.stdout.splitlines() if '"type":"epoch_ended"' in line]
    steady = seconds[1:] or seconds
    return sum(steady) / len(steady), peak_mb(out.stderr)


TORCH = r"""
import sys, time, numpy as np, torch
threads, epochs, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
torch.set_num_threads(threads)
torch.manual_seed(0)
data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)
x, y = data[:, :-1], data[:, -1].astype(np.int64)
x = (x - x.mean(0)) / np.where(x.std(0) > 0, x.std(0), 1)
x, y = torch.from_numpy(x), torch.from_numpy(y)
model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                            torch.nn.ReLU(), torch.nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=0.001)
loss_fn = torch.nn.CrossEntropyLoss()
times = []
for epoch in range(epochs):
    start = time.perf_counter()
    order = torch.randperm(len(x))
    for i in range(0, len(x), 128):
        idx = order[i:i + 128]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
    times.append(time.perf_counter() - start)
steady = times[1:] or times
print("EPOCH", sum(steady) / len(steady))
"""


# The bound: only the epoch's matrix products (forward, weight gradients, and the
# hidden layers' input gradients), through numpy's BLAS on random data of the same shapes.
PRODUCTS = r"""
import sys, time, numpy as np
epochs, rows, batch = int(sys.argv[1]), int(sys.argv[2]), 128
rng = np.random.default_rng(0)
sizes = [784, 256, 128, 10]
w = [rng.standard_normal((a, b), dtype=np.float32) for a, b in zip(sizes, sizes[1:])]
x = rng.standard_normal((batch, 784), dtype=np.float32)
h = [np.empty((batch, n), np.float32) for n in sizes[1:]]
d = [rng.standard_normal((batch, n), dtype=np.float32) for n in sizes[1:]]
g = [np.empty_like(k) for k in w]
dh = [np.empty((batch, n), np.float32) for n in sizes[1:-1]]
times = []
for epoch in range(epochs):
    start = time.perf_counter()
    for first in range(0, rows, batch):
        n = min(batch, rows - first)
        inputs = [x[:n], h[0][:n], h[1][:n]]
        for k in range(3):
            np.matmul(inputs[k], w[k], out=h[k][:n])
        for k in range(3):
            np.matmul(inputs[k].T, d[k][:n], out=g[k])
        for k in (1, 2):
            np.matmul(d[k][:n], w[k].T, out=dh[k - 1][:n])
    times.append(time.perf_counter() - start)
steady = times[1:] or times
print("EPOCH", sum(steady) / len(steady))
"""


def products(threads, epochs):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    cmd = ["/usr/bin/time", "-f", "PEAK_KB %M", sys.executable, "-c", PRODUCTS, str(epochs), str(ROWS)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    return float(re.search(r"EPOCH ([\d.]+)", out.stdout).group(1)), peak_mb(out.stderr)


def pytorch(data, threads, epochs):
    cmd = ["/usr/bin/time", "-f", "PEAK_KB %M", sys.executable, "-c", TORCH, str(threads), str(epochs), data]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return float(re.search(r"EPOCH ([\d.]+)", out.stdout).group(1)), peak_mb(out.stderr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", help="another nntui binary to measure the same way")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "nntui"))
    args = parser.parse_args()
    out_dir = os.path.join(HERE, "out")
    os.makedirs(out_dir, exist_ok=True)
    data = os.path.join(out_dir, "big_dense.csv")
    if not os.path.exists(data):
        make_data(data)
    runs = [("nntui", lambda t: nntui(args.binary, data, t, args.epochs))]
    if args.baseline:
        runs.append(("baseline nntui", lambda t: nntui(args.baseline, data, t, args.epochs)))
    runs.append(("pytorch " + __import__("torch").__version__, lambda t: pytorch(data, t, args.epochs)))
    runs.append(("numpy products only", lambda t: products(t, max(args.epochs, 3))))
    print(f"{'program':<22}{'threads':>8}{'epoch s':>10}{'rows/s':>10}{'peak MB':>10}")
    for threads in (1, 2):
        for name, measure in runs:
            seconds, peak = measure(threads)
            print(f"{name:<22}{threads:>8}{seconds:>10.3f}{ROWS / seconds:>10.0f}{peak:>10.0f}", flush=True)


if __name__ == "__main__":
    main()
