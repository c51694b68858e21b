"""ConceptPanel: what a derivative is, in a few sentences, with the lesson's worked examples as buttons.

The text is calclab's own wording of the lesson's ideas; the buttons load presets into the tab
(`preset_chosen(Preset)`), so every claim can be checked on the plot right away.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from calclab.state import Preset
from calclab.state.derivatives import LESSON_PRESETS, PRESETS
from calclab.ui.widgets.formula_view import FormulaView

MEANING_HTML = (
    "<p><b>What the derivative means.</b> f′(x) is the slope of f at the point x: how much the output changes "
    "per unit of input, right there and nowhere else. Zoom in on a smooth curve and it straightens out into a "
    "line, the <i>tangent</i>; f′(x) is that line's slope. Positive: f is rising; negative: falling; zero: "
    "a flat spot such as a minimum.</p>"
    "<p>Training a network is the same question asked of the loss: if this weight moves a little, how fast "
    "does the loss move, and which way? The derivative answers it, and descent steps against it.</p>"
)
LIMIT_HTML = (
    "<p><b>The limit definition.</b> Take a second point a step h further along. The straight line through "
    "both (the <i>secant</i>) has slope (f(x₀+h) − f(x₀))/h. Let h shrink and the secant turns into the "
    "tangent:</p>"
)
LIMIT_LATEX = r"f^{\prime}(x_0) = \lim_{h \to 0} \frac{f(x_0 + h) - f(x_0)}{h}"
ROUNDOFF_HTML = (
    "<p>Try the h slider: the gap between the two slopes shrinks with h, until around h ≈ 10⁻⁸ the computer's "
    "rounding (it keeps about 16 significant digits) dominates and the gap grows again. That is why software "
    "differentiates exactly, with rules, instead of with a tiny h.</p>"
)
EXAMPLES_HTML = (
    "<p><b>Worked examples from the lesson.</b></p>"
    "<p>f(x) = x²: (x+h)² − x² = 2xh + h², so the secant's slope is 2x + h, which tends to <b>2x</b>. "
    "At x = 1.5 the tangent rises 3 for every unit to the right.</p>"
    "<p>f(x, y) = 3x² + 2y has two inputs. A <i>partial</i> derivative moves one and holds the other still: "
    "with y fixed, 2y is a constant, so <b>∂f/∂x = 6x</b>; with x fixed, f climbs 2 for every unit of y, "
    "so <b>∂f/∂y = 2</b> everywhere. Choose the variable under <i>Differentiate</i>; the others get "
    "sliders.</p>"
)

PARAMETERS_HTML = (
    "<p><b>Parameters.</b> In f(x) = a·sin(b·x) + c only x is the variable; a, b and c are numbers you have not "
    "chosen yet. Each gets a slider (its ends are editable) and a play button that sweeps it, so you can see what "
    "a change of a does to f, to f′ and to every number read at x₀. A network's weights are parameters in "
    "exactly this sense, until we differentiate by them.</p>"
)
CRITICAL_HTML = (
    "<p><b>Critical points and their kind.</b> Where f′(x) = 0 the tangent is flat. That alone does not say "
    "what happens there; two tests do. <i>Sign change of f′</i>: from − to + the curve stops falling and starts "
    "rising, a minimum; from + to − a maximum; no change of sign (x³ at 0), neither. <i>Higher derivatives</i>: "
    "take the first derivative after f′ that is not 0 at the point. If its order is even, the point is a "
    "minimum when it is positive and a maximum when negative; if odd, neither. So x⁴ at 0 is a minimum although "
    "f″(0) = 0: the first non-zero one is the fourth, 24 &gt; 0. When neither test decides, the point is "
    "marked inconclusive.</p>"
    "<p>An <i>inflection point</i> is where f″ changes sign: the curve turns from bending up to bending down. "
    "f″ = 0 is not enough (x⁴ again: f″ = 12x² never goes negative). Points are exact where SymPy can solve "
    "f′ = 0 and f″ = 0, and found numerically in the visible range otherwise. Gradient descent looks for the "
    "same thing in many dimensions: a place where the gradient is zero, hopefully a minimum.</p>"
)
TAYLOR_HTML = (
    "<p><b>Taylor polynomials.</b> Tₙ is the polynomial of degree n that agrees with f and its first n "
    "derivatives at x₀: Tₙ(x) = Σ f⁽ᵏ⁾(x₀)(x − x₀)ᵏ/k!. T₁ is the tangent line. T₂ adds the curvature: it is "
    "the parabola Newton's method builds at x₀ and jumps to the bottom of, x₁ = x₀ − f′(x₀)/f″(x₀). Near x₀ the "
    "error |f − Tₙ| shrinks like |x − x₀|ⁿ⁺¹, which is why the error plot has a steep V at x₀; far away a "
    "polynomial may miss f entirely.</p>"
)


class ConceptPanel(QScrollArea):
    """Scrollable explanation with preset buttons; emits `preset_chosen(Preset)`.

    The page sits behind the steps when the tab opens: its text and buttons are made when it is first shown
    (or `preset_buttons` / `formula_limit` are asked for), not with the tab (15 ms of every launch)."""

    preset_chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self._preset_buttons: dict[str, QPushButton] = {}
        self._formula_limit: FormulaView | None = None

    @property
    def preset_buttons(self) -> dict[str, QPushButton]:
        """The preset buttons by preset name."""
        self.build()
        return self._preset_buttons

    @property
    def formula_limit(self) -> FormulaView:
        """The limit definition, typeset."""
        self.build()
        return self._formula_limit

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        self.build()
        super().showEvent(event)

    def build(self) -> None:
        """Make the page's text and buttons (once)."""
        if self.widget() is not None:
            return
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 4, 8, 8)
        for html_text in (MEANING_HTML, LIMIT_HTML):
            layout.addWidget(_paragraph(html_text))
        self._formula_limit = FormulaView(LIMIT_LATEX, font_pt=15.0)
        self._formula_limit.setToolTip("The derivative as the limit of secant slopes")
        layout.addWidget(self._formula_limit, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(_paragraph(ROUNDOFF_HTML))
        layout.addWidget(_paragraph(EXAMPLES_HTML))
        for html_text in (PARAMETERS_HTML, CRITICAL_HTML, TAYLOR_HTML):
            layout.addWidget(_paragraph(html_text))

        lessons = _ButtonGrid([self._button(preset, bold=True) for preset in LESSON_PRESETS], len(LESSON_PRESETS))
        layout.addLayout(lessons)
        layout.addWidget(_paragraph("<p><b>More to try.</b></p>"))
        others = _ButtonGrid([self._button(preset) for preset in PRESETS if preset not in LESSON_PRESETS], 3)
        layout.addLayout(others)
        layout.addStretch(1)
        self._grids = (lessons, others)
        self.setWidget(body)   # (the window's restyler scales it with the rest at the next zoom change)
        self._reflow()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._reflow()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:   # zoomed: the buttons are wider
            self._reflow()

    def _reflow(self) -> None:
        """As many buttons a row as the pane's width holds: a narrow pane (a small window, zoomed) got a row
        wider than itself, and every paragraph above was cut at its right edge with a scroll bar to read it."""
        body = self.widget()
        if body is None:
            return
        margins = body.layout().contentsMargins()
        room = self.viewport().width() - margins.left() - margins.right()
        for grid in self._grids:
            grid.fit(room)

    def _button(self, preset: Preset, bold: bool = False) -> QPushButton:
        """A button that loads `preset`; its tooltip says what the preset shows."""
        button = QPushButton(preset.name.removeprefix("Lesson: "))
        button.setObjectName(f"button_preset_{len(self._preset_buttons)}")
        button.setToolTip(f"Load {preset.name}. {preset.description}")
        if bold:
            font = button.font()
            font.setBold(True)
            button.setFont(font)
        button.clicked.connect(lambda _checked=False, p=preset: self.preset_chosen.emit(p))
        self._preset_buttons[preset.name] = button
        return button


class _ButtonGrid(QGridLayout):
    """Buttons in rows of at most `most` (fit: as many as a width holds, at least one)."""

    def __init__(self, buttons: list[QPushButton], most: int) -> None:
        super().__init__()
        self.buttons, self.most, self.columns = buttons, most, 0   # placed by the first fit

    def fit(self, room: int) -> None:
        gap = max(0, self.horizontalSpacing())   # (-1 until the layout has a widget)
        widest = max(button.sizeHint().width() for button in self.buttons) + gap
        columns = max(1, min(self.most, (room + gap) // max(1, widest)))
        if columns == self.columns:
            return
        self.columns = columns
        for button in self.buttons:
            self.removeWidget(button)
        for index, button in enumerate(self.buttons):
            self.addWidget(button, index // columns, index % columns)
        for column in range(self.columnCount()):
            self.setColumnStretch(column, 1 if column < columns else 0)


def _paragraph(html_text: str) -> QLabel:
    label = QLabel(html_text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
