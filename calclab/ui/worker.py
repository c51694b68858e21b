"""SymbolicWorker: SymPy work in a separate, warm, killable process, with results delivered on the GUI thread.

SymPy can run for minutes (simplify on a large expression) and a thread cannot be stopped, so symbolic jobs
run in one child process started with the "spawn" method (forking a process that runs Qt is unsafe).
A job over its time budget is abandoned: the process is killed and a fresh one started, and the caller gets
"gave up: still computing after 2 s". The budget is the child's own CPU time where the system tells it (Linux's
/proc): on a machine busy with other work a job that waited for the CPU is not given up for time it never had
(up to WALL_FACTOR times the budget in wall time). The child warms up (SymPy's lazily imported modules, the
first lambdify) before it says "ready", so the first job of a launch does not pay for that within its budget.
Jobs are keyed: a newer job with the same key supersedes an older
one, whose callbacks are then never called, so a tab never shows a stale result. A failure reaches `on_error`
as a `JobFailure`: a kind ("timeout", "error" or "crashed") and a one-line message.

Usage (GUI thread only):
    worker.submit("derivative", derivative, expr, x, on_done=self._on_derivative, on_error=self._on_error)
`func` must be a module-level function of an importable module (it is pickled by name; not one defined in
a script's __main__) and `args` picklable; SymPy expressions are.
"""

from __future__ import annotations

import itertools
import os
import pickle
import sys
import time
import types
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEventLoop, QObject, QSocketNotifier, QTimer, Signal

from calclab.ui.worker_child import job_error_message as _job_error_message
from calclab.ui.worker_child import serve

DEFAULT_BUDGET_S = 2.0
START_TIMEOUT_S = 30.0     # a child that has not said "ready" by then is treated as failed
MAX_START_FAILURES = 3     # consecutive failed starts before the worker gives up for good
WALL_FACTOR = 5.0          # a job that waits for the CPU may take this many budgets of wall time
# Imported by the child before it says "ready", so the first job does not pay for them.
PRELOAD = ("sympy", "numpy", "calclab.engine.functions", "calclab.engine.parsing", "calclab.engine.calculus",
           "calclab.engine.numeric", "calclab.engine.steps")


TIMEOUT, ERROR, CRASHED = "timeout", "error", "crashed"


@dataclass(frozen=True)
class JobFailure:
    """Why a job gave no result: `kind` is TIMEOUT (over budget), ERROR (the job raised) or CRASHED (the worker
    process died or could not start); `message` is one line for the user. str() is the message."""

    kind: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class _Job:
    job_id: int
    key: str
    payload: bytes
    on_done: Callable[[object], None]
    on_error: Callable[[JobFailure], None]
    stale: bool = False


class SymbolicWorker(QObject):
    """Runs picklable functions in one warm child process, one job at a time, callbacks on the GUI thread."""

    busy_changed = Signal(bool)   # True when work is queued or running, False when idle again

    def __init__(self, budget_s: float = DEFAULT_BUDGET_S, parent: QObject | None = None,
                 preload: tuple[str, ...] = PRELOAD) -> None:
        super().__init__(parent)
        self._budget_s = float(budget_s)
        self._preload = tuple(preload)
        self._context = None   # multiprocessing's spawn context, at start(): a window on shipped results never needs it
        self._process = None
        self._conn = None
        self._notifier: QSocketNotifier | None = None
        self._ready = False
        self._closed = False
        self._start_failures = 0
        self._broken_message = ""
        self._queue: deque[_Job] = deque()
        self._current: _Job | None = None
        self._answered: list[_Job] = []   # jobs with a shipped result, answered in the next event-loop turn
        self._ids = itertools.count(1)
        self._busy = False
        self._job_started: tuple[float, float | None] = (0.0, None)   # (wall clock, child CPU s) at dispatch
        self._budget_timer = QTimer(self)
        self._budget_timer.setSingleShot(True)
        self._budget_timer.timeout.connect(self._on_budget_expired)
        self._start_timer = QTimer(self)
        self._start_timer.setSingleShot(True)
        self._start_timer.timeout.connect(self._on_start_timeout)

    # -- public API -------------------------------------------------------------------------------------

    @property
    def budget_s(self) -> float:
        """Seconds a job may run before it is abandoned and the process restarted."""
        return self._budget_s

    def set_budget(self, seconds: float) -> None:
        """Change the time budget; applies to jobs dispatched from now on."""
        if seconds <= 0:
            raise ValueError("the time budget must be positive")
        self._budget_s = float(seconds)

    def start(self) -> None:
        """Start the child process now (it imports SymPy in about a second, without blocking the GUI)."""
        if self._closed or self._process is not None or self._broken_message:
            return
        if self._context is None:
            import multiprocessing

            self._context = multiprocessing.get_context("spawn")
        parent_conn, child_conn = self._context.Pipe(duplex=True)
        process = self._context.Process(target=serve, args=(child_conn, os.getpid(), self._preload),
                                        name="calclab-symbolic", daemon=True)
        # Spawn normally re-runs the parent's __main__ in the child; a script without the
        # `if __name__ == "__main__"` guard would then start a second GUI. Hide __main__ during the launch:
        # the child only needs importable modules (job functions must live in one, not in __main__).
        main_module = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            process.start()
        finally:
            sys.modules["__main__"] = main_module
        child_conn.close()  # so the parent sees EOF when the child dies
        self._process, self._conn, self._ready = process, parent_conn, False
        self._notifier = QSocketNotifier(parent_conn.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_readable)
        self._start_timer.start(int(START_TIMEOUT_S * 1000))

    def submit(self, key: str, func: Callable, *args: object, on_done: Callable[[object], None],
               on_error: Callable[[JobFailure], None]) -> None:
        """Queue func(*args); on_done(result) or on_error(JobFailure) is later called on the GUI thread.

        A job already queued or running under the same key is superseded: its callbacks are dropped. A job whose
        result ships with calclab (a tab's first view, calclab.engine.jobs.shipped) is answered from there, in
        the next event-loop turn, exactly as if the process had computed it.
        Raises pickle.PicklingError / AttributeError at once if func or args cannot be pickled.
        """
        from calclab.engine.jobs import shipped  # (on the first job: a launch on a shipped first view has none)

        payload = pickle.dumps((func, args), protocol=pickle.HIGHEST_PROTOCOL)
        if self._closed:
            return
        self._supersede(key)
        known, result = shipped.lookup(func, args, payload)
        if known:
            job = _Job(next(self._ids), key, payload, on_done, on_error)
            self._answered.append(job)
            QTimer.singleShot(0, self, lambda: self._answer_known(job, result))
            self._update_busy()
            return
        self._queue.append(_Job(next(self._ids), key, payload, on_done, on_error))
        if self._broken_message:
            self._fail_queued(JobFailure(CRASHED, self._broken_message))
            return
        self.start()
        self._dispatch()
        self._update_busy()

    def cancel(self, key: str) -> None:
        """Drop the job queued or running under `key` (its callbacks are never called)."""
        self._supersede(key)
        self._update_busy()

    def is_closed(self) -> bool:
        """True after shutdown(): submissions are ignored from then on."""
        return self._closed

    def is_idle(self) -> bool:
        """True when no job is queued or running."""
        return self._current is None and not self._queue and not self._answered

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Run the event loop until the worker is idle or `timeout` seconds passed; True if idle.

        For tests and the screenshot mode only: the GUI stays live but the caller waits.
        """
        deadline = time.monotonic() + timeout
        while not self.is_idle():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            loop = QEventLoop()
            self.busy_changed.connect(loop.quit)
            QTimer.singleShot(int(min(remaining, 0.25) * 1000) + 1, loop.quit)
            loop.exec()
            self.busy_changed.disconnect(loop.quit)
        return True

    def process_id(self) -> int | None:
        """The child's pid while one is running (for tests and diagnostics)."""
        return self._process.pid if self._process is not None else None

    def shutdown(self) -> None:
        """Stop the child and drop every pending job; final (later submissions are ignored). Idempotent."""
        self._closed = True
        self._queue.clear()
        self._answered.clear()
        self._current = None
        self._stop_process(graceful=True)
        self._update_busy()

    # -- internals --------------------------------------------------------------------------------------

    def _supersede(self, key: str) -> None:
        self._queue = deque(job for job in self._queue if job.key != key)
        for job in self._answered:
            job.stale = job.stale or job.key == key
        if self._current is not None and self._current.key == key:
            self._current.stale = True

    def _dispatch(self) -> None:
        """Send the next queued job if the child is ready and nothing is in flight."""
        if self._current is not None or not self._ready or not self._queue:
            return
        job = self._queue.popleft()
        try:
            self._conn.send((job.job_id, job.payload))
        except (OSError, ValueError):
            self._queue.appendleft(job)
            self._on_process_died()
            return
        self._current = job
        self._job_started = (time.monotonic(), self._child_cpu_s())
        self._budget_timer.start(int(self._budget_s * 1000))

    def _on_readable(self) -> None:
        while self._conn is not None:
            try:
                if not self._conn.poll():
                    return
                kind, job_id, payload = self._conn.recv()
            except (EOFError, OSError):
                self._on_process_died()
                return
            except Exception as exc:  # noqa: BLE001 - a result that cannot be unpickled here
                kind, job_id, payload = "error", self._current.job_id if self._current else -1, \
                    f"the result could not be read: {_job_error_message(exc)}"
            if kind == "ready":
                self._ready = True
                self._start_failures = 0
                self._start_timer.stop()
                self._dispatch()
                self._update_busy()
            else:
                self._finish(job_id, kind == "ok", payload)

    def _answer_known(self, job: _Job, result: object) -> None:
        """Deliver a shipped result (submit found it) unless the job was superseded or the worker closed since."""
        if job in self._answered:
            self._answered.remove(job)
            if not job.stale and not self._closed:
                self._call(job.on_done, result)
            self._update_busy()

    def _finish(self, job_id: int, ok: bool, payload: object) -> None:
        job = self._current
        if job is None or job.job_id != job_id:
            return
        self._budget_timer.stop()
        self._current = None
        self._dispatch()
        if not job.stale:
            if ok:
                self._call(job.on_done, payload)
            else:
                self._call(job.on_error, JobFailure(ERROR, str(payload)))
        self._update_busy()

    def _child_cpu_s(self) -> float | None:
        """CPU seconds the child has used (user + system), or None where the system does not say."""
        pid = self.process_id()
        if pid is None:
            return None
        try:
            with open(f"/proc/{pid}/stat", "rb") as file:
                fields = file.read().rsplit(b")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None

    def _remaining_budget_s(self) -> float:
        """Budget left for the job in flight: its CPU time counts where known, else its wall time."""
        wall_start, cpu_start = self._job_started
        waited = time.monotonic() - wall_start
        cpu_now = self._child_cpu_s()
        if cpu_start is None or cpu_now is None or waited >= self._budget_s * WALL_FACTOR:
            return 0.0
        return min(self._budget_s - (cpu_now - cpu_start), self._budget_s * WALL_FACTOR - waited)

    def _on_budget_expired(self) -> None:
        job = self._current
        if job is None:
            return
        remaining = self._remaining_budget_s()
        if remaining > 0.01:   # the job waited for the CPU (a busy machine): it has budget left
            self._budget_timer.start(max(10, int(remaining * 1000)))
            return
        self._current = None
        self._stop_process(graceful=False)
        if not job.stale:
            self._call(job.on_error, JobFailure(TIMEOUT, f"gave up: still computing after {self._budget_s:g} s"))
        if not self._closed:
            self.start()  # stay warm for the next job
        self._update_busy()

    def _on_start_timeout(self) -> None:
        if self._process is not None and not self._ready:
            self._on_process_died()

    def _on_process_died(self) -> None:
        """The child exited (crash, kill, failed start): report the job in flight and start a new one."""
        exitcode = self._process.exitcode if self._process is not None else None
        was_ready = self._ready
        self._stop_process(graceful=False)
        job, self._current = self._current, None
        self._budget_timer.stop()
        if job is not None and not job.stale:
            self._call(job.on_error, JobFailure(CRASHED, "the symbolic worker stopped unexpectedly; try again"))
        if not was_ready:
            self._start_failures += 1
            if self._start_failures >= MAX_START_FAILURES:
                self._broken_message = f"the symbolic worker could not start (exit code {exitcode})"
                print(f"error: {self._broken_message}", file=sys.stderr)
                self._fail_queued(JobFailure(CRASHED, self._broken_message))
        if not self._closed:
            self.start()  # stay warm (start() does nothing once the worker is broken)
        self._update_busy()

    def _fail_queued(self, failure: JobFailure) -> None:
        jobs, self._queue = list(self._queue), deque()
        for job in jobs:
            self._call(job.on_error, failure)
        self._update_busy()

    def _stop_process(self, graceful: bool) -> None:
        """Stop and reap the child; close our end of the pipe."""
        self._budget_timer.stop()
        self._start_timer.stop()
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.activated.disconnect(self._on_readable)
            self._notifier.deleteLater()
            self._notifier = None
        process, conn = self._process, self._conn
        self._process, self._conn, self._ready = None, None, False
        if process is not None:
            if graceful and conn is not None:
                try:
                    conn.send(None)
                except (OSError, ValueError):
                    pass
                process.join(0.5)
            if process.is_alive():
                process.kill()
            process.join(2.0)
            if process.exitcode is not None:
                process.close()
        if conn is not None:
            conn.close()

    def _call(self, callback: Callable, value: object) -> None:
        """Run a callback; an exception in it is reported like any slot exception, not swallowed."""
        try:
            callback(value)
        except Exception:  # noqa: BLE001
            sys.excepthook(*sys.exc_info())

    def _update_busy(self) -> None:
        busy = not self.is_idle()
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)
