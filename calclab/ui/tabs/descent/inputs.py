"""The Descent tab's input panel: function, start point, learning rate, optimizer, stopping rule, options.

The panel only edits values and says which field changed to what; the tab writes it into its state and
decides what the change means (a new expression is prepared in the worker, the learning rate applies from the
next step, anything else resets the run). Controls are named after the DescentState fields they edit.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QScrollArea,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from calclab.engine.descent import DEFAULTS, METHODS
from calclab.state import Preset
from calclab.state.descent import EPOCHS_MAX, HYPER_USERS, LR_MAX, LR_MIN, DescentState
from calclab.ui.signals import signals_blocked
from calclab.ui.tabs.descent.compare import OPTIMIZER_TIPS, ComparePanel
from calclab.ui.tabs.descent.schedule_box import ScheduleBox
from calclab.ui.widgets.expression_box import ExpressionBox
from calclab.ui.widgets.number_spin import NumberSpinBox
from calclab.ui.widgets.preset_combo import PresetCombo
from calclab.ui.widgets.side_width import follow_zoom

SLIDER_STEPS = 1000
HYPER_TIPS = {
    "momentum": "μ: how much of the previous velocity each step keeps (0 = plain SGD)",
    "alpha": "α: smoothing of RMSprop's running mean of squared gradients",
    "beta1": "β₁: smoothing of Adam's running mean of gradients (m)",
    "beta2": "β₂: smoothing of Adam's running mean of squared gradients (v)",
    "eps": "ε: added to the denominator so a zero gradient never divides by zero ('default' = the optimizer's own)",
    "weight_decay": "wd, torch's weight_decay: the gradient gets + wd·x (L2); AdamW instead shrinks x by (1 − η·wd) "
                    "before its step. Applies to every optimizer that runs",
}
NEWTON_NOTE = "Newton's method takes the full step −H⁻¹∇f: η and the schedule do not apply to it"


class DescentInputs(QWidget):
    """Every input of the Descent tab, in group boxes, with signals saying which field the user changed."""

    expression_changed = Signal(str, object)   # a new good expression (text, SymPy expr)
    preset_chosen = Signal(object)             # the Preset picked
    start_changed = Signal(str, float)         # a variable's start coordinate (name, value)
    learning_rate_changed = Signal(float)      # applies from the next step
    compare_learning_rate_changed = Signal(str, float)   # a compared optimizer's own η; from the next step
    settings_changed = Signal(dict)            # {DescentState field: value} that one action changed: optimizer,
    #                                            hyperparameters, epochs, tolerance, compare set (they reset the run)
    show_internals_changed = Signal(bool)

    def __init__(self, state: DescentState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._shown_rows: tuple[bool, set[str]] = (False, set())   # compare list shown, hyperparameters shown

        self.combo_preset = PresetCombo("descent")
        self.combo_preset.setPlaceholderText("(your own settings)")
        self.combo_preset.setToolTip("Worked examples: pick one to load its function, start and settings")
        self.combo_preset.activated.connect(self._on_preset_activated)
        self.label_preset = QLabel()
        self.label_preset.setWordWrap(True)
        self.label_preset.setStyleSheet("color: #455A64;")
        box = QGroupBox("Example")
        form = QVBoxLayout(box)
        form.addWidget(self.combo_preset)
        form.addWidget(self.label_preset)
        layout.addWidget(box)

        box = QGroupBox("Function f and start point")
        form = QFormLayout(box)
        self.expression = ExpressionBox(state.expression, placeholder="e.g. x^2 + 10y^2",
                                        tooltip="The function to minimise, of one or two variables, e.g. x^2, "
                                                "x^4 - 3x^2 + x, (1-x)^2 + 100(y-x^2)^2. Enter applies.")
        self.expression.expression_changed.connect(self._on_expression_changed)
        form.addRow("f =", self.expression)
        self.start_row = QHBoxLayout()
        self.start_spins: dict[str, NumberSpinBox] = {}
        form.addRow("start", self.start_row)
        layout.addWidget(box)

        box = QGroupBox("Learning rate η")
        column = QVBoxLayout(box)
        row = QHBoxLayout()
        self.spin_learning_rate = NumberSpinBox(LR_MIN, LR_MAX, state.learning_rate, stepping="nice")
        self.spin_learning_rate.setToolTip("η, the step size: each update moves by −η·∇f. Applies from the next "
                                           "step (the run is not reset). Type any value from 1e-4 to 10.")
        self.slider_learning_rate = QSlider(Qt.Orientation.Horizontal)
        self.slider_learning_rate.setRange(0, SLIDER_STEPS)
        self.slider_learning_rate.setToolTip("η on a logarithmic scale, from 0.0001 to 10")
        row.addWidget(self.spin_learning_rate)
        row.addWidget(self.slider_learning_rate, 1)
        column.addLayout(row)
        self.label_bound = QLabel()
        self.label_bound.setWordWrap(True)
        self.label_bound.setToolTip("For a quadratic f, plain gradient descent converges exactly when η < 2/L, "
                                    "L the largest curvature (eigenvalue of the Hessian)")
        column.addWidget(self.label_bound)
        self.schedule_box = ScheduleBox(state)
        self.schedule_box.settings_changed.connect(self.settings_changed)
        self.combo_schedule = self.schedule_box.combo_schedule
        column.addWidget(self.schedule_box)
        self.label_lr_note = QLabel(NEWTON_NOTE)
        self.label_lr_note.setWordWrap(True)
        self.label_lr_note.setStyleSheet("color: #455A64;")
        column.addWidget(self.label_lr_note)
        layout.addWidget(box)
        self.spin_learning_rate.valueChanged.connect(self._on_spin_learning_rate_changed)
        self.slider_learning_rate.valueChanged.connect(self._on_slider_learning_rate_changed)

        box = QGroupBox("Optimizer")
        self.form_optimizer = QFormLayout(box)
        self.combo_optimizer = QComboBox()
        for name in METHODS:
            self.combo_optimizer.addItem(name)
            self.combo_optimizer.setItemData(self.combo_optimizer.count() - 1, OPTIMIZER_TIPS[name],
                                             Qt.ItemDataRole.ToolTipRole)
        self.combo_optimizer.setToolTip("The update rule (PyTorch's torch.optim rules and defaults). In compare "
                                        "mode this one is shown in the table and gets the arrows.")
        self.combo_optimizer.currentTextChanged.connect(self._on_optimizer_changed)
        self.form_optimizer.addRow("rule", self.combo_optimizer)
        self.spin_momentum = NumberSpinBox(0.0, 0.999, state.momentum, step=0.05)
        self.spin_alpha = NumberSpinBox(0.0, 0.9999, state.alpha, step=0.01)
        self.spin_beta1 = NumberSpinBox(0.0, 0.9999, state.beta1, step=0.01)
        self.spin_beta2 = NumberSpinBox(0.0, 0.99999, state.beta2, step=0.001)
        self.spin_eps = NumberSpinBox(0.0, 1.0, state.eps or 0.0, stepping="log")
        self.spin_eps.setSpecialValueText("default")
        self.hyper_spins = {"momentum": self.spin_momentum, "alpha": self.spin_alpha, "beta1": self.spin_beta1,
                            "beta2": self.spin_beta2, "eps": self.spin_eps}
        labels = {"momentum": "momentum μ", "alpha": "alpha α", "beta1": "beta₁", "beta2": "beta₂", "eps": "eps ε"}
        for name, spin in self.hyper_spins.items():
            spin.setToolTip(HYPER_TIPS[name])
            spin.valueChanged.connect(lambda value, field=name: self._on_hyper_changed(field, value))
            self.form_optimizer.addRow(labels[name], spin)
        self.spin_weight_decay = NumberSpinBox(0.0, 10.0, 0.0, stepping="nice")
        self.spin_weight_decay.setToolTip(HYPER_TIPS["weight_decay"])
        self.check_weight_decay_default = QCheckBox("torch default")
        self.check_weight_decay_default.setToolTip("Each optimizer's own default: 0.01 for AdamW, 0 for the others")
        self.spin_weight_decay.valueChanged.connect(self._on_weight_decay_changed)
        self.check_weight_decay_default.toggled.connect(self._on_weight_decay_changed)
        row = QHBoxLayout()
        row.addWidget(self.spin_weight_decay, 1)
        row.addWidget(self.check_weight_decay_default)
        self.form_optimizer.addRow("weight decay", row)
        self.label_newton = QLabel()
        self.label_newton.setWordWrap(True)
        self.label_newton.setStyleSheet("color: #455A64;")
        self.form_optimizer.addRow(self.label_newton)
        self.check_compare = QCheckBox("Compare with:")
        self.check_compare.setToolTip("Run several optimizers side by side from the same start, stepping together")
        self.check_compare.toggled.connect(self._on_compare_toggled)
        self.compare_panel = ComparePanel()
        self.compare_checks = self.compare_panel.checks
        self.compare_spins = self.compare_panel.spins
        self.compare_panel.selection_changed.connect(self._on_compare_selection_changed)
        self.compare_panel.learning_rate_changed.connect(self.compare_learning_rate_changed)
        self.form_optimizer.addRow(self.check_compare)
        self.form_optimizer.addRow(self.compare_panel)
        layout.addWidget(box)

        box = QGroupBox("Stopping and display")
        form = QFormLayout(box)
        self.spin_epochs = QSpinBox()
        self.spin_epochs.setRange(1, EPOCHS_MAX)
        self.spin_epochs.setKeyboardTracking(False)
        self.spin_epochs.setToolTip("How many updates a run makes at most")
        self.spin_epochs.valueChanged.connect(self._on_epochs_changed)
        form.addRow("epochs", self.spin_epochs)
        row = QHBoxLayout()
        self.check_tolerance = QCheckBox("stop when |∇f| ≤")
        self.check_tolerance.setToolTip("Stop early (converged) once the gradient's length falls to this tolerance")
        self.spin_tolerance = NumberSpinBox(1e-15, 1e3, state.tolerance or 1e-6, stepping="log")
        self.spin_tolerance.setToolTip("The tolerance on |∇f|: arrows step by factors of ten")
        self.check_tolerance.toggled.connect(self._on_tolerance_changed)
        self.spin_tolerance.valueChanged.connect(self._on_tolerance_changed)
        row.addWidget(self.check_tolerance)
        row.addWidget(self.spin_tolerance, 1)
        form.addRow(row)
        self.check_show_internals = QCheckBox("show optimizer internals")
        self.check_show_internals.setToolTip("Velocity (momentum), m and v (Adam), accumulated squares (AdaGrad): "
                                             "as an arrow at the current point and as table columns")
        self.check_show_internals.toggled.connect(self.show_internals_changed.emit)
        form.addRow(self.check_show_internals)
        layout.addWidget(box)
        layout.addStretch(1)
        self._preset_expression: str | None = None   # the shown preset's f (Enter on it keeps the preset named)
        for signal in (self.start_changed, self.learning_rate_changed, self.compare_learning_rate_changed,
                       self.settings_changed):
            signal.connect(self._on_value_edited)
        self.show_state(state)

    def widest_width(self) -> int:
        """The width the panel needs with every optional row shown (so showing one never clips the panel)."""
        self.compare_panel.setVisible(True)
        for spin in self.hyper_spins.values():
            self.form_optimizer.setRowVisible(spin, True)
        self.schedule_box.set_all_rows_visible(True)
        width = self.minimumSizeHint().width()
        self.schedule_box.set_all_rows_visible(None)
        self.compare_panel.setVisible(self._shown_rows[0])
        for name, spin in self.hyper_spins.items():
            self.form_optimizer.setRowVisible(spin, name in self._shown_rows[1])
        for layout in self.findChildren(QLayout):   # sizes cached with the rows shown were sometimes kept (the
            layout.invalidate()                      # panel laid out as if they were, its rows squeezed together)
        return width

    # -- state ------------------------------------------------------------------------------------------

    def show_state(self, state: DescentState) -> None:
        """Show `state` in the controls without emitting anything (the tab applies it once)."""
        widgets = [self, self.spin_learning_rate, self.slider_learning_rate, self.combo_optimizer,
                   self.spin_weight_decay, self.check_weight_decay_default,
                   self.check_compare, self.spin_epochs, self.check_tolerance, self.spin_tolerance,
                   self.check_show_internals, *self.hyper_spins.values()]
        with signals_blocked(*widgets):
            self.expression.set_text(state.expression, emit=False)
            self.spin_learning_rate.setValue(state.learning_rate)
            self._sync_slider(state.learning_rate)
            self.combo_optimizer.setCurrentText(state.optimizer)
            for name in ("momentum", "alpha", "beta1", "beta2"):
                self.hyper_spins[name].setValue(getattr(state, name))
            self.spin_eps.setValue(state.eps or 0.0)
            self._show_weight_decay(state)
            self.spin_epochs.setValue(state.epochs)
            self.check_tolerance.setChecked(state.tolerance is not None)
            if state.tolerance is not None:
                self.spin_tolerance.setValue(state.tolerance)
            self.check_compare.setChecked(state.compare)
            self.compare_panel.set_values(state.optimizer, state.learning_rate, state.compare_optimizers,
                                          state.compare_lrs)
            self.check_show_internals.setChecked(state.show_internals)
        self.schedule_box.show_state(state)
        self.show_rows(state)

    def show_rows(self, state: DescentState) -> None:
        """Show a hyperparameter only when an optimizer that runs uses it, the compare list only in compare
        mode; the primary optimizer is always compared."""
        running = set(state.optimizers())
        hypers = {name for name, users in HYPER_USERS.items() if any(opt in running for opt in users)}
        self._shown_rows = (state.compare, hypers)
        self.compare_panel.setVisible(state.compare)
        self.compare_panel.set_primary(state.optimizer)
        for name, spin in self.hyper_spins.items():
            self.form_optimizer.setRowVisible(spin, name in hypers)
        newton_only = running == {"newton"}
        for widget in (self.spin_learning_rate, self.slider_learning_rate, self.schedule_box):
            widget.setEnabled(not newton_only)
        self.label_lr_note.setVisible("newton" in running)
        self.label_lr_note.setText(NEWTON_NOTE if newton_only else NEWTON_NOTE.replace("to it", "to it (only to "
                                                                                        "the others)"))
        self.schedule_box.gamma_follows_default(state.gamma)
        with signals_blocked(self.spin_weight_decay, self.check_weight_decay_default):
            self._show_weight_decay(state)

    def _show_weight_decay(self, state: DescentState) -> None:
        """The weight decay set, or (torch default ticked) the primary optimizer's own default, greyed."""
        default = state.weight_decay is None
        self.check_weight_decay_default.setChecked(default)
        self.spin_weight_decay.setEnabled(not default)
        self.spin_weight_decay.setValue(DEFAULTS[state.optimizer]["weight_decay"] if default else state.weight_decay)

    def set_hessian_note(self, text: str) -> None:
        """What the optimizer group says about Newton's Hessian ('' hides the note)."""
        self.label_newton.setText(text)
        self.label_newton.setVisible(bool(text))

    def set_variables(self, names: list[str], values: dict[str, float]) -> None:
        """One start spin box per variable of f, keeping the values of variables that stay."""
        if list(self.start_spins) == names:
            for name in self.start_spins:
                if name in values:
                    self.set_start_value(name, values[name])
            return
        while self.start_row.count():
            widget = self.start_row.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.start_spins = {}
        for name in names:
            label = QLabel(f"{name}₀")
            spin = NumberSpinBox(-1e6, 1e6, values.get(name, 1.0), step=0.5)
            spin.setObjectName(f"spin_start_{name}")
            spin.setToolTip(f"Where the descent starts: the value of {name} at epoch 0 (or click on the plot)")
            spin.valueChanged.connect(lambda value, variable=name: self._on_start_spin_changed(variable, value))
            self.start_row.addWidget(label)
            self.start_row.addWidget(spin, 1)
            self.start_spins[name] = spin

    def set_start_value(self, name: str, value: float) -> None:
        """Show a start coordinate without emitting start_changed."""
        spin = self.start_spins[name]
        with signals_blocked(spin):
            spin.setValue(value)

    def show_preset(self, preset: Preset | None) -> None:
        """Show `preset` as the chosen example with its description (None: the user's own settings)."""
        with signals_blocked(self.combo_preset):
            self.combo_preset.setCurrentIndex(self.combo_preset.index_of(preset))
        self.label_preset.setText(preset.description if preset is not None else "")
        self._preset_expression = preset.make_state().expression if preset is not None else None

    # -- slots --------------------------------------------------------------------------------------------

    def _on_preset_activated(self, index: int) -> None:
        preset = self.combo_preset.preset_at(index)
        if preset is not None:
            self.preset_chosen.emit(preset)

    def _on_value_edited(self, *_args: object) -> None:
        """The user changed a value the preset set: the settings are now the user's own, not the preset's."""
        if self.combo_preset.currentIndex() >= 0:
            self.show_preset(None)

    def _on_expression_changed(self, text: str, expr: object) -> None:
        if text != self._preset_expression:   # Enter on the preset's own f (a retry) keeps it named
            self._on_value_edited()
        self.expression_changed.emit(text, expr)

    def _on_start_spin_changed(self, name: str, value: float) -> None:
        self.start_changed.emit(name, value)

    def _on_spin_learning_rate_changed(self, value: float) -> None:
        self._sync_slider(value)
        self.compare_panel.set_main_learning_rate(value)
        self.learning_rate_changed.emit(value)

    def _on_slider_learning_rate_changed(self, position: int) -> None:
        exponent = math.log10(LR_MIN) + (math.log10(LR_MAX) - math.log10(LR_MIN)) * position / SLIDER_STEPS
        value = float(f"{10 ** exponent:.2g}")   # two significant digits: 0.0032, 0.15, 1.5
        if value != self.spin_learning_rate.value():
            self.spin_learning_rate.setValue(value)   # emits learning_rate_changed via the spin box

    def _sync_slider(self, value: float) -> None:
        span = math.log10(LR_MAX) - math.log10(LR_MIN)
        position = round((math.log10(max(value, LR_MIN)) - math.log10(LR_MIN)) / span * SLIDER_STEPS)
        with signals_blocked(self.slider_learning_rate):
            self.slider_learning_rate.setValue(position)

    def _on_optimizer_changed(self, name: str) -> None:
        self.compare_panel.set_primary(name)     # the primary is always compared: its box is ticked
        self.settings_changed.emit({"optimizer": name, "compare_optimizers": self.compare_panel.chosen()})

    def _on_hyper_changed(self, name: str, value: float) -> None:
        self.settings_changed.emit({name: (value or None) if name == "eps" else value})   # eps 0 is "default"

    def _on_weight_decay_changed(self, *_args: object) -> None:
        """The spin and its 'torch default' box are one control: the weight decay, or None (each one's own)."""
        default = self.check_weight_decay_default.isChecked()
        self.spin_weight_decay.setEnabled(not default)
        self.settings_changed.emit({"weight_decay": None if default else self.spin_weight_decay.value()})

    def _on_compare_toggled(self, on: bool) -> None:
        self.settings_changed.emit({"compare": on})

    def _on_compare_selection_changed(self, chosen: list[str]) -> None:
        self.settings_changed.emit({"compare_optimizers": chosen})

    def _on_epochs_changed(self, epochs: int) -> None:
        self.settings_changed.emit({"epochs": epochs})

    def _on_tolerance_changed(self, *_args: object) -> None:
        """The check box and its box are one control: the tolerance, or None (run every epoch)."""
        on = self.check_tolerance.isChecked()
        self.settings_changed.emit({"tolerance": self.spin_tolerance.value() if on else None})


class InputsScroll(QScrollArea):
    """The input panel in a scroll area as wide as its widest content with every optional row shown, so showing
    a row never clips the panel."""

    def __init__(self, inputs: DescentInputs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.inputs = inputs
        self.setWidget(inputs)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)   # a click on the panel must not take Space's focus
        self._width = follow_zoom(self, 300, fixed=True, need=self.inputs.widest_width)   # refits at every zoom

    def fit_width(self) -> None:
        """Size the column to the panel's widest content (call again when the start boxes change)."""
        self._width.fit()
