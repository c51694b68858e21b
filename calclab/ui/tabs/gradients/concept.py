"""The Gradients tab's concept panel: what the gradient means, the lesson's worked example, and the presets.

It shows what a preset says about itself (its description) and reports the chosen `Preset`; the tab loads it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from calclab.state import Preset
from calclab.state.gradients import PRESETS
from calclab.ui.widgets.preset_combo import PresetCombo

CONCEPT_HTML = """
<p style='margin-top:0'>The <b>gradient</b> ∇f stacks all the partial derivatives of f into one vector. Each
entry is a rate: how fast f changes when only that variable is nudged and the others stay put.</p>
<p>Together they point where f <b>climbs fastest</b>; the length |∇f| is how steep that climb is. Along a
level curve f stays the same, so ∇f is always <b>at right angles</b> to it. Training walks the weights the
other way, along −∇f of the loss: downhill.</p>
<p style='margin-bottom:0'><b>Worked example</b> (the lesson's): f = 3x² + 2y. Hold y still: ∂f/∂x = 6x.
Hold x still: ∂f/∂y = 2. So ∇f = [6x, 2]; at (1, 2) it is [6, 2], of length √40 ≈ 6.32.</p>
"""


class ConceptPanel(QGroupBox):
    """What the gradient means and the lesson's worked example (with a button that loads it).

    It also owns the preset chooser: `preset_bar` (a combo box) and `label_note` (what the chosen preset
    shows) are widgets the tab places next to the expression box, where they are seen without scrolling.
    """

    preset_chosen = Signal(object)   # the chosen calclab.state.Preset

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("What the gradient tells you", parent)
        self.label_concept = QLabel(CONCEPT_HTML)
        self.label_concept.setWordWrap(True)
        self.label_concept.setTextFormat(Qt.TextFormat.RichText)
        self.button_lesson_example = QPushButton("Show the worked example")
        self.button_lesson_example.setToolTip("Load f = 3x^2 + 2y with the probe at (1, 2), where ∇f = [6, 2]")
        self.combo_preset = PresetCombo("gradients", title="Choose a preset…")
        self.combo_preset.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo_preset.setMinimumContentsLength(12)
        self.combo_preset.setToolTip("Load a function with a range and a probe point that show it well: "
                                     "the lesson's example, a bowl, a saddle, Rosenbrock, Himmelblau, …")
        self.preset_bar = QWidget()
        bar = QHBoxLayout(self.preset_bar)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(QLabel("Presets"))
        bar.addWidget(self.combo_preset, 1)
        self.label_note = QLabel()
        self.label_note.setWordWrap(True)
        self.label_note.setStyleSheet("color: #444444;")
        self.label_note.setVisible(False)
        row = QHBoxLayout()
        row.addWidget(self.button_lesson_example)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label_concept)
        layout.addLayout(row)
        self.button_lesson_example.clicked.connect(self._on_lesson_example)
        self.combo_preset.activated.connect(self._on_preset_activated)

    def _on_lesson_example(self) -> None:
        self._choose(PRESETS[0])

    def _on_preset_activated(self, index: int) -> None:
        preset = self.combo_preset.preset_at(index)
        if preset is not None:
            self._choose(preset)

    def show_custom(self) -> None:
        """The user edited a value the preset set: the chooser names no preset any more."""
        self.combo_preset.setCurrentIndex(0)
        self.label_note.setVisible(False)

    def _choose(self, preset: Preset) -> None:
        self.label_note.setText(preset.description)
        self.label_note.setVisible(bool(preset.description))
        self.preset_chosen.emit(preset)
