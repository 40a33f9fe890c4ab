#!/usr/bin/env bash
# Failure drills in a real terminal (tmux): Ctrl-C, SIGTERM, a panic in the dashboard,
# a panic in the engine, a tiny terminal, rapid resizes. After each, the terminal must
# have left the alternate screen, the cursor must be visible, raw mode must be off, and
# the exit code must say what happened. Usage: tests/tmux_drills.sh path/to/nntui
set -euo pipefail

binary=$(realpath "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
session=drills
drills=0
socket="nntui-drills-$$-0"
tm() { tmux -L "$socket" "$@"; }
trap 'tm kill-server 2>/dev/null || true' EXIT

fail() {
  echo "FAIL ($drill): $*" >&2
  tm capture-pane -t "$session" -p -S -40 >&2 || true
  exit 1
}

wait_for() { # pattern [seconds]: extended regex on the visible screen
  local pattern=$1 limit=${2:-20} waited=0
  until tm capture-pane -t "$session" -p | grep -Eq -- "$pattern"; do
    sleep 0.2; waited=$((waited + 1))
    [ "$waited" -lt $((limit * 5)) ] || fail "no '$pattern' on screen after ${limit}s"
  done
}

start() { # the command line to run in a fresh pane, on a fresh tmux server
  tm kill-server 2>/dev/null || true
  drills=$((drills + 1))
  socket="nntui-drills-$$-$drills"
  tm new-session -d -s "$session" -x 120 -y 40 "env -i PATH=$PATH TERM=xterm-256color HOME=$HOME bash --norc --noprofile"
  tm send-keys -t "$session" "cd '$root' && PS1='$ ' && clear" Enter
  tm send-keys -t "$session" "$1; echo EXIT=\$?" Enter
}

clean_terminal() { # expected exit code
  wait_for "^EXIT=[0-9]+" 15
  tm capture-pane -t "$session" -p -S -60 | grep -q "^EXIT=$1\$" || fail "exit code is not $1"
  [ "$(tm display -p -t "$session" '#{alternate_on}')" = 0 ] || fail "still on the alternate screen"
  [ "$(tm display -p -t "$session" '#{cursor_flag}')" = 1 ] || fail "the cursor is hidden"
  tm send-keys -t "$session" "clear; stty -a | tr ' ' '\n' | grep -xE -- '-?(icanon|echo)' | tr '\n' ' '; echo" Enter
  wait_for '^-?icanon -?echo' 5
  tm capture-pane -t "$session" -p | grep -q '^icanon echo' || fail "raw mode was left on"
  echo "ok: $drill"
}

charts_drawn() { wait_for 'Loss fold 1 train'; }

drill="ctrl-c"
start "'$binary' data/moons.csv"
charts_drawn
tm send-keys -t "$session" C-c
clean_terminal 130

drill="kill -TERM"
start "'$binary' data/moons.csv"
charts_drawn
pkill -TERM -n -f "$binary data/moons.csv"
clean_terminal 143

drill="panic in the dashboard"
start "NNTUI_DEBUG_PANIC=ui@3 '$binary' data/moons.csv"
wait_for "^EXIT=" 15
# The hook restored the terminal first, so the message is readable on the normal screen.
tm capture-pane -t "$session" -p -S -60 | grep -q "injected by NNTUI_DEBUG_PANIC in the dashboard" \
  || fail "the panic message is not on the normal screen"
clean_terminal 101

drill="engine failure mid-run"
start "NNTUI_DEBUG_PANIC=engine@3 '$binary' data/moons.csv"
wait_for '\[failed\]'
wait_for 'the engine failed'
tm send-keys -t "$session" q
wait_for "^EXIT=" 15
tm capture-pane -t "$session" -p -S -60 | grep -q "^nntui: the engine failed: .*injected by NNTUI_DEBUG_PANIC" \
  || fail "the failure is not reported on the normal screen"
clean_terminal 1

drill="tiny terminal"
start "'$binary' data/moons.csv"
charts_drawn
tm resize-window -t "$session" -x 40 -y 10
wait_for 'terminal too small'
wait_for 'need 60x16, have 40x10'
tm send-keys -t "$session" q
clean_terminal 0

drill="rapid resizes"
start "'$binary' --pace 200 data/spiral.csv"
charts_drawn
for size in 80x24 50x12 120x40 61x17 200x60 30x8 100x30 80x24 120x40 90x20 120x40 70x18 120x40; do
  tm resize-window -t "$session" -x "${size%x*}" -y "${size#*x}"
  sleep 0.05
done
wait_for 'Loss fold [0-9]+ train'
tm send-keys -t "$session" q
clean_terminal 0
echo "tmux drills: ok"
