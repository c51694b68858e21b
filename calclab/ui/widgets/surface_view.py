"""SurfaceView: f(x, y) as a 3D surface, drawn with OpenGL where it works and by software everywhere else.

The tab hands over a scene (calclab.engine.surface: a Mesh, Lines, Markers, Labels in world coordinates) and the
view draws it with one of two renderers with the same API (`set_scene`, `camera`, `set_camera`, `orbit`):
calclab.ui.widgets.surface_gl (pyqtgraph.opengl) or calclab.ui.widgets.surface_soft (QPainter). OpenGL is used
only when the platform can show a window (never on "offscreen", where making a QOpenGLWidget warns and grabs
0 x 0), PyOpenGL imports and an OpenGL context can be created; CALCLAB_SOFTWARE_3D=1 forces the software one.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from functools import cache

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from calclab.engine.surface import Camera, Label, Line, Marker, Mesh, fitted_fov
from calclab.ui.signals import signals_blocked
from calclab.ui.widgets.elided_label import ElidedLabel
from calclab.ui.widgets.plot_panel import PlotPanel

NO_OPENGL_PLATFORMS = ("offscreen", "minimal", "vnc", "linuxfb")


@cache
def opengl_reason() -> str:
    """Why the surface is drawn without OpenGL here ("" when OpenGL is used). Asked once per process."""
    if os.environ.get("CALCLAB_SOFTWARE_3D", "") not in ("", "0"):
        return "CALCLAB_SOFTWARE_3D is set"
    platform = QGuiApplication.platformName()
    if platform in NO_OPENGL_PLATFORMS:
        return f"the {platform} platform has no OpenGL windows"
    try:
        import pyqtgraph.opengl  # noqa: F401 - imports PyOpenGL
        from OpenGL import GL  # noqa: F401
    except Exception as error:  # noqa: BLE001 - PyOpenGL missing or its library not loadable: any reason will do
        return f"PyOpenGL is not usable ({type(error).__name__}: {error})"
    from PySide6.QtGui import QOffscreenSurface, QOpenGLContext

    context = QOpenGLContext()
    if not context.create():
        return "no OpenGL context could be created"
    surface = QOffscreenSurface()
    surface.create()
    current = context.makeCurrent(surface)
    context.doneCurrent()
    return "" if current else "the OpenGL context could not be made current"


def uses_opengl() -> bool:
    """True if surfaces are drawn with OpenGL in this process."""
    return opengl_reason() == ""


class SurfaceView(QWidget):
    """The surface view (see the module docstring). `renderer` is the GL or the software widget."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if uses_opengl():
            from calclab.ui.widgets.surface_gl import GLSurface

            self.renderer = GLSurface()
        else:
            from calclab.ui.widgets.surface_soft import SoftSurface

            self.renderer = SoftSurface()
        self.opengl = uses_opengl()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.renderer)
        self.mesh: Mesh | None = None
        self.lines: list[Line] = []
        self.markers: list[Marker] = []
        self.labels: list[Label] = []

    def set_scene(self, mesh: Mesh | None, lines: Sequence[Line] = (), markers: Sequence[Marker] = (),
                  labels: Sequence[Label] = ()) -> None:
        """Show `mesh` with `lines`, `markers` and `labels` over it (the mesh is re-sent only when it changed)."""
        self.mesh, self.lines, self.markers, self.labels = mesh, list(lines), list(markers), list(labels)
        self.renderer.set_scene(mesh, self.lines, self.markers, self.labels)

    def camera(self) -> Camera:
        return self.renderer.camera()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Widen or narrow the field of view with the shape of the view, so the whole box stays in it."""
        super().resizeEvent(event)
        size = event.size()
        self.renderer.set_camera(replace(self.renderer.camera(), fov=fitted_fov(size.width(), size.height())))

    def set_camera(self, camera: Camera) -> None:
        self.renderer.set_camera(camera)

    def orbit(self, d_azimuth: float, d_elevation: float) -> None:
        """Turn the camera around the surface (degrees), as a mouse drag does."""
        self.renderer.orbit(d_azimuth, d_elevation)

    def export_widget(self) -> QWidget:
        """What `calclab export --view surface` renders: the software view is a pg.PlotWidget (PNG and SVG);
        the OpenGL one is grabbed from its framebuffer (PNG)."""
        return self.renderer


class PanelSurface(QObject):
    """A SurfaceView toggled with a PlotPanel's 2-D plot: a checkable "3D surface" button in the panel's toolbar
    swaps the plot for the surface, and the plot's title for the surface's (`set_title`); the tools in
    `map_only` (such as "Fit path") are hidden meanwhile. `toggled(on)` reports the user's clicks."""

    toggled = Signal(bool)

    def __init__(self, panel: PlotPanel, tooltip: str, map_only: Sequence[QWidget] = ()) -> None:
        super().__init__(panel)
        self.panel = panel
        self.map_only = list(map_only)
        self._view: SurfaceView | None = None   # made when first shown (see `view`)
        self.title_label = ElidedLabel("")
        bold = self.title_label.font()
        bold.setBold(True)
        self.title_label.setFont(bold)
        self.title_label.setVisible(False)
        panel.toolbar_layout.insertWidget(1, self.title_label, 1)   # beside the map's title, shown instead of it
        self.button = QPushButton("3D surface")
        self.button.setCheckable(True)
        self.button.setToolTip(tooltip + (" (drawn without OpenGL: " + opengl_reason() + ")"
                                          if not uses_opengl() else ""))
        panel.add_toolbar_widget(self.button)
        self.button.toggled.connect(self._on_button_toggled)

    @property
    def view(self) -> SurfaceView:
        """The surface, made on first use: a QOpenGLWidget joining a shown window makes Qt re-create the whole
        window natively (it vanished and came back, and lost the keyboard focus, when a tab was built)."""
        if self._view is None:
            self._view = SurfaceView()
            self._view.setVisible(False)
            self.panel.layout().addWidget(self._view, 1)
        return self._view

    def showing(self) -> bool:
        """The surface is made and on screen (asking does not make it)."""
        return self._view is not None and not self._view.isHidden()

    def is_shown(self) -> bool:
        return self.button.isChecked()

    def set_shown(self, on: bool) -> None:
        """Show the surface (True) or the 2-D plot, as a state asks (no `toggled`)."""
        with signals_blocked(self.button):
            self.button.setChecked(on)
        self._show(on)

    def set_title(self, title: str) -> None:
        """The title over the surface (the 2-D plot keeps its own)."""
        self.title_label.set_full_text(title)

    def _show(self, on: bool) -> None:
        self.panel.plot_widget.setVisible(not on)
        self.panel.title_label.setVisible(not on)
        for widget in self.map_only:
            widget.setVisible(not on)
        self.title_label.setVisible(on)
        if on or self._view is not None:
            self.view.setVisible(on)
        if on:
            self.refresh()

    def refresh(self) -> None:
        """Rebuild the scene (the tab's adapter overrides this; called when the surface comes into view)."""

    def _on_button_toggled(self, on: bool) -> None:
        self._show(on)
        self.toggled.emit(on)

    def export_widget(self) -> QWidget:
        """What `calclab export TAB --view surface` renders: the surface is shown first (as a click on the button
        shows it, so the tab's state says so) and laid out at its size."""
        self.button.setChecked(True)
        self.panel.layout().activate()
        return self.view.export_widget()
