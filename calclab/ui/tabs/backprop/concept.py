"""The Backprop tab's concept panel: backpropagation's four steps, each a link to the button that performs it.

Clicking a step's title emits `step_clicked(phase)`; the tab runs the step if it is next, otherwise it says
which step comes first and highlights that button. The step that comes next is highlighted here too.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

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
     "w ← w − η·∂L/∂w. Repeating the four steps is training; one round over the data is an epoch."),
)

_NORMAL = "QLabel { padding: 3px; border-radius: 4px; }"
_CURRENT = "QLabel { padding: 3px; border-radius: 4px; background: #DCEBF7; }"


class ConceptPanel(QFrame):
    """Four short paragraphs; their titles are links that ask the tab to run (or point at) that step."""

    step_clicked = Signal(str)   # "forward", "loss", "backward" or "update"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(1)
        heading = QLabel("<b>Backpropagation in four steps</b> — click a step to run it")
        layout.addWidget(heading)
        self.step_labels: dict[str, QLabel] = {}
        for phase, title, text in STEPS:
            label = QLabel(f'<a href="{phase}" style="font-weight:bold">{title}</a> — {text}')
            label.setObjectName(f"concept_{phase}")
            label.setWordWrap(True)
            label.setToolTip(f"Click the title to run this step (the {title.split('. ')[1]} button)")
            label.linkActivated.connect(self.step_clicked.emit)
            label.setStyleSheet(_NORMAL)
            layout.addWidget(label)
            self.step_labels[phase] = label

    def set_next(self, phase: str | None) -> None:
        """Highlight the step that comes next (None: no highlight, e.g. while training)."""
        for name, label in self.step_labels.items():
            label.setStyleSheet(_CURRENT if name == phase else _NORMAL)
