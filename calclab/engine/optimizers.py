"""The update rules of torch.optim on NumPy arrays of any shape: one module for Descent and the networks.

``make_optimizer(name, **hyper)`` gives an Optimizer that keeps its own state (velocity, m, v, ...) for one
parameter array: a descent point, or one weight matrix of a network (a network makes one Optimizer per
parameter array). ``step(x, grad, lr)`` returns the updated array and leaves x alone; ``step_inplace`` writes
it into x. Every rule works
elementwise, so a matrix is updated exactly as each of its entries would be on its own.

The arithmetic follows torch.optim's order of floating-point operations (SGD with momentum / Nesterov, Adagrad,
RMSprop, Adam, AdamW and their defaults), so results agree with torch to the last bit or two. Weight decay has
torch's meaning: the gradient gets ``+ weight_decay * x`` (L2), except AdamW's decoupled
``x <- x * (1 - lr * weight_decay)`` before the Adam step.

``newton_step`` is the second-order rule x <- x - H^-1 grad: it needs the Hessian, has no learning rate, and
refuses (no step, a reason) where H is singular or not positive definite.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real
from types import MappingProxyType

import numpy as np

__all__ = ["DEFAULTS", "INTERNALS", "NEWTON_PROBLEMS", "OPTIMIZERS", "NewtonStep", "Optimizer", "check_hyper",
           "check_number", "make_optimizer", "newton_step", "update"]

OPTIMIZERS: tuple[str, ...] = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")

#: The hyperparameters each optimizer takes (besides ``lr``) and their torch.optim defaults.
DEFAULTS: Mapping[str, Mapping[str, float]] = MappingProxyType({
    "sgd": MappingProxyType({"weight_decay": 0.0}),
    "momentum": MappingProxyType({"momentum": 0.9, "weight_decay": 0.0}),
    "nesterov": MappingProxyType({"momentum": 0.9, "weight_decay": 0.0}),
    "adagrad": MappingProxyType({"eps": 1e-10, "weight_decay": 0.0}),
    "rmsprop": MappingProxyType({"alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0}),
    "adam": MappingProxyType({"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0}),
    "adamw": MappingProxyType({"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01}),
})

#: The state arrays each optimizer keeps (each the shape of the parameter), as named in ``internals``.
INTERNALS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "sgd": (),
    "momentum": ("velocity",),
    "nesterov": ("velocity",),
    "adagrad": ("sum_sq",),
    "rmsprop": ("v",),
    "adam": ("m", "v"),
    "adamw": ("m", "v"),
})


def check_number(name: str, value: object) -> float:
    """value as a float, or ValueError if it is not a finite real number (bools and strings refused)."""
    try:
        number = float(value) if isinstance(value, Real) and not isinstance(value, bool) else math.nan
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return number


def check_hyper(optimizer: str, hyper: Mapping[str, object],
                defaults: Mapping[str, Mapping[str, float]] = DEFAULTS) -> dict[str, float]:
    """Merge the given hyperparameters over the defaults, refusing unknown names and bad values."""
    if optimizer not in defaults:
        raise ValueError(f"unknown optimizer {optimizer!r} (choose from {', '.join(defaults)})")
    allowed = defaults[optimizer]
    merged = dict(allowed)
    for name, value in hyper.items():
        if name not in allowed:
            takes = ", ".join(allowed) if allowed else "no hyperparameters besides lr"
            raise ValueError(f"{optimizer} has no hyperparameter {name!r} (it takes {takes})")
        number = check_number(name, value)
        if name == "eps":
            if number <= 0:
                raise ValueError(f"eps must be greater than 0, got {number:g}")
        elif name == "weight_decay":
            if number < 0:
                raise ValueError(f"weight_decay must be 0 or more, got {number:g}")
        elif not 0.0 <= number < 1.0:
            raise ValueError(f"{name} must be at least 0 and below 1, got {number:g}")
        merged[name] = number
    return merged


def update(optimizer: str, hp: Mapping[str, float], t: int, lr: float, x: np.ndarray, g: np.ndarray,
           state: Mapping[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Update number t (1-based) of x with gradient g: the new x and the new state, as torch.optim does it.

    A pure function (nothing is changed in place); ``state`` holds the arrays of INTERNALS[optimizer].
    """
    base, delta, new_state = _rule(optimizer, hp, t, lr, x, g, state)
    return base + delta, new_state


def _rule(optimizer: str, hp: Mapping[str, float], t: int, lr: float, x: np.ndarray, g: np.ndarray,
          state: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(base, delta, new state): the new x is base + delta; base is x itself except for AdamW's decay."""
    wd = hp["weight_decay"]
    base = x
    if optimizer == "adamw":
        if wd != 0:
            base = x * (1.0 - lr * wd)                       # torch: param.mul_(1 - lr * weight_decay) first
    elif wd != 0:
        g = g + wd * x                                       # torch: grad.add(param, alpha=weight_decay)
    if optimizer == "sgd":
        return base, -(lr * g), {}
    if optimizer in ("momentum", "nesterov"):
        mu = hp["momentum"]
        b = g.copy() if t == 1 else mu * state["velocity"] + g   # torch: b_1 = g_1
        direction = g + mu * b if optimizer == "nesterov" else b
        return base, -(lr * direction), {"velocity": b}
    if optimizer == "adagrad":
        s = state["sum_sq"] + g * g
        return base, -(lr * (g / (np.sqrt(s) + hp["eps"]))), {"sum_sq": s}
    if optimizer == "rmsprop":
        alpha = hp["alpha"]
        v = alpha * state["v"] + (1.0 - alpha) * (g * g)
        return base, -(lr * (g / (np.sqrt(v) + hp["eps"]))), {"v": v}
    b1, b2 = hp["beta1"], hp["beta2"]                          # adam and adamw
    m = b1 * state["m"] + (1.0 - b1) * g
    v = b2 * state["v"] + (1.0 - b2) * (g * g)
    denom = np.sqrt(v) / math.sqrt(1.0 - b2**t) + hp["eps"]     # eps after sqrt(v_hat)
    return base, -((lr / (1.0 - b1**t)) * (m / denom)), {"m": m, "v": v}


class Optimizer:
    """One parameter array's optimizer: the rule, its hyperparameters and its state between steps.

    ``t`` counts the updates made. The state arrays are created (as zeros, the shape of x) at the first step,
    or by ``reset(like=x)``.
    """

    def __init__(self, name: str, hyper: Mapping[str, float]) -> None:
        self.name = name
        self.hyper: Mapping[str, float] = MappingProxyType(dict(hyper))
        self.internal_names: tuple[str, ...] = INTERNALS[name]
        self._plain = name == "sgd" and self.hyper["weight_decay"] == 0   # step_inplace's fast path
        self.reset()

    def reset(self, like: np.ndarray | None = None) -> None:
        """Forget every step: t = 0 and zero state (shaped like `like`, or at the next step)."""
        self.t = 0
        self._state: dict[str, np.ndarray] = {}
        if like is not None:
            self._start(np.asarray(like, dtype=float))

    def _start(self, x: np.ndarray) -> None:
        if not self._state and self.internal_names:
            self._state = {name: np.zeros_like(x, dtype=float) for name in self.internal_names}

    def _next(self, x: np.ndarray, grad: np.ndarray, lr: float) -> tuple[np.ndarray, np.ndarray, dict]:
        x, grad = np.asarray(x, dtype=float), np.asarray(grad, dtype=float)
        if x.shape != grad.shape:
            raise ValueError(f"the gradient has shape {grad.shape}, the parameter {x.shape}")
        state = self._state or {name: np.zeros_like(x) for name in self.internal_names}
        return _rule(self.name, self.hyper, self.t + 1, lr, x, grad, state)

    def preview(self, x: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        """The array the next step would return, changing nothing."""
        base, delta, _state = self._next(x, grad, lr)
        return base + delta

    def displacement(self, x: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        """new x - x of the next step, changing nothing (exactly the added term, except for AdamW's decay)."""
        base, delta, _state = self._next(x, grad, lr)
        decays_x = self.name == "adamw" and self.hyper["weight_decay"] != 0
        return (base + delta) - np.asarray(x, dtype=float) if decays_x else delta

    def step(self, x: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        """One update of x by its gradient at learning rate lr: the new array (x itself is not changed)."""
        base, delta, state = self._next(x, grad, lr)
        self.t += 1
        self._state = state
        return base + delta

    def step_inplace(self, x: np.ndarray, grad: np.ndarray, lr: float) -> None:
        """`step`, writing the new values into x (a network's weight array, updated where it lives).

        Plain sgd without weight decay subtracts in place: x - lr·g is bit for bit x + (-(lr·g)), step's number.
        """
        if self._plain and x.shape == grad.shape:
            x -= lr * grad
            self.t += 1
            return
        x[...] = self.step(x, grad, lr)

    @property
    def state(self) -> Mapping[str, np.ndarray]:
        """The state arrays now, read-only (no copies: do not keep them across steps)."""
        return MappingProxyType(self._state)

    @property
    def internals(self) -> dict[str, np.ndarray]:
        """Copies of the state arrays (empty before the first step unless reset with `like`)."""
        return {name: a.copy() for name, a in self._state.items()}


def make_optimizer(name: str, **hyper: float) -> Optimizer:
    """The optimizer `name` (one of OPTIMIZERS) with `hyper` over its torch defaults; ValueError if invalid."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r} (choose from {', '.join(OPTIMIZERS)})")
    return Optimizer(name, check_hyper(name, hyper))


# -- Newton's method ------------------------------------------------------------------------------------------

#: Why Newton's method refuses a step: the Hessian has no value, no inverse, or would send the step uphill.
NEWTON_PROBLEMS: tuple[str, ...] = ("undefined", "singular", "not positive definite")
SINGULAR = 1e-12   # an eigenvalue this small next to the largest counts as 0 (the solve would only amplify noise)


@dataclass(frozen=True)
class NewtonStep:
    """Newton's proposal at one point: the new x, or None with the problem and a sentence saying why."""

    x: np.ndarray | None
    problem: str = ""            # "" when the step is taken, else one of NEWTON_PROBLEMS
    reason: str = ""             # e.g. "the Hessian is not positive definite (eigenvalues -6)"
    eigenvalues: tuple[float, ...] = ()


def newton_step(x: np.ndarray, grad: np.ndarray, hessian: np.ndarray, weight_decay: float = 0.0,
                where: str = "") -> NewtonStep:
    """x - H^-1 grad, where H (symmetrised) is positive definite; otherwise no step and the reason.

    Weight decay adds wd * x to the gradient and wd * I to the Hessian (Newton on f + wd/2 |x|^2). `where` goes
    into the reason after "the Hessian" (" at x = 0").
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    g = np.asarray(grad, dtype=float).reshape(-1)
    h = np.atleast_2d(np.asarray(hessian, dtype=float))
    if h.shape != (x.size, x.size):
        raise ValueError(f"the Hessian must be {x.size}x{x.size}, got shape {h.shape}")
    if weight_decay:
        g = g + weight_decay * x
        h = h + weight_decay * np.eye(x.size)
    if not np.all(np.isfinite(h)):
        return NewtonStep(None, "undefined", f"the Hessian{where} is not defined")
    eigenvalues = np.linalg.eigvalsh((h + h.T) / 2.0)
    values = tuple(float(v) for v in eigenvalues)
    scale = float(np.max(np.abs(eigenvalues)))
    listed = ", ".join(f"{v:.6g}" for v in values)
    plural = "s" if len(values) > 1 else ""
    if scale == 0.0 or float(np.min(np.abs(eigenvalues))) <= SINGULAR * scale:
        return NewtonStep(None, "singular", f"the Hessian{where} is singular (eigenvalue{plural} {listed}), so "
                          "H⁻¹∇f does not exist", values)
    if eigenvalues[0] < 0:
        return NewtonStep(None, "not positive definite",
                          f"the Hessian{where} is not positive definite (eigenvalue{plural} {listed}): Newton's step "
                          "would head for a maximum or a saddle, not a minimum", values)
    with np.errstate(all="ignore"):
        return NewtonStep(x - np.linalg.solve(h, g), eigenvalues=values)
