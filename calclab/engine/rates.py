"""Convergence rates of descent on a quadratic, per eigen-direction of its Hessian (Distill, "Why Momentum Really
Works", 2017).

On f(x) = ½ xᵀHx (plus a linear part) the error along the eigenvector of H with eigenvalue λ evolves on its own:
plain gradient descent multiplies it by (1 − ηλ) each step, so it shrinks by |1 − ηλ| per step (a negative factor
flips its sign every step: the zig-zag across a narrow valley). Heavy-ball momentum (torch's SGD with momentum β)
follows e_t = (1 + β − ηλ) e_{t−1} − β e_{t−2}, whose rate is the larger |root| of z² − (1 + β − ηλ) z + β.
A rate below 1 converges, above 1 diverges. Weight decay wd (torch's L2) adds wd to every λ.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["eigenvalues", "momentum_rates", "sgd_factors", "sgd_rates"]


def eigenvalues(hessian: np.ndarray | Sequence[Sequence[float]] | float, weight_decay: float = 0.0) -> np.ndarray:
    """The eigenvalues of the (symmetrised) Hessian, ascending, each plus the weight decay."""
    h = np.atleast_2d(np.asarray(hessian, dtype=float))
    return np.linalg.eigvalsh((h + h.T) / 2.0) + float(weight_decay)


def sgd_factors(lam: np.ndarray | Sequence[float], lrs: np.ndarray | Sequence[float]) -> np.ndarray:
    """1 − ηλ for every η (rows) and λ (columns): the signed factor gradient descent multiplies the error by."""
    return 1.0 - np.outer(np.asarray(lrs, dtype=float), np.asarray(lam, dtype=float))


def sgd_rates(lam: np.ndarray | Sequence[float], lrs: np.ndarray | Sequence[float]) -> np.ndarray:
    """|1 − ηλ| for every η (rows) and λ (columns)."""
    return np.abs(sgd_factors(lam, lrs))


def momentum_rates(lam: np.ndarray | Sequence[float], lrs: np.ndarray | Sequence[float], beta: float) -> np.ndarray:
    """max |z| over the roots of z² − (1 + β − ηλ) z + β, for every η (rows) and λ (columns)."""
    a = 1.0 + beta - np.outer(np.asarray(lrs, dtype=float), np.asarray(lam, dtype=float))
    disc = a * a - 4.0 * beta
    with np.errstate(invalid="ignore"):
        root = np.sqrt(np.maximum(disc, 0.0))
        real = np.maximum(np.abs(a + root), np.abs(a - root)) / 2.0
    # Complex roots are a conjugate pair whose product is β: both have modulus √β.
    return np.where(disc < 0.0, np.sqrt(max(float(beta), 0.0)), real)
