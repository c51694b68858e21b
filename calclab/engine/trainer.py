"""Trainer: an MLP trained in (mini-)batches with one of the update rules of engine/optimizers.py.

The rules are the Descent tab's, exact to torch.optim (one optimizer per parameter array, so every weight
matrix and bias vector keeps its own velocity or moments). An optimizer's `weight_decay` acts on every
parameter, biases too, as torch's does; the network's own l1/l2 regularisation acts on the weights only.
`step` is one fused forward/loss/backward/update (MLP.train_step) on exactly the rows given; `epoch` shuffles
the rows (seeded, so a run is reproducible) into batches of `batch_size` and steps through them.
Use it as `calclab.engine.backprop.Trainer` (this module holds it only to keep backprop.py short).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from calclab.engine import optimizers
from calclab.engine.datasets import check_seed

if TYPE_CHECKING:   # backprop.py imports this module: no import of it at run time
    from calclab.engine.backprop import MLP, Params


class Trainer:
    """How an MLP learns: the optimizer (`optimizer`, its `hyper`parameters over torch's defaults), the learning
    rate `lr`, the batch size (None: every row in one batch) and the seed of the shuffles."""

    def __init__(self, net: MLP, optimizer: str = "sgd", lr: float = 0.1, batch_size: int | None = None,
                 seed: int = 0, **hyper: float) -> None:
        lr = optimizers.check_number("lr", lr)
        if lr <= 0:
            raise ValueError(f"the learning rate must be above 0, got {lr:g}")
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer)
                                       or batch_size < 1):
            raise ValueError(f"the batch size must be a whole number >= 1 (or None: all rows), got {batch_size!r}")
        self.net, self.optimizer, self.lr = net, optimizer, lr
        self.batch_size = None if batch_size is None else int(batch_size)
        self.rules = [(optimizers.make_optimizer(optimizer, **hyper), optimizers.make_optimizer(optimizer, **hyper))
                      for _pair in net.params]
        self.hyper = dict(self.rules[0][0].hyper)
        self.rng = np.random.default_rng(check_seed(seed))
        self.steps = 0    # updates made
        self.epochs = 0   # epochs completed by `epoch`

    def _apply(self, params: Params, grads: Params) -> None:
        """The optimizer's update of every W and b, in place."""
        for (W, b), (dW, db), (rule_W, rule_b) in zip(params, grads, self.rules, strict=True):
            rule_W.step_inplace(W, dW, self.lr)
            rule_b.step_inplace(b, db, self.lr)

    def step(self, X: np.ndarray, y: np.ndarray) -> float:
        """One forward, loss, backward and optimizer update on exactly these rows; the loss (data + penalty) before
        the update."""
        loss = self.net.train_step(X, y, self.lr, self._apply)
        self.steps += 1
        return loss

    def update(self) -> None:
        """Phase 4 with the optimizer, after net.forward/loss/backward (stepping by hand): the gradients kept by
        backward move the weights."""
        if self.net.phase != "backward":
            raise RuntimeError("call backward() before update()")
        with np.errstate(all="ignore"):
            self._apply(self.net.params, self.net.grads)
        self.net.phase = "update"
        self.steps += 1

    def batches(self, n: int) -> list[np.ndarray]:
        """One epoch's batches as row indices: a seeded shuffle of range(n) cut into runs of batch_size (the last
        may be shorter). A batch as large as the data is all rows in order, and draws no shuffle."""
        if self.batch_size is None or self.batch_size >= n:
            return [np.arange(n)]
        order = self.rng.permutation(n)
        return [order[i:i + self.batch_size] for i in range(0, n, self.batch_size)]

    def epoch(self, X: np.ndarray, y: np.ndarray) -> float:
        """One pass over the rows in shuffled batches; the mean of the batch losses (each before its update). A
        non-finite batch loss ends the pass early (and the mean is not finite)."""
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        parts = self.batches(len(X))
        if len(parts) == 1:
            losses = [self.step(X, y)]
        else:
            losses = []
            for rows in parts:
                losses.append(self.step(X[rows], y[rows]))
                if not math.isfinite(losses[-1]):
                    break
        self.epochs += 1
        return float(np.mean(losses))
