"""Learning-rate schedules against torch.optim.lr_scheduler's written formulas and values worked out by hand.

The rate update t uses is the scheduler's after t - 1 calls of step(), so the k-th rate (k = 0, 1, ...) is torch's
closed form at last_epoch = k: StepLR base * gamma^(k // step_size), ExponentialLR base * gamma^k,
CosineAnnealingLR eta_min + (base - eta_min)(1 + cos(pi k / T_max)) / 2 (rising again past T_max), LinearLR
base * (start + (1 - start) * min(k, total) / total). Our sequences follow torch's recursive form, which agrees
with the closed forms to rounding (~1e-17).
"""

import math

import numpy as np
import pytest

from calclab.engine.descent import Descent
from calclab.engine.schedules import SCHEDULE_DEFAULTS, SCHEDULES, make_schedule, schedule_lrs


def test_constant_is_the_base_rate():
    assert schedule_lrs("constant", 0.3, 4) == [0.3, 0.3, 0.3, 0.3]
    assert schedule_lrs("constant", 0.3, 0) == []


def test_step_lr_by_hand():
    # every 3 epochs times 0.5 (exact in binary)
    assert schedule_lrs("step", 0.8, 10, step_size=3, gamma=0.5) == [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.1]


def test_step_lr_written_formula():
    ours = schedule_lrs("step", 0.05, 100, step_size=30, gamma=0.1)     # torch's docstring example
    assert ours == pytest.approx([0.05 * 0.1 ** (k // 30) for k in range(100)], rel=1e-14)
    assert ours[29] == 0.05 and ours[30] == pytest.approx(0.005) and ours[60] == pytest.approx(0.0005)


def test_exponential_lr_by_hand_and_by_formula():
    assert schedule_lrs("exponential", 1.0, 5, gamma=0.5) == [1.0, 0.5, 0.25, 0.125, 0.0625]
    assert schedule_lrs("exponential", 0.1, 50, gamma=0.95) == pytest.approx([0.1 * 0.95**k for k in range(50)],
                                                                             rel=1e-13)


def test_cosine_by_hand():
    # T_max = 2: 1, (1 + cos(pi/2))/2 = 0.5, 0 at T_max, then up again: 0.5, 1 (period 2 T_max = 4)
    assert schedule_lrs("cosine", 1.0, 9, t_max=2) == pytest.approx([1, 0.5, 0, 0.5, 1, 0.5, 0, 0.5, 1], abs=1e-15)


def test_cosine_beyond_t_max_rises_again_as_torchs_does():
    base, eta_min, t_max = 0.1, 0.001, 20
    ours = schedule_lrs("cosine", base, 100, t_max=t_max, eta_min=eta_min)
    closed = [eta_min + (base - eta_min) * (1 + math.cos(math.pi * k / t_max)) / 2 for k in range(100)]
    assert ours == pytest.approx(closed, rel=0, abs=1e-15)
    assert ours[t_max] == pytest.approx(eta_min, abs=1e-17) and ours[2 * t_max] == pytest.approx(base, abs=1e-15)
    assert ours[t_max + 1] > ours[t_max] and ours[3 * t_max] == pytest.approx(eta_min, abs=1e-15)


def test_cosine_t_max_defaults_to_the_epochs():
    assert SCHEDULE_DEFAULTS["cosine"]["t_max"] is None
    ours = schedule_lrs("cosine", 1.0, 5)                            # T_max = 5: ends one step short of 0
    assert ours == pytest.approx([(1 + math.cos(math.pi * k / 5)) / 2 for k in range(5)], abs=1e-15)


def test_linear_warmup_by_hand_and_by_formula():
    # start_factor 0.25 over 3 epochs, base 0.8: 0.2, 0.4, 0.6, then 0.8 for good
    assert schedule_lrs("warmup", 0.8, 6, start_factor=0.25, warmup_epochs=3) == pytest.approx(
        [0.2, 0.4, 0.6, 0.8, 0.8, 0.8], rel=1e-15)
    start, total = 1 / 3, 5                                        # torch's LinearLR defaults
    expected = [0.1 * (start + (1 - start) * min(k, total) / total) for k in range(12)]
    assert schedule_lrs("warmup", 0.1, 12) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(("name", "params"), [
    ("step", {"step_size": 4, "gamma": 0.3}), ("exponential", {"gamma": 0.9}),
    ("cosine", {"t_max": 7, "eta_min": 0.01}), ("warmup", {"start_factor": 0.1, "warmup_epochs": 6}),
])
def test_matches_torch(name, params):
    torch = pytest.importorskip("torch")
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.2)
    sched = {"step": lambda: torch.optim.lr_scheduler.StepLR(opt, params["step_size"], params["gamma"]),
             "exponential": lambda: torch.optim.lr_scheduler.ExponentialLR(opt, params["gamma"]),
             "cosine": lambda: torch.optim.lr_scheduler.CosineAnnealingLR(opt, params["t_max"], params["eta_min"]),
             "warmup": lambda: torch.optim.lr_scheduler.LinearLR(opt, params["start_factor"], 1.0,
                                                                 params["warmup_epochs"])}[name]()
    expected = []
    for _ in range(40):
        expected.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert schedule_lrs(name, 0.2, 40, **params) == expected


def test_descent_uses_the_rate_of_each_epoch():
    """SGD on x^2 from 10 with StepLR(step_size=2, gamma=0.5): x <- x - lr_t * 2x, by hand."""
    schedule = make_schedule("step", step_size=2, gamma=0.5)
    run = Descent(lambda p: p[0] ** 2, lambda p: np.array([2 * p[0]]), 10.0, lr=0.1, epochs=5, schedule=schedule)
    run.run()
    x, expected = 10.0, []
    for lr in (0.1, 0.1, 0.05, 0.05, 0.025):
        x = x - lr * 2 * x
        expected.append(x)
    assert run.history.x[:, 0].tolist() == pytest.approx(expected, rel=1e-15)
    assert run.history.lr.tolist() == [0.1, 0.1, 0.05, 0.05, 0.025]
    assert run.lr == 0.1                                   # the base rate stays


def test_descent_base_rate_change_rescales_the_schedule():
    run = Descent(lambda p: p[0] ** 2, lambda p: np.array([2 * p[0]]), 10.0, lr=0.1, epochs=6,
                  schedule=make_schedule("exponential", gamma=0.5))
    run.run(max_steps=3)
    assert run.history.lr.tolist() == [0.1, 0.05, 0.025]
    run.lr = 0.8                                           # the tab's slider: the schedule goes on from the new base
    assert run.next_lr == 0.1 and run.lr_at(1) == 0.8
    run.run()
    assert run.history.lr.tolist() == [0.1, 0.05, 0.025, 0.1, 0.05, 0.025]
    run.reset()
    assert run.next_lr == 0.8


def test_runs_sharing_a_schedule_do_not_disturb_each_other():
    schedule = make_schedule("cosine", t_max=4)
    runs = [Descent(lambda p: p[0] ** 2, lambda p: np.array([2 * p[0]]), 1.0, lr=lr, epochs=8, schedule=schedule)
            for lr in (0.1, 0.3)]
    for _ in range(8):
        for run in runs:
            run.step()
    for run, lr in zip(runs, (0.1, 0.3), strict=True):
        assert run.history.lr.tolist() == schedule_lrs("cosine", lr, 8, t_max=4)


@pytest.mark.parametrize(("call", "words"), [
    (lambda: make_schedule("onecycle"), "unknown schedule 'onecycle'"),
    (lambda: make_schedule("step", t_max=3), "the step schedule has no parameter 't_max'"),
    (lambda: make_schedule("constant", gamma=0.5), "no parameters"),
    (lambda: make_schedule("step", step_size=0), "step_size must be a whole number"),
    (lambda: make_schedule("step", step_size=2.5), "step_size must be a whole number"),
    (lambda: make_schedule("exponential", gamma=0.0), "gamma must be greater than 0"),
    (lambda: make_schedule("exponential", gamma=math.nan), "gamma must be a finite number"),
    (lambda: make_schedule("cosine", eta_min=-1.0), "eta_min must be 0 or more"),
    (lambda: make_schedule("cosine", t_max=True), "t_max must be a whole number"),
    (lambda: make_schedule("warmup", start_factor=1.5), "start_factor must be greater than 0 and at most 1"),
    (lambda: make_schedule("warmup", warmup_epochs=0), "warmup_epochs must be a whole number"),
    (lambda: schedule_lrs("constant", 0.1, -1), "epochs"),
])
def test_bad_schedules_are_value_errors(call, words):
    with pytest.raises(ValueError, match=words):
        call()


def test_every_schedule_has_defaults_and_a_descent_takes_it():
    assert set(SCHEDULE_DEFAULTS) == set(SCHEDULES)
    for name in SCHEDULES:
        run = Descent(lambda p: p[0] ** 2, lambda p: np.array([2 * p[0]]), 1.0, lr=0.1, epochs=12,
                      schedule=make_schedule(name))
        run.run()
        assert run.history.lr.tolist() == schedule_lrs(name, 0.1, 12)
    with pytest.raises(ValueError, match="schedule must be a Schedule"):
        Descent(lambda p: p[0] ** 2, lambda p: np.array([2 * p[0]]), 1.0, schedule="cosine")
