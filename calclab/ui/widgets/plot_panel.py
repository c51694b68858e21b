"""PlotPanel: a pyqtgraph plot with calclab's one look (white, dark axes, big fonts), a legend and a toolbar row.

Plot items are created once with `add_curve` and then only updated with `set_curve_data` (setData with
connect="finite", so NaN gaps break the curve instead of making Qt refuse to draw it).
`range_changed` reports pan/zoom, rate-limited, so a tab can re-evaluate its curves for the visible range.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPen, QResizeEvent, QTextCursor, QTextDocument
from PySide6.QtGui import Qt as QtGuiNamespace
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from calclab.engine.numbers import format_number
from calclab.ui.widgets import notice

# Distinct, colour-blind-safe colours readable on white (Okabe-Ito based). Use them in this order for series.
SERIES_COLORS: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
                                  "#000000", "#8C564B")
TICK_FONT_PT = 11
LABEL_FONT_PT = "12pt"
CURVE_WIDTH = 2.5
RANGE_SIGNAL_MS = 40   # at most ~25 range_changed signals a second while panning
LEGEND_ABOVE_COLUMNS = 6   # a legend above the plot is one row of up to this many entries

_theme_applied = False


def apply_plot_theme() -> None:
    """Set pyqtgraph's global look once: antialiased, white background, black foreground (projector-friendly)."""
    global _theme_applied
    if not _theme_applied:
        pg.setConfigOptions(antialias=True, background="w", foreground="k")
        _theme_applied = True


def make_pen(color: str | QColor, width: float = CURVE_WIDTH,
             style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    """A cosmetic pen (width in screen pixels whatever the zoom)."""
    pen = pg.mkPen(color=color, width=width, style=style)
    pen.setCosmetic(True)
    return pen


def set_curve_data(item: pg.PlotDataItem, x: np.ndarray, y: np.ndarray) -> None:
    """Update a curve in place; non-finite y values leave gaps (never a line across an asymptote)."""
    item.setData(np.asarray(x, dtype=float), np.asarray(y, dtype=float), connect="finite")


def break_at_jumps(x: np.ndarray, y: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Insert NaN where y jumps by more than `threshold` against the trend on both sides (a pole or a step).

    Sampled 1/x or tan(x) jumps from a huge value to one of opposite sign between two samples; drawn as is,
    that is a vertical line the function does not have. A steep but continuous rise (exp(10x)) keeps its
    segments because they go the way the curve is going. Use threshold ~ the visible y range.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if y.size < 3:
        return x, y
    # inf - inf and huge * huge (exp(exp(x)), (x+1)^1000000) would warn: they only mean "no jump found here".
    with np.errstate(all="ignore"):
        dy = np.diff(y)
        before = np.concatenate((dy[:1], dy[:-1]))   # an end segment counts as going its own way
        after = np.concatenate((dy[1:], dy[-1:]))
        jump = (np.abs(dy) > threshold) & (before * dy <= 0) & (after * dy <= 0)
    where = np.flatnonzero(jump) + 1
    if where.size == 0:
        return x, y
    return np.insert(x, where, np.nan), np.insert(y, where, np.nan)


class ElidedLabel(QLabel):
    """One line of text that never widens its window: what does not fit ends in "…", and the tooltip has it all.

    A plot title such as "Composite y = sigmoid(sigmoid(...))" made the Chain Rule window 1,674 px wide.
    Rich text (a title with coloured spans) is measured and shortened by its visible words, keeping its colours:
    eliding the markup itself showed "<span sty…" to the learner.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._rich = False
        # Takes the width it is given and asks for none: a new title never redistributes the panels around it
        # (each redistribution had pyqtgraph relayout and repaint the plots).
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.set_full_text(text)

    def full_text(self) -> str:
        return self._full

    def plain_text(self) -> str:
        """The whole text as the learner reads it (rich text without its markup)."""
        return self._document(self._full).toPlainText() if self._rich else self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self._rich = QtGuiNamespace.mightBeRichText(text)
        self.setTextFormat(Qt.TextFormat.RichText if self._rich else Qt.TextFormat.PlainText)
        self._elide()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        margins = self.contentsMargins()
        width = self._text_width(self._full) + margins.left() + margins.right() + 2
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(min(self.sizeHint().width(), 60), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._elide()

    def _document(self, text: str) -> QTextDocument:
        document = QTextDocument()
        document.setDefaultFont(self.font())
        document.setHtml(text)
        return document

    @staticmethod
    def _ideal_width(document: QTextDocument) -> int:
        return math.ceil(document.idealWidth() - 2 * document.documentMargin())

    def _text_width(self, text: str) -> int:
        return self._ideal_width(self._document(text)) if self._rich else self.fontMetrics().horizontalAdvance(text)

    def _elide(self) -> None:
        room = max(0, self.width() - 2)
        if not self._rich:
            shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, room)
        elif self._text_width(self._full) <= room:
            shown = self._full
        else:
            shown = self._elided_rich(room)
        self.setText(shown)
        self.setToolTip(self.plain_text() if shown != self._full else "")

    def _elided_rich(self, room: int) -> str:
        """The longest start of the rich text that fits `room` with "…" after it, as rich text (colours kept)."""
        document = self._document(self._full)

        def cut(keep: int) -> QTextDocument:
            cursor = QTextCursor(document)
            cursor.setPosition(keep, QTextCursor.MoveMode.KeepAnchor)
            shortened = QTextDocument()
            shortened.setDefaultFont(self.font())
            end = QTextCursor(shortened)
            end.insertFragment(cursor.selection())
            end.insertText("…")
            return shortened

        low, high = 0, document.characterCount()   # the longest start that fits lies in [low, high)
        while high - low > 1:
            middle = (low + high) // 2
            if self._ideal_width(cut(middle)) <= room:
                low = middle
            else:
                high = middle
        return cut(low).toHtml()


class NumberAxis(pg.AxisItem):
    """pyqtgraph's ticks, except that its "1e-05"-style labels read in the one number style (1×10⁻⁵)."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802 - Qt
        strings = super().tickStrings(values, scale, spacing)
        if self.logMode:
            return strings
        return [format_number(v * scale) if "e" in text else text for v, text in zip(values, strings, strict=True)]


class PlotPanel(QWidget):
    """A labelled pyqtgraph PlotWidget with grid and legend, under a toolbar row (title left, tools right).

    With `legend_above` the legend is a row above the plotting area instead of a box in its top left corner.
    `axis_items` (optional) replaces pyqtgraph's axes, e.g. one that labels its ticks its own way.
    Attributes: `plot_widget` (pg.PlotWidget), `plot_item` (pg.PlotItem), `legend` (pg.LegendItem or None),
    `title_label` (QLabel), `toolbar_layout` (QHBoxLayout; `add_toolbar_widget` adds to its right end).
    """

    range_changed = Signal(float, float, float, float)   # xmin, xmax, ymin, ymax after pan/zoom (rate-limited)

    def __init__(self, title: str = "", x_label: str = "x", y_label: str = "y", legend: bool = True,
                 parent: QWidget | None = None, legend_above: bool = False,
                 axis_items: dict[str, pg.AxisItem] | None = None) -> None:
        super().__init__(parent)
        apply_plot_theme()
        self.title_label = ElidedLabel(title)
        bold = self.title_label.font()
        bold.setBold(True)
        self.title_label.setFont(bold)
        self.toolbar_layout = QHBoxLayout()
        self.toolbar_layout.setContentsMargins(4, 0, 4, 0)
        self.toolbar_layout.addWidget(self.title_label, 1)   # the room left of the tools (it elides in it)

        axes = {side: NumberAxis(side) for side in ("left", "bottom")} | (axis_items or {})
        self.plot_widget = pg.PlotWidget(axisItems=axes)   # a tab may bring its own, e.g. {"left": LossAxis()}
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot_item.showGrid(x=True, y=True, alpha=0.25)
        tick_font = QFont()
        tick_font.setPointSize(TICK_FONT_PT)
        for side in ("left", "bottom"):
            self.plot_item.getAxis(side).setStyle(tickFont=tick_font)
        self.set_axis_labels(x_label, y_label)
        self.legend = None
        self._legend_above = False
        if legend and legend_above:
            self._add_legend_above()
        elif legend:
            self.legend = self.plot_item.addLegend(offset=(10, 10), brush=pg.mkBrush(255, 255, 255, 220),
                                                   pen=pg.mkPen("#999999"), labelTextSize="11pt")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self.toolbar_layout)
        layout.addWidget(self.plot_widget, 1)

        self._range_timer = QTimer(self)
        self._range_timer.setSingleShot(True)
        self._range_timer.setInterval(RANGE_SIGNAL_MS)
        self._range_timer.timeout.connect(self._on_range_timer)
        self.plot_item.getViewBox().sigRangeChanged.connect(self._on_view_range_changed)

    def _add_legend_above(self) -> None:
        """The legend as one row right-aligned above the plotting area, where no data can be: inside the view box
        it hid the curves of a small plot. It sits in a strip of the plot item kept free for it (the hidden top
        axis's row), so exports show it too."""
        legend = pg.LegendItem(offset=None, colCount=LEGEND_ABOVE_COLUMNS, frame=False, labelTextSize="11pt")
        legend.setParentItem(self.plot_item)
        legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-4, 1))
        self.plot_item.legend = legend   # curves added with a name join it, as with addLegend
        self.legend = legend
        self._legend_above = True
        self._fit_legend_row()

    def _fit_legend_row(self) -> None:
        if self._legend_above and self.legend is not None:
            height = max(self.legend.boundingRect().height(), QFontMetrics(QFont()).height()) + 2
            self.plot_item.layout.setRowFixedHeight(1, height)

    def set_axis_labels(self, x_label: str, y_label: str) -> None:
        """Label the axes (plain text or simple HTML such as f'(x))."""
        self.plot_item.setLabel("bottom", x_label, **{"font-size": LABEL_FONT_PT})
        self.plot_item.setLabel("left", y_label, **{"font-size": LABEL_FONT_PT})

    def set_title(self, title: str) -> None:
        self.title_label.set_full_text(title)

    def title(self) -> str:
        """The whole title as the learner reads it (the label may show it shortened; rich text without markup)."""
        return self.title_label.plain_text()

    def add_curve(self, name: str | None, color: str | QColor, width: float = CURVE_WIDTH,
                  style: Qt.PenStyle = Qt.PenStyle.SolidLine, z: float = 0.0) -> pg.PlotDataItem:
        """Create a curve once (empty); `name` appears in the legend. Update it with `set_curve_data`."""
        item = pg.PlotDataItem([], [], pen=make_pen(color, width, style), name=name, connect="finite")
        item.setZValue(z)
        self.plot_item.addItem(item)
        if name is not None:
            self._fit_legend_row()
        return item

    def add_toolbar_widget(self, widget: QWidget) -> None:
        """Add a tool (button, checkbox) at the right end of the toolbar row; the export button goes here."""
        self.toolbar_layout.addWidget(widget)

    def show_notice(self, text: str, retry: Callable[[], None] | None = None) -> None:
        """Say over the plot why it shows nothing (yet), with a Retry button when `retry` is given."""
        notice.show_notice(self.plot_widget, text, retry)

    def clear_notice(self) -> None:
        notice.clear_notice(self.plot_widget)

    def main_plot(self) -> pg.PlotWidget:
        """The plot to export."""
        return self.plot_widget

    def view_range(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) currently visible."""
        (x0, x1), (y0, y1) = self.plot_item.getViewBox().viewRange()
        return float(x0), float(x1), float(y0), float(y1)

    def pixel_width(self) -> int:
        """Width of the plotting area in device pixels: sample curves at about this many points."""
        view_box = self.plot_item.getViewBox()
        return max(2, int(view_box.width() * self.devicePixelRatioF()))

    def _on_view_range_changed(self, *_args: object) -> None:
        if not self._range_timer.isActive():
            self._range_timer.start()

    def _on_range_timer(self) -> None:
        self.range_changed.emit(*self.view_range())
