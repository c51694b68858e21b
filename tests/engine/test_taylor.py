"""Taylor polynomials against independent references: the textbook series of sin, exp and 1/(1 - x) written out
by hand and compared by SymPy equality, tangent lines computed by hand, polynomials that must reproduce
themselves, and the remainder shrinking like |x - a|^(n+1) at 50-digit precision.
"""

from __future__ import annotations

import math
import time

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calclab.engine.parsing import parse
from calclab.engine.taylor import MAX_ORDER, taylor_polynomial

x, y = (sp.Symbol(n, real=True) for n in "xy")


def same(a: sp.Expr, b: sp.Expr) -> bool:
    return sp.simplify(sp.expand(a - b)) == 0


@pytest.mark.parametrize("n", range(0, MAX_ORDER + 1))
def test_sin_series(n: int) -> None:
    expected = sum(((-1) ** k * x ** (2 * k + 1) / sp.factorial(2 * k + 1) for k in range(6) if 2 * k + 1 <= n),
                   sp.S.Zero)
    assert same(taylor_polynomial(parse("sin(x)"), x, 0, n).polynomial, expected)


def test_sin_order_5_is_the_textbook_one() -> None:
    t = taylor_polynomial(parse("sin(x)"), x, 0, 5)
    assert t.polynomial == x - x**3 / 6 + x**5 / 120
    assert sp.sympify(t.text) == sp.Symbol("x") - sp.Symbol("x") ** 3 / 6 + sp.Symbol("x") ** 5 / 120


@pytest.mark.parametrize("n", [0, 1, 4, 10])
def test_exp_series(n: int) -> None:
    expected = sum((x**k / sp.factorial(k) for k in range(n + 1)), sp.S.Zero)
    assert same(taylor_polynomial(parse("e^x"), x, 0, n).polynomial, expected)


@pytest.mark.parametrize("n", [0, 3, 7, 10])
def test_geometric_series(n: int) -> None:
    expected = sum((x**k for k in range(n + 1)), sp.S.Zero)
    assert same(taylor_polynomial(parse("1/(1-x)"), x, 0, n).polynomial, expected)


def test_exp_about_one_has_e_in_every_coefficient() -> None:
    t = taylor_polynomial(parse("e^x"), x, 1, 3)
    expected = sp.E * sum(((x - 1) ** k / sp.factorial(k) for k in range(4)), sp.S.Zero)
    assert same(t.polynomial, expected)
    assert t.coefficients == (sp.E, sp.E, sp.E / 2, sp.E / 6)


@pytest.mark.parametrize(("text", "at", "tangent"), [
    ("x^2", 1, 2 * x - 1),                                 # f(1) = 1, f'(1) = 2
    ("sqrt(x)", 4, 2 + (x - 4) / 4),                       # f(4) = 2, f'(4) = 1/4
    ("log(x)", 1, x - 1),
    ("sigmoid(x)", 0, sp.Rational(1, 2) + x / 4),
    ("sin(x)", sp.pi, sp.pi - x),
    ("x abs(x)", 0, sp.S.Zero),                            # differentiable once at the corner: f'(0) = 0
])
def test_first_order_is_the_tangent_line(text: str, at, tangent: sp.Expr) -> None:
    assert same(taylor_polynomial(parse(text), x, at, 1).polynomial, tangent)


def test_order_zero_is_the_value() -> None:
    assert taylor_polynomial(parse("cos(x) + 2"), x, 0, 0).polynomial == 3


def test_exact_center() -> None:
    t = taylor_polynomial(parse("sin(x)"), x, sp.pi / 4, 2)
    r = sp.sqrt(2) / 2
    assert same(t.polynomial, r + r * (x - sp.pi / 4) - r / 2 * (x - sp.pi / 4) ** 2)


def test_float_center() -> None:
    t = taylor_polynomial(parse("x^3"), x, 0.5, 1)
    assert float(t.polynomial.subs(x, 0)) == pytest.approx(0.125 - 0.75 * 0.5)


def test_other_variables_stay_symbols() -> None:
    t = taylor_polynomial(parse("x y^2 + e^(x y)"), x, 0, 2)
    assert same(t.polynomial, 1 + x * y**2 + x * y + x**2 * y**2 / 2)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(-9, 9), min_size=1, max_size=6), st.integers(-3, 3))
def test_a_polynomial_is_its_own_taylor_polynomial(coefficients: list[int], at: int) -> None:
    p = sum((c * x**k for k, c in enumerate(coefficients)), sp.S.Zero)
    degree = len(coefficients) - 1
    assert same(taylor_polynomial(p, x, at, degree).polynomial, p)
    assert same(taylor_polynomial(p, x, at, MAX_ORDER).polynomial, p)


@pytest.mark.parametrize(("text", "at", "n"), [("sigmoid(x)", sp.Rational(3, 10), 4), ("log(1 + x)", 0, 5),
                                               ("atan(x)", 1, 2), ("cos(2x) e^x", -1, 6)])
def test_remainder_shrinks_like_the_next_power(text: str, at, n: int) -> None:
    """f - T_n = O(h^(n+1)): halving h divides the error by about 2^(n+1) (values at 50 digits)."""
    f = parse(text).rewrite(sp.exp)
    t = taylor_polynomial(parse(text), x, at, n).polynomial
    errors = [abs((f - t).evalf(50, subs={x: at + sp.Rational(1, 10) / 2**i})) for i in range(2, 4)]
    assert float(errors[0] / errors[1]) == pytest.approx(2 ** (n + 1), rel=0.2)


@pytest.mark.parametrize(("text", "at", "n", "words"), [
    ("log(x)", 0, 0, "f has no value at 0"),
    ("sqrt(x)", 0, 1, "no first derivative"),
    ("relu(x)", 0, 1, "no first derivative"),
    ("abs(x)", 0, 1, "no first derivative"),
    ("x abs(x)", 0, 2, "no second derivative"),
    ("1/x", 0, 3, "f has no value"),
    ("sqrt(x)", -1, 0, "f has no value at -1"),
])
def test_refused_where_a_derivative_does_not_exist(text: str, at, n: int, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        taylor_polynomial(parse(text), x, at, n)


def test_kinks_elsewhere_do_not_matter() -> None:
    assert same(taylor_polynomial(parse("abs(x)"), x, -2, 3).polynomial, -x)
    assert same(taylor_polynomial(parse("relu(x) x"), x, 1, 2).polynomial, x**2)


@pytest.mark.parametrize("order", [-1, 11, 2.0, True])
def test_order_out_of_range(order) -> None:
    with pytest.raises(ValueError, match="between 0 and 10"):
        taylor_polynomial(parse("x"), x, 0, order)


def test_text_reads_back_and_latex() -> None:
    t = taylor_polynomial(parse("sigmoid(2x)"), x, 0, 3)
    back = sp.sympify(t.text).subs(sp.Symbol("x"), x)
    assert same(back, sp.Rational(1, 2) + x / 2 - x**3 / 6)
    assert "frac" in t.latex


def test_huge_powers_give_short_float_coefficients_quickly() -> None:
    start = time.process_time()
    t = taylor_polynomial(parse("x^1000000"), x, sp.Rational(1, 2), 3)
    assert len(t.text) < 300 and all(c.is_Float for c in t.coefficients)
    assert float(sp.log(t.coefficients[1], 2)) == pytest.approx(math.log2(10**6) - 999999)
    assert time.process_time() - start < 3


def test_a_smooth_function_written_with_abs() -> None:
    """|x - 1/x|^2 is (x - 1/x)^2, smooth at 1; SymPy's derivatives there go through sign(0) = 0 and would give
    f''(1) = 0 instead of 8: the value the neighbours agree on is used."""
    t = taylor_polynomial(parse("abs(x - 1/x)^2"), x, 1, 2)
    assert float(sp.expand(t.polynomial - 4 * (x - 1) ** 2).subs(x, 0.3)) == pytest.approx(0, abs=1e-6)
    assert taylor_polynomial(parse("x abs(x)"), x, 0, 1).polynomial == 0     # exact where SymPy's value agrees


def test_result_pickles_for_the_worker() -> None:
    import pickle

    t = taylor_polynomial(parse("sigmoid(x)"), x, sp.Rational(1, 2), 3)
    assert pickle.loads(pickle.dumps(t)) == t
