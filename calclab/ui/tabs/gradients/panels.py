"""The Gradients tab's side panels: the point (one spin box per variable, the two plotted axes) and the readouts
at the probe. They show what the tab gives them and report edits by signals; the tab owns the state.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from calclab.engine.numbers import format_number, format_vector
from calclab.ui.signals import signals_blocked

SPIN_LIMIT = 1e4
SPIN_DECIMALS = 4


class VariablesPanel(QGroupBox):
    """The point where ∇f is evaluated: a spin box per variable, and which two variables the plot spans.

    Variables on the axes move the probe; the others are held fixed at their values for the plotted slice.
    """

    value_changed = Signal(str, float)    # a variable's value was edited (name, value)
    axes_changed = Signal(str, str)       # the plotted (horizontal, vertical) variables were changed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("The point and the plotted slice", parent)
        self.combo_x_variable = QComboBox()
        self.combo_x_variable.setToolTip("The variable along the horizontal axis of the map")
        self.combo_y_variable = QComboBox()
        self.combo_y_variable.setToolTip("The variable along the vertical axis of the map; "
                                         "every other variable is held at its value below")
        axes = QHBoxLayout()
        axes.addWidget(QLabel("across →"))
        axes.addWidget(self.combo_x_variable, 1)
        axes.addWidget(QLabel("up ↑"))
        axes.addWidget(self.combo_y_variable, 1)
        self.spin_grid = QGridLayout()
        self.spin_grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(axes)
        layout.addLayout(self.spin_grid)
        self.spins: dict[str, QDoubleSpinBox] = {}
        self._roles: dict[str, QLabel] = {}
        self._names: list[str] = []
        self._free: set[str] = set()
        self.combo_x_variable.activated.connect(self._on_axis_activated)
        self.combo_y_variable.activated.connect(self._on_axis_activated)

    def names(self) -> list[str]:
        return list(self._names)

    def axes(self) -> tuple[str, str]:
        return self.combo_x_variable.currentText(), self.combo_y_variable.currentText()

    def set_variables(self, names: list[str], point: dict[str, float], axes: tuple[str, str],
                      free: set[str] = frozenset()) -> None:
        """Show one spin box per name (rebuilt only when the names change); `free` ones f does not use."""
        if names != self._names:
            while self.spin_grid.count():
                widget = self.spin_grid.takeAt(0).widget()
                if widget is not None:
                    widget.deleteLater()
            self.spins, self._roles = {}, {}
            for row, name in enumerate(names):
                spin = QDoubleSpinBox()
                spin.setObjectName(f"spin_point_{name}")
                spin.setRange(-SPIN_LIMIT, SPIN_LIMIT)
                spin.setDecimals(SPIN_DECIMALS)
                spin.setSingleStep(0.1)
                spin.setKeyboardTracking(False)
                spin.setToolTip(f"The value of {name} at the point where f and ∇f are evaluated")
                spin.valueChanged.connect(lambda value, n=name: self.value_changed.emit(n, float(value)))
                role = QLabel()
                role.setStyleSheet("color: #555555;")
                self.spin_grid.addWidget(QLabel(f"<b>{name}</b> ="), row, 0)
                self.spin_grid.addWidget(spin, row, 1)
                self.spin_grid.addWidget(role, row, 2)
                self.spins[name], self._roles[name] = spin, role
            self._names = list(names)
        self._free = set(free)
        for combo, chosen in ((self.combo_x_variable, axes[0]), (self.combo_y_variable, axes[1])):
            with signals_blocked(combo):
                combo.clear()
                combo.addItems(names)
                combo.setCurrentText(chosen)
                combo.setEnabled(len(names) >= 2 and not free)
        for name in names:
            self.set_value(name, point.get(name, 0.0))
        self._update_roles()

    def set_value(self, name: str, value: float) -> None:
        """Show a value without emitting value_changed."""
        spin = self.spins.get(name)
        if spin is not None:
            with signals_blocked(spin):
                spin.setValue(value)

    def _update_roles(self) -> None:
        x_name, y_name = self.axes()
        for name, role in self._roles.items():
            if name in self._free:
                text = "not in f"
            elif name == x_name:
                text = "probe →"
            elif name == y_name:
                text = "probe ↑"
            else:
                text = "held"
            role.setText(text)

    def _on_axis_activated(self, _index: int) -> None:
        x_name, y_name = self.axes()
        if x_name == y_name:   # the same variable twice: swap in the one it replaced
            others = [n for n in self._names if n != x_name]
            combo = self.combo_y_variable if self.sender() is self.combo_x_variable else self.combo_x_variable
            with signals_blocked(combo):
                combo.setCurrentText(others[0] if others else x_name)
            x_name, y_name = self.axes()
        self._update_roles()
        self.axes_changed.emit(x_name, y_name)


class ReadoutsPanel(QGroupBox):
    """f, ∇f and |∇f| at the probe, and the check that ∇f is perpendicular to the level curve there."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("At the probe point", parent)
        self.label_point = QLabel()
        self.label_f_value = QLabel()
        self.label_gradient_value = QLabel()
        self.label_gradient_norm = QLabel()
        self.label_perpendicular = QLabel()
        self.label_perpendicular.setWordWrap(True)
        for label in (self.label_point, self.label_f_value, self.label_gradient_value, self.label_gradient_norm):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout(self)
        form.addRow("point", self.label_point)
        form.addRow("f", self.label_f_value)
        form.addRow("∇f", self.label_gradient_value)
        form.addRow("|∇f|", self.label_gradient_norm)
        form.addRow(self.label_perpendicular)
        self.setToolTip("Values at the probe (white dot on the map). Click the map to move it.")

    def show_values(self, point: dict[str, float], value: float, gradient: list[float],
                    plane_gradient: tuple[float, float], angle: float | None, axes: tuple[str, str]) -> None:
        """Fill the labels. `plane_gradient` is ∇f's part in the plotted slice; `angle` the measured angle
        between it and the drawn level curve through the point (None when there is no curve nearby)."""
        self.label_point.setText("(" + ", ".join(f"{n} = {format_number(v)}" for n, v in point.items()) + ")")
        self.label_f_value.setText(format_number(value))
        self.label_gradient_value.setText(format_vector(gradient, brackets="[]"))
        finite = all(math.isfinite(g) for g in gradient)
        norm = math.sqrt(sum(g * g for g in gradient)) if finite else math.nan
        self.label_gradient_norm.setText(format_number(norm))
        if not (finite and math.isfinite(value)):
            text = "f or ∇f is undefined here."
        elif norm == 0:
            text = "∇f = 0: a flat (critical) point. No direction is uphill, so no arrow."
        elif plane_gradient == (0.0, 0.0):
            text = f"∇f has no {axes[0]} or {axes[1]} part here: it points out of this slice."
        elif angle is None:
            text = "The black tangent is at 90° to ∇f: the gradient is perpendicular to the level curve."
        else:
            text = (f"∇f meets the level curve through the point (white) at {angle:.1f}°, measured on the "
                    "drawn curve: the gradient is perpendicular to it. Black line: the tangent.")
        if len(point) > 2 and finite and norm != 0:
            text += f" The arrows show ∇f's {axes[0]} and {axes[1]} parts, the plane of this slice."
        self.label_perpendicular.setText(text)


DISPLAY_TEXTS: dict[str, tuple[str, str]] = {   # a state field: (its check box's text, its tooltip)
    "show_probe": ("probe", "Show the probe point with ∇f, −∇f and the level-curve tangent"),
    "show_field": ("gradient field", "Show ∇f as arrows on a coarse grid"),
    "normalize_arrows": ("normalise arrows", "Draw every field arrow the same length: direction only"),
    "show_contours": ("level curves", "Show labelled level curves (f = constant)"),
    "log_colors": ("log colours", "Spread the colours over decades of f above its minimum "
                                  "(for functions such as Rosenbrock whose values span orders of magnitude)"),
    "show_curvature": ("curvature", "Draw the Hessian's eigenvectors at the probe: the directions in which f "
                                    "curves most and least, labelled with their eigenvalues λ (solid: f bends "
                                    "up, dashed: f bends down)"),
    "show_critical": ("critical points", "Mark where ∇f = 0 in the visible range: minima, maxima, saddles"),
    "show_direction": ("direction u", "Show the direction u at the probe, with a handle to turn it"),
}


class DisplayPanel(QGroupBox):
    """The "Show" check boxes, three to a row: `checks` maps each state field to its check box."""

    def __init__(self, fields: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__("Show", parent)
        layout = QGridLayout(self)
        self.checks: dict[str, QCheckBox] = {}
        for index, name in enumerate(fields):
            text, tip = DISPLAY_TEXTS[name]
            check = QCheckBox(text)
            check.setToolTip(tip)
            layout.addWidget(check, index // 3, index % 3)
            self.checks[name] = check
