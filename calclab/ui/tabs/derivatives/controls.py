"""The Derivatives tab's side panel: what to differentiate by, held-variable rows, x0, the log slider for h,
and the readouts.

No maths here: the tab computes a PointReadout and hands it to `ReadoutPanel.show_reading`.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from calclab.engine.numbers import format_number
from calclab.state.derivatives import H_MAX, H_MIN
from calclab.ui.tabs.derivatives.more_panels import CriticalPanel, CurvesPanel, ExtraReadouts, TaylorPanel
from calclab.ui.tabs.derivatives.numeric import PointReadout, format_scientific, tangent_equation
from calclab.ui.tabs.derivatives.parameters import ParametersPanel
from calclab.ui.widgets.side_width import follow_zoom

SPIN_LIMIT = 1e6
H_TICKS_PER_DECADE = 4


# -- h on a log slider ------------------------------------------------------------------------------------

def h_slider_maximum() -> int:
    return round(math.log10(H_MAX / H_MIN) * H_TICKS_PER_DECADE)


def h_from_slider(position: int) -> float:
    """Slider position 0 is h = H_MAX; each tick divides h by 10^(1/4)."""
    return H_MAX * 10.0 ** (-position / H_TICKS_PER_DECADE)


def slider_from_h(h: float) -> int:
    position = round(math.log10(H_MAX / h) * H_TICKS_PER_DECADE) if h > 0 else h_slider_maximum()
    return max(0, min(h_slider_maximum(), position))


def make_h_slider() -> QSlider:
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setObjectName("slider_h")
    slider.setRange(0, h_slider_maximum())
    slider.setSingleStep(1)
    slider.setPageStep(H_TICKS_PER_DECADE)
    slider.setTickInterval(H_TICKS_PER_DECADE)
    slider.setTickPosition(QSlider.TickPosition.TicksBelow)
    slider.setToolTip(f"The secant's step h, on a log scale from {H_MAX:g} (left) down to {H_MIN:g} (right); "
                      "one tick per power of ten. Watch the secant turn into the tangent, then round-off take over.")
    return slider


# -- readouts ------------------------------------------------------------------------------------------------

class ReadoutPanel(QWidget):
    """f(x0), f'(x0), the tangent's equation, and the secant's slope against f'(x0)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label_value = _value_label("f at x₀")
        self.label_slope = _value_label("The derivative (slope of the tangent) at x₀")
        self.label_slope.setWordWrap(True)
        self.label_higher = _value_label("The chosen higher derivative at x₀")
        self.label_tangent = _value_label("The tangent line at x₀, written y = m x + b (m is the slope)")
        self.label_h = _value_label("The secant's step h")
        self.label_secant = _value_label("The secant's slope (f(x₀+h) − f(x₀))/h: a finite-difference estimate")
        self.label_exact = _value_label("The exact derivative at x₀, for comparison")
        self.label_error = _value_label("Secant slope minus exact slope. It shrinks with h until round-off "
                                        "(about 1e-16 relative) divided by h takes over")
        self._names = {}
        self._variable, self._lhs = "x", "y"
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, label in (("value", self.label_value), ("slope", self.label_slope),
                           ("higher", self.label_higher), ("tangent", self.label_tangent)):
            name = QLabel()
            self._names[key] = name
            layout.addRow(name, label)
        self._form = layout
        self.set_names("f(x₀)", "f′(x₀)", "")

    def set_names(self, value_name: str, slope_name: str, higher_name: str, variable: str = "x",
                  lhs: str = "y") -> None:
        """Row captions, e.g. f(x₀), ∂f/∂x at x₀, and the higher derivative's ("" hides its row); the tangent
        is written lhs = m variable + b."""
        self._variable, self._lhs = variable, lhs
        self._names["value"].setText(value_name)
        self._names["slope"].setText(slope_name)
        self._names["higher"].setText(higher_name)
        self._names["tangent"].setText("tangent")
        self._form.setRowVisible(self.label_higher, bool(higher_name))

    def show_reading(self, reading: PointReadout | None) -> None:
        if reading is None:
            for label in (self.label_value, self.label_slope, self.label_higher, self.label_tangent,
                          self.label_secant, self.label_exact, self.label_error):
                label.setText("—")
            return
        self.label_value.setText(format_number(reading.value))
        if reading.kink is not None:
            left, right = (format_number(v, 4) for v in reading.kink)
            self.label_slope.setText(f"none: a kink ({left} from the left, {right} from the right)")
        else:
            self.label_slope.setText(format_number(reading.slope))
        self.label_higher.setText(format_number(reading.higher))
        self.label_tangent.setText(tangent_equation(reading, self._variable, self._lhs))
        self.label_h.setText(format_number(reading.h, 3))
        self.label_secant.setText(format_number(reading.secant_slope, 10))
        self.label_exact.setText(format_number(reading.slope, 10))
        self.label_error.setText(format_scientific(reading.secant_error))


def _value_label(tooltip: str) -> QLabel:
    label = QLabel("—")
    label.setToolTip(tooltip)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


# -- the whole side panel --------------------------------------------------------------------------------------

class SidePanel(QScrollArea):
    """The tab's left column: what to differentiate by, held values, the point x0 and the secant's h.

    Controls are named after the state fields they edit (combo_wrt <-> state.wrt, spin_x0 <-> state.x0, ...).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo_wrt = QComboBox()
        self.combo_wrt.setToolTip("The variable to differentiate by; every other variable is held constant")
        self.spin_order = QSpinBox()
        self.spin_order.setRange(1, 3)
        self.spin_order.setToolTip("Which derivative: 1 = f′, 2 = f″ (the slope of the slope), 3 = f‴")
        self.check_show_derivative = QCheckBox("derivative curve")
        self.check_show_derivative.setToolTip("Draw the derivative as a curve next to f")
        self.check_show_tangent = QCheckBox("tangent")
        self.check_show_tangent.setToolTip("Draw the tangent line at x₀")
        self.check_show_secant = QCheckBox("secant")
        self.check_show_secant.setToolTip("Draw the secant through x₀ and x₀ + h")
        group_diff = QGroupBox("Differentiate")
        form = QFormLayout(group_diff)
        form.addRow("by", self.combo_wrt)
        form.addRow("order", self.spin_order)
        shows = QHBoxLayout()
        for check in (self.check_show_derivative, self.check_show_tangent, self.check_show_secant):
            shows.addWidget(check)
        form.addRow("show", shows)

        self.held_panel = ParametersPanel()
        self.held_panel.setToolTip("Every other name in f is a parameter, held constant while differentiating "
                                   "by the chosen variable: slide it, or press play to sweep it")
        self.group_held = QGroupBox("Parameters (held constant)")
        QVBoxLayout(self.group_held).addWidget(self.held_panel)

        self.spin_x0 = QDoubleSpinBox()
        self.spin_x0.setRange(-SPIN_LIMIT, SPIN_LIMIT)
        self.spin_x0.setDecimals(4)
        self.spin_x0.setSingleStep(0.1)
        self.spin_x0.setToolTip("The point x₀ where the tangent touches f (or drag the grey line on the plot)")
        self.readouts = ReadoutPanel()
        self.group_point = QGroupBox("Point x₀ and tangent")
        point_layout = QVBoxLayout(self.group_point)
        row_x0 = QFormLayout()
        self.label_x0_name = QLabel("x₀")
        row_x0.addRow(self.label_x0_name, self.spin_x0)
        point_layout.addLayout(row_x0)
        point_layout.addWidget(self.readouts)
        self.extra_readouts = ExtraReadouts()
        point_layout.addWidget(self.extra_readouts)
        self.curves_panel = CurvesPanel()
        self.taylor_panel = TaylorPanel()
        self.critical_panel = CriticalPanel()

        self.slider_h = make_h_slider()
        group_secant = QGroupBox("Secant: the limit definition")
        secant_form = QFormLayout(group_secant)
        secant_form.addRow("h", self.slider_h)
        secant_form.addRow("", self.readouts.label_h)
        self.label_secant_name = QLabel("(f(x₀+h) − f(x₀))/h")
        secant_form.addRow(self.label_secant_name, self.readouts.label_secant)
        self.label_exact_name = QLabel("f′(x₀)")
        secant_form.addRow(self.label_exact_name, self.readouts.label_exact)
        secant_form.addRow("difference", self.readouts.label_error)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 6, 0)
        for group in (group_diff, self.curves_panel, self.group_held, self.group_point, self.taylor_panel,
                      self.critical_panel, group_secant):
            layout.addWidget(group)
        layout.addStretch(1)
        self.setWidget(body)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setMinimumWidth(360)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        follow_zoom(self, 360)   # zoomed, as wide as the rows need (no "show ✓ derivative curve ✓ tan…")

    def set_point_name(self, point: str) -> None:
        """Name the point after the variable differentiated by: x₀, or y₀ when differentiating by y."""
        self.label_x0_name.setText(point)
        self.group_point.setTitle(f"Point {point} and tangent")
        self.label_secant_name.setText(f"(f({point}+h) − f({point}))/h")
