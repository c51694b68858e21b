"""Shared fixtures: Qt runs offscreen, and one warm SymbolicWorker serves the whole test session."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import
os.environ.setdefault("CALCLAB_CACHE", "off")   # no typeset formulas kept between tests (or from the user's runs)

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def worker(qapp):
    """One symbolic worker process for all tests (spawning one costs about a second)."""
    from calclab.ui.worker import SymbolicWorker

    symbolic_worker = SymbolicWorker()
    symbolic_worker.start()
    yield symbolic_worker
    symbolic_worker.shutdown()


# The offscreen platform warns on every shown top-level window ("This plugin does not support
# propagateSizeHints()"); it is about the platform plugin, not our code, so it must not fail Qt-log checks.
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE, extend=True))


# -- the end of the run --------------------------------------------------------------------------------------
# After the last test the interpreter's own teardown collects thousands of PySide6/pyqtgraph wrappers in an order
# nobody chooses; now and then that ends in "QObject: shared QObject was deleted directly" and a segfault (exit
# 134/139) after every test has passed and been reported (pyqtgraph issues 55 and 1628 describe the same
# collection-order crash). Once pytest has printed its summary, end the process with the tests' own status.
_exit_status: list[int] = []


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus) -> None:
    _exit_status.append(int(exitstatus))


def pytest_unconfigure(config) -> None:
    import sys

    if _exit_status and "PySide6" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status[-1])
