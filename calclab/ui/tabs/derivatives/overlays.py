"""What the wider Derivatives tab draws over f (issue 17): the extra functions g, h, k with their derivatives,
critical and inflection points, and the Taylor polynomial Tₙ at x0 with its error |f − Tₙ| in a small log plot.

Every item is created once and updated with setData. The tab hands over compiled curves and markers; this
class samples the curves for the visible range (numeric.sample) and knows nothing of SymPy or the state.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from calclab.engine.kinds import INCONCLUSIVE, MAXIMUM, MINIMUM, NEITHER
from calclab.ui.tabs.derivatives.extrema import INFLECTION, Marker, taylor_values
from calclab.ui.tabs.derivatives.numeric import Curve, sample
from calclab.ui.widgets.plot_panel import SERIES_COLORS, make_pen

CURVE_COLORS = (SERIES_COLORS[0], SERIES_COLORS[4], SERIES_COLORS[5], SERIES_COLORS[7])   # f, g, h, k
TAYLOR_COLOR = "#111111"
ERROR_FLOOR = 1e-17       # |f − Tₙ| below this is round-off: drawn at the floor, not as a hole in the curve
SYMBOLS = {MINIMUM: "t1", MAXIMUM: "t", NEITHER: "d", INCONCLUSIVE: "x", INFLECTION: "o"}
SYMBOL_NAMES = {MINIMUM: "▲ minimum", MAXIMUM: "▼ maximum", NEITHER: "◆ neither", INCONCLUSIVE: "✕ inconclusive",
                INFLECTION: "○ inflection"}


SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


class Overlays:
    """Items added to the tab's main plot, plus the error plot (`error_widget`, a tab under the plot)."""

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self.plot_item = plot_item
        self.extra_curves: list[pg.PlotDataItem] = []
        self.extra_derivatives: list[pg.PlotDataItem] = []
        for color in CURVE_COLORS[1:]:
            curve = pg.PlotDataItem(pen=make_pen(color))
            derivative = pg.PlotDataItem(pen=make_pen(color, 2.0, Qt.PenStyle.DashLine))
            for item, z in ((curve, 2), (derivative, 1)):
                item.setZValue(z)
                plot_item.addItem(item)
            self.extra_curves.append(curve)
            self.extra_derivatives.append(derivative)
        self.taylor = pg.PlotDataItem(pen=make_pen(TAYLOR_COLOR, 2.0, Qt.PenStyle.DashDotLine))
        self.taylor.setZValue(3)
        plot_item.addItem(self.taylor)
        self.markers = pg.ScatterPlotItem(size=13, pxMode=True)
        self.markers.setZValue(6)
        plot_item.addItem(self.markers)

        # The error plot's tab is hidden until Tₙ is drawn: its plot is made then (_error_curve_made), not with the tab.
        self.error_widget = QWidget()
        self._error_layout = QVBoxLayout(self.error_widget)
        self._error_layout.setContentsMargins(0, 0, 0, 0)
        self._error_plot: pg.PlotWidget | None = None
        self._error_curve: pg.PlotDataItem | None = None
        self._error_order = 1

    def _error_curve_made(self) -> pg.PlotDataItem:
        """|f − Tₙ|'s curve in its log plot, x linked to the main plot: made on first use."""
        if self._error_curve is None:
            plot = pg.PlotWidget()
            plot.setObjectName("plot_taylor_error")
            plot.setLogMode(y=True)
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setMouseEnabled(x=False, y=False)
            plot.getPlotItem().hideButtons()
            plot.setToolTip("How far Tₙ is from f, on a log scale: tiny near x₀, growing away from it")
            plot.getPlotItem().setXLink(self.plot_item)
            self._error_curve = plot.plot(pen=make_pen(TAYLOR_COLOR, 2.0))
            self._error_layout.addWidget(plot)
            self._error_plot = plot
            self._label_error_plot()
        return self._error_curve

    def curve_items(self) -> list[pg.PlotDataItem]:
        return [*self.extra_curves, *self.extra_derivatives, self.taylor]

    def sync_legend(self, legend: pg.LegendItem | None, names: dict[int, str]) -> bool:
        """Legend entries for the items that draw something now: names maps id(item) to its name. True if the
        entries changed (the legend then needs placing again)."""
        if legend is None:
            return False
        changed = False
        present = {id(sample.item) for sample, _label in legend.items}
        for item in self.curve_items():
            wanted = id(item) in names and item.getData()[0] is not None and len(item.getData()[0]) > 0
            if wanted and id(item) not in present:
                legend.addItem(item, names[id(item)])
                changed = True
            elif not wanted and id(item) in present:
                legend.removeItem(item)
                changed = True
            elif wanted:
                label = legend.getLabel(item)
                if label is not None and label.text != names[id(item)]:
                    label.setText(names[id(item)])
                    changed = True
        return changed

    # -- extra functions ---------------------------------------------------------------------------------------

    def draw_extra(self, index: int, f: Curve | None, derivative: Curve | None, show_derivative: bool,
                   view: tuple[float, float, float, float], pixels: int) -> None:
        """g (index 0), h or k and its derivative over the visible range; None hides a curve."""
        for item, curve in ((self.extra_curves[index], f),
                            (self.extra_derivatives[index], derivative if show_derivative else None)):
            if curve is None:
                item.setData([], [])
            else:
                item.setData(*sample(curve, view[0], view[1], pixels, (view[2], view[3])), connect="finite")

    # -- critical and inflection points ------------------------------------------------------------------------

    def set_markers(self, markers: list[tuple[Marker, str]]) -> None:
        """(marker, colour) pairs: a filled symbol by kind in its curve's colour; inflection points hollow."""
        spots = [{"pos": (m.x, m.y), "symbol": SYMBOLS[m.kind], "pen": pg.mkPen("w" if m.kind != INFLECTION
                                                                                 else color, width=1.5),
                  "brush": pg.mkBrush("w" if m.kind == INFLECTION else color), "data": m} for m, color in markers]
        self.markers.setData(spots)

    def marker_data(self) -> list[Marker]:
        return [spot.data() for spot in self.markers.points()]

    # -- Taylor --------------------------------------------------------------------------------------------------

    def set_error_label(self, order: int) -> None:
        self._error_order = order
        if self._error_plot is not None:
            self._label_error_plot()

    def _label_error_plot(self) -> None:
        order = str(self._error_order).translate(SUBSCRIPTS)
        self._error_plot.setLabel("left", f"|f − T{order}|")
        self._error_plot.setTitle(f"How far T{order} is from f (log scale)", size="10pt")

    def draw_taylor(self, f: Curve | None, coefficients: np.ndarray | None, x0: float,
                    view: tuple[float, float, float, float], pixels: int) -> None:
        """Tₙ over the view, and |f − Tₙ| in the error plot; coefficients None hides both."""
        if coefficients is None or f is None or not np.all(np.isfinite(coefficients)):
            self.taylor.setData([], [])
            if self._error_curve is not None:
                self._error_curve.setData([], [])
            return
        xs, ys = sample(lambda x: taylor_values(coefficients, x0, x), view[0], view[1], pixels, (view[2], view[3]))
        self.taylor.setData(xs, ys, connect="finite")
        grid = np.linspace(view[0], view[1], max(200, pixels // 2))
        with np.errstate(all="ignore"):
            error = np.abs(np.asarray(f(grid), dtype=float) - taylor_values(coefficients, x0, grid))
        error = np.where(np.isfinite(error), np.maximum(error, ERROR_FLOOR), np.nan)
        if np.isfinite(error).any():
            self._error_curve_made().setData(grid, error, connect="finite")
        else:
            self._error_curve_made().setData([], [])

    def taylor_data(self) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.taylor.getData()
        return (np.empty(0), np.empty(0)) if x is None else (np.asarray(x), np.asarray(y))

    def error_data(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, |f − Tₙ|) as drawn (the plot's log mode keeps the raw values in the item's data)."""
        if self._error_curve is None:
            return np.empty(0), np.empty(0)
        x, y = self._error_curve.xData, self._error_curve.yData
        return (np.empty(0), np.empty(0)) if x is None else (np.asarray(x), np.asarray(y))
