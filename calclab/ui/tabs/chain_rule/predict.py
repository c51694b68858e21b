"""Predict on the Chain Rule tab: from the two links' rates at x₀, type dy/dx before the product is shown.

The links are on screen (the question names them; the inner link's plot shows its tangent); the steps, the
rates panel with its product, the composite's plot and the graph's backward values are hidden until Check.
Typed, so the keyboard is the way to answer; the mouse clicks Check.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout

from calclab.engine import quiz
from calclab.engine.numbers import format_number
from calclab.state.chain_rule import ChainRuleState
from calclab.ui.learn.predict_bar import Cover, PredictBar, PredictRound, spin_row


class ChainPredict(PredictRound):
    topic = "chain"

    def build_inputs(self, area: QHBoxLayout) -> None:
        self.spin_rate = QDoubleSpinBox()
        self.spin_rate.setObjectName("spin_predict_rate")
        self.spin_rate.setRange(-100000.0, 100000.0)
        self.spin_rate.setDecimals(3)
        self.spin_rate.setToolTip("Your dy/dx at x₀: the outer link's rate times the inner link's")
        self.spin_rate.valueChanged.connect(self._on_typed)
        spin_row(area, "dy/dx =", self.spin_rate)
        self._covers: list[Cover] = []
        self._touched = False

    def show_exercise(self, exercise: quiz.Exercise) -> str:
        d = exercise.data
        x0 = float(d["x0"])
        self.tab.set_state(ChainRuleState(mode="parts", outer=d["outer"], inner=d["inner"], x0=x0,
                                          x_range=(x0 - 3.0, x0 + 3.0)))
        tab = self.tab
        self._covers = [Cover(tab.steps), Cover(tab.rates, "The product is hidden until you check"),
                        Cover(tab.graph_panel), Cover(tab.chain_plots.outer.panel, "dy/dx is hidden until you check")]
        blocked = self.spin_rate.blockSignals(True)
        self.spin_rate.setValue(0.0)
        self.spin_rate.blockSignals(blocked)
        self._touched = False
        return (f"y = {d['outer']} with u = {d['inner']}, at x₀ = {format_number(x0)} (where u = "
                f"{format_number(exercise.answer['u'])}). Work out du/dx and dy/du there, then type dy/dx.")

    def _on_typed(self, _value: float) -> None:
        self._touched = True

    def given(self) -> tuple[dict[str, Any], str] | None:
        if not self._touched:
            return None
        value = self.spin_rate.value()
        return {"rate": value}, f"dy/dx = {format_number(value)}"

    def show_truth(self, verdict: quiz.Verdict) -> None:
        self.clear()

    def clear(self) -> None:
        self.remove_covers()


def install_predict(tab) -> ChainPredict:
    """The Predict bar under the Chain Rule tab."""
    bar = PredictBar(tab)
    tab.layout().addWidget(bar)
    return ChainPredict(tab, bar)
