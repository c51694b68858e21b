"""The loss-per-epoch plot: one curve per run, a log-scale toggle, and axes that move only when they must.

On a linear axis a diverged run (f at 1e15) would flatten every other curve onto 0: the window then fits the
runs that stay on the scale, and a note above the plot names the ones left off it. The log axis labels every
tick in one style and never with pyqtgraph's "(x1e+12)" scale factor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QCheckBox, QWidget

from calclab.engine.descent import Descent
from calclab.ui.signals import signals_blocked
from calclab.ui.tabs.descent.items import (
    DRAW_LIMIT,
    OPTIMIZER_COLORS,
    cache_axes,
    relabel_runs,
    run_label,
)
from calclab.ui.tabs.descent.legend import LegendPlacer, densify, resize_watch
from calclab.ui.tabs.descent.text import ERROR_COLOR
from calclab.ui.widgets.loss_axis import LossAxis
from calclab.ui.widgets.plot_panel import PlotPanel, set_curve_data

NOTE_FONT_PT = 10
OFF_SCALE = 1e3           # on a linear axis, a run whose |f| passes this many times the start's is left off


class LossView(PlotPanel):
    """f after each epoch, one curve per run, with a log-scale toggle that never feeds log10 a value <= 0."""

    log_changed = Signal(bool)   # the user switched the log scale on or off

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Loss per epoch", "epoch", "f", legend=True, parent=parent, axis_items={"left": LossAxis()})
        cache_axes(self)
        self.check_log = QCheckBox("log scale")
        self.check_log.setToolTip("Show f on a logarithmic axis (values ≤ 0 cannot be shown there and are left out)")
        self.check_log.toggled.connect(self._on_log_toggled)
        self.add_toolbar_widget(self.check_log)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self._runs: list[tuple[str, Descent]] = []
        assert self.legend is not None
        # A small plot: a legend that would take over 40% of it outside it is left out (the map's legend names
        # the same colours).
        self.legend_placer = LegendPlacer(self.legend, self.plot_item, limit=0.4)
        self._resized_timer = resize_watch(self.plot_item, self, self._on_resized)
        self.plot_item.setClipToView(True)
        self.plot_item.setDownsampling(auto=True, mode="peak")
        self.plot_item.disableAutoRange()
        self._x_max = 0.0
        self._y_range: tuple[float, float] | None = None
        self._note: str | None = None
        self._note_key: tuple[str | None, int] | None = None
        self.off_scale: list[str] = []   # the runs the linear window leaves out (named in the note)
        self._placed_at = -1             # the epoch count the legend was last placed for as the curves grew
        self._checked_to = 0             # the epoch up to which the curves were checked against the legend

    def set_runs(self, runs: Sequence[tuple[str, Descent]], quick: bool = False) -> None:
        """The runs to draw; `quick` with the same optimizers as before keeps the legend and the window."""
        same = [n for n, _r in runs] == [n for n, _r in self._runs]
        self._runs = list(runs)
        if quick and same:
            self.update_runs()
            return
        for name, _run in self._runs:
            if name not in self.curves:
                self.curves[name] = self.add_curve(None, OPTIMIZER_COLORS[name], width=2.0)
        active = {n for n, _r in self._runs}
        for name, curve in self.curves.items():
            curve.setVisible(name in active)
            if name not in active:
                curve.setData([], [])
        self.legend_placer.reset()
        self.legend.clear()
        if len(self._runs) > 1:
            for name, run in self._runs:
                self.legend.addItem(self.curves[name], run_label(name, run))
        self.legend.setVisible(len(self._runs) > 1)
        self._x_max = 0.0
        self._y_range: tuple[float, float] | None = None
        self._placed_at = -1
        self._checked_to = 0
        self.update_runs()
        self.place_legend(keep_outside=False)

    def update_runs(self) -> None:
        log = self.check_log.isChecked()
        epochs, total = 0, 1
        spans: list[tuple[str, Descent, float, float, float]] = []   # name, run, min, max, start loss
        for name, run in self._runs:
            f = np.array(run.history.path_f, dtype=float)
            f[~(np.abs(f) <= DRAW_LIMIT)] = np.nan          # overflowed values: a gap, not a spike to inf
            if log:
                f[~(f > 0)] = np.nan                         # log10 of 0 or less does not exist
            set_curve_data(self.curves[name], np.arange(f.size, dtype=float), f)
            self._mark_lone_point(name, f.size == 1)
            finite = f[np.isfinite(f)]
            if finite.size:
                spans.append((name, run, float(finite.min()), float(finite.max()), float(finite[0])))
            epochs, total = max(epochs, f.size - 1), max(total, run.epochs)
        shown = spans if log else self._on_scale(spans)
        kept = {s[0] for s in shown}
        self.off_scale = [s[0] for s in spans if s[0] not in kept]
        self._show_note(self.off_scale)
        low = min((s[2] for s in shown), default=math.inf)
        high = max((s[3] for s in shown), default=-math.inf)
        before = self.plot_item.getViewBox().viewRange()
        self._fit_range(epochs, total, low, high, log)
        rescaled = self.plot_item.getViewBox().viewRange() != before   # every curve moved on screen
        grown = epochs % 25 == 0 and epochs != self._placed_at
        new_points = self._curve_points(since=max(self._checked_to - 1, 0))   # all a frame added (Run adds many)
        self._checked_to = epochs
        if grown or rescaled or self.legend_placer.covers(new_points):
            self._placed_at = epochs
            self.place_legend()      # the curves change shape as they grow: look again now and then

    @staticmethod
    def _on_scale(spans: list[tuple[str, Descent, float, float, float]]) -> list:
        """The runs a linear window fits: not diverged and never past OFF_SCALE times the largest start loss
        (all of them when none or every run is like that)."""
        reference = max((abs(s[4]) for s in spans), default=0.0)
        tame = [s for s in spans if s[1].status != "diverged" and max(abs(s[2]), abs(s[3])) <= OFF_SCALE * reference]
        return tame if tame else spans

    def _show_note(self, names: list[str]) -> None:
        """Say above the plot which runs the window leaves out (nothing when none is)."""
        statuses = {name: run.status for name, run in self._runs}
        note = None
        if names:
            why = "diverged" if all(statuses.get(n) == "diverged" for n in names) else "grows off the scale"
            note = f"{', '.join(names)} {why}: not shown to scale"
        width = int(self.plot_item.getViewBox().width())
        if (note, width) == self._note_key:
            return
        self._note_key = (note, width)
        self._note = note
        if note is None:
            self.plot_item.setTitle(None)
            return
        # A title row above the plot, never over a curve. pyqtgraph's title neither wraps nor elides (a long one
        # widened the plot past its panel), so it is wrapped here to the plot's width.
        font = QFont()
        font.setPointSize(NOTE_FONT_PT)
        metrics = QFontMetrics(font)
        lines: list[str] = []
        for word in note.split(" "):
            if lines and metrics.horizontalAdvance(f"{lines[-1]} {word}") <= max(width - 8, 60):
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        self.plot_item.setTitle("<br>".join(lines), color=ERROR_COLOR, size=f"{NOTE_FONT_PT}pt")
        height = metrics.lineSpacing() * len(lines) + 8
        self.plot_item.layout.setRowFixedHeight(0, height)
        self.plot_item.titleLabel.setMaximumHeight(height)
        self.plot_item.titleLabel.setToolTip("The window fits the other runs; this curve leaves it at the top")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self._note is not None:    # wrap the note to the new width
            QTimer.singleShot(0, self, lambda: self._show_note(self.off_scale))

    def note(self) -> str:
        """The note above the plot ('' when there is none)."""
        return self._note or ""

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

    def _on_resized(self) -> None:
        """The plot changed size (a side plot appeared, the window moved): the legend, pinned in pixels, may
        now lie over the curves."""
        if self.legend is not None and len(self._runs) > 1 and self.legend_placer.covers(self._curve_points()):
            self.place_legend(keep_outside=False)

    def place_legend(self, keep_outside: bool = True) -> None:
        """In compare mode, put the legend where it hides no loss curve (legend.py; call now and then)."""
        if self.legend is None or len(self._runs) < 2:
            return
        self.legend_placer.place(self._curve_points(), keep_outside)

    def _curve_points(self, since: int = 0) -> np.ndarray:
        """Points along the loss curves as drawn from epoch `since` on (display coordinates: already log10 on a
        log axis)."""
        chunks = [np.empty((0, 2))]
        for name, _run in self._runs:
            xs, ys = self.curves[name].getData()
            if xs is not None and len(xs):
                points = np.column_stack((xs, ys))[since:]
                chunks.append(densify(points, 4 if len(points) < 2000 else 0))
        return np.concatenate(chunks)

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
