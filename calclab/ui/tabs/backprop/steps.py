"""The Backprop tab's middle column: the four phase buttons and the sample chooser, a one-line message, the
network diagram (widgets.network_view) with its hover read-out, the loss formulas and what the last step did.

The panel draws a BackpropModel it is handed (`show_network`, `show_sample`) and says what the tab tells it
(`say`); it holds no settings. Clicking a phase button emits `phase_clicked(phase)`: the tab decides whether
that step may run. `spin_sample` edits the state's `sample` field: the tab binds it.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from calclab.ui import zoom
from calclab.ui.tabs.backprop import text
from calclab.ui.tabs.backprop.model import PHASE_TITLES, PHASES, BackpropModel
from calclab.ui.tabs.backprop.pictures import neuron_pictures
from calclab.ui.widgets.font_fit import refit_on_font_change
from calclab.ui.widgets.formula_view import FormulaView, formula_scroll_area
from calclab.ui.widgets.network_view import EdgeItem, NetworkView
from calclab.ui.widgets.side_width import column_cap

FLASH_MS = 1500
# While training, the edges (hundreds of antialiased lines, ~5 ms a repaint) follow the weights this often; the
# neurons' pictures every frame, and between edge updates only the pictures' squares are repainted (issue 20).
EDGES_EVERY_S = 0.25
HOVER_HINT = ("<span style='color:#666666'>Hover a neuron or a weight: its value, its gradient and the "
              "chain-rule product behind it appear here, in place of this text.</span>")
PHASE_TIPS = {
    "forward": "Step 1: compute every neuron's z and activation for all training samples",
    "loss": "Step 2: compare the outputs with the targets: one number L",
    "backward": "Step 3: the chain rule from L back to every weight and bias (∂L/∂w)",
    "update": "Step 4: move every weight against its gradient by the optimizer's rule (sgd: w ← w − η ∂L/∂w)",
}
_NEXT_STYLE = "QPushButton { font-weight: bold; border: 2px solid #0072B2; border-radius: 4px; padding: 4px 10px; }"
_FLASH_STYLE = ("QPushButton { font-weight: bold; border: 2px solid #E66100; border-radius: 4px; "
                "padding: 4px 10px; background: #FFE6B3; }")


class StepsPanel(QSplitter):
    """Buttons, message and diagram on top; the loss formulas and the last step's details (or, while the mouse is on
    the diagram, the hover read-out) below."""

    phase_clicked = Signal(str)   # "forward", "loss", "backward" or "update"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self._following: str | None = None
        self._edges_drawn = 0.0
        self._formulas: tuple[str, str] | None = None   # the loss formulas on show
        top = QWidget()
        column = QVBoxLayout(top)
        column.setContentsMargins(2, 2, 2, 2)
        phase_row = QHBoxLayout()
        self.phase_buttons: dict[str, QPushButton] = {}
        for number, phase in enumerate(PHASES, start=1):
            button = QPushButton(f"{number}. {PHASE_TITLES[phase]}")
            button.setObjectName(f"button_{phase}")
            button.setToolTip(PHASE_TIPS[phase])
            button.clicked.connect(lambda _checked=False, p=phase: self.phase_clicked.emit(p))
            setattr(self, f"button_{phase}", button)
            self.phase_buttons[phase] = button
            phase_row.addWidget(button)
        phase_row.addStretch(1)
        column.addLayout(phase_row)
        # The sample on a row of its own: beside the buttons it was cut to "/ 160 x = (-0.14," at 1100x700.
        sample_row = QHBoxLayout()
        sample_row.addWidget(QLabel("Sample"))
        self.spin_sample = QSpinBox()
        self.spin_sample.setToolTip("The training sample whose values the circles and read-outs show "
                                    "(or click a point in the data plot)")
        sample_row.addWidget(self.spin_sample)
        self.label_sample = QLabel("")
        self.label_sample.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)  # never cut
        sample_row.addWidget(self.label_sample)
        sample_row.addStretch(1)
        column.addLayout(sample_row)
        self.label_batch = QLabel("")
        self.label_batch.setStyleSheet("color: #444444;")
        self.label_batch.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)   # "11/16" whole
        sample_row.insertWidget(sample_row.count() - 1, self.label_batch)
        self.label_message = QLabel("")
        self.label_message.setWordWrap(True)
        column.addWidget(self.label_message)
        self.network_view = NetworkView()
        self.network_view.hovered.connect(self._on_hovered)
        column.addWidget(self.network_view, 1)

        bottom = QWidget()
        lower = QVBoxLayout(bottom)
        lower.setContentsMargins(2, 0, 2, 2)
        self.formula_loss = FormulaView(font_pt=13)
        self.formula_sample = FormulaView(font_pt=12)
        self.formula_areas = [formula_scroll_area(self.formula_loss), formula_scroll_area(self.formula_sample)]
        self.formula_loss.typeset_ready.connect(self._fit_formula_width)
        for area in self.formula_areas:
            area.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
            lower.addWidget(area)
        self.text_details = QTextBrowser()
        self.text_details.setOpenLinks(False)
        self.text_details.setToolTip("What the last step computed")
        self.label_hover = QLabel(HOVER_HINT)
        self.label_hover.setWordWrap(True)
        # Room for the longest read-out (8 lines), so hovering never makes the layout jump.
        self.label_hover.setMinimumHeight(self.label_hover.fontMetrics().lineSpacing() * 8 + 10)
        self.label_hover.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.label_hover.setStyleSheet("QLabel { background: #F6F6F6; border: 1px solid #DDDDDD; padding: 3px; }")
        # The hover read-out takes the details' place while the mouse is on a neuron or a weight: one above the
        # other, the column needed 700 pixels and stretched a 1100x700 window to 768 (issue 15).
        self.readout = QStackedWidget()
        self.readout.addWidget(self.text_details)
        self.readout.addWidget(self.label_hover)
        lower.addWidget(self.readout, 1)
        self.addWidget(top)
        self.addWidget(bottom)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 2)
        self.setSizes([500, 360])
        refit_on_font_change(self, self._fit_formula_width, now=False, show=True)

    def _fit_formula_width(self) -> None:
        """Zoomed, the column is as wide as the loss formula (as far as the columns beside it leave room), so it
        does not scroll sideways; at 100 % the splitter alone decides."""
        area = self.formula_areas[0]
        need = self.formula_loss.sizeHint().width() + 2 * area.frameWidth() + 4
        area.setMinimumWidth(0 if zoom.percent() == zoom.DEFAULT else column_cap(area, need))

    def new_network(self, model: BackpropModel) -> None:
        """A new network or data set: new diagram items."""
        self.network_view.set_layers(model.net.sizes, text.layer_titles(model))

    def show_network(self, model: BackpropModel, details: bool = True, run: tuple[int, int] | None = None) -> None:
        """The diagram's values for the model's last phase; with `details`, the formulas and the explanation, else
        (a training frame: `run` is epochs done and the run's total) a short read-out of epoch, batch and loss."""
        labels, fills, scales, notes = text.neuron_labels(model)
        # Tooltips (hundreds of formatted strings) only with the details: not in every training frame.
        self.network_view.set_neurons(labels, fills, scales, notes, text.neuron_tooltips(model) if details else None)
        # Playground's pictures while no pass's numbers are on show (a fresh net, after an update, training)
        self.network_view.set_pictures(None if text.shows_values(model) else neuron_pictures(model))
        many = model.batch_count > 1
        self.label_batch.setText(f"· batch {model.batch_label().split()[1]}/{model.batch_count}" if many else "")
        self.label_batch.setToolTip(f"The step buttons work on {model.batch_label()}: each epoch shuffles the "
                                    "training points into batches (Batch size in the Training settings)")
        now = time.perf_counter()
        if details or now - self._edges_drawn >= EDGES_EVERY_S:
            self._edges_drawn = now
            values, legend = text.edge_values(model)
            self.network_view.set_edges(values, text.edge_tooltips(model) if details else None)
            self.network_view.set_legend(legend)
        mean, sample = text.loss_latex(model)   # a few strings; typeset only when they change (once a run)
        if (mean, sample) != self._formulas:
            self._formulas = (mean, sample)
            self.formula_loss.set_latex(mean)
            self._fit_formula_width()
            if sample:
                self.formula_sample.set_latex(sample)
            else:
                self.formula_sample.clear()
            self.formula_areas[1].setVisible(bool(sample))
        if details:
            self.text_details.setHtml(text.details_html(model) + f"<p>{HOVER_HINT}</p>")
            self._on_hovered("")   # what was hovered may have changed
        else:   # a training frame: a few lines of plain numbers (no table), so the frame rate stays
            self.text_details.setHtml(text.training_html(model, run))
            self._follow_hovered(model)

    def _follow_hovered(self, model: BackpropModel) -> None:
        """While training, the one neuron or weight under the mouse gets its read-out anew (all of them: 4 ms)."""
        item = self.network_view.hovered_item
        if item is None:
            return
        if isinstance(item, EdgeItem):
            html = text.edge_tooltip(model, item.layer, item.i, item.j)
        else:
            html = text.neuron_tooltip(model, item.layer, item.j)
        item.setToolTip(html)
        self._on_hovered(html)

    def show_sample(self, model: BackpropModel) -> None:
        """The chosen sample's inputs and target beside the chooser."""
        n = model.sample
        x = ", ".join(text.fmt(v, 2) for v in model.P_train[n])   # the point itself (the features can be seven)
        line = f"/ {len(model.X_train)}   x = ({x}), y = {text.fmt(model.y_train[n, 0])}"
        self.label_sample.setText(line)
        self.label_sample.setToolTip(f"Sample {n + 1} {line}")

    def show_next(self, following: str | None) -> None:
        """Enable and mark the button of the phase that comes next (None: none, e.g. while training)."""
        self._following = following
        for phase, button in self.phase_buttons.items():
            button.setEnabled(phase == following)
            style = _NEXT_STYLE if phase == following else ""
            if button.styleSheet() != style:   # every training frame asks: a new style sheet re-polishes the button
                button.setStyleSheet(style)

    def flash(self, phase: str) -> None:
        """Draw the eye to the button that comes next for a moment."""
        self.phase_buttons[phase].setStyleSheet(_FLASH_STYLE)
        QTimer.singleShot(FLASH_MS, self, lambda: self.show_next(self._following))

    def say(self, message: str, error: bool = False) -> None:
        """One line over the diagram, red for problems; hidden when empty."""
        self.label_message.setText(message)
        self.label_message.setStyleSheet("color: #B00020;" if error else "color: #333333;")
        self.label_message.setVisible(bool(message))

    def _on_hovered(self, html: str) -> None:
        self.label_hover.setText(html or HOVER_HINT)
        self.readout.setCurrentWidget(self.label_hover if html else self.text_details)
