"""NumberSpinBox: a QDoubleSpinBox for numbers across many decades (learning rates, tolerances, epsilons)."""

from __future__ import annotations

import math

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QWidget


class NumberSpinBox(QDoubleSpinBox):
    """A spin box that shows numbers the short way (0.1, 1e-08) and accepts anything float() reads.

    `stepping` is "linear" (singleStep), "log" (times or divided by 10) or "nice" (1, 2, 5, 10, 20, ...).
    """

    def __init__(self, low: float, high: float, value: float, stepping: str = "linear", step: float = 0.1,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stepping = stepping
        self.setDecimals(15)
        self.setRange(low, high)
        self.setSingleStep(step)
        self.setValue(value)
        self.setKeyboardTracking(False)   # emit when the user is done typing, not per keystroke
        self.setAccelerated(True)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt override
        return f"{value:.10g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt override
        try:
            return float(text.strip())
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        stripped = text.strip()
        try:
            number = float(stripped)
        except ValueError:
            partial = stripped.lower().rstrip("e+-.") or stripped in ("-", "+", ".", "")
            return (QValidator.State.Intermediate if partial or stripped == "" else QValidator.State.Invalid,
                    text, pos)
        if self.minimum() <= number <= self.maximum() and math.isfinite(number):
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt override
        value = self.value()
        if self.stepping == "linear":
            super().stepBy(steps)
            return
        if value <= 0:        # "default" (0) on a log box: the first step up lands on a typical small value
            if steps > 0:
                self.setValue(max(self.minimum(), 1e-8))
            return
        for _ in range(abs(steps)):
            value = _next_value(value, steps > 0, self.stepping)
        if self.minimum() <= 0 and value < 1e-15:
            value = 0.0
        self.setValue(min(max(value, self.minimum()), self.maximum()))


def _next_value(value: float, up: bool, stepping: str) -> float:
    """The next number up or down: a factor of ten ("log") or along 1, 2, 5, 10 ... ("nice")."""
    if stepping == "log":
        return value * 10 if up else value / 10
    exponent = math.floor(math.log10(value))
    candidates = sorted(m * 10.0 ** e for e in (exponent - 1, exponent, exponent + 1) for m in (1, 2, 5))
    if up:
        return next((c for c in candidates if c > value * (1 + 1e-9)), value * 2)
    return next((c for c in reversed(candidates) if c < value * (1 - 1e-9)), value / 2)
