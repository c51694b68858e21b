"""The 3D surface without OpenGL: the mesh projected by calclab.engine.surface and painted with QPainter, far
quads first (the painter's algorithm), then the lines and markers on top, all in one pyqtgraph item.

It is a pg.PlotWidget with its axes hidden, so everything that exports, themes or puts a notice over a plot
works on it unchanged (PNG at any scale, SVG as vector polygons). Left-drag turns the camera, the wheel zooms,
as in pyqtgraph's GLViewWidget. Used on the offscreen platform (where no QOpenGLWidget may be made) and
wherever OpenGL is missing or fails.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from pyqtgraph import functions as fn
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen, QPolygonF

from calclab.engine.surface import Camera, Label, Line, Marker, Mesh, project, quad_colors, quads_back_to_front
from calclab.ui import theme

DRAG_DEGREES_PER_PIXEL = 0.5   # GLViewWidget turns one degree per pixel; half feels the same on a smaller view


class OrbitViewBox(pg.ViewBox):
    """A ViewBox that turns drags and wheel turns into camera moves instead of panning and zooming."""

    orbited = Signal(float, float)   # degrees of azimuth and elevation
    zoomed = Signal(float)           # the wheel's angle delta

    def __init__(self) -> None:
        super().__init__(enableMenu=False)
        self.setMouseEnabled(False, False)

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 - Qt override
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        delta = ev.pos() - ev.lastPos()
        self.orbited.emit(-DRAG_DEGREES_PER_PIXEL * delta.x(), DRAG_DEGREES_PER_PIXEL * delta.y())

    def wheelEvent(self, ev, axis=None) -> None:  # noqa: N802 - Qt override
        ev.accept()
        self.zoomed.emit(float(ev.delta()))


class SoftSurfaceItem(pg.GraphicsObject):
    """Paints the scene over the whole view box, in device pixels (so text and pens are never stretched)."""

    def __init__(self, view_box: pg.ViewBox) -> None:
        super().__init__()
        self.view_box = view_box
        self.camera = Camera()
        self.mesh: Mesh | None = None
        self.lines: list[Line] = []
        self.markers: list[Marker] = []
        self.labels: list[Label] = []
        self._brushes: list[QBrush] = []
        self._polygons: list[QPolygonF] = []
        self._views: list[np.ndarray] = []

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return QRectF(0.0, 0.0, 1.0, 1.0)

    def set_mesh(self, mesh: Mesh | None) -> None:
        """A new mesh: one brush per quad (its colours are baked, so rotating never changes them)."""
        self.mesh = mesh
        self._brushes = []
        if mesh is not None:
            rgba = np.round(quad_colors(mesh.colors) * 255).astype(int)
            cache: dict[tuple[int, ...], QBrush] = {}
            for color in map(tuple, rgba):
                brush = cache.get(color)
                if brush is None:
                    brush = cache[color] = QBrush(QColor(*color))
                self._brushes.append(brush)
            count = len(self._brushes)
            if len(self._polygons) != count:   # one 4-point polygon per quad, filled in place each frame
                self._polygons = [fn.create_qpolygonf(4) for _ in range(count)]
                self._views = [fn.ndarray_from_qpolygonf(polygon) for polygon in self._polygons]
        self.update()

    def paint(self, painter: QPainter, *_args) -> None:
        transform = painter.transform()
        top_left = transform.map(QPointF(0.0, 1.0))
        bottom_right = transform.map(QPointF(1.0, 0.0))
        width, height = bottom_right.x() - top_left.x(), bottom_right.y() - top_left.y()
        if width < 2 or height < 2:
            return
        painter.save()
        painter.resetTransform()
        painter.translate(top_left)
        painter.setClipRect(QRectF(0, 0, width, height))
        self._paint_mesh(painter, width, height)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._paint_lines(painter, width, height)
        self._paint_markers(painter, width, height)
        self._paint_labels(painter, width, height)
        painter.restore()

    def _paint_mesh(self, painter: QPainter, width: float, height: float) -> None:
        mesh = self.mesh
        if mesh is None or not self._brushes:
            return
        pixels, depth = project(mesh.points, self.camera, width, height)
        corners, order = quads_back_to_front(pixels, depth)
        # Without antialiasing neighbouring quads meet without hairline seams of the background between them.
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(Qt.PenStyle.NoPen)
        brushes, polygons, views = self._brushes, self._polygons, self._views
        set_brush, draw = painter.setBrush, painter.drawPolygon
        for index, quad in zip(order.tolist(), corners, strict=True):
            views[index][:] = quad
            set_brush(brushes[index])
            draw(polygons[index])

    def _paint_lines(self, painter: QPainter, width: float, height: float) -> None:
        for line in self.lines:
            if len(line.points) < 2:
                continue
            pixels, depth = project(line.points, self.camera, width, height)
            keep = depth > 1e-6
            pen = QPen(theme.adapt(QColor(line.color)), line.width)   # in the scheme (this item paints itself)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPolyline(QPolygonF([QPointF(x, y) for (x, y), k in zip(pixels.tolist(), keep, strict=True)
                                            if k]))

    def _paint_markers(self, painter: QPainter, width: float, height: float) -> None:
        for marker in self.markers:
            (x, y), depth = project(np.asarray(marker.point, float), self.camera, width, height)
            if not depth > 1e-6 or not np.isfinite([x, y]).all():
                continue
            painter.setPen(QPen(QColor(marker.edge), 2.0))   # (on the surface, as on the map: not the scheme's)
            painter.setBrush(QBrush(QColor(marker.color)))
            radius = marker.size / 2
            if marker.symbol == "s":
                painter.drawRect(QRectF(x - radius, y - radius, 2 * radius, 2 * radius))
            else:
                painter.drawEllipse(QPointF(x, y), radius, radius)

    def _paint_labels(self, painter: QPainter, width: float, height: float) -> None:
        font = QFont()
        font.setPointSize(11)
        painter.setFont(font)
        painter.setPen(theme.adapt(QColor("#202020")))
        metrics = QFontMetricsF(font, painter.device())
        for label in self.labels:
            (x, y), depth = project(np.asarray(label.point, float), self.camera, width, height)
            if depth > 1e-6 and np.isfinite([x, y]).all():
                painter.drawText(label_rect(metrics.horizontalAdvance(label.text), x, y, width),
                                 Qt.AlignmentFlag.AlignCenter, label.text)


def label_rect(text_width: float, x: float, y: float, view_width: float) -> QRectF:
    """Where a label `text_width` px wide is drawn: centred on (x, y), as wide as its text (a fixed box cut
    "f(x, y): −0.999435 … 0.938213" at both ends), moved sideways to stay inside the view if it can."""
    width = text_width + 8
    left = min(max(x - width / 2, 0.0), max(view_width - width, 0.0))
    return QRectF(left, y - 12, width, 24)


class SoftSurface(pg.PlotWidget):
    """The software-rendered surface view (see the module docstring); same API as calclab's GL one."""

    camera_changed = Signal()

    def __init__(self, parent=None) -> None:
        self.orbit_box = OrbitViewBox()
        super().__init__(parent, viewBox=self.orbit_box)
        item = self.getPlotItem()
        for side in ("left", "bottom"):
            item.hideAxis(side)
        item.hideButtons()
        item.setMenuEnabled(False)
        item.layout.setContentsMargins(0, 0, 0, 0)
        self.orbit_box.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.0)
        self.orbit_box.setLimits(xMin=0, xMax=1, yMin=0, yMax=1)
        self.item = SoftSurfaceItem(self.orbit_box)
        self.orbit_box.addItem(self.item)
        self.orbit_box.orbited.connect(self.orbit)
        self.orbit_box.zoomed.connect(self._on_zoomed)
        self.setToolTip("Drag to turn the surface, scroll to zoom")

    def set_scene(self, mesh: Mesh | None, lines: Sequence[Line], markers: Sequence[Marker],
                  labels: Sequence[Label]) -> None:
        if mesh is not self.item.mesh:
            self.item.set_mesh(mesh)
        self.item.lines, self.item.markers, self.item.labels = list(lines), list(markers), list(labels)
        self.item.update()

    def camera(self) -> Camera:
        return self.item.camera

    def set_camera(self, camera: Camera) -> None:
        self.item.camera = camera
        self.item.update()
        self.camera_changed.emit()

    def orbit(self, d_azimuth: float, d_elevation: float) -> None:
        self.set_camera(self.item.camera.orbited(d_azimuth, d_elevation))

    def _on_zoomed(self, delta: float) -> None:
        self.set_camera(self.item.camera.zoomed(delta))

    def plot_widget(self) -> pg.PlotWidget:
        """What export renders."""
        return self
