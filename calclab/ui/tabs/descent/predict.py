"""Predict on the Descent tab: before a Step, click where x will land; now and then, will this η converge?

"Where will it land": the mouse clicks (or drags) the landing point on f's plot (only x counts in 1-D), the
keyboard types it in the bar; Check then takes the real Step. "Will it converge?": Yes or No (keys Y and N); the
reveal runs the descent to its end. Until then the next-step arrow, the update line and the table are hidden.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QPushButton

from calclab.engine import quiz
from calclab.engine.numbers import format_number
from calclab.state.descent import DescentState
from calclab.ui.learn.predict_bar import MANAGED, Cover, PlotPicker, PredictBar, PredictRound

GUESS_COLOUR = "#7b1fa2"
WAIT_MS = 30


class DescentPredict(PredictRound):
    topic = "descent"

    def build_inputs(self, area: QHBoxLayout) -> None:
        self.spins: list[QDoubleSpinBox] = []
        self.labels: list[QLabel] = []
        for name in ("x", "y"):
            spin = QDoubleSpinBox()
            spin.setObjectName(f"spin_predict_{name}")
            spin.setRange(-1000.0, 1000.0)
            spin.setDecimals(2)
            spin.setSingleStep(0.1)
            spin.setToolTip(f"Where {name} lands after the next step (or click on the plot)")
            spin.valueChanged.connect(self._on_typed)
            label = QLabel(f"{name} lands at")
            area.addWidget(label)
            area.addWidget(spin)
            self.spins.append(spin)
            self.labels.append(label)
        self.button_yes = QPushButton("Converges (Y)")
        self.button_no = QPushButton("Diverges (N)")
        self.button_yes.clicked.connect(lambda: self._on_converges(True))
        self.button_no.clicked.connect(lambda: self._on_converges(False))
        area.addWidget(self.button_yes)
        area.addWidget(self.button_no)
        for widget in (*self.spins, *self.labels, self.button_yes, self.button_no):
            widget.setProperty(MANAGED, True)
        for key, answer in ((Qt.Key.Key_Y, True), (Qt.Key.Key_N, False)):
            self.bar.key_actions[key] = lambda answer=answer: self._on_converges(answer)
        self._covers: list[Cover] = []
        self._picker: PlotPicker | None = None
        self._guess: pg.PlotDataItem | None = None
        self._touched = False

    # -- asking -------------------------------------------------------------------------------------------

    def show_exercise(self, exercise: quiz.Exercise) -> str:
        d = exercise.data
        start = [float(v) for v in d["x0"]]
        reach = max(abs(v) for v in start) + 5.0     # wide enough for the landing point, without pointing at it
        two_d = len(start) == 2
        self.tab.set_state(DescentState(expression=d["f"], start=start, learning_rate=float(d["lr"]), epochs=40,
                                        optimizer="sgd", x_range=(-reach, reach),
                                        y_range=(-reach, reach) if two_d else None))
        tab = self.tab
        self._covers = [Cover(tab.label_update, "The update is hidden until you check"), Cover(tab.table_panel)]
        self._set_arrows_shown(False)
        stepping = exercise.kind == "step"
        for i, (spin, label) in enumerate(zip(self.spins, self.labels, strict=True)):
            shown = stepping and (i == 0 or two_d)
            spin.setVisible(shown)
            label.setVisible(shown)
            blocked = spin.blockSignals(True)
            spin.setValue(start[i] if i < len(start) else 0.0)
            spin.blockSignals(blocked)
        self.button_yes.setVisible(not stepping)
        self.button_no.setVisible(not stepping)
        self.bar.button_check.setVisible(stepping)
        self._touched = False
        lr = format_number(float(d["lr"]))
        where = ", ".join(f"{n} = {format_number(v)}" for n, v in zip("xy", start, strict=False))
        if not stepping:
            return (f"f = {d['f']} from {where} with η = {lr}: will plain gradient descent settle at the minimum, "
                    "or run away?")
        plot = tab.main_plot()
        self._guess = pg.PlotDataItem(pen=pg.mkPen(GUESS_COLOUR, width=2, style=Qt.PenStyle.DashLine),
                                      symbol="x", symbolSize=14, symbolPen=pg.mkPen(GUESS_COLOUR, width=3))
        plot.addItem(self._guess)
        self._picker = PlotPicker(plot, self.spins[0])
        self._picker.picked.connect(self._on_picked)
        return (f"f = {d['f']}, η = {lr}, now at {where}. Click where the next Step lands "
                f"({'a point' if two_d else 'its x'}), or type it; then Check.")

    def _on_picked(self, x: float, y: float) -> None:
        values = [x, y]
        for i, spin in enumerate(self.spins[:len(self.exercise.data["x0"])]):
            spin.setValue(round(values[i], 2))

    def _on_typed(self, _value: float) -> None:
        self._touched = True
        if self._guess is None or self.exercise is None:
            return
        x = self.spins[0].value()
        if len(self.exercise.data["x0"]) == 2:
            self._guess.setData([x], [self.spins[1].value()])
        else:
            (_x0, _x1), (y0, y1) = self.tab.main_plot().getPlotItem().vb.viewRange()
            self._guess.setData([x, x], [y0, y1])

    def given(self) -> tuple[dict[str, Any], str] | None:
        if self.exercise is None or self.exercise.kind != "step" or not self._touched:
            return None
        n = len(self.exercise.data["x0"])
        point = [spin.value() for spin in self.spins[:n]]
        return {"x": point}, ", ".join(f"{name} = {format_number(v)}" for name, v in zip("xy", point, strict=False))

    def _on_converges(self, answer: bool) -> None:
        if not self.is_on() or self.exercise is None or self.exercise.kind != "converges" or self.verdict is not None:
            return
        self.record(quiz.check(self.exercise, {"converges": answer}), "it converges" if answer else "it diverges")

    # -- the truth ----------------------------------------------------------------------------------------------

    def show_truth(self, verdict: quiz.Verdict) -> None:
        self.remove_covers()
        self._set_arrows_shown(True)
        self.bar.button_check.setVisible(True)
        self._when_ready(self._play)

    def _play(self) -> None:
        """The real thing: one Step for "where will it land", the whole run for "will it converge"."""
        if self.exercise is None:
            return
        if self.exercise.kind == "step":
            self.tab.step()
        else:
            self.tab.play_to_end()

    def _when_ready(self, then) -> None:
        if self.tab.is_ready():
            then()
        elif self.is_on():
            QTimer.singleShot(WAIT_MS, lambda: self._when_ready(then))

    def _set_arrows_shown(self, shown: bool) -> None:
        view = self.tab.function_view
        for glyph in (view.step_arrow, view.internal_arrow):
            for item in (glyph.shaft, glyph.head):
                item.setOpacity(1.0 if shown else 0.0)

    def clear(self) -> None:
        self.remove_covers()
        if self._guess is not None:
            self.tab.main_plot().removeItem(self._guess)
            self._guess = None
        self._set_arrows_shown(True)
        self.bar.button_check.setVisible(self.is_on())


def install_predict(tab) -> DescentPredict:
    """The Predict bar above the Descent tab's Step / Run controls."""
    bar = PredictBar(tab)
    tab.layout().itemAt(1).layout().insertWidget(0, bar)
    return DescentPredict(tab, bar)
