"""Keras 3's activations at fixed points, with their derivatives, for tests/layers.rs:
each activation's values (float32, as Keras computes them) and the gradient of
sum(g * activation(z)) for a fixed upstream g (JAX's autodiff through Keras's own
function). Run from the repository root:

    python3 -m venv venv && venv/bin/pip install keras jax
    KERAS_BACKEND=jax venv/bin/python tests/keras_reference/make_activation_table.py

It writes tests/keras_reference/activations.json.
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NAMES = ["relu", "sigmoid", "tanh", "linear", "leaky_relu", "elu", "selu", "softplus", "softsign", "hard_sigmoid",
         "gelu", "silu", "mish"]
# Away from kinks (0, and hard_sigmoid's +-3), both sides of each, large and small.
Z = [-7.5, -3.2, -2.9, -1.3, -0.7, -0.2, -0.013, 0.011, 0.4, 1.7, 2.5, 2.95, 3.3, 9.0, 25.0, -25.0]


def main():
    z = jnp.array(Z, dtype=jnp.float32)
    g = jnp.array([0.3 + 0.17 * i for i in range(len(Z))], dtype=jnp.float32)
    out = {"keras": keras.__version__, "backend": keras.backend.backend(), "z": Z,
           "upstream": [float(v) for v in g], "activations": {}}
    for name in NAMES:
        f = keras.activations.get(name)
        values = f(z)
        grad = jax.grad(lambda x: jnp.sum(g * f(x)))(z)
        out["activations"][name] = {"values": [float(v) for v in np.asarray(values)],
                                    "gradient": [float(v) for v in np.asarray(grad)]}
    with open(os.path.join(HERE, "activations.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
