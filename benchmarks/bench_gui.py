"""GUI figures, measured in the real calclab window (offscreen Qt unless QT_QPA_PLATFORM says otherwise).

Run as its own process by run.py (`python bench_gui.py [--quick] --json`), so Qt state and memory are its own.
Each part drives a tab through its public API or like a user would (key clicks into the expression box), and
counts a step or keystroke as done only once the window has repainted: Qt paints dirty widgets when it
processes its posted update requests, so `settle()` processes events until a pass paints nothing new.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
import traceback
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QEvent, QObject, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

WINDOW_SIZE = (1400, 900)
SAMPLER = None   # a StallSampler with --diagnose
SETTLE_PASSES = 5
DESCENT_1D = {"expression": "x^4 - 3x^2 + x", "start": [2.0], "learning_rate": 0.02}
DESCENT_2D = {"expression": "x^2 + 10y^2", "start": [-9.0, 2.5], "learning_rate": 0.02}


class PaintCounter(QObject):
    """Counts QEvent.Paint deliveries application-wide (proof that a step really repainted)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint:
            self.count += 1
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


# --- descent -------------------------------------------------------------------------------------------------


def descent_tab(bench: Bench, setup: dict, epochs: int):
    """The Descent tab showing `setup` (expression, start, lr) with room for `epochs` steps, ready to step."""
    from calclab.state.descent import DescentState

    tab = bench.tab("descent")
    if not hasattr(tab, "set_state") or not hasattr(tab, "is_ready"):
        raise RuntimeError("the Descent tab has no set_state/is_ready yet")
    tab.set_state(DescentState(epochs=epochs, **setup))
    if not bench.wait(tab.is_ready, 30.0):
        raise RuntimeError("the Descent tab did not get ready within 30 s")
    bench.settle()
    return tab


def time_steps(bench: Bench, step: Callable[[], object], steps: int) -> tuple[list[float], float]:
    """Seconds per step (step() then repaint) and the mean number of paints per step."""
    times, paints = [], 0
    for _ in range(steps):
        start = time.perf_counter()
        step()
        paints += bench.settle()
        times.append(time.perf_counter() - start)
    return times, paints / max(steps, 1)


def descent_steps(bench: Bench, setup: dict, steps: int) -> dict:
    """Median ms of one Step (the button's click: engine step, table, plots, labels, repaint)."""
    tab = descent_tab(bench, setup, epochs=steps + 10)
    click = tab.button_step.click if hasattr(tab, "button_step") else tab.step
    times, paints = time_steps(bench, click, steps)
    run = tab.primary()
    if run is None or run.epoch != steps:
        raise RuntimeError(f"expected {steps} steps, the run is at epoch {getattr(run, 'epoch', None)}")
    return {"median_ms": statistics.median(times) * 1e3, "p90_ms": float(np.percentile(times, 90)) * 1e3,
            "paints_per_step": paints}


def descent_baseline_2d(bench: Bench, steps: int) -> dict:
    """Bare pyqtgraph: the 2-D Descent plots' items updated with setData and repainted, nothing else.

    The same items on plots of the same size and look as the tab's (grid, legend, axes cached as pixmaps and
    a loss window that only moves when the data leaves it, like the tab's): a 256x256 RGBA map and contour
    lines set once; per step the path line, the recent markers, the current point, the step arrow and the loss
    curve. What it leaves out is what calclab adds: the engine step, the table, the labels and the buttons.
    """
    import pyqtgraph as pg
    from PySide6.QtWidgets import QGraphicsItem, QHBoxLayout, QWidget

    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    window = QWidget()
    layout = QHBoxLayout(window)
    plot, loss_plot = pg.PlotWidget(), pg.PlotWidget()
    for widget, size in ((plot, (701, 465)), (loss_plot, (351, 468))):   # the tab's plot sizes at 1400x900
        widget.setFixedSize(*size)
        layout.addWidget(widget)
        widget.getPlotItem().showGrid(x=True, y=True, alpha=0.25)
        for side in ("left", "bottom", "right", "top"):
            widget.getPlotItem().getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    grid = np.linspace(-10.0, 10.0, 256)
    gx, gy = np.meshgrid(grid, grid)
    f = gx ** 2 + 10 * gy ** 2
    rank = np.argsort(np.argsort(f.ravel())).reshape(f.shape) / f.size
    rgba = np.empty((256, 256, 4), dtype=np.uint8)
    rgba[..., 0], rgba[..., 1], rgba[..., 2], rgba[..., 3] = rank * 110 + 128, rank * 90 + 150, 200, 255
    image = pg.ImageItem(rgba, axisOrder="row-major")
    image.setRect(-10.0, -10.0, 20.0, 20.0)
    plot.addItem(image)
    t = np.linspace(0, 2 * np.pi, 200)
    levels = np.linspace(1, 100, 14)
    contour_x = np.concatenate([np.append(np.sqrt(level) * np.cos(t), np.nan) for level in levels])
    contour_y = np.concatenate([np.append(np.sqrt(level / 10) * np.sin(t), np.nan) for level in levels])
    plot.addItem(pg.PlotDataItem(contour_x, contour_y, pen=pg.mkPen((60, 60, 60, 110)), connect="finite"))
    legend = plot.getPlotItem().addLegend(offset=(-10, 10))
    line = pg.PlotDataItem([], [], pen=pg.mkPen("#D55E00", width=2), connect="finite")
    markers = pg.ScatterPlotItem([], [], size=9, pen=pg.mkPen("w"), brush=pg.mkBrush("#D55E00"))
    current = pg.ScatterPlotItem([], [], size=15, pen=pg.mkPen("w", width=2), brush=pg.mkBrush("#D55E00"))
    start_marker = pg.ScatterPlotItem([-9.0], [2.5], symbol="s", size=12)
    arrow = pg.PlotDataItem([], [], pen=pg.mkPen("#C62828", width=3))
    head = pg.ArrowItem(angle=0, headLen=16, headWidth=11, tailLen=0)
    for item in (line, markers, current, start_marker, arrow, head):
        plot.addItem(item)
    legend.addItem(line, "path (sgd)")
    legend.addItem(arrow, "next step")
    plot.setRange(xRange=(-11.25, 11.25), yRange=(-11.25, 11.25), padding=0)
    plot.getPlotItem().getViewBox().setAspectLocked(True, ratio=1.0)
    loss = loss_plot.plot([], [], pen=pg.mkPen("#D55E00", width=2))
    # Axes that move on every step would cost more than everything else (their ticks and grid are redrawn):
    # like the tab, widen the epoch axis by doubling and keep the loss axis fixed while the data fits.
    loss_plot.getPlotItem().disableAutoRange()
    loss_plot.getPlotItem().setClipToView(True)
    loss_plot.getPlotItem().setDownsampling(auto=True, mode="peak")
    f0 = 9.0 ** 2 + 10 * 2.5 ** 2
    loss_plot.setYRange(-0.05 * f0, 1.05 * f0, padding=0.0)
    x_max = [10.0]
    loss_plot.setXRange(0.0, x_max[0], padding=0.02)
    window.show()
    bench.settle()

    point, lr = np.array([-9.0, 2.5]), 0.02
    path, values = [point.copy()], [float(point[0] ** 2 + 10 * point[1] ** 2)]

    def step() -> None:
        nonlocal point
        gradient = np.array([2 * point[0], 20 * point[1]])
        point = point - lr * gradient
        path.append(point.copy())
        values.append(float(point[0] ** 2 + 10 * point[1] ** 2))
        xy = np.array(path)
        line.setData(xy[:, 0], xy[:, 1], connect="finite")
        markers.setData(xy[-300:, 0], xy[-300:, 1])
        current.setData(xy[-1:, 0], xy[-1:, 1])
        following = point - lr * np.array([2 * point[0], 20 * point[1]])
        arrow.setData([point[0], following[0]], [point[1], following[1]])
        head.setPos(following[0], following[1])
        loss.setData(np.arange(len(values), dtype=float), np.array(values))
        if len(values) - 1 > x_max[0]:
            x_max[0] *= 2
            loss_plot.setXRange(0.0, x_max[0], padding=0.02)

    times, paints = time_steps(bench, step, steps)
    window.close()
    return {"median_ms": statistics.median(times) * 1e3, "paints_per_step": paints}


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc)."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def descent_memory(bench: Bench, steps: int) -> dict:
    """Resident memory growth over `steps` 2-D descent Steps in the GUI (after 50 warm-up steps)."""
    tab = descent_tab(bench, DESCENT_2D, epochs=steps + 60)
    click = tab.button_step.click if hasattr(tab, "button_step") else tab.step
    for _ in range(50):
        click()
        bench.settle()
    before = rss_mb()
    start = time.perf_counter()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        click()
        bench.settle()
        times.append(time.perf_counter() - t0)
    after = rss_mb()
    run = tab.primary()
    if run is None or run.epoch != steps + 50:
        raise RuntimeError(f"expected {steps + 50} steps, the run is at epoch {getattr(run, 'epoch', None)}")
    return {"growth_mb": after - before, "rss_before_mb": before, "seconds": time.perf_counter() - start,
            "last_1000_median_ms": statistics.median(times[-1000:]) * 1e3}


# --- typing and stalls ---------------------------------------------------------------------------------------


def expression_box_of(tab):
    from calclab.ui.widgets.expression_box import ExpressionBox

    boxes = tab.findChildren(ExpressionBox)
    if not boxes:
        raise RuntimeError(f"{type(tab).__name__} has no ExpressionBox")
    return boxes[0]


def curve_snapshot(plot_widget) -> list[tuple]:
    """A fingerprint of each curve's data (length, sums, ends): changes when a curve is redrawn with new data.

    (Not the arrays' ids: CPython reuses a freed array's address for the next one.)
    """
    import pyqtgraph as pg

    prints = []
    for item in plot_widget.getPlotItem().listDataItems():
        if isinstance(item, pg.PlotDataItem):
            xs, ys = item.getData()
            if xs is None or ys is None or len(ys) == 0:
                prints.append((0,))
                continue
            with np.errstate(all="ignore"):
                prints.append((len(ys), float(np.nansum(xs)), float(np.nansum(ys)), float(np.nansum(ys * ys))))
    return prints


def typing_latency(bench: Bench, keystrokes: int) -> dict:
    """Keystroke to repainted curve on the Derivatives tab: append digits to a divisor, so every key makes a new
    valid f (and f'). Reports the median to the first changed curve (f, drawn at once) and to the last curve
    the tab redraws for that key (f' arrives from the worker)."""
    from PySide6.QtTest import QTest

    tab = bench.tab("derivatives")
    plot = tab.main_plot() if hasattr(tab, "main_plot") else None
    if plot is None:
        raise RuntimeError("the Derivatives tab has no main_plot() yet")
    box = expression_box_of(tab)
    box.set_text("x^3/1")
    bench.wait(bench.worker.is_idle, 30.0)
    time.sleep(0.1)
    bench.settle()
    first, last = [], []
    for index in range(keystrokes):
        before = curve_snapshot(plot)
        changed_at = []
        start = time.perf_counter()
        QTest.keyClicks(box.line_edit, str(1 + index % 9))
        deadline = start + 3.0
        while time.perf_counter() < deadline:
            bench.app.processEvents()
            now = curve_snapshot(plot)
            changes = sum(a != b for a, b in zip(now, before, strict=False))
            if changes > len(changed_at):
                bench.settle()
                changed_at.extend([time.perf_counter() - start] * (changes - len(changed_at)))
                if changes >= len(before):
                    break
            if changed_at and bench.worker.is_idle() and time.perf_counter() - start > changed_at[-1] + 0.05:
                break
            time.sleep(0.0005)
        if changed_at:
            first.append(changed_at[0])
            last.append(changed_at[-1])
        bench.wait(bench.worker.is_idle, 5.0)
        time.sleep(0.06)   # the next key comes after the previous result, as a typing person's would
        bench.settle()
    if not first:
        raise RuntimeError("no curve changed after typing")
    return {"first_curve_ms": statistics.median(first) * 1e3, "all_curves_ms": statistics.median(last) * 1e3,
            "keys": len(first)}


PATHOLOGICAL = (
    "((x+1)^30 - (x-1)^30) / ((x^2+1)^12 * sin(x)^7 + cos(x)^9)",   # diff + simplify runs far past the budget
    "9^9^9",                                                       # eager integer power: the parser refuses it
    "sin(sin(sin(sin(sin(sin(sin(sin(x)))))))) ^ 12 / (1 + x^2)^(1/3)",
)


def gui_block_derivatives(bench: Bench, budget_s: float, expressions: tuple[str, ...] = PATHOLOGICAL) -> dict:
    """Longest stall while a user types pathological expressions into the Derivatives tab and waits for the
    result or the worker's "gave up"."""
    from PySide6.QtTest import QTest

    tab = bench.tab("derivatives")
    box = expression_box_of(tab)
    bench.worker.set_budget(budget_s)
    beat = Heartbeat()
    worst = 0.0
    for text in expressions:
        box.set_text("x^2")
        bench.wait(bench.worker.is_idle, budget_s + 5)
        bench.settle()
        box.line_edit.clear()
        beat.start()
        for char in text:   # key by key, with the event loop running between keys as it would for a person
            QTest.keyClicks(box.line_edit, char)
            bench.wait(lambda: False, 0.02)
        bench.wait(lambda: False, 0.1)
        bench.wait(bench.worker.is_idle, budget_s + 5)
        bench.wait(lambda: False, 0.2)
        worst = max(worst, beat.stop())
    return {"max_block_ms": worst}


def gui_block_backprop(bench: Bench, epochs: int) -> dict:
    """Longest stall while the Backprop tab trains `epochs` epochs of a 2-8-8-1 tanh net on 512 points (its own
    timer-driven training at the tab's default epochs per frame), as a user pressing Train would. (The tab's
    diagram allows at most 8 neurons a layer, so not the 2-16-16-1 net of the engine figures.)"""
    from calclab.state.backprop import BackpropState

    tab = bench.tab("backprop")
    if not all(hasattr(tab, name) for name in ("set_state", "train", "is_training")):
        raise RuntimeError("the Backprop tab has no set_state/train/is_training yet")
    if tab.set_state(BackpropState(dataset="circles", n_samples=640, test_fraction=0.2, hidden=[8, 8],
                                   activation="tanh", epochs=epochs)) is False:
        raise RuntimeError("the Backprop tab refused the benchmark's network")
    bench.settle()
    beat = Heartbeat()
    beat.start()
    tab.train()
    if not bench.wait(lambda: not tab.is_training(), 120.0):
        raise RuntimeError(f"training {epochs} epochs did not finish within 120 s")
    bench.wait(lambda: False, 0.2)
    return {"max_block_ms": beat.stop(), "speed": tab.state.speed}


# --- driver ----------------------------------------------------------------------------------------------------


def run_part(results: dict, notes: dict, name: str, func: Callable[[], dict]) -> None:
    """Run one part; a failure becomes a note (the other parts still run), never a made-up number."""
    try:
        results[name] = func()
    except Exception as exc:  # noqa: BLE001 - a missing tab API or a crash is reported, not hidden
        results[name] = None
        notes[name] = f"{type(exc).__name__}: {exc}"
        traceback.print_exc(file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--rss-steps", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--budget", type=float, default=2.0)
    parser.add_argument("--parts", default="steps,baseline,typing,block,memory")
    parser.add_argument("--quick", action="store_true", help="one pathological expression instead of all")
    parser.add_argument("--diagnose", action="store_true", help="print where the GUI thread stalled (stderr)")
    args = parser.parse_args(argv)
    global SAMPLER
    if args.diagnose:
        SAMPLER = StallSampler()
    parts = set(args.parts.split(","))
    bench = Bench()
    results: dict = {}
    notes: dict = {}
    if "steps" in parts:
        run_part(results, notes, "descent_1d", lambda: descent_steps(bench, DESCENT_1D, args.steps))
        run_part(results, notes, "descent_2d", lambda: descent_steps(bench, DESCENT_2D, args.steps))
    if "baseline" in parts:
        run_part(results, notes, "descent_baseline_2d", lambda: descent_baseline_2d(bench, args.steps))
    if "typing" in parts:
        run_part(results, notes, "typing", lambda: typing_latency(bench, args.keys))
    if "block" in parts:
        run_part(results, notes, "block_derivatives", lambda: gui_block_derivatives(
            bench, args.budget, PATHOLOGICAL[:1] if args.quick else PATHOLOGICAL))
        run_part(results, notes, "block_backprop", lambda: gui_block_backprop(bench, args.epochs))
    if "memory" in parts:
        run_part(results, notes, "memory", lambda: descent_memory(bench, args.rss_steps))
    bench.close()
    if SAMPLER is not None:
        print("GUI-thread stalls by place (sampled every 10 ms while late):\n" + SAMPLER.report(), file=sys.stderr)
    print(json.dumps({"results": results, "notes": notes}, default=lambda v: None if not math.isfinite(v) else v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
