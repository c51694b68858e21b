"""The Backprop tab: build a small network, run backpropagation's four steps one button at a time, then train.

Left: presets, data, builder and training controls (controls.py). Middle: the four phase buttons, the network
diagram with hover read-outs, the loss formula and what the last phase did (steps.py). Right: the four steps
in words (concept.py), the data under the network's prediction and the loss curves (plots.py). The maths
lives in model.py (the engine's MLP); texts in text.py.
This module alone binds the settings (`_state`, the last good BackpropState) to the widgets: each control's
edit changes its own field, and a bad value is refused with a message while the last good network stays.
Training runs a few epochs per QTimer tick, so the window never freezes; a run that overflows stops with a
message and the last sane weights.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

from calclab.engine.headless import diverged_by_loss, divergence_message
from calclab.engine.numbers import format_number
from calclab.state import Preset
from calclab.state.backprop import DATASET_TITLES, DEFAULT_PRESET, MAX_LAYER_WIDTH, SPEED_MAX, BackpropState
from calclab.ui.signals import signals_blocked
from calclab.ui.tabs.backprop import text
from calclab.ui.tabs.backprop.concept import ConceptPanel
from calclab.ui.tabs.backprop.controls import ControlsPanel
from calclab.ui.tabs.backprop.landscape_view import LandscapePanel
from calclab.ui.tabs.backprop.model import BackpropModel, Diverged, PhaseOrderError
from calclab.ui.tabs.backprop.more_plots import GradientPlot
from calclab.ui.tabs.backprop.plots import DataPlot, LossPlot
from calclab.ui.tabs.backprop.steps import StepsPanel
from calclab.ui.tabs.base import Animation, TabBase, Table
from calclab.ui.widgets.side_width import follow_zoom
from calclab.ui.worker import SymbolicWorker

TICK_MS = 30
# Training time per timer tick: 2,000 epochs per frame of a 2-8-8-8-8-1 net on 1,600 points took 3.5 s a tick
# and froze the window; past this budget a tick trains fewer epochs than `speed` (issue 10).
CHARTS_EVERY_S = 0.5   # while training, the loss and gradient charts redraw at most this often
TICK_BUDGET_S = 0.015  # training per frame at most, and the redraw about twice as long: ≥ 20 frames a second
FRAME_S = 0.04         # a frame's target (issue 20's playground_fps): when the redraw takes longer (a busy machine,
MIN_TICK_S = 0.004     # a large window), training gets what is left of it, down to this, so the animation stays smooth


class BackpropTab(TabBase):
    """A neural network trained step by step and as a whole. `state` is a copy of the last good settings."""

    name = "backprop"
    table_label = "loss-history"

    def __init__(self, worker: SymbolicWorker, parent: QWidget | None = None) -> None:
        super().__init__(worker, parent)
        self._state: BackpropState = DEFAULT_PRESET.make_state()
        self.model = BackpropModel(self._state)
        self._run_total = 0
        self._remaining = 0
        self._charts_drawn = 0.0
        self._tick_started, self._tick_trained, self._train_s = 0.0, 0.0, 0.0   # the frame budget's clock
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._on_timer)
        self._build_ui()
        self.controls.show_state(self._state)
        self._rebuild_views()
        self._say("")
        from calclab.ui.tabs.backprop.predict import install_predict

        self.predict = install_predict(self)   # Predict, then check (Learn mode)

    # -- layout -----------------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.controls = ControlsPanel()
        # The column fits 1100x700 as it is; the scroll area is for smaller windows (or larger fonts) only.
        scroll = self.controls_area = QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        follow_zoom(scroll, 0, need=lambda: self.controls.sizeHint().width())   # its content's width, at any zoom

        self.steps = StepsPanel()
        self.steps.phase_clicked.connect(self.step)
        self.steps.network_view.layer_resize_requested.connect(self._on_layer_resize)
        self.steps.spin_sample.valueChanged.connect(self._on_sample_changed)

        right = QWidget()
        side = QVBoxLayout(right)
        side.setContentsMargins(2, 2, 2, 2)
        self.concept = ConceptPanel()
        self.concept.step_clicked.connect(self._on_concept_step)
        side.addWidget(self.concept)
        self.data_plot = DataPlot()
        self.data_plot.sample_clicked.connect(lambda index: self.steps.spin_sample.setValue(index + 1))
        self.data_plot.range_changed.connect(self._on_data_range_changed)
        self.data_plot.setMinimumHeight(200)   # the pages under it never squeeze the data away (1100x700)
        side.addWidget(self.data_plot, 5)
        self.loss_plot = LossPlot()
        self.gradient_plot = GradientPlot()
        self.landscape = LandscapePanel()
        self.landscape.button_compute.clicked.connect(lambda: self.landscape.compute(self.model))
        self.views = QTabWidget()   # Playground's loss, and what it never shows: gradients per layer, the landscape
        self.views.addTab(self.loss_plot, "Loss")
        self.views.addTab(self.gradient_plot, "Gradient per layer")
        self.views.addTab(self.landscape, "Landscape")
        self.views.setDocumentMode(True)
        self.views.currentChanged.connect(lambda _index: self.gradient_plot.set_history(self.model))
        side.addWidget(self.views, 4)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(self.steps)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 2)
        splitter.setSizes([280, 420, 400])   # at 1100 px wide the data plot's title and legend fit
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        c = self.controls
        c.field_edited.connect(self._on_field_edited)
        c.preset_chosen.connect(self._on_preset_chosen)
        c.button_train.clicked.connect(self.train)
        c.button_stop.clicked.connect(self.stop)
        c.button_reset.clicked.connect(self._on_reset)
        c.button_gradient_check.clicked.connect(self.gradient_check)
        c.set_training(False)

    # -- public API -------------------------------------------------------------------------------------

    @property
    def state(self) -> BackpropState:
        """A copy of the settings of the network on screen (the last good ones)."""
        return self._state.copy()

    def set_state(self, state: BackpropState) -> None:
        """Build a fresh network for `state` and show it on the controls; a state with a problem is refused
        with a message, and the last good network and its settings stay on screen."""
        self._apply(state.copy(), fresh=True)
        self.controls.show_state(self._state)

    def main_plot(self) -> pg.PlotWidget:
        """The data under the network's prediction."""
        return self.data_plot.plot_widget

    def plots(self) -> list[pg.PlotWidget]:
        return [self.data_plot.plot_widget, self.loss_plot.plot_widget, self.gradient_plot.plot_widget,
                self.landscape.plot.plot_widget]

    def view_plot(self, view: str) -> pg.PlotWidget | QWidget:
        """main: the data and prediction; neurons: the diagram with every neuron's picture; gradients: the size per
        layer; landscape: the loss around the weights (computed here first if the weights moved since)."""
        super().view_plot(view)   # refuses an unknown view
        if view == "neurons":
            return self.steps.network_view
        if view == "gradients":
            self.views.setCurrentWidget(self.gradient_plot)   # a page on show is laid out (export sizes it)
            return self.gradient_plot.plot_widget
        if view == "landscape":
            self.views.setCurrentWidget(self.landscape)
            if self.landscape.stale:
                self.landscape.compute_now(self.model)
            return self.landscape.plot.plot_widget
        return self.main_plot()

    def is_busy(self) -> bool:
        return super().is_busy() or self.landscape.is_busy()

    def step(self, phase: str) -> bool:
        """Run one of the four phases if it is next; otherwise explain and point at the right button."""
        if self.is_training():
            self._say("Training is running: stop it before stepping by hand.", error=True)
            return False
        try:
            self.model.step(phase)
        except PhaseOrderError as error:
            self._say(str(error), error=True)
            self.steps.flash(self.model.next_phase)
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
        self._run_total = self._remaining = self._state.epochs
        self._tick_started = 0.0
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

    def train_tick(self, time_budget_s: float | None = None, epochs: int | None = None) -> None:
        """Train `speed` epochs (fewer if `time_budget_s` runs out first), then redraw; stops at the end of the
        run or when training diverges. The timer passes a budget; export replays call it without one, so each
        frame is exactly `speed` epochs."""
        if self._remaining <= 0:
            self.stop()
            return
        chunk = self._state.speed if epochs is None else epochs
        start = time.perf_counter()
        result = self.model.train_within(min(chunk, self._remaining), time_budget_s)
        self._train_s = time.perf_counter() - start
        self._remaining -= result.epochs_done
        self.controls.progress.setValue(self._run_total - self._remaining)
        if result.message or self._remaining <= 0:
            self._remaining = 0
            self.stop()
        self._refresh_all(details=not self.is_training())
        if result.message:
            self._say(result.message, error=True)
        elif not self.is_training() and diverged_by_loss(self.model.train_losses):
            # bce clamps its logs, so a blown-up classifier plateaus far above its start instead of overflowing
            message = divergence_message(self.model.train_losses, self.model.learning_rate)
            self._say(message[0].upper() + message[1:] + ".", error=True)
        elif not self.is_training():
            self._say(f"Trained {self._run_total} epochs. {self.controls.label_scores.text()}")
        if not self.is_training() and self.views.currentWidget() is self.landscape and self.isVisible():
            self.landscape.compute(self.model)   # the landscape on show follows the trained weights

    def gradient_check(self) -> float:
        """Compare backprop's gradients with central finite differences; show and return the relative error."""
        error = self.model.gradient_check()
        count = sum(W.size + b.size for W, b in self.model.net.params)
        agree = error < 1e-5
        sentence = (f"Gradient check: largest relative error {error:.1e} over {count} weights and biases: backprop "
                    f"and finite differences {'agree' if agree else 'differ (a relu kink or an overflow?)'}.")
        self.controls.label_gradient_check.setText(f"error {error:.1e}: {'agree' if agree else 'differ'}")
        self.controls.label_gradient_check.setToolTip(sentence)
        self._say(sentence)
        return error

    def export_animation(self) -> Animation:
        """The training run from fresh weights up to the current epoch (a full run if none was trained), one
        frame per timer tick (`speed` epochs), as Train shows it; the same seed gives the same run again."""
        self.stop()
        state = self.state
        target = self.model.epoch or state.epochs
        speed = max(1, int(state.speed))

        def frames() -> Iterator[str]:
            self.set_state(replace(state, epochs=target))
            yield "epoch 0"
            self.train()
            while self.is_training():
                self.train_tick()
                yield f"epoch {self.model.epoch}"
            if target != state.epochs:    # give the user's epoch setting back without retraining
                self._state.epochs = state.epochs
                self.controls.show_field("epochs", self._state)

        return 1 + math.ceil(target / speed), frames()

    def play_to_end(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Train the epochs set, as Train does, without waiting for the timer and in large chunks (a picture or a
        table needs only the end; a GIF's frames come from export_animation, `speed` epochs each)."""
        self.train()
        while self.is_training():
            self.train_tick(epochs=SPEED_MAX)
            if progress is not None:
                progress(self._run_total - self._remaining, self._run_total)

    def export_table(self) -> Table:
        """The loss per epoch so far: epoch, train_loss, test_loss."""
        return self.model.loss_table()

    def export_caption(self) -> str:
        """The data set, the layer sizes, the activation, η and the epoch the plots show (issue 15)."""
        s, sizes = self._state, "-".join(str(n) for n in self._state.sizes)
        return (f"{self.title}: {DATASET_TITLES.get(s.dataset, s.dataset)} · {sizes} {s.activation} network · "
                f"η = {format_number(s.learning_rate)} · epoch\u00a0{self.model.epoch}")

    # -- slots ------------------------------------------------------------------------------------------

    def _on_timer(self) -> None:
        """One frame: train for what the last frame's redraw left of FRAME_S (MIN_TICK_S to TICK_BUDGET_S)."""
        start = time.perf_counter()
        redraw = start - self._tick_started - self._tick_trained if self._tick_started else 0.0
        budget = min(TICK_BUDGET_S, max(MIN_TICK_S, FRAME_S - redraw))
        self._tick_started = start
        self.train_tick(budget)
        self._tick_trained = self._train_s

    def _on_field_edited(self, field: str, value: object) -> None:
        """One control changed one setting: try the last good settings with it; if refused, show the old value.
        The weight decay box edits the optimizer's `hyper`; a new optimizer keeps the hyperparameters it takes."""
        if field == "weight_decay":
            field, value = "hyper", {**self._state.hyper, "weight_decay": value}
        state = self._state.with_optimizer(value) if field == "optimizer" else replace(self._state, **{field: value})
        if not self._apply(state):
            self.controls.show_field(field, self._state)
        elif field == "optimizer":
            self.controls.show_field("hyper", self._state)   # the weight decay the new optimizer uses

    def _on_layer_resize(self, layer: int, delta: int) -> None:
        """The diagram's − or + under a hidden layer: one neuron fewer or more (1 to 8), as in Playground."""
        hidden = list(self._state.hidden)
        if 0 <= layer < len(hidden) and 1 <= hidden[layer] + delta <= MAX_LAYER_WIDTH:
            hidden[layer] += delta
            self._on_field_edited("hidden", hidden)
            self.controls.show_field("hidden", self._state)

    def _on_preset_chosen(self, preset: Preset) -> None:
        self.set_state(preset.make_state())

    def _on_reset(self) -> None:
        self.stop()
        self.model.reset_weights()
        self._refresh_all()
        self._say("Weights reset to their initial values.")

    def _on_sample_changed(self, value: int) -> None:
        self._state.sample = value - 1
        self.model.set_training_options(self._state)
        self._show_sample()
        if not self.is_training():
            self._refresh_network()

    def _on_data_range_changed(self, *_range: float) -> None:
        """Resized, panned or zoomed: the heatmap covers the new view."""
        if self.model.classification:
            self.data_plot.set_prediction(self.model)

    def _on_concept_step(self, phase: str) -> None:
        """A step's title in the concept panel: run it if it is next, else say what comes first."""
        if phase == self.model.next_phase and not self.is_training():
            self.steps.phase_buttons[phase].animateClick()
        else:
            self.step(phase)

    # -- applying settings ------------------------------------------------------------------------------

    def _apply(self, state: BackpropState, fresh: bool = False) -> bool:
        """Take new settings (False: refused with a message): a new learning rate (etc.) keeps the network,
        anything else builds a new one."""
        problem = state.problem()
        if problem:
            self._say(f"{problem} The network is unchanged.", error=True)
            return False
        if not fresh and self._state.same_network(state):
            self._state = state
            self.model.set_training_options(state)
            self.data_plot.set_display(state.show_test, state.discretize)
            self.data_plot.set_prediction(self.model)
            self._show_sample()
            self._refresh_network()
            self._say("")
            return True
        self.stop()
        self.model.rebuild(state)
        self._state = state
        self._rebuild_views()
        sizes = "-".join(str(n) for n in self.model.net.sizes)
        self._say(f"Built a {sizes} network ({state.activation}) on {len(self.model.X_train)} training points.")
        return True

    # -- drawing ----------------------------------------------------------------------------------------

    def _rebuild_views(self) -> None:
        """A new network or data set: new diagram items, new points."""
        m = self.model
        self.steps.new_network(m)
        with signals_blocked(self.steps.spin_sample):
            self.steps.spin_sample.setRange(1, len(m.X_train))
            self.steps.spin_sample.setValue(m.sample + 1)
        self.data_plot.set_display(self._state.show_test, self._state.discretize)
        self.data_plot.set_model_data(m)
        self.landscape.cancel()
        self.landscape.plot.set_landscape(None)
        self.controls.show_output(self._state)
        self.controls.progress.setRange(0, max(self._state.epochs, 1))
        self.controls.progress.setValue(0)
        self.controls.label_gradient_check.setText("")
        self.controls.label_gradient_check.setToolTip("")
        self._show_sample()
        self._refresh_all()

    def _refresh_all(self, details: bool = True) -> None:
        self._refresh_network(details)
        self.data_plot.set_prediction(self.model, coarse=not details)   # while training: a coarser heatmap
        now = time.perf_counter()
        if details or now - self._charts_drawn >= CHARTS_EVERY_S:   # the charts' axes repaint slowly: fewer
            self._charts_drawn = now
            self.loss_plot.set_history(self.model)
            if details or self.views.currentWidget() is self.gradient_plot:   # the hidden page: when shown
                self.gradient_plot.set_history(self.model)
        self.landscape.stale = True
        self._show_scores()

    def _refresh_network(self, details: bool = True) -> None:
        run = (self._run_total - self._remaining, self._run_total) if self.is_training() else None
        self.steps.show_network(self.model, details, run)
        self._show_phase_buttons()

    def _show_phase_buttons(self) -> None:
        following = None if self.is_training() else self.model.next_phase
        self.steps.show_next(following)
        self.concept.set_next(following)

    def _show_sample(self) -> None:
        self.steps.show_sample(self.model)
        self.data_plot.set_sample(self.model)

    def _show_scores(self) -> None:
        train, test = self.model.scores()
        if self.model.classification:
            line = f"Accuracy: train {train:.1%}" + (f" · test {test:.1%}" if test is not None else "")
        else:
            line = f"MSE: train {text.fmt(train)}" + (f" · test {text.fmt(test)}" if test is not None else "")
        self.controls.label_scores.setText(f"{line} · epoch\u00a0{self.model.epoch}")   # wraps as one

    def _say(self, message: str, error: bool = False) -> None:
        """One line over the diagram (red for problems) and in the status bar."""
        self.steps.say(message, error)
        if message:
            self.status_message.emit(message)
