"""The loss-per-epoch plot: one curve per run, a log-scale toggle, and axes that move only when they must."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QWidget

from calclab.engine.descent import Descent
from calclab.ui.signals import signals_blocked
from calclab.ui.tabs.descent.items import (
    DRAW_LIMIT,
    OPTIMIZER_COLORS,
    cache_axes,
    place_legend,
    relabel_runs,
    run_label,
)
from calclab.ui.widgets.plot_panel import PlotPanel, set_curve_data


class LossView(PlotPanel):
    """f after each epoch, one curve per run, with a log-scale toggle that never feeds log10 a value <= 0."""

    log_changed = Signal(bool)   # the user switched the log scale on or off

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Loss per epoch", "epoch", "f", legend=True, parent=parent)
        cache_axes(self)
        self.check_log = QCheckBox("log scale")
        self.check_log.setToolTip("Show f on a logarithmic axis (values ≤ 0 cannot be shown there and are left out)")
        self.check_log.toggled.connect(self._on_log_toggled)
        self.add_toolbar_widget(self.check_log)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._runs: list[tuple[str, Descent]] = []
        if self.legend is not None:
            self.legend.setOffset((-10, 10))   # top right: losses start high on the left
        self.plot_item.setClipToView(True)
        self.plot_item.setDownsampling(auto=True, mode="peak")
        self.plot_item.disableAutoRange()
        self._x_max = 0.0
        self._y_range: tuple[float, float] | None = None

    def set_runs(self, runs: Sequence[tuple[str, Descent]]) -> None:
        self._runs = list(runs)
        for name, _run in self._runs:
            if name not in self.curves:
                self.curves[name] = self.add_curve(None, OPTIMIZER_COLORS[name], width=2.0)
        active = {n for n, _r in self._runs}
        for name, curve in self.curves.items():
            curve.setVisible(name in active)
            if name not in active:
                curve.setData([], [])
        if self.legend is not None:
            self.legend.clear()
            if len(self._runs) > 1:
                for name, run in self._runs:
                    self.legend.addItem(self.curves[name], run_label(name, run))
            self.legend.setVisible(len(self._runs) > 1)
        self._x_max = 0.0
        self._y_range: tuple[float, float] | None = None
        self.update_runs()

    def update_runs(self) -> None:
        log = self.check_log.isChecked()
        low, high, epochs, total = math.inf, -math.inf, 0, 1
        for name, run in self._runs:
            f = np.array(run.history.path_f, dtype=float)
            f[~(np.abs(f) <= DRAW_LIMIT)] = np.nan          # overflowed values: a gap, not a spike to inf
            if log:
                f[~(f > 0)] = np.nan                         # log10 of 0 or less does not exist
            set_curve_data(self.curves[name], np.arange(f.size, dtype=float), f)
            self._mark_lone_point(name, f.size == 1)
            finite = f[np.isfinite(f)]
            if finite.size:
                low, high = min(low, float(finite.min())), max(high, float(finite.max()))
            epochs, total = max(epochs, f.size - 1), max(total, run.epochs)
        self._fit_range(epochs, total, low, high, log)
        if epochs % 25 == 0:
            self.place_legend()      # the curves change shape as they grow: look again now and then

    def relabel(self) -> None:
        """The compared runs' η in the legend, after one changed."""
        relabel_runs(self.legend, self.curves, self._runs)

    def _mark_lone_point(self, name: str, lone: bool) -> None:
        """At epoch 0 a curve is one point, which a line does not draw: show it as a dot until there are two."""
        curve = self.curves[name]
        if (curve.opts["symbol"] is not None) != lone:
            curve.setSymbol("o" if lone else None)
            if lone:
                curve.setSymbolSize(8)
                curve.setSymbolPen(None)
                curve.setSymbolBrush(OPTIMIZER_COLORS[name])

    def place_legend(self) -> None:
        """In compare mode, put the legend where it hides the fewest loss points (call now and then)."""
        if self.legend is None or len(self._runs) < 2:
            return
        chunks = []
        for name, _run in self._runs:
            xs, ys = self.curves[name].getData()      # display coordinates: already log10 on a log axis
            if xs is not None and len(xs):
                keep = np.isfinite(ys)
                chunks.append(np.column_stack((xs[keep], ys[keep])))
        if chunks:
            points = np.concatenate(chunks)
            place_legend(self.legend, self.plot_item.getViewBox(), points, np.ones(len(points)))

    def _fit_range(self, epochs: int, total: int, low: float, high: float, log: bool) -> None:
        """Change the window only when the data leaves it (or fills under a quarter of it in y).

        Autorange would move the axes on every step, and redrawing the axes' ticks and grid costs more than
        the step itself; this way the axes change a few times per run.
        """
        view_box = self.plot_item.getViewBox()
        if epochs > self._x_max or self._x_max == 0:
            # A short run shows all its epochs from the start; a long one doubles the window as it goes.
            self._x_max = float(total if total <= 40 else min(total, max(20, 2 * epochs)))
            view_box.setXRange(0.0, self._x_max, padding=0.02)
            self.place_legend()
        if not math.isfinite(low):
            return
        if log:
            low, high = math.log10(low), math.log10(high)
        if high - low < 1e-9 * max(1.0, abs(high)):     # one value so far: show it with room around it
            low, high = (min(0.0, low), max(0.0, high)) if not log else (low - 1.0, high + 0.5)
            if high - low == 0.0:
                low, high = low - 1.0, high + 1.0
        span = high - low
        current = self._y_range
        if current is None or low < current[0] or high > current[1] or span < 0.25 * (current[1] - current[0]):
            pad = 0.05 * span
            self._y_range = (low - pad, high + pad)
            view_box.setYRange(low - pad, high + pad, padding=0.0)
            self.place_legend()

    def set_log(self, on: bool) -> None:
        """Show f on a log axis or not, without emitting log_changed."""
        if on != self.check_log.isChecked():
            with signals_blocked(self.check_log):
                self.check_log.setChecked(on)
            self._apply_log(on)

    def _on_log_toggled(self, on: bool) -> None:
        self._apply_log(on)
        self.log_changed.emit(on)

    def _apply_log(self, on: bool) -> None:
        # Mask before switching log on (and unmask after switching it off), so log10 never sees a value <= 0.
        self._y_range = None
        if on:
            self.update_runs()
        self.plot_item.setLogMode(x=False, y=on)
        self._y_range = None
        self.update_runs()
