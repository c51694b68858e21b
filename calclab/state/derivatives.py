"""The Derivatives tab's inputs (no Qt): the function, what to differentiate by, the point x0 and the secant's h.

`held` keeps a value for every variable that is not differentiated by: the plot is the one-variable slice of f
through those values. Values of variables the current expression lacks are kept too, so switching back and forth
between expressions does not lose them. They are the tab's parameters: f = a·sin(b·x) + c gets a slider for
a, b and c, each over its own range (`param_ranges`, default PARAM_RANGE) that its play button sweeps.

`curves` are the extra functions g, h, k drawn with f (same variable, same parameters), each with its own
derivative toggle. `show_taylor`/`taylor_order` draw Tₙ of f at x0; `show_critical` marks critical and
inflection points. Sessions written before these fields existed load with one function and no Taylor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any

from calclab.state import Preset
from calclab.state import is_finite_number as _finite
from calclab.state import number_range as _range
from calclab.state.preset_files import builtin_presets

DEFAULT_RANGE: tuple[float, float] = (-4.0, 4.0)
ORDERS: tuple[int, ...] = (1, 2, 3)
H_MIN: float = 1e-12        # the secant's smallest step: below ~1e-8 round-off visibly takes over
H_MAX: float = 1.0
DEFAULT_HELD: float = 1.0   # the value a newly seen variable is held at
PARAM_RANGE: tuple[float, float] = (-10.0, 10.0)   # a parameter slider's span until the user edits it
CURVE_NAMES: tuple[str, ...] = ("f", "g", "h", "k")
MAX_CURVES = len(CURVE_NAMES) - 1                  # extra functions besides f
TAYLOR_MAX_ORDER = 10


@dataclass
class ExtraCurve:
    """One of g, h, k: its text and whether its derivative is drawn."""

    expression: str = ""
    show_derivative: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"expression": self.expression, "show_derivative": self.show_derivative}

    @classmethod
    def from_dict(cls, data: Any) -> ExtraCurve | None:
        if not isinstance(data, dict) or not isinstance(data.get("expression"), str):
            return None
        show = data.get("show_derivative")
        return cls(data["expression"], show if isinstance(show, bool) else False)


@dataclass
class DerivativesState:
    """What the user chose on the Derivatives tab; `to_dict`/`from_dict` make it a session entry."""

    expression: str = "x^2"
    wrt: str = ""                               # variable to differentiate by ("": x, else the first name)
    order: int = 1                              # 1, 2 or 3
    x0: float = 1.0                             # the point on the wrt axis where tangent and secant sit
    h: float = 0.5                              # the secant's step
    held: dict[str, float] = field(default_factory=dict)   # values of the variables held constant
    x_range: tuple[float, float] = DEFAULT_RANGE
    y_range: tuple[float, float] | None = None  # None: fit the view to the curves
    show_derivative: bool = True
    show_tangent: bool = True
    show_secant: bool = True
    param_ranges: dict[str, tuple[float, float]] = field(default_factory=dict)   # a parameter slider's span
    curves: list[ExtraCurve] = field(default_factory=list)   # g, h, k (at most MAX_CURVES)
    show_critical: bool = True
    show_taylor: bool = False
    taylor_order: int = 1

    def copy(self) -> DerivativesState:
        return replace(self, held=dict(self.held), param_ranges=dict(self.param_ranges),
                       curves=[replace(c) for c in self.curves])

    def held_value(self, name: str) -> float:
        """The value `name` is held at (DEFAULT_HELD until the user sets one)."""
        return self.held.get(name, DEFAULT_HELD)

    def param_range(self, name: str) -> tuple[float, float]:
        """The span of `name`'s slider (PARAM_RANGE until the user edits it)."""
        return self.param_ranges.get(name, PARAM_RANGE)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {"expression": self.expression, "wrt": self.wrt, "order": self.order, "x0": self.x0, "h": self.h,
                "held": dict(self.held), "x_range": list(self.x_range),
                "y_range": list(self.y_range) if self.y_range is not None else None,
                "show_derivative": self.show_derivative, "show_tangent": self.show_tangent,
                "show_secant": self.show_secant,
                "param_ranges": {k: list(v) for k, v in self.param_ranges.items()},
                "curves": [c.to_dict() for c in self.curves], "show_critical": self.show_critical,
                "show_taylor": self.show_taylor, "taylor_order": self.taylor_order}

    @classmethod
    def from_dict(cls, data: Any) -> DerivativesState:
        """Rebuild from `to_dict` output; unknown keys are ignored and bad values fall back to defaults."""
        state = cls()
        if not isinstance(data, dict):
            return state
        for name in ("expression", "wrt"):
            if isinstance(data.get(name), str):
                setattr(state, name, data[name])
        if state.wrt and not state.wrt.isidentifier():
            state.wrt = ""
        order = data.get("order")
        if isinstance(order, int) and not isinstance(order, bool) and order in ORDERS:
            state.order = order
        if _finite(data.get("x0")):
            state.x0 = float(data["x0"])
        if _finite(data.get("h")):
            state.h = clamp_h(float(data["h"]))
        held = data.get("held")
        if isinstance(held, dict):
            state.held = {k: float(v) for k, v in held.items() if isinstance(k, str) and k.isidentifier()
                          and _finite(v)}
        x_range = _range(data.get("x_range"))
        if x_range is not None:
            state.x_range = x_range
        state.y_range = _range(data.get("y_range"))
        for f in fields(cls):
            if f.type in ("bool", bool) and isinstance(data.get(f.name), bool):
                setattr(state, f.name, data[f.name])
        ranges = data.get("param_ranges")
        if isinstance(ranges, dict):
            state.param_ranges = {k: r for k, r in ((k, _range(v)) for k, v in ranges.items()
                                                    if isinstance(k, str) and k.isidentifier()) if r is not None}
        curves = data.get("curves")
        if isinstance(curves, list):
            state.curves = [c for c in map(ExtraCurve.from_dict, curves) if c is not None][:MAX_CURVES]
        taylor = data.get("taylor_order")
        if isinstance(taylor, int) and not isinstance(taylor, bool) and 0 <= taylor <= TAYLOR_MAX_ORDER:
            state.taylor_order = taylor
        return state


def clamp_h(h: float) -> float:
    """h inside [H_MIN, H_MAX] (a non-positive or non-finite h becomes the default)."""
    if not math.isfinite(h) or h <= 0:
        return DerivativesState.h
    return min(H_MAX, max(H_MIN, h))


# The presets are data: resources/presets/derivatives.json, the lesson's worked examples (named "Lesson: ...")
# first.
PRESETS: tuple[Preset, ...] = builtin_presets("derivatives", DerivativesState)
LESSON_PRESETS: tuple[Preset, ...] = tuple(p for p in PRESETS if p.name.startswith("Lesson: "))
