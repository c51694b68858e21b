"""A full predict-then-check round on the Chain Rule tab: type dy/dx from the two links' rates."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from calclab.ui.tabs.chain_rule.tab import ChainRuleTab
from tests.ui.learn.rounds import press_enter, shown_tab, switch_on


def test_type_the_product_of_the_rates(qtbot, worker):
    tab = shown_tab(qtbot, ChainRuleTab, worker)
    said: list[str] = []
    tab.status_message.connect(said.append)
    round_ = switch_on(qtbot, tab)
    assert not [m for m in said if "direct derivative" in m], said   # the status bar keeps the answer too
    state = tab.state
    assert (state.mode, state.outer, state.inner, state.x0) == ("parts", "u^2", "2x + 3", 0.5)
    covers = [c for c in tab.findChildren(QLabel, "predict_cover") if c.isVisible()]
    assert len(covers) == 4 and covers[0].geometry().size() == covers[0].parentWidget().size()
    round_.spin_rate.setFocus()
    round_.spin_rate.selectAll()
    qtbot.keyClicks(round_.spin_rate, "16")                      # 2u · 2 at u = 4: the lesson's 8x + 12 at 0.5
    verdict = press_enter(qtbot, round_.spin_rate, round_)
    assert verdict.correct and "16" in verdict.truth
    assert not [c for c in tab.findChildren(QLabel, "predict_cover") if c.isVisible()]   # the product shows


def test_a_sum_of_rates_is_wrong_and_the_reason_shows_the_product(qtbot, worker):
    tab = shown_tab(qtbot, ChainRuleTab, worker)
    round_ = switch_on(qtbot, tab)
    round_.spin_rate.setFocus()
    round_.spin_rate.selectAll()
    qtbot.keyClicks(round_.spin_rate, "10")                      # 8 + 2: added, not multiplied
    qtbot.mouseClick(round_.bar.button_check, Qt.MouseButton.LeftButton)
    assert round_.verdict is not None and not round_.verdict.correct
    assert "8 · 2 = 16" in round_.bar.label_result.text()
