"""The Learn panel: the path's topics in order, one at a time, with Show me buttons and the Predict scores."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from calclab.state import tab_spec
from calclab.state.learn import LearnProgress
from calclab.ui.learn.texts import ShowMe, Topic, load_path

PANEL_WIDTH = 340


def _label(text: str, rich: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class LearnPanel(QDockWidget):
    """A dock the learner can close. `show_me_requested(target)` asks the window to open a worked example."""

    show_me_requested = Signal(object)   # a ShowMe

    def __init__(self, progress: LearnProgress, parent: QWidget | None = None) -> None:
        super().__init__("Learn", parent)
        self.setObjectName("dock_learn")
        self.progress = progress
        self.topics: tuple[Topic, ...] = load_path()
        self.show_me_buttons: list[QPushButton] = []

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 6, 8, 8)
        self.list_topics = QListWidget()
        self.list_topics.setObjectName("list_topics")
        self.list_topics.setToolTip("The path, in order; the numbers are your Predict score in that tab")
        for topic in self.topics:
            self.list_topics.addItem(QListWidgetItem(topic.title))
        rows = max(1, len(self.topics))
        self.list_topics.setFixedHeight(self.list_topics.sizeHintForRow(0) * rows + 2 * self.list_topics.frameWidth()
                                        + 4)
        layout.addWidget(self.list_topics)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.scroll, 1)

        nav = QHBoxLayout()
        self.button_back = QPushButton("← Back")
        self.button_next = QPushButton("Next topic →")
        self.button_back.clicked.connect(lambda: self.go(self.current() - 1))
        self.button_next.clicked.connect(lambda: self.go(self.current() + 1))
        nav.addWidget(self.button_back)
        nav.addStretch(1)
        nav.addWidget(self.button_next)
        layout.addLayout(nav)
        self.setWidget(body)
        self.setMinimumWidth(260)

        self.list_topics.currentRowChanged.connect(self._on_topic_chosen)
        progress.subscribe(self._on_progress)
        self.list_topics.setCurrentRow(0)
        self._on_progress()

    # -- public ----------------------------------------------------------------------------------------------

    def current(self) -> int:
        return self.list_topics.currentRow()

    def go(self, index: int) -> None:
        """Show topic `index` (clamped to the path)."""
        if self.topics:
            self.list_topics.setCurrentRow(max(0, min(len(self.topics) - 1, index)))

    def score_text(self, topic: Topic) -> str:
        if not topic.score:
            return ""
        right, asked = self.progress.score(topic.score)
        where = tab_spec(topic.score).title
        if not asked:
            return f"Predict on the {where} tab: no answers yet."
        return f"Predict on the {where} tab: {right} of {asked} right."

    # -- building one topic ---------------------------------------------------------------------------------

    def _on_topic_chosen(self, row: int) -> None:
        if not 0 <= row < len(self.topics):
            return
        topic = self.topics[row]
        page = QWidget()
        page.setObjectName("learn_page")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 4, 4, 4)
        layout.setSpacing(8)
        title = _label(f"<b style='font-size:13pt'>{escape(topic.title)}</b>", rich=True)
        layout.addWidget(title)
        for paragraph in topic.paragraphs:
            layout.addWidget(_label(paragraph))
        if topic.note:
            note = _label(f"<b>About the printed lesson:</b> {escape(topic.note)}", rich=True)
            note.setObjectName("label_note")
            note.setStyleSheet("#label_note { background: rgba(242, 142, 43, 38); border-left: 3px solid #f28e2b;"
                               " padding: 6px; }")
            layout.addWidget(note)
        self.show_me_buttons = []
        for target in topic.show_me:
            button = QPushButton(target.label)
            button.setToolTip(target.hint or f"Opens the {tab_spec(target.tab).title} tab on the worked example")
            button.clicked.connect(lambda _checked=False, t=target: self._on_show_me(t))
            self.show_me_buttons.append(button)
            layout.addWidget(button)
        self.label_score = _label(self.score_text(topic))
        self.label_score.setObjectName("label_score")
        layout.addWidget(self.label_score)
        self.label_answers = _label(self._answers_text(topic))
        self.label_answers.setObjectName("label_answers")
        layout.addWidget(self.label_answers)
        layout.addStretch(1)
        self.scroll.setWidget(page)
        self.button_back.setEnabled(row > 0)
        self.button_next.setEnabled(row < len(self.topics) - 1)

    def _answers_text(self, topic: Topic) -> str:
        if not topic.score:
            return ""
        answers = self.progress.topics[topic.score].answers[-3:]
        lines = [f"{'✓' if a.correct else '✗'} {a.question} You said {a.given}; {a.truth}." for a in answers]
        return ("Your last answers:\n" + "\n".join(lines)) if lines else ""

    def _on_show_me(self, target: ShowMe) -> None:
        self.show_me_requested.emit(target)

    def _on_progress(self) -> None:
        for row, topic in enumerate(self.topics):
            right, asked = self.progress.score(topic.score) if topic.score else (0, 0)
            self.list_topics.item(row).setText(topic.title + (f"   ({right}/{asked})" if asked else ""))
        row = self.current()
        if 0 <= row < len(self.topics) and hasattr(self, "label_score"):
            self.label_score.setText(self.score_text(self.topics[row]))
            self.label_answers.setText(self._answers_text(self.topics[row]))
