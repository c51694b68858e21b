"""The Chain Rule tab's two plots: the inner function g(x) with g'(x), and the composite y with dy/dx.

Both share the x axis and a draggable vertical line at x0; each shows the point on its curve, the tangent
there (its slope is the rate the chain multiplies) and the derivative's value. Items are created once and
updated with setData. The tab hands in compiled NumPy functions; nothing here does symbolic work.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QWidget

from calclab.ui.widgets.plot_panel import SERIES_COLORS, PlotPanel, break_at_jumps, make_pen, set_curve_data

Function = Callable[[np.ndarray], np.ndarray]
NEAR_FRACTION = 0.1   # framing starts from the values within this fraction of the x range around x0 ...
SPAN_GROWTH = 10.0    # ... and widens until the y span would grow this much in one doubling of the window
FUNCTION_COLOR, DERIVATIVE_COLOR, TANGENT_COLOR, X0_COLOR = SERIES_COLORS[0], SERIES_COLORS[1], "#555555", "#009E73"


class _Panel:
    """One plot: a function, its derivative, the tangent at x0, the points at x0 and the x0 line."""

    def __init__(self, title: str, name: str, derivative_name: str) -> None:
        self.panel = PlotPanel(title, x_label="x", y_label="")
        self.panel.plot_item.getAxis("left").setWidth(60)
        if self.panel.legend is not None:   # one row above the plot: inside, the legend covered half of it
            self.panel.legend.setColumnCount(3)
            self.panel.legend.layout.setContentsMargins(6, 2, 6, 2)
            self.panel.put_legend_above()
        self.curve = self.panel.add_curve(name, FUNCTION_COLOR, z=2)
        self.derivative = self.panel.add_curve(derivative_name, DERIVATIVE_COLOR, style=Qt.PenStyle.DashLine, z=1)
        self.tangent = self.panel.add_curve("tangent at x0", TANGENT_COLOR, width=1.5, style=Qt.PenStyle.DotLine)
        self.points = pg.ScatterPlotItem(size=10, pen=pg.mkPen("white", width=1.5))
        self.points.setZValue(5)
        self.panel.plot_item.addItem(self.points)
        self.line = pg.InfiniteLine(angle=90, movable=True, pen=make_pen(X0_COLOR, 2.0),
                                    hoverPen=make_pen(X0_COLOR, 3.5), label="x0", labelOpts={
                                        "position": 0.95, "color": X0_COLOR, "fill": (255, 255, 255, 200)})
        self.line.setZValue(6)
        self.line.setToolTip("Drag to move x0 (or use the x0 spin box)")
        self.panel.plot_item.addItem(self.line)
        self.function: Function | None = None
        self.slope: Function | None = None

    def set_names(self, name: str, derivative_name: str) -> None:
        if self.panel.legend is not None:
            for item, text in ((self.curve, name), (self.derivative, derivative_name)):
                label = self.panel.legend.getLabel(item)
                if label is not None and label.text != text:   # a new text relayouts the legend and repaints
                    label.setText(text)

    def sample(self, x: np.ndarray, y_span: float) -> None:
        for item, func in ((self.curve, self.function), (self.derivative, self.slope)):
            if func is None:
                set_curve_data(item, [], [])
            else:
                xs, ys = break_at_jumps(x, func(x), y_span)
                set_curve_data(item, xs, ys)

    def show_x0(self, x0: float, x_range: tuple[float, float]) -> tuple[float, float]:
        """Move the line, points and tangent to x0; returns (value, slope) there (nan without a function)."""
        self.line.setValue(x0)
        if self.function is None or self.slope is None:
            self.points.setData([], [])
            set_curve_data(self.tangent, [], [])
            return float("nan"), float("nan")
        value, slope = float(self.function(np.array(x0))), float(self.slope(np.array(x0)))
        finite = [(x0, v, c) for v, c in ((value, FUNCTION_COLOR), (slope, DERIVATIVE_COLOR)) if np.isfinite(v)]
        self.points.setData([p[0] for p in finite], [p[1] for p in finite],
                            brush=[pg.mkBrush(p[2]) for p in finite])
        if np.isfinite(value) and np.isfinite(slope):
            xs = np.array(x_range, dtype=float)
            set_curve_data(self.tangent, xs, value + slope * (xs - x0))
        else:
            set_curve_data(self.tangent, [], [])
        return value, slope


class ChainPlots(QWidget):
    """Inner and composite side by side, x axes linked. `x0_dragged(x)` when the user drags either x0 line."""

    x0_dragged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inner = _Panel("Inner function", "g(x)", "g'(x)")
        self.outer = _Panel("Composite", "y(x)", "dy/dx")
        self.inner.panel.setToolTip("The inner function and its slope: the first rate of the chain")
        self.outer.panel.setToolTip("The whole composite y = f(g(x)) and its derivative dy/dx")
        self.inner.panel.plot_item.setXLink(self.outer.panel.plot_item)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.inner.panel, 1)
        layout.addWidget(self.outer.panel, 1)
        self._x0 = 0.0
        self._moving = False
        self._sampled: tuple[float, float, int] | None = None
        for panel in (self.inner, self.outer):
            panel.line.sigPositionChanged.connect(self._on_line_moved)
        self.outer.panel.range_changed.connect(self._on_range_changed)

    # -- public API -------------------------------------------------------------------------------------

    def plot_widgets(self) -> list[pg.PlotWidget]:
        return [self.inner.panel.plot_widget, self.outer.panel.plot_widget]

    def set_functions(self, inner: tuple[Function, Function] | None, outer: tuple[Function, Function],
                      titles: tuple[str, str], names: tuple[str, str, str, str], x_range: tuple[float, float],
                      x0: float) -> None:
        """New curves: (g, g') or None when there is no inner function, and (y, y'); then frame x_range."""
        self.inner.function, self.inner.slope = inner if inner is not None else (None, None)
        self.inner.panel.setVisible(inner is not None)   # no inner function: the composite gets the room
        self.outer.function, self.outer.slope = outer
        self.inner.panel.set_title(titles[0])
        self.outer.panel.set_title(titles[1])
        self.inner.set_names(names[0], names[1])
        self.outer.set_names(names[2], names[3])
        self._x0 = x0
        self._sampled = None
        self.outer.panel.plot_item.setXRange(*x_range, padding=0)
        self._resample(frame_y=True)
        self.set_x0(x0)

    def set_x0(self, x0: float) -> dict[str, tuple[float, float]]:
        """Move x0 on both plots (without emitting x0_dragged); {"inner"|"outer": (value, slope)}."""
        self._x0 = x0
        self._moving = True
        try:
            x_range = self._x_range()
            return {"inner": self.inner.show_x0(x0, x_range), "outer": self.outer.show_x0(x0, x_range)}
        finally:
            self._moving = False

    def curve_data(self, which: str, curve: str) -> tuple[np.ndarray, np.ndarray]:
        """For tests: the (x, y) arrays of a curve ("inner"|"outer", "function"|"derivative"|"tangent")."""
        panel = self.inner if which == "inner" else self.outer
        item = {"function": panel.curve, "derivative": panel.derivative, "tangent": panel.tangent}[curve]
        return item.getData()

    # -- slots --------------------------------------------------------------------------------------------

    def _on_line_moved(self, line: pg.InfiniteLine) -> None:
        if not self._moving:
            self.x0_dragged.emit(float(line.value()))

    def _on_range_changed(self, *_args: float) -> None:
        self._resample(frame_y=False)
        self.set_x0(self._x0)   # the tangent spans the visible range

    # -- internals ----------------------------------------------------------------------------------------

    def _x_range(self) -> tuple[float, float]:
        low, high = self.outer.panel.view_range()[:2]
        return low, high

    def _resample(self, frame_y: bool) -> None:
        """Evaluate every curve over the visible x range; on a new function, also frame y robustly."""
        low, high = self._x_range()
        count = max(400, min(2000, self.outer.panel.pixel_width() * 2))
        key = (round(low, 9), round(high, 9), count)
        if key == self._sampled and not frame_y:
            return
        self._sampled = key
        x = np.linspace(low, high, count)
        for panel in (self.inner, self.outer):
            values = [func(x) for func in (panel.function, panel.slope) if func is not None]
            span = _robust_span(values)
            panel.sample(x, 4.0 * (span[1] - span[0]) if span else np.inf)
            if frame_y:
                framed = _span_near(x, values, self._x0)
                if framed is not None:
                    panel.panel.plot_item.setYRange(*framed, padding=0.08)


def _robust_span(arrays: list[np.ndarray]) -> tuple[float, float] | None:
    """All finite values, unless a few spikes (a pole) would flatten the rest: then the 2nd to 98th percentile."""
    finite = np.concatenate([a[np.isfinite(a)] for a in arrays]) if arrays else np.array([])
    if finite.size == 0:
        return None
    low, high = float(finite.min()), float(finite.max())
    inner_low, inner_high = (float(v) for v in np.percentile(finite, [2, 98]))
    if high - low > 5.0 * (inner_high - inner_low):
        low, high = inner_low, inner_high
    if high - low < 1e-9:
        low, high = low - 1.0, high + 1.0
    return low, high


def _span_near(x: np.ndarray, arrays: list[np.ndarray], x0: float) -> tuple[float, float] | None:
    """The y range to frame: the robust span of a window around x0, widened (doubling) to the whole x range
    unless a widening makes the span more than SPAN_GROWTH times larger. exp(3x^2 - x) reaches 1e22 at
    x = -4: framed on its whole range, the curve near x0 (y = 2.16) was a flat line on the zero tick."""
    width = float(x[-1] - x[0]) if x.size > 1 else 0.0
    chosen = None
    half = NEAR_FRACTION * width
    while True:
        window = np.abs(x - x0) <= half
        span = _robust_span([a[window] for a in arrays]) if window.any() else None
        if span is not None and chosen is not None and \
                span[1] - span[0] > SPAN_GROWTH * (chosen[1] - chosen[0]):
            return chosen   # the far tail: it would flatten the curve near x0
        chosen = span or chosen
        if window.all() or half > 2 * width:
            return chosen
        half *= 2
