#!/usr/bin/env bash
# The live program in a real terminal (tmux, 120x40): start the dashboard on a bundled
# dataset, wait for the charts, pause, raise the learning rate, check that the screen
# shows both, quit, and check that the terminal is back to normal with the summary
# printed. Usage: tests/tmux_session.sh path/to/nntui
set -euo pipefail

binary=$(realpath "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
session="nntui-test-$$"
socket="nntui-test-$$"
tm() { tmux -L "$socket" "$@"; }
cleanup() { tm kill-server 2>/dev/null || true; }
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "---- screen ----" >&2
  tm capture-pane -t "$session" -p >&2 || true
  exit 1
}

# Waits until the screen matches a pattern (extended regex), at most $2 seconds.
wait_for() {
  local pattern=$1 limit=${2:-20} waited=0
  until tm capture-pane -t "$session" -p | grep -Eq -- "$pattern"; do
    sleep 0.2
    waited=$((waited + 1))
    [ "$waited" -lt $((limit * 5)) ] || fail "no '$pattern' on screen after ${limit}s"
  done
}

tm new-session -d -s "$session" -x 120 -y 40 "env -i PATH=$PATH TERM=xterm-256color HOME=$HOME bash --norc --noprofile"
tm send-keys -t "$session" "cd '$root' && PS1='$ ' && clear" Enter
tm send-keys -t "$session" "'$binary' --standardize --pace 30 data/spiral.csv; echo EXIT=\$?" Enter

# The charts are drawn once their lines (braille dots) appear.
wait_for 'Loss fold 1 train'
wait_for 'Accuracy fold 1 train'
waited=0
until tm capture-pane -t "$session" -p | grep -qF -e '⠉' -e '⣀' -e '⠒' -e '⠤'; do
  sleep 0.2; waited=$((waited + 1))
  [ "$waited" -lt 100 ] || fail "no chart lines on screen"
done
[ "$(tm display -p -t "$session" '#{alternate_on}')" = 1 ] || fail "the dashboard is not on the alternate screen"

tm send-keys -t "$session" Space
wait_for '\[paused\]'
tm send-keys -t "$session" +
wait_for 'lr 0\.002'
wait_for 'learning rate 0\.001 -> 0\.002'
screen=$(tm capture-pane -t "$session" -p)
grep -q '\[paused\]' <<<"$screen" || fail "paused state gone"
grep -q 'lr 0\.002' <<<"$screen" || fail "new learning rate not in the header"

# Help overlay opens and closes.
tm send-keys -t "$session" ?
wait_for 'Keys \(\? or esc closes\)'
tm send-keys -t "$session" Escape
sleep 0.3
tm capture-pane -t "$session" -p | grep -q 'Keys (? or esc closes)' && fail "help did not close"

tm send-keys -t "$session" q
wait_for '^EXIT=[0-9]+' 10
[ "$(tm display -p -t "$session" '#{alternate_on}')" = 0 ] || fail "still on the alternate screen"
[ "$(tm display -p -t "$session" '#{cursor_flag}')" = 1 ] || fail "the cursor is hidden"
after=$(tm capture-pane -t "$session" -p -S -50)
grep -q '^EXIT=0$' <<<"$after" || fail "exit code is not 0"
# Quit while paused in fold 1: nothing finished, so there is no mean, but the run is
# reported as stopped by the summary on the normal screen, never a half-drawn one.
grep -q '│' <<<"$after" && fail "dashboard remnants on the normal screen"

# Raw mode is off: the shell reads lines again (icanon and echo on).
tm send-keys -t "$session" "stty -a | tr ' ' '\n' | grep -xE -- '-?(icanon|echo)' | tr '\n' ' '; echo" Enter
wait_for '^-?icanon -?echo' 5
tm capture-pane -t "$session" -p | grep -q '^icanon echo' || fail "the terminal was left in raw mode"

# A full run that finishes: the summary stays in the scrollback.
tm send-keys -t "$session" "clear; '$binary' --pace full --epochs 20 --folds 3 data/moons.csv; echo EXIT=\$?" Enter
wait_for '\[done\]' 30
tm send-keys -t "$session" q
wait_for '^EXIT=[0-9]+' 10
after=$(tm capture-pane -t "$session" -p -S -50)
grep -Eq '^accuracy: [0-9.]+%$' <<<"$after" || fail "no fold lines after quitting"
grep -Eq '^[0-9.]+% \(\+/- [0-9.]+%\)$' <<<"$after" || fail "no mean line after quitting"
grep -q '^EXIT=0$' <<<"$after" || fail "exit code is not 0"

# Ctrl-C once the run has ended interrupts nothing: exit 0 with the results.
tm send-keys -t "$session" "clear; '$binary' --pace full --epochs 5 --folds 2 data/moons.csv; echo EXIT=\$?" Enter
wait_for '\[done\]' 30
tm send-keys -t "$session" C-c
wait_for '^EXIT=[0-9]+' 10
after=$(tm capture-pane -t "$session" -p -S -50)
grep -q '^EXIT=0$' <<<"$after" || fail "Ctrl-C after the end did not exit 0"
grep -Eq '^[0-9.]+% \(\+/- [0-9.]+%\)$' <<<"$after" || fail "no mean line after Ctrl-C"

# A newcomer's first run at 80x24: quit and help are on the key bar; a live change is
# listed after quitting with the command line for it; quitting a single fit mid-run marks
# its results as partial.
tm resize-window -t "$session" -x 80 -y 24
tm send-keys -t "$session" "clear; '$binary' --folds 1 --pace 20 data/moons.csv; echo EXIT=\$?" Enter
wait_for 'Loss fold 1 train'
screen=$(tm capture-pane -t "$session" -p)
grep -q '^ q quit  ? help' <<<"$screen" || fail "the key bar does not start with q quit and ? help at 80x24"
grep -q 'pace 20 epochs/s (f: full speed)' <<<"$screen" || fail "the pace does not say why it is slow"
tm send-keys -t "$session" +
wait_for 'lr 0\.002'
tm send-keys -t "$session" q
wait_for '^EXIT=[0-9]+' 10
after=$(tm capture-pane -t "$session" -p -S -50)
grep -q '^EXIT=0$' <<<"$after" || fail "exit code is not 0"
grep -Eq '^stopped at epoch [0-9]+ of 150: partial results$' <<<"$after" || fail "partial results not marked"
grep -Eq '^  learning rate 0\.001 -> 0\.002 \(fold 1, epoch [0-9]+\)$' <<<"$after" || fail "the live change is not listed"
grep -q "^settings at the end: nntui --folds 1 --pace 20 data/moons.csv --lr 0.002$" <<<"$after" || fail "no command line for the settings at the end"

# A run recorded in the background and watched live: the viewer follows the file until
# the run ends, and keys that would steer it say they cannot.
runs=$(mktemp -d)
tm resize-window -t "$session" -x 120 -y 40
tm send-keys -t "$session" "clear; ('$binary' --no-tui -q --folds 1 --pace 15 --epochs 45 --log-dir '$runs' data/moons.csv > /dev/null &); sleep 1; '$binary' view '$runs'/*; echo EXIT=\$?" Enter
wait_for 'Loss fold 1 train'
wait_for 'recorded run: controls unavailable'
tm send-keys -t "$session" Space
wait_for 'a recorded run cannot be steered'
wait_for '\[done\]' 20
tm capture-pane -t "$session" -p | grep -q 'epoch 45/45' || fail "the viewer did not follow the run to its end"
tm send-keys -t "$session" q
wait_for '^EXIT=[0-9]+' 10
tm capture-pane -t "$session" -p -S -20 | grep -q '^EXIT=0$' || fail "the viewer did not exit 0"

# A second run in the same folder: the comparison; Enter opens a run, Esc comes back.
tm send-keys -t "$session" "clear; '$binary' --no-tui -q --folds 1 --epochs 20 --lr 0.01 --log-dir '$runs' data/moons.csv > /dev/null; '$binary' view '$runs'; echo EXIT=\$?" Enter
wait_for '2 runs, 2 drawn'
tm capture-pane -t "$session" -p | grep -qE 'best val_loss .*lr ' || fail "the comparison does not show the setting that differs as a column"
tm capture-pane -t "$session" -p | grep -q ' 0\.01 ' || fail "the comparison does not show the differing value"
tm send-keys -t "$session" Enter
wait_for '\[done\]'
tm send-keys -t "$session" Escape
wait_for '2 runs, 2 drawn'
tm send-keys -t "$session" q
wait_for '^EXIT=[0-9]+' 10
tm capture-pane -t "$session" -p -S -20 | grep -q '^EXIT=0$' || fail "the comparison did not exit 0"
rm -rf "$runs"

# TensorBoard event files written by tensorboardX, appended to while the viewer has
# them open: half a file (cut in the middle of a record) first, then the rest.
tb=$(mktemp -d)
mkdir "$tb/loop"
fixture=$(ls "$root"/tests/tensorboard/tbx/*tfevents*)
half=$(( $(stat -c %s "$fixture") / 2 ))
head -c "$half" "$fixture" > "$tb/loop/events.out.tfevents.1.live"
tm send-keys -t "$session" "clear; '$binary' view '$tb'; echo EXIT=\$?" Enter
wait_for '1 run, 1 drawn'
wait_for 'Loss/test and Loss/train \(dotted\)'
tm capture-pane -t "$session" -p | grep -q 'weights/layer1 (loop)' || fail "no histogram panel"
tm capture-pane -t "$session" -p | grep -q '0\.9050' && fail "the last value was shown before it was written"
tail -c +$((half + 1)) "$fixture" >> "$tb/loop/events.out.tfevents.1.live"
wait_for '0\.9050 +0\.0300' 10
tm send-keys -t "$session" q
wait_for '^EXIT=[0-9]+' 10
tm capture-pane -t "$session" -p -S -20 | grep -q '^EXIT=0$' || fail "the TensorBoard view did not exit 0"
rm -rf "$tb"

# A folder that does not exist yet is waited on; a run that appears in it is shown.
later=$(mktemp -d)/later
tm send-keys -t "$session" "clear; '$binary' view '$later'; echo EXIT=\$?" Enter
wait_for 'no runs yet in .*waiting for them to appear'
mkdir -p "$later"
printf 'epoch,loss,val_loss\n0,0.7,0.72\n1,0.6,0.65\n' > "$later/log.csv"
wait_for '1 run, 1 drawn' 10
tm send-keys -t "$session" q
wait_for '^EXIT=[0-9]+' 10
rm -rf "$(dirname "$later")"
echo "tmux session: ok"
