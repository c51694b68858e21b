"""The small plots beside the loss: η per epoch (the schedule) and the rate per step along each eigen-direction
of a quadratic's Hessian against η (Distill's "Why Momentum Really Works").

Both are views: the tab hands them the runs or the numbers, they draw (items created once, then setData).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTabWidget, QWidget

from calclab.engine.descent import Descent
from calclab.engine.numbers import format_number
from calclab.engine.rates import momentum_rates, sgd_factors
from calclab.ui.tabs.descent.items import OPTIMIZER_COLORS, cache_axes
from calclab.ui.tabs.descent.text import EDGE_COLOR, ERROR_COLOR, GOOD_COLOR
from calclab.ui.widgets.plot_panel import PlotPanel, make_pen, set_curve_data

DIRECTION_COLORS = ("#1565C0", "#C62828")   # the shallow direction (smallest λ), the steep one
RATE_SAMPLES = 400
RATE_Y_MAX = 2.0


class LearningRateView(PlotPanel):
    """η of every epoch for each run with a learning rate (Newton has none), the next update's η marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("η per epoch", "epoch", "η", legend=False, parent=parent)
        cache_axes(self)
        self.plot_item.getAxis("left").enableAutoSIPrefix(False)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.marks: dict[str, pg.ScatterPlotItem] = {}
        self._runs: list[tuple[str, Descent]] = []
        self._shown: dict[str, tuple[float, int, object]] = {}   # name: (base lr, epochs, schedule) drawn
        self._window: tuple[int, float] | None = None            # (epochs, top of the η axis) shown

    def set_runs(self, runs: Sequence[tuple[str, Descent]]) -> None:
        """The runs to draw (primary first: drawn on top); their rates are drawn again only when they change."""
        self._runs = [(name, run) for name, run in runs if run.optimizer != "newton"]
        for name, _run in self._runs:
            if name not in self.curves:
                self.curves[name] = self.add_curve(None, OPTIMIZER_COLORS[name], width=2.0)
                self.marks[name] = pg.ScatterPlotItem([], [], size=9, pen=pg.mkPen("w"),
                                                      brush=pg.mkBrush(OPTIMIZER_COLORS[name]))
                self.plot_item.addItem(self.marks[name])
        active = {name for name, _run in self._runs}
        for z, (name, _run) in enumerate(reversed(self._runs)):
            self.curves[name].setZValue(z)
            self.marks[name].setZValue(100 + z)
        for name in self.curves:
            if name not in active:
                self.curves[name].setData([], [])
                self.marks[name].setData([], [])
        self._shown = {}
        if not self._runs:
            self.show_notice("Newton's method takes no learning rate")
        else:
            self.clear_notice()
        self.update_runs()

    def update_runs(self) -> None:
        """Redraw a curve whose base η or schedule changed; move the marks to each run's next update."""
        low, high, epochs = np.inf, -np.inf, 1
        for name, run in self._runs:
            key = (run.lr, run.epochs, run.schedule)
            lrs = self._lrs(run)
            if self._shown.get(name) != key:
                self._shown[name] = key
                set_curve_data(self.curves[name], np.arange(1, lrs.size + 1, dtype=float), lrs)
                self.curves[name].setSymbol("o" if lrs.size <= 1 else None)
            t = min(run.epoch + 1, run.epochs)
            self.marks[name].setData([float(t)], [float(lrs[t - 1])] if lrs.size else [])
            if lrs.size:
                low, high, epochs = min(low, lrs.min()), max(high, lrs.max()), max(epochs, lrs.size)
        if np.isfinite(high):
            self._fit(max(epochs, 2), high)

    def _fit(self, epochs: int, high: float) -> None:
        """Move the axes only when the rates leave the window or fill under a third of it: redrawing an axis
        costs more than the curves, and η changes on every redraw while its slider moves."""
        top = self._window[1] if self._window is not None else 0.0
        if self._window is None or self._window[0] != epochs or high > top or high < top / 3:
            self._window = (epochs, 1.25 * high)
            self.plot_item.setRange(xRange=(1, epochs), yRange=(0.0, 1.25 * high), padding=0.02)

    @staticmethod
    def _lrs(run: Descent) -> np.ndarray:
        if run.schedule is None:
            return np.full(run.epochs, run.lr)
        return np.asarray(run.schedule.lrs(run.lr, run.epochs), dtype=float)

    def values(self, name: str) -> np.ndarray:
        """The rates drawn for run `name` (tests read what the learner sees)."""
        _xs, ys = self.curves[name].getData()
        return np.asarray(ys if ys is not None else [], dtype=float)


class RateView(PlotPanel):
    """|1 − ηλᵢ| against η for each eigenvalue λᵢ of a constant Hessian (and momentum's rate from β), the
    current η marked and read out below: which direction converges, which zig-zags, which diverges."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("|1 − ηλ| against η, per eigen-direction", "", "factor", legend=False, parent=parent)
        cache_axes(self)
        for side in ("left", "bottom"):
            self.plot_item.getAxis(side).enableAutoSIPrefix(False)
        self.plot_item.setMouseEnabled(x=False, y=False)
        self.one = pg.InfiniteLine(pos=1.0, angle=0, pen=make_pen("#616161", 1.0, Qt.PenStyle.DashLine))
        self.marker = pg.InfiniteLine(pos=0.0, angle=90, pen=make_pen("#212121", 1.5))
        for item in (self.one, self.marker):
            self.plot_item.addItem(item)
        self.sgd_curves = [self.add_curve(None, color, width=2.0) for color in DIRECTION_COLORS]
        self.momentum_curves = [self.add_curve(None, color, width=1.6, style=Qt.PenStyle.DashLine)
                                for color in DIRECTION_COLORS]
        self.dots = pg.ScatterPlotItem([], [], size=9, pen=pg.mkPen("w"), brush=pg.mkBrush("#212121"))
        self.dots.setZValue(20)
        self.plot_item.addItem(self.dots)
        self.label_readout = QLabel()
        self.label_readout.setWordWrap(True)
        self.label_readout.setTextFormat(Qt.TextFormat.RichText)
        small = self.label_readout.font()
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.label_readout.setFont(small)
        self.label_readout.setToolTip("Per step, plain gradient descent multiplies the error along the eigenvector "
                                      "of λ by 1 − ηλ: below 1 in size it shrinks, a negative factor flips its sign "
                                      "each step (a zig-zag), above 1 it grows. Dashed: heavy-ball momentum's rate, "
                                      "the larger |root| of z² − (1 + β − ηλ)z + β")
        self.layout().addWidget(self.label_readout)
        self._lam: np.ndarray | None = None
        self._beta: float | None = None
        self._lr = 0.0
        self._x_max = 0.0

    def set_quadratic(self, lam: np.ndarray | None, beta: float | None, why_not: str = "") -> None:
        """The Hessian's eigenvalues (ascending, weight decay added), or None with the reason there is no picture;
        `beta` draws momentum's rates too (None: plain gradient descent only)."""
        self._lam, self._beta = (None, None) if lam is None else (np.asarray(lam, dtype=float)[[0, -1]]
                                                                  if len(lam) > 1 else np.asarray(lam, dtype=float),
                                                                  beta)
        if self._lam is None:
            for curve in (*self.sgd_curves, *self.momentum_curves):
                curve.setData([], [])
            self.dots.setData([], [])
            self.marker.setVisible(False)
            self.label_readout.setText("")
            self.show_notice(why_not or "f is not quadratic")
            return
        self.clear_notice()
        self.marker.setVisible(True)
        self._x_max = 0.0
        self.set_learning_rate(self._lr, force=True)

    def set_learning_rate(self, lr: float, force: bool = False) -> None:
        """Mark η (the window grows to hold it); redraw the curves only when the window changes."""
        self._lr = float(lr)
        if self._lam is None:
            return
        lam = self._lam
        positive = lam[lam > 0]
        reach = 2.0 * (1.0 + (self._beta or 0.0)) / float(positive.max()) if positive.size else 1.0
        x_max = max(1.25 * reach, 1.15 * self._lr)
        if force or x_max > self._x_max or x_max < 0.5 * self._x_max:
            self._x_max = x_max
            self._draw_curves()
        self.marker.setValue(self._lr)
        rates = np.abs(sgd_factors(lam, [self._lr]))[0]
        shown = list(rates)
        if self._beta is not None:
            shown += list(momentum_rates(lam, [self._lr], self._beta)[0])
        self.dots.setData([self._lr] * len(shown), np.minimum(shown, RATE_Y_MAX))
        self.label_readout.setText(self.readout())

    def _draw_curves(self) -> None:
        lam = self._lam
        lrs = np.linspace(0.0, self._x_max, RATE_SAMPLES)
        sgd = np.abs(sgd_factors(lam, lrs))
        mom = momentum_rates(lam, lrs, self._beta) if self._beta is not None else None
        for i, curve in enumerate(self.sgd_curves):
            if i < lam.size:
                set_curve_data(curve, lrs, np.minimum(sgd[:, i], RATE_Y_MAX * 1.05))
            else:
                curve.setData([], [])
        for i, curve in enumerate(self.momentum_curves):
            if mom is not None and i < lam.size:
                set_curve_data(curve, lrs, np.minimum(mom[:, i], RATE_Y_MAX * 1.05))
            else:
                curve.setData([], [])
        self.plot_item.setRange(xRange=(0.0, self._x_max), yRange=(0.0, RATE_Y_MAX), padding=0.0)

    def readout(self) -> str:
        """What each direction does at the current η, each λ in its curve's colour (rich text)."""
        if self._lam is None:
            return ""
        factors = sgd_factors(self._lam, [self._lr])[0]
        parts = []
        for lam, factor, color in zip(self._lam, factors, DIRECTION_COLORS, strict=False):
            rate = abs(factor)
            if rate >= 1.0:
                what, tone = ("diverges" if rate > 1.0 else "never shrinks"), ERROR_COLOR
            elif factor < 0:
                what, tone = "zig-zags in", EDGE_COLOR
            else:
                what, tone = "creeps in" if rate > 0.9 else "converges", GOOD_COLOR
            parts.append(f"<b style='color:{color}'>λ = {format_number(lam)}</b> ×{format_number(factor)} "
                         f"<span style='color:{tone}'>{what}</span>")
        text = f"η = {format_number(self._lr)}: " + "; ".join(parts)
        if self._beta is not None:
            rates = momentum_rates(self._lam, [self._lr], self._beta)[0]
            text += (f"; ┅ momentum (β = {format_number(self._beta)}) ×"
                     + ", ×".join(format_number(r) for r in rates))
        return text


class SidePlots(QTabWidget):
    """η per epoch and the per-direction rates, as two tabs under the loss plot."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lr_view = LearningRateView()
        self.rate_view = RateView()
        self.addTab(self.lr_view, "η per epoch")
        self.addTab(self.rate_view, "rates per direction")
        self.setTabToolTip(0, "The learning rate each epoch uses (the schedule; compared optimizers share it)")
        self.setTabToolTip(1, "For a quadratic f: how much one step shrinks the error along each eigen-direction "
                              "of the Hessian, against η (Distill, 'Why Momentum Really Works')")
