"""compile_function / compile_gradient / point_function: arrays in, float arrays of the right shape out,
non-finite values as nan/inf without a warning (pytest turns warnings into errors), against plain NumPy maths.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from calclab.engine.calculus import variables_of
from calclab.engine.numeric import compile_function, compile_gradient, point_function
from calclab.engine.parsing import parse

x, y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)
GRID = np.linspace(-2.0, 2.0, 9)


def compiled(text: str):
    expr = parse(text)
    return compile_function(expr, variables_of(expr))


# --- shapes ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 2)])
def test_array_in_array_out(shape: tuple[int, ...]) -> None:
    values = np.random.default_rng(0).uniform(-3, 3, size=shape)
    result = compiled("x^2 + sin(x)")(values)
    assert isinstance(result, np.ndarray)
    assert result.shape == shape and result.dtype == np.float64
    np.testing.assert_allclose(result, values**2 + np.sin(values))


def test_two_variables_broadcast() -> None:
    xs, ys = np.meshgrid(np.linspace(-1, 1, 4), np.linspace(0, 2, 3))
    result = compile_function(parse("3x^2 + 2y"), [x, y])(xs, ys)
    assert result.shape == (3, 4)
    np.testing.assert_allclose(result, 3 * xs**2 + 2 * ys)
    result = compile_function(parse("x y"), [x, y])(np.arange(3.0), np.arange(2.0)[:, None])
    assert result.shape == (2, 3)


def test_variable_order_is_the_given_order() -> None:
    f = compile_function(parse("x - y"), [y, x])
    assert float(f(1.0, 5.0)) == 4.0


@pytest.mark.parametrize("shape", [(), (7,), (2, 5)])
def test_constant_broadcasts_to_the_input_shape(shape: tuple[int, ...]) -> None:
    """d/dy of 3x^2 + 2y is the constant 2: lambdify returns a bare 2, the plots need an array."""
    dfdy = sp.diff(parse("3x^2 + 2y"), y)
    assert dfdy == 2
    result = compile_function(dfdy, [x, y])(np.zeros(shape), np.ones(shape))
    assert result.shape == shape and result.dtype == np.float64
    assert np.all(result == 2.0)


def test_constant_with_no_variables() -> None:
    result = compile_function(parse("pi / 2"), [])()
    assert result.shape == () and float(result) == pytest.approx(math.pi / 2)


def test_scalars_and_lists_and_ints() -> None:
    f = compiled("x^2")
    assert f(3).shape == () and float(f(3)) == 9.0
    assert float(f(1.5)) == 2.25
    np.testing.assert_array_equal(f([1, 2, 3]), [1.0, 4.0, 9.0])
    assert f(np.arange(3)).dtype == np.float64


def test_unknown_variable_is_refused() -> None:
    with pytest.raises(ValueError, match="y"):
        compile_function(parse("x + y"), [x])


def test_wrong_number_of_values_is_an_error_not_nan() -> None:
    with pytest.raises(TypeError):
        compile_function(parse("x + y"), [x, y])(1.0)


# --- non-finite results: nan/inf, never a warning or an exception ----------------------------------------------

def test_log_of_negative_and_zero() -> None:
    result = compiled("log(x)")(np.array([-1.0, 0.0, 1.0, math.e]))
    assert math.isnan(result[0]) and result[1] == -np.inf
    np.testing.assert_allclose(result[2:], [0.0, 1.0])


def test_one_over_zero() -> None:
    f = compiled("1/x")
    np.testing.assert_array_equal(f(np.array([-2.0, 0.0, 4.0])), [-0.5, np.inf, 0.25])
    assert float(f(0.0)) == np.inf  # a Python float 0.0: plain Python would raise ZeroDivisionError
    assert float(f(0)) == np.inf


def test_sqrt_of_negative() -> None:
    result = compiled("sqrt(x)")(np.array([-4.0, 4.0]))
    assert math.isnan(result[0]) and result[1] == 2.0


@pytest.mark.parametrize(("text", "at", "expected"), [
    ("exp(x)", 1000.0, np.inf),
    ("x^1000000", 2.0, np.inf),
    ("sinh(x)", 1e5, np.inf),
    ("asin(x)", 2.0, np.nan),
    ("x^x", -0.5, np.nan),
    ("cosh(x) - sinh(x)", 1e5, np.nan),   # inf - inf
    ("log(x) - log(-x)", -1.0, np.nan),
    ("sin(x) / x", 0.0, np.nan),          # 0/0
    ("10^300 x", 1e10, np.inf),
])
def test_overflow_and_undefined(text: str, at: float, expected: float) -> None:
    result = float(compiled(text)(np.array([at]))[0])
    if math.isnan(expected):
        assert math.isnan(result)
    else:
        assert result == expected


def test_number_beyond_float_range_gives_inf_not_nan() -> None:
    f = compile_function(sp.Integer(10) ** 400 * x, [x])
    np.testing.assert_array_equal(f(np.array([1.0, -2.0])), [np.inf, -np.inf])


def test_sigmoid_is_stable_at_the_extremes() -> None:
    values = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    result = compiled("sigmoid(x)")(values)
    assert np.all(np.isfinite(result))
    np.testing.assert_allclose(result, [0.0, 1 / (1 + math.exp(40)), 0.5, 1 / (1 + math.exp(-40)), 1.0], rtol=1e-12)


def test_relu_and_its_derivative() -> None:
    values = np.array([-2.0, -0.5, 0.5, 3.0])
    np.testing.assert_array_equal(compiled("relu(x)")(values), [0.0, 0.0, 0.5, 3.0])
    (slope,) = compile_gradient(parse("relu(x)"), [x])(values)
    np.testing.assert_array_equal(slope, [0.0, 0.0, 1.0, 1.0])


def test_abs_derivative_is_sign() -> None:
    (slope,) = compile_gradient(parse("abs(x)"), [x])(np.array([-3.0, 2.0]))
    np.testing.assert_array_equal(slope, [-1.0, 1.0])


def test_piecewise_derivative_with_a_variable_named_like_numpy() -> None:
    """|x|^3's derivative may print as NumPy's select(...); a variable called select must not shadow it."""
    select = sp.Symbol("select", real=True)
    expr = parse("select abs(x)^3")
    g = compile_gradient(expr, [select, x])
    d_select, d_x = g(2.0, np.array([-1.5, 0.5]))
    np.testing.assert_allclose(d_select, np.abs([-1.5, 0.5]) ** 3)
    np.testing.assert_allclose(d_x, 2.0 * 3 * np.array([-1.5, 0.5]) * np.abs([-1.5, 0.5]))
    assert select in expr.free_symbols


# --- gradient against finite differences -------------------------------------------------------------------

@pytest.mark.parametrize("text", ["3x^2 + 2y", "x y^2 + sin(x y)", "sigmoid(x - 2y)", "log(1 + e^(x y))",
                                  "(x - 1)^2 + 100 (y - x^2)^2"])
def test_compile_gradient_matches_the_chain_rule_by_hand(text: str) -> None:
    expr = parse(text)
    f = compile_function(expr, [x, y])
    g = compile_gradient(expr, [x, y])
    xs, ys = np.meshgrid(np.linspace(-1.5, 1.5, 7), np.linspace(-1.2, 1.3, 5))
    h = 1e-6
    fd_x = (f(xs + h, ys) - f(xs - h, ys)) / (2 * h)
    fd_y = (f(xs, ys + h) - f(xs, ys - h)) / (2 * h)
    grad_x, grad_y = g(xs, ys)
    assert grad_x.shape == grad_y.shape == xs.shape
    np.testing.assert_allclose(grad_x, fd_x, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad_y, fd_y, rtol=1e-5, atol=1e-5)


def test_gradient_constant_partial_broadcasts() -> None:
    grad_x, grad_y = compile_gradient(parse("3x^2 + 2y"), [x, y])(GRID, GRID)
    np.testing.assert_allclose(grad_x, 6 * GRID)
    assert grad_y.shape == GRID.shape and np.all(grad_y == 2.0)


# --- point_function (what the descent stepper takes) ----------------------------------------------------------

def test_point_function() -> None:
    value, grad = point_function(parse("x^2 + 3y"), [x, y])
    assert value(np.array([1.0, 2.0])) == 7.0
    assert isinstance(value(np.array([1.0, 2.0])), float)
    g = grad(np.array([1.0, 2.0]))
    assert isinstance(g, np.ndarray) and g.shape == (2,)
    np.testing.assert_array_equal(g, [2.0, 3.0])


def test_point_function_one_variable_and_non_finite() -> None:
    value, grad = point_function(parse("log(x)"), [x])
    assert value(np.array([math.e])) == pytest.approx(1.0)
    assert math.isnan(value(np.array([-1.0])))
    assert grad(np.array([0.0]))[0] == np.inf


def test_point_function_matches_the_chain_rule_by_hand() -> None:
    value, grad = point_function(parse("sin(x) y^2 + e^(x/2)"), [x, y])
    point = np.array([0.7, -1.3])
    h = 1e-6
    fd = [(value(point + h * e) - value(point - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(grad(point), fd, rtol=1e-6)


# --- compiled in one process, used in another ----------------------------------------------------------------

def _sigmoid(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


@pytest.mark.parametrize("text", ["abs(x)^3", "sigmoid(sigmoid(x)) + relu(x)", "x^(1/3) + pi*e", "log(x)/3", "7"])
def test_a_pickled_function_is_rebuilt_from_source_and_agrees_with_maths(text: str) -> None:
    import pickle

    expr = parse(text)
    variables = variables_of(expr) or [x]
    rebuilt = pickle.loads(pickle.dumps(compile_function(expr, variables)))
    assert rebuilt.expr is None, "the source travels, not the SymPy tree"
    reference = {"abs(x)^3": lambda t: abs(t) ** 3,
                 "sigmoid(sigmoid(x)) + relu(x)": lambda t: _sigmoid(_sigmoid(t)) + max(t, 0.0),
                 "x^(1/3) + pi*e": lambda t: (t ** (1 / 3) if t >= 0 else math.nan) + math.pi * math.e,
                 "log(x)/3": lambda t: math.log(t) / 3 if t > 0 else (-math.inf if t == 0 else math.nan),
                 "7": lambda t: 7.0}[text]
    expected = np.array([reference(float(t)) for t in GRID])
    np.testing.assert_allclose(rebuilt(GRID), expected, rtol=1e-12, equal_nan=True)


def test_a_nested_derivative_compiled_with_shared_subexpressions_matches_the_chain_rule_by_hand() -> None:
    """sigmoid nested 12 deep: its derivative repeats each inner sigmoid, so the code shares them (cse).
    Reference: the product of the links' slopes s(1 - s), each at its own input, in plain floats."""
    depth = 12
    expr = parse("sigmoid(" * depth + "x" + ")" * depth)
    slope = compile_function(sp.diff(expr, x), [x])

    def by_hand(t: float) -> float:
        product = 1.0
        for _ in range(depth):
            s = _sigmoid(t)
            product *= s * (1.0 - s)
            t = s
        return product

    expected = np.array([by_hand(float(t)) for t in GRID])
    np.testing.assert_allclose(slope(GRID), expected, rtol=1e-12)
