"""The Gradients tab's second half (issue 17) as a user meets it: the Hessian at the probe, the critical points in
view, and the direction u turned with the mouse or the keyboard.

Numbers are checked against independent references: second central differences of f itself for the Hessian,
hand-solved critical points (x^3 - 3x + y^2: (±1, 0); sin x cos y: a lattice of π/2 multiples), and central
differences of f along u for D_u f. Never against values captured from the tab.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRect, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QDoubleSpinBox

from calclab.state.gradients import GradientsState
from calclab.ui.tabs.gradients.tab import GradientsTab
from tests.ui.tabs.test_gradients import numbers, pixel_of, settle


@pytest.fixture
def tab(qtbot, worker):
    view = GradientsTab(worker)
    qtbot.addWidget(view)
    view.resize(1300, 850)
    view.show()
    qtbot.waitExposed(view)
    settle(qtbot, view)
    return view


def show(qtbot, tab: GradientsTab, expression: str, x: float, y: float, angle: float = 30.0,
         view: tuple[float, float] = (-3.0, 3.0)) -> None:
    tab.set_state(GradientsState(expression=expression, point={"x": x, "y": y}, direction_angle=angle,
                                 x_range=view, y_range=view))
    settle(qtbot, tab)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=20000)


def plain(html: str) -> str:
    document = QTextDocument()
    document.setHtml(html)
    return document.toPlainText()


def fd_hessian(f, x: float, y: float, h: float = 1e-4) -> np.ndarray:
    """Second central differences of f itself: no derivative of ours involved."""
    fxx = (f(x + h, y) - 2 * f(x, y) + f(x - h, y)) / h**2
    fyy = (f(x, y + h) - 2 * f(x, y) + f(x, y - h)) / h**2
    fxy = (f(x + h, y + h) - f(x + h, y - h) - f(x - h, y + h) + f(x - h, y - h)) / (4 * h**2)
    return np.array([[fxx, fxy], [fxy, fyy]])


def shown_matrix(tab: GradientsTab) -> np.ndarray:
    latex = tab.probe_view.hessian_panel.formula_hessian.latex()
    cells = numbers(latex.split(r"\begin{bmatrix}")[1])
    n = math.isqrt(len(cells))
    return np.array(cells).reshape(n, n)


def eigen_lines(tab: GradientsTab) -> list[list[float]]:
    """Each eigenvalue line ("λ₁ = −2 along (0, 1)"): [λ, its eigenvector's components...] as numbers."""
    return [numbers(line) for line in plain(tab.probe_view.hessian_panel.label_eigen.text()).splitlines()]


# -- the Hessian at the probe ---------------------------------------------------------------------------------

def test_the_saddle_at_the_origin(qtbot, tab):
    show(qtbot, tab, "x^2 - y^2", 0.0, 0.0)
    panel = tab.probe_view.hessian_panel
    assert not panel.formula_hessian.is_fallback()
    np.testing.assert_allclose(shown_matrix(tab), fd_hessian(lambda x, y: x**2 - y**2, 0.0, 0.0), atol=1e-6)
    assert "saddle" in plain(panel.label_kind.text())
    assert eigen_lines(tab) == [[-2, 0, 1], [2, 1, 0]]        # λ₁ = −2 along (0, 1), λ₂ = 2 along (1, 0)
    # On the map: one segment per eigenvector through the probe, the longer for the larger |λ| (here equal),
    # dashed where f bends down (along y), solid where it bends up (along x), each labelled with its λ.
    overlay = tab.probe_view.curvature_overlay
    down, up = ([np.array(item.getData()) for item in overlay.lines])
    assert down[0] == pytest.approx([0.0, 0.0]) and down[1][0] < 0 < down[1][1]          # vertical, centred
    assert up[1] == pytest.approx([0.0, 0.0]) and up[0][0] < 0 < up[0][1]                # horizontal, centred
    assert overlay.lines[0].opts["pen"].style() == Qt.PenStyle.DashLine
    assert overlay.lines[1].opts["pen"].style() == Qt.PenStyle.SolidLine
    assert overlay.label_texts() == ["λ₁ = −2", "λ₂ = 2"]
    # ∇f = 0: no uphill, and D_u f = 0 whatever u is.
    assert "Duf = ∇f·u = 0" in plain(tab.probe_view.direction_panel.label_directional.text())


def test_the_hessian_follows_the_probe_and_matches_differences_of_f(qtbot, tab):
    def f(x, y):
        return x**3 * y - np.sin(x * y) + 0.5 * y**2

    show(qtbot, tab, "x^3 y - sin(x y) + 0.5y^2", 1.0, 1.0)
    spin_x = tab.findChild(QDoubleSpinBox, "spin_point_x")
    spin_y = tab.findChild(QDoubleSpinBox, "spin_point_y")
    for x, y in ((0.7, -1.3), (-1.1, 0.4)):
        spin_x.setValue(x)
        spin_y.setValue(y)
        assert tab.is_busy()                            # the matrix is typeset once the probe rests
        qtbot.waitUntil(lambda: not tab.is_busy(), timeout=5000)
        reference = fd_hessian(f, x, y)
        np.testing.assert_allclose(shown_matrix(tab), reference, rtol=1e-3, atol=1e-3)   # 4 digits typeset
        values = sorted(line[0] for line in eigen_lines(tab))
        np.testing.assert_allclose(values, np.linalg.eigvalsh(reference), rtol=1e-5, atol=1e-6)
        assert "not a critical point" in plain(tab.probe_view.hessian_panel.label_kind.text())


def test_three_variables_show_the_matrix_and_eigenvalues_only(qtbot, tab):
    tab.set_state(GradientsState(expression="x^2 + y^2 - z^2", point={"x": 0.0, "y": 0.0, "z": 0.0}))
    settle(qtbot, tab)
    assert shown_matrix(tab).tolist() == [[2, 0, 0], [0, 2, 0], [0, 0, -2]]
    assert [line[0] for line in eigen_lines(tab)] == [-2, 2, 2]
    assert "saddle" in plain(tab.probe_view.hessian_panel.label_kind.text())
    assert tab.probe_view.curvature_overlay.label_texts() == []           # nothing drawn for a slice
    assert "two variables" in tab.probe_view.label_critical_key.text()
    assert len(tab.probe_view.critical_overlay.points) == 0


# -- critical points in view ----------------------------------------------------------------------------------

def marked(tab: GradientsTab) -> dict[tuple[float, float], str]:
    return {(round(x, 9) + 0.0, round(y, 9) + 0.0): kind for x, y, kind, _f in tab.probe_view.critical_overlay.points}


def test_critical_points_of_a_cubic_are_marked_by_kind(qtbot, tab):
    show(qtbot, tab, "x^3 - 3x + y^2", 0.5, 1.5)
    # By hand: ∇f = (3x^2 - 3, 2y) = 0 at (±1, 0); H = diag(6x, 2): a saddle at x = -1, a minimum at x = 1.
    assert marked(tab) == {(-1.0, 0.0): "saddle", (1.0, 0.0): "minimum"}
    scatter = tab.probe_view.critical_overlay.scatter
    symbols = {(p.pos().x(), p.pos().y()): p.symbol() for p in scatter.points()}
    assert symbols == {(-1.0, 0.0): "x", (1.0, 0.0): "t"}
    key = plain(tab.probe_view.label_critical_key.text())
    assert "1 minimum" in key and "1 saddle" in key and "0 maxima" in key
    # The key sits under the map, never over the data.
    plot = tab.plot.panel.plot_widget
    key_rect = QRect(tab.probe_view.label_critical_key.mapTo(tab, tab.probe_view.label_critical_key.rect().topLeft()),
                     tab.probe_view.label_critical_key.size())
    plot_rect = QRect(plot.mapTo(tab, plot.rect().topLeft()), plot.size())
    assert not key_rect.intersects(plot_rect) and key_rect.top() >= plot_rect.bottom()


def sin_cos_points(x0: float, x1: float, y0: float, y1: float) -> dict[tuple[float, float], str]:
    """sin x cos y: ∇f = (cos x cos y, -sin x sin y). Zero where cos x = 0 = sin y (f = ±1: a maximum or a
    minimum) or sin x = 0 = cos y (f = 0, H = [[0, ±1], [±1, 0]]: a saddle). Solved by hand, listed here."""
    found = {}
    for k in range(-6, 7):
        for m in range(-6, 7):
            for x, y in ((math.pi / 2 + k * math.pi, m * math.pi), (k * math.pi, math.pi / 2 + m * math.pi)):
                if x0 < x < x1 and y0 < y < y1:
                    value = math.sin(x) * math.cos(y)
                    kind = "maximum" if value > 0.5 else "minimum" if value < -0.5 else "saddle"
                    found[(round(x, 9) + 0.0, round(y, 9) + 0.0)] = kind
    return found


def test_critical_points_follow_the_view(qtbot, tab):
    show(qtbot, tab, "sin(x)*cos(y)", 0.3, 0.3)
    (x0, x1), (y0, y1) = tab.plot.view_box.viewRange()
    expected = sin_cos_points(x0, x1, y0, y1)
    assert len(expected) >= 8 and marked(tab) == expected
    tab.plot.view_box.setRange(xRange=(2.0, 7.0), yRange=(-1.0, 4.0), padding=0)   # pan and zoom

    def found_again() -> bool:
        (x0, x1), (y0, y1) = tab.plot.view_box.viewRange()
        return x0 > 0 and not tab.is_busy() and marked(tab) == sin_cos_points(x0, x1, y0, y1)

    qtbot.waitUntil(found_again, timeout=20000)
    assert any(x > 6 for x, _y in marked(tab))                        # points the first view did not hold


def test_clicking_a_mark_probes_the_critical_point_exactly(qtbot, tab):
    show(qtbot, tab, "x^3 - 3x + y^2", 0.5, 1.5)
    viewport = tab.plot.panel.plot_widget.viewport()
    where = pixel_of(tab, 1.0, 0.0)
    where.setX(where.x() + 3)            # a little off: the click snaps to the mark
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=where)
    assert (tab.state.point["x"], tab.state.point["y"]) == (1.0, 0.0)
    assert "minimum" in plain(tab.probe_view.hessian_panel.label_kind.text())
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=5000)
    np.testing.assert_allclose(shown_matrix(tab), [[6.0, 0.0], [0.0, 2.0]])
    tab.check_show_critical.setChecked(False)          # marks off: no marks, no snapping
    assert not tab.probe_view.critical_overlay.scatter.isVisible() and tab.state.show_critical is False


def drag_probe(qtbot, tab: GradientsTab, end) -> None:
    """Press on the probe, move in ten steps to the pixel `end`, release there (a learner's drag)."""
    viewport = tab.plot.panel.plot_widget.viewport()
    start = pixel_of(tab, *tab.plot.probe_position())
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 11):
        qtbot.mouseMove(viewport, start + (end - start) * (step / 10))
        qtbot.wait(5)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)


def test_dragging_onto_a_mark_probes_the_critical_point_exactly(qtbot, tab):
    """sin x cos y has a maximum at (π/2, 0), on no grid a drag rounds to: dropped a few pixels off the mark,
    the probe lands on it and the Hessian says what kind it is; farther off, the drag rounds as usual."""
    show(qtbot, tab, "sin(x)*cos(y)", 0.6, -0.9)
    qtbot.waitUntil(lambda: (round(math.pi / 2, 9), 0.0) in marked(tab), timeout=20000)
    where = pixel_of(tab, math.pi / 2, 0.0)
    drag_probe(qtbot, tab, where + QPointF(4, -3).toPoint())
    assert (tab.state.point["x"], tab.state.point["y"]) == pytest.approx((math.pi / 2, 0.0), abs=1e-12)
    assert tab.plot.probe_position() == pytest.approx((math.pi / 2, 0.0), abs=1e-12)
    assert "maximum" in plain(tab.probe_view.hessian_panel.label_kind.text())
    drag_probe(qtbot, tab, where + QPointF(25, 0).toPoint())           # well off the mark: no snap
    x = tab.state.point["x"]
    assert x > math.pi / 2 + 0.1 and "not a critical point" in plain(tab.probe_view.hessian_panel.label_kind.text())


# -- the direction u ------------------------------------------------------------------------------------------

def slope_along(f, x: float, y: float, angle: float, h: float = 1e-6) -> float:
    ux, uy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return (f(x + h * ux, y + h * uy) - f(x - h * ux, y - h * uy)) / (2 * h)


def shown_directional(tab: GradientsTab) -> float:
    first_line = plain(tab.probe_view.direction_panel.label_directional.text()).splitlines()[0]
    return numbers(first_line.split("=")[-1])[0]                   # "D_uf = ∇f·u = 5.65685"


def test_dragging_the_handle_turns_u(qtbot, tab):
    def f(x, y):
        return x**2 + 3 * y**2

    show(qtbot, tab, "x^2 + 3y^2", 1.0, 1.0, angle=30.0)
    handle = tab.probe_view.direction_overlay
    hx, hy = handle.handle_position()
    assert math.degrees(math.atan2(hy - 1.0, hx - 1.0)) == pytest.approx(30.0)
    viewport = tab.plot.panel.plot_widget.viewport()
    start, end = pixel_of(tab, hx, hy), pixel_of(tab, 1.0, 0.0)           # straight down from the probe
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 11):
        qtbot.mouseMove(viewport, start + (end - start) * (step / 10))
        qtbot.wait(5)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    angle = tab.state.direction_angle
    assert angle == pytest.approx(270.0, abs=2.0)
    assert (tab.state.point["x"], tab.state.point["y"]) == (1.0, 1.0)        # the probe stayed put
    assert tab.findChild(QDoubleSpinBox, "spin_direction_angle").value() == pytest.approx(angle, abs=0.05)
    assert shown_directional(tab) == pytest.approx(slope_along(f, 1.0, 1.0, angle), rel=1e-4)
    # The handle went back onto u's circle, pointing the way it was dragged.
    hx, hy = handle.handle_position()
    assert math.degrees(math.atan2(hy - 1.0, hx - 1.0)) % 360 == pytest.approx(angle, abs=1e-6)


def test_the_polar_plot_peaks_along_the_gradient(qtbot, tab):
    show(qtbot, tab, "x^2 + 3y^2", 1.0, 1.0, angle=200.0)
    gx, gy = 2.0, 6.0                                           # ∇f by hand at (1, 1)
    polar = tab.probe_view.polar
    xs, ys = polar.uphill.getData()
    distance = np.hypot(xs, ys)
    peak = int(np.nanargmax(distance))
    assert distance[peak] == pytest.approx(math.hypot(gx, gy), rel=1e-4)
    assert math.degrees(math.atan2(ys[peak], xs[peak])) == pytest.approx(math.degrees(math.atan2(gy, gx)), abs=0.6)
    # u's point on the curve sits at |D_u f| along u: downhill here (200° is against ∇f).
    dot = polar.dot.data[0]
    value = slope_along(lambda x, y: x**2 + 3 * y**2, 1.0, 1.0, 200.0)
    assert value < 0 and math.hypot(dot["x"], dot["y"]) == pytest.approx(abs(value), rel=1e-5)
    # "along ∇f" turns u to the peak: D_u f is then |∇f|, the largest it can be.
    tab.probe_view.direction_panel.button_along_gradient.click()
    assert tab.state.direction_angle == pytest.approx(math.degrees(math.atan2(gy, gx)))
    assert shown_directional(tab) == pytest.approx(math.hypot(gx, gy), rel=1e-5)


def test_a_click_on_the_polar_plot_and_the_keyboard_turn_u(qtbot, tab):
    show(qtbot, tab, "x^2 + 3y^2", 1.0, 1.0, angle=0.0)
    polar = tab.probe_view.polar
    widget = polar.panel.plot_widget
    target = widget.mapFromScene(polar.view_box.mapViewToScene(QPointF(0.0, 3.0)))   # straight up
    qtbot.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=target)
    assert tab.state.direction_angle == pytest.approx(90.0, abs=3.0)
    spin = tab.findChild(QDoubleSpinBox, "spin_direction_angle")
    spin.setValue(350.0)
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Up)                          # 5° a step, wrapping past 360°
    assert tab.state.direction_angle == pytest.approx(355.0)
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    assert tab.state.direction_angle == pytest.approx(5.0)
    assert shown_directional(tab) == pytest.approx(slope_along(lambda x, y: x**2 + 3 * y**2, 1.0, 1.0, 5.0),
                                                   rel=1e-5)


def test_the_angle_and_the_show_options_are_part_of_the_state(qtbot, tab):
    show(qtbot, tab, "x^2 - y^2", 0.5, 0.25, angle=123.5)
    assert tab.findChild(QDoubleSpinBox, "spin_direction_angle").value() == pytest.approx(123.5)
    saved = tab.state.to_dict()
    assert saved["direction_angle"] == 123.5 and saved["show_curvature"] and saved["show_direction"]
    tab.check_show_direction.setChecked(False)
    tab.check_show_curvature.setChecked(False)
    assert not tab.probe_view.direction_overlay.handle.isVisible()
    assert tab.probe_view.curvature_overlay.label_texts() == []
    assert (tab.state.show_direction, tab.state.show_curvature) == (False, False)
    restored = GradientsState.from_dict(tab.state.to_dict())
    tab.set_state(GradientsState())
    settle(qtbot, tab)
    tab.set_state(restored)
    settle(qtbot, tab)
    assert tab.state.direction_angle == 123.5 and not tab.check_show_direction.isChecked()


# -- layout ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("size", "beside"), [((1092, 655), False), ((1912, 1035), True)])
def test_the_strip_fits_at_both_sizes(qtbot, tab, size, beside):
    tab.resize(*size)
    show(qtbot, tab, "sin(x)*cos(y)", 0.6, -0.9, angle=120.0)
    assert tab.minimumSizeHint().width() <= size[0]
    view = tab.probe_view
    assert view.beside is beside
    inside = tab.rect()
    for widget in (view.hessian_panel, view.direction_panel, view.polar.panel, view.label_critical_key):
        rect = QRect(widget.mapTo(tab, widget.rect().topLeft()), widget.size())
        assert widget.isVisible() and inside.contains(rect), widget
    key = view.label_critical_key
    assert key.fontMetrics().horizontalAdvance(plain(key.text())) <= key.contentsRect().width()
    formula = view.hessian_panel.formula_hessian
    assert formula.width() >= formula.sizeHint().width()           # the matrix is not clipped
    plot = tab.plot.panel.plot_widget
    assert min(plot.width(), plot.height()) >= (280 if size[0] < 1500 else 700)
