"""What the Derivatives tab looks like: curves drawn to the view's edge, legends off the data, a step-by-step
pane with room for its rows (issue 15)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRectF

from calclab.state.derivatives import LESSON_PRESETS, PRESETS, DerivativesState
from calclab.ui.tabs.derivatives import DerivativesTab

WAIT_MS = 15000


@pytest.fixture
def tab(qtbot, worker):
    widget = DerivativesTab(worker)
    qtbot.addWidget(widget)
    widget.resize(1280, 780)
    widget.show()
    settle(qtbot, widget)
    yield widget
    settle(qtbot, widget)


def settle(qtbot, tab: DerivativesTab) -> None:
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)


def show(qtbot, tab: DerivativesTab, state: DerivativesState) -> None:
    tab.set_state(state)
    settle(qtbot, tab)
    qtbot.wait(100)        # range_changed is rate-limited: let the resampling after a refit land
    settle(qtbot, tab)


@pytest.mark.parametrize("expression", ["log(x)", "log(x - 1)", "-log(x)", "log(-x)"])
def test_a_logarithm_is_drawn_down_to_the_edge_of_the_view(qtbot, tab, expression) -> None:
    """log x is sampled on a grid: its last sample left of the pole at 0 was log(0.004) = -5.5, drawn well
    above the view's bottom edge, as if the curve stopped there."""
    show(qtbot, tab, DerivativesState(expression))
    x_low, x_high, y_low, y_high = tab.plot.view_range()
    xs, ys = tab.plot.curve_data("f")
    finite = np.isfinite(xs) & np.isfinite(ys)
    assert finite.any()
    if expression == "-log(x)":
        assert ys[finite].max() >= y_high - 0.01 * (y_high - y_low)
    else:
        assert ys[finite].min() <= y_low + 0.01 * (y_high - y_low)


# -- the legend ---------------------------------------------------------------------------------------------

TAB_SIZES = {"1280x820": (1280, 775), "1100x700": (1100, 655), "1920x1080": (1920, 1035)}   # the window's, less
                                                                                         # its menu and tab bar


def scene_points(view_box: pg.ViewBox, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """A drawn polyline as scene points about a pixel apart (through pyqtgraph's own view-to-scene transform),
    only those inside the plotting area (what the user sees)."""
    transform = view_box.childGroup.sceneTransform()
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    sx = transform.m11() * xs + transform.m21() * ys + transform.dx()
    sy = transform.m12() * xs + transform.m22() * ys + transform.dy()
    area = view_box.sceneBoundingRect()
    out = [np.column_stack((sx, sy))[np.isfinite(sx) & np.isfinite(sy)]]
    for i in range(len(sx) - 1):
        a, b = np.array([sx[i], sy[i]]), np.array([sx[i + 1], sy[i + 1]])
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            continue
        steps = int(min(4000, np.hypot(*(b - a))))
        if steps > 1:
            t = np.linspace(0.0, 1.0, steps)[:, None]
            out.append(a + t * (b - a))
    points = np.concatenate(out)
    inside = (points[:, 0] >= area.left()) & (points[:, 0] <= area.right()) & \
        (points[:, 1] >= area.top()) & (points[:, 1] <= area.bottom())
    return points[inside]


def covered(rect: QRectF, points: np.ndarray) -> int:
    return int(np.count_nonzero((points[:, 0] >= rect.left()) & (points[:, 0] <= rect.right())
                                & (points[:, 1] >= rect.top()) & (points[:, 1] <= rect.bottom())))


def assert_legend_off_the_data(tab: DerivativesTab) -> None:
    plot = tab.plot
    legend = plot.panel.legend.sceneBoundingRect()
    for which in ("f", "derivative", "tangent", "secant"):
        xs, ys = plot.curve_data(which)
        assert covered(legend, scene_points(plot.view_box, xs, ys)) == 0, (which, plot.panel.legend_place())
    for markers in (plot.points, plot.secant_point):
        assert not legend.intersects(markers.sceneBoundingRect()) or not len(markers.data)
    assert not legend.intersects(plot.x0_line.label.sceneBoundingRect())
    assert plot.plot_widget.sceneRect().contains(legend)   # and the legend itself is not cut off


@pytest.mark.parametrize("size", TAB_SIZES)
@pytest.mark.parametrize("preset", LESSON_PRESETS, ids=lambda p: p.name)
def test_the_legend_covers_no_curve_and_not_the_x0_label(qtbot, tab, preset, size) -> None:
    tab.resize(*TAB_SIZES[size])
    show(qtbot, tab, preset.make_state())
    assert_legend_off_the_data(tab)


@pytest.mark.parametrize("preset", PRESETS[len(LESSON_PRESETS):], ids=lambda p: p.name)
def test_every_other_preset_keeps_its_legend_off_the_data_in_a_small_window(qtbot, tab, preset) -> None:
    tab.resize(*TAB_SIZES["1100x700"])
    show(qtbot, tab, preset.make_state())

    def settled() -> bool:   # the legend may move once more as the band above the plot takes its height
        try:
            assert_legend_off_the_data(tab)
        except AssertionError:
            return False
        return True

    qtbot.waitUntil(settled, timeout=2000)


def test_the_legend_moves_off_a_curve_that_reaches_it(qtbot, tab) -> None:
    """x0 dragged to the far left: the tangent and the x₀ label come to the legend's corner, and it moves."""
    show(qtbot, tab, DerivativesState("x^2", x0=1.5))
    for x0 in (-3.5, -2.0, 0.0, 2.0, 3.5):
        tab.set_x0(x0)
        assert_legend_off_the_data(tab)


def test_with_no_free_corner_the_legend_goes_above_in_one_row_and_comes_back(qtbot, tab) -> None:
    """sin(3x) fills the plot from edge to edge: the legend goes above it, one row tall, and back to its two rows
    inside when a corner frees up."""
    tab.resize(*TAB_SIZES["1100x700"])
    show(qtbot, tab, DerivativesState("sin(3x)", x0=1.0, x_range=(-6.0, 6.0), show_derivative=False))
    panel = tab.plot.panel
    legend = panel.legend.sceneBoundingRect()
    area = tab.plot.view_box.sceneBoundingRect()
    assert panel.legend_place() == "above"
    assert legend.bottom() <= area.top() and panel.legend.rowCount == 1
    assert_legend_off_the_data(tab)
    tab.resize(*TAB_SIZES["1920x1080"])
    show(qtbot, tab, DerivativesState("x^2", x0=1.5))
    assert panel.legend_place() != "above" and panel.legend.rowCount == 2
    assert_legend_off_the_data(tab)


# -- the step-by-step pane -----------------------------------------------------------------------------------

LONG = "sin(x^2) * exp(3x) * log(2 + x^2) / (1 + x^2)"   # seven rows open, three wider than the pane
FULL_ROWS = {(1280, 820): 5, (1100, 700): 4}   # rows that show whole, at least


@pytest.fixture
def window(qtbot, worker):
    from calclab.ui.main_window import MainWindow

    main_window = MainWindow(worker, initial_tab="derivatives", eager_tabs=False)
    qtbot.addWidget(main_window)
    return main_window


def visible_rows(tree) -> list:
    """The open rows in order, each with its rectangle in the tree's viewport."""
    rows = []

    def visit(item) -> None:
        rows.append((item, tree.visualItemRect(item)))
        if item.isExpanded():
            for i in range(item.childCount()):
                visit(item.child(i))

    for i in range(tree.topLevelItemCount()):
        visit(tree.topLevelItem(i))
    return rows


@pytest.mark.parametrize("size", [(1280, 820), (1100, 700)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_steps_have_room_for_their_rows_and_scroll_to_a_wide_formula(qtbot, window, size) -> None:
    """Two rows fitted, the third cut in half, and a long formula was cut at the pane's right edge."""
    window.resize(*size)
    window.show()
    window.ensure_started()
    tab = window.tab("derivatives")
    show(qtbot, tab, DerivativesState(LONG, x0=1.0))
    tab.lower_tabs.setCurrentIndex(0)
    tree = tab.steps_view.tree
    qtbot.waitUntil(lambda: not tab.steps_view.is_pending(), timeout=WAIT_MS)
    rows = visible_rows(tree)
    assert len(rows) >= FULL_ROWS[size] + 1
    height = tree.viewport().height()
    whole = [item for item, rect in rows if rect.top() >= 0 and rect.bottom() < height]
    assert len(whole) >= FULL_ROWS[size], (len(whole), height)
    # The widest formula is drawn whole, and the tree scrolls sideways to it.
    views = [tree.itemWidget(item, 1) for item, _rect in rows]
    widest = max(views, key=lambda view: view.sizeHint().width())
    assert widest.sizeHint().width() > tree.viewport().width() - tree.columnWidth(0)   # it does not fit
    assert widest.width() >= widest.sizeHint().width()
    assert tree.columnWidth(1) >= widest.sizeHint().width()
    bar = tree.horizontalScrollBar()
    assert bar.maximum() > 0 and bar.isVisible()
    bar.setValue(bar.maximum())   # scrolled to the end, the formula's right edge is inside the viewport
    right = widest.mapTo(tree.viewport(), widest.rect().topRight()).x()
    assert right <= tree.viewport().width()


def test_a_legend_too_wide_for_the_free_corner_stands_there_in_one_column(qtbot) -> None:
    """PlotPanel.place_legend on made-up curves: only the top left is free, too narrow for two columns."""
    from calclab.ui.widgets.plot_panel import PlotPanel

    panel = PlotPanel("test")
    qtbot.addWidget(panel)
    panel.legend.setColumnCount(2)
    for name in ("f(x)", "f′(x)", "tangent at x₀", "secant x₀ → x₀ + h"):
        panel.add_curve(name, "#000000")
    panel.resize(800, 500)
    panel.show()
    qtbot.waitExposed(panel)
    view_box = panel.plot_item.getViewBox()
    view_box.setRange(xRange=(0.0, 10.0), yRange=(0.0, 10.0), padding=0.0)
    qtbot.wait(50)
    curves = [(np.array([3.0, 10.0]), np.array([9.5, 9.5])),     # across the top, right of x = 3
              (np.array([0.0, 10.0]), np.array([0.5, 0.5])),     # across the bottom
              (np.array([3.0, 3.0]), np.array([0.0, 9.5]))]      # up the middle
    assert panel.place_legend(curves) == "top-left"
    assert panel.legend.columnCount == 1
    legend = panel.legend.sceneBoundingRect()
    for xs, ys in curves:
        assert covered(legend, scene_points(view_box, xs, ys)) == 0
    assert panel.place_legend([(np.array([0.0, 10.0]), np.array([9.0, 9.0]))] + curves) == "above"
    # The plot lays itself out again (the band above is a row of its layout) in the next turn of the event loop.
    qtbot.waitUntil(lambda: panel.legend.sceneBoundingRect().bottom() <= view_box.sceneBoundingRect().top())
    assert panel.legend.rowCount == 1                                  # one row fits the width


# -- one number style (issue 15 item 10) ----------------------------------------------------------------------

def test_the_x0_label_prints_numbers_in_the_app_style(qtbot, tab) -> None:
    """The dashed x₀ line's label read "x₀ = -2.5e-05" (Python's %g); the app's style is "x₀ = −2.5×10⁻⁵"."""
    show(qtbot, tab, DerivativesState("x^2", x0=-2.5e-5))
    assert tab.plot.x0_line.label.toPlainText() == "x₀ = −2.5×10⁻⁵"
    show(qtbot, tab, DerivativesState("x^2", x0=1.25))
    assert tab.plot.x0_line.label.toPlainText() == "x₀ = 1.25"
