"""The Derivatives tab's issue-17 half, bound in one place: extra functions g, h, k, critical and inflection
points, and the Taylor polynomial at x0. DerivativesTab mixes this in; tab.py calls the `_wide_*` hooks.

Every function gets a DerivativeLadder from the worker (f, f′, f″, …, compiled over the variable and the
parameters), asked for once per expression and variable. From then on dragging x0, moving or sweeping a
parameter, or panning only evaluates those compiled functions here: the Taylor coefficients f⁽ᵏ⁾(x0)/k!, the
readouts, and live critical points (extrema.live_points). When the inputs rest for CRITICAL_REST_MS the worker's
engine.critical analysis (exact where SymPy solves) replaces the live points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QTimer

from calclab.engine.numbers import format_number
from calclab.state.derivatives import CURVE_NAMES, MAX_CURVES, ExtraCurve
from calclab.ui.lazy import LazyModule
from calclab.ui.signals import signals_blocked
from calclab.ui.tabs.derivatives.extrema import (
    Marker,
    describe,
    from_analysis,
    live_points,
    taylor_coefficients,
    taylor_text,
)
from calclab.ui.tabs.derivatives.numeric import Curve, ladder_curves, value_at
from calclab.ui.tabs.derivatives.overlays import CURVE_COLORS
from calclab.ui.worker import JobFailure

calculus = LazyModule("calclab.engine.calculus")          # SymPy: loaded when the first expression is
jobs = LazyModule("calclab.engine.jobs.derivatives")

CRITICAL_REST_MS = 300    # inputs still this long: ask the worker for the exact critical points
EXACT_MAX_NODES = 200     # f larger than this (in tree nodes) gets numeric critical points only
LIST_LINES = 12           # lines of the critical-point list per function


@dataclass(eq=False)   # compared by identity: a superseded slot is not "the same" as a new one
class CurveSlot:
    """One function's symbolic side: its expression, ladder, and exact analysis (with the inputs it is for)."""

    expr: object | None = None
    ladder: jobs.DerivativeLadder | None = None
    curves: list[Curve] = field(default_factory=list)   # the ladder along the variable, parameters substituted
    analysis: tuple[tuple, object] | None = None          # (inputs key, CriticalAnalysis)
    asked: tuple | None = None                            # the inputs key of the analysis asked for last
    error: str = ""


class WideBinding:
    """Mixin for DerivativesTab: see the module docstring."""

    def _wide_init(self) -> None:
        self._slots: list[CurveSlot] = [CurveSlot()]      # [0] is f
        self._markers: list[tuple[Marker, str]] = []
        self._critical_timer = QTimer(self)
        self._critical_timer.setSingleShot(True)
        self._critical_timer.setInterval(CRITICAL_REST_MS)
        self._critical_timer.timeout.connect(self._submit_critical)
        self._critical_soon = True   # a new state, not a drag: ask for the analysis without waiting for rest

    def _wide_legend(self) -> None:
        """Legend entries for g, h, k, their derivatives and Tₙ, as they are drawn; then place the legend."""
        wrt = self._state.wrt or "x"
        o = self.overlays
        names = {}
        for index in range(MAX_CURVES):
            name = CURVE_NAMES[index + 1]
            names[id(o.extra_curves[index])] = f"{name}({wrt})"
            names[id(o.extra_derivatives[index])] = f"{name}′({wrt})"
        names[id(o.taylor)] = f"T{_subscript(self._state.taylor_order)} at {wrt}₀"
        o.sync_legend(self.plot.panel.legend, names)
        self.plot.place_legend()

    def _wide_connect(self) -> None:
        self.curves_panel.add_requested.connect(self._on_add_curve)
        self.curves_panel.remove_requested.connect(self._on_remove_curve)
        self.curves_panel.edited.connect(self._on_curve_edited)
        self.curves_panel.derivative_toggled.connect(self._on_curve_derivative_toggled)
        self.check_show_critical.toggled.connect(self._on_show_critical_toggled)
        self.check_show_taylor.toggled.connect(self._on_show_taylor_toggled)
        self.spin_taylor_order.valueChanged.connect(self._on_taylor_order_changed)
        self.held_panel.sweep_stopped.connect(self._wide_refresh_curves)

    def _wide_busy(self) -> bool:
        try:
            return self._critical_timer.isActive()
        except RuntimeError:   # is_busy is asked after the widget is deleted (a test's teardown): nothing waits
            return False

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Hidden (another tab, or closing): no exact analysis runs for a view nobody sees; sweeps stop."""
        self._critical_timer.stop()
        for index in range(len(CURVE_NAMES)):
            self.cancel(f"critical{index}")
        self.held_panel.stop_all()
        super().hideEvent(event)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        for slot in self._slots:       # what hideEvent cancelled, if anything, is asked again at once
            slot.asked = None
        self._critical_soon = True
        self._ask_critical()

    # -- state -> widgets ----------------------------------------------------------------------------------

    def _wide_set_state(self) -> None:
        """The issue-17 fields of a new state: check boxes, order, the rows of g, h, k."""
        s = self._state
        with signals_blocked(self.check_show_critical, self.check_show_taylor, self.spin_taylor_order):
            self.check_show_critical.setChecked(s.show_critical)
            self.check_show_taylor.setChecked(s.show_taylor)
            self.spin_taylor_order.setValue(s.taylor_order)
        self._show_error_tab(s.show_taylor, select=s.show_taylor)
        self.overlays.set_error_label(s.taylor_order)
        self.curves_panel.set_count(len(s.curves))
        self._critical_soon = True
        self._slots = self._slots[:1]
        for row, curve in zip(self.curves_panel.rows, s.curves, strict=True):
            with signals_blocked(row.check_show_derivative):
                row.check_show_derivative.setChecked(curve.show_derivative)
            row.expression_box.set_text(curve.expression, emit=False)
            self._slots.append(CurveSlot(row.expression_box.expression()))

    def _wide_first_view(self, view) -> None:
        """The shipped first view (tab._show_first_view): f's derivative ladder from its shipped sources, then
        the curves, markers and readouts drawn as for any state."""
        self._slots[0].curves = ladder_curves(view.ladder_functions(), view.variables, view.wrt, self._state.held)
        self._wide_refresh_curves()

    def _parameter_names(self, f_names: list[str]) -> list[str]:
        """Every name of f, g, h, k except the variable differentiated by: each gets a slider."""
        names = list(f_names)
        for slot in self._slots[1:]:
            if slot.expr is not None:
                names += [v.name for v in calculus.variables_of(slot.expr) if v.name not in names]
        return [n for n in sorted(names) if n != self._state.wrt]

    # -- jobs ------------------------------------------------------------------------------------------------

    def _ladder_order(self, index: int) -> int:
        taylor = self._state.taylor_order if index == 0 and self._state.show_taylor else 0
        return max(2, taylor)

    def _wide_expression_changed(self) -> None:
        """f, the variable or the set of functions changed: ladders for whoever lacks one, then redraw."""
        self._slots[0].expr = self._expr
        for index, slot in enumerate(self._slots):
            self._submit_ladder(index, slot)
        self._wide_refresh_curves()

    def _submit_ladder(self, index: int, slot: CurveSlot) -> None:
        up_to = self._ladder_order(index)
        ladder = slot.ladder
        if slot.expr is None or (ladder is not None and ladder.expression == slot.expr
                                 and ladder.wrt.name == self._state.wrt and ladder.order >= up_to):
            self._substitute(slot)
            return
        expr, wrt = slot.expr, self._state.wrt
        slot.curves, slot.analysis = [], None
        self.submit(f"ladder{index}", jobs.derivative_ladder, expr, wrt, up_to,
                    on_done=lambda ladder, s=slot: self._on_ladder_done(s, ladder),
                    on_error=lambda failure, s=slot: self._on_ladder_error(s, failure))

    def _on_ladder_done(self, slot: CurveSlot, ladder: jobs.DerivativeLadder) -> None:
        if slot not in self._slots or ladder.expression != slot.expr:
            return
        slot.ladder, slot.error = ladder, ""
        self._substitute(slot)
        self._wide_refresh_curves()

    def _on_ladder_error(self, slot: CurveSlot, failure: JobFailure) -> None:
        if slot in self._slots:
            slot.error = failure.message
            self._wide_refresh_curves()

    def _substitute(self, slot: CurveSlot) -> None:
        if slot.ladder is not None:
            slot.curves = ladder_curves(slot.ladder.functions, slot.ladder.variables, slot.ladder.wrt,
                                        self._state.held)

    def _inputs_key(self, slot: CurveSlot) -> tuple:
        held = tuple(sorted((k, v) for k, v in self._state.held.items()))
        return (slot.expr, self._state.wrt, held, tuple(round(v, 12) for v in self.plot.view_range()[:2]))

    def _wants_analysis(self, slot: CurveSlot) -> bool:
        """The slot has no exact analysis for its current inputs, none is asked for, and SymPy can do it: a long
        f (a 60-term sum) keeps its live numeric points, SymPy would spend seconds of the worker on it."""
        key = self._inputs_key(slot) if slot.expr is not None else None
        return (key is not None and (slot.analysis is None or slot.analysis[0] != key) and slot.asked != key
                and calculus.tree_size(slot.expr, EXACT_MAX_NODES) <= EXACT_MAX_NODES)

    def _ask_critical(self) -> None:
        """Ask for the exact analyses that are missing: at once for a new state, after CRITICAL_REST_MS of rest
        while the view or a parameter is being moved. Nothing missing: no timer (the tab is not busy)."""
        if not self._state.show_critical or self.held_panel.is_playing():   # a sweep shows live points only
            self._critical_timer.stop()
        elif any(self._wants_analysis(slot) for slot in self._slots):
            self._critical_timer.start(0 if self._critical_soon else CRITICAL_REST_MS)

    def _submit_critical(self) -> None:
        """Ask the worker for the exact analysis of every function that lacks one (a newer one supersedes)."""
        self._critical_soon = False
        if not self._state.show_critical:
            return
        low, high = self.plot.view_range()[:2]
        for index, slot in enumerate(self._slots):
            if not self._wants_analysis(slot):
                continue
            key = slot.asked = self._inputs_key(slot)
            self.submit(f"critical{index}", jobs.critical_analysis, slot.expr, self._state.wrt,
                        dict(self._state.held), (low, high),
                        on_done=lambda analysis, s=slot, k=key: self._on_critical_done(s, k, analysis),
                        on_error=lambda _failure: None)   # the live points stay

    def _on_critical_done(self, slot: CurveSlot, key: tuple, analysis) -> None:
        if slot in self._slots and key == self._inputs_key(slot):
            slot.analysis = (key, analysis)
            self._wide_refresh_markers()

    # -- numbers -> plot and readouts ----------------------------------------------------------------------------

    def _wide_refresh_curves(self) -> None:
        """Parameters, view or functions changed: extra curves, markers, and (debounced) the exact analysis."""
        view, pixels = self.plot.view_range(), self.plot.panel.pixel_width()
        for index in range(MAX_CURVES):
            slot = self._slots[index + 1] if index + 1 < len(self._slots) else None
            curves = slot.curves if slot is not None else []
            show = self._state.curves[index].show_derivative if index < len(self._state.curves) else False
            self.overlays.draw_extra(index, curves[0] if curves else None, curves[1] if len(curves) > 1 else None,
                                     show, view, pixels)
        self._wide_refresh_markers()
        self._wide_refresh_point()
        self._wide_legend()
        self._ask_critical()

    def _wide_refresh_markers(self) -> None:
        self._markers = []
        lines: list[str] = []
        exact_all = True
        low, high = self.plot.view_range()[:2]
        wrt = self._state.wrt or "x"
        for index, slot in enumerate(self._slots if self._state.show_critical else []):
            color = CURVE_COLORS[index]
            view = self._first_view if index == 0 else None
            if view is not None:   # the shipped first view: f's exact analysis, as it was shown
                critical, inflection = [Marker(**marker) for marker in view.markers], []
                notes = list(view.notes)
            elif slot.analysis is not None and slot.analysis[0] == self._inputs_key(slot):
                critical, inflection = from_analysis(slot.analysis[1])
                notes = list(slot.analysis[1].notes)
            elif len(slot.curves) >= 3:
                critical, inflection = live_points(slot.curves[0], slot.curves[1], slot.curves[2], low, high)
                notes, exact_all = [], False
            else:
                continue
            self._markers += [(m, color) for m in critical + inflection]
            found = [describe(m, wrt) for m in critical + inflection]
            name = CURVE_NAMES[index]
            if not found:
                found = ["none in view"]
            shown = found[:LIST_LINES] + ([f"… {len(found) - LIST_LINES} more"] if len(found) > LIST_LINES else [])
            lines.append(f"<b style='color:{color}'>{name}</b>: " + "<br>".join(_escape(t) for t in shown + notes))
        self.overlays.set_markers(self._markers)
        self.critical_panel.label_list.setText("<br>".join(lines) if lines else "—")
        self.critical_panel.label_source.setText(
            "" if not lines else "Exact where SymPy solves f′ = 0 and f″ = 0, numeric otherwise; in the visible range."
            if exact_all else "Numeric while the inputs move (grid search on f′ and f″); exact values follow.")

    def _wide_refresh_point(self) -> None:
        """x0 moved (or anything else): the Taylor polynomial, its error plot and the extra readouts."""
        x0, wrt = self._state.x0, self._state.wrt or "x"
        lines = []
        for index, slot in enumerate(self._slots[1:], start=1):
            name = CURVE_NAMES[index]
            if slot.error:
                lines.append(f"{name}: {slot.error}")
            elif len(slot.curves) >= 2:
                value, slope = value_at(slot.curves[0], x0), value_at(slot.curves[1], x0)
                lines.append(f"{name}({wrt}₀) = {format_number(value)}    {name}′({wrt}₀) = {format_number(slope)}")
            else:
                lines.append(f"{name}: computing…" if slot.expr is not None else f"{name}: (no function yet)")
        self.extra_readouts.show_lines(lines)
        self._draw_taylor()

    def _draw_taylor(self) -> None:
        s, slot = self._state, self._slots[0]
        panel = self.taylor_panel
        n = s.taylor_order
        if not s.show_taylor or len(slot.curves) <= n:
            self.overlays.draw_taylor(None, None, s.x0, self.plot.view_range(), self.plot.panel.pixel_width())
            panel.label_polynomial.setText("—" if not s.show_taylor else slot.error or "computing…")
            return
        coefficients = taylor_coefficients(slot.curves[:n + 1], s.x0)
        self.overlays.draw_taylor(slot.curves[0], coefficients, s.x0, self.plot.view_range(),
                                  self.plot.panel.pixel_width())
        text = taylor_text(coefficients, s.x0, s.wrt or "x")
        panel.label_polynomial.setText(f"T{_subscript(n)}({s.wrt or 'x'}) = {text}" if text != "—" else
                                       f"no T{n} here: f or one of its first {n} derivatives has no value at x₀")

    def taylor_coefficients(self) -> np.ndarray | None:
        """The shown Tₙ's coefficients c_k = f⁽ᵏ⁾(x0)/k! (None while not drawn)."""
        s, slot = self._state, self._slots[0]
        if not s.show_taylor or len(slot.curves) <= s.taylor_order:
            return None
        return taylor_coefficients(slot.curves[:s.taylor_order + 1], s.x0)

    def markers(self) -> list[tuple[Marker, str]]:
        """The critical and inflection points marked now, with their curve's colour."""
        return list(self._markers)

    # -- slots ---------------------------------------------------------------------------------------------------

    def _on_add_curve(self) -> None:
        if len(self._state.curves) >= MAX_CURVES:
            return
        self._state.curves.append(ExtraCurve())
        self.curves_panel.set_count(len(self._state.curves))
        self._slots.append(CurveSlot())
        self.curves_panel.rows[-1].expression_box.line_edit.setFocus()

    def _on_remove_curve(self, index: int) -> None:
        del self._state.curves[index]
        state = self._state.copy()
        self.curves_panel.set_count(0)        # rows renumber: rebuild them from the state
        self._state = state
        self._wide_set_state()
        self._refresh_parameters()
        self._wide_expression_changed()

    def _on_curve_edited(self, index: int, text: str, expr) -> None:
        self._state.curves[index].expression = text
        self._slots[index + 1] = CurveSlot(expr)
        self._refresh_parameters()                # g's names may bring new parameters
        self._wide_expression_changed()           # its ladder; f and the view stay as they are

    def _on_curve_derivative_toggled(self, index: int, on: bool) -> None:
        self._state.curves[index].show_derivative = on
        self._wide_refresh_curves()

    def _on_show_critical_toggled(self, on: bool) -> None:
        self._state.show_critical = on
        self._wide_refresh_curves()

    def _on_show_taylor_toggled(self, on: bool) -> None:
        self._state.show_taylor = on
        self._show_error_tab(on, select=on)
        self._submit_ladder(0, self._slots[0])
        self._draw_taylor()
        self._wide_legend()

    def _show_error_tab(self, on: bool, select: bool) -> None:
        """The error plot's tab under the plot: there while Tₙ is drawn, brought forward when the user turns Tₙ on."""
        index = self.lower_tabs.indexOf(self.overlays.error_widget)
        self.lower_tabs.setTabVisible(index, on)
        if select:
            self.lower_tabs.setCurrentIndex(index)

    def _on_taylor_order_changed(self, order: int) -> None:
        self._state.taylor_order = int(order)
        self.overlays.set_error_label(order)
        self._submit_ladder(0, self._slots[0])
        self._draw_taylor()
        self._wide_legend()


def _subscript(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
