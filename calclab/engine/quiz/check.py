"""Scoring an answer against an exercise's truth, with the tolerance of each kind of question.

A dragged or clicked answer cannot be exact, so each kind says how close counts: slopes and rates within a share
of the truth, a direction within an angle, a landing point within a share of the step's length. Pure arithmetic
on the numbers the engine already computed: checking never calls SymPy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from calclab.engine.numbers import format_number as fmt
from calclab.engine.quiz.exercise import Exercise

TOLERANCES: dict[str, float] = {
    "slope": 0.1,        # within 10% of the slope (or 0.25 near a flat tangent)
    "ascent": 20.0,      # degrees from ∇f
    "rate": 0.01,        # within 1% (typed, from two rates: should be exact)
    "step": 0.15,        # within 15% of the step's length (or 0.1)
}


@dataclass(frozen=True)
class Verdict:
    """How an answer fared: `correct`, how far off (`error`, in the kind's unit), and what to say."""

    correct: bool
    error: float
    truth: str      # the true answer, short: "slope 3", "lands at x = 8"
    reason: str     # why that is the truth


def angle_between(a: Sequence[float], b: Sequence[float]) -> float:
    """The angle in degrees between two plane vectors (180 if either is zero)."""
    na, nb = math.hypot(*a), math.hypot(*b)
    if na == 0 or nb == 0:
        return 180.0
    cosine = (a[0] * b[0] + a[1] * b[1]) / (na * nb)
    return math.degrees(math.acos(max(-1.0, min(1.0, cosine))))


def _number_error(given: Any, truth: float, share: float, floor: float) -> tuple[bool, float]:
    value = float(given)
    if not math.isfinite(value):
        return False, math.inf
    error = abs(value - truth)
    return error <= max(share * abs(truth), floor), error


def check(exercise: Exercise, given: dict[str, Any]) -> Verdict:
    """Score `given` (the learner's answer, keyed as the exercise's answer is) against the exercise's truth.
    ValueError names a missing or malformed answer."""
    kind, answer = exercise.kind, exercise.answer
    try:
        if kind == "slope":
            ok, error = _number_error(given["slope"], answer["slope"], TOLERANCES["slope"], 0.25)
            truth = f"slope {fmt(answer['slope'])}"
        elif kind == "rate":
            ok, error = _number_error(given["rate"], answer["rate"], TOLERANCES["rate"], 0.01)
            truth = f"dy/dx = {fmt(answer['rate'])}"
        elif kind == "ascent":
            error = angle_between([float(v) for v in given["direction"]], answer["gradient"])
            ok = error <= TOLERANCES["ascent"]
            truth = f"along ∇f, {fmt(round(answer['angle'], 1))}° from the x axis"
        elif kind == "step":
            point = [float(v) for v in given["x"]]
            start = exercise.data["x0"]
            length = math.dist(start, answer["x"])
            error = math.dist(point, answer["x"]) if len(point) == len(start) else math.inf
            ok = error <= max(TOLERANCES["step"] * length, 0.1)
            truth = "lands at " + ", ".join(f"{n} = {fmt(v)}" for n, v in zip("xy", answer["x"], strict=False))
        elif kind == "converges":
            ok = bool(given["converges"]) == answer["converges"]
            error = 0.0 if ok else 1.0
            truth = "it converges" if answer["converges"] else "it does not converge"
        elif kind == "sign":
            if "moves" in given:
                ok = given["moves"] == answer["moves"]
                truth = f"w moves {answer['moves']}"
            else:
                ok = int(given["sign"]) == answer["sign"]
                truth = "∂L/∂w is " + ("positive" if answer["sign"] > 0 else "negative")
            error = 0.0 if ok else 1.0
        else:
            raise ValueError(f"no checker for '{kind}' exercises")
    except (KeyError, TypeError) as problem:
        raise ValueError(f"the answer to a '{kind}' exercise needs {problem}") from None
    return Verdict(ok, error, truth, exercise.reason)
