"""The Derivatives tab's side-panel groups for issue 17: the extra functions g, h, k; the Taylor polynomial;
the list of critical and inflection points. Widgets only: the tab binds them to the state and the maths.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from calclab.state.derivatives import CURVE_NAMES, MAX_CURVES, TAYLOR_MAX_ORDER
from calclab.ui.tabs.derivatives.overlays import CURVE_COLORS, SYMBOL_NAMES
from calclab.ui.widgets.expression_box import ExpressionBox

TAYLOR_NOTE = ("T₁ is the tangent line. T₂ is the parabola that Newton's method jumps to the bottom of: "
               "one Newton step x₀ − f′(x₀)/f″(x₀) is the minimum of T₂.")


class CurveRow(QWidget):
    """One extra function: its coloured name, the expression box, its derivative toggle and a remove button."""

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name = CURVE_NAMES[index + 1]
        self.index = index
        self.label = QLabel(f"<b style='color:{CURVE_COLORS[index + 1]}'>■ {name} =</b>")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.expression_box = ExpressionBox(placeholder="e.g. x^4 (drawn with f)",
                                            tooltip=f"A function {name} drawn with f, over the same variable and "
                                                    "parameters. Enter applies.")
        self.check_show_derivative = QCheckBox(f"{name}′")
        self.check_show_derivative.setObjectName(f"check_show_derivative_{name}")
        self.check_show_derivative.setToolTip(f"Draw {name}′, dashed in {name}'s colour")
        self.button_remove = QToolButton()
        self.button_remove.setText("✕")
        self.button_remove.setToolTip(f"Remove {name}")
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(4)
        layout.addWidget(self.label, 0, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.expression_box, 0, 1)
        layout.addWidget(self.check_show_derivative, 0, 2, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.button_remove, 0, 3, Qt.AlignmentFlag.AlignTop)
        layout.setColumnStretch(1, 1)


class CurvesPanel(QGroupBox):
    """Up to MAX_CURVES extra functions; `add_requested`, `remove_requested(index)`, and per row the box's
    `edited(index, text, expr)` and `derivative_toggled(index, bool)`."""

    add_requested = Signal()
    remove_requested = Signal(int)
    edited = Signal(int, str, object)
    derivative_toggled = Signal(int, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("More functions", parent)
        self.rows: list[CurveRow] = []
        self._layout = QVBoxLayout(self)
        self.button_add = QPushButton("Add a function (g, h, k)")
        self.button_add.setToolTip("Draw up to three more functions with f, each in its colour")
        self.button_add.clicked.connect(self.add_requested)
        self._layout.addWidget(self.button_add)
        self.setToolTip("g, h and k share f's variable, parameters and x₀")

    def set_count(self, count: int) -> None:
        """Show `count` rows (new ones empty); the tab then fills their text."""
        while len(self.rows) > count:
            row = self.rows.pop()
            self._layout.removeWidget(row)
            row.hide()
            row.deleteLater()
        while len(self.rows) < count:
            row = CurveRow(len(self.rows))
            index = row.index
            row.expression_box.expression_changed.connect(lambda text, expr, i=index: self.edited.emit(i, text, expr))
            row.check_show_derivative.toggled.connect(lambda on, i=index: self.derivative_toggled.emit(i, on))
            row.button_remove.clicked.connect(lambda _c=False, i=index: self.remove_requested.emit(i))
            self._layout.insertWidget(len(self.rows), row)
            self.rows.append(row)
        self.button_add.setEnabled(count < MAX_CURVES)


class TaylorPanel(QGroupBox):
    """The Taylor polynomial's switch and order, the polynomial written out, and what T₁ and T₂ are."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Taylor polynomial at x₀", parent)
        self.check_show_taylor = QCheckBox("draw Tₙ")
        self.check_show_taylor.setToolTip("Draw the Taylor polynomial of f at x₀ and its error |f − Tₙ| below")
        self.spin_taylor_order = QSpinBox()
        self.spin_taylor_order.setRange(0, TAYLOR_MAX_ORDER)
        self.spin_taylor_order.setPrefix("n = ")
        self.spin_taylor_order.setToolTip("The order n: Tₙ matches f and its first n derivatives at x₀")
        self.label_polynomial = QLabel("—")
        self.label_polynomial.setWordWrap(True)
        self.label_polynomial.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label_polynomial.setToolTip("Tₙ(x) = Σ f⁽ᵏ⁾(x₀)(x − x₀)ᵏ/k!, coefficients rounded")
        self.label_note = QLabel(TAYLOR_NOTE)
        self.label_note.setWordWrap(True)
        self.label_note.setStyleSheet("color: #555555;")
        top = QHBoxLayout()
        top.addWidget(self.check_show_taylor)
        top.addWidget(self.spin_taylor_order)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.label_polynomial)
        layout.addWidget(self.label_note)


class CriticalPanel(QGroupBox):
    """The switch for critical and inflection points, their list and where it comes from (exact or numeric)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Critical and inflection points", parent)
        self.check_show_critical = QCheckBox("mark them on the plot")
        self.check_show_critical.setToolTip("f′ = 0: minimum, maximum or neither; f″ changes sign: inflection")
        self.label_legend = QLabel("   ".join(SYMBOL_NAMES.values()))
        self.label_legend.setWordWrap(True)
        self.label_legend.setStyleSheet("color: #555555;")
        self.label_list = QLabel("—")
        self.label_list.setObjectName("label_critical_list")
        self.label_list.setWordWrap(True)
        self.label_list.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label_source = QLabel("")
        self.label_source.setWordWrap(True)
        self.label_source.setStyleSheet("color: #555555;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.check_show_critical)
        layout.addWidget(self.label_legend)
        layout.addWidget(self.label_list)
        layout.addWidget(self.label_source)


class ExtraReadouts(QWidget):
    """g(x₀), g′(x₀), … one line per extra function, in its colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels: list[QLabel] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for index in range(MAX_CURVES):
            label = QLabel()
            label.setObjectName(f"label_readout_{CURVE_NAMES[index + 1]}")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setStyleSheet(f"color: {CURVE_COLORS[index + 1]}; font-weight: bold;")
            label.setVisible(False)
            layout.addWidget(label)
            self.labels.append(label)

    def show_lines(self, lines: list[str]) -> None:
        for index, label in enumerate(self.labels):
            label.setVisible(index < len(lines))
            label.setText(lines[index] if index < len(lines) else "")
