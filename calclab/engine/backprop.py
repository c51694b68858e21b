"""A multilayer perceptron in NumPy with backpropagation's four steps as four calls: forward, loss, backward,
update. Each keeps what it computed (z, a, dz, da, grads) so the GUI can show it; the CLI and tests drive the same
object. Losses follow torch.nn.functional: "mse" = mean((out - y)**2) over all elements, "bce" = mean binary
cross-entropy with each log clamped at -100, computed from the output's logit z so it stays exact where torch's
rounds the output to 0 or 1 (|z| > ~37). All arithmetic runs under np.errstate(all="ignore"): a diverging
run gives inf/nan (see is_finite()), never NumPy warnings.
Regularisation as TensorFlow Playground's, on the weights only (never the biases): l2 adds (λ/2)·ΣW², l1 adds
λ·Σ|W| (its slope taken as 0 at w = 0); `loss` returns data loss + penalty and keeps both parts.
`Trainer` (engine/trainer.py) trains an MLP in mini-batches with any of engine/optimizers.py's rules.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence

import numpy as np

from calclab.engine import datasets
from calclab.engine.trainer import Trainer

__all__ = ["MLP", "Trainer", "Params", "relative_error", "sigmoid"]
# The headless run moved to engine/headless.py; these names still import from here (read on first use, since
# headless.py imports this module).
_MOVED = ("train_headless", "diverged_by_loss", "divergence_message", "MAX_HEADLESS_WORK", "DIVERGENCE_FACTOR",
          "DIVERGENCE_TAIL")


def __getattr__(name: str) -> object:
    if name in _MOVED:
        from calclab.engine import headless

        return getattr(headless, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu")
OUTPUT_ACTIVATIONS = ("sigmoid", "linear")
LOSSES = ("bce", "mse")
MAX_LAYER_SIZE = 1000
LOG_CLAMP = -100.0  # torch clamps each log at -100 so a confident wrong answer costs 100, not inf

Params = list[tuple[np.ndarray, np.ndarray]]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function; via logaddexp so large |z| neither overflows nor loses precision."""
    return np.exp(-np.logaddexp(0.0, -z))


# Each activation f(z), and its slope da/dz written with the z and a = f(z) the forward pass kept.
_ACTIVATE: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),  # np.maximum keeps nan, so divergence stays visible
    "linear": lambda z: z,
}
def _sigmoid_slope(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    s = 1.0 - a
    s *= a  # in place: the backward pass runs this every training step
    return s


def _tanh_slope(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    s = a * a
    return np.subtract(1.0, s, out=s)


_SLOPE: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "sigmoid": _sigmoid_slope,
    "tanh": _tanh_slope,
    "relu": lambda z, a: (z > 0.0).astype(float),  # relu'(0) = 0, as in torch
    "linear": lambda z, a: np.ones_like(z),
}


class MLP:
    """A fully connected network: layer l computes a[l+1] = f(a[l] @ W + b)."""

    def __init__(
        self, sizes: Sequence[int], activation: str = "tanh", output: str = "sigmoid", loss: str = "bce", seed: int = 0,
        l1: float = 0.0, l2: float = 0.0,
    ) -> None:
        if isinstance(sizes, str | bytes) or len(sizes) < 2:
            raise ValueError("sizes must list at least 2 layer sizes (inputs and outputs)")
        for n in sizes:
            if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= n <= MAX_LAYER_SIZE:
                raise ValueError(f"layer sizes must be integers from 1 to {MAX_LAYER_SIZE}, got {n!r}")
        choices = [("activation", activation, HIDDEN_ACTIVATIONS), ("output", output, OUTPUT_ACTIVATIONS)]
        for what, value, allowed in [*choices, ("loss", loss, LOSSES)]:
            if value not in allowed:
                raise ValueError(f"unknown {what} {value!r}; choose one of {', '.join(allowed)}")
        if loss == "bce" and output != "sigmoid":
            raise ValueError("loss 'bce' needs output 'sigmoid' (a probability in (0, 1))")
        for name, rate in (("l1", l1), ("l2", l2)):
            if isinstance(rate, bool) or not isinstance(rate, int | float | np.floating) or \
                    not (math.isfinite(rate) and rate >= 0):
                raise ValueError(f"the {name} rate must be a finite number >= 0, got {rate!r}")
        self.l1, self.l2 = float(l1), float(l2)
        self.sizes = [int(n) for n in sizes]
        self.activation, self.output, self.loss_name, self.seed = activation, output, loss, seed
        self.layer_activations = [activation] * (len(sizes) - 2) + [output]  # one per weight layer
        rng = np.random.default_rng(datasets.check_seed(seed))
        self.params: Params = []
        for n_in, n_out, act in zip(self.sizes[:-1], self.sizes[1:], self.layer_activations, strict=True):
            # He keeps a relu layer's variance through depth; Glorot suits the symmetric tanh/sigmoid.
            limit = math.sqrt(6.0 / n_in) if act == "relu" else math.sqrt(6.0 / (n_in + n_out))
            self.params.append((rng.uniform(-limit, limit, (n_in, n_out)), np.zeros(n_out)))
        self._clear("init")

    def _clear(self, phase: str) -> None:
        """Forget what the phases computed; `phase` names the last step done (for order checks and the GUI)."""
        self.phase = phase
        self.z: list[np.ndarray] = []  # z[l] = a[l] @ W_l + b_l, one per weight layer
        self.a: list[np.ndarray] = []  # a[0] = X, a[l+1] = f(z[l]); a[-1] is the output
        self.y: np.ndarray | None = None
        self.loss_value: float | None = None   # data loss + penalty
        self.data_loss: float | None = None
        self.penalty: float | None = None
        self.dz: list[np.ndarray] = []  # dz[l] = dL/dz[l], the "delta" of layer l
        self.da = []  # da[l] = dL/da[l]; da[0] = dL/dX (a property: train_step leaves its two ends for later)
        self.grads: Params = []  # (dL/dW, dL/db) per layer

    def set_params(self, params: Sequence[tuple[np.ndarray, np.ndarray]]) -> None:
        """Replace the weights (copied, as float64); the shapes must match `sizes`."""
        if len(params) != len(self.params):
            raise ValueError(f"expected {len(self.params)} (W, b) pairs, got {len(params)}")
        new = []
        for l, ((W, b), (W0, b0)) in enumerate(zip(params, self.params, strict=True)):
            W, b = np.array(W, dtype=float), np.array(b, dtype=float)
            if W.shape != W0.shape or b.shape != b0.shape:
                raise ValueError(f"layer {l}: expected W {W0.shape} and b {b0.shape}, got {W.shape} and {b.shape}")
            new.append((W, b))
        self.params = new
        self._clear("init")

    @property
    def da(self) -> list[np.ndarray]:
        """da[l] = dL/da[l] per layer, da[0] = dL/dX. Training needs neither dL/dX nor the bce dL/dout (the
        delta skips that division), so after train_step they are computed here on first read, for the phase view."""
        if self._da_pending is not None:
            W0, self._da_pending = self._da_pending, None
            with np.errstate(all="ignore"):
                self._da[0] = self.dz[0] @ W0.T
                self._da[-1] = self._dout()
        return self._da

    @da.setter
    def da(self, value: list[np.ndarray]) -> None:
        self._da, self._da_pending = value, None

    def _run(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Forward pass without side effects: (z per layer, a per layer with a[0] = X)."""
        with np.errstate(all="ignore"):
            return self._run_raw(X)

    def _run_raw(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """_run's work; the caller holds np.errstate(all="ignore")."""
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.sizes[0] or len(X) == 0:
            raise ValueError(f"X must have shape (N, {self.sizes[0]}) with N >= 1, got {X.shape}")
        zs, acts = [], [X]
        for (W, b), act in zip(self.params, self.layer_activations, strict=True):
            z = acts[-1] @ W
            z += b  # in place: one 512 x 16 temporary fewer per layer, the same sums
            zs.append(z)
            acts.append(_ACTIVATE[act](zs[-1]))
        return zs, acts

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Phase 1: compute and keep every layer's z and a; return the output, shape (N, n_out)."""
        zs, acts = self._run(X)
        self._clear("forward")
        self.z, self.a = zs, acts
        return acts[-1]

    def _check_y(self, y: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """y as float64 of the output's shape ((N,) is accepted for one output); bce needs y in [0, 1]."""
        y = np.asarray(y, dtype=float)
        if y.ndim == 1 and shape[1] == 1:
            y = y.reshape(-1, 1)
        if y.shape != shape:
            raise ValueError(f"y must have shape {shape}, got {y.shape}")
        # min/max: two reductions, no temporaries (this runs every train step); a nan fails both comparisons
        if self.loss_name == "bce" and not (y.min() >= 0.0 and y.max() <= 1.0):
            raise ValueError("targets for loss 'bce' must lie in [0, 1]")
        return y

    def _loss_of(self, z_out: np.ndarray, out: np.ndarray, y: np.ndarray) -> float:
        """The loss from the output layer's z and a (bce works from z: log sigmoid without rounding to 0)."""
        with np.errstate(all="ignore"):
            return self._loss_raw(z_out, out, y)

    def _loss_raw(self, z_out: np.ndarray, out: np.ndarray, y: np.ndarray) -> float:
        """_loss_of's work; the caller holds np.errstate(all="ignore")."""
        if self.loss_name == "mse":
            return float(np.mean((out - y) ** 2))
        log_p = np.maximum(-np.logaddexp(0.0, -z_out), LOG_CLAMP)  # log(out)
        log_q = np.maximum(-np.logaddexp(0.0, z_out), LOG_CLAMP)  # log(1 - out)
        return float(-np.mean(y * log_p + (1.0 - y) * log_q))

    def penalty_of(self) -> float:
        """The regularisation term at the weights now: l1·Σ|W| + (l2/2)·ΣW² over every W (no biases)."""
        total = 0.0
        with np.errstate(all="ignore"):
            for W, _b in self.params:
                if self.l1:
                    total += self.l1 * float(np.abs(W).sum())
                if self.l2:
                    total += 0.5 * self.l2 * float(np.vdot(W, W))
        return total

    def _add_penalty_slope(self, W: np.ndarray, dW: np.ndarray) -> None:
        """dW += the penalty's slope: l2·W + l1·sign(W) (sign(0) = 0: the slope at a zero weight is taken as 0)."""
        if self.l2:
            dW += self.l2 * W
        if self.l1:
            dW += self.l1 * np.sign(W)

    def _total(self, data: float) -> float:
        """Keep the parts and return data loss + penalty."""
        self.data_loss = data
        self.penalty = self.penalty_of() if (self.l1 or self.l2) else 0.0
        return data + self.penalty

    def loss(self, y: np.ndarray) -> float:
        """Phase 2: data loss + penalty of the last forward output against targets y (nan/inf if it diverged);
        `data_loss` and `penalty` keep the two parts."""
        if self.phase not in ("forward", "loss", "backward"):
            raise RuntimeError("call forward(X) before loss(y)")
        y = self._check_y(y, self.a[-1].shape)
        self.loss_value = self._total(self._loss_of(self.z[-1], self.a[-1], y))
        self.y, self.phase = y, "loss"
        self.dz, self.da, self.grads = [], [], []
        return self.loss_value

    def _dout(self) -> np.ndarray:
        """dL/dout, the last da; the caller holds np.errstate(all="ignore")."""
        out, y, m = self.a[-1], self.y, self.y.size  # m: the mean runs over every element
        if self.loss_name == "bce":  # torch's eps keeps it finite at out = 0 and 1
            return (out - y) / np.maximum(out * (1.0 - out), 1e-12) / m
        return 2.0 * (out - y) / m

    def backward(self) -> Params:
        """Phase 3: the chain rule from the loss back to every W and b; return [(dW, db), ...]."""
        if self.phase not in ("loss", "backward"):
            raise RuntimeError("call loss(y) after forward(X) before backward()")
        with np.errstate(all="ignore"):
            return self._backward_raw(details=True)

    def _backward_raw(self, details: bool) -> Params:
        """backward's work (the caller holds np.errstate); details=False leaves da[0] and the bce da[-1] to `da`."""
        n = len(self.params)
        out, y, m = self.a[-1], self.y, self.y.size
        dz: list[np.ndarray] = [np.empty(0)] * n
        da: list[np.ndarray] = [np.empty(0)] * (n + 1)
        grads: Params = [(np.empty(0), np.empty(0))] * n
        if self.loss_name == "bce":
            if details:
                da[n] = self._dout()
            # sigmoid's slope out (1 - out) cancels dL/dout's denominator exactly: the delta needs no division.
            delta = (out - y) / m
        else:
            da[n] = self._dout()
            delta = da[n] * _SLOPE[self.output](self.z[-1], out)
        slope = _SLOPE[self.activation]
        for l in reversed(range(n)):
            if l < n - 1:
                delta = slope(self.z[l], self.a[l + 1])  # a fresh array (hidden layers are never linear) ...
                delta *= da[l + 1]  # ... so the product can go in place
            W = self.params[l][0]
            dz[l] = delta
            grads[l] = (self.a[l].T @ delta, delta.sum(axis=0))  # summed over the batch
            if self.l1 or self.l2:
                self._add_penalty_slope(W, grads[l][0])
            if l > 0 or details:
                da[l] = delta @ W.T  # how the loss depends on the layer below: the chain rule's next factor
        self.dz, self.da, self.grads, self.phase = dz, da, grads, "backward"
        if not details:  # update changes W0 in place: keep the W0 that dL/dX is made of (a small copy)
            self._da_pending = self.params[0][0].copy()
        return grads

    def update(self, lr: float) -> None:
        """Phase 4: one gradient-descent step, W -= lr * dW and b -= lr * db, in place."""
        if self.phase != "backward":
            raise RuntimeError("call backward() before update(lr)")
        lr = _check_lr(lr)
        with np.errstate(all="ignore"):
            self._update_raw(lr)

    def _update_raw(self, lr: float) -> None:
        """update's work (the caller holds np.errstate)."""
        for (W, b), (dW, db) in zip(self.params, self.grads, strict=True):
            W -= lr * dW
            b -= lr * db
        self.phase = "update"  # z, a and the gradients stay readable but no longer match the weights

    def is_finite(self) -> bool:
        """False once training has diverged: a non-finite weight or last loss."""
        if self.loss_value is not None and not math.isfinite(self.loss_value):
            return False
        return all(np.isfinite(W).all() and np.isfinite(b).all() for W, b in self.params)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The output for X, without touching what the phases keep (for heatmaps and test sets)."""
        return self._run(X)[1][-1]

    def evaluate(self, X: np.ndarray, y: np.ndarray, penalty: bool = True) -> float:
        """The loss on (X, y) (data loss + penalty; the data loss alone with penalty=False), without touching what
        the phases keep."""
        zs, acts = self._run(X)
        data = self._loss_of(zs[-1], acts[-1], self._check_y(y, acts[-1].shape))
        return data + self.penalty_of() if penalty and (self.l1 or self.l2) else data

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        """Fraction of outputs on the right side of 0.5 (classification: sigmoid output only)."""
        if self.output != "sigmoid":
            raise ValueError("accuracy needs a sigmoid output (classification)")
        out = self.predict(X)
        y = self._check_y(y, out.shape)
        return float(np.mean((out >= 0.5) == (y >= 0.5)))

    def train_step(self, X: np.ndarray, y: np.ndarray, lr: float,
                   update: Callable[[Params, Params], object] | None = None) -> float:
        """All four phases once on the whole batch; return the loss (data + penalty) before the update.

        The same arithmetic as forward, loss, backward, update, without their per-call overhead: one errstate,
        and dL/dX and the bce dL/dout (only the phase view shows them) left to the `da` property.
        `update(params, grads)`, if given, changes the params in place instead of plain W -= lr·dW (a Trainer's
        optimizer); lr is then only checked.
        """
        lr = _check_lr(lr)
        with np.errstate(all="ignore"):
            zs, acts = self._run_raw(X)
            y = self._check_y(y, acts[-1].shape)
            self._clear("loss")
            self.z, self.a, self.y = zs, acts, y
            self.loss_value = value = self._total(self._loss_raw(zs[-1], acts[-1], y))
            self._backward_raw(details=False)
            if update is None:
                self._update_raw(lr)
            else:
                update(self.params, self.grads)
                self.phase = "update"
        return value

    def train(self, X: np.ndarray, y: np.ndarray, lr: float, epochs: int,
              callback: Callable[[int, float], object] | None = None) -> list[float]:
        """Up to `epochs` train steps; losses[k] is the loss after k updates (losses[0] at the start), so a full run
        gives epochs + 1. A non-finite loss ends the list and the run; so does callback(updates_done, loss_before)
        returning False (the list then ends with the loss after the updates made)."""
        losses = []
        for epoch in range(int(epochs)):
            losses.append(self.train_step(X, y, lr))   # the loss at epoch `epoch`, before its update
            if not math.isfinite(losses[-1]):
                return losses
            if callback is not None and callback(epoch + 1, losses[-1]) is False:
                break
        losses.append(self.evaluate(X, y))
        return losses

    def numerical_gradients(self, X: np.ndarray, y: np.ndarray, eps: float = 1e-5) -> Params:
        """Central finite differences of the loss for every W and b (slow; for the gradient check)."""
        probe = copy.deepcopy(self)

        def partials(p: np.ndarray) -> np.ndarray:
            g = np.zeros_like(p)
            for i in np.ndindex(p.shape):
                old = p[i]
                p[i] = old + eps
                up = probe.evaluate(X, y)
                p[i] = old - eps
                g[i] = (up - probe.evaluate(X, y)) / (2 * eps)
                p[i] = old
            return g

        return [(partials(W), partials(b)) for W, b in probe.params]

    def gradient_check(self, X: np.ndarray, y: np.ndarray, eps: float = 1e-5) -> float:
        """relative_error of backprop against finite differences on (X, y); the net's state is untouched."""
        probe = copy.deepcopy(self)
        probe.forward(X)
        probe.loss(y)
        return relative_error(probe.backward(), self.numerical_gradients(X, y, eps))


def _check_lr(lr: float) -> float:
    """The learning rate as a float; it must be finite and >= 0."""
    lr = float(lr)
    if not math.isfinite(lr) or lr < 0:
        raise ValueError(f"learning rate must be a finite number >= 0, got {lr}")
    return lr


def relative_error(exact: Params, approx: Params) -> float:
    """max |exact - approx| / max(|exact|, |approx|) over all parameters (0.0 if both are zero).

    Relative to the largest entry, not elementwise: for tiny gradients finite differences are mostly rounding.
    """
    e = np.concatenate([g.ravel() for pair in exact for g in pair])
    n = np.concatenate([g.ravel() for pair in approx for g in pair])
    with np.errstate(all="ignore"):
        scale = max(np.max(np.abs(e)), np.max(np.abs(n)))
        return 0.0 if scale == 0 else float(np.max(np.abs(e - n)) / scale)
