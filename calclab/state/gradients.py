"""The Gradients tab's inputs (no Qt): the function, the plotted slice, the probe point and display options.

`point` holds a value for every variable of f: the probe sits at (point[x_variable], point[y_variable]) and
the other variables are held at their values for the two-variable slice that is plotted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from calclab.state import Preset
from calclab.state import is_finite_number as _finite
from calclab.state import number_range as _range
from calclab.state.preset_files import builtin_presets

DEFAULT_RANGE: tuple[float, float] = (-3.0, 3.0)


@dataclass
class GradientsState:
    """What the user chose on the Gradients tab; `to_dict`/`from_dict` make it a session entry."""

    expression: str = "3x^2 + 2y"
    x_variable: str = ""                       # variable on the horizontal axis ("" = the first one)
    y_variable: str = ""                       # variable on the vertical axis ("" = the second one)
    x_range: tuple[float, float] = DEFAULT_RANGE
    y_range: tuple[float, float] = DEFAULT_RANGE
    point: dict[str, float] = field(default_factory=lambda: {"x": 1.0, "y": 2.0})
    show_probe: bool = True
    show_field: bool = True
    show_contours: bool = True
    normalize_arrows: bool = False              # all field arrows one length: direction only
    log_colors: bool = False                    # spend the colours on the low values (Rosenbrock spans decades)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {"expression": self.expression, "x_variable": self.x_variable, "y_variable": self.y_variable,
                "x_range": list(self.x_range), "y_range": list(self.y_range), "point": dict(self.point),
                "show_probe": self.show_probe, "show_field": self.show_field, "show_contours": self.show_contours,
                "normalize_arrows": self.normalize_arrows, "log_colors": self.log_colors}

    @classmethod
    def from_dict(cls, data: Any) -> GradientsState:
        """Rebuild from `to_dict` output; unknown keys are ignored and bad values fall back to defaults."""
        state = cls()
        if not isinstance(data, dict):
            return state
        for name in ("expression", "x_variable", "y_variable"):
            if isinstance(data.get(name), str):
                setattr(state, name, data[name])
        for name in ("x_range", "y_range"):
            value = _range(data.get(name))
            if value is not None:
                setattr(state, name, value)
        point = data.get("point")
        if isinstance(point, dict):
            clean = {k: float(v) for k, v in point.items() if isinstance(k, str) and _finite(v)}
            state.point = clean
        for f in fields(cls):
            if f.type in ("bool", bool) and isinstance(data.get(f.name), bool):
                setattr(state, f.name, data[f.name])
        return state


# The presets are data: resources/presets/gradients.json, the lesson's worked example first.
PRESETS: tuple[Preset, ...] = builtin_presets("gradients", GradientsState)
