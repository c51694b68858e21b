"""HeaderBar: the Derivatives tab's top rows: the expression box with presets, then f and its derivative
typeset side by side with "Copy as text" / "Copy as LaTeX".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from calclab.engine.jobs.derivative_views import derivative_label, derivative_label_text, function_label
from calclab.ui.widgets.expression_box import ExpressionBox
from calclab.ui.widgets.formula_view import FormulaView, formula_scroll_area
from calclab.ui.widgets.preset_combo import PresetCombo

if TYPE_CHECKING:
    from calclab.engine.jobs.derivatives import DerivativeResult


class HeaderBar(QWidget):
    """Signals: `preset_chosen(Preset)` from the combo, `copied(message)` after a copy (for the status bar)."""

    preset_chosen = Signal(object)
    copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.expression_box = ExpressionBox(placeholder="e.g. x^2, sin(x)/x, 3x^2 + 2y, sigmoid(2x - 1)")
        self.combo_preset = PresetCombo("derivatives", title="Presets…")
        self.combo_preset.setToolTip("Load a worked example: the lesson's first, then more to explore, then yours")
        top = QHBoxLayout()
        top.addWidget(QLabel("f ="), 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.expression_box, 1)
        top.addWidget(self.combo_preset, 0, Qt.AlignmentFlag.AlignTop)

        self.formula_f = FormulaView()
        self.formula_f.setToolTip("The function, typeset")
        self.formula_derivative = FormulaView()
        self.formula_derivative.setToolTip("Its derivative, simplified")
        self.button_copy_text = QPushButton("Copy as text")
        self.button_copy_text.setToolTip("Copy the derivative as plain text (SymPy syntax, e.g. 2*x)")
        self.button_copy_latex = QPushButton("Copy as LaTeX")
        self.button_copy_latex.setToolTip("Copy the derivative as LaTeX, e.g. 2 x")
        formulas = QHBoxLayout()
        formulas.addWidget(formula_scroll_area(self.formula_f), 2)
        formulas.addSpacing(24)
        formulas.addWidget(formula_scroll_area(self.formula_derivative), 3)
        formulas.addWidget(self.button_copy_text)
        formulas.addWidget(self.button_copy_latex)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(formulas)

        self._copy: dict[str, str] | None = None   # what the copy buttons copy (None: nothing)
        self.combo_preset.activated.connect(self._on_preset_activated)
        self.button_copy_text.clicked.connect(self._on_copy_text)
        self.button_copy_latex.clicked.connect(self._on_copy_latex)

    def show_result(self, result: DerivativeResult) -> None:
        """Typeset f(x, ...) = ... and f'(x) = ... (or ∂f/∂x = ...); enable copying."""
        self.show_texts(self.texts_for(result))

    @staticmethod
    def texts_for(result: DerivativeResult) -> dict[str, str]:
        """The header's texts for a result: each formula's LaTeX and its plain-text fallback (shown while a long
        formula is typeset in the background), and what the copy buttons copy."""
        import sympy as sp

        names = tuple(v.name for v in result.variables)
        lhs = derivative_label(result.wrt.name, result.order, result.partial)
        lhs_text = derivative_label_text(result.wrt.name, result.order, result.partial)
        return {"f_latex": f"{function_label(names)} = {result.expression_latex}",
                "f_text": f"f({', '.join(names)}) = {sp.sstr(result.expression)}",
                "derivative_latex": f"{lhs} = {result.derivative_latex}",
                "derivative_text": f"{lhs_text} = {result.derivative_text}",
                "copy_text": result.derivative_text, "copy_latex": result.derivative_latex}

    def show_texts(self, texts: dict[str, str]) -> None:
        """Show texts_for(some result): typeset, and copyable."""
        self._copy = texts
        self.formula_f.set_latex(texts["f_latex"], fallback=texts["f_text"])
        self.formula_derivative.set_latex(texts["derivative_latex"], fallback=texts["derivative_text"])
        for button in (self.button_copy_text, self.button_copy_latex):
            button.setEnabled(True)

    def is_pending(self) -> bool:
        """True while a long formula is still being typeset in the background."""
        return self.formula_f.is_pending() or self.formula_derivative.is_pending()

    def show_message(self, text: str) -> None:
        """Plain text where the derivative goes (computing…, or why there is none); nothing to copy."""
        self._copy = None
        self.formula_derivative.set_latex("", fallback="")
        self.formula_derivative.setText(text)
        for button in (self.button_copy_text, self.button_copy_latex):
            button.setEnabled(False)

    def _on_preset_activated(self, index: int) -> None:
        preset = self.combo_preset.preset_at(index)   # None for the "Presets…" title
        if preset is not None:
            self.preset_chosen.emit(preset)
        self.combo_preset.setCurrentIndex(0)

    def _on_copy_text(self) -> None:
        if self._copy is not None:
            QGuiApplication.clipboard().setText(self._copy["copy_text"])
            self.copied.emit(f"Copied {self._copy['copy_text']}")

    def _on_copy_latex(self) -> None:
        if self._copy is not None:
            QGuiApplication.clipboard().setText(self._copy["copy_latex"])
            self.copied.emit(f"Copied LaTeX {self._copy['copy_latex']}")
