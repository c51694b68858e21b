"""Taylor polynomials T_n of f(x) at a point: T_n(x) = sum f^(k)(a) (x - a)^k / k!, exact (SymPy).

Built from the derivatives themselves rather than SymPy's series, which expands around singular points into
Puiseux or log terms (sqrt(x) at 0) that are not a polynomial, and has no time bound. A derivative that does
not exist at a (relu at 0, a pole) is refused with the order that fails, not shown as a wrong polynomial.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from calclab.engine.calculus import as_number, simplest, successive_derivatives, to_latex, to_text
from calclab.engine.solving import bounded, real_value, smooth_value

MAX_ORDER = 10
SIMPLIFY_SECONDS = 0.1      # CPU time to simplify one coefficient


@dataclass(frozen=True)
class TaylorPolynomial:
    """T_order of f about `center`; coefficients[k] multiplies (x - center)^k. T1 is the tangent line."""

    expression: sp.Expr
    variable: sp.Symbol
    center: sp.Expr
    order: int
    coefficients: tuple[sp.Expr, ...]
    polynomial: sp.Expr

    @property
    def text(self) -> str:
        """SymPy text that plain sympify reads back."""
        return to_text(self.polynomial)

    @property
    def latex(self) -> str:
        return to_latex(self.polynomial)


def check_order(order: int) -> int:
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= MAX_ORDER:
        raise ValueError(f"the order of a Taylor polynomial must be between 0 and {MAX_ORDER}")
    return order


def taylor_polynomial(expr: sp.Expr, variable: sp.Symbol, center: object = 0, order: int = 1) -> TaylorPolynomial:
    """T_order of expr in `variable` about `center` (a number: exact SymPy, int or float). Other variables stay
    symbols in the coefficients. ValueError when f or one of its derivatives up to `order` has no value there."""
    check_order(order)
    a = as_number(center)
    values = [_value_at(expr, variable, a, 0)]
    if order:
        for k, d in enumerate(successive_derivatives(expr, variable, order), start=1):
            values.append(_value_at(d, variable, a, k))
    # simplify's trigsimp can take seconds on a constant like tanh(1/2 + pi/2)^2: bounded, else as computed
    coefficients = tuple(_tidy(v / sp.factorial(k)) for k, v in enumerate(values))
    shift = variable - a
    polynomial = sp.Add(*(c * shift**k for k, c in enumerate(coefficients)))
    return TaylorPolynomial(expr, variable, a, order, coefficients, polynomial)


def _tidy(value: sp.Expr) -> sp.Expr:
    return value if value.is_Number else bounded(simplest, value, seconds=SIMPLIFY_SECONDS, default=value)


def _value_at(d: sp.Expr, x: sp.Symbol, a: sp.Expr, k: int) -> sp.Expr:
    """The k-th derivative d at x = a, or ValueError naming the order that does not exist there."""
    value = smooth_value(d, {x: a})
    if value is None or _undefined(value):
        raise ValueError(_missing(k, a))
    return value


def _undefined(value: sp.Expr) -> bool:
    if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.DiracDelta, sp.I):
        return True
    return not value.free_symbols and real_value(value) is None


def _missing(k: int, a: sp.Expr) -> str:
    what = "f has no value" if k == 0 else f"f has no {_ordinal(k)} derivative"
    return f"{what} at {to_text(a)}, so there is no Taylor polynomial there"


def _ordinal(k: int) -> str:
    return {1: "first", 2: "second", 3: "third"}.get(k, f"{k}th")
