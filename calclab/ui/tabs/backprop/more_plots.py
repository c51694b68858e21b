"""The Backprop tab's two views beyond TensorFlow Playground: the gradient size per layer over the epochs, and the
loss landscape around the weights (Li et al. 2018).

GradientPlot: mean |∂L/∂W| of each weight layer against the epoch, on a log scale, input side pale and output side
dark: with sigmoid and five layers the pale curves sit decades below the dark ones (vanishing gradients).
LandscapePlot: the loss on the plane through the weights spanned by two filter-normalised random directions, as a
coloured map (log of the loss) with contour lines, and the training path projected onto that plane. Items are
created once; later calls only set their data.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QWidget

from calclab.engine.landscape import Landscape
from calclab.state.backprop import MAX_HIDDEN_LAYERS
from calclab.ui.tabs.backprop.model import BackpropModel
from calclab.ui.widgets.color_bar import NumberColorBar
from calclab.ui.widgets.loss_axis import LossAxis
from calclab.ui.widgets.plot_panel import PlotPanel, cache_axes, make_pen, set_curve_data

CONTOURS = 12


def layer_colors(count: int) -> list[str]:
    """Pale (input side) to dark (output side) blues, one per weight layer."""
    cmap = pg.colormap.get("CET-L6")   # a perceptually uniform blue ramp
    return [cmap.map(0.85 - 0.65 * (k / max(count - 1, 1)), mode="qcolor").name() for k in range(count)]


class GradientPlot(PlotPanel):
    """mean |∂L/∂W| per weight layer against the epoch (log scale)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        # the Descent tab's log axis: one style for every tick (pyqtgraph's 0.1, 0.01, 0.001, then 10⁻⁵ was wider
        # than the axis it had room for, and its label ran over the ticks)
        super().__init__("Gradient size per layer", "epoch", "mean |∂L/∂W|", legend=True,
                         parent=parent, legend_above=True, axis_items={"left": LossAxis()})
        cache_axes(self)
        self.title_label.setToolTip("mean |∂L/∂W| of each weight layer at the epoch's last batch, log scale; W₁ "
                                    "feeds the first hidden layer from the inputs")
        self.plot_item.setLogMode(y=True)
        self.curves = [self.add_curve(f"W{k + 1}".translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")), "#000000")
                       for k in range(MAX_HIDDEN_LAYERS + 1)]
        self._layers = -1
        self._rows = np.empty((0, 0))   # the gradient sizes drawn so far, one row per epoch

    def set_history(self, model: BackpropModel) -> None:
        """The per-layer gradient sizes of epochs 1 to model.epoch (each epoch's last batch)."""
        layers, count = len(model.net.params), len(model.gradient_sizes)
        if layers != self._layers or count < len(self._rows):   # a new network or history: start over
            self._rows = np.empty((0, layers))
        if count > len(self._rows):   # convert only the epochs added since the last frame
            added = np.asarray(model.gradient_sizes[len(self._rows):], dtype=float).reshape(-1, layers)
            self._rows = np.vstack([self._rows, added])
        sizes = self._rows
        if layers != self._layers:
            self._layers = layers
            for k, (curve, color) in enumerate(zip(self.curves, layer_colors(layers) + ["#000000"] * 8,
                                                   strict=False)):
                curve.setPen(make_pen(color, 2.0))
                curve.setVisible(k < layers)
                self._in_legend(curve, k < layers)
        epochs = np.arange(1, len(sizes) + 1, dtype=float)
        for k, curve in enumerate(self.curves[:layers]):
            values = sizes[:, k] if len(sizes) else np.empty(0)
            with np.errstate(all="ignore"):
                values = np.where(np.isfinite(values) & (values > 0), values, np.nan)
            set_curve_data(curve, epochs, values)
        for curve in self.curves[layers:]:
            set_curve_data(curve, np.empty(0), np.empty(0))

    def _in_legend(self, curve: pg.PlotDataItem, shown: bool) -> None:
        """Only the layers the network has are in the legend."""
        listed = any(getattr(sample, "item", None) is curve for sample, _label in self.legend.items)
        if shown and not listed:
            self.legend.addItem(curve, curve.name())
        elif not shown and listed:
            self.legend.removeItem(curve)
        self.put_legend_above()


class LandscapePlot(PlotPanel):
    """The loss landscape: log₁₀ of the loss as colours, contour lines, and the training path."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Loss landscape around the weights", "α (direction 1)", "β (direction 2)", legend=False,
                         parent=parent)
        self.image = pg.ImageItem()
        self.image.setZValue(-10)
        self.plot_item.addItem(self.image)
        # The colour scale beside the map, so that the map reads alone (an export too) as on the screen.
        self.color_bar = NumberColorBar(values=(0.0, 1.0), width=14, interactive=False, colorMapMenu=False,
                                        colorMap=pg.colormap.get("viridis"))
        self.color_bar.setImageItem(self.image, insert_in=self.plot_item)
        self.color_bar.getAxis("right").setLabel("log₁₀ loss")
        self.isocurves = []
        for _ in range(CONTOURS):
            curve = pg.IsocurveItem(pen=pg.mkPen((255, 255, 255, 150), width=1))
            curve.setParentItem(self.image)
            self.isocurves.append(curve)
        self.path = self.add_curve(None, "#FFFFFF", width=2.0, z=5)
        self.path_points = pg.ScatterPlotItem(size=5, brush=pg.mkBrush("#FFFFFF"), pen=pg.mkPen("#333333"))
        self.here = pg.ScatterPlotItem(size=14, symbol="star", brush=pg.mkBrush("#E66100"),
                                       pen=pg.mkPen("#000000", width=1))
        for z, item in enumerate((self.path_points, self.here)):
            item.setZValue(6 + z)
            self.plot_item.addItem(item)
        self.plot_item.setAspectLocked(True)
        self.result: Landscape | None = None

    def set_landscape(self, result: Landscape | None) -> None:
        """Draw a computed landscape (None: clear it)."""
        self.result = result
        if result is None:
            self.image.clear()
            for curve in self.isocurves:
                curve.setData(None)
            set_curve_data(self.path, np.empty(0), np.empty(0))
            self.path_points.setData([], [])
            self.here.setData([], [])
            return
        with np.errstate(all="ignore"):
            logs = np.log10(np.maximum(result.losses, 1e-12))
        finite = logs[np.isfinite(logs)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        high = high if high > low else low + 1.0
        shown = np.where(np.isfinite(logs), logs, high)
        a, b = result.alphas, result.betas
        da, db = a[1] - a[0], b[1] - b[0]
        self.image.setImage(shown, autoLevels=False, levels=(low, high))
        self.color_bar.setLevels((low, high))
        self.color_bar.axis.setRange(low, high)
        self.image.setRect(QRectF(a[0] - da / 2, b[0] - db / 2, da * len(a), db * len(b)))
        for level, curve in zip(np.linspace(low, high, CONTOURS + 2)[1:-1], self.isocurves, strict=True):
            curve.setData(shown, level)
        path = result.path
        inside = np.all(np.abs(path) <= max(abs(a[0]), abs(a[-1])) * 1.5, axis=1) if len(path) else np.empty(0, bool)
        set_curve_data(self.path, path[:, 0] if len(path) else np.empty(0), path[:, 1] if len(path) else np.empty(0))
        if len(path):
            self.path_points.setData(path[inside, 0], path[inside, 1])
        else:
            self.path_points.setData([], [])
        self.here.setData([0.0], [0.0])
        self.plot_item.setRange(xRange=(a[0], a[-1]), yRange=(b[0], b[-1]), padding=0.02)
        # short (the page's tab says "Landscape"): the colour scale is what matters; a longer title lost it to "…"
        self.set_title(f"log₁₀ loss: {low:.2f} (dark) to {high:.2f} (yellow)".replace("-", "−"))

    def isocurve_level(self, index: int) -> float | None:
        """The level of contour `index` (for tests)."""
        return self.isocurves[index].level if self.result is not None else None

