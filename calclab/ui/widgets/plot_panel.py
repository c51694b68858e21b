"""PlotPanel: a pyqtgraph plot with calclab's one look (white, dark axes, big fonts), a legend and a toolbar row.

Plot items are created once with `add_curve` and then only updated with `set_curve_data` (setData with
connect="finite", so NaN gaps break the curve instead of making Qt refuse to draw it).
`range_changed` reports pan/zoom, rate-limited, so a tab can re-evaluate its curves for the visible range.
The legend starts in the top-left corner; `place_legend` moves it to a corner the data leaves free (or above the
plotting area when none is), `put_legend_above` puts it above for good.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPicture
from PySide6.QtWidgets import QGraphicsGridLayout, QGraphicsItem, QHBoxLayout, QVBoxLayout, QWidget

from calclab.engine.numbers import format_number
from calclab.ui.widgets import notice
from calclab.ui.widgets.elided_label import ElidedLabel

# Distinct, colour-blind-safe colours readable on white (Okabe-Ito based). Use them in this order for series.
SERIES_COLORS: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
                                  "#000000", "#8C564B")
TICK_FONT_PT = 11
LABEL_FONT_PT = "12pt"
CURVE_WIDTH = 2.5
RANGE_SIGNAL_MS = 40   # at most ~25 range_changed signals a second while panning
LEGEND_PEN = pg.mkPen("#999999")                  # the legend's frame inside the plotting area
LEGEND_BRUSH = pg.mkBrush(255, 255, 255, 220)
LEGEND_ABOVE_COLUMNS = 6   # a legend above the plot is one row of up to this many entries
LEGEND_GAP = 6         # pixels between the legend and the plotting area's frame
LEGEND_CLEARANCE = 6   # pixels the legend keeps from a curve's centre line (its pen, its markers, a margin)
LEGEND_CORNERS = ("top-left", "top-right", "top", "bottom-right", "bottom-left", "bottom")   # place_legend's order
ABOVE = "above"

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


class NumberLabel:
    """A text format for a pyqtgraph InfiniteLine label in the app's number style ("x₀ = −1.5×10⁻⁵"):
    pyqtgraph calls ``format(value=...)`` on whatever it is given as the label's format."""

    def __init__(self, prefix: str, digits: int = 4) -> None:
        self.prefix, self.digits = prefix, digits

    def format(self, value: float) -> str:
        return f"{self.prefix}{format_number(value, self.digits)}"


class NumberAxis(pg.AxisItem):
    """pyqtgraph's ticks, except that its "1e-05"-style labels read in the one number style (1×10⁻⁵)."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802 - Qt
        strings = super().tickStrings(values, scale, spacing)
        if self.logMode:
            return strings
        return [format_number(v * scale) if "e" in text else text for v, text in zip(values, strings, strict=True)]


class PlotPanel(QWidget):
    """A labelled pyqtgraph PlotWidget with grid and legend, under a toolbar row (title left, tools right).

    With `legend_above` the legend starts above the plotting area (`put_legend_above`) instead of in its top
    left corner.
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
        if legend:
            self.legend = self.plot_item.addLegend(offset=(10, 10), brush=LEGEND_BRUSH, pen=LEGEND_PEN,
                                                   labelTextSize="11pt")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self.toolbar_layout)
        layout.addWidget(self.plot_widget, 1)

        self.shown_instead: QWidget | None = None   # a view shown in the plot's place (the 3D surface), if any
        self._legend_place: str | None = None   # None: where addLegend put it (top left, offset 10 px)
        self._legend_columns: int | None = None  # the legend's column count inside the plot
        if self.legend is not None:
            self.legend.geometryChanged.connect(self._fit_legend_band)
            if legend_above:
                self.put_legend_above()

        self._range_timer = QTimer(self)
        self._range_timer.setSingleShot(True)
        self._range_timer.setInterval(RANGE_SIGNAL_MS)
        self._range_timer.timeout.connect(self._on_range_timer)
        self.plot_item.getViewBox().sigRangeChanged.connect(self._on_view_range_changed)

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
        if name is not None and self._legend_place == ABOVE:
            self.put_legend_above()    # one row again, with the new entry
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

    def shown_plot(self) -> QWidget:
        """What the panel shows: its plot, or the view shown in its place (the export button writes this)."""
        return self.shown_instead if self.shown_instead is not None else self.plot_widget

    def view_range(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) currently visible."""
        (x0, x1), (y0, y1) = self.plot_item.getViewBox().viewRange()
        return float(x0), float(x1), float(y0), float(y1)

    def pixel_width(self) -> int:
        """Width of the plotting area in device pixels: sample curves at about this many points."""
        view_box = self.plot_item.getViewBox()
        return max(2, int(view_box.width() * self.devicePixelRatioF()))

    # -- where the legend sits ------------------------------------------------------------------------------

    def legend_place(self) -> str:
        """One of LEGEND_CORNERS (inside the plotting area: a corner, or the middle of its top or bottom edge),
        or "above" it."""
        return self._legend_place or "top-left"

    def put_legend_above(self) -> None:
        """Put the legend in a band above the plotting area, right-aligned: it never covers the data (for small
        plots, where no corner is free). Its entries go in one row when that fits the plot's width."""
        if self.legend is None:
            return
        inside = self._inside_columns()
        self._legend_place = ABOVE
        if self.legend.parentItem() is not self.plot_item:
            self.legend.setParentItem(self.plot_item)
        one_row = min(len(self.legend.items), LEGEND_ABOVE_COLUMNS)
        width = self.plot_item.boundingRect().width()   # 0 before the first layout: one row until then
        fits = width <= 0 or _legend_size(self.legend, one_row).width() <= width - 2 * LEGEND_GAP
        _arrange_legend(self.legend, one_row if fits and one_row else inside)
        self.legend.setPen(pg.mkPen(None))     # above the data a frame only takes room
        self.legend.setBrush(pg.mkBrush(None))
        self.legend.anchor((1, 0), (1, 0), offset=(-LEGEND_GAP, 1))
        self._fit_legend_band()

    def put_legend_in(self, corner: str, columns: int | None = None) -> None:
        """Put the legend in a corner of the plotting area, or centred at its top or bottom (LEGEND_CORNERS), its
        entries in `columns` columns (None: as many as the tab set with setColumnCount before it first moved)."""
        if self.legend is None:
            return
        right, bottom = _CORNER_ANCHORS[corner]
        inside = columns or self._inside_columns()
        self._legend_place = corner
        self.plot_item.layout.setRowFixedHeight(0, 0)   # the band above (row 0, pyqtgraph's hidden title) goes
        view_box = self.plot_item.getViewBox()
        if self.legend.parentItem() is not view_box:
            self.legend.setParentItem(view_box)
        _arrange_legend(self.legend, inside)
        self.legend.setPen(LEGEND_PEN)
        self.legend.setBrush(LEGEND_BRUSH)
        offset = ({0: LEGEND_GAP, 0.5: 0, 1: -LEGEND_GAP}[right], -LEGEND_GAP if bottom else LEGEND_GAP)
        self.legend.anchor((right, bottom), (right, bottom), offset=offset)

    def place_legend(self, curves: Sequence[tuple[np.ndarray, np.ndarray]], avoid: Sequence[QRectF] = ()) -> str:
        """Move the legend to a corner of the plotting area that none of `curves` (x and y arrays in view
        coordinates, NaN breaking a line) crosses and none of the `avoid` rectangles (scene coordinates: labels
        placed along the view's height) touches: the corner it is in if that is still free, else the first free
        one of LEGEND_CORNERS, in the tab's layout or else in one column; above the plotting area when none is.
        Returns where it went."""
        if self.legend is None:
            return self.legend_place()
        view_box = self.plot_item.getViewBox()
        area = view_box.sceneBoundingRect()
        blocked = [QRectF(rect) for rect in avoid]
        if self._legend_place == ABOVE and area.height() > 0:   # judge the corners as they are without the band
            old_top, old_height = area.top(), area.height()
            area.setTop(area.top() - self._legend_band_height())
            for rect in blocked:
                centre = area.top() + (rect.center().y() - old_top) * area.height() / old_height
                rect.moveCenter(QPointF(rect.center().x(), centre))
        if area.width() <= 0 or area.height() <= 0:
            return self.legend_place()
        (x_low, x_high), (y_low, y_high) = view_box.viewRange()
        lines = [_to_scene(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float), area,
                           (x_low, x_high, y_low, y_high)) for xs, ys in curves]
        # The tab's layout first, then one column (narrower, taller); the place it is in first of all.
        layouts = list(dict.fromkeys((self._inside_columns(), 1)))
        candidates = [(columns, corner) for columns in layouts for corner in LEGEND_CORNERS]
        now = (self.legend.columnCount, self._legend_place)
        for columns, corner in sorted(candidates, key=lambda candidate: candidate != now):
            spot = _corner_rect(area, _legend_size(self.legend, columns), corner)
            clear = spot.adjusted(-LEGEND_CLEARANCE, -LEGEND_CLEARANCE, LEGEND_CLEARANCE, LEGEND_CLEARANCE)
            if not any(clear.intersects(rect) for rect in blocked) and \
                    not any(_crosses(clear, sx, sy) for sx, sy in lines):
                if (columns, corner) != now:
                    self.put_legend_in(corner, columns)
                return corner
        self.put_legend_above()   # again when already above: its rows follow the plot's width
        return ABOVE

    def _inside_columns(self) -> int:
        """The legend's column count inside the plot: as the tab set it (setColumnCount) before it first moved."""
        if self._legend_columns is None and self.legend is not None:
            self._legend_columns = self.legend.columnCount
        return self._legend_columns or 1

    def _legend_band_height(self) -> float:
        return self.legend.boundingRect().height() + 2.0 if self.legend is not None else 0.0

    def _fit_legend_band(self) -> None:
        """Above the plotting area, the band (row 0 of the PlotItem's layout) is as tall as the legend."""
        if self._legend_place == ABOVE:
            self.plot_item.layout.setRowFixedHeight(0, self._legend_band_height())

    def _on_view_range_changed(self, *_args: object) -> None:
        if not self._range_timer.isActive():
            self._range_timer.start()

    def flush_range(self) -> None:
        """Say a range change still waiting for its rate limit now (a tab just laid out, before its first paint:
        its curves then come sampled for the plot's width in that paint, not in a second one 40 ms later)."""
        if self._range_timer.isActive():
            self._range_timer.stop()
            self._on_range_timer()

    def measure_axes(self) -> None:
        """Let the axes measure their tick labels now: pyqtgraph does it while painting them, then widens an axis
        and lays the plot out again, a second paint. For a panel that has its size, before its first paint."""
        for side in ("left", "bottom"):
            axis = self.plot_item.getAxis(side)
            if not axis.isVisible():
                continue
            picture = QPicture()
            painter = QPainter(picture)
            try:   # as AxisItem.paint does
                if axis.style["tickFont"]:
                    painter.setFont(axis.style["tickFont"])
                axis.generateDrawSpecs(painter)
            finally:
                painter.end()

    def _on_range_timer(self) -> None:
        self.range_changed.emit(*self.view_range())


_CORNER_ANCHORS = {"top-left": (0, 0), "top-right": (1, 0), "top": (0.5, 0), "bottom-right": (1, 1),
                   "bottom-left": (0, 1), "bottom": (0.5, 1)}


def cache_axes(panel: PlotPanel) -> None:
    """Cache each axis as a pixmap: with the grid on, an axis spans the whole plot, so every update of an item in it
    (a path, a heatmap) would otherwise replay its tick labels and grid lines (about 4 ms an axis in software)."""
    for side in ("left", "bottom", "right", "top"):
        panel.plot_item.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def _legend_size(legend: pg.LegendItem, columns: int) -> QSizeF:
    """The size `legend` has with its entries in `columns` columns (its grid: sample, label, sample, ...)."""
    preferred = Qt.SizeHint.PreferredSize
    layout = legend.layout
    left, top, right, bottom = layout.getContentsMargins()
    widths = [0.0] * (2 * columns)
    heights: list[float] = []
    for k, (sample, label) in enumerate(legend.items):
        row, column = divmod(k, columns)
        if row == len(heights):
            heights.append(0.0)
        for offset, item in enumerate((sample, label)):
            hint = item.effectiveSizeHint(preferred)
            widths[2 * column + offset] = max(widths[2 * column + offset], hint.width())
            heights[row] = max(heights[row], hint.height())
    used = [w for w in widths if w > 0]
    width = left + right + sum(used) + layout.horizontalSpacing() * max(len(used) - 1, 0)
    height = top + bottom + sum(heights) + layout.verticalSpacing() * max(len(heights) - 1, 0)
    return QSizeF(width, height)


def _arrange_legend(legend: pg.LegendItem, columns: int) -> None:
    """Lay the legend's entries out in `columns` columns. (LegendItem.setColumnCount keeps the old grid's rows
    and stretched labels, so its size comes out wrong: a new grid is built instead.)"""
    if columns < 1 or legend.columnCount == columns:
        return
    old = legend.layout
    for i in range(old.count() - 1, -1, -1):
        old.removeAt(i)
    grid = QGraphicsGridLayout()
    grid.setContentsMargins(*old.getContentsMargins())
    grid.setHorizontalSpacing(old.horizontalSpacing())
    grid.setVerticalSpacing(old.verticalSpacing())
    for k, (sample, label) in enumerate(legend.items):
        row, column = divmod(k, columns)
        grid.addItem(sample, row, 2 * column, Qt.AlignmentFlag.AlignVCenter)
        grid.addItem(label, row, 2 * column + 1)
    legend.setLayout(grid)
    legend.layout = grid
    legend.columnCount = columns
    legend.rowCount = -(-len(legend.items) // columns)
    size = _legend_size(legend, columns)
    legend.setGeometry(0, 0, size.width(), size.height())


def _corner_rect(area: QRectF, size: QSizeF, corner: str) -> QRectF:
    """Where a legend of `size` sits in `corner` of `area` (scene coordinates), LEGEND_GAP from its frame."""
    right, bottom = _CORNER_ANCHORS[corner]
    left = {0: area.left() + LEGEND_GAP, 0.5: area.center().x() - size.width() / 2,
            1: area.right() - LEGEND_GAP - size.width()}[right]
    top = area.bottom() - LEGEND_GAP - size.height() if bottom else area.top() + LEGEND_GAP
    return QRectF(left, top, size.width(), size.height())


def _to_scene(xs: np.ndarray, ys: np.ndarray, area: QRectF,
              view: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """View coordinates to scene coordinates for a plotting area `area` showing `view` (x_low, x_high,
    y_low, y_high; y grows upwards)."""
    x_low, x_high, y_low, y_high = view
    with np.errstate(all="ignore"):
        sx = area.left() + (xs - x_low) / (x_high - x_low) * area.width()
        sy = area.top() + (y_high - ys) / (y_high - y_low) * area.height()
    return sx, sy


def _crosses(rect: QRectF, xs: np.ndarray, ys: np.ndarray) -> bool:
    """Whether the polyline (xs, ys) (scene coordinates; NaN breaks it) touches `rect`. A lone point counts."""
    if xs.size == 0:
        return False
    if xs.size == 1:
        xs, ys = np.repeat(xs, 2), np.repeat(ys, 2)
    x0, y0, x1, y1 = xs[:-1], ys[:-1], xs[1:], ys[1:]
    finite = np.isfinite(xs) & np.isfinite(ys)
    defined = finite[:-1] & finite[1:]       # segments drawn (clipped against the rect: Liang-Barsky)
    low, high = np.zeros(x0.shape), np.ones(x0.shape)
    with np.errstate(all="ignore"):
        for start, end, lo_edge, hi_edge in ((x0, x1, rect.left(), rect.right()),
                                             (y0, y1, rect.top(), rect.bottom())):
            step = end - start
            inside = (start >= lo_edge) & (start <= hi_edge)
            t_a, t_b = (lo_edge - start) / step, (hi_edge - start) / step
            flat = step == 0
            low = np.maximum(low, np.where(flat, np.where(inside, 0.0, np.inf), np.minimum(t_a, t_b)))
            high = np.minimum(high, np.where(flat, np.where(inside, 1.0, -np.inf), np.maximum(t_a, t_b)))
        hit = defined & (low <= high)
        points = finite & (xs >= rect.left()) & (xs <= rect.right()) & (ys >= rect.top()) & (ys <= rect.bottom())
    return bool(hit.any() or points.any())   # a sample between two NaNs is drawn as a dot
