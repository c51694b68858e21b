"""Child process of the start-up benchmark: `python startup_probe.py calclab|baseline`.

Prints one JSON line once the window has painted for the first time, {"t": wall-clock time, "modules": [heavy
modules already imported], ...}, then exits at once. The parent notes the wall-clock time just before starting
this process, so the difference is process start (interpreter included) to first painted window.

"First painted" is judged the same way for both, from outside the app: an application-wide event filter sees
the first QEvent.Paint of any widget; Qt paints all dirty widgets of a window in one synchronous pass, so the
next event-loop turn after that event comes after the whole first frame.

- calclab: the real entry point, calclab.cli.main([]) (what the `calclab` command runs); the filter is installed
  from a wrapper around MainWindow.__init__, so no app code is changed. MainWindow's own `first_painted`
  signal time is reported too (`t_signal`), and `t_ready`: the first tab built (SymPy, matplotlib and the
  tab's widgets loaded after the first paint) and painted, when the window becomes usable.
- baseline: the floor, a bare QMainWindow holding one pyqtgraph PlotWidget.
"""

from __future__ import annotations

import json
import os
import sys
import time

HEAVY_MODULES = ("sympy", "matplotlib", "scipy", "calclab.engine.parsing")
READY_TIMEOUT_S = 30.0    # calclab: after the first frame, wait this long at most for the first tab

_times: dict[str, float] = {}


def report(worker=None) -> None:
    """Print the times and which heavy modules were imported at first paint, then exit without Qt teardown."""
    loaded = _times.get("modules", [name for name in HEAVY_MODULES if name in sys.modules])
    sys.stdout.write(json.dumps({"t": _times["paint"], "t_signal": _times.get("signal"), "modules": loaded,
                                 "t_ready": _times.get("ready")}) + "\n")
    sys.stdout.flush()
    if worker is not None:
        worker.shutdown()   # do not leave a SymPy process behind to load the machine during the next sample
    os._exit(0)   # no teardown: exit cost is not start-up


def install_first_paint_filter(app, on_first_frame) -> None:
    """Call on_first_frame() in the event-loop turn after the first QEvent.Paint any widget receives."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
            if event.type() == QEvent.Type.Paint and "paint" not in _times:
                _times["paint_event"] = time.time()
                QTimer.singleShot(0, on_first_frame)
            return False

    app._first_paint_filter = FirstPaint(app)   # keep it alive
    app.installEventFilter(app._first_paint_filter)


def run_calclab() -> int:
    """The real start-up; reports first paint, then waits for the first tab to be built and painted too."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from calclab.ui import main_window

    original_init = main_window.MainWindow.__init__
    window_box: list = []

    def on_signal() -> None:
        _times.setdefault("signal", time.time())
        _times.setdefault("modules", [name for name in HEAVY_MODULES if name in sys.modules])

    def on_first_frame() -> None:
        _times.setdefault("paint", time.time())
        _times.setdefault("modules", [name for name in HEAVY_MODULES if name in sys.modules])
        QTimer.singleShot(int(READY_TIMEOUT_S * 1000), lambda: report(window_box[0].worker))

    def on_tab_built(_name: str) -> None:
        def painted() -> None:
            QApplication.processEvents()   # the new tab's first paint
            _times["ready"] = time.time()
            report(window_box[0].worker)
        QTimer.singleShot(0, painted)

    def init(self, *args, **kwargs) -> None:
        original_init(self, *args, **kwargs)
        window_box.append(self)
        install_first_paint_filter(QApplication.instance(), on_first_frame)
        self.first_painted.connect(on_signal)
        self.tab_built.connect(on_tab_built)

    main_window.MainWindow.__init__ = init
    from calclab.cli import main

    return main([])


def run_baseline() -> int:
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication, QMainWindow

    def on_first_frame() -> None:
        _times.setdefault("paint", time.time())
        report()

    app = QApplication(sys.argv[:1])
    install_first_paint_filter(app, on_first_frame)
    window = QMainWindow()
    window.setCentralWidget(pg.PlotWidget())
    window.resize(1280, 820)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(run_calclab() if sys.argv[1:] == ["calclab"] else run_baseline())
