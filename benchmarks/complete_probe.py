"""Child process of the complete-start benchmark (bench_complete.py). Prints one JSON line, {"t": wall clock, ...}.

    python complete_probe.py bare OUT.png       the issue's bare window: QApplication, a pyqtgraph PlotWidget with a
                                                three-point curve at 1200x800, shown, events processed once, grab()
                                                saved to OUT.png; "t" is after the save
    python complete_probe.py complete OUT.png   `calclab --screenshot OUT.png` (the real entry point); "t" is when
                                                the screenshot is saved: the first tab complete (jobs done, formulas
                                                typeset, painted), what --screenshot waits for
    python complete_probe.py usable             `calclab` as a user starts it; "t" is the first paint after the
                                                first tab's expression box takes keys and its f curve is drawn
                                                (seen from the window's own repaint requests)

Both also report "rss_mb": the peak resident memory (VmHWM) of this process and all its descendants (the worker
processes) added up, read at that moment: an upper bound of the peak of the sum. The parent notes the wall clock
just before starting this process. calclab is observed through an import hook that wraps functions once their
module is imported, so the order and timing of calclab's own imports are unchanged (a probe that imported the
window's modules first would move their cost out of the measured start).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import json
import os
import sys
import time

READY_TIMEOUT_S = 60.0


def peak_rss_mb(pid: int | None = None) -> float:
    """VmHWM of `pid` (default: this process) and of all its descendants, in MB."""
    pid = os.getpid() if pid is None else pid
    total = 0.0
    try:
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    for task in os.listdir(f"/proc/{pid}/task") if os.path.isdir(f"/proc/{pid}/task") else ():
        try:
            with open(f"/proc/{pid}/task/{task}/children") as file:
                children = [int(child) for child in file.read().split()]
        except OSError:
            children = []
        for child in children:
            total += peak_rss_mb(child)
    return total


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) `pid` has used so far; 0 if unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            fields = file.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _descendants(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task") if os.path.isdir(f"/proc/{pid}/task") else ():
        try:
            with open(f"/proc/{pid}/task/{task}/children") as file:
                children = [int(child) for child in file.read().split()]
        except OSError:
            children = []
        for child in children:
            found += [child, *_descendants(child)]
    return found


def report(**fields) -> None:
    """Print the JSON line: wall clock, peak memory, and CPU seconds of this process and of its descendants."""
    me = os.getpid()
    sys.stdout.write(json.dumps({"t": time.time(), "rss_mb": round(peak_rss_mb(), 1), "cpu_s": cpu_s(me),
                                 "children_cpu_s": sum(cpu_s(pid) for pid in _descendants(me)), **fields}) + "\n")
    sys.stdout.flush()


class _AfterImport(importlib.abc.MetaPathFinder):
    """Calls hooks[name](module) right after module `name` is first imported (by whoever imports it)."""

    def __init__(self, hooks: dict) -> None:
        self.hooks = hooks

    def find_spec(self, name, path, target=None):
        if name not in self.hooks:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_module(module) -> None:
            execute(module)
            self.hooks.pop(name)(module)

        spec.loader.exec_module = exec_module
        return spec


def run_bare(out: str) -> int:
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    widget = pg.PlotWidget()
    widget.plot([0.0, 1.0, 2.0], [0.0, 1.0, 4.0])
    widget.resize(1200, 800)
    widget.show()
    app.processEvents()
    widget.grab().save(out)
    report()
    return 0


def run_complete(out: str) -> int:
    def on_app(app_module) -> None:
        take = app_module._take_screenshot

        def take_screenshot(window, path, errors):
            code = take(window, path, errors)
            tab = window.tab(window.current_tab_name(), build=False)
            finished = window.worker.is_idle() and not (hasattr(tab, "is_busy") and tab.is_busy())
            report(code=code, finished=finished)   # finished: the tab shows its results, none still computing
            return code

        app_module._take_screenshot = take_screenshot

    sys.meta_path.insert(0, _AfterImport({"calclab.app": on_app}))
    from calclab.cli import main

    return main(["--screenshot", out])


def _usable(window) -> bool:
    """The tab in front takes keys in its expression box and shows its f curve."""
    tab = window.tab(window.current_tab_name(), build=False)
    box = getattr(tab, "expression_box", None)
    plot = getattr(tab, "plot", None)
    curve = getattr(plot, "curve_f", None)
    if box is None or curve is None or not box.line_edit.isEnabled() or box.line_edit.isReadOnly():
        return False
    xs, _ys = curve.getData()
    return xs is not None and len(xs) > 0 and curve.isVisible()


def run_usable() -> int:
    from PySide6.QtCore import QEvent, QObject, QTimer

    def on_main_window(module) -> None:
        original_init = module.MainWindow.__init__

        class Watch(QObject):
            """Once the window is usable, its next repaint (then that frame's turn ends). It watches the window's
            own UpdateRequest, in which Qt paints every widget that needs it: a filter on every event of the
            application (as this probe first had) ran Python for each of the thousands of events a launch
            delivers, and slowed the launch it measured."""

            def __init__(self, window) -> None:
                super().__init__(window)
                self.window = window
                self.armed = False

            def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
                if event.type() == QEvent.Type.UpdateRequest and not self.armed and _usable(self.window):
                    self.armed = True
                    QTimer.singleShot(0, self.done)
                return False

            def done(self) -> None:
                report()
                self.window.worker.shutdown()
                os._exit(0)   # no teardown: exit is not start-up

        def init(self, *args, **kwargs) -> None:
            original_init(self, *args, **kwargs)
            self.installEventFilter(Watch(self))
            QTimer.singleShot(int(READY_TIMEOUT_S * 1000), lambda: os._exit(3))

        module.MainWindow.__init__ = init

    sys.meta_path.insert(0, _AfterImport({"calclab.ui.main_window": on_main_window}))
    from calclab.cli import main

    return main([])


if __name__ == "__main__":
    kind = sys.argv[1] if len(sys.argv) > 1 else ""
    if kind == "bare":
        sys.exit(run_bare(sys.argv[2]))
    if kind == "complete":
        sys.exit(run_complete(sys.argv[2]))
    if kind == "usable":
        sys.exit(run_usable())
    print("usage: complete_probe.py bare|complete OUT.png | usable", file=sys.stderr)
    sys.exit(2)
