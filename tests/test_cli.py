"""The `calclab` command line: JSON keys and values checked against hand computation, the seed lesson's
descent printout line for line against a plain Python loop, and bad input as exit 2 with one `error:` line.

Most runs go through `calclab.cli.main` in-process (fast); a few through `python -m calclab` for the real
exit status and stderr.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
import sympy as sp

from calclab import __version__
from calclab.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def run_json(capsys, *argv: str) -> dict:
    status, out, err = run(capsys, *argv, "--json")
    assert status == 0, err
    assert err == ""
    return json.loads(out)


def read_back(text: str) -> sp.Expr:
    """What a user of the JSON would do: plain sympify (symbols made real by name, to compare with ours)."""
    expr = sp.sympify(text)
    return expr.subs({s: sp.Symbol(s.name, real=True) for s in expr.free_symbols})


x, y, u = (sp.Symbol(n, real=True) for n in "xyu")


# --- derive ----------------------------------------------------------------------------------------------------

def test_derive_json(capsys) -> None:
    payload = run_json(capsys, "derive", "x^2", "--at", "x=3")
    assert set(payload) == {"expression", "wrt", "order", "derivative", "latex", "value", "exact"}
    assert payload["wrt"] == "x" and payload["order"] == 1
    assert read_back(payload["expression"]) == x**2
    assert read_back(payload["derivative"]) == 2 * x
    assert payload["value"] == 6.0       # d/dx x^2 at 3
    assert payload["latex"] == "2 x"


def test_derive_without_at_has_null_value(capsys) -> None:
    payload = run_json(capsys, "derive", "3x^2 + 2y", "--wrt", "y")
    assert payload["value"] is None
    assert read_back(payload["derivative"]) == 2


@pytest.mark.parametrize(("wrt", "why"), [("__class__", "cannot be a variable name"), ("e", "a constant"),
                                           ("x+1", "an expression"), ("sin", "needs parentheses")])
def test_derive_refuses_a_wrt_the_parser_would_refuse(capsys, wrt: str, why: str) -> None:
    status, out, err = run(capsys, "derive", "x^2 + y", "--wrt", wrt)
    assert status == 2 and out == ""
    assert err.startswith("error: --wrt takes a variable name") and why in err and err.count("\n") == 1


def test_derive_at_two_variables(capsys) -> None:
    payload = run_json(capsys, "derive", "3x^2 + 2y", "--at", "x=1.5", "y=-2")
    assert payload["wrt"] == "x"                 # the first variable by name
    assert payload["value"] == 9.0               # 6x at x = 1.5
    payload = run_json(capsys, "derive", "x y^2", "--wrt", "y", "--at", "x=1.5", "y=-2")
    assert payload["value"] == -6.0              # 2xy


@pytest.mark.parametrize(("expr", "order", "at", "expected"), [
    ("x^3", 2, 2.0, 12.0),                       # 6x
    ("sin(x)", 4, 0.5, math.sin(0.5)),
    ("sigmoid(x)", 1, 0.0, 0.25),                # s(1-s) at 0
    ("relu(x)", 1, -1.0, 0.0),
    ("abs(x)", 1, -3.0, -1.0),
    ("log(1 + e^(2x))", 1, 0.0, 1.0),            # 2e^(2x)/(1+e^(2x)) at 0
    ("e^x", 1, 1.0, math.e),
])
def test_derive_values_by_hand(capsys, expr: str, order: int, at: float, expected: float) -> None:
    payload = run_json(capsys, "derive", expr, "--order", str(order), "--at", f"x={at}")
    assert payload["value"] == pytest.approx(expected, rel=1e-12)
    assert payload["order"] == order


@pytest.mark.parametrize("expr", ["sigmoid(3x - 1)", "relu(x) x", "abs(x)^2 + sin(x)"])
def test_derive_output_reads_back_with_sympify(capsys, expr: str) -> None:
    payload = run_json(capsys, "derive", expr, "--at", "x=0.7")
    assert "sigmoid" not in payload["expression"] and "relu" not in payload["expression"]
    back = read_back(payload["derivative"])
    assert float(back.subs(x, 0.7)) == pytest.approx(payload["value"])
    f = read_back(payload["expression"])
    h = 1e-6
    fd = (float(f.subs(x, 0.7 + h)) - float(f.subs(x, 0.7 - h))) / (2 * h)
    assert payload["value"] == pytest.approx(fd, rel=1e-6)


def test_derive_undefined_value_is_null(capsys) -> None:
    assert run_json(capsys, "derive", "log(x)", "--at", "x=-1")["value"] is None


def test_derive_plain_text(capsys) -> None:
    status, out, err = run(capsys, "derive", "3x^2 + 2y", "--at", "x=1.5", "y=-2")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "f = 3*x**2 + 2*y"
    assert lines[1].endswith("= 6*x")
    assert "9.0" in lines[2]


# --- gradient --------------------------------------------------------------------------------------------------

def test_gradient_json(capsys) -> None:
    payload = run_json(capsys, "gradient", "3x^2 + 2y", "--at", "x=1.5", "y=-2")
    assert set(payload) == {"expression", "variables", "gradient", "latex", "value", "exact"}
    assert payload["variables"] == ["x", "y"]
    assert [read_back(g) for g in payload["gradient"]] == [6 * x, 2]
    assert payload["value"] == [9.0, 2.0]
    assert len(payload["latex"]) == 2


def test_gradient_without_at(capsys) -> None:
    payload = run_json(capsys, "gradient", "x y^2 + sin(x y)")
    assert payload["value"] is None
    grad = [read_back(g) for g in payload["gradient"]]
    assert sp.simplify(grad[0] - (y**2 + y * sp.cos(x * y))) == 0
    assert sp.simplify(grad[1] - (2 * x * y + x * sp.cos(x * y))) == 0


def test_gradient_name_order(capsys) -> None:
    assert run_json(capsys, "gradient", "w1 z + a")["variables"] == ["a", "w1", "z"]


# --- chain -----------------------------------------------------------------------------------------------------

def _check_chain(payload: dict, links: list[tuple[str, str, sp.Expr]], derivative: sp.Expr) -> None:
    assert set(payload) == {"expression", "steps", "derivative"}
    assert len(payload["steps"]) == len(links)
    for step, (output, input_, function) in zip(payload["steps"], links, strict=True):
        assert set(step) == {"output", "input", "function", "derivative"}
        assert (step["output"], step["input"]) == (output, input_)
        assert read_back(step["function"]) == function
        var = sp.Symbol(input_, real=True)
        assert sp.simplify(read_back(step["derivative"]) - sp.diff(function, var)) == 0
    assert sp.simplify(read_back(payload["derivative"]) - derivative) == 0


def test_chain_json(capsys) -> None:
    payload = run_json(capsys, "chain", "(2x+3)^2")
    _check_chain(payload, [("y", "u", u**2), ("u", "x", 2 * x + 3)], 8 * x + 12)
    assert read_back(payload["expression"]) == (2 * x + 3) ** 2


def test_chain_outer_inner(capsys) -> None:
    payload = run_json(capsys, "chain", "--outer", "u^2", "--inner", "2x+3")
    _check_chain(payload, [("y", "u", u**2), ("u", "x", 2 * x + 3)], 8 * x + 12)


def test_chain_three_links(capsys) -> None:
    v = sp.Symbol("v", real=True)
    payload = run_json(capsys, "chain", "sin((2x+3)^2)")
    _check_chain(payload, [("y", "u", sp.sin(u)), ("u", "v", v**2), ("v", "x", 2 * x + 3)],
                 4 * (2 * x + 3) * sp.cos((2 * x + 3) ** 2))


def test_chain_sigmoid_reads_back(capsys) -> None:
    payload = run_json(capsys, "chain", "sigmoid(3x - 1)")
    assert payload["steps"][0]["function"] == "1/(1 + exp(-u))"
    s = 1 / (1 + sp.exp(-(3 * x - 1)))
    assert sp.simplify(read_back(payload["derivative"]) - sp.diff(s, x)) == 0


def test_chain_plain_text(capsys) -> None:
    status, out, _ = run(capsys, "chain", "(2x+3)^2")
    assert status == 0
    assert "y = u**2" in out and "matches" in out


# --- descent: the seed lesson's printout --------------------------------------------------------------------

def seed_lines(x0: float, lr: float, epochs: int) -> list[str]:
    """The lesson's own program: plain Python floats."""
    lines = []
    x = x0
    for i in range(1, epochs + 1):
        x = x - lr * 2 * x
        lines.append(f"Epoch {i}: x = {x!r}, f(x) = {x**2!r}")
    return lines


def test_descent_seed_output_line_for_line(capsys) -> None:
    status, out, err = run(capsys, "descent", "x^2", "--x0", "10", "--lr", "0.1", "--epochs", "20")
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 20
    assert lines == seed_lines(10.0, 0.1, 20)
    assert lines[0] == "Epoch 1: x = 8.0, f(x) = 64.0"
    assert lines[3] == "Epoch 4: x = 4.096, f(x) = 16.777216"
    assert lines[19] == "Epoch 20: x = 0.11529215046068471, f(x) = 0.013292279957849162"


def test_descent_defaults_are_lr_01_and_20_epochs(capsys) -> None:
    _, out, _ = run(capsys, "descent", "x^2", "--x0", "10")
    assert out.splitlines() == seed_lines(10.0, 0.1, 20)


def test_descent_negative_start(capsys) -> None:
    _, out, _ = run(capsys, "descent", "x^2", "--x0=-1.5", "--lr", "0.25", "--epochs", "3")
    assert out.splitlines() == seed_lines(-1.5, 0.25, 3)


def test_descent_two_variables_line_format(capsys) -> None:
    status, out, _ = run(capsys, "descent", "x^2 + 3y^2", "--x0=1,2", "--lr", "0.1", "--epochs", "3")
    assert status == 0
    x_, y_ = 1.0, 2.0
    expected = []
    for i in range(1, 4):
        x_, y_ = x_ - 0.1 * (2 * x_), y_ - 0.1 * (6 * y_)
        expected.append(f"Epoch {i}: x = {x_!r}, y = {y_!r}, f(x, y) = {x_**2 + 3 * y_**2!r}")
    assert out.splitlines() == expected


def test_descent_json(capsys) -> None:
    payload = run_json(capsys, "descent", "x^2 + y^2", "--x0=1,2", "--epochs", "2")
    assert set(payload) == {"variables", "optimizer", "lr", "weight_decay", "schedule", "schedule_params", "status",
                            "message", "steps"}
    assert payload["variables"] == ["x", "y"]
    assert payload["optimizer"] == "sgd" and payload["lr"] == 0.1
    assert payload["status"] == "completed"
    assert isinstance(payload["message"], str)
    steps = payload["steps"]
    assert [s["epoch"] for s in steps] == [1, 2]
    assert all(set(s) == {"epoch", "x", "f", "grad", "lr"} for s in steps)
    assert [s["lr"] for s in steps] == [0.1, 0.1] and payload["schedule"] == "constant"
    assert payload["weight_decay"] == 0.0 and payload["schedule_params"] == {}
    assert steps[0]["grad"] == [2.0, 4.0]             # the gradient at x0 = (1, 2), used by update 1
    assert steps[0]["x"] == [1 - 0.1 * 2.0, 2 - 0.1 * 4.0]
    assert steps[0]["f"] == steps[0]["x"][0] ** 2 + steps[0]["x"][1] ** 2
    assert steps[1]["grad"] == [2 * steps[0]["x"][0], 2 * steps[0]["x"][1]]


def test_descent_diverges_with_a_message(capsys) -> None:
    payload = run_json(capsys, "descent", "x^2", "--x0", "10", "--lr", "1.5", "--epochs", "1000")
    assert payload["status"] == "diverged" and payload["message"]
    assert len(payload["steps"]) < 1000
    assert all(s["f"] is None or math.isfinite(s["f"]) for s in payload["steps"])


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_descent_every_optimizer_runs(capsys, optimizer: str) -> None:
    payload = run_json(capsys, "descent", "(x-1)^2 + (y+2)^2", "--x0=0,0", "--optimizer", optimizer,
                       "--epochs", "5")
    assert payload["optimizer"] == optimizer and len(payload["steps"]) == 5


def test_descent_momentum_first_step_by_hand(capsys) -> None:
    """torch.optim.SGD(momentum=0.9): the first velocity is the gradient itself, so step 1 equals plain SGD."""
    payload = run_json(capsys, "descent", "x^2", "--x0", "10", "--optimizer", "momentum", "--epochs", "2")
    assert payload["steps"][0]["x"] == [8.0]
    assert payload["steps"][1]["x"] == [8.0 - 0.1 * (0.9 * 20.0 + 16.0)]


# --- descent, deeper: AdamW, weight decay, schedules, Newton ----------------------------------------------------

ISSUE_EXAMPLE = ["descent", "x^2 + 10y^2", "--x0", "3,1", "--optimizer", "adamw", "--weight-decay", "0.01",
                 "--schedule", "cosine", "--t-max", "20", "--eta-min", "0.001", "--epochs", "30"]


def test_descent_adamw_cosine_json_by_the_written_formulas(capsys) -> None:
    payload = run_json(capsys, *ISSUE_EXAMPLE)
    assert payload["optimizer"] == "adamw" and payload["lr"] == 0.1 and payload["weight_decay"] == 0.01
    assert payload["schedule"] == "cosine" and payload["schedule_params"] == {"t_max": 20, "eta_min": 0.001}
    steps = payload["steps"]
    assert len(steps) == 30 and payload["status"] == "completed"
    # CosineAnnealingLR: epoch k + 1 uses 0.001 + (0.1 - 0.001)(1 + cos(pi k / 20)) / 2, rising again past 20
    expected = [0.001 + 0.099 * (1 + math.cos(math.pi * k / 20)) / 2 for k in range(30)]
    assert [s["lr"] for s in steps] == pytest.approx(expected, rel=0, abs=1e-15)
    assert steps[20]["lr"] == pytest.approx(0.001) and steps[29]["lr"] > steps[21]["lr"]
    # AdamW step 1 per coordinate: x (1 - 0.1 * 0.01) - 0.1 * g / (|g| + 1e-8), g = (6, 20)
    assert steps[0]["x"] == pytest.approx([3 * 0.999 - 0.1 * 6 / (6 + 1e-8), 0.999 - 0.1 * 20 / (20 + 1e-8)],
                                          rel=1e-14)


def test_descent_text_shows_the_rate_per_epoch_only_with_a_schedule(capsys) -> None:
    status, out, _ = run(capsys, "descent", "x^2", "--x0", "10", "--schedule", "step", "--step-size", "2",
                         "--gamma", "0.5", "--epochs", "3")
    assert status == 0
    assert out.splitlines() == ["Epoch 1: x = 8.0, f(x) = 64.0, η = 0.1",
                                "Epoch 2: x = 6.4, f(x) = 40.96000000000001, η = 0.1",
                                f"Epoch 3: x = {6.4 - 0.05 * 12.8!r}, f(x) = {(6.4 - 0.05 * 12.8) ** 2!r}, η = 0.05"]
    _, out, _ = run(capsys, "descent", "x^2", "--x0", "10", "--epochs", "2")
    assert "η" not in out


def test_descent_warmup_and_exponential_rates(capsys) -> None:
    steps = run_json(capsys, "descent", "x^2", "--x0", "1", "--lr", "0.8", "--schedule", "warmup",
                     "--start-factor", "0.25", "--warmup-epochs", "3", "--epochs", "5")["steps"]
    assert [s["lr"] for s in steps] == pytest.approx([0.2, 0.4, 0.6, 0.8, 0.8], rel=1e-15)   # LinearLR by hand
    steps = run_json(capsys, "descent", "x^2", "--x0", "1", "--lr", "0.3", "--schedule", "exponential",
                     "--epochs", "3")["steps"]
    assert [s["lr"] for s in steps] == pytest.approx([0.3, 0.27, 0.243], rel=1e-15)        # gamma 0.9 by default


@pytest.mark.parametrize(("optimizer", "decay"), [("adamw", 0.01), ("sgd", 0.0), ("adam", 0.0), ("momentum", 0.0)])
def test_descent_weight_decay_defaults(capsys, optimizer: str, decay: float) -> None:
    assert run_json(capsys, "descent", "x^2", "--x0", "1", "--optimizer", optimizer)["weight_decay"] == decay


def test_descent_sgd_weight_decay_by_hand(capsys) -> None:
    # g = 2x + 0.5x: x1 = 2 - 0.1 * 5 = 1.5, x2 = 1.5 - 0.1 * 3.75 = 1.125
    steps = run_json(capsys, "descent", "x^2", "--x0", "2", "--weight-decay", "0.5", "--epochs", "2")["steps"]
    assert [s["x"][0] for s in steps] == pytest.approx([1.5, 1.125], rel=1e-15)
    assert steps[0]["grad"] == [4.0]                            # f's own gradient


def test_descent_newton_one_step_to_a_quadratics_minimum(capsys) -> None:
    payload = run_json(capsys, "descent", "x^2 + 10y^2", "--x0", "3,1", "--optimizer", "newton")
    assert payload["hessian"] == "symbolic" and payload["status"] == "converged"
    assert [s["x"] for s in payload["steps"]] == [[0.0, 0.0]] and payload["steps"][0]["lr"] is None


def test_descent_newton_refuses_a_non_convex_point(capsys) -> None:
    status, out, err = run(capsys, "descent", "x^4 - 3x^2 + x", "--x0", "0", "--optimizer", "newton")
    assert status == 0 and err == ""
    assert out.splitlines() == ["stopped at the start point: the Hessian at x = 0 is not positive definite "
                                "(eigenvalue -6): Newton's step would head for a maximum or a saddle, not a minimum; "
                                "Newton's method takes no step"]
    payload = run_json(capsys, "descent", "x^2 - y^2", "--x0", "1,1", "--optimizer", "newton")
    assert payload["status"] == "stopped" and payload["steps"] == [] and "eigenvalues -2, 2" in payload["message"]


def test_descent_newton_hessian_by_differences_for_a_huge_f(capsys) -> None:
    deep = "sin(" * 40 + "x" + ")" * 40
    payload = run_json(capsys, "descent", deep, "--x0", "0.5", "--optimizer", "newton", "--epochs", "1")
    assert payload["hessian"] == "differences"


def test_export_descent_takes_the_same_flags() -> None:
    """`calclab export descent` builds its state through the same options (checked without drawing)."""
    from calclab.cli import build_command_parser
    from calclab.state.options import build_state

    args = build_command_parser().parse_args(["export", "descent", "--out", "p.png", "--expr", "x^2 + 10y^2",
                                              "--x0", "3,1", "--optimizer", "adam", "--weight-decay", "0.02",
                                              "--schedule", "cosine", "--t-max", "20", "--eta-min", "0.001"])
    state = build_state("descent", args)
    assert (state.optimizer, state.weight_decay, state.schedule, state.t_max, state.eta_min) == (
        "adam", 0.02, "cosine", 20, 0.001)
    assert state.run_options()["schedule"].params == {"t_max": 20, "eta_min": 0.001}
    args = build_command_parser().parse_args(["export", "descent", "--out", "p.png", "--schedule", "step",
                                              "--step-size", "3", "--gamma", "0.5"])
    state = build_state("descent", args)
    assert (state.schedule, state.step_size, state.gamma) == ("step", 3, 0.5)
    args = build_command_parser().parse_args(["export", "backprop", "--out", "p.png", "--schedule", "step"])
    with pytest.raises(ValueError, match="--schedule does not apply to the backprop tab"):
        build_state("backprop", args)


# --- bad input: exit 2, one error line --------------------------------------------------------------------------

BAD = [
    (["derive", "2x +"], "column 5"),
    (["derive", "x^^2"], "column 3"),
    (["derive", "foo(x)"], "column 1"),
    (["derive", ""], None),
    (["derive", "   "], None),
    (["derive", "__import__('os').system('touch X')"], "column 1"),
    (["derive", "x.__class__"], "column 2"),
    (["derive", "$(touch X)"], "column 1"),
    (["derive", "9^9^9^9"], "column"),
    (["derive", "(" * 10_000 + "x" + ")" * 10_000], None),
    (["derive", "x" * 100_000], None),
    (["derive", "1e309"], "column 1"),
    (["derive", "nan"], "column 1"),
    (["derive", "x^2", "--order", "0"], "--order"),
    (["derive", "x^2", "--order", "11"], "--order"),
    (["derive", "x^2", "--at", "x=nan"], None),
    (["derive", "x^2", "--at", "x"], "--at"),
    (["derive", "x y", "--at", "x=1"], "y"),
    (["gradient", "2x +"], "column 5"),
    (["gradient", "5"], None),
    (["chain", "x sin(x)"], "product rule"),
    (["chain", "(x"], "column 3"),
    (["chain", "--outer", "x^2", "--inner", "2x"], None),
    (["descent", "x^2", "--x0", "1,2"], "--x0"),
    (["descent", "x^2 + y^2", "--x0", "1"], "--x0"),
    (["descent", "x^2", "--x0", "1", "--lr", "nan"], "--lr"),
    (["descent", "x^2", "--x0", "1", "--lr", "0"], None),
    (["descent", "x^2", "--x0", "1", "--lr", "-1"], None),
    (["descent", "x^2", "--x0", "1", "--optimizer", "foo"], "optimizer"),
    (["descent", "x^2", "--x0", "1", "--epochs", "1000000000"], "--epochs"),
    (["descent", "x^2", "--x0", "nan"], "--x0"),
    (["descent", "log(x)", "--x0=-1"], None),
    (["descent", "2x +", "--x0", "1"], "column 5"),
    (["descent", "x^2", "--x0", "1", "--t-max", "5"], "--t-max applies to the cosine schedule, not to constant"),
    (["descent", "x^2", "--x0", "1", "--schedule", "cosine", "--gamma", "0.5"], "--gamma applies to the step and "
                                                                                "exponential schedules"),
    (["descent", "x^2", "--x0", "1", "--schedule", "step", "--gamma", "1.5"], "--gamma must be between 0.0001 and 1"),
    (["descent", "x^2", "--x0", "1", "--schedule", "step", "--step-size", "0"], "--step-size must be between 1"),
    (["descent", "x^2", "--x0", "1", "--schedule", "step", "--step-size", "2.5"], "--step-size"),
    (["descent", "x^2", "--x0", "1", "--schedule", "cosine", "--eta-min", "-1"], "--eta-min must be between 0"),
    (["descent", "x^2", "--x0", "1", "--schedule", "warmup", "--start-factor", "0"], "--start-factor"),
    (["descent", "x^2", "--x0", "1", "--schedule", "onecycle"], "--schedule"),
    (["descent", "x^2", "--x0", "1", "--weight-decay", "-0.1"], "--weight-decay must be between 0 and 10"),
    (["descent", "x^2", "--x0", "1", "--optimizer", "newton", "--schedule", "cosine"], "does not apply to newton"),
    (["derive", "x^2", "--critical", "--range=5,1"], "--range"),
    (["derive", "x^2", "--critical", "--range=1,1"], "low < high"),
    (["derive", "x^2", "--critical", "--range=1"], "--range"),
    (["derive", "x^2", "--critical", "--range=a+,b"], "--range"),
    (["derive", "x^2", "--range=-1,1"], "--critical"),
    (["derive", "x y", "--critical"], "--at"),
    (["derive", "x^2", "--taylor", "11"], "--taylor"),
    (["derive", "x^2", "--taylor", "-1"], "--taylor"),
    (["derive", "log(x)", "--taylor", "2"], "no value at 0"),
    (["derive", "relu(x)", "--taylor", "1"], "no first derivative"),
    (["gradient", "x^2 + y^2", "--at", "x=1", "y=1", "--direction", "0,0"], "zero vector"),
    (["gradient", "x^2 + y^2", "--at", "x=1", "y=1", "--direction=1"], "--direction"),
    (["gradient", "x^2 + y^2", "--direction=1,1"], "--at"),
    (["gradient", "x^2 + y^2", "--hessian"], "--at"),
    (["gradient", "log(x) + y", "--hessian", "--at", "x=0", "y=1"], "no value"),
    (["gradient", "x^2 + y^2", "--range=0,1"], "--critical"),
    (["nonsense"], None),
]


@pytest.mark.parametrize(("argv", "words"), BAD, ids=[" ".join(a)[:40] for a, _ in BAD])
def test_bad_input_exits_2_with_one_error_line(capsys, tmp_path, monkeypatch, argv: list[str],
                                               words: str | None) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    if words:
        assert words in lines[0]
    assert list(tmp_path.iterdir()) == []  # nothing was executed: no file X


# --- the real process ---------------------------------------------------------------------------------------

def run_process(tmp_path, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "calclab", *argv], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path, env=env)


# The two shell/`__import__` injections run in a real process in test_cli_fuzz.test_hostile_input_in_a_real_process
# (exit 2, one error line, no file X): one process start each is enough.
@pytest.mark.parametrize("argv", [
    ["derive", "2x +"],
    ["descent", "x^2", "--x0", "1", "--lr", "nan"],
    ["descent", "x^2", "--x0", "1", "--optimizer", "foo"],
    ["derive", "x", "--order", "0"],
    ["derive", "9^9^9^9"],
    ["derive", "x^2", "--taylor", "11"],
    ["gradient", "x^2 + y^2", "--hessian"],
])
def test_process_bad_input(tmp_path, argv: list[str]) -> None:
    result = run_process(tmp_path, *argv)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "X").exists()


def test_process_derive_json(tmp_path) -> None:
    result = run_process(tmp_path, "derive", "x^2", "--at", "x=3", "--json")
    assert result.returncode == 0 and result.stderr == ""
    assert json.loads(result.stdout)["value"] == 6.0


def test_process_descent_seed(tmp_path) -> None:
    result = run_process(tmp_path, "descent", "x^2", "--x0", "10", "--lr", "0.1", "--epochs", "20")
    assert result.returncode == 0
    assert result.stdout.splitlines() == seed_lines(10.0, 0.1, 20)


def test_version(tmp_path) -> None:
    result = run_process(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"calclab {__version__}"


def test_quiz_prints_one_seeded_exercise_with_its_answer(capsys):
    first = run_json(capsys, "quiz", "descent", "--seed", "3", "--json")
    assert first == run_json(capsys, "quiz", "descent", "--seed", "3", "--json")
    assert first["optimizer"] == "sgd" and set(first) >= {"f", "x0", "lr", "answer"}
    code, out, _err = run(capsys, "quiz", "derivatives", "--worked", "--json")
    worked = json.loads(out)
    assert code == 0 and worked[0]["f"] == "x^2" and worked[0]["answer"]["slope"] == 3.0
    code, out, err = run(capsys, "quiz", "integrals")
    assert code == 2 and err.startswith("error:") and out == ""
