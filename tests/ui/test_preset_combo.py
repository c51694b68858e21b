"""Each tab's own preset chooser lists the built-in presets, then the user's (issue 21), and a choice loads it."""

from __future__ import annotations

import json

import pytest

from calclab.state import tab_spec
from calclab.ui.main_window import MainWindow
from calclab.ui.tabs import load_tab_class
from calclab.ui.widgets.preset_combo import PresetCombo

# One field each user preset sets, and the value the tab's state must show after choosing it.
USER_FIELD = {"derivatives": ("expression", "x^3 - x"), "gradients": ("expression", "x^2 - y^2"),
              "chain": ("expression", "tanh(2x)"), "descent": ("expression", "x^2 + 3y^2"),
              "backprop": ("n_samples", 120)}
TITLE = {"derivatives": "Presets…", "gradients": "Choose a preset…", "backprop": "Presets…"}


@pytest.fixture
def home(monkeypatch, tmp_path):
    monkeypatch.setenv("CALCLAB_HOME", str(tmp_path))
    return tmp_path


def _texts(combo: PresetCombo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def _write(home, tab: str, stem: str, doc) -> None:
    folder = home / "presets" / tab
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.json").write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")


@pytest.mark.parametrize("name", list(USER_FIELD))
def test_the_tabs_chooser_lists_the_users_presets_after_the_builtins(qtbot, worker, home, name):
    key, value = USER_FIELD[name]
    _write(home, name, "mine", {"version": 1, "name": "Mine", "description": "my own", "state": {key: value}})
    _write(home, name, "broken", "{")
    builtin = tab_spec(name).presets()
    _write(home, name, "twin", {"version": 1, "name": builtin[0].name, "state": {}})
    tab = load_tab_class(tab_spec(name).view_target)(worker)
    qtbot.addWidget(tab)
    [combo] = tab.findChildren(PresetCombo)
    title = [TITLE[name]] if name in TITLE else []
    # built-ins, a separator, then the user's by name; a taken name gets " (2)"; the broken file is skipped
    users = sorted(["Mine", f"{builtin[0].name} (2)"], key=str.casefold)
    assert _texts(combo) == title + [p.name for p in builtin] + [""] + users
    index = _texts(combo).index("Mine")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=30000)
    assert getattr(tab.state, key) == value


@pytest.mark.qt_log_ignore("This plugin does not support")   # the offscreen popup cannot raise or grab
def test_a_file_copied_in_shows_when_the_list_opens(qtbot, home):
    combo = PresetCombo("chain")
    qtbot.addWidget(combo)
    assert "Copied" not in _texts(combo)
    _write(home, "chain", "copied", {"version": 1, "name": "Copied", "state": {"x0": 0.5}})
    combo.showPopup()
    combo.hidePopup()
    assert _texts(combo)[-1] == "Copied"
    assert combo.currentIndex() == 0            # the choice shown before stays


def test_saving_from_the_presets_menu_lists_it_in_the_tabs_chooser_at_once(qtbot, worker, home):
    window = MainWindow(worker, initial_tab="chain", eager_tabs=False)
    qtbot.addWidget(window)
    window.ensure_started()
    combo = window.tab("chain").combo_preset
    assert "Period 3" not in _texts(combo)
    window.presets_menu.save_current("Period 3", "left of the vertex")
    assert _texts(combo)[-1] == "Period 3"
    assert combo.preset_at(combo.count() - 1).description == "left of the vertex"
