"""The Descent tab's 3D view: f(x, y) as a surface in place of the contour map (the "3D surface" button), every
run's path rolling on it (z = f along the path), each run's current point and the start marked.

The mesh comes from the compiled numeric f (no SymPy) over the window the contour map shows, coloured by rank
through the map's own colours, and is rebuilt only when f or that window changes; a step only re-sends the
paths. Nothing is computed while the surface is hidden. In 1-D there is no surface: the button is disabled.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from calclab.engine.descent import Descent
from calclab.engine.fields import sample_grid
from calclab.engine.jobs.descent import Compiled
from calclab.engine.surface import Line, Marker, Mesh, axis_labels, box_lines, build_mesh, lifted_path, rank_colors
from calclab.ui.tabs.descent.contour import LUT
from calclab.ui.tabs.descent.items import CURVE_COLOR, OPTIMIZER_COLORS
from calclab.ui.tabs.descent.plots import FunctionView
from calclab.ui.widgets.surface_view import PanelSurface

MESH_SIZE_GL = 100        # vertices per side with OpenGL
MESH_SIZE_SOFT = 60       # and drawn in software (a rotation redraws within 100 ms)
MAX_PATH_POINTS = 2000    # a long run's path is drawn through this many of its points (evenly spaced)
FALLBACK_COLOR = "#37474F"


class DescentSurface(PanelSurface):
    """The surface view of the Descent tab's FunctionView (see the module docstring)."""

    def __init__(self, function_view: FunctionView) -> None:
        super().__init__(function_view, "Show f as a 3D surface with the paths rolling on it (drag to turn, "
                                        "scroll to zoom); click again for the contour map",
                         map_only=[function_view.button_fit])
        self.function_view = function_view
        self.compiled: Compiled | None = None
        self.runs: list[tuple[str, Descent]] = []
        self.mesh: Mesh | None = None
        self._window: tuple[tuple[float, float], tuple[float, float]] | None = None
        self.button.setEnabled(False)
        function_view.range_changed.connect(self._on_range_changed)

    def set_function(self, compiled: Compiled) -> None:
        """A new f: its mesh is made when the surface is (or comes) in view; in 1-D the contour map comes back."""
        self.compiled, self.mesh, self._window = compiled, None, None
        x, y = (compiled.names + ["y"])[:2]
        self.set_title(f"f({x}, {y}) as a surface with the descent paths on it — drag to turn, scroll to zoom")
        self.runs = []   # the old f's runs: the tab gives the new ones next
        two_d = compiled.dimension == 2
        self.button.setEnabled(two_d)
        if not two_d and self.is_shown():
            self._show(False)   # the button stays pressed: the surface returns with the next f(x, y)
        elif self.is_shown():
            self.refresh()

    def set_runs(self, runs: Sequence[tuple[str, Descent]]) -> None:
        self.runs = list(runs)
        self.update_runs()

    def refresh(self) -> None:
        """The mesh for the map's current window (if it changed), then the paths."""
        if self.compiled is None or self.compiled.dimension != 2 or not self.showing():
            return
        (x_lo, x_hi), (y_lo, y_hi) = self.function_view.plot_item.getViewBox().viewRange()
        window = ((float(x_lo), float(x_hi)), (float(y_lo), float(y_hi)))
        if self.mesh is None or window != self._window:
            size = MESH_SIZE_GL if self.view.opengl else MESH_SIZE_SOFT
            grid = sample_grid(self.compiled.grid, window[0], window[1], size, size)
            self.mesh = build_mesh(grid.xs, grid.ys, grid.z, rank_colors(grid.z, LUT))
            self._window = window
        self.update_runs()

    def update_runs(self) -> None:
        """Re-send the paths and the current points (after a step)."""
        if self.mesh is None or not self.showing():
            return
        lines, markers = box_lines(), []
        for index, (name, run) in enumerate(self.runs):
            color = OPTIMIZER_COLORS.get(name, FALLBACK_COLOR)
            path, values = run.history.path, run.history.path_f
            if len(path) > MAX_PATH_POINTS:
                keep = np.unique(np.linspace(0, len(path) - 1, MAX_PATH_POINTS).round().astype(int))
                path, values = path[keep], values[keep]
            world = lifted_path(self.mesh, path, values)
            if len(world) >= 2:
                lines.append(Line(world, color, 3.0))
            if len(world) and len(world) == len(path):   # the run is still over the surface: mark where it is
                markers.append(Marker(tuple(world[-1]), color, 12.0))
            if index == 0 and len(world):
                markers.insert(0, Marker(tuple(world[0]), "#FFFFFF", 12.0, "s", CURVE_COLOR))
        self.view.set_scene(self.mesh, lines, markers, axis_labels(tuple(self.compiled.names), self.mesh))

    def _on_range_changed(self, *_window: float) -> None:
        self.refresh()
