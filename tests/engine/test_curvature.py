"""The Hessian at a point and the second-derivative test, against independent references: central finite
differences of f at 60 digits, the eigen-equation H v = λ v checked directly, the textbook kinds of x^2 + y^2,
-x^2 - y^2, x^2 - y^2 and x^4 + y^4, and Himmelblau's function's nine known critical points.
"""

from __future__ import annotations

import itertools
import math
import pickle

import numpy as np
import pytest
import sympy as sp

from calclab.engine.calculus import variables_of
from calclab.engine.curvature import (
    DEGENERATE,
    MAXIMUM,
    MINIMUM,
    NOT_CRITICAL,
    SADDLE,
    critical_points_in_box,
    hessian_at,
)
from calclab.engine.functions import expand_nn
from calclab.engine.parsing import parse

x, y, z = (sp.Symbol(n, real=True) for n in "xyz")
DIGITS = 60


def at(text: str, *point) -> object:
    expr = parse(text)
    return hessian_at(expr, variables_of(expr), point)


@pytest.mark.parametrize(("text", "kind", "eigenvalues"), [
    ("x^2 + y^2", MINIMUM, (2, 2)),
    ("-x^2 - y^2", MAXIMUM, (-2, -2)),
    ("x^2 - y^2", SADDLE, (-2, 2)),
    ("x^4 + y^4", DEGENERATE, (0, 0)),          # Hessian 0: the test does not decide (it is a minimum)
    ("x^3 - y^2", DEGENERATE, (-2, 0)),          # semidefinite with a zero eigenvalue
    ("x^2 y^2 - x^2", DEGENERATE, (-2, 0)),
    ("x^3 + y^2 - z^2", SADDLE, (-2, 0, 2)),     # a zero eigenvalue, but both signs: a saddle all the same
    ("x y", SADDLE, (-1, 1)),
])
def test_kinds_at_the_origin(text: str, kind: str, eigenvalues: tuple) -> None:
    expr = parse(text)
    result = hessian_at(expr, variables_of(expr), [0] * len(variables_of(expr)))
    assert result.kind == kind and result.critical
    assert result.eigenvalues_exact == eigenvalues
    assert result.eigenvalues == tuple(float(e) for e in eigenvalues)


def test_the_example_saddle() -> None:
    result = at("x^2 - y^2", 0, 0)
    assert result.matrix == ((2, 0), (0, -2))
    assert result.matrix_values == ((2.0, 0.0), (0.0, -2.0))
    assert result.gradient == (0, 0) and result.f == 0
    assert result.eigenvectors == ((0.0, 1.0), (1.0, 0.0))     # -2 along y, 2 along x


def test_not_critical_where_the_gradient_is_not_zero() -> None:
    result = at("x^2 + 3y^2", 1, 1)
    assert result.kind == NOT_CRITICAL and not result.critical
    assert result.gradient == (2, 6)
    assert result.eigenvalues_exact == (2, 6)


def finite_difference_hessian(expr: sp.Expr, variables: list, point: list) -> np.ndarray:
    """Second central differences of f itself, values at 60 digits (no derivative of ours involved)."""
    f = expand_nn(expr)
    h = sp.Rational(1, 10**6)
    n = len(variables)

    def value(shift: dict[int, int]) -> sp.Float:
        return f.evalf(DIGITS, subs={v: point[k] + shift.get(k, 0) * h for k, v in enumerate(variables)})

    out = np.zeros((n, n))
    for i, j in itertools.product(range(n), repeat=2):
        if i == j:
            total = value({i: 1}) - 2 * value({}) + value({i: -1})
            out[i, j] = float(total / h**2)
        else:
            total = value({i: 1, j: 1}) - value({i: 1, j: -1}) - value({i: -1, j: 1}) + value({i: -1, j: -1})
            out[i, j] = float(total / (4 * h**2))
    return out


@pytest.mark.parametrize(("text", "point"), [
    ("x y^2 + sin(x y)", [sp.Rational(1, 2), sp.Rational(-3, 2)]),
    ("sigmoid(x - 2y) + x^3 y", [sp.Rational(1, 3), sp.Rational(1, 4)]),
    ("e^(x y) z + log(1 + z^2) + x z^2", [sp.Rational(1, 2), -1, 2]),
    ("(x^2 + y - 11)^2 + (x + y^2 - 7)^2", [1, 2]),
])
def test_hessian_matches_finite_differences(text: str, point: list) -> None:
    expr = parse(text)
    variables = variables_of(expr)
    result = hessian_at(expr, variables, point)
    reference = finite_difference_hessian(expr, variables, point)
    assert np.array(result.matrix_values) == pytest.approx(reference, rel=1e-8, abs=1e-8)
    matrix = np.array(result.matrix_values)
    for value, vector in zip(result.eigenvalues, result.eigenvectors, strict=True):   # H v = λ v, |v| = 1
        assert np.linalg.norm(vector) == pytest.approx(1.0)
        assert matrix @ np.array(vector) == pytest.approx(value * np.array(vector), abs=1e-9)
    assert list(result.eigenvalues) == sorted(result.eigenvalues)
    exact = [e for e in result.eigenvalues_exact if e is not None]
    assert [float(e) for e in exact] == pytest.approx(list(result.eigenvalues)[:len(exact)], rel=1e-12)


def test_exact_irrational_eigenvalues() -> None:
    result = at("x^2 + x y + y^2", 0, 0)                  # [[2, 1], [1, 2]]: 1 and 3
    assert result.eigenvalues_exact == (1, 3) and result.kind == MINIMUM
    result = at("x^2 + 4 x y + y^2", 0, 0)                # [[2, 4], [4, 2]]: -2 and 6
    assert result.kind == SADDLE
    result = at("x^2 + x y", 0, 0)                        # [[2, 1], [1, 0]]: 1 ± √2
    assert result.eigenvalues_exact == (1 - sp.sqrt(2), 1 + sp.sqrt(2)) and result.kind == SADDLE


def test_float_points_give_floats() -> None:
    result = at("x^3 y", 0.5, 1.5)
    assert result.matrix_values == ((4.5, 0.75), (0.75, 0.0))
    assert result.eigenvalues_exact == (None, None)
    assert result.kind == NOT_CRITICAL


@pytest.mark.parametrize(("text", "point", "words"), [
    ("log(x) + y", [0, 1], "no value"),
    ("abs(x) + y^2", [0, 0], "no value"),                 # |x|'' = 2δ(x)
    ("x y", [1], "one per variable"),
    ("x y + z", [1, 2], "one per variable"),
])
def test_refused(text: str, point: list, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        expr = parse(text)
        hessian_at(expr, variables_of(expr), point)


def test_other_variables_need_values() -> None:
    with pytest.raises(ValueError, match="give z a value"):
        hessian_at(parse("x y z"), [x, y], [1, 1])


# --- critical points in a box ----------------------------------------------------------------------------------

def test_cubic_saddle_and_minimum_exactly() -> None:
    found = critical_points_in_box(parse("x^3 - 3x + y^2"), [x, y], [(-3, 3), (-3, 3)])
    assert found.exact
    assert [(p.point, p.kind) for p in found.points] == [((-1, 0), SADDLE), ((1, 0), MINIMUM)]
    assert [p.f for p in found.points] == [2, -2]


def test_four_textbook_kinds_in_a_box() -> None:
    for text, kind in [("x^2 + y^2", MINIMUM), ("-x^2 - y^2", MAXIMUM), ("x^2 - y^2", SADDLE),
                       ("x^4 + y^4", DEGENERATE)]:
        found = critical_points_in_box(parse(text), [x, y], [(-2, 2), (-2, 2)])
        assert [(p.point, p.kind) for p in found.points] == [((0, 0), kind)], text


HIMMELBLAU = {   # the four minima, one maximum and four saddles (Himmelblau 1972; values well known)
    MINIMUM: [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)],
    MAXIMUM: [(-0.270845, -0.923039)],
    SADDLE: [(0.086678, 2.884254), (-3.073026, -0.081353), (3.385154, 0.073852), (-0.127961, -1.953715)],
}


def test_himmelblau_numerically() -> None:
    found = critical_points_in_box(parse("(x^2 + y - 11)^2 + (x + y^2 - 7)^2"), [x, y], [(-5, 5), (-5, 5)])
    assert len(found.points) == 9
    for kind, points in HIMMELBLAU.items():
        mine = sorted(p.point_values for p in found.points if p.kind == kind)
        assert len(mine) == len(points), kind
        for got, expected in zip(mine, sorted(points), strict=True):
            assert got == pytest.approx(expected, abs=1e-5)
    assert all(max(abs(g) for g in p.gradient_values) < 1e-9 for p in found.points)


def test_periodic_function_finds_points_sympy_misses() -> None:
    """sin x cos y in [-3, 3]^2: (±π/2, 0) and (0, ±π/2); SymPy's solve returns only some of them."""
    found = critical_points_in_box(parse("sin(x) cos(y)"), [x, y], [(-3, 3), (-3, 3)])
    kinds = {tuple(round(c, 9) for c in p.point_values): p.kind for p in found.points}
    half = round(math.pi / 2, 9)
    assert kinds == {(-half, 0.0): MINIMUM, (half, 0.0): MAXIMUM, (0.0, -half): SADDLE, (0.0, half): SADDLE}


def test_a_line_of_critical_points_is_a_note() -> None:
    found = critical_points_in_box(parse("(x - y)^2"), [x, y], [(-2, 2), (-2, 2)])
    assert found.points == () and "not isolated" in found.notes[0]


def test_one_and_three_variables() -> None:
    one = critical_points_in_box(parse("x^3 - 3x"), [x], [(-5, 5)])
    assert [(p.point, p.kind) for p in one.points] == [((-1,), MAXIMUM), ((1,), MINIMUM)]
    three = critical_points_in_box(parse("x^2 + y^2 - z^2 + x y"), [x, y, z], [(-1, 1)] * 3)
    assert [(p.point, p.kind) for p in three.points] == [((0, 0, 0), SADDLE)]


@pytest.mark.parametrize("box", [[(-1, 1)], [(1, -1), (0, 1)], [(0, math.inf), (0, 1)]])
def test_bad_box(box: list) -> None:
    with pytest.raises(ValueError):
        critical_points_in_box(parse("x y"), [x, y], box)


def test_results_pickle() -> None:
    result = at("x^2 - y^2", 0, 0)
    assert pickle.loads(pickle.dumps(result)) == result
    found = critical_points_in_box(parse("x^3 - 3x + y^2"), [x, y], [(-3, 3), (-3, 3)])
    assert pickle.loads(pickle.dumps(found)) == found


def test_huge_powers_give_floats_quickly() -> None:
    import time

    start = time.process_time()
    result = at("x^100000 + x y", sp.Rational(1, 2), 1)
    assert result.matrix[0][0].is_Float and result.matrix[0][1] == 1
    assert float(sp.log(result.matrix[0][0], 2)) == pytest.approx(math.log2(100000 * 99999) - 99998)
    assert result.kind == NOT_CRITICAL
    assert time.process_time() - start < 3


def test_regions_of_critical_points_are_a_note() -> None:
    found = critical_points_in_box(parse("relu(x) + relu(y)"), [x, y], [(-5, 5), (-5, 5)])
    assert found.points == () and "not isolated" in found.notes[0]


@pytest.mark.parametrize("text", ["x^1000 + y^2", "sin(x y) + cos(x - y)", "1/(x^2 + y^2)", "log(x) + log(y)",
                                  "sigmoid(x) sigmoid(y)", "abs(x) + abs(y)"])
def test_every_listed_point_is_critical(text: str) -> None:
    """Newton stuck where ∇f ≠ 0 (a flat Hessian), still creeping (x^1000), or at a pole lists nothing."""
    found = critical_points_in_box(parse(text), [x, y], [(-5, 5), (-5, 5)])
    assert all(p.critical for p in found.points)
    first = [sp.lambdify((x, y), sp.diff(expand_nn(parse(text)), v)) for v in (x, y)]
    for p in found.points:
        assert all(abs(float(g(*p.point_values))) < 1e-8 for g in first), (text, p.point)


def test_a_smooth_function_written_with_abs() -> None:
    result = at("abs(x - 1/x)^2 + y^2", 1, 0)            # (x - 1/x)^2 + y^2: f_xx(1, 0) = 8
    assert np.array(result.matrix_values) == pytest.approx(np.array([[8.0, 0.0], [0.0, 2.0]]))
    assert result.kind == MINIMUM
    with pytest.raises(ValueError, match="no value"):
        at("abs(x) + y^2", 0, 0)                             # a real corner: no Hessian
    found = critical_points_in_box(parse("abs(x - 1/x)^2"), [x], [(-3, 3)])
    assert [(round(p.point_values[0], 9), p.kind) for p in found.points] == [(-1.0, MINIMUM), (1.0, MINIMUM)]
