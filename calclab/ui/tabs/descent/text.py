"""The sentences the Descent tab shows: the last update with its numbers, the stable-step bound, the lesson lines.

Plain functions over a Descent run (no Qt), so they are cheap to call every step and easy to test.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np

from calclab.engine.descent import Descent, format_epoch, stable_lr_bound
from calclab.engine.numbers import format_number, format_vector

SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
ERROR_COLOR = "#C62828"
GOOD_COLOR = "#2E7D32"
NOTE_COLOR = "#455A64"
EDGE_COLOR = "#E65100"   # dark orange: neither the error red nor the note grey
EDGE_RTOL = 1e-6         # lr within this relative distance of the bound is "on" it (6 digits, as shown)


def short(value: float) -> str:
    """The one number style: 6 significant digits, a real minus sign, 2.225×10⁻⁵ (numbers.py)."""
    return format_number(value)


def short_vector(values: Sequence[float]) -> str:
    return format_vector(values)


def plus_step(step: Sequence[float]) -> str:
    """" + step" as a learner writes it: a negative step along one axis is subtracted (9.8 − 0.0999), not "+ −"."""
    if len(step) == 1 and float(step[0]) < 0:
        return f" − {short(-float(step[0]))}"
    return f" + {short_vector(step)}"


def sub(k: int) -> str:
    return str(k).translate(SUBSCRIPTS)


def update_html(run: Descent, names: Sequence[str], compared: Sequence[tuple[str, Descent]] = ()) -> str:
    """Two lines: the update that made the current point, with its numbers; and what comes next. In compare
    mode a small third line names each `compared` run that has ended, and why."""
    point = names[0] if len(names) == 1 else "(" + ", ".join(names) + ")"
    grad = "f′" if len(names) == 1 else "∇f"
    history = run.history
    k = len(history)
    if k == 0:
        first = f"<b>Start</b> (epoch 0): {point}{sub(0)} = {short_vector(run.x0)}, f = {short(history.path_f[0])}"
    else:
        old, new = history.path[k - 1], history.path[k]
        used = history.path_grad[k - 1]
        lr = float(history.lr[k - 1])
        if run.optimizer == "sgd":
            middle = f"{short_vector(old)} − {short(lr)} · {short_vector(used)}"
            rule = f"{point}{sub(k - 1)} − η·{grad}({point}{sub(k - 1)})"
        elif run.optimizer == "newton":
            middle = short_vector(old) + plus_step(new - old)
            rule = f"{point}{sub(k - 1)} − H⁻¹{grad}({point}{sub(k - 1)})"
        else:
            middle = short_vector(old) + plus_step(new - old)
            scheduled = f", η = {short(lr)}" if run.schedule is not None else ""
            rule = f"{point}{sub(k - 1)} + step ({run.optimizer}{scheduled})"
        first = (f"<b>Epoch {k}</b>: {point}{sub(k)} = {rule} = {middle} = <b>{short_vector(new)}</b>, "
                 f"f = {short(history.path_f[k])}")
    if run.status == "running":
        step = run.next_step()
        g = run.gradient
        what = {"sgd": "−η·" + grad, "newton": "step −H⁻¹" + grad}.get(run.optimizer, "step")
        if run.schedule is not None and run.optimizer != "newton":
            what += f" (η = {short(run.next_lr)})"
        second = (f"Now {grad}({point}{sub(k)}) = {short_vector(g)}, |{grad}| = {short(np.linalg.norm(g))}; "
                  f"next {what} = {short_vector(step) if step is not None else '—'}")
    else:
        color = {"diverged": ERROR_COLOR, "converged": GOOD_COLOR, "stopped": EDGE_COLOR}.get(run.status, NOTE_COLOR)
        second = f"<span style='color:{color}'><b>{html.escape(run.message)}</b></span>"
    ended = [f"{name}: {other.message}" for name, other in compared if other.finished]
    return first + "<br>" + second + ("<br><small>" + "; ".join(ended) + "</small>" if ended else "")


def internals_html(run: Descent) -> str:
    """The optimizer's memory now, one readout per state array ('' for plain SGD)."""
    labels = {"velocity": "velocity b", "sum_sq": "Σg² (accumulated squares)", "m": "m (mean gradient)",
              "v": "v (mean squared gradient)"}
    parts = [f"{labels.get(name, name)} = {short_vector(value)}" for name, value in run.internals.items()]
    if not parts:
        return "plain SGD keeps no state between steps"
    return f"{run.optimizer} state: " + "; ".join(parts)


def bound_html(hessian: np.ndarray | None, constant: bool, optimizer: str, momentum: float,
               lr: float) -> str:
    """The largest stable learning rate, from the Hessian (exact for a quadratic, local at the start otherwise)."""
    if hessian is None or not np.all(np.isfinite(hessian)):
        return ""
    eigenvalues = np.linalg.eigvalsh((hessian + hessian.T) / 2.0)
    largest = float(eigenvalues[-1])
    where = "f is quadratic" if constant else "near the start"
    if largest <= 0:
        shape = "f curves down in every direction (a hilltop)" if eigenvalues[0] < 0 else "f is flat or curves down"
        return f"<span style='color:{NOTE_COLOR}'>{where}, {shape}: no step-size bound applies</span>"
    bound = stable_lr_bound(hessian, optimizer, momentum if optimizer in ("momentum", "nesterov") else None)
    curvature = f"largest curvature L = {short(largest)}"
    saddle = " It has a negative curvature too: a saddle, not a minimum." if eigenvalues[0] < 0 else ""
    if optimizer == "newton":
        return (f"<span style='color:{NOTE_COLOR}'>{where}, {curvature}. Newton's method divides by the curvature "
                f"itself, so it needs no η.{saddle}</span>")
    if bound is None:
        return (f"<span style='color:{NOTE_COLOR}'>{where}, {curvature}. {optimizer} rescales its steps, "
                f"so no fixed bound applies.{saddle}</span>")
    verb = "stable" if constant else "locally stable"
    rule = "2/L" if optimizer == "sgd" else f"the {optimizer} bound"
    text = f"{where}, {curvature}: {verb} for lr &lt; {short(bound)} ({rule}).{saddle}"
    lr_text = f"lr = {short(lr)}"
    if math.isclose(lr, bound, rel_tol=EDGE_RTOL):
        # |1 − ηL| = 1 exactly: the steepest direction neither shrinks nor grows (x² + 10y² at lr 0.1 from
        # y = 1.5 swings between ±1.5 forever), so "diverges" would be as wrong as "converges".
        verdict = "on the edge: it oscillates without converging" if constant else \
            "on the edge: expect it to oscillate without converging"
        return f"<span style='color:{EDGE_COLOR}'>{text} <b>{lr_text} is {verdict}.</b></span>"
    if lr > bound:
        verdict = "it diverges" if constant else "expect divergence"
        return f"<span style='color:{ERROR_COLOR}'>{text} <b>{lr_text} is above it: {verdict}.</b></span>"
    verdict = "it converges" if constant else "expect it to converge near the start"
    return f"<span style='color:{NOTE_COLOR}'>{text} {lr_text} is below it: {verdict}.</span>"


def lesson_lines(run: Descent, names: Sequence[str]) -> list[str]:
    """The run as `calclab descent` prints it: one `Epoch k: x = ..., f(x) = ...` line per update."""
    history = run.history
    scheduled = run.schedule is not None      # as `calclab descent` prints it: η per epoch with a schedule
    lines = [format_epoch(k, names, history.path[k], history.path_f[k], history.lr[k - 1] if scheduled else None)
             for k in range(1, len(history) + 1)]
    if run.status in ("diverged", "converged"):
        lines.append(run.message)
    return lines
