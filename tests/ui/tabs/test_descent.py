"""The Descent tab, driven like a user: Step, Run/Pause, Reset, presets, compare mode, clicks on the map.

References are computed independently: the lesson's plain loop, `calclab descent` run in-process, literal
torch.optim arithmetic for Adam's and momentum's first steps, and the x -> -2x recurrence for divergence.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from calclab.state.descent import PRESETS, DescentState
from calclab.ui.tabs.descent.tab import DescentTab
from calclab.ui.tabs.descent.table import IterationTableModel

# ---- helpers ------------------------------------------------------------------------------------------


@pytest.fixture
def tab(qtbot, worker):
    widget = DescentTab(worker)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    qtbot.waitUntil(widget.is_ready, timeout=15000)
    yield widget
    widget.pause()


def apply(qtbot, tab: DescentTab, ready: bool = True, **changes) -> None:
    """Set a state with the given fields changed and wait until the tab has prepared it."""
    state = tab.state
    for key, value in changes.items():
        setattr(state, key, value)
    tab.set_state(state)
    qtbot.waitUntil(lambda: not tab.is_preparing(), timeout=15000)
    if ready:
        assert tab.is_ready()


def cell(tab: DescentTab, row: int, column: int) -> str:
    """A cell with every digit (its tooltip, as the CSV and Copy as text have it)."""
    model = tab.table_model
    return model.data(model.index(row, column), Qt.ItemDataRole.ToolTipRole)


def shown(tab: DescentTab, row: int, column: int) -> str:
    """A cell as the table shows it (the one number style)."""
    model = tab.table_model
    return model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)


def lesson_reference(epochs: int = 20) -> list[tuple[float, float]]:
    """The lesson's program: x = 10; x = x - 0.1 * 2x; print x, x**2."""
    x, out = 10, []
    for _ in range(epochs):
        grad = 2 * x
        x = x - 0.1 * grad
        out.append((x, x**2))
    return out


# ---- the lesson ---------------------------------------------------------------------------------------


def test_default_is_the_lessons_example(tab):
    state = tab.state
    assert (state.expression, state.start, state.learning_rate, state.epochs, state.optimizer) == \
        ("x^2", [10.0], 0.1, 20, "sgd")
    assert tab.table_model.rowCount() == 1           # the start row only
    assert cell(tab, 0, 1) == "10.0" and cell(tab, 0, 2) == "100.0"
    assert shown(tab, 0, 1) == "10" and shown(tab, 0, 2) == "100"


def test_twenty_step_clicks_reproduce_the_lesson(qtbot, tab):
    for _ in range(20):
        qtbot.mouseClick(tab.button_step, Qt.MouseButton.LeftButton)
    reference = lesson_reference()
    for epoch, (x, fx) in enumerate(reference, start=1):
        assert cell(tab, epoch, 0) == str(epoch)
        assert cell(tab, epoch, 1) == repr(x)
        assert cell(tab, epoch, 2) == repr(fx)
    assert cell(tab, 1, 1) == "8.0" and cell(tab, 1, 2) == "64.0"
    assert cell(tab, 4, 1) == "4.096" and cell(tab, 4, 2) == "16.777216"
    assert cell(tab, 20, 1) == "0.11529215046068471"
    assert cell(tab, 20, 2) == "0.013292279957849162"
    assert shown(tab, 1, 3) == "20" and shown(tab, 1, 4) == "−2"   # the gradient used and the step made
    assert shown(tab, 20, 1) == "0.115292"                       # on screen: six significant digits
    # The run is complete: Step is disabled, one more click changes nothing, the last row says so.
    assert not tab.button_step.isEnabled()
    assert tab.primary().status == "completed"
    assert shown(tab, 21, 0) == "completed 20 epochs"
    assert "Epoch 20 / 20" in tab.label_epoch.text()


def test_copy_as_text_matches_the_command_line(qtbot, tab, capsys):
    from calclab.cli import main

    for _ in range(20):
        qtbot.mouseClick(tab.button_step, Qt.MouseButton.LeftButton)
    assert main(["descent", "x^2", "--x0", "10", "--lr", "0.1", "--epochs", "20"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert tab.copy_text().splitlines() == printed
    assert printed[3] == "Epoch 4: x = 4.096, f(x) = 16.777216"
    qtbot.mouseClick(tab.button_copy, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text().splitlines() == printed


def test_one_d_plot_shows_path_tangent_and_step_arrow(qtbot, tab):
    for _ in range(3):
        tab.step()
    view = tab.function_view
    xs, ys = view.runs["sgd"].line.getData()
    assert list(xs) == [10.0, 8.0, 6.4, 5.12]
    assert np.allclose(ys, np.square(xs))
    cx, cy = view.runs["sgd"].current.getData()
    assert (cx[0], cy[0]) == (5.12, 5.12**2)
    tx, ty = view.tangent.getData()
    assert (ty[1] - ty[0]) / (tx[1] - tx[0]) == pytest.approx(2 * 5.12)     # slope f'(x) = 2x
    assert np.interp(5.12, tx, ty) == pytest.approx(5.12**2)
    ax, ay = view.step_arrow.shaft.getData()
    assert ax[0] == pytest.approx(5.12) and ax[1] == pytest.approx(5.12 - 0.1 * 2 * 5.12)   # −η·f'(x)
    assert ay[0] == ay[1] == pytest.approx(5.12**2)
    assert "next −η·f′ = −1.024" in tab.label_update.text()


# ---- controls -------------------------------------------------------------------------------------------


def test_run_then_pause_with_the_timer(qtbot, tab):
    tab.slider_speed.setValue(tab.slider_speed.maximum())
    apply(qtbot, tab, epochs=10_000)
    qtbot.mouseClick(tab.button_run, Qt.MouseButton.LeftButton)
    assert tab.is_running() and tab.button_run.text().startswith("Pause")
    qtbot.waitUntil(lambda: tab.primary().epoch >= 5, timeout=5000)
    qtbot.mouseClick(tab.button_run, Qt.MouseButton.LeftButton)
    assert not tab.is_running() and tab.button_run.text().startswith("Run")
    stopped = tab.primary().epoch
    qtbot.wait(250)
    assert tab.primary().epoch == stopped
    assert tab.table_model.rowCount() == stopped + 1


def test_run_stops_by_itself_when_the_epochs_are_used(qtbot, tab):
    tab.slider_speed.setValue(tab.slider_speed.maximum())
    apply(qtbot, tab, epochs=5)
    tab.run()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=5000)
    assert tab.primary().epoch == 5 and tab.primary().status == "completed"


def test_reset_returns_to_the_start(qtbot, tab):
    for _ in range(4):
        tab.step()
    qtbot.mouseClick(tab.button_reset, Qt.MouseButton.LeftButton)
    assert tab.primary().epoch == 0
    assert tab.table_model.rowCount() == 1
    assert list(tab.function_view.runs["sgd"].line.getData()[0]) == [10.0]


def test_shortcuts_act_on_the_tab_but_space_types_in_the_expression_box(qtbot, tab):
    tab.activateWindow()
    tab.table_view.setFocus()
    qtbot.waitUntil(lambda: tab.table_view.hasFocus(), timeout=2000)
    qtbot.keyClick(tab.table_view, Qt.Key.Key_Space)
    assert tab.primary().epoch == 1
    qtbot.keyClick(tab.table_view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert tab.is_running()
    qtbot.keyClick(tab.table_view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert not tab.is_running()
    epoch = tab.primary().epoch
    assert epoch >= 1
    line = tab.inputs.expression.line_edit
    line.setFocus()
    qtbot.waitUntil(line.hasFocus, timeout=2000)
    line.end(False)
    qtbot.keyClick(line, Qt.Key.Key_Space)
    assert line.text() == "x^2 "              # the space was typed, not taken as Step
    assert tab.primary().epoch == epoch
    qtbot.keyClick(tab.table_view, Qt.Key.Key_R,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: tab.is_ready() and tab.primary().epoch == 0, timeout=5000)
    # A checkbox clicked with the mouse does not take the focus, so the next Space still steps.
    tab.table_view.setFocus()
    qtbot.mouseClick(tab.inputs.check_show_internals, Qt.MouseButton.LeftButton)
    assert tab.inputs.check_show_internals.isChecked()
    assert QApplication.focusWidget() is tab.table_view
    qtbot.keyClick(tab.table_view, Qt.Key.Key_Space)
    assert tab.primary().epoch == 1


def test_a_new_expression_resets_the_run(qtbot, tab):
    for _ in range(5):
        tab.step()
    line = tab.inputs.expression.line_edit
    line.selectAll()
    qtbot.keyClicks(line, "x^2 + 1")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tab.is_ready() and tab.primary().value == 101.0, timeout=10000)
    assert tab.primary().epoch == 0
    assert tab.table_model.rowCount() == 1
    assert tab.inputs.start_spins["x"].value() == 10.0          # x stays where it started
    tab.step()
    assert cell(tab, 1, 1) == "8.0" and cell(tab, 1, 2) == "65.0"


def test_other_inputs_reset_the_run_but_the_learning_rate_does_not(qtbot, tab):
    tab.step()
    tab.step()                                        # x = 6.4
    tab.inputs.spin_learning_rate.setValue(0.25)
    assert tab.primary().epoch == 2                   # not reset
    assert tab.inputs.slider_learning_rate.value() > 0
    tab.step()
    assert float(cell(tab, 3, 1)) == 6.4 - 0.25 * (2 * 6.4)     # 3.2: the new rate from this step on
    assert cell(tab, 2, 1) == "6.4"                               # earlier rows untouched
    tab.inputs.spin_epochs.setValue(30)
    assert tab.primary().epoch == 0 and tab.primary().lr == 0.25
    tab.step()
    tab.inputs.start_spins["x"].setValue(4.0)
    assert tab.primary().epoch == 0 and tab.primary().x0[0] == 4.0
    tab.step()
    tab.inputs.combo_optimizer.setCurrentText("momentum")
    assert tab.primary().epoch == 0 and tab.primary().optimizer == "momentum"
    assert tab.inputs.spin_momentum.isVisibleTo(tab.inputs)
    assert not tab.inputs.spin_beta1.isVisibleTo(tab.inputs)


def test_learning_rate_slider_and_spin_box_agree(tab):
    inputs = tab.inputs
    inputs.slider_learning_rate.setValue(inputs.slider_learning_rate.maximum())
    assert inputs.spin_learning_rate.value() == 10.0
    inputs.slider_learning_rate.setValue(0)
    assert inputs.spin_learning_rate.value() == 0.0001
    inputs.spin_learning_rate.setValue(0.01)
    assert inputs.slider_learning_rate.value() == round(inputs.slider_learning_rate.maximum() * 2 / 5)
    assert tab.primary().lr == 0.01


# ---- two variables ------------------------------------------------------------------------------------


def test_click_on_the_map_sets_the_start_point(qtbot, tab):
    tab.apply_preset(next(p for p in PRESETS if p.state.expression == "x^2 + 10y^2" and not p.state.compare))
    qtbot.waitUntil(tab.is_ready, timeout=10000)
    tab.step()
    view = tab.function_view
    assert view.image.image is not None and view.image.image.shape[:2] == (256, 256)
    assert np.isfinite(view.contours.getData()[0]).any()
    view_box = view.plot_item.getViewBox()
    scene_point = view_box.mapViewToScene(QPointF(2.0, -1.0))
    pixel = view.plot_widget.mapFromScene(scene_point)
    qtbot.mouseClick(view.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=pixel)
    x0, y0 = tab.primary().x0
    assert x0 == pytest.approx(2.0, abs=0.1) and y0 == pytest.approx(-1.0, abs=0.1)
    assert tab.primary().epoch == 0
    assert tab.inputs.start_spins["x"].value() == x0 and tab.inputs.start_spins["y"].value() == y0


def test_two_d_step_and_gradient_arrow(qtbot, tab):
    apply(qtbot, tab, expression="x^2 + 10y^2", start=[-9.0, 2.5], learning_rate=0.09, epochs=60,
          x_range=(-10.0, 10.0), y_range=(-4.0, 4.0))
    tab.step()
    # By hand: grad = (2x, 20y) = (-18, 50); x1 = (-9 + 0.09*18, 2.5 - 0.09*50) = (-7.38, -2.0)
    assert float(cell(tab, 1, 1)) == pytest.approx(-7.38) and float(cell(tab, 1, 2)) == pytest.approx(-2.0)
    assert float(cell(tab, 1, 3)) == pytest.approx(7.38**2 + 10 * 4.0)
    ax, ay = tab.function_view.step_arrow.shaft.getData()
    # The next step from (-7.38, -2): −0.09·(2·(−7.38), 20·(−2)) = (1.3284, 3.6)
    assert (ax[1] - ax[0], ay[1] - ay[0]) == (pytest.approx(1.3284), pytest.approx(3.6))
    assert "stable for lr &lt; 0.1" in tab.inputs.label_bound.text() or \
        "stable for lr < 0.1" in tab.inputs.label_bound.text()


def test_compare_mode_runs_one_path_per_optimizer(qtbot, tab):
    apply(qtbot, tab, expression="x^2 + 10y^2", start=[-9.0, 2.5], learning_rate=0.08, epochs=50,
          optimizer="sgd", compare=True, compare_optimizers=["sgd", "momentum", "adam"])
    assert [name for name, _run in tab.runs] == ["sgd", "momentum", "adam"]
    tab.step()
    tab.step()
    view = tab.function_view
    for name in ("sgd", "momentum", "adam"):
        xs, ys = view.runs[name].line.getData()
        assert len(xs) == 3 and view.runs[name].line.isVisible()
        assert len(tab.loss_view.curves[name].getData()[0]) == 3
    assert not view.runs.get("rmsprop") or not view.runs["rmsprop"].line.isVisible()
    # Adam's first step by hand (torch.optim): m = (1-b1) g, v = (1-b2) g^2,
    # x1 = x0 - lr/(1-b1) * m / (sqrt(v)/sqrt(1-b2) + eps)
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.08
    expected = []
    for x0, g in ((-9.0, -18.0), (2.5, 50.0)):
        m, v = (1 - b1) * g, (1 - b2) * g * g
        expected.append(x0 - lr / (1 - b1) * m / (math.sqrt(v) / math.sqrt(1 - b2) + eps))
    xs, ys = view.runs["adam"].line.getData()
    assert (xs[1], ys[1]) == (pytest.approx(expected[0], rel=1e-12), pytest.approx(expected[1], rel=1e-12))
    assert expected[0] == pytest.approx(-8.92) and expected[1] == pytest.approx(2.42)   # about lr per step
    # Momentum's first step is plain SGD (torch: b1 = g1).
    xs, ys = view.runs["momentum"].line.getData()
    assert (xs[1], ys[1]) == (pytest.approx(-9 + 0.08 * 18), pytest.approx(2.5 - 0.08 * 50))
    labels = [label.text for _sample, label in view.legend.items]
    assert {"sgd (η 0.08)", "momentum (η 0.08)", "adam (η 0.08)"} <= set(labels)   # compared: name and η
    # The table follows the chosen run.
    tab.combo_table_run.setCurrentText("adam")
    assert float(cell(tab, 1, 1)) == pytest.approx(expected[0], rel=1e-12)


def test_internals_show_momentum_velocity(qtbot, tab):
    apply(qtbot, tab, optimizer="momentum", show_internals=True)
    tab.step()
    tab.step()
    # torch: b1 = g1 = 20; x1 = 10 - 0.1*20 = 8; g2 = 16; b2 = 0.9*20 + 16 = 34
    assert "velocity b = 34" in tab.label_internals.text()
    assert tab.table_model.headerData(5, Qt.Orientation.Horizontal) == "b (velocity)"
    assert shown(tab, 2, 5) == "34"
    ax, _ay = tab.function_view.internal_arrow.shaft.getData()
    assert ax[1] - ax[0] == pytest.approx(-0.1 * 34)


def test_internals_show_adams_moments_and_plain_sgds_step(qtbot, tab):
    apply(qtbot, tab, optimizer="adam", show_internals=True)
    tab.step()
    # torch: m1 = (1 - 0.9) * 20 = 2, v1 = (1 - 0.999) * 400 = 0.4; x1 = 10 - 0.1 * 20/(20 + 1e-8) ≈ 9.9
    assert "m (mean gradient) = 2;" in tab.label_internals.text()
    assert "v (mean squared gradient) = 0.4" in tab.label_internals.text()
    x1 = tab.primary().x[0]
    assert x1 == pytest.approx(9.9)
    ax, _ay = tab.function_view.internal_arrow.shaft.getData()
    assert ax[0] == pytest.approx(x1) and ax[1] - ax[0] == pytest.approx(-0.1 * 2 * x1)   # −η·f'(x): plain SGD
    assert tab.table_model.headerData(5, Qt.Orientation.Horizontal) == "m (mean g)"
    assert tab.table_model.headerData(6, Qt.Orientation.Horizontal) == "v (mean g²)"


# ---- divergence ------------------------------------------------------------------------------------------


def test_divergence_stops_cleanly_with_the_message(qtbot, tab):
    apply(qtbot, tab, expression="x^2", start=[10.0], learning_rate=1.5, epochs=200)
    assert "above it: it diverges" in tab.inputs.label_bound.text() and "lr &lt; 1" in tab.inputs.label_bound.text()
    tab.slider_speed.setValue(tab.slider_speed.maximum())
    announced = []
    tab.status_message.connect(announced.append)
    tab.run()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=10000)
    run = tab.primary()
    # By hand: x -> x - 1.5*2x = -2x, so f_k = 100 * 4^k; the engine calls it diverged once f > 1e10 * f0.
    k = next(k for k in range(1, 100) if 100 * 4.0**k > 1e10 * 100)
    assert run.status == "diverged" and run.epoch == k
    assert f"diverged at epoch {k}" in tab.label_update.text()
    assert [m for m in announced if "diverged" in m] == [run.message]      # the window's status bar, once
    last = tab.table_model.rowCount() - 1
    assert shown(tab, last, 0).startswith(f"diverged at epoch {k}")
    items = tab.function_view.runs["sgd"]
    xs, ys = items.line.getData()
    assert 1 <= len(xs) < k + 1 and np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))
    assert list(xs) == list(run.history.path[: len(xs), 0])     # the path as it ran, up to where it flew off
    assert items.exit.arrow.isVisible() and items.exit.epoch == 1  # x1 = -20, f = 400: off the plot at once
    assert not tab.button_step.isEnabled()
    tab.loss_view.check_log.setChecked(True)           # no warning from log10 either


def test_log_scale_with_negative_and_zero_losses_does_not_warn(qtbot, tab):
    apply(qtbot, tab, expression="x^4 - 3x^2 + x", start=[2.0], learning_rate=0.02, epochs=40)
    for _ in range(40):
        tab.step()
    tab.loss_view.check_log.setChecked(True)
    _xs, ys = tab.loss_view.curves["sgd"].getData()
    assert np.all(np.isnan(ys[5:]))                    # f < 0 there: left out on a log axis, not clipped
    tab.loss_view.check_log.setChecked(False)
    _xs, ys = tab.loss_view.curves["sgd"].getData()
    assert np.all(np.isfinite(ys))


def test_bad_inputs_keep_the_tab_working(qtbot, tab):
    apply(qtbot, tab, expression="x*y*z")
    assert "one or two variables" in tab.label_update.text()
    assert tab.runs and tab.primary().x0[0] == 10.0            # the last good run stays
    apply(qtbot, tab, ready=False, expression="log(x)", start=[-1.0])
    assert not tab.runs and "not defined" in tab.label_update.text()
    assert not tab.button_step.isEnabled()
    tab.inputs.start_spins["x"].setValue(2.0)
    assert tab.runs and tab.button_step.isEnabled()


# ---- presets, state, scale ------------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(PRESETS)))
def test_every_preset_loads_and_steps(qtbot, tab, index):
    tab.apply_preset(PRESETS[index])
    qtbot.waitUntil(tab.is_ready, timeout=10000)
    expected = PRESETS[index].state
    assert tab.state.expression == expected.expression
    for _ in range(5):
        tab.step()
    assert all(run.epoch == 5 or run.finished for _n, run in tab.runs)
    assert tab.inputs.combo_preset.currentIndex() == index


def test_state_round_trip_and_tolerant_loading():
    state = PRESETS[4].make_state()
    assert DescentState.from_dict(state.to_dict()) == state
    messy = {"expression": 3, "start": [1, "a"], "learning_rate": -1, "epochs": True, "optimizer": "lbfgs",
             "eps": "x", "tolerance": 1e-6, "compare": "yes", "x_range": [2, 1], "unknown": 1}
    loaded = DescentState.from_dict(messy)
    default = DescentState()
    assert loaded.expression == default.expression and loaded.start == default.start
    assert loaded.learning_rate == default.learning_rate and loaded.optimizer == "sgd"
    assert loaded.tolerance == 1e-6 and loaded.compare is False and loaded.x_range is None
    assert DescentState.from_dict(None) == DescentState()


def test_tab_state_and_set_state_round_trip(qtbot, tab):
    apply(qtbot, tab, expression="x^2 + 10y^2", start=[1.5, -0.5], learning_rate=0.03, epochs=77,
          optimizer="adam", beta1=0.8, tolerance=1e-4)
    state = tab.state
    assert (state.start, state.learning_rate, state.epochs, state.optimizer, state.beta1, state.tolerance) == \
        ([1.5, -0.5], 0.03, 77, "adam", 0.8, 1e-4)
    assert tab.primary().hyper["beta1"] == 0.8 and tab.primary().tolerance == 1e-4


def test_tolerance_stops_at_convergence(qtbot, tab):
    apply(qtbot, tab, tolerance=0.5, epochs=100)
    while tab.step():
        pass
    run = tab.primary()
    # By hand: |f'| = 2x = 20 * 0.8^k <= 0.5 first at k = 17
    k = next(k for k in range(100) if 20 * 0.8**k <= 0.5)
    assert run.status == "converged" and run.epoch == k
    assert shown(tab, tab.table_model.rowCount() - 1, 0).startswith(f"converged at epoch {k}")


def test_ten_thousand_rows_stay_cheap(qtbot):
    from calclab.engine.descent import Descent

    run = Descent(lambda p: float(p[0] ** 2), lambda p: 2 * p, [1.0], lr=1e-4, epochs=20_000)
    model = IterationTableModel()
    model.set_run(run, ["x"])
    inserted = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    for _ in range(10_000):
        run.step()
        model.sync()
    assert len(inserted) == 10_000 and inserted[-1] == (10_000, 10_000)    # one row per step
    assert model.rowCount() == 10_001
    x = 1.0
    for _ in range(10_000):
        x = x - 1e-4 * (2 * x)
    assert model.data(model.index(10_000, 1), Qt.ItemDataRole.ToolTipRole) == repr(x)
    import time

    started = time.perf_counter()
    for _ in range(1000):
        model.data(model.index(10_000, 2))
        model.rowCount()
    assert time.perf_counter() - started < 1.0          # ~10 µs a call; a per-row cache would not matter


def test_long_paths_are_thinned_to_what_the_screen_can_show():
    from calclab.ui.tabs.descent.items import PathThinner

    thinner = PathThinner()
    thinner.reset((0.1, 0.1))
    # 10,000 points creeping along x by 0.001 (100 per cell), then one jump: ~101 cells visited.
    xs = np.concatenate((np.arange(10_000) * 0.001, [50.0]))
    ys = np.zeros_like(xs)
    kept = thinner.indices(xs[:5000], ys[:5000])          # in two calls, as steps arrive
    kept = thinner.indices(xs, ys)
    assert kept[0] == 0 and kept[-1] == len(xs) - 1
    assert 95 <= len(kept) <= 110
    assert np.all(np.diff(np.floor(xs[kept] / 0.1)) >= 1)   # one point per cell, in path order
    fresh = PathThinner()
    fresh.reset((0.1, 0.1))
    assert list(fresh.indices(xs, ys)) == list(kept)         # incremental = all at once


def test_spin_boxes_step_the_way_learning_rates_are_tried(tab):
    lr = tab.inputs.spin_learning_rate
    lr.setValue(0.1)
    lr.stepBy(1)
    assert lr.value() == 0.2
    lr.stepBy(2)
    assert lr.value() == 1.0
    lr.stepBy(-4)
    assert lr.value() == 0.05
    eps = tab.inputs.spin_eps
    assert eps.text() == "default" and tab.state.eps is None
    eps.stepBy(1)
    assert eps.value() == 1e-8
    eps.stepBy(1)
    assert eps.value() == pytest.approx(1e-7)
    tab.inputs.spin_tolerance.lineEdit().setText("3e-5")
    tab.inputs.spin_tolerance.interpretText()
    assert tab.inputs.spin_tolerance.value() == 3e-5


def test_compare_shows_the_hyperparameters_of_every_optimizer_that_runs(qtbot, tab):
    inputs = tab.inputs
    assert not inputs.spin_beta1.isVisibleTo(inputs) and not inputs.spin_momentum.isVisibleTo(inputs)
    inputs.check_compare.setChecked(True)
    inputs.compare_checks["adam"].setChecked(True)
    inputs.compare_checks["momentum"].setChecked(False)
    inputs.compare_checks["sgd"].setChecked(True)
    assert inputs.spin_beta1.isVisibleTo(inputs) and inputs.spin_eps.isVisibleTo(inputs)
    assert not inputs.spin_momentum.isVisibleTo(inputs) and not inputs.spin_alpha.isVisibleTo(inputs)
    assert [name for name, _run in tab.runs] == ["sgd", "adam"]
    inputs.spin_beta1.setValue(0.5)
    assert dict(tab.runs)["adam"].hyper["beta1"] == 0.5 and tab.primary().epoch == 0


def test_click_on_the_curve_moves_the_start_in_one_variable(qtbot, tab):
    tab.step()
    view = tab.function_view
    scene_point = view.plot_item.getViewBox().mapViewToScene(QPointF(-4.0, 50.0))
    qtbot.mouseClick(view.plot_widget.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.plot_widget.mapFromScene(scene_point))
    assert tab.primary().x0[0] == pytest.approx(-4.0, abs=0.1) and tab.primary().epoch == 0
    tab.step()
    x0 = tab.primary().x0[0]
    assert float(cell(tab, 1, 1)) == pytest.approx(x0 - 0.1 * 2 * x0)


def test_the_loss_plot_shows_the_starting_loss_before_the_first_step(tab):
    """Epoch 0 is one point, which a line cannot draw: it shows as a dot (f(10) = 100), a line from epoch 1."""
    curve = tab.loss_view.curves["sgd"]
    xs, ys = curve.getData()
    assert list(xs) == [0.0] and list(ys) == [100.0]
    assert curve.opts["symbol"] == "o"
    tab.step()
    xs, ys = curve.getData()
    assert list(xs) == [0.0, 1.0] and ys[1] == pytest.approx(64.0)   # x: 10 -> 10 - 0.1 * 20 = 8
    assert curve.opts["symbol"] is None


# -- compared optimizers with their own learning rates ------------------------------------------------------

def test_compared_learning_rates_round_trip_and_bad_ones_are_dropped():
    state = DescentState(compare=True, optimizer="sgd", compare_optimizers=["sgd", "adam"],
                         compare_lrs={"adam": 0.5})
    again = DescentState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again.compare_lrs == {"adam": 0.5}
    assert again.lr_for("sgd") == 0.1 and again.lr_for("adam") == 0.5 and again.lr_for("momentum") == 0.1
    loaded = DescentState.from_dict({"compare": True, "compare_lrs": {"adam": "0.5", "sgd": -1, "bogus": 0.3,
                                                                      "rmsprop": 1e300, "momentum": 0.02}})
    assert loaded.compare_lrs == {"momentum": 0.02}
    assert DescentState(compare=False, compare_lrs={"adam": 0.5}, optimizer="adam").lr_for("adam") == 0.1


def test_each_compared_optimizer_steps_with_its_own_learning_rate(qtbot, tab):
    """x^2 from 10: SGD with the main η = 0.1 goes to 10 - 0.1·20 = 8; Adam's first step is η·g/(|g| + ε), so
    with its own η = 0.5 it goes to 9.5. Changing the main η then moves SGD's next step, not Adam's."""
    inputs = tab.inputs
    inputs.check_compare.setChecked(True)
    inputs.compare_checks["momentum"].setChecked(False)
    inputs.compare_checks["adam"].setChecked(True)
    assert not inputs.compare_spins["sgd"].isEnabled() and inputs.compare_spins["adam"].value() == 0.1
    inputs.compare_spins["adam"].setValue(0.5)
    tab.step()
    runs = dict(tab.runs)
    assert runs["sgd"].x[0] == pytest.approx(8.0) and runs["adam"].x[0] == pytest.approx(9.5, abs=1e-9)
    legend = tab.loss_view.legend
    assert legend.getLabel(tab.loss_view.curves["adam"]).text == "adam (η 0.5)"
    inputs.spin_learning_rate.setValue(0.2)
    assert inputs.compare_spins["adam"].value() == 0.5 and inputs.compare_spins["sgd"].value() == 0.2
    tab.step()
    # Adam by hand (torch.optim's order): step 1 at x = 10 (g = 20), then step 2 at x1 with g = 2·x1.
    m, v = 0.1 * 20.0, 0.001 * 20.0**2
    x1 = 10.0 - 0.5 / (1 - 0.9) * m / (math.sqrt(v) / math.sqrt(1 - 0.999) + 1e-8)
    g = 2 * x1
    m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
    x2 = x1 - 0.5 / (1 - 0.9**2) * m / (math.sqrt(v) / math.sqrt(1 - 0.999**2) + 1e-8)
    assert runs["sgd"].x[0] == pytest.approx(8.0 - 0.2 * 16.0) and runs["adam"].x[0] == pytest.approx(x2)
    assert tab.state.compare_lrs == {"adam": 0.5} and tab.state.learning_rate == 0.2


# -- the binding: one state, written by the controls, shown by set_state ---------------------------------------

def _without_view(state: DescentState) -> DescentState:
    """The window follows the plot's size and aspect (1-D pads it), so a round trip compares the rest."""
    return replace(state, x_range=None, y_range=None)


def test_the_state_is_a_copy_and_changing_it_changes_nothing_on_screen(tab):
    state = tab.state
    state.learning_rate = 0.5
    state.start[0] = -3.0
    state.expression = "x^4"
    state.compare_optimizers.append("nesterov")
    state.compare_lrs["adam"] = 2.0
    again = tab.state
    assert (again.learning_rate, again.start, again.expression) == (0.1, [10.0], "x^2")
    assert "nesterov" not in again.compare_optimizers and again.compare_lrs == {}
    assert tab.inputs.spin_learning_rate.value() == 0.1 and tab.inputs.start_spins["x"].value() == 10.0
    assert tab.inputs.expression.text() == "x^2"
    assert tab.primary().lr == 0.1 and tab.primary().x0[0] == 10.0


@pytest.mark.parametrize("index", range(len(PRESETS)))
def test_a_preset_round_trips_through_set_state(qtbot, tab, index):
    preset = PRESETS[index]
    tab.set_state(preset.make_state())
    qtbot.waitUntil(tab.is_ready, timeout=10000)
    assert _without_view(tab.state) == _without_view(preset.state)
    assert tab.inputs.combo_preset.currentIndex() == -1      # set_state shows settings, not a named example
    tab.inputs.combo_preset.activated.emit(index)            # the user picks it: the signal carries the Preset
    qtbot.waitUntil(tab.is_ready, timeout=10000)
    assert _without_view(tab.state) == _without_view(preset.state)
    assert tab.inputs.label_preset.text() == preset.description
    assert [name for name, _run in tab.runs] == preset.state.optimizers()


def test_each_control_writes_its_own_field(qtbot, tab):
    inputs = tab.inputs
    inputs.combo_optimizer.setCurrentText("adam")
    inputs.spin_beta1.setValue(0.8)
    inputs.spin_eps.setValue(1e-6)
    inputs.spin_epochs.setValue(33)
    inputs.check_tolerance.setChecked(True)
    inputs.spin_tolerance.setValue(1e-3)
    inputs.start_spins["x"].setValue(4.0)
    inputs.check_show_internals.setChecked(True)
    tab.loss_view.check_log.setChecked(True)
    tab.slider_speed.setValue(tab.slider_speed.maximum())
    state = tab.state
    assert (state.optimizer, state.beta1, state.eps, state.epochs, state.tolerance, state.start) == \
        ("adam", 0.8, 1e-6, 33, 1e-3, [4.0])
    assert state.show_internals and state.log_loss and state.speed == pytest.approx(60.0)
    assert tab.primary().optimizer == "adam" and tab.primary().hyper["beta1"] == 0.8 and tab.primary().epochs == 33
    inputs.check_tolerance.setChecked(False)
    inputs.spin_eps.setValue(0.0)                              # shown as "default"
    assert tab.state.tolerance is None and tab.state.eps is None
    tab.function_view.plot_item.setRange(xRange=(-2.0, 6.0), padding=0.0)
    qtbot.waitUntil(lambda: tab.state.x_range == pytest.approx((-2.0, 6.0)), timeout=2000)
    assert tab.state.y_range is None                           # one variable: the y window is f's own


def test_the_tab_exports_its_table_and_animation(qtbot, tab):
    for _ in range(3):
        tab.step()
    header, rows = tab.export_table()
    assert header[:3] == ["Epoch", "x", "f(x)"]
    assert [float(row[1]) for row in rows] == [10.0, 8.0, 6.4, 5.12]            # x <- x - 0.1 * 2x, by hand
    count, frames = tab.export_animation()
    assert count == 4
    assert list(frames) == ["epoch 0", "epoch 1", "epoch 2", "epoch 3"]
    assert tab.primary().epoch == 3 and tab.has_animation() and tab.has_table()


def test_set_state_keeps_what_the_controls_can_show(qtbot, tab):
    wild = DescentState(learning_rate=100.0, epochs=0, speed=0.0, optimizer="adam", compare_optimizers=["sgd"])
    limited = wild.within_limits()
    assert (limited.learning_rate, limited.epochs, limited.speed) == (10.0, 1, 1.0)
    assert limited.compare_optimizers == ["sgd", "adam"] and wild.compare_optimizers == ["sgd"]
    tab.set_state(wild)
    qtbot.waitUntil(tab.is_ready, timeout=10000)
    assert tab.state == replace(limited, x_range=tab.state.x_range)
    assert tab.inputs.spin_learning_rate.value() == 10.0 and tab.primary().lr == 10.0
    tab.run()                                                  # one step a second, not a division by zero
    assert tab.is_running() and tab.timer.interval() == 1000


# ---- one number style (issue 15 item 10) ----------------------------------------------------------------


def test_adams_update_line_subtracts_a_negative_step(qtbot, tab):
    """x₁ = x₀ + step (adam) with a step of −0.1 reads "10 − 0.1", not "10 + −0.1"."""
    apply(qtbot, tab, optimizer="adam")
    tab.step()
    text = tab.label_update.text()
    assert "+ −" not in text
    assert "x₁ = x₀ + step (adam) = 10 − 0.1 = <b>9.9</b>" in text


def test_short_cells_use_the_number_style_and_exports_keep_every_digit(qtbot, tab):
    """f = x² from 10⁻⁵: gradient 2×10⁻⁵ and step −2×10⁻⁶ in the cells; tooltips, CSV and Copy as text
    keep repr()'s digits."""
    apply(qtbot, tab, start=[1e-5], learning_rate=0.1, show_internals=False)
    tab.step()
    x1 = 1e-5 - 0.1 * 2e-5
    assert shown(tab, 1, 3) == "2×10⁻⁵" and shown(tab, 1, 4) == "−2×10⁻⁶"
    texts = [shown(tab, 1, c) for c in range(1, tab.table_model.columnCount())]
    assert not any("e-0" in text or "e−0" in text for text in texts), texts
    assert texts[0] == "8×10⁻⁶"          # the point too: six significant digits on screen
    model = tab.table_model
    assert model.data(model.index(1, 4), Qt.ItemDataRole.ToolTipRole) == repr(x1 - 1e-5)
    header, rows = tab.export_table()
    assert rows[1][1] == repr(x1) and rows[1][3] == repr(2e-5) and rows[1][4] == repr(x1 - 1e-5)
    assert repr(x1) in tab.copy_text()
