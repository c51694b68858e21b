"""The exercises: the lesson's worked examples, then seeded generated ones, each solved by the engine.

An exercise is plain data (what the learner is shown) plus its answer (what the engine computes from that data)
and a one-line reason that the app shows with the truth. Everything pickles (the GUI makes exercises in the
worker) and turns into JSON (`calclab quiz TOPIC --seed N --json`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from calclab.engine.quiz import solve

TOPICS: tuple[str, ...] = ("derivatives", "gradients", "chain", "descent", "backprop")


@dataclass(frozen=True)
class Exercise:
    """One question: `kind` says what is asked ("slope", "ascent", "rate", "step", "converges", "sign"), `data`
    what the learner is given, `answer` the truth the engine computed and `reason` why it is the truth."""

    topic: str
    kind: str
    data: dict[str, Any]
    answer: dict[str, Any]
    reason: str
    source: str = "generated"              # "lesson" for a worked example of the lesson
    seed: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON: the topic and kind, the data at the top level, then the answer and the reason."""
        return {"topic": self.topic, "kind": self.kind, "source": self.source, "seed": self.seed, **self.data,
                "answer": dict(self.answer), "reason": self.reason}


def _make(topic: str, kind: str, data: dict[str, Any], source: str, seed: int | None) -> Exercise:
    answer, reason = solve.SOLVERS[kind](data)
    return Exercise(topic, kind, data, answer, reason, source, seed)


# -- the lesson's worked examples (its numbers; the app's own words) ---------------------------------------

_WORKED: dict[str, tuple[tuple[str, dict[str, Any]], ...]] = {
    "derivatives": (
        ("slope", {"f": "x^2", "x0": 1.5}),
        ("slope", {"f": "3x^2 + 2y", "x0": 1.0, "wrt": "x", "held": {"y": 1.0}}),
        ("slope", {"f": "3x^2 + 2y", "x0": 1.0, "wrt": "y", "held": {"x": 1.0}}),
    ),
    "gradients": (("ascent", {"f": "3x^2 + 2y", "point": [1.0, 2.0]}),),
    "chain": (("rate", {"f": "(2x + 3)^2", "outer": "u^2", "inner": "2x + 3", "x0": 0.5}),),
    "descent": (
        ("step", {"f": "x^2", "x0": [10.0], "lr": 0.1, "optimizer": "sgd"}),
        ("converges", {"f": "x^2", "x0": [2.0], "lr": 1.1, "optimizer": "sgd"}),
    ),
    "backprop": (("sign", {"w": 0.75, "b": 0.0, "x": 1.0, "t": 0.5, "lr": 0.1}),),
}


def worked_examples(topic: str) -> tuple[Exercise, ...]:
    """The lesson's worked examples of `topic`, in the lesson's order."""
    _check_topic(topic)
    return tuple(_make(topic, kind, dict(data), "lesson", None) for kind, data in _WORKED[topic])


def exercise_number(topic: str, n: int, seed: int = 0) -> Exercise:
    """The n-th exercise (from 0) a learner meets in `topic`: the worked examples first, then generated ones
    (seed + n, so the walk is the same every time for the same seed)."""
    worked = _WORKED[_check_topic(topic)]
    if 0 <= n < len(worked):
        kind, data = worked[n]
        return _make(topic, kind, dict(data), "lesson", None)
    return generate(topic, seed + n)


def generate(topic: str, seed: int) -> Exercise:
    """A fresh exercise of `topic` from `seed` (the same seed gives the same exercise)."""
    _check_topic(topic)
    rng = random.Random(f"{topic}:{seed}")
    kind, data = _GENERATORS[topic](rng)
    return _make(topic, kind, data, "generated", seed)


def _check_topic(topic: str) -> str:
    if topic not in TOPICS:
        raise ValueError(f"unknown topic '{topic}'; choose from {', '.join(TOPICS)}")
    return topic


# -- generators: numbers a learner can handle by hand --------------------------------------------------------

def _nonzero(rng: random.Random, low: int, high: int) -> int:
    return rng.choice([k for k in range(low, high + 1) if k != 0])


def _term(coef: int, power: str, first: bool) -> str:
    """One signed term, written the way a learner would: '3x^2', '- x', '+ 4'."""
    if coef == 0:
        return ""
    sign = ("-" if coef < 0 else "") if first else (" - " if coef < 0 else " + ")
    size = abs(coef)
    body = (str(size) if size != 1 or not power else "") + power
    return sign + body


def polynomial(coefs: list[int], var: str = "x") -> str:
    """coefs from the highest power down to the constant, as text: [1, 0, -3, 2] -> 'x^3 - 3x + 2'."""
    degree = len(coefs) - 1
    text = ""
    for i, coef in enumerate(coefs):
        power = degree - i
        name = "" if power == 0 else (var if power == 1 else f"{var}^{power}")
        text += _term(coef, name, not text)
    return text or "0"


def _derivatives(rng: random.Random) -> tuple[str, dict[str, Any]]:
    degree = rng.choice([2, 2, 3])
    coefs = [_nonzero(rng, -3, 3)] + [rng.randint(-4, 4) for _ in range(degree)]
    x0 = rng.choice([rng.randint(-2, 2), rng.randint(-20, 20) / 10])
    return "slope", {"f": polynomial(coefs), "x0": float(x0)}


def _gradients(rng: random.Random) -> tuple[str, dict[str, Any]]:
    while True:
        a, b = _nonzero(rng, -3, 3), rng.randint(-3, 3)
        c, d = rng.randint(-2, 2), rng.randint(-3, 3)
        f = polynomial([a, b, 0]) + (" " + _signed(c, "x y") if c else "") + (" " + _signed(d, "y^2") if d else "")
        point = [float(rng.randint(-2, 2)), float(rng.randint(-2, 2))]
        gx = 2 * a * point[0] + b + c * point[1]
        gy = c * point[0] + 2 * d * point[1]
        if gx or gy:                     # a zero gradient has no direction to point at
            return "ascent", {"f": f, "point": point}


def _signed(coef: int, name: str) -> str:
    return ("- " if coef < 0 else "+ ") + (str(abs(coef)) if abs(coef) != 1 else "") + name


_OUTERS: tuple[tuple[str, str], ...] = (("u^2", "({})^2"), ("u^3", "({})^3"), ("2u^2", "2({})^2"),
                                        ("u^2 + u", "({0})^2 + ({0})"))


def _chain(rng: random.Random) -> tuple[str, dict[str, Any]]:
    outer, pattern = rng.choice(_OUTERS)
    if rng.random() < 0.7:
        inner = polynomial([_nonzero(rng, -3, 3), rng.randint(-4, 4)])
    else:
        inner = polynomial([1, 0, rng.randint(-3, 3)])
    x0 = float(rng.choice([-2, -1, 0, 1, 2, 0.5, -0.5, 1.5]))
    return "rate", {"f": pattern.format(inner), "outer": outer, "inner": inner, "x0": x0}


def _descent(rng: random.Random) -> tuple[str, dict[str, Any]]:
    if rng.random() < 0.3:
        a, b = rng.randint(1, 3), rng.randint(1, 3)
        f = polynomial([a, 0, 0]) + " + " + polynomial([b, 0, 0], "y")
        x0 = [float(rng.randint(-4, 4)), float(_nonzero(rng, -3, 3))]
        return "step", {"f": f, "x0": x0, "lr": rng.choice([0.1, 0.05]), "optimizer": "sgd"}
    a = rng.randint(1, 3)
    f = polynomial([a, rng.randint(-4, 4), rng.randint(-3, 3)])
    x0 = [float(_nonzero(rng, -5, 5))]
    if rng.random() < 0.25:
        # "Will it converge?": eta times the curvature 2a is kept clear of the edge 2 (0.4 to 3 times it).
        lr = round(rng.choice([0.4, 0.8, 1.2, 1.6, 2.4, 3.0]) / (2 * a), 2)
        return "converges", {"f": f, "x0": x0, "lr": lr, "optimizer": "sgd"}
    return "step", {"f": f, "x0": x0, "lr": rng.choice([0.1, 0.2, 0.05, 0.25]), "optimizer": "sgd"}


def _backprop(rng: random.Random) -> tuple[str, dict[str, Any]]:
    while True:
        w, b = rng.randint(-20, 20) / 10, rng.randint(-10, 10) / 10
        x, t = float(_nonzero(rng, -2, 2)), rng.randint(-10, 10) / 10
        if abs(w * x + b - t) > 0.05:       # a zero error has no sign to predict
            return "sign", {"w": w, "b": b, "x": x, "t": t, "lr": rng.choice([0.1, 0.05, 0.2])}


_GENERATORS: dict[str, Callable[[random.Random], tuple[str, dict[str, Any]]]] = {
    "derivatives": _derivatives, "gradients": _gradients, "chain": _chain, "descent": _descent,
    "backprop": _backprop}
