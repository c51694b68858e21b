"""A tab is never left dead (issue 14): a job that timed out or failed says so ON the plot ("Could not compute:
why" with Retry; "Still working…" while the first job is out), and Retry, Enter on the same text or the same state
set again brings the result. Messages about a failure go stale with the next input or success, and a preset
chooser stops naming a preset once its values are edited.

The worker is a fake that answers in this process on the next event-loop turn: with the job's result, or (while
`failing`) with the JobFailure the real worker gives a job that outlives its budget; `holding` keeps the answers
back, as a slow worker does.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer

from calclab.engine.jobs.derivatives import differentiate
from calclab.state import backprop as backprop_state
from calclab.state import chain_rule as chain_state
from calclab.state import descent as descent_state
from calclab.state import gradients as gradients_state
from calclab.ui.tabs.backprop import BackpropTab
from calclab.ui.tabs.chain_rule import ChainRuleTab
from calclab.ui.tabs.derivatives import DerivativesTab
from calclab.ui.tabs.descent import DescentTab
from calclab.ui.tabs.gradients import GradientsTab
from calclab.ui.widgets.notice import WORKING, notice_of
from calclab.ui.widgets.plot_panel import PlotPanel
from calclab.ui.worker import CRASHED, ERROR, TIMEOUT, JobFailure

GAVE_UP = "gave up: still computing after 2 s"
STOPPED = "the symbolic worker stopped unexpectedly"
WAIT_MS = 15000
SCALE_FACTOR = re.compile(r"\(x[0-9.e+-]+\)")   # pyqtgraph's "(x0.001)" after an axis label


class FakeWorker:
    """submit / cancel / is_closed / is_idle, as SymbolicWorker, with jobs run here on the next event-loop turn.

    While `failing`, a job answers JobFailure(`kind`, `message`) instead of its result; while `holding`, answers
    wait until `release()`. `slow_simplify` makes every simplifying derivative time out (SymPy's simplify on a big
    derivative). A newer job with the same key supersedes an older one, whose callbacks are never called."""

    def __init__(self, failing: bool = False, kind: str = TIMEOUT, message: str = GAVE_UP) -> None:
        self.failing, self.kind, self.message = failing, kind, message
        self.holding = False
        self.slow_simplify = False
        self.calls: list[str] = []
        self._live: dict[str, object] = {}
        self._held: list = []

    def submit(self, key, func, *args, on_done, on_error) -> None:
        self.calls.append(func.__name__)
        token = object()
        self._live[key] = token
        failure = JobFailure(self.kind, self.message) if self.failing else None
        if failure is None and self.slow_simplify and func is differentiate and args[3] is True:
            failure = JobFailure(TIMEOUT, GAVE_UP)

        def answer() -> None:
            if self._live.get(key) is not token:   # superseded or cancelled
                return
            del self._live[key]
            if failure is not None:
                on_error(failure)
                return
            try:
                result = func(*args)
            except Exception as exc:  # noqa: BLE001 - as the real worker: every job failure goes back as text
                on_error(JobFailure(ERROR, str(exc)))
            else:
                on_done(result)

        if self.holding:
            self._held.append(answer)
        else:
            QTimer.singleShot(0, answer)

    def release(self) -> None:
        self.holding = False
        for answer in self._held:
            QTimer.singleShot(0, answer)
        self._held.clear()

    def cancel(self, key) -> None:
        self._live.pop(key, None)

    def is_closed(self) -> bool:
        return False

    def is_idle(self) -> bool:
        return not self._live


# -- helpers ----------------------------------------------------------------------------------------------------

WORKER_TABS = {"derivatives": DerivativesTab, "gradients": GradientsTab, "chain": ChainRuleTab,
               "descent": DescentTab}


def build(qtbot, cls, fake: FakeWorker):
    tab = cls(fake)
    qtbot.addWidget(tab)
    tab.resize(1280, 820)
    tab.show()
    if not fake.holding:
        settle(qtbot, tab)
    return tab


def settle(qtbot, tab) -> None:
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)


def expression_box(tab):
    return {"derivatives": lambda: tab.expression_box, "gradients": lambda: tab.expression_box,
            "chain": lambda: tab.box_expression, "descent": lambda: tab.inputs.expression}[tab.name]()


def type_expression(qtbot, tab, text: str) -> None:
    box = expression_box(tab)
    box.line_edit.clear()
    qtbot.keyClicks(box.line_edit, text)
    qtbot.keyClick(box.line_edit, Qt.Key.Key_Return)


def drawn(plot_widget) -> bool:
    """True if any curve of the plot has data."""
    for item in plot_widget.getPlotItem().listDataItems():
        x, _y = item.getData()
        if x is not None and np.size(x) > 0:
            return True
    return False


def shows_result(tab) -> bool:
    """The tab shows a computed result for its state (not only what it could draw without the worker)."""
    if tab.name == "derivatives":
        return tab.result() is not None and tab.plot.curve_data("derivative")[0].size > 0
    if tab.name == "gradients":
        return tab.variables() == ["x", "y"] and drawn(tab.main_plot())
    if tab.name == "chain":
        return tab.analysis is not None and drawn(tab.main_plot())
    return tab.is_ready() and tab.button_step.isEnabled() and tab.button_run.isEnabled() \
        and tab.button_reset.isEnabled() and drawn(tab.main_plot())


def assert_says_it_failed(tab, why: str = GAVE_UP) -> None:
    notice = tab.notice()
    assert notice.text() == f"Could not compute: {why}"
    assert notice.has_retry()
    assert not shows_result(tab)
    for plot in tab.plots():   # no "x (x0.001)" for data that is not there
        for side in ("left", "bottom"):
            axis = plot.getPlotItem().getAxis(side)
            assert axis.autoSIPrefixScale == 1.0 and not SCALE_FACTOR.search(axis.labelString())


def assert_recovered(tab) -> None:
    assert tab.notice().text() == ""
    assert shows_result(tab)


# -- a first job that fails is retried -----------------------------------------------------------------------

@pytest.mark.parametrize("name", list(WORKER_TABS))
def test_a_timed_out_first_job_says_so_on_the_plot_and_retry_brings_the_result(qtbot, name):
    fake = FakeWorker(failing=True)
    tab = build(qtbot, WORKER_TABS[name], fake)
    assert_says_it_failed(tab)
    fake.failing = False
    qtbot.mouseClick(tab.notice().button_retry, Qt.MouseButton.LeftButton)
    settle(qtbot, tab)
    assert_recovered(tab)


@pytest.mark.parametrize("name", list(WORKER_TABS))
def test_enter_on_the_same_text_retries_a_failed_job(qtbot, name):
    fake = FakeWorker(failing=True, kind=CRASHED, message=STOPPED)
    tab = build(qtbot, WORKER_TABS[name], fake)
    assert_says_it_failed(tab, STOPPED)
    fake.failing = False
    qtbot.keyClick(expression_box(tab).line_edit, Qt.Key.Key_Return)
    settle(qtbot, tab)
    assert_recovered(tab)


@pytest.mark.parametrize("name", list(WORKER_TABS))
def test_setting_the_same_state_again_retries_a_failed_job(qtbot, name):
    fake = FakeWorker(failing=True)
    tab = build(qtbot, WORKER_TABS[name], fake)
    assert_says_it_failed(tab)
    fake.failing = False
    tab.set_state(tab.state)
    settle(qtbot, tab)
    assert_recovered(tab)


@pytest.mark.parametrize("name", list(WORKER_TABS))
def test_a_first_job_still_out_says_still_working(qtbot, name):
    fake = FakeWorker()
    fake.holding = True
    tab = build(qtbot, WORKER_TABS[name], fake)
    if name != "derivatives":   # Derivatives draws f at once (its job brings f'): its plot is not empty
        assert tab.notice().text() == WORKING and not tab.notice().has_retry()
    fake.release()
    settle(qtbot, tab)
    assert_recovered(tab)


# -- Descent: any input retries a failed preparation ------------------------------------------------------------

@pytest.mark.parametrize("change", ["learning rate", "epochs", "start"])
def test_descent_retries_a_failed_preparation_when_an_input_changes(qtbot, change):
    fake = FakeWorker(failing=True)
    tab = build(qtbot, DescentTab, fake)
    assert not (tab.button_step.isEnabled() or tab.button_run.isEnabled() or tab.button_reset.isEnabled())
    assert list(tab.inputs.start_spins) == ["x"]   # the start box is there before f is prepared
    fake.failing = False
    prepared = fake.calls.count("prepare")
    if change == "learning rate":
        tab.inputs.spin_learning_rate.setValue(0.2)
    elif change == "epochs":
        tab.inputs.spin_epochs.setValue(30)
    else:
        tab.inputs.start_spins["x"].setValue(4.0)
    assert fake.calls.count("prepare") == prepared + 1
    settle(qtbot, tab)
    assert_recovered(tab)
    state = tab.state
    assert (state.learning_rate, state.epochs, state.start) == \
        {"learning rate": (0.2, 20, [10.0]), "epochs": (0.1, 30, [10.0]), "start": (0.1, 20, [4.0])}[change]
    assert tab.primary().lr == state.learning_rate and tab.primary().epochs == state.epochs


def test_descent_clears_its_error_line_on_a_new_input(qtbot):
    fake = FakeWorker(failing=True)
    tab = build(qtbot, DescentTab, fake)
    assert GAVE_UP in tab.label_update.text()
    fake.failing, fake.holding = False, True
    type_expression(qtbot, tab, "x^2 + 1")
    assert GAVE_UP not in tab.label_update.text()
    assert tab.notice().text() == WORKING
    fake.release()
    settle(qtbot, tab)
    assert_recovered(tab)


# -- Gradients: "the last one" only when there is one -----------------------------------------------------------

def test_gradients_says_the_plot_shows_the_last_one_only_when_there_is_one(qtbot):
    fake = FakeWorker(failing=True)
    tab = build(qtbot, GradientsTab, fake)
    assert "Could not compute the gradient" in tab.label_message.text()
    assert "last one" not in tab.label_message.text()
    assert not tab.plot.backdrop.isVisible() and not tab.plot.probe.isVisible()   # no grey box, no stray probe
    fake.failing = False
    qtbot.mouseClick(tab.notice().button_retry, Qt.MouseButton.LeftButton)
    settle(qtbot, tab)
    assert tab.plot.backdrop.isVisible() and tab.label_message.isHidden()
    fake.failing = True
    type_expression(qtbot, tab, "x^2 + y^2")
    settle(qtbot, tab)
    assert "The plot shows the last one." in tab.label_message.text()
    assert tab.notice().has_retry()


# -- stale messages ---------------------------------------------------------------------------------------------

def test_derivatives_unsimplified_message_goes_with_the_next_input(qtbot):
    fake = FakeWorker()
    fake.slow_simplify = True
    tab = build(qtbot, DerivativesTab, fake)
    messages: list[str] = []
    tab.status_message.connect(messages.append)
    type_expression(qtbot, tab, "x^3")
    settle(qtbot, tab)
    assert "unsimplified" in messages[-1]
    fake.slow_simplify = False
    type_expression(qtbot, tab, "x^4")
    settle(qtbot, tab)
    assert tab.result().simplified
    assert messages[-1] == ""


@pytest.mark.parametrize("name", ["gradients", "chain"])
def test_a_crash_message_goes_with_the_next_input(qtbot, name):
    fake = FakeWorker(failing=True, kind=CRASHED, message=STOPPED)
    tab = build(qtbot, WORKER_TABS[name], fake)
    label = tab.label_message if name == "gradients" else tab.label_error
    assert STOPPED in label.text() and not label.isHidden()
    messages: list[str] = []
    tab.status_message.connect(messages.append)
    fake.failing, fake.holding = False, True
    type_expression(qtbot, tab, "sin(x)")
    assert label.isHidden() or STOPPED not in label.text()
    assert messages[-1] == ""
    fake.release()
    settle(qtbot, tab)
    assert tab.notice().text() == ""


def test_chain_refusal_message_goes_with_the_next_input(qtbot):
    fake = FakeWorker()
    tab = build(qtbot, ChainRuleTab, fake)
    messages: list[str] = []
    tab.status_message.connect(messages.append)
    type_expression(qtbot, tab, "x*y")
    assert "one variable" in messages[-1] and not tab.label_error.isHidden()
    fake.holding = True
    type_expression(qtbot, tab, "sin(x)^2")
    assert messages[-1] == "" and tab.label_error.isHidden()
    fake.release()
    settle(qtbot, tab)


def test_descent_diverged_message_goes_with_a_reset_or_a_new_input(qtbot):
    tab = build(qtbot, DescentTab, FakeWorker())
    messages: list[str] = []
    tab.status_message.connect(messages.append)
    tab.apply_preset(descent_state.PRESETS[1])    # x² with lr = 1.1: diverges
    settle(qtbot, tab)
    tab.play_to_end()
    assert "diverged" in messages[-1]
    tab.reset()
    assert messages[-1] == ""
    tab.play_to_end()
    assert "diverged" in messages[-1]
    tab.inputs.spin_epochs.setValue(50)           # a new input: new runs
    assert messages[-1] == ""


# -- presets stop being named once edited -----------------------------------------------------------------------

def choose(combo, index: int) -> None:
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_gradients_preset_chooser_goes_neutral_when_f_is_edited(qtbot):
    tab = build(qtbot, GradientsTab, FakeWorker())
    combo = tab.concept.combo_preset
    choose(combo, 2)
    settle(qtbot, tab)
    assert combo.currentText() == gradients_state.PRESETS[1].name and tab.concept.label_note.isVisibleTo(tab)
    qtbot.keyClick(tab.expression_box.line_edit, Qt.Key.Key_Return)   # a retry of the same f: still the preset
    assert combo.currentText() == gradients_state.PRESETS[1].name
    type_expression(qtbot, tab, "x^2 + 2y^2")
    settle(qtbot, tab)
    assert combo.currentIndex() == 0 and not tab.concept.label_note.isVisibleTo(tab)


def test_chain_preset_chooser_goes_neutral_when_the_function_is_edited(qtbot):
    tab = build(qtbot, ChainRuleTab, FakeWorker())
    choose(tab.combo_preset, 1)
    settle(qtbot, tab)
    assert tab.combo_preset.currentText() == chain_state.PRESETS[1].name
    type_expression(qtbot, tab, "sin(x^3)")
    settle(qtbot, tab)
    assert tab.combo_preset.currentIndex() == -1 and tab.combo_preset.placeholderText() == "(custom)"
    choose(tab.combo_preset, 2)
    settle(qtbot, tab)
    tab.radio_mode_parts.click()
    assert tab.combo_preset.currentIndex() == -1


@pytest.mark.parametrize("edit", ["learning rate", "epochs", "expression", "optimizer"])
def test_descent_preset_chooser_goes_neutral_when_a_value_is_edited(qtbot, edit):
    tab = build(qtbot, DescentTab, FakeWorker())
    combo = tab.inputs.combo_preset
    choose(combo, 2)
    settle(qtbot, tab)
    assert combo.currentText() == descent_state.PRESETS[2].name and tab.inputs.label_preset.text()
    qtbot.keyClick(tab.inputs.expression.line_edit, Qt.Key.Key_Return)   # a retry of the same f: still the preset
    settle(qtbot, tab)
    assert combo.currentIndex() == 2
    if edit == "learning rate":
        tab.inputs.spin_learning_rate.setValue(0.03)
    elif edit == "epochs":
        tab.inputs.spin_epochs.setValue(77)
    elif edit == "expression":
        type_expression(qtbot, tab, "x^4 - 2x^2")
    else:
        tab.inputs.combo_optimizer.setCurrentText("adam")
    settle(qtbot, tab)
    assert combo.currentIndex() == -1 and combo.currentText() == "" and not tab.inputs.label_preset.text()


def test_backprop_preset_chooser_goes_neutral_when_a_value_is_edited(qtbot):
    tab = BackpropTab(FakeWorker())
    qtbot.addWidget(tab)
    combo = tab.controls.combo_preset
    choose(combo, 3)
    assert combo.currentText() == backprop_state.PRESETS[2].name and tab.controls.label_preset.text()
    tab.controls.spin_learning_rate.setValue(0.3)
    assert combo.currentIndex() == 0 and combo.currentText() == "Presets…" and not tab.controls.label_preset.text()


def test_derivatives_preset_chooser_never_stays_on_a_preset(qtbot):
    tab = build(qtbot, DerivativesTab, FakeWorker())
    combo = tab.combo_preset
    choose(combo, 4)
    settle(qtbot, tab)
    assert combo.currentIndex() == 0   # it names the presets; the status bar says which one was loaded
    type_expression(qtbot, tab, "cos(x)")
    settle(qtbot, tab)
    assert combo.currentIndex() == 0


# -- the notice itself ------------------------------------------------------------------------------------------

def test_plot_notice_hides_the_axes_si_prefix_only_while_it_shows(qtbot):
    panel = PlotPanel("empty", "x", "y")
    qtbot.addWidget(panel)
    panel.resize(500, 400)
    panel.show()
    panel.plot_item.setRange(xRange=(-0.5, 0.5), yRange=(-0.5, 0.5), padding=0)
    axis = panel.plot_item.getAxis("bottom")
    assert axis.autoSIPrefix and axis.autoSIPrefixScale != 1.0   # pyqtgraph's "x (x0.001)"
    retried: list[int] = []
    panel.show_notice("Could not compute: no", retry=lambda: retried.append(1))
    assert axis.autoSIPrefixScale == 1.0 and not SCALE_FACTOR.search(axis.labelString())
    notice = notice_of(panel.plot_widget)
    assert notice.isVisible() and notice.text() == "Could not compute: no"
    assert panel.plot_widget.rect().contains(notice.geometry())
    qtbot.mouseClick(notice.button_retry, Qt.MouseButton.LeftButton)
    assert retried == [1]
    panel.show_notice(WORKING)
    assert not notice.has_retry()
    panel.clear_notice()
    assert notice.text() == "" and axis.autoSIPrefix
