#!/usr/bin/env bash
# What the dashboard costs, measured in tmux at 120x40 with the release binary:
#   1. engine time of a 10-fold Pima run at full speed, dashboard vs headless (alternated);
#   2. CPU of a finished, a paused and a paced (20 epochs/s) dashboard over 10 s;
#   3. resident memory while the dashboard trains 100,000 epochs at full speed.
# Usage: benches/dashboard.sh [runs]   (needs tmux, python3 and NNTUI_PIMA or ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
binary=$(realpath target/release/nntui)
pima=$(realpath "${NNTUI_PIMA:-../shared/data/pima-indians-diabetes.csv}")
runs=${1:-8}
socket="nntui-bench-$$"
tm() { tmux -L "$socket" "$@"; }
trap 'tm kill-server 2>/dev/null || true' EXIT
tm new-session -d -s bench -x 120 -y 40 "bash --norc --noprofile"
sleep 0.3
log=$(mktemp)

engine_seconds() { tail -n 1 "$log" | python3 -c 'import json,sys; print(json.load(sys.stdin)["elapsed_seconds"])'; }
wait_for_end() { for _ in $(seq 1 400); do grep -q run_ended "$log" 2>/dev/null && return; sleep 0.05; done; }
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

echo "1. engine seconds, 10-fold CV on Pima at full speed ($runs alternated runs each)"
tui=() headless=()
for _ in $(seq 1 "$runs"); do
  : >"$log"; tm send-keys -t bench "clear; '$binary' --pace full --log '$log' '$pima'" Enter
  wait_for_end; sleep 0.2; tm send-keys -t bench q; sleep 0.4; tui+=("$(engine_seconds)")
  : >"$log"; tm send-keys -t bench "clear; '$binary' --no-tui -q --log '$log' '$pima' >/dev/null" Enter
  wait_for_end; sleep 0.2; headless+=("$(engine_seconds)")
done
t=$(printf '%s\n' "${tui[@]}" | median); h=$(printf '%s\n' "${headless[@]}" | median)
echo "   dashboard median $t s, headless median $h s, ratio $(python3 -c "print(round($t/$h, 3))")"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
cpu() { # pid, label
  local t0 t1; t0=$(ticks "$1"); sleep 10; t1=$(ticks "$1")
  echo "   $2: $(python3 -c "print(round(100 * ($t1 - $t0) / $(getconf CLK_TCK) / 10, 2))")% of a core"
}
echo "2. CPU over 10 s"
tm send-keys -t bench "clear; '$binary' --pace full '$pima'" Enter; sleep 3
pid=$(pgrep -n -f "nntui --pace full $pima"); cpu "$pid" "finished, idle"
tm send-keys -t bench q; sleep 0.5
tm send-keys -t bench "clear; '$binary' '$pima'" Enter; sleep 2
pid=$(pgrep -n -f "nntui $pima"); tm send-keys -t bench Space; sleep 0.5; cpu "$pid" "paused"
tm send-keys -t bench Space; sleep 0.3; cpu "$pid" "training at the default pace, 20 epochs/s"
tm send-keys -t bench q; sleep 0.5

echo "3. resident memory over 100,000 epochs at full speed (moons, single fit)"
tm send-keys -t bench "clear; '$binary' --pace full --folds 1 --epochs 100000 data/moons.csv" Enter; sleep 1
pid=$(pgrep -n -f "nntui --pace full --folds 1 --epochs 100000")
while kill -0 "$pid" 2>/dev/null; do
  epoch=$(tm capture-pane -t bench -p | grep -o 'epoch [0-9]*/100000' | head -n 1)
  echo "   $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") kB at $epoch"
  tm capture-pane -t bench -p | grep -q '\[done\]' && break
  sleep 2
done
tm send-keys -t bench q
rm -f "$log"
