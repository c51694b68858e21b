"""Each tab's inputs as a plain dataclass (no Qt): the GUI edits them, sessions save them, the CLI builds them.

The helpers below are what every state's tolerant `from_dict` needs to judge values read from a file.
"""

from __future__ import annotations

import math
from typing import Any


def is_finite_number(value: Any) -> bool:
    """True for a real int or float that is finite (bool, nan, inf and strings are not)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def number_range(value: Any) -> tuple[float, float] | None:
    """A (low, high) pair of finite numbers with low < high, else None."""
    if isinstance(value, list | tuple) and len(value) == 2 and all(is_finite_number(v) for v in value):
        low, high = float(value[0]), float(value[1])
        if low < high:
            return low, high
    return None
