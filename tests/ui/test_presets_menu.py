"""The Presets menu: the current tab's built-in presets, then the user's, and Save Current as Preset."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from calclab.state import tab_spec
from calclab.ui import presets_menu
from calclab.ui.main_window import MainWindow


@pytest.fixture
def home(monkeypatch, tmp_path):
    monkeypatch.setenv("CALCLAB_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def window(qtbot, worker, home):
    main_window = MainWindow(worker, initial_tab="chain", eager_tabs=False)
    qtbot.addWidget(main_window)
    main_window.ensure_started()
    return main_window


def _names(window) -> list[str]:
    window.presets_menu.rebuild()
    return [action.data().name for action in window.presets_menu.preset_actions()]


def test_the_menu_lists_the_current_tabs_builtins_then_the_users(window, home):
    builtin = [p.name for p in tab_spec("chain").presets()]
    assert _names(window) == builtin
    folder = home / "presets" / "chain"
    folder.mkdir(parents=True)
    (folder / "b.json").write_text(json.dumps({"version": 1, "name": "Zeta", "state": {"expression": "tanh(2x)"}}))
    (folder / "a.json").write_text(json.dumps({"version": 1, "name": "alpha", "state": {"x0": 0.25}}))
    (folder / "broken.json").write_text("{")
    assert _names(window) == builtin + ["alpha", "Zeta"]
    message = window.statusBar().currentMessage()
    assert str(folder / "broken.json") in message and "not valid JSON" in message
    window.select_tab("descent")
    assert _names(window) == [p.name for p in tab_spec("descent").presets()]


def test_choosing_a_user_preset_shows_its_state(window, home):
    folder = home / "presets" / "chain"
    folder.mkdir(parents=True)
    (folder / "p.json").write_text(json.dumps({"version": 1, "name": "Mine", "description": "tanh",
                                               "state": {"expression": "tanh(2x)", "x0": 0.25}}))
    window.presets_menu.rebuild()
    [action] = [a for a in window.presets_menu.preset_actions() if a.data().name == "Mine"]
    action.trigger()
    state = window.tab("chain").state
    assert (state.expression, state.x0) == ("tanh(2x)", 0.25)
    assert window.statusBar().currentMessage() == "Mine: tanh"


def test_save_current_writes_a_preset_that_the_menu_then_lists(window, home, monkeypatch):
    tab = window.tab("chain")
    state = tab.state
    state.x0 = -0.75
    tab.set_state(state)
    monkeypatch.setattr(presets_menu, "ask_preset", lambda parent, title: ("Period 3", "x0 left of the vertex"))
    path = window.presets_menu.save_interactive()
    assert path == str(home / "presets" / "chain" / "Period 3.json")
    assert json.loads(Path(path).read_text(encoding="utf-8"))["state"]["x0"] == -0.75
    assert "Period 3" in _names(window)

    asked = []   # the same name again: the user is asked before their file is replaced
    monkeypatch.setattr(presets_menu, "confirm_replace", lambda parent, name, path: asked.append(name) or False)
    assert window.presets_menu.save_interactive() is None and asked == ["Period 3"]
    monkeypatch.setattr(presets_menu, "confirm_replace", lambda parent, name, path: True)
    state.x0 = 0.125
    tab.set_state(state)
    assert window.presets_menu.save_interactive() == path
    assert json.loads(Path(path).read_text(encoding="utf-8"))["state"]["x0"] == 0.125


def test_a_builtin_name_is_refused(window, home, monkeypatch):
    errors = []
    taken = tab_spec("chain").presets()[0].name
    monkeypatch.setattr(presets_menu, "ask_preset", lambda parent, title: (taken, ""))
    monkeypatch.setattr(presets_menu, "show_error", lambda parent, message: errors.append(message))
    assert window.presets_menu.save_interactive() is None
    assert errors and "built-in" in errors[0]
    assert not os.path.exists(home / "presets")
