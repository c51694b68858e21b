"""Keyboard and assistive technology: walking each tab's focus chain with Tab reaches every control, in layout
order, and every control and plot has an accessible name (what a screen reader says)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QGraphicsView, QWidget

from calclab.ui.accessibility import SHORTCUTS, focusable
from calclab.ui.main_window import MainWindow
from calclab.ui.tabs import TAB_NAMES


@pytest.fixture(scope="module")
def window(qapp, worker):
    main_window = MainWindow(worker, eager_tabs=False)
    main_window.resize(1400, 900)
    main_window.show()
    main_window.ensure_started()
    for name in TAB_NAMES:
        main_window.select_tab(name)
        main_window.tab(name)
    yield main_window
    main_window.close()
    main_window.deleteLater()


def _chain(tab: QWidget) -> list[QWidget]:
    """The widgets Tab visits inside `tab`, starting from its first one, until the chain leaves and comes back."""
    start = next(w for w in tab.findChildren(QWidget) if focusable(w) and w.isVisible())
    visited, widget = [], start
    for _ in range(5000):
        if tab.isAncestorOf(widget) and focusable(widget) and widget.isVisibleTo(tab) and widget.isEnabled():
            if widget in visited:
                break
            visited.append(widget)
        widget = widget.nextInFocusChain()
    return visited


@pytest.mark.parametrize("name", TAB_NAMES)
def test_tab_reaches_every_control_and_each_has_a_name(window, name):
    window.select_tab(name)
    tab = window.tab(name)
    chain = _chain(tab)
    controls = [w for w in tab.findChildren(QWidget) if focusable(w) and w.isVisibleTo(tab) and w.isEnabled()]
    assert set(controls) <= set(chain), [w.objectName() or type(w).__name__ for w in set(controls) - set(chain)]
    unnamed = [f"{type(w).__name__} {w.objectName()}" for w in chain if not w.accessibleName().strip()]
    assert unnamed == []
    views = [v for v in tab.findChildren(QGraphicsView) if v.isVisibleTo(tab)]
    assert views and all(v.accessibleName() and v.accessibleDescription() for v in views)


def test_descent_left_column_is_visited_top_to_bottom(window):
    window.select_tab("descent")
    tab = window.tab("descent")
    column = [w for w in _chain(tab) if w.mapTo(tab, w.rect().topLeft()).x() < 300]
    tops = [w.mapTo(tab, w.rect().topLeft()).y() for w in column]
    assert len(column) >= 5
    assert all(b >= a - 8 for a, b in zip(tops, tops[1:], strict=False)), tops   # (a row's widgets: a few px apart)
    names = [w.accessibleName() for w in column]
    assert "learning rate" in " ".join(names).lower() or "η" in " ".join(names)


@pytest.mark.parametrize("name", list(SHORTCUTS))
def test_stepping_buttons_have_shortcuts(window, qtbot, name):
    window.select_tab(name)
    tab = window.tab(name)
    buttons = tab.findChildren(QAbstractButton)
    for key, keys, _what in SHORTCUTS[name]:
        native = QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)
        assert any(native in b.toolTip() for b in buttons), (name, key)


def test_chain_forward_step_by_keyboard(window, qtbot):
    window.select_tab("chain")
    tab = window.tab("chain")
    button = next(b for b in tab.findChildren(QAbstractButton) if b.text().startswith("Forward step"))
    tab.setFocus()
    with qtbot.waitSignal(button.clicked, timeout=2000):
        qtbot.keyClick(tab, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
