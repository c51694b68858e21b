"""The Backprop tab's two plots: the data with the network's answer under it, and the loss per epoch.

Classification: a heatmap of the predicted probability of class 1 (pg.ImageItem on a grid) under the points,
orange for class 0, blue for class 1, test points hollow. Regression: the fitted curve over the points.
Items are created once; later calls only set their data. Non-finite values are never handed to Qt.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem, QWidget

from calclab.ui.tabs.backprop.model import GRID_SIZE, BackpropModel
from calclab.ui.widgets.network_view import NEGATIVE, POSITIVE
from calclab.ui.widgets.plot_panel import PlotPanel, cache_axes, make_pen, set_curve_data

# Past this many epochs the loss curves are drawn 1 px wide: Qt strokes a wide antialiased zig-zag slowly, and the
# noisy curve of a too-large learning rate took ~1 s per repaint at 6,000 epochs with 2 px (15 ms with 1 px),
# which froze the window while training (issue 10).
THIN_PEN_AFTER = 500
CLASS_COLORS = (NEGATIVE, POSITIVE)   # class 0 orange, class 1 blue: the diagram's sign colours
POINT_SIZE = 8
COARSE_GRID = 50   # the heatmap's grid while training: a quarter of the predictions (issue 20's frame rate)


def _boundary_lut() -> np.ndarray:
    """Pale orange (p = 0) through white (p = 0.5) to pale blue (p = 1): points stay readable on top."""
    def pale(color: str, keep: float) -> tuple[int, int, int, int]:
        c = QColor(color)
        return (*(round(255 + (v - 255) * keep) for v in (c.red(), c.green(), c.blue())), 255)

    stops = [pale(NEGATIVE, 0.5), (255, 255, 255, 255), pale(POSITIVE, 0.45)]
    cmap = pg.ColorMap([0.0, 0.5, 1.0], np.array(stops, dtype=np.ubyte))
    return cmap.getLookupTable(0.0, 1.0, 256)


class DataPlot(PlotPanel):
    """The data set and the network's prediction; clicking a training point chooses it as the sample."""

    sample_clicked = Signal(int)   # index into the training set

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Data and prediction", "x₁", "x₂", legend=False, parent=parent)
        cache_axes(self)   # the heatmap under the grid changes every training frame; the axes do not
        self.image = pg.ImageItem()
        self.image.setLookupTable(_boundary_lut())
        self.image.setLevels((0.0, 1.0))
        self.image.setZValue(-10)
        self.plot_item.addItem(self.image, ignoreBounds=True)   # it follows the view: auto-range fits the points
        self.curve = self.add_curve(None, "#000000", width=2.5, z=5)
        self.train_points = pg.ScatterPlotItem(size=POINT_SIZE, pen=pg.mkPen("#222222", width=0.8))
        self.test_points = pg.ScatterPlotItem(size=POINT_SIZE, brush=pg.mkBrush("white"))
        self.chosen = pg.ScatterPlotItem(size=18, pen=pg.mkPen("#000000", width=2.5), brush=None)
        for z, item in enumerate((self.train_points, self.test_points, self.chosen)):
            item.setZValue(10 + z)
            self.plot_item.addItem(item)
        self.train_points.sigClicked.connect(self._on_points_clicked)
        for item in (self.train_points, self.test_points):   # 500 points over a heatmap that changes every frame
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.plot_item.setAspectLocked(False)

    def set_model_data(self, model: BackpropModel) -> None:
        """New data set: points, axes and range."""
        classify = model.classification
        if classify:
            self.set_axis_labels("x₁", "x₂")
            # The key in the title, in normal weight so that all of it fits the column at 1100x700.
            self.set_title("Decision boundary — <span style='font-weight:normal'><span style='color:{}'>● class 0"
                           "</span> <span style='color:{}'>● class 1</span>{}</span>".format(
                               *CLASS_COLORS, " ○ test" if len(model.P_test) else ""))
            tx, ty = model.P_train[:, 0], model.P_train[:, 1]
            sx, sy = model.P_test[:, 0], model.P_test[:, 1]
            train_brushes = [pg.mkBrush(CLASS_COLORS[int(v >= 0.5)]) for v in model.y_train[:, 0]]
            test_pens = [pg.mkPen(CLASS_COLORS[int(v >= 0.5)], width=2) for v in model.y_test[:, 0]]
        else:
            self.set_axis_labels("x", "y")
            self.set_title("The network's curve — <span style='font-weight:normal'>● training{}</span>".format(
                " ○ test" if len(model.P_test) else ""))
            tx, ty = model.P_train[:, 0], model.y_train[:, 0]
            sx, sy = model.P_test[:, 0], model.y_test[:, 0]
            train_brushes = [pg.mkBrush(POSITIVE)] * len(tx)
            test_pens = [pg.mkPen(POSITIVE, width=2)] * len(sx)
        self.train_points.setData(x=tx, y=ty, brush=train_brushes, data=np.arange(len(tx)))
        self.test_points.setData(x=sx, y=sy, pen=test_pens)
        self.image.setVisible(classify)
        self.curve.setVisible(not classify)
        x0, x1, y0, y1 = model.bounds()
        self.plot_item.setAspectLocked(classify)
        self.plot_item.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)
        self.set_prediction(model)
        self.set_sample(model)

    def set_display(self, show_test: bool, discretize: bool) -> None:
        """Playground's two display options: the test points shown or not, the plane by class or by p."""
        self.test_points.setVisible(show_test)
        self._discretize = discretize

    def set_prediction(self, model: BackpropModel, coarse: bool = False) -> None:
        """Redraw what the network predicts (heatmap or curve) for its current weights. The heatmap fills the
        visible range: the aspect lock widens the view beyond the data's square, which left white margins
        beside a square heatmap on screen and in exports (issue 15). Call it again when the range changes."""
        if model.classification:
            xs, ys, p = model.boundary(COARSE_GRID if coarse else GRID_SIZE, window=self.view_range())
            if getattr(self, "_discretize", False):
                p = (p >= 0.5).astype(float)
            dx, dy = xs[1] - xs[0], ys[1] - ys[0]
            self.image.setImage(p, autoLevels=False, levels=(0.0, 1.0))
            self.image.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys)))
        else:
            xs, ys = model.fitted_curve()
            set_curve_data(self.curve, xs, ys)

    def set_sample(self, model: BackpropModel) -> None:
        """Ring the training sample the diagram shows."""
        n = model.sample
        y = model.P_train[n, 1] if model.classification else model.y_train[n, 0]
        self.chosen.setData(x=[model.P_train[n, 0]], y=[y])

    def boundary_image(self) -> np.ndarray | None:
        """The heatmap's array (probabilities on the grid), for tests and export."""
        return self.image.image

    def _on_points_clicked(self, _item, points, _event=None) -> None:
        if len(points):
            self.sample_clicked.emit(int(points[0].data()))


class LossPlot(PlotPanel):
    """Training and test loss against the epoch."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Loss per epoch", "epoch", "loss", legend=True, parent=parent, legend_above=True)
        cache_axes(self)
        self.train_curve = self.add_curve("train", POSITIVE)
        self.test_curve = self.add_curve("test", NEGATIVE, style=Qt.PenStyle.DashLine)
        # With regularisation the train curve is data loss + penalty; these two draw the parts (in the legend
        # only then).
        self.data_curve = self.add_curve("data", POSITIVE, width=1.5, style=Qt.PenStyle.DotLine)
        self.penalty_curve = self.add_curve("penalty", "#555555", width=1.5, style=Qt.PenStyle.DashDotLine)
        self._listed = (True, True)   # (test, data and penalty) in the legend
        for curve in (self.train_curve, self.test_curve, self.data_curve, self.penalty_curve):
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
        self._thin = False
        self._set_pens(thin=False)
        self.plot_item.getAxis("left").enableAutoSIPrefix(False)   # "loss (x0.001)" confuses more than it helps

    def _set_pens(self, thin: bool) -> None:
        self._thin = thin
        self.train_curve.setPen(make_pen(POSITIVE, 1.0 if thin else 2.5))
        self.test_curve.setPen(make_pen(NEGATIVE, 1.0 if thin else 2.0, Qt.PenStyle.DashLine))

    def set_history(self, model: BackpropModel) -> None:
        """The losses at epochs 0 (the start) to model.epoch: the point at epoch k is the loss after k updates, the
        number the readout shows at "epoch k"."""
        if (model.epoch > THIN_PEN_AFTER) != self._thin:
            self._set_pens(thin=model.epoch > THIN_PEN_AFTER)
        epochs = np.arange(model.epoch + 1, dtype=float)
        set_curve_data(self.train_curve, epochs, _finite_or_nan(model.train_losses))
        if model.has_test:
            set_curve_data(self.test_curve, epochs, _finite_or_nan(model.test_losses))
        else:
            set_curve_data(self.test_curve, np.empty(0), np.empty(0))
        parts = bool(model.net.l1 or model.net.l2)
        self._list_in_legend(model.has_test, parts)
        for curve, values in ((self.data_curve, model.data_losses), (self.penalty_curve, model.penalties)):
            if parts:
                set_curve_data(curve, epochs, _finite_or_nan(values))
            else:
                set_curve_data(curve, np.empty(0), np.empty(0))
        # Stepping by hand adds one point per Update: show them as dots while there are few (the start's too).
        few = model.epoch <= 50
        for curve, color in ((self.train_curve, POSITIVE), (self.test_curve, NEGATIVE)):
            curve.setSymbol("o" if few else None)
            if few:
                curve.setSymbolSize(6)
                curve.setSymbolBrush(color)
                curve.setSymbolPen(color)
        if model.epoch <= 10:   # a fixed x range while stepping by hand; y with room above and below every dot
            self.plot_item.setXRange(0, 10, padding=0.04)
            self.plot_item.setYRange(*_room_around(model.train_losses + model.test_losses), padding=0.0)
        else:
            self.plot_item.enableAutoRange()


    def _list_in_legend(self, test: bool, parts: bool) -> None:
        """The legend names only the curves there are: test without test points (ratio 0) and the data and
        penalty parts without regularisation are left out; the order stays train, test, data, penalty."""
        if (test, parts) == self._listed:
            return
        self._listed = (test, parts)
        curves = (self.train_curve, self.test_curve, self.data_curve, self.penalty_curve)
        for curve in curves:
            self.legend.removeItem(curve)
        for curve, listed in zip(curves, (True, test, parts, parts), strict=True):
            if listed:
                self.legend.addItem(curve, curve.name())
        self.put_legend_above()   # one row again


def _finite_or_nan(values: list[float]) -> np.ndarray:
    """The losses with inf as nan: an overflowed loss is a gap, never handed to Qt or to the auto-range."""
    array = np.asarray(values, dtype=float)
    return np.where(np.isfinite(array), array, np.nan)


def _room_around(values: list[float]) -> tuple[float, float]:
    """A y range holding the finite `values` with a margin of 15% (a lone value, the start's loss, gets one too)."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    low, high = min(finite), max(finite)
    margin = 0.15 * (high - low) if high > low else 0.1 * max(abs(high), 1e-3)
    return low - margin, high + margin
