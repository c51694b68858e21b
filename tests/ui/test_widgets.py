"""Shared widgets as the user sees them: the expression box's live validation, typeset formulas, the plot panel."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from PySide6.QtCore import Qt

from calclab.engine.functions import sigmoid
from calclab.ui.widgets.expression_box import DEBOUNCE_MS, ExpressionBox, caret_lines
from calclab.ui.widgets.formula_view import FormulaView, latex_to_mathtext, sympy_to_mathtext
from calclab.ui.widgets.plot_panel import PlotPanel, break_at_jumps, set_curve_data

x, y = sp.symbols("x y", real=True)


@pytest.fixture
def box(qtbot):
    widget = ExpressionBox()
    qtbot.addWidget(widget)
    return widget


def type_text(qtbot, box: ExpressionBox, text: str) -> None:
    box.line_edit.clear()
    qtbot.keyClicks(box.line_edit, text)


def test_typing_a_good_expression_emits_it_after_the_debounce(qtbot, box):
    with qtbot.waitSignal(box.expression_changed, timeout=DEBOUNCE_MS * 10) as blocker:
        type_text(qtbot, box, "3x^2 + 2y")
    assert blocker.args == ["3x^2 + 2y", 3 * x**2 + 2 * y]
    assert box.expression() == 3 * x**2 + 2 * y
    assert box.error() == "" and box.label_error.text() == ""


def test_bad_expression_shows_column_and_keeps_last_good(qtbot, box):
    box.set_text("sin(x)")
    emitted: list[str] = []
    box.expression_changed.connect(lambda text, _expr: emitted.append(text))
    type_text(qtbot, box, "x^^2")
    qtbot.waitUntil(lambda: box.error() != "", timeout=DEBOUNCE_MS * 10)
    assert box.error() == "unexpected '^' (column 3)"
    shown = box.label_error.text()
    assert "x^^2" in shown and "\n  ^ unexpected" in shown     # caret under the third character
    assert box.expression() == sp.sin(x)
    assert emitted == []


def test_enter_applies_at_once_and_only_once(qtbot, box):
    emitted: list[str] = []
    box.expression_changed.connect(lambda text, _expr: emitted.append(text))
    type_text(qtbot, box, "x y")
    qtbot.keyClick(box.line_edit, Qt.Key.Key_Return)
    assert emitted == ["x y"]                 # no debounce wait for Enter
    qtbot.wait(DEBOUNCE_MS * 3)
    assert emitted == ["x y"]                 # the debounce does not apply the same text again
    assert box.expression() == x * y


def test_enter_on_the_applied_text_applies_it_again(qtbot, box):
    """A computation that failed or gave up is retried by pressing Enter on the same text (issue 14)."""
    emitted: list[str] = []
    box.set_text("x^2")
    box.expression_changed.connect(lambda text, _expr: emitted.append(text))
    qtbot.keyClick(box.line_edit, Qt.Key.Key_Return)
    qtbot.keyClick(box.line_edit, Qt.Key.Key_Return)
    assert emitted == ["x^2", "x^2"]


def test_error_clears_when_fixed(qtbot, box):
    box.set_text("(x")
    assert "column" in box.error() and not box.is_valid()
    assert box.set_text("(x)")
    assert box.error() == "" and box.expression() == x


def test_a_box_that_appears_with_text_shows_its_clear_button_at_once(qtbot, box):
    from PySide6.QtCore import QAbstractAnimation
    from PySide6.QtWidgets import QToolButton

    def fading() -> list:
        return [a for a in box.line_edit.findChildren(QAbstractAnimation)
                if a.state() == QAbstractAnimation.State.Running]

    box.show_text("x^2")                 # not on screen yet (a tab being built): no 160 ms fade after it appears
    box.show()
    clear = box.line_edit.findChildren(QToolButton)[0]
    assert not fading() and clear.property("opacity") == 1.0
    box.set_text("")
    box.set_text("sin(x)")               # on screen: Qt's own fade, as a user typing sees it
    assert fading()


def test_caret_lines_window_long_text():
    text = "x + " * 40 + "?"
    shown, caret = caret_lines(text, len(text))
    assert shown.startswith("…")
    assert shown[len(caret) - 1] == "?"
    assert caret_lines("2x +", 5) == ("2x +", "    ^")


LATEX_SAMPLES = [
    sympy_to_mathtext(sp.diff(sigmoid(3 * x - 1), x)),
    sympy_to_mathtext(sp.Abs(x) + sp.sign(x) + sp.asin(x)),
    sympy_to_mathtext(sp.Piecewise((x, x > 0), (0, True))),
    sympy_to_mathtext(sp.Matrix([6 * x, 2])),
    sympy_to_mathtext(sp.Derivative(sp.Function("f")(x), x)),
    r"\frac{\partial f}{\partial x} = 6 x",
]


@pytest.mark.parametrize("latex", LATEX_SAMPLES)
def test_formula_view_typesets_sympy_latex(qtbot, latex):
    view = FormulaView()
    qtbot.addWidget(view)
    view.set_latex(latex)
    assert not view.is_fallback(), latex
    pixmap = view.pixmap()
    assert pixmap.width() > 10 and pixmap.height() > 5
    assert view.minimumWidth() >= pixmap.width() / pixmap.devicePixelRatio()   # never clipped


def test_formula_view_column_vector_is_taller_than_one_row(qtbot):
    one_row = FormulaView()
    vector = FormulaView()
    qtbot.addWidget(one_row)
    qtbot.addWidget(vector)
    one_row.set_latex("6 x")
    vector.set_column_vector(["6 x", "2", sympy_to_mathtext(sp.cos(x * y) * y)], prefix=r"\nabla f =")
    assert not vector.is_fallback()
    assert vector.pixmap().height() > 2.5 * one_row.pixmap().height()
    assert vector.latex() == r"\nabla f = \begin{bmatrix}6 x \\ 2 \\ y \cos{\left(x y \right)}\end{bmatrix}"


@pytest.mark.parametrize("garbage", [r"\frac{1}{", r"\begin{align} x \end{align}", r"x^{", "\\"])
def test_formula_view_falls_back_to_text_without_raising(qtbot, garbage):
    view = FormulaView()
    qtbot.addWidget(view)
    view.set_latex(garbage, fallback="plain text")
    assert view.is_fallback()
    assert view.text() == "plain text"
    view.set_latex("x^2")                      # and recovers
    assert not view.is_fallback() and not view.pixmap().isNull()


def test_latex_to_mathtext_rewrites_what_mathtext_lacks():
    assert latex_to_mathtext(r"\left|{x}\right|") == "|{x}|"
    assert latex_to_mathtext(r"\left[\begin{matrix}6 x\\2\end{matrix}\right]") == r"\left[6 x;\ 2\right]"
    assert r"\begin" not in latex_to_mathtext(sp.latex(sp.Piecewise((x, x > 0), (0, True))))
    assert latex_to_mathtext("$x$") == "x"


def test_plot_panel_curves_update_in_place_and_break_at_poles(qtbot):
    panel = PlotPanel("f", "x", "f(x)")
    qtbot.addWidget(panel)
    curve = panel.add_curve("f(x)", "#0072B2")
    xs = np.linspace(-1, 1, 200)            # no sample at 0: 1/x jumps from -100 to +100 between two samples
    with np.errstate(divide="ignore"):
        bx, by = break_at_jumps(xs, 1 / xs, threshold=10.0)
    set_curve_data(curve, bx, by)
    assert panel.plot_item.listDataItems() == [curve]
    data_x, data_y = curve.getData()
    assert np.isnan(data_y).sum() == 1                      # exactly one gap, at the pole
    gap = int(np.flatnonzero(np.isnan(data_y))[0])
    assert data_x[gap - 1] < 0 < data_x[gap + 1]
    legend_names = [label.text for _sample, label in panel.legend.items]
    assert legend_names == ["f(x)"]


def test_break_at_jumps_keeps_steep_continuous_curves():
    xs = np.linspace(0, 1, 50)
    ys = np.exp(10 * xs)
    bx, by = break_at_jumps(xs, ys, threshold=100.0)
    assert len(by) == len(ys) and not np.isnan(by).any()
    tx = np.linspace(-3, 3, 301)
    bx, by = break_at_jumps(tx, np.tan(tx), threshold=10.0)
    assert np.isnan(by).sum() == 2                           # tan has poles at ±pi/2 in [-3, 3]


def test_long_formula_is_typeset_off_the_gui_thread_and_newest_wins(qtbot):
    """A long formula shows its plain text at once, then the typeset image; a newer formula supersedes it."""
    from calclab.ui.widgets import formula_view

    long_latex = sympy_to_mathtext(sp.diff(((x + 1) ** 9 - (x - 1) ** 7) / ((x**2 + 1) ** 5 * sp.sin(x) ** 3 + 2), x))
    assert len(long_latex) > formula_view.SYNC_CHARS
    view = FormulaView()
    qtbot.addWidget(view)
    view.set_latex(long_latex, fallback="f'(x) = " + "x " * 600)    # plain text far wider than the image
    assert view.is_pending() and view.is_fallback() and view.text().startswith("f'(x) = x x")
    with qtbot.waitSignal(view.typeset_ready, timeout=20_000):
        pass
    assert not view.is_pending() and not view.is_fallback()
    image_width = view.pixmap().width() / view.pixmap().devicePixelRatio()
    assert image_width <= view.minimumWidth() <= image_width + 2 * view.margin() + 4   # not the text's width

    other = long_latex.replace("x", "y")
    view.set_latex(other)
    view.set_latex("x^2")                      # short: typeset at once, and the long one never shows
    assert not view.is_pending() and view.latex() == "x^2"
    short_width = view.pixmap().width()
    qtbot.wait(1500)
    assert view.latex() == "x^2" and view.pixmap().width() == short_width


def test_formula_too_long_to_read_stays_plain_text(qtbot):
    from calclab.ui.widgets import formula_view

    view = FormulaView()
    qtbot.addWidget(view)
    view.set_latex("x + " * (formula_view.MAX_TYPESET_CHARS // 4 + 1) + "1", fallback="too long")
    assert view.is_fallback() and not view.is_pending() and view.text() == "too long"


def test_deferred_short_formula_arrives_later_unless_cached(qtbot):
    view = FormulaView()
    qtbot.addWidget(view)
    view.set_latex(r"\frac{x^{7}}{13} + \sqrt{x}", fallback="x^7/13 + sqrt(x)", defer=True)
    assert view.is_pending() and view.text() == "x^7/13 + sqrt(x)"
    qtbot.waitUntil(lambda: not view.is_pending(), timeout=20_000)
    assert not view.is_fallback()
    again = FormulaView()
    qtbot.addWidget(again)
    again.set_latex(r"\frac{x^{7}}{13} + \sqrt{x}", defer=True)    # cached now: shown at once
    assert not again.is_pending() and not again.is_fallback()


def test_a_long_plot_title_is_shortened_not_widening_the_window(qtbot):
    """A 300-character title ends in "…" within the panel's width; title() and the tooltip keep all of it."""
    title = "Composite y = " + "sigmoid(" * 30 + "x" + ")" * 30
    panel = PlotPanel(title)
    qtbot.addWidget(panel)
    panel.resize(500, 300)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.width() == 500 and panel.minimumSizeHint().width() < 500
    shown = panel.title_label.text()
    assert shown.endswith("…") and title.startswith(shown[:-1]) and len(shown) < len(title)
    assert panel.title() == title and panel.title_label.toolTip() == title
    panel.set_title("f(x)")
    assert panel.title_label.text() == "f(x)" and panel.title_label.toolTip() == ""


def test_axis_ticks_read_in_the_one_number_style(qtbot):
    """Where pyqtgraph would print "1e-05" a tick reads 1×10⁻⁵; its plain ticks (0.5, 1.0) stay as they were."""
    panel = PlotPanel("f", "x", "f(x)")
    qtbot.addWidget(panel)
    for side in ("left", "bottom"):
        axis = panel.plot_item.getAxis(side)
        assert axis.tickStrings([1e-5, 2.5e-5, -3e-5], 1.0, 1e-5) == ["1×10⁻⁵", "2.5×10⁻⁵", "−3×10⁻⁵"]
        assert axis.tickStrings([2e6, 4e6], 1.0, 2e6) == ["2×10⁶", "4×10⁶"]
        assert axis.tickStrings([0.5, 1.0], 1.0, 0.5) == ["0.5", "1.0"]
    # The ticks pyqtgraph picks for a tiny range without an SI prefix:
    axis = panel.plot_item.getAxis("bottom")
    axis.enableAutoSIPrefix(False)
    (spacing, values), *_finer = axis.tickValues(0.0, 5e-5, 600)
    labels = axis.tickStrings(values, 1.0, spacing)
    assert not any("e-0" in text for text in labels) and any("×10⁻⁵" in text for text in labels), labels


def test_loss_axis_log_tick_labels() -> None:
    """One significant digit, decimals inside 0.001 ... 10,000, 10ⁿ beyond (hand-written expectations)."""
    import math

    from calclab.ui.widgets.loss_axis import log_tick_label

    assert log_tick_label(math.log10(0.02), plain=True) == "0.02"
    assert log_tick_label(3.0, plain=True) == "1000"
    assert log_tick_label(math.log10(2e-5), plain=False) == "2·10⁻⁵"
    assert log_tick_label(-5.0, plain=False) == "10⁻⁵"
    assert log_tick_label(math.log10(9.9999), plain=False) == "10¹"   # rounds up to the next decade
