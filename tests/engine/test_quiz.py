"""The quiz's exercises against answers computed another way: finite differences on the text evaluated by plain
Python, a hand-written SGD step, a run of a hundred steps for "will it converge?"."""

from __future__ import annotations

import math
import re

import pytest

from calclab.engine import quiz

SEEDS = range(15)


def _python(text: str) -> str:
    """The exercise's text as Python: implicit products made explicit, ^ as ** (our generators' small grammar)."""
    text = text.replace("^", "**")
    text = re.sub(r"(\d)\s*([a-z(])", r"\1*\2", text)
    text = re.sub(r"\)\s*\(", ")*(", text)
    return re.sub(r"([a-z])\s+([a-z])", r"\1*\2", text)


def _function(text: str, names: str = "x"):
    code = compile(_python(text), "<exercise>", "eval")
    return lambda *values: eval(code, {"__builtins__": {}}, dict(zip(names, values, strict=False)))  # noqa: S307


def _fd(f, x: float, h: float = 1e-5) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


def _partial(f, point: list[float], i: int, h: float = 1e-5) -> float:
    """∂f/∂(variable i) at point, by a central difference."""
    up, down = list(point), list(point)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


def _all(topic: str) -> list[quiz.Exercise]:
    return list(quiz.worked_examples(topic)) + [quiz.generate(topic, s) for s in SEEDS]


def _one_decimal(value: float) -> bool:
    return abs(value * 10 - round(value * 10)) < 1e-9


def test_same_seed_same_exercise_and_seeds_differ():
    for topic in quiz.TOPICS:
        made = [quiz.generate(topic, s) for s in range(10)]
        assert made[:3] == [quiz.generate(topic, s) for s in range(3)]
        assert len({repr(e.data) for e in made}) >= 7


def test_worked_examples_come_first_then_generated():
    walk = [quiz.exercise_number("descent", n, seed=7) for n in range(4)]
    assert [e.source for e in walk] == ["lesson", "lesson", "generated", "generated"]
    assert walk[0].data == {"f": "x^2", "x0": [10.0], "lr": 0.1, "optimizer": "sgd"}
    assert walk[2] == quiz.generate("descent", 9)
    with pytest.raises(ValueError, match="unknown topic"):
        quiz.generate("integrals", 0)


def test_slopes_match_finite_differences():
    for exercise in _all("derivatives"):
        data = exercise.data
        if "held" in data:          # the lesson's partials of 3x^2 + 2y
            point = {**data["held"], data["wrt"]: data["x0"]}
            i = "xy".index(data["wrt"])
            expected = _partial(lambda x, y: 3 * x**2 + 2 * y, [point["x"], point["y"]], i)
        else:
            expected = _fd(_function(data["f"]), data["x0"])
            assert _one_decimal(data["x0"]) and abs(data["x0"]) <= 2
        assert exercise.answer["slope"] == pytest.approx(expected, abs=1e-6), data
    assert quiz.worked_examples("derivatives")[0].answer["slope"] == 3.0   # 2x at 1.5


def test_gradients_match_finite_differences():
    for exercise in _all("gradients"):
        f = _function(exercise.data["f"], "xy")
        expected = [_partial(f, exercise.data["point"], i) for i in (0, 1)]
        assert exercise.answer["gradient"] == pytest.approx(expected, abs=1e-6)
        assert math.hypot(*expected) > 0
        assert exercise.answer["angle"] == pytest.approx(math.degrees(math.atan2(expected[1], expected[0])))


def test_chain_rates_match_the_composite_and_its_links():
    for exercise in _all("chain"):
        d = exercise.data
        f, inner, outer = _function(d["f"]), _function(d["inner"]), _function(d["outer"], "u")
        x0 = d["x0"]
        assert f(x0 + 0.3) == pytest.approx(outer(inner(x0 + 0.3)))   # f really is outer(inner)
        assert exercise.answer["inner_rate"] == pytest.approx(_fd(inner, x0), abs=1e-6)
        assert exercise.answer["outer_rate"] == pytest.approx(_fd(outer, inner(x0)), abs=1e-6)
        assert exercise.answer["rate"] == pytest.approx(_fd(f, x0), abs=1e-5)
    assert quiz.worked_examples("chain")[0].answer["rate"] == 8 * 0.5 + 12   # the lesson's 8x + 12


def test_descent_steps_are_one_hand_sgd_step():
    for exercise in _all("descent"):
        d = exercise.data
        if exercise.kind != "step":
            continue
        names = "xy"[:len(d["x0"])]
        f = _function(d["f"], names)
        grad = [_partial(f, d["x0"], i) for i in range(len(d["x0"]))]
        expected = [x - d["lr"] * g for x, g in zip(d["x0"], grad, strict=True)]
        assert exercise.answer["x"] == pytest.approx(expected, abs=1e-6)
    assert quiz.worked_examples("descent")[0].answer["x"] == pytest.approx([8.0])   # the lesson's epoch 1


def test_will_it_converge_matches_a_hundred_steps():
    cases = [e for e in _all("descent") if e.kind == "converges"]
    cases += [e for s in range(15, 90) if (e := quiz.generate("descent", s)).kind == "converges"][:20]
    assert len(cases) >= 6
    for exercise in cases:
        d = exercise.data
        f = _function(d["f"])
        x = d["x0"][0]
        curvature = (f(1.0) - 2 * f(0.0) + f(-1.0))          # f'' of a quadratic, exactly
        minimum = -_fd(f, 0.0) / curvature                  # where the slope a + f''·x is zero
        start = abs(x - minimum)
        for _ in range(100):
            x -= d["lr"] * _fd(f, x)
        assert (abs(x - minimum) < 1e-3 * start) == exercise.answer["converges"], d


def test_backprop_gradient_signs_match_finite_differences():
    for exercise in _all("backprop"):
        d = exercise.data

        def loss(w, d=d):
            return (w * d["x"] + d["b"] - d["t"]) ** 2
        g = _fd(loss, d["w"])
        assert exercise.answer["grad_w"] == pytest.approx(g, abs=1e-6)
        assert exercise.answer["sign"] == (1 if g > 0 else -1)
        assert exercise.answer["w_new"] == pytest.approx(d["w"] - d["lr"] * g, abs=1e-6)
        assert exercise.answer["moves"] == ("down" if g > 0 else "up")
    lesson = quiz.worked_examples("backprop")[0]
    assert lesson.answer["grad_w"] == 0.5 and lesson.answer["w_new"] == pytest.approx(0.7)   # w − 0.1·0.5


def test_generated_numbers_are_small_enough_to_do_by_hand():
    for exercise in [quiz.generate(t, s) for t in quiz.TOPICS for s in SEEDS]:
        numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", exercise.data.get("f", ""))]
        assert all(n <= 5 for n in numbers), exercise.data
        assert all(len(n.split(".")[-1]) <= 1 for n in re.findall(r"\d+\.\d+", exercise.data.get("f", "")))
        assert "^4" not in exercise.data.get("f", "")


def test_check_scores_within_the_tolerance():
    slope = quiz.worked_examples("derivatives")[0]          # truth 3
    assert quiz.check(slope, {"slope": 3.2}).correct
    assert not quiz.check(slope, {"slope": 4.0}).correct
    assert not quiz.check(slope, {"slope": float("nan")}).correct
    ascent = quiz.worked_examples("gradients")[0]           # ∇f = [6, 2], 18.4°
    assert quiz.check(ascent, {"direction": [1, 0]}).correct          # 18.4° off
    verdict = quiz.check(ascent, {"direction": [0, 1]})
    assert not verdict.correct and verdict.error == pytest.approx(90 - 18.4349, abs=1e-3)
    step = quiz.worked_examples("descent")[0]               # 10 -> 8, step 2: within 0.3 counts
    assert quiz.check(step, {"x": [8.25]}).correct and not quiz.check(step, {"x": [7.5]}).correct
    assert "8" in quiz.check(step, {"x": [0]}).truth
    conv = quiz.worked_examples("descent")[1]
    assert quiz.check(conv, {"converges": False}).correct and not quiz.check(conv, {"converges": True}).correct
    sign = quiz.worked_examples("backprop")[0]
    assert quiz.check(sign, {"sign": 1}).correct and quiz.check(sign, {"moves": "down"}).correct
    assert not quiz.check(sign, {"moves": "up"}).correct
    with pytest.raises(ValueError, match="needs"):
        quiz.check(slope, {"rate": 3})


def test_exercises_pickle_for_the_worker():
    import pickle

    for topic in quiz.TOPICS:
        exercise = quiz.generate(topic, 3)
        assert pickle.loads(pickle.dumps(exercise)) == exercise
