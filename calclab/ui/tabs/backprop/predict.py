"""Predict on the Backprop tab, with the network on screen: before Backward, the sign of a chosen weight's
gradient; before Update, which way that weight moves.

The weight is chosen by a seeded draw (the same walk for the same seed) among the weights into the output, where
∂L/∂w is the batch's sum of the output's error signal δ times the activation the weight multiplies. The mouse
clicks the answer buttons; the keys are + and − for the sign, U and D for the move. The truth is what the
tab's own Backward and Update compute.
"""

from __future__ import annotations

import random
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QPushButton

from calclab.engine import quiz
from calclab.engine.numbers import format_number
from calclab.ui.learn.predict_bar import MANAGED, PredictBar, PredictRound

SIGN, MOVE = "sign", "move"


class BackpropPredict(PredictRound):
    topic = "backprop"

    def build_inputs(self, area: QHBoxLayout) -> None:
        self.buttons: dict[str, QPushButton] = {}
        keys = {"+": Qt.Key.Key_Plus, "-": Qt.Key.Key_Minus, "U": Qt.Key.Key_U, "D": Qt.Key.Key_D}
        for key, text, answer in (("+", "Positive (+)", (SIGN, 1)), ("-", "Negative (−)", (SIGN, -1)),
                                  ("U", "Up (U)", (MOVE, "up")), ("D", "Down (D)", (MOVE, "down"))):
            button = QPushButton(text)
            button.clicked.connect(lambda _checked=False, a=answer: self.answer(*a))
            area.addWidget(button)
            button.setProperty(MANAGED, True)
            self.buttons[key] = button
            self.bar.key_actions[keys[key]] = lambda a=answer: self.answer(*a)
        self.question = ""
        self.weight: tuple[int, int, int] | None = None
        self._before = 0.0

    # -- the questions --------------------------------------------------------------------------------------

    def next_question(self) -> None:
        """Bring the network to just before Backward (Forward and Loss as needed), choose a weight, ask its sign."""
        if not self.is_on():
            return
        tab, model = self.tab, self.tab.model
        if tab.is_training():
            tab.stop()
        for _ in range(4):
            if model.next_phase == "backward":
                break
            if not tab.step(model.next_phase):
                self.bar.say("The network could not take its step (see the status bar); reset it and try again.")
                return
        number = self.progress.take_next(self.topic)
        rng = random.Random(f"backprop-predict:{self.progress.seed + number}")
        layer = len(model.net.params) - 1
        rows = model.net.params[layer][0].shape[0]
        self.weight = (layer, rng.randrange(rows), 0)
        self.question, self.verdict, self.exercise = SIGN, None, None
        self._show_buttons(SIGN)
        source = "input" if layer == 0 else f"hidden neuron {self.weight[1] + 1} of the last hidden layer"
        self.bar.ask(f"The loss is computed. Before Backward: will ∂L/∂w be positive or negative, for the weight w "
                     f"= {format_number(self._w())} from {source} to the output? (∂L/∂w adds up, over the batch, "
                     "the output's error signal times the activation w multiplies.)")
        self.focus_answer()
        self.asked.emit()

    def _w(self) -> float:
        layer, i, j = self.weight
        return float(self.tab.model.net.params[layer][0][i, j])

    def _show_buttons(self, question: str) -> None:
        for key, button in self.buttons.items():
            button.setVisible((key in "+-") == (question == SIGN))
        self.bar.button_check.setVisible(False)

    def answer(self, kind: str, value: Any) -> None:
        if not self.is_on() or self.weight is None or kind != self.question or self.verdict is not None:
            return
        layer, i, j = self.weight
        tab = self.tab
        if kind == SIGN:
            if not tab.step("backward"):
                return
            grad = float(tab.model.net.grads[layer][0][i, j])
            truth = 1 if grad > 0 else -1
            verdict = quiz.Verdict(value == truth, 0.0 if value == truth else 1.0,
                                   f"∂L/∂w = {format_number(grad)}, {'positive' if grad > 0 else 'negative'}",
                                   "Backward multiplied, for every sample, the output's error signal δ by the "
                                   "activation w carries, and added them up.")
            self.record(verdict, "positive" if value > 0 else "negative")
        else:
            self._before = self._w()
            grad = float(tab.model.net.grads[layer][0][i, j])
            if not tab.step("update"):
                return
            after = self._w()
            way = "up" if after > self._before else "down"
            lr = tab.model.learning_rate
            verdict = quiz.Verdict(value == way, 0.0 if value == way else 1.0,
                                   f"w moved {way}, from {format_number(self._before)} to {format_number(after)}",
                                   f"w ← w − η·∂L/∂w = {format_number(self._before)} − {format_number(lr)} · "
                                   f"({format_number(grad)}): against the gradient's sign.")
            self.record(verdict, way)

    def check(self) -> None:
        """Enter after a reveal: the sign's reveal leads to the move question, the move's to a new weight."""

    def _on_enter(self) -> None:
        if self.is_on() and self.verdict is not None:
            self.next_step()

    def next_step(self) -> None:
        if self.question == SIGN and self.verdict is not None:
            self.question, self.verdict = MOVE, None
            self._show_buttons(MOVE)
            self.bar.ask(f"Before Update: which way will w (now {format_number(self._w())}) move?")
            self.focus_answer()
            self.asked.emit()
        else:
            self.next_question()

    def show_exercise(self, exercise: quiz.Exercise) -> str:   # questions come from the network, not the quiz
        return ""

    def given(self) -> None:
        return None

    def clear(self) -> None:
        self.weight = None


def install_predict(tab) -> BackpropPredict:
    """The Predict bar under the Backprop tab."""
    bar = PredictBar(tab)
    tab.steps.widget(0).layout().insertWidget(0, bar)   # in the middle column: a bar under the whole tab made the left
    round_ = BackpropPredict(tab, bar)         # column scroll at 1100x700
    bar.button_next.clicked.disconnect()
    bar.button_next.clicked.connect(round_.next_step)
    return round_
