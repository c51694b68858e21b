"""The Gradients tab's side column: the function box (presets, f, its typeset gradient, a one-line note), the
variables, the readouts at the probe, the "Show" check boxes and the concept panel, in one scroll area.

It builds and lays out the widgets; the tab connects their signals and writes its state.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QGroupBox, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from calclab.ui.tabs.gradients.concept import ConceptPanel
from calclab.ui.tabs.gradients.panels import DisplayPanel, ReadoutsPanel, VariablesPanel
from calclab.ui.widgets.expression_box import ExpressionBox
from calclab.ui.widgets.font_fit import refit_on_font_change
from calclab.ui.widgets.formula_view import FormulaView, formula_scroll_area, formula_scroll_area_for

SIDE_WIDTH = 430


class SidePanel(QScrollArea):
    """The side column (see the module docstring); `checks` maps each display option to its check box."""

    def __init__(self, display_options: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.expression_box = ExpressionBox(placeholder="e.g. 3x^2 + 2y, x*y*z, (1-x)^2 + 100(y-x^2)^2",
                                            tooltip="f of any number of variables, e.g. 3x^2 + 2y or x*y*z. "
                                                    "^ is power; 2x means 2*x. Enter applies.")
        self.formula_f = FormulaView(font_pt=14)
        self.formula_gradient_names = FormulaView(font_pt=14)
        self.formula_gradient = FormulaView(font_pt=14)
        self.formula_gradient.setToolTip("The gradient: one partial derivative per variable, as a column")
        self.label_message = QLabel()
        self.label_message.setWordWrap(True)
        self.label_message.setStyleSheet("color: #8A4B00;")
        vector_row = QHBoxLayout()
        vector_row.setSpacing(4)
        vector_row.addWidget(self.formula_gradient_names)
        vector_row.addWidget(self.formula_gradient)
        vector_row.addStretch(1)
        vector_widget = QWidget()
        vector_widget.setLayout(vector_row)
        self.concept = ConceptPanel()
        function_box = QGroupBox("Function")
        function_layout = QVBoxLayout(function_box)
        function_layout.addWidget(self.concept.preset_bar)
        function_layout.addWidget(self.concept.label_note)
        function_layout.addWidget(self.expression_box)
        self.formula_areas = [(formula_scroll_area(self.formula_f), self.formula_f),
                               (formula_scroll_area_for(vector_widget), vector_widget)]
        for area, _content in self.formula_areas:
            function_layout.addWidget(area)
        function_layout.addWidget(self.label_message)

        self.variables_panel = VariablesPanel()
        self.readouts = ReadoutsPanel()
        display_box = DisplayPanel(display_options)
        self.checks: dict[str, QCheckBox] = display_box.checks

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 6, 0)
        for widget in (function_box, self.variables_panel, self.readouts, display_box, self.concept):
            side_layout.addWidget(widget)
        side_layout.addStretch(1)
        self.setWidget(side)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFixedWidth(SIDE_WIDTH)
        # View > Zoom typesets the formulas again at the new size: their rows follow
        refit_on_font_change(self, self.fit_formula_heights, now=False)

    def set_message(self, text: str) -> None:
        """A one-line note under the formulas (hidden when empty, so it takes no room)."""
        self.label_message.setText(text)
        self.label_message.setVisible(bool(text))

    def fit_formula_heights(self) -> None:
        """Each formula row exactly as tall as its formula (plus a scroll bar when it is too wide to fit)."""
        for area, content in self.formula_areas:
            hint = content.sizeHint()
            height = hint.height() + 4
            if hint.width() > area.width():
                height += area.horizontalScrollBar().sizeHint().height()
            area.setFixedHeight(height)
