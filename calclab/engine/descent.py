"""Gradient descent as a stepper: one update at a time, with the state a learner wants to see.

The update rules live in optimizers.py (torch.optim's SGD with momentum / Nesterov, Adagrad, RMSprop, Adam and
AdamW, weight decay included, in torch's order of floating-point operations), the learning-rate schedules in
schedules.py (torch.optim.lr_scheduler's). Plain SGD computes ``x - lr * grad`` exactly like the lesson's program,
so the lesson's example (f = x^2, x0 = 10, lr = 0.1) reproduces ``Epoch 4: x = 4.096, f(x) = 16.777216`` digit for
digit. Newton's method (``newton``) takes the full step x - H^-1 grad f with the Hessian it is given, and stops
(status "stopped", no step) where the Hessian is singular or not positive definite.

The history of a run (descent_history.History) is kept in growing NumPy arrays rather than one Python object
per step; ``StepRecord`` objects are built on demand.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

import numpy as np

from calclab.engine import optimizers as rules
from calclab.engine.descent_history import History, StepRecord
from calclab.engine.optimizers import NewtonStep, check_hyper, check_number, newton_step
from calclab.engine.schedules import Schedule

__all__ = ["DEFAULTS", "INTERNALS", "METHODS", "STATUSES", "Descent", "History", "StepRecord",
           "format_epoch", "stable_lr_bound"]

#: Every method a run takes: the first-order rules of optimizers.py, then Newton's method.
METHODS: tuple[str, ...] = (*rules.OPTIMIZERS, "newton")
#: The hyperparameters each method takes (besides ``lr``) and their defaults (torch.optim's).
DEFAULTS: Mapping[str, Mapping[str, float]] = MappingProxyType({
    **rules.DEFAULTS, "newton": MappingProxyType({"weight_decay": 0.0})})
#: The optimizer state arrays each method keeps (one value per variable), as named in ``internals``.
INTERNALS: Mapping[str, tuple[str, ...]] = MappingProxyType({**rules.INTERNALS, "newton": ()})

#: "stopped": Newton's method met a Hessian it cannot use (singular, not positive definite, undefined).
STATUSES: tuple[str, ...] = ("running", "completed", "converged", "diverged", "stopped")
LIMIT = 1e150          # |x| or |f| beyond this counts as divergence (x**2 still fits in a float)
GROWTH = 1e10          # |f| or |x| growing this many times past its start counts as divergence too
MAX_EPOCHS = 10_000_000

Point = np.ndarray
Objective = Callable[[Point], float]
GradientFn = Callable[[Point], Point]
HessianFn = Callable[[Point], np.ndarray]


def _fmt(value: float) -> str:
    """A short human form of a number: -1 rather than -1.0, 6 significant digits."""
    return f"{value:.6g}"


def _fmt_point(x: np.ndarray) -> str:
    return _fmt(x[0]) if x.size == 1 else "(" + ", ".join(_fmt(v) for v in x) + ")"


class Descent:
    """A gradient-descent run on f from x0 that advances one update per ``step()``.

    State: ``epoch`` (updates made), ``x`` (current point), ``value`` (f(x)), ``gradient`` (at x),
    ``status`` ("running", "completed", "converged", "diverged", "stopped"), ``message`` (one line, "" while
    running), ``history``. ``lr`` is the base learning rate: it may be changed between steps and applies from
    the next step; with a ``schedule`` (schedules.make_schedule) update t uses ``lr_at(t)``, the schedule's rate
    for that base, and the history records the rate each update used.

    ``optimizer`` is one of METHODS; its hyperparameters (DEFAULTS) are keywords. ``newton`` needs ``hessian``
    (a point in, the n x n Hessian out, e.g. hessian.PointHessian); the learning rate and schedule do not apply
    to it (its history records nan as the rate), and where the Hessian is singular, not positive definite or
    undefined the run stops (status "stopped", the message says why) instead of stepping.

    f takes a point (1-D float array, one entry per variable) and returns a number; grad returns one
    partial derivative per variable. Arithmetic errors they raise (ZeroDivisionError, math domain
    errors) count as "not defined here". A start point where f or the gradient is not finite raises
    ValueError ("f is not defined at the start point x0 = -1"): it is bad input, not a run.
    """

    def __init__(self, f: Objective, grad: GradientFn, x0: float | Sequence[float] | np.ndarray,
                 optimizer: str = "sgd", lr: float = 0.1, epochs: int = 20,
                 tolerance: float | None = None, *, schedule: Schedule | None = None,
                 hessian: HessianFn | None = None, **hyper: float) -> None:
        if optimizer not in METHODS:
            raise ValueError(f"unknown optimizer {optimizer!r} (choose from {', '.join(METHODS)})")
        self.optimizer = optimizer
        self.hyper: Mapping[str, float] = MappingProxyType(check_hyper(optimizer, hyper, DEFAULTS))
        self._rule = None if optimizer == "newton" else rules.Optimizer(optimizer, self.hyper)
        if optimizer == "newton" and hessian is None:
            raise ValueError("newton needs the Hessian of f (hessian=...)")
        self._hessian = hessian
        self.lr = lr
        whole = isinstance(epochs, int | np.integer) and not isinstance(epochs, bool)
        if not whole or not 0 <= epochs <= MAX_EPOCHS:
            raise ValueError(f"epochs must be a whole number from 0 to {MAX_EPOCHS:,}, got {epochs!r}")
        self.epochs = int(epochs)
        if schedule is not None and not isinstance(schedule, Schedule):
            raise ValueError(f"schedule must be a Schedule (schedules.make_schedule), got {schedule!r}")
        #: The run's own copy of the schedule (cosine's t_max None fixed to the epochs); None: a constant rate.
        self.schedule = None if schedule is None or schedule.name == "constant" else schedule.for_epochs(self.epochs)
        if tolerance is not None and check_number("tolerance", tolerance) < 0:
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
        """The base learning rate (without a schedule: the rate of the next update)."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        number = check_number("learning rate", value)
        if number <= 0:
            raise ValueError(f"learning rate must be greater than 0, got {number:g}")
        self._lr = number

    def lr_at(self, t: int) -> float:
        """The rate update t (1-based) uses at the current base rate: the schedule's (nan for newton)."""
        if self.optimizer == "newton":
            return math.nan
        return self._lr if self.schedule is None else self.schedule.lr(self._lr, t)

    @property
    def next_lr(self) -> float:
        """The rate the next update will use (nan for newton)."""
        return self.lr_at(self.epoch + 1)

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
        return {} if self._rule is None else self._rule.internals

    @property
    def finished(self) -> bool:
        return self.status != "running"

    # -- stepping -----------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to x0 with fresh optimizer state and empty history; the current lr is kept."""
        names = INTERNALS[self.optimizer]
        self.epoch = 0
        if self._rule is not None:
            self._rule.reset(like=self.x0)
        self._newton: tuple[int, NewtonStep] | None = None
        self.history = History(self.x0, self._f0, self._g0, names, capacity=min(self.epochs + 1, 1024) + 1)
        self.status, self.message = "running", ""
        self._check_finished(at_start=True)

    def next_step(self) -> np.ndarray | None:
        """The displacement the next update would make, at the rate it will use (None if finished, or if Newton's
        method has no step here)."""
        if self.finished:
            return None
        with np.errstate(all="ignore"):
            if self._rule is None:
                proposal = self._newton_step()
                return None if proposal.x is None else proposal.x - self.x
            return self._rule.displacement(self.x, self.gradient, self.next_lr)

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
        t = self.epoch + 1
        lr = self.lr_at(t)
        with np.errstate(all="ignore"):
            if self._rule is None:
                proposal = self._newton_step()
                if proposal.x is None:         # _check_finished stops the run first; kept for safety
                    self._stop(proposal, at_start=self.epoch == 0)
                    return False
                x_new, state = proposal.x, {}
            else:
                x_new = self._rule.step(self.x, self.gradient, lr)
                state = self._rule.state
            x_ok = np.abs(x_new).max() <= LIMIT            # False for inf and nan too
            f_new = self._eval_f(x_new) if x_ok else math.nan
            self.epoch = t
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

    def _newton_step(self) -> NewtonStep:
        """Newton's proposal at the current point (computed once per point: it evaluates the Hessian)."""
        if self._newton is None or self._newton[0] != self.epoch:
            x = self.x
            proposal = newton_step(x, self.gradient, self._eval_hessian(x), self.hyper["weight_decay"],
                                   where=f" at x = {_fmt_point(x)}")
            self._newton = (self.epoch, proposal)
        return self._newton[1]

    def _stop(self, proposal: NewtonStep, at_start: bool) -> None:
        where = "at the start point" if at_start else f"at epoch {self.epoch}"
        self.status, self.message = "stopped", f"stopped {where}: {proposal.reason}; Newton's method takes no step"

    def _eval_hessian(self, x: np.ndarray) -> np.ndarray:
        n = x.size
        try:
            h = np.asarray(self._hessian(x.copy()), dtype=float)
        except (ArithmeticError, ValueError, TypeError):
            return np.full((n, n), np.nan)
        if h.size != n * n:
            raise ValueError(f"hessian must return a {n}x{n} matrix, it returned shape {h.shape}")
        return h.reshape(n, n)

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
        """Set converged (gradient within tolerance, or exactly 0 for good), completed (epochs used up) or, for
        Newton's method, stopped (a Hessian it cannot use at the point reached)."""
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
        elif self._rule is None and self._newton_step().x is None:
            self._stop(self._newton_step(), at_start)


def stable_lr_bound(hessian: np.ndarray | Sequence[Sequence[float]] | float, optimizer: str = "sgd",
                    momentum: float | None = None, weight_decay: float = 0.0) -> float | None:
    """The largest learning rate at which descent on a quadratic with this Hessian still converges.

    Plain SGD is stable for lr < 2/L, L the largest eigenvalue of the (symmetrised) Hessian. Momentum
    widens it to 2(1 + mu)/L, torch's Nesterov form to (2 + 2 mu)/((1 + 2 mu) L). Weight decay wd adds wd to
    every curvature (L + wd). Adaptive optimizers (adagrad, rmsprop, adam, adamw) rescale each step, so no fixed
    bound exists: None; Newton's method has no learning rate: None. None also when L <= 0 or the Hessian is not
    finite. ``momentum`` defaults to that optimizer's default.
    """
    if optimizer not in METHODS:
        raise ValueError(f"unknown optimizer {optimizer!r} (choose from {', '.join(METHODS)})")
    h = np.atleast_2d(np.asarray(hessian, dtype=float))
    if h.ndim != 2 or h.shape[0] != h.shape[1]:
        raise ValueError(f"the Hessian must be a square matrix, got shape {h.shape}")
    if optimizer in ("adagrad", "rmsprop", "adam", "adamw", "newton") or not np.all(np.isfinite(h)):
        return None
    largest = float(np.linalg.eigvalsh((h + h.T) / 2.0)[-1]) + check_hyper("sgd", {"weight_decay": weight_decay},
                                                                            DEFAULTS)["weight_decay"]
    if largest <= 0:
        return None
    mu = 0.0
    if optimizer != "sgd":
        mu = check_hyper(optimizer, {} if momentum is None else {"momentum": momentum}, DEFAULTS)["momentum"]
    factor = 2.0 * (1.0 + mu) / (1.0 + 2.0 * mu) if optimizer == "nesterov" else 2.0 * (1.0 + mu)
    return factor / largest


def format_epoch(epoch: int, names: Sequence[str], point: Sequence[float], value: float,
                 lr: float | None = None) -> str:
    """One line of the lesson's printout, every digit: `Epoch 1: x = 8.0, f(x) = 64.0` (the CLI and the tab's
    "Copy as text" print the same lines); with `lr`, the rate the update used follows: `, η = 0.1`."""
    coords = ", ".join(f"{n} = {float(v)!r}" for n, v in zip(names, point, strict=True))
    line = f"Epoch {epoch}: {coords}, f({', '.join(names)}) = {float(value)!r}"
    return line if lr is None else f"{line}, η = {float(lr)!r}"
