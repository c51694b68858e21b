"""The Chain Rule tab's inputs (no Qt): one composite or an outer/inner pair, the plotted range and the point x0."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from calclab.state import Preset
from calclab.state import is_finite_number as _finite
from calclab.state import number_range as _range
from calclab.state.preset_files import builtin_presets

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


# The presets are data: resources/presets/chain.json. The lesson's worked example comes first: it is also what
# the tab shows when it starts (ChainRuleState()).
PRESETS: tuple[Preset, ...] = builtin_presets("chain", ChainRuleState)
