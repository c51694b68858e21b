"""run_gui: start the Qt application, show the window, optionally render a screenshot and exit.

Kept apart from cli.py so `calclab --version` and the engine subcommands never import Qt.
"""

from __future__ import annotations

import os
import sys
import time
import traceback

SCREENSHOT_SIZE = (1400, 900)
SCREENSHOT_TIMEOUT_S = 10.0   # wait at most this long for the tab's asynchronous work
# Settled: no job or formula pending, no single-shot timer of at most SHORT_TIMER_MS running (its work would change
# the picture), and then either SCREENSHOT_QUIET_PASSES event-loop passes in a row that painted, moved or delivered
# nothing, or SCREENSHOT_SETTLE_S idle (a window that keeps animating something).
SCREENSHOT_SETTLE_S = 0.05
SCREENSHOT_QUIET_PASSES = 2
SHORT_TIMER_MS = 100


def run_gui(tab: str | None = None, screenshot: str | None = None, session: str | None = None) -> int:
    """Open the calclab window (on `tab`); with `screenshot`, save the window as PNG and return 0.

    Returns the process exit code: 2 for a bad tab name or an unwritable screenshot path, 1 if a tab
    failed or raised while taking a screenshot. `session` is a .calclab file to open; without it an interactive
    run restores the last autosave. A screenshot run never restores or autosaves, and says problems on stderr.
    """
    from calclab.state import TAB_NAMES

    if tab is not None and tab not in TAB_NAMES:
        print(f"error: unknown tab '{tab}'; choose from {', '.join(TAB_NAMES)}", file=sys.stderr)
        return 2
    if screenshot is not None:
        from calclab.atomic import WriteError, check_writable

        try:   # a missing or unwritable folder, a device, a fifo, a read-only file: before the window starts
            check_writable(screenshot)
        except WriteError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2

    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from calclab import __version__
    from calclab.ui.import_tax import skip_source_scan

    skip_source_scan()   # before pyqtgraph brings NumPy, and the first tab SymPy
    from calclab.ui.worker import SymbolicWorker

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("calclab")
    app.setOrganizationName("calclab")
    app.setApplicationVersion(__version__)
    from calclab.ui.icon import apply_to_application

    apply_to_application(app)   # the window and taskbar icon, and the desktop entry the taskbar matches

    # The worker process imports SymPy and warms up (about a second of CPU). The first views' jobs have shipped
    # results (calclab.engine.jobs.shipped), so it is not needed for them: the window starts it once its first
    # tab is complete, so the two do not compete for the CPU on a busy machine. A session or autosave brings the
    # user's own states, whose jobs are not shipped: then it starts at once, on the other core, as the window
    # imports pyqtgraph and builds the first tab. (Any job that finds no shipped result starts it, too.)
    worker = SymbolicWorker()
    from calclab.ui.main_window import MainWindow
    from calclab.ui.tabs.base import TabBase

    TabBase.shipped_first_view = True   # the Derivatives tab may open on its shipped view, before SymPy is loaded

    window = MainWindow(worker, initial_tab=tab, eager_tabs=screenshot is None)
    interactive = screenshot is None
    window.session.start(session, interactive=interactive, autosave=interactive, restore_window=interactive,
                         tab_given=tab is not None)
    if window.session.restored_states():
        worker.start()
    app.aboutToQuit.connect(window.session.save_on_exit)
    if interactive:
        from calclab.ui.learn import install_when_ready

        install_when_ready(window)   # the Learn panel, once the first tab shows its result
    app.aboutToQuit.connect(worker.shutdown)
    errors: list[str] = []
    if screenshot is not None:
        _record_exceptions(errors)
        window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)  # render without flashing on a desktop
        window.resize(*SCREENSHOT_SIZE)
        QTimer.singleShot(0, lambda: app.exit(_take_screenshot(window, screenshot, errors)))
    window.show()
    code = app.exec()
    worker.shutdown()
    return code


def _record_exceptions(errors: list[str]) -> None:
    """In screenshot mode an exception in a slot is printed to stderr and makes the exit code 1."""
    def hook(exc_type, exc, tb) -> None:
        traceback.print_exception(exc_type, exc, tb, file=sys.stderr)
        errors.append(f"{exc_type.__name__}: {exc}")

    sys.excepthook = hook


def _tab_busy(window) -> bool:
    """The tab in front still waits for a job or a formula (TabBase.is_busy)."""
    from calclab.ui.tabs.base import TabBase

    tab = window.tab(window.current_tab_name(), build=False)
    return isinstance(tab, TabBase) and tab.is_busy()


def _short_timer_running(window) -> bool:
    """A single-shot timer of the window's fires soon (a plot's range refit, a legend placed again): what it does
    would change the picture. (Repeating timers, animations, may never stop: the tab's is_busy covers its own.)"""
    from PySide6.QtCore import QTimer

    return any(timer.isActive() and timer.isSingleShot() and timer.interval() <= SHORT_TIMER_MS
               for timer in window.findChildren(QTimer))


class _EventCount:
    """While in a `with`: counts the events that change or are about to change the picture (paints, moves and
    resizes, timers, queued calls, posted deletions), delivered to any object."""

    def __enter__(self):
        from PySide6.QtCore import QEvent, QObject
        from PySide6.QtWidgets import QApplication

        kinds = {QEvent.Type.Paint, QEvent.Type.UpdateRequest, QEvent.Type.Timer, QEvent.Type.MetaCall,
                 QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.Show, QEvent.Type.DeferredDelete}
        # (not LayoutRequest: a layout that changes anything moves, resizes or paints)
        counter = self

        class Filter(QObject):
            def eventFilter(self, _watched, event) -> bool:  # noqa: N802 - Qt override
                if event.type() in kinds:
                    counter.count += 1
                return False

        self.count = 0
        self._filter = Filter()
        QApplication.instance().installEventFilter(self._filter)
        return self

    def __exit__(self, *_exc) -> None:
        from PySide6.QtWidgets import QApplication

        QApplication.instance().removeEventFilter(self._filter)


def _take_screenshot(window, path: str, errors: list[str]) -> int:
    """Build the tab, wait for its work to settle, grab the window and save it (via a temporary name)."""
    from PySide6.QtCore import QCoreApplication

    from calclab.ui.widgets.formula_view import typesetting_idle

    window.ensure_started()
    QCoreApplication.processEvents()   # the tab's first paint: never a quiet pass, so not watched event by event
    deadline = time.monotonic() + SCREENSHOT_TIMEOUT_S
    idle_since = None
    quiet = 0
    with _EventCount() as events:
        while time.monotonic() < deadline:
            events.count = 0
            QCoreApplication.processEvents()
            # Long formulas arrive from the typesetting process; a tab says when it still waits for anything else.
            if window.worker.is_idle() and typesetting_idle() and not _tab_busy(window):
                idle_since = idle_since or time.monotonic()
                pending = _short_timer_running(window)
                quiet = quiet + 1 if events.count == 0 and not pending else 0
                if not pending and (quiet >= SCREENSHOT_QUIET_PASSES
                                    or time.monotonic() - idle_since >= SCREENSHOT_SETTLE_S):
                    break
                if events.count == 0:
                    time.sleep(0.002)   # (after a busy pass, the next at once: what it posted)
            else:
                idle_since, quiet = None, 0
                window.worker.wait_idle(max(0.0, deadline - time.monotonic()))
                time.sleep(0.01)
        else:
            print(f"warning: the tab was still computing after {SCREENSHOT_TIMEOUT_S:g} s; "
                  "the screenshot shows it unfinished", file=sys.stderr)
    QCoreApplication.processEvents()
    pixmap = window.grab()
    root, ext = os.path.splitext(path)
    temporary = f"{root}.part{ext or '.png'}"
    if not pixmap.save(temporary, "PNG"):
        if os.path.exists(temporary):
            os.remove(temporary)
        print(f"error: cannot write the screenshot to '{path}'", file=sys.stderr)
        return 2
    try:
        os.replace(temporary, path)
    except OSError as exc:
        print(f"error: cannot write the screenshot to '{path}': {exc.strerror}", file=sys.stderr)
        return 2
    errors.extend(window.build_errors)
    for message in errors:
        print(f"error: {message}", file=sys.stderr)
    return 1 if errors else 0
