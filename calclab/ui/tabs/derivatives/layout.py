"""Where the Derivatives tab's pieces sit: the header on top, the side panel on the left, and on the right the
plot over a tab widget with the steps and the concept panel. No state here: tab.py binds the widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSplitter, QTabWidget, QVBoxLayout, QWidget

PLOT_SHARE = 0.55   # of the right column's height; the steps and the concept panel get the rest


class ShareSplitter(QSplitter):
    """A splitter that keeps its panes at fixed shares of its length until the user drags its handle.

    Left to the size hints, the plot took all but the steps' minimum: two rows of the derivation showed, the
    third cut in half (and setSizes before the first layout gives pixels, not shares).
    """

    def __init__(self, orientation: Qt.Orientation, shares: tuple[float, ...]) -> None:
        super().__init__(orientation)
        self._shares: tuple[float, ...] | None = shares
        self.splitterMoved.connect(self._on_moved)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self._shares is not None and self.count() == len(self._shares):
            length = self.height() if self.orientation() == Qt.Orientation.Vertical else self.width()
            self.setSizes([round(length * share) for share in self._shares])

    def _on_moved(self, *_args: int) -> None:
        self._shares = None   # the user's sizes from now on


def arrange(tab: QWidget, header: QWidget, side: QWidget, plot_panel: QWidget, steps_view: QWidget,
            concept: QWidget, error_plot: QWidget | None = None) -> QTabWidget:
    """Lay the pieces out on `tab`; returns the lower tab widget (steps, concept, and `error_plot`: the Taylor
    error, a tab of its own that the tab shows while Tₙ is drawn)."""
    lower_tabs = QTabWidget()
    lower_tabs.addTab(steps_view, "Step by step")
    lower_tabs.addTab(concept, "What is a derivative?")
    if error_plot is not None:   # shown while Tₙ is drawn: a tab, so the plot above keeps its height at 1100×700
        lower_tabs.addTab(error_plot, "Taylor error |f − Tₙ|")
        lower_tabs.setTabVisible(lower_tabs.indexOf(error_plot), False)
    lower_tabs.setToolTip("The rules applied, or the idea behind the derivative")
    right = ShareSplitter(Qt.Orientation.Vertical, (PLOT_SHARE, 1.0 - PLOT_SHARE))
    right.addWidget(plot_panel)
    right.addWidget(lower_tabs)
    right.setStretchFactor(0, 3)   # once the user has dragged the handle
    right.setStretchFactor(1, 2)
    main = QSplitter(Qt.Orientation.Horizontal)
    main.addWidget(side)
    main.addWidget(right)
    main.setStretchFactor(1, 1)
    main.setSizes([380, 1000])

    layout = QVBoxLayout(tab)
    layout.addWidget(header)
    layout.addWidget(main, 1)
    return lower_tabs
