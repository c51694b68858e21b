"""DerivativesPlot: f and its derivative, the point x0 with its tangent and secant, on one PlotPanel.

Every item is created once and only updated with setData. The vertical line at x0 is a movable
pg.InfiniteLine: dragging it (anywhere along its height) moves x0, and so does a click on the plot.
The tab hands over compiled one-variable curves; this class samples them for the visible range.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPushButton

from calclab.ui.tabs.derivatives.numeric import PointReadout, Slice, fit_y_range, line_through, sample
from calclab.ui.widgets.plot_panel import CURVE_WIDTH, SERIES_COLORS, NumberLabel, PlotPanel, cache_axes, make_pen

LEGEND_SETTLE_MS = 80                 # after the view's last change, look at the legend's corner again
F_COLOR = SERIES_COLORS[0]           # blue
DERIVATIVE_COLOR = SERIES_COLORS[1]  # vermilion
TANGENT_COLOR = SERIES_COLORS[2]     # green
SECANT_COLOR = SERIES_COLORS[3]      # purple-pink
X0_LINE_COLOR = "#7A7A7A"
KEY_STEPS_PER_VIEW = 100            # Left/Right move x0 by 1/100 of the visible width (Shift: 1/1000)
DENSE_TRAVEL = 40.0                  # view heights of up-and-down travel beyond which a curve gets a thin pen
FIT_SAMPLES = 600                    # samples of f (and f') that choose a fitted y range


class DerivativesPlot(QObject):
    """The tab's plot. `x0_moved(x)` reports a drag of the x0 line or a click on the plot."""

    x0_moved = Signal(float)
    fit_requested = Signal()
    curve_toggled = Signal(str, bool)   # "derivative", "tangent" or "secant" hidden/shown by a click on the legend

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.panel = PlotPanel("f and its derivative", x_label="x", y_label="y")
        self.panel.setToolTip("Drag the grey line or click anywhere to move x₀. Drag the background to pan, "
                              "scroll to zoom: the curves are recomputed for what you see. Left/Right arrows "
                              "move x₀ when the plot has focus.")
        cache_axes(self.panel)   # the curves, x0 and the legend repaint often (typing, dragging); the axes need not
        self.plot_widget = self.panel.plot_widget
        self.plot_widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.plot_item = self.panel.plot_item
        self.view_box = self.plot_item.getViewBox()
        self.view_box.disableAutoRange()
        if self.panel.legend is not None:
            self.panel.legend.setColumnCount(2)     # two rows instead of four: covers less of the curves
            self.panel.legend.layout.setContentsMargins(6, 2, 6, 2)

        self.curve_f = self.panel.add_curve("f(x)", F_COLOR, z=2)
        self.curve_derivative = self.panel.add_curve("f′(x)", DERIVATIVE_COLOR, z=1)
        self.tangent = self.panel.add_curve("tangent at x₀", TANGENT_COLOR, width=2.0, z=3)
        self.secant = self.panel.add_curve("secant x₀ → x₀ + h", SECANT_COLOR, width=2.0,
                                           style=Qt.PenStyle.DashLine, z=3)
        self.points = pg.ScatterPlotItem(size=11, pen=pg.mkPen("w", width=1.5), brush=pg.mkBrush("#111111"))
        self.points.setZValue(5)
        self.plot_item.addItem(self.points)
        self.secant_point = pg.ScatterPlotItem(size=9, pen=pg.mkPen("w", width=1.5), brush=pg.mkBrush(SECANT_COLOR))
        self.secant_point.setZValue(5)
        self.plot_item.addItem(self.secant_point)

        self.x0_line = pg.InfiniteLine(pos=0.0, angle=90, movable=True,
                                       pen=make_pen(X0_LINE_COLOR, 1.5, Qt.PenStyle.DashLine),
                                       hoverPen=make_pen("#111111", 3.0), label=NumberLabel("x₀ = "),
                                       labelOpts={"position": 0.04, "color": "#333333",
                                                  "fill": pg.mkBrush(255, 255, 255, 200), "movable": False})
        self.x0_line.setZValue(4)
        self.x0_line.setToolTip("Drag to move x₀ along the curve")
        self.plot_item.addItem(self.x0_line, ignoreBounds=True)
        if self.panel.legend is not None:   # pyqtgraph hides a curve whose legend entry is clicked: say so
            self.panel.legend.sigSampleClicked.connect(self._on_legend_clicked)
        self.view_box.sigResized.connect(self.place_legend)
        # A legend placed while the layout was still settling (the band above taking its height, a range refit)
        # is judged again once the view has been still for a moment.
        self._legend_timer = QTimer(self)
        self._legend_timer.setSingleShot(True)
        self._legend_timer.setInterval(LEGEND_SETTLE_MS)
        self._legend_timer.timeout.connect(self.place_legend)
        self.view_box.sigResized.connect(lambda *_args: self._legend_timer.start())
        self.view_box.sigRangeChanged.connect(lambda *_args: self._legend_timer.start())
        self.x0_line.sigDragged.connect(self._on_line_dragged)
        self.plot_widget.scene().sigMouseClicked.connect(self._on_scene_clicked)

        self.button_fit = QPushButton("Fit view")
        self.button_fit.setToolTip("Fit the view to the curves (x range of the preset, y range of the curves)")
        self.button_fit.clicked.connect(self.fit_requested)
        self.panel.add_toolbar_widget(self.button_fit)

        self._slice: Slice | None = None
        self.extra_items: list[pg.PlotDataItem] = []      # curves others add (g, h, k, Tₙ): the legend avoids them
        self._show_derivative = True
        self._show_tangent = True
        self._show_secant = True

    # -- public API ---------------------------------------------------------------------------------------

    def set_labels(self, wrt: str, value_axis: str, f_name: str, derivative_name: str) -> None:
        """Axis labels (the variable; y, or f when y is a variable) and the legend's names of the curves."""
        self.panel.set_axis_labels(wrt, value_axis)
        point = f"{wrt}₀"
        self.x0_line.label.setFormat(NumberLabel(f"{point} = "))
        names = ((self.curve_f, f_name), (self.curve_derivative, derivative_name),
                 (self.tangent, f"tangent at {point}"), (self.secant, f"secant {point} → {point} + h"))
        for item, name in names:
            item.opts["name"] = name
            label = self.panel.legend.getLabel(item) if self.panel.legend is not None else None
            if label is not None:
                label.setText(name)
        self.place_legend()

    def set_visibility(self, derivative: bool, tangent: bool, secant: bool) -> None:
        self._show_derivative, self._show_tangent, self._show_secant = derivative, tangent, secant
        self.curve_derivative.setVisible(derivative)
        self.tangent.setVisible(tangent)
        self.secant.setVisible(secant)
        self.secant_point.setVisible(secant)
        self.place_legend()

    def _on_legend_clicked(self, item: pg.PlotDataItem) -> None:
        names = {id(self.curve_derivative): "derivative", id(self.tangent): "tangent", id(self.secant): "secant"}
        if id(item) in names:
            self.curve_toggled.emit(names[id(item)], item.isVisible())

    def set_slice(self, curves: Slice | None) -> None:
        """New compiled curves: resample everything for the current view."""
        self._slice = curves
        self.refresh_curves()

    def set_f(self, curves: Slice) -> None:
        """A new f before its derivative is known: redraw f only; the old f' curve stays until set_slice."""
        self._slice = Slice(curves.f, self._slice.derivative if self._slice else None, None)
        self._draw(self.curve_f, curves.f, F_COLOR, *self.view_range())
        self.place_legend()

    def set_range(self, x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
        self.view_box.setRange(xRange=x_range, yRange=y_range, padding=0.0)

    def fit(self, curves: Slice, x_range: tuple[float, float] | None, y_range: tuple[float, float] | None,
            with_derivative: bool) -> None:
        """Show x_range (None: the visible x) and y_range (None: fitted to f, and to f' when it is shown)."""
        x_low, x_high = x_range if x_range is not None else self.view_range()[:2]
        if y_range is None:
            xs = np.linspace(x_low, x_high, FIT_SAMPLES)
            shown = curves.derivative(xs) if curves.derivative is not None and with_derivative else None
            y_range = fit_y_range(curves.f(xs), shown)
        self.set_range((x_low, x_high), y_range)

    def view_range(self) -> tuple[float, float, float, float]:
        return self.panel.view_range()

    def arrow_target(self, event: QKeyEvent, x0: float) -> float | None:
        """Where Left/Right move x0: a hundredth of the visible width (Shift: a thousandth); None for other keys."""
        direction = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(Qt.Key(event.key()))
        if direction is None:
            return None
        x_low, x_high = self.view_range()[:2]
        step = (x_high - x_low) / KEY_STEPS_PER_VIEW
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            step /= 10
        return x0 + direction * step

    def refresh_curves(self) -> None:
        """Sample f and the derivative at screen resolution over the visible x range (numbers only)."""
        view = self.view_range()
        self._draw(self.curve_f, self._slice.f if self._slice else None, F_COLOR, *view)
        self._draw(self.curve_derivative, self._slice.derivative if self._slice else None, DERIVATIVE_COLOR, *view)
        self.place_legend()

    def _draw(self, item, curve, color: str, x_low: float, x_high: float, y_low: float, y_high: float) -> None:
        if curve is None:
            item.setData([], [])
            return
        xs, ys = sample(curve, x_low, x_high, self.panel.pixel_width(), (y_low, y_high))
        # Qt strokes a thick antialiased zigzag very slowly (a second for sum of k cos(kx), k < 80):
        # a curve that crosses the view dozens of times is drawn with a thin pen.
        travel = float(np.nansum(np.abs(np.diff(ys)))) / max(y_high - y_low, 1e-300)
        item.setPen(make_pen(color, 1.0 if travel > DENSE_TRAVEL else CURVE_WIDTH))
        item.setData(xs, ys, connect="finite")

    def set_point(self, reading: PointReadout | None) -> None:
        """Place x0's marker, the tangent through it and the secant to x0 + h, across the visible range."""
        x_low, x_high, _y_low, _y_high = self.view_range()
        if reading is None:
            for item in (self.tangent, self.secant):
                item.setData([], [])
            self.points.setData([], [])
            self.secant_point.setData([], [])
            self.place_legend()
            return
        self.x0_line.setValue(reading.x0)
        defined = math.isfinite(reading.value)
        self.points.setData([reading.x0] if defined else [], [reading.value] if defined else [])
        self.tangent.setData(*line_through(reading.x0, reading.value, reading.slope, x_low, x_high))
        self.secant.setData(*line_through(reading.x0, reading.value, reading.secant_slope, x_low, x_high))
        both = defined and math.isfinite(reading.secant_value)
        self.secant_point.setData([reading.x0 + reading.h] if both else [],
                                  [reading.secant_value] if both else [])
        self.place_legend()

    def laid_out(self) -> None:
        """The tab was just shown and laid out, not painted yet: the axes take the width of their labels, the
        curves are sampled for the plot's width and the legend is placed now, all in the first paint."""
        self.panel.measure_axes()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)   # the wider axis narrows the view
        self.panel.flush_range()
        self._legend_timer.stop()
        self.place_legend()

    def place_legend(self) -> None:
        """Keep the legend in a corner free of the shown curves, points and the x₀ label (or above the plot)."""
        items = (self.curve_f, self.curve_derivative, self.tangent, self.secant, *self.extra_items)
        curves = [item.getData() for item in items if item.isVisible() and item.getData()[0] is not None]
        avoid = [self.x0_line.label.sceneBoundingRect()]
        avoid += [item.sceneBoundingRect() for item in (self.points, self.secant_point)
                  if item.isVisible() and len(item.data)]
        self.panel.place_legend(curves, avoid)

    def curve_data(self, which: str = "f") -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of a curve as drawn ("f", "derivative", "tangent", "secant")."""
        item = {"f": self.curve_f, "derivative": self.curve_derivative, "tangent": self.tangent,
                "secant": self.secant}[which]
        x, y = item.getData()
        return (np.empty(0), np.empty(0)) if x is None else (np.asarray(x), np.asarray(y))

    # -- slots --------------------------------------------------------------------------------------------

    def _on_line_dragged(self, line: pg.InfiniteLine) -> None:
        self.x0_moved.emit(float(line.value()))

    def _on_scene_clicked(self, event) -> None:
        """A plain left click inside the plot area places x0 there."""
        if event.button() != Qt.MouseButton.LeftButton or event.double() or event.isAccepted():
            return
        position: QPointF = event.scenePos()
        if not self.view_box.sceneBoundingRect().contains(position):
            return
        self.x0_moved.emit(float(self.view_box.mapSceneToView(position).x()))
