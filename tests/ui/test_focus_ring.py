"""Keyboard focus is visible on plots and diagrams (issue 21): a frame in the highlight colour while they have it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QApplication, QGraphicsView

from calclab.state import tab_spec
from calclab.ui.accessibility import focusable, make_accessible
from calclab.ui.tabs import load_tab_class
from calclab.ui.widgets.focus_ring import FocusRing, _Frame


def _focus(widget, kind: QEvent.Type) -> None:
    QApplication.sendEvent(widget, QFocusEvent(kind, Qt.FocusReason.TabFocusReason))


def test_every_plot_tab_reaches_shows_a_frame_while_focused(qtbot, worker):
    tab = load_tab_class(tab_spec("backprop").view_target)(worker)
    qtbot.addWidget(tab)
    tab.resize(1400, 900)
    tab.show()
    make_accessible(tab, "backprop")
    views = [view for view in tab.findChildren(QGraphicsView) if focusable(view)]
    assert len(views) >= 3                           # the network diagram and the plots
    for view in views:
        frame = view.findChild(FocusRing).frame
        assert isinstance(frame, _Frame) and not frame.isVisibleTo(view)
        _focus(view, QEvent.Type.FocusIn)
        assert frame.isVisibleTo(view) and frame.geometry() == view.rect()
        image = frame.grab().toImage()
        highlight = frame.palette().color(frame.palette().ColorRole.Highlight)
        assert image.pixelColor(1, image.height() // 2) == highlight   # the left edge is drawn
        _focus(view, QEvent.Type.FocusOut)
        assert not frame.isVisibleTo(view)
    make_accessible(tab, "backprop")                 # asking twice makes no second frame
    assert all(len(view.findChildren(FocusRing)) == 1 for view in views)
