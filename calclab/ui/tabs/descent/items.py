"""The pieces the Descent tab's plots are made of: a run's path items, path thinning, cached axes (arrows.py has
the step arrows, exits.py the marker where a path leaves the view).

Each piece is created once and then only fed new data; nothing here knows about the tab.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from calclab.engine.descent import Descent
from calclab.engine.numbers import format_number
from calclab.ui.tabs.descent.exits import ExitMarker, inside, margin_box
from calclab.ui.widgets.plot_panel import PlotPanel, cache_axes, make_pen  # noqa: F401 - cache_axes: shared

OPTIMIZER_COLORS = {"sgd": "#D55E00", "momentum": "#0072B2", "nesterov": "#009E73", "adagrad": "#CC79A7",
                    "rmsprop": "#E69F00", "adam": "#6A3D9A", "adamw": "#882255", "newton": "#8C510A"}
CURVE_COLOR = "#263238"
TANGENT_COLOR = "#2E7D32"
STEP_COLOR = "#C62828"
INTERNAL_COLOR = "#212121"        # black: unlike every optimizer colour
CONTOUR_LINE_COLOR = (60, 60, 60, 110)
MAX_MARKERS = 300          # markers for the most recent points of a path
THIN_CELL_PX = 0.5         # path points closer than this (in screen pixels) to the one before are not drawn
DRAW_LIMIT = 1e15          # coordinates beyond this are not handed to Qt


def run_label(name: str, run: Descent) -> str:
    """A compared run's legend entry: the optimizer and the η it steps with (they may differ)."""
    return f"{name} (η {format_number(run.lr)})"


def relabel_runs(legend: pg.LegendItem | None, items: dict[str, pg.GraphicsObject],
                 runs: Sequence[tuple[str, Descent]]) -> None:
    """Update the compared runs' legend entries after an η changed (no rebuild: the legend keeps its place)."""
    if legend is None or len(runs) < 2:
        return
    for name, run in runs:
        label = legend.getLabel(items[name]) if name in items else None
        if label is not None:
            label.setText(run_label(name, run))


def drawable_prefix(points: np.ndarray) -> int:
    """How many leading rows of `points` are finite and small enough to draw."""
    ok = np.isfinite(points).all(axis=1) & (np.abs(points) <= DRAW_LIMIT).all(axis=1)
    bad = np.flatnonzero(~ok)
    return int(bad[0]) if bad.size else len(points)


class StartMarker(pg.ScatterPlotItem):
    """The start point's square, which the learner can drag: `dragged(x, y, finished)` in view coordinates while
    the left button moves it (a drag that begins elsewhere pans the plot as usual)."""

    dragged = Signal(float, float, bool)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._dragging = False

    def mouseDragEvent(self, ev: object) -> None:  # noqa: N802 - pyqtgraph override
        if ev.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            ev.ignore()  # type: ignore[attr-defined]
            return
        if ev.isStart():  # type: ignore[attr-defined]
            self._dragging = len(self.pointsAt(ev.buttonDownPos())) > 0  # type: ignore[attr-defined]
        if not self._dragging:
            ev.ignore()  # type: ignore[attr-defined]
            return
        ev.accept()  # type: ignore[attr-defined]
        pos = ev.pos()  # type: ignore[attr-defined]
        finished = bool(ev.isFinish())  # type: ignore[attr-defined]
        if finished:
            self._dragging = False
        self.dragged.emit(float(pos.x()), float(pos.y()), finished)


class PathThinner:
    """Which path points to draw: a point is kept when it lands in another ~pixel cell than the point before.

    A converging run piles thousands of points onto a few pixels; drawing them all costs time, not detail.
    Cells are a fraction of a pixel of the current view, so every visible turn of the path survives, and
    only the points new since the last call are examined. Call `reset()` when the view's scale changes.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self, cell: tuple[float, float] = (0.0, 0.0)) -> None:
        self.cell = cell
        self._kept = np.empty(1024, dtype=np.int64)
        self._count = 0
        self._seen = 0
        self._last_cell: np.ndarray | None = None

    def indices(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Indices into the first len(xs) points to draw (always including the first and the last)."""
        n = len(xs)
        if n < self._seen:                    # fewer points than before: a new run
            self.reset(self.cell)
        if n > self._seen:
            cx, cy = self.cell
            if cx > 0 and cy > 0:
                with np.errstate(all="ignore"):
                    cells = np.column_stack((np.floor(xs[self._seen:] / cx), np.floor(ys[self._seen:] / cy)))
                previous = cells[:-1] if self._last_cell is None else np.vstack((self._last_cell, cells[:-1]))
                moved = np.any(cells != previous, axis=1) if self._last_cell is not None else \
                    np.concatenate(([True], np.any(cells[1:] != cells[:-1], axis=1)))
                new = np.flatnonzero(moved) + self._seen
                self._last_cell = cells[-1:]
            else:
                new = np.arange(self._seen, n)
            self._append(new)
            self._seen = n
        kept = self._kept[: self._count]
        if self._count and kept[-1] == n - 1:
            return kept
        return np.append(kept, n - 1)         # the current point always ends the line

    def _append(self, new: np.ndarray) -> None:
        needed = self._count + len(new)
        if needed > len(self._kept):
            grown = np.empty(max(needed, 2 * len(self._kept)), dtype=np.int64)
            grown[: self._count] = self._kept[: self._count]
            self._kept = grown
        self._kept[self._count: needed] = new
        self._count = needed


class RunItems:
    """One run's items on the function plot: the path, recent markers, the current point, and an arrow on the
    edge where the path left the view (exits.py: a diverging run is drawn only until it flies off)."""

    def __init__(self, plot_item: pg.PlotItem, color: str, name: str = "") -> None:
        self.color = color
        self.thinner = PathThinner()
        self._view_box = plot_item.getViewBox()
        self.line = pg.PlotDataItem([], [], pen=make_pen(color, 2.0), connect="finite")
        self.markers = pg.ScatterPlotItem([], [], size=9, pen=pg.mkPen("w", width=1), brush=pg.mkBrush(color))
        self.current = pg.ScatterPlotItem([], [], size=15, pen=pg.mkPen("w", width=2), brush=pg.mkBrush(color))
        for z, item in ((10, self.line), (11, self.markers), (12, self.current)):
            item.setZValue(z)
            plot_item.addItem(item)

        self.exit = ExitMarker(plot_item, color, name)
        self._history: object | None = None
        self._checked = 0                  # path rows already checked for being drawable
        self._drawable: int | None = None  # rows before the first undrawable one (None: all so far)
        self._box: tuple[float, float, float, float] | None = None   # the view with its margin, last time
        self._box_checked = 0              # drawable rows already checked against that box
        self._last_inside = -1             # the last of them inside it (-1: none)

    def set_path(self, xs: np.ndarray, ys: np.ndarray) -> None:
        """The whole path (thinned if long), markers on its newest points, a big marker on the last."""
        px, py = self._view_box.viewPixelSize()
        cell = (THIN_CELL_PX * px, THIN_CELL_PX * py)
        if cell != self.thinner.cell:
            self.thinner.reset(cell)
        keep = self.thinner.indices(xs, ys) if len(xs) else np.empty(0, dtype=np.int64)
        self.line.setData(xs[keep], ys[keep], connect="finite")
        self.markers.setData(xs[-MAX_MARKERS:], ys[-MAX_MARKERS:])
        self.current.setData(xs[-1:], ys[-1:])

    def show_run(self, run: Descent, one_d: bool) -> None:
        """Draw run's path: (x, f(x)) in 1-D, (x, y) in 2-D, up to its first point that cannot be drawn."""
        history = run.history
        if history is not self._history:           # a reset makes a new history
            self._history, self._checked, self._drawable = history, 0, None
            self._box = None
            self.thinner.reset(self.thinner.cell)
        path = history.path
        xs = path[:, 0]
        ys = history.path_f if one_d else path[:, 1]
        if self._drawable is None and self._checked < len(xs):   # check only the points new since last time
            new = np.column_stack((xs[self._checked:], ys[self._checked:]))
            bad = drawable_prefix(new)
            if bad < len(new):
                self._drawable = self._checked + bad
            self._checked = len(xs)
        n = len(xs) if self._drawable is None else self._drawable
        end = self._in_view_end(xs, ys, n)
        self.set_path(xs[:end], ys[:end])
        if end < len(xs):      # the rest flew off the view (or cannot be drawn): an arrow where it left
            seen = np.flatnonzero(inside(margin_box(self._view_box.viewRange(), 0.0), xs[:end], ys[:end]))
            left = int(seen[-1]) + 1 if seen.size else end    # the first epoch after it was last in view
            # The arrow sits where the step into epoch `left` crossed the view's edge, pointing its way.
            q = np.array([xs[left], ys[left]]) if left < n else None
            self.exit.show(left, np.array([xs[left - 1], ys[left - 1]]), q)
            self.current.setData([], [])    # the run is not where its drawn path ends
        else:
            self.exit.hide()

    @property
    def cut(self) -> bool:
        """True when the path's end is not drawn (it left the view)."""
        return self.exit.epoch is not None

    def _in_view_end(self, xs: np.ndarray, ys: np.ndarray, n: int) -> int:
        """How many of the first n points to draw: up to the last one within the view and its margin (all n if
        none is). Only points new since the last call are checked, unless the view moved."""
        box = margin_box(self._view_box.viewRange())
        if box != self._box or n < self._box_checked:
            self._box, self._box_checked, self._last_inside = box, 0, -1
        if self._box_checked < n:
            hits = np.flatnonzero(inside(box, xs[self._box_checked:n], ys[self._box_checked:n]))
            if hits.size:
                self._last_inside = self._box_checked + int(hits[-1])
            self._box_checked = n
        return n if self._last_inside < 0 else self._last_inside + 1

    def set_visible(self, visible: bool) -> None:
        for item in (self.line, self.markers, self.current):
            item.setVisible(visible)
        if not visible:
            self.set_path(np.empty(0), np.empty(0))
            self.exit.hide()
