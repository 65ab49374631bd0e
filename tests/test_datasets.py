"""The toy data sets: shapes, labels, geometry, seeding, bad sizes."""

import numpy as np
import pytest

from backprop_lab.datasets import moons, xor


def test_datasets():
    X, y = xor()
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and y.tolist() == [0, 1, 1, 0]
    X, y = moons(101, noise=0.0, seed=0)
    assert X.shape == (101, 2) and sorted(set(y.tolist())) == [0.0, 1.0]
    assert np.allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)  # the upper moon is the unit circle
    X1, _ = moons(50, 0.2, seed=3)
    X2, _ = moons(50, 0.2, seed=3)
    assert np.array_equal(X1, X2) and not np.array_equal(X1, moons(50, 0.2, seed=4)[0])
    with pytest.raises(ValueError, match="n >= 2"):
        moons(1)


@pytest.mark.parametrize("n", [1, 0, -3, 2.5, "10"])
def test_moons_refuses_bad_sizes(n):
    with pytest.raises(ValueError, match="moons needs a whole number n >= 2"):
        moons(n)


def test_moons_splits_odd_sizes_and_noise_moves_points():
    X, y = moons(7, noise=0.0)
    assert (y == 0).sum() == 3 and (y == 1).sum() == 4
    assert not np.array_equal(moons(20, noise=0.1, seed=0)[0], moons(20, noise=0.0, seed=0)[0])
