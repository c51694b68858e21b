"""Predict on the Gradients tab: from the probe, point the way f climbs fastest, then Check.

The mouse clicks (or drags) a direction on the map; the keyboard turns it in the bar (degrees from the x axis).
Until Check, the probe's arrows, the field, ∇f and the readouts are hidden; the level curves stay as a clue.
The answer counts within 20° of ∇f.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QSpinBox

from calclab.engine import quiz
from calclab.engine.numbers import format_number
from calclab.state.gradients import GradientsState
from calclab.ui.learn.predict_bar import Cover, PlotPicker, PredictBar, PredictRound, spin_row

GUESS_COLOUR = "#7b1fa2"


class GradientsPredict(PredictRound):
    topic = "gradients"

    def build_inputs(self, area: QHBoxLayout) -> None:
        self.spin_angle = QSpinBox()
        self.spin_angle.setObjectName("spin_predict_angle")
        self.spin_angle.setRange(-180, 180)
        self.spin_angle.setWrapping(True)
        self.spin_angle.setSingleStep(5)
        self.spin_angle.setSuffix("°")
        self.spin_angle.setToolTip("Your direction, in degrees from the +x axis (or click on the map)")
        self.spin_angle.valueChanged.connect(self._on_angle_typed)
        spin_row(area, "direction", self.spin_angle)
        self._covers: list[Cover] = []
        self._picker: PlotPicker | None = None
        self._items: list[pg.PlotDataItem] = []
        self._touched = False

    def show_exercise(self, exercise: quiz.Exercise) -> str:
        d = exercise.data
        px, py = (float(v) for v in d["point"])
        self.tab.set_state(GradientsState(expression=d["f"], point={"x": px, "y": py}, show_probe=False,
                                          show_field=False))
        tab = self.tab
        self._covers = [Cover(tab.readouts), Cover(tab.side.formula_areas[1][0], "∇f is hidden until you check")]
        plot = tab.main_plot()
        marker = pg.PlotDataItem([px], [py], pen=None, symbol="o", symbolSize=11, symbolBrush=GUESS_COLOUR)
        arrow = pg.PlotDataItem(pen=pg.mkPen(GUESS_COLOUR, width=3), connect="pairs")
        self._items = [marker, arrow]
        for item in self._items:
            plot.addItem(item)
        self._picker = PlotPicker(plot, self.spin_angle)
        self._picker.picked.connect(self._on_picked)
        self._touched = False
        return (f"f = {d['f']}. From the point ({format_number(px)}, {format_number(py)}), click the direction in "
                "which f climbs fastest (or turn it with the arrow keys in the box).")

    def _on_picked(self, x: float, y: float) -> None:
        px, py = self.exercise.data["point"]
        if math.hypot(x - px, y - py) > 1e-9:
            self.spin_angle.setValue(round(math.degrees(math.atan2(y - py, x - px))))

    def _on_angle_typed(self, _angle: int) -> None:
        self._touched = True
        self._draw()

    def _draw(self) -> None:
        if len(self._items) < 2 or self.exercise is None:
            return
        px, py = self.exercise.data["point"]
        (x0, x1), (y0, y1) = self.tab.main_plot().getPlotItem().vb.viewRange()
        length = 0.25 * min(x1 - x0, y1 - y0)
        theta = math.radians(self.spin_angle.value())
        tx, ty = px + length * math.cos(theta), py + length * math.sin(theta)
        head = 0.25 * length
        xs, ys = [px, tx], [py, ty]
        for turn in (150.0, -150.0):
            phi = theta + math.radians(turn)
            xs += [tx, tx + head * math.cos(phi)]
            ys += [ty, ty + head * math.sin(phi)]
        self._items[1].setData(xs, ys, connect="pairs")

    def given(self) -> tuple[dict[str, Any], str] | None:
        if not self._touched:
            return None
        theta = math.radians(self.spin_angle.value())
        return {"direction": [math.cos(theta), math.sin(theta)]}, f"{self.spin_angle.value()}°"

    def show_truth(self, verdict: quiz.Verdict) -> None:
        self.remove_covers()
        self.tab.check_show_probe.setChecked(True)     # the probe's ∇f arrow, next to your guess

    def clear(self) -> None:
        self.remove_covers()
        for item in self._items:
            self.tab.main_plot().removeItem(item)
        self._items = []


def install_predict(tab) -> GradientsPredict:
    """The Predict bar at the top of the Gradients tab's side column."""
    bar = PredictBar(tab, narrow=True)
    tab.readouts.parentWidget().layout().insertWidget(0, bar)
    return GradientsPredict(tab, bar)
