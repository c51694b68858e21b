"""Predict on the Derivatives tab: tilt a line through (x₀, f(x₀)) until it looks like the tangent, then Check.

The mouse drags the line on the plot (its slope follows the pointer); the keyboard types the slope in the bar.
Until Check, f′, the tangent, the readouts and the steps are hidden.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout

from calclab.engine.numbers import format_number
from calclab.state.derivatives import DerivativesState
from calclab.ui.lazy import LazyModule
from calclab.ui.learn.predict_bar import Cover, PlotPicker, PredictBar, PredictRound, spin_row

quiz = LazyModule("calclab.engine.quiz")   # SymPy: loaded when an exercise is asked for

GUESS_COLOUR = "#7b1fa2"


class DerivativesPredict(PredictRound):
    topic = "derivatives"

    def build_inputs(self, area: QHBoxLayout) -> None:
        self.spin_slope = QDoubleSpinBox()
        self.spin_slope.setObjectName("spin_predict_slope")
        self.spin_slope.setRange(-1000.0, 1000.0)
        self.spin_slope.setDecimals(2)
        self.spin_slope.setSingleStep(0.5)
        self.spin_slope.setToolTip("Your slope for the tangent at x₀ (or drag the purple line on the plot)")
        self.spin_slope.valueChanged.connect(self._on_slope_typed)
        spin_row(area, "slope", self.spin_slope)
        self._covers: list[Cover] = []
        self._picker: PlotPicker | None = None
        self._line: pg.PlotDataItem | None = None
        self._touched = False

    def show_exercise(self, exercise: quiz.Exercise) -> str:
        d = exercise.data
        x0 = float(d["x0"])
        state = DerivativesState(d["f"], wrt=d.get("wrt", ""), x0=x0, held=dict(d.get("held", {})),
                                 x_range=(x0 - 3.0, x0 + 3.0), show_derivative=False, show_tangent=False,
                                 show_secant=False)
        self.tab.set_state(state)
        tab = self.tab
        self._covers = [Cover(tab.side), Cover(tab.formula_derivative, "f′ is hidden until you check"),
                        Cover(tab.lower_tabs)]
        plot = tab.main_plot()
        self._line = pg.PlotDataItem(pen=pg.mkPen(GUESS_COLOUR, width=2.5, style=Qt.PenStyle.DashLine))
        plot.addItem(self._line)
        self._picker = PlotPicker(plot, self.spin_slope)
        self._picker.picked.connect(self._on_picked)
        self._touched = False
        with_signals = self.spin_slope.blockSignals(True)
        self.spin_slope.setValue(0.0)
        self.spin_slope.blockSignals(with_signals)
        self._draw(0.0)
        var = d.get("wrt") or "x"
        held = "".join(f", {k} held at {format_number(v)}" for k, v in d.get("held", {}).items())
        return (f"f = {d['f']}{held}. Drag on the plot (or type) the slope of the tangent at {var}₀ = "
                f"{format_number(x0)}.")

    def _on_picked(self, x: float, y: float) -> None:
        x0, y0 = float(self.exercise.data["x0"]), self.exercise.answer["value"]
        if abs(x - x0) < 1e-6:
            return
        self.spin_slope.setValue((y - y0) / (x - x0))   # through _on_slope_typed

    def _on_slope_typed(self, slope: float) -> None:
        self._touched = True
        self._draw(slope)

    def _draw(self, slope: float) -> None:
        if self._line is None or self.exercise is None:
            return
        x0, y0 = float(self.exercise.data["x0"]), self.exercise.answer["value"]
        self._line.setData([x0 - 2.0, x0 + 2.0], [y0 - 2.0 * slope, y0 + 2.0 * slope])

    def given(self) -> tuple[dict[str, Any], str] | None:
        if not self._touched:
            return None
        slope = self.spin_slope.value()
        return {"slope": slope}, f"slope {format_number(slope)}"

    def show_truth(self, verdict: quiz.Verdict) -> None:
        self.remove_covers()
        self.tab.check_show_tangent.setChecked(True)
        self.tab.check_show_derivative.setChecked(True)

    def clear(self) -> None:
        self.remove_covers()
        if self._line is not None:
            self.tab.main_plot().removeItem(self._line)
            self._line = None


def install_predict(tab) -> DerivativesPredict:
    """The Predict bar at the top of the Derivatives tab's side column (a bar under the whole tab took the
    step-by-step pane's third row at 1100x700), and its rounds."""
    bar = PredictBar(tab, narrow=True)
    tab.side.widget().layout().insertWidget(0, bar)
    return DerivativesPredict(tab, bar)
