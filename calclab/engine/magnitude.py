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

from calclab.engine.functions import ZeroPower, relu, sigmoid

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
    sp.sign: _ctx.sign,
}
# Quick at any size of argument (they level off, or grow slowly).
_SATURATING = frozenset({sp.log, sp.atan, sp.tanh, sp.Abs, relu, sp.sign})


class OutOfReach(ArithmeticError):
    """A function's argument or an exponent too large to evaluate quickly (sin(e^(e^10)) takes mpmath minutes)."""


MAX_ARGUMENT = 1e300   # |argument| of exp, sin, ... and |exponent| in approximate_at: mpmath stays under 0.1 s


def approximate(expr: sp.Expr):
    """expr's value as an mpmath number (53 bits, any exponent), or None if it has parts we do not know."""
    return _approximate(expr, {}, bounded=False)


def approximate_at(expr: sp.Expr, values: dict[sp.Symbol, float]):
    """expr's value with its variables set to values (53 bits, any exponent), or None for parts we do not know.

    Raises OutOfReach rather than feed mpmath an astronomic argument (exp(exp(x)) at x = 1000).
    """
    known = {symbol: _ctx.mpf(value) for symbol, value in values.items()}
    return _approximate(expr, known, bounded=True, memo={})


def _approximate(expr: sp.Expr, values: dict, bounded: bool, memo: dict | None = None):
    if memo is not None and expr in memo:
        return memo[expr]
    value = _evaluate(expr, values, bounded, memo)
    if memo is not None:
        memo[expr] = value
    return value


def _evaluate(expr: sp.Expr, values: dict, bounded: bool, memo: dict | None):
    if expr.is_Rational:
        return _ctx.mpf(expr.p) / expr.q
    if expr.is_Float:
        return _ctx.mpf(expr)
    if expr is sp.pi:
        return +_ctx.pi
    if expr is sp.E:
        return +_ctx.e
    if expr.is_Symbol:
        return values.get(expr)
    parts = [_approximate(arg, values, bounded, memo) for arg in expr.args]
    if any(part is None for part in parts):
        return None
    if expr.is_Add:
        return _ctx.fsum(parts)
    if expr.is_Mul:
        return _ctx.fprod(parts)
    if expr.is_Pow or isinstance(expr, ZeroPower):
        base, exponent = parts if expr.is_Pow else (_ctx.mpf(0), parts[0])
        if base == 0:  # 0^-1 and friends: SymPy's zoo, reported by the parser's own check
            return _ctx.mpf(0) if _ctx.im(exponent) == 0 and exponent > 0 else None
        if bounded and abs(exponent) > MAX_ARGUMENT and abs(base) != 1:
            raise OutOfReach
        return _ctx.power(base, exponent)
    if isinstance(expr, sp.Heaviside) and len(parts) == 2:   # relu's derivative: H(0) is its second argument (1/2)
        return _ctx.mpf(1) if parts[0] > 0 else _ctx.mpf(0) if parts[0] < 0 else parts[1]
    function = _FUNCTIONS.get(type(expr))
    if function is not None and len(parts) == 1:
        if bounded and abs(parts[0]) > MAX_ARGUMENT and type(expr) not in _SATURATING:
            raise OutOfReach
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
