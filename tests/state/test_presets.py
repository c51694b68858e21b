"""The built-in presets are data (resources/presets/<tab>.json) and every value in them is one the state keeps."""

from __future__ import annotations

import json

import pytest

from calclab import resource_files
from calclab.state import TAB_NAMES, TABS, tab_spec
from calclab.state.descent import LR_MAX, DescentState
from calclab.state.preset_files import PresetError, builtin_presets, make_state, parse_builtin


@pytest.mark.parametrize("spec", TABS, ids=TAB_NAMES)
def test_every_tab_has_a_preset_file_whose_presets_all_load(spec):
    doc = json.loads(resource_files.read_text("presets", f"{spec.name}.json"))
    assert doc["version"] == 1
    presets = builtin_presets(spec.name, spec.state_class())
    assert [p.name for p in presets] == [entry["name"] for entry in doc["presets"]]
    assert len({p.name for p in presets}) == len(presets)
    assert spec.presets() == presets                       # the registry serves the file's presets, in order
    for preset, entry in zip(presets, doc["presets"], strict=True):
        assert preset.description == entry["description"]
        kept = preset.make_state().to_dict()
        for key, value in entry["state"].items():          # each written value survives from_dict unchanged
            assert json.loads(json.dumps(kept[key])) == value, (preset.name, key)


def test_the_lessons_worked_examples_come_first():
    for name in ("derivatives", "gradients", "chain", "descent"):
        assert tab_spec(name).presets()[0].name.startswith("Lesson"), name
    lesson = tab_spec("descent").presets()[0].make_state()   # the lesson's program: x^2 from 10, lr 0.1, 20 epochs
    assert (lesson.expression, lesson.start, lesson.learning_rate, lesson.epochs) == ("x^2", [10.0], 0.1, 20)
    from calclab.state.derivatives import LESSON_PRESETS, PRESETS

    assert PRESETS[:len(LESSON_PRESETS)] == LESSON_PRESETS and len(LESSON_PRESETS) == 3


def test_a_preset_state_starts_from_the_defaults():
    state = make_state(DescentState, {"expression": "x^2 + y^2", "start": [1, 2]})
    assert state.start == [1.0, 2.0] and state.learning_rate == DescentState().learning_rate


@pytest.mark.parametrize("data, words", [
    ({"learning_rate": LR_MAX * 2}, "'learning_rate'"),          # out of the state's range
    ({"learning_rate": "fast"}, "'learning_rate'"),              # wrong type
    ({"epochs": 2.5}, "'epochs'"),
    ({"optimizer": "adamx"}, "'optimizer'"),
    ({"learning_rat": 0.1}, "unknown setting 'learning_rat'"),   # a typo is not silently ignored
    ({"start": [1, 2, 3]}, "'start'"),
    ([1, 2], "must be an object"),
])
def test_a_value_the_state_would_not_keep_is_refused(data, words):
    with pytest.raises(PresetError, match=words):
        make_state(DescentState, data)


@pytest.mark.parametrize("text, words", [
    ('{"version": 2, "presets": []}', "unsupported version 2"),
    ('{"version": 1, "presets": []}', "non-empty list"),
    ('{"version": 1, "presets": [{"name": "a", "description": "", "state": {}}, '
     '{"name": "a", "description": "", "state": {}}]}', "used twice: a"),
    ('{"version": 1, "presets": [{"name": "", "description": "", "state": {}}]}', "'name'"),
    ('{"version": 1, "presets": [{"name": "b", "description": 3, "state": {}}]}', "preset 'b': 'description'"),
    ("[1", "not valid JSON"),
])
def test_a_broken_builtin_file_is_an_error_naming_the_problem(text, words):
    with pytest.raises(PresetError, match=words):
        parse_builtin(DescentState, text)
