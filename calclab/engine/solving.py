"""Bounded root finding for critical and inflection points: SymPy where it answers quickly, NumPy otherwise.

SymPy's solveset has no time limit (4x^3 - 6x + 1 = 0 takes it 1.7 s, and larger systems minutes), so every
exact solve runs under `time_limit` and gives way to a numeric search on the same range: sign changes on a
fine grid refined by bisection, plus the double roots a sign test misses (3x^2 at 0), found as sign changes of
the next derivative where the function itself is ~0.
"""

from __future__ import annotations

import math
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import mpmath
import sympy as sp

from calclab.engine.functions import relu
from calclab.engine.magnitude import OutOfReach, approximate_at

SOLVE_SECONDS = 0.15        # SymPy's CPU time for one exact solve of a small tree before the numeric search
SOLVE_SECONDS_PER_NODE = 0.002   # ... plus this per node of the tree (0.45 s at MAX_SOLVE_NODES)
MAX_POLY_DEGREE = 60        # real_roots of degree 60 takes ~0.1 s; beyond, isolating roots gets slow
MAX_SOLVE_NODES = 300       # solveset is not tried on trees bigger than this
MAX_CLOSED_FORM_OPS = 60    # longer "closed forms" (Cardano's with nested radicals) are shown as numbers


class SolveTimeout(BaseException):
    """A bounded SymPy call ran out of time. BaseException, so SymPy's own `except Exception` cannot swallow it."""


_active = threading.local()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise SolveTimeout in the block after `seconds` of CPU time (main thread on POSIX; elsewhere the block
    runs unbounded, so callers also bound the size of what they hand SymPy). Nested limits keep the outer one."""
    usable = (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
              and not getattr(_active, "on", False))
    if not usable:
        yield
        return

    def expire(_signum, _frame):
        raise SolveTimeout

    previous = signal.signal(signal.SIGPROF, expire)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _quiet_timeouts(previous_hook)
    _active.on = True
    # CPU time, as the GUI worker's budget counts it, so a loaded machine does not turn exact answers numeric.
    # Re-fires every 50 ms: should SymPy swallow one alarm in a bare `except:`, the next one still stops it.
    signal.setitimer(signal.ITIMER_PROF, max(seconds, 0.001), 0.05)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        sys.unraisablehook = previous_hook
        _active.on = False


def _quiet_timeouts(hook: Callable) -> Callable:
    """An alarm that lands in a garbage-collector callback or a __del__ is ignored there (and would be printed as
    "Exception ignored in ..."): say nothing, the next alarm 50 ms later stops the work all the same."""
    def quiet(unraisable) -> None:
        if not isinstance(unraisable.exc_value, SolveTimeout):
            hook(unraisable)
    return quiet


def bounded(func: Callable, *args, seconds: float = SOLVE_SECONDS, default=None):
    """func(*args), or `default` when it runs out of time or SymPy gives up with an error."""
    try:
        with time_limit(seconds):
            return func(*args)
    except SolveTimeout:
        mpmath.mp.prec = 53     # in case the alarm cut SymPy off inside a workprec block, before it restored this
        return default
    except (ArithmeticError, ValueError, TypeError, NotImplementedError, RecursionError, AttributeError):
        return default


# --- exact -------------------------------------------------------------------------------------------------

def exact_number(value: float) -> sp.Rational:
    """A float as the decimal it prints as (0.1 -> 1/10): what the user typed, not its binary neighbour."""
    return sp.Rational(repr(float(value)))


def is_closed_form(value: sp.Expr) -> bool:
    """A number worth showing as a formula: real-looking, no RootOf, short."""
    return (not value.free_symbols and not value.has(sp.I, sp.CRootOf, sp.nan, sp.zoo, sp.oo, -sp.oo)
            and sp.count_ops(value) <= MAX_CLOSED_FORM_OPS)


def real_value(value: sp.Expr) -> float | None:
    """value as a float when it is a finite real number (a tiny imaginary rounding part is dropped)."""
    try:
        number = complex(value.evalf(30))
    except (TypeError, ValueError, ArithmeticError):
        return None
    if not (math.isfinite(number.real) and math.isfinite(number.imag)):
        return None
    if abs(number.imag) > 1e-12 * max(1.0, abs(number.real)):
        return None
    return number.real


HUGE_EXPONENT = 300         # a power with a larger exponent may make an exact number of ~10^5 digits


def value_at_point(expr: sp.Expr, at: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    """expr at the point: exact, unless a power in it would be an astronomically long exact number (x^999999 at
    1/2 has 301,030 digits: seconds to build, and too long to print), then a 15-digit Float from mpmath."""
    powers = [p for p in expr.atoms(sp.Pow) if p.exp.is_Number and abs(p.exp) > HUGE_EXPONENT]
    if powers and not expr.free_symbols - set(at):     # (other variables: nothing to estimate)
        try:
            floats = {k: float(v) for k, v in at.items()}
        except TypeError:
            return expr.subs(at)
        for power in powers:
            try:
                size = approximate_at(power, floats)
            except OutOfReach:
                size = None
            if size is None or (size != 0 and not 1e-300 < abs(size) < 1e300):
                return _mpmath_value(expr, floats)
    return expr.subs(at)


KINKS = (sp.Abs, sp.sign, sp.Heaviside, sp.DiracDelta, relu, sp.Max, sp.Min, sp.Piecewise)
_NEARBY = sp.Rational(1, 10**9)
_NEARBY_TOLERANCE = 1e-4


def kink_at(expr: sp.Expr, at: dict[sp.Symbol, sp.Expr]) -> bool:
    """Does expr hold a function with a corner or jump (|u|, sign, relu, ...) whose argument is 0 at the point?"""
    return bool(_kink_variables(expr, at))


def _kink_variables(expr: sp.Expr, at: dict[sp.Symbol, sp.Expr]) -> set[sp.Symbol]:
    """The variables of the corners' arguments that are 0 at the point (moving along the others stays on them)."""
    found: set[sp.Symbol] = set()
    for atom in expr.atoms(*KINKS):
        if isinstance(atom, sp.Piecewise):
            sides = [c.lhs - c.rhs for _e, c in atom.args if isinstance(c, sp.core.relational.Relational)]
        elif isinstance(atom, (sp.Max, sp.Min)):
            sides = [atom.args[0] - arg for arg in atom.args[1:]]
        else:
            sides = list(atom.args[:1])
        for side in sides:
            value = side.subs(at)
            if side.free_symbols & set(at) and not value.free_symbols and value.is_zero is not False:
                found |= side.free_symbols & set(at)
    return found


def smooth_value(expr: sp.Expr, at: dict[sp.Symbol, sp.Expr]) -> sp.Expr | None:
    """expr at the point (see value_at_point); at a corner of |u|, sign, relu, ... the value its neighbours across
    the corner agree on, or None where they disagree (a real corner). SymPy's own value there uses sign(0) = 0:
    the second derivative of |x - 1/x|^2 at 1 (smooth: it is (x - 1/x)^2) would come out 0 instead of 8."""
    value = value_at_point(expr, at)
    across = _kink_variables(expr, at) if expr.has(*KINKS) else set()
    if not across:
        return value
    near = [real_value(value_at_point(expr, {**at, v: at[v] + side * _NEARBY})) for v in across for side in (-1, 1)]
    if any(n is None for n in near):
        return None
    mean = sum(near) / len(near)
    if any(abs(n - mean) > _NEARBY_TOLERANCE * (1 + abs(mean)) for n in near):
        return None
    exact = None if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.DiracDelta) else real_value(value)
    return value if exact is not None and abs(exact - mean) <= _NEARBY_TOLERANCE * (1 + abs(mean)) \
        else sp.Float(mean)


def _mpmath_value(expr: sp.Expr, floats: dict) -> sp.Expr:
    try:
        value = approximate_at(expr, floats)
    except OutOfReach:
        value = None
    if value is None:
        raise ValueError("the value there is too large to compute exactly")
    if isinstance(value, mpmath.mpc):
        return sp.Float(value.real) + sp.I * sp.Float(value.imag) if value.imag else sp.Float(value.real)
    return sp.Float(value)


def exact_real_roots(expr: sp.Expr, x: sp.Symbol, low: float, high: float) -> list[sp.Expr] | None:
    """Every real root of expr in [low, high] as SymPy numbers, or None when SymPy cannot tell quickly.

    A product is solved factor by factor (999(x+1)^998: the root of x + 1, not of a degree-998 polynomial), each
    root then checked against the whole expression (0 * a pole is no root). Polynomials (and ratios of them)
    with rational coefficients go to real root isolation (radicals or CRootOf, always complete); anything else
    to solveset over the interval, trusted only as a finite set.
    """
    if not expr.has(x):
        return None if expr.is_zero is not False else []
    factors = _factors(expr, x)
    roots: list[sp.Expr] = []
    for factor in factors:
        found = _factor_roots(factor, x, low, high)
        if found is None:
            return None
        roots += found
    kept: dict[float, sp.Expr] = {}
    for root in roots:
        number = real_value(root)
        if number is None or not low - 1e-12 * max(1.0, abs(low)) <= number <= high + 1e-12 * max(1.0, abs(high)):
            continue
        if factors != [expr] and real_value(bounded(value_at_point, expr, {x: root}, default=sp.nan)) is None:
            continue    # another factor has no value there
        if all(abs(number - k) > 1e-12 * max(1.0, abs(number)) for k in kept):
            kept[number] = root
    return [kept[k] for k in sorted(kept)]


def _factors(expr: sp.Expr, x: sp.Symbol) -> list[sp.Expr]:
    """The factors of expr whose roots are its roots: g of c*g*h^2, none of 1/g."""
    if expr.is_Mul:
        return [f for arg in expr.args for f in _factors(arg, x)]
    if expr.is_Pow and not expr.exp.has(x) and expr.base.has(x):
        return _factors(expr.base, x) if expr.exp.is_positive else [] if expr.exp.is_negative else [expr]
    return [expr] if expr.has(x) else []


def _factor_roots(expr: sp.Expr, x: sp.Symbol, low: float, high: float) -> list[sp.Expr] | None:
    roots = _polynomial_roots(expr, x)
    if roots is None:
        if _size(expr) > MAX_SOLVE_NODES:
            return None
        _warm_solveset()
        domain = sp.Interval(exact_number(low), exact_number(high))
        solved = bounded(sp.solveset, expr, x, domain, seconds=solve_seconds(expr))
        if solved is sp.S.EmptySet:
            return []
        if not isinstance(solved, sp.FiniteSet):
            return None
        roots = list(solved)
    return None if any(root.free_symbols for root in roots) else roots


_solveset_warm = False


def _warm_solveset() -> None:
    """Pay solveset's one-time costs outside any user's time budget: its first call in a process imports a dozen
    modules (combinatorics, tensor, set handlers; compiled first on a fresh install) and fills its caches, about
    0.1 s of CPU, which turned the first exact solve (cos x = 0) numeric on a busy fresh machine."""
    global _solveset_warm
    if not _solveset_warm:
        _solveset_warm = True
        t = sp.Symbol("t")
        bounded(sp.solveset, sp.cos(t), t, sp.Interval(0, 2), seconds=5.0)


def _polynomial_roots(expr: sp.Expr, x: sp.Symbol) -> list[sp.Expr] | None:
    numerator, denominator = sp.fraction(sp.together(expr))
    polys = []
    for part in (numerator, denominator):
        if not part.is_polynomial(x):
            return None
        poly = bounded(sp.Poly, part, x)
        if poly is None or poly.get_domain() not in (sp.ZZ, sp.QQ) or poly.degree() > MAX_POLY_DEGREE:
            return None
        polys.append(poly)
    top, bottom = polys
    if top.is_zero:
        return None     # the expression is 0 everywhere: every point is a root
    roots = bounded(top.real_roots)
    if roots is None:
        return None
    unique = list(dict.fromkeys(roots))
    return [r for r in unique if bottom.degree() <= 0 or bottom.eval(r) != 0]


def solve_seconds(expr: sp.Expr) -> float:
    """The time an exact solve of expr may take: bigger trees need (and may have) longer."""
    return SOLVE_SECONDS + SOLVE_SECONDS_PER_NODE * _size(expr)


def _size(expr: sp.Expr) -> int:
    count = 0
    for _ in sp.preorder_traversal(expr):
        count += 1
        if count > MAX_SOLVE_NODES:
            break
    return count
