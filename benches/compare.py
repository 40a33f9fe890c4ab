"""Times nntui against scikit-learn (and Keras, if installed) as whole processes in one
run, and measures how nntui's cost grows. Called by benches/compare.sh, which builds
nntui and prepares the Python environment.

Usage: python compare.py NNTUI_BINARY PIMA_CSV OUT_DIR [--keras] [--table-only]
(`--table-only`: the peers' table alone, without the bound and the growth figures.)
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
    """Median wall seconds of `runs` whole processes started directly, the largest peak
    resident MiB (GNU time's %M, measured in separate runs so that its own start-up is
    not timed), and the output."""
    gnu_time = os.path.exists("/usr/bin/time")
    if runs == 1 and gnu_time:
        # Seconds-long peers: one run, timed with the wrapper (its start-up is noise here).
        start = time.perf_counter()
        result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True)
        elapsed = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit("failed: %s\n%s" % (" ".join(command), result.stderr.decode()))
        peak = int(result.stderr.decode().strip().splitlines()[-1]) / 1024
        return elapsed, peak, result.stdout.decode()
    seconds, output = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True)
        seconds.append(time.perf_counter() - start)
        if result.returncode != 0:
            sys.exit("failed: %s\n%s" % (" ".join(command), result.stderr.decode()))
        output = result.stdout.decode()
    peak = None
    if gnu_time:
        peaks = []
        for _ in range(min(runs, 3)):
            result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True)
            peaks.append(int(result.stderr.decode().strip().splitlines()[-1]) / 1024)
        peak = max(peaks)
    return statistics.median(seconds), peak, output


def last_line(text):
    lines = [line for line in text.strip().splitlines() if line]
    return lines[-1] if lines else ""


def criterion():
    """The multiply-add rates of the criterion tight-loop benchmarks."""
    result = subprocess.run(
        ["cargo", "bench", "--bench", "training", "--", "arithmetic bound", "--noplot"],
        cwd=os.path.dirname(HERE),
        capture_output=True,
        text=True,
    )
    text = result.stdout
    rate = re.search(r"f32 multiply-adds, dispatched\s+time:.*?\n\s+thrpt:\s+\[\S+ \S+ (\S+) (\S+)", text, re.S)
    baseline = re.search(r"f32 multiply-adds, baseline\s+time:.*?\n\s+thrpt:\s+\[\S+ \S+ (\S+) (\S+)", text, re.S)
    scale = {"Gelem/s": 1e9, "Melem/s": 1e6}
    if not (rate and baseline):
        return None
    return float(rate.group(1)) * scale[rate.group(2)], float(baseline.group(1)) * scale[baseline.group(2)]


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
    if "--table-only" in sys.argv:
        return

    rates = criterion()
    if rates:
        rate, baseline_rate = rates
        # The fit's compute as the engine itself times it (run_ended.elapsed_seconds),
        # median of 21 runs of the real program.
        engine = []
        for _ in range(21):
            result = subprocess.run([binary, "--json", "--folds", "1", pima], capture_output=True, text=True, check=True)
            engine.append(json.loads(result.stdout.strip().splitlines()[-1])["elapsed_seconds"])
        fit_seconds = statistics.median(engine)
        per_row = (8 * 12 + 12 * 8 + 8 * 1) + (8 * 12 + 12 * 8 + 8 * 1) + (12 * 8 + 8 * 1)
        macs = 768 * 150 * per_row
        bound = macs / rate
        print()
        print("tutorial fit, engine time (median of 21): %.2f ms for %.1fM multiply-adds" % (fit_seconds * 1e3, macs / 1e6))
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
