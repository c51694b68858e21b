"""FocusRing: a visible keyboard-focus frame on widgets whose style draws none (plots, the network diagram, the
computational graph: graphics views), so a class driving the lab from the keyboard sees where Tab has landed.

The frame is a child widget laid over the view's edge, transparent to the mouse, in the palette's highlight
colour (so it follows View > Theme) and as thick as the zoom makes lines; it shows only while the view has focus.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPainter, QPalette, QPen
from PySide6.QtWidgets import QWidget

from calclab.ui import zoom

WIDTH_PX = 2.0   # at 100 %


class _Frame(QWidget):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setVisible(False)

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt's name)
        width = max(1.0, WIDTH_PX * zoom.factor())
        painter = QPainter(self)
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), width))
        half = width / 2
        painter.drawRect(self.rect().toRectF().adjusted(half, half, -half, -half))


class FocusRing(QObject):
    """Shows a focus frame on `widget` while it has keyboard focus."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.widget = widget
        self.frame = _Frame(widget)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        kind = event.type()
        if kind == QEvent.Type.FocusIn:
            self.frame.setGeometry(self.widget.rect())
            self.frame.raise_()
            self.frame.setVisible(True)
        elif kind == QEvent.Type.FocusOut:
            self.frame.setVisible(False)
        elif kind == QEvent.Type.Resize:
            self.frame.setGeometry(self.widget.rect())
        return False


def add_focus_ring(widget: QWidget) -> FocusRing:
    """A FocusRing on `widget`, once (asking again returns the same one)."""
    ring = widget.findChild(FocusRing, options=Qt.FindChildOption.FindDirectChildrenOnly)
    return ring if ring is not None else FocusRing(widget)


@contextmanager
def rings_hidden(widget: QWidget) -> Iterator[None]:
    """Without the focus frames of `widget` and its children (an export shows the plot, not where Tab is)."""
    shown = [frame for frame in widget.findChildren(_Frame) if frame.isVisible()]
    for frame in shown:
        frame.setVisible(False)
    try:
        yield
    finally:
        for frame in shown:
            frame.setVisible(True)
