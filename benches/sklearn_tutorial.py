"""The Keras tutorial's network in scikit-learn: MLPClassifier with the same layers,
optimizer, batch size and epochs, as a whole process to time against nntui.

Usage: python sklearn_tutorial.py fit|cv pima-indians-diabetes.csv
"""
import sys

import numpy as np
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier


def model():
    # 12 relu, 8 relu, a logistic output; Adam at Keras's default rate; batch 10;
    # exactly 150 epochs (no early stop, no L2 penalty: Keras has none by default).
    return MLPClassifier(
        hidden_layer_sizes=(12, 8),
        activation="relu",
        solver="adam",
        learning_rate_init=0.001,
        batch_size=10,
        max_iter=150,
        n_iter_no_change=150,
        tol=0.0,
        alpha=0.0,
        random_state=7,
    )


def main():
    mode, path = sys.argv[1], sys.argv[2]
    data = np.loadtxt(path, delimiter=",")
    x, y = data[:, 0:8], data[:, 8]
    if mode == "fit":
        fitted = model().fit(x, y)
        print("accuracy: %.2f%%" % (100 * fitted.score(x, y)))
    else:
        scores = []
        for train, test in StratifiedKFold(n_splits=10, shuffle=True, random_state=7).split(x, y):
            scores.append(100 * model().fit(x[train], y[train]).score(x[test], y[test]))
            print("accuracy: %.2f%%" % scores[-1])
        print("%.2f%% (+/- %.2f%%)" % (np.mean(scores), np.std(scores)))


if __name__ == "__main__":
    import warnings

    warnings.filterwarnings("ignore")
    main()
