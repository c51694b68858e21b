"""Every tab keeps the one contract (calclab/ui/tabs/base.py), and the code that serves all tabs (sessions,
export, the window) asks only the contract: no hasattr probing, no tab names tested."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from calclab.state import TABS, tab_spec
from calclab.ui.tabs import load_tab_class
from calclab.ui.tabs.base import TabBase

ROOT = Path(__file__).resolve().parents[3] / "calclab"
SHARED = ["ui/session_controller.py", "ui/export_sources.py", "ui/export_menu.py", "ui/main_window.py",
          "export_cli.py", "session.py"]


@pytest.fixture
def built(qtbot, worker):
    def build(name: str) -> TabBase:
        tab = load_tab_class(tab_spec(name).view_target)(worker)
        qtbot.addWidget(tab)
        tab.resize(1280, 800)
        return tab
    return build


@pytest.mark.parametrize("name", [spec.name for spec in TABS])
def test_every_tab_keeps_the_contract(built, qtbot, name):
    spec = tab_spec(name)
    tab = built(name)
    assert isinstance(tab, TabBase) and tab.name == name and tab.title == spec.title
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=30000)
    state = tab.state
    assert isinstance(state, spec.state_class())
    assert tab.state is not tab.state and tab.state == state          # a copy each time
    tab.set_state(spec.default_state())
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=30000)
    given = spec.default_state().to_dict()
    shown = tab.state.to_dict()
    assert shown.keys() == given.keys()
    assert shown.get("expression") == given.get("expression")   # the tab may fill in what the state left open
    assert tab.main_plot() in tab.plots()
    for view in spec.views:
        assert tab.view_plot(view) is not None
    with pytest.raises(KeyError):
        tab.view_plot("no such view")
    # The registry says what a tab exports; a tab that exports something implements it.
    assert tab.has_animation() == spec.animation == (type(tab).export_animation is not TabBase.export_animation)
    assert tab.has_table() == spec.table == (type(tab).export_table is not TabBase.export_table)


@pytest.mark.parametrize("path", SHARED)
def test_shared_code_asks_only_the_contract(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    names = "|".join(spec.name for spec in TABS)
    assert not re.search(r"hasattr\(\s*tab\b", text), f"{path} probes a tab with hasattr"
    assert not re.search(rf"(==|!=)\s*[\"']({names})[\"']|[\"']({names})[\"']\s*(==|!=)", text), \
        f"{path} tests a tab name"


class _Probe(TabBase):
    """The smallest tab: the contract's job handling without any tab's own."""

    name = "derivatives"


def test_a_failure_message_clears_on_the_next_submission_and_success(qtbot, worker):
    tab = _Probe(worker)
    qtbot.addWidget(tab)
    messages: list[str] = []
    tab.status_message.connect(messages.append)
    results: list[object] = []
    tab.submit("job", divmod, 1, 0, on_done=results.append)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=20000)
    assert messages == ["Derivatives: ZeroDivisionError: integer division or modulo by zero"]
    tab.submit("job", abs, -3, on_done=results.append)   # a new input: the old failure no longer applies
    assert messages[-1] == ""
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=20000)
    assert results == [3] and messages.count("") == 1


def test_a_late_answer_for_a_deleted_tab_is_dropped(qtbot, worker):
    tab = _Probe(worker)
    results: list[object] = []
    tab.submit("job", abs, -3, on_done=results.append)
    tab.deleteLater()
    qtbot.wait(50)
    assert worker.wait_idle(20)
    qtbot.wait(50)
    assert results == []
