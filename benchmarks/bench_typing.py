"""Typing and stall figures: keystroke to repainted curve on the Derivatives tab, and the longest event-loop stall
while pathological expressions are typed there and while the Backprop tab trains."""

from __future__ import annotations

import statistics
import time

import numpy as np
from gui_harness import Bench, Heartbeat


def expression_box_of(tab):
    from calclab.ui.widgets.expression_box import ExpressionBox

    boxes = sorted(tab.findChildren(ExpressionBox), key=lambda b: not b.isVisible())   # the one a user sees
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
                # Stamped at the first paint after the new data: settle() may go on to handle f' arriving
                # from the worker and typesetting, which the learner sees later, not as curve latency.
                seen = time.perf_counter()
                bench.settle()
                painted = next((t for t in bench.painter.times if t >= seen), time.perf_counter())
                changed_at.extend([painted - start] * (changes - len(changed_at)))
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


# Templates: each repetition types a variant ({k} = 1, 2, 3; {n} = 9, 8, 7), so no cache makes a repeat cheaper.
PATHOLOGICAL = (
    "((x+{k})^30 - (x-1)^30) / ((x^2+1)^12 * sin(x)^7 + cos(x)^9)",   # diff + simplify runs far past the budget
    "{n}^9^9",                                                     # eager integer power: the parser refuses it
    "sin(sin(sin(sin(sin(sin(sin(sin(x)))))))) ^ 12 / (1 + {k}x^2)^(1/3)",
)
# The Chain Rule tab peels every link and lays out a step row per link: deep nests are its worst case.
CHAIN_PATHOLOGICAL = (
    "sigmoid(" * 30 + "{k}x" + ")" * 30,
    "sin(" * 60 + "{k}x" + ")" * 60,
)
REPEATS = 3


def _median_of_worst(samples: list[float]) -> float:
    """One OS hiccup on a shared machine should not decide the figure; a stall that recurs does."""
    return statistics.median(samples)


def gui_block_derivatives(bench: Bench, budget_s: float, expressions: tuple[str, ...] = PATHOLOGICAL,
                          repeats: int = REPEATS) -> dict:
    """Longest stall while a user types pathological expressions into the Derivatives tab and waits for the
    result or the worker's "gave up": per expression the median over `repeats` variants of the longest stall,
    then the worst expression."""
    return gui_block_typed(bench, "derivatives", budget_s, expressions, repeats)


def gui_block_chain(bench: Bench, budget_s: float, expressions: tuple[str, ...] = CHAIN_PATHOLOGICAL,
                    repeats: int = REPEATS) -> dict:
    """The same for the Chain Rule tab with nests 30 and 60 deep (a step row and a graph node per link)."""
    return gui_block_typed(bench, "chain", budget_s, expressions, repeats)


def gui_block_typed(bench: Bench, tab_name: str, budget_s: float, expressions: tuple[str, ...],
                    repeats: int) -> dict:
    from PySide6.QtTest import QTest

    tab = bench.tab(tab_name)
    box = expression_box_of(tab)
    bench.worker.set_budget(budget_s)
    beat = Heartbeat()
    per_expression = {}
    for template in expressions:
        stalls = []
        for k in range(1, repeats + 1):
            box.set_text("x^2")
            bench.wait(bench.worker.is_idle, budget_s + 5)
            bench.settle()
            box.line_edit.clear()
            beat.start()
            for char in template.format(k=k, n=10 - k):   # key by key, the event loop running between keys
                QTest.keyClicks(box.line_edit, char)
                bench.wait(lambda: False, 0.02)
            bench.wait(lambda: False, 0.1)
            bench.wait(bench.worker.is_idle, budget_s + 5)
            bench.wait(lambda: False, 0.2)
            stalls.append(beat.stop())
        per_expression[template] = _median_of_worst(stalls)
    return {"max_block_ms": max(per_expression.values()), "per_expression_ms": per_expression}


def gui_block_backprop(bench: Bench, epochs: int, repeats: int = REPEATS) -> dict:
    """Longest stall while the Backprop tab trains `epochs` epochs of a 2-8-8-1 tanh net on 512 points (its own
    timer-driven training at the tab's default epochs per frame), as a user pressing Train would; the median
    over `repeats` fresh networks. (The tab's diagram allows at most 8 neurons a layer, so not the 2-16-16-1
    net of the engine figures.)"""
    from calclab.state.backprop import BackpropState

    tab = bench.tab("backprop")
    if not all(hasattr(tab, name) for name in ("set_state", "train", "is_training")):
        raise RuntimeError("the Backprop tab has no set_state/train/is_training yet")
    stalls = []
    for seed in range(repeats):
        state = BackpropState(dataset="circles", n_samples=640, test_fraction=0.2, hidden=[8, 8], activation="tanh",
                              epochs=epochs, seed=seed)
        tab.set_state(state)
        if tab.state != state:
            raise RuntimeError("the Backprop tab refused the benchmark's network")
        bench.settle()
        beat = Heartbeat()
        beat.start()
        tab.train()
        if not bench.wait(lambda: not tab.is_training(), 120.0):
            raise RuntimeError(f"training {epochs} epochs did not finish within 120 s")
        bench.wait(lambda: False, 0.2)
        stalls.append(beat.stop())
    return {"max_block_ms": _median_of_worst(stalls), "each_ms": stalls, "speed": tab.state.speed}
