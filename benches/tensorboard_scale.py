#!/usr/bin/env python3
"""Writes a TensorBoard log folder of 100 runs and a million scalar events with
tensorboardX (as a PyTorch loop would), then times `nntui view --no-tui` on it and
measures its peak memory (issue 16's scale target).

    python benches/tensorboard_scale.py [--nntui target/release/nntui] [--dir /tmp/tb-scale]

Each run logs 4 scalar tags (Loss/train, Loss/test, Accuracy/test, lr) for 2,500
steps: 100 x 4 x 2,500 = 1,000,000 events. The folder is written once and reused.
"""

import argparse
import os
import resource
import subprocess
import time

RUNS, TAGS, STEPS = 100, 4, 2500


def write(folder):
    from tensorboardX import SummaryWriter

    for run in range(RUNS):
        writer = SummaryWriter(os.path.join(folder, f"lr{run % 10}", f"seed{run // 10}"), max_queue=10000)
        for step in range(STEPS):
            loss = 1.0 / (1 + step * (1 + run % 10) / 100)
            writer.add_scalar("Loss/train", loss, step)
            writer.add_scalar("Loss/test", loss * 1.1, step)
            writer.add_scalar("Accuracy/test", 1 - loss / 2, step)
            writer.add_scalar("lr", 0.001 * (1 + run % 10), step)
        writer.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nntui", default="target/release/nntui")
    parser.add_argument("--dir", default="/tmp/tb-scale")
    args = parser.parse_args()
    if not os.path.isdir(args.dir):
        started = time.perf_counter()
        write(args.dir)
        print(f"wrote {RUNS * TAGS * STEPS:,} events in {time.perf_counter() - started:.0f} s")
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(args.dir) for f in fs)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        result = subprocess.run([args.nntui, "view", "--no-tui", args.dir], capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - started)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    lines = result.stdout.splitlines()
    print(f"{len(lines) - 1} tag rows from {size / 1e6:.1f} MB of event files")
    print(f"nntui view --no-tui: {min(times):.2f} s (best of 3), peak resident memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
