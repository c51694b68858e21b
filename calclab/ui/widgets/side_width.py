"""follow_zoom: a tab's side panel (a scroll area) keeps the width its content needs at the current zoom.

A side column sized once in pixels clips its rows sideways when View > Zoom makes the text bigger (Derivatives'
"show ✓ derivative curve ✓ tangent" row, Gradients' "across/up" row at 200 %). The application font change reaches
every widget as a FontChange event; then (and whenever the content's layout changes) the column is widened to the
content's minimum width, never narrower than at 100 %. Past `cap` of the window's width
the horizontal scroll bar appears instead, so nothing is cut off.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QScrollArea, QSplitter, QWidget

from calclab.ui import zoom

CAP = 0.42   # the most of the window's width a side column takes; beyond it, it scrolls sideways


class _SideWidth(QObject):
    def __init__(self, scroll: QScrollArea, base: int, fixed: bool, need: Callable[[], int] | None) -> None:
        super().__init__(scroll)
        self.scroll, self.base, self.fixed = scroll, base, fixed
        self.measured = need is not None   # else the 100 % width is `base` as the tab set it
        self.need = need or (lambda: scroll.widget().minimumSizeHint().width())
        self._busy = False
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.timeout.connect(self.fit)
        scroll.installEventFilter(self)
        if not self.measured:   # (a measuring `need` may show and hide rows: its own layout requests must not loop)
            scroll.widget().installEventFilter(self)
        self.fit()

    def width(self) -> int:
        """The column's width now: the content's need (at least `base`), capped by the window's share."""
        scroll = self.scroll
        if zoom.percent() == zoom.DEFAULT and not self.measured:
            return self.base
        extra = scroll.verticalScrollBar().sizeHint().width() + 2 * scroll.frameWidth() + 4
        want = max(self.base, self.need() + extra)
        window = scroll.window()
        if window is not scroll and window.width() > 0 and zoom.percent() != zoom.DEFAULT:
            want = min(want, max(self.base, int(window.width() * CAP)))
        return want

    def fit(self) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff if zoom.percent() ==
                                                     zoom.DEFAULT else Qt.ScrollBarPolicy.ScrollBarAsNeeded)
            width = self.width()
            if self.fixed:
                self.scroll.setFixedWidth(width)
            else:
                self.scroll.setMinimumWidth(width)
        finally:
            self._busy = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.LayoutRequest, QEvent.Type.Show):
            self._soon.start(0)   # after the content has taken the new font and laid itself out
        return False


def follow_zoom(scroll: QScrollArea, base: int, fixed: bool = False,
                need: Callable[[], int] | None = None) -> _SideWidth:
    """Keep `scroll` (a side column with its content set) as wide as its content needs at the zoom; `base` is its
    width at 100 %; `fixed` pins the width (else it is the minimum); `need` measures the content (default: its
    minimum size hint; without it the column is `base` wide at 100 %, as before). Zoomed, a horizontal scroll bar
    shows if the window is too narrow for the column. Returns the keeper (its `fit()` measures again)."""
    return _SideWidth(scroll, base, fixed, need)


def column_cap(widget: QWidget, width: int) -> int:
    """`width`, but at most the share of the window a side column may take, and never so wide that the other side
    of the splitter it is in would go below its minimum (the window would grow past the screen instead)."""
    window = widget.window()
    if window is widget or window.width() <= 0:
        return width
    limit = int(window.width() * CAP)
    child, splitter = widget, widget.parentWidget()
    while splitter is not None and not (isinstance(splitter, QSplitter)
                                        and splitter.orientation() == Qt.Orientation.Horizontal):
        child, splitter = splitter, splitter.parentWidget()
    if splitter is not None and splitter.width() > 0:
        index = splitter.indexOf(child)
        others = sum(max(splitter.widget(i).minimumSizeHint().width(), splitter.widget(i).minimumWidth())
                     + splitter.handleWidth() for i in range(splitter.count()) if i != index)
        chrome = max(0, child.width() - widget.width())   # the margins and frames around `widget` in its column
        limit = min(limit, splitter.width() - others - chrome)
    return max(0, min(width, limit))
