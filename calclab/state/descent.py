"""The Descent tab's inputs (no Qt): function, start point, learning rate and its schedule, optimizer and its settings.

The GUI edits a DescentState, session files store `to_dict()`, and each preset (a calclab.state.Preset read
from resources/presets/descent.json) holds one. The first preset is the lesson's worked example (f = x^2 from
x0 = 10, lr = 0.1, 20 epochs of SGD).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any

from calclab.engine.descent import DEFAULTS, METHODS
from calclab.engine.schedules import SCHEDULE_DEFAULTS, SCHEDULES, Schedule, make_schedule
from calclab.state import Preset
from calclab.state.preset_files import builtin_presets

LR_MIN = 1e-4
LR_MAX = 10.0
EPOCHS_MAX = 100_000
SPEED_MIN = 1.0      # steps a second when running
SPEED_MAX = 60.0     # as fast as a 60 Hz screen draws
#: The range each optimizer setting may take (the window, session files and the command line alike).
HYPER_LIMITS: dict[str, tuple[float, float]] = {"momentum": (0.0, 0.999), "alpha": (0.0, 0.9999),
                                                "beta1": (0.0, 0.9999), "beta2": (0.0, 0.99999),
                                                "eps": (1e-300, 1.0), "weight_decay": (0.0, 10.0),
                                                "tolerance": (0.0, 1e6)}
#: The range each schedule setting may take (step_size, t_max and warmup_epochs are whole numbers of epochs).
SCHEDULE_LIMITS: dict[str, tuple[float, float]] = {"step_size": (1, EPOCHS_MAX), "gamma": (1e-4, 1.0),
                                                   "t_max": (1, EPOCHS_MAX), "eta_min": (0.0, LR_MAX),
                                                   "start_factor": (1e-4, 1.0), "warmup_epochs": (1, EPOCHS_MAX)}
WHOLE_SETTINGS = ("step_size", "t_max", "warmup_epochs")

#: Hyperparameter fields of the state, and the optimizers that use each.
HYPER_USERS: dict[str, tuple[str, ...]] = {
    name: tuple(opt for opt in METHODS if name in DEFAULTS[opt])
    for name in ("momentum", "alpha", "beta1", "beta2", "eps", "weight_decay")
}
#: Schedule fields of the state, and the schedules that use each.
SCHEDULE_USERS: dict[str, tuple[str, ...]] = {
    name: tuple(schedule for schedule in SCHEDULES if name in SCHEDULE_DEFAULTS[schedule]) for name in SCHEDULE_LIMITS
}


def _finite(value: Any, default: float, low: float = -math.inf, high: float = math.inf) -> float:
    """value as a float within [low, high], else default (from_dict must never raise on bad input)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    number = float(value)
    return number if math.isfinite(number) and low <= number <= high else default


@dataclass
class DescentState:
    """Everything the user sets on the Descent tab.

    `start` holds one coordinate per variable of f, in the variables' name order (x before y).
    `eps` None means "each optimizer's own default" (Adagrad 1e-10, RMSprop and Adam 1e-8); `weight_decay` None
    likewise (0.01 for AdamW, 0 for the others: torch's).
    `schedule` (one of engine.schedules.SCHEDULES) sets the learning rate of each epoch from `learning_rate`; its
    parameters are the fields below it. `gamma` None means the schedule's default (step 0.1, exponential 0.9);
    `t_max` None means the run's epochs. Compared optimizers share the schedule; Newton's method ignores it.
    `tolerance` None means "run all the epochs"; otherwise stop once |grad f| <= tolerance.
    `compare` runs every optimizer in `compare_optimizers` (plus `optimizer`, the one the table shows);
    `compare_lrs` gives compared optimizers their own learning rate (the others run with `learning_rate`).
    `x_range` / `y_range` fix the plotted window; None picks one around the start point.
    """

    expression: str = "x^2"
    start: list[float] = field(default_factory=lambda: [10.0])
    learning_rate: float = 0.1
    epochs: int = 20
    optimizer: str = "sgd"
    momentum: float = 0.9
    alpha: float = 0.99
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float | None = None
    weight_decay: float | None = None
    schedule: str = "constant"
    step_size: int = 10
    gamma: float | None = None
    t_max: int | None = None
    eta_min: float = 0.0
    start_factor: float = 1.0 / 3.0
    warmup_epochs: int = 5
    tolerance: float | None = None
    compare: bool = False
    compare_optimizers: list[str] = field(default_factory=lambda: ["sgd", "momentum", "adam"])
    compare_lrs: dict[str, float] = field(default_factory=dict)
    show_internals: bool = False
    log_loss: bool = False
    surface: bool = False    # f shown as a 3D surface instead of the contour map (2-D f only)
    preview: bool = False    # every epoch drawn at once, redrawn as the inputs change (no Step)
    speed: float = 5.0
    x_range: tuple[float, float] | None = None
    y_range: tuple[float, float] | None = None

    def hyper(self, optimizer: str | None = None) -> dict[str, float]:
        """The keyword arguments Descent takes for `optimizer` (default: the primary one)."""
        name = optimizer or self.optimizer
        out: dict[str, float] = {}
        for key in DEFAULTS[name]:
            value = getattr(self, key)
            if value is not None:
                out[key] = float(value)
        return out

    def schedule_params(self) -> dict[str, float | int]:
        """The parameters of the state's schedule that are set (a None leaves the schedule's default):
        ``schedule_lrs(state.schedule, state.learning_rate, state.epochs, **state.schedule_params())``."""
        wanted = SCHEDULE_DEFAULTS.get(self.schedule, {})
        return {name: getattr(self, name) for name in wanted if getattr(self, name) is not None}

    def lr_schedule(self) -> Schedule | None:
        """The engine's Schedule for the state (None for a constant rate); ValueError if a setting is invalid."""
        if self.schedule == "constant":
            return None
        return make_schedule(self.schedule, **self.schedule_params())

    def run_options(self, optimizer: str | None = None) -> dict[str, Any]:
        """The keyword arguments of ``Descent(f, grad, start, hessian=..., **options)`` for `optimizer` (default:
        the primary one): its rate, the epochs, the tolerance, the shared schedule and its hyperparameters."""
        name = optimizer or self.optimizer
        return {"optimizer": name, "lr": self.lr_for(name), "epochs": self.epochs, "tolerance": self.tolerance,
                "schedule": self.lr_schedule(), **self.hyper(name)}

    def within_limits(self) -> DescentState:
        """A copy with the learning rate, epochs and speed clamped to what the controls take (as they show them);
        the primary optimizer is among the compared ones (it always runs, its box is always ticked)."""
        return replace(self, start=list(self.start), learning_rate=min(max(self.learning_rate, LR_MIN), LR_MAX),
                       epochs=min(max(self.epochs, 1), EPOCHS_MAX), speed=min(max(self.speed, SPEED_MIN), SPEED_MAX),
                       compare_optimizers=[name for name in METHODS
                                           if name in self.compare_optimizers or name == self.optimizer],
                       compare_lrs=dict(self.compare_lrs))

    def lr_for(self, optimizer: str) -> float:
        """The learning rate `optimizer` runs with: the main one, unless it is compared with its own."""
        if optimizer == self.optimizer or not self.compare:
            return self.learning_rate
        return self.compare_lrs.get(optimizer, self.learning_rate)

    def optimizers(self) -> list[str]:
        """The optimizers that run: the primary first, then the compared ones in the usual order."""
        if not self.compare:
            return [self.optimizer]
        others = [name for name in METHODS if name in self.compare_optimizers and name != self.optimizer]
        return [self.optimizer, *others]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (lists, not tuples)."""
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            out[item.name] = list(value) if isinstance(value, tuple | list) else value
        return out

    @classmethod
    def from_dict(cls, data: Any) -> DescentState:
        """A state from a dict; unknown keys are ignored and bad values fall back to the defaults."""
        state = cls()
        if not isinstance(data, dict):
            return state
        d = cls()
        expression = data.get("expression")
        if isinstance(expression, str) and expression.strip() and len(expression) <= 10_000:
            state.expression = expression
        start = data.get("start")
        if isinstance(start, list | tuple) and 1 <= len(start) <= 2:
            values = [_finite(v, math.nan, -1e12, 1e12) for v in start]
            if all(math.isfinite(v) for v in values):
                state.start = values
        state.learning_rate = _finite(data.get("learning_rate"), d.learning_rate, LR_MIN, LR_MAX)
        epochs = data.get("epochs")
        if isinstance(epochs, int) and not isinstance(epochs, bool) and 1 <= epochs <= EPOCHS_MAX:
            state.epochs = epochs
        if data.get("optimizer") in METHODS:
            state.optimizer = data["optimizer"]
        for name in ("momentum", "alpha", "beta1", "beta2"):
            setattr(state, name, _finite(data.get(name), getattr(d, name), *HYPER_LIMITS[name]))
        for name in ("eps", "weight_decay", "tolerance"):
            value = _finite(data.get(name), math.nan, *HYPER_LIMITS[name])
            setattr(state, name, value if math.isfinite(value) else None)
        if data.get("schedule") in SCHEDULES:
            state.schedule = data["schedule"]
        for name in ("step_size", "t_max", "warmup_epochs"):
            setattr(state, name, _whole(data.get(name), getattr(d, name), *SCHEDULE_LIMITS[name]))
        for name in ("eta_min", "start_factor"):
            setattr(state, name, _finite(data.get(name), getattr(d, name), *SCHEDULE_LIMITS[name]))
        gamma = _finite(data.get("gamma"), math.nan, *SCHEDULE_LIMITS["gamma"])
        state.gamma = gamma if math.isfinite(gamma) else None
        state.compare = data.get("compare") is True
        chosen = data.get("compare_optimizers")
        if isinstance(chosen, list):
            state.compare_optimizers = [name for name in METHODS if name in chosen]
        own = data.get("compare_lrs")
        if isinstance(own, dict):
            rates = {name: _finite(own.get(name), math.nan, LR_MIN, LR_MAX) for name in METHODS}
            state.compare_lrs = {name: lr for name, lr in rates.items() if math.isfinite(lr)}
        state.show_internals = data.get("show_internals") is True
        state.log_loss = data.get("log_loss") is True
        state.surface = data.get("surface") is True
        state.preview = data.get("preview") is True
        state.speed = _finite(data.get("speed"), d.speed, SPEED_MIN, SPEED_MAX)
        state.x_range = _range(data.get("x_range"))
        state.y_range = _range(data.get("y_range"))
        return state


def _whole(value: Any, default: int | None, low: float, high: float) -> int | None:
    """value as a whole number within [low, high] (10.0 counts as 10), else default."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return default
    return int(value) if low <= value <= high else default


def _range(value: Any) -> tuple[float, float] | None:
    """(low, high) with low < high, both finite, or None."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    low, high = (_finite(v, math.nan, -1e12, 1e12) for v in value)
    return (low, high) if math.isfinite(low) and math.isfinite(high) and low < high else None


# The presets are data: resources/presets/descent.json, the lesson's worked example (f = x^2 from x0 = 10) first.
PRESETS: tuple[Preset, ...] = builtin_presets("descent", DescentState)

DEFAULT_PRESET = PRESETS[0]
