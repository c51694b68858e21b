"""DescentState's new settings (weight decay, schedules, AdamW, Newton): round trips, tolerance of bad data, limits,
and the runs the Descent tab builds from it (a shared schedule, Newton with the engine's Hessian)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from calclab.engine.jobs.descent import build_runs, compile_prepared, prepare
from calclab.engine.parsing import parse
from calclab.engine.schedules import schedule_lrs
from calclab.state.descent import HYPER_USERS, SCHEDULE_LIMITS, SCHEDULE_USERS, DescentState


def test_round_trip_through_json_with_the_new_fields():
    state = DescentState(expression="x^2 + 10y^2", start=[3.0, 1.0], optimizer="adamw", weight_decay=0.02,
                         schedule="warmup", step_size=7, gamma=0.3, t_max=12, eta_min=0.002, start_factor=0.1,
                         warmup_epochs=4, compare=True, compare_optimizers=["sgd", "adamw", "newton"])
    data = json.loads(json.dumps(state.to_dict()))
    assert {"weight_decay", "schedule", "step_size", "gamma", "t_max", "eta_min", "start_factor",
            "warmup_epochs"} <= set(data)
    assert DescentState.from_dict(data) == state


@pytest.mark.parametrize(("data", "field", "kept"), [
    ({"schedule": "cyclic"}, "schedule", "constant"),
    ({"schedule": 3}, "schedule", "constant"),
    ({"step_size": 0}, "step_size", 10),
    ({"step_size": True}, "step_size", 10),
    ({"step_size": 2.5}, "step_size", 10),
    ({"step_size": 4.0}, "step_size", 4),                  # a whole number written as a float is kept
    ({"t_max": 100_001}, "t_max", None),
    ({"t_max": "20"}, "t_max", None),
    ({"gamma": 0.0}, "gamma", None),
    ({"gamma": 1.5}, "gamma", None),
    ({"eta_min": -0.1}, "eta_min", 0.0),
    ({"start_factor": 0.0}, "start_factor", 1 / 3),
    ({"warmup_epochs": float("nan")}, "warmup_epochs", 5),
    ({"weight_decay": -1}, "weight_decay", None),
    ({"weight_decay": 11.0}, "weight_decay", None),
    ({"optimizer": "lbfgs"}, "optimizer", "sgd"),
    ({"optimizer": "newton"}, "optimizer", "newton"),
    ({"optimizer": "adamw"}, "optimizer", "adamw"),
])
def test_from_dict_is_tolerant_field_by_field(data, field, kept):
    assert getattr(DescentState.from_dict(data), field) == kept


def test_limits_and_users_name_every_setting():
    assert SCHEDULE_USERS == {"step_size": ("step",), "gamma": ("step", "exponential"), "t_max": ("cosine",),
                              "eta_min": ("cosine",), "start_factor": ("warmup",), "warmup_epochs": ("warmup",)}
    assert set(SCHEDULE_LIMITS) == set(SCHEDULE_USERS)
    assert HYPER_USERS["weight_decay"] == ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw",
                                           "newton")
    assert HYPER_USERS["beta1"] == ("adam", "adamw")


def test_weight_decay_none_is_each_optimizers_default():
    state = DescentState(optimizer="adamw")
    assert "weight_decay" not in state.hyper() and state.hyper()["beta1"] == 0.9
    state.weight_decay = 0.0
    assert state.hyper("adamw")["weight_decay"] == 0.0 and state.hyper("sgd") == {"weight_decay": 0.0}
    assert state.hyper("newton") == {"weight_decay": 0.0}


def test_schedule_params_leave_unset_values_to_the_schedule():
    state = DescentState(schedule="cosine", eta_min=0.01, learning_rate=0.2, epochs=8)
    assert state.schedule_params() == {"eta_min": 0.01}                 # t_max None: the run's epochs
    assert schedule_lrs(state.schedule, state.learning_rate, state.epochs, **state.schedule_params()) == \
        schedule_lrs("cosine", 0.2, 8, t_max=8, eta_min=0.01)
    state = DescentState(schedule="exponential")
    assert state.schedule_params() == {} and state.lr_schedule().params == {"gamma": 0.9}
    assert DescentState(schedule="step", gamma=0.5).lr_schedule().params == {"step_size": 10, "gamma": 0.5}
    assert DescentState().lr_schedule() is None


def test_run_options_are_descents_keywords():
    state = DescentState(optimizer="adam", learning_rate=0.05, epochs=9, tolerance=1e-3, beta1=0.8, schedule="step",
                         compare=True, compare_optimizers=["sgd"], compare_lrs={"sgd": 0.2})
    options = state.run_options()
    assert options["optimizer"] == "adam" and options["lr"] == 0.05 and options["epochs"] == 9
    assert options["tolerance"] == 1e-3 and options["beta1"] == 0.8 and options["schedule"].name == "step"
    assert state.run_options("sgd")["lr"] == 0.2 and "beta1" not in state.run_options("sgd")


def test_within_limits_orders_new_methods_too():
    state = DescentState(optimizer="newton", compare_optimizers=["adamw", "sgd"]).within_limits()
    assert state.compare_optimizers == ["sgd", "adamw", "newton"]
    assert DescentState(optimizer="newton", compare=True, compare_optimizers=["adamw", "sgd"]).optimizers() == [
        "newton", "sgd", "adamw"]


def test_the_tabs_runs_share_the_schedule_and_newton_gets_the_hessian():
    compiled = compile_prepared(prepare(parse("x^2 + 10y^2")))
    state = DescentState(expression="x^2 + 10y^2", start=[3.0, 1.0], learning_rate=0.05, epochs=6, optimizer="sgd",
                         schedule="exponential", gamma=0.5, compare=True, compare_optimizers=["adamw", "newton"],
                         compare_lrs={"adamw": 0.2})
    runs = dict(build_runs(compiled, state, state.start))
    assert list(runs) == ["sgd", "adamw", "newton"]
    for run in runs.values():
        run.run()
    assert runs["sgd"].history.lr.tolist() == [0.05, 0.025, 0.0125, 0.00625, 0.003125, 0.0015625]
    assert runs["adamw"].history.lr.tolist() == [0.2, 0.1, 0.05, 0.025, 0.0125, 0.00625]
    assert runs["adamw"].hyper["weight_decay"] == 0.01
    np.testing.assert_array_equal(runs["newton"].history.x, [[0.0, 0.0]])   # one step, then converged
    assert runs["newton"].status == "converged"
    assert not compiled.prepared.hessian_by_differences and not compiled.hessian.by_differences
    deep = compile_prepared(prepare(parse("sin(" * 40 + "x" + ")" * 40)))
    assert deep.prepared.hessian_by_differences and deep.hessian.by_differences
    assert deep.hessian_near(np.array([0.5])).shape == (1, 1)


def test_an_invalid_schedule_in_a_hand_made_state_is_the_engines_message():
    compiled = compile_prepared(prepare(parse("x^2")))
    with pytest.raises(ValueError, match="gamma must be greater than 0"):
        build_runs(compiled, DescentState(schedule="step", gamma=0.0), [1.0])
