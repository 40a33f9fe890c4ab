#!/usr/bin/env bash
# The comparison at scale (issue 25): 10,000 runs x 100 epochs of events.jsonl, made by
# copying 20 real Pima runs (with their weights lines, as nntui writes them) into
# 10,000 folders. Times `view --no-tui` (best of 3) with its peak memory, the
# comparison's opening and answering a key in tmux at 120x40, and the CPU of following
# 100 idle runs for 20 s.
# Usage: benches/many_runs.sh [OUT_DIR]   (default benches/out/many; written once)
set -euo pipefail
cd "$(dirname "$0")/.."
pima=$(realpath "${NNTUI_PIMA:-../shared/data/pima-indians-diabetes.csv}")
out=${1:-benches/out/many}
cargo build --release --quiet
nntui=$(realpath target/release/nntui)
if [ ! -d "$out/r10k" ]; then
  mkdir -p "$out/base" "$out/r10k" "$out/r100"
  for i in $(seq 0 19); do
    lr=$(python3 -c "print(0.0005 * ($i % 5 + 1))")
    "$nntui" --no-tui -q --folds 1 --epochs 100 --seed "$i" --lr "$lr" --log-dir "$out/base" "$pima" > /dev/null
  done
  python3 - "$out" <<'PY'
import os, shutil, sys
out = sys.argv[1]
base = sorted(os.listdir(f"{out}/base"))
for i in range(10000):
    src = base[i % len(base)]
    for target in ["r10k"] + (["r100"] if i < 100 else []):
        d = f"{out}/{target}/run{i:05d}-{src[16:]}"
        os.makedirs(d)
        shutil.copy(f"{out}/base/{src}/events.jsonl", d)
PY
fi
echo "$(du -sh "$out/r10k" | cut -f1) in $(ls "$out/r10k" | wc -l) runs"
best=""
for _ in 1 2 3; do
  /usr/bin/time -f "%e %M" -o /tmp/many_time "$nntui" view --no-tui "$out/r10k" > /dev/null
  read -r secs kb < /tmp/many_time
  if [ -z "$best" ] || [ "$(echo "$secs < $best" | bc)" = 1 ]; then best=$secs; fi
done
echo "view --no-tui, 10,000 runs: $best s (best of 3), peak $((kb / 1024)) MiB"
session=nntui-many-$$
start=$(date +%s.%N)
tmux new -d -s "$session" -x 120 -y 40 "$nntui view $(realpath "$out/r10k")"
until tmux capture-pane -p -t "$session" | grep -q "Runs 1/"; do sleep 0.01; done
echo "the comparison, 10,000 runs: on screen in $(echo "$(date +%s.%N) - $start" | bc) s"
sleep 1.5
for key in Down End Home s; do
  before=$(tmux capture-pane -p -t "$session" | md5sum)
  start=$(date +%s.%N)
  tmux send-keys -t "$session" "$key"
  while [ "$(tmux capture-pane -p -t "$session" | md5sum)" = "$before" ]; do sleep 0.005; done
  echo "  key $key answered in $(echo "($(date +%s.%N) - $start) * 1000" | bc | cut -d. -f1) ms"
done
tmux kill-session -t "$session"
tmux new -d -s "$session" -x 120 -y 40 "$nntui view $(realpath "$out/r100")"
sleep 4
pid=$(pgrep -f "^$nntui view $(realpath "$out/r100")" | head -1)
t0=$(awk '{print $14 + $15}' "/proc/$pid/stat"); sleep 20; t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
echo "following 100 idle runs: $(echo "scale=2; ($t1 - $t0) / 20" | bc)% of a core over 20 s, $(grep VmRSS "/proc/$pid/status" | tr -s ' ')"
tmux kill-session -t "$session"
