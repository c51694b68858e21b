"""A cheap, independent estimate of a constant expression's value, so the parser can refuse astronomic or
complex constants before SymPy touches them.

Why: SymPy's automatic evaluation and assumption queries on constants like pi^100000, exp(1e5) or sinh(1e5)
call evalf with ever higher precision (seconds to minutes), or fail with OverflowError / RecursionError
(found by fuzzing `parse`). mpmath at 53 bits has an unbounded exponent range, so even e^(e^(e^e)) is
estimated in microseconds, and a node is checked before it becomes an operand of the next one.
"""

from __future__ import annotations

from collections.abc import Callable

import mpmath
import sympy as sp

from calclab.engine.functions import relu, sigmoid

# |value| between 1e-1000 and 1e1000: exp(1000) and sigmoid(-1000) pass, e^(e^(e^e)) does not. (Exact
# numbers are held to float range by the parser: SymPy factors and primality-tests big rationals.)
MAX_LOG10 = 1000
MIN_LOG10 = -1000

_ctx = mpmath.MPContext()  # our own context: SymPy changes the global mpmath precision while it works
_ctx.prec = 53

_FUNCTIONS: dict[type, Callable] = {
    sp.exp: _ctx.exp, sp.log: _ctx.log, sp.sin: _ctx.sin, sp.cos: _ctx.cos, sp.tan: _ctx.tan,
    sp.asin: _ctx.asin, sp.acos: _ctx.acos, sp.atan: _ctx.atan, sp.sinh: _ctx.sinh, sp.cosh: _ctx.cosh,
    sp.tanh: _ctx.tanh, sp.Abs: abs,
    sigmoid: lambda a: 1 / (1 + _ctx.exp(-a)),
    relu: lambda a: a if _ctx.re(a) > 0 else _ctx.mpf(0),
}


def approximate(expr: sp.Expr):
    """expr's value as an mpmath number (53 bits, any exponent), or None if it has parts we do not know."""
    if expr.is_Rational:
        return _ctx.mpf(expr.p) / expr.q
    if expr is sp.pi:
        return +_ctx.pi
    if expr is sp.E:
        return +_ctx.e
    parts = [approximate(arg) for arg in expr.args]
    if any(part is None for part in parts):
        return None
    if expr.is_Add:
        return _ctx.fsum(parts)
    if expr.is_Mul:
        return _ctx.fprod(parts)
    if expr.is_Pow:
        base, exponent = parts
        if base == 0:
            return None  # 0^-1 and friends: SymPy's zoo, reported by the parser's own check
        return _ctx.power(base, exponent)
    function = _FUNCTIONS.get(type(expr))
    if function is not None and len(parts) == 1:
        return function(parts[0])
    return None


def constant_problem(expr: sp.Expr) -> str | None:
    """Why the constant expr cannot be used ("is too large", ...), or None when it is fine or unknown."""
    try:
        value = approximate(expr)
        if value is None or value == 0:
            return None
        size = abs(value)
        if not _ctx.isfinite(size):
            return None  # log(0) and the like: the parser's check for SymPy's zoo names them
        if abs(_ctx.im(value)) > 1e-9 * size:  # (-1)^pi, asin(2)
            return "is not a real number"
        log10 = _ctx.log10(size)
    except (ArithmeticError, ValueError, TypeError):
        return None
    if log10 > MAX_LOG10:
        return "is too large (over 1e1000)"
    if log10 < MIN_LOG10:
        return "is too small (under 1e-1000)"
    return None
