"""The Keras tutorial itself (Keras 3 on TensorFlow), for reference timings.

Usage: python keras_tutorial.py fit|cv pima-indians-diabetes.csv
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from sklearn.model_selection import StratifiedKFold
from tensorflow import keras


def model():
    network = keras.Sequential(
        [
            keras.Input(shape=(8,)),
            keras.layers.Dense(12, activation="relu", kernel_initializer="random_uniform"),
            keras.layers.Dense(8, activation="relu", kernel_initializer="random_uniform"),
            keras.layers.Dense(1, activation="sigmoid", kernel_initializer="random_uniform"),
        ]
    )
    network.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return network


def main():
    mode, path = sys.argv[1], sys.argv[2]
    keras.utils.set_random_seed(7)
    data = np.loadtxt(path, delimiter=",")
    x, y = data[:, 0:8], data[:, 8]
    if mode == "fit":
        network = model()
        network.fit(x, y, epochs=150, batch_size=10, verbose=0)
        print("accuracy: %.2f%%" % (100 * network.evaluate(x, y, verbose=0)[1]))
    else:
        scores = []
        for train, test in StratifiedKFold(n_splits=10, shuffle=True, random_state=7).split(x, y):
            network = model()
            network.fit(x[train], y[train], epochs=150, batch_size=10, verbose=0)
            scores.append(100 * network.evaluate(x[test], y[test], verbose=0)[1])
            print("accuracy: %.2f%%" % scores[-1])
        print("%.2f%% (+/- %.2f%%)" % (np.mean(scores), np.std(scores)))


if __name__ == "__main__":
    main()
