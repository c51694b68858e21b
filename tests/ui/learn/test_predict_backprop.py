"""A full predict-then-check round on the Backprop tab: the sign of a weight's gradient before Backward, then which
way it moves before Update, checked against the network's own phases."""

from __future__ import annotations

from PySide6.QtCore import Qt

from calclab.ui.tabs.backprop.tab import BackpropTab
from tests.ui.learn.rounds import shown_tab, switch_on


def test_sign_then_move_by_keys_and_mouse(qtbot, worker):
    tab = shown_tab(qtbot, BackpropTab, worker)
    round_ = switch_on(qtbot, tab)
    assert tab.model.next_phase == "backward"                       # Forward and Loss done, Backward not yet
    layer, i, j = round_.weight
    net = tab.model.net
    # The truth, computed independently: a central difference of the loss in this one weight.
    W = net.params[layer][0]
    w0, eps = W[i, j], 1e-6
    W[i, j] = w0 + eps
    up = net.evaluate(tab.model.X_train, tab.model.y_train)
    W[i, j] = w0 - eps
    down = net.evaluate(tab.model.X_train, tab.model.y_train)
    W[i, j] = w0
    slope = (up - down) / (2 * eps)
    sign = "+" if slope > 0 else "-"
    with qtbot.waitSignal(round_.revealed) as blocker:
        qtbot.keyClick(round_.bar.button_predict, Qt.Key.Key_Plus if sign == "+" else Qt.Key.Key_Minus)
    assert blocker.args[0].correct
    assert tab.model.phase == "backward"
    assert "Right" in round_.bar.label_result.text()
    # Enter: the move question. Say the wrong way, by mouse.
    with qtbot.waitSignal(round_.asked):
        qtbot.keyClick(round_.bar.button_predict, Qt.Key.Key_Return)
    wrong = "U" if slope > 0 else "D"                               # it moves against the gradient
    with qtbot.waitSignal(round_.revealed) as blocker:
        qtbot.mouseClick(round_.buttons[wrong], Qt.MouseButton.LeftButton)
    assert not blocker.args[0].correct
    assert tab.model.phase == "update" and tab.model.epoch == 1
    assert (net.params[layer][0][i, j] < w0) == (slope > 0)
    assert round_.progress.score("backprop") == (1, 2)
    # Enter again: a new weight, the network brought back to just before Backward.
    with qtbot.waitSignal(round_.asked):
        qtbot.keyClick(round_.bar.button_predict, Qt.Key.Key_Return)
    assert tab.model.next_phase == "backward" and round_.question == "sign"
