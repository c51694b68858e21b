"""Zoom for projectors: 75 % to 250 % in fixed steps; the factor every size in the window is multiplied by.

The application font carries it to ordinary widgets; FormulaView multiplies its typesetting size by `factor()`;
calclab.ui.restyle carries it to plots (tick and label fonts, line widths, markers) and the diagrams.
"""

from __future__ import annotations

STEPS: tuple[int, ...] = (75, 90, 100, 110, 125, 150, 175, 200, 225, 250)   # percent
DEFAULT = 100

_percent = DEFAULT


def factor() -> float:
    """The zoom as a factor (1.0 at 100 %)."""
    return _percent / 100.0


def percent() -> int:
    return _percent


def nearest(value: int) -> int:
    """The step nearest to `value` (the smaller of two as near)."""
    return min(STEPS, key=lambda step: (abs(step - value), step))


def set_percent(value: int) -> int:
    """Set the zoom to the nearest step (so a remembered odd value still lands on one) and return it."""
    global _percent
    _percent = nearest(value)
    return _percent


def neighbour(direction: int) -> int:
    """The step next to the current one in `direction` (+1 bigger, -1 smaller), staying within 75-250 %."""
    index = STEPS.index(_percent) + (1 if direction > 0 else -1)
    return STEPS[min(max(index, 0), len(STEPS) - 1)]
