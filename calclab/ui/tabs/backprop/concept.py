"""The Backprop tab's concept panel: backpropagation's four steps, each a link to the button that performs it.

Clicking a step's title emits `step_clicked(phase)`; the tab runs the step if it is next, otherwise it says
which step comes first and highlights that button. The step that comes next is highlighted here too, and its
paragraph is the one shown (each title's tooltip has its own).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

STEPS: tuple[tuple[str, str, str], ...] = (
    ("forward", "1. Forward pass",
     "Push the inputs through the network one layer at a time. Every neuron adds up its inputs times their "
     "weights plus a bias (z), then bends that sum with its activation (a). The last layer's a is the "
     "prediction ŷ."),
    ("loss", "2. Compute the loss",
     "Turn \"how wrong is ŷ?\" into one number L: cross-entropy when the targets are classes, the mean "
     "squared error when they are numbers. Training is the search for weights that make L small."),
    ("backward", "3. Backward pass",
     "Apply the chain rule from L back towards the inputs. A layer's δ = ∂L/∂z is the next layer's δ, sent "
     "back along the weights and multiplied by the activation's slope; a weight's gradient is the δ at its "
     "end times the activation at its start."),
    ("update", "4. Update the weights",
     "Take one gradient-descent step: move every weight and bias a little against its gradient, "
     "w ← w − η·∂L/∂w (plain sgd; momentum, adam and the others move it by their own rule from the "
     "gradient). Repeating the four steps is training; one round over the data is an epoch."),
)

TRAINING = ("Training repeats the four steps once per batch (all training points, or mini-batches: one epoch is "
            "a pass over them all): watch the loss fall and the boundary take shape. Stop to step through the "
            "trained network by hand.")

_NORMAL = "QLabel { padding: 2px; border-radius: 4px; }"
_CURRENT = "QLabel { padding: 2px; border-radius: 4px; background: #DCEBF7; }"


class ConceptPanel(QFrame):
    """The four steps' titles, links that ask the tab to run (or point at) that step, and the words for the step
    that comes next. One paragraph at a time: all four took 318 of the 633 pixels a 1100x700 window has for this
    column, squeezing the plots under it until their tick labels overlapped (issue 15)."""

    step_clicked = Signal(str)   # "forward", "loss", "backward" or "update"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        heading = QLabel("<b>Backpropagation in four steps</b> — click a step to run it")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        titles = QGridLayout()
        titles.setContentsMargins(0, 0, 0, 0)
        titles.setSpacing(2)
        self.step_labels: dict[str, QLabel] = {}
        self.texts = QStackedWidget()   # as tall as the longest paragraph: stepping never moves the plots
        self._pages: dict[str | None, QLabel] = {}
        for index, (phase, title, text) in enumerate(STEPS):
            label = QLabel(f'<a href="{phase}" style="font-weight:bold">{title}</a>')
            label.setObjectName(f"concept_{phase}")
            label.setToolTip(f"<p>{text}</p><p>Click to run this step (the {title.split('. ')[1]} button).</p>")
            label.linkActivated.connect(self.step_clicked.emit)
            label.setStyleSheet(_NORMAL)
            titles.addWidget(label, index // 2, index % 2)
            self.step_labels[phase] = label
            self._pages[phase] = self._page(f"<b>{title}.</b> {text}")
        self._pages[None] = self._page(TRAINING)
        layout.addLayout(titles)
        layout.addWidget(self.texts)
        self.set_next(STEPS[0][0])

    def _page(self, html: str) -> QLabel:
        page = QLabel(html)
        page.setWordWrap(True)
        page.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.texts.addWidget(page)
        return page

    def set_next(self, phase: str | None) -> None:
        """Highlight the step that comes next and explain it (None: training runs the steps over and over)."""
        for name, label in self.step_labels.items():
            style = _CURRENT if name == phase else _NORMAL
            if label.styleSheet() != style:   # asked every training frame: a new style sheet relays the label out
                label.setStyleSheet(style)
        self.texts.setCurrentWidget(self._pages[phase])

    def explanation(self) -> str:
        """The paragraph on show."""
        return self.texts.currentWidget().text()
