"""Derivatives, gradients, the chain-rule decomposition and text output, checked against independent references:
central finite differences evaluated at 50 significant digits, hand-written closed forms, and plain sympify.
"""

from __future__ import annotations

import math
import time

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calclab.engine.calculus import (
    NotCompositeError,
    compose_chain,
    decompose_chain,
    derivative,
    find_variable,
    gradient,
    hessian,
    successive_derivatives,
    to_latex,
    to_text,
    variables_of,
)
from calclab.engine.functions import expand_nn, relu, sigmoid
from calclab.engine.parsing import parse

x, y, u, v, a, b, c = (sp.Symbol(n, real=True) for n in ("x", "y", "u", "v", "a", "b", "c"))
POINTS = [sp.Rational(3, 10), sp.Rational(-17, 10), sp.Integer(2), sp.Rational(-1, 4)]


DIGITS = 100


def value(expr: sp.Expr, at: dict) -> float:
    """expr at a point, to 100 digits (sigmoid and relu written out, so SymPy's own evalf does the work)."""
    return float(expand_nn(expr).evalf(DIGITS, subs=at))


def finite_difference(expr: sp.Expr, wrt: sp.Symbol, at: dict, order: int = 1, h: sp.Rational | None = None) -> float:
    """The central difference of the given order with values at 100 digits, so h^order cancels cleanly
    (truncation error ~ h^2). evalf, not exact arithmetic: (x+1)^1000000 at a rational would be huge."""
    if h is None:
        h = sp.Rational(1, 10**7) if order <= 2 else sp.Rational(1, 10**5)
    f = expand_nn(expr)
    total = sp.Float(0, DIGITS)
    for k in range(order + 1):
        shifted = {**at, wrt: at[wrt] + (sp.Rational(order, 2) - k) * h}
        total += (-1) ** k * sp.binomial(order, k) * f.evalf(DIGITS, subs=shifted)
    return float(total / sp.Float(h, DIGITS) ** order)


def assert_matches_fd(expr: sp.Expr, result: sp.Expr, wrt: sp.Symbol, at: dict, order: int = 1) -> None:
    expected = finite_difference(expr, wrt, at, order)
    assert value(result, at) == pytest.approx(expected, rel=1e-6, abs=1e-8), (expr, at)


# --- derivatives against finite differences ----------------------------------------------------------------

FD_CASES = [
    ("x^2", "x", 1),
    ("3x^2 + 2y", "x", 1),
    ("3x^2 + 2y", "y", 1),
    ("x y^2 + sin(x y)", "x", 1),
    ("x y^2 + sin(x y)", "y", 1),
    ("sigmoid(x)", "x", 1),
    ("sigmoid(3x - 1)", "x", 1),
    ("log(1 + e^(2x))", "x", 1),
    ("exp(-x^2/2)", "x", 1),
    ("x^x", "x", 1),
    ("atan(x) + tanh(x) + sqrt(1 + x^2)", "x", 1),
    ("x/(x^2 + 1)", "x", 1),
    ("2^x cos(x)", "x", 1),
    ("sin(x)", "x", 4),
    ("exp(-x^2)", "x", 2),
    ("sigmoid(x)", "x", 2),
    ("tanh(x)", "x", 3),
    ("x^5 - 3x^2", "x", 3),
    ("x y^2 + sin(x y)", "y", 2),
]


@pytest.mark.parametrize(("text", "wrt", "order"), FD_CASES)
def test_derivative_matches_finite_differences(text: str, wrt: str, order: int) -> None:
    expr = parse(text)
    var = find_variable(wrt, expr)
    result = derivative(expr, var, order)
    others = [s for s in variables_of(expr) if s != var]
    for i, p in enumerate(POINTS):
        if text == "x^x" and p < 0:
            continue  # x^x is real for x > 0 only
        at = {var: p, **{s: POINTS[(i + 1 + j) % len(POINTS)] for j, s in enumerate(others)}}
        assert_matches_fd(expr, result, var, at, order)


@pytest.mark.parametrize(("text", "wrt", "order", "expected"), [
    ("x^2", x, 1, 2 * x),
    ("3x^2 + 2y", x, 1, 6 * x),
    ("3x^2 + 2y", y, 1, sp.Integer(2)),
    ("abs(x)", x, 1, sp.sign(x)),
    ("relu(x)", x, 1, sp.Heaviside(x)),
    ("sin(x)", x, 4, sp.sin(x)),
    ("x^5 - 3x^2", x, 3, 60 * x**2),
    ("exp(-x^2)", x, 2, (4 * x**2 - 2) * sp.exp(-x**2)),
    ("sigmoid(x)", x, 1, sigmoid(x) * (1 - sigmoid(x))),
    ("x", y, 1, sp.Integer(0)),
])
def test_derivative_closed_forms(text: str, wrt: sp.Symbol, order: int, expected: sp.Expr) -> None:
    assert sp.simplify(derivative(parse(text), wrt, order) - expected) == 0


@pytest.mark.parametrize("p", [sp.Rational(-5, 2), sp.Rational(-1, 3), sp.Rational(1, 7), sp.Integer(3)])
def test_kinks_away_from_zero(p: sp.Rational) -> None:
    """relu' and |x|' are steps: check them off the kink against finite differences."""
    for text in ("relu(x)", "abs(x)", "relu(2x - 1) + abs(x^2 - 1)"):
        expr = parse(text)
        assert_matches_fd(expr, derivative(expr, x), x, {x: p})


def test_derivative_is_real_symbol_aware() -> None:
    assert derivative(parse("abs(x)"), x) == sp.sign(x)


@pytest.mark.parametrize("order", [0, 11, -1])
def test_derivative_order_out_of_range(order: int) -> None:
    with pytest.raises(ValueError):
        derivative(parse("x^2"), x, order)


@pytest.mark.parametrize(("text", "order"), [("(x+1)^1000", 1), ("sin(x)^1000000", 1), ("(x+1)^1000000", 2),
                                             ("sigmoid(x)", 10), ("tanh(x)", 10)])
def test_derivative_of_big_powers_and_high_orders_is_quick(text: str, order: int) -> None:
    expr = parse(text)
    start = time.perf_counter()
    result = derivative(expr, x, order)
    assert time.perf_counter() - start < 3.0
    assert_matches_fd(expr, result, x, {x: sp.Rational(1, 5) if "sin" not in text else sp.Rational(3, 2)}, order)


def test_exploding_high_order_is_refused_quickly() -> None:
    expr = parse("sin(" * 30 + "x" + ")" * 30)
    start = time.perf_counter()
    with pytest.raises(ValueError, match="too large"):
        derivative(expr, x, 3)
    assert time.perf_counter() - start < 3.0


# --- gradient, hessian, variables ------------------------------------------------------------------------------

def test_variables_sorted_by_name() -> None:
    assert variables_of(parse("b x + a y + c")) == [a, b, c, x, y]
    assert [s.name for s in variables_of(parse("x10 + x2 + theta"))] == ["theta", "x10", "x2"]
    assert variables_of(parse("2 + pi")) == []


def test_gradient_in_name_order() -> None:
    grad = gradient(parse("b x + a y + c"))
    assert grad == [y, x, sp.Integer(1), b, a]  # d/da, d/db, d/dc, d/dx, d/dy


def test_gradient_of_3x2_2y() -> None:
    assert gradient(parse("3x^2 + 2y")) == [6 * x, sp.Integer(2)]


def test_gradient_with_explicit_variables() -> None:
    assert gradient(parse("x y^2"), [y, x]) == [2 * x * y, y**2]


def test_gradient_matches_finite_differences() -> None:
    expr = parse("x y^2 + sin(x y) + sigmoid(x - y)")
    grad = gradient(expr)
    at = {x: sp.Rational(7, 10), y: sp.Rational(-6, 5)}
    for var, partial in zip([x, y], grad, strict=True):
        assert_matches_fd(expr, partial, var, at)


def test_hessian_closed_form() -> None:
    assert hessian(parse("x^2 y + y^3")) == sp.Matrix([[2 * y, 2 * x], [2 * x, 6 * y]])


def test_hessian_matches_finite_differences_of_the_gradient() -> None:
    expr = parse("x y^2 + sin(x y)")
    matrix = hessian(expr)
    at = {x: sp.Rational(1, 2), y: sp.Rational(-3, 2)}
    for i, first in enumerate([x, y]):
        partial = sp.diff(expand_nn(expr), first)
        for j, second in enumerate([x, y]):
            assert value(matrix[i, j], at) == pytest.approx(finite_difference(partial, second, at), rel=1e-6)


# --- successive derivatives ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["sin(x) e^x", "sigmoid(2x)", "x^7 - 3x", "log(1 + x^2)"])
def test_successive_derivatives_match_sympy(text: str) -> None:
    expr = parse(text)
    for order, d in enumerate(successive_derivatives(expr, x, 6), start=1):
        assert sp.simplify(expand_nn(d) - sp.diff(expand_nn(expr), x, order)) == 0


def test_successive_derivatives_refuse_explosions() -> None:
    nest = "x"
    for _ in range(30):
        nest = f"sin({nest})"
    with pytest.raises(ValueError, match="too large"):
        list(successive_derivatives(parse(nest), x, 10))


def test_find_variable() -> None:
    expr = parse("3x^2 + 2y")
    assert find_variable("x", expr) is not None and find_variable("x", expr) == x
    assert find_variable("z", expr) == sp.Symbol("z", real=True)
    assert derivative(expr, find_variable("z", expr)) == 0


# --- chain rule ------------------------------------------------------------------------------------------------

w = sp.Symbol("w", real=True)
CHAINS = {
    "(2x+3)^2": [("y", "u", u**2), ("u", "x", 2 * x + 3)],
    "sin(x^2)": [("y", "u", sp.sin(u)), ("u", "x", x**2)],
    "exp(-x^2/2)": [("y", "u", sp.exp(u)), ("u", "x", -x**2 / 2)],
    "sigmoid(3x - 1)": [("y", "u", sigmoid(u)), ("u", "x", 3 * x - 1)],
    "log(1 + e^(2x))": [("y", "u", sp.log(u)), ("u", "v", sp.exp(v) + 1), ("v", "x", 2 * x)],
    "sin((2x+3)^2)": [("y", "u", sp.sin(u)), ("u", "v", v**2), ("v", "x", 2 * x + 3)],
}


@pytest.mark.parametrize("text", list(CHAINS))
def test_chain_links(text: str) -> None:
    chain = decompose_chain(parse(text))
    expected = CHAINS[text]
    assert len(chain.links) == len(expected)
    assert chain.links[0].output.name == "y"
    assert chain.links[-1].input == x
    for link, (output, input_, function) in zip(chain.links, expected, strict=True):
        assert (link.output.name, link.input.name) == (output, input_)
        assert link.function == function
        assert sp.simplify(link.derivative - sp.diff(function, link.input)) == 0
        assert link.input.is_real and link.output.is_real


@pytest.mark.parametrize("text", list(CHAINS))
def test_chain_product_is_the_derivative(text: str) -> None:
    expr = parse(text)
    chain = decompose_chain(expr)
    product = chain.product()
    for p in POINTS:  # numerically, against finite differences of the original expression
        assert value(product, {x: p}) == pytest.approx(finite_difference(expr, x, {x: p}), rel=1e-6, abs=1e-9)
    assert sp.simplify(product - sp.diff(expr, x)) == 0
    assert sp.simplify(chain.derivative() - sp.diff(expr, x)) == 0


@pytest.mark.parametrize("text", list(CHAINS))
def test_chain_links_compose_back_to_the_expression(text: str) -> None:
    chain = decompose_chain(parse(text))
    composed = chain.links[-1].function
    for link in reversed(chain.links[:-1]):
        composed = link.function.subs(link.input, composed)
    assert sp.simplify(composed - chain.expression) == 0
    assert chain.inner_values()[0] == chain.links[1].function.subs(chain.links[1].input, chain.inner_values()[1])


@pytest.mark.parametrize(("text", "rule"), [("x sin(x)", "product rule"), ("x + sin(x)", "sum rule"),
                                            ("sin(x) sin(x^2)", "product rule"), ("e^x + e^(2x)", "sum rule")])
def test_not_composite(text: str, rule: str) -> None:
    with pytest.raises(NotCompositeError) as info:
        decompose_chain(parse(text))
    assert rule in str(info.value)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_chain_needs_one_variable() -> None:
    with pytest.raises(ValueError):
        decompose_chain(parse("5"))
    with pytest.raises(ValueError):
        decompose_chain(parse("sin(x y)"))


def test_compose_chain() -> None:
    chain = compose_chain(parse("u^2"), parse("2x+3"))
    assert sp.expand(chain.derivative()) == 8 * x + 12
    assert chain.expression == (2 * x + 3) ** 2
    assert [(link.output.name, link.input.name) for link in chain.links] == [("y", "u"), ("u", "x")]
    for p in POINTS:
        assert value(chain.product(), {x: p}) == pytest.approx(finite_difference(chain.expression, x, {x: p}))


def test_compose_chain_outer_must_be_in_u() -> None:
    with pytest.raises(ValueError, match="written in u"):
        compose_chain(parse("x^2"), parse("2x"))


def test_compose_chain_with_inner_also_in_u() -> None:
    """--outer u^2 --inner u+1: the link variable is renamed so no link reads u = u + 1."""
    chain = compose_chain(parse("u^2"), parse("u + 1"))
    assert all(link.output != link.input for link in chain.links)
    assert sp.expand(chain.derivative() - 2 * (u + 1)) == 0


# --- text and LaTeX ------------------------------------------------------------------------------------------

def _read_back(text: str) -> sp.Expr:
    """Plain sympify (what a user of the CLI's JSON would do), with its plain symbols made real by name."""
    back = sp.sympify(text)
    return back.subs({s: sp.Symbol(s.name, real=True) for s in back.free_symbols})


@pytest.mark.parametrize("text", ["3x^2 + 2y", "sigmoid(x)", "relu(x)", "sigmoid(3x-1) relu(y)", "abs(x) + e^x",
                                  "log(1 + e^(2x))", "x1 theta^2", "pi r^2", "2^(1/3) x"])
def test_to_text_reads_back_with_plain_sympify(text: str) -> None:
    expr = parse(text)
    back = _read_back(to_text(expr))
    written_out = expr.replace(sigmoid, lambda arg: 1 / (1 + sp.exp(-arg))).replace(relu, lambda arg: sp.Max(0, arg))
    assert sp.simplify(back - written_out) == 0
    for p in POINTS:  # and as numbers, against our own parse of the original
        at = {s: p for s in expr.free_symbols}
        assert float(back.subs({sp.Symbol(s.name, real=True): q for s, q in at.items()})) == pytest.approx(
            value(expr, at))


@pytest.mark.parametrize("text", ["sigmoid(x)", "relu(x)", "abs(x)", "sigmoid(2x) relu(x)"])
def test_to_text_of_derivatives_reads_back(text: str) -> None:
    expr = parse(text)
    result = derivative(expr, x)
    back = _read_back(to_text(result))
    for p in (sp.Rational(-3, 2), sp.Rational(1, 3), sp.Integer(2)):
        assert float(back.subs(x, p)) == pytest.approx(finite_difference(expr, x, {x: p}), rel=1e-6, abs=1e-9)
    assert "sigmoid" not in to_text(result) and "relu" not in to_text(result)


def test_to_latex() -> None:
    assert r"\sigma" in to_latex(parse("sigmoid(x)"))
    assert "ReLU" in to_latex(parse("relu(x)"))
    assert to_latex(parse("x^2")) == "x^{2}"


# --- property: derivatives of random expressions against finite differences ----------------------------------

_smooth_functions = st.sampled_from(["sin", "cos", "exp", "log", "sqrt", "sigmoid", "tanh", "atan", "sinh"])
_leaves = st.sampled_from(["x", "2", "3", ".5", "e", "pi", "x", "x"])


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(
        lambda t: f"({t[0]}){t[1]}({t[2]})")
    power = st.tuples(children, st.sampled_from(["2", "3", "-1", "(1/2)"])).map(lambda t: f"({t[0]})^{t[1]}")
    call = st.tuples(_smooth_functions, children).map(lambda t: f"{t[0]}({t[1]})")
    return binary | power | call


random_expressions = st.recursive(_leaves, _combine, max_leaves=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_expressions, st.sampled_from([sp.Rational(7, 10), sp.Rational(-13, 10), sp.Rational(23, 10)]))
def test_random_derivatives_match_finite_differences(text: str, point: sp.Rational) -> None:
    try:
        expr = parse(text)
    except ValueError:
        return
    if x not in expr.free_symbols:
        assert derivative(expr, x) == 0
        return
    result = derivative(expr, x)
    try:
        coarse = finite_difference(expr, x, {x: point})
        fine = finite_difference(expr, x, {x: point}, h=sp.Rational(1, 10**9))
        exact = complex(expand_nn(result).evalf(30, subs={x: point}))
    except (TypeError, ValueError):  # undefined at the point (zoo, nan)
        return
    finite = all(math.isfinite(v) and abs(v) < 1e8 for v in (coarse, fine))
    if not finite or abs(exact.imag) > 1e-12 or abs(coarse - fine) > 1e-6 * max(1.0, abs(fine)):
        return  # off the real domain, or too close to a singularity for a finite difference to judge
    assert exact.real == pytest.approx(fine, rel=1e-6, abs=1e-8), text


def test_chain_names_never_clash_with_the_variable() -> None:
    """The outermost output is y, or f when the variable is itself y; no link reuses the variable's name."""
    for text, first in [("sin(y^2)", "f"), ("sin((2u+3)^2)", "y"), ("exp(v^2) ", "y")]:
        expr = parse(text)
        chain = decompose_chain(expr)
        variable = chain.variable.name
        assert chain.links[0].output.name == first
        names = [link.output.name for link in chain.links] + [link.input.name for link in chain.links[:-1]]
        assert variable not in names
        assert chain.links[-1].input.name == variable
        assert sp.simplify(chain.product() - sp.diff(expr, chain.variable)) == 0


def test_successive_derivatives_write_out_derivatives_of_sign() -> None:
    """SymPy leaves d/dx sign(x - 1/x) unevaluated (it cannot tell the argument is real at 0); NumPy has no code
    for that, so it is written out as 2 δ(u) u'."""
    second = list(successive_derivatives(parse("abs(x - 1/x)^2"), x, 3))[1:]
    assert not any(d.has(sp.Derivative) for d in second)
    assert all(d.has(sp.DiracDelta) for d in second)
