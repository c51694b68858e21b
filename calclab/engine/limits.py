"""What parse refuses besides grammar: numbers and powers too big to compute exactly, undefined or non-real
constants. ExpressionError lives here so these checks and the parser share it (parsing re-exports it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal

import sympy as sp

from calclab.engine.functions import ZeroPower
from calclab.engine.magnitude import approximate, constant_problem

MAX_NUMBER_DIGITS = 300    # Python refuses int literals over 4,300 digits; we stop far earlier
# Exact numbers stay within float range (1.8e308, 309 digits), like number literals. Past it SymPy computes
# 9^9^9 (370 million digits) eagerly, and primality tests on 2,000-digit rationals (sqrt(1 - 10^-2000))
# take seconds; str() fails past 4,300 digits.
MAX_POWER_DIGITS = 308.25
MAX_RESULT_DIGITS = 308.25
MAX_EXACT_DENOMINATOR = 1000  # x^3.000001 as x^(3000001/1000000) sends SymPy into degree-3,000,000 polynomials


class ExpressionError(ValueError):
    """A one-line, human message about bad input, with the 1-based column it points at."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message if column is None else f"{message} (column {column})")
        self.message = message
        self.column = column

    def __reduce__(self):  # pickles (to and from a worker process) with message and column intact
        return (type(self), (self.message, self.column))


def number(text: str, column: int) -> sp.Expr:
    """A number literal as an exact SymPy number, within float range."""
    mantissa = text.lower().split("e")[0]
    if len(mantissa.replace(".", "").lstrip("0")) > MAX_NUMBER_DIGITS:
        raise ExpressionError(f"the number is too long (over {MAX_NUMBER_DIGITS} digits)", column)
    # Decimal reads 1e-999999999 without computing 10^999999999 (SymPy's Rational would hang on it).
    value = Decimal(text)
    if value.is_zero():
        return sp.S.Zero
    if value.adjusted() > 308 or not math.isfinite(float(value)):
        raise ExpressionError(f"the number {short(text)} is too large (the limit is about 1.8e308)",
                              column)
    if value.adjusted() < -300:
        raise ExpressionError(f"the number {short(text)} is too small (below 1e-300)", column)
    # Exact rationals: 0.5x^2 differentiates to x, not 1.0*x.
    return sp.Rational(*value.as_integer_ratio())


def short(text: str) -> str:
    """Long input quoted in a message is cut, so the message stays one readable line."""
    return text if len(text) <= 24 else f"{text[:10]}...{text[-10:]}"


def digits(expr: sp.Expr) -> float:
    """About how many decimal digits the numbers SymPy multiplies out of expr have (0 for symbolic parts).

    (2x)^n becomes 2^n x^n and sqrt(999)^n becomes 999^(n/2): a power multiplies these digits by n.
    """
    if expr.is_Rational:
        return math.log10(max(abs(expr.p), expr.q, 1))  # exact enough for any size of int
    if expr.is_Pow and expr.base.is_Rational:  # 3^(100 + y) raised to 10^5 is 3^(10^5 y + 10^7): computed
        return digits(expr.base) * constant_size(expr.exp)
    if expr.is_Mul:
        return sum(digits(factor) for factor in expr.args)
    return 0.0


def constant_size(exponent: sp.Expr) -> float:
    """|the constant term| of an exponent (SymPy splits a^(n + y) into a^n a^y and computes a^n)."""
    try:
        return abs(float(exponent.as_coeff_Add()[0]))
    except (OverflowError, TypeError):
        return math.inf


def checked_size(expr: sp.Expr, column: int) -> sp.Expr:
    """expr itself, unless SymPy multiplied its numbers into one too long to print (over ~1,000 digits)."""
    coefficient = expr.as_coeff_Mul()[0] if expr.is_Mul else expr.as_coeff_Add()[0] if expr.is_Add else expr
    if digits(coefficient) > MAX_RESULT_DIGITS:
        raise ExpressionError("the numbers in the expression are too large (over about 1.8e308)", column)
    return expr


def check_numbers(expr: sp.Expr, column: int) -> None:
    if any(digits(number) > MAX_RESULT_DIGITS for number in expr.atoms(sp.Rational)):
        raise ExpressionError("the numbers in the expression are too large (over about 1.8e308)", column)


Describe = str | Callable[[], str]  # what to call the part in a message; a callable when costly (str(expr))


def _described(what: Describe) -> str:
    return what() if callable(what) else what


def guard(func: Callable[..., sp.Expr], args: Sequence[sp.Expr], column: int, what: Describe) -> None:
    """Refuse func(*args) if it is a constant that is astronomically large or small, or not real, judging it
    built unevaluated (SymPy's evaluation of pi^100000 or sinh(1e5) takes minutes or overflows)."""
    if any(arg.free_symbols for arg in args):
        return  # not a constant: its constant parts were judged when they were built
    problem = constant_problem(func(*args, evaluate=False))
    if problem:
        raise ExpressionError(f"{_described(what)} {problem}", column)


def check_defined(expr: sp.Expr, column: int, what: Describe = "the expression") -> None:
    """Refuse undefined or non-real constants (log(0), tan(pi/2), sqrt(-1)): variables are real here."""
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ExpressionError(f"{_described(what)} is undefined (a division by zero or similar)", column)
    unknown_constant = not expr.free_symbols and approximate(expr) is None  # else guard has judged it
    if expr.has(sp.I) or (unknown_constant and expr.is_extended_real is False):  # sqrt(-1), asin(2)
        raise ExpressionError(f"{_described(what)} is not a real number", column)


def check_exp(exponent: sp.Expr, column: int) -> None:
    """exp(n log(a)) is a^n to SymPy, computed eagerly: bound it like a number power."""
    total = 0.0   # not `digits`: that would hide the function digits() called below
    for term in sp.Add.make_args(exponent):
        coefficient, rest = term.as_coeff_Mul()
        if isinstance(rest, sp.log) and rest.args[0].is_Rational:
            total += abs(float(coefficient)) * digits(rest.args[0])
    if total > MAX_POWER_DIGITS:
        raise ExpressionError("that power is too large to compute exactly", column)


def bounded_power(base: sp.Expr, exponent: sp.Expr, column: int) -> sp.Expr:
    """Build base^exponent, refusing powers whose exact value would be astronomically large."""
    if digits(base) * constant_size(exponent) > MAX_POWER_DIGITS:
        raise ExpressionError("that power is too large to compute exactly", column)
    if exponent.is_Number:
        if not base.is_Number and abs(exponent) > 10**6:
            raise ExpressionError("the exponent is too large (at most a million)", column)
        if base.is_Number and base.is_negative and not exponent.is_integer:
            raise ExpressionError("a negative number to a fractional power is not a real number", column)
        if base == 0 and exponent.is_negative:
            raise ExpressionError("0 to a negative power is a division by zero", column)
        if exponent.is_Rational and exponent.q > MAX_EXACT_DENOMINATOR:
            exponent = sp.Float(exponent, 15)  # x^3.000001: a float exponent keeps SymPy quick
    if base == 0 and exponent.free_symbols:  # SymPy's 0**x differentiates to nan: see ZeroPower
        return ZeroPower(exponent)
    if base == sp.E:
        check_exp(exponent, column)
    guard(sp.Pow, (base, exponent), column, "that power")
    result = sp.Pow(base, exponent)
    check_defined(result, column, "that power")
    return result
