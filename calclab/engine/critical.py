"""Critical points (f' = 0) and inflection points (f'' changes sign) of f(x) in a range, each classified.

Exact where SymPy solves f' = 0 (or f'' = 0) within a time limit; a numeric grid search on the same range
always runs too, so a root SymPy missed (or never tried) still appears, as a float. A critical point is a
minimum, maximum or neither by the first non-zero higher derivative (even order n: minimum if positive, maximum
if negative; odd: neither; x^4 at 0 is a minimum though f'' = 0 there), or, where that does not decide (a
corner, a derivative that is 0 to every order tried, a point known only as a float), by whether f' changes
sign. "inconclusive" only where neither rule decides.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from calclab.engine.calculus import simplest, successive_derivatives, to_text, variables_of
from calclab.engine.grid_roots import GRID_POINTS, dedup, grid_roots
from calclab.engine.kinds import INCONCLUSIVE, MAXIMUM, MINIMUM, NEITHER
from calclab.engine.magnitude import OutOfReach, approximate_at
from calclab.engine.numeric import compile_function
from calclab.engine.solving import (
    KINKS,
    bounded,
    exact_real_roots,
    is_closed_form,
    kink_at,
    real_value,
    value_at_point,
)

DEFAULT_RANGE = (-10.0, 10.0)
MAX_POINTS = 100            # of each list: sin(100x) has 637 critical points in -10..10
MAX_TEST_ORDER = 10         # the highest derivative the higher-derivative test looks at
EXACT_WORK_SECONDS = 0.6    # CPU time for simplifying values and exact zero tests, all points together
KINDS = (MINIMUM, MAXIMUM, NEITHER, INCONCLUSIVE)


@dataclass(frozen=True)
class CriticalPoint:
    """f'(x) = 0 at x: its kind and the rule that decided it; exact values where SymPy found closed forms."""

    x: float
    f: float
    kind: str
    reason: str
    exact: sp.Expr | None = None
    f_exact: sp.Expr | None = None

    @property
    def x_text(self) -> str:
        """SymPy-readable: the closed form, else the float."""
        return to_text(self.exact) if self.exact is not None else repr(self.x)

    @property
    def f_text(self) -> str:
        return to_text(self.f_exact) if self.f_exact is not None else repr(self.f)


@dataclass(frozen=True)
class InflectionPoint:
    """f'' changes sign at x (f's curvature turns)."""

    x: float
    f: float
    reason: str
    exact: sp.Expr | None = None
    f_exact: sp.Expr | None = None

    x_text = CriticalPoint.x_text
    f_text = CriticalPoint.f_text


@dataclass(frozen=True)
class CriticalAnalysis:
    """Everything the range holds: f', f'', the critical and inflection points (sorted by x), and notes
    (stretches where f' or f'' is 0 throughout, lists cut at MAX_POINTS, points no rule decided)."""

    expression: sp.Expr
    variable: sp.Symbol
    low: float
    high: float
    first: sp.Expr
    second: sp.Expr
    critical: tuple[CriticalPoint, ...]
    inflection: tuple[InflectionPoint, ...]
    exact: bool          # every point came from SymPy's solutions (none only from the numeric search)
    notes: tuple[str, ...] = ()


def check_range(low: float, high: float) -> tuple[float, float]:
    low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high) and math.isfinite(high - low)):
        raise ValueError("the range must be two finite numbers")
    if not low < high:
        raise ValueError(f"the range needs low < high (got {low:g}, {high:g})")
    return low, high


def critical_points(expr: sp.Expr, variable: sp.Symbol | None = None,
                    x_range: tuple[float, float] = DEFAULT_RANGE) -> CriticalAnalysis:
    """The critical and inflection points of f(variable) in x_range (closed). f must have no other variable:
    substitute values for them first. ValueError on a bad range or a function of several variables."""
    low, high = check_range(*x_range)
    found = variables_of(expr)
    x = variable if variable is not None else (found[0] if found else sp.Symbol("x", real=True))
    others = sorted(s.name for s in expr.free_symbols if s != x)
    if others:
        raise ValueError(f"critical points need a function of {x.name} alone; give {', '.join(others)} a value")
    budget = _Budget(EXACT_WORK_SECONDS)
    derivatives = _Derivatives(expr, x, budget)
    first, second = derivatives.get(1), derivatives.get(2)
    if first is None or second is None:
        raise ValueError("the derivatives of f grow too large to look for critical points")
    if first == 0:
        note = f"f is constant: every point of [{low:g}, {high:g}] is critical"
        return CriticalAnalysis(expr, x, low, high, first, second, (), (), True, (note,))
    search = _Search(expr, x, low, high, budget)
    notes: list[str] = []
    candidates, exact1 = search.roots(first, second, "f'", notes)
    critical = [_critical(search, derivatives, c, candidates) for c in candidates[:MAX_POINTS]]
    if len(candidates) > MAX_POINTS:
        notes.append(f"only the first {MAX_POINTS} of {len(candidates)} critical points are listed")
    if second == 0:
        candidates, exact2 = [], True
        notes.append("f'' = 0 everywhere: f is linear, with no inflection points")
    else:
        candidates, exact2 = search.roots(second, None, "f''", notes)
    inflection: list[InflectionPoint] = []
    for i, c in enumerate(candidates):
        if len(inflection) == MAX_POINTS:
            notes.append(f"only the first {MAX_POINTS} inflection points are listed (f'' has {len(candidates) - i} "
                         "more roots in the range)")
            break
        point = _inflection(search, derivatives, c, candidates)
        if isinstance(point, InflectionPoint):
            inflection.append(point)
        elif point == INCONCLUSIVE:
            notes.append(f"f'' = 0 at x = {c.text}, but no test tells whether it changes sign there")
    return CriticalAnalysis(expr, x, low, high, first, second, tuple(critical), tuple(inflection),
                            exact1 and exact2, tuple(notes))


@dataclass(frozen=True)
class _Candidate:
    value: float
    symbolic: sp.Expr | None      # a closed form or a CRootOf: exact for the tests

    @property
    def text(self) -> str:
        return to_text(self.symbolic) if self.symbolic is not None and is_closed_form(self.symbolic) \
            else f"{self.value:.6g}"


class _Budget:
    """CPU time shared by the optional exact work of one analysis (simplifying f at each point, SymPy's zero tests):
    0.1 s each is nothing for 3 points and 10 s for 100 (cos(16x) in -10..10)."""

    def __init__(self, seconds: float) -> None:
        self.end = time.process_time() + seconds

    def run(self, func: Callable, seconds: float, default=None):
        """func() within `seconds` and what is left of the budget; `default` when out of time."""
        left = min(seconds, self.end - time.process_time())
        return bounded(func, seconds=left, default=default) if left > 0.005 else default


class _Derivatives:
    """f, f', f'', ... computed once, on demand (tidied, not simplified: simplify alone can take longer than all
    the rest, and the tests only evaluate them)."""

    def __init__(self, expr: sp.Expr, x: sp.Symbol, budget: _Budget) -> None:
        self.x = x
        self.budget = budget
        self._list = [expr]
        self._more = successive_derivatives(expr, x, MAX_TEST_ORDER)

    def get(self, k: int) -> sp.Expr | None:
        """f^(k), or None when it grows too large to compute."""
        while len(self._list) <= k:
            try:
                self._list.append(next(self._more))
            except (StopIteration, ValueError):
                return None
        return self._list[k]


class _Search:
    """The numeric side: f, f', f'' compiled once, the grid, and where f has a value."""

    def __init__(self, expr: sp.Expr, x: sp.Symbol, low: float, high: float, budget: _Budget) -> None:
        self.expr, self.x, self.low, self.high, self.budget = expr, x, low, high, budget
        self._compiled: dict[sp.Expr, Callable] = {}
        self.f = self.numeric(expr)
        self.step = (high - low) / (GRID_POINTS - 1)
        with np.errstate(all="ignore"):
            self.defined = np.isfinite(self.f(np.linspace(low, high, GRID_POINTS)))

    def numeric(self, g: sp.Expr) -> Callable:
        if g not in self._compiled:
            try:
                self._compiled[g] = compile_function(g, [self.x])
            except (NotImplementedError, SyntaxError, TypeError, NameError) as error:    # no NumPy code for a part
                raise ValueError(f"the derivatives of f cannot be evaluated numerically ({type(error).__name__})") \
                    from None
        return self._compiled[g]

    def roots(self, g: sp.Expr, slope: sp.Expr | None, name: str, notes: list[str]) -> tuple[list[_Candidate], bool]:
        """Roots of g in the range where f has a value: SymPy's (bounded) merged with the grid search's."""
        exact = exact_real_roots(g, self.x, self.low, self.high)
        grid = grid_roots(self.numeric(g), self.low, self.high, self.defined,
                          self.numeric(slope) if slope is not None else None)
        notes += [self.flat_note(name, g, a, b, slope is not None) for a, b in grid.flat]
        found = [_Candidate(v, r) for r, v in ((r, real_value(r)) for r in exact or []) if self._has_value(v)]
        tolerance = 1e-6 * (self.high - self.low)
        extra = [_Candidate(v, None) for v in grid.roots
                 if all(abs(v - c.value) > tolerance for c in found)]
        merged = sorted(found + extra, key=lambda c: c.value)
        values = dedup([c.value for c in merged], tolerance)
        return [c for c in merged if c.value in values], exact is not None and not extra

    def _has_value(self, v: float | None) -> bool:
        if v is None:
            return False
        return bool(np.isfinite(self.f(v)))

    def sides(self, g: sp.Expr, at: float, gap: float) -> tuple[int, int] | None:
        """The signs of g just left and right of `at` (closer than `gap`), or None where g is 0 or has no value."""
        h = min(self.step, 0.45 * gap)
        for _ in range(4):
            signs = [self._sign_at(g, at + side * h) for side in (-1, 1)]
            if 0 not in signs and None not in signs:
                return signs[0], signs[1]
            h /= 16
        return None

    def _sign_at(self, g: sp.Expr, at: float) -> int | None:
        """g's sign at a float; where the float is 0 or overflows, mpmath's (x^999999 near 0 underflows)."""
        value = float(self.numeric(g)(at))
        if math.isfinite(value) and value != 0:
            return int(np.sign(value))
        exact = _mpmath(g, self.x, at)
        if exact is None:
            return None if not math.isfinite(value) else 0
        real, imag = exact.real, getattr(exact, "imag", 0)    # magnitude's own mpmath context: no isinstance
        if not mpmath.isfinite(real) or abs(imag) > 1e-12 * abs(real):
            return None
        return 1 if real > 0 else -1 if real < 0 else 0

    def flat_note(self, name: str, g: sp.Expr, a: float, b: float, critical: bool) -> str:
        """What a stretch of 0s on the grid means: g really is 0 there, or only too small for a float."""
        inside = [_mpmath(g, self.x, t) for t in (a, (2 * a + b) / 3, b)]    # not the middle: it may be a root
        if any(v is not None and v != 0 for v in inside):
            return f"|{name}| is too small for floating point on [{a:.6g}, {b:.6g}]: only exact roots there are listed"
        what = "f is constant there: every point is critical" if critical else "f is straight there: no inflection"
        return f"{name} = 0 on [{a:.6g}, {b:.6g}]: {what}"


def _mpmath(g: sp.Expr, x: sp.Symbol, at: float):
    try:
        return approximate_at(g, {x: at})
    except (OutOfReach, ArithmeticError, ValueError, TypeError):
        return None


def _gap(c: _Candidate, candidates: list[_Candidate]) -> float:
    others = [abs(o.value - c.value) for o in candidates if o is not c]
    return min(others, default=math.inf)


def _critical(search: _Search, derivatives: _Derivatives, c: _Candidate, all_: list[_Candidate]) -> CriticalPoint:
    kind, reason = INCONCLUSIVE, "no test decides: f' is 0 or has no value beside the point"
    decided = _higher_test(derivatives, c, 2)
    if decided is not None:
        order, sign = decided
        if order % 2:
            kind = NEITHER
        else:
            kind = MINIMUM if sign > 0 else MAXIMUM
        reason = _order_reason(order, sign, "no extremum")
    else:
        sides = search.sides(derivatives.get(1), c.value, _gap(c, all_))
        if sides is not None:
            kind = {(-1, 1): MINIMUM, (1, -1): MAXIMUM}.get(sides, NEITHER)
            reason = "f' does not change sign" if kind == NEITHER else \
                f"f' changes sign from {'-+'[sides[0] > 0]} to {'-+'[sides[1] > 0]}"
    exact, f_exact = _exact_values(search, c)
    return CriticalPoint(c.value, float(search.f(c.value)), kind, reason, exact, f_exact)


def _inflection(search: _Search, derivatives: _Derivatives, c: _Candidate,
                all_: list[_Candidate]) -> InflectionPoint | str | None:
    """The inflection point at a root of f'', None if f'' keeps its sign there, INCONCLUSIVE if no test decides."""
    decided = _higher_test(derivatives, c, 3)
    if decided is not None:
        order, sign = decided
        if order % 2 == 0:
            return None
        reason = _order_reason(order, sign, "f'' changes sign")
    else:
        sides = search.sides(derivatives.get(2), c.value, _gap(c, all_))
        if sides is None:
            return INCONCLUSIVE
        if sides[0] == sides[1]:
            return None
        reason = f"f'' changes sign from {'-+'[sides[0] > 0]} to {'-+'[sides[1] > 0]}"
    exact, f_exact = _exact_values(search, c)
    return InflectionPoint(c.value, float(search.f(c.value)), reason, exact, f_exact)


def _order_reason(order: int, sign: int, odd: str) -> str:
    word = "positive" if sign > 0 else "negative"
    if order == 2:
        return f"f'' is {word}"
    if order == 3:
        return f"f'' = 0, f''' is {word}"
    parity = "odd order: " + odd if order % 2 else "even order"
    return f"the first non-zero derivative is of order {order}, {word} ({parity})"


def _higher_test(derivatives: _Derivatives, c: _Candidate, start: int) -> tuple[int, int] | None:
    """(order, sign) of the first derivative of order >= start that is not 0 at the point; None if undecided."""
    if c.symbolic is None:
        return None
    x = derivatives.x
    for k in range(start, MAX_TEST_ORDER + 1):
        d = derivatives.get(k)
        if d is None or (d.has(*KINKS) and kink_at(d, {x: c.symbolic})):
            return None
        sign = _sign(value_at_point(d, {x: c.symbolic}), derivatives.budget)
        if sign is None:
            return None
        if sign:
            return k, sign
    return None


def _sign(value: sp.Expr, budget: _Budget) -> int | None:
    """-1, 0 or 1; None when the value is undefined or not real."""
    if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.DiracDelta) or value.free_symbols:
        return None
    zero = budget.run(lambda: value.is_zero, 0.2)
    if zero is True:
        return 0
    number = real_value(value)
    if number is None:
        return None
    if zero is None and abs(number) < 1e-25:    # SymPy could not tell; 30 digits say it is 0
        return 0
    return int(np.sign(number)) if number != 0 else None


def _exact_values(search: _Search, c: _Candidate) -> tuple[sp.Expr | None, sp.Expr | None]:
    """The point and f there as closed forms, where they are."""
    if c.symbolic is None or not is_closed_form(c.symbolic):
        return None, None
    raw = bounded(value_at_point, search.expr, {search.x: c.symbolic})
    f_exact = raw if raw is None or raw.is_Number else search.budget.run(lambda: simplest(raw), 0.1, raw)
    if f_exact is None or not is_closed_form(f_exact) or real_value(f_exact) is None:
        f_exact = None
    return c.symbolic, f_exact
