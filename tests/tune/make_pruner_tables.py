#!/usr/bin/env python3
"""Records Optuna's own pruning decisions for tests/tune.rs to replay with nntui's
pruners: studies of trials run one after another, each reporting a value per epoch
(steps 1, 2, ...) and asking should_prune() after each, stopping when told to.

    python tests/tune/make_pruner_tables.py    # in a venv with optuna

Writes pruner_tables.json: for each case, the pruner's settings, the direction, each
trial's curve, and the epoch at which Optuna pruned it (null: it completed).
"""

import json
import os

import numpy as np
import optuna

HERE = os.path.dirname(os.path.abspath(__file__))
optuna.logging.set_verbosity(optuna.logging.ERROR)


def curves(seed, trials, epochs, maximize):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(trials):
        start, rate = rng.uniform(0.5, 1.5), rng.uniform(0.02, 0.3)
        noise = rng.normal(0, 0.03, size=epochs)
        loss = start * np.exp(-rate * np.arange(1, epochs + 1)) + noise
        values = 1 - loss / 2 if maximize else loss
        out.append([round(float(v), 4) for v in values])
    return out


def run(pruner, maximize, trial_curves):
    study = optuna.create_study(direction="maximize" if maximize else "minimize", pruner=pruner)
    pruned_at = []
    for curve in trial_curves:
        trial = study.ask()
        at = None
        for epoch, value in enumerate(curve, start=1):
            trial.report(value, epoch)
            if trial.should_prune():
                at = epoch
                break
        if at is None:
            study.tell(trial, curve[-1])
        else:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        pruned_at.append(at)
    return pruned_at


def main():
    cases = []
    settings = [
        ("median", {"startup": 3, "warmup": 2}, lambda: optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2)),
        ("median", {"startup": 0, "warmup": 0}, lambda: optuna.pruners.MedianPruner(n_startup_trials=0, n_warmup_steps=0)),
        ("asha", {"min_epochs": 1, "reduction": 3}, lambda: optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)),
        ("asha", {"min_epochs": 2, "reduction": 2}, lambda: optuna.pruners.SuccessiveHalvingPruner(min_resource=2, reduction_factor=2)),
        ("asha", {"min_epochs": None, "reduction": 4}, lambda: optuna.pruners.SuccessiveHalvingPruner()),
    ]
    for seed in range(6):
        for maximize in (False, True):
            trial_curves = curves(seed, 14, 30 if seed % 2 else 64, maximize)
            for name, parameters, make in settings:
                cases.append({
                    "pruner": name,
                    "parameters": parameters,
                    "maximize": maximize,
                    "curves": trial_curves,
                    "pruned_at": run(make(), maximize, trial_curves),
                })
    with open(os.path.join(HERE, "pruner_tables.json"), "w") as f:
        json.dump({"optuna": optuna.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
