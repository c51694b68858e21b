"""The symbolic worker's child process: receive pickled jobs, run them, send the results back. No Qt.

`calclab.ui.worker.SymbolicWorker` starts `serve` in a process made with the "spawn" method; the child imports
this module to find `serve`, so it must not import Qt (that would cost every worker about 0.1 s of CPU and
40 MB at start-up, for nothing: the child never draws).
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
import time


def job_error_message(exc: BaseException) -> str:
    """One line for the user: ValueError (ExpressionError) text verbatim, else the exception's type named."""
    if isinstance(exc, RecursionError):
        text = "the expression is nested too deeply to compute"
    elif isinstance(exc, MemoryError):
        text = "ran out of memory while computing"
    elif isinstance(exc, ValueError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    lines = text.strip().splitlines() or [type(exc).__name__]
    return lines[0][:300]


def _warm_up() -> None:
    """What every first job would otherwise pay for within its budget: SymPy's lazily imported modules
    (simplify, the printers, lambdify's code generation) and NumPy's first ufunc calls."""
    import numpy as np
    import sympy as sp

    x, y = sp.symbols("x y", real=True)
    f = sp.sin(x) * sp.exp(-x**2) + x * y**2
    derivative = sp.simplify(sp.diff(f, x))
    sp.latex(derivative)
    sp.lambdify((x, y), [derivative, sp.diff(f, y)], modules="numpy", cse=True)(np.linspace(0, 1, 8), 1.0)


def _exit_now() -> None:
    """Leave at once: tearing down an interpreter that holds SymPy takes about half a second, and the parent's
    shutdown waits for this process to end (nothing here needs saving)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    os._exit(0)


def _exit_when_orphaned(parent_pid: int) -> None:
    """Stop the child if the GUI process dies mid-job (a hung SymPy call would otherwise run forever)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(0)


def serve(conn, parent_pid: int, preload: tuple[str, ...]) -> None:
    """The child's loop: receive (job_id, pickled (func, args)), send ("ok"|"error", job_id, payload)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in the terminal is for the GUI process
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True).start()
    for name in preload:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - a missing optional module only costs time later
            pass
    if "sympy" in preload:
        try:
            _warm_up()
        except Exception:  # noqa: BLE001 - the warm-up only saves time; a job will report real problems
            pass
    conn.send(("ready", os.getpid(), None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            _exit_now()
        if message is None:
            _exit_now()
        job_id, payload = message
        try:
            func, args = pickle.loads(payload)
            reply = ("ok", job_id, func(*args))
        except Exception as exc:  # noqa: BLE001 - every job failure goes back to the caller as text
            reply = ("error", job_id, job_error_message(exc))
        try:
            conn.send(reply)
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
            conn.send(("error", job_id, f"the result could not be sent back: {job_error_message(exc)}"))
