"""Gradient descent as a stepper: one update at a time, with the state a learner wants to see.

The update rules and defaults follow PyTorch's ``torch.optim`` (SGD with momentum / Nesterov, Adagrad,
RMSprop, Adam), written in the same order of floating-point operations so results agree to the last bit
or two. Plain SGD computes ``x - lr * grad`` exactly like the lesson's program, so the lesson's example
(f = x^2, x0 = 10, lr = 0.1) reproduces ``Epoch 4: x = 4.096, f(x) = 16.777216`` digit for digit.

The history of a run (descent_history.History) is kept in growing NumPy arrays rather than one Python object
per step; ``StepRecord`` objects are built on demand.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from types import MappingProxyType

import numpy as np

from calclab.engine.descent_history import History, StepRecord

__all__ = ["DEFAULTS", "INTERNALS", "OPTIMIZERS", "STATUSES", "Descent", "History", "StepRecord", "format_epoch",
           "stable_lr_bound"]

OPTIMIZERS: tuple[str, ...] = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")

#: The hyperparameters each optimizer takes (besides ``lr``) and their torch.optim defaults.
DEFAULTS: Mapping[str, Mapping[str, float]] = MappingProxyType({
    "sgd": MappingProxyType({}),
    "momentum": MappingProxyType({"momentum": 0.9}),
    "nesterov": MappingProxyType({"momentum": 0.9}),
    "adagrad": MappingProxyType({"eps": 1e-10}),
    "rmsprop": MappingProxyType({"alpha": 0.99, "eps": 1e-8}),
    "adam": MappingProxyType({"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
})

#: The optimizer state arrays each optimizer keeps (one value per variable), as named in ``internals``.
INTERNALS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "sgd": (),
    "momentum": ("velocity",),
    "nesterov": ("velocity",),
    "adagrad": ("sum_sq",),
    "rmsprop": ("v",),
    "adam": ("m", "v"),
})

STATUSES: tuple[str, ...] = ("running", "completed", "converged", "diverged")
LIMIT = 1e150          # |x| or |f| beyond this counts as divergence (x**2 still fits in a float)
GROWTH = 1e10          # |f| or |x| growing this many times past its start counts as divergence too
MAX_EPOCHS = 10_000_000

Point = np.ndarray
Objective = Callable[[Point], float]
GradientFn = Callable[[Point], Point]


def _fmt(value: float) -> str:
    """A short human form of a number: -1 rather than -1.0, 6 significant digits."""
    return f"{value:.6g}"


def _fmt_point(x: np.ndarray) -> str:
    return _fmt(x[0]) if x.size == 1 else "(" + ", ".join(_fmt(v) for v in x) + ")"


def _check_number(name: str, value: object) -> float:
    """value as a float, or ValueError if it is not a finite real number (bools and strings refused)."""
    try:
        number = float(value) if isinstance(value, Real) and not isinstance(value, bool) else math.nan
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return number


def _check_hyper(optimizer: str, hyper: Mapping[str, object]) -> dict[str, float]:
    """Merge the given hyperparameters over the defaults, refusing unknown names and bad values."""
    allowed = DEFAULTS[optimizer]
    merged = dict(allowed)
    for name, value in hyper.items():
        if name not in allowed:
            takes = ", ".join(allowed) if allowed else "no hyperparameters besides lr"
            raise ValueError(f"{optimizer} has no hyperparameter {name!r} (it takes {takes})")
        number = _check_number(name, value)
        if name == "eps":
            if number <= 0:
                raise ValueError(f"eps must be greater than 0, got {number:g}")
        elif not 0.0 <= number < 1.0:
            raise ValueError(f"{name} must be at least 0 and below 1, got {number:g}")
        merged[name] = number
    return merged


def _update(optimizer: str, hp: Mapping[str, float], t: int, lr: float, g: np.ndarray,
            state: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The displacement of update number t (1-based) and the new optimizer state, as torch.optim does it."""
    if optimizer == "sgd":
        return -(lr * g), {}
    if optimizer in ("momentum", "nesterov"):
        mu = hp["momentum"]
        b = g.copy() if t == 1 else mu * state["velocity"] + g   # torch: b_1 = g_1
        direction = g + mu * b if optimizer == "nesterov" else b
        return -(lr * direction), {"velocity": b}
    if optimizer == "adagrad":
        s = state["sum_sq"] + g * g
        return -(lr * (g / (np.sqrt(s) + hp["eps"]))), {"sum_sq": s}
    if optimizer == "rmsprop":
        alpha = hp["alpha"]
        v = alpha * state["v"] + (1.0 - alpha) * (g * g)
        return -(lr * (g / (np.sqrt(v) + hp["eps"]))), {"v": v}
    b1, b2 = hp["beta1"], hp["beta2"]
    m = b1 * state["m"] + (1.0 - b1) * g
    v = b2 * state["v"] + (1.0 - b2) * (g * g)
    denom = np.sqrt(v) / math.sqrt(1.0 - b2**t) + hp["eps"]     # eps after sqrt(v_hat)
    return -((lr / (1.0 - b1**t)) * (m / denom)), {"m": m, "v": v}


class Descent:
    """A gradient-descent run on f from x0 that advances one update per ``step()``.

    State: ``epoch`` (updates made), ``x`` (current point), ``value`` (f(x)), ``gradient`` (at x),
    ``status`` ("running", "completed", "converged", "diverged"), ``message`` (one line, "" while
    running), ``history``. ``lr`` may be changed between steps and applies from the next step.

    f takes a point (1-D float array, one entry per variable) and returns a number; grad returns one
    partial derivative per variable. Arithmetic errors they raise (ZeroDivisionError, math domain
    errors) count as "not defined here". A start point where f or the gradient is not finite raises
    ValueError ("f is not defined at the start point x0 = -1"): it is bad input, not a run.
    """

    def __init__(self, f: Objective, grad: GradientFn, x0: float | Sequence[float] | np.ndarray,
                 optimizer: str = "sgd", lr: float = 0.1, epochs: int = 20,
                 tolerance: float | None = None, **hyper: float) -> None:
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {optimizer!r} (choose from {', '.join(OPTIMIZERS)})")
        self.optimizer = optimizer
        self.hyper: Mapping[str, float] = MappingProxyType(_check_hyper(optimizer, hyper))
        self.lr = lr
        whole = isinstance(epochs, int | np.integer) and not isinstance(epochs, bool)
        if not whole or not 0 <= epochs <= MAX_EPOCHS:
            raise ValueError(f"epochs must be a whole number from 0 to {MAX_EPOCHS:,}, got {epochs!r}")
        self.epochs = int(epochs)
        if tolerance is not None and _check_number("tolerance", tolerance) < 0:
            raise ValueError(f"tolerance must be 0 or more, got {tolerance:g}")
        self.tolerance = None if tolerance is None else float(tolerance)
        try:
            if isinstance(x0, str | bytes):
                raise TypeError
            start = np.array(x0, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise ValueError(f"the start point must be numbers, got {x0!r}") from None
        if start.size == 0 or not np.all(np.isfinite(start)):
            raise ValueError(f"the start point must be finite numbers, got {x0!r}")
        if np.max(np.abs(start)) > LIMIT:
            raise ValueError(f"the start point is too large (each coordinate must be within {LIMIT:g})")
        start.flags.writeable = False
        self.x0 = start
        self._f, self._grad = f, grad
        with np.errstate(all="ignore"):
            f0, g0 = self._eval_f(start), self._eval_grad(start)
        where = f"at the start point x0 = {_fmt_point(start)}"
        if not math.isfinite(f0):
            raise ValueError(f"f is not defined {where} (f(x0) = {f0})")
        if abs(f0) > LIMIT:
            raise ValueError(f"f(x0) = {f0:g} is too large {where} (limit {LIMIT:g})")
        if not np.all(np.isfinite(g0)):
            raise ValueError(f"the gradient is not defined {where}")
        self._f0, self._g0 = f0, g0
        self.reset()

    # -- public state -------------------------------------------------------------------------------

    @property
    def lr(self) -> float:
        """Learning rate of the next update."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        number = _check_number("learning rate", value)
        if number <= 0:
            raise ValueError(f"learning rate must be greater than 0, got {number:g}")
        self._lr = number

    @property
    def x(self) -> np.ndarray:
        """The current point (read-only view)."""
        return self.history.path[-1]

    @property
    def value(self) -> float:
        """f at the current point."""
        return float(self.history.path_f[-1])

    @property
    def gradient(self) -> np.ndarray:
        """The gradient at the current point (nan if the run diverged before it could be computed)."""
        return self.history.path_grad[-1]

    @property
    def internals(self) -> dict[str, np.ndarray]:
        """The optimizer state now (copies): velocity, sum_sq, m, v ... whichever apply."""
        return {name: a.copy() for name, a in self._state.items()}

    @property
    def finished(self) -> bool:
        return self.status != "running"

    # -- stepping -----------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to x0 with fresh optimizer state and empty history; the current lr is kept."""
        names = INTERNALS[self.optimizer]
        self.epoch = 0
        self._state = {name: np.zeros_like(self.x0) for name in names}
        self.history = History(self.x0, self._f0, self._g0, names, capacity=min(self.epochs + 1, 1024) + 1)
        self.status, self.message = "running", ""
        self._check_finished(at_start=True)

    def next_step(self) -> np.ndarray | None:
        """The displacement the next update would make at the current lr (None if finished)."""
        if self.finished:
            return None
        with np.errstate(all="ignore"):
            delta, _ = _update(self.optimizer, self.hyper, self.epoch + 1, self._lr, self.gradient,
                               self._state)
        return delta

    def step(self) -> StepRecord | None:
        """Make exactly one update; None (and no change) if the run has already finished."""
        return self.history[-1] if self._advance() else None

    def run(self, max_steps: int | None = None) -> int:
        """Step until finished (or max_steps updates); returns the number of updates made."""
        made = 0
        while (max_steps is None or made < max_steps) and self._advance():
            made += 1
        return made

    def _advance(self) -> bool:
        """One update, recorded in history, then the status check; False if already finished."""
        if self.status != "running":
            return False
        lr, t = self._lr, self.epoch + 1
        with np.errstate(all="ignore"):
            delta, state = _update(self.optimizer, self.hyper, t, lr, self.gradient, self._state)
            x_new = self.x + delta
            x_ok = np.abs(x_new).max() <= LIMIT            # False for inf and nan too
            f_new = self._eval_f(x_new) if x_ok else math.nan
            self.epoch, self._state = t, state
            self.history._append(x_new, f_new, lr, state)
            problem = self._problem(x_new, f_new, state)
            if problem is None:
                g_new = self._eval_grad(x_new)
                if np.isfinite(g_new).all():
                    self.history._set_gradient(g_new)
                else:
                    problem = f"the gradient is not defined at x = {_fmt_point(x_new)}"
        if problem is not None:
            self.status, self.message = "diverged", f"diverged at epoch {t}: {problem}"
        else:
            self._check_finished(at_start=False)
        return True

    # -- helpers ------------------------------------------------------------------------------------

    def _eval_f(self, x: np.ndarray) -> float:
        try:
            value = np.asarray(self._f(x.copy()), dtype=float)
        except (ArithmeticError, ValueError):
            return math.nan
        if value.size != 1:
            raise ValueError(f"f must return one number, it returned shape {value.shape}")
        return float(value.reshape(-1)[0])

    def _eval_grad(self, x: np.ndarray) -> np.ndarray:
        try:
            g = np.asarray(self._grad(x.copy()), dtype=float).reshape(-1)
        except (ArithmeticError, ValueError):
            return np.full_like(x, np.nan)
        if g.shape != x.shape:
            raise ValueError(f"grad must return {x.size} partial derivative(s), it returned {g.size}")
        return g

    def _problem(self, x_new: np.ndarray, f_new: float, state: Mapping[str, np.ndarray]) -> str | None:
        """Why the update just made counts as divergence, or None."""
        if np.isnan(x_new).any():
            return "x became nan"
        if not np.abs(x_new).max() <= LIMIT:
            return f"x overflowed (|x| > {LIMIT:g})"
        for name, arr in state.items():
            if not np.isfinite(arr).all():
                return f"the optimizer state {name!r} overflowed"
        if math.isnan(f_new):
            return f"f is not defined at x = {_fmt_point(x_new)}"
        if abs(f_new) > LIMIT:
            return "f(x) overflowed"
        # Exploding long before overflow: a learner wants "diverged" after 20 epochs, not 246.
        if f_new < -GROWTH * max(1.0, abs(self._f0)):
            return "f(x) is falling without bound (f has no minimum in that direction)"
        if abs(f_new) > GROWTH * max(1.0, abs(self._f0)):
            return f"f(x) grew over {GROWTH:.0e} times its starting size (is the learning rate too large?)"
        if np.abs(x_new).max() > GROWTH * max(1.0, float(np.abs(self.x0).max())):
            return f"x ran away (over {GROWTH:.0e} times its start)"
        return None

    def _check_finished(self, at_start: bool) -> None:
        """Set converged (gradient within tolerance, or exactly 0 for good) or completed (epochs used up)."""
        if self.tolerance is not None:
            norm = float(np.linalg.norm(self.gradient))
            if norm <= self.tolerance:
                where = "at the start point" if at_start else f"at epoch {self.epoch}"
                self.status = "converged"
                self.message = f"converged {where}: |grad f| = {norm:.3g} <= tolerance {self.tolerance:g}"
                return
        if not np.any(self.gradient) and not np.any(self.next_step()):
            # A zero gradient and no momentum left: every later update would be exactly 0 (relu(x) from x0 = -1,
            # a constant, x^2 from 0), so the run would mark time until its last epoch. Stop and say why.
            where = "at the start point" if at_start else f"at epoch {self.epoch}"
            self.status = "converged"
            self.message = (f"converged {where}: the gradient is exactly 0 at x = {_fmt_point(self.x)}, so no update "
                            "can move x (a flat region or a stationary point)")
            return
        if self.epoch >= self.epochs:
            self.status, self.message = "completed", f"completed {self.epochs} epochs"


def stable_lr_bound(hessian: np.ndarray | Sequence[Sequence[float]] | float, optimizer: str = "sgd",
                    momentum: float | None = None) -> float | None:
    """The largest learning rate at which descent on a quadratic with this Hessian still converges.

    Plain SGD is stable for lr < 2/L, L the largest eigenvalue of the (symmetrised) Hessian. Momentum
    widens it to 2(1 + mu)/L, torch's Nesterov form to (2 + 2 mu)/((1 + 2 mu) L). Adaptive optimizers
    (adagrad, rmsprop, adam) rescale each step, so no fixed bound exists: None. None also when L <= 0 or
    the Hessian is not finite. ``momentum`` defaults to that optimizer's default.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r} (choose from {', '.join(OPTIMIZERS)})")
    h = np.atleast_2d(np.asarray(hessian, dtype=float))
    if h.ndim != 2 or h.shape[0] != h.shape[1]:
        raise ValueError(f"the Hessian must be a square matrix, got shape {h.shape}")
    if optimizer in ("adagrad", "rmsprop", "adam") or not np.all(np.isfinite(h)):
        return None
    largest = float(np.linalg.eigvalsh((h + h.T) / 2.0)[-1])
    if largest <= 0:
        return None
    mu = 0.0
    if optimizer != "sgd":
        mu = _check_hyper(optimizer, {} if momentum is None else {"momentum": momentum})["momentum"]
    factor = 2.0 * (1.0 + mu) / (1.0 + 2.0 * mu) if optimizer == "nesterov" else 2.0 * (1.0 + mu)
    return factor / largest


def format_epoch(epoch: int, names: Sequence[str], point: Sequence[float], value: float) -> str:
    """One line of the lesson's printout, every digit: `Epoch 1: x = 8.0, f(x) = 64.0` (the CLI and the tab's
    "Copy as text" print the same lines)."""
    coords = ", ".join(f"{n} = {float(v)!r}" for n, v in zip(names, point, strict=True))
    return f"Epoch {epoch}: {coords}, f({', '.join(names)}) = {float(value)!r}"
