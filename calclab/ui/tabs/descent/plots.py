"""The Descent tab's main plot: f with the paths on it (a curve in 1-D, a contour map in 2-D).

Every plot item is created once; a step only calls setData on the items that changed. The map and the curve
are re-evaluated numerically only when the window moves. Paths are drawn up to the last point that can be
drawn (a diverged run never draws a line to infinity). The loss plot lives in loss.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QGraphicsItem, QPushButton, QWidget

from calclab.engine.descent import Descent
from calclab.engine.jobs.descent import Compiled
from calclab.ui.tabs.descent.arrows import StepArrows
from calclab.ui.tabs.descent.contour import contour_map
from calclab.ui.tabs.descent.items import (
    CONTOUR_LINE_COLOR,
    CURVE_COLOR,
    DRAW_LIMIT,
    OPTIMIZER_COLORS,
    TANGENT_COLOR,
    RunItems,
    StartMarker,
    cache_axes,
    drawable_prefix,
    run_label,
)
from calclab.ui.tabs.descent.legend import LegendPlacer, densify
from calclab.ui.tabs.descent.loss import LossView
from calclab.ui.widgets.plot_panel import PlotPanel, break_at_jumps, make_pen, set_curve_data

__all__ = ["FunctionView", "LossView"]

AUTO_ZOOM_MAX = 1.5    # zooming out to show an arrow's head stops at this many times the window f was shown in


class FunctionView(PlotPanel):
    """f with the descent paths: curve + tangent + step arrow in 1-D, contour map + step arrow in 2-D.

    `point_clicked(x, y)` fires on a left click inside the plot (the tab moves the start point there), rounded
    to what the view can resolve.
    """

    point_clicked = Signal(float, float)
    start_dragged = Signal(float, float, bool)   # the start marker dragged to (x, y); finished at the release

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
        self.start_marker = StartMarker([], [], symbol="s", size=14, pen=pg.mkPen(CURVE_COLOR, width=2),
                                        brush=pg.mkBrush(255, 255, 255, 230))
        self.start_marker.setToolTip("The start point: drag it (with Preview on, the whole path follows)")
        self.start_marker.dragged.connect(self._on_start_dragged)
        for z, it in ((-20, self.image), (-10, self.contours), (0, self.curve), (5, self.tangent),
                      (13, self.start_marker)):
            it.setZValue(z)
            item.addItem(it)
        # The map and the curve change only with f or the window: keep them as pixmaps, so a step redraws
        # the path without re-scaling the image or re-stroking thousands of contour segments.
        for it in (self.image, self.contours.curve, self.curve.curve):
            it.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.arrows = StepArrows(item)
        self.step_arrow, self.internal_arrow = self.arrows.step, self.arrows.memory
        assert self.legend is not None
        self.legend_placer = LegendPlacer(self.legend, self.plot_item)
        self.runs: dict[str, RunItems] = {}
        self.compiled: Compiled | None = None
        self.show_internals = False
        self._run_list: list[tuple[str, Descent]] = []
        self._start_shown: tuple[float, float] | None = None
        self._valley: tuple[float, float] | None = None   # the lowest point drawn (where paths head)
        self._legend_exits: dict[str, int | None] = {}     # the exit epochs the legend's entries name
        self._base_spans: tuple[float, float] | None = None  # the window's size when f was shown (or fitted)

        self.check_preview = QCheckBox("Preview")
        self.check_preview.setToolTip("Draw every epoch at once, and redraw the whole path as you change η, "
                                      "momentum, β₁/β₂ or drag the start point: no Step needed")
        self.add_toolbar_widget(self.check_preview)
        self.button_fit = QPushButton("Fit path")
        self.button_fit.setToolTip("Zoom so the whole path and the start point are in view")
        self.button_fit.clicked.connect(self._on_fit_clicked)
        self.add_toolbar_widget(self.button_fit)
        self.range_changed.connect(self._on_range_changed)
        item.scene().sigMouseClicked.connect(self._on_scene_clicked)

    # -- setting up -------------------------------------------------------------------------------------

    def set_function(self, compiled: Compiled, x_range: tuple[float, float] | None,
                     y_range: tuple[float, float] | None, start: Sequence[float]) -> None:
        """Show a new f over the given window (y_range is used in 2-D only; 1-D picks f's range from the
        curve, cutting off arms that rise far above the start so the valleys keep the room). Without a window
        (or without y_range in 2-D), a square around 0 that holds the start."""
        self.compiled = compiled
        two_d = compiled.dimension == 2
        if x_range is None or (two_d and y_range is None):
            half = max(3.0, 1.25 * max(abs(v) for v in start))
            x_range = y_range = (-half, half)
        names = compiled.names
        self.plot_item.getViewBox().setAspectLocked(two_d, ratio=1.0)
        self.legend_placer.interest = None   # 1-D: the view as it is; 2-D: the window asked for
        if two_d and y_range is not None:
            self.legend_placer.interest = (x_range[1] - x_range[0], y_range[1] - y_range[0])
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
            f_start = float(compiled.grid(np.array([start[0]]))[0]) if start is not None else math.nan
            if math.isfinite(f_start) and f_start > low:
                high = min(high, max(f_start + 0.5 * (f_start - low), low + 0.5 * (high - low)))
            if high - low < 1e-9:
                low, high = low - 1.0, high + 1.0
            self.plot_item.setRange(xRange=x_range, yRange=(low, high), padding=0.05)
            if finite.size:
                lowest = int(np.nanargmin(np.where(np.isfinite(ys), ys, np.inf)))
                self._valley = (float(xs[lowest]), float(ys[lowest]))
            self._draw_curve(self.plot_item.getViewBox().viewRange()[0])
        self._remember_window()

    def set_runs(self, runs: Sequence[tuple[str, Descent]], show_internals: bool, quick: bool = False) -> None:
        """The runs to draw (optimizer name, Descent), primary first; rebuilds the legend (not when `quick` and the
        runs are the same optimizers as before: a preview's dragged start)."""
        same = [n for n, _r in runs] == [n for n, _r in self._run_list] and show_internals == self.show_internals
        self._run_list = list(runs)
        if quick and same:
            self.update_runs()
            return
        self.show_internals = show_internals
        for name in [n for n, _r in self._run_list if n not in self.runs]:
            self.runs[name] = RunItems(self.plot_item, OPTIMIZER_COLORS[name], name)
        active = {n for n, _r in self._run_list}
        for name, items in self.runs.items():
            items.set_visible(name in active)
        self._rebuild_legend()
        self.update_runs()
        self._place_legend()

    def _rebuild_legend(self) -> None:
        if self.legend is None:
            return
        self.legend.clear()
        if self.compiled is not None and self.compiled.dimension == 1:
            self.legend.addItem(self.curve, f"f({self.compiled.names[0]})")
            self.legend.addItem(self.tangent, "tangent (slope f′)")
        for name, run in self._run_list:
            self.legend.addItem(self.runs[name].line, self._run_text(name, run))
        self.legend.addItem(self.step_arrow.shaft, "next step")
        if self.show_internals and self._internal_vector() is not None:
            self.legend.addItem(self.internal_arrow.shaft, self._internal_label())
        self._legend_exits = {name: self.runs[name].exit.epoch for name, _run in self._run_list}

    def _run_text(self, name: str, run: Descent) -> str:
        """A run's legend entry: the optimizer (and its η when compared), and when it left the view if it did."""
        text = run_label(name, run) if len(self._run_list) > 1 else f"path ({name})"
        epoch = self.runs[name].exit.epoch
        return text if epoch is None else f"{text}: left at epoch {epoch}"

    def relabel(self) -> None:
        """The runs' legend entries, after an η changed or a path left the view (or came back)."""
        if self.legend is None:
            return
        for name, run in self._run_list:
            label = self.legend.getLabel(self.runs[name].line)
            if label is not None:
                label.setText(self._run_text(name, run))
        self._legend_exits = {name: self.runs[name].exit.epoch for name, _run in self._run_list}
        self.legend.updateSize()
        self._place_legend(keep_outside=True)

    def _place_legend(self, keep_outside: bool = False) -> None:
        """Put the legend where it hides nothing drawn: the curve, the paths (and in 2-D the line from the start
        to the lowest point, where they are heading), the arrows and the exit markers (legend.py)."""
        if self.legend is None or self.compiled is None or not self._run_list:
            return
        chunks = [self._drawn_points()]
        if self.compiled.dimension == 1:
            xs, ys = self.curve.getData()
            if xs is not None and len(xs):
                chunks.append(np.column_stack((xs, ys)))
        else:
            xs, ys = self.runs[self._run_list[0][0]].line.getData()
            if xs is not None and len(xs):
                end = self._valley if self._valley is not None else (xs[-1], ys[-1])
                t = np.linspace(0.0, 1.0, 40)[:, np.newaxis]
                chunks.append((1 - t) * np.array([xs[0], ys[0]]) + t * np.asarray(end))
        self.legend_placer.place(np.concatenate(chunks), keep_outside)

    def _drawn_points(self, newest: bool = False) -> np.ndarray:
        """Points along what is drawn over f: the paths (only their newest segment with `newest`), the start,
        the arrows, the tangent and the exit markers with their labels."""
        chunks = [np.empty((0, 2))]
        for name, _run in self._run_list:
            items = self.runs[name]
            xs, ys = items.line.getData()
            if xs is not None and len(xs):
                path = np.column_stack((xs, ys))
                chunks.append(densify(path[-2:] if newest else path))
            if items.exit.epoch is not None:
                chunks.append(items.exit.points())
        for item in (self.tangent, self.step_arrow.shaft, self.internal_arrow.shaft, self.start_marker):
            xs, ys = item.getData()
            if xs is not None and len(xs):
                chunks.append(densify(np.column_stack((xs, ys)), 8))
        return np.concatenate(chunks)

    # -- per step ----------------------------------------------------------------------------------------

    def update_runs(self) -> None:
        """Redraw the paths, the current points and the arrows from the runs' histories."""
        if self.compiled is None or not self._run_list:
            return
        one_d = self.compiled.dimension == 1
        for name, run in self._run_list:
            self.runs[name].show_run(run, one_d)
        name, primary = self._run_list[0]
        start = (float(primary.x0[0]), float(primary.history.path_f[0] if one_d else primary.x0[1]))
        if start != self._start_shown:     # a scatter setData costs ~0.1 ms: only when the start moved
            self._start_shown = start
            self.start_marker.setData([start[0]], [start[1]])
        self._update_arrows(primary, one_d, self.runs[name].cut)
        if any(self.runs[n].exit.epoch != self._legend_exits.get(n) for n, _r in self._run_list):
            self.relabel()   # a path left the view (or came back): its legend entry says so
        if self.legend_placer.covers(self._drawn_points(newest=True)):   # a path ran under it: move it
            self._place_legend(keep_outside=True)

    def _update_arrows(self, run: Descent, one_d: bool, cut: bool = False) -> None:
        if cut:     # the run flew off the view: an arrow from out there would cross the whole plot
            self.arrows.hide()
            return
        x, fx, g = run.x, run.value, run.gradient
        here = (x[0], fx) if one_d else (x[0], x[1])
        step = run.next_step()
        if step is not None and np.all(np.isfinite(g)):
            step = (step[0], 0.0) if one_d else step
        else:
            step = None
        if one_d:
            self._update_tangent(float(x[0]), fx, float(g[0]))
        vector = self._internal_vector() if self.show_internals else None
        memory = None if vector is None or run.finished else ((vector[0], 0.0) if one_d else vector)
        self.arrows.show(here, step, memory)
        self._keep_in_view(here, self.arrows.tips())

    def _keep_in_view(self, here: Sequence[float], tips: list[tuple[float, float]]) -> None:
        """Zoom out just enough that the arrows' heads show, while the point is in view, and never past
        AUTO_ZOOM_MAX times the window f was shown in (a run sliding away is left to leave the view)."""
        view_box = self.plot_item.getViewBox()
        (x_lo, x_hi), (y_lo, y_hi) = view_box.viewRange()
        if not tips or self._base_spans is None or not (x_lo <= here[0] <= x_hi and y_lo <= here[1] <= y_hi):
            return
        points = np.array(tips)
        low, high = points.min(axis=0), points.max(axis=0)
        if low[0] >= x_lo and high[0] <= x_hi and low[1] >= y_lo and high[1] <= y_hi:
            return
        pad_x, pad_y = 0.04 * (x_hi - x_lo), 0.04 * (y_hi - y_lo)
        x_range = (min(x_lo, low[0] - pad_x), max(x_hi, high[0] + pad_x))
        y_range = (min(y_lo, low[1] - pad_y), max(y_hi, high[1] + pad_y))
        base_x, base_y = self._base_spans
        if x_range[1] - x_range[0] <= AUTO_ZOOM_MAX * base_x and y_range[1] - y_range[0] <= AUTO_ZOOM_MAX * base_y:
            view_box.setRange(xRange=x_range, yRange=y_range, padding=0.0)

    def _internal_vector(self) -> np.ndarray | None:
        """The contrast the optimizer's memory makes with plain SGD, drawn next to the step it really takes:
        −η·velocity for momentum and Nesterov (the push carried over from past steps), −η·∇f for the
        adaptive ones (the step plain SGD would take; theirs is rescaled per coordinate). None for SGD."""
        if not self._run_list:
            return None
        run = self._run_list[0][1]
        velocity = run.internals.get("velocity")
        if velocity is not None:
            return -run.lr * velocity
        if run.optimizer in ("adagrad", "rmsprop", "adam", "adamw"):
            return -run.lr * run.gradient
        return None

    def _internal_label(self) -> str:
        run = self._run_list[0][1]
        return "−η·velocity (memory)" if "velocity" in run.internals else "−η·∇f (plain SGD's step)"

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
        self._valley = cmap.lowest
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
        self._place_legend(keep_outside=True)

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
        self._remember_window()

    def _remember_window(self) -> None:
        (x_lo, x_hi), (y_lo, y_hi) = self.plot_item.getViewBox().viewRange()
        self._base_spans = (x_hi - x_lo, y_hi - y_lo)

    def _on_scene_clicked(self, event: object) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():  # type: ignore[attr-defined]
            return
        view_box = self.plot_item.getViewBox()
        scene_pos = event.scenePos()  # type: ignore[attr-defined]
        if not view_box.sceneBoundingRect().contains(scene_pos):
            return
        point = view_box.mapSceneToView(scene_pos)
        self.point_clicked.emit(*self._rounded(point.x(), point.y()))

    def _rounded(self, x: float, y: float) -> tuple[float, float]:
        """A point rounded to what the view can resolve (3 significant digits of its span)."""
        (x_lo, x_hi), (y_lo, y_hi) = self.plot_item.getViewBox().viewRange()
        return tuple(round(float(value), max(0, 2 - math.floor(math.log10(max(span, 1e-12)))))  # type: ignore
                     for value, span in ((x, x_hi - x_lo), (y, y_hi - y_lo)))

    def _on_start_dragged(self, x: float, y: float, finished: bool) -> None:
        self.start_dragged.emit(*self._rounded(x, y), finished)
