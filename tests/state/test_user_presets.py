"""The user's own presets: one JSON file each under <data dir>/presets/<tab>/; broken files are skipped by name."""

from __future__ import annotations

import json
import os

import pytest

from calclab.state.descent import PRESETS, DescentState
from calclab.state.preset_files import (
    PresetError,
    PresetExistsError,
    load_user_presets,
    save_user_preset,
    user_dir,
)


def _write(folder, file_name: str, doc) -> str:
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, file_name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def test_the_folder_follows_calclab_home_then_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("CALCLAB_HOME", str(tmp_path / "home"))
    assert user_dir("descent") == str(tmp_path / "home" / "presets" / "descent")
    monkeypatch.delenv("CALCLAB_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    if os.name == "posix" and os.uname().sysname == "Linux":
        assert user_dir("descent") == str(tmp_path / "data" / "calclab" / "presets" / "descent")


def test_a_good_file_loads_with_its_name_description_and_state(tmp_path):
    _write(tmp_path, "valley.json", {"version": 1, "name": "Valley at lr 0.05", "description": "slow but sure",
                                     "state": {"expression": "x^2 + 10y^2", "start": [3, 1], "learning_rate": 0.05}})
    found = load_user_presets("descent", DescentState, folder=str(tmp_path))
    assert found.problems == []
    [preset] = found.presets
    assert (preset.name, preset.description) == ("Valley at lr 0.05", "slow but sure")
    state = preset.make_state()
    assert (state.expression, state.start, state.learning_rate) == ("x^2 + 10y^2", [3.0, 1.0], 0.05)
    assert state.epochs == DescentState().epochs     # what the file does not set is the default
    assert found.paths[preset.name] == str(tmp_path / "valley.json")


def test_no_folder_means_no_user_presets(tmp_path):
    found = load_user_presets("descent", DescentState, folder=str(tmp_path / "missing"))
    assert found.presets == [] and found.problems == []


@pytest.mark.parametrize("content, words", [
    ("{not json", "not valid JSON"),
    (b"\xff\xfe", "not valid JSON"),
    ({"version": 2, "name": "n", "state": {}}, "unsupported version 2"),
    ({"version": 1, "name": "", "state": {}}, "'name'"),
    ({"version": 1, "name": "n", "state": {"learning_rate": 1e9}}, "'learning_rate'"),
    ({"version": 1, "name": "n", "state": {"speling": 1}}, "unknown setting 'speling'"),
    ({"version": 1, "name": "n", "state": "x^2"}, "'state' must be an object"),
    ("[" * 100_000, "not valid JSON"),
    ('{"version": 1, "name": "n", "state": {"epochs": 1' + "0" * 5000 + "}}", "not valid JSON"),
])
def test_a_broken_file_is_skipped_with_a_message_naming_it(tmp_path, content, words):
    good = _write(tmp_path, "good.json", {"version": 1, "name": "Good", "description": "", "state": {}})
    if isinstance(content, bytes):
        bad = str(tmp_path / "bad.json")
        with open(bad, "wb") as handle:
            handle.write(content)
    else:
        bad = _write(tmp_path, "bad.json", content)
    found = load_user_presets("descent", DescentState, folder=str(tmp_path))
    assert [p.name for p in found.presets] == ["Good"] and found.paths["Good"] == good
    [problem] = found.problems
    assert bad in problem and words in problem and "\n" not in problem


def test_a_folder_or_fifo_named_json_is_skipped(tmp_path):
    os.makedirs(tmp_path / "folder.json")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.json")
    found = load_user_presets("descent", DescentState, folder=str(tmp_path))
    assert found.presets == [] and len(found.problems) == (2 if hasattr(os, "mkfifo") else 1)


def test_duplicate_names_stay_reachable(tmp_path):
    builtin = PRESETS[0].name
    _write(tmp_path, "a.json", {"version": 1, "name": "Mine", "state": {"learning_rate": 0.2}})
    _write(tmp_path, "b.json", {"version": 1, "name": "Mine", "state": {"learning_rate": 0.3}})
    _write(tmp_path, "c.json", {"version": 1, "name": builtin, "state": {"learning_rate": 0.4}})
    found = load_user_presets("descent", DescentState, (builtin,), folder=str(tmp_path))
    by_name = {p.name: p.make_state().learning_rate for p in found.presets}
    assert by_name == {"Mine": 0.2, "Mine (2)": 0.3, f"{builtin} (2)": 0.4}
    assert found.problems == []


def test_save_writes_one_readable_file_and_refuses_to_overwrite_silently(tmp_path):
    state = DescentState(expression="x^4 - 3x^2 + x", start=[2.0], learning_rate=0.02)
    path = save_user_preset("descent", "My minima / period 3", "from x = 2", state, folder=str(tmp_path))
    assert os.path.dirname(path) == str(tmp_path) and os.path.basename(path) == "My minima _ period 3.json"
    with open(path, encoding="utf-8") as handle:
        doc = json.load(handle)
    assert doc["version"] == 1 and doc["name"] == "My minima / period 3" and doc["description"] == "from x = 2"
    [preset] = load_user_presets("descent", DescentState, folder=str(tmp_path)).presets
    assert preset.make_state() == state
    with pytest.raises(PresetExistsError):
        save_user_preset("descent", "My minima / period 3", "", DescentState(), folder=str(tmp_path))
    save_user_preset("descent", "My minima / period 3", "", DescentState(), folder=str(tmp_path), replace=True)
    [preset] = load_user_presets("descent", DescentState, folder=str(tmp_path)).presets
    assert preset.make_state() == DescentState()


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_save_refuses_an_empty_or_overlong_name(tmp_path, name):
    with pytest.raises(PresetError):
        save_user_preset("descent", name, "", DescentState(), folder=str(tmp_path))
    assert not os.listdir(tmp_path)
