"""The harness the GUI benchmarks share: the application with one real calclab window, a repaint-aware
`settle()`, a QTimer heartbeat that measures event-loop stalls, and the --diagnose stall sampler.

Qt runs offscreen unless QT_QPA_PLATFORM says otherwise. Qt paints dirty widgets when it processes its posted
update requests, so `settle()` processes events until a pass paints nothing new: a step or keystroke counts as
done only once the window has repainted.
"""

from __future__ import annotations

import collections
import os
import sys
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

WINDOW_SIZE = (1400, 900)
SETTLE_PASSES = 5
SAMPLER = None   # a StallSampler with --diagnose (set by bench_gui.main)


class PaintCounter(QObject):
    """Counts QEvent.Paint deliveries application-wide (proof that a step really repainted)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.times: collections.deque[float] = collections.deque(maxlen=4096)   # when each paint was delivered

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint:
            self.count += 1
            self.times.append(time.perf_counter())
        return False


class Heartbeat(QObject):
    """A fast QTimer; the longest gap between its ticks is the longest the event loop could not react."""

    INTERVAL_MS = 5

    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(self.INTERVAL_MS)
        self.timer.timeout.connect(self._on_tick)
        self.last = 0.0
        self.max_gap_s = 0.0
        self.active = False

    def start(self) -> None:
        self.max_gap_s = 0.0
        self.last = time.perf_counter()
        self.timer.start()
        self.active = True
        if SAMPLER is not None:
            SAMPLER.beat = self

    def stop(self) -> float:
        """Stop; return the longest stall in ms (gap beyond the timer's own interval)."""
        self._on_tick()
        self.timer.stop()
        self.active = False
        return max(0.0, self.max_gap_s * 1e3 - self.INTERVAL_MS)

    def _on_tick(self) -> None:
        now = time.perf_counter()
        self.max_gap_s = max(self.max_gap_s, now - self.last)
        self.last = now


class StallSampler:
    """Diagnostics (--diagnose): while a Heartbeat runs, sample the GUI thread's stack whenever the heartbeat is
    late by more than `late_ms`, and count where it was (innermost calclab frame first). Says which code stalls."""

    def __init__(self, late_ms: float = 40.0) -> None:
        import collections
        import threading

        self.late_s = late_ms / 1e3
        self.counts: collections.Counter[str] = collections.Counter()
        self.beat: Heartbeat | None = None
        self._main = threading.get_ident()
        self._stop = False
        threading.Thread(target=self._run, name="stall-sampler", daemon=True).start()

    def _run(self) -> None:
        import traceback

        while not self._stop:
            time.sleep(0.01)
            beat = self.beat
            if beat is None or not beat.active or time.perf_counter() - beat.last < self.late_s:
                continue
            frame = sys._current_frames().get(self._main)
            if frame is None:
                continue
            stack = traceback.extract_stack(frame)
            ours = [f for f in stack if "/calclab/" in f.filename or "pyqtgraph" in f.filename
                    or "matplotlib" in f.filename or "sympy" in f.filename]
            chosen = (ours or stack)[-4:]
            self.counts[" <- ".join(f"{Path_name(f.filename)}:{f.lineno} {f.name}" for f in reversed(chosen))] += 1

    def report(self) -> str:
        self._stop = True
        return "\n".join(f"{n * 10:5d} ms  {where}" for where, n in self.counts.most_common(15))


def Path_name(filename: str) -> str:  # noqa: N802 - tiny helper
    parts = filename.split("/")
    return "/".join(parts[-2:])


class Bench:
    """The application, one calclab window with its worker, and the helpers every part uses."""

    def __init__(self) -> None:
        self.app = QApplication.instance() or QApplication(sys.argv[:1])
        self.painter = PaintCounter()
        self.app.installEventFilter(self.painter)
        self.window = None
        self.worker = None

    def settle(self) -> int:
        """Process events until a pass paints nothing new; return the paints seen."""
        before = self.painter.count
        for _ in range(SETTLE_PASSES):
            seen = self.painter.count
            self.app.processEvents()
            if self.painter.count == seen:
                break
        return self.painter.count - before

    def wait(self, condition: Callable[[], bool], timeout_s: float) -> bool:
        """Run the event loop until condition() or the timeout; True if the condition became true."""
        deadline = time.perf_counter() + timeout_s
        while not condition():
            if time.perf_counter() > deadline:
                return False
            self.app.processEvents()
            time.sleep(0.0005)
        return True

    def calclab_window(self):
        """The real MainWindow (tabs built on demand), shown at 1400x900 with its worker warm."""
        if self.window is None:
            from calclab.ui.main_window import MainWindow
            from calclab.ui.worker import SymbolicWorker

            self.worker = SymbolicWorker()
            self.window = MainWindow(self.worker, initial_tab="descent", eager_tabs=False)
            self.window.resize(*WINDOW_SIZE)
            self.window.show()
            self.window.ensure_started()
            self.settle()
        return self.window

    def tab(self, name: str):
        window = self.calclab_window()
        window.select_tab(name)
        tab = window.tab(name)
        self.settle()
        return tab

    def close(self) -> None:
        if self.window is not None:
            self.window.close()
            self.worker.shutdown()


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc)."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
