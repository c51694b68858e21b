"""LossAxis: the left axis of a loss plot (Descent's loss per epoch, Backprop's train and test loss).

No SI scale factor ("f (x1e+12)" put a start loss of 143.5 at the 10⁻¹⁰ tick), and on a log scale one style for
every tick: pyqtgraph writes 1, 0.1 ... 0.0001, then 10⁻⁵.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pyqtgraph as pg

from calclab.engine.numbers import SUPERSCRIPTS

PLAIN_DECADES = (-3, 4)   # a log axis within 0.001 ... 10,000 labels its ticks as decimals, beyond that as 10ⁿ


def log_tick_label(exponent: float, plain: bool) -> str:
    """The tick at 10**exponent, to one significant digit: "0.02" (plain) or "2·10⁻²" (1·10ⁿ is just 10ⁿ)."""
    power = math.floor(exponent + 1e-9)
    digit = round(10 ** (exponent - power))
    if digit >= 10:
        digit, power = 1, power + 1
    if plain:
        return format(Decimal(digit).scaleb(power), "f")
    superscript = str(power).translate(SUPERSCRIPTS)
    return f"10{superscript}" if digit == 1 else f"{digit}·10{superscript}"


class LossAxis(pg.AxisItem):
    """See the module docstring."""

    def __init__(self) -> None:
        super().__init__("left")
        self.enableAutoSIPrefix(False)

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        low, high = sorted(float(v) for v in self.range)
        plain = math.floor(low) >= PLAIN_DECADES[0] and math.ceil(high) <= PLAIN_DECADES[1]
        return [log_tick_label(float(v), plain) for v in values]
