"""The Backprop tab's left column: presets, the data set, the network builder and the training controls.

Each control is named after the BackpropState field it edits (spin_learning_rate <-> state.learning_rate,
spin_hidden_2 <-> state.hidden[1]). An edit emits `field_edited(field, value)` with that one field's new value,
valid or not (the tab checks it and keeps the last good network on a problem); `show_state()` and
`show_field()` put a state on the controls without emitting. Spin boxes commit on Enter or focus loss (no
keyboard tracking) so typing "0.05" does not rebuild at "0".
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from calclab.engine import datasets, features
from calclab.engine.backprop import HIDDEN_ACTIVATIONS
from calclab.engine.optimizers import DEFAULTS, OPTIMIZERS
from calclab.state.backprop import (
    BATCH_MAX,
    DATASET_TITLES,
    EPOCHS_MAX,
    LR_MAX,
    MAX_HIDDEN_LAYERS,
    MAX_LAYER_WIDTH,
    NOISE_MAX,
    REGULARIZATION_RATE_MAX,
    REGULARIZATIONS,
    SAMPLES_MAX,
    SAMPLES_MIN,
    SEED_MAX,
    SPEED_MAX,
    TEST_FRACTION_MAX,
    WEIGHT_DECAY_MAX,
    BackpropState,
)
from calclab.ui import zoom
from calclab.ui.signals import signals_blocked
from calclab.ui.widgets.font_fit import refit_on_font_change
from calclab.ui.widgets.preset_combo import PresetCombo


def _spin(low: int, high: int, tip: str, step: int = 1) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setKeyboardTracking(False)
    spin.setToolTip(tip)
    return spin


def _double(low: float, high: float, step: float, decimals: int, tip: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(low, high)
    spin.setSingleStep(step)
    spin.setDecimals(decimals)
    spin.setKeyboardTracking(False)
    spin.setToolTip(tip)
    return spin


RATE_BOX_PX = 84   # η, λ and wd beside their combo boxes at 100 % ("0.5000"): the column leaves the plots room


def _rate_box_width(spin: QDoubleSpinBox) -> None:
    """Keep a rate box as narrow as it is at 100 %, scaled with the zoom (a fixed 84 px cut "0.5000" at 200 %)."""
    refit_on_font_change(spin, lambda: spin.setMaximumWidth(round(RATE_BOX_PX * zoom.factor())))


def _pair(*widgets: QWidget | str) -> QHBoxLayout:
    """Widgets (and labels, given as text) side by side on one form row."""
    row = QHBoxLayout()
    row.setSpacing(4)
    for widget in widgets:
        row.addWidget(QLabel(widget) if isinstance(widget, str) else widget, 0 if isinstance(widget, str) else 1)
    return row


def _form(group: QGroupBox) -> QFormLayout:
    """A compact form: the whole column fits a 1100x700 window without a scroll bar."""
    form = QFormLayout(group)
    form.setContentsMargins(6, 2, 6, 4)
    form.setVerticalSpacing(1)
    return form


class ControlsPanel(QWidget):
    """Presets, data, network and training controls; emits `field_edited` when a setting changes."""

    field_edited = Signal(str, object)   # (BackpropState field, its new value)
    preset_chosen = Signal(object)       # the calclab.state.Preset picked from the combo

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)

        self.combo_preset = PresetCombo("backprop", title="Presets…")
        self.combo_preset.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo_preset.setMinimumContentsLength(16)   # long names elide; the list opens wide enough
        self.combo_preset.setToolTip("Load a worked example: data set, network and training settings together")
        self.combo_preset.activated.connect(self._on_preset_activated)
        layout.addWidget(self.combo_preset)
        self.label_preset = QLabel("")
        self.label_preset.setWordWrap(True)
        self.label_preset.setStyleSheet("color: #555555;")
        layout.addWidget(self.label_preset)

        data = QGroupBox("Data")
        form = _form(data)
        self.combo_dataset = QComboBox()
        for name in datasets.DATASETS:
            self.combo_dataset.addItem(DATASET_TITLES[name], name)
        self.combo_dataset.setToolTip("Toy data made on this machine; the four 2-D sets are classification, "
                                      "the sine is regression")
        self.spin_n_samples = _spin(SAMPLES_MIN, SAMPLES_MAX, "How many points the data set has", 10)
        self.spin_noise = _double(0.0, NOISE_MAX, 0.05, 2, "Standard deviation of the random jitter added "
                                  "to the points (to y for the sine)")
        self.spin_test_fraction = _double(0.0, TEST_FRACTION_MAX, 0.05, 2, "Share of the points held back as a "
                                          "test set: never trained on, only measured")
        self.check_show_test = QCheckBox("Show test data")
        self.check_show_test.setToolTip("Draw the held-back test points (hollow) on the data plot")
        self.check_discretize = QCheckBox("Discretise")
        self.check_discretize.setToolTip("Colour the plane by the class the network predicts (p ≥ 0.5), not by p")
        form.addRow("Data set", self.combo_dataset)
        form.addRow("Points", _pair(self.spin_n_samples, "Noise", self.spin_noise))
        self.spin_seed = _spin(0, SEED_MAX, "Seeds the data, the train/test split, the initial weights and the "
                               "batches' shuffles")
        form.addRow("Test ratio", _pair(self.spin_test_fraction, "Seed", self.spin_seed))
        checks = QHBoxLayout()
        checks.addWidget(self.check_show_test)
        checks.addWidget(self.check_discretize)
        form.addRow(checks)
        layout.addWidget(data)

        inputs = QGroupBox("Features (the network's inputs)")
        grid = QGridLayout(inputs)
        grid.setContentsMargins(6, 2, 6, 4)
        grid.setVerticalSpacing(2)
        self.check_features: dict[str, QCheckBox] = {}
        for k, name in enumerate(features.FEATURES):
            box = QCheckBox(features.TITLES[name])
            box.setToolTip(f"Feed {features.TITLES[name]} to the network as an input")
            box.toggled.connect(self._on_features_edited)
            self.check_features[name] = box
            grid.addWidget(box, k // 4, k % 4)
        layout.addWidget(inputs)

        network = QGroupBox("Network")
        form = _form(network)
        self.spin_hidden_layers = _spin(0, MAX_HIDDEN_LAYERS, "Number of hidden layers (0 = no hidden layer: "
                                        "a straight-line boundary)")
        self.combo_activation = QComboBox()
        for name in HIDDEN_ACTIVATIONS:
            self.combo_activation.addItem(name, name)
        self.combo_activation.setToolTip("The hidden layers' activation: sigmoid 1/(1+e^-z), tanh, relu max(0, z)")
        form.addRow("Hidden layers", _pair(self.spin_hidden_layers, self.combo_activation))
        row = QHBoxLayout()
        row.setSpacing(2)
        self.spin_hidden: list[QSpinBox] = []
        for k in range(MAX_HIDDEN_LAYERS):
            spin = _spin(0, MAX_LAYER_WIDTH, f"Neurons in hidden layer {k + 1} (1 to {MAX_LAYER_WIDTH}; or + and − "
                         "under the layer in the diagram)")
            spin.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)   # six fit the column; +/− in the diagram
            spin.setObjectName(f"spin_hidden_{k + 1}")
            setattr(self, f"spin_hidden_{k + 1}", spin)
            self.spin_hidden.append(spin)
            row.addWidget(spin)
        form.addRow("Neurons", row)
        self.label_output = QLabel("")
        self.label_output.setWordWrap(True)
        self.label_output.setToolTip("The output layer and the loss follow the data set: a probability (sigmoid) "
                                     "and binary cross-entropy for classes, a plain number (linear) and the mean "
                                     "squared error for the sine (regression)")
        form.addRow("Output, loss", self.label_output)
        self.spin_learning_rate = _double(0.0, LR_MAX, 0.05, 4, "η in w ← w − η ∂L/∂w (must be above 0)")
        self.spin_learning_rate.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        layout.addWidget(network)

        training = QGroupBox("Training")
        form = _form(training)
        self.combo_optimizer = QComboBox()
        for name in OPTIMIZERS:
            self.combo_optimizer.addItem(name, name)
        self.combo_optimizer.setToolTip("The update rule, as torch.optim (the Descent tab's): its weight decay, if "
                                        "any (AdamW 0.01), acts on every parameter, biases too")
        for combo in (self.combo_optimizer, self.combo_activation):   # narrow: the column leaves the plots room
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
        _rate_box_width(self.spin_learning_rate)
        form.addRow("Optimizer", _pair(self.combo_optimizer, "η", self.spin_learning_rate))
        self.spin_batch_size = _spin(0, BATCH_MAX, "Training points per update: each epoch shuffles them into "
                                     "batches of this size (all: one batch, the whole training set)")
        self.spin_batch_size.setSpecialValueText("all")
        self.combo_regularization = QComboBox()
        for name, title in zip(REGULARIZATIONS, ("none", "L1", "L2"), strict=True):
            self.combo_regularization.addItem(title, name)
        self.combo_regularization.setToolTip("On the weights, not the biases: L1 adds λ·Σ|w|, L2 adds (λ/2)·Σw²")
        self.spin_regularization_rate = _double(0.0, REGULARIZATION_RATE_MAX, 0.001, 4, "λ, the regularisation rate")
        self.spin_regularization_rate.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.combo_regularization.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo_regularization.setMinimumContentsLength(6)
        _rate_box_width(self.spin_regularization_rate)
        form.addRow("Regularise", _pair(self.combo_regularization, "λ", self.spin_regularization_rate))
        self.spin_weight_decay = _double(0.0, WEIGHT_DECAY_MAX, 0.001, 4, "The optimizer's weight decay, as "
                                         "torch.optim: on every parameter, biases too (sgd … adam add wd·w to the "
                                         "gradient; adamw shrinks w by (1 − η·wd), its default 0.01)")
        self.spin_weight_decay.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        _rate_box_width(self.spin_weight_decay)
        form.addRow("Batch size", _pair(self.spin_batch_size, "wd", self.spin_weight_decay))   # one row: 700 px high
        self.spin_epochs = _spin(1, EPOCHS_MAX, "How many epochs Train runs (one epoch = the four steps once "
                                 "on the whole training set)", 100)
        self.spin_speed = _spin(1, SPEED_MAX, "Epochs trained per animation frame (higher = faster)")
        epochs = QHBoxLayout()   # one row: the column fits 700 pixels of height without a scroll bar
        epochs.addWidget(self.spin_epochs, 1)
        epochs.addWidget(QLabel("per frame"))
        epochs.addWidget(self.spin_speed, 1)
        form.addRow("Epochs", epochs)
        buttons = QHBoxLayout()
        self.button_train = QPushButton("Train")
        self.button_train.setToolTip("Run the epochs, animating the diagram and the plots")
        self.button_stop = QPushButton("Stop")
        self.button_stop.setToolTip("Pause training (Train continues from here)")
        self.button_reset = QPushButton("Reset")
        self.button_reset.setToolTip("Back to the initial weights (same seed) and an empty loss curve")
        for button in (self.button_train, self.button_stop, self.button_reset):
            buttons.addWidget(button)
        form.addRow(buttons)
        self.progress = QProgressBar()
        self.progress.setToolTip("Epochs done in this training run")
        form.addRow(self.progress)
        self.label_scores = QLabel("")
        self.label_scores.setWordWrap(True)
        self.label_scores.setToolTip("Accuracy: share of points on the right side of p = 0.5 (regression: MSE)")
        form.addRow(self.label_scores)
        self.button_gradient_check = QPushButton("Gradient check")
        self.button_gradient_check.setToolTip("Compare backprop's gradients with central finite differences "
                                              "(L(w + ε) − L(w − ε)) / 2ε for every weight and bias")
        self.label_gradient_check = QLabel("")   # the verdict in short; its tooltip and the message say it all
        self.label_gradient_check.setWordWrap(True)
        check = QHBoxLayout()
        check.addWidget(self.button_gradient_check)
        check.addWidget(self.label_gradient_check, 1)
        form.addRow(check)
        layout.addWidget(training)
        layout.addStretch(1)

        for name, spin in (("n_samples", self.spin_n_samples), ("noise", self.spin_noise),
                           ("test_fraction", self.spin_test_fraction), ("learning_rate", self.spin_learning_rate),
                           ("seed", self.spin_seed), ("epochs", self.spin_epochs), ("speed", self.spin_speed),
                           ("batch_size", self.spin_batch_size),
                           ("regularization_rate", self.spin_regularization_rate),
                           ("weight_decay", self.spin_weight_decay)):   # the tab puts it in `hyper`
            spin.valueChanged.connect(lambda value, name=name: self.field_edited.emit(name, value))
        for name, box in (("show_test", self.check_show_test), ("discretize", self.check_discretize)):
            box.toggled.connect(lambda on, name=name: self.field_edited.emit(name, bool(on)))
        for name, combo in (("dataset", self.combo_dataset), ("activation", self.combo_activation),
                            ("optimizer", self.combo_optimizer), ("regularization", self.combo_regularization)):
            combo.currentIndexChanged.connect(lambda _index, name=name, combo=combo:
                                              self.field_edited.emit(name, combo.currentData()))
        for spin in (self.spin_hidden_layers, *self.spin_hidden):
            spin.valueChanged.connect(self._on_hidden_edited)
        self.field_edited.connect(self._on_field_edited)

    def _widgets(self) -> list[QWidget]:
        return [self.combo_dataset, self.spin_n_samples, self.spin_noise, self.spin_test_fraction,
                self.spin_hidden_layers, *self.spin_hidden, self.combo_activation, self.spin_learning_rate,
                self.spin_seed, self.spin_epochs, self.spin_speed, self.check_show_test, self.check_discretize,
                *self.check_features.values(), self.combo_optimizer, self.spin_batch_size, self.combo_regularization,
                self.spin_regularization_rate, self.spin_weight_decay]

    def show_state(self, state: BackpropState) -> None:
        """Put every field of `state` on the controls (without emitting); the unused layer boxes show the
        widest layer, so adding a layer starts from a width the network already has."""
        with signals_blocked(*self._widgets()):
            for name in ("dataset", "n_samples", "noise", "test_fraction", "hidden", "activation", "learning_rate",
                         "seed", "epochs", "speed", "show_test", "discretize", "features", "optimizer", "batch_size",
                         "regularization", "regularization_rate", "hyper"):
                self.show_field(name, state)
            for spin in self.spin_hidden[len(state.hidden):]:
                spin.setValue(max(state.hidden, default=4))

    def show_field(self, name: str, state: BackpropState) -> None:
        """Put field `name` of `state` on its control(s) without emitting (e.g. to undo a refused edit)."""
        with signals_blocked(*self._widgets()):
            if name in ("hyper", "optimizer"):   # the weight decay in use: the state's, else the optimizer's default
                self.spin_weight_decay.setValue(state.hyper.get("weight_decay",
                                                                DEFAULTS[state.optimizer]["weight_decay"]))
            if name in ("dataset", "activation", "optimizer", "regularization"):
                combo = getattr(self, f"combo_{name}")
                combo.setCurrentIndex(combo.findData(getattr(state, name)))
            elif name in ("show_test", "discretize"):
                getattr(self, f"check_{name}").setChecked(getattr(state, name))
            elif name == "features":
                usable = features.usable(datasets.input_dim(state.dataset))
                for feature, box in self.check_features.items():
                    box.setChecked(feature in state.features)   # x₂'s stay ticked (greyed) for the sine
                    box.setEnabled(feature in usable)
            elif name == "hidden":
                self.spin_hidden_layers.setValue(len(state.hidden))
                for spin, width in zip(self.spin_hidden, state.hidden, strict=False):
                    spin.setValue(width)
            elif name != "hyper":
                getattr(self, f"spin_{name}").setValue(getattr(state, name))
        self._show_layer_spins()
        self.show_output(state)
        self.spin_regularization_rate.setEnabled(state.regularization != "none")

    def show_output(self, state: BackpropState) -> None:
        """The output layer and loss that `state`'s data set implies."""
        self.label_output.setText("sigmoid, cross-entropy" if state.classification else "linear, squared error")

    def set_training(self, running: bool) -> None:
        """Lock the settings that would rebuild the network while training runs."""
        self.button_train.setEnabled(not running)
        self.button_stop.setEnabled(running)
        self.button_gradient_check.setEnabled(not running)
        self.button_reset.setEnabled(not running)

    def _show_layer_spins(self) -> None:
        count = self.spin_hidden_layers.value()
        for k, spin in enumerate(self.spin_hidden):
            spin.setEnabled(k < count)
        self.combo_activation.setEnabled(count > 0)   # no hidden layer, no hidden activation

    def _on_hidden_edited(self, *_args: object) -> None:
        """The layer count or a layer's width: the `hidden` field is the widths of the layers in use."""
        self._show_layer_spins()
        self.field_edited.emit("hidden", [spin.value() for spin in self.spin_hidden[:self.spin_hidden_layers.value()]])

    def _on_features_edited(self, *_args: object) -> None:
        """A feature ticked or unticked: the `features` field is the ticked ones, in Playground's order."""
        self.field_edited.emit("features", [name for name, box in self.check_features.items() if box.isChecked()])

    def _on_field_edited(self, *_args: object) -> None:
        """A setting changed by hand: the settings are the user's own, so the chooser names no preset."""
        self.combo_preset.setCurrentIndex(0)
        self.label_preset.setText("")

    def _on_preset_activated(self, index: int) -> None:
        preset = self.combo_preset.preset_at(index)
        if preset is not None:
            self.label_preset.setText(preset.description)
            self.preset_chosen.emit(preset)
