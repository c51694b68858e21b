"""Critical and inflection points of f(x) against independent references: points solved by hand, numpy.roots of
the derivative's coefficients, a plain dense sign-change scan of f' written here, and the kinds a textbook
gives (x^4 is a minimum though f'' = 0; x^3 is neither).
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import sympy as sp

from calclab.engine.critical import (
    INCONCLUSIVE,
    MAX_POINTS,
    MAXIMUM,
    MINIMUM,
    NEITHER,
    CriticalAnalysis,
    critical_points,
)
from calclab.engine.parsing import parse

x = sp.Symbol("x", real=True)


def analyse(text: str, low: float = -10, high: float = 10) -> CriticalAnalysis:
    return critical_points(parse(text), x, (low, high))


def summary(result: CriticalAnalysis) -> list[tuple[sp.Expr, str]]:
    return [(p.exact, p.kind) for p in result.critical]


def test_cubic_by_hand() -> None:
    """x^3 - 3x: f' = 3(x - 1)(x + 1); f'' = 6x is -6 at -1 (maximum, f = 2) and 6 at 1 (minimum, f = -2)."""
    result = analyse("x^3 - 3x")
    assert summary(result) == [(-1, MAXIMUM), (1, MINIMUM)]
    assert [p.f_exact for p in result.critical] == [2, -2]
    assert [p.x for p in result.critical] == [-1.0, 1.0] and [p.f for p in result.critical] == [2.0, -2.0]
    assert [p.exact for p in result.inflection] == [0]
    assert result.exact and result.notes == ()
    assert result.first == 3 * x**2 - 3 and result.second == 6 * x


def test_x4_is_a_minimum_though_f2_is_0() -> None:
    result = analyse("x^4")
    assert summary(result) == [(0, MINIMUM)]
    assert "order 4" in result.critical[0].reason
    assert result.inflection == ()            # f'' = 12x^2 does not change sign


def test_x3_is_neither_and_an_inflection() -> None:
    result = analyse("x^3")
    assert summary(result) == [(0, NEITHER)]
    assert [p.exact for p in result.inflection] == [0]


@pytest.mark.parametrize(("text", "kind"), [("x^6 - x^4", MAXIMUM), ("-x^8", MAXIMUM), ("x^5", NEITHER),
                                            ("x^7 + 1", NEITHER), ("x^10", MINIMUM)])
def test_first_non_zero_derivative_decides(text: str, kind: str) -> None:
    result = analyse(text)
    at_zero = [p for p in result.critical if p.exact == 0]
    assert [p.kind for p in at_zero] == [kind]


def test_x12_is_decided_by_the_sign_change() -> None:
    """The 12th derivative is past the higher-derivative test's reach: f' = 12x^11 goes from - to +."""
    result = analyse("x^12")
    assert summary(result) == [(0, MINIMUM)]
    assert "sign" in result.critical[0].reason


def test_quartic_against_numpy_roots() -> None:
    """x^4 - 3x^2 + x: SymPy's roots of 4x^3 - 6x + 1 are CRootOf (no short closed form): shown as floats."""
    result = analyse("x^4 - 3x^2 + x")
    reference = np.sort(np.roots([4, 0, -6, 1]).real)
    assert [p.x for p in result.critical] == pytest.approx(reference, abs=1e-12)
    second = 12 * reference**2 - 6                                   # f'' by hand
    assert [p.kind for p in result.critical] == [MINIMUM if s > 0 else MAXIMUM for s in second]
    assert [p.f for p in result.critical] == pytest.approx(reference**4 - 3 * reference**2 + reference)
    assert [p.exact for p in result.inflection] == [-sp.sqrt(2) / 2, sp.sqrt(2) / 2]   # 12x^2 - 6 = 0


def dense_roots(f_prime, low: float, high: float, n: int = 2_000_001) -> np.ndarray:
    """An independent reference: sign changes of f' on a grid 500 times finer, midpoint of each bracket."""
    xs = np.linspace(low, high, n)
    values = f_prime(xs)
    change = np.flatnonzero(values[:-1] * values[1:] < 0)
    return (xs[change] + xs[change + 1]) / 2


def test_transcendental_roots_found_numerically() -> None:
    """x cos(x): cos x - x sin x = 0 has no closed form; SymPy gives up and the grid search finds all eight."""
    result = analyse("x cos(x)")
    reference = dense_roots(lambda t: np.cos(t) - t * np.sin(t), -10, 10)
    assert len(reference) == 8
    assert [p.x for p in result.critical] == pytest.approx(reference, abs=1e-5)
    for p in result.critical:
        assert abs(math.cos(p.x) - p.x * math.sin(p.x)) < 1e-12
        assert p.kind == (MAXIMUM if -2 * math.sin(p.x) - p.x * math.cos(p.x) < 0 else MINIMUM)
    assert not result.exact


def test_numeric_double_root_is_found() -> None:
    """f' touches 0 without changing sign (f' = (x - 1.5)^2 e^(sin(x)/10) (3 + (x - 1.5) cos(x)/10), which
    SymPy does not solve): the grid's sign test alone would miss it."""
    result = analyse("(x - 1.5)^3 e^(sin(x)/10)", -3, 3)
    assert not result.exact
    assert [p.x for p in result.critical] == pytest.approx([1.5], abs=1e-7)
    assert result.critical[0].kind == NEITHER


def test_periodic_exact_points() -> None:
    result = analyse("sin(x)", -4, 4)
    assert summary(result) == [(-sp.pi / 2, MINIMUM), (sp.pi / 2, MAXIMUM)]
    assert [p.exact for p in result.inflection] == [-sp.pi, 0, sp.pi]
    assert [p.f_exact for p in result.critical] == [-1, 1]


def test_range_is_closed_and_respected() -> None:
    assert summary(analyse("x^3 - 3x", -1, 0.5)) == [(-1, MAXIMUM)]
    assert summary(analyse("x^3 - 3x", 2, 5)) == []
    assert [p.exact for p in analyse("x^3 - 3x", 0, 5).inflection] == [0]


@pytest.mark.parametrize(("low", "high"), [(1, 1), (2, 1), (math.nan, 1), (0, math.inf), (-1e308, 1e308)])
def test_bad_range(low: float, high: float) -> None:
    with pytest.raises(ValueError, match="range"):
        analyse("x^2", low, high)


def test_corner_decided_by_the_sign_change() -> None:
    result = analyse("abs(x - 1)")
    assert summary(result) == [(1, MINIMUM)]
    assert "sign" in result.critical[0].reason


def test_where_f_has_no_value() -> None:
    result = analyse("x log(x)")                       # defined for x > 0 only
    assert summary(result) == [(sp.exp(-1), MINIMUM)]
    assert result.critical[0].f_exact == -sp.exp(-1)
    assert analyse("1/x").critical == () and analyse("1/x").inflection == ()


def test_poles_are_not_inflections() -> None:
    """tan: f'' = 2 tan(x) sec^2(x) changes sign at k pi (inflections) and at the poles (not points of f)."""
    result = analyse("tan(x)", -4, 4)
    assert result.critical == ()
    assert [p.x for p in result.inflection] == pytest.approx([-math.pi, 0, math.pi], abs=1e-9)


def test_sigmoid_inflection_at_zero() -> None:
    result = analyse("sigmoid(x)")
    assert result.critical == ()
    assert [p.x for p in result.inflection] == pytest.approx([0.0], abs=1e-12)


def test_constant_and_linear() -> None:
    assert "constant" in analyse("5").notes[0] and analyse("5").critical == ()
    linear = analyse("2x + 1")
    assert linear.critical == () and linear.inflection == () and "linear" in linear.notes[0]


def test_flat_stretch_is_a_note() -> None:
    result = analyse("relu(x)")
    assert result.critical == ()
    assert any("f' = 0 on [-10" in note for note in result.notes)


def test_other_variables_need_values() -> None:
    with pytest.raises(ValueError, match="give y a value"):
        critical_points(parse("x y"), x)
    y = sp.Symbol("y", real=True)
    assert summary(critical_points(parse("x^2 - 4x y").subs(y, 1), x)) == [(2, MINIMUM)]


def test_many_points_are_capped_and_quick() -> None:
    start = time.process_time()
    result = analyse("sin(100x)")
    assert len(result.critical) == MAX_POINTS and len(result.inflection) == MAX_POINTS
    assert any("only the first" in note for note in result.notes)
    assert time.process_time() - start < 5
    spacing = np.diff([p.x for p in result.critical])
    assert spacing == pytest.approx(np.full(spacing.shape, math.pi / 100), rel=1e-9)
    assert {p.kind for p in result.critical} == {MINIMUM, MAXIMUM}


@pytest.mark.parametrize("text", ["x^3 - 3x", "x^4 - 3x^2 + x", "x cos(x)", "sigmoid(x) x^2", "e^(-x^2) sin(3x)",
                                  "(x-1)^3 (x+2)^2", "x^5 - x + 1", "abs(x^2 - 4)"])
def test_no_inconclusive_on_smooth_textbook_functions(text: str) -> None:
    result = analyse(text, -5, 5)
    assert all(p.kind != INCONCLUSIVE for p in result.critical)


@pytest.mark.parametrize("text", ["x^4 - 3x^2 + x", "x cos(x)", "e^(-x^2) sin(3x)", "x^2 sin(1/x)"])
def test_every_point_is_a_root_of_f_prime(text: str) -> None:
    expr = parse(text)
    first = sp.lambdify(x, sp.diff(expr, x))
    result = critical_points(expr, x, (-3, 3))
    scale = max(abs(first(t)) for t in np.linspace(-3, 3, 601) if t != 0)
    for p in result.critical:
        assert abs(first(p.x)) <= 1e-9 * scale, (text, p)


def test_results_pickle() -> None:
    import pickle

    result = analyse("x^3 - 3x")
    assert pickle.loads(pickle.dumps(result)) == result


@pytest.mark.parametrize(("text", "kind"), [("x^1000000", MINIMUM), ("(x + 1)^999", NEITHER)])
def test_huge_powers_underflow_floats_but_not_the_answer(text: str, kind: str) -> None:
    """f' underflows to 0.0 on a whole stretch around the point: the sign test asks mpmath, and the stretch is
    reported as too small for floating point, not as f being constant."""
    start = time.process_time()
    result = analyse(text)
    assert [p.kind for p in result.critical] == [kind]
    assert any("too small for floating point" in note for note in result.notes)
    assert not any("constant" in note for note in result.notes)
    assert time.process_time() - start < 5
