"""What every predict-then-check test does: build a tab, switch Predict on, answer, check."""

from __future__ import annotations

from PySide6.QtCore import Qt


def shown_tab(qtbot, tab_class, worker, size=(1100, 650)):
    tab = tab_class(worker)
    qtbot.addWidget(tab)
    tab.resize(*size)
    with qtbot.waitActive(tab):   # keys go where the focus is, as in the running app
        tab.show()
        tab.activateWindow()
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=30000)
    return tab


def switch_on(qtbot, tab):
    """Click Predict; return the round once its first question is asked and the tab has drawn it."""
    round_ = tab.predict
    with qtbot.waitSignal(round_.asked, timeout=30000):
        qtbot.mouseClick(round_.bar.button_predict, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=30000)
    return round_


def click_plot(qtbot, round_, x: float, y: float) -> None:
    """Press at plot point (x, y) on the round's picker (as the learner's mouse would)."""
    picker = round_._picker
    qtbot.mouseClick(picker, Qt.MouseButton.LeftButton, pos=picker.from_view(x, y).toPoint())


def press_enter(qtbot, widget, round_):
    """Enter checks the answer; returns the Verdict."""
    with qtbot.waitSignal(round_.revealed, timeout=10000) as blocker:
        qtbot.keyClick(widget, Qt.Key.Key_Return)
    return blocker.args[0]
