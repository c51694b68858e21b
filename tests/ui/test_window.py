"""The main window: five tabs in order, --tab selection, and the screenshot mode run in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from calclab.ui.main_window import MainWindow
from calclab.ui.tabs import TAB_NAMES

TITLES = ["Derivatives", "Gradients", "Chain Rule", "Descent", "Backprop"]
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


@pytest.fixture
def window(qtbot, worker):
    main_window = MainWindow(worker, eager_tabs=False)
    qtbot.addWidget(main_window)
    return main_window


def test_title_and_five_tabs_in_order(window):
    assert window.windowTitle() == "calclab"
    titles = [window.tab_widget.tabText(i) for i in range(window.tab_widget.count())]
    assert titles == TITLES
    assert window.tab_names() == ["derivatives", "gradients", "chain", "descent", "backprop"] == list(TAB_NAMES)


def test_select_tab_by_name_builds_it(window):
    window.ensure_started()
    window.select_tab("chain")
    assert window.tab_widget.tabText(window.tab_widget.currentIndex()) == "Chain Rule"
    assert window.current_tab_name() == "chain"
    tab = window.tab("chain", build=False)
    assert tab is not None and tab.isVisibleTo(window.tab_widget.currentWidget())
    with pytest.raises(KeyError):
        window.select_tab("integrals")


def test_every_tab_builds_without_error(window):
    window.ensure_started()
    for name in TAB_NAMES:
        tab = window.tab(name)
        assert tab is not None and tab.objectName() != "tab_error_label"
    assert window.build_errors == []


def test_initial_tab(qtbot, worker):
    main_window = MainWindow(worker, initial_tab="descent", eager_tabs=False)
    qtbot.addWidget(main_window)
    assert main_window.tab_widget.tabText(main_window.tab_widget.currentIndex()) == "Descent"


def test_tab_status_message_reaches_status_bar(window):
    window.ensure_started()
    tab = window.tab("derivatives")
    tab.status_message.emit("diverged at epoch 3")
    assert window.statusBar().currentMessage() == "diverged at epoch 3"


def _run_calclab(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "calclab", *args], env=ENV, capture_output=True, text=True,
                          timeout=60)


def _not_blank(path) -> bool:
    image = QImage(str(path))
    assert not image.isNull()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    return len(colours) > 3


@pytest.mark.parametrize("tab", [None, "backprop"])
def test_screenshot_writes_a_png_and_exits_0(tmp_path, tab):
    out = tmp_path / "shot.png"
    result = _run_calclab("--screenshot", str(out), *(["--tab", tab] if tab else []))
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1400, 900)
    assert _not_blank(out)
    assert not list(tmp_path.glob("*.part*"))


def test_screenshot_into_missing_folder_fails_cleanly(tmp_path):
    result = _run_calclab("--screenshot", str(tmp_path / "nope" / "shot.png"))
    assert result.returncode == 2
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr


def test_run_gui_rejects_unknown_tab():
    code = "import sys; from calclab.app import run_gui; sys.exit(run_gui(tab='integrals', screenshot='x.png'))"
    result = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "unknown tab 'integrals'" in result.stderr


def test_shown_window_builds_current_tab_after_first_paint(qtbot, worker):
    main_window = MainWindow(worker, initial_tab="gradients", eager_tabs=False)
    qtbot.addWidget(main_window)
    assert main_window.tab("gradients", build=False) is None  # nothing heavy before the window shows
    with qtbot.waitSignal(main_window.tab_built, timeout=5000) as blocker:
        main_window.show()
    assert blocker.args == ["gradients"]
    assert main_window.tab("derivatives", build=False) is None  # other tabs wait (eager_tabs=False)


def test_closing_the_window_leaves_the_callers_worker_running(qtbot, worker):
    main_window = MainWindow(worker, eager_tabs=False)
    qtbot.addWidget(main_window)
    main_window.show()
    main_window.close()
    results: list[object] = []
    worker.submit("after-close", abs, -4, on_done=results.append, on_error=results.append)
    qtbot.waitUntil(lambda: results == [4], timeout=15000)


def test_every_tab_fits_a_1100_by_700_window(qtbot, window):
    """A laptop with a dock: no tab may force the window wider or taller than 1100x700 (issue 15, item 9)."""
    window.resize(1100, 700)
    window.show()
    window.ensure_started()
    for name in window.tab_names():
        window.select_tab(name)
        tab = window.tab(name)
        qtbot.waitUntil(lambda tab=tab: not tab.is_busy(), timeout=30000)
        hint = tab.minimumSizeHint()
        assert hint.width() <= 1100 - 8 and hint.height() <= 700 - 60, (name, hint)
    assert window.minimumSizeHint().width() <= 1100 and window.width() == 1100


def test_the_worker_process_starts_once_the_first_tab_is_complete(qtbot):
    """The first views' jobs are shipped (calclab.engine.jobs.shipped): the worker's start (a second of CPU)
    waits until the tab in front is complete, then gets ready for the user's own input before they type."""
    from calclab.ui.worker import SymbolicWorker

    fresh = SymbolicWorker()
    main_window = MainWindow(fresh, initial_tab="derivatives", eager_tabs=True)
    qtbot.addWidget(main_window)
    try:
        main_window.ensure_started()
        tab = main_window.tab("derivatives", build=False)
        assert tab is not None and fresh.process_id() is None   # built, and nothing started for it
        qtbot.waitUntil(lambda: fresh.process_id() is not None, timeout=15000)
        assert not tab.is_busy() and tab.result() is not None    # complete before the worker started
    finally:
        main_window.close()
        fresh.shutdown()
