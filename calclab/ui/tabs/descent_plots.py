"""The Descent tab's plots: f with the paths on it (a curve in 1-D, a contour map in 2-D) and loss per epoch.

Every plot item is created once; a step only calls setData on the items that changed. Paths are drawn up
to the last point that can be drawn (a diverged run never draws a line to infinity), markers only for the
most recent points (a 10,000-point scatter redrawn 60 times a second would cost more than the step).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QGraphicsItem, QPushButton, QWidget

from calclab.engine.descent import Descent
from calclab.ui.tabs.descent_contour import contour_map
from calclab.ui.tabs.descent_symbolic import Compiled
from calclab.ui.widgets.plot_panel import PlotPanel, break_at_jumps, make_pen, set_curve_data

OPTIMIZER_COLORS = {"sgd": "#D55E00", "momentum": "#0072B2", "nesterov": "#009E73", "adagrad": "#CC79A7",
                    "rmsprop": "#E69F00", "adam": "#6A3D9A"}
CURVE_COLOR = "#263238"
TANGENT_COLOR = "#2E7D32"
STEP_COLOR = "#C62828"
INTERNAL_COLOR = "#6A1B9A"
CONTOUR_LINE_COLOR = (60, 60, 60, 110)
MAX_MARKERS = 300          # markers for the most recent points of a path
THIN_CELL_PX = 0.5         # path points closer than this (in screen pixels) to the one before are not drawn
DRAW_LIMIT = 1e15          # coordinates beyond this are not handed to Qt


def cache_axes(panel: PlotPanel) -> None:
    """Cache each axis as a pixmap: with the grid on, an axis spans the whole plot, so every path update
    would otherwise replay its tick labels and grid lines (about 4 ms an axis in software rendering)."""
    for side in ("left", "bottom", "right", "top"):
        panel.plot_item.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def drawable_prefix(points: np.ndarray) -> int:
    """How many leading rows of `points` are finite and small enough to draw."""
    ok = np.isfinite(points).all(axis=1) & (np.abs(points) <= DRAW_LIMIT).all(axis=1)
    bad = np.flatnonzero(~ok)
    return int(bad[0]) if bad.size else len(points)


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


class ArrowGlyph:
    """A straight arrow in data coordinates: a line for the shaft and a pyqtgraph ArrowItem for the head."""

    def __init__(self, plot_item: pg.PlotItem, color: str, width: float = 3.0, z: float = 20.0) -> None:
        self.shaft = pg.PlotDataItem([], [], pen=make_pen(color, width))
        self.head = pg.ArrowItem(angle=0, headLen=16, headWidth=11, tailLen=0, pen=pg.mkPen(color),
                                 brush=pg.mkBrush(color))
        self._view_box = plot_item.getViewBox()
        for item in (self.shaft, self.head):
            item.setZValue(z)
            plot_item.addItem(item)
        self.hide()

    def set(self, start: Sequence[float], delta: Sequence[float]) -> None:
        """Draw from start to start + delta (hidden when the arrow would be invisible or not finite)."""
        x0, y0 = float(start[0]), float(start[1])
        x1, y1 = x0 + float(delta[0]), y0 + float(delta[1])
        if not all(math.isfinite(v) and abs(v) <= DRAW_LIMIT for v in (x0, y0, x1, y1)):
            self.hide()
            return
        self.shaft.setData([x0, x1], [y0, y1])
        px, py = self._view_box.viewPixelSize()
        dx_px = (x1 - x0) / px if px > 0 else 0.0
        dy_px = (y1 - y0) / py if py > 0 else 0.0
        if math.hypot(dx_px, dy_px) < 4:
            self.head.setVisible(False)
            return
        # ArrowItem's angle 0 points left and turns clockwise on screen (y grows downwards there).
        self.head.setStyle(angle=180.0 - math.degrees(math.atan2(dy_px, dx_px)))
        self.head.setPos(x1, y1)
        self.head.setVisible(True)

    def hide(self) -> None:
        self.shaft.setData([], [])   # stays "visible" with no data, so its legend entry keeps its colour
        self.head.setVisible(False)


class RunItems:
    """One run's items on the function plot: the path, recent markers, the current point."""

    def __init__(self, plot_item: pg.PlotItem, color: str) -> None:
        self.color = color
        self.thinner = PathThinner()
        self._view_box = plot_item.getViewBox()
        self.line = pg.PlotDataItem([], [], pen=make_pen(color, 2.0), connect="finite")
        self.markers = pg.ScatterPlotItem([], [], size=9, pen=pg.mkPen("w", width=1), brush=pg.mkBrush(color))
        self.current = pg.ScatterPlotItem([], [], size=15, pen=pg.mkPen("w", width=2), brush=pg.mkBrush(color))
        for z, item in ((10, self.line), (11, self.markers), (12, self.current)):
            item.setZValue(z)
            plot_item.addItem(item)

        self._history: object | None = None
        self._checked = 0                  # path rows already checked for being drawable
        self._drawable: int | None = None  # rows before the first undrawable one (None: all so far)

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
        self.set_path(xs[:n], ys[:n])

    def set_visible(self, visible: bool) -> None:
        for item in (self.line, self.markers, self.current):
            item.setVisible(visible)
        if not visible:
            self.set_path(np.empty(0), np.empty(0))


class FunctionView(PlotPanel):
    """f with the descent paths: curve + tangent + step arrow in 1-D, contour map + step arrow in 2-D.

    `point_clicked(x, y)` fires on a left click inside the plot (the tab moves the start point there).
    """

    point_clicked = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("f and the descent path", "x", "f(x)", legend=True, parent=parent)
        cache_axes(self)
        item = self.plot_item
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-20)
        self.contours = pg.PlotDataItem([], [], pen=pg.mkPen(CONTOUR_LINE_COLOR, width=1), connect="finite")
        self.contours.setZValue(-10)
        self.curve = pg.PlotDataItem([], [], pen=make_pen(CURVE_COLOR, 2.5), connect="finite")
        self.tangent = pg.PlotDataItem([], [], pen=make_pen(TANGENT_COLOR, 2.0, Qt.PenStyle.DashLine))
        self.start_marker = pg.ScatterPlotItem([], [], symbol="s", size=12, pen=pg.mkPen(CURVE_COLOR, width=2),
                                               brush=pg.mkBrush(255, 255, 255, 230))
        for z, it in ((-20, self.image), (-10, self.contours), (0, self.curve), (5, self.tangent),
                      (13, self.start_marker)):
            it.setZValue(z)
            item.addItem(it)
        # The map and the curve change only with f or the window: keep them as pixmaps, so a step redraws
        # the path without re-scaling the image or re-stroking thousands of contour segments.
        for it in (self.image, self.contours.curve, self.curve.curve):
            it.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.step_arrow = ArrowGlyph(item, STEP_COLOR)
        self.internal_arrow = ArrowGlyph(item, INTERNAL_COLOR, width=2.5, z=19)
        if self.legend is not None:
            self.legend.setOffset((-10, 10))   # top right: the start point is often top left
        self.runs: dict[str, RunItems] = {}
        self.compiled: Compiled | None = None
        self.show_internals = False
        self._run_list: list[tuple[str, Descent]] = []
        self._start_shown: tuple[float, float] | None = None

        self.button_fit = QPushButton("Fit path")
        self.button_fit.setToolTip("Zoom so the whole path and the start point are in view")
        self.button_fit.clicked.connect(self._on_fit_clicked)
        self.add_toolbar_widget(self.button_fit)
        self.range_changed.connect(self._on_range_changed)
        item.scene().sigMouseClicked.connect(self._on_scene_clicked)

    # -- setting up -------------------------------------------------------------------------------------

    def set_function(self, compiled: Compiled, x_range: tuple[float, float],
                     y_range: tuple[float, float] | None) -> None:
        """Show a new f over the given window (y_range is used in 2-D only)."""
        self.compiled = compiled
        two_d = compiled.dimension == 2
        names = compiled.names
        self.plot_item.getViewBox().setAspectLocked(two_d, ratio=1.0)
        self.image.setVisible(two_d)
        self.contours.setVisible(two_d)
        self.curve.setVisible(not two_d)
        self.tangent.setVisible(not two_d)
        if two_d:
            self.set_axis_labels(names[0], names[1])
            self.set_title(f"Contour map of f({names[0]}, {names[1]}) with the descent path — click to start there")
            self.curve.setData([], [])
            self.tangent.setData([], [])
            assert y_range is not None
            self.plot_item.setRange(xRange=x_range, yRange=y_range, padding=0.0)
            self._draw_map(x_range, y_range)
        else:
            self.set_axis_labels(names[0], f"f({names[0]})")
            self.set_title(f"f({names[0]}) with the descent path — click to start there")
            self.image.clear()
            self.contours.setData([], [])
            xs, ys = self._sample_curve(x_range)
            finite = ys[np.isfinite(ys)]
            low, high = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
            if high - low < 1e-9:
                low, high = low - 1.0, high + 1.0
            self.plot_item.setRange(xRange=x_range, yRange=(low, high), padding=0.05)
            self._draw_curve(self.plot_item.getViewBox().viewRange()[0])

    def set_runs(self, runs: Sequence[tuple[str, Descent]], show_internals: bool) -> None:
        """The runs to draw (optimizer name, Descent), primary first; rebuilds the legend."""
        self._run_list = list(runs)
        self.show_internals = show_internals
        for name in [n for n, _r in self._run_list if n not in self.runs]:
            self.runs[name] = RunItems(self.plot_item, OPTIMIZER_COLORS[name])
        active = {n for n, _r in self._run_list}
        for name, items in self.runs.items():
            items.set_visible(name in active)
        self._rebuild_legend()
        self.update_runs()

    def _rebuild_legend(self) -> None:
        if self.legend is None:
            return
        self.legend.clear()
        compare = len(self._run_list) > 1
        if self.compiled is not None and self.compiled.dimension == 1:
            self.legend.addItem(self.curve, f"f({self.compiled.names[0]})")
            self.legend.addItem(self.tangent, "tangent (slope f′)")
        for name, _run in self._run_list:
            self.legend.addItem(self.runs[name].line, name if compare else f"path ({name})")
        self.legend.addItem(self.step_arrow.shaft, "next step")
        if self.show_internals and self._internal_vector() is not None:
            self.legend.addItem(self.internal_arrow.shaft, self._internal_label())

    # -- per step ----------------------------------------------------------------------------------------

    def update_runs(self) -> None:
        """Redraw the paths, the current points and the arrows from the runs' histories."""
        if self.compiled is None or not self._run_list:
            return
        one_d = self.compiled.dimension == 1
        for name, run in self._run_list:
            self.runs[name].show_run(run, one_d)
        _name, primary = self._run_list[0]
        start = (float(primary.x0[0]), float(primary.history.path_f[0] if one_d else primary.x0[1]))
        if start != self._start_shown:     # a scatter setData costs ~0.1 ms: only when the start moved
            self._start_shown = start
            self.start_marker.setData([start[0]], [start[1]])
        self._update_arrows(primary, one_d)

    def _update_arrows(self, run: Descent, one_d: bool) -> None:
        x, fx, g = run.x, run.value, run.gradient
        here = (x[0], fx) if one_d else (x[0], x[1])
        step = run.next_step()
        if step is None or not np.all(np.isfinite(g)):
            self.step_arrow.hide()
        else:
            self.step_arrow.set(here, (step[0], 0.0) if one_d else step)
        if one_d:
            self._update_tangent(float(x[0]), fx, float(g[0]))
        vector = self._internal_vector() if self.show_internals else None
        if vector is None or run.finished:
            self.internal_arrow.hide()
        else:
            (x_lo, x_hi), (y_lo, y_hi) = self.plot_item.getViewBox().viewRange()
            offset = (0.0, -0.06 * (y_hi - y_lo)) if one_d else (0.0, 0.0)
            start = (here[0] + offset[0], here[1] + offset[1])
            self.internal_arrow.set(start, (vector[0], 0.0) if one_d else vector)

    def _internal_vector(self) -> np.ndarray | None:
        """−lr·velocity (momentum, Nesterov) or −lr·m (Adam): where the optimizer's memory pushes."""
        if not self._run_list:
            return None
        run = self._run_list[0][1]
        state = run.internals
        memory = state.get("velocity", state.get("m"))
        return None if memory is None else -run.lr * memory

    def _internal_label(self) -> str:
        run = self._run_list[0][1]
        return "−η·velocity" if "velocity" in run.internals else "−η·m (Adam)"

    def _update_tangent(self, x: float, fx: float, slope: float) -> None:
        (x_lo, x_hi), (y_lo, y_hi) = self.plot_item.getViewBox().viewRange()
        half = 0.12 * (x_hi - x_lo)
        if abs(slope) > 0:
            half = min(half, 0.3 * (y_hi - y_lo) / abs(slope))
        xs = np.array([x - half, x + half])
        ys = fx + slope * (xs - x)
        if np.all(np.isfinite(ys)) and np.all(np.abs(np.concatenate((xs, ys))) <= DRAW_LIMIT):
            self.tangent.setData(xs, ys)
        else:
            self.tangent.setData([], [])

    # -- drawing f ---------------------------------------------------------------------------------------

    def _sample_curve(self, x_range: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        assert self.compiled is not None
        xs = np.linspace(float(x_range[0]), float(x_range[1]), max(400, 2 * self.pixel_width()))
        ys = np.asarray(self.compiled.grid(xs), dtype=float)
        ys = np.where(np.abs(ys) <= DRAW_LIMIT, ys, np.nan)
        return xs, ys

    def _draw_curve(self, x_range: Sequence[float]) -> None:
        xs, ys = self._sample_curve(x_range)
        (_x_lo, _x_hi), (y_lo, y_hi) = self.plot_item.getViewBox().viewRange()
        xs, ys = break_at_jumps(xs, ys, max(y_hi - y_lo, 1e-12))
        set_curve_data(self.curve, xs, ys)

    def _draw_map(self, x_range: Sequence[float], y_range: Sequence[float]) -> None:
        assert self.compiled is not None
        xr, yr = (float(x_range[0]), float(x_range[1])), (float(y_range[0]), float(y_range[1]))
        cmap = contour_map(self.compiled.grid, xr, yr)
        self.image.setImage(cmap.image, autoLevels=False)
        self.image.setRect(QRectF(xr[0], yr[0], xr[1] - xr[0], yr[1] - yr[0]))
        self.contours.setData(cmap.line_x, cmap.line_y, connect="finite")

    def _on_range_changed(self, x_lo: float, x_hi: float, y_lo: float, y_hi: float) -> None:
        """Pan or zoom: re-evaluate f numerically for what is visible (no SymPy)."""
        if self.compiled is None:
            return
        if self.compiled.dimension == 2:
            self._draw_map((x_lo, x_hi), (y_lo, y_hi))
        else:
            self._draw_curve((x_lo, x_hi))
        self.update_runs()   # arrow heads and the tangent are sized in pixels

    def _on_fit_clicked(self) -> None:
        if self.compiled is None or not self._run_list:
            return
        one_d = self.compiled.dimension == 1
        chunks = []
        for _name, run in self._run_list:
            path = run.history.path
            pts = np.column_stack((path[:, 0], run.history.path_f)) if one_d else path
            chunks.append(pts[: drawable_prefix(pts)])
        pts = np.concatenate(chunks)
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        span = np.maximum(hi - lo, 1e-6 * np.maximum(1.0, np.abs(hi)))
        self.plot_item.setRange(xRange=(lo[0] - 0.1 * span[0], hi[0] + 0.1 * span[0]),
                                yRange=(lo[1] - 0.1 * span[1], hi[1] + 0.1 * span[1]), padding=0.0)

    def _on_scene_clicked(self, event: object) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():  # type: ignore[attr-defined]
            return
        view_box = self.plot_item.getViewBox()
        scene_pos = event.scenePos()  # type: ignore[attr-defined]
        if not view_box.sceneBoundingRect().contains(scene_pos):
            return
        point = view_box.mapSceneToView(scene_pos)
        self.point_clicked.emit(float(point.x()), float(point.y()))


class LossView(PlotPanel):
    """f after each epoch, one curve per run, with a log-scale toggle that never feeds log10 a value <= 0."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Loss per epoch", "epoch", "f", legend=True, parent=parent)
        cache_axes(self)
        self.check_log = QCheckBox("log scale")
        self.check_log.setToolTip("Show f on a logarithmic axis (values ≤ 0 cannot be shown there and are left out)")
        self.check_log.toggled.connect(self._on_log_toggled)
        self.add_toolbar_widget(self.check_log)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._runs: list[tuple[str, Descent]] = []
        self.plot_item.setClipToView(True)
        self.plot_item.setDownsampling(auto=True, mode="peak")
        self.plot_item.disableAutoRange()
        self._x_max = 0.0
        self._y_range: tuple[float, float] | None = None

    def set_runs(self, runs: Sequence[tuple[str, Descent]]) -> None:
        self._runs = list(runs)
        for name, _run in self._runs:
            if name not in self.curves:
                self.curves[name] = self.add_curve(None, OPTIMIZER_COLORS[name], width=2.0)
        active = {n for n, _r in self._runs}
        for name, curve in self.curves.items():
            curve.setVisible(name in active)
            if name not in active:
                curve.setData([], [])
        if self.legend is not None:
            self.legend.clear()
            if len(self._runs) > 1:
                for name, _run in self._runs:
                    self.legend.addItem(self.curves[name], name)
            self.legend.setVisible(len(self._runs) > 1)
        self._x_max = 0.0
        self._y_range: tuple[float, float] | None = None
        self.update_runs()

    def update_runs(self) -> None:
        log = self.check_log.isChecked()
        low, high, epochs = math.inf, -math.inf, 0
        for name, run in self._runs:
            f = np.array(run.history.path_f, dtype=float)
            f[~(np.abs(f) <= DRAW_LIMIT)] = np.nan          # overflowed values: a gap, not a spike to inf
            if log:
                f[~(f > 0)] = np.nan                         # log10 of 0 or less does not exist
            set_curve_data(self.curves[name], np.arange(f.size, dtype=float), f)
            finite = f[np.isfinite(f)]
            if finite.size:
                low, high = min(low, float(finite.min())), max(high, float(finite.max()))
            epochs = max(epochs, f.size - 1, run.epochs if run.epochs <= 40 else 0)
        self._fit_range(epochs, low, high, log)

    def _fit_range(self, epochs: int, low: float, high: float, log: bool) -> None:
        """Change the window only when the data leaves it (or fills under a quarter of it in y).

        Autorange would move the axes on every step, and redrawing the axes' ticks and grid costs more than
        the step itself; this way the axes change a few times per run.
        """
        view_box = self.plot_item.getViewBox()
        if epochs > self._x_max or self._x_max == 0:
            self._x_max = float(max(10, epochs if epochs <= 40 and self._x_max == 0 else 2 * epochs))
            view_box.setXRange(0.0, self._x_max, padding=0.02)
        if not math.isfinite(low):
            return
        if log:
            low, high = math.log10(low), math.log10(high)
        span = max(high - low, 1e-12 * max(1.0, abs(high)))
        current = self._y_range
        if current is None or low < current[0] or high > current[1] or span < 0.25 * (current[1] - current[0]):
            pad = 0.05 * span
            self._y_range = (low - pad, high + pad)
            view_box.setYRange(low - pad, high + pad, padding=0.0)

    def set_log(self, on: bool) -> None:
        self.check_log.setChecked(on)

    def _on_log_toggled(self, on: bool) -> None:
        # Mask before switching log on (and unmask after switching it off), so log10 never sees a value <= 0.
        self._y_range = None
        if on:
            self.update_runs()
        self.plot_item.setLogMode(x=False, y=on)
        self._y_range = None
        self.update_runs()
