"""Predict, then check: the bar every tab shows, and the round it runs.

The bar is a "Predict" switch; switched on it shows a question, the tab's own answer inputs (keyboard), a Check
button (Enter) and, after Check, the truth with its reason. A tab's predict.py subclasses PredictRound: it puts the
exercise on the tab, hides what would give the answer away (Cover), takes the answer by mouse (PlotPicker) or from
the bar's inputs, and shows the truth. Scores go to the window's LearnProgress.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from calclab.state.learn import LearnProgress
from calclab.ui.lazy import LazyModule
from calclab.ui.tabs.base import TabBase

quiz = LazyModule("calclab.engine.quiz")   # SymPy: loaded when an exercise is asked for

_STANDALONE = LearnProgress()   # a tab outside a window (tests, export) keeps its score here
RIGHT, WRONG = "#2e7d32", "#c62828"
MANAGED = "predict_managed"   # a widget property: the round shows this answer input only for the questions using it


def progress_of(widget: QWidget) -> LearnProgress:
    """The window's LearnProgress (see MainWindow.learn_progress), or a standalone one."""
    progress = getattr(widget.window(), "learn_progress", None)
    return progress if isinstance(progress, LearnProgress) else _STANDALONE


class Cover(QLabel):
    """An opaque card over a widget that would give the answer away, until Check."""

    def __init__(self, target: QWidget, text: str = "Hidden until you check your prediction") -> None:
        super().__init__(text, target)
        self.setObjectName("predict_cover")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setAutoFillBackground(True)
        self.setStyleSheet("#predict_cover { background: palette(window); color: palette(mid); "
                           "border: 1px dashed palette(mid); }")
        target.installEventFilter(self)
        self.setGeometry(target.rect())
        self.show()
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Resize and shiboken6.isValid(self):
            self.setGeometry(watched.rect())
        return False


class PlotPicker(QWidget):
    """A transparent layer over a plot's viewport that turns presses and drags into points in plot coordinates
    (`picked(x, y)`), so a click answers the question instead of moving the tab's own markers."""

    picked = Signal(float, float)

    def __init__(self, plot_widget, focus_to: QWidget | None = None) -> None:
        """`focus_to`: the answer's input, which keeps the keyboard focus when the plot is clicked (so Enter
        still checks, and the arrow keys still adjust)."""
        viewport = plot_widget.viewport()
        super().__init__(viewport)
        self.setObjectName("predict_picker")
        if focus_to is not None:
            self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            self.setFocusProxy(focus_to)
        self._plot = plot_widget
        self.setCursor(Qt.CursorShape.CrossCursor)
        viewport.installEventFilter(self)
        self.setGeometry(viewport.rect())
        self.show()
        self.raise_()

    def to_view(self, pos: QPointF) -> tuple[float, float]:
        point = self._plot.getPlotItem().vb.mapSceneToView(self._plot.mapToScene(pos.toPoint()))
        return point.x(), point.y()

    def from_view(self, x: float, y: float) -> QPointF:
        """Where plot point (x, y) is on this layer (tests click there)."""
        scene = self._plot.getPlotItem().vb.mapViewToScene(QPointF(x, y))
        return QPointF(self._plot.mapFromScene(scene))

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.picked.emit(*self.to_view(event.position()))

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.picked.emit(*self.to_view(event.position()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Resize and shiboken6.isValid(self):
            self.setGeometry(watched.rect())
        return False


class PredictBar(QFrame):
    """The switch, the question, the answer inputs (added by the tab's round), Check / Next and the verdict."""

    def __init__(self, parent: QWidget | None = None, narrow: bool = False) -> None:
        """`narrow`: for a side column, the question, the inputs and the buttons each get their own row."""
        super().__init__(parent)
        self.setObjectName("predict_bar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.key_actions: dict[Qt.Key, Callable[[], None]] = {}   # keys that answer or check (keyPressEvent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 3, 6, 3)
        outer.setSpacing(3)
        self.button_predict = QPushButton("Predict")
        self.button_predict.setCheckable(True)
        self.button_predict.setToolTip("Predict, then check: answer each question before the app shows the truth")
        self.label_question = QLabel("")
        self.label_question.setObjectName("label_question")
        self.label_question.setWordWrap(True)
        self.label_question.setMinimumWidth(120)   # wraps, never widens the tab
        self.answer_area = QHBoxLayout()
        self.button_check = QPushButton("Check")
        self.button_check.setToolTip("Check your answer (Enter)")
        self.button_next = QPushButton("Next question")
        self.button_next.setToolTip("Another question (Ctrl+N)")
        self.label_score = QLabel("")
        self.label_score.setObjectName("label_score")
        row = QHBoxLayout()
        row.addWidget(self.button_predict)
        if narrow:
            row.addStretch(1)
            row.addWidget(self.label_score)
            outer.addLayout(row)
            outer.addWidget(self.label_question)
            row = QHBoxLayout()
            row.addLayout(self.answer_area)
            row.addStretch(1)
            row.addWidget(self.button_check)
            row.addWidget(self.button_next)
        else:
            row.addWidget(self.label_question, 1)
            row.addLayout(self.answer_area)
            for widget in (self.button_check, self.button_next, self.label_score):
                row.addWidget(widget)
        outer.addLayout(row)
        self.label_result = QLabel("")
        self.label_result.setObjectName("label_result")
        self.label_result.setWordWrap(True)
        self.label_result.setMinimumWidth(120)
        self.label_result.setTextFormat(Qt.TextFormat.RichText)
        outer.addWidget(self.label_result)
        self.set_active(False)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Keys the bar's inputs do not use come here (a spin box passes Enter on): Enter checks, and a round's own
        answer keys (Y/N, +/−, U/D) answer. Not shortcuts: those would also fire while typing elsewhere in the tab."""
        action = self.key_actions.get(Qt.Key(event.key()))
        if action is not None and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier \
                & ~Qt.KeyboardModifier.ShiftModifier:
            action()
            event.accept()
            return
        super().keyPressEvent(event)

    def set_active(self, active: bool) -> None:
        for widget in (self.button_check, self.button_next, self.label_score):
            widget.setVisible(active)
        for i in range(self.answer_area.count()):
            item = self.answer_area.itemAt(i).widget()
            if item is not None and (not active or not item.property(MANAGED)):
                item.setVisible(active)   # a round shows its MANAGED inputs itself, per question
        if not active:
            self.label_result.setVisible(False)
            self.label_question.setText("Predict, then check: switch on to be asked before the app shows the "
                                        "answer.")

    def ask(self, question: str) -> None:
        self.label_question.setText(question)
        self.label_result.setVisible(False)
        self.button_check.setEnabled(True)

    def reveal(self, verdict: quiz.Verdict, given: str) -> None:
        colour, word = (RIGHT, "Right") if verdict.correct else (WRONG, "Not quite")
        from html import escape

        self.label_result.setText(f"<b style='color:{colour}'>{word}:</b> you said {escape(given)}; "
                                  f"{escape(verdict.truth)}. {escape(verdict.reason)}")
        self.label_result.setVisible(True)
        self.button_check.setEnabled(False)

    def say(self, text: str) -> None:
        """A line in the verdict's place (a question that could not be made, a hint)."""
        self.label_result.setText(f"<i>{text}</i>")
        self.label_result.setVisible(True)


class PredictRound(QObject):
    """One tab's predict-then-check rounds. Subclasses set `topic` and implement the hooks below."""

    topic = ""
    asked = Signal()        # a question is on screen
    revealed = Signal(object)   # the Verdict, once the truth is shown

    def __init__(self, tab: TabBase, bar: PredictBar) -> None:
        super().__init__(tab)
        self.tab, self.bar = tab, bar
        self.exercise: quiz.Exercise | None = None
        self.verdict: quiz.Verdict | None = None
        self._saved_state: Any = None
        bar.button_predict.toggled.connect(self._on_switch)
        bar.button_check.clicked.connect(self.check)
        bar.button_next.clicked.connect(self.next_question)
        bar.key_actions[Qt.Key.Key_Return] = bar.key_actions[Qt.Key.Key_Enter] = self._on_enter
        shortcut = QShortcut(QKeySequence("Ctrl+N"), bar)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.next_question)
        self.build_inputs(bar.answer_area)
        bar.set_active(False)

    # -- the hooks a tab's round implements -------------------------------------------------------------------

    def build_inputs(self, area: QHBoxLayout) -> None:
        """Add the keyboard inputs of the answer to the bar."""

    def show_exercise(self, exercise: quiz.Exercise) -> str:
        """Put the exercise on the tab, hide what gives it away, take answers; return the question."""
        raise NotImplementedError

    def given(self) -> tuple[dict[str, Any], str] | None:
        """The learner's answer (keyed as the exercise's answer) and how to say it, or None if there is none."""
        raise NotImplementedError

    def show_truth(self, verdict: quiz.Verdict) -> None:
        """Uncover and show the truth on the tab."""

    def clear(self) -> None:
        """Remove what the round added to the tab (covers, pickers, markers)."""

    def remove_covers(self) -> None:
        """Take away the round's covers (`self._covers`) and its plot picker (`self._picker`), if it has them."""
        for cover in getattr(self, "_covers", []):
            cover.hide()
            cover.deleteLater()
        self._covers: list = []
        picker = getattr(self, "_picker", None)
        if picker is not None:
            picker.hide()
            picker.deleteLater()
            self._picker = None

    # -- the round -----------------------------------------------------------------------------------------

    @property
    def progress(self) -> LearnProgress:
        return progress_of(self.tab)

    def is_on(self) -> bool:
        return self.bar.button_predict.isChecked()

    def asking(self) -> bool:
        """A question is on screen and not yet checked: the tab must not say its answer anywhere."""
        return self.is_on() and self.exercise is not None and self.verdict is None

    def next_question(self) -> None:
        if not self.is_on():
            return
        self.clear()
        self.exercise, self.verdict = None, None
        self.bar.ask("Making a question…")
        self.bar.button_check.setEnabled(False)
        number = self.progress.take_next(self.topic)
        self.tab.submit("predict", quiz.exercise_number, self.topic, number, self.progress.seed,
                        on_done=self._on_exercise, on_error=self._on_failed)

    def _on_exercise(self, exercise: quiz.Exercise) -> None:
        if not self.is_on():
            return
        self.exercise = exercise
        self.bar.ask(self.show_exercise(exercise))
        self.focus_answer()
        self.asked.emit()

    def focus_answer(self) -> None:
        """Keyboard first: the first visible answer input takes the focus (so Enter, arrows and keys work)."""
        for i in range(self.bar.answer_area.count()):
            widget = self.bar.answer_area.itemAt(i).widget()
            if widget is not None and not widget.isHidden() and widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
                widget.setFocus()
                return
        self.bar.button_predict.setFocus()

    def _on_failed(self, failure) -> None:
        self.bar.say(f"No question this time ({failure.message}); press Next question.")

    def check(self) -> None:
        if self.exercise is None or self.verdict is not None:
            return
        answer = self.given()
        if answer is None:
            self.bar.say("Give an answer first (on the plot or in the box), then Check.")
            return
        given, text = answer
        verdict = quiz.check(self.exercise, given)
        self.record(verdict, text)

    def record(self, verdict: quiz.Verdict, text: str) -> None:
        """Score the answer, show the truth on the tab and in the bar."""
        self.verdict = verdict
        self.progress.record(self.topic, self.bar.label_question.text(), text, verdict.truth, verdict.correct)
        self._show_score()
        self.show_truth(verdict)
        self.bar.reveal(verdict, text)
        self.revealed.emit(verdict)

    def _show_score(self) -> None:
        right, asked = self.progress.score(self.topic)
        self.bar.label_score.setText(f"{right}/{asked}")
        self.bar.label_score.setToolTip(f"{right} of your {asked} predictions here were right")

    def _on_enter(self) -> None:
        if not self.is_on():
            return
        if self.verdict is None:
            self.check()
        else:
            self.next_question()

    def _on_switch(self, on: bool) -> None:
        self.bar.set_active(on)
        if on:
            self._saved_state = self.tab.state
            self._show_score()
            self.next_question()
        else:
            self.clear()
            self.exercise, self.verdict = None, None
            if self._saved_state is not None:
                self.tab.set_state(self._saved_state)   # back to what the learner had before Predict


def spin_row(area: QHBoxLayout, label: str, spin: QWidget) -> None:
    """A small label and an input in the bar."""
    caption = QLabel(label)
    area.addWidget(caption)
    area.addWidget(spin)


def remove_all(items: list, remove: Callable[[Any], None]) -> None:
    for item in items:
        remove(item)
    items.clear()
