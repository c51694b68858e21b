"""PlotNotice: a box drawn over a plot that says why it shows nothing (yet): "Still working…" while a tab's job is
out, or "Could not compute: why" with a Retry button when it failed.

One way for all tabs: `show_notice(plot_widget, text, retry)` / `clear_notice(plot_widget)` (TabBase applies them
to every plot of a tab). The box is a child widget over the plot, centred, so a window grab shows it but a plot
export (which renders the scene) does not. While it shows, the axes' automatic SI prefix is off: an empty view
around 0 would otherwise be labelled "x (x0.001)", a scale factor for data that is not there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout

if TYPE_CHECKING:   # pyqtgraph comes with the first tab: the window's shell paints without it
    import pyqtgraph as pg

WORKING = "Still working…"
FAILED = "Could not compute: {why}"
MAX_WIDTH = 420          # the box wraps its text within this many pixels (and never over the plot's width)
AXES = ("left", "bottom")


class PlotNotice(QFrame):
    """The box over one plot. `label_text` says it; `button_retry` (shown only with a retry callable) calls it."""

    def __init__(self, plot_widget: pg.PlotWidget) -> None:
        super().__init__(plot_widget)
        self.setObjectName("plot_notice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#plot_notice { background: rgba(255, 255, 255, 235); border: 1px solid #9E9E9E; "
                           "border-radius: 6px; }")
        self.label_text = QLabel()
        self.label_text.setWordWrap(True)
        self.label_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.label_text.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.label_text.setFont(font)
        self.label_text.setStyleSheet("color: #333333;")
        self.button_retry = QPushButton("Retry")
        self.button_retry.setToolTip("Run the computation again (Enter in the formula box does the same)")
        self.button_retry.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.addWidget(self.label_text)
        layout.addWidget(self.button_retry, 0, Qt.AlignmentFlag.AlignHCenter)
        self._plot = plot_widget
        self._retry: Callable[[], None] | None = None
        self._si_prefix: dict[str, bool] | None = None   # the axes' setting while the notice hides it
        self.button_retry.clicked.connect(self._on_retry_clicked)
        plot_widget.installEventFilter(self)
        self.hide()

    def text(self) -> str:
        """What the notice says ("" when it is hidden)."""
        return self.label_text.text() if not self.isHidden() else ""

    def has_retry(self) -> bool:
        return not self.isHidden() and not self.button_retry.isHidden()

    def show_text(self, text: str, retry: Callable[[], None] | None = None) -> None:
        """Show `text` over the plot, with a Retry button that calls `retry` (none when it is None)."""
        self._retry = retry
        self.label_text.setText(text)
        self.button_retry.setVisible(retry is not None)
        if self._si_prefix is None:
            plot_item = self._plot.getPlotItem()
            self._si_prefix = {side: plot_item.getAxis(side).autoSIPrefix for side in AXES}
            for side in AXES:
                _set_si_prefix(plot_item.getAxis(side), False)
        self.show()
        self.raise_()
        self._place()

    def clear(self) -> None:
        """Hide the notice and give the axes their SI prefix setting back."""
        self._retry = None
        self.hide()
        if self._si_prefix is not None:
            plot_item = self._plot.getPlotItem()
            for side, enabled in self._si_prefix.items():
                _set_si_prefix(plot_item.getAxis(side), enabled)
            self._si_prefix = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self._plot and event.type() == QEvent.Type.Resize and not self.isHidden():
            self._place()
        return super().eventFilter(watched, event)

    def _place(self) -> None:
        """Centre the box on the plot, as wide as its text needs (wrapped within MAX_WIDTH and the plot)."""
        margins = self.layout().contentsMargins()
        natural = self.label_text.fontMetrics().horizontalAdvance(self.label_text.text()) + 8 \
            + margins.left() + margins.right()
        room = max(120, min(MAX_WIDTH, natural, self._plot.width() - 24))
        height = self.layout().totalHeightForWidth(room)
        self.setFixedSize(room, min(height, max(40, self._plot.height() - 8)))
        self.move(max(0, (self._plot.width() - room) // 2), max(0, (self._plot.height() - self.height()) // 2))

    def _on_retry_clicked(self) -> None:
        retry = self._retry
        if retry is not None:
            retry()


def _set_si_prefix(axis: pg.AxisItem, enabled: bool) -> None:
    """Turn an axis' automatic SI prefix on or off. pyqtgraph 0.14 keeps the scale it last chose when it is
    turned off (the ticks of a -0.5..0.5 view then read -400..400 with no "(x0.001)" left to say so): reset it."""
    axis.enableAutoSIPrefix(enabled)
    if not enabled:
        axis.autoSIPrefixScale = 1.0
        axis.labelUnitPrefix = ""
        axis.picture = None   # redraw the ticks with the scale of 1
        axis.update()


def notice_of(plot_widget: pg.PlotWidget) -> PlotNotice:
    """The plot's notice box (made on first use; hidden until shown)."""
    found = plot_widget.findChild(PlotNotice, "plot_notice", Qt.FindChildOption.FindDirectChildrenOnly)
    return found if found is not None else PlotNotice(plot_widget)


def show_notice(plot_widget: pg.PlotWidget, text: str, retry: Callable[[], None] | None = None) -> None:
    """Say `text` over the plot (with a Retry button when `retry` is given)."""
    notice_of(plot_widget).show_text(text, retry)


def clear_notice(plot_widget: pg.PlotWidget) -> None:
    """Take the plot's notice away (nothing to do if it never had one)."""
    found = plot_widget.findChild(PlotNotice, "plot_notice", Qt.FindChildOption.FindDirectChildrenOnly)
    if found is not None:
        found.clear()


def failure_text(why: str) -> str:
    """The one wording of a failed computation, in every tab."""
    return FAILED.format(why=why)

