"""SymbolicWorker: results and errors come back on the GUI thread, runaways are killed, stale results dropped."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import threading
import time

import pytest
import sympy as sp
from PySide6.QtCore import QTimer

from calclab.engine.functions import sigmoid
from calclab.engine.parsing import ExpressionError, parse
from calclab.ui.worker import JobFailure, SymbolicWorker


class Outcome:
    """Collects the callbacks of one submission."""

    def __init__(self) -> None:
        self.results: list[object] = []
        self.errors: list[str] = []
        self.kinds: list[str] = []
        self.threads: list[threading.Thread] = []

    def on_done(self, value: object) -> None:
        self.results.append(value)
        self.threads.append(threading.current_thread())

    def on_error(self, failure: JobFailure) -> None:
        self.errors.append(failure.message)
        self.kinds.append(failure.kind)
        self.threads.append(threading.current_thread())

    @property
    def called(self) -> bool:
        return bool(self.results or self.errors)


def submit(worker: SymbolicWorker, key: str, func, *args) -> Outcome:
    outcome = Outcome()
    worker.submit(key, func, *args, on_done=outcome.on_done, on_error=outcome.on_error)
    return outcome


def test_job_returns_a_sympy_expression_with_sigmoid_on_the_gui_thread(qtbot, worker):
    x = sp.Symbol("x", real=True)
    outcome = submit(worker, "diff", sp.diff, sigmoid(3 * x - 1), x)
    qtbot.waitUntil(lambda: outcome.called, timeout=10000)
    assert outcome.errors == []
    (result,) = outcome.results
    assert result.has(sigmoid)
    s = sigmoid(3 * x - 1)
    assert sp.simplify(result - 3 * s * (1 - s)) == 0   # d/dx sigmoid(u) = sigmoid(u)(1 - sigmoid(u)) u'
    assert outcome.threads == [threading.main_thread()]


def test_value_error_and_expression_error_come_back_verbatim(qtbot, worker):
    bad_int = submit(worker, "int", int, "abc")
    bad_parse = submit(worker, "parse", parse, "2x +")
    qtbot.waitUntil(lambda: bad_int.called and bad_parse.called, timeout=10000)
    assert bad_int.errors == ["invalid literal for int() with base 10: 'abc'"]
    with pytest.raises(ExpressionError) as expected:
        parse("2x +")
    assert bad_parse.errors == [str(expected.value)]
    assert "column 5" in bad_parse.errors[0]


def test_other_exceptions_name_their_type(qtbot, worker):
    outcome = submit(worker, "zero", divmod, 1, 0)
    qtbot.waitUntil(lambda: outcome.called, timeout=10000)
    assert outcome.errors == ["ZeroDivisionError: integer division or modulo by zero"]
    assert outcome.kinds == ["error"]


def test_runaway_job_is_killed_after_the_budget_and_the_next_job_works(qtbot, worker):
    old_budget = worker.budget_s
    worker.set_budget(0.5)
    try:
        qtbot.waitUntil(lambda: worker.is_idle() and worker.process_id() is not None, timeout=10000)
        old_pid = worker.process_id()
        started = time.monotonic()
        hung = submit(worker, "hang", time.sleep, 60)
        qtbot.waitUntil(lambda: hung.called, timeout=10000)
        assert hung.errors == ["gave up: still computing after 0.5 s"]
        assert hung.kinds == ["timeout"]
        assert time.monotonic() - started < 5
        assert not os.path.exists(f"/proc/{old_pid}")   # killed and reaped, not a zombie
        after = submit(worker, "after", sp.factor, parse("x^2 - 1"))
        qtbot.waitUntil(lambda: after.called, timeout=15000)
        x = sp.Symbol("x", real=True)
        assert after.results == [(x - 1) * (x + 1)]
        assert worker.process_id() not in (None, old_pid)
    finally:
        worker.set_budget(old_budget)


def test_a_job_that_waits_for_the_cpu_is_not_given_up(qtbot, worker):
    """On a busy machine a job may wait for the CPU longer than its budget: the budget is the child's own CPU
    time, so a job that used little of it finishes (a sleeping job stands in for one starved of the CPU)."""
    old_budget = worker.budget_s
    worker.set_budget(0.5)
    try:
        qtbot.waitUntil(lambda: worker.is_idle() and worker.process_id() is not None, timeout=10000)
        waiting = submit(worker, "starved", time.sleep, 1.2)
        qtbot.waitUntil(lambda: waiting.called, timeout=10000)
        assert waiting.errors == [] and waiting.results == [None]
    finally:
        worker.set_budget(old_budget)


def test_a_job_that_computes_past_its_budget_is_given_up(qtbot, worker):
    old_budget = worker.budget_s
    worker.set_budget(0.5)
    try:
        qtbot.waitUntil(lambda: worker.is_idle() and worker.process_id() is not None, timeout=10000)
        started = time.monotonic()
        busy = submit(worker, "burn", sum, range(10**11))   # minutes of CPU
        qtbot.waitUntil(lambda: busy.called, timeout=15000)
        assert busy.kinds == ["timeout"] and busy.errors == ["gave up: still computing after 0.5 s"]
        assert time.monotonic() - started < 0.5 * 5 + 2   # at most WALL_FACTOR budgets, however busy the machine
    finally:
        worker.set_budget(old_budget)


def test_newer_submission_with_the_same_key_supersedes_running_and_queued_jobs(qtbot, worker):
    running = submit(worker, "plot", time.sleep, 0.4)     # in flight when superseded
    blocker = submit(worker, "other", time.sleep, 0.2)    # keeps the next "steps" job queued
    queued = submit(worker, "steps", abs, -1)
    newest_plot = submit(worker, "plot", abs, -2)
    newest_steps = submit(worker, "steps", abs, -3)
    qtbot.waitUntil(lambda: newest_plot.called and newest_steps.called, timeout=10000)
    assert worker.wait_idle(5.0)
    qtbot.wait(100)
    assert not running.called and not queued.called      # stale results never delivered
    assert blocker.results == [None]
    assert newest_plot.results == [2] and newest_steps.results == [3]


def test_cancel_drops_the_callbacks(qtbot, worker):
    outcome = submit(worker, "cancelled", abs, -5)
    worker.cancel("cancelled")
    assert worker.wait_idle(10.0)
    qtbot.wait(50)
    assert not outcome.called


def test_crashed_process_reports_and_recovers(qtbot, worker):
    crashed = submit(worker, "crash", os._exit, 3)
    qtbot.waitUntil(lambda: crashed.called, timeout=10000)
    assert crashed.errors and "stopped unexpectedly" in crashed.errors[0]
    after = submit(worker, "after-crash", abs, -7)
    qtbot.waitUntil(lambda: after.called, timeout=15000)
    assert after.results == [7]


def test_unpicklable_function_is_refused_at_submit(worker):
    with pytest.raises((pickle.PicklingError, AttributeError)):
        worker.submit("lambda", lambda: 1, on_done=print, on_error=print)


def test_gui_keeps_running_while_a_job_computes(qtbot, worker):
    assert worker.wait_idle(10.0)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    outcome = submit(worker, "slow", time.sleep, 0.8)
    qtbot.waitUntil(lambda: outcome.called, timeout=10000)
    timer.stop()
    assert len(ticks) >= 20                        # the event loop ran throughout
    assert max(b - a for a, b in zip(ticks, ticks[1:], strict=False)) < 0.2


def test_shutdown_leaves_no_child_process(qtbot, qapp):
    own = SymbolicWorker(preload=("sympy",))
    outcome = Outcome()
    own.submit("k", abs, -1, on_done=outcome.on_done, on_error=outcome.on_error)
    qtbot.waitUntil(lambda: outcome.called, timeout=15000)
    pid = own.process_id()
    assert pid is not None and os.path.exists(f"/proc/{pid}")
    own.shutdown()
    assert own.process_id() is None
    assert not os.path.exists(f"/proc/{pid}")
    assert pid not in [child.pid for child in multiprocessing.active_children()]
    late = Outcome()
    own.submit("late", abs, -1, on_done=late.on_done, on_error=late.on_error)  # ignored after shutdown
    qtbot.wait(100)
    assert not late.called and own.process_id() is None
    own.shutdown()  # idempotent
