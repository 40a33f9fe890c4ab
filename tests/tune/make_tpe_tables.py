#!/usr/bin/env python3
"""Records Optuna's own TPE estimator for tests/tune.rs to replay with nntui's
(src/tune/tpe.rs): for given trials, the below/above split; for given observations of
one parameter, the Parzen estimators' log densities at given points; for given
candidates, the one TPE picks (the largest log l(x) - log g(x)).

    python3 -m venv /tmp/optuna && /tmp/optuna/bin/pip install optuna
    /tmp/optuna/bin/python tests/tune/make_tpe_tables.py

Writes tpe_tables.json beside this file. Independent TPE with TPESampler's defaults:
prior weight 1.0, magic clip, endpoints not considered, gamma min(ceil(0.1 n), 25) and
the ramp weights.

One thing is pinned down here that Optuna leaves to numpy: kernels at the same value
get their widths through np.argsort, whose order among equal values is whatever the
CPU's SIMD sort gives (not stable, even for ten values, with numpy 2 on AVX-512), and
once the ramp weights differ that changes the density. The tables are recorded with a
stable argsort, ties in trial order, which is what nntui does.
"""

import json
import math
import os

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
from optuna.samplers._tpe.sampler import _split_trials, default_gamma, default_weights
from optuna.trial import TrialState, create_trial

HERE = os.path.dirname(os.path.abspath(__file__))
_argsort = np.argsort
np.argsort = lambda a, *args, **kwargs: _argsort(a, *args, **{**kwargs, "kind": "stable"})
optuna.logging.set_verbosity(optuna.logging.ERROR)
PARAMETERS = _ParzenEstimatorParameters(
    prior_weight=1.0, consider_magic_clip=True, consider_endpoints=False, weights=default_weights, multivariate=False
)


def distribution_json(d):
    if isinstance(d, CategoricalDistribution):
        return {"kind": "choice", "choices": len(d.choices)}
    kind = "int" if isinstance(d, IntDistribution) else "float"
    return {"kind": kind, "low": d.low, "high": d.high, "log": d.log}


def draw(rng, d, n):
    if isinstance(d, CategoricalDistribution):
        # Uneven: a few choices seen more often.
        p = rng.dirichlet(np.ones(len(d.choices)))
        return [int(i) for i in rng.choice(len(d.choices), size=n, p=p)]
    if isinstance(d, IntDistribution):
        if d.log:
            return [int(round(math.exp(rng.uniform(math.log(d.low), math.log(d.high))))) for _ in range(n)]
        return [int(v) for v in rng.integers(d.low, d.high + 1, size=n)]
    centre = rng.uniform(0.2, 0.8)
    if d.log:
        lo, hi = math.log(d.low), math.log(d.high)
        return [float(min(d.high, max(d.low, math.exp(lo + (hi - lo) * min(1, max(0, rng.normal(centre, 0.2)))))))
                for _ in range(n)]
    return [float(min(d.high, max(d.low, d.low + (d.high - d.low) * rng.normal(centre, 0.2)))) for _ in range(n)]


DISTRIBUTIONS = [
    FloatDistribution(1e-4, 1e-1, log=True),
    FloatDistribution(0.0, 0.5),
    FloatDistribution(-3.0, 7.0),
    IntDistribution(8, 256, log=True),
    IntDistribution(1, 40),
    IntDistribution(2, 5),
    CategoricalDistribution(["adam", "sgd", "rmsprop"]),
    CategoricalDistribution(["a", "b", "c", "d", "e", "f"]),
]


def estimator_cases(rng):
    cases = []
    for d in DISTRIBUTIONS:
        for n in [0, 1, 2, 3, 7, 24, 25, 26, 40, 90]:
            observations = draw(rng, d, n)
            points = draw(rng, d, 30)
            if not isinstance(d, CategoricalDistribution):
                points += [d.low, d.high]
            mpe = _ParzenEstimator(
                {"x": np.asarray(observations, dtype=float)}, {"x": d}, PARAMETERS
            )
            log_pdf = mpe.log_pdf({"x": np.asarray(points, dtype=float)})
            cases.append({
                "distribution": distribution_json(d),
                "observations": observations,
                "points": points,
                "log_pdf": [float(v) for v in log_pdf],
            })
    return cases


def choice_cases(rng):
    cases = []
    for d in DISTRIBUTIONS:
        for below_n, above_n in [(1, 9), (2, 18), (4, 36), (10, 90), (25, 200)]:
            below = draw(rng, d, below_n)
            above = draw(rng, d, above_n)
            candidates = draw(rng, d, 24)
            l = _ParzenEstimator({"x": np.asarray(below, dtype=float)}, {"x": d}, PARAMETERS)
            g = _ParzenEstimator({"x": np.asarray(above, dtype=float)}, {"x": d}, PARAMETERS)
            x = {"x": np.asarray(candidates, dtype=float)}
            score = l.log_pdf(x) - g.log_pdf(x)
            cases.append({
                "distribution": distribution_json(d),
                "below": below,
                "above": above,
                "candidates": candidates,
                "score": [float(v) for v in score],
                "chosen": int(np.argmax(score)),
            })
    return cases


def split_cases(rng):
    cases = []
    for index in range(40):
        maximize = index % 2 == 1
        n = int(rng.integers(10, 120))
        trials = []
        for number in range(n):
            # The later cases are mostly pruned, so that pruned trials fill "below" too.
            pruned = rng.random() < (0.4 if index < 20 else 0.97)
            if pruned:
                steps = int(rng.integers(0, 12))
                # Some ties, a NaN now and then.
                values = [float(round(rng.normal(1.0, 0.3), 2)) for _ in range(steps)]
                if steps and rng.random() < 0.1:
                    values[-1] = float("nan")
                trials.append({"state": "pruned", "intermediate": values})
            else:
                trials.append({"state": "complete", "value": float(round(rng.normal(1.0, 0.3), 2))})
        study = optuna.create_study(direction="maximize" if maximize else "minimize")
        for t in trials:
            if t["state"] == "complete":
                study.add_trial(create_trial(value=t["value"], params={}, distributions={}))
            else:
                study.add_trial(create_trial(
                    state=TrialState.PRUNED,
                    intermediate_values={step + 1: v for step, v in enumerate(t["intermediate"])},
                    params={}, distributions={},
                ))
        frozen = study.get_trials(deepcopy=False)
        below, _ = _split_trials(study, frozen, default_gamma(len(frozen)))
        for t in trials:
            if "intermediate" in t:
                t["intermediate"] = [None if math.isnan(v) else v for v in t["intermediate"]]
        cases.append({
            "maximize": maximize,
            "trials": trials,
            "gamma": default_gamma(len(frozen)),
            "below": [t.number for t in below],
        })
    return cases


def main():
    rng = np.random.default_rng(20261206)
    tables = {
        "optuna": optuna.__version__,
        "estimators": estimator_cases(rng),
        "choices": choice_cases(rng),
        "splits": split_cases(rng),
        "weights": {str(n): [float(w) for w in default_weights(n)] for n in [0, 1, 24, 25, 26, 30, 100]},
        "gamma": {str(n): default_gamma(n) for n in [1, 9, 10, 11, 99, 100, 249, 250, 251, 1000]},
    }
    with open(os.path.join(HERE, "tpe_tables.json"), "w") as f:
        json.dump(tables, f, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
