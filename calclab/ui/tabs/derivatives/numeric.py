"""The Derivatives tab's numbers (NumPy only, no Qt, no SymPy work): the one-variable slice of f and its
derivatives, curves sampled for the visible range and broken at poles and jumps, the tangent and the secant.

Everything here runs on the GUI thread on every drag or pan, so it only evaluates already compiled functions.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from calclab.engine.numbers import format_number

if TYPE_CHECKING:
    import sympy as sp

MIN_SAMPLES = 200
MAX_SAMPLES = 4000
STEP_RATIO = 20.0      # a jump this many times larger than both neighbouring steps is a discontinuity
STEP_MIN_FRACTION = 0.02   # ... if it is also at least this fraction of the visible height
CLAMP_SPANS = 1e4      # values beyond this many view heights are clamped: far off screen, but Qt draws them safely

EDGE_BISECTIONS = 64   # samples added towards each edge of f's domain (each halves the distance to it)
MAX_EDGES = 256        # more domain edges than this in view (sqrt(sin(100x))): left as sampled

Curve = Callable[[np.ndarray], np.ndarray]


@dataclass
class Slice:
    """f, its order-th derivative and its first derivative along one variable, the others held at values."""

    f: Curve
    derivative: Curve | None = None
    slope: Curve | None = None


_COMPILED: OrderedDict[tuple, object] = OrderedDict()
COMPILED_CACHE = 16
GUI_COMPILE_NODES = 200   # f bigger than this is compiled by the worker, not here (lambdify: ~0.1 ms a node)


def _compiled(expr: sp.Expr, variables: tuple[sp.Symbol, ...]):
    """compile_function, remembered: the worker's compiled functions are remembered here as they arrive, the
    same f is plotted alone and again with its derivative, and order 1's derivative is the slope. Compiling
    here is the fallback for small expressions (f plotted on the keystroke) and for anything the worker could
    not compile."""
    key = (expr, variables)
    if key in _COMPILED:
        _COMPILED.move_to_end(key)
        return _COMPILED[key]
    from calclab.engine.jobs.derivatives import plottable  # SymPy: an expression exists, so it is loaded
    from calclab.engine.numeric import compile_function

    func = compile_function(plottable(expr), variables)
    remember(expr, variables, func)
    return func


def remember(expr: sp.Expr, variables: tuple[sp.Symbol, ...], func: object) -> None:
    """Keep func as the compiled plottable(expr) over variables (one the worker made)."""
    _COMPILED[(expr, tuple(variables))] = func
    _COMPILED.move_to_end((expr, tuple(variables)))
    if len(_COMPILED) > COMPILED_CACHE:
        _COMPILED.popitem(last=False)


def cheap_to_compile(expr: sp.Expr, variables: tuple[sp.Symbol, ...]) -> bool:
    """Already compiled, or small enough to lambdify on the GUI thread in a few milliseconds."""
    from calclab.engine.calculus import tree_size

    return (expr, tuple(variables)) in _COMPILED or tree_size(expr, GUI_COMPILE_NODES) <= GUI_COMPILE_NODES


def compile_slice(variables: Sequence[sp.Symbol], wrt: sp.Symbol, held: dict[str, float], expression: sp.Expr,
                  derivative: sp.Expr | None = None, first: sp.Expr | None = None) -> Slice:
    """Lambdify f (and its derivatives when known) over `variables`; fix every variable but `wrt` at `held`."""
    variables = tuple(variables)
    functions = [None if expr is None else _compiled(expr, variables) for expr in (expression, derivative, first)]
    return slice_of(functions, variables, wrt, held)


def slice_of(functions: Sequence, variables: Sequence, wrt, held: dict[str, float]) -> Slice:
    """The Slice of compiled f, its derivative and its first derivative (None where not known) over `variables`
    (Symbols, or their names), every variable but `wrt` read from `held` at each call, so moving a held value needs
    no recompilation. A derivative is undefined wherever f is: the third derivative of log(x), 2/x^3, has values
    at x < 0, but log(x) has no slope there."""
    names = [_name(v) for v in variables]
    along_wrt = _name(wrt)

    def along(func) -> Curve | None:
        if func is None:
            return None

        def curve(x: np.ndarray) -> np.ndarray:
            x = np.asarray(x, dtype=float)
            try:
                return func(*[x if name == along_wrt else np.full_like(x, held.get(name, 0.0)) for name in names])
            except Exception:  # noqa: BLE001 - a function NumPy lacks: no curve rather than a crash
                return np.full(x.shape, np.nan)
        return curve

    f, derivative, first = (along(func) for func in functions)

    def on_domain_of_f(curve: Curve | None) -> Curve | None:
        if curve is None:
            return None

        def masked(x: np.ndarray) -> np.ndarray:
            return np.where(np.isnan(f(x)), np.nan, curve(x))
        return masked

    return Slice(f, on_domain_of_f(derivative), on_domain_of_f(first))


def _name(variable) -> str:
    return getattr(variable, "name", variable)


def ladder_curves(functions: Sequence, variables: Sequence, wrt, held: dict[str, float]) -> list[Curve]:
    """Compiled f, f′, f″, … (over variables: Symbols or names) as curves along wrt, the others read from `held`
    at every call (so a parameter slider moves them without recompiling); each derivative undefined wherever f is."""
    names = [_name(v) for v in variables]
    along_wrt = _name(wrt)

    def along(func) -> Curve:
        def curve(x: np.ndarray) -> np.ndarray:
            x = np.asarray(x, dtype=float)
            try:
                values = func(*[x if name == along_wrt else np.full_like(x, held.get(name, 0.0)) for name in names])
            except Exception:  # noqa: BLE001 - a function NumPy lacks: no curve rather than a crash
                return np.full(x.shape, np.nan)
            return np.broadcast_to(np.asarray(values, dtype=float), x.shape)
        return curve

    curves = [along(func) for func in functions]
    if not curves:
        return curves
    f = curves[0]

    def masked(curve: Curve) -> Curve:
        return lambda x: np.where(np.isnan(f(x)), np.nan, curve(x))
    return [f] + [masked(c) for c in curves[1:]]


def value_at(curve: Curve | None, x: float) -> float:
    """curve(x) as a float; nan when undefined (or no curve yet)."""
    if curve is None:
        return math.nan
    return float(curve(np.array([x], dtype=float))[0])


def sample_count(pixels: int) -> int:
    """About one sample per screen pixel."""
    return int(min(MAX_SAMPLES, max(MIN_SAMPLES, pixels)))


def break_curve(x: np.ndarray, y: np.ndarray, y_span: float) -> tuple[np.ndarray, np.ndarray]:
    """Insert NaN where the sampled curve is not continuous, so no vertical line is drawn there.

    A pole (1/x, tan x): a jump against the trend on both sides, larger than the visible height or changing
    sign and much larger than the neighbouring steps.
    A step (sign, the derivative of relu): a jump of a visible size STEP_RATIO times larger than the steps on
    both sides of it. A steep but continuous curve keeps its segments: its steps grow gradually.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if y.size < 3 or not math.isfinite(y_span) or y_span <= 0:
        return x, y
    with np.errstate(all="ignore"):       # inf - inf and huge * huge are expected here: they compare False
        return _break_curve(x, y, y_span)


def _break_curve(x: np.ndarray, y: np.ndarray, y_span: float) -> tuple[np.ndarray, np.ndarray]:
    dy = np.diff(y)
    before = np.concatenate((dy[:1], dy[:-1]))
    after = np.concatenate((dy[1:], dy[-1:]))
    size = np.abs(dy)
    visible = STEP_MIN_FRACTION * y_span
    against = (before * dy <= 0) & (after * dy <= 0)
    # Zoomed far out a pole's jump is small on screen; it still changes sign and dwarfs its neighbours.
    crossing = (y[:-1] * y[1:] < 0) & (size > 2 * np.maximum(np.abs(before), np.abs(after)))
    pole = against & ((size > y_span) | crossing)
    # nan neighbours (a domain edge) make the comparison False: sqrt(x) at 0 is not a step.
    step = (size > visible) & (size > STEP_RATIO * np.maximum(np.abs(before), np.abs(after)))
    # A step sampled right at its middle (sign(0) = 0) is two equal half jumps: break both.
    first, second = dy[:-1], dy[1:]
    outside = np.maximum(np.abs(np.concatenate((dy[:1], dy[:-2]))), np.abs(np.concatenate((dy[2:], dy[-1:]))))
    half = (first * second > 0) & (np.abs(first + second) > visible) & \
        (np.minimum(np.abs(first), np.abs(second)) > STEP_RATIO * outside)
    step[:-1] |= half
    step[1:] |= half
    where = np.flatnonzero(pole | step | _even_poles(y, y_span) | _even_poles(-y, y_span)) + 1
    if where.size:
        x, y = np.insert(x, where, np.nan), np.insert(y, where, np.nan)
    return x, y


def _even_poles(y: np.ndarray, y_span: float) -> np.ndarray:
    """Segments across a pole where both sides run to -inf (-1/x^2): the sampled curve makes a sharp U-turn.

    The pole lies between samples p and q = p + 1 when the curve falls steeply and ever faster into p from
    the left and rises steeply, ever slower, out of q to the right. A tall but finite dip (1/(x^2 + 0.001))
    slows down near its bottom, so it is kept.
    """
    segments = np.zeros(max(y.size - 1, 0), dtype=bool)
    if y.size < 6:
        return segments
    big = y_span / 4
    with np.errstate(invalid="ignore"):
        left_prev = y[:-5] - y[1:-4]      # y[p-2] - y[p-1]
        left = y[1:-4] - y[2:-3]          # y[p-1] - y[p]: the fall into p
        right = y[4:-1] - y[3:-2]         # y[q+1] - y[q]: the rise out of q
        right_next = y[5:] - y[4:-1]      # y[q+2] - y[q+1]
        steady = (left_prev > 0) & (right_next > 0)   # still falling before, still rising after: not a jump
        turn = steady & (left > big) & (right > big) & (left > 2 * left_prev) & (right > 2 * right_next)
    segments[np.flatnonzero(turn) + 2] = True        # segment p -> q, with p = k + 2
    return segments


def drop_hidden(y: np.ndarray, y_low: float, y_high: float) -> np.ndarray:
    """NaN for samples that, with both neighbours, lie beyond the same edge of the view.

    Their segments would be invisible anyway; dropping them also removes the far-off U-turn a sampled curve
    makes at a pole where both sides go the same way (-1/x^2 at 0).
    """
    with np.errstate(invalid="ignore"):
        above = y > y_high
        below = y < y_low
    hidden = np.zeros(y.shape, dtype=bool)
    for side in (above, below):
        if side.size >= 3:
            hidden[1:-1] |= side[:-2] & side[1:-1] & side[2:]
            hidden[0] |= side[0] & side[1]
            hidden[-1] |= side[-1] & side[-2]
    return np.where(hidden, np.nan, y)


def refine_edges(curve: Curve, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add samples approaching each edge of f's domain (where a finite sample neighbours an undefined one).

    On a grid the last sample of log x left of its edge 0 was log(0.004) = -5.5: the curve stopped in the
    middle of the view. Bisecting towards the edge gives samples halving their distance to it (log x falls
    by log 2 at each), so the curve runs off the view as f does, or ends where f ends (sqrt x at 0).
    """
    finite = np.isfinite(y)
    if finite.all() or not finite.any():
        return x, y
    edges = np.flatnonzero(finite[:-1] != finite[1:])
    if edges.size == 0 or edges.size > MAX_EDGES:
        return x, y
    left_finite = finite[edges]
    good = np.where(left_finite, x[edges], x[edges + 1])     # a defined end of each bracket ...
    bad = np.where(left_finite, x[edges + 1], x[edges])      # ... and an undefined one
    found_x, found_y = [], []
    with np.errstate(all="ignore"):
        for _ in range(EDGE_BISECTIONS):
            middle = 0.5 * (good + bad)
            if np.all((middle == good) | (middle == bad)):
                break                                        # the brackets are as narrow as floats go
            values = np.asarray(curve(middle), dtype=float).reshape(middle.shape)
            defined = np.isfinite(values)
            found_x.append(middle[defined])
            found_y.append(values[defined])
            good = np.where(defined, middle, good)
            bad = np.where(defined, bad, middle)
    if not found_x:
        return x, y
    x = np.concatenate([x, *found_x])
    y = np.concatenate([y, *found_y])
    order = np.argsort(x, kind="stable")
    return x[order], y[order]


def sample(curve: Curve, x_low: float, x_high: float, pixels: int,
           y_view: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """The curve at screen resolution over [x_low, x_high], broken at poles and jumps, clamped far off screen."""
    x = np.linspace(x_low, x_high, sample_count(pixels))
    y = curve(x)
    x, y = refine_edges(curve, x, y)
    span = float(y_view[1] - y_view[0])
    x, y = break_curve(x, y, span)
    y = drop_hidden(y, *y_view)
    centre = 0.5 * (y_view[0] + y_view[1])
    limit = CLAMP_SPANS * span
    with np.errstate(invalid="ignore"):
        y = np.where(np.isfinite(y), np.clip(y, centre - limit, centre + limit), np.nan)
    return x, y


def percentiles(values: np.ndarray, qs: tuple[float, ...]) -> tuple[float, ...]:
    """np.percentile's default (linear between the two nearest ranks) of finite `values`: its first call imports
    numpy.ma, 11 ms of a launch for two numbers."""
    ordered = np.sort(values)
    last = ordered.size - 1
    out = []
    for q in qs:
        rank = q / 100.0 * last
        below = min(int(rank), last)
        above = min(below + 1, last)
        out.append(float(ordered[below] + (ordered[above] - ordered[below]) * (rank - below)))
    return tuple(out)


def _robust_range(values: np.ndarray | None) -> tuple[float, float, bool] | None:
    """(low, high, cut): the full range of the finite values, or the 5th-95th percentile when a few huge
    values (a pole) would squash the rest; None if nothing is finite."""
    if values is None:
        return None
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    low, high = percentiles(finite, (5.0, 95.0))
    full_low, full_high = float(finite.min()), float(finite.max())
    if full_high - full_low <= 3 * max(high - low, 1e-12):
        return full_low, full_high, False
    return low, high, True


def fit_y_range(f_values: np.ndarray, derivative_values: np.ndarray | None = None) -> tuple[float, float]:
    """A y range that shows f's shape, and the derivative's too unless that would flatten f (a pole of f')."""
    f_range = _robust_range(f_values)
    d_range = _robust_range(derivative_values)
    if f_range is None:
        f_range = d_range or (-1.0, 1.0, False)
    low, high, cut = f_range
    if d_range is not None:
        both_low, both_high = min(low, d_range[0]), max(high, d_range[1])
        if both_high - both_low <= 4 * max(high - low, 1e-9):
            low, high, cut = both_low, both_high, cut or d_range[2]
    if high - low < 1e-9 * max(1.0, abs(low), abs(high)):
        low, high = low - 1.0, high + 1.0
    pad = (0.25 if cut else 0.08) * (high - low)
    return low - pad, high + pad


KINK_TOLERANCE = 1e-4     # relative gap between the slopes just left and right of x0 that counts as a kink


@dataclass(frozen=True)
class PointReadout:
    """What the learner reads at x0: the value, the slopes and the tangent y = m x + b."""

    x0: float
    value: float          # f(x0)
    slope: float          # f'(x0); nan at a kink, where there is none
    higher: float         # the order-th derivative at x0 (= slope for order 1)
    h: float
    secant_slope: float   # (f(x0 + h) - f(x0)) / h
    secant_value: float   # f(x0 + h)
    kink: tuple[float, float] | None = None   # (slope just left, slope just right) when they differ

    @property
    def intercept(self) -> float:
        return self.value - self.slope * self.x0

    @property
    def secant_error(self) -> float:
        return self.secant_slope - self.slope


def read_point(s: Slice, x0: float, h: float) -> PointReadout:
    """Evaluate f, f' and the secant at x0 (all in float64, as the learner's computer would).

    The slopes a hair to the left and right of x0 are compared too: where they differ (|x| or relu at 0) f has
    no derivative, whatever value the formula gives there (SymPy's sign(0) = 0), so the slope is nan.
    """
    value = value_at(s.f, x0)
    slope = value_at(s.slope, x0)
    higher = value_at(s.derivative, x0)
    delta = 1e-9 * max(1.0, abs(x0))
    left, right = value_at(s.slope, x0 - delta), value_at(s.slope, x0 + delta)
    kink = None
    if math.isfinite(left) and math.isfinite(right) and \
            abs(left - right) > KINK_TOLERANCE * max(1.0, abs(left), abs(right)):
        kink, slope, higher = (left, right), math.nan, math.nan
    with np.errstate(all="ignore"):
        secant_value = value_at(s.f, x0 + h)
        secant_slope = (secant_value - value) / h
    return PointReadout(x0, value, slope, higher, h, float(secant_slope), secant_value, kink)


def line_through(x0: float, y0: float, slope: float, x_low: float, x_high: float) -> tuple[np.ndarray, np.ndarray]:
    """The straight line y = y0 + slope (x - x0) across [x_low, x_high]; empty when not finite."""
    if not all(math.isfinite(v) for v in (x0, y0, slope)):
        return np.empty(0), np.empty(0)
    xs = np.array([x_low, x_high], dtype=float)
    return xs, y0 + slope * (xs - x0)


def format_scientific(value: float) -> str:
    """The secant's error with its sign, in the one number style: +1.234×10⁻⁵, −0.0042."""
    text = format_number(value, 4)
    return "+" + text if value > 0 and math.isfinite(value) else text


def tangent_equation(reading: PointReadout, variable: str = "x", lhs: str = "y") -> str:
    """lhs = m variable + b as the learner writes it: y = 3x − 2.25, y = −x, y = 4, f = 2y + 3."""
    m, b = reading.slope, reading.intercept
    if not (math.isfinite(m) and math.isfinite(b)):
        return "no tangent here"
    m_text = format_number(m, 5)
    if m == 0:
        return f"{lhs} = {format_number(b, 5)}"
    slope_part = {"1": variable, "−1": f"−{variable}"}.get(m_text, f"{m_text}{variable}")
    if b == 0 or abs(b) < 1e-12 * max(1.0, abs(m * reading.x0)):
        return f"{lhs} = {slope_part}"
    sign = "−" if b < 0 else "+"
    return f"{lhs} = {slope_part} {sign} {format_number(abs(b), 5)}"
