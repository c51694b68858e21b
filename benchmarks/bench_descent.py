"""Descent figures in the real window: one Step (engine, table, plots, labels, repaint), the bare-pyqtgraph floor
for the same 2-D plot items, and resident memory over many Steps."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np
from gui_harness import Bench, rss_mb

DESCENT_1D = {"expression": "x^4 - 3x^2 + x", "start": [2.0], "learning_rate": 0.02}
DESCENT_2D = {"expression": "x^2 + 10y^2", "start": [-9.0, 2.5], "learning_rate": 0.02}


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


def baseline_window_2d(bench: Bench) -> tuple[object, Callable[[], None]]:
    """Bare pyqtgraph: the 2-D Descent plots' items, and a step() that updates them with setData, nothing else.

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

    return window, step


def descent_baseline_2d(bench: Bench, steps: int) -> dict:
    """Median ms of one bare-pyqtgraph step of the 2-D items plus repaint (see baseline_window_2d)."""
    window, step = baseline_window_2d(bench)
    times, paints = time_steps(bench, step, steps)
    window.close()
    return {"median_ms": statistics.median(times) * 1e3, "paints_per_step": paints}


def descent_2d_with_baseline(bench: Bench, steps: int, block: int = 25) -> dict:
    """2-D Steps in the tab and bare-pyqtgraph steps, in alternating blocks of `block`, so that a busy spell of
    a shared machine slows both alike: {"descent_2d": {...}, "descent_baseline_2d": {...}}."""
    tab = descent_tab(bench, DESCENT_2D, epochs=steps + 10)
    click = tab.button_step.click if hasattr(tab, "button_step") else tab.step
    window, step = baseline_window_2d(bench)
    app_times: list[float] = []
    base_times: list[float] = []
    app_paints = base_paints = 0.0
    while len(app_times) < steps:
        n = min(block, steps - len(app_times))
        times, paints = time_steps(bench, click, n)
        app_times += times
        app_paints += paints * n
        times, paints = time_steps(bench, step, n)
        base_times += times
        base_paints += paints * n
    window.close()
    run = tab.primary()
    if run is None or run.epoch != steps:
        raise RuntimeError(f"expected {steps} steps, the run is at epoch {getattr(run, 'epoch', None)}")
    return {"descent_2d": {"median_ms": statistics.median(app_times) * 1e3,
                           "p90_ms": float(np.percentile(app_times, 90)) * 1e3, "paints_per_step": app_paints / steps},
            "descent_baseline_2d": {"median_ms": statistics.median(base_times) * 1e3,
                                    "paints_per_step": base_paints / steps}}



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


PREVIEW_2D = {"expression": "x^2 + 10y^2", "start": [-9.0, 2.5], "learning_rate": 0.02, "compare": True,
              "compare_optimizers": ["sgd", "momentum", "adam"], "x_range": (-10.0, 10.0), "y_range": (-4.0, 4.0)}


def preview_redraws(bench: Bench, drags: int) -> dict:
    """Redraws a second while η's slider is dragged with Preview on (issue 16): 2-D, 100 epochs, three compared
    optimizers, the 256x256 map. Each slider position: the preview recomputes the three whole paths once, then
    every view repaints (bench.settle), as a drag would show it."""
    from calclab.ui.tabs.descent.contour import GRID_SIZE

    tab = descent_tab(bench, PREVIEW_2D, epochs=100)
    if not hasattr(tab, "check_preview"):
        raise RuntimeError("the Descent tab has no Preview switch yet")
    tab.check_preview.setChecked(True)
    bench.settle()
    slider = tab.inputs.slider_learning_rate
    middle = slider.value()
    sweep = list(range(middle - 80, middle + 80, 4))
    positions = (sweep + sweep[::-1]) * (drags // (2 * len(sweep)) + 1)
    times = []
    try:
        for position in positions[:drags]:
            start = time.perf_counter()
            slider.setValue(position)
            bench.settle()
            times.append(time.perf_counter() - start)
            if tab.preview.timer.isActive() or any(run.epoch == 0 for _name, run in tab.runs):
                raise RuntimeError("the preview did not redraw the paths within one settle")
    finally:
        tab.check_preview.setChecked(False)    # the parts after this one step the tab
        bench.settle()
    median = statistics.median(times)
    return {"redraws_per_s": 1.0 / median, "median_ms": median * 1e3,
            "p90_ms": float(np.percentile(times, 90)) * 1e3, "runs": len(tab.runs),
            "epochs": tab.primary().epochs, "map": GRID_SIZE}
