"""Pointing at a control: find it on a tab by a short path, and draw a brief frame around it."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtWidgets import QFrame, QWidget

HIGHLIGHT_MS = 1800
RETRY_MS = 20
COLOUR = "#f28e2b"


def find_control(tab: QWidget, path: str) -> QWidget | None:
    """The widget `path` names on `tab`: "#name" is a child's objectName, else attributes and dict keys joined by
    dots ("steps.phase_buttons.forward"). None if there is no such widget."""
    if path.startswith("#"):
        return tab.findChild(QWidget, path[1:])
    node: object = tab
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
        if node is None:
            return None
    return node if isinstance(node, QWidget) else None


class Highlight(QFrame):
    """An orange frame over a control of the window, gone after HIGHLIGHT_MS; it never takes a click."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("learn_highlight")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet(f"#learn_highlight {{ border: 3px solid {COLOUR}; border-radius: 5px; "
                           "background: rgba(242, 142, 43, 40); }")
        self.target: QWidget | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(HIGHLIGHT_MS)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def point_at(self, widget: QWidget, tries: int = 20) -> None:
        """Frame `widget` for a moment. A tab built just now shows its widgets on the next event-loop turn: until
        the widget is visible this tries again, a few times; the frame then follows the widget as it is laid out."""
        if self.target is not widget:
            if self.target is not None and shiboken6.isValid(self.target):
                self.target.removeEventFilter(self)
            self.target = widget
            self.hide()
            if shiboken6.isValid(widget):
                widget.installEventFilter(self)
        if not shiboken6.isValid(widget) or not shiboken6.isValid(self):
            return
        if not widget.isVisible():
            if tries > 0:
                QTimer.singleShot(RETRY_MS, lambda: self.point_at(widget, tries - 1))
            return
        self._place()
        self.show()
        self.raise_()
        self._timer.start()

    def _place(self) -> None:
        widget = self.target
        top_left = widget.mapTo(self.parentWidget(), widget.rect().topLeft())
        self.setGeometry(QRect(top_left, widget.size()).adjusted(-4, -4, 4, 4))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.target and event.type() in (QEvent.Type.Resize, QEvent.Type.Move) and self.isVisible():
            self._place()
        return False
