"""The network's input features, as TensorFlow Playground offers them: x₁, x₂, x₁², x₂², x₁x₂, sin x₁, sin x₂.

A data set gives raw points (x₁, x₂) (the sine set only x₁); `feature_matrix` turns them into the columns the
network reads, in the order chosen. Names are plain ASCII so they can be typed on a command line
(`--features x1,x2,x1x2`); `parse_features` also takes the names as they are printed (x₁², sin(x1), ...).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

#: Every feature: name -> (what it needs: the raw inputs it reads, its formula on the raw columns).
_FEATURES: dict[str, tuple[int, Callable[[np.ndarray], np.ndarray]]] = {
    "x1": (1, lambda X: X[:, 0]),
    "x2": (2, lambda X: X[:, 1]),
    "x1^2": (1, lambda X: X[:, 0] * X[:, 0]),
    "x2^2": (2, lambda X: X[:, 1] * X[:, 1]),
    "x1x2": (2, lambda X: X[:, 0] * X[:, 1]),
    "sinx1": (1, lambda X: np.sin(X[:, 0])),
    "sinx2": (2, lambda X: np.sin(X[:, 1])),
}
FEATURES: tuple[str, ...] = tuple(_FEATURES)
TITLES: dict[str, str] = {"x1": "x₁", "x2": "x₂", "x1^2": "x₁²", "x2^2": "x₂²", "x1x2": "x₁x₂",
                          "sinx1": "sin x₁", "sinx2": "sin x₂"}


def default_features(n_inputs: int) -> list[str]:
    """The raw inputs themselves: ["x1", "x2"] for a 2-D set, ["x1"] for the sine."""
    return ["x1", "x2"][:n_inputs]


def usable(n_inputs: int) -> list[str]:
    """The features a data set with `n_inputs` raw inputs can feed (the sine has no x₂)."""
    return [name for name, (needs, _f) in _FEATURES.items() if needs <= n_inputs]


def check_features(names: Sequence[str], n_inputs: int) -> list[str]:
    """`names` as a list, or ValueError: known, usable with `n_inputs` raw inputs, none twice, at least one."""
    names = list(names)
    if not names:
        raise ValueError("choose at least one input feature")
    for name in names:
        if name not in _FEATURES:
            raise ValueError(f"unknown feature {name!r}; choose from {', '.join(FEATURES)}")
        if _FEATURES[name][0] > n_inputs:
            raise ValueError(f"feature {name} needs x2, and this data set has only x1")
    if len(set(names)) != len(names):
        raise ValueError("each feature may be chosen once")
    return names


def normal_name(text: str) -> str:
    """A feature name as typed or printed (x₁², X1**2, sin(x1), x1*x2) in its canonical spelling (x1^2, ...)."""
    word = str(text).strip().lower().replace("₁", "1").replace("₂", "2").replace("²", "^2").replace("**", "^")
    for junk in (" ", "(", ")", "*", "_"):
        word = word.replace(junk, "")
    return word.replace("sq", "^2")


def parse_features(text: str, n_inputs: int) -> list[str]:
    """Comma-separated feature names (canonical or as printed) -> canonical names; ValueError naming the bad one."""
    return check_features([normal_name(part) for part in str(text).split(",")], n_inputs)


def feature_matrix(X: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The columns the network reads: one per feature in `names`, computed from raw points X (N, n_inputs)."""
    X = np.asarray(X, dtype=float)
    names = check_features(names, X.shape[1] if X.ndim == 2 else 0)
    if list(names) == ["x1", "x2"][:X.shape[1]] and len(names) == X.shape[1]:
        return X   # the raw inputs in order: no copy (the common case, and the old network's input exactly)
    with np.errstate(all="ignore"):
        return np.column_stack([_FEATURES[name][1](X) for name in names])
