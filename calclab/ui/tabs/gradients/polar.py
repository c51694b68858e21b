"""PolarPlot: D_u f for every direction u at the probe, as a polar curve (a small plot under the map).

A point of the curve sits at distance |D_u f| along u: solid red where f climbs (D_u f > 0), dashed blue where it
falls. The solid lobe reaches farthest exactly along ∇f, at distance |∇f|: the gradient points where f climbs
fastest, and its length is that fastest slope. The current u is a green ray to its own point on the curve.
Clicking the plot turns u towards the click.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal

from calclab.engine.fields import arrow_segments
from calclab.engine.numbers import format_number
from calclab.engine.probe import angle_of, directional_in_plane, polar_lobes, unit_direction
from calclab.ui.tabs.gradients.overlays import DIRECTION_COLOR
from calclab.ui.tabs.gradients.plot import ASCENT_COLOR, DESCENT_COLOR
from calclab.ui.widgets.plot_panel import PlotPanel, make_pen

GUIDE_COLOR = "#9A9A9A"
RING = np.linspace(0.0, 2 * np.pi, 181)


class PolarPlot(QObject):
    """The polar plot and its items (made once, updated with setData)."""

    angle_chosen = Signal(float)     # a click in the plot: turn u towards it (degrees)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.panel = PlotPanel("D_u f for all u", "", "", legend=False)
        self.plot_item = self.panel.plot_item
        self.view_box = self.plot_item.getViewBox()
        for side in ("left", "bottom"):
            self.plot_item.hideAxis(side)
        self.plot_item.showGrid(x=False, y=False)
        self.view_box.setAspectLocked(True, ratio=1.0)
        self.view_box.setMouseEnabled(x=False, y=False)
        self.view_box.setMenuEnabled(False)
        self.plot_item.hideButtons()
        self.axes = pg.PlotDataItem([], [], pen=make_pen(GUIDE_COLOR, 1.0), connect="pairs")
        self.ring = pg.PlotDataItem([], [], pen=make_pen(GUIDE_COLOR, 1.0, Qt.PenStyle.DashLine))
        self.uphill = pg.PlotDataItem([], [], pen=make_pen(ASCENT_COLOR, 2.5), connect="finite")
        self.downhill = pg.PlotDataItem([], [], pen=make_pen(DESCENT_COLOR, 2.0, Qt.PenStyle.DashLine),
                                        connect="finite")
        self.gradient = pg.PlotDataItem([], [], pen=make_pen(ASCENT_COLOR, 1.5), connect="pairs")
        self.ray = pg.PlotDataItem([], [], pen=make_pen(DIRECTION_COLOR, 2.5))
        self.dot = pg.ScatterPlotItem(size=10, pen=make_pen("#000000", 1.0), brush=pg.mkBrush(DIRECTION_COLOR))
        self.label_peak = pg.TextItem("", color=ASCENT_COLOR, anchor=(0.5, 1.0))
        self.label_flat = pg.TextItem("", color="#333333", anchor=(0.5, 0.5))
        self.axis_labels = [pg.TextItem("", color="#555555", anchor=anchor) for anchor in ((1.0, 1.0), (0.0, 0.0))]
        for z, item in enumerate((self.axes, self.ring, self.downhill, self.uphill, self.gradient, self.ray,
                                  self.dot, self.label_peak, self.label_flat, *self.axis_labels)):
            item.setZValue(z)
            self.plot_item.addItem(item)
        self.panel.plot_widget.setToolTip("D_u f for every direction u: the farther the curve from the centre, the "
                                          "steeper f is that way (solid: uphill, dashed: downhill). Click to turn u.")
        self.panel.plot_widget.scene().sigMouseClicked.connect(self._on_clicked)
        self.peak = (0.0, 0.0)

    def show(self, gx: float, gy: float, angle: float, axes: tuple[str, str]) -> None:
        """Draw D_u f for ∇f's plotted components (gx, gy), with u at `angle` degrees."""
        norm = math.hypot(gx, gy)
        finite = math.isfinite(norm)
        radius = norm if finite and norm > 0 else 1.0
        reach = 1.3 * radius
        self.axes.setData([-reach, reach, 0.0, 0.0], [0.0, 0.0, -reach, reach], connect="pairs")
        self.axis_labels[0].setText(f"{axes[0]} →")
        self.axis_labels[0].setPos(reach, 0.0)
        self.axis_labels[1].setText(f"↑ {axes[1]}")
        self.axis_labels[1].setPos(0.0, reach)
        self.view_box.setRange(xRange=(-reach, reach), yRange=(-reach, reach), padding=0.02)
        if not finite or norm == 0:
            for item in (self.ring, self.uphill, self.downhill, self.gradient, self.ray):
                item.setData([], [])
            self.dot.setData([], [])
            self.label_peak.setText("")
            self.label_flat.setText("∇f = 0: D_u f = 0\nin every direction" if finite else "∇f undefined here")
            self.label_flat.setPos(0.0, -0.5 * radius)
            self.peak = (0.0, 0.0)
            return
        self.label_flat.setText("")
        self.ring.setData(norm * np.cos(RING), norm * np.sin(RING))
        up, down = polar_lobes(gx, gy)
        self.uphill.setData(up[0], up[1], connect="finite")
        self.downhill.setData(down[0], down[1], connect="finite")
        xs, ys = arrow_segments(np.array([0.0]), np.array([0.0]), np.array([gx / norm]), np.array([gy / norm]),
                                np.array([norm]), "tail")
        self.gradient.setData(xs, ys, connect="pairs")
        self.peak = (gx, gy)
        self.label_peak.setText("|∇f|")
        self.label_peak.setToolTip(f"|∇f| = {format_number(norm)}: the farthest the curve reaches, along ∇f")
        self.label_peak.setPos(gx * 1.06, gy * 1.06)
        self.label_peak.setAnchor((0.0 if gx >= 0 else 1.0, 1.0 if gy >= 0 else 0.0))   # outwards, off the arrow
        value = directional_in_plane(gx, gy, angle)
        ux, uy = unit_direction(angle)
        self.ray.setData([0.0, abs(value) * ux], [0.0, abs(value) * uy])
        self.dot.setData([abs(value) * ux], [abs(value) * uy])

    def _on_clicked(self, event: object) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        scene_pos = event.scenePos()
        if not self.view_box.sceneBoundingRect().contains(scene_pos):
            return
        point = self.view_box.mapSceneToView(scene_pos)
        if point.x() or point.y():
            self.angle_chosen.emit(angle_of(float(point.x()), float(point.y())))
