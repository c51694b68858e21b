"""The 3D surface with OpenGL: pyqtgraph.opengl's GLViewWidget (left-drag turns, the wheel zooms) holding one
GLSurfacePlotItem for the mesh and pooled line, point and text items for what is drawn over it.

Only imported where OpenGL works (calclab.ui.widgets.surface_view decides): importing it imports PyOpenGL, and
a GLViewWidget is a QOpenGLWidget, which must never be made on the offscreen platform. Items are created once
(the pools grow, never shrink) and updated with setData; lines and markers are drawn over the surface without
the depth test, as the software renderer draws them, so a path behind a hill still shows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph.opengl as gl
from OpenGL import GL
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QFont, QImage

from calclab.engine.surface import Camera, Label, Line, Marker, Mesh
from calclab.ui import theme

ON_TOP = {GL.GL_DEPTH_TEST: False, GL.GL_BLEND: True, GL.GL_CULL_FACE: False,
          "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA)}


INK = "#202020"   # the labels (in the scheme: theme.adapt)


def _rgba(color: str, scheme: bool = False) -> tuple[float, float, float, float]:
    """A colour for GL; `scheme`: in the scheme's version (theme.adapt), as lines over the background are."""
    return (theme.adapt(QColor(color)) if scheme else QColor(color)).getRgbF()


class GLSurface(gl.GLViewWidget):
    """The OpenGL surface view; same API as calclab.ui.widgets.surface_soft.SoftSurface."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setBackgroundColor(theme.adapt(QColor("white")))
        self._camera = Camera()
        self.surface = gl.GLSurfacePlotItem(shader=None, computeNormals=False, smooth=False, glOptions="opaque")
        self.addItem(self.surface)
        self.mesh: Mesh | None = None
        self._lines: list[gl.GLLinePlotItem] = []
        self._edges = gl.GLScatterPlotItem(pos=np.zeros((0, 3)), glOptions=ON_TOP, pxMode=True)
        self._points = gl.GLScatterPlotItem(pos=np.zeros((0, 3)), glOptions=ON_TOP, pxMode=True)
        self._edges.setDepthValue(20)
        self._points.setDepthValue(21)
        self.addItem(self._edges)
        self.addItem(self._points)
        self._texts: list[gl.GLTextItem] = []
        self.set_camera(self._camera)
        self.setToolTip("Drag to turn the surface, scroll to zoom")

    def set_scene(self, mesh: Mesh | None, lines: Sequence[Line], markers: Sequence[Marker],
                  labels: Sequence[Label]) -> None:
        if mesh is not self.mesh:
            self.mesh = mesh
            if mesh is None:
                self.surface.setVisible(False)
            else:
                # GLSurfacePlotItem indexes z[x, y] and its vertex colours x-major; the mesh is z[y, x].
                points = mesh.points
                colors = np.ascontiguousarray(mesh.colors.transpose(1, 0, 2), dtype=np.float32).reshape(-1, 4)
                self.surface.setData(x=points[0, :, 0], y=points[:, 0, 1], z=points[..., 2].T, colors=colors)
                self.surface.setVisible(True)
        self._set_lines(lines)
        self._set_markers(markers)
        self._set_labels(labels)

    def _set_lines(self, lines: Sequence[Line]) -> None:
        while len(self._lines) < len(lines):
            item = gl.GLLinePlotItem(pos=np.zeros((2, 3)), mode="line_strip", antialias=True, glOptions=ON_TOP)
            item.setDepthValue(10)
            self.addItem(item)
            self._lines.append(item)
        for index, item in enumerate(self._lines):
            if index < len(lines) and len(lines[index].points) >= 2:
                line = lines[index]
                item.setData(pos=np.asarray(line.points, dtype=np.float32), color=_rgba(line.color, scheme=True),
                             width=line.width)
                item.setVisible(True)
            else:
                item.setVisible(False)

    def _set_markers(self, markers: Sequence[Marker]) -> None:
        if not markers:
            for item in (self._edges, self._points):
                item.setData(pos=np.zeros((0, 3)))
            return
        pos = np.array([m.point for m in markers], dtype=np.float32)
        sizes = np.array([m.size for m in markers], dtype=np.float32)
        self._edges.setData(pos=pos, size=sizes + 4, color=np.array([_rgba(m.edge) for m in markers]))
        self._points.setData(pos=pos, size=sizes, color=np.array([_rgba(m.color) for m in markers]))

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override: View > Theme changes the palette
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:   # (no QGraphicsView: calclab.ui.restyle cannot walk it)
            self.setBackgroundColor(theme.adapt(QColor("white")))
            for item in self._texts:
                item.setData(color=theme.adapt(QColor(INK)))

    def _set_labels(self, labels: Sequence[Label]) -> None:
        font = QFont()
        font.setPointSize(11)
        while len(self._texts) < len(labels):
            item = gl.GLTextItem(color=theme.adapt(QColor(INK)), font=font,   # centred, as the software view does
                                 alignment=Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter)
            self.addItem(item)
            self._texts.append(item)
        for index, item in enumerate(self._texts):
            if index < len(labels):
                item.setData(pos=np.asarray(labels[index].point, dtype=float), text=labels[index].text)
                item.setVisible(True)
            else:
                item.setVisible(False)

    def camera(self) -> Camera:
        opts = self.opts
        center = opts["center"]
        return Camera(azimuth=float(opts["azimuth"]), elevation=float(opts["elevation"]),
                      distance=float(opts["distance"]), fov=float(opts["fov"]),
                      center=(float(center.x()), float(center.y()), float(center.z())))

    def set_camera(self, camera: Camera) -> None:
        from pyqtgraph import Vector

        self.opts["fov"] = camera.fov
        self.setCameraPosition(pos=Vector(*camera.center), distance=camera.distance, elevation=camera.elevation,
                               azimuth=camera.azimuth)

    def orbit(self, d_azimuth: float, d_elevation: float) -> None:  # GLViewWidget's, kept for the same API
        super().orbit(d_azimuth, d_elevation)

    def image(self) -> QImage:
        """What the view shows now (its framebuffer)."""
        return self.grabFramebuffer()
