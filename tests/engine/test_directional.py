"""The directional derivative D_u f = ∇f·u and its polar profile, against an independent reference: the central
difference of f along the normalised u, evaluated at 100 significant digits.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from calclab.engine.calculus import directional_derivative, directional_profile, variables_of
from calclab.engine.functions import expand_nn
from calclab.engine.parsing import parse

x, y = (sp.Symbol(n, real=True) for n in "xy")
DIGITS = 100


def test_directional_derivative_of_the_example() -> None:
    """x^2 + 3y^2 at (1, 1) along (1, 1): ∇f = (2, 6), u = (1, 1)/√2, so D_u f = 8/√2 = 4√2."""
    result = directional_derivative(parse("x^2 + 3y^2"), [x, y], [1, 1], [1, 1])
    assert result.exact == 4 * sp.sqrt(2)
    assert result.value == pytest.approx(4 * math.sqrt(2), rel=1e-15)
    assert result.direction == (sp.sqrt(2) / 2, sp.sqrt(2) / 2)
    assert result.gradient == (2, 6) and result.gradient_values == (2.0, 6.0)


@pytest.mark.parametrize(("text", "point", "direction"), [
    ("x y^2 + sin(x y)", (sp.Rational(7, 10), sp.Rational(-6, 5)), (3, -4)),
    ("sigmoid(x - 2y) + x^3", (sp.Rational(1, 3), sp.Rational(1, 2)), (-1, 2)),
    ("e^(x y) z + log(1 + z^2)", (sp.Rational(1, 2), -1, 2), (1, 2, -2)),
    ("x^2 + 3y^2", (0.25, -1.5), (0.6, 0.8)),
])
def test_directional_derivative_matches_a_difference_along_u(text: str, point, direction) -> None:
    """(f(p + hu) - f(p - hu)) / 2h at 100 digits, u the normalised direction: an independent reference."""
    expr = parse(text)
    variables = variables_of(expr)
    result = directional_derivative(expr, variables, point, direction)
    length = math.sqrt(sum(float(c) ** 2 for c in direction))
    assert sum(c * c for c in result.direction_values) == pytest.approx(1.0, rel=1e-15)
    h = sp.Rational(1, 10**8)
    f = expand_nn(expr)
    shifted = [{v: sp.nsimplify(p) + sign * h * sp.nsimplify(c) / sp.nsimplify(length)
                for v, p, c in zip(variables, point, direction, strict=True)} for sign in (1, -1)]
    fd = (f.evalf(DIGITS, subs=shifted[0]) - f.evalf(DIGITS, subs=shifted[1])) / (2 * h)
    assert result.value == pytest.approx(float(fd), rel=1e-9)


@pytest.mark.parametrize(("point", "direction", "words"), [((1, 1), (0, 0), "zero vector"),
                                                          ((1, 1), (0.0, 0.0), "zero vector"),
                                                          ((1,), (1, 1), "one per variable"),
                                                          ((1, 1), (1, 1, 1), "one per variable"),
                                                          ((1, "2"), (1, 1), "not a finite number"),
                                                          ((1, math.nan), (1, 1), "not a finite number")])
def test_directional_derivative_refuses(point, direction, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        directional_derivative(parse("x y"), [x, y], point, direction)


def test_directional_derivative_where_the_gradient_has_no_value() -> None:
    with pytest.raises(ValueError, match="f has no value"):
        directional_derivative(parse("log(x) + y"), [x, y], [0, 1], [1, 0])
    with pytest.raises(ValueError, match="no gradient"):
        directional_derivative(parse("sqrt(x) + y"), [x, y], [0, 1], [1, 0])


def test_directional_profile_peaks_along_the_gradient() -> None:
    """|∇f| cos(θ - θ∇): the polar plot's peak is at ∇f's angle with height |∇f|, zero across it."""
    gradient_values = (3.0, 4.0)
    angles = np.linspace(0, 2 * math.pi, 3601)
    profile = directional_profile(gradient_values, angles)
    peak = int(np.argmax(profile))
    assert angles[peak] == pytest.approx(math.atan2(4, 3), abs=2e-3)
    assert profile[peak] == pytest.approx(5.0, rel=1e-6)
    assert directional_profile(gradient_values, [math.atan2(4, 3) + math.pi / 2])[0] == pytest.approx(0, abs=1e-12)
    assert profile.min() == pytest.approx(-5.0, rel=1e-6)
    expr = parse("x^2 + 3y^2")
    for theta in (0.3, 2.0, 4.5):
        along = directional_derivative(expr, [x, y], [1.5, 2 / 3], [math.cos(theta), math.sin(theta)])
        assert directional_profile(along.gradient_values, [theta])[0] == pytest.approx(along.value, rel=1e-12)


def test_result_pickles_for_the_worker() -> None:
    import pickle

    result = directional_derivative(parse("x^2 + 3y^2"), [x, y], [1, 1], [1, 1])
    assert pickle.loads(pickle.dumps(result)) == result
