"""What a learner sees on the Descent tab: the step-size hint, the loss axis, diverged paths, legends, arrows.

Each test checks the picture (label text, tick labels against their positions, items mapped to the scene)
against values computed by hand here.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QTextDocument

from calclab.state.descent import PRESETS, DescentState
from calclab.ui.tabs.descent.tab import DescentTab

SIX = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]


@pytest.fixture
def tab(qtbot, worker):
    widget = DescentTab(worker)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitUntil(widget.is_ready, timeout=15000)
    yield widget
    widget.pause()


def show(qtbot, tab: DescentTab, state: DescentState) -> None:
    tab.set_state(state)
    qtbot.waitUntil(tab.is_ready, timeout=15000)


def plain(html_text: str) -> str:
    doc = QTextDocument()
    doc.setHtml(html_text)
    return doc.toPlainText()


# ---- item 11: the learning-rate hint at, below and above 2/L ---------------------------------------------


@pytest.mark.parametrize(("lr", "verdict"), [(0.1, "on the edge: it oscillates without converging"),
                                             (0.1 * (1 + 1e-9), "on the edge: it oscillates without converging"),
                                             (0.09, "is below it: it converges"),
                                             (0.11, "is above it: it diverges")])
def test_the_hint_tells_edge_from_convergence_and_divergence(qtbot, tab, lr, verdict):
    # x² + 10y²: Hessian diag(2, 20), L = 20, so 2/L = 0.1 by hand.
    bound = 2 / 20
    show(qtbot, tab, DescentState(expression="x^2 + 10y^2", start=[3.0, 1.5], learning_rate=lr, epochs=30,
                                  x_range=(-4.0, 4.0), y_range=(-3.0, 3.0)))
    text = plain(tab.inputs.label_bound.text())
    assert "L = 20" in text and "lr < 0.1" in text
    assert verdict in text
    assert ("diverge" in text) == (lr > bound * (1 + 1e-6))
    if "edge" in verdict:   # and the run does what the hint says: y swings between ±1.5 for ever
        tab.play_to_end()
        ys = tab.primary().history.path[:, 1]
        assert np.allclose(np.abs(ys), 1.5) and tab.primary().status != "diverged"


# ---- item 3: the loss axis -----------------------------------------------------------------------------

SUPERSCRIPT_DIGITS = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")


def tick_number(label: str) -> float:
    """The number a tick label says: "0.01", "100", "10⁻⁵" or "2·10³"."""
    if "10" in label and any(ch in label for ch in "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"):
        digit, _dot, power = label.rpartition("·") if "·" in label else ("1", "", label)
        return float(digit) * 10.0 ** int(power[2:].translate(SUPERSCRIPT_DIGITS))
    return float(label)


def ticks(axis) -> list[tuple[float, str]]:
    """Every labelled tick of a pyqtgraph axis as (position in view coordinates, label)."""
    low, high = sorted(axis.range)
    out = []
    for spacing, values in axis.tickValues(low, high, axis.height()):
        out += zip(values, axis.tickStrings(values, axis.autoSIPrefixScale, spacing), strict=True)
    return out


def compare_six(qtbot, tab: DescentTab, log: bool, steps: int = 30) -> None:
    show(qtbot, tab, DescentState(expression="x^2 + 10y^2", start=[3.0, 1.5], learning_rate=0.1, epochs=steps,
                                  optimizer="sgd", compare=True, compare_optimizers=SIX,
                                  compare_lrs={"nesterov": 0.2}, log_loss=log,
                                  x_range=(-4.0, 4.0), y_range=(-3.0, 3.0)))
    tab.play_to_end()
    qtbot.wait(60)   # the range signal is rate-limited


def test_the_log_loss_axis_has_no_scale_factor_and_one_tick_style(qtbot, tab):
    compare_six(qtbot, tab, log=True)
    runs = dict(tab.runs)
    assert runs["nesterov"].status == "diverged"
    axis = tab.loss_view.plot_item.getAxis("left")
    assert "(x1e" not in axis.labelString() and "f" in axis.labelString()
    labelled = ticks(axis)
    assert len(labelled) >= 3
    for position, label in labelled:            # each tick says the value it stands at
        assert tick_number(label) == pytest.approx(10.0 ** position, rel=1e-6), label
    styles = {"10ⁿ" if any(ch in label for ch in "⁻⁰¹²³⁴⁵⁶⁷⁸⁹") else "decimal" for _p, label in labelled}
    assert len(styles) == 1, f"mixed tick styles: {[label for _p, label in labelled]}"
    # the start loss f(3, 1.5) = 9 + 22.5 = 31.5 sits between the ticks that say 10 and 100
    xs, ys = tab.loss_view.curves["sgd"].getData()
    assert 10.0 ** ys[0] == pytest.approx(31.5)
    below = max(p for p, label in labelled if tick_number(label) <= 31.5)
    above = min(p for p, label in labelled if tick_number(label) >= 31.5)
    assert below <= ys[0] <= above and 10.0 ** below <= 31.5 <= 10.0 ** above


def test_a_log_axis_within_0_001_to_10000_says_plain_decimals(qtbot, tab):
    tab.apply_preset(PRESETS[0])                 # the lesson: f from 100 down to 100·0.64^20 ≈ 0.0013
    qtbot.waitUntil(tab.is_ready, timeout=15000)
    tab.play_to_end()
    tab.loss_view.check_log.setChecked(True)
    labelled = ticks(tab.loss_view.plot_item.getAxis("left"))
    assert len(labelled) >= 3
    for position, label in labelled:
        assert not any(ch in label for ch in "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"), label      # "0.01", "1", "100": one style
        assert float(label) == pytest.approx(10.0 ** position, rel=1e-6)


def test_a_diverged_run_does_not_flatten_the_others_on_a_linear_axis(qtbot, tab):
    compare_six(qtbot, tab, log=False)
    runs = dict(tab.runs)
    assert runs["nesterov"].status == "diverged"
    tame = np.concatenate([run.history.path_f for name, run in runs.items() if name != "nesterov"])
    low, high = float(tame.min()), float(tame.max())
    view = tab.loss_view
    y_lo, y_hi = view.plot_item.getViewBox().viewRange()[1]
    assert y_lo <= low and high <= y_hi                        # every other curve in view ...
    assert y_hi - y_lo <= 3 * (high - low)                     # ... and to scale
    assert "nesterov diverged: not shown to scale" in view.note().replace("<br>", " ")
    title = view.plot_item.titleLabel
    assert title.isVisible() and "nesterov diverged" in title.text.replace("<br>", " ")
    assert "(x1e" not in view.plot_item.getAxis("left").labelString()
    view.check_log.setChecked(True)                            # on a log axis it fits: no note
    assert view.note() == "" and not title.isVisible()


# ---- item 4: a diverged path is not drawn across the map -----------------------------------------------


def test_a_diverged_path_stops_at_the_view_and_marks_where_it_left(qtbot, tab):
    # Nesterov's bound on x² + 10y² is (2 + 2·0.9)/((1 + 2·0.9)·20) = 0.068: at η 0.12 it diverges.
    show(qtbot, tab, DescentState(expression="x^2 + 10y^2", start=[3.0, 1.5], learning_rate=0.05, epochs=40,
                                  optimizer="sgd", compare=True, compare_optimizers=["sgd", "momentum", "nesterov"],
                                  compare_lrs={"nesterov": 0.12}, x_range=(-4.0, 4.0), y_range=(-3.0, 3.0)))
    tab.play_to_end()
    qtbot.wait(60)
    run = dict(tab.runs)["nesterov"]
    assert run.status == "diverged"
    view = tab.function_view
    (x_lo, x_hi), (y_lo, y_hi) = view.plot_item.getViewBox().viewRange()
    margin_x, margin_y = 0.5 * (x_hi - x_lo), 0.5 * (y_hi - y_lo)
    items = view.runs["nesterov"]
    xs, ys = items.line.getData()
    assert len(xs) >= 2
    assert np.all((xs >= x_lo - margin_x) & (xs <= x_hi + margin_x))
    assert np.all((ys >= y_lo - margin_y) & (ys <= y_hi + margin_y))
    # by hand from the run's path: it flies off at the first point beyond that margin; it left the view at the
    # epoch after the last one the view showed before that
    path = run.history.path

    def within(grow_x: float, grow_y: float) -> np.ndarray:
        return ((path[:, 0] >= x_lo - grow_x) & (path[:, 0] <= x_hi + grow_x)
                & (path[:, 1] >= y_lo - grow_y) & (path[:, 1] <= y_hi + grow_y))

    gone = int(np.flatnonzero(~within(margin_x, margin_y))[0])
    assert gone >= 2 and not within(margin_x, margin_y)[gone:].any()     # it left for good
    assert len(xs) == gone                                                # drawn up to there, no further
    left = int(np.flatnonzero(within(0.0, 0.0)[:gone])[-1]) + 1
    marker = items.exit
    assert marker.arrow.isVisible() and marker.epoch == left
    assert f"left the view at epoch {left}" in marker.arrow.toolTip()
    entry = view.legend.getLabel(items.line).text
    assert entry == f"nesterov (η 0.12): left at epoch {left}"
    tip_x, tip_y = marker.tip()
    assert x_lo <= tip_x <= x_hi and y_lo <= tip_y <= y_hi                       # on the plot ...
    assert min(tip_x - x_lo, x_hi - tip_x, tip_y - y_lo, y_hi - tip_y) < 0.05 * (y_hi - y_lo)   # ... at its edge
    assert items.current.getData()[0].size == 0                                # no dot where the run is not
    assert not view.runs["sgd"].exit.arrow.isVisible()                          # sgd stays in view: no arrow


# ---- item 6: the momentum memory arrow beside the step arrow ---------------------------------------------


def in_view(view_box, x: float, y: float) -> bool:
    (x_lo, x_hi), (y_lo, y_hi) = view_box.viewRange()
    return x_lo <= x <= x_hi and y_lo <= y <= y_hi


def test_both_arrow_heads_stay_in_view_near_the_bottom_of_the_curve(qtbot, tab):
    show(qtbot, tab, DescentState(expression="x^2", start=[10.0], learning_rate=0.05, epochs=60,
                                  optimizer="momentum", show_internals=True, x_range=(-12.0, 12.0)))
    view = tab.function_view
    for _ in range(15):            # momentum swings down to the bottom of x² (f < 2) within a few epochs
        tab.step()
        if tab.primary().value < 2.0:
            break
    run = tab.primary()
    assert run.value < 2.0
    view_box = view.plot_item.getViewBox()
    for arrow in (view.step_arrow, view.internal_arrow):
        assert arrow.head.isVisible()
        assert in_view(view_box, arrow.head.pos().x(), arrow.head.pos().y())
    # the memory arrow is −η·b, drawn level with the point but beside it
    xs, ys = view.internal_arrow.shaft.getData()
    assert xs[1] - xs[0] == pytest.approx(-0.05 * run.internals["velocity"][0])
    assert ys[0] == ys[1] != pytest.approx(run.value)


def test_the_memory_arrow_is_not_drawn_on_the_step_arrow_when_they_point_the_same_way(qtbot, tab):
    # Along the x axis of x² + 10y² every gradient and the velocity point along x: the two arrows are parallel.
    show(qtbot, tab, DescentState(expression="x^2 + 10y^2", start=[-9.0, 0.0], learning_rate=0.02, epochs=60,
                                  optimizer="momentum", show_internals=True, x_range=(-10.0, 10.0),
                                  y_range=(-4.0, 4.0)))
    tab.step()
    tab.step()
    run = tab.primary()
    view = tab.function_view
    view_box = view.plot_item.getViewBox()
    step, memory = run.next_step(), -0.02 * run.internals["velocity"]
    assert step[1] == memory[1] == 0.0 and step[0] > 0 and memory[0] > 0     # the same way, by hand
    scene = []
    for arrow in (view.step_arrow, view.internal_arrow):
        xs, ys = arrow.shaft.getData()
        assert in_view(view_box, arrow.head.pos().x(), arrow.head.pos().y()) and arrow.head.isVisible()
        scene.append([view_box.mapViewToScene(QPointF(x, y)) for x, y in zip(xs, ys, strict=True)])
    (s0, s1), (m0, m1) = scene
    assert abs(s0.y() - s1.y()) < 1e-6 and abs(m0.y() - m1.y()) < 1e-6             # both level, as the data
    assert abs(m0.y() - s0.y()) >= 8                                                 # but on separate lines
    assert view.internal_arrow.shaft.opts["pen"].style() != view.step_arrow.shaft.opts["pen"].style()


# ---- item 5: legends where the data is not -----------------------------------------------------------------


def along(xs: np.ndarray, ys: np.ndarray, between: int = 8) -> np.ndarray:
    """The polyline's points and `between` more on each segment (a line under the legend counts too)."""
    points = np.column_stack((xs, ys)).astype(float)
    if len(points) < 2:
        return points
    t = np.linspace(0.0, 1.0, between + 2)[:-1, np.newaxis]
    inner = [a + t * (b - a) for a, b in zip(points[:-1], points[1:], strict=True)]
    return np.vstack([*inner, points[-1:]])


def covered(panel, items) -> list[tuple[float, float]]:
    """The visible points of `items` (plot data items) that the panel's legend lies over, in scene terms."""
    legend = panel.legend
    if not legend.isVisible() or not legend.items:
        return []
    view_box = panel.plot_item.getViewBox()
    rect = legend.sceneBoundingRect()
    hits = []
    for item in items:
        xs, ys = item.getData()
        if xs is None or not len(xs):
            continue
        for x, y in along(xs, ys):
            if np.isfinite(x) and np.isfinite(y) and in_view(view_box, x, y):
                point = view_box.mapViewToScene(QPointF(x, y))
                if rect.contains(point):
                    hits.append((x, y))
    return hits


def test_the_one_d_legend_leaves_the_curve_and_the_path_free(qtbot, tab):
    tab.apply_preset(PRESETS[0])                     # the lesson: x² from 10
    qtbot.waitUntil(tab.is_ready, timeout=15000)
    for _ in range(6):
        tab.step()
    view = tab.function_view
    assert view.legend.isVisible() and len(view.legend.items) == 4
    assert covered(view, [view.curve, view.runs["sgd"].line, view.tangent, view.step_arrow.shaft]) == []


@pytest.mark.parametrize("size", [(1100, 700), (1920, 1080)])
def test_the_compare_legends_leave_the_paths_and_curves_free(qtbot, tab, size):
    tab.resize(*size)
    tab.apply_preset(next(p for p in PRESETS if p.state.compare))   # sgd, momentum and adam on x² + 10y²
    qtbot.waitUntil(tab.is_ready, timeout=15000)
    for _ in range(40):
        tab.step()
    qtbot.wait(60)
    view = tab.function_view
    lines = [view.runs[name].line for name, _run in tab.runs]
    assert view.legend.isVisible() and covered(view, lines) == []
    loss = tab.loss_view
    assert covered(loss, [loss.curves[name] for name, _run in tab.runs]) == []


def test_the_legends_leave_six_runs_and_a_diverged_one_free(qtbot, tab):
    compare_six(qtbot, tab, log=False)
    view = tab.function_view
    assert view.legend.isVisible()
    assert covered(view, [view.runs[name].line for name, _run in tab.runs]) == []
    loss = tab.loss_view
    assert covered(loss, [loss.curves[name] for name, _run in tab.runs]) == []
    loss.check_log.setChecked(True)
    tab.play_to_end()
    qtbot.wait(60)
    assert covered(loss, [loss.curves[name] for name, _run in tab.runs]) == []


def test_run_to_the_end_leaves_no_loss_curve_under_the_legend(qtbot, tab):
    """Run draws many epochs per frame: the loss legend used to be checked against the newest segment only,
    and kept sitting on Adam's curve after a Run to the end."""
    tab.resize(1372, 830)
    tab.set_state(DescentState("x^2 + 10y^2", start=[-9.0, 2.5], learning_rate=0.09, epochs=40, compare=True,
                               compare_optimizers=["sgd", "momentum", "adam"]))
    qtbot.waitUntil(tab.is_ready, timeout=15000)
    tab.play_to_end(None)
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=15000)
    qtbot.wait(200)                                  # the resize watch settles
    loss = tab.loss_view
    assert covered(loss, [loss.curves[name] for name, _run in tab.runs]) == []
