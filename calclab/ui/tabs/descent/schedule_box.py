"""The Descent tab's learning-rate schedule controls: the schedule and only the parameters it takes.

torch.optim.lr_scheduler's schedules (engine/schedules.py): the rate update t uses is the scheduler's after t − 1
calls of step(). The box edits values and says which DescentState fields changed (the tab resets the runs).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QSpinBox, QWidget

from calclab.engine.schedules import SCHEDULE_DEFAULTS, SCHEDULES, TORCH_NAMES
from calclab.state.descent import SCHEDULE_LIMITS, SCHEDULE_USERS, DescentState
from calclab.ui.signals import signals_blocked
from calclab.ui.widgets.number_spin import NumberSpinBox

SCHEDULE_TIPS = {
    "constant": "The same η every epoch (no scheduler)",
    "step": "StepLR: η times γ every step_size epochs",
    "exponential": "ExponentialLR: η times γ every epoch",
    "cosine": "CosineAnnealingLR: from η down to η_min over T_max epochs along a half cosine, then up again",
    "warmup": "LinearLR: from start_factor·η up to η over the warm-up epochs, then η",
}
PARAM_LABELS = {"step_size": "step size", "gamma": "γ (factor)", "t_max": "T_max", "eta_min": "η_min",
                "start_factor": "start factor", "warmup_epochs": "warm-up epochs"}
PARAM_TIPS = {
    "step_size": "StepLR's step_size: epochs between two drops of η",
    "gamma": "The factor η is multiplied by (StepLR: at each drop; ExponentialLR: every epoch)",
    "t_max": "CosineAnnealingLR's T_max: epochs from η down to η_min ('= epochs': the run's epochs)",
    "eta_min": "CosineAnnealingLR's eta_min: the lowest η",
    "start_factor": "LinearLR's start_factor: the first epoch's η is this times η",
    "warmup_epochs": "LinearLR's total_iters: epochs until η reaches its full value",
}


class ScheduleBox(QWidget):
    """A schedule chooser and its parameters in a form; rows show only for the chosen schedule."""

    settings_changed = Signal(dict)   # {DescentState field: value}

    def __init__(self, state: DescentState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.combo_schedule = QComboBox()
        for name in SCHEDULES:
            self.combo_schedule.addItem(name)
            torch = "" if name == "constant" else f" (torch.optim.lr_scheduler.{TORCH_NAMES[name]})"
            tip = SCHEDULE_TIPS[name] + torch
            self.combo_schedule.setItemData(self.combo_schedule.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.combo_schedule.setToolTip("How η changes from epoch to epoch, as torch.optim.lr_scheduler does it "
                                       "(compared optimizers share the schedule; Newton's method has no η)")
        self.combo_schedule.currentTextChanged.connect(self._on_schedule_changed)
        self.form.addRow("schedule", self.combo_schedule)
        self.spin_step_size = _whole_spin(*SCHEDULE_LIMITS["step_size"])
        self.spin_gamma = NumberSpinBox(*SCHEDULE_LIMITS["gamma"], 0.1, step=0.05)
        self.spin_t_max = _whole_spin(0, SCHEDULE_LIMITS["t_max"][1])
        self.spin_t_max.setSpecialValueText("= epochs")
        self.spin_eta_min = NumberSpinBox(*SCHEDULE_LIMITS["eta_min"], 0.0, stepping="nice")
        self.spin_start_factor = NumberSpinBox(*SCHEDULE_LIMITS["start_factor"], 1 / 3, step=0.05)
        self.spin_warmup_epochs = _whole_spin(*SCHEDULE_LIMITS["warmup_epochs"])
        self.param_spins: dict[str, QWidget] = {
            "step_size": self.spin_step_size, "gamma": self.spin_gamma, "t_max": self.spin_t_max,
            "eta_min": self.spin_eta_min, "start_factor": self.spin_start_factor,
            "warmup_epochs": self.spin_warmup_epochs}
        for name, spin in self.param_spins.items():
            spin.setToolTip(PARAM_TIPS[name])
            spin.valueChanged.connect(lambda value, field=name: self._on_param_changed(field, value))
            self.form.addRow(PARAM_LABELS[name], spin)
        self._schedule = state.schedule
        self.show_state(state)

    def show_state(self, state: DescentState) -> None:
        """Show `state`'s schedule and parameters without emitting (gamma None: the schedule's default)."""
        self._schedule = state.schedule
        with signals_blocked(self.combo_schedule, *self.param_spins.values()):
            self.combo_schedule.setCurrentText(state.schedule)
            self.spin_step_size.setValue(state.step_size)
            self._show_gamma(state.gamma)
            self.spin_t_max.setValue(state.t_max or 0)
            self.spin_eta_min.setValue(state.eta_min)
            self.spin_start_factor.setValue(state.start_factor)
            self.spin_warmup_epochs.setValue(state.warmup_epochs)
        self._show_rows(state.schedule)

    def set_all_rows_visible(self, visible: bool | None) -> None:
        """Show every row (True, to measure the widest), or back to the chosen schedule's (None)."""
        if visible:
            for spin in self.param_spins.values():
                self.form.setRowVisible(spin, True)
        else:
            self._show_rows(self._schedule)

    def _show_rows(self, schedule: str) -> None:
        for name, spin in self.param_spins.items():
            self.form.setRowVisible(spin, schedule in SCHEDULE_USERS[name])

    def _show_gamma(self, gamma: float | None) -> None:
        default = SCHEDULE_DEFAULTS.get(self._schedule, {}).get("gamma")
        with signals_blocked(self.spin_gamma):
            self.spin_gamma.setValue(gamma if gamma is not None else float(default or 0.1))

    def _on_schedule_changed(self, name: str) -> None:
        self._schedule = name
        self._show_rows(name)
        self.settings_changed.emit({"schedule": name})

    def _on_param_changed(self, name: str, value: float) -> None:
        if name == "t_max":
            value = int(value) or None        # 0 is "= epochs"
        elif name in ("step_size", "warmup_epochs"):
            value = int(value)
        self.settings_changed.emit({name: value})

    def gamma_follows_default(self, gamma: float | None) -> None:
        """The schedule changed while gamma is None: show the new schedule's default factor."""
        self._show_gamma(gamma)


def _whole_spin(low: int, high: int) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(int(low), int(high))
    spin.setKeyboardTracking(False)
    return spin
