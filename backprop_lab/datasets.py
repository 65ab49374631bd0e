"""Small toy data sets, made with NumPy alone (no scikit-learn)."""

from numbers import Integral

import numpy as np

__all__ = ["xor", "moons"]


def xor():
    """The four XOR points as (X, y): X is 4×2 of 0/1, y is 0/1 (1 where exactly one input is 1)."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    return X, y


def moons(n=100, noise=0.1, seed=0):
    """Two interleaving half circles, like sklearn's make_moons: X is n×2, y is 0/1."""
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 2:
        raise ValueError(f"moons needs a whole number n >= 2 of points, got {n!r}")
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.vstack([
        np.column_stack([np.cos(t_out), np.sin(t_out)]),
        np.column_stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5]),
    ])
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X, y
