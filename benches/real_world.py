#!/usr/bin/env python3
"""Cross-validates scikit-learn's usual pipeline for a messy CSV (impute, scale,
one-hot, MLP) beside nntui on the same file, to compare the two (issue 14).

    python benches/real_world.py FILE.csv LABEL [--ignore A,B] [--regression] [--folds K]

scikit-learn side: numbers SimpleImputer(mean) + StandardScaler, categories
SimpleImputer(most_frequent) + OneHotEncoder(handle_unknown="ignore"), an MLP of
12 and 8 relu units trained by Adam (lr 0.001, batch 10, 150 epochs, no early
stopping), stratified K-fold (K-fold for regression). Rows without a label are
dropped first, as nntui does. A column is categorical when pandas does not read it
as numbers, as nntui decides. The nntui side is the same settings on the command
line (`--standardize --ignore-col ...`); its numbers are printed by nntui itself.
"""

import argparse
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NA = ["", "NA", "N/A", "NaN", "null", "?"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("label")
    parser.add_argument("--ignore", default="")
    parser.add_argument("--regression", action="store_true")
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--nntui", default="target/release/nntui")
    args = parser.parse_args()
    ignored = [c for c in args.ignore.split(",") if c]

    frame = pd.read_csv(args.file, na_values=NA, keep_default_na=False)
    frame = frame.dropna(subset=[args.label])
    y = frame[args.label]
    x = frame.drop(columns=[args.label] + ignored)
    numbers = [c for c in x.columns if pd.api.types.is_numeric_dtype(x[c])]
    categories = [c for c in x.columns if c not in numbers]
    x[categories] = x[categories].astype(object).where(x[categories].notna(), np.nan)
    pre = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), numbers),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                              OneHotEncoder(handle_unknown="ignore")), categories),
    ])
    mlp = dict(hidden_layer_sizes=(12, 8), solver="adam", learning_rate_init=0.001,
               batch_size=10, max_iter=150, alpha=0.0, random_state=7)
    if args.regression:
        model = make_pipeline(pre, MLPRegressor(**mlp))
        folds = KFold(args.folds, shuffle=True, random_state=7)
        scoring = "neg_mean_absolute_error"
    else:
        model = make_pipeline(pre, MLPClassifier(**mlp))
        folds = StratifiedKFold(args.folds, shuffle=True, random_state=7)
        scoring = "accuracy"
    warnings.simplefilter("ignore", ConvergenceWarning)
    started = time.perf_counter()
    scores = cross_val_score(model, x, y, cv=folds, scoring=scoring)
    seconds = time.perf_counter() - started
    if args.regression:
        scores = -scores
        print(f"scikit-learn: mae {scores.mean():.4f} (+/- {scores.std():.4f})  {seconds:.1f} s")
    else:
        print(f"scikit-learn: {100 * scores.mean():.2f}% (+/- {100 * scores.std():.2f}%)  {seconds:.1f} s")
    print(f"  numbers: {numbers}\n  categories: {categories}")

    command = [args.nntui, "--no-tui", "-q", "--folds", str(args.folds), "--standardize",
               "--label-col", args.label, args.file]
    if ignored:
        command[1:1] = ["--ignore-col", ",".join(ignored)]
    if args.regression:
        command[1:1] = ["--task", "regression"]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr.strip()
    print(f"nntui:        {last}  {seconds:.1f} s")
    print("  " + " ".join(command))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
