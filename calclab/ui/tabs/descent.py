"""The Descent tab: gradient descent one iteration at a time, run and paused, optimizers compared.

Data flows one way: the input panel edits a DescentState; a new expression goes to the worker for its
gradient and Hessian (`descent_symbolic.prepare`), is lambdified here, and becomes one engine `Descent` per
optimizer; each Step advances them all and updates the plots, the table and the labels in place.
Changing an input resets the runs, except the learning rate, which applies from the next step.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QScrollArea,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from calclab.engine.descent import Descent
from calclab.state.descent import DEFAULT_PRESET, PRESETS, DescentState
from calclab.ui.tabs.base import TabBase
from calclab.ui.tabs.descent_controls import ControlBar, LiveLabel, TablePanel
from calclab.ui.tabs.descent_inputs import DescentInputs
from calclab.ui.tabs.descent_plots import FunctionView, LossView
from calclab.ui.tabs.descent_symbolic import Compiled, Prepared, build_runs, compile_prepared, prepare
from calclab.ui.tabs.descent_table import IterationTableModel
from calclab.ui.tabs.descent_text import ERROR_COLOR, bound_html, internals_html, lesson_lines, update_html


class DescentTab(TabBase):
    """Step, run, pause and reset gradient descent on f(x) or f(x, y); compare optimizers; catch divergence."""

    name = "descent"
    title = "Descent"

    def __init__(self, worker, parent: QWidget | None = None) -> None:
        super().__init__(worker, parent)
        # One job key per tab, dropped when the tab goes: a late result must never reach a deleted tab.
        self._job_key = f"descent.prepare.{id(self)}"
        job_key = self._job_key
        self.destroyed.connect(lambda *_: worker.cancel(job_key))
        self._state = DEFAULT_PRESET.make_state()
        self.compiled: Compiled | None = None
        self.runs: list[tuple[str, Descent]] = []
        self._pending = False                       # a new expression is being prepared in the worker
        self._pending_ranges: tuple | None = None   # the window a preset or session asked for
        self._start_hessian: np.ndarray | None = None

        self.inputs = DescentInputs(self._state)
        scroll = QScrollArea()
        scroll.setWidget(self.inputs)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)   # a click on the panel must not take Space's focus
        self.scroll_inputs = scroll
        self._fit_inputs_width()

        self.controls = ControlBar()
        self.button_step, self.button_run = self.controls.button_step, self.controls.button_run
        self.button_reset, self.slider_speed = self.controls.button_reset, self.controls.slider_speed
        self.label_epoch = self.controls.label_epoch
        self.label_update = LiveLabel(lines=3, scale=1.1)
        self.label_internals = LiveLabel(lines=1, color="#6A1B9A")

        self.function_view = FunctionView()
        self.loss_view = LossView()
        self.table_model = IterationTableModel(self)
        self.table_panel = TablePanel(self.table_model)
        self.table_view, self.button_copy = self.table_panel.table_view, self.table_panel.button_copy
        self.combo_table_run = self.table_panel.combo_table_run

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.function_view)
        top.addWidget(self.loss_view)
        top.setStretchFactor(0, 2)
        top.setStretchFactor(1, 1)
        top.setSizes([720, 360])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.table_panel)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([540, 250])
        right = QVBoxLayout()
        right.addWidget(self.controls)
        right.addWidget(self.label_update)
        right.addWidget(self.label_internals)
        right.addWidget(split, 1)
        layout = QHBoxLayout(self)
        layout.addWidget(scroll)
        layout.addLayout(right, 1)

        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._on_timer)
        self.shortcut_step = self._shortcut(QKeySequence(Qt.Key.Key_Space), self._on_space)
        # Buttons, boxes and sliders take focus from the keyboard only (Tab), not from a click: after clicking
        # "Compare" the next Space still steps, and a control that does have focus was reached on purpose.
        for widget in self.findChildren(QAbstractButton) + self.findChildren(QComboBox) + \
                self.findChildren(QSlider):
            widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.shortcut_run = self._shortcut(QKeySequence("Ctrl+R"), self._on_run_clicked)
        self.shortcut_reset = self._shortcut(QKeySequence("Ctrl+Shift+R"), self._on_reset_clicked)

        self.button_step.clicked.connect(self._on_step_clicked)
        self.button_run.clicked.connect(self._on_run_clicked)
        self.button_reset.clicked.connect(self._on_reset_clicked)
        self.button_copy.clicked.connect(self._on_copy_clicked)
        self.combo_table_run.currentTextChanged.connect(self._on_table_run_changed)
        self.slider_speed.valueChanged.connect(self._on_speed_changed)
        self.inputs.expression_changed.connect(self._on_expression_changed)
        self.inputs.preset_chosen.connect(self.apply_preset)
        self.inputs.start_changed.connect(self._on_start_changed)
        self.inputs.learning_rate_changed.connect(self._on_learning_rate_changed)
        self.inputs.compare_learning_rate_changed.connect(self._on_compare_learning_rate_changed)
        self.inputs.settings_changed.connect(self._on_settings_changed)
        self.inputs.show_internals_changed.connect(self._on_show_internals_changed)
        self.function_view.point_clicked.connect(self._on_point_clicked)
        self.loss_view.check_log.toggled.connect(self._on_log_toggled)
        self.apply_preset(0)
        self.button_step.setFocus()   # so the first Space steps (the expression box would take it as text)

    def _fit_inputs_width(self) -> None:
        """Size the input column to its widest content (with every optional row shown), never clipping it."""
        scroll = self.scroll_inputs
        scroll.setFixedWidth(max(300, self.inputs.widest_width()) + scroll.verticalScrollBar().sizeHint().width()
                             + 2 * scroll.frameWidth() + 4)

    def _shortcut(self, keys: QKeySequence, slot) -> QShortcut:
        """A key that acts only while focus is inside this tab (a text field keeps its own keys, like Space)."""
        shortcut = QShortcut(keys, self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)
        return shortcut

    # -- public API -------------------------------------------------------------------------------------

    @property
    def state(self) -> DescentState:
        """The current inputs (a copy), including the visible window and display options."""
        state = self.inputs.read_state(replace(self._state))
        state.speed = self.controls.speed()
        state.log_loss = self.loss_view.check_log.isChecked()
        if self.compiled is not None:
            x_lo, x_hi, y_lo, y_hi = self.function_view.view_range()
            state.x_range = (x_lo, x_hi)
            state.y_range = (y_lo, y_hi) if self.compiled.dimension == 2 else None
        return state

    def set_state(self, state: DescentState) -> None:
        """Show `state`: controls first, then one preparation of its function (which resets the runs)."""
        self.pause()
        self._state = replace(state, start=list(state.start), compare_optimizers=list(state.compare_optimizers))
        self.inputs.set_state(self._state)
        self.inputs.set_preset_index(-1)
        self.controls.set_speed(state.speed)
        self.loss_view.set_log(state.log_loss)
        self._pending_ranges = (state.x_range, state.y_range)
        expr = self.inputs.expression.expression()
        if expr is None:
            self._show_error(self.inputs.expression.error() or "type a function of x (and y)")
            return
        self._on_expression_changed(self._state.expression, expr)

    def apply_preset(self, index: int) -> None:
        """Load PRESETS[index] (0 is the lesson's example)."""
        self.set_state(PRESETS[index].make_state())
        self.inputs.set_preset_index(index)

    def is_ready(self) -> bool:
        """True once the function is prepared and the runs exist (tests wait for this)."""
        return not self._pending and bool(self.runs)

    def is_preparing(self) -> bool:
        """True while a new function's gradient and Hessian are computed in the worker."""
        return self._pending

    def primary(self) -> Descent | None:
        return self.runs[0][1] if self.runs else None

    def step(self) -> bool:
        """One update of every unfinished run, then the views; False if nothing could step."""
        if self._pending or not self.runs:
            return False
        moved, ended = False, []
        for name, run in self.runs:
            if run.step() is not None:
                moved = True
                if run.finished:
                    ended.append(run.message if len(self.runs) == 1 else f"{name}: {run.message}")
        if moved:
            self._refresh()
        for message in ended:          # the window's status bar hears once, when a run ends
            self.status_message.emit(message)
        if all(run.finished for _n, run in self.runs):
            self.pause()
        return moved

    def reset(self) -> None:
        """Every run back to the start point, with the current learning rate."""
        for _name, run in self.runs:
            run.reset()
        self.table_model.set_run(self._table_run(), self._names(), self.inputs.check_show_internals.isChecked())
        self._refresh()

    def run(self) -> None:
        """Start the animation (from the start again if every run has finished)."""
        if self._pending or not self.runs:
            return
        if all(run.finished for _n, run in self.runs):
            self.reset()
        self.timer.start(round(1000 / self.controls.speed()))
        self.controls.set_running(True)

    def pause(self) -> None:
        self.timer.stop()
        self.controls.set_running(False)

    def is_running(self) -> bool:
        return self.timer.isActive()

    def copy_text(self) -> str:
        """The table's run in the lesson's format (what `calclab descent` prints)."""
        run = self._table_run()
        return "\n".join(lesson_lines(run, self._names())) if run is not None else ""

    def main_plot(self):
        return self.function_view.main_plot()

    def plots(self) -> list:
        return [self.function_view.main_plot(), self.loss_view.main_plot()]

    # -- building runs ----------------------------------------------------------------------------------

    def _on_expression_changed(self, text: str, expr: object) -> None:
        from calclab.engine.calculus import variables_of

        self.pause()
        count = len(variables_of(expr))
        if not 1 <= count <= 2:
            # A function still being prepared would otherwise arrive after this message and be run silently
            # while the box shows the refused one.
            self.worker.cancel(self._job_key)
            self._pending = False
            self._show_error(f"descent here needs a function of one or two variables; {text!r} has {count}")
            return
        self._pending = True
        self._update_buttons()
        self.worker.submit(self._job_key, prepare, expr, on_done=self._on_prepared,
                           on_error=self._on_prepare_error)

    def _on_prepared(self, prepared: Prepared) -> None:
        self._pending = False
        compiled = compile_prepared(prepared)   # wraps the functions the worker compiled: nothing slow here
        if self._pending_ranges is not None:   # a preset or session: its start point comes with it
            values = dict(zip(compiled.names, self._state.start, strict=False))
        else:                                   # a new f typed in: variables that stay keep their start
            values = {name: spin.value() for name, spin in self.inputs.start_spins.items()}
        self.compiled = compiled
        self.inputs.set_variables(compiled.names, values)
        self._fit_inputs_width()
        x_range, y_range = self._pending_ranges or (None, None)
        self._pending_ranges = None
        start = [spin.value() for spin in self.inputs.start_spins.values()]
        if x_range is None or (compiled.dimension == 2 and y_range is None):
            half = max(3.0, 1.25 * max(abs(v) for v in start))
            x_range = y_range = (-half, half)
        self.function_view.set_function(compiled, x_range, y_range, start)
        self._rebuild_runs()

    def _on_prepare_error(self, message: str) -> None:
        self._pending = False
        self._show_error(message)
        self._update_buttons()

    def _rebuild_runs(self) -> None:
        """New Descent objects from the current inputs (a reset); an invalid start shows its message."""
        self.pause()
        if self.compiled is None:
            return
        state = self.inputs.read_state(replace(self._state))
        self._state = state
        start = [spin.value() for spin in self.inputs.start_spins.values()]
        try:
            runs = build_runs(self.compiled, state, start)
        except ValueError as exc:
            self.runs = []
            self._show_error(str(exc))
            self.table_model.set_run(None, self.compiled.names)
            self._update_buttons()
            return
        self.runs = runs
        self._start_hessian = self.compiled.hessian_near(np.asarray(start, dtype=float))
        self.table_panel.set_run_names([name for name, _run in runs])
        show = state.show_internals
        self.table_model.set_run(self._table_run(), self._names(), show)
        self.function_view.set_runs(runs, show)
        self.loss_view.set_runs(runs)
        self._update_bound()
        self._refresh()

    # -- refreshing the views -----------------------------------------------------------------------------

    def _refresh(self) -> None:
        """Everything a step changes: table rows, paths, loss curves, labels."""
        self.table_model.sync()
        self.function_view.update_runs()
        self.loss_view.update_runs()
        run = self.primary()
        if run is None:
            return
        names = self._names()
        self.label_epoch.setText(f"Epoch {run.epoch} / {run.epochs}")
        self.label_update.setText(update_html(run, names))
        if self.inputs.check_show_internals.isChecked():
            self.label_internals.setText(internals_html(run))
        if len(self.runs) > 1:
            finished = [f"{n}: {r.message}" for n, r in self.runs[1:] if r.finished]
            if finished:
                self.label_update.setText(self.label_update.text() + "<br><small>" + "; ".join(finished)
                                          + "</small>")
        self._update_buttons()

    def _update_bound(self) -> None:
        if self.compiled is None:
            return
        state = self._state
        text = bound_html(self._start_hessian, self.compiled.prepared.constant_hessian is not None,
                          state.optimizer, state.momentum, self.inputs.spin_learning_rate.value())
        self.inputs.label_bound.setText(text)

    def _update_buttons(self) -> None:
        ready = self.is_ready()
        can_step = ready and not all(run.finished for _n, run in self.runs)
        self.button_step.setEnabled(can_step)
        self.button_run.setEnabled(ready)
        self.button_reset.setEnabled(ready)
        self.button_copy.setEnabled(ready)
        self.label_internals.setVisible(self.inputs.check_show_internals.isChecked() and ready)

    def _show_error(self, message: str) -> None:
        self.pause()
        self.label_update.setText(f"<span style='color:{ERROR_COLOR}'><b>{message}</b></span>")
        self.status_message.emit(message)
        self._update_buttons()

    def _names(self) -> list[str]:
        return self.compiled.names if self.compiled is not None else ["x"]

    def _table_run(self) -> Descent | None:
        return dict(self.runs).get(self.combo_table_run.currentText()) or self.primary()

    # -- slots --------------------------------------------------------------------------------------------

    def _on_space(self) -> None:
        """Space steps; but a button, box or list reached with Tab gets its usual Space (click, open)."""
        focus = QApplication.focusWidget()
        if isinstance(focus, QAbstractButton) and focus is not self.button_step:
            focus.animateClick()
        elif isinstance(focus, QComboBox):
            focus.showPopup()
        else:
            self._on_step_clicked()

    def _on_step_clicked(self) -> None:
        self.pause()
        self.step()

    def _on_run_clicked(self) -> None:
        if self.is_running():
            self.pause()
        else:
            self.run()

    def _on_reset_clicked(self) -> None:
        self.pause()
        self.reset()

    def _on_timer(self) -> None:
        if not self.step():
            self.pause()

    def _on_start_changed(self) -> None:
        self._rebuild_runs()

    def _on_settings_changed(self) -> None:
        self._rebuild_runs()

    def _on_learning_rate_changed(self, value: float) -> None:
        self._state.learning_rate = value
        self._apply_learning_rates()

    def _on_compare_learning_rate_changed(self, name: str, value: float) -> None:
        self._state.compare_lrs[name] = value
        self._apply_learning_rates()

    def _apply_learning_rates(self) -> None:
        """A learning rate changed: it applies from the next step (the runs keep their history)."""
        for name, run in self.runs:
            run.lr = self._state.lr_for(name)   # compared optimizers with their own η keep it
        self.function_view.relabel()
        self.loss_view.relabel()
        self._update_bound()
        if self.runs:
            self._refresh()

    def _on_show_internals_changed(self, on: bool) -> None:
        self._state.show_internals = on
        self.table_model.set_run(self._table_run(), self._names(), on)
        self.function_view.set_runs(self.runs, on)
        self._refresh()

    def _on_table_run_changed(self, _name: str) -> None:
        self.table_model.set_run(self._table_run(), self._names(), self.inputs.check_show_internals.isChecked())

    def _on_point_clicked(self, x: float, y: float) -> None:
        """A click on the plot moves the start point there (rounded to what the view can resolve)."""
        if self.compiled is None or self._pending:
            return
        x_lo, x_hi, y_lo, y_hi = self.function_view.view_range()
        coords = (x, y)[: self.compiled.dimension]
        spans = (x_hi - x_lo, y_hi - y_lo)
        for name, value, span in zip(self.compiled.names, coords, spans, strict=False):
            decimals = max(0, 2 - math.floor(math.log10(max(span, 1e-12))))
            self.inputs.set_start_value(name, round(value, decimals))
        self._rebuild_runs()

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.copy_text())
        self.status_message.emit("Copied the epochs in the lesson's format")

    def _on_log_toggled(self, on: bool) -> None:
        self._state.log_loss = on

    def _on_speed_changed(self, _position: int) -> None:
        if self.is_running():
            self.timer.setInterval(round(1000 / self.controls.speed()))
