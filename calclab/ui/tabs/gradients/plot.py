"""GradientPlot: the Gradients tab's map of f (image + colour bar + labelled contours), its gradient field and
the probe (a draggable point with ∇f, -∇f, the level-curve tangent and a right-angle mark).

Every plot item is created once; the tab hands over numbers (from calclab.engine.fields) and the items are
updated with setData / setImage. Arrows are drawn as ONE line item with connect="pairs", never as hundreds of
ArrowItems. The view keeps x and y at the same scale, so a right angle in the data looks like one on screen.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QLabel

from calclab.engine.fields import (
    Grid,
    arrow_segments,
    contour_segments,
    format_level,
    label_position,
    log_offsets,
    log_warp,
    right_angle_marker,
)
from calclab.ui.theme import keep_ink
from calclab.ui.widgets.color_bar import NumberColorBar
from calclab.ui.widgets.plot_panel import PlotPanel, make_pen

ASCENT_COLOR = "#C0392B"      # ∇f: red-orange, steepest ascent
DESCENT_COLOR = "#0B4F9C"     # -∇f: deep blue, the descent direction
TANGENT_COLOR = "#111111"
LEVEL_COLOR = "#FFFFFF"       # the level curve through the probe
FIELD_COLOR = "#1A1A1A"
CONTOUR_COLOR = QColor(0, 0, 0, 110)
MASK_COLOR = (205, 205, 205, 255)   # where f is undefined (nan): a neutral grey under the transparent pixels
MAX_LABELS = 12
# Entries break only between them (&nbsp; inside). The tangent and the level curve are drawn black and white on the
# map in both schemes (keep_ink), so their swatches sit on a grey patch, with colours given by name (which the
# dark theme leaves as they are: it adapts hex colours).
KEY_HTML = (f"<span style='color:{ASCENT_COLOR}'><b>━▶&nbsp;∇f</b>{{ascent}}</span> &nbsp; "
            f"<span style='color:{DESCENT_COLOR}'><b>━▶&nbsp;−∇f</b>{{descent}}</span> &nbsp; "
            "<span style='background:gray; color:black'>&nbsp;<b>━</b>&nbsp;tangent&nbsp;</span> &nbsp; "
            "<span style='background:gray; color:white'>&nbsp;━&nbsp;level&nbsp;curve&nbsp;</span>"
            "{undefined}")
KEY_WIDE = 760        # px of map panel from which the key says "ascent" and "descent" (else the title has no room)
PASTEL = 0.3                        # mix the colour map with this much white, so black lines stay readable


def pastel_colors(n: int = 256) -> np.ndarray:
    """viridis lightened towards white: (n, 4) uint8 RGBA."""
    base = pg.colormap.get("viridis").getLookupTable(0.0, 1.0, n, alpha=True).astype(float)
    base[:, :3] = base[:, :3] * (1 - PASTEL) + 255 * PASTEL
    return base.astype(np.ubyte)


def log_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Colour-bar ticks for a log-warped map (its axis runs 0..1), labelled with f: low + 1, 2, 5 x 10^k."""
    ticks = [(0.0, format_level(low))]
    if high > low:
        ticks += [(float(log_warp(d / (high - low))), format_level(low + d)) for d in log_offsets(high - low)]
    return [(s, label) for s, label in ticks if s <= 0.97]   # a label at the very top would be cut in half


class GradientPlot(QObject):
    """The plot and all its items. Signals report the user placing (click) or dragging the probe."""

    probe_placed = Signal(float, float)    # a click in the plot: put the probe here
    probe_dragged = Signal(float, float)   # the probe is being dragged (many per second)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.panel = PlotPanel("f over the plane, its level curves and gradient field", "x", "y", legend=False)
        self.label_key = QLabel()
        self.label_key.setWordWrap(True)   # zoomed on a narrow window the key takes two lines, not the width
        self.label_key.setToolTip("What the lines at the probe point mean: ∇f points where f climbs fastest "
                                  "(ascent), −∇f where it falls fastest (descent); grey: f is undefined there")
        self._key = (True, False)   # (wide, the map has undefined points)
        self._show_key()
        self.panel.add_toolbar_widget(self.label_key)
        self.plot_item = self.panel.plot_item
        self.view_box = self.plot_item.getViewBox()
        self.view_box.setAspectLocked(True, ratio=1.0)
        self.view_box.setMenuEnabled(False)

        # A constant image would be auto-levelled to black: give its levels explicitly.
        self.backdrop = pg.ImageItem(np.array([[MASK_COLOR]], dtype=np.ubyte), axisOrder="row-major",
                                     levels=(0, 255))
        self.backdrop.setZValue(-20)
        self.backdrop.setVisible(False)   # until there is a map (a grey square on an empty plot says nothing)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.plot_item.addItem(self.backdrop)
        self.plot_item.addItem(self.image)
        self.color_bar = NumberColorBar(values=(0.0, 1.0), width=18, interactive=False, colorMapMenu=False)
        self.color_bar.setImageItem(self.image, insert_in=self.plot_item)
        self.color_bar.getAxis("right").setStyle(tickFont=self._font(10))
        self.color_bar.getAxis("right").setLabel("f", **{"font-size": "12pt"})
        self._log_colors: bool | None = None
        self.set_log_colors(False)

        self.contours = pg.PlotDataItem([], [], pen=make_pen(CONTOUR_COLOR, 1.2), connect="pairs")
        self.labels: list[pg.TextItem] = []
        for _ in range(MAX_LABELS):
            label = pg.TextItem("", color="#111111", anchor=(0.5, 0.5), fill=pg.mkBrush(255, 255, 255, 190))
            label.setFont(self._font(9))
            label.setZValue(5)
            label.setVisible(False)
            self.plot_item.addItem(label)
            self.labels.append(label)
        self.field = pg.PlotDataItem([], [], pen=make_pen(FIELD_COLOR, 1.3), connect="pairs")
        # Drawn as many tiny segments, so a dash pattern would restart on each: a solid white line instead.
        self.level_curve = pg.PlotDataItem([], [], pen=make_pen(LEVEL_COLOR, 3.0), connect="pairs")
        self.tangent = pg.PlotDataItem([], [], pen=make_pen(TANGENT_COLOR, 2.5))
        self.right_angle = pg.PlotDataItem([], [], pen=make_pen(TANGENT_COLOR, 1.5))
        self.ascent = pg.PlotDataItem([], [], pen=make_pen(ASCENT_COLOR, 3.5), connect="pairs")
        self.descent = pg.PlotDataItem([], [], pen=make_pen(DESCENT_COLOR, 3.5), connect="pairs")
        # On the colour map, which stays as it is in dark: the black and white lines too (the texts name them).
        keep_ink(self.contours, self.field, self.level_curve, self.tangent, self.right_angle)
        for z, item in enumerate((self.contours, self.field, self.level_curve, self.right_angle, self.tangent,
                                  self.descent, self.ascent)):
            item.setZValue(z + 1)
            self.plot_item.addItem(item)
        self.probe = pg.TargetItem(pos=(0, 0), size=15, symbol="o", pen=make_pen("#000000", 2.0),
                                   brush=pg.mkBrush("#FFFFFF"), hoverBrush=pg.mkBrush("#FFD54F"), movable=True)
        self.probe.setZValue(20)
        self.probe.setVisible(False)      # until there is a function to probe
        self.probe.setToolTip("The probe point: drag it, or click anywhere on the map to move it there")
        self.plot_item.addItem(self.probe)
        self._moving_probe = False
        self._shields: list[pg.GraphicsObject] = []
        self.probe.sigPositionChanged.connect(self._on_probe_position_changed)
        self.panel.plot_widget.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.panel.plot_widget.setToolTip("Click to place the probe, drag it to move it; drag the background to "
                                          "pan, scroll to zoom (the map is recomputed for the new range)")

    @staticmethod
    def _font(points: int) -> QFont:
        font = QFont()
        font.setPointSize(points)
        return font

    # -- the map ----------------------------------------------------------------------------------------------

    def set_log_colors(self, log: bool) -> None:
        """Linear colours, or colours warped so each decade above the minimum gets its share."""
        if log == self._log_colors:
            return
        self._log_colors = log
        colors = pastel_colors()
        positions = np.linspace(0.0, 1.0, len(colors))
        self.color_bar.setColorMap(pg.ColorMap(positions, colors))
        if not log:
            self.color_bar.axis.setTicks(None)

    def set_map(self, grid: Grid, levels: tuple[float, float], contour_values: np.ndarray,
                show_contours: bool, log: bool) -> None:
        """Show f on the grid between colour `levels` (nan pixels show the grey backdrop), with contours."""
        self.set_log_colors(log)
        low, high = levels
        if log:
            # The data is warped, not the colour table: a 256-entry table cannot resolve a log scale.
            with np.errstate(all="ignore"):
                data = log_warp((grid.z - low) / (high - low))
            data[np.isnan(grid.z)] = np.nan
            bar_levels = (0.0, 1.0)
        else:
            data, bar_levels = grid.z, (low, high)
        rect = QRectF(*grid.rect)
        self.image.setImage(data, autoLevels=False, levels=bar_levels)
        self.image.setRect(rect)
        self.backdrop.setRect(rect)
        self.backdrop.setVisible(True)
        self._show_key(undefined=bool(np.isnan(grid.z).any()))
        self.color_bar.setLevels(bar_levels)
        if log:
            self.color_bar.axis.setTicks([log_ticks(low, high), []])
        self._set_contours(grid, contour_values if show_contours else np.empty(0))

    def fit_key(self, width: int) -> None:
        """The key for a map panel `width` px wide: "ascent" and "descent" spelled out where there is room."""
        self._show_key(wide=width >= KEY_WIDE)

    def _show_key(self, wide: bool | None = None, undefined: bool | None = None) -> None:
        """The key over the map; "grey: undefined" only while the map has such points. Set only when it changes
        (a new text lays the toolbar out again, and the map is redrawn on every pan)."""
        key = (self._key[0] if wide is None else wide, self._key[1] if undefined is None else undefined)
        if key == self._key and self.label_key.text():
            return
        self._key = key
        self.label_key.setText(KEY_HTML.format(ascent="&nbsp;ascent" if key[0] else "",
                                               descent="&nbsp;descent" if key[0] else "",
                                               undefined=" &nbsp; grey:&nbsp;undefined" if key[1] else ""))

    def _set_contours(self, grid: Grid, values: np.ndarray) -> None:
        x0, y0, width, height = grid.rect
        box = (x0, x0 + width, y0, y0 + height)
        pieces = []
        taken: list[tuple[float, float]] = []
        for label in self.labels:
            label.setVisible(False)
        for index, value in enumerate(values):
            segments = contour_segments(grid, float(value))
            if segments.size == 0:
                continue
            pieces.append(segments.reshape(-1, 2))
            if index < len(self.labels):
                # Spread the labels along the diagonal so concentric curves do not stack them in one spot.
                fraction = (index + 0.5) / len(values)
                target = (x0 + width * (0.15 + 0.7 * fraction), y0 + height * (0.15 + 0.7 * fraction))
                where = label_position(segments, target, box, taken)
                if where is not None:
                    taken.append(where)
                    self.labels[index].setText(format_level(float(value)))
                    self.labels[index].setPos(*where)
                    self.labels[index].setVisible(True)
        points = np.concatenate(pieces) if pieces else np.empty((0, 2))
        self.contours.setData(points[:, 0], points[:, 1], connect="pairs")

    def set_field(self, xs: np.ndarray, ys: np.ndarray) -> None:
        """Arrow line segments (6 points per arrow) from calclab.engine.fields.arrow_segments."""
        self.field.setData(xs, ys, connect="pairs")

    def set_field_visible(self, visible: bool) -> None:
        self.field.setVisible(visible)

    # -- the probe --------------------------------------------------------------------------------------------

    def probe_position(self) -> tuple[float, float]:
        pos = self.probe.pos()
        return float(pos.x()), float(pos.y())

    def set_probe(self, x: float, y: float, gradient: tuple[float, float] | None,
                  level_segments: np.ndarray, visible: bool = True) -> None:
        """Move the probe and draw ∇f, -∇f (fixed length: the direction is the point), tangent and right angle."""
        self._moving_probe = True
        try:
            self.probe.setPos(QPointF(x, y))
        finally:
            self._moving_probe = False
        items = (self.probe, self.ascent, self.descent, self.tangent, self.right_angle, self.level_curve)
        for item in items:
            item.setVisible(visible)
        (vx0, vx1), (vy0, vy1) = self.view_box.viewRange()
        size = min(vx1 - vx0, vy1 - vy0)
        if level_segments.size:
            points = level_segments.reshape(-1, 2)
            self.level_curve.setData(points[:, 0], points[:, 1], connect="pairs")
        else:
            self.level_curve.setData([], [])
        norm = float(np.hypot(*gradient)) if gradient is not None else 0.0
        if gradient is None or not np.isfinite(norm) or norm == 0:
            for item in (self.ascent, self.descent, self.tangent, self.right_angle):
                item.setData([], [])
            return
        ux, uy = gradient[0] / norm, gradient[1] / norm
        length = 0.2 * size
        point_x, point_y = np.array([x]), np.array([y])
        lengths = np.array([length])
        self.ascent.setData(*arrow_segments(point_x, point_y, np.array([ux]), np.array([uy]), lengths, "tail"),
                            connect="pairs")
        self.descent.setData(*arrow_segments(point_x, point_y, np.array([-ux]), np.array([-uy]), lengths,
                                             "tail"), connect="pairs")
        tx, ty = -uy, ux
        half = 0.14 * size
        self.tangent.setData([x - half * tx, x + half * tx], [y - half * ty, y + half * ty])
        self.right_angle.setData(*right_angle_marker(x, y, (ux, uy), (tx, ty), 0.035 * size))

    # -- slots ------------------------------------------------------------------------------------------------

    def _on_probe_position_changed(self, _item: object) -> None:
        if not self._moving_probe:
            self.probe_dragged.emit(*self.probe_position())

    def shield_clicks(self, item: pg.GraphicsObject) -> None:
        """A click on `item` (a handle of its own) does not move the probe there."""
        self._shields.append(item)

    def _on_scene_clicked(self, event: object) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        scene_pos = event.scenePos()
        if not self.view_box.sceneBoundingRect().contains(scene_pos):
            return
        if any(item.isVisible() and item.sceneBoundingRect().contains(scene_pos) for item in self._shields):
            return
        point = self.view_box.mapSceneToView(scene_pos)
        self.probe_placed.emit(float(point.x()), float(point.y()))

