"""The Backprop tab: build a small network, run backpropagation's four steps one button at a time, then train.

Left: presets, data, builder and training controls (backprop_controls). Middle: the four phase buttons, the
network diagram (widgets.network_view) with hover read-outs, the loss formula and what the last phase did.
Right: the four steps in words (backprop_concept), the data under the network's prediction and the loss
curves (backprop_plots). The maths lives in backprop_model (the engine's MLP); texts in backprop_text.
Training runs a few epochs per QTimer tick, so the window never freezes; a run that overflows stops with a
message and the last sane weights.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from calclab.state.backprop import DEFAULT_PRESET, PRESETS, BackpropState
from calclab.ui.tabs.backprop import text
from calclab.ui.tabs.backprop.concept import ConceptPanel
from calclab.ui.tabs.backprop.controls import ControlsPanel
from calclab.ui.tabs.backprop.model import (
    PHASE_TITLES,
    PHASES,
    BackpropModel,
    Diverged,
    PhaseOrderError,
    TrainResult,
)
from calclab.ui.tabs.backprop.plots import DataPlot, LossPlot
from calclab.ui.tabs.base import TabBase
from calclab.ui.widgets.formula_view import FormulaView, formula_scroll_area
from calclab.ui.widgets.network_view import NetworkView

TICK_MS = 30
# Training time per timer tick: 2,000 epochs per frame of a 2-8-8-8-8-1 net on 1,600 points took 3.5 s a tick
# and froze the window; past this budget a tick trains fewer epochs than `speed` (issue 10).
TICK_BUDGET_S = 0.04
FLASH_MS = 1500
HOVER_HINT = ("<span style='color:#666666'>Hover a neuron or a weight: its value, its gradient and the "
              "chain-rule product behind it appear here.</span>")
PHASE_TIPS = {
    "forward": "Step 1: compute every neuron's z and activation for all training samples",
    "loss": "Step 2: compare the outputs with the targets: one number L",
    "backward": "Step 3: the chain rule from L back to every weight and bias (∂L/∂w)",
    "update": "Step 4: move every weight against its gradient: w ← w − η ∂L/∂w",
}
_NEXT_STYLE = "QPushButton { font-weight: bold; border: 2px solid #0072B2; border-radius: 4px; padding: 4px 10px; }"
_FLASH_STYLE = ("QPushButton { font-weight: bold; border: 2px solid #E66100; border-radius: 4px; "
                "padding: 4px 10px; background: #FFE6B3; }")


class BackpropTab(TabBase):
    """A neural network trained step by step and as a whole. `state` is the last good BackpropState."""

    name = "backprop"
    title = "Backprop"

    def __init__(self, worker, parent: QWidget | None = None) -> None:
        super().__init__(worker, parent)
        self.model = BackpropModel(DEFAULT_PRESET.make_state())
        self._run_total = 0
        self._remaining = 0
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._on_timer)
        self._build_ui()
        self.controls.show_state(self.model.state)
        self._rebuild_views()
        self._say("")

    # -- layout -----------------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.controls = ControlsPanel()
        scroll = QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(self.controls.sizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 6)

        middle = QWidget()
        column = QVBoxLayout(middle)
        column.setContentsMargins(2, 2, 2, 2)
        phase_row = QHBoxLayout()
        self.phase_buttons: dict[str, QPushButton] = {}
        for number, phase in enumerate(PHASES, start=1):
            button = QPushButton(f"{number}. {PHASE_TITLES[phase]}")
            button.setObjectName(f"button_{phase}")
            button.setToolTip(PHASE_TIPS[phase])
            button.clicked.connect(lambda _checked=False, p=phase: self.step(p))
            setattr(self, f"button_{phase}", button)
            self.phase_buttons[phase] = button
            phase_row.addWidget(button)
        phase_row.addSpacing(12)
        phase_row.addWidget(QLabel("Sample"))
        self.spin_sample = QSpinBox()
        self.spin_sample.setToolTip("The training sample whose values the circles and read-outs show "
                                    "(or click a point in the data plot)")
        self.spin_sample.valueChanged.connect(self._on_sample_changed)
        phase_row.addWidget(self.spin_sample)
        self.label_sample = QLabel("")
        self.label_sample.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # may clip
        phase_row.addWidget(self.label_sample, 1)
        column.addLayout(phase_row)
        self.label_message = QLabel("")
        self.label_message.setWordWrap(True)
        column.addWidget(self.label_message)
        self.network_view = NetworkView()
        self.network_view.hovered.connect(self._on_hovered)
        column.addWidget(self.network_view, 1)

        bottom = QWidget()
        lower = QVBoxLayout(bottom)
        lower.setContentsMargins(2, 0, 2, 2)
        self.label_hover = QLabel(HOVER_HINT)
        self.label_hover.setWordWrap(True)
        # Room for the longest read-out (8 lines), so hovering never makes the layout jump.
        self.label_hover.setFixedHeight(self.label_hover.fontMetrics().lineSpacing() * 8 + 10)
        self.label_hover.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.label_hover.setStyleSheet("QLabel { background: #F6F6F6; border: 1px solid #DDDDDD; padding: 3px; }")
        lower.addWidget(self.label_hover)
        self.formula_loss = FormulaView(font_pt=13)
        self.formula_sample = FormulaView(font_pt=12)
        self.formula_areas = [formula_scroll_area(self.formula_loss), formula_scroll_area(self.formula_sample)]
        for area in self.formula_areas:
            area.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
            lower.addWidget(area)
        self.text_details = QTextBrowser()
        self.text_details.setOpenLinks(False)
        self.text_details.setToolTip("What the last step computed")
        lower.addWidget(self.text_details, 1)
        splitter_middle = QSplitter(Qt.Orientation.Vertical)
        splitter_middle.addWidget(middle)
        splitter_middle.addWidget(bottom)
        splitter_middle.setStretchFactor(0, 3)
        splitter_middle.setStretchFactor(1, 2)
        splitter_middle.setSizes([500, 360])

        right = QWidget()
        side = QVBoxLayout(right)
        side.setContentsMargins(2, 2, 2, 2)
        self.concept = ConceptPanel()
        self.concept.step_clicked.connect(self._on_concept_step)
        side.addWidget(self.concept)
        self.data_plot = DataPlot()
        self.data_plot.sample_clicked.connect(lambda index: self.spin_sample.setValue(index + 1))
        side.addWidget(self.data_plot, 3)
        self.loss_plot = LossPlot()
        side.addWidget(self.loss_plot, 2)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(splitter_middle)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 2)
        splitter.setSizes([300, 680, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        c = self.controls
        c.settings_edited.connect(self._on_settings_edited)
        c.preset_chosen.connect(self._on_preset_chosen)
        c.button_train.clicked.connect(self.train)
        c.button_stop.clicked.connect(self.stop)
        c.button_reset.clicked.connect(self._on_reset)
        c.button_gradient_check.clicked.connect(self.gradient_check)
        c.set_training(False)

    # -- public API -------------------------------------------------------------------------------------

    @property
    def state(self) -> BackpropState:
        """The settings of the network on screen (the last good ones)."""
        return self.model.state.copy()

    def set_state(self, state: BackpropState) -> bool:
        """Show `state` on the controls and build a fresh network; on a problem say so and keep the last one."""
        self.controls.show_state(state)
        return self._apply(state, fresh=True)

    def main_plot(self):
        return self.data_plot.plot_widget

    def plots(self) -> list:
        return [self.data_plot.plot_widget, self.loss_plot.plot_widget]

    def step(self, phase: str) -> bool:
        """Run one of the four phases if it is next; otherwise explain and point at the right button."""
        if self.is_training():
            self._say("Training is running: stop it before stepping by hand.", error=True)
            return False
        try:
            self.model.step(phase)
        except PhaseOrderError as error:
            self._say(str(error), error=True)
            self._flash(self.model.next_phase)
            return False
        except Diverged as error:
            self._say(str(error), error=True)
            self._refresh_all()
            return False
        self._say("")
        self._refresh_all()
        return True

    def is_training(self) -> bool:
        return self.timer.isActive()

    def train(self) -> None:
        """Start training `epochs` epochs from the current weights, a few per timer tick."""
        if self.is_training():
            return
        self._run_total = self._remaining = self.model.state.epochs
        self.controls.progress.setRange(0, self._run_total)
        self.controls.progress.setValue(0)
        self.timer.start()   # first: is_training() decides which buttons stay enabled
        self.controls.set_training(True)
        self._show_phase_buttons()
        self._say(f"Training {self._run_total} epochs…")

    def stop(self) -> None:
        """Pause training (Train starts a new run from the weights reached)."""
        self.timer.stop()
        self.controls.set_training(False)
        self._show_phase_buttons()

    def train_tick(self, time_budget_s: float | None = None) -> None:
        """Train `speed` epochs (fewer if `time_budget_s` runs out first), then redraw; stops at the end of the
        run or when training diverges. The timer passes a budget; export replays call it without one, so each
        frame is exactly `speed` epochs."""
        if self._remaining <= 0:
            self.stop()
            return
        result = self._train_within(min(self.model.state.speed, self._remaining), time_budget_s)
        self._remaining -= result.epochs_done
        self.controls.progress.setValue(self._run_total - self._remaining)
        if result.message or self._remaining <= 0:
            self._remaining = 0
            self.stop()
        self._refresh_all(details=not self.is_training())
        if result.message:
            self._say(result.message, error=True)
        elif not self.is_training():
            self._say(f"Trained {self._run_total} epochs. {self.controls.label_scores.text()}")

    def gradient_check(self) -> float:
        """Compare backprop's gradients with central finite differences; show and return the relative error."""
        error = self.model.gradient_check()
        count = sum(W.size + b.size for W, b in self.model.net.params)
        verdict = "agree" if error < 1e-5 else "differ (a relu kink or an overflow?)"
        self.controls.label_gradient_check.setText(
            f"Largest relative error {error:.1e} over {count} weights and biases: backprop and finite "
            f"differences {verdict}.")
        self._say(f"Gradient check: relative error {error:.1e}")
        return error

    def _train_within(self, epochs: int, time_budget_s: float | None) -> TrainResult:
        """Up to `epochs` epochs, in chunks sized from the measured time per epoch so the budget is kept."""
        if time_budget_s is None:
            return self.model.train(epochs)
        start = time.perf_counter()
        done, chunk = 0, 1
        while done < epochs:
            result = self.model.train(min(chunk, epochs - done))
            done += result.epochs_done
            if result.message:
                return TrainResult(done, result.message)
            elapsed = time.perf_counter() - start
            if elapsed >= time_budget_s:
                break
            chunk = max(1, int((time_budget_s - elapsed) / (elapsed / done)))
        return TrainResult(done)

    # -- slots ------------------------------------------------------------------------------------------

    def _on_timer(self) -> None:
        self.train_tick(TICK_BUDGET_S)

    def _on_settings_edited(self) -> None:
        candidate = self.controls.read_state()
        candidate.sample = self.model.state.sample
        self._apply(candidate)

    def _on_preset_chosen(self, index: int) -> None:
        self.set_state(PRESETS[index].make_state())

    def _on_reset(self) -> None:
        self.stop()
        self.model.reset_weights()
        self._refresh_all()
        self._say("Weights reset to their initial values.")

    def _on_sample_changed(self, value: int) -> None:
        state = self.model.state.copy()
        state.sample = value - 1
        self.model.set_training_options(state)
        self.controls._sample = state.sample
        self._show_sample()
        if not self.is_training():
            self._refresh_network()

    def _on_concept_step(self, phase: str) -> None:
        """A step's title in the concept panel: run it if it is next, else say what comes first."""
        if phase == self.model.next_phase and not self.is_training():
            self.phase_buttons[phase].animateClick()
        else:
            self.step(phase)

    def _on_hovered(self, html: str) -> None:
        self.label_hover.setText(html or HOVER_HINT)

    # -- applying settings ------------------------------------------------------------------------------

    def _apply(self, state: BackpropState, fresh: bool = False) -> bool:
        """Take new settings: a new learning rate (etc.) keeps the network, anything else builds a new one."""
        problem = state.problem()
        if problem:
            self._say(f"{problem} The network is unchanged.", error=True)
            return False
        if not fresh and self.model.state.same_network(state):
            self.model.set_training_options(state)
            self._show_sample()
            self._refresh_network()
            self._say("")
            return True
        self.stop()
        self.model.rebuild(state)
        self._rebuild_views()
        sizes = "-".join(str(n) for n in self.model.net.sizes)
        self._say(f"Built a {sizes} network ({state.activation}) on {len(self.model.X_train)} training points.")
        return True

    # -- drawing ----------------------------------------------------------------------------------------

    def _rebuild_views(self) -> None:
        """A new network or data set: new diagram items, new points."""
        m = self.model
        self.network_view.set_layers(m.net.sizes, text.layer_titles(m))
        self.spin_sample.blockSignals(True)
        self.spin_sample.setRange(1, len(m.X_train))
        self.spin_sample.setValue(m.sample + 1)
        self.spin_sample.blockSignals(False)
        self.data_plot.set_model_data(m)
        self.controls.progress.setRange(0, max(m.state.epochs, 1))
        self.controls.progress.setValue(0)
        self.controls.label_gradient_check.setText("")
        self._show_sample()
        self._refresh_all()

    def _refresh_all(self, details: bool = True) -> None:
        self._refresh_network(details)
        self.data_plot.set_prediction(self.model)
        self.loss_plot.set_history(self.model)
        self._show_scores()

    def _refresh_network(self, details: bool = True) -> None:
        m = self.model
        labels, fills, scales, notes = text.neuron_labels(m)
        self.network_view.set_neurons(labels, fills, scales, notes, text.neuron_tooltips(m))
        values, legend = text.edge_values(m)
        self.network_view.set_edges(values, text.edge_tooltips(m))
        self.network_view.set_legend(legend)
        if details:
            mean, sample = text.loss_latex(m)
            self.formula_loss.set_latex(mean)
            if sample:
                self.formula_sample.set_latex(sample)
            else:
                self.formula_sample.clear()
            self.formula_areas[1].setVisible(bool(sample))
            self.text_details.setHtml(text.details_html(m))
            self.label_hover.setText(HOVER_HINT)   # what was hovered may have changed
        self._show_phase_buttons()

    def _show_phase_buttons(self) -> None:
        training = self.is_training()
        following = None if training else self.model.next_phase
        for phase, button in self.phase_buttons.items():
            button.setEnabled(phase == following)
            button.setStyleSheet(_NEXT_STYLE if phase == following else "")
        self.concept.set_next(following)

    def _flash(self, phase: str) -> None:
        """Draw the eye to the button that comes next."""
        button = self.phase_buttons[phase]
        button.setStyleSheet(_FLASH_STYLE)
        QTimer.singleShot(FLASH_MS, self._show_phase_buttons)

    def _show_sample(self) -> None:
        m, n = self.model, self.model.sample
        x = ", ".join(text.fmt(v, 2) for v in m.X_train[n])
        line = f"/ {len(m.X_train)}   x = ({x}), y = {text.fmt(m.y_train[n, 0])}"
        self.label_sample.setText(line)
        self.label_sample.setToolTip(f"Sample {n + 1} {line}")
        self.data_plot.set_sample(m)

    def _show_scores(self) -> None:
        train, test = self.model.scores()
        if self.model.state.classification:
            line = f"Accuracy: train {train:.1%}" + (f" · test {test:.1%}" if test is not None else "")
        else:
            line = f"MSE: train {text.fmt(train)}" + (f" · test {text.fmt(test)}" if test is not None else "")
        self.controls.label_scores.setText(f"{line} · epoch {self.model.epoch}")

    def _say(self, message: str, error: bool = False) -> None:
        """One line over the diagram (red for problems) and in the status bar."""
        self.label_message.setText(message)
        self.label_message.setStyleSheet("color: #B00020;" if error else "color: #333333;")
        self.label_message.setVisible(bool(message))
        if message:
            self.status_message.emit(message)
