"""A full predict-then-check round on the Gradients tab: click the steepest way up from the probe."""

from __future__ import annotations

from PySide6.QtCore import Qt

from calclab.ui.tabs.gradients.tab import GradientsTab
from tests.ui.learn.rounds import click_plot, press_enter, shown_tab, switch_on


def test_click_the_direction_of_steepest_ascent(qtbot, worker):
    tab = shown_tab(qtbot, GradientsTab, worker)
    round_ = switch_on(qtbot, tab)
    assert tab.state.expression == "3x^2 + 2y" and tab.state.point == {"x": 1.0, "y": 2.0}
    assert not tab.state.show_probe and not tab.state.show_field      # no arrow gives it away
    # ∇f = [6, 2] at (1, 2): a click at (1 + 0.6, 2 + 0.2) points along it.
    click_plot(qtbot, round_, 1.6, 2.2)
    assert abs(round_.spin_angle.value() - 18) <= 2
    verdict = press_enter(qtbot, round_.spin_angle, round_)
    assert verdict.correct and verdict.error < 5
    assert tab.state.show_probe                                     # the true arrow is drawn
    assert "Right" in round_.bar.label_result.text()


def test_keyboard_direction_off_by_ninety_degrees_is_wrong(qtbot, worker):
    tab = shown_tab(qtbot, GradientsTab, worker)
    round_ = switch_on(qtbot, tab)
    round_.spin_angle.setFocus()
    for _ in range(22):                                              # 22 × 5° = 110°, about 90° off ∇f
        qtbot.keyClick(round_.spin_angle, Qt.Key.Key_Up)
    verdict = press_enter(qtbot, round_.spin_angle, round_)
    assert not verdict.correct and abs(verdict.error - (110 - 18.43)) < 0.5
    assert round_.progress.score("gradients") == (0, 1)
    # Enter again: the next question (generated, seeded) comes up.
    with qtbot.waitSignal(round_.asked, timeout=30000):
        qtbot.keyClick(round_.spin_angle, Qt.Key.Key_Return)
    assert round_.exercise.source == "generated"
    round_.bar.button_predict.click()
    assert tab.state.expression == "3x^2 + 2y" and tab.state.show_probe
