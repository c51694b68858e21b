"""The Derivatives tab: f and its derivative live, the tangent and secant at a draggable x0, partials with
held variables, the rules step by step, and a short concept panel with the lesson's examples as presets.

Data flows one way: widgets -> DerivativesState -> worker (SymPy: derivative, simplify, LaTeX, steps) ->
compiled NumPy curves -> plot and readouts. Dragging x0, moving h or a held value, and pan/zoom only
evaluate the compiled curves on the GUI thread; only a new expression, variable or order goes to the worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

from calclab.engine.jobs.derivative_views import CurveNames, curve_names
from calclab.engine.numbers import format_number
from calclab.state import Preset
from calclab.state.derivatives import DerivativesState, clamp_h
from calclab.ui.lazy import LazyModule
from calclab.ui.signals import signals_blocked
from calclab.ui.tabs.base import TabBase
from calclab.ui.tabs.derivatives import first_view
from calclab.ui.tabs.derivatives.concept import ConceptPanel
from calclab.ui.tabs.derivatives.controls import SidePanel, h_from_slider, slider_from_h
from calclab.ui.tabs.derivatives.first_view_binding import FirstViewBinding
from calclab.ui.tabs.derivatives.header import HeaderBar
from calclab.ui.tabs.derivatives.layout import arrange
from calclab.ui.tabs.derivatives.numeric import (
    PointReadout,
    Slice,
    cheap_to_compile,
    compile_slice,
    read_point,
    remember,
)
from calclab.ui.tabs.derivatives.overlays import Overlays
from calclab.ui.tabs.derivatives.plot import DerivativesPlot
from calclab.ui.tabs.derivatives.steps import StepsView
from calclab.ui.tabs.derivatives.wide import WideBinding
from calclab.ui.worker import TIMEOUT, JobFailure

if TYPE_CHECKING:
    import pyqtgraph as pg

    from calclab.ui.tabs.derivatives.first_view import FirstView
    from calclab.ui.worker import SymbolicWorker

jobs = LazyModule("calclab.engine.jobs.derivatives")   # SymPy: not needed for the shipped first view
SHOW_F_ALONE_MS = 150     # if SymPy takes longer than this, plot f without waiting for its derivative


class DerivativesTab(FirstViewBinding, WideBinding, TabBase):
    """See the module docstring. `state` / `set_state` are the tab's inputs; `main_plot()` its plot."""

    name = "derivatives"

    def __init__(self, worker: SymbolicWorker, parent: QWidget | None = None) -> None:
        super().__init__(worker, parent)
        self._state = DerivativesState()
        self._expr = None                                  # the last good SymPy expression
        self._result: jobs.DerivativeResult | None = None  # the derivative of _expr (None while computing)
        self._slice: Slice | None = None
        self._reading: PointReadout | None = None
        self._simplifying = True                           # the derivative job in flight simplifies
        self._fit_x_next = True                            # a preset: fit x to its range as well as y
        self._keep_view_once = False                       # a preset's own y range: f' must not refit it
        self._typeset_pending = False                      # formulas wait for the curves' repaint
        self._first_view: FirstView | None = None          # shown from shipped data: no SymPy yet (hydrate)
        self._wide_init()
        self._build_ui()
        self._show_f_timer = QTimer(self)
        self._show_f_timer.setSingleShot(True)
        self._show_f_timer.setInterval(SHOW_F_ALONE_MS)
        self._show_f_timer.timeout.connect(self._on_show_f_alone)
        self._connect()
        state = DerivativesState()
        view = first_view.load(state.to_dict()) if self.shipped_first_view else None   # (see first_view.py)
        if view is not None:
            self._show_first_view(state, view)
        else:
            self.set_state(state)
        from calclab.ui.tabs.derivatives.predict import install_predict

        self.predict = install_predict(self)   # Predict, then check (Learn mode)

    # -- layout -------------------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.header = HeaderBar()
        self.expression_box, self.combo_preset = self.header.expression_box, self.header.combo_preset
        self.formula_f, self.formula_derivative = self.header.formula_f, self.header.formula_derivative
        self.button_copy_text, self.button_copy_latex = self.header.button_copy_text, self.header.button_copy_latex

        self.side = SidePanel()
        side = self.side        # the controls keep their state-field names on the tab, too
        self.combo_wrt, self.spin_order, self.spin_x0, self.slider_h = \
            side.combo_wrt, side.spin_order, side.spin_x0, side.slider_h
        self.check_show_derivative, self.check_show_tangent, self.check_show_secant = \
            side.check_show_derivative, side.check_show_tangent, side.check_show_secant
        self.held_panel, self.group_held, self.readouts = side.held_panel, side.group_held, side.readouts
        self.curves_panel, self.taylor_panel, self.critical_panel = \
            side.curves_panel, side.taylor_panel, side.critical_panel
        self.extra_readouts = side.extra_readouts
        self.check_show_critical = side.critical_panel.check_show_critical
        self.check_show_taylor = side.taylor_panel.check_show_taylor
        self.spin_taylor_order = side.taylor_panel.spin_taylor_order

        self.plot = DerivativesPlot(self)
        self.overlays = Overlays(self.plot.plot_item)
        self.plot.extra_items = self.overlays.curve_items()
        self.steps_view = StepsView()
        self.concept = ConceptPanel()
        self.lower_tabs = arrange(self, self.header, side, self.plot.panel, self.steps_view, self.concept,
                                  self.overlays.error_widget)

    def _connect(self) -> None:
        self.expression_box.expression_changed.connect(self._on_expression_changed)
        self.header.preset_chosen.connect(self.load_preset)
        self.header.copied.connect(self.status_message)
        self.concept.preset_chosen.connect(self.load_preset)
        self.combo_wrt.currentTextChanged.connect(self._on_wrt_changed)
        self.spin_order.valueChanged.connect(self._on_order_changed)
        for field, check in (("show_derivative", self.check_show_derivative),
                             ("show_tangent", self.check_show_tangent), ("show_secant", self.check_show_secant)):
            check.toggled.connect(lambda checked, field=field: self._on_show_toggled(field, checked))
        self.held_panel.value_changed.connect(self._on_held_changed)
        self.held_panel.range_changed.connect(self._on_param_range_changed)
        self.spin_x0.valueChanged.connect(self._on_x0_spin_changed)
        self.slider_h.valueChanged.connect(self._on_h_slider_changed)
        self.plot.x0_moved.connect(self.set_x0)
        self.plot.fit_requested.connect(self._on_fit_requested)
        self.plot.curve_toggled.connect(self._on_curve_toggled)
        self.plot.panel.range_changed.connect(self._on_range_changed)
        self.plot.plot_widget.installEventFilter(self)
        self._wide_connect()

    # -- public API ---------------------------------------------------------------------------------------

    @property
    def state(self) -> DerivativesState:
        """A copy of the current inputs."""
        return self._state.copy()

    def laid_out(self) -> None:
        self.plot.laid_out()

    def set_state(self, state: DerivativesState) -> None:
        """Show `state`: the expression, variable, order, point, h, held values and view."""
        self._drop_first_view()
        self._show_inputs(state)
        if self.expression_box.set_text(self._state.expression, emit=False):
            self._apply_expression(self.expression_box.expression())
        else:                                  # the error shows under the box; the last good curves stay
            self._refresh_point()

    def _show_inputs(self, state: DerivativesState) -> None:
        """Every control but the expression's shows `state`."""
        self._state = state.copy()
        self._state.h = clamp_h(self._state.h)
        self._fit_x_next = True
        with signals_blocked(self.spin_order, self.spin_x0, self.slider_h, self.check_show_derivative,
                             self.check_show_tangent, self.check_show_secant):
            self.spin_order.setValue(self._state.order)
            self.spin_x0.setValue(self._state.x0)
            self.slider_h.setValue(slider_from_h(self._state.h))
            self.check_show_derivative.setChecked(self._state.show_derivative)
            self.check_show_tangent.setChecked(self._state.show_tangent)
            self.check_show_secant.setChecked(self._state.show_secant)
        self._apply_visibility()
        self._wide_set_state()

    def load_preset(self, preset: Preset) -> None:
        """Show a preset (from the combo or a concept-panel button) and say what it shows."""
        self.set_state(preset.make_state())
        self.status_message.emit(f"{preset.name}: {preset.description}")

    def set_x0(self, x0: float) -> None:
        """Move the point (from a drag, a click or the arrow keys) and update the spin box, tangent and secant."""
        self._state.x0 = float(x0)
        with signals_blocked(self.spin_x0):
            self.spin_x0.setValue(self._state.x0)
        self._refresh_point()

    def main_plot(self) -> pg.PlotWidget:
        """The one plot: f, its derivative, the tangent and the secant."""
        return self.plot.plot_widget

    def is_busy(self) -> bool:
        """True while a symbolic job of this tab is out or formulas are still being typeset."""
        return (super().is_busy() or self._typeset_pending or self._wide_busy() or self.steps_view.is_pending()
                or self.header.is_pending())

    def result(self) -> jobs.DerivativeResult | None:
        """The derivative shown (None while the worker computes it)."""
        return self._result

    def reading(self) -> PointReadout | None:
        """The numbers at the point: f(x0), the slopes, the secant."""
        return self._reading

    # -- symbolic side ------------------------------------------------------------------------------------

    def _apply_expression(self, expr) -> None:
        """A new good expression (or variable, or order): rebuild the variable controls and ask the worker."""
        from calclab.engine.calculus import variables_of

        self._expr = expr
        names = [v.name for v in variables_of(expr)]
        if self._state.wrt not in names:
            # x when f has it (a·sin(b·x) + c is a function of x with parameters a, b, c), else the first name
            self._state.wrt = "x" if "x" in names else names[0] if names else (self._state.wrt or "x")
        items = names or [self._state.wrt]
        if items != [self.combo_wrt.itemText(i) for i in range(self.combo_wrt.count())] \
                or self.combo_wrt.currentText() != self._state.wrt:
            # Only when the variables change: refilling the combo on every keystroke re-lays out the side panel.
            with signals_blocked(self.combo_wrt):
                self.combo_wrt.clear()
                self.combo_wrt.addItems(items)
                self.combo_wrt.setCurrentText(self._state.wrt)
        self._refresh_parameters()
        self._result = None
        self._plot_f_first()   # first: a long f's compile job then runs before the derivative's
        self._submit()
        self._wide_expression_changed()

    def _refresh_parameters(self, names: list[str] | None = None) -> None:
        """A slider for every name of f, g, h, k but the variable (rows whose name stays keep their value);
        `names`: f's variables (default: read from f)."""
        if names is None:
            from calclab.engine.calculus import variables_of

            names = [v.name for v in variables_of(self._expr)] if self._expr is not None else []
        held = {n: self._state.held_value(n) for n in self._parameter_names(names)}
        self._state.held.update(held)
        self.held_panel.set_variables(held, {n: self._state.param_range(n) for n in held})
        self.group_held.setTitle("Parameters (held constant)" if held else "Parameters (none)")

    def _plot_f_first(self) -> None:
        """Plot the new f at once (compiling f here is quick): typing shows its curve within a frame, and f'
        with the tangent, formulas and steps follow when the worker answers. The old f' curve stays until then
        (or until SHOW_F_ALONE_MS says SymPy is slow), so the derivative does not blink on every keystroke."""
        wrt, variables = self._variables()
        if not cheap_to_compile(self._expr, variables):   # a long f: the worker compiles it, then it is plotted
            expr = self._expr
            self.submit("f", jobs.compile_plottable, expr, variables,
                        on_done=lambda compiled: self._on_f_compiled(expr, variables, compiled),
                        on_error=lambda _failure: None)   # the derivative job says why
            return
        self._slice = compile_slice(variables, wrt, self._state.held, self._expr)
        if self._fit_x_next:       # a preset or a loaded state: its view now; while typing the view stays put
            self._keep_view_once = self._state.y_range is not None     # until f' arrives (one axis redraw a key)
            self._fit_view(fit_x=True)
            self._fit_x_next = False
        self.plot.set_f(self._slice)
        self._refresh_point()

    def _on_f_compiled(self, expr, variables: tuple, compiled: jobs.CompiledCurve) -> None:
        remember(expr, variables, compiled.function)
        if expr is self._expr and self._result is None:   # still the f typed, and its derivative not here yet
            self._plot_f_first()

    def _variables(self) -> tuple:
        return jobs.slice_variables(self._expr, self._state.wrt)

    def _submit(self) -> None:
        expr, wrt, order = self._expr, self._state.wrt, self._state.order
        self.notice_job_out(has_result=self._slice is not None)
        self._submit_derivative(simplify=True)
        self.submit("steps", jobs.derivation, expr, wrt, order, on_done=self._on_steps_done,
                    on_error=self._on_steps_error)
        self.steps_view.set_message("Working out the steps…", keep_steps=True)
        self._show_f_timer.start()

    def _submit_derivative(self, simplify: bool) -> None:
        self._simplifying = simplify
        self.submit("derivative", jobs.differentiate, self._expr, self._state.wrt, self._state.order, simplify,
                    on_done=self._on_derivative_done, on_error=self._on_derivative_error)

    def _on_derivative_done(self, result: jobs.DerivativeResult) -> None:
        self._show_f_timer.stop()
        self._result = result
        self.clear_notice()
        if not result.simplified:   # said until the next derivative is asked for
            self.say_failure("derivative", "The derivative is shown unsimplified: simplifying it took too long.")
        for expr, func in zip((result.expression, result.derivative, result.first), result.functions, strict=False):
            remember(expr, result.variables, func)   # compiled in the worker: _compile finds them
        self._compile(result)
        self._label_curves()
        # Typeset in a later event-loop turn: the curves repaint first, and the GUI thread never does both at once.
        self._typeset_pending = True
        QTimer.singleShot(0, self, self._typeset)

    def _typeset(self) -> None:
        """Show the newest result's formulas (a result made stale by a new expression in between is skipped)."""
        self._typeset_pending = False
        if self._result is not None:
            self.header.show_result(self._result)

    def _on_derivative_error(self, failure: JobFailure) -> None:
        if self._simplifying and failure.kind == TIMEOUT:
            # simplify() is what runs away on big derivatives: show the rules' raw result instead.
            self.header.show_message("simplifying took too long; differentiating without simplify…")
            self._submit_derivative(simplify=False)
            return
        self._show_f_timer.stop()
        self.header.show_message(f"no derivative: {failure.message}")
        self._compile_f_alone()
        self.notice_job_failed(failure, say=f"Derivative: {failure.message}")

    def _on_steps_done(self, result: jobs.StepsResult) -> None:
        self.steps_view.set_steps(result)

    def _on_steps_error(self, failure: JobFailure) -> None:
        self.steps_view.set_message(f"No step-by-step for this one: {failure.message}")

    def _on_show_f_alone(self) -> None:
        """SymPy is slow on this one: plot f already, and say the derivative is coming."""
        if self._result is None and self._expr is not None:   # the derivative job is still out
            self.header.show_message("computing the derivative…")
            self._compile_f_alone()

    def _compile_f_alone(self) -> None:
        """f without its derivative; a long f is plotted when the worker has compiled it (_on_f_compiled)."""
        if cheap_to_compile(self._expr, self._variables()[1]):
            self._compile(None)

    def _compile(self, result: jobs.DerivativeResult | None) -> None:
        """Lambdify f and (when known) its derivatives over the current variables; refit and redraw."""
        wrt, variables = (result.wrt, result.variables) if result is not None else self._variables()
        self._slice = compile_slice(variables, wrt, self._state.held, self._expr,
                                    result.derivative if result else None, result.first if result else None)
        if not self._keep_view_once:
            self._fit_view(fit_x=self._fit_x_next)
        if result is not None:   # f alone first (SymPy slow, the worker busy): the state's view waits for f′ too
            self._keep_view_once = False
        self._fit_x_next = False
        self.plot.set_slice(self._slice)
        self._refresh_point()

    def curve_names(self) -> CurveNames:
        """What the plot, legend and readouts call the curves and the point now."""
        return self._first_view.names if self._first_view is not None else \
            curve_names(self._result, self._state.held_value)

    def _label_curves(self) -> None:
        """Legend, axis and readout names for the current variable: f′(x₀), or ∂f/∂y at y₀, ..."""
        n = self.curve_names()
        self.plot.set_labels(n.variable, n.value_axis, n.function, n.derivative)
        self.readouts.set_names(n.value_at_point, n.slope_at_point, n.higher_at_point, variable=n.variable,
                                lhs=n.value_axis)
        self.side.label_exact_name.setText(n.slope_at_point)
        self.side.set_point_name(n.point)
        self._refresh_point()

    # -- numeric side -------------------------------------------------------------------------------------

    def _fit_view(self, fit_x: bool) -> None:
        """fit_x: the state's view (its y range, or y fitted to the curves); else y fitted over the visible x."""
        s = self._state
        self.plot.fit(self._slice, s.x_range if fit_x else None, s.y_range if fit_x else None, s.show_derivative)

    def _refresh_point(self) -> None:
        if self._slice is None:
            return
        self._reading = read_point(self._slice, self._state.x0, self._state.h)
        self.plot.set_point(self._reading)
        self.readouts.show_reading(self._reading)
        self._wide_refresh_point()

    def _apply_visibility(self) -> None:
        s = self._state
        self.plot.set_visibility(s.show_derivative, s.show_tangent, s.show_secant)

    # -- slots --------------------------------------------------------------------------------------------

    def _on_expression_changed(self, text: str, expr) -> None:
        self._state.expression = text
        self._apply_expression(expr)

    def _on_wrt_changed(self, name: str) -> None:
        if not name or name == self._state.wrt or self._expr is None:
            return
        # Keep the same point (x, y, ...): the old variable is now held at x0, the new one's value becomes x0.
        old = self._state.wrt
        self._state.held[old] = self._state.x0
        self._state.x0 = self._state.held_value(name)
        self._state.wrt = name
        with signals_blocked(self.spin_x0):
            self.spin_x0.setValue(self._state.x0)
        self._apply_expression(self._expr)

    def _on_order_changed(self, order: int) -> None:
        self._state.order = int(order)
        if self._expr is not None:
            self._apply_expression(self._expr)

    def _on_show_toggled(self, field: str, checked: bool) -> None:
        """A show_* check box was ticked or cleared: its own field (show_derivative, ...) follows."""
        setattr(self._state, field, checked)
        self._apply_visibility()

    def _on_curve_toggled(self, name: str, visible: bool) -> None:
        """A legend click showed or hid a curve: its check box follows (and with it the state and the plot)."""
        check = {"derivative": self.check_show_derivative, "tangent": self.check_show_tangent,
                 "secant": self.check_show_secant}[name]
        check.setChecked(visible)

    def _on_held_changed(self, name: str, value: float) -> None:
        self._state.held[name] = float(value)
        if self._result is not None:
            self._label_curves()
        self.plot.refresh_curves()
        self._refresh_point()
        self._wide_refresh_curves()

    def _on_param_range_changed(self, name: str, low: float, high: float) -> None:
        self._state.param_ranges[name] = (low, high)

    def _on_x0_spin_changed(self, value: float) -> None:
        self._state.x0 = float(value)
        self._refresh_point()

    def _on_h_slider_changed(self, position: int) -> None:
        self._state.h = h_from_slider(position)
        self._refresh_point()

    def _on_range_changed(self, x_low: float, x_high: float, y_low: float, y_high: float) -> None:
        self._state.x_range = (x_low, x_high)
        self._state.y_range = (y_low, y_high)
        self.plot.refresh_curves()
        self._refresh_point()
        self._wide_refresh_curves()

    def _on_fit_requested(self) -> None:
        if self._slice is not None:
            self._fit_view(fit_x=False)

    # -- keyboard: Left/Right move x0 when the plot or the tab itself has focus ----------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        # While the tab is torn down by Python's collector, its attributes are gone before its widgets: events
        # still arrive here then ("'DerivativesTab' object has no attribute 'plot'" on every one, issue 10).
        plot = self.__dict__.get("plot")
        if plot is not None and watched is plot.plot_widget and event.type() == QEvent.Type.KeyPress \
                and self._arrow(event):
            return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if not self._arrow(event):
            super().keyPressEvent(event)

    def _arrow(self, event: QKeyEvent) -> bool:
        """Left/Right move x0 (see DerivativesPlot.arrow_target); True if the key was one of them."""
        x0 = self.plot.arrow_target(event, self._state.x0)
        if x0 is not None:
            self.set_x0(x0)
        return x0 is not None

    def export_caption(self) -> str:
        """f and the point x0 where the tangent touches (issue 15)."""
        return f"{self.title}: f = {self._state.expression} · x₀ = {format_number(self._state.x0)}"
