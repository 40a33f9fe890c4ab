"""Times nntui against scikit-learn (and Keras, if installed) as whole processes in one
run, and measures how nntui's cost grows. Called by benches/compare.sh, which builds
nntui and prepares the Python environment.

Usage: python compare.py NNTUI_BINARY PIMA_CSV OUT_DIR [--keras]
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(command, runs):
    """As `measure`, with peak memory from GNU time's %M where available."""
    seconds, peaks, output = [], [], ""
    gnu_time = "/usr/bin/time"
    for _ in range(runs):
        wrapped = [gnu_time, "-f", "%M", *command] if os.path.exists(gnu_time) else command
        start = time.perf_counter()
        result = subprocess.run(wrapped, capture_output=True)
        seconds.append(time.perf_counter() - start)
        if result.returncode != 0:
            sys.exit("failed: %s\n%s" % (" ".join(command), result.stderr.decode()))
        output = result.stdout.decode()
        if wrapped is not command:
            peaks.append(int(result.stderr.decode().strip().splitlines()[-1]) / 1024)
    return statistics.median(seconds), (max(peaks) if peaks else None), output


def last_line(text):
    lines = [line for line in text.strip().splitlines() if line]
    return lines[-1] if lines else ""


def criterion(binary_dir):
    """The fit's engine time and the multiply-add rate from the criterion benchmarks."""
    result = subprocess.run(
        ["cargo", "bench", "--bench", "training", "--", "tutorial/fit|arithmetic bound", "--noplot"],
        cwd=os.path.dirname(HERE),
        capture_output=True,
        text=True,
    )
    text = result.stdout
    fit = re.search(r"tutorial/fit, 150 epochs\s+time:\s+\[\S+ \S+ (\S+) (\S+)", text)
    rate = re.search(r"f32 multiply-adds, dispatched\s+time:.*?\n\s+thrpt:\s+\[\S+ \S+ (\S+) (\S+)", text, re.S)
    baseline = re.search(r"f32 multiply-adds, baseline\s+time:.*?\n\s+thrpt:\s+\[\S+ \S+ (\S+) (\S+)", text, re.S)
    unit = {"ms": 1e-3, "µs": 1e-6, "us": 1e-6, "s": 1.0}
    scale = {"Gelem/s": 1e9, "Melem/s": 1e6}
    if not (fit and rate and baseline):
        return None
    return (
        float(fit.group(1)) * unit[fit.group(2)],
        float(rate.group(1)) * scale[rate.group(2)],
        float(baseline.group(1)) * scale[baseline.group(2)],
    )


def main():
    binary, pima, out = sys.argv[1], sys.argv[2], sys.argv[3]
    keras = "--keras" in sys.argv
    python = sys.executable
    rows = []

    def row(name, nntui_command, peer_command, runs, peer_runs, peer_name):
        ours, our_peak, our_output = timed(nntui_command, runs)
        theirs, their_peak, their_output = timed(peer_command, peer_runs)
        rows.append((name, peer_name, ours, our_peak, last_line(our_output), theirs, their_peak, last_line(their_output)))

    fit = [binary, "--no-tui", "-q", "--folds", "1", pima]
    cv = [binary, "--no-tui", "-q", "--folds", "10", "--threads", "2", pima]
    row("tutorial fit", fit, [python, os.path.join(HERE, "sklearn_tutorial.py"), "fit", pima], 21, 3, "scikit-learn")
    row("10-fold CV", cv, [python, os.path.join(HERE, "sklearn_tutorial.py"), "cv", pima], 11, 1, "scikit-learn")
    if keras:
        row("tutorial fit", fit, [python, os.path.join(HERE, "keras_tutorial.py"), "fit", pima], 21, 1, "Keras 3")
        row("10-fold CV", cv, [python, os.path.join(HERE, "keras_tutorial.py"), "cv", pima], 11, 1, "Keras 3")

    print("| work | nntui | peak | %s | peak | ratio |" % "peer")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, peer, ours, our_peak, our_result, theirs, their_peak, their_result in rows:
        print(
            "| %s | %.1f ms (%s) | %.1f MiB | %s: %.2f s (%s) | %.0f MiB | %.0fx |"
            % (name, ours * 1e3, our_result, our_peak or 0, peer, theirs, their_result, their_peak or 0, theirs / ours)
        )

    bench = criterion(os.path.dirname(binary))
    if bench:
        fit_seconds, rate, baseline_rate = bench
        macs = 768 * 150 * (8 * 12 + 12 * 8 + 8 * 1) + 768 * 150 * (8 * 12 + 12 * 8 + 8 * 1) + 768 * 150 * (12 * 8 + 8 * 1)
        bound = macs / rate
        print()
        print("tutorial fit, engine only (criterion): %.2f ms for %.1fM multiply-adds" % (fit_seconds * 1e3, macs / 1e6))
        print(
            "tight-loop multiply-add rate: %.1f G/s dispatched (AVX2 here), %.1f G/s baseline x86-64"
            % (rate / 1e9, baseline_rate / 1e9)
        )
        print("arithmetic bound %.2f ms; the fit takes %.1fx that" % (bound * 1e3, fit_seconds / bound))

    os.makedirs(out, exist_ok=True)
    wide = os.path.join(out, "blobs-100k-50.csv")
    tall = os.path.join(out, "blobs-1m-10.csv")
    if not os.path.exists(wide):
        subprocess.run([binary, "generate", "blobs", "--rows", "100000", "--features", "50", "--classes", "5", "--noise", "3", "-o", wide], check=True)
    if not os.path.exists(tall):
        subprocess.run([binary, "generate", "blobs", "--rows", "1000000", "--features", "10", "--classes", "2", "--noise", "2", "-o", tall], check=True)
    print()
    for batch in (10, 100):
        result = subprocess.run(
            [binary, "--json", "--folds", "1", "--epochs", "2", "--standardize", "--batch-size", str(batch),
             "--layers", "256:relu,128:relu", wide],
            capture_output=True, text=True, check=True,
        )
        epochs = [json.loads(line) for line in result.stdout.splitlines() if '"type":"epoch_ended"' in line]
        seconds_per_epoch = epochs[-1]["epoch_seconds"]
        print("100,000 x 50, 50-256-128-5 network, batch %d: %.0f samples/s" % (batch, 100_000 / seconds_per_epoch))
    seconds, peak, _ = timed([binary, "--no-tui", "--folds", "1", "--epochs", "1", "--layers", "none", "--batch-size", "1000", tall], 3)
    result = subprocess.run([binary, "--no-tui", "--folds", "1", "--epochs", "1", "--layers", "none", "--batch-size", "1000", tall], capture_output=True, text=True, check=True)
    loaded = re.search(r"in ([0-9.]+) s", result.stderr)
    data_mib = 1_000_000 * 10 * 4 / 2**20
    print(
        "1,000,000 x 10 CSV (%.0f MiB): loaded in %s s; peak memory %.0f MiB for %.0f MiB of f32 data (%.2fx)"
        % (os.path.getsize(tall) / 2**20, loaded.group(1) if loaded else "?", peak, data_mib, peak / data_mib)
    )


if __name__ == "__main__":
    main()
