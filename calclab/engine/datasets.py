"""Toy data sets made locally (no downloads), deterministic from a seed.

Four 2-D binary classification sets in the spirit of TensorFlow Playground (xor, circles, moons, spiral)
and a 1-D regression (a noisy sine). Every set lives roughly in [-1.5, 1.5] so one learning rate suits all.
Classification labels are y of shape (N, 1) in {0.0, 1.0}, with the classes as equal as N allows; `noise`
is the standard deviation of Gaussian jitter added to the points after they are labelled (as in
scikit-learn), so a large noise makes the classes overlap. For sine it is the jitter added to y.
"""

from __future__ import annotations

import math

import numpy as np

DATASETS = ("xor", "circles", "moons", "spiral", "sine")
CLASSIFICATION = ("xor", "circles", "moons", "spiral")
MIN_SAMPLES = 4
MAX_SAMPLES = 10_000
XOR_MARGIN = 0.2  # clean xor points keep this distance from the axes, so small noise flips no label


def input_dim(name: str) -> int:
    """Number of input features of the data set `name` (2 for classification, 1 for sine)."""
    _check_name(name)
    return 1 if name == "sine" else 2


def is_classification(name: str) -> bool:
    """True for the binary classification sets, False for the sine regression."""
    _check_name(name)
    return name in CLASSIFICATION


def make_dataset(
    name: str, n_samples: int = 200, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Return (X, y): X of shape (n_samples, input_dim(name)), y of shape (n_samples, 1), both float64."""
    _check_name(name)
    if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer):
        raise ValueError(f"n_samples must be an integer, got {n_samples!r}")
    if not MIN_SAMPLES <= n_samples <= MAX_SAMPLES:
        raise ValueError(f"n_samples must be between {MIN_SAMPLES} and {MAX_SAMPLES}, got {n_samples}")
    noise = float(noise)
    if not math.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise}")
    rng = np.random.default_rng(check_seed(seed))
    n = int(n_samples)
    if name == "sine":
        x = rng.uniform(-math.pi, math.pi, size=(n, 1))
        return x, np.sin(x) + noise * rng.standard_normal((n, 1))
    # Class 1 gets the smaller half when n is odd; points are made per class then shuffled together.
    n1 = n // 2
    labels = np.concatenate([np.zeros(n - n1), np.ones(n1)])
    points = _MAKERS[name](rng, labels)
    points = points + noise * rng.standard_normal(points.shape)
    order = rng.permutation(n)
    return points[order], labels[order].reshape(n, 1)


def train_test_split(
    X: np.ndarray, y: np.ndarray, test_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into (X_train, X_test, y_train, y_test), scikit-learn's order.

    The test part has round(N * test_fraction) rows (possibly 0); the training part keeps at least one.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    if X.ndim != 2 or y.ndim != 2 or len(X) != len(y) or len(X) == 0:
        raise ValueError(f"X and y must be 2-D with the same number of rows, got {X.shape} and {y.shape}")
    test_fraction = float(test_fraction)
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in [0, 1), got {test_fraction}")
    n = len(X)
    n_test = min(round(n * test_fraction), n - 1)
    order = np.random.default_rng(check_seed(seed)).permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def _xor(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    """Points in the four quadrants, away from the axes; class 1 where x and y have opposite signs."""
    n = len(labels)
    mag = rng.uniform(XOR_MARGIN, 1.0, size=(n, 2))
    sx = rng.choice([-1.0, 1.0], size=n)
    sy = np.where(labels == 1, -sx, sx)  # the label fixes whether the two signs agree
    return mag * np.column_stack([sx, sy])


def _circles(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    """Class 1 fills a disc of radius 0.5, class 0 a ring from 0.7 to 1.0 (Playground's 'circle')."""
    n = len(labels)
    r = np.where(labels == 1, rng.uniform(0.0, 0.5, n), rng.uniform(0.7, 1.0, n))
    t = rng.uniform(0.0, 2 * math.pi, n)
    return np.column_stack([r * np.cos(t), r * np.sin(t)])


def _moons(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    """scikit-learn's two interleaved half circles, centred on the origin."""
    t = rng.uniform(0.0, math.pi, len(labels))
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    return np.where(labels[:, None] == 1, lower, upper) - np.array([0.5, 0.25])


def _spiral(rng: np.random.Generator, labels: np.ndarray) -> np.ndarray:
    """Two arms winding 1.75 turns out to radius 1, the second rotated by half a turn."""
    s = rng.uniform(0.0, 1.0, len(labels))
    angle = 1.75 * 2 * math.pi * s + math.pi * labels
    return np.column_stack([s * np.sin(angle), s * np.cos(angle)])


_MAKERS = {"xor": _xor, "circles": _circles, "moons": _moons, "spiral": _spiral}


def _check_name(name: str) -> None:
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")


def check_seed(seed: int) -> int:
    """The seed as an int, or ValueError: np.random.default_rng needs an integer >= 0."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    return int(seed)
