"""Mathematical edge cases from the robustness issue (14): e^(a + log b), 0^x, values past float range, a
training run whose clamped loss blows up without overflowing, and an empty --wrt.

References are independent of the code under test: hand values (the derivative of 2e^x is 2e^x, e^(2 ln 3) = 9,
0^x = 0 for x > 0), exact integer arithmetic (10^6 * 2^999999), mpmath at high precision, and finite differences.
"""

from __future__ import annotations

import json

import pytest
import sympy as sp

from calclab import cli
from calclab.engine.calculus import to_text
from calclab.engine.numeric import compile_function
from calclab.engine.parsing import ExpressionError, parse

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
