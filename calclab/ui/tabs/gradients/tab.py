"""The Gradients tab: f over the plane as a colour map with level curves and its gradient field, the gradient
at a probe point, and n-variable gradients shown on a two-variable slice.

Data flows one way: the inputs (GradientsState) -> the symbolic gradient and its NumPy functions (both made
in the worker process by calclab.engine.jobs.gradients) -> numbers from calclab.engine.fields -> the plot items.
Pan, zoom, dragging the probe and the held values only re-run the NumPy part on the GUI thread (a 256 x 256 map
is a few milliseconds). This module alone binds the state to the widgets: each slot writes its own field.
"""

from __future__ import annotations

import copy
import math
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QWidget

from calclab.engine.fields import (
    angle_to_curve,
    arrow_lengths,
    arrow_segments,
    contour_levels,
    contour_segments,
    level_tangent,
    robust_levels,
    sample_field,
    sample_grid,
)
from calclab.engine.jobs.gradients import CriticalMarks, GradientResult, critical_points_in_view, symbolic_gradient
from calclab.engine.numbers import format_number
from calclab.engine.probe import probe_curvature
from calclab.state import Preset
from calclab.state.gradients import GradientsState
from calclab.ui.signals import signals_blocked
from calclab.ui.tabs.base import TabBase
from calclab.ui.tabs.gradients.plot import GradientPlot
from calclab.ui.tabs.gradients.probe_view import ProbeValues, ProbeView
from calclab.ui.tabs.gradients.side import SIDE_WIDTH, SidePanel
from calclab.ui.tabs.gradients.surface import GradientsSurface
from calclab.ui.widgets.side_width import follow_zoom

if TYPE_CHECKING:
    import pyqtgraph as pg

    from calclab.engine.numeric import NumericFunction
    from calclab.ui.worker import JobFailure, SymbolicWorker

JOB = "symbolic"        # f's gradient and Hessian, typeset and compiled
CRITICAL_JOB = "critical"   # f's critical points in the visible range
DISPLAY_OPTIONS = ("show_probe", "show_field", "normalize_arrows", "show_contours", "log_colors",
                   "show_curvature", "show_critical", "show_direction")
MAP_SIZE = 256          # image samples per side
FIELD_ARROWS = 15       # arrows per side (about)
CONTOUR_COUNT = 10
_SPARE_NAMES = ("y", "x", "t", "s")   # the second axis when f has a single variable


class GradientsTab(TabBase):
    """Contour map + gradient field + probe for f, with the symbolic gradient typeset as a column vector."""

    name = "gradients"

    def __init__(self, worker: SymbolicWorker, parent: QWidget | None = None) -> None:
        super().__init__(worker, parent)
        self._state = GradientsState()
        self._result: GradientResult | None = None
        self._f: NumericFunction | None = None          # f over the result's variables
        self._partials: list[NumericFunction] = []      # one per variable
        self._hessian: tuple = ()                       # rows of NumericFunctions; () = differences of ∇f
        self._names: list[str] = []         # f's variables
        self._plot_names: list[str] = []    # the variables offered for the axes (f's, or f's plus a spare)
        self._grid = None                   # the last sampled map (for the probe's level curve)
        self._axes = ("", "")               # the plotted (across, up) variables of the compiled function
        self._build()
        self.set_state(GradientsState())
        from calclab.ui.tabs.gradients.predict import install_predict

        self.predict = install_predict(self)   # Predict, then check (Learn mode)

    # -- building -----------------------------------------------------------------------------------------

    def _build(self) -> None:
        side = SidePanel(DISPLAY_OPTIONS)
        self.expression_box, self.formula_f = side.expression_box, side.formula_f
        self.formula_gradient_names, self.formula_gradient = side.formula_gradient_names, side.formula_gradient
        self.label_message, self.concept = side.label_message, side.concept
        self.variables_panel, self.readouts = side.variables_panel, side.readouts
        self._display_checks: dict[str, QCheckBox] = side.checks   # each edits the field it is named after
        for name, check in self._display_checks.items():
            setattr(self, f"check_{name}", check)
        self.side = self.side_area = side
        follow_zoom(side, SIDE_WIDTH, fixed=True)   # zoomed, as wide as the rows need ("across → x  up ↑ y")

        self.plot = GradientPlot(self)
        self.surface = GradientsSurface(self.plot.panel, [self.plot.label_key])   # 3D, toggled with the map
        self.surface.toggled.connect(lambda on: setattr(self._state, "show_surface", on))
        self.probe_view = ProbeView(self.plot, self)
        layout = QHBoxLayout(self)
        layout.addWidget(side)
        layout.addWidget(self.probe_view.area, 1)    # the map, its key and the Hessian / direction strip

        self.expression_box.expression_changed.connect(self._on_expression_changed)
        self.variables_panel.value_changed.connect(self._on_point_value_changed)
        self.variables_panel.axes_changed.connect(self._on_axes_changed)
        self.plot.probe_placed.connect(self._on_probe_moved)
        self.plot.probe_dragged.connect(self._on_probe_moved)
        self.plot.panel.range_changed.connect(self._on_range_changed)
        self.probe_view.angle_changed.connect(self._on_direction_angle_changed)
        self.probe_view.critical_due.connect(self._submit_critical)
        self.concept.preset_chosen.connect(self._on_preset_chosen)
        for name, check in self._display_checks.items():
            check.toggled.connect(lambda checked, field=name: self._on_display_toggled(field, checked))

    def resizeEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.probe_view.arrange(self.width() - self.side_area.width() - 20, self.height() - 10)

    # -- public API ---------------------------------------------------------------------------------------

    @property
    def state(self) -> GradientsState:
        """A copy of the tab's inputs (changing it changes nothing: give it back with set_state)."""
        return copy.deepcopy(self._state)

    def main_plot(self) -> pg.PlotWidget:
        return self.plot.panel.plot_widget

    def view_plot(self, view: str):
        """The map, or the 3D surface (shown for the export)."""
        if view == "surface":
            return self.surface.export_widget()
        return super().view_plot(view)

    def plots(self) -> list[pg.PlotWidget]:
        return [self.plot.panel.plot_widget, self.probe_view.polar.panel.plot_widget]

    def set_state(self, state: GradientsState) -> None:
        """Show `state`: the expression goes to the worker; the rest applies when its gradient is back."""
        self._state = copy.deepcopy(state)
        with signals_blocked(self.expression_box, *self._display_checks.values()):
            for name, check in self._display_checks.items():
                check.setChecked(getattr(state, name))
            good = self.expression_box.set_text(state.expression)
        self.probe_view.direction_panel.set_angle(state.direction_angle)
        self.plot.view_box.setRange(xRange=state.x_range, yRange=state.y_range, padding=0)
        self.surface.set_shown(state.show_surface)
        if good:
            self._submit_gradient(self.expression_box.expression())

    def is_busy(self) -> bool:
        """True while the gradient job is out or a long formula is still being typeset."""
        return super().is_busy() or self.probe_view.is_pending() or any(view.is_pending() for view in
                                        (self.formula_f, self.formula_gradient_names, self.formula_gradient))

    def variables(self) -> list[str]:
        """f's variables (by name), as the gradient lists them."""
        return list(self._names)

    # -- symbolic results ----------------------------------------------------------------------------------

    def _submit_gradient(self, expr: object) -> None:
        """Ask the worker for f's gradient (a newer expression supersedes one still computing)."""
        self.side.set_message("")   # a new input: what was said about the last one no longer applies
        self.probe_view.stop_critical()
        self.cancel(CRITICAL_JOB)     # marks for the last f must not land on the new one (its own replace them)
        self.submit(JOB, symbolic_gradient, expr, on_done=self._on_gradient, on_error=self._on_gradient_error)
        self.notice_job_out(has_result=self._f is not None)

    def _on_gradient_error(self, failure: JobFailure) -> None:
        # Every kind (timeout, error, crash) keeps the last good plot (if any) and says why, the same way.
        last = " The plot shows the last one." if self._f is not None else ""
        self.side.set_message(f"Could not compute the gradient: {failure.message}.{last}")
        self.notice_job_failed(failure, say=f"gradient: {failure.message}")

    def _on_gradient(self, result: GradientResult) -> None:
        names = [v.name for v in result.variables]
        self.clear_notice()
        if not names:
            self.formula_f.set_latex("f = " + result.expression_latex)
            note = "f is a constant: it has no variables, so its gradient is empty (it changes in no direction)."
            self.side.set_message(note + (" The plot shows the last function." if self._f is not None else ""))
            if self._f is None:
                self.show_notice("f is a constant: nothing to map")
            return
        f, partials = result.function, list(result.partial_functions)   # compiled in the worker
        self._result, self._f, self._partials, self._names = result, f, partials, names
        self._hessian = result.hessian_functions
        self.side.set_message("")
        arguments = ", ".join(result.variable_latex)
        self.formula_f.set_latex(f"f({arguments}) = {result.expression_latex}")
        self.formula_gradient_names.set_column_vector(
            [rf"\frac{{\partial f}}{{\partial {v}}}" for v in result.variable_latex], prefix=r"\nabla f =")
        self.formula_gradient.set_column_vector(list(result.latex), prefix="=")
        self.side.fit_formula_heights()
        self._plot_names = list(names)
        if len(names) == 1:
            self._plot_names.append(next(n for n in _SPARE_NAMES if n not in names))
        old = self._state.point
        self._state.point = {n: old.get(n, 1.0 if n in names else 0.0) for n in self._plot_names}
        axes = self._choose_axes()
        free = set(self._plot_names) - set(names)
        self.variables_panel.set_variables(self._plot_names, self._state.point, axes, free)
        self._apply_axes(*axes)
        self._schedule_critical(at_once=True)

    def _choose_axes(self) -> tuple[str, str]:
        names = self._plot_names
        x_name = self._state.x_variable if self._state.x_variable in names else names[0]
        rest = [n for n in names if n != x_name]
        y_name = self._state.y_variable if self._state.y_variable in rest else rest[0]
        return x_name, y_name

    def _apply_axes(self, x_name: str, y_name: str) -> None:
        self._state.x_variable, self._state.y_variable = x_name, y_name
        self._axes = (x_name, y_name)
        self.plot.panel.set_axis_labels(x_name, y_name)
        # Short, so it fits beside the key at 1100 x 700: the axes name the plotted variables, the rest are held.
        arguments = ", ".join(n if n in self._axes else f"{n} = {format_number(self._state.point.get(n, 0.0))}"
                              for n in self._names)
        self.plot.panel.set_title(f"f({arguments})")
        self._refresh_map()

    # -- numeric evaluation (GUI thread) -------------------------------------------------------------------

    def _arguments(self, x_values: object, y_values: object) -> list:
        """f's arguments for the slice: the axis variables take the given values, the rest their held value."""
        x_name, y_name = self._axes
        values = {x_name: x_values, y_name: y_values}
        return [values.get(n, self._state.point.get(n, 0.0)) for n in self._names]

    def _slice(self, func) -> object:
        return lambda X, Y: func(*self._arguments(X, Y))

    def _axis_partial(self, name: str):
        """∂f/∂name as a slice function (zero for the spare axis f does not use)."""
        if name in self._names:
            return self._slice(self._partials[self._names.index(name)])
        return lambda X, Y: np.zeros(np.broadcast_shapes(np.shape(X), np.shape(Y)))

    def _refresh_map(self) -> None:
        """Re-sample the image, contours and arrows for the visible range (numbers only, no SymPy)."""
        if self._f is None:
            return
        (x0, x1), (y0, y1) = self.plot.view_box.viewRange()
        if not (x1 > x0 and y1 > y0):
            return
        log = self._state.log_colors
        grid = sample_grid(self._slice(self._f), (x0, x1), (y0, y1), MAP_SIZE, MAP_SIZE)
        low, high = robust_levels(grid.z, 0.5 if log else 2.0, 98.0)
        if log and 0 < low < 0.05 * (high - low):
            low = 0.0   # a minimum at (nearly) zero: start the scale at 0 so its ticks read 1, 10, 100
        self._grid = grid
        self.plot.set_map(grid, (low, high), contour_levels(low, high, CONTOUR_COUNT, log),
                          self._state.show_contours, log)
        self.surface.show_map(self._slice(self._f), (x0, x1), (y0, y1), (low, high), log, self._axes)
        self._refresh_field()
        self._refresh_probe()

    def _refresh_field(self) -> None:
        if self._f is None:
            return
        (x0, x1), (y0, y1) = self.plot.view_box.viewRange()
        field = sample_field(self._axis_partial(self._axes[0]), self._axis_partial(self._axes[1]),
                             (x0, x1), (y0, y1), FIELD_ARROWS, f=self._slice(self._f))
        lengths = arrow_lengths(field.u, field.v, field.cell, self._state.normalize_arrows)
        self.plot.set_field(*arrow_segments(field.x, field.y, field.u, field.v, lengths))
        self.plot.set_field_visible(self._state.show_field)

    def _refresh_probe(self) -> None:
        """Readouts and probe drawing at the current point."""
        if self._f is None:
            return
        point = [self._state.point.get(n, 0.0) for n in self._names]
        value = float(self._f(*point))
        gradient = [float(p(*point)) for p in self._partials]
        x_name, y_name = self._axes
        px, py = self._state.point.get(x_name, 0.0), self._state.point.get(y_name, 0.0)
        gx = gradient[self._names.index(x_name)] if x_name in self._names else 0.0
        gy = gradient[self._names.index(y_name)] if y_name in self._names else 0.0
        level = contour_segments(self._grid, value) if self._grid is not None and math.isfinite(value) else \
            np.empty((0, 2, 2))
        angle = None
        if self._grid is not None and level_tangent(gx, gy) is not None:
            cell = float(self._grid.xs[1] - self._grid.xs[0])
            angle = angle_to_curve(level, px, py, gx, gy, max_distance=2 * cell)
        shown = {n: self._state.point.get(n, 0.0) for n in self._names}
        self.readouts.show_values(shown, value, gradient, (gx, gy), angle, (x_name, y_name))
        plane_gradient = (gx, gy) if math.isfinite(gx) and math.isfinite(gy) else None
        self.plot.set_probe(px, py, plane_gradient, level, self._state.show_probe)
        self.surface.show_probe(px, py, value, plane_gradient, self._state.show_probe)
        values = ProbeValues(tuple(self._names), self._axes, px, py, tuple(gradient), (gx, gy),
                             probe_curvature(self._hessian, self._partials, point, gradient))
        state = self._state
        self.probe_view.show_probe(values, state.direction_angle, state.show_probe, state.show_curvature,
                                   state.show_direction)

    # -- critical points (worker) ---------------------------------------------------------------------------

    def _schedule_critical(self, at_once: bool = False) -> None:
        """Look for critical points in the view once it has stopped moving (f of two variables only)."""
        if self._f is None or self._result is None:
            return
        if not self._state.show_critical or len(self._names) != 2:
            self.cancel(CRITICAL_JOB)
        self.probe_view.schedule_critical(len(self._names), self._state.show_critical, at_once)

    def _submit_critical(self) -> None:
        if self._result is None or len(self._names) != 2:
            return
        (x0, x1), (y0, y1) = self.plot.view_box.viewRange()
        ranges = {self._axes[0]: (x0, x1), self._axes[1]: (y0, y1)}
        box = tuple(ranges[name] for name in self._names)
        self.submit(CRITICAL_JOB, critical_points_in_view, self._result.expression, self._result.variables, box,
                    on_done=self._on_critical, on_error=self._on_critical_error)

    def _on_critical(self, result: CriticalMarks) -> None:
        self.probe_view.show_marks(result, self._names, self._axes, self._state.show_critical)

    def _on_critical_error(self, failure: JobFailure) -> None:
        self.probe_view.say_critical(f"Critical points: could not find them here ({failure.message})")

    # -- slots --------------------------------------------------------------------------------------------

    def _on_probe_moved(self, x: float, y: float) -> None:
        """A click or drag in the plot: snap to a readable resolution and move the point there."""
        if self._f is None:
            return
        snapped = self.probe_view.snap_to_critical(x, y)
        if snapped is not None:      # on a marked critical point: probe it exactly, not a rounded neighbour
            for name, value in zip(self._axes, snapped, strict=True):
                self._state.point[name] = value
                self.variables_panel.set_value(name, value)
            self._refresh_probe()
            return
        (x0, x1), (y0, y1) = self.plot.view_box.viewRange()
        x_name, y_name = self._axes
        for name, value, span in ((x_name, x, x1 - x0), (y_name, y, y1 - y0)):
            step = max(10.0 ** math.floor(math.log10(span / 500.0)), 10.0 ** -4) if span > 0 else 1e-4
            snapped = float(f"{round(value / step) * step:.10g}")
            self._state.point[name] = snapped
            self.variables_panel.set_value(name, snapped)
        self._refresh_probe()

    def _on_point_value_changed(self, name: str, value: float) -> None:
        self.concept.show_custom()   # a value typed in: no longer the preset's
        self._state.point[name] = value
        if name in self._axes:
            self._refresh_probe()
        else:
            self._apply_axes(*self._axes)   # a held value: a new slice

    def _on_axes_changed(self, x_name: str, y_name: str) -> None:
        self.concept.show_custom()
        self._apply_axes(x_name, y_name)

    def _on_range_changed(self, x0: float, x1: float, y0: float, y1: float) -> None:
        self._state.x_range, self._state.y_range = (x0, x1), (y0, y1)
        self._refresh_map()
        self._schedule_critical()

    def _on_direction_angle_changed(self, angle: float) -> None:
        """u turned (its handle, the spin box, the polar plot or "along ∇f"): the state's angle, then redraw u."""
        self._state.direction_angle = float(angle) % 360.0
        self.probe_view.show_direction(self._state.direction_angle,
                                       self._state.show_probe and self._state.show_direction)

    def _on_expression_changed(self, text: str, expr: object) -> None:
        if text != self._state.expression:   # (Enter on the same f retries it: still the preset's)
            self.concept.show_custom()
        self._state.expression = text
        self._submit_gradient(expr)

    def _on_display_toggled(self, field: str, checked: bool) -> None:
        """One of the "Show" check boxes: its own field of the state (DISPLAY_OPTIONS), then redraw."""
        setattr(self._state, field, checked)
        self._refresh_map()
        if field == "show_critical":
            self._schedule_critical(at_once=True)

    def _on_preset_chosen(self, preset: Preset) -> None:
        """Load the preset's function, range and point (and its colour scale); the user's other display
        choices stay as they are."""
        new = preset.make_state()
        for name in ("show_probe", "show_field", "show_contours", "normalize_arrows"):
            setattr(new, name, getattr(self._state, name))
        self.set_state(new)
        self.status_message.emit(f"preset: {preset.name}")

    def export_caption(self) -> str:
        """f and the point whose gradient the probe shows (issue 15)."""
        point = ", ".join(f"{name} = {format_number(value)}" for name, value in self._state.point.items())
        return f"{self.title}: f = {self._state.expression} · at {point}"

