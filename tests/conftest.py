"""Shared fixtures: Qt runs offscreen, and one warm SymbolicWorker serves the whole test session."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

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
