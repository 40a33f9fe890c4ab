#!/usr/bin/env bash
# nntui against scikit-learn (and, with --keras, Keras 3 on TensorFlow) on the same data
# in the same run, as whole processes; then how nntui's cost grows with data and network
# size. The Python peers go into a throwaway virtual environment, benches/.venv.
# Usage: benches/compare.sh [--keras]
set -euo pipefail
cd "$(dirname "$0")/.."
pima=$(realpath "${NNTUI_PIMA:-../shared/data/pima-indians-diabetes.csv}")
cargo build --release --quiet
venv=benches/.venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check scikit-learn numpy
if [ "${1:-}" = "--keras" ]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check tensorflow-cpu
fi
"$venv/bin/python" benches/compare.py "$(realpath target/release/nntui)" "$pima" benches/out "$@"
