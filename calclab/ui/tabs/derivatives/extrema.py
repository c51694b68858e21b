"""Critical and inflection points as the tab marks them, and the Taylor polynomial at x0 (NumPy only, no Qt).

Two sources. While a parameter slider moves, points are found numerically on the GUI thread from the compiled
f′ and f″ (a grid search refined by bisection, engine.grid_roots): no worker round trip per tick. When
the inputs rest, the worker's engine.critical analysis (exact where SymPy solves, its kinds decided by the
higher-derivative test) replaces them; `from_analysis` turns it into the same Marker list.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from calclab.engine.grid_roots import grid_roots
from calclab.engine.kinds import INCONCLUSIVE, MAXIMUM, MINIMUM, NEITHER
from calclab.engine.numbers import format_number

if TYPE_CHECKING:
    from calclab.engine.critical import CriticalAnalysis

INFLECTION = "inflection"
LIVE_GRID = 1201          # grid points of the live search (the worker's uses 4001)
MAX_MARKERS = 60          # more than this in view (sin(50x)): the first ones only

Curve = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Marker:
    """A point to mark: where, f there, and what it is (minimum, maximum, neither, inconclusive, inflection)."""

    x: float
    y: float
    kind: str
    x_text: str = ""       # the exact x (SymPy text) when known, else ""
    y_text: str = ""       # the exact f(x) likewise
    reason: str = ""       # the test that decided the kind


def live_points(f: Curve, first: Curve, second: Curve | None, low: float, high: float
                ) -> tuple[list[Marker], list[Marker]]:
    """(critical, inflection) in [low, high] from compiled f, f′ and f″: roots of f′ classified by f′'s sign
    change on either side; roots of f″ where f″ changes sign."""
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        return [], []
    with np.errstate(all="ignore"):
        grid = np.linspace(low, high, LIVE_GRID)
        defined = np.isfinite(np.asarray(f(grid), dtype=float))
        delta = (high - low) / (LIVE_GRID - 1) / 4
        critical = [_classified(f, first, x, delta)
                    for x in grid_roots(first, low, high, defined, second, points=LIVE_GRID).roots[:MAX_MARKERS]]
        inflection: list[Marker] = []
        if second is not None:
            for x in grid_roots(second, low, high, defined, points=LIVE_GRID).roots[:MAX_MARKERS]:
                left, right = (_at(second, x - delta), _at(second, x + delta))
                if left * right < 0:
                    inflection.append(Marker(x, _at(f, x), INFLECTION, reason="f″ changes sign"))
    return [m for m in critical if math.isfinite(m.y)], [m for m in inflection if math.isfinite(m.y)]


def _classified(f: Curve, first: Curve, x: float, delta: float) -> Marker:
    left, right = _at(first, x - delta), _at(first, x + delta)
    if left < 0 < right:
        kind, reason = MINIMUM, "f′ changes from − to +"
    elif left > 0 > right:
        kind, reason = MAXIMUM, "f′ changes from + to −"
    elif left * right > 0:
        kind, reason = NEITHER, "f′ keeps its sign"
    else:
        kind, reason = INCONCLUSIVE, "f′ is 0 on a side"
    return Marker(x, _at(f, x), kind, reason=reason)


def _at(curve: Curve, x: float) -> float:
    return float(np.asarray(curve(np.array([x], dtype=float)), dtype=float).reshape(-1)[0])


def from_analysis(analysis: CriticalAnalysis) -> tuple[list[Marker], list[Marker]]:
    """The worker's exact analysis as markers (exact x as text where SymPy found a closed form)."""
    critical = [Marker(p.x, p.f, p.kind, _exact(p.exact, p.x_text), _exact(p.f_exact, p.f_text), p.reason)
                for p in analysis.critical]
    inflection = [Marker(p.x, p.f, INFLECTION, _exact(p.exact, p.x_text), _exact(p.f_exact, p.f_text), p.reason)
                  for p in analysis.inflection]
    return critical, inflection


def _exact(value, text: str) -> str:
    return text if value is not None else ""


PRIMES = (("f" + "'" * 3, "f‴"), ("f" + "'" * 2, "f″"), ("f'", "f′"))


def pretty(text: str) -> str:
    """SymPy text as the list shows it: -3*pi/2 → −3π/2, sqrt(2) → √(2), f'' → f″."""
    for old, new in (("**", "^"), ("*pi", "π"), ("pi", "π"), ("sqrt", "√"), ("*", "·"), *PRIMES, (" - ", " − ")):
        text = text.replace(old, new)
    return text[:1].replace("-", "−") + text[1:].replace("(-", "(−").replace("/-", "/−")


def _readable(text: str) -> bool:
    """An exact value worth showing: short, and no long integers (a slider's b = 2.333333333 made the exact
    x = 112500000π/58333333, which says less than the float)."""
    return bool(text) and len(text) <= 24 and re.search(r"\d{5}", text) is None


def describe(marker: Marker, variable: str = "x") -> str:
    """One list line: "▲ minimum at x = -pi/2 ≈ −1.5708 (f = −1): f'' is positive"."""
    where = format_number(marker.x)
    if _readable(marker.x_text) and pretty(marker.x_text) != where:
        where = f"{pretty(marker.x_text)} ≈ {where}"
    value = pretty(marker.y_text) if _readable(marker.y_text) else format_number(marker.y)
    what = "inflection point" if marker.kind == INFLECTION else marker.kind
    text = f"{GLYPHS[marker.kind]} {what} at {variable} = {where} (f = {value})"
    return f"{text}: {pretty(marker.reason)}" if marker.reason else text


GLYPHS = {MINIMUM: "▲", MAXIMUM: "▼", NEITHER: "◆", INCONCLUSIVE: "✕", INFLECTION: "○"}   # as on the plot


# -- Taylor ---------------------------------------------------------------------------------------------------

JUMP_TOLERANCE = 1e-4    # relative gap between a derivative just left and just right of x0 that makes it jump


def taylor_coefficients(derivatives: list[Curve], x0: float) -> np.ndarray:
    """c_k = f⁽ᵏ⁾(x0) / k! for k = 0 … n; nan where a derivative has no value at x0 or jumps there (|x| at 0:
    sign(0) = 0 is a value NumPy gives, but f′ jumps from −1 to 1, so f has no f′ and no Tₙ there)."""
    values = np.array([_at(d, x0) for d in derivatives], dtype=float)
    delta = 1e-9 * max(1.0, abs(x0))
    for k, d in enumerate(derivatives):
        left, right = _at(d, x0 - delta), _at(d, x0 + delta)
        if not (math.isfinite(left) and math.isfinite(right)) or \
                abs(left - right) > JUMP_TOLERANCE * max(1.0, abs(left), abs(right)):
            values[k:] = math.nan
            break
    return values / np.array([math.factorial(k) for k in range(len(derivatives))], dtype=float)


def taylor_values(coefficients: np.ndarray, x0: float, xs: np.ndarray) -> np.ndarray:
    """Tₙ(x) = Σ c_k (x − x0)^k, by Horner's rule."""
    t = np.zeros_like(np.asarray(xs, dtype=float))
    shift = np.asarray(xs, dtype=float) - x0
    with np.errstate(all="ignore"):
        for c in coefficients[::-1]:
            t = t * shift + c
    return t


def taylor_text(coefficients: np.ndarray, x0: float, variable: str = "x") -> str:
    """Tₙ written out with rounded coefficients: "0.841 + 0.540 (x − 1) − 0.421 (x − 1)²"."""
    if not np.all(np.isfinite(coefficients)):
        return "—"
    shift = variable if x0 == 0 else f"({variable} − {format_number(x0, 4)})" if x0 > 0 else \
        f"({variable} + {format_number(-x0, 4)})"
    terms: list[str] = []
    for k, c in enumerate(coefficients):
        if c == 0 and len(coefficients) > 1:
            continue
        size = format_number(abs(c), 4)
        power = "" if k == 0 else shift + _superscript(k)
        body = size if k == 0 else (power if size == "1" else f"{size} {power}")
        sign = "−" if c < 0 else "+"
        terms.append(f"{'−' if c < 0 else ''}{body}" if not terms else f"{sign} {body}")
    return " ".join(terms) or "0"


def _superscript(k: int) -> str:
    return "" if k == 1 else str(k).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
