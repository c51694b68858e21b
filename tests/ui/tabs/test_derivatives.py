"""The Derivatives tab as a learner uses it: type, drag, slide, pick a variable, read the steps.

Maths is checked against references computed here by other means: hand-written derivatives, NumPy
central differences, plain-Python secant slopes, and the `calclab derive --steps` command in a subprocess.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel

from calclab.engine.jobs.derivatives import derivation, differentiate
from calclab.engine.parsing import parse
from calclab.state import Preset, preset_named
from calclab.state.derivatives import PRESETS, DerivativesState
from calclab.ui.tabs.derivatives import DerivativesTab
from calclab.ui.tabs.derivatives.controls import h_from_slider, slider_from_h
from calclab.ui.tabs.derivatives.numeric import break_curve, fit_y_range, percentiles, tangent_equation
from calclab.ui.widgets.expression_box import DEBOUNCE_MS
from calclab.ui.worker import TIMEOUT, JobFailure

x, y = sp.symbols("x y", real=True)
WAIT_MS = 15000


@pytest.fixture
def tab(qtbot, worker):
    widget = DerivativesTab(worker)
    qtbot.addWidget(widget)
    widget.resize(1400, 860)
    widget.show()
    settle(qtbot, widget)
    yield widget
    settle(qtbot, widget)   # no callback may arrive after the widget is gone


def preset_called(name: str) -> Preset:
    """The built-in preset called `name` (a KeyError-like failure if it is gone)."""
    found = preset_named(PRESETS, name)
    assert found is not None, name
    return found


def settle(qtbot, tab: DerivativesTab) -> None:
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)


def type_expression(qtbot, tab: DerivativesTab, text: str) -> None:
    tab.expression_box.line_edit.clear()
    qtbot.keyClicks(tab.expression_box.line_edit, text)
    qtbot.keyClick(tab.expression_box.line_edit, Qt.Key.Key_Return)
    settle(qtbot, tab)


def finite_pairs(tab: DerivativesTab, which: str) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = tab.plot.curve_data(which)
    keep = np.isfinite(xs) & np.isfinite(ys)
    return xs[keep], ys[keep]


def central_difference(f, xs: np.ndarray, step: float = 1e-5) -> np.ndarray:
    return (f(xs + step) - f(xs - step)) / (2 * step)


# -- typing --------------------------------------------------------------------------------------------------

def test_default_is_the_lessons_x_squared(tab):
    assert tab.result().derivative == 2 * x
    xs, ys = finite_pairs(tab, "derivative")
    assert np.allclose(ys, 2 * xs)
    assert tab.formula_derivative.latex().endswith("= 2 x") and not tab.formula_derivative.is_fallback()


def test_typing_updates_formula_and_curves(qtbot, tab):
    type_expression(qtbot, tab, "x^3 - 3x")
    assert sp.simplify(tab.result().derivative - (3 * x**2 - 3)) == 0
    assert "3 x^{2}" in tab.formula_derivative.latex() and tab.formula_f.latex().startswith(r"f\left(x\right)")
    xs, ys = finite_pairs(tab, "f")
    assert len(xs) > 100 and np.allclose(ys, xs**3 - 3 * xs)
    dxs, dys = finite_pairs(tab, "derivative")
    reference = central_difference(lambda t: t**3 - 3 * t, dxs)
    assert np.allclose(dys, reference, rtol=1e-6, atol=1e-6)


def test_typed_sin_product_matches_finite_differences(qtbot, tab):
    type_expression(qtbot, tab, "x^2 sin(x)")
    xs, ys = finite_pairs(tab, "derivative")
    assert np.allclose(ys, central_difference(lambda t: t**2 * np.sin(t), xs), atol=1e-5)


def test_bad_expression_shows_error_and_keeps_last_plot(qtbot, tab):
    type_expression(qtbot, tab, "sin(x)")
    latex_before = tab.formula_derivative.latex()
    range_before = tab.plot.view_range()
    tab.expression_box.line_edit.clear()
    qtbot.keyClicks(tab.expression_box.line_edit, "x^^2")
    qtbot.waitUntil(lambda: tab.expression_box.error() != "", timeout=DEBOUNCE_MS * 20)
    qtbot.keyClick(tab.expression_box.line_edit, Qt.Key.Key_Return)     # Enter on a bad expression: no change
    qtbot.wait(DEBOUNCE_MS * 2)
    assert tab.expression_box.error() == "unexpected '^' (column 3)"
    assert "x^^2" in tab.expression_box.label_error.text() and "\n  ^" in tab.expression_box.label_error.text()
    assert tab.result().derivative == sp.cos(x) and not tab.is_busy()
    assert tab.formula_derivative.latex() == latex_before
    assert tab.plot.view_range() == pytest.approx(range_before)
    fx, fy = finite_pairs(tab, "f")                            # still sin and cos (resampled only if resized)
    dx, dy = finite_pairs(tab, "derivative")
    assert len(fx) > 100 and np.allclose(fy, np.sin(fx)) and np.allclose(dy, np.cos(dx))


def test_order_two_and_three(qtbot, tab):
    type_expression(qtbot, tab, "x^4")
    tab.spin_order.setValue(2)
    settle(qtbot, tab)
    assert tab.result().derivative == 12 * x**2
    xs, ys = finite_pairs(tab, "derivative")
    assert np.allclose(ys, 12 * xs**2)
    assert "f^{\\prime\\prime}" in tab.formula_derivative.latex()
    tab.set_x0(0.5)
    assert tab.readouts.label_slope.text() == "0.5"          # f'(0.5) = 4 * 0.125: the tangent still uses f'
    assert tab.readouts.label_higher.text() == "3"           # f''(0.5) = 12 * 0.25
    tab.spin_order.setValue(3)
    settle(qtbot, tab)
    assert tab.result().derivative == 24 * x


# -- the point x0: drag, click, spin box, keys -------------------------------------------------------------------

def test_dragging_x0_moves_tangent_and_readouts(qtbot, tab):
    tab.load_preset(preset_called("Lesson: x^2 → 2x"))
    settle(qtbot, tab)
    view = tab.plot.plot_widget
    start = view.mapFromScene(tab.plot.view_box.mapViewToScene(QPointF(1.5, 0.0)))
    target_x = -2.0
    end = view.mapFromScene(tab.plot.view_box.mapViewToScene(QPointF(target_x, 0.0)))
    viewport = view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for i in range(1, 11):
        QTest.mouseMove(viewport, start + (end - start) * (i / 10))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    x0 = tab.state.x0
    assert abs(x0 - target_x) < 0.05                         # within a few pixels of where the mouse let go
    assert tab.spin_x0.value() == pytest.approx(x0, abs=1e-4)
    assert tab.readouts.label_value.text() == f"{x0**2:.6g}"
    assert tab.readouts.label_slope.text() == f"{2 * x0:.6g}".replace("-", "−")
    tx, ty = tab.plot.curve_data("tangent")
    assert np.allclose(ty, x0**2 + 2 * x0 * (tx - x0))      # the tangent touches x^2 at x0 with slope 2 x0


def test_line_api_drag_and_click_place_x0(qtbot, tab):
    line = tab.plot.x0_line
    line.setPos(2.5)                                        # what a drag does, then announces it
    line.sigDragged.emit(line)
    assert tab.state.x0 == pytest.approx(2.5)
    assert tab.readouts.label_tangent.text() == "y = 5x − 6.25"
    view = tab.plot.plot_widget
    point = view.mapFromScene(tab.plot.view_box.mapViewToScene(QPointF(-1.0, 3.0)))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    assert tab.state.x0 == pytest.approx(-1.0, abs=0.03)
    assert line.value() == pytest.approx(tab.state.x0)


def test_spin_box_moves_point(qtbot, tab):
    tab.spin_x0.setValue(-0.5)
    px, py = tab.plot.points.getData()
    assert list(px) == [-0.5] and list(py) == [0.25]
    assert tab.readouts.label_tangent.text() == "y = −x − 0.25"


def test_arrow_keys_move_x0_only_when_not_editing(qtbot, tab):
    x_low, x_high = tab.plot.view_range()[:2]
    step = (x_high - x_low) / 100
    start = tab.state.x0
    tab.plot.plot_widget.setFocus()
    qtbot.keyClick(tab.plot.plot_widget, Qt.Key.Key_Right)
    qtbot.keyClick(tab.plot.plot_widget, Qt.Key.Key_Right)
    assert tab.state.x0 == pytest.approx(start + 2 * step)
    qtbot.keyClick(tab.plot.plot_widget, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert tab.state.x0 == pytest.approx(start + 1.9 * step)
    before = tab.state.x0
    tab.expression_box.line_edit.setFocus()
    qtbot.keyClick(tab.expression_box.line_edit, Qt.Key.Key_Left)
    assert tab.state.x0 == before                            # the arrow moved the text cursor instead


# -- the secant -------------------------------------------------------------------------------------------------

def test_secant_slope_approaches_the_derivative(qtbot, tab):
    type_expression(qtbot, tab, "sin(x)")
    tab.set_x0(1.0)
    errors = {}
    for exponent in (0, 1, 2, 3, 4, 6, 8, 12):
        tab.slider_h.setValue(slider_from_h(10.0 ** -exponent))
        h = tab.state.h
        assert h == pytest.approx(10.0 ** -exponent)
        reading = tab.reading()
        reference = (math.sin(1.0 + h) - math.sin(1.0)) / h     # plain Python floats: an independent secant
        assert reading.secant_slope == pytest.approx(reference, rel=1e-12, abs=1e-15)
        assert reading.slope == pytest.approx(math.cos(1.0), rel=1e-14)
        errors[exponent] = abs(reading.secant_slope - math.cos(1.0))
        if exponent <= 4:                                        # truncation error: f''(x0) h / 2
            assert errors[exponent] == pytest.approx(math.sin(1.0) * h / 2, rel=0.3)
    assert errors[0] > errors[1] > errors[2] > errors[3] > errors[4] > errors[6]
    assert errors[8] < 1e-7                                      # the secant has become the tangent
    assert errors[12] > 100 * errors[8]                          # ... until round-off takes over
    shown = tab.readouts.label_error.text()
    assert "×10" in shown and read_number(shown) == pytest.approx(reading.secant_error, rel=1e-3)
    sx, sy = tab.plot.curve_data("secant")
    slope = (sy[1] - sy[0]) / (sx[1] - sx[0])
    assert slope == pytest.approx(reading.secant_slope, rel=1e-6)


def test_h_slider_is_logarithmic():
    assert h_from_slider(0) == 1.0
    assert h_from_slider(slider_from_h(1e-8)) == pytest.approx(1e-8)
    assert slider_from_h(1e-12) > slider_from_h(1e-8) > slider_from_h(1e-4) > 0


# -- several variables ------------------------------------------------------------------------------------------

def test_lesson_partials_of_3x2_plus_2y(qtbot, tab):
    tab.load_preset(preset_called("Lesson: 3x^2 + 2y, ∂f/∂y = 2"))
    settle(qtbot, tab)
    assert tab.combo_wrt.currentText() == "y" and tab.result().derivative == 2
    assert r"\frac{\partial f}{\partial y} = 2" == tab.formula_derivative.latex()
    assert list(tab.held_panel.rows) == ["x"]
    assert tab.readouts.label_tangent.text() == "f = 2y + 3"    # f(1, y) = 3 + 2y: its own tangent
    assert tab.side.label_x0_name.text() == "y₀"
    assert tab.plot.plot_item.getAxis("bottom").labelText == "y"
    xs, ys = finite_pairs(tab, "derivative")
    assert len(xs) > 100 and np.all(ys == 2.0)                  # a horizontal line at 2
    fx, fy = finite_pairs(tab, "f")
    assert np.allclose(fy, 3 * 1.0**2 + 2 * fx)                 # the slice at x = 1
    tab.held_panel.rows["x"].spin.setValue(2.0)
    fx, fy = finite_pairs(tab, "f")
    assert np.allclose(fy, 12 + 2 * fx)
    tab.combo_wrt.setCurrentText("x")                           # now differentiate by x, y held
    settle(qtbot, tab)
    assert tab.result().derivative == 6 * x
    assert list(tab.held_panel.rows) == ["y"]
    assert tab.state.x0 == 2.0                                   # the point stays: x was held at 2
    xs, ys = finite_pairs(tab, "derivative")
    assert np.allclose(ys, 6 * xs)
    assert tab.readouts.label_slope.text() == "12"


def test_partial_slice_of_x_y2_plus_sin_xy(qtbot, tab):
    tab.load_preset(preset_called("x y^2 + sin(x y)"))
    settle(qtbot, tab)
    row = tab.held_panel.rows["y"]
    for held in (1.5, -0.7):
        row.slider.setValue(round((held + 10) / 0.05))
        assert tab.state.held["y"] == pytest.approx(held)
        assert row.spin.value() == pytest.approx(held)
        fx, fy = finite_pairs(tab, "f")
        assert np.allclose(fy, fx * held**2 + np.sin(fx * held))
        xs, ys = finite_pairs(tab, "derivative")
        reference = central_difference(lambda t, c=held: t * c**2 + np.sin(t * c), xs)
        assert np.allclose(ys, reference, atol=1e-6)
    assert tab.formula_derivative.latex().startswith(r"\frac{\partial f}{\partial x}")
    tab.spin_order.setValue(2)
    settle(qtbot, tab)
    assert tab.formula_derivative.latex().startswith(r"\frac{\partial^{2} f}{\partial x^{2}}")
    assert sp.simplify(tab.result().derivative + y**2 * sp.sin(x * y)) == 0


# -- steps ------------------------------------------------------------------------------------------------------

STEP_CASES = [("x^2 sin(x)", "x", 1), ("3x^2 + 2y", "y", 1), ("sigmoid(3x - 1)", "x", 1), ("1/x", "x", 1),
              ("(2x + 3)^2", "x", 1), ("x y^2 + sin(x y)", "x", 2), ("tan(x)", "x", 3)]


def _cli_steps(text: str, wrt: str, order: int) -> list[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-m", "calclab", "derive", text, "--wrt", wrt, "--order", str(order),
                          "--steps"], capture_output=True, text=True, env=env, timeout=60, check=True).stdout
    return out.split("Steps:\n", 1)[1].rstrip("\n").split("\n")


@pytest.mark.parametrize(("text", "wrt", "order"), STEP_CASES)
def test_steps_end_at_the_shown_derivative_and_match_the_cli(qtbot, tab, text, wrt, order):
    type_expression(qtbot, tab, text)
    tab.spin_order.setValue(order)
    settle(qtbot, tab)
    if tab.combo_wrt.currentText() != wrt:
        tab.combo_wrt.setCurrentText(wrt)
        settle(qtbot, tab)
    shown = tab.result().derivative
    steps = tab.steps_view.result()
    assert steps is not None and steps.order == order and steps.wrt.name == wrt
    assert sp.simplify(steps.root.result - shown) == 0
    reference = sp.diff(parse(text), sp.Symbol(wrt, real=True), order)      # SymPy directly, no simplify
    assert sp.simplify(shown - reference) == 0
    assert tab.steps_view.lines() == _cli_steps(text, wrt, order)
    tree = tab.steps_view.tree
    assert tree.topLevelItemCount() == 1
    assert tree.topLevelItem(0).childCount() == len(steps.root.children)
    assert not steps.root.children or tree.topLevelItem(0).isExpanded()
    assert tree.itemWidget(tree.topLevelItem(0), 1) is not None          # the root row is typeset


def test_selecting_a_step_typesets_it_in_the_detail_pane(qtbot, tab):
    type_expression(qtbot, tab, "x^2 sin(x)")
    tree = tab.steps_view.tree
    child = tree.topLevelItem(0).child(1)
    tree.setCurrentItem(child)
    assert "Sine rule" in tab.steps_view.label_detail.text()
    assert tab.steps_view.formula_detail.latex().endswith(r"\cos{\left(x \right)}")
    assert not tab.steps_view.formula_detail.is_fallback()


# -- poles and domains ------------------------------------------------------------------------------------------

def _assert_no_segment_across(tab: DerivativesTab, which: str, pole: float) -> None:
    """No drawn segment joins the two sides of the pole, unless it lies wholly above or below the view."""
    xs, ys = tab.plot.curve_data(which)
    _x_low, _x_high, y_low, y_high = tab.plot.view_range()
    drawn = np.isfinite(ys[:-1]) & np.isfinite(ys[1:])
    across = (xs[:-1] < pole) & (xs[1:] > pole)
    hidden = ((ys[:-1] > y_high) & (ys[1:] > y_high)) | ((ys[:-1] < y_low) & (ys[1:] < y_low))
    assert not np.any(drawn & across & ~hidden), f"a visible segment of {which} crosses the pole at {pole}"


def test_one_over_x_breaks_at_zero(qtbot, tab):
    tab.load_preset(preset_called("1/x (pole)"))
    settle(qtbot, tab)
    for which in ("f", "derivative"):
        xs, ys = tab.plot.curve_data(which)
        near = np.abs(xs) < 0.1
        assert np.isnan(ys[near]).any()                        # a gap right at the pole
        _assert_no_segment_across(tab, which, 0.0)
    for y_range in ((-5.0, 5.0), (-1e5, 10.0)):                # pan/zoom resamples: still broken
        tab.plot.set_range((-3.0, 3.0), y_range)
        qtbot.waitUntil(lambda r=y_range: tab.state.y_range == pytest.approx(r), timeout=2000)
        for which in ("f", "derivative"):
            _assert_no_segment_across(tab, which, 0.0)


def test_tan_breaks_at_every_pole_and_log_sqrt_leave_gaps(qtbot, tab):
    tab.load_preset(preset_called("tan(x)"))
    settle(qtbot, tab)
    for k in (-3, -1, 1, 3):
        _assert_no_segment_across(tab, "f", k * math.pi / 2)
        _assert_no_segment_across(tab, "derivative", k * math.pi / 2)
    for text in ("log(x)", "sqrt(x)"):
        type_expression(qtbot, tab, text)
        xs, ys = tab.plot.curve_data("f")
        assert np.all(np.isnan(ys[xs < 0]))
        assert np.isfinite(ys[xs > 0.01]).all()


def test_relu_derivative_is_a_step_without_a_vertical_line(qtbot, tab):
    tab.load_preset(preset_called("relu(x)"))
    settle(qtbot, tab)
    xs, ys = finite_pairs(tab, "derivative")
    assert set(np.unique(ys)) <= {0.0, 0.5, 1.0}
    _assert_no_segment_across(tab, "derivative", 0.0)


# -- pan/zoom, presets, copy, state -----------------------------------------------------------------------------

def test_pan_and_zoom_resample_the_visible_range(qtbot, tab):
    tab.plot.set_range((10.0, 20.0), (0.0, 400.0))
    qtbot.waitUntil(lambda: tab.plot.curve_data("f")[0][0] == pytest.approx(10.0), timeout=2000)
    xs, ys = finite_pairs(tab, "f")
    assert xs[-1] == pytest.approx(20.0) and np.allclose(ys, xs**2)
    assert len(xs) >= min(200, tab.plot.panel.pixel_width())
    assert tab.state.x_range == pytest.approx((10.0, 20.0))


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_every_preset_loads(qtbot, tab, preset):
    index = tab.combo_preset.findText(preset.name)
    tab.combo_preset.activated.emit(index)                      # as if the user picked it
    settle(qtbot, tab)
    assert tab.expression_box.text() == preset.state.expression and tab.expression_box.is_valid()
    assert tab.combo_preset.currentIndex() == 0
    expr = parse(preset.state.expression)
    names = sorted(s.name for s in expr.free_symbols)
    wrt = preset.state.wrt or ("x" if "x" in names else names[0])   # x when f has it (a, b, c are parameters)
    assert tab.result().wrt.name == wrt
    assert sp.simplify(tab.result().derivative - sp.diff(expr, sp.Symbol(wrt, real=True))) == 0
    assert np.isfinite(finite_pairs(tab, "f")[1]).sum() > 50
    assert tab.state.x0 == preset.state.x0


def test_concept_panel_buttons_load_the_lesson_examples(qtbot, tab):
    tab.concept.preset_buttons["Lesson: 3x^2 + 2y, ∂f/∂x = 6x"].click()
    settle(qtbot, tab)
    assert tab.result().derivative == 6 * x
    tab.concept.preset_buttons["Lesson: x^2 → 2x"].click()
    settle(qtbot, tab)
    assert tab.result().derivative == 2 * x and tab.state.x0 == 1.5
    assert not tab.concept.formula_limit.is_fallback()


def test_copy_buttons_put_the_derivative_on_the_clipboard(qtbot, tab):
    type_expression(qtbot, tab, "sigmoid(x)")
    tab.button_copy_text.click()
    text = QGuiApplication.clipboard().text()
    assert sp.simplify(sp.sympify(text) - sp.exp(-sp.Symbol("x")) / (1 + sp.exp(-sp.Symbol("x"))) ** 2) == 0
    tab.button_copy_latex.click()
    assert r"\sigma" in QGuiApplication.clipboard().text()


def test_state_round_trip_and_set_state(qtbot, tab):
    state = DerivativesState(expression="x y^2", wrt="y", order=2, x0=0.5, h=1e-3, held={"x": 2.0},
                             x_range=(-2.0, 2.0))
    tab.set_state(state)
    settle(qtbot, tab)
    assert tab.result().derivative == 2 * x
    assert tab.state.to_dict()["held"]["x"] == 2.0 and tab.state.h == pytest.approx(1e-3)
    assert DerivativesState.from_dict(tab.state.to_dict()).to_dict() == tab.state.to_dict()
    junk = DerivativesState.from_dict({"order": 7, "h": -1, "x0": "a", "held": {"x": float("nan"), "1y": 2},
                                       "x_range": [3, 1], "extra": 1, "show_secant": False})
    assert (junk.order, junk.h, junk.x0, junk.held, junk.x_range, junk.show_secant) == \
        (1, 0.5, 1.0, {}, (-4.0, 4.0), False)
    assert DerivativesState.from_dict(None) == DerivativesState()
    tab.set_state(DerivativesState(expression="x^^2", x0=0.25))   # a session with a broken expression
    settle(qtbot, tab)
    assert tab.expression_box.error() == "unexpected '^' (column 3)"
    assert tab.result().derivative == 2 * x                       # the last good function stays
    assert tab.state.x0 == 0.25 and tab.readouts.label_value.text() == "0.125"   # the old slice 2 y^2 at y0


def test_state_is_a_copy_and_mutating_it_changes_nothing_on_screen(qtbot, tab):
    tab.set_state(DerivativesState(expression="x y^2", wrt="x", x0=0.5, held={"y": 2.0}))
    settle(qtbot, tab)
    label, spin, row = tab.readouts.label_value.text(), tab.spin_x0.value(), tab.held_panel.rows["y"].spin.value()
    state = tab.state
    state.x0, state.expression, state.order, state.show_secant = 3.0, "sin(x)", 2, False
    state.held["y"] = -1.0
    qtbot.wait(50)
    assert tab.state == DerivativesState(expression="x y^2", wrt="x", x0=0.5, held={"y": 2.0},
                                         x_range=tab.state.x_range, y_range=tab.state.y_range)
    assert (tab.readouts.label_value.text(), tab.spin_x0.value(), tab.held_panel.rows["y"].spin.value()) == \
        (label, spin, row) == ("2", 0.5, 2.0)
    assert tab.expression_box.text() == "x y^2" and tab.check_show_secant.isChecked()
    assert tab.result().derivative == y**2 and not tab.is_busy()


@pytest.mark.parametrize("name", ["Lesson: 3x^2 + 2y, ∂f/∂y = 2", "x y^2 + sin(x y)", "tan(x)"])
def test_a_preset_round_trips_through_set_state(qtbot, tab, name):
    chosen = preset_called(name)
    messages: list[str] = []
    tab.status_message.connect(messages.append)
    tab.header.preset_chosen.emit(chosen)                       # the signal carries the Preset itself
    settle(qtbot, tab)
    assert messages[-1] == f"{chosen.name}: {chosen.description}"
    shown = tab.state
    assert (shown.expression, shown.wrt, shown.x0, shown.order) == \
        (chosen.state.expression, chosen.state.wrt or "x", chosen.state.x0, chosen.state.order)
    assert {k: shown.held[k] for k in chosen.state.held} == chosen.state.held
    assert chosen.state == preset_called(name).make_state()     # loading it changed nothing in the preset
    type_expression(qtbot, tab, "x^3")                           # elsewhere, then back by set_state
    tab.set_state(shown)
    settle(qtbot, tab)
    assert tab.state == shown and tab.expression_box.text() == chosen.state.expression


def test_every_control_has_a_tooltip(qtbot, tab):
    from PySide6.QtWidgets import QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox, QLineEdit

    tab.load_preset(preset_called("x y^2 + sin(x y)"))
    settle(qtbot, tab)
    from PySide6.QtWidgets import QScrollBar

    # Qt's own parts (scroll bars, the line edit's clear button, a spin box's inner editor) are not our controls.
    controls = [w for kind in (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox, QLineEdit)
                for w in tab.findChildren(kind) if w.isVisibleTo(tab) and not isinstance(w, QScrollBar)
                and not isinstance(w.parent(), QLineEdit | QAbstractSpinBox)]
    assert len(controls) >= 12
    inner = [w for w in controls if not w.toolTip()]
    assert inner == [], [type(w).__name__ + ":" + w.objectName() + ":" + getattr(w, "text", str)() for w in inner]


# -- pure helpers (no Qt) ----------------------------------------------------------------------------------------

def test_break_curve_steps_and_poles():
    xs = np.linspace(-1, 1, 201)                                 # x = 0 sampled: sign(0) = 0 sits mid-jump
    bx, by = break_curve(xs, np.sign(xs), 4.0)
    assert np.isnan(by).sum() == 2
    bx, by = break_curve(xs, np.exp(3 * xs), 4.0)
    assert not np.isnan(by).any()
    with np.errstate(divide="ignore"):
        bx, by = break_curve(np.linspace(-1, 1, 200), 1 / np.linspace(-1, 1, 200), 4.0)
    assert np.isnan(by).sum() == 1


@pytest.mark.parametrize("size", [1, 2, 7, 100, 951])
def test_percentiles_are_numpys_default(size):
    values = np.random.default_rng(size).standard_cauchy(size)    # heavy tails, ties of nothing, any order
    qs = (0.0, 5.0, 37.5, 95.0, 100.0)
    assert np.allclose(percentiles(values, qs), np.percentile(values, qs), rtol=1e-12, atol=0)


def test_fit_y_range_ignores_poles_but_shows_smooth_curves():
    xs = np.linspace(-4, 4, 600)
    assert fit_y_range(xs**2, 2 * xs)[0] < -8 and fit_y_range(xs**2, 2 * xs)[1] > 16
    with np.errstate(divide="ignore"):
        low, high = fit_y_range(1 / xs, -1 / xs**2)
    assert -10 < low < -1 and 1 < high < 10


def test_tangent_equation_text():
    from calclab.ui.tabs.derivatives.numeric import PointReadout

    def eq(x0, value, slope):
        return tangent_equation(PointReadout(x0, value, slope, slope, 0.1, slope, value))

    assert eq(1.5, 2.25, 3.0) == "y = 3x − 2.25"
    assert eq(0.0, 4.0, 0.0) == "y = 4"
    assert eq(1.0, -1.0, -1.0) == "y = −x"
    assert eq(0.0, float("nan"), 1.0) == "no tangent here"
    assert tangent_equation(PointReadout(1.0, 5.0, 2.0, 2.0, 0.1, 2.0, 5.0), "y", "f") == "f = 2y + 3"


def test_jobs_pickle_and_agree_with_sympy():
    import pickle

    expr = parse("x y^2 + sin(x y)")
    result = pickle.loads(pickle.dumps(differentiate(expr, "y", 1)))
    assert sp.simplify(result.derivative - (2 * x * y + x * sp.cos(x * y))) == 0 and result.partial
    steps = pickle.loads(pickle.dumps(derivation(expr, "y", 1)))
    assert sp.simplify(steps.root.result - result.derivative) == 0
    assert [n.line for n in steps.root.walk()] == [line.strip() for line in steps.lines[0::2]]
    with pytest.raises(ValueError):
        differentiate(expr, "x", 4)
    # a variable the expression lacks: the partial is 0, plotted as a flat line
    assert differentiate(parse("x^2"), "z", 1).derivative == 0


def test_a_kink_has_no_derivative_whatever_sign0_says(qtbot, tab):
    tab.load_preset(preset_called("abs(x)"))
    settle(qtbot, tab)
    tab.set_x0(0.0)
    reading = tab.reading()
    assert reading.kink == pytest.approx((-1.0, 1.0)) and math.isnan(reading.slope)
    assert tab.readouts.label_slope.text().startswith("none: a kink (−1 from the left, 1 from the right")
    assert tab.readouts.label_tangent.text() == "no tangent here"
    assert tab.plot.curve_data("tangent")[0].size == 0
    tab.set_x0(-0.5)                                           # away from the kink: an ordinary slope again
    assert tab.reading().kink is None and tab.readouts.label_slope.text() == "−1"


def test_dirac_deltas_and_domains_do_not_break_the_plot(qtbot, tab):
    type_expression(qtbot, tab, "abs(x)")
    tab.spin_order.setValue(2)                                 # |x|'' = 2 DiracDelta(x): NumPy has no such function
    settle(qtbot, tab)
    assert tab.result().derivative == 2 * sp.DiracDelta(x)
    xs, ys = finite_pairs(tab, "derivative")
    assert len(xs) > 100 and np.all(ys == 0.0)
    type_expression(qtbot, tab, "log(x)")
    tab.spin_order.setValue(3)                                 # 2/x^3 has values at x < 0; log(x) does not
    settle(qtbot, tab)
    xs, ys = tab.plot.curve_data("derivative")
    assert np.all(np.isnan(ys[xs < 0]))
    shown = np.isfinite(ys) & (xs > 0.5)                       # (samples far off the view are dropped or clamped)
    assert shown.sum() > 50 and np.allclose(ys[shown], 2 / xs[shown] ** 3)


def test_the_job_module_imports_no_qt():
    """The worker unpickles these jobs by name: importing them must stay Qt-free (checked in a fresh interpreter)."""
    code = ("import sys, calclab.engine.jobs.derivatives\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph')"
            " or m.startswith('calclab.ui')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"


class _SlowSimplifyWorker:
    """Runs jobs in this process on the next event-loop turn, but gives up on every simplifying derivative:
    what the real worker does when SymPy's simplify outlives the time budget."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def submit(self, key, func, *args, on_done, on_error) -> None:
        from PySide6.QtCore import QTimer

        self.calls.append((func.__name__, args[1:]))
        if func is differentiate and args[3] is True:
            QTimer.singleShot(0, lambda: on_error(JobFailure(TIMEOUT, "gave up: still computing after 2 s")))
        else:
            QTimer.singleShot(0, lambda: on_done(func(*args)))

    def is_closed(self) -> bool:
        return False

    def cancel(self, key) -> None:
        """Nothing to drop: every job answers on the next event-loop turn."""


def test_when_simplify_runs_out_of_time_the_raw_derivative_is_shown(qtbot):
    fake = _SlowSimplifyWorker()
    tab = DerivativesTab(fake)
    qtbot.addWidget(tab)
    messages: list[str] = []
    tab.status_message.connect(messages.append)
    settle(qtbot, tab)
    assert [c for c in fake.calls if c[0] == "differentiate"] == [("differentiate", ("x", 1, True)),
                                                                   ("differentiate", ("x", 1, False))]
    result = tab.result()
    assert not result.simplified and result.derivative == 2 * x
    assert "unsimplified" in messages[-1]
    xs, ys = finite_pairs(tab, "derivative")
    assert np.allclose(ys, 2 * xs)


def test_raw_derivative_job_equals_the_simplified_one():
    expr = parse("x^2 sin(x) / (1 + x^2)")
    raw = differentiate(expr, "x", 2, simplify=False)
    simple = differentiate(expr, "x", 2)
    assert not raw.simplified and simple.simplified
    assert sp.simplify(raw.derivative - simple.derivative) == 0
    assert raw.derivative == sp.diff(expr, x, 2)                 # exactly the rules' output


def test_a_new_derivation_while_rows_are_typesetting_is_safe(qtbot):
    import shiboken6

    from calclab.ui.tabs.derivatives.steps import StepsView

    view = StepsView()
    qtbot.addWidget(view)
    view.show()
    view.set_steps(derivation(parse("sigmoid(3x - 1) x^2"), "x", 2))
    qtbot.waitUntil(lambda: view.tree.itemWidget(view.tree.topLevelItem(0), 1) is not None, timeout=5000)
    row_view = view.tree.itemWidget(view.tree.topLevelItem(0), 1)
    view.set_steps(derivation(parse("x^2"), "x", 1))      # deletes the old rows; their views go a moment later
    assert shiboken6.isValid(row_view)
    row_view.typeset_ready.emit()                          # an image landing in that moment: ignored
    qtbot.waitUntil(lambda: not view.is_pending(), timeout=10000)
    assert view.lines() == ["Power rule: d/dx[x^2] = 2*x", "  (d/dx x^n = n*x^(n-1), with n = 2)"]


# -- where the compiling happens ---------------------------------------------------------------------------

def test_a_long_f_is_compiled_by_the_worker_and_plotted_without_lambdify_on_the_gui_thread(qtbot, tab, monkeypatch):
    """A sum of 60 distinct terms (past GUI_COMPILE_NODES) reaches the plot compiled in the worker; the GUI thread
    lambdifies nothing of that size. Reference: the same sum in plain NumPy."""
    from calclab.engine import numeric
    from calclab.ui.tabs.derivatives import numeric as derivatives_numeric

    ks = range(1, 61)
    text = " + ".join(f"sin({k}x)/{k}" for k in ks)
    assert not derivatives_numeric.cheap_to_compile(parse(text), (x,))
    compiled_here: list[int] = []   # tree sizes lambdified in this (the GUI) process
    real = numeric.NumericFunction.__init__

    def spy(self, expr, variables):
        compiled_here.append(sum(1 for _ in sp.preorder_traversal(expr)))
        real(self, expr, variables)

    monkeypatch.setattr(numeric.NumericFunction, "__init__", spy)
    tab.expression_box.set_text(text)
    qtbot.waitUntil(lambda: tab.result() is not None and tab.result().expression == parse(text), timeout=WAIT_MS)
    settle(qtbot, tab)
    assert not [n for n in compiled_here if n > derivatives_numeric.GUI_COMPILE_NODES], compiled_here
    xs, ys = finite_pairs(tab, "f")
    assert len(xs) > 100
    np.testing.assert_allclose(ys, sum(np.sin(k * xs) / k for k in ks), atol=1e-9)
    dxs, dys = finite_pairs(tab, "derivative")
    np.testing.assert_allclose(dys, sum(np.cos(k * dxs) for k in ks), atol=1e-8)


def test_clicking_a_legend_entry_hides_the_curve_and_unticks_its_box(qtbot, tab):
    """pyqtgraph hides a curve whose legend sample is clicked; the tab's check box (and state) must follow."""
    legend = tab.plot.panel.legend
    sample = next(s for s, _label in legend.items if s.item is tab.plot.curve_derivative)
    view = tab.plot.plot_widget
    spot = view.mapFromScene(sample.mapToScene(sample.boundingRect().center()))
    assert tab.check_show_derivative.isChecked() and tab.plot.curve_derivative.isVisible()
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    qtbot.waitUntil(lambda: not tab.plot.curve_derivative.isVisible(), timeout=WAIT_MS)
    assert not tab.check_show_derivative.isChecked() and not tab.state.show_derivative
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    qtbot.waitUntil(tab.plot.curve_derivative.isVisible, timeout=WAIT_MS)
    assert tab.check_show_derivative.isChecked() and tab.state.show_derivative


def read_number(text: str) -> float:
    """A number in the one number style back to a float: "+1.234×10⁻⁵" -> 1.234e-05."""
    text = text.replace("−", "-")
    if "×10" in text:
        mantissa, exponent = text.split("×10")
        return float(mantissa) * 10.0 ** int(exponent.translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")))
    return float(text)


def test_readouts_use_the_one_number_style(qtbot, tab):
    """Tiny h, slope and error read as 1×10⁻⁶ and 2.7×10⁻⁷, never Python's "e-06"."""
    type_expression(qtbot, tab, "x^3")
    tab.set_x0(0.001)                                # f = 10⁻⁹, f' = 3·10⁻⁶
    tab.slider_h.setValue(slider_from_h(1e-6))
    texts = [label.text() for label in tab.readouts.findChildren(QLabel)]
    shown = " ".join(texts)
    assert "e-0" not in shown and "e−0" not in shown and "e+0" not in shown, shown
    assert tab.readouts.label_value.text() == "1×10⁻⁹"
    assert tab.readouts.label_slope.text() == "3×10⁻⁶"
    assert tab.readouts.label_h.text() == "1×10⁻⁶"
    assert read_number(tab.readouts.label_error.text()) == pytest.approx(tab.reading().secant_error, rel=1e-3)


@pytest.mark.parametrize("width", [480, 700, 1400])
def test_the_concept_pages_buttons_take_as_many_a_row_as_the_pane_holds(qtbot, width):
    from PySide6.QtGui import QFont

    from calclab.ui.tabs.derivatives.concept import ConceptPanel

    panel = ConceptPanel()
    qtbot.addWidget(panel)
    font = QFont(panel.font())
    font.setPointSizeF(font.pointSizeF() * 1.5)   # as zoomed to 150 %
    panel.setFont(font)
    panel.resize(width, 500)
    panel.show()
    qtbot.waitUntil(lambda: panel.widget() is not None and panel.widget().width() > 0)
    qtbot.wait(20)
    body = panel.widget()
    assert body.width() <= panel.viewport().width()          # nothing cut at the pane's right edge
    assert not panel.horizontalScrollBar().isVisible()
    for button in panel.preset_buttons.values():
        assert button.geometry().right() <= body.width()
    from calclab.state.derivatives import LESSON_PRESETS

    others = [b for name, b in panel.preset_buttons.items() if name not in {p.name for p in LESSON_PRESETS}]
    columns = len({button.geometry().left() for button in others})
    assert (columns == 3) == (width == 1400)                  # wide: rows of three, as before; narrow: fewer
