"""Writes the Optuna storages that tests/optuna.rs reads, with Optuna itself.

    python -m venv /tmp/ovenv && /tmp/ovenv/bin/pip install optuna
    /tmp/ovenv/bin/python tests/optuna/make_optuna_studies.py

Writes, beside this script:
- `journal.log`: `JournalStorage(JournalFileBackend(...))` with three studies;
- `study.db`: the same three studies in `sqlite:///study.db`;
- `expected.json`: what Optuna reads back from each (trials' numbers, states, params,
  values, intermediate values; PED-ANOVA importances of the single-objective studies).

The studies: "mlp" (maximize; a log-scaled float, a log-scaled int, a choice, and an
option the objective ignores; ten intermediate values per trial with the median pruner,
so some trials are pruned; one choice fails), "quadratic" (minimize, no intermediate
values), and "two" (two objectives named with set_metric_names). Each storage also
holds one trial left running (asked, never told). Seeded, so the numbers are the same
on every run; the files' times and worker ids differ.
"""

import json
import math
import os

import optuna
from optuna.importance import PedAnovaImportanceEvaluator, get_param_importances

optuna.logging.set_verbosity(optuna.logging.WARNING)
HERE = os.path.dirname(os.path.abspath(__file__))


def mlp(trial):
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    units = trial.suggest_int("units", 4, 64, log=True)
    activation = trial.suggest_categorical("activation", ["relu", "tanh", "sigmoid"])
    trial.suggest_float("unused", 0.0, 1.0)
    if activation == "sigmoid" and units < 8:
        raise ValueError("saturated")
    best = 0.9 - 0.05 * (math.log10(lr) + 2.5) ** 2 - 0.02 * abs(math.log2(units) - 4)
    best -= {"relu": 0.0, "tanh": 0.03, "sigmoid": 0.08}[activation]
    value = 0.5
    for step in range(10):
        value = 0.5 + (best - 0.5) * (1 - 0.7 ** (step + 1))
        trial.report(value, step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return value


def quadratic(trial):
    x = trial.suggest_float("x", -4.0, 4.0)
    y = trial.suggest_int("y", -3, 3)
    return (x - 1.0) ** 2 + 0.1 * y**2


def two(trial):
    a = trial.suggest_float("a", 0.0, 1.0)
    b = trial.suggest_categorical("b", ["p", "q"])
    return a**2 + (0.5 if b == "p" else 0.0), 1.0 - a


def fill(storage):
    s1 = optuna.create_study(
        study_name="mlp",
        storage=storage,
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=7),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2),
    )
    s1.optimize(mlp, n_trials=40, catch=(ValueError,))
    s2 = optuna.create_study(
        study_name="quadratic", storage=storage, sampler=optuna.samplers.RandomSampler(seed=3)
    )
    s2.optimize(quadratic, n_trials=25)
    s3 = optuna.create_study(
        study_name="two",
        storage=storage,
        directions=["minimize", "maximize"],
        sampler=optuna.samplers.RandomSampler(seed=5),
    )
    s3.set_metric_names(["cost", "recall"])
    s3.optimize(two, n_trials=12)
    running = s1.ask()
    running.suggest_float("lr", 1e-4, 1e-1, log=True)
    running.report(0.61, 0)
    return [s1, s2, s3]


def describe(study):
    trials = []
    for t in study.get_trials(deepcopy=False):
        trials.append(
            {
                "number": t.number,
                "state": t.state.name.lower(),
                "params": {k: v for k, v in t.params.items()},
                "values": t.values,
                "intermediate": {str(k): v for k, v in sorted(t.intermediate_values.items())},
            }
        )
    out = {
        "name": study.study_name,
        "directions": [d.name.lower() for d in study.directions],
        "metric_names": study.metric_names,
        "trials": trials,
    }
    if len(study.directions) == 1:
        out["importances"] = get_param_importances(study, evaluator=PedAnovaImportanceEvaluator())
    return out


def main():
    journal = os.path.join(HERE, "journal.log")
    database = os.path.join(HERE, "study.db")
    for path in (journal, database):
        if os.path.exists(path):
            os.remove(path)
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(journal))
    described = [describe(s) for s in fill(storage)]
    fill(f"sqlite:///{database}")
    # Both storages hold the same studies (seeded samplers): checked here, once.
    for study in described:
        again = optuna.load_study(study_name=study["name"], storage=f"sqlite:///{database}")
        assert describe(again)["trials"] == study["trials"], study["name"]
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump({"optuna": optuna.__version__, "studies": described}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
