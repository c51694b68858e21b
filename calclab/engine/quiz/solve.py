"""The truth of each kind of exercise, computed by the engine (SymPy for the calculus, the optimizers' own
update rule for a descent step), with a one-line reason in the app's words."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from calclab.engine import calculus, optimizers
from calclab.engine.numbers import format_number as fmt
from calclab.engine.parsing import parse

Solution = tuple[dict[str, Any], str]


def _value(expr: sp.Expr, values: dict[sp.Symbol, float]) -> float:
    """expr at the point, exactly (the numbers are small rationals), then as a float."""
    exact = expr.subs({s: sp.nsimplify(v) for s, v in values.items()})
    return float(sp.N(exact, 30))


def _symbol(expr: sp.Expr, name: str) -> sp.Symbol:
    return next((s for s in expr.free_symbols if s.name == name), sp.Symbol(name))


def slope(data: dict[str, Any]) -> Solution:
    """f'(x0), or the partial derivative by `wrt` with the other variables at their `held` values."""
    f = parse(data["f"])
    wrt = data.get("wrt") or "x"
    var = _symbol(f, wrt)
    held = {_symbol(f, k): float(v) for k, v in data.get("held", {}).items() if k != wrt}
    d = calculus.derivative(f, var)
    value = _value(d, {**held, var: float(data["x0"])})
    prime = f"∂f/∂{wrt}" if held else "f′"
    kept = "".join(f", {s.name} = {fmt(v)} held" for s, v in held.items())
    height = _value(f, {**held, var: float(data["x0"])})
    return ({"slope": value, "derivative": calculus.to_text(d), "value": height},
            f"{prime} = {_pretty(d)}, so at {wrt} = {fmt(float(data['x0']))}{kept} the slope is {fmt(value)}.")


def ascent(data: dict[str, Any]) -> Solution:
    """∇f at the point and its direction (degrees from the +x axis): the way up is steepest along it."""
    f = parse(data["f"])
    x, y = _symbol(f, "x"), _symbol(f, "y")
    point = {x: float(data["point"][0]), y: float(data["point"][1])}
    parts = calculus.gradient(f, [x, y])
    grad = [_value(p, point) for p in parts]
    angle = math.degrees(math.atan2(grad[1], grad[0]))
    where = f"({fmt(point[x])}, {fmt(point[y])})"
    return ({"gradient": grad, "angle": angle},
            f"∇f = [{_pretty(parts[0])}, {_pretty(parts[1])}] = [{fmt(grad[0])}, {fmt(grad[1])}] at {where}: "
            f"f climbs fastest along it, at {fmt(round(angle, 1))}° from the x axis.")


def rate(data: dict[str, Any]) -> Solution:
    """The chain's two rates at x0 and their product dy/dx (checked against differentiating f directly)."""
    x0 = float(data["x0"])
    inner, outer = parse(data["inner"]), parse(data["outer"])
    x, u = _symbol(inner, "x"), _symbol(outer, "u")
    u0 = _value(inner, {x: x0})
    inner_rate = _value(calculus.derivative(inner, x), {x: x0})
    outer_rate = _value(calculus.derivative(outer, u), {u: u0})
    direct = parse(data["f"])
    product = _value(calculus.derivative(direct, _symbol(direct, "x")), {_symbol(direct, "x"): x0})
    if not math.isclose(product, outer_rate * inner_rate, rel_tol=1e-9, abs_tol=1e-9):
        raise ValueError(f"'{data['f']}' is not '{data['outer']}' of '{data['inner']}'")
    return ({"inner_rate": inner_rate, "outer_rate": outer_rate, "rate": product, "u": u0},
            f"u = {data['inner']} is {fmt(u0)} at x = {fmt(x0)}; du/dx = {fmt(inner_rate)} and dy/du = "
            f"{fmt(outer_rate)} there, so dy/dx = {fmt(outer_rate)} · {_p(inner_rate)} = {fmt(product)}.")


def step(data: dict[str, Any]) -> Solution:
    """The point after one update of `optimizer` from x0 (the rule the Descent tab runs)."""
    f = parse(data["f"])
    names = ["x", "y"][:len(data["x0"])]
    symbols = [_symbol(f, n) for n in names]
    x0 = np.array([float(v) for v in data["x0"]])
    point = dict(zip(symbols, x0, strict=True))
    g = np.array([_value(p, point) for p in calculus.gradient(f, symbols)])
    lr = float(data["lr"])
    hp = optimizers.check_hyper(data.get("optimizer", "sgd"), {})
    new, _ = optimizers.update(data.get("optimizer", "sgd"), hp, 1, lr, x0, g, {})
    moves = ", ".join(f"{n} = {fmt(a)} − {fmt(lr)} · {_p(b)} = {fmt(c)}"
                      for n, a, b, c in zip(names, x0, g, new, strict=True))
    return ({"x": [float(v) for v in new], "gradient": [float(v) for v in g]},
            f"Each coordinate moves against its slope, x ← x − η ∇f: {moves}.")


def converges(data: dict[str, Any]) -> Solution:
    """Does plain gradient descent with rate lr settle on a quadratic? Yes exactly when lr · L < 2, L the largest
    curvature (the Hessian's largest eigenvalue, constant for a quadratic)."""
    f = parse(data["f"])
    names = ["x", "y"][:len(data["x0"])]
    symbols = [_symbol(f, n) for n in names]
    h = calculus.hessian(f, symbols)
    if h.free_symbols:
        raise ValueError(f"'{data['f']}' is not a quadratic: its curvature changes from place to place")
    curvature = max(float(e) for e in h.eigenvals())
    lr = float(data["lr"])
    ok = curvature > 0 and lr * curvature < 2
    factor = abs(1 - lr * curvature)
    verdict = "shrinks" if ok else "does not shrink"
    return ({"converges": ok, "lr_limit": 2 / curvature if curvature > 0 else math.inf, "factor": factor},
            f"The curvature is {fmt(curvature)}, so each step multiplies the distance to the minimum by "
            f"|1 − η·{fmt(curvature)}| = {fmt(factor)}: it {verdict} (η must stay below "
            f"2/{fmt(curvature)} = {fmt(2 / curvature)}).")


def sign(data: dict[str, Any]) -> Solution:
    """One neuron ŷ = w·x + b with the loss (ŷ − t)²: ∂L/∂w by the chain rule, and which way w moves."""
    w = sp.Symbol("w")
    loss = (w * sp.nsimplify(data["x"]) + sp.nsimplify(data["b"]) - sp.nsimplify(data["t"])) ** 2
    grad = _value(sp.diff(loss, w), {w: float(data["w"])})
    new = float(data["w"]) - float(data["lr"]) * grad
    way = "down" if grad > 0 else "up" if grad < 0 else "nowhere"
    error = float(data["w"]) * float(data["x"]) + float(data["b"]) - float(data["t"])
    return ({"grad_w": grad, "sign": int(np.sign(grad)), "w_new": new, "moves": way},
            f"ŷ − t = {fmt(error)}, so ∂L/∂w = 2(ŷ − t)·x = 2 · {_p(error)} · {_p(float(data['x']))} = "
            f"{fmt(grad)}; w ← w − η·∂L/∂w = {fmt(new)}, so w moves {way}.")


def _p(value: float) -> str:
    """A factor in a product: negative numbers in brackets (8 · (−2), not 8 · −2)."""
    return fmt(value) if value >= 0 else f"({fmt(value)})"


def _pretty(expr: sp.Expr) -> str:
    return calculus.to_text(expr).replace("**", "^").replace("*", "·")


SOLVERS: dict[str, Callable[[dict[str, Any]], Solution]] = {
    "slope": slope, "ascent": ascent, "rate": rate, "step": step, "converges": converges, "sign": sign}
