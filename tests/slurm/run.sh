#!/usr/bin/env bash
# The guide's Slurm job array (docs/tune.md), run on a single-node Slurm started here: packages from
# Debian (slurm-wlm, munge), daemons started and stopped by this script, all state in a
# temporary folder. Checks that the array's tasks share one study with no trial lost or
# run twice, that a cancelled array resumed finishes it, and that a rerun of the finished
# study says "study complete".
#
#   bash tests/slurm/run.sh [path/to/nntui]
#
# Where Slurm is missing and cannot be installed (not root, no apt-get), it says it was
# skipped and exits 0; any failure of a check exits 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
NNTUI="$(realpath "${1:-target/release/nntui}")"

skip() { echo "slurm test: skipped ($1)"; exit 0; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || skip "slurm-wlm and munge are not installed, and cannot be"
    timeout 300 apt-get install -y -q slurm-wlm munge >/dev/null 2>&1 || skip "apt-get could not install slurm-wlm and munge"
fi
[ "$(id -u)" = 0 ] || skip "the daemons run as root here"
[ -x "$NNTUI" ] || { echo "slurm test: no nntui binary at $NNTUI (cargo build --release)"; exit 1; }

T="$(mktemp -d /tmp/nntui-slurm.XXXXXX)"
export SLURM_CONF="$T/slurm.conf"
stop() {
    for pid in "$T"/*.pid; do [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true; done
    sleep 1
    rm -rf "$T"
}
trap stop EXIT
logs() { for log in "$T"/*.log; do echo "--- $log"; tail -20 "$log"; done; }
fail() { echo "slurm test: FAILED: $1"; logs; exit 1; }
# Slurm that cannot run on this machine (daemons that do not start, a node that does not
# come up) is not nntui's failure: said, with the daemons' logs, and skipped.
unavailable() { echo "slurm test: skipped (Slurm could not run here: $1)"; logs; exit 0; }

# Munge, with a key and socket of its own (root may run it with --force).
dd if=/dev/urandom of="$T/munge.key" bs=1024 count=1 status=none
chmod 400 "$T/munge.key"
mkdir -m 700 "$T/munge"
munged --force --key-file="$T/munge.key" --socket="$T/munge/socket" --pid-file="$T/munged.pid" \
    --log-file="$T/munged.log" --seed-file="$T/munge/seed" || unavailable "munged did not start"

NODE="$(hostname -s)"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mkdir -p "$T/state" "$T/spool"
cat > "$SLURM_CONF" <<CONF
ClusterName=nntui
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$(port)
SlurmdPort=$(port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/socket
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -f "$SLURM_CONF" || unavailable "slurmctld did not start"
slurmd -f "$SLURM_CONF" || unavailable "slurmd did not start"
for _ in $(seq 1 60); do
    sinfo -h -o %t 2>/dev/null | grep -qx idle && break
    sleep 1
done
sinfo -h -o %t 2>/dev/null | grep -qx idle || unavailable "the node did not come up"

# The guide's job script (docs/tune.md), made small: 4 tasks on this machine's cores, 8 trials on the
# project's moons data; HOME is the temporary folder, so the study lands there.
awk '/^```bash$/ {getline; if ($0 == "#!/bin/bash") {keep=1}} keep && /^```$/ {exit} keep {print}' docs/tune.md \
    | sed -e 's/--array=0-7/--array=0-3/' -e 's/--cpus-per-task=4/--cpus-per-task=1/' \
          -e 's/--time=02:00:00/--time=00:10:00/' \
          -e "s|nntui tune data.csv|nntui tune $PWD/data/moons.csv|" -e 's/--trials 64/--trials 8/' \
    > "$T/job.sh"
(echo '#!/bin/bash'; grep -q '^#SBATCH' "$T/job.sh" && sed 1d "$T/job.sh") > "$T/job.tmp" && mv "$T/job.tmp" "$T/job.sh"
grep -q 'nntui tune' "$T/job.sh" || fail "the job script of docs/tune.md was not found"
mkdir -p "$T/bin" "$T/out"
ln -s "$NNTUI" "$T/bin/nntui"
STUDY="$T/studies/data-study.jsonl"
submit() { HOME="$T" PATH="$T/bin:$PATH" sbatch --parsable --chdir="$T/out" --output="$T/out/%A_%a.out" "$@" "$T/job.sh"; }

trials() { "$NNTUI" view --json "$STUDY" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if "\"type\":\"run\"" in l]
names = [r["name"] for r in rows if r["state"] in ("complete", "pruned")]
assert len(names) == len(set(names)), "a trial ran twice: %r" % names
print(len(names))'; }

# 1. The array shares the study: 8 trials, each once.
submit --wait >/dev/null || fail "the array failed"
[ "$(trials)" = 8 ] || fail "the study has $(trials) finished trials, not 8"
echo "slurm test: 4 tasks shared an 8-trial study, each trial once"

# 2. A rerun of the finished study says so.
submit --wait --array=0 >/dev/null || fail "the rerun failed"
grep -q "study complete" "$T"/out/*_0.out || fail "a rerun of the finished study did not say 'study complete'"
echo "slurm test: a rerun says study complete"

# 3. A bigger study, cancelled while its trials run, then resumed: nothing lost or run twice.
# (More epochs: each trial takes about a second, long enough to be cancelled in the middle.)
sed -i 's/--trials 8/--trials 16/; s|data-study.jsonl|cancelled.jsonl|; s|--no-tui|--no-tui --epochs 3000|' "$T/job.sh"
STUDY="$T/studies/cancelled.jsonl"
job="$(submit)"
for _ in $(seq 1 120); do
    [ -f "$STUDY" ] && [ "$(trials)" -ge 2 ] && break
    sleep 0.5
done
scancel "$job"
sleep 2
done_before="$(trials)"
[ "$done_before" -lt 16 ] || fail "the study finished before it could be cancelled"
submit --wait >/dev/null || fail "the resumed array failed"
[ "$(trials)" = 16 ] || fail "the resumed study has $(trials) finished trials, not 16"
echo "slurm test: cancelled at $done_before of 16 trials, resumed to 16, each once"
