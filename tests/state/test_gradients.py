"""GradientsState: round trip through to_dict/from_dict, tolerance of bad data, presets that parse."""

from __future__ import annotations

import json

import pytest

from calclab.engine.calculus import variables_of
from calclab.engine.parsing import parse
from calclab.state.gradients import PRESETS, GradientsState


def test_round_trip_through_json():
    state = GradientsState(expression="x*y*z", x_variable="z", y_variable="x", x_range=(-1.0, 2.0),
                           y_range=(0.5, 4.0), point={"x": 1.5, "y": -2.0, "z": 0.25}, show_probe=False,
                           show_field=False, show_contours=False, normalize_arrows=True, log_colors=True,
                           show_curvature=False, show_critical=False, show_direction=False, direction_angle=212.5)
    assert GradientsState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


@pytest.mark.parametrize("data", [None, 3, "x", [], {"expression": 5}, {"x_range": [2, 1]},
                                  {"x_range": [0, float("nan")]}, {"y_range": "wide"}, {"point": [1, 2]},
                                  {"show_field": "yes"}, {"unknown": 1}, {"log_colors": 1},
                                  {"direction_angle": "north"}, {"direction_angle": float("nan")},
                                  {"direction_angle": True}, {"show_critical": 0}])
def test_bad_values_fall_back_to_defaults(data):
    assert GradientsState.from_dict(data) == GradientsState()


def test_good_values_are_kept_next_to_bad_ones():
    state = GradientsState.from_dict({"expression": "x^2", "x_range": [1, "a"], "y_range": [-5, 5],
                                      "point": {"x": 2, "y": "bad", "z": float("inf"), "w": True},
                                      "normalize_arrows": True, "extra": {}})
    assert state.expression == "x^2" and state.x_range == GradientsState().x_range
    assert state.y_range == (-5.0, 5.0) and state.point == {"x": 2.0} and state.normalize_arrows is True


def test_presets_start_with_the_lesson_example_and_give_every_variable_a_value():
    assert PRESETS[0].state.expression == "3x^2 + 2y" and PRESETS[0].state.point == {"x": 1.0, "y": 2.0}
    names = {p.name for p in PRESETS}
    assert {"Rosenbrock", "Himmelblau"} <= names and any("Bowl" in n for n in names)
    for preset in PRESETS:
        variables = {v.name for v in variables_of(parse(preset.state.expression))}
        assert set(preset.state.point) == variables, preset.name
        state = preset.make_state()
        assert state.x_range[0] < state.x_range[1] and state == preset.state and state is not preset.state
        assert preset.description, preset.name


def test_the_direction_angle_is_kept_within_one_turn():
    assert GradientsState.from_dict({"direction_angle": 45}).direction_angle == 45.0
    assert GradientsState.from_dict({"direction_angle": -90}).direction_angle == 270.0
    assert GradientsState.from_dict({"direction_angle": 725.0}).direction_angle == pytest.approx(5.0)
