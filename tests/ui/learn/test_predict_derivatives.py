"""A full predict-then-check round on the Derivatives tab, by mouse and by keyboard."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from calclab.ui.tabs.derivatives.tab import DerivativesTab


def _tab(qtbot, worker):
    tab = DerivativesTab(worker)
    qtbot.addWidget(tab)
    tab.resize(1100, 650)
    tab.show()
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=30000)
    return tab


def _switch_on(qtbot, tab):
    round_ = tab.predict
    with qtbot.waitSignal(round_.asked, timeout=30000):
        qtbot.mouseClick(round_.bar.button_predict, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=30000)
    return round_


def test_drag_the_tangent_then_check_reveals_the_truth(qtbot, worker):
    tab = _tab(qtbot, worker)
    before = tab.state
    round_ = _switch_on(qtbot, tab)
    assert round_.exercise.source == "lesson" and tab.state.expression == "x^2" and tab.state.x0 == 1.5
    assert not tab.state.show_tangent and not tab.state.show_derivative    # f' is hidden
    assert "x₀ = 1.5" in round_.bar.label_question.text()
    # Drag on the plot to the point (2.5, 2.25 + 3): the slope of the line from (1.5, 2.25) is 3.
    picker = round_._picker
    target = picker.from_view(2.5, 5.25).toPoint()
    qtbot.mousePress(picker, Qt.MouseButton.LeftButton, pos=target)
    qtbot.mouseMove(picker, target + QPoint(1, 0))
    assert abs(round_.spin_slope.value() - 3.0) < 0.3
    with qtbot.waitSignal(round_.revealed) as verdict:
        qtbot.keyClick(round_.spin_slope, Qt.Key.Key_Return)
    assert verdict.args[0].correct
    assert tab.state.show_tangent and tab.state.show_derivative           # the truth is on the plot
    assert round_.bar.label_result.isVisible() and "Right" in round_.bar.label_result.text()
    assert round_.progress.score("derivatives")[0] >= 1
    # Switching Predict off gives the learner's own function back.
    round_.bar.button_predict.click()
    assert tab.state.expression == before.expression and round_._line is None


def test_typed_wrong_slope_is_scored_wrong_and_explained(qtbot, worker):
    tab = _tab(qtbot, worker)
    round_ = _switch_on(qtbot, tab)
    right, asked = round_.progress.score("derivatives")
    round_.spin_slope.setFocus()
    round_.spin_slope.selectAll()
    qtbot.keyClicks(round_.spin_slope, "-1")
    with qtbot.waitSignal(round_.revealed) as verdict:
        qtbot.keyClick(round_.spin_slope, Qt.Key.Key_Return)
    assert not verdict.args[0].correct
    assert round_.progress.score("derivatives") == (right, asked + 1)
    text = round_.bar.label_result.text()
    assert "Not quite" in text and "slope" in text
    round_.bar.button_predict.click()
