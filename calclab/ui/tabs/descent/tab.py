"""The Descent tab: gradient descent one iteration at a time, run and paused, optimizers compared.

Data flows one way: each control's slot writes its field of the tab's DescentState; a new expression goes to
the worker for its gradient and Hessian (`calclab.engine.jobs.descent.prepare`), is wrapped here, and becomes
one engine `Descent` per optimizer; each Step advances them all and updates the plots, the table and the labels
in place. Changing an input resets the runs, except the learning rate, which applies from the next step.
With Preview on (preview.py) every change computes the runs to their end at once and redraws them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from calclab.engine.calculus import variables_of
from calclab.engine.descent import Descent
from calclab.engine.jobs.descent import Compiled, Prepared, build_runs, compile_prepared, prepare
from calclab.state import Preset
from calclab.state.descent import DEFAULT_PRESET, DescentState
from calclab.ui.signals import signals_blocked
from calclab.ui.tabs.base import Animation, TabBase, Table
from calclab.ui.tabs.descent.controls import ControlBar, LiveLabel, TablePanel, arrange, bind_keys
from calclab.ui.tabs.descent.export import epoch_animation, export_caption, iteration_table
from calclab.ui.tabs.descent.inputs import DescentInputs, InputsScroll
from calclab.ui.tabs.descent.plots import FunctionView, LossView
from calclab.ui.tabs.descent.preview import Preview, show_side_plots
from calclab.ui.tabs.descent.side_plots import SidePlots
from calclab.ui.tabs.descent.surface import DescentSurface
from calclab.ui.tabs.descent.table import IterationTableModel
from calclab.ui.tabs.descent.text import ERROR_COLOR, bound_html, internals_html, lesson_lines, update_html
from calclab.ui.worker import JobFailure

PROGRESS_EVERY = 500   # steps between progress reports when playing a run to its end (an export)


class DescentTab(TabBase):
    """Step, run, pause and reset gradient descent on f(x) or f(x, y); compare optimizers; catch divergence."""

    name = "descent"
    table_label = "iterations"

    def __init__(self, worker, parent: QWidget | None = None) -> None:
        super().__init__(worker, parent)
        self._state = DEFAULT_PRESET.make_state()
        self.compiled: Compiled | None = None
        self.runs: list[tuple[str, Descent]] = []
        self._pending_ranges: tuple | None = None   # the window a preset or session asked for, until prepared
        self._start_hessian: np.ndarray | None = None
        self._prepare_failed = False                # the last preparation failed: the next input retries it
        self._error_shown = False                   # label_update says what went wrong (a new input clears it)

        self.inputs = DescentInputs(self._state)
        self.scroll_inputs = InputsScroll(self.inputs)
        self.controls = ControlBar()
        self.button_step, self.button_run = self.controls.button_step, self.controls.button_run
        self.button_reset, self.slider_speed = self.controls.button_reset, self.controls.slider_speed
        self.label_epoch = self.controls.label_epoch
        self.label_update = LiveLabel(lines=3, scale=1.1)
        self.label_internals = LiveLabel(lines=1, color="#6A1B9A")

        self.function_view = FunctionView()
        self.loss_view = LossView()
        self.side_plots = SidePlots()
        self.lr_view, self.rate_view = self.side_plots.lr_view, self.side_plots.rate_view
        self.surface = DescentSurface(self.function_view)   # the 3D view, toggled with the contour map
        self.table_model = IterationTableModel(self)
        self.table_panel = TablePanel(self.table_model)
        self.table_view, self.button_copy = self.table_panel.table_view, self.table_panel.button_copy
        self.combo_table_run = self.table_panel.combo_table_run

        arrange(self, self.scroll_inputs, [self.controls, self.label_update, self.label_internals],
                self.function_view, self.loss_view, self.table_panel, self.side_plots)
        self.check_preview = self.function_view.check_preview
        self.preview = Preview(self)

        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._on_timer)
        bind_keys(self, self.controls)
        self.button_copy.clicked.connect(self._on_copy_clicked)
        self.combo_table_run.currentTextChanged.connect(self._on_table_run_changed)
        self.controls.speed_changed.connect(self._on_speed_changed)
        self.inputs.expression_changed.connect(self._on_expression_changed)
        self.inputs.preset_chosen.connect(self.apply_preset)
        self.inputs.start_changed.connect(self._on_start_changed)
        self.inputs.learning_rate_changed.connect(self._on_learning_rate_changed)
        self.inputs.compare_learning_rate_changed.connect(self._on_compare_learning_rate_changed)
        self.inputs.settings_changed.connect(self._on_settings_changed)
        self.inputs.show_internals_changed.connect(self._on_show_internals_changed)
        self.function_view.point_clicked.connect(lambda x, y: self._on_start_dragged(x, y, True))   # start there
        self.function_view.start_dragged.connect(self._on_start_dragged)
        self.function_view.range_changed.connect(self._on_range_changed)
        self.loss_view.log_changed.connect(self._on_log_loss_changed)
        self.surface.toggled.connect(lambda on: setattr(self._state, "surface", on))
        self.apply_preset(DEFAULT_PRESET)
        from calclab.ui.tabs.descent.predict import install_predict

        self.predict = install_predict(self)   # Predict, then check (Learn mode)
        self.button_step.setFocus()   # so the first Space steps (the expression box would take it as text)

    # -- public API -------------------------------------------------------------------------------------

    @property
    def state(self) -> DescentState:
        """The current inputs (a copy), including the visible window and display options."""
        return copy.deepcopy(self._state)

    def set_state(self, state: DescentState) -> None:
        """Show `state`: controls first, then one preparation of its function (which resets the runs)."""
        self.pause()
        self._state = state.within_limits()   # a copy, as the controls will show it
        with signals_blocked(self.inputs, self.controls, self.loss_view):
            self.inputs.show_state(self._state)
            self.inputs.show_preset(None)
            self.controls.set_speed(self._state.speed)
            self.loss_view.set_log(self._state.log_loss)
        self.surface.set_shown(self._state.surface)
        self._pending_ranges = (state.x_range, state.y_range)
        self.retry()

    def apply_preset(self, preset: Preset) -> None:
        """Load one of the worked examples (PRESETS[0] is the lesson's) and show which one it is."""
        self.set_state(preset.make_state())
        self.inputs.show_preset(preset)

    def is_ready(self) -> bool:
        """True once the function is prepared and the runs exist (tests wait for this)."""
        return not self.is_busy() and bool(self.runs)

    def is_preparing(self) -> bool:
        """True while a new function's gradient and Hessian are computed in the worker (its only job)."""
        return self.is_busy()

    def primary(self) -> Descent | None:
        return self.runs[0][1] if self.runs else None

    def step(self, redraw: bool = True) -> bool:
        """One update of every unfinished run, then the views (unless not `redraw`); False if nothing could step."""
        if self.is_busy() or not self.runs:
            return False
        moved, ended = False, []
        for name, run in self.runs:
            if run.step() is not None:
                moved = True
                if run.finished:
                    ended.append(run.message if len(self.runs) == 1 else f"{name}: {run.message}")
        if moved and redraw:
            self._refresh()
        for message in ended:          # the window's status bar hears once, when a run ends (until a reset)
            self.say_failure("run", message)
        if all(run.finished for _n, run in self.runs):
            self.pause()
        return moved

    def reset(self) -> None:
        """Every run back to the start point, with the current learning rate."""
        self.clear_failure("run")
        for _name, run in self.runs:
            run.reset()
        self.table_model.set_run(self._table_run(), self._names(), self._state.show_internals)
        self._refresh()

    def run(self) -> None:
        """Start the animation (from the start again if every run has finished); not in preview."""
        if self.is_busy() or not self.runs or self.preview.on:
            return
        if all(run.finished for _n, run in self.runs):
            self.reset()
        self.timer.start(round(1000 / self._state.speed))
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

    def view_plot(self, view: str):
        """The contour map, or the 3D surface (shown for the export)."""
        if view == "surface":
            return self.surface.export_widget()
        return super().view_plot(view)

    def plots(self) -> list:
        return [self.function_view.main_plot(), self.loss_view.main_plot()]

    def export_animation(self) -> Animation:
        """Every epoch from the start up to where the runs are now (the whole run if none was made yet)."""
        return epoch_animation(self)

    def export_table(self) -> Table:
        """The iteration table of the run it shows, every digit."""
        return iteration_table(self.table_model)

    def play_to_end(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Step every run to its last epoch (or to where it stops), then draw once."""
        total = max((run.epochs for _name, run in self.runs), default=0)
        steps = 0
        while self.step(redraw=False):
            steps += 1
            if progress is not None and steps % PROGRESS_EVERY == 0:
                progress(max(run.epoch for _name, run in self.runs), total)
        self.redraw()

    def redraw(self) -> None:
        """Bring every view up to the runs' current epoch (after steps taken without drawing)."""
        self._refresh()

    # -- building runs ----------------------------------------------------------------------------------

    def retry(self) -> None:
        """Prepare the state's function (set_state; after a failure: Retry, Enter or any input change)."""
        box = self.inputs.expression
        if box.expression() is None:
            self._show_error(box.error() or "type a function of x (and y)")
        else:
            self._prepare(self._state.expression, box.expression())

    def _prepare(self, text: str, expr: object) -> None:
        """Send f to the worker for its gradient and Hessian, or refuse it here if descent cannot use it."""
        self.pause()
        for key in ("run", "input"):   # a new input: the last run's ending and the last refusal no longer apply
            self.clear_failure(key)
        names = [v.name for v in variables_of(expr)]
        if not 1 <= len(names) <= 2:
            # A function still being prepared would otherwise arrive after this message and be run silently
            # while the box shows the refused one.
            self.cancel("prepare")
            self._show_error(f"descent here needs a function of one or two variables; {text!r} has {len(names)}")
            return
        if self._error_shown:          # the last error no longer applies
            self.label_update.setText("")
        self._prepare_failed = False
        if self.compiled is None:      # nothing prepared yet: the start boxes already show f's variables
            self.inputs.set_variables(names, dict(zip(names, self._state.start, strict=False)))
        self.submit("prepare", prepare, expr, on_done=self._on_prepared, on_error=self._on_prepare_error)
        self.notice_job_out(has_result=self.compiled is not None)
        self._update_buttons()

    def _on_prepared(self, prepared: Prepared) -> None:
        compiled = compile_prepared(prepared)   # wraps the functions the worker compiled: nothing slow here
        self.clear_notice()
        if self._pending_ranges is None:        # a new f typed in: variables that stay keep their start
            self._state.start = self._start_for(compiled.names)
        # (a preset or session: its start point came with it)
        self.compiled = compiled
        start = self._state.start = self._start_for(compiled.names)
        self.inputs.set_variables(compiled.names, dict(zip(compiled.names, start, strict=True)))
        self.scroll_inputs.fit_width()
        x_range, y_range = self._pending_ranges or (None, None)
        self._pending_ranges = None
        self.function_view.set_function(compiled, x_range, y_range, start)
        self.surface.set_function(compiled)
        self._rebuild_runs()

    def _on_prepare_error(self, failure: JobFailure) -> None:
        self._prepare_failed = True
        self._show_error(failure.message, "prepare")   # too slow, refused by SymPy or the worker lost: it says which
        self.notice_job_failed(failure, self.retry)

    def _start_for(self, names: list[str]) -> list[float]:
        """The start point over `names`, from the state's start over the variables so far (1 for a new one)."""
        known = dict(zip(self._names(), self._state.start, strict=False))
        return [float(known.get(name, 1.0)) for name in names]

    def _rebuild_runs(self, quick: bool = False) -> None:
        """New Descent objects from the state (a reset); an invalid start shows its message. `quick` (a preview's
        start point dragged): the same optimizers, so the legends stay and the table follows when the drag rests."""
        self.pause()
        if self._prepare_failed:   # the function is not (or not newly) prepared: any input change retries
            self.retry()
            return
        if self.compiled is None:
            return
        names = self.compiled.names
        start = self._state.start = self._start_for(names)
        self.inputs.set_variables(names, dict(zip(names, start, strict=True)))   # the boxes show what runs
        try:
            runs = build_runs(self.compiled, self._state, start)
        except ValueError as exc:
            self.runs = []
            self.table_model.set_run(None, names)
            self._show_error(str(exc))   # (buttons disabled: no runs)
            return
        quick = quick and [n for n, _r in runs] == [n for n, _r in self.runs]
        self.runs = runs
        self.preview.play(runs)        # in preview, the whole path at once
        for key in ("run", "input"):   # new runs: the last one's ending and the last refusal no longer apply
            self.clear_failure(key)
        self._start_hessian = self.compiled.hessian_near(np.asarray(start, dtype=float))
        show = self._state.show_internals
        if quick:
            self.preview.rest_timer.start()
            self.lr_view.set_runs(runs)
        else:
            self.table_panel.set_run_names([name for name, _run in runs])
            self.table_model.set_run(self._table_run(), self._names(), show)
            show_side_plots(self)
        self.function_view.set_runs(runs, show, quick)
        self.loss_view.set_runs(runs, quick)
        self.surface.set_runs(runs)
        self._update_bound()
        self._refresh()

    # -- refreshing the views -----------------------------------------------------------------------------

    def _refresh(self) -> None:
        """Everything a step changes: table rows, paths, loss curves, labels."""
        self.table_model.sync()
        self.function_view.update_runs()
        self.loss_view.update_runs()
        self.lr_view.update_runs()
        self.surface.update_runs()
        run = self.primary()
        if run is None:
            return
        if run.schedule is not None and run.optimizer != "newton":
            self.rate_view.set_learning_rate(run.next_lr)   # with a schedule, the η the next update uses
        names = self._names()
        self.label_epoch.setText(f"Epoch {run.epoch} / {run.epochs}")
        self._error_shown = False
        self.label_update.setText(update_html(run, names, self.runs[1:]))
        if self._state.show_internals:
            self.label_internals.setText(internals_html(run))
        self._update_buttons()

    def _update_bound(self) -> None:
        if self.compiled is not None:
            state, constant = self._state, self.compiled.prepared.constant_hessian is not None
            self.inputs.label_bound.setText(bound_html(self._start_hessian, constant, state.optimizer,
                                                       state.momentum, state.learning_rate))

    def _update_buttons(self) -> None:
        ready = self.is_ready()
        stepping = ready and not self.preview.on   # preview draws every epoch: nothing to step
        self.controls.set_ready(stepping, stepping and not all(run.finished for _n, run in self.runs))
        self.button_copy.setEnabled(ready)
        self.label_internals.setVisible(self._state.show_internals and ready)

    def _show_error(self, message: str, key: str = "input") -> None:
        """Say what went wrong over the plots' labels and in the status bar, until the next good input."""
        self.pause()
        self._error_shown = True
        self.label_update.setText(f"<span style='color:{ERROR_COLOR}'><b>{message}</b></span>")
        self.say_failure(key, message)
        if self.compiled is None and key != "prepare":   # nothing to show: the plots say why (Retry won't help)
            self.show_notice(message)
        self._update_buttons()

    def _names(self) -> list[str]:
        return self.compiled.names if self.compiled is not None else list(self.inputs.start_spins) or ["x"]

    def _table_run(self) -> Descent | None:
        return dict(self.runs).get(self.combo_table_run.currentText()) or self.primary()

    # -- slots --------------------------------------------------------------------------------------------

    def _on_timer(self) -> None:
        if not self.step():
            self.pause()

    def _on_expression_changed(self, text: str, expr: object) -> None:
        self._state.expression = text
        self._prepare(text, expr)

    def _on_start_changed(self, name: str, value: float) -> None:
        names = self._names()
        self._state.start = [value if n == name else v for n, v in zip(names, self._start_for(names), strict=True)]
        self._rebuild_runs()

    def _on_settings_changed(self, changes: dict[str, object]) -> None:
        """Optimizer, hyperparameters, epochs, tolerance or the compare set changed: the runs start again."""
        for field, value in changes.items():
            setattr(self._state, field, value)
        if changes.keys() & {"optimizer", "compare", "compare_optimizers", "schedule"}:
            self.inputs.show_rows(self._state)
        self._rebuild_runs()

    def _on_learning_rate_changed(self, value: float) -> None:
        self._state.learning_rate = value
        self._apply_learning_rates()

    def _on_compare_learning_rate_changed(self, name: str, value: float) -> None:
        self._state.compare_lrs[name] = value
        self._apply_learning_rates()

    def _apply_learning_rates(self) -> None:
        """A learning rate changed: it applies from the next step (the runs keep their history); in preview the
        paths are computed again from the start (once per event-loop pass while a slider moves)."""
        if self._prepare_failed:
            self.retry()
            return
        self.rate_view.set_learning_rate(self._state.learning_rate)
        if self.preview.on:
            self.preview.request(rebuild=False)
            return
        self._show_learning_rates()

    def _show_learning_rates(self, quick: bool = False) -> None:
        """The runs' new rates on screen; `quick` (a preview while a slider moves) leaves the legends' labels and
        their placement until the slider rests."""
        for name, run in self.runs:
            run.lr = self._state.lr_for(name)   # compared optimizers with their own η keep it
        if not quick:
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
        self.table_model.set_run(self._table_run(), self._names(), self._state.show_internals)

    def _on_start_dragged(self, x: float, y: float, finished: bool) -> None:
        """The start marker dragged, or a click on the plot: the start follows (in 1-D along x); the runs are
        rebuilt once per event-loop pass, and at the release."""
        if self.compiled is not None and not self.is_busy():
            self.inputs.show_preset(None)
            self._state.start = [x, y][: self.compiled.dimension]
            self.preview.request(rebuild=True)
            if finished:
                self.preview.flush()

    def _on_range_changed(self, x_lo: float, x_hi: float, y_lo: float, y_hi: float) -> None:
        """Pan, zoom or a new window: the state keeps what is visible (not while a preset's window is pending)."""
        if self.compiled is None or self._pending_ranges is not None:
            return
        self._state.x_range = (x_lo, x_hi)
        self._state.y_range = (y_lo, y_hi) if self.compiled.dimension == 2 else None

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.copy_text())
        self.status_message.emit("Copied the epochs in the lesson's format")

    def _on_log_loss_changed(self, on: bool) -> None:
        self._state.log_loss = on

    def _on_speed_changed(self, speed: float) -> None:
        self._state.speed = speed
        if self.is_running():
            self.timer.setInterval(round(1000 / speed))

    def export_caption(self) -> str:
        return export_caption(self)   # f, the optimizers and their rates, the epoch shown (export.py)
