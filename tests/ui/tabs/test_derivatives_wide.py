"""The Derivatives tab's issue-17 half as a learner uses it: parameter sliders and their sweep, extra functions,
critical and inflection points, the Taylor polynomial with its error plot.

References are independent of the tab's code: hand-solved critical points (NumPy's polynomial roots for a cubic
f′, the sign of f″ by hand), known series (sin, exp), NumPy central differences, plain NumPy evaluation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from calclab.engine.numbers import format_number
from calclab.state.derivatives import MAX_CURVES, DerivativesState, ExtraCurve
from calclab.ui.tabs.derivatives import DerivativesTab

WAIT_MS = 15000


@pytest.fixture
def tab(qtbot, worker):
    widget = DerivativesTab(worker)
    qtbot.addWidget(widget)
    widget.resize(1400, 860)
    widget.show()
    settle(qtbot, widget)
    yield widget   # pytest-qt deletes the widget before this fixture's teardown: each test ends settled itself


def settle(qtbot, tab: DerivativesTab) -> None:
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)


def show(qtbot, tab: DerivativesTab, state: DerivativesState) -> None:
    tab.set_state(state)
    settle(qtbot, tab)
    qtbot.wait(100)        # range_changed is rate-limited: let the resampling after a refit land (as in _looks)
    settle(qtbot, tab)


def drawn_at(curve_xy: tuple[np.ndarray, np.ndarray], xs: np.ndarray) -> np.ndarray:
    """The drawn curve's values at xs (interpolated between its finite samples)."""
    x, y = curve_xy
    finite = np.isfinite(x) & np.isfinite(y)
    return np.interp(xs, x[finite], y[finite])


def central_difference(f, xs: np.ndarray, h: float = 1e-5) -> np.ndarray:
    return (f(xs + h) - f(xs - h)) / (2 * h)


def marked(tab: DerivativesTab, color_index: int = 0) -> list:
    from calclab.ui.tabs.derivatives.overlays import CURVE_COLORS

    return sorted((m for m, color in tab.markers() if color == CURVE_COLORS[color_index]), key=lambda m: m.x)


# -- state and sessions -----------------------------------------------------------------------------------------

def test_an_old_session_loads_with_one_function_and_the_new_fields_round_trip() -> None:
    old = {"expression": "x^2", "wrt": "x", "order": 1, "x0": 1.0, "h": 0.5, "held": {}, "x_range": [-4, 4],
           "y_range": None, "show_derivative": True, "show_tangent": True, "show_secant": True}
    state = DerivativesState.from_dict(old)
    assert state.curves == [] and state.show_taylor is False and state.param_ranges == {}
    wide = DerivativesState("a sin(b x) + c", held={"a": 2.0, "b": 0.5, "c": -1.0}, param_ranges={"b": (0.0, 3.0)},
                            curves=[ExtraCurve("x^4", True), ExtraCurve("cos(x)")], show_taylor=True, taylor_order=7)
    assert DerivativesState.from_dict(wide.to_dict()) == wide
    junk = DerivativesState.from_dict({"param_ranges": {"a": [3, 1], "1b": [0, 1], "c": [0, 2]},
                                       "curves": [{"expression": 3}, "x", {"expression": "x"}] * 3,
                                       "taylor_order": 11})
    assert junk.param_ranges == {"c": (0.0, 2.0)}
    assert junk.curves == [ExtraCurve("x")] * MAX_CURVES and junk.taylor_order == 1


# -- parameters ---------------------------------------------------------------------------------------------------

def test_every_name_but_the_variable_gets_one_slider_and_f_follows_it_without_the_worker(qtbot, tab) -> None:
    show(qtbot, tab, DerivativesState("a sin(b x) + c", x0=0.7, held={"a": 1.0, "b": 1.0, "c": 0.0}))
    assert tab.state.wrt == "x"
    assert list(tab.held_panel.rows) == ["a", "b", "c"]
    assert tab.group_held.title().startswith("Parameters")
    row = tab.held_panel.rows["b"]
    for b in (2.0, -1.5, 3.25):
        row.slider.setValue(round((b + 10) / 20 * 400))
        assert not tab._jobs_out, "a slider tick must not wait for the worker"
        assert tab.state.held["b"] == pytest.approx(b)
        xs = np.linspace(-3, 3, 41)
        np.testing.assert_allclose(drawn_at(tab.plot.curve_data("f"), xs), np.sin(b * xs), atol=2e-3)
        slope = central_difference(lambda t, b=b: np.sin(b * t), xs)
        y_low, y_high = tab.plot.view_range()[2:]
        seen = (slope > y_low) & (slope < y_high)                 # beyond the view the curve is cut off
        np.testing.assert_allclose(drawn_at(tab.plot.curve_data("derivative"), xs)[seen], slope[seen], atol=5e-3)
        assert tab.readouts.label_value.text() == format_number(math.sin(b * 0.7))
    settle(qtbot, tab)


def test_a_parameter_range_is_editable_and_a_bad_one_is_refused(qtbot, tab) -> None:
    show(qtbot, tab, DerivativesState("a x^2", held={"a": 1.0}))
    row = tab.held_panel.rows["a"]
    row.spin_high.setValue(2.0)
    row.spin_high.editingFinished.emit()
    assert tab.state.param_ranges["a"] == (-10.0, 2.0)
    row.slider.setValue(row.slider.maximum())
    assert tab.state.held["a"] == pytest.approx(2.0)
    row.spin_low.setValue(5.0)                     # above the high end: refused, the last good range comes back
    row.spin_low.editingFinished.emit()
    assert row.spin_low.value() == -10.0 and tab.state.param_ranges["a"] == (-10.0, 2.0)
    settle(qtbot, tab)


def test_play_sweeps_a_parameter_across_its_range_and_turns_round(qtbot, tab) -> None:
    show(qtbot, tab, DerivativesState("a sin(x)", held={"a": 0.0}, param_ranges={"a": (-1.0, 1.0)}))
    row = tab.held_panel.rows["a"]
    seen = []
    tab.held_panel.value_changed.connect(lambda _name, value: seen.append(value))
    qtbot.mouseClick(row.button_play, Qt.MouseButton.LeftButton)
    assert row.is_playing()
    qtbot.waitUntil(lambda: len(seen) >= 3, timeout=WAIT_MS)
    qtbot.mouseClick(row.button_play, Qt.MouseButton.LeftButton)
    assert not row.is_playing()
    assert seen[1] - seen[0] == pytest.approx(2.0 / 120)        # one tick: 1/120 of the range
    for _ in range(130):                                         # past the top end: it turns round
        row.step_sweep()
    assert max(seen) == pytest.approx(1.0) and seen[-1] < 1.0 and seen[-1] < seen[-2]
    value = tab.state.held["a"]
    np.testing.assert_allclose(drawn_at(tab.plot.curve_data("f"), np.array([1.0])), [value * math.sin(1.0)],
                               atol=1e-3)
    settle(qtbot, tab)


# -- critical and inflection points ----------------------------------------------------------------------------

def test_the_critical_points_of_a_quartic_are_marked_with_their_kinds(qtbot, tab) -> None:
    show(qtbot, tab, DerivativesState("x^4 - 3x^2 + x", x_range=(-2.5, 2.5), y_range=(-5.0, 5.0),
                                      curves=[ExtraCurve("x^4")]))
    roots = np.sort(np.roots([4, 0, -6, 1]).real)        # f' = 4x³ − 6x + 1, solved by NumPy
    kinds = ["minimum" if 12 * r**2 - 6 > 0 else "maximum" for r in roots]   # f'' = 12x² − 6 by hand
    f_points = marked(tab, 0)
    critical = [m for m in f_points if m.kind != "inflection"]
    assert [m.kind for m in critical] == kinds
    np.testing.assert_allclose([m.x for m in critical], roots, atol=1e-9)
    inflection = [m.x for m in f_points if m.kind == "inflection"]
    np.testing.assert_allclose(inflection, [-1 / math.sqrt(2), 1 / math.sqrt(2)], atol=1e-9)
    g_points = marked(tab, 1)                        # x⁴ at 0: a minimum though f'' = 0 there; no inflection
    assert [(m.x, m.kind) for m in g_points] == [(0.0, "minimum")]
    text = tab.critical_panel.label_list.text()
    assert "minimum at x = 0" in text and text.count("maximum") == 1
    assert "1/√(2)" in text or "√(2)/2" in text      # exact where SymPy solves


def test_x_cubed_at_0_is_neither_and_live_points_follow_a_parameter(qtbot, tab) -> None:
    show(qtbot, tab, DerivativesState("x^3", x_range=(-2.0, 2.0)))
    assert [(m.x, m.kind) for m in marked(tab) if m.kind != "inflection"] == [(0.0, "neither")]
    show(qtbot, tab, DerivativesState("a x^2 + b x", x_range=(-4.0, 4.0), held={"a": 1.0, "b": -2.0}))
    assert [(m.x, m.kind) for m in marked(tab)] == [(1.0, "minimum")]        # f' = 2x − 2
    tab.held_panel.rows["a"].spin.setValue(-1.0)                               # f' = −2x − 2: x = −1, a maximum
    live = marked(tab)                                                         # before the worker answers
    assert [m.kind for m in live] == ["maximum"] and live[0].x == pytest.approx(-1.0, abs=1e-9)
    assert "Numeric" in tab.critical_panel.label_source.text()
    settle(qtbot, tab)
    assert [(m.x, m.kind) for m in marked(tab)] == [(-1.0, "maximum")]
    assert "Exact" in tab.critical_panel.label_source.text()
    tab.check_show_critical.setChecked(False)
    assert tab.markers() == [] and not tab.state.show_critical


# -- Taylor --------------------------------------------------------------------------------------------------------

def test_taylor_polynomials_of_sin_at_0_match_the_series_and_their_error(qtbot, tab) -> None:
    show(qtbot, tab, DerivativesState("sin(x)", x0=0.0, x_range=(-3.0, 3.0), y_range=(-4.0, 4.0), show_taylor=True,
                                      taylor_order=1))
    assert tab.lower_tabs.currentWidget() is tab.overlays.error_widget
    xs = np.linspace(-2.5, 2.5, 21)

    def series(t: np.ndarray, n: int) -> np.ndarray:   # x − x³/3! + x⁵/5! − …, up to xⁿ
        return sum((-1) ** (k // 2) * t**k / math.factorial(k) for k in range(1, n + 1, 2))

    for n in range(1, 6):
        tab.spin_taylor_order.setValue(n)
        settle(qtbot, tab)
        np.testing.assert_allclose(drawn_at(tab.overlays.taylor_data(), xs), series(xs, n), atol=2e-3)
        ex, ey = tab.overlays.error_data()
        inside = (ex > 0.3) & (ex < 2.5)
        np.testing.assert_allclose(ey[inside], np.abs(np.sin(ex[inside]) - series(ex[inside], n)), rtol=1e-6)
        assert f"T{'₀₁₂₃₄₅'[n]}(x) = " in tab.taylor_panel.label_polynomial.text()
    assert tab.taylor_panel.label_polynomial.text() == "T₅(x) = x − 0.1667 x³ + 0.008333 x⁵"
    assert "tangent" in tab.taylor_panel.label_note.text() and "Newton" in tab.taylor_panel.label_note.text()


def test_t1_is_the_tangent_and_tn_of_exp_follows_x0(qtbot, tab) -> None:
    show(qtbot, tab, DerivativesState("exp(x)", x0=0.5, x_range=(-2.0, 2.0), y_range=(-3.0, 8.0),
                                      show_taylor=True, taylor_order=1))
    xs = np.linspace(-1.5, 1.5, 13)
    np.testing.assert_allclose(drawn_at(tab.overlays.taylor_data(), xs), drawn_at(tab.plot.curve_data("tangent"), xs),
                               atol=1e-9)
    tab.spin_taylor_order.setValue(4)
    settle(qtbot, tab)
    tab.set_x0(1.0)                                         # a drag: no worker, the coefficients are e/k!
    assert not tab._jobs_out
    np.testing.assert_allclose(tab.taylor_coefficients(), [math.e / math.factorial(k) for k in range(5)], rtol=1e-12)


def test_a_taylor_polynomial_that_does_not_exist_says_so(qtbot, tab) -> None:
    show(qtbot, tab, DerivativesState("abs(x)", x0=0.0, show_taylor=True, taylor_order=2))
    assert "no T2 here" in tab.taylor_panel.label_polynomial.text()
    assert tab.overlays.taylor_data()[0].size == 0


# -- several functions ------------------------------------------------------------------------------------------

def test_up_to_four_functions_each_with_its_derivative_and_readout(qtbot, tab) -> None:
    show(qtbot, tab, DerivativesState("x^2", x0=0.5, x_range=(-2.0, 2.0), y_range=(-8.0, 8.0)))
    texts = ["x^3", "sin(x)", "a exp(x)"]
    for text in texts:
        qtbot.mouseClick(tab.curves_panel.button_add, Qt.MouseButton.LeftButton)
        box = tab.curves_panel.rows[-1].expression_box
        box.set_text(text)
        settle(qtbot, tab)
    assert not tab.curves_panel.button_add.isEnabled()
    assert list(tab.held_panel.rows) == ["a"]                     # k's name gets a slider
    assert [c.expression for c in tab.state.curves] == texts
    references = [lambda t: t**3, np.sin, lambda t: np.exp(t)]
    xs = np.linspace(-1.8, 1.8, 19)
    for index, reference in enumerate(references):
        np.testing.assert_allclose(drawn_at(tab.overlays.extra_curves[index].getData(), xs), reference(xs),
                                   atol=2e-3)
    tab.curves_panel.rows[1].check_show_derivative.setChecked(True)
    np.testing.assert_allclose(drawn_at(tab.overlays.extra_derivatives[1].getData(), xs),
                               central_difference(np.sin, xs), atol=2e-3)
    assert tab.state.curves[1].show_derivative
    lines = [label.text() for label in tab.extra_readouts.labels]
    assert lines[1] == f"h(x₀) = {format_number(math.sin(0.5))}    h′(x₀) = {format_number(math.cos(0.5))}"
    tab.held_panel.rows["a"].spin.setValue(3.0)
    assert tab.extra_readouts.labels[2].text().startswith(f"k(x₀) = {format_number(3 * math.exp(0.5))}")
    qtbot.mouseClick(tab.curves_panel.rows[0].button_remove, Qt.MouseButton.LeftButton)
    settle(qtbot, tab)
    assert [c.expression for c in tab.state.curves] == texts[1:]
    assert [row.expression_box.text() for row in tab.curves_panel.rows] == texts[1:]
    np.testing.assert_allclose(drawn_at(tab.overlays.extra_curves[0].getData(), xs), np.sin(xs), atol=2e-3)


def test_a_bad_extra_function_keeps_its_last_good_curve(qtbot, tab) -> None:
    show(qtbot, tab, DerivativesState("x^2", curves=[ExtraCurve("cos(x)")]))
    box = tab.curves_panel.rows[0].expression_box
    box.set_text("cos(x")
    settle(qtbot, tab)
    assert box.error()
    xs = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(drawn_at(tab.overlays.extra_curves[0].getData(), xs), np.cos(xs), atol=2e-3)


# -- looks ---------------------------------------------------------------------------------------------------------

def test_everything_on_at_1100x700_keeps_the_plot_the_step_pane_and_the_slider_rows_usable(qtbot, tab) -> None:
    """Three parameters, four functions and Tₙ in the smallest window: the plot and the step-by-step pane keep
    their room (the error plot is a tab of its own), and a parameter row fits the side panel's width."""
    tab.resize(1100, 655)                                # the window's 1100×700 less its menu and tab bar
    show(qtbot, tab, DerivativesState("a sin(b x) + c", held={"a": 1.0, "b": 1.0, "c": 0.0}, show_taylor=True,
                                      taylor_order=3, curves=[ExtraCurve("x^2"), ExtraCurve("cos(x)"),
                                                              ExtraCurve("a x")]))
    # Measured 149 px of plotting area under a three-row legend (f, f′, tangent, secant, g, h, k, T₃): tight but
    # usable; less than 130 would mean something else took the plot's room.
    assert tab.plot.view_box.sceneBoundingRect().height() >= 130
    assert tab.lower_tabs.height() >= 150
    tab.lower_tabs.setCurrentIndex(0)
    assert tab.steps_view.height() >= 120
    for row in tab.held_panel.rows.values():
        assert row.minimumSizeHint().width() <= tab.side.viewport().width()
        assert row.button_play.isVisible() and row.spin.isVisible()
