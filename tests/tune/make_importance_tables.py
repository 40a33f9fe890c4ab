#!/usr/bin/env python3
"""Records Optuna's own parameter importances (PedAnovaImportanceEvaluator, Optuna 5's
default, through get_param_importances with its normalization) for tests/tune.rs to
replay with nntui's (src/tune/importance.rs).

    python3 -m venv /tmp/optuna && /tmp/optuna/bin/pip install optuna
    /tmp/optuna/bin/python tests/tune/make_importance_tables.py

Writes importance_tables.json beside this file: for each study, its searched options
(as nntui tune writes them), each completed trial's values and objective, the direction,
and Optuna's importances.
"""

import json
import math
import os

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.importance import PedAnovaImportanceEvaluator, get_param_importances
from optuna.trial import create_trial

HERE = os.path.dirname(os.path.abspath(__file__))
optuna.logging.set_verbosity(optuna.logging.ERROR)
import warnings

warnings.filterwarnings("ignore")

SPACES = [
    [("--lr", "1e-4..1:log", FloatDistribution(1e-4, 1.0, log=True)),
     ("--batch-size", "4..64", IntDistribution(4, 64)),
     ("--optimizer", "adam|sgd|rmsprop", CategoricalDistribution(["adam", "sgd", "rmsprop"]))],
    [("--l2", "0..0.01", FloatDistribution(0.0, 0.01)),
     ("--epochs", "10..500:log", IntDistribution(10, 500, log=True)),
     ("--batch-size", "2..5", IntDistribution(2, 5))],
    [("--layers", "8:relu|16:relu|32:relu|64:relu", CategoricalDistribution(["8:relu", "16:relu", "32:relu", "64:relu"])),
     ("--dropout", "0..0.5", FloatDistribution(0.0, 0.5)),
     ("--lr", "1e-3..1e-1:log", FloatDistribution(1e-3, 1e-1, log=True))],
]


def text(d, v):
    if isinstance(d, CategoricalDistribution):
        return v
    if isinstance(d, IntDistribution):
        return str(int(v))
    return repr(float(v))


def main():
    rng = np.random.default_rng(7)
    cases = []
    for index in range(24):
        space = SPACES[index % len(SPACES)]
        maximize = index % 2 == 1
        n = [5, 12, 30, 60, 150, 11][index % 6]
        # The objective leans on the first option, less on the second, not on the third.
        trials = []
        for _ in range(n):
            params = {}
            for flag, _, d in space:
                if isinstance(d, CategoricalDistribution):
                    params[flag] = d.choices[int(rng.integers(len(d.choices)))]
                elif isinstance(d, IntDistribution):
                    if d.log:
                        params[flag] = int(round(math.exp(rng.uniform(math.log(d.low), math.log(d.high)))))
                    else:
                        params[flag] = int(rng.integers(d.low, d.high + 1))
                elif d.log:
                    params[flag] = float(math.exp(rng.uniform(math.log(d.low), math.log(d.high))))
                else:
                    params[flag] = float(rng.uniform(d.low, d.high))
            def unit(flag, d):
                v = params[flag]
                if isinstance(d, CategoricalDistribution):
                    return d.choices.index(v) / max(1, len(d.choices) - 1)
                lo, hi, x = (math.log(d.low), math.log(d.high), math.log(v)) if d.log else (d.low, d.high, v)
                return (x - lo) / (hi - lo)
            u = [unit(flag, d) for flag, _, d in space]
            loss = (u[0] - 0.3) ** 2 * 4 + (u[1] - 0.6) ** 2 + rng.normal(0, 0.05)
            if index % 4 == 3:
                loss = round(loss, 1)  # ties at the cutoff
            value = -loss if maximize else loss
            trials.append((params, float(value)))
        study = optuna.create_study(direction="maximize" if maximize else "minimize")
        distributions = {flag: d for flag, _, d in space}
        for params, value in trials:
            study.add_trial(create_trial(value=value, params=params, distributions=distributions))
        importances = get_param_importances(study, evaluator=PedAnovaImportanceEvaluator())
        cases.append({
            "maximize": maximize,
            "space": [[flag, spec] for flag, spec, _ in space],
            "trials": [{"params": [[flag, text(d, params[flag])] for flag, _, d in space], "value": value}
                       for params, value in trials],
            "importances": [[flag, float(v)] for flag, v in importances.items()],
        })
    with open(os.path.join(HERE, "importance_tables.json"), "w") as f:
        json.dump({"optuna": optuna.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
