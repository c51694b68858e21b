"""Mathematical edge cases from the robustness issue (14): e^(a + log b), 0^x, values past float range, a
training run whose clamped loss blows up without overflowing, and an empty --wrt.

References are independent of the code under test: hand values (the derivative of 2e^x is 2e^x, e^(2 ln 3) = 9,
0^x = 0 for x > 0), exact integer arithmetic (10^6 * 2^999999), mpmath at high precision, and finite differences.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal

import numpy as np
import pytest
import sympy as sp

from calclab import cli
from calclab.engine.backprop import diverged_by_loss, train_headless
from calclab.engine.calculus import decompose_chain, derivative, to_text
from calclab.engine.descent import Descent
from calclab.engine.graph import build_graph
from calclab.engine.numeric import compile_function, point_function, value_at
from calclab.engine.parsing import ExpressionError, parse
from calclab.engine.steps import derivation_steps, steps_as_text

x = sp.Symbol("x", real=True)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def run_json(capsys, *argv: str) -> dict:
    status, out, err = run(capsys, *argv, "--json")
    assert status == 0, err
    return json.loads(out)


def central_difference(text: str, at: float, h: float = 1e-6) -> float:
    f = compile_function(parse(text), [x])
    return float((f(at + h) - f(at - h)) / (2 * h))


# --- e^(a + log b): check_exp's local variable hid the function digits() ----------------------------------------

@pytest.mark.parametrize(("text", "hand"), [
    ("exp(x+log(2))", 2 * sp.exp(x)),        # e^x e^(ln 2)
    ("e^(x + ln(3))", 3 * sp.exp(x)),
    ("e^(2 log(3))", sp.Integer(9)),         # (e^(ln 3))^2
])
def test_exp_of_a_sum_with_a_log_parses_to_its_hand_value(text: str, hand: sp.Expr, capsys) -> None:
    assert sp.simplify(parse(text) - hand) == 0
    payload = run_json(capsys, "derive", text, "--at", "x=0.5")
    assert payload["derivative"] == to_text(sp.diff(hand, x))
    assert payload["value"] == pytest.approx(float(sp.diff(hand, x).subs(x, 0.5)), rel=1e-12)
    if hand.free_symbols:
        assert payload["value"] == pytest.approx(central_difference(text, 0.5), rel=1e-6)


def test_exp_of_a_huge_log_is_still_refused_as_too_large() -> None:
    with pytest.raises(ExpressionError, match="too large to compute exactly"):
        parse("e^(1000 log(10))")          # 10^1000: past float range, computed eagerly by SymPy


# --- 0^x: SymPy's own derivative is 0^x log(0) = nan --------------------------------------------------------------

def test_zero_to_the_x_keeps_its_values() -> None:
    f = compile_function(parse("0^x"), [x])
    assert f(np.array([2.0, 0.5, 0.0])).tolist() == [0.0, 0.0, 1.0]   # 0^2, 0^0.5, and 0^0 = 1
    assert not np.isfinite(f(-1.0))                                    # 0^-1 = 1/0


@pytest.mark.parametrize("text", ["0^x", "0^(2x+1)", "3*0^x", "x*0^x", "(0^x)^2", "sin(x)*0^x", "x + 0^x"])
def test_derivatives_with_zero_to_a_power_never_show_nan(text: str, capsys) -> None:
    expr = parse(text)
    for order in (1, 2):
        result = derivative(expr, x, order)
        assert not result.has(sp.nan, sp.zoo) and "nan" not in to_text(result)
    payload = run_json(capsys, "derive", text, "--at", "x=2")
    assert "nan" not in payload["derivative"] and "nan" not in payload["latex"]
    assert payload["value"] == pytest.approx(central_difference(text, 2.0), abs=1e-6)


@pytest.mark.parametrize(("text", "where"), [("0^x", -1.0), ("0^x", 0.0), ("0^(2x+1)", -0.5), ("x*0^x", -2.0)])
def test_derivative_of_zero_to_a_power_is_undefined_where_the_exponent_is_not_positive(text, where, capsys):
    # 0^x jumps from 1 (x = 0) to 0 (x > 0) and is 1/0 for x < 0: no derivative at any x <= 0.
    payload = run_json(capsys, "derive", text, "--at", f"x={where}")
    assert payload["value"] is None and payload["exact"] is None
    assert "undefined" in run(capsys, "derive", text, "--at", f"x={where}")[1]


def test_chain_rule_through_zero_to_a_power_matches_without_nan(capsys) -> None:
    for text in ("0^x", "0^(2x+1)"):
        status, out, err = run(capsys, "chain", text)
        assert status == 0 and "nan" not in out
        assert "check: matches the direct derivative" in out
    chain = decompose_chain(parse("0^(2x+1)"))
    assert [link.function for link in chain.links][1] == 2 * x + 1
    assert float(compile_function(chain.derivative(), [x])(1.0)) == 0.0


def test_descent_on_zero_to_the_x_from_one_stops_on_a_zero_gradient(capsys) -> None:
    f, grad = point_function(parse("0^x"), [x])
    assert grad(np.array([1.0])).tolist() == [0.0]          # 0^x is 0 all around x = 1
    assert np.isnan(grad(np.array([0.0]))).all()
    run_ = Descent(f, grad, [1.0], lr=0.1, epochs=5)
    run_.run()
    assert run_.status in ("converged", "completed") and "undefined" not in run_.message
    status, out, err = run(capsys, "descent", "0^x", "--x0", "1")
    assert status == 0 and err == "" and "not defined" not in out


def test_steps_and_graph_take_zero_to_a_power() -> None:
    steps = "\n".join(steps_as_text(derivation_steps(parse("0^(x^2 - 1)"), x)))
    assert "nan" not in steps and "Power of zero" in steps
    graph = build_graph(parse("0^(2x+1)"))
    assert graph.nodes[-1].label == "0^"


def test_zero_to_a_power_prints_and_reads_back() -> None:
    assert to_text(parse("0^x")) == "0**x"
    assert to_text(parse("(0^x)^2")) == "(0**x)**2"
    assert sp.sympify(to_text(parse("(0^x)^2"))).subs("x", 1) == 0
    assert parse("0^2") == 0 and parse("0^0") == 1


# --- values past float range are not undefined ----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "at", "reference"), [
    ("x^2", "1e308", 2 * Decimal(1e308)),                          # d/dx x^2 = 2x, at the float nearest 1e308
    ("exp(x)", "1000", Decimal(1000).exp()),                      # Decimal's own exp, not mpmath's
    ("x^1000000", "2", Decimal(10**6 * 2**999_999)),             # exact integer arithmetic
])
def test_a_derivative_past_float_range_is_too_large_not_undefined(text, at, reference, capsys) -> None:
    payload = run_json(capsys, "derive", text, "--at", f"x={at}")
    assert payload["value"] is None
    assert Decimal(payload["exact"]) == pytest.approx(reference, rel=Decimal("1e-13"))
    status, out, err = run(capsys, "derive", text, "--at", f"x={at}")
    assert status == 0 and "too large for a float" in out and "undefined" not in out


def test_value_at_tells_overflow_from_undefined() -> None:
    assert value_at(parse("1/x"), [x], [0.0]).kind == "undefined"
    assert value_at(parse("log(x)"), [x], [-1.0]).kind == "undefined"
    assert value_at(parse("sqrt(x)"), [x], [-4.0]).kind == "undefined"
    assert value_at(parse("-exp(x)"), [x], [1000.0]).exact.startswith("-1.97007111401705e+434")
    # Floats give inf/inf = nan here; the value is 1/(1 + e^-1000), which a float holds.
    recovered = value_at(parse("exp(x)/(1 + exp(x))"), [x], [1000.0])
    assert recovered.kind == "number" and recovered.value == 1.0
    assert value_at(parse("exp(exp(x))"), [x], [1000.0]).kind == "out of reach"   # e^(1.97e434): not computed


def test_gradient_past_float_range(capsys) -> None:
    payload = run_json(capsys, "gradient", "x^2 + y^2", "--at", "x=1e308", "y=1")
    assert payload["value"] == [None, 2.0]
    assert Decimal(payload["exact"][0]) == pytest.approx(2 * Decimal(1e308), rel=Decimal("1e-13"))


# --- backprop: a clamped loss that blows up ---------------------------------------------------------------------

@pytest.mark.parametrize(("losses", "expected"), [
    ([0.7] + [50.0] * 9, True),                       # the last epoch (10% of 10) above 10x the start
    ([0.7] + [50.0] * 18 + [5.0], False),             # the last 2 of 20: one is below 7
    ([0.7, 0.5, 0.3, 0.1], False),                    # learning
    ([0.7, 8.0], True),
    ([0.7], False),
    ([0.7, 0.6, math.inf], True),                     # overflow
    ([0.7, math.nan], True),
    ([], False),
    ([0.0, 1.0], False),                              # no start to compare with
])
def test_diverged_by_loss_by_hand(losses: list[float], expected: bool) -> None:
    assert diverged_by_loss(losses) is expected


def test_xor_at_learning_rate_1000_is_reported_as_diverged(capsys) -> None:
    result = train_headless("xor", sizes=(2, 4, 1), activation="tanh", lr=1000, epochs=200)
    assert all(math.isfinite(v) for v in result["losses"])      # bce is clamped: no overflow to catch
    assert result["losses"][-1] > 10 * result["losses"][0]
    assert result["diverged"] is True and "smaller learning rate" in result["message"]
    payload = run_json(capsys, "backprop", "--lr", "1000", "--epochs", "200")
    assert payload["diverged"] is True and "diverged" in payload["message"]


def test_a_learning_run_is_not_diverged() -> None:
    result = train_headless("xor", sizes=(2, 4, 1), activation="tanh", lr=0.5, epochs=300)
    assert result["diverged"] is False and "message" not in result


# --- an empty --wrt -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("wrt", ["", "  "])
def test_derive_refuses_an_empty_wrt(wrt: str, capsys) -> None:
    status, out, err = run(capsys, "derive", "x^2", "--wrt", wrt)
    assert status == 2 and out == ""
    assert err.startswith("error: --wrt") and err.count("\n") == 1
