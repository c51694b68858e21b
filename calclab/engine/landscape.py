"""The loss landscape around a network's weights, as in Li et al., "Visualizing the Loss Landscape of Neural Nets"
(2018; tomgoldstein/loss-landscape, net_plotter.py and projection.py).

Two random directions d₁, d₂ in weight space, each *filter-normalised*: every neuron's incoming weights (a column
of W, the "filter" of a dense layer) are scaled to the norm of that neuron's weights, so a step of 1 along d moves
each neuron as far as its own size, whatever the layer's scale; the biases' directions are 0 (the paper's
ignore='biasbn'). The landscape is L(θ + α·d₁ + β·d₂) on an n×n grid of (α, β); a training path θ₀, θ₁, ... is
drawn on that plane by the least-squares coordinates of θ_k − θ in (d₁, d₂).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from calclab.engine.backprop import _ACTIVATE, LOG_CLAMP, MLP, Params

GRID = 41      # 41 x 41 evaluations of the full loss
SPAN = 1.0     # α and β from -SPAN to SPAN


def filter_normalized_direction(params: Params, rng: np.random.Generator) -> Params:
    """A Gaussian random direction shaped like `params`, each column scaled to the norm of W's column; biases 0."""
    direction = []
    for W, b in params:
        d = rng.standard_normal(W.shape)
        d *= np.linalg.norm(W, axis=0) / (np.linalg.norm(d, axis=0) + 1e-10)
        direction.append((d, np.zeros_like(b)))
    return direction


def flatten(params: Params) -> np.ndarray:
    """Every W then b of every layer, in one vector (the coordinates the path is projected in)."""
    return np.concatenate([p.ravel() for pair in params for p in pair])


@dataclass(frozen=True)
class Landscape:
    """The loss on the (α, β) grid (losses[i, j] at alphas[i], betas[j]; non-finite as nan) and the path's (α, β)."""

    alphas: np.ndarray
    betas: np.ndarray
    losses: np.ndarray
    path: np.ndarray          # (k, 2): the projected weights of each path point, the last one at (0, 0)
    centre_loss: float


def landscape(net: MLP, X: np.ndarray, y: np.ndarray, seed: int = 0, n: int = GRID, span: float = SPAN,
              path: Sequence[Params] = ()) -> Landscape:
    """L(θ + α·d₁ + β·d₂) (data loss + penalty, over all of X) for α, β in [-span, span], n values each; the
    directions come from `seed`. `path` lists earlier weights to project (θ itself is (0, 0))."""
    if not 2 <= int(n) <= 201 or not np.isfinite(span) or span <= 0:
        raise ValueError("the landscape needs 2 to 201 points a side and a span above 0")
    rng = np.random.default_rng(seed)
    centre = [(W.copy(), b.copy()) for W, b in net.params]
    d1 = filter_normalized_direction(centre, rng)
    d2 = filter_normalized_direction(centre, rng)
    alphas = np.linspace(-span, span, int(n))
    betas = np.linspace(-span, span, int(n))
    losses = np.empty((len(alphas), len(betas)))
    with np.errstate(all="ignore"):
        for i, a in enumerate(alphas):   # one row of the grid at a time: every β as one batched forward pass
            layers = [(W + a * u + betas[:, None, None] * v[None], np.broadcast_to(c, (len(betas), *c.shape)))
                      for (W, c), (u, _p), (v, _q) in zip(centre, d1, d2, strict=True)]
            losses[i] = _losses(net, layers, X, y)
    losses[~np.isfinite(losses)] = np.nan
    return Landscape(alphas, betas, losses, project(path, centre, d1, d2), float(net.evaluate(X, y)))


def _losses(net: MLP, layers: list[tuple[np.ndarray, np.ndarray]], X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The loss (data + penalty) of K networks at once: layers[l] = (W of shape (K, n_in, n_out), b (K, n_out)).
    The MLP's own formulas (backprop.py: activations, bce from the logit with logs clamped at -100, mse), batched;
    the tests check them against MLP.evaluate."""
    a = np.asarray(X, dtype=float)[None]
    for (W, b), act in zip(layers, net.layer_activations, strict=True):
        z = a @ W + b[:, None, :]
        a = _ACTIVATE[act](z)
    y = np.asarray(y, dtype=float).reshape(a.shape[1:])
    if net.loss_name == "mse":
        data = np.mean((a - y) ** 2, axis=(1, 2))
    else:
        log_p = np.maximum(-np.logaddexp(0.0, -z), LOG_CLAMP)
        log_q = np.maximum(-np.logaddexp(0.0, z), LOG_CLAMP)
        data = -np.mean(y * log_p + (1.0 - y) * log_q, axis=(1, 2))
    for W, _b in layers:
        if net.l1:
            data = data + net.l1 * np.abs(W).sum(axis=(1, 2))
        if net.l2:
            data = data + 0.5 * net.l2 * (W * W).sum(axis=(1, 2))
    return data


def project(path: Sequence[Params], centre: Params, d1: Params, d2: Params) -> np.ndarray:
    """(α, β) of each θ_k in `path`: the least-squares solution of α·d₁ + β·d₂ = θ_k − θ (the directions need not
    be orthogonal)."""
    if not len(path):
        return np.empty((0, 2))
    basis = np.column_stack([flatten(d1), flatten(d2)])
    offsets = np.column_stack([flatten(p) - flatten(centre) for p in path])
    coords, *_ = np.linalg.lstsq(basis, offsets, rcond=None)
    return coords.T
