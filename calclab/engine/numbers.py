"""One number style for everything the learner reads: up to 6 significant digits, 2.225×10⁻⁵ for powers of ten.

Qt-free, so the engine's sentences, the tabs' readouts and the plots' axes all print numbers the same way.
Machine outputs (CLI, JSON, CSV, "Copy as text") keep repr()'s full digits and do not use it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

MINUS = "−"
SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
PLAIN_LOW, PLAIN_HIGH = 1e-4, 1e6   # plain decimals in [PLAIN_LOW, PLAIN_HIGH); mantissa×10ⁿ outside


def power_of_ten(mantissa: str, exponent: int) -> str:
    """"2.225", -5 -> "2.225×10⁻⁵" (the exponent as Unicode superscripts with a real minus sign)."""
    return f"{mantissa}×10{str(exponent).translate(SUPERSCRIPTS)}"


def _styled(text: str) -> str:
    """Python's "1.5e-05" / "-0.25" in our style: "1.5×10⁻⁵", "−0.25"."""
    sign = MINUS if text.startswith("-") else ""
    text = text.lstrip("+-")
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = power_of_ten(mantissa, int(exponent))
    elif text.endswith(".0"):
        text = text[:-2]
    return sign + text


def format_number(value: float, digits: int = 6) -> str:
    """A number to read: up to `digits` significant digits, 0.1, 0.333333, 1.23457×10⁸, −1.84228×10⁻⁵."""
    value = float(value)
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "∞" if value > 0 else MINUS + "∞"
    rounded = float(f"{value:.{digits}g}")   # decide plain or not on the value as shown (999999.9 -> 1×10⁶)
    if rounded == 0:
        return "0"
    if PLAIN_LOW <= abs(rounded) < PLAIN_HIGH:
        text = repr(abs(rounded))               # the shortest digits of the rounded value: no 0.30000000000000004
    else:
        text = f"{abs(rounded):.{digits - 1}e}"
        mantissa, exponent = text.split("e")
        text = f"{mantissa.rstrip('0').rstrip('.')}e{exponent}"
    return (MINUS if rounded < 0 else "") + _styled(text)


def format_full(value: float) -> str:
    """Every digit repr() prints, in the same style: 0.11529215046068471, −1.8422800000000001×10⁻⁵."""
    value = float(value)
    if not math.isfinite(value) or value == 0:
        return format_number(value)
    return _styled(repr(value))


def format_vector(values: Iterable[float], digits: int = 6, brackets: str = "()") -> str:
    """A point or gradient: one value alone, several as (a, b) (or [a, b] with brackets="[]")."""
    parts = [format_number(v, digits) for v in values]
    if len(parts) == 1 and brackets == "()":
        return parts[0]
    return brackets[0] + ", ".join(parts) + brackets[1]
