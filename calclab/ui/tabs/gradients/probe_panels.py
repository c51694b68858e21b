"""The panels under the Gradients tab's map: the Hessian at the probe (the matrix typeset, its eigenvalues and
eigenvectors, and the second-derivative test where ∇f = 0) and the direction u (an angle spin box and D_u f).
They show what the tab gives them and report edits by signals; the tab owns the state.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from calclab.engine.kinds import DEGENERATE, MAXIMUM, MINIMUM, NOT_CRITICAL, SADDLE
from calclab.engine.numbers import format_number, format_vector
from calclab.engine.probe import ProbeCurvature
from calclab.ui.signals import signals_blocked
from calclab.ui.tabs.gradients.overlays import CURVATURE_COLOR, DIRECTION_COLOR, SUBSCRIPTS
from calclab.ui.widgets.formula_view import FormulaView

TYPESET_DELAY_MS = 120   # the matrix is typeset once the probe rests this long (mathtext: ~35 ms a new number)
MATRIX_DIGITS = 4    # significant digits in the typeset matrix (it must fit beside the map at 1100 x 700)
KIND_TEXT = {
    MINIMUM: "∇f = 0 and every eigenvalue is positive: f bends up in every direction. A <b>minimum</b>.",
    MAXIMUM: "∇f = 0 and every eigenvalue is negative: f bends down in every direction. A <b>maximum</b>.",
    SADDLE: "∇f = 0 with eigenvalues of both signs: up along one direction, down along another. "
            "A <b>saddle</b> point.",
    DEGENERATE: "∇f = 0 but an eigenvalue is 0: the second-derivative test cannot tell (<b>degenerate</b>); "
                "higher derivatives decide.",
    NOT_CRITICAL: "∇f ≠ 0: not a critical point; H says how f curves here.",
}


def matrix_cell(value: float) -> str:
    """A Hessian entry for the typeset matrix, in the one number style (mathtext draws its unicode as is)."""
    return format_number(value, digits=MATRIX_DIGITS) if math.isfinite(value) else r"\mathrm{undefined}"


class HessianPanel(QGroupBox):
    """H at the probe, typeset; its eigenvalues with their eigenvectors; the point's kind."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Hessian H at the probe", parent)
        self.formula_hessian = FormulaView(font_pt=12)
        self.formula_hessian.setToolTip("The Hessian H: the second partial derivatives at the probe. Row i, column "
                                        "j is ∂²f/∂(i)∂(j); it is symmetric.")
        self.label_eigen = QLabel()
        self.label_eigen.setTextFormat(Qt.TextFormat.RichText)
        self.label_eigen.setWordWrap(True)
        self.label_eigen.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label_kind = QLabel()
        self.label_kind.setTextFormat(Qt.TextFormat.RichText)
        self.label_kind.setWordWrap(True)
        self.label_eigen.setStyleSheet(f"color: {CURVATURE_COLOR};")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(3)
        layout.addWidget(self.formula_hessian)
        layout.addWidget(self.label_eigen)
        layout.addWidget(self.label_kind)
        layout.addStretch(1)
        self._rows: list[list[str]] | None = None     # the matrix waiting to be typeset
        self._typeset_timer = QTimer(self)
        self._typeset_timer.setSingleShot(True)
        self._typeset_timer.setInterval(TYPESET_DELAY_MS)
        self._typeset_timer.timeout.connect(self._typeset)

    def is_pending(self) -> bool:
        """True while a matrix waits to be typeset (the probe is still moving)."""
        return self._rows is not None

    def _typeset(self) -> None:
        if self._rows is not None:
            self.formula_hessian.set_matrix(self._rows, prefix="H =")
            self._rows = None

    def show_curvature(self, names: Sequence[str], curvature: ProbeCurvature | None, drawn: bool) -> None:
        """Fill in H (None: undefined here); `drawn` says the eigenvectors are on the map (f of two variables)."""
        if curvature is None:
            self._rows = None
            self.formula_hessian.set_latex(r"H\ \mathrm{undefined\ here}", fallback="H: undefined here")
            self.label_eigen.setText("f has no second derivatives at this point.")
            self.label_kind.setText("")
            return
        # Typeset when the probe rests: a drag would otherwise wait for mathtext at every step. The eigenvalues
        # and the kind below follow at once.
        self._rows = [[matrix_cell(v) for v in row] for row in curvature.matrix]
        self._typeset_timer.start()
        lines = []
        for index, (value, vector) in enumerate(zip(curvature.eigenvalues, curvature.eigenvectors, strict=True)):
            name = f"λ{SUBSCRIPTS[index]}" if index < len(SUBSCRIPTS) else "λ"
            line = f"{name} = {format_number(value)}"
            if len(names) == 2:
                line += f" along {format_vector(vector, digits=3)}"
            lines.append(line)
        self.label_eigen.setText("<br>".join(lines))
        self.label_eigen.setToolTip("Eigenvalues λ of H with their unit eigenvectors: along an eigenvector f curves "
                                    "like λ/2 · t². On the map (f of two variables): solid where f bends up "
                                    "(λ > 0), dashed where it bends down (λ < 0)." if drawn else "")
        self.label_kind.setText(KIND_TEXT[curvature.kind])


class DirectionPanel(QGroupBox):
    """The direction u (its angle, typed or stepped with the keyboard) and D_u f = ∇f·u at the probe."""

    angle_changed = Signal(float)     # the user set u's angle (degrees)
    along_gradient = Signal()         # the user asked for u along ∇f

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Direction u at the probe", parent)
        self.spin_direction_angle = QDoubleSpinBox()
        self.spin_direction_angle.setObjectName("spin_direction_angle")
        self.spin_direction_angle.setRange(0.0, 360.0)
        self.spin_direction_angle.setWrapping(True)
        self.spin_direction_angle.setDecimals(1)
        self.spin_direction_angle.setSingleStep(5.0)
        self.spin_direction_angle.setSuffix("°")
        self.spin_direction_angle.setKeyboardTracking(False)
        self.spin_direction_angle.setToolTip("u's angle, counter-clockwise from the across axis. Arrow keys turn it "
                                             "by 5°; or drag the green handle on the map.")
        self.button_along_gradient = QPushButton("along ∇f")
        self.button_along_gradient.setToolTip("Turn u to point along ∇f: there D_u f is largest, equal to |∇f|")
        row = QHBoxLayout()
        row.addWidget(QLabel("θ"))
        row.addWidget(self.spin_direction_angle, 1)
        row.addWidget(self.button_along_gradient)
        self.label_direction = QLabel()
        self.label_direction.setWordWrap(True)
        self.label_directional = QLabel()
        self.label_directional.setTextFormat(Qt.TextFormat.RichText)
        self.label_directional.setWordWrap(True)
        self.label_directional.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(row)
        layout.addWidget(self.label_direction)
        layout.addWidget(self.label_directional)
        layout.addStretch(1)
        self.spin_direction_angle.valueChanged.connect(lambda value: self.angle_changed.emit(float(value) % 360.0))
        self.button_along_gradient.clicked.connect(self.along_gradient.emit)

    def set_angle(self, angle: float) -> None:
        """Show u's angle without emitting angle_changed."""
        with signals_blocked(self.spin_direction_angle):
            self.spin_direction_angle.setValue(angle)

    def show_values(self, direction: tuple[float, float], value: float, norm: float, axes: tuple[str, str],
                    plane_only: bool = False) -> None:
        """u (its components across and up), D_u f there, and how it compares with `norm`, the length of ∇f's
        part in the plotted plane: the largest D_u f can be for u in that plane (`plane_only`: f has more
        variables than the two plotted)."""
        self.label_direction.setText(f"u = {format_vector(direction)} in ({axes[0]}, {axes[1]})")
        self.label_direction.setStyleSheet(f"color: {DIRECTION_COLOR};")
        if not math.isfinite(value):
            self.label_directional.setText("D<sub>u</sub>f is undefined here.")
            return
        text = f"<b>D<sub>u</sub>f = ∇f·u = {format_number(value)}</b>"
        if norm > 0 and math.isfinite(norm):
            what = f"the length of ∇f's ({axes[0]}, {axes[1]}) part" if plane_only else "|∇f|"
            text += (f"<br>At most {what} = {format_number(norm)}, when u points along ∇f; "
                     "0 along the level curve.")
        else:
            text += "<br>∇f = 0 here: f is flat to first order in every direction."
        self.label_directional.setText(text)
