"""The Chain Rule tab: a composite peeled into links, the rates that multiply, and the computational graph.

Inputs -> ChainRuleState -> the worker peels and checks the chain (calclab.engine.jobs.chain_rule; it simplifies)
-> the steps, the rates at x0, the plots and the graph. Each control's slot writes its own field of the state and
`set_state` shows a whole one; the boxes are never read back. Moving x0 is numeric only (compiled functions and
the graph's float passes), so dragging stays smooth. Bad input keeps the last good chain on screen.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from calclab.engine.numbers import format_number
from calclab.state import Preset
from calclab.state.chain_rule import ChainRuleState
from calclab.ui.signals import signals_blocked
from calclab.ui.tabs.base import TabBase
from calclab.ui.tabs.chain_rule.graph import GraphPanel
from calclab.ui.tabs.chain_rule.plots import ChainPlots
from calclab.ui.tabs.chain_rule.steps import RatesPanel, StepsPanel
from calclab.ui.widgets.expression_box import ERROR_COLOR, ExpressionBox
from calclab.ui.widgets.preset_combo import PresetCombo
from calclab.ui.worker import JobFailure

if TYPE_CHECKING:
    from calclab.engine.jobs.chain_rule import ChainView
    from calclab.ui.worker import SymbolicWorker

JOB = "analysis"   # the tab's one worker job: peel, check and compile the chain
STAGE_MS = 15   # between showing a new chain's plots and its steps, graph and rates
NO_CHAIN_NOTE = ("No chain of rates to multiply here. The computational graph on the right still shows how the "
                 "gradient flows: a node that feeds two others adds the two paths.")


class ChainRuleTab(TabBase):
    """d/dx f(g(x)) = f'(g(x)) · g'(x), shown as typeset steps, numbers at x0, plots and a computational graph."""

    name = "chain"

    def __init__(self, worker: SymbolicWorker, parent: QWidget | None = None) -> None:
        super().__init__(worker, parent)
        self._state = ChainRuleState()
        self.analysis = None       # the last good ChainAnalysis
        self.numbers = None        # its ChainNumbers (None when not a composite)
        self._framing = False      # set_state's x_range is framed when its chain arrives (not the view before)
        self._staged: ChainView | None = None   # a chain whose plots show and whose steps, graph and rates follow
        self._graph_shown = False  # ... and whether its graph and rates show already
        # What each box last parsed, by field: (text, expression), so typed text is parsed once, not twice.
        self._parsed: dict[str, tuple[str, object]] = {}
        self._build_controls()
        self._build_layout()
        self._connect()
        self.set_state(self._state)
        from calclab.ui.tabs.chain_rule.predict import install_predict

        self.predict = install_predict(self)   # Predict, then check (Learn mode)

    # -- public API -------------------------------------------------------------------------------------

    @property
    def state(self) -> ChainRuleState:
        """A copy of the tab's inputs (changing it changes nothing on screen: use set_state)."""
        return dataclasses.replace(self._state)

    def main_plot(self) -> pg.PlotWidget:
        return self.chain_plots.outer.panel.plot_widget

    def plots(self) -> list[pg.PlotWidget]:
        return self.chain_plots.plot_widgets()

    def set_state(self, state: ChainRuleState) -> None:
        """Show `state`'s inputs and recompute (the last chain stays until the new one arrives)."""
        self._state = dataclasses.replace(state)
        self._framing = True   # frame state.x_range when the new chain arrives
        with signals_blocked(self.radio_mode_composite, self.radio_mode_parts, self.box_expression,
                             self.box_outer, self.box_inner, self.spin_x0):
            self.radio_mode_parts.setChecked(state.mode == "parts")
            self.radio_mode_composite.setChecked(state.mode != "parts")
            self.box_expression.set_text(state.expression)
            self.box_outer.set_text(state.outer)
            self.box_inner.set_text(state.inner)
            self.spin_x0.setValue(state.x0)
        self.stack_inputs.setCurrentIndex(1 if state.mode == "parts" else 0)
        self._request()

    def is_busy(self) -> bool:
        """Also busy while a chain's later turns (graph, rates, steps) or its formulas' typesetting are pending."""
        return (super().is_busy() or self._staged is not None
                or any(view.is_pending() for view in self.steps.formula_views()))

    # -- building -----------------------------------------------------------------------------------------

    def _build_controls(self) -> None:
        self.combo_preset = PresetCombo("chain")
        self.combo_preset.setToolTip("Worked examples; the lesson's (2x + 3)^2 first")
        self.combo_preset.setPlaceholderText("(custom)")   # shown once the user edits the function
        self.radio_mode_composite = QRadioButton("One composite")
        self.radio_mode_composite.setToolTip("Type the whole function; it is peeled into links automatically")
        self.radio_mode_parts = QRadioButton("Outer f(u), inner g(x)")
        self.radio_mode_parts.setToolTip("Type the outer function in u and the inner function in x separately")
        self.group_mode = QButtonGroup(self)
        self.group_mode.addButton(self.radio_mode_composite)
        self.group_mode.addButton(self.radio_mode_parts)
        self.box_expression = ExpressionBox(
            placeholder="a composite, e.g. (2x+3)^2", tooltip="A function of x built from functions of functions: "
            "(2x+3)^2, sin(x^2), exp(-x^2/2), sigmoid(3x - 1), log(1 + e^(2x)). Enter applies.")
        self.box_outer = ExpressionBox(placeholder="f(u), e.g. u^2",
                                       tooltip="The outer function f, written in u: u^2, sin(u), sigmoid(u)")
        self.box_inner = ExpressionBox(placeholder="g(x), e.g. 2x + 3",
                                       tooltip="The inner function g, written in x: 2x + 3, x^2, 3x - 1")
        self.spin_x0 = QDoubleSpinBox()
        self.spin_x0.setRange(-1000.0, 1000.0)
        self.spin_x0.setDecimals(3)
        self.spin_x0.setSingleStep(0.1)
        self.spin_x0.setToolTip("The point x0 where the rates, the tangents and the graph's values are computed "
                                "(or drag the green line in a plot)")
        self.label_error = QLabel()
        self.label_error.setStyleSheet(f"color: {ERROR_COLOR};")
        self.label_error.setWordWrap(True)
        self.label_error.setVisible(False)
        self.steps = StepsPanel()
        self.rates = RatesPanel()
        self.chain_plots = ChainPlots()
        self.graph_panel = GraphPanel()

    def _build_layout(self) -> None:
        composite_page = QWidget()
        composite_layout = QHBoxLayout(composite_page)
        composite_layout.setContentsMargins(0, 0, 0, 0)
        composite_layout.addWidget(_top_label("y ="))
        composite_layout.addWidget(self.box_expression, 1)
        parts_page = QWidget()
        parts_layout = QHBoxLayout(parts_page)
        parts_layout.setContentsMargins(0, 0, 0, 0)
        parts_layout.addWidget(_top_label("f(u) ="))
        parts_layout.addWidget(self.box_outer, 1)
        parts_layout.addWidget(_top_label("g(x) ="))
        parts_layout.addWidget(self.box_inner, 1)
        self.stack_inputs = QStackedWidget()
        self.stack_inputs.addWidget(composite_page)
        self.stack_inputs.addWidget(parts_page)

        top = QHBoxLayout()
        top.addWidget(_top_label("Preset"))
        top.addWidget(self.combo_preset, 0, Qt.AlignmentFlag.AlignTop)
        top.addSpacing(8)
        top.addWidget(self.radio_mode_composite, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.radio_mode_parts, 0, Qt.AlignmentFlag.AlignTop)
        top.addSpacing(8)
        top.addWidget(self.stack_inputs, 1)
        top.addSpacing(8)
        top.addWidget(_top_label("x0"))
        top.addWidget(self.spin_x0, 0, Qt.AlignmentFlag.AlignTop)

        steps_box = QGroupBox("The chain, step by step")
        steps_layout = QVBoxLayout(steps_box)
        steps_layout.addWidget(self.steps)
        rates_box = QGroupBox("Rates at x0: they multiply")
        rates_layout = QVBoxLayout(rates_box)
        rates_layout.addWidget(self.rates)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(steps_box, 1)
        left_layout.addWidget(rates_box)
        # A long chain's check, rates table and nudge text can need more height than a small window has: the
        # column scrolls then, instead of Qt squeezing its parts on top of each other.
        self.scroll_left = QScrollArea()
        self.scroll_left.setWidget(left)
        self.scroll_left.setWidgetResizable(True)
        self.scroll_left.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll_left.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        # Left: the derivation and the numbers, full height. Right: the plots over the graph.
        self.splitter_right = QSplitter(Qt.Orientation.Vertical)
        self.splitter_right.addWidget(self.chain_plots)
        self.splitter_right.addWidget(self.graph_panel)
        self.splitter_right.setStretchFactor(0, 1)
        self.splitter_right.setStretchFactor(1, 1)
        self.splitter_right.setSizes([380, 440])
        self.splitter_main = QSplitter(Qt.Orientation.Horizontal)
        self.splitter_main.addWidget(self.scroll_left)
        self.splitter_main.addWidget(self.splitter_right)
        self.splitter_main.setStretchFactor(0, 2)
        self.splitter_main.setStretchFactor(1, 3)
        self.splitter_main.setSizes([560, 840])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.label_error)
        layout.addWidget(self.splitter_main, 1)

    def _connect(self) -> None:
        self.combo_preset.activated.connect(self._on_preset_activated)
        self.radio_mode_composite.toggled.connect(self._on_mode_toggled)
        self.box_expression.expression_changed.connect(self._on_expression_changed)
        self.box_outer.expression_changed.connect(self._on_outer_changed)
        self.box_inner.expression_changed.connect(self._on_inner_changed)
        self.spin_x0.valueChanged.connect(self._on_x0_changed)
        self.chain_plots.x0_dragged.connect(self._on_x0_dragged)
        self.chain_plots.outer.panel.range_changed.connect(self._on_view_range_changed)
        self.graph_panel.stepped.connect(self.status_message)

    # -- slots --------------------------------------------------------------------------------------------

    def _on_preset_activated(self, index: int) -> None:
        preset = self.combo_preset.preset_at(index)
        if preset is not None:
            self._on_preset_chosen(preset)

    def _on_preset_chosen(self, preset: Preset) -> None:
        self.set_state(preset.make_state())
        self.status_message.emit(preset.description)

    def _on_mode_toggled(self, checked: bool) -> None:
        mode = "composite" if checked else "parts"
        if mode != self._state.mode:
            self.combo_preset.setCurrentIndex(-1)   # the user's own function now, not the preset's
            self._state.mode = mode
            self.stack_inputs.setCurrentIndex(1 if mode == "parts" else 0)
            self._request()

    def _on_expression_changed(self, text: str, expr: object) -> None:
        self._set_text("expression", text, expr)

    def _on_outer_changed(self, text: str, expr: object) -> None:
        self._set_text("outer", text, expr)

    def _on_inner_changed(self, text: str, expr: object) -> None:
        self._set_text("inner", text, expr)

    def _on_x0_changed(self, x0: float) -> None:
        self._state.x0 = float(x0)
        self._show_x0()

    def _on_x0_dragged(self, x0: float) -> None:
        self.spin_x0.setValue(x0)   # rounds to the spin box's decimals, then _on_x0_changed moves everything

    def _on_view_range_changed(self, x_min: float, x_max: float, _y_min: float, _y_max: float) -> None:
        # Until a requested range is framed, the view shows an old one (or pyqtgraph's default).
        if x_min < x_max and not self._framing:
            self._state.x_range = (x_min, x_max)

    def _on_analysis(self, view: ChainView) -> None:
        """A ChainView from the worker (the analysis with its curves, numbers and graph already compiled), shown
        in three turns of the event loop: the plots now, then the graph and rates, then the steps. Each of those
        relayouts the tab and has pyqtgraph repaint both plots; done in one go, a 30-link chain held the event
        loop for 0.1-0.3 s. `analysis` changes in the last turn, when everything shows the new chain."""
        from calclab.engine.graph_steps import plain

        analysis, inner = view.analysis, view.inner
        x = analysis.variable
        self._show_error("")
        names = analysis.names
        if inner is not None:
            # Two links are written with the lesson's g (whatever f's argument is called); longer chains by level.
            lesson = any(step.label == "Inner function" for step in analysis.steps)
            middle = "g" if lesson else names[1]
            titles = (f"Inner {middle}({x.name}) = {plain(analysis.inner, 60)}",
                      f"Composite y = {plain(analysis.expression, 60)}")
            slope = f"{middle}'({x.name})" if lesson else f"d{middle}/d{x.name}"
            legend = (f"{middle}({x.name})", slope, "y", f"dy/d{x.name}")
        else:
            titles = ("No inner function (not a composite)", f"y = {plain(analysis.expression, 60)}")
            legend = ("—", "—", "y", f"dy/d{x.name}")
        # set_state's range, or (a typed expression) the user's view: the state holds the one to frame.
        self._framing = False
        self.clear_notice()
        self.chain_plots.set_functions(inner, view.outer, titles, legend, self._state.x_range, self._state.x0)
        self._staged, self._graph_shown = view, False
        QTimer.singleShot(STAGE_MS, self, self._show_staged)

    def _show_staged(self) -> None:
        """The later turns of _on_analysis: the graph and the rates, then the steps (each turn checks that no
        newer chain has replaced the staged one); `analysis` is the new one once all of it shows."""
        view = self._staged
        if view is None:
            return
        analysis = view.analysis
        if not self._graph_shown:
            self._graph_shown = True
            self.graph_panel.set_graph(view.graph, self._state.x0, view.graph_message)
            self.rates.show_numbers(view.numbers, self._state.x0, NO_CHAIN_NOTE if analysis.message else "")
            QTimer.singleShot(STAGE_MS, self, self._show_staged)
            return
        self._staged = None
        self.analysis, self.numbers = analysis, view.numbers
        self.steps.show_analysis(analysis)
        self._show_x0()
        asking = self.predict.asking()   # the check line states dy/dx: not while a Predict question is open
        self.status_message.emit(analysis.message or ("" if asking else analysis.check))

    def _on_analysis_error(self, failure: JobFailure) -> None:
        # Every kind (timeout, error, crashed) is said the same way, and the last good chain stays.
        self._show_error(failure.message)
        self.notice_job_failed(failure)

    # -- internals ----------------------------------------------------------------------------------------

    def _set_text(self, field: str, text: str, expr: object) -> None:
        """A box applied a good expression: its field of the state takes the text, then the chain is asked for."""
        if text != getattr(self._state, field):   # (Enter on the same text retries it: still the preset's)
            self.combo_preset.setCurrentIndex(-1)
        setattr(self._state, field, text)
        self._parsed[field] = (text, expr)
        self._request()

    def _expression(self, field: str) -> object | None:
        """The state's `field` parsed (what its box parsed, when the texts agree); None if it does not parse."""
        from calclab.engine.parsing import ExpressionError, parse

        text = getattr(self._state, field)
        cached = self._parsed.get(field)
        if cached is None or cached[0] != text:
            try:
                cached = (text, parse(text))
            except ExpressionError:   # its box shows why
                return None
            self._parsed[field] = cached
        return cached[1]

    def _request(self) -> None:
        """Send the state's inputs to the worker, if they parse; otherwise keep what is shown."""
        from calclab.engine.jobs import chain_rule as jobs

        self._show_error("")   # a new input: what was said about the last one no longer applies
        if self._state.mode == "parts":
            outer, inner = self._expression("outer"), self._expression("inner")
            if outer is None or inner is None:
                return
            if len(inner.free_symbols) != 1:
                self._refuse("the inner function g must be a function of one variable, e.g. 2x + 3")
                return
            job, args = jobs.parts_view, (outer, inner, "u")
        else:
            expr = self._expression("expression")
            if expr is None:
                return
            if len(expr.free_symbols) != 1:
                found = ", ".join(sorted(s.name for s in expr.free_symbols)) or "none"
                self._refuse(f"the chain rule here needs a function of one variable (found: {found})")
                return
            job, args = jobs.composite_view, (expr,)
        self.submit(JOB, job, *args, on_done=self._on_analysis, on_error=self._on_analysis_error)
        self.notice_job_out(has_result=self.analysis is not None or self._staged is not None)

    def _refuse(self, message: str) -> None:
        """Say why the input cannot be used, and drop any job still out: its chain arriving after this message
        would clear it and show a function the boxes no longer hold (issue 10)."""
        self.cancel(JOB)
        self._staged = None
        self._show_error(message)
        if self.analysis is None:   # nothing to show: the plots say why (Retry would not help)
            self.show_notice(message)

    def _show_x0(self) -> None:
        """Everything numeric at the current x0: plot markers, the rates table, the graph's passes."""
        x0 = self._state.x0
        self.chain_plots.set_x0(x0)
        if self.analysis is not None:
            self.rates.show_numbers(self.numbers, x0, NO_CHAIN_NOTE if self.analysis.message else "")
        self.graph_panel.set_x0(x0)

    def _show_error(self, message: str) -> None:
        self.label_error.setText(message)
        self.label_error.setVisible(bool(message))
        if message:
            self.say_failure(JOB, message)   # cleared by the next chain asked for or shown
        else:
            self.clear_failure(JOB)

    def export_caption(self) -> str:
        """The composite (or f(u) and g(x)) and the point x0 (issue 15)."""
        s = self._state
        f = f"f = {s.expression}" if s.mode == "composite" else f"f(u) = {s.outer}, g(x) = {s.inner}"
        return f"{self.title}: {f} · x₀ = {format_number(s.x0)}"


def _top_label(text: str) -> QLabel:
    """A caption aligned with the first line of an ExpressionBox (which reserves room for errors below)."""
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
    label.setContentsMargins(0, 4, 0, 0)
    return label
