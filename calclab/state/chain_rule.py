"""The Chain Rule tab's inputs (no Qt): one composite or an outer/inner pair, the plotted range and the point x0."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from calclab.state import Preset
from calclab.state import is_finite_number as _finite
from calclab.state import number_range as _range

MODES = ("composite", "parts")   # one expression peeled automatically, or f(u) and g(x) typed separately
DEFAULT_RANGE: tuple[float, float] = (-4.0, 1.0)


@dataclass
class ChainRuleState:
    """What the user chose on the Chain Rule tab; `to_dict`/`from_dict` make it a session entry."""

    mode: str = "composite"
    expression: str = "(2x+3)^2"      # used in "composite" mode
    outer: str = "u^2"                # f(u), used in "parts" mode
    inner: str = "2x + 3"             # g(x), used in "parts" mode
    x_range: tuple[float, float] = DEFAULT_RANGE
    x0: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {"mode": self.mode, "expression": self.expression, "outer": self.outer, "inner": self.inner,
                "x_range": list(self.x_range), "x0": self.x0}

    @classmethod
    def from_dict(cls, data: Any) -> ChainRuleState:
        """Rebuild from `to_dict` output; unknown keys are ignored and bad values fall back to defaults."""
        state = cls()
        if not isinstance(data, dict):
            return state
        if data.get("mode") in MODES:
            state.mode = data["mode"]
        for name in ("expression", "outer", "inner"):
            if isinstance(data.get(name), str):
                setattr(state, name, data[name])
        value = _range(data.get("x_range"))
        if value is not None:
            state.x_range = value
        if _finite(data.get("x0")):
            state.x0 = float(data["x0"])
        return state


def _composite(expression: str, x_range: tuple[float, float], x0: float) -> ChainRuleState:
    """A preset's state: one composite, a range that shows its shape and a point x0."""
    return ChainRuleState(mode="composite", expression=expression, x_range=x_range, x0=x0)


# The lesson's worked example first: it is also what the tab shows when it starts (ChainRuleState()).
PRESETS: tuple[Preset, ...] = (
    Preset("Lesson: (2x + 3)^2",
           "The lesson's example: g(x) = 2x + 3, f(g) = g², so dy/dx = 2(2x + 3) · 2 = 8x + 12.",
           _composite("(2x+3)^2", (-4.0, 1.0), 0.5)),
    Preset("sin(x^2)", "The inner x² speeds the sine up: the slope grows with 2x.",
           _composite("sin(x^2)", (-3.0, 3.0), 1.0)),
    Preset("Gaussian: exp(-x^2/2)", "The bell curve: e^g with g = −x²/2, so dy/dx = −x e^(−x²/2).",
           _composite("exp(-x^2/2)", (-3.0, 3.0), 1.0)),
    Preset("Neuron: sigmoid(3x - 1)",
           "One neuron: a weighted input 3x − 1 through σ; σ' = σ(1 − σ) times the weight 3.",
           _composite("sigmoid(3x - 1)", (-2.0, 2.0), 0.5)),
    Preset("Softplus: log(1 + e^(2x))", "Three links: y = log(u), u = 1 + e^v, v = 2x.",
           _composite("log(1 + e^(2x))", (-3.0, 3.0), 0.5)),
    Preset("Three links: sin((2x + 3)^2)", "y = sin(u), u = v², v = 2x + 3: three rates multiply.",
           _composite("sin((2x+3)^2)", (-2.5, -0.5), -1.2)),
    Preset("Not a composite: x sin(x)",
           "A product, not f(g(x)): the product rule applies; in the graph x feeds two nodes.",
           _composite("x sin(x)", (-6.0, 6.0), 1.0)),
)
