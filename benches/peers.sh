#!/usr/bin/env bash
# The speed figures of docs/speed.md, each against its peer in one run: the big Dense
# network against PyTorch (CPU) and against numpy's BLAS doing only the epoch's matrix
# products; the tutorial fit and 10-fold CV against scikit-learn's MLPClassifier; the
# digits CNN and the sunspots LSTM against Keras 3 on TensorFlow.
# Usage: benches/peers.sh            (makes benches/.venv-peers: numpy, torch, scikit-learn,
#                                     statsmodels, keras, tensorflow-cpu; about 6 GB)
#        PYTHON=/path/to/python benches/peers.sh   (an interpreter that has them)
set -euo pipefail
cd "$(dirname "$0")/.."
pima=$(realpath "${NNTUI_PIMA:-../shared/data/pima-indians-diabetes.csv}")
cargo build --release --quiet
python=${PYTHON:-}
if [ -z "$python" ]; then
  venv=benches/.venv-peers
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check numpy torch scikit-learn statsmodels pandas tensorflow-cpu keras
  python=$venv/bin/python
fi
echo "## 60,000 x 784 -> 256 -> 128 -> 10, batch 128 (benches/big_dense.py)"
"$python" benches/big_dense.py
echo
echo "## The tutorial on Pima (benches/compare.py --table-only)"
"$python" benches/compare.py "$(realpath target/release/nntui)" "$pima" benches/out --table-only
echo
echo "## Digits CNN, 5-fold (benches/cnn.py --repeat 3)"
"$python" benches/cnn.py --repeat 3
echo
echo "## Sunspots LSTM (benches/lstm.py --repeat 3)"
"$python" benches/lstm.py --repeat 3
