"""Toy data sets: determinism, shapes, balance, the geometry each promises, the noise model, the split."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calclab.engine.datasets import (
    CLASSIFICATION,
    DATASETS,
    XOR_MARGIN,
    input_dim,
    is_classification,
    make_dataset,
    train_test_split,
)


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("n", [4, 7, 200])
def test_shapes_dtypes_and_balance(name: str, n: int) -> None:
    X, y = make_dataset(name, n, noise=0.1, seed=3)
    assert X.shape == (n, input_dim(name)) and y.shape == (n, 1)
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(y))
    if is_classification(name):
        assert set(np.unique(y)) <= {0.0, 1.0}
        assert y.sum() == n // 2  # as balanced as n allows


@pytest.mark.parametrize("name", DATASETS)
def test_deterministic_from_seed(name: str) -> None:
    X1, y1 = make_dataset(name, 50, 0.2, seed=7)
    X2, y2 = make_dataset(name, 50, 0.2, seed=7)
    X3, _ = make_dataset(name, 50, 0.2, seed=8)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_classes_are_shuffled() -> None:
    _, y = make_dataset("moons", 200, seed=0)
    assert 0.3 < y[:100].mean() < 0.7  # not all of one class first


def test_xor_geometry() -> None:
    X, y = make_dataset("xor", 500, noise=0.0, seed=1)
    assert np.all(np.abs(X) >= XOR_MARGIN) and np.all(np.abs(X) <= 1.0)
    np.testing.assert_array_equal(y[:, 0], (X[:, 0] * X[:, 1] < 0).astype(float))
    quadrants = {(bool(a > 0), bool(b > 0)) for a, b in X}
    assert len(quadrants) == 4


def test_circles_geometry() -> None:
    X, y = make_dataset("circles", 500, noise=0.0, seed=1)
    r = np.hypot(X[:, 0], X[:, 1])
    inner = y[:, 0] == 1
    assert np.all(r[inner] <= 0.5) and np.all((r[~inner] >= 0.7) & (r[~inner] <= 1.0))


def test_moons_geometry() -> None:
    X, y = make_dataset("moons", 500, noise=0.0, seed=1)
    P = X + np.array([0.5, 0.25])  # back to scikit-learn's coordinates
    upper, lower = P[y[:, 0] == 0], P[y[:, 0] == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert np.all(upper[:, 1] >= 0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5)


def test_spiral_geometry() -> None:
    X, y = make_dataset("spiral", 500, noise=0.0, seed=1)
    r = np.hypot(X[:, 0], X[:, 1])
    angle = np.arctan2(X[:, 0], X[:, 1])  # measured from the y axis, as the arms are drawn
    expected = 1.75 * 2 * math.pi * r + math.pi * y[:, 0]
    wrapped = np.angle(np.exp(1j * (angle - expected)))  # difference modulo 2 pi, in (-pi, pi]
    assert np.all(r <= 1.0) and np.abs(wrapped).max() < 1e-9


def test_sine_is_a_noisy_sine() -> None:
    X, y = make_dataset("sine", 300, noise=0.0, seed=1)
    assert np.all(np.abs(X) <= math.pi)
    np.testing.assert_allclose(y, np.sin(X))
    Xn, yn = make_dataset("sine", 3000, noise=0.2, seed=1)
    assert np.std(yn - np.sin(Xn)) == pytest.approx(0.2, rel=0.06)


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_noise_is_gaussian_jitter_of_the_given_size(name: str) -> None:
    clean, y0 = make_dataset(name, 4000, noise=0.0, seed=2)
    noisy, y1 = make_dataset(name, 4000, noise=0.3, seed=2)
    assert np.array_equal(y0, y1)  # labels come before the jitter
    jitter = (noisy - clean) / 0.3
    assert abs(jitter.mean()) < 0.05 and jitter.std() == pytest.approx(1.0, rel=0.05)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "iris"}, "unknown data set"),
        ({"n_samples": 3}, "between 4 and 10000"),
        ({"n_samples": 10001}, "between 4 and 10000"),
        ({"n_samples": 20.0}, "integer"),
        ({"n_samples": True}, "integer"),
        ({"noise": -0.1}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
    ],
)
def test_validation(kwargs: dict, match: str) -> None:
    options = {"name": "xor"} | kwargs
    with pytest.raises(ValueError, match=match) as info:
        make_dataset(**options)
    assert "\n" not in str(info.value)


def test_name_helpers() -> None:
    assert [input_dim(n) for n in DATASETS] == [2, 2, 2, 2, 1]
    assert [is_classification(n) for n in DATASETS] == [True] * 4 + [False]
    with pytest.raises(ValueError, match="unknown"):
        input_dim("mnist")


def test_train_test_split_partitions_the_rows() -> None:
    X, y = make_dataset("moons", 101, seed=4)
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.2, seed=5)
    assert len(X_test) == len(y_test) == 20 and len(X_train) == len(y_train) == 81
    rows = {tuple(r) for r in np.hstack([X, y])}
    train_rows = {tuple(r) for r in np.hstack([X_train, y_train])}
    test_rows = {tuple(r) for r in np.hstack([X_test, y_test])}
    assert train_rows | test_rows == rows and not train_rows & test_rows
    again = train_test_split(X, y, 0.2, seed=5)
    assert all(np.array_equal(a, b) for a, b in zip(again, (X_train, X_test, y_train, y_test), strict=True))
    other = train_test_split(X, y, 0.2, seed=6)
    assert not np.array_equal(other[1], X_test)


def test_train_test_split_edges_and_validation() -> None:
    X, y = make_dataset("xor", 10, seed=0)
    X_train, X_test, _, y_test = train_test_split(X, y, 0.0)
    assert len(X_train) == 10 and X_test.shape == (0, 2) and y_test.shape == (0, 1)
    assert len(train_test_split(X, y, 0.99)[0]) == 1  # the training part never empties
    for fraction in (-0.1, 1.0, float("nan")):
        with pytest.raises(ValueError, match="test_fraction"):
            train_test_split(X, y, fraction)
    with pytest.raises(ValueError, match="same number of rows"):
        train_test_split(X, y[:5])
