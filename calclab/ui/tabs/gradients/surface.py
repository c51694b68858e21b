"""The Gradients tab's 3D view: f over the plotted slice as a surface in place of the map (the "3D surface"
button), coloured as the map is (its colours and levels, linear or log), with the probe on it and its gradient
drawn on the surface: ∇f up the steepest ascent, −∇f down the steepest descent, tangent to the surface.

The tab hands over what it already computes for the map (the slice of the compiled f, the window, the colour
levels) and for the probe; the mesh is rebuilt only when those change, and nothing is computed while hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtWidgets import QWidget

from calclab.engine.fields import log_warp, sample_grid
from calclab.engine.surface import Line, Marker, Mesh, axis_labels, box_lines, build_mesh, tangent_arrow
from calclab.ui.tabs.gradients.plot import ASCENT_COLOR, DESCENT_COLOR, pastel_colors
from calclab.ui.widgets.plot_panel import PlotPanel
from calclab.ui.widgets.surface_view import PanelSurface

MESH_SIZE_GL = 100
MESH_SIZE_SOFT = 60
LIFT = 0.012                 # the probe and its arrows sit this much above the surface (world units)


class GradientsSurface(PanelSurface):
    """The surface view of the Gradients tab's plot panel (see the module docstring)."""

    def __init__(self, panel: PlotPanel, map_only: Sequence[QWidget] = ()) -> None:
        super().__init__(panel, "Show f as a 3D surface with the gradient at the probe drawn on it (drag to turn, "
                                "scroll to zoom); click again for the map", map_only)
        self._map: tuple | None = None       # (f(X, Y), x_range, y_range, levels, log, axis names)
        self._probe: tuple | None = None     # (x, y, f, (gx, gy) or None, visible)
        self._mesh_of: tuple | None = None   # the map the mesh was made from
        self.mesh: Mesh | None = None

    def show_map(self, f: Callable[[np.ndarray, np.ndarray], np.ndarray], x_range: tuple[float, float],
                 y_range: tuple[float, float], levels: tuple[float, float], log: bool, names: tuple[str, str]) -> None:
        """The map the tab shows now: the slice function f(X, Y), its window, colour levels and scale."""
        self._map = (f, tuple(x_range), tuple(y_range), tuple(levels), log, tuple(names))
        self.set_title(f"f over {names[0]} and {names[1]} as a surface, ∇f (red) and −∇f (blue) at the probe — "
                       "drag to turn, scroll to zoom")
        self.refresh()

    def show_probe(self, x: float, y: float, value: float, gradient: tuple[float, float] | None,
                   visible: bool) -> None:
        """The probe at (x, y) with f = value there and the gradient in the plotted plane (None if not finite)."""
        self._probe = (x, y, value, gradient, visible)
        self._send()

    def refresh(self) -> None:
        if self._map is None or not self.showing():
            return
        if self.mesh is None or self._mesh_of != self._map[:5]:
            f, x_range, y_range, (low, high), log = self._map[:5]
            size = MESH_SIZE_GL if self.view.opengl else MESH_SIZE_SOFT
            grid = sample_grid(f, x_range, y_range, size, size)
            self.mesh = build_mesh(grid.xs, grid.ys, grid.z, map_colors(grid.z, low, high, log))
            self._mesh_of = self._map[:5]
        self._send()

    def _send(self) -> None:
        if self.mesh is None or self._map is None or not self.showing():
            return
        lines, markers = box_lines(), []
        if self._probe is not None and self._probe[4]:
            x, y, value, gradient, _visible = self._probe
            inside = bool(self.mesh.inside(np.array([x]), np.array([y]))[0]) and np.isfinite(value)
            if inside:
                point = self.mesh.to_world(np.array([x]), np.array([y]), np.array([value]))[0] + (0, 0, LIFT)
                if gradient is not None:
                    for sign, color in ((1.0, ASCENT_COLOR), (-1.0, DESCENT_COLOR)):
                        arrow = tangent_arrow(self.mesh, x, y, value, *gradient, sign=sign)
                        if arrow is not None:
                            lines.append(Line(arrow + (0, 0, LIFT), color, 4.0))
                markers.append(Marker(tuple(point), "#FFFFFF", 13.0, "o", "#000000"))
        self.view.set_scene(self.mesh, lines, markers, axis_labels(self._map[5], self.mesh))


def map_colors(z: np.ndarray, low: float, high: float, log: bool) -> np.ndarray:
    """The map's colours at z (ny, nx): its pastel viridis between the colour levels, log-warped as the map is
    when `log`; nan stays nan for build_mesh to grey out."""
    lut = pastel_colors()
    with np.errstate(all="ignore"):
        t = np.clip((z - low) / (high - low), 0.0, 1.0)
    if log:
        t = log_warp(t)
    index = np.round(np.nan_to_num(t) * (len(lut) - 1)).astype(int)
    return lut[index]
