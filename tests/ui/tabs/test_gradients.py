"""The Gradients tab as a user meets it: type a function, click and drag the probe, read the numbers.

Numbers are checked against hand-derived gradients, finite differences and the `calclab gradient --at` command
(run in-process), never against values captured from the tab itself.
"""

from __future__ import annotations

import json
import re
import time

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QFontMetrics, QTextDocument
from PySide6.QtWidgets import QDoubleSpinBox

from calclab import cli
from calclab.state import preset_named
from calclab.state.gradients import PRESETS, GradientsState
from calclab.ui.tabs.gradients.tab import GradientsTab


@pytest.fixture
def tab(qtbot, worker):
    view = GradientsTab(worker)
    qtbot.addWidget(view)
    view.resize(1300, 850)
    view.show()
    qtbot.waitExposed(view)
    settle(qtbot, view)
    assert view.variables() == ["x", "y"]
    return view


def settle(qtbot, tab: GradientsTab) -> None:
    """Wait for the symbolic job and for the rate-limited re-evaluation after any range change."""
    qtbot.waitUntil(lambda: tab.worker.is_idle() and tab.variables() != [], timeout=20000)
    qtbot.wait(120)


def apply(qtbot, tab: GradientsTab, text: str) -> None:
    """Type an expression and press Enter, like a user."""
    line_edit = tab.expression_box.line_edit
    line_edit.selectAll()
    qtbot.keyClicks(line_edit, text)
    qtbot.keyClick(line_edit, Qt.Key.Key_Return)
    settle(qtbot, tab)


SUPERSCRIPT_DIGITS = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")


def numbers(text: str) -> list[float]:
    """The numbers a readout shows, in the one number style: "−2", "1.5×10⁻⁶"."""
    text = text.replace("−", "-")
    found = re.findall(r"(-?\d+(?:\.\d+)?)(?:×10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+))?", text)
    return [float(m) * 10.0 ** int(e.translate(SUPERSCRIPT_DIGITS)) if e else float(m) for m, e in found]


def pixel_of(tab: GradientsTab, x: float, y: float) -> QPoint:
    scene = tab.plot.view_box.mapViewToScene(QPointF(x, y))
    return tab.plot.panel.plot_widget.mapFromScene(scene)


def click_at(qtbot, tab: GradientsTab, x: float, y: float) -> None:
    viewport = tab.plot.panel.plot_widget.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=pixel_of(tab, x, y))


def cli_gradient(capsys, expression: str, point: dict[str, float]) -> dict:
    capsys.readouterr()
    code = cli.main(["gradient", expression, "--at", *[f"{k}={v!r}" for k, v in point.items()], "--json"])
    assert code == 0
    return json.loads(capsys.readouterr().out)


def arrows(item: pg.PlotDataItem) -> np.ndarray:
    """(n, 6, 2): tail, tip, tip, head, tip, head per arrow, from a connect="pairs" item."""
    xs, ys = item.getData()
    return np.stack([xs, ys], axis=1).reshape(-1, 6, 2)


def test_lesson_example_on_start(tab):
    assert tab.expression_box.text() == "3x^2 + 2y"
    assert tab.formula_gradient.latex() == r"= \begin{bmatrix}6 x \\ 2\end{bmatrix}"
    assert "partial f" in tab.formula_gradient_names.latex()
    assert not tab.formula_gradient.is_fallback() and not tab.formula_f.is_fallback()
    readouts = tab.readouts
    assert readouts.label_point.text() == "(x = 1, y = 2)"
    assert numbers(readouts.label_f_value.text()) == [7.0]                  # 3 * 1 + 2 * 2
    assert numbers(readouts.label_gradient_value.text()) == [6.0, 2.0]      # [6x, 2] at x = 1
    assert numbers(readouts.label_gradient_norm.text())[0] == pytest.approx(40 ** 0.5, rel=1e-5)
    angle = re.search(r"at (\d+\.\d)°", readouts.label_perpendicular.text())
    assert angle and float(angle.group(1)) == pytest.approx(90, abs=1)
    assert tab.main_plot() is tab.plot.panel.plot_widget


def test_click_places_probe_and_readouts_agree_with_the_cli(qtbot, tab, capsys):
    click_at(qtbot, tab, -1.3, 0.7)
    qtbot.waitUntil(lambda: tab.readouts.label_point.text() != "(x = 1, y = 2)")
    point = {name: tab.state.point[name] for name in ("x", "y")}
    assert point["x"] == pytest.approx(-1.3, abs=0.03) and point["y"] == pytest.approx(0.7, abs=0.03)
    assert tab.plot.probe_position() == pytest.approx((point["x"], point["y"]))
    spin_x = tab.findChild(QDoubleSpinBox, "spin_point_x")
    assert spin_x.value() == pytest.approx(point["x"])
    reference = cli_gradient(capsys, "3x^2 + 2y", point)
    shown = numbers(tab.readouts.label_gradient_value.text())
    assert shown == pytest.approx(reference["value"], rel=1e-5)
    assert shown == pytest.approx([6 * point["x"], 2.0], rel=1e-5)
    value = numbers(tab.readouts.label_f_value.text())[0]
    assert value == pytest.approx(3 * point["x"] ** 2 + 2 * point["y"], rel=1e-5)


def test_dragging_moves_the_probe(qtbot, tab):
    viewport = tab.plot.panel.plot_widget.viewport()
    start, end = pixel_of(tab, 1.0, 2.0), pixel_of(tab, -0.5, -1.0)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 11):
        qtbot.mouseMove(viewport, start + (end - start) * (step / 10))
        qtbot.wait(5)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    assert tab.state.point["x"] == pytest.approx(-0.5, abs=0.05)
    assert tab.state.point["y"] == pytest.approx(-1.0, abs=0.05)
    assert numbers(tab.readouts.label_gradient_value.text())[0] == pytest.approx(6 * tab.state.point["x"],
                                                                                 rel=1e-5)


def test_ascent_descent_and_tangent_at_the_probe(qtbot, tab):
    click_at(qtbot, tab, 0.8, -1.5)
    px, py = tab.plot.probe_position()
    ascent, descent = arrows(tab.plot.ascent)[0], arrows(tab.plot.descent)[0]
    assert ascent[0] == pytest.approx([px, py]) and descent[0] == pytest.approx([px, py])
    up = ascent[1] - ascent[0]
    expected = np.array([6 * px, 2.0])
    assert up / np.linalg.norm(up) == pytest.approx(expected / np.linalg.norm(expected), abs=1e-9)
    down = descent[1] - descent[0]
    assert down == pytest.approx(-up)
    tx, ty = tab.plot.tangent.getData()
    tangent = np.array([tx[1] - tx[0], ty[1] - ty[0]])
    assert np.dot(tangent, up) / (np.linalg.norm(tangent) * np.linalg.norm(up)) == pytest.approx(0, abs=1e-9)
    assert (tx.mean(), ty.mean()) == pytest.approx((px, py))                  # centred on the probe
    # The white level curve passes through the probe and has f's value there.
    lx, ly = tab.plot.level_curve.getData()
    assert np.min(np.hypot(lx - px, ly - py)) < 0.05
    np.testing.assert_allclose(3 * lx**2 + 2 * ly, 3 * px**2 + 2 * py, atol=0.02)
    assert len(tab.plot.right_angle.getData()[0]) == 3


def test_field_arrows_follow_the_symbolic_gradient(qtbot, tab):
    apply(qtbot, tab, "x^2 y - sin(x y)")
    field = arrows(tab.plot.field)
    mids = (field[:, 0] + field[:, 1]) / 2
    x, y = mids[:, 0], mids[:, 1]
    hand = np.stack([2 * x * y - y * np.cos(x * y), x**2 - x * np.cos(x * y)], axis=1)
    shaft = field[:, 1] - field[:, 0]
    lengths = np.linalg.norm(shaft, axis=1)
    np.testing.assert_allclose(shaft / lengths[:, None], hand / np.linalg.norm(hand, axis=1)[:, None], atol=1e-9)
    assert 150 <= len(field) <= 300                      # about 15 x 15, not hundreds of items
    (x0, x1), (y0, y1) = tab.plot.view_box.viewRange()
    cell = np.sqrt((x1 - x0) * (y1 - y0)) / 15
    assert lengths.max() <= cell and lengths.max() / lengths.min() > 5      # scaled with |∇f|
    tab.check_normalize_arrows.setChecked(True)
    shaft = arrows(tab.plot.field)[:, 1] - arrows(tab.plot.field)[:, 0]
    assert np.ptp(np.linalg.norm(shaft, axis=1)) < 1e-9                    # one length: direction only


def test_three_variables_plot_a_slice_with_the_others_held(qtbot, tab, capsys):
    apply(qtbot, tab, "x*y*z")
    assert tab.variables() == ["x", "y", "z"]
    spins = {n: tab.findChild(QDoubleSpinBox, f"spin_point_{n}") for n in "xyz"}
    assert all(spins.values())
    assert tab.formula_gradient.latex() == r"= \begin{bmatrix}y z \\ x z \\ x y\end{bmatrix}"
    grid = tab._grid
    z_held = tab.state.point["z"]
    image = tab.plot.image.image
    np.testing.assert_allclose(image[40, 100], grid.xs[100] * grid.ys[40] * z_held)
    spins["z"].setValue(-2.0)
    qtbot.waitUntil(lambda: "z = −2" in tab.plot.panel.title())   # the app prints a real minus sign
    image = tab.plot.image.image
    np.testing.assert_allclose(image[40, 100], grid.xs[100] * grid.ys[40] * -2.0)
    point = dict(tab.state.point)
    reference = cli_gradient(capsys, "x*y*z", point)
    assert numbers(tab.readouts.label_gradient_value.text()) == pytest.approx(reference["value"], rel=1e-5)
    assert reference["value"] == pytest.approx([point["y"] * -2.0, point["x"] * -2.0, point["x"] * point["y"]])
    # Put z across: the map is now over (z, y) with x held.
    combo = tab.variables_panel.combo_x_variable
    combo.setCurrentText("z")
    combo.activated.emit(combo.currentIndex())
    qtbot.wait(50)
    assert tab.state.x_variable == "z" and tab.plot.plot_item.getAxis("bottom").labelText == "z"
    grid = tab._grid
    np.testing.assert_allclose(tab.plot.image.image[10, 20], grid.xs[20] * grid.ys[10] * point["x"])


def test_weights_get_one_spin_box_each(qtbot, tab, capsys):
    apply(qtbot, tab, "w1^2 + w2^2 + w3^2")
    assert tab.variables() == ["w1", "w2", "w3"]
    for name, value in (("w1", 0.5), ("w2", -1.25), ("w3", 3.0)):
        tab.findChild(QDoubleSpinBox, f"spin_point_{name}").setValue(value)
    assert tab.findChild(QDoubleSpinBox, "spin_point_x") is None
    shown = numbers(tab.readouts.label_gradient_value.text())
    assert shown == pytest.approx([1.0, -2.5, 6.0])
    reference = cli_gradient(capsys, "w1^2 + w2^2 + w3^2", {"w1": 0.5, "w2": -1.25, "w3": 3.0})
    assert shown == pytest.approx(reference["value"])


def test_bad_input_keeps_the_last_plot(qtbot, tab):
    image = tab.plot.image.image.copy()
    latex = tab.formula_gradient.latex()
    readout = tab.readouts.label_gradient_value.text()
    line_edit = tab.expression_box.line_edit
    line_edit.selectAll()
    qtbot.keyClicks(line_edit, "2x +")
    qtbot.keyClick(line_edit, Qt.Key.Key_Return)
    qtbot.wait(200)
    assert "column" in tab.expression_box.error()
    assert tab.worker.is_idle()
    np.testing.assert_array_equal(tab.plot.image.image, image)
    assert tab.formula_gradient.latex() == latex and tab.readouts.label_gradient_value.text() == readout
    assert tab.state.expression == "3x^2 + 2y"


def test_constant_function_keeps_the_plot_and_says_why(qtbot, tab):
    image = tab.plot.image.image.copy()
    apply_constant = tab.expression_box.line_edit
    apply_constant.selectAll()
    qtbot.keyClicks(apply_constant, "5")
    qtbot.keyClick(apply_constant, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "constant" in tab.label_message.text(), timeout=20000)
    np.testing.assert_array_equal(tab.plot.image.image, image)


def test_non_finite_values_are_masked_and_skipped(qtbot, tab):
    apply(qtbot, tab, "log(x*y)")        # warnings are errors here: none may be raised
    grid = tab._grid
    X, Y = np.meshgrid(grid.xs, grid.ys)
    image = tab.plot.image.image
    assert np.isnan(image[X * Y < 0]).all() and np.isfinite(image[X * Y > 0]).all()
    low, high = tab.plot.color_bar.levels()
    assert np.isfinite(low) and np.isfinite(high) and low < high
    mids = arrows(tab.plot.field)[:, :2].mean(axis=1)
    assert len(mids) > 0 and np.all(mids[:, 0] * mids[:, 1] > 0)
    # Probe where f is undefined: readouts say so, no arrow is drawn.
    click_at(qtbot, tab, -1.0, 1.0)
    px, py = tab.state.point["x"], tab.state.point["y"]
    assert px == pytest.approx(-1.0, abs=0.03) and py == pytest.approx(1.0, abs=0.03)
    assert tab.readouts.label_f_value.text() == "undefined"
    shown = numbers(tab.readouts.label_gradient_value.text())              # 1/x, 1/y exist; f does not
    assert shown == pytest.approx([1 / px, 1 / py], rel=1e-5)


def test_undefined_region_is_drawn_neutral_grey(qtbot, tab):
    apply(qtbot, tab, "log(x*y)")
    image = tab.plot.panel.plot_widget.grab().toImage()

    def colour(x: float, y: float) -> tuple[int, int, int]:
        pixel = image.pixelColor(pixel_of(tab, x, y))
        return pixel.red(), pixel.green(), pixel.blue()

    red, green, blue = colour(-1.77, 1.63)               # x y < 0: f undefined
    assert max(red, green, blue) - min(red, green, blue) < 12 and 180 < red < 225   # grey, not black
    red, green, blue = colour(1.77, 1.63)                # x y > 0: coloured by f
    assert max(red, green, blue) - min(red, green, blue) > 40


def test_a_pole_does_not_wash_out_the_colours(qtbot, tab):
    apply(qtbot, tab, "1/(x^2 + y^2)")
    finite = tab._grid.z[np.isfinite(tab._grid.z)]
    low, high = tab.plot.color_bar.levels()
    assert finite.max() > 100 * high
    assert np.mean(finite <= high) > 0.95


def test_pan_and_zoom_re_evaluate_the_map(qtbot, tab):
    tab.plot.view_box.setRange(xRange=(4.0, 5.0), yRange=(-6.0, -5.0), padding=0)
    qtbot.waitUntil(lambda: tab._grid.xs[0] > 3.5, timeout=2000)
    (x0, x1), (y0, y1) = tab.plot.view_box.viewRange()
    grid = tab._grid
    assert grid.rect == pytest.approx((x0, y0, x1 - x0, y1 - y0))
    np.testing.assert_allclose(tab.plot.image.image[7, 9], 3 * grid.xs[9] ** 2 + 2 * grid.ys[7])
    assert tab.state.x_range == pytest.approx((x0, x1))
    # Re-evaluating a 256 x 256 map with contours, arrows and probe stays well within a frame or two.
    started = time.perf_counter()
    for _ in range(5):
        tab._refresh_map()
    assert (time.perf_counter() - started) / 5 < 0.1


def test_rosenbrock_preset_uses_log_colours(qtbot, tab):
    tab.resize(1150, 1000)        # a map about as tall as wide: it shows the preset's own range, not a wider one
    combo = tab.concept.combo_preset
    index = combo.findText("Rosenbrock")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    settle(qtbot, tab)
    assert tab.check_log_colors.isChecked() and tab.state.log_colors
    assert tab.state.point == {"x": -1.0, "y": 1.5}
    # f = (1 - x)^2 + 100 (y - x^2)^2 = 4 + 25; ∇f = [-2(1 - x) - 400 x (y - x^2), 200 (y - x^2)] = [196, 100]
    assert numbers(tab.readouts.label_f_value.text()) == [29.0]
    assert numbers(tab.readouts.label_gradient_value.text()) == [196.0, 100.0]
    assert tab.plot.color_bar.levels() == (0.0, 1.0)          # the image holds log-warped values
    ticks = tab.plot.color_bar.axis._tickLevels[0]
    positions = {label: pos for pos, label in ticks}
    assert positions["0"] == 0
    # Decades above the minimum get (nearly) equal lengths of the colour bar.
    assert positions["100"] - positions["10"] == pytest.approx(positions["1000"] - positions["100"], abs=0.02)


def test_one_variable_gets_a_spare_axis(qtbot, tab):
    apply(qtbot, tab, "x^2")
    assert tab.variables() == ["x"]
    assert tab.variables_panel.names() == ["x", "y"] and not tab.variables_panel.combo_x_variable.isEnabled()
    shaft = arrows(tab.plot.field)[:, 1] - arrows(tab.plot.field)[:, 0]
    assert np.all(shaft[:, 1] == 0) and np.any(shaft[:, 0] != 0)            # ∇f = [2x]: horizontal arrows
    assert tab.readouts.label_gradient_value.text() == "[2]"                 # x = 1


def test_set_state_shows_it(qtbot, tab):
    state = GradientsState(expression="x^2 - y^2", x_range=(-1.0, 1.0), y_range=(-1.0, 1.0),
                           point={"x": 0.5, "y": 0.25}, normalize_arrows=True, show_contours=False)
    tab.set_state(state)
    settle(qtbot, tab)
    assert tab.check_normalize_arrows.isChecked() and not tab.check_show_contours.isChecked()
    assert numbers(tab.readouts.label_gradient_value.text()) == [1.0, -0.5]
    assert tab.plot.contours.getData()[0] is None or len(tab.plot.contours.getData()[0]) == 0
    saved = tab.state.to_dict()
    assert saved["expression"] == "x^2 - y^2" and saved["point"] == {"x": 0.5, "y": 0.25}


def test_state_is_a_copy(qtbot, tab):
    """Changing what `state` returned changes nothing on screen: only set_state (or the widgets) does."""
    shown, before = tab.readouts.label_gradient_value.text(), tab.state
    copy = tab.state
    copy.expression, copy.point["x"], copy.show_field, copy.log_colors = "x^2 - y^2", 5.0, False, True
    qtbot.wait(100)
    assert tab.state == before and tab.state is not tab.state and before.point == {"x": 1.0, "y": 2.0}
    assert tab.expression_box.text() == "3x^2 + 2y" and tab.check_show_field.isChecked()
    assert not tab.check_log_colors.isChecked() and tab.plot.field.isVisible()
    assert tab.readouts.label_gradient_value.text() == shown and tab.worker.is_idle()


def test_each_check_box_writes_its_own_field(qtbot, tab):
    before = tab.state
    tab.check_show_contours.setChecked(False)
    assert tab.state.show_contours is False
    assert tab.plot.contours.getData()[0] is None or len(tab.plot.contours.getData()[0]) == 0
    tab.check_show_field.setChecked(False)
    assert not tab.plot.field.isVisible()
    after = tab.state
    assert (after.show_contours, after.show_field) == (False, False)
    for name in ("show_probe", "normalize_arrows", "log_colors", "expression", "point"):
        assert getattr(after, name) == getattr(before, name), name


def test_a_preset_round_trips_through_set_state(qtbot, tab):
    preset = preset_named(PRESETS, "Three variables: x y z")
    tab.set_state(preset.make_state())
    assert tab.is_busy()                                   # the gradient job is out
    settle(qtbot, tab)
    assert not tab.is_busy() and tab.variables() == ["x", "y", "z"]
    shown = tab.state
    for name in ("expression", "point", "show_probe", "show_field", "show_contours", "normalize_arrows",
                 "log_colors"):
        assert getattr(shown, name) == getattr(preset.state, name), name
    (x0, x1), (y0, y1) = shown.x_range, shown.y_range    # the view keeps x and y at one scale: it may widen
    assert x0 <= -3.0 + 1e-9 and x1 >= 3.0 - 1e-9 and y0 <= -3.0 + 1e-9 and y1 >= 3.0 - 1e-9
    assert (shown.x_variable, shown.y_variable) == ("x", "y")
    assert tab.findChild(QDoubleSpinBox, "spin_point_z").value() == 1.0
    tab.set_state(GradientsState())
    settle(qtbot, tab)
    tab.set_state(shown)                                   # and back: the same state, shown the same way
    settle(qtbot, tab)
    assert _without_view(tab.state) == _without_view(shown)
    assert tab.expression_box.text() == "x*y*z" and "z = 1" in tab.plot.panel.title()


def _without_view(state: GradientsState) -> dict:
    """The state without its visible ranges (the aspect-locked view may widen one of them)."""
    data = state.to_dict()
    del data["x_range"], data["y_range"]
    return data


def test_every_preset_loads(qtbot, tab):
    for preset in PRESETS:
        tab.concept._choose(preset)
        settle(qtbot, tab)
        assert tab.expression_box.text() == preset.state.expression
        assert tab.readouts.label_f_value.text() not in ("", "–"), preset.name


@pytest.mark.parametrize("text", ["sqrt(-x^2 - y^2 - 1)", "x^2 + 1e300 y^2", "exp(1000 x) + y", "relu(x) + abs(y)",
                                  "sigmoid(3x - y)", "tan(x y)"])
def test_awkward_functions_draw_without_warnings(qtbot, tab, text):
    apply(qtbot, tab, text)                      # warnings are errors and Qt warnings fail the test
    low, high = tab.plot.color_bar.levels()
    assert np.isfinite(low) and np.isfinite(high) and low < high
    xs, ys = tab.plot.field.getData()
    assert xs is None or (np.isfinite(xs).all() and np.isfinite(ys).all())
    click_at(qtbot, tab, 0.3, -0.4)
    assert tab.readouts.label_f_value.text() != "–"


def test_readouts_use_the_one_number_style(qtbot, tab):
    """f = x²/10⁶ − y at (1, 2): f ≈ −2, ∇f = [2×10⁻⁶, −1], with real minus signs and no "e-06"."""
    apply(qtbot, tab, "x^2/1000000 - y")
    readouts = tab.readouts
    assert readouts.label_point.text() == "(x = 1, y = 2)"
    assert readouts.label_gradient_value.text() == "[2×10⁻⁶, −1]"
    assert readouts.label_f_value.text() == "−2"
    assert numbers(readouts.label_gradient_value.text()) == [2e-6, -1.0]


@pytest.mark.parametrize("expression, view", [("sin(x)*cos(y)", (-4.0, 4.0)), ("(x^2 + y^2)/1000000", (-4.0, 4.0)),
                                              ("1000*x*y", (-30.0, 30.0))])
def test_the_colour_bar_reads_real_values_without_a_scale_factor(qtbot, tab, expression, view):
    """pyqtgraph's SI scale factor read sin x cos y's bar as "f (×0.001)" with ticks ±500: the bar's label is f and
    each tick string is the value there, in the one number style (1×10⁻⁵, never 1e-05)."""
    tab.set_state(GradientsState(expression=expression, x_range=view, y_range=view, point={"x": 0.5, "y": 0.5}))
    settle(qtbot, tab)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=20000)
    axis = tab.plot.color_bar.axis
    label = QTextDocument()
    label.setHtml(axis.labelString())
    assert label.toPlainText().strip() == "f"
    low, high = tab.plot.color_bar.levels()
    shown = []
    for spacing, values in axis.tickValues(low, high, axis.height()):
        strings = axis.tickStrings(values, axis.autoSIPrefixScale * axis.scale, spacing)   # as the axis draws them
        for value, text in zip(values, strings, strict=True):
            assert "e" not in text and [pytest.approx(value, rel=1e-5, abs=1e-12 * (high - low))] == numbers(text)
            shown.append(value)
    assert len(shown) >= 3 and min(shown) < (low + high) / 2 < max(shown)   # the ticks span the bar's values
    tab.grab()                                          # drawn once: the axis is as wide as its widest label
    metrics = QFontMetrics(axis.style["tickFont"])
    widest = max(metrics.horizontalAdvance(text) for spacing, values in axis.tickValues(low, high, axis.height())
                 for text in axis.tickStrings(values, 1.0, spacing))
    assert axis.width() >= widest + axis.style["tickTextOffset"][0]


@pytest.mark.parametrize("state, title, undefined", [
    (GradientsState(expression="sin(x)*cos(y)", x_range=(-4.0, 4.0), y_range=(-4.0, 4.0)), "f(x, y)", False),
    (GradientsState(expression="log(x*y) + z", x_range=(-4.0, 4.0), y_range=(-4.0, 4.0),
                    point={"x": 0.6, "y": 0.9, "z": -1.5}), "f(x, y, z = −1.5)", True),
])
def test_the_map_title_fits_beside_the_key_at_1100_by_700(qtbot, tab, state, title, undefined):
    """In a 1100 x 700 window the map's title read "f(x,…": it is short now (the axes name the plotted variables,
    held ones show their value) and the key leaves it room ("grey: undefined" only while there is grey)."""
    tab.resize(1096, 640)                                 # the tab's share of a 1100 x 700 window
    tab.set_state(state)
    settle(qtbot, tab)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=20000)
    tab.grab()
    panel = tab.plot.panel
    assert panel.title() == title and panel.title_label.text() == title            # shown whole, not elided
    key = QTextDocument()
    key.setHtml(tab.plot.label_key.text())
    plain = key.toPlainText().replace("\xa0", " ")                # (the key's entries are held together by &nbsp;)
    assert ("grey: undefined" in plain) == undefined and "∇f" in plain
    tab.resize(1916, 1020)                                  # a 1920 x 1080 screen: room for the long key
    tab.grab()
    key.setHtml(tab.plot.label_key.text())
    assert "ascent" in key.toPlainText() and panel.title_label.text() == title
