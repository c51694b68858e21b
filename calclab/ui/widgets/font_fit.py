"""refit_on_font_change: sizes a widget measured from its font once are measured again when View > Zoom changes it.

A fixed width or row height taken from `fontMetrics()` at build is right at the zoom the tab was built at; after a
zoom change the text outgrew it ("5 step" for "5 steps/s", "poc" for "Epoch", rows cut in half). `fit` is the
code that measures: it runs now and again, once, after the widget's font changed (after the whole window has its
new fonts: the zoom's font change and its restyle arrive in one go), so a zoom changed after the build measures
what a zoom set before it would have.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class _FontFit(QObject):
    def __init__(self, widget: QWidget, fit: Callable[[], None], show: bool) -> None:
        super().__init__(widget)
        self.fit = fit
        self.events = (QEvent.Type.FontChange, QEvent.Type.Show) if show else (QEvent.Type.FontChange,)
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.timeout.connect(fit)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in self.events:
            self._soon.start(0)
        return False


def refit_on_font_change(widget: QWidget, fit: Callable[[], None], now: bool = True, show: bool = False) -> None:
    """Call `fit()` now (unless not `now`) and after every change of `widget`'s font (once per burst of changes);
    with `show`, also whenever the widget is shown (a fit that depends on the window it is shown in)."""
    if now:
        fit()
    _FontFit(widget, fit, show)
