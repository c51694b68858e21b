"""The Descent tab's "Compare with:" list: which optimizers run beside the primary one, each with its own η.

Optimizers want different step sizes (Adam's η moves each coordinate about η per step, whatever the gradient;
plain SGD's moves η·∇f), so a fair race gives each its own. A compared optimizer follows the main η until its
own box is edited; the primary always runs with the main η (its box is greyed and shows it).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QWidget

from calclab.engine.descent import METHODS
from calclab.state.descent import LR_MAX, LR_MIN
from calclab.ui.signals import signals_blocked
from calclab.ui.widgets.number_spin import NumberSpinBox

OPTIMIZER_TIPS = {
    "sgd": "Plain gradient descent: x ← x − η·∇f(x), the lesson's rule",
    "momentum": "Heavy ball: b ← μ·b + ∇f(x), x ← x − η·b (a velocity that remembers past gradients)",
    "nesterov": "Nesterov momentum: like momentum, but steps with ∇f + μ·b (looks ahead)",
    "adagrad": "AdaGrad: divides each coordinate's step by √(sum of its squared gradients so far)",
    "rmsprop": "RMSprop: divides each coordinate's step by √(running mean of its squared gradients)",
    "adam": "Adam: a running mean of gradients (m) over √(running mean of squared gradients) (v), bias-corrected",
    "adamw": "AdamW: Adam with decoupled weight decay, x ← x·(1 − η·wd) before Adam's step (torch's default wd 0.01)",
    "newton": "Newton's method: x ← x − H⁻¹∇f, the full second-order step (no η, no schedule; it stops where the "
              "Hessian H is singular or not positive definite)",
}
NO_RATE = ("newton",)   # methods without a learning rate: their η box stays empty


class ComparePanel(QWidget):
    """A check box and an η box per optimizer. Edits nothing but itself; says what changed."""

    selection_changed = Signal(list)              # the optimizers ticked now, after one was (un)ticked
    learning_rate_changed = Signal(str, float)    # a compared optimizer's own η (applies from the next step)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(12, 0, 0, 0)
        grid.setVerticalSpacing(2)
        header = QLabel("own η")
        header.setToolTip("Each compared optimizer's learning rate (it follows the main η until you change it)")
        grid.addWidget(header, 0, 1)
        self.checks: dict[str, QCheckBox] = {}
        self.spins: dict[str, NumberSpinBox] = {}
        for row, name in enumerate(METHODS, start=1):
            check = QCheckBox(name)
            check.toggled.connect(self._on_check_toggled)
            spin = NumberSpinBox(LR_MIN, LR_MAX, 0.1, stepping="nice")
            spin.valueChanged.connect(lambda value, n=name: self._on_spin_changed(n, value))
            grid.addWidget(check, row, 0)
            grid.addWidget(spin, row, 1)
            self.checks[name], self.spins[name] = check, spin
        self._primary = METHODS[0]
        self._main_lr = 0.1
        self._own: dict[str, float] = {}

    # -- what the panel holds ----------------------------------------------------------------------------

    def chosen(self) -> list[str]:
        return [name for name, check in self.checks.items() if check.isChecked()]

    def own_learning_rates(self) -> dict[str, float]:
        """The η of every compared optimizer whose box was edited (the others follow the main η)."""
        return {name: lr for name, lr in self._own.items() if name != self._primary}

    def set_values(self, primary: str, main_lr: float, chosen: list[str], own: dict[str, float]) -> None:
        """Show a state without emitting anything."""
        self._own = dict(own)
        for name, check in self.checks.items():
            with signals_blocked(check):
                check.setChecked(name in chosen)
        self._primary, self._main_lr = primary, main_lr
        self._refresh()

    def set_primary(self, primary: str) -> None:
        self._primary = primary
        self._refresh()

    def set_main_learning_rate(self, lr: float) -> None:
        """The main η changed: the primary's box and every box not edited follow it."""
        self._main_lr = lr
        self._refresh()

    # -- internals ----------------------------------------------------------------------------------------

    def _on_check_toggled(self, _on: bool) -> None:
        self.selection_changed.emit(self.chosen())

    def _on_spin_changed(self, name: str, value: float) -> None:
        self._own[name] = value
        self.learning_rate_changed.emit(name, value)

    def _refresh(self) -> None:
        """The primary: ticked, fixed, main η. The others: their own η, or the main one until edited."""
        for name, check in self.checks.items():
            primary = name == self._primary
            if primary:
                with signals_blocked(check):
                    check.setChecked(True)
            check.setEnabled(not primary)
            check.setToolTip("The primary optimizer (chosen above) always runs" if primary else OPTIMIZER_TIPS[name])
            spin = self.spins[name]
            with signals_blocked(spin):
                spin.setValue(self._main_lr if primary else self._own.get(name, self._main_lr))
            spin.setEnabled(not primary and name not in NO_RATE)
            spin.setVisible(name not in NO_RATE)
            spin.setToolTip("The primary runs with the main η above" if primary else
                            f"η for {name} in this comparison; applies from the next step")
