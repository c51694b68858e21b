"""Learning-rate schedules with torch.optim.lr_scheduler's semantics, for Descent and the networks.

The rate update t (1-based) uses is the scheduler's after t - 1 calls of ``step()``, one call after each optimizer
step, as in torch's loop ``optimizer.step(); scheduler.step()``. The rates follow torch's chainable (recursive)
form step by step, so they agree with torch to the last bit:

    constant      the base rate throughout
    step          StepLR: times gamma every step_size epochs
    exponential   ExponentialLR: times gamma every epoch
    cosine        CosineAnnealingLR: from the base down to eta_min over t_max epochs, then up again (period 2 t_max)
    warmup        LinearLR: from start_factor x base up to the base over warmup_epochs (end_factor 1)

``schedule_lrs`` gives a whole sequence (for a plot); ``make_schedule`` gives a Schedule a Descent run asks rate by
rate (cheap when asked in order, as a run does).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Integral, Real
from types import MappingProxyType

__all__ = ["SCHEDULES", "SCHEDULE_DEFAULTS", "TORCH_NAMES", "Schedule", "make_schedule", "schedule_lrs"]

SCHEDULES: tuple[str, ...] = ("constant", "step", "exponential", "cosine", "warmup")

#: Each schedule's parameters and their defaults (torch's where torch has one). t_max None: the run's epochs.
SCHEDULE_DEFAULTS: Mapping[str, Mapping[str, float | int | None]] = MappingProxyType({
    "constant": MappingProxyType({}),
    "step": MappingProxyType({"step_size": 10, "gamma": 0.1}),
    "exponential": MappingProxyType({"gamma": 0.9}),
    "cosine": MappingProxyType({"t_max": None, "eta_min": 0.0}),
    "warmup": MappingProxyType({"start_factor": 1.0 / 3.0, "warmup_epochs": 5}),
})

#: The torch.optim.lr_scheduler class each schedule matches.
TORCH_NAMES: Mapping[str, str] = MappingProxyType({
    "constant": "(none)", "step": "StepLR", "exponential": "ExponentialLR", "cosine": "CosineAnnealingLR",
    "warmup": "LinearLR"})

WHOLE = ("step_size", "t_max", "warmup_epochs")     # parameters that count epochs


def _check(name: str, value: object) -> float | int | None:
    """One parameter, validated: whole numbers of epochs >= 1, factors in range; ValueError otherwise."""
    if name == "t_max" and value is None:
        return None
    if name in WHOLE:
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise ValueError(f"{name} must be a whole number of epochs, 1 or more, got {value!r}")
        return int(value)
    number = float(value) if isinstance(value, Real) and not isinstance(value, bool) else math.nan
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if name == "eta_min" and number < 0:
        raise ValueError(f"eta_min must be 0 or more, got {number:g}")
    if name in ("gamma", "start_factor") and not 0 < number <= 1:
        raise ValueError(f"{name} must be greater than 0 and at most 1, got {number:g}")
    return number


class Schedule:
    """A learning-rate schedule: its name and parameters, and the rate each update uses for a base rate."""

    def __init__(self, name: str, params: Mapping[str, float | int | None]) -> None:
        self.name = name
        self.params: Mapping[str, float | int | None] = MappingProxyType(dict(params))
        self._cursor: tuple[float, int, float] | None = None   # (base lr, last_epoch e, the rate after e steps)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"Schedule({self.name!r}{', ' if args else ''}{args})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schedule) and (self.name, dict(self.params)) == (other.name, dict(other.params))

    def __hash__(self) -> int:
        return hash((self.name, tuple(self.params.items())))

    def for_epochs(self, epochs: int) -> Schedule:
        """A fresh copy (its own cursor, so runs never share one) with t_max None (cosine: "the run's epochs")
        fixed to `epochs` (at least 1)."""
        if self.params.get("t_max", 0) is None:
            return Schedule(self.name, {**self.params, "t_max": max(1, int(epochs))})
        return Schedule(self.name, self.params)

    def lr(self, base_lr: float, t: int) -> float:
        """The rate update t (1-based) uses: the scheduler's after t - 1 steps, from `base_lr`."""
        if t < 1:
            raise ValueError(f"updates count from 1, got {t}")
        e = t - 1
        cursor = self._cursor
        if cursor is None or cursor[0] != base_lr or cursor[1] > e:
            cursor = (base_lr, 0, self._first(base_lr))
        _base, k, rate = cursor
        while k < e:
            k += 1
            rate = self._next(base_lr, k, rate)
        self._cursor = (base_lr, k, rate)
        return rate

    def lrs(self, base_lr: float, count: int) -> list[float]:
        """The rates of updates 1 .. count."""
        out: list[float] = []
        rate = self._first(base_lr)
        for e in range(count):
            if e:
                rate = self._next(base_lr, e, rate)
            out.append(rate)
        return out

    # torch's get_lr: the rate at last_epoch e from the rate at e - 1 (the chainable form)

    def _first(self, base: float) -> float:
        return base * self.params["start_factor"] if self.name == "warmup" else base

    def _next(self, base: float, e: int, rate: float) -> float:
        p = self.params
        if self.name == "step":
            return rate * p["gamma"] if e % p["step_size"] == 0 else rate
        if self.name == "exponential":
            return rate * p["gamma"]
        if self.name == "cosine":
            t_max, eta_min = p["t_max"], p["eta_min"]
            if t_max is None:
                raise ValueError("the cosine schedule needs t_max (Schedule.for_epochs fixes it to the run's epochs)")
            if (e - 1 - t_max) % (2 * t_max) == 0:        # just past the bottom: the closed form would divide by 0
                return rate + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
            return ((1 + math.cos(math.pi * e / t_max)) / (1 + math.cos(math.pi * (e - 1) / t_max))
                    * (rate - eta_min) + eta_min)
        if self.name == "warmup":
            start, end, total = p["start_factor"], 1.0, p["warmup_epochs"]
            if e > total:
                return rate
            return rate * (1.0 + (end - start) / (total * start + (e - 1) * (end - start)))
        return rate


def make_schedule(name: str, **params: float | int | None) -> Schedule:
    """The schedule `name` (one of SCHEDULES) with `params` over its defaults; ValueError for unknown names or
    parameters another schedule takes, and for values out of range."""
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r} (choose from {', '.join(SCHEDULES)})")
    allowed = SCHEDULE_DEFAULTS[name]
    merged = dict(allowed)
    for key, value in params.items():
        if key not in allowed:
            takes = ", ".join(allowed) if allowed else "no parameters"
            raise ValueError(f"the {name} schedule has no parameter {key!r} (it takes {takes})")
        merged[key] = _check(key, value)
    return Schedule(name, merged)


def schedule_lrs(schedule: str | Schedule, base_lr: float, epochs: int, **params: float | int | None) -> list[float]:
    """The learning rate of each of `epochs` updates, from `base_lr` (a pure function: the tab's lr plot)."""
    if not isinstance(schedule, Schedule):
        schedule = make_schedule(schedule, **params)
    elif params:
        raise ValueError("give the parameters either in the Schedule or as keywords, not both")
    if isinstance(epochs, bool) or not isinstance(epochs, Integral) or epochs < 0:
        raise ValueError(f"epochs must be a whole number, 0 or more, got {epochs!r}")
    return schedule.for_epochs(int(epochs)).lrs(float(base_lr), int(epochs))
