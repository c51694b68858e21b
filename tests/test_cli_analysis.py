"""`calclab derive --critical/--taylor` and `calclab gradient --hessian/--direction/--critical`: the JSON read
back with plain sympify and checked against hand computation, numpy.roots and finite differences; one line of
text per feature. (Bad input, exit 2 with one `error:` line, is in test_cli.py's table.)
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

from tests.test_cli import run, run_json


def read(text: str) -> sp.Expr:
    """What a user of the JSON would do: plain sympify, symbols by name."""
    return sp.sympify(text)


X = sp.Symbol("x")


# --- derive --critical --------------------------------------------------------------------------------------

def test_critical_example_from_the_issue(capsys) -> None:
    payload = run_json(capsys, "derive", "x^3 - 3x", "--critical")
    assert payload["critical"] == [{"x": "-1", "kind": "maximum", "f": "2"}, {"x": "1", "kind": "minimum", "f": "-2"}]
    assert payload["inflection"] == [{"x": "0"}]
    assert payload["range"] == [-10.0, 10.0] and payload["critical_notes"] == []
    assert read(payload["derivative"]) == 3 * X**2 - 3          # the derivative is still there


def test_critical_range(capsys) -> None:
    payload = run_json(capsys, "derive", "x^3 - 3x", "--critical", "--range=0,5")
    assert payload["critical"] == [{"x": "1", "kind": "minimum", "f": "-2"}]
    assert payload["range"] == [0.0, 5.0]
    assert run_json(capsys, "derive", "x^3 - 3x", "--critical", "--range", "2,pi")["critical"] == []


def test_critical_numeric_points_read_back(capsys) -> None:
    payload = run_json(capsys, "derive", "x^4 - 3x^2 + x", "--critical")
    reference = np.sort(np.roots([4, 0, -6, 1]).real)
    assert [float(read(p["x"])) for p in payload["critical"]] == pytest.approx(reference, abs=1e-12)
    assert [p["kind"] for p in payload["critical"]] == ["minimum", "maximum", "minimum"]
    assert [float(read(p["f"])) for p in payload["critical"]] == pytest.approx(reference**4 - 3 * reference**2
                                                                              + reference)
    assert [read(p["x"]) for p in payload["inflection"]] == [-sp.sqrt(2) / 2, sp.sqrt(2) / 2]


def test_critical_exact_strings(capsys) -> None:
    payload = run_json(capsys, "derive", "sin(x)", "--critical", "--range=-4,4")
    assert [read(p["x"]) for p in payload["critical"]] == [-sp.pi / 2, sp.pi / 2]
    assert [read(p["x"]) for p in payload["inflection"]] == [-sp.pi, 0, sp.pi]
    assert run_json(capsys, "derive", "x^4", "--critical")["critical"] == [{"x": "0", "kind": "minimum", "f": "0"}]
    payload = run_json(capsys, "derive", "x^3", "--critical")
    assert payload["critical"] == [{"x": "0", "kind": "neither", "f": "0"}] and payload["inflection"] == [{"x": "0"}]


def test_critical_holds_other_variables(capsys) -> None:
    payload = run_json(capsys, "derive", "x^2 - 2 a x", "--wrt", "x", "--critical", "--at", "a=3")
    assert payload["critical"] == [{"x": "3", "kind": "minimum", "f": "-9"}]
    assert payload["value"] is None              # --at did not name x: no value to show, and no error


def test_critical_text(capsys) -> None:
    status, out, err = run(capsys, "derive", "x^3 - 3x", "--critical", "--range=-5,5")
    assert status == 0 and err == ""
    assert out.splitlines()[2:] == ["critical points in [-5, 5]: x = -1 (maximum, f = 2), x = 1 (minimum, f = -2)",
                                    "inflection points in [-5, 5]: x = 0"]
    _, out, _ = run(capsys, "derive", "e^x", "--critical")
    assert out.splitlines()[2:] == ["critical points in [-10, 10]: none", "inflection points in [-10, 10]: none"]


# --- derive --taylor -----------------------------------------------------------------------------------------

def test_taylor_example_from_the_issue(capsys) -> None:
    payload = run_json(capsys, "derive", "sin(x)", "--taylor", "5", "--at", "x=0")
    assert read(payload["taylor"]) == X - X**3 / 6 + X**5 / 120
    assert payload["taylor_at"] == "0" and payload["value"] == 1.0


@pytest.mark.parametrize(("expr", "order", "at", "expected"), [
    ("e^x", 3, "x=0", 1 + X + X**2 / 2 + X**3 / 6),
    ("1/(1-x)", 4, "x=0", 1 + X + X**2 + X**3 + X**4),
    ("e^x", 2, "x=1", sp.E * (1 + (X - 1) + (X - 1) ** 2 / 2)),
    ("x^2", 1, "x=3", 6 * X - 9),                                   # T1 is the tangent line
    ("cos(x)", 0, "x=pi", -1),
    ("sin(x)", 1, "x=pi/4", sp.sqrt(2) / 2 + sp.sqrt(2) / 2 * (X - sp.pi / 4)),
])
def test_taylor_series_by_hand(capsys, expr: str, order: int, at: str, expected: sp.Expr) -> None:
    payload = run_json(capsys, "derive", expr, "--taylor", str(order), "--at", at)
    assert sp.simplify(read(payload["taylor"]) - expected) == 0


def test_taylor_defaults_to_zero_and_prints_one_line(capsys) -> None:
    status, out, _ = run(capsys, "derive", "e^x", "--taylor", "2")
    assert status == 0
    assert out.splitlines()[2] == "T2 about x = 0: x**2/2 + x + 1"
    assert len(out.splitlines()) == 3


# --- gradient --hessian / --direction / --critical ------------------------------------------------------------

def test_hessian_example_from_the_issue(capsys) -> None:
    payload = run_json(capsys, "gradient", "x^2 - y^2", "--at", "x=0", "y=0", "--hessian")
    assert payload["hessian"] == [["2", "0"], ["0", "-2"]]
    assert [read(e) for e in payload["eigenvalues"]] == [-2, 2]
    assert payload["kind"] == "saddle"
    assert payload["eigenvectors"] == [[0.0, 1.0], [1.0, 0.0]]


@pytest.mark.parametrize(("expr", "kind"), [("x^2 + y^2", "minimum"), ("-x^2 - y^2", "maximum"),
                                            ("x^2 - y^2", "saddle"), ("x^4 + y^4", "degenerate")])
def test_hessian_kinds(capsys, expr: str, kind: str) -> None:
    assert run_json(capsys, "gradient", expr, "--at", "x=0", "y=0", "--hessian")["kind"] == kind


def test_hessian_matches_finite_differences(capsys) -> None:
    payload = run_json(capsys, "gradient", "x y^2 + sin(x y)", "--at", "x=0.5", "y=-1.5", "--hessian")
    assert payload["kind"] == "not critical"
    import mpmath

    def f(a, b):
        return a * b**2 + mpmath.sin(a * b)

    with mpmath.workdps(40):          # second differences of f itself, at 40 digits
        h, a, b = mpmath.mpf("1e-8"), mpmath.mpf("0.5"), mpmath.mpf("-1.5")
        fxx = (f(a + h, b) - 2 * f(a, b) + f(a - h, b)) / h**2
        fyy = (f(a, b + h) - 2 * f(a, b) + f(a, b - h)) / h**2
        fxy = (f(a + h, b + h) - f(a + h, b - h) - f(a - h, b + h) + f(a - h, b - h)) / (4 * h**2)
    got = np.array([[float(read(e)) for e in row] for row in payload["hessian"]])
    assert got == pytest.approx(np.array([[float(fxx), float(fxy)], [float(fxy), float(fyy)]]), rel=1e-9)
    assert sorted(float(read(str(e))) for e in payload["eigenvalues"]) == pytest.approx(np.linalg.eigvalsh(got))


def test_hessian_text(capsys) -> None:
    status, out, _ = run(capsys, "gradient", "x^2 - y^2", "--at", "x=0", "y=0", "--hessian")
    assert status == 0
    assert out.splitlines()[-1] == "Hessian at x=0 y=0: [[2, 0], [0, -2]], eigenvalues -2, 2: saddle"


def test_directional_example_from_the_issue(capsys) -> None:
    payload = run_json(capsys, "gradient", "x^2 + 3y^2", "--at", "x=1", "y=1", "--direction=1,1")
    assert payload["directional"] == pytest.approx(4 * math.sqrt(2), rel=1e-15)       # ∇f = (2, 6), u = (1, 1)/√2
    assert read(payload["directional_exact"]) == 4 * sp.sqrt(2)
    assert payload["direction"] == pytest.approx([math.sqrt(0.5)] * 2)


def test_directional_matches_a_difference_along_u(capsys) -> None:
    payload = run_json(capsys, "gradient", "x e^(x y) - y^3", "--at", "x=0.3", "y=-0.7", "--direction=3,-4")
    u = np.array([0.6, -0.8])

    def f(p: np.ndarray) -> float:
        return p[0] * math.exp(p[0] * p[1]) - p[1] ** 3

    p, h = np.array([0.3, -0.7]), 1e-6
    assert payload["directional"] == pytest.approx((f(p + h * u) - f(p - h * u)) / (2 * h), rel=1e-8)


def test_directional_text(capsys) -> None:
    _, out, _ = run(capsys, "gradient", "x^2 + 3y^2", "--at", "x=1", "y=1", "--direction=1,1")
    assert out.splitlines()[-1] == f"D_u f at x=1 y=1, u = (sqrt(2)/2, sqrt(2)/2): 4*sqrt(2) = {4 * math.sqrt(2)!r}"


def test_gradient_critical(capsys) -> None:
    payload = run_json(capsys, "gradient", "x^3 - 3x + y^2", "--critical", "--range=-3,3")
    assert payload["critical"] == [{"point": ["-1", "0"], "kind": "saddle", "f": "2"},
                                   {"point": ["1", "0"], "kind": "minimum", "f": "-2"}]
    _, out, _ = run(capsys, "gradient", "x^3 - 3x + y^2", "--critical", "--range=-3,3")
    assert out.splitlines()[-1] == ("critical points (x, y) in [-3, 3] each: (-1, 0) saddle, f = 2; "
                                    "(1, 0) minimum, f = -2")


def test_all_gradient_features_at_once(capsys) -> None:
    payload = run_json(capsys, "gradient", "x^2 + 3y^2", "--at", "x=1", "y=1", "--hessian", "--direction=0,1",
                       "--critical")
    assert payload["kind"] == "not critical" and payload["directional"] == 6.0
    assert payload["critical"] == [{"point": ["0", "0"], "kind": "minimum", "f": "0"}]


# --- the real process --------------------------------------------------------------------------------------

def test_process_critical_json(tmp_path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-m", "calclab", "derive", "x^3 - 3x", "--critical", "--range=-5,5",
                             "--json"], capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert result.returncode == 0 and result.stderr == ""
    assert json.loads(result.stdout)["inflection"] == [{"x": "0"}]
