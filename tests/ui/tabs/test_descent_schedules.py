"""The Descent tab's issue-16 controls, driven through the real widgets: every method in the lists, weight decay,
schedules and their η plot, Newton's notes, the per-direction rate plot, preview and dragging the start point.

References are independent: hand-computed updates (x ← x(1 − 2η) on x², torch's AdamW arithmetic written out,
Newton's one step to the minimum of a quadratic), StepLR and CosineAnnealingLR's closed forms, |1 − ηλ| by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from calclab.engine.descent import METHODS
from calclab.state.descent import DescentState
from calclab.ui.tabs.descent.items import OPTIMIZER_COLORS
from calclab.ui.tabs.descent.tab import DescentTab
from calclab.ui.widgets.notice import notice_of


@pytest.fixture
def tab(qtbot, worker):
    widget = DescentTab(worker)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    qtbot.waitUntil(widget.is_ready, timeout=15000)
    yield widget
    widget.pause()


def show(qtbot, tab: DescentTab, **fields) -> None:
    """Set a state with these fields (a session or preset would) and wait until it is prepared."""
    tab.set_state(DescentState(**fields))
    qtbot.waitUntil(lambda: not tab.is_preparing(), timeout=15000)


def column(tab: DescentTab, title: str) -> list[str]:
    model = tab.table_model
    index = next(c for c in range(model.columnCount()) if model.headerData(c, Qt.Orientation.Horizontal) == title)
    return [model.data(model.index(row, index)) for row in range(model.rowCount())]


def test_every_method_is_offered_with_a_colour_and_a_tip(tab):
    combo = tab.inputs.combo_optimizer
    assert [combo.itemText(i) for i in range(combo.count())] == list(METHODS)
    assert {"adamw", "newton"} <= set(METHODS)
    for i, name in enumerate(METHODS):
        assert combo.itemData(i, Qt.ItemDataRole.ToolTipRole)
        assert name in tab.inputs.compare_checks
    assert len({OPTIMIZER_COLORS[name] for name in METHODS}) == len(METHODS)


def test_adamw_uses_torchs_default_decay_and_a_set_one(qtbot, tab):
    show(qtbot, tab, expression="x^2", start=[10.0], learning_rate=0.1, epochs=5)
    tab.inputs.combo_optimizer.setCurrentText("adamw")
    qtbot.waitUntil(tab.is_ready, timeout=15000)
    inputs = tab.inputs
    assert inputs.check_weight_decay_default.isChecked() and not inputs.spin_weight_decay.isEnabled()
    assert inputs.spin_weight_decay.value() == 0.01          # what AdamW runs with: torch's default
    inputs.check_weight_decay_default.setChecked(False)
    inputs.spin_weight_decay.setValue(0.05)
    assert tab.state.weight_decay == 0.05
    tab.button_step.click()
    # torch.optim.AdamW, step 1: x ← x(1 − η·wd); m = (1 − β₁)g, v = (1 − β₂)g²;
    # x ← x − (η / (1 − β₁)) · m / (√v / √(1 − β₂) + ε)
    g, lr, wd = 20.0, 0.1, 0.05
    m, v = 0.1 * g, 0.001 * g * g
    expected = 10.0 * (1 - lr * wd) - (lr / 0.1) * m / (math.sqrt(v) / math.sqrt(0.001) + 1e-8)
    assert tab.primary().x[0] == pytest.approx(expected, rel=1e-14)


def test_a_step_schedule_sets_each_epochs_rate(qtbot, tab):
    show(qtbot, tab, expression="x^2", start=[10.0], learning_rate=0.1, epochs=6)
    box = tab.inputs.schedule_box
    box.combo_schedule.setCurrentText("step")
    assert box.spin_step_size.isVisibleTo(tab) and box.spin_gamma.isVisibleTo(tab)
    assert not box.spin_t_max.isVisibleTo(tab) and not box.spin_warmup_epochs.isVisibleTo(tab)
    assert box.spin_gamma.value() == 0.1                    # StepLR's default shows while gamma is unset
    box.spin_step_size.setValue(2)
    box.spin_gamma.setValue(0.5)
    qtbot.waitUntil(tab.is_ready, timeout=15000)
    state = tab.state
    assert (state.schedule, state.step_size, state.gamma) == ("step", 2, 0.5)
    rates = [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]              # StepLR: η γ^⌊(t − 1)/2⌋
    np.testing.assert_allclose(tab.lr_view.values("sgd"), rates, rtol=1e-15)
    for _ in range(3):
        tab.button_step.click()
    assert column(tab, "η")[1:4] == ["0.1", "0.1", "0.05"]
    assert tab.primary().x[0] == pytest.approx(10 * 0.8 * 0.8 * 0.9, rel=1e-14)
    assert "η = 0.05" in tab.copy_text().splitlines()[2]
    assert tab.rate_view.marker.value() == 0.05      # the rate plot marks the η the next update uses
    assert "×0.9" in tab.rate_view.label_readout.text()   # |1 − 0.05·2|


def test_a_cosine_schedule_is_drawn_with_torchs_closed_form(qtbot, tab):
    show(qtbot, tab, expression="x^2 + 10y^2", start=[3.0, 1.0], learning_rate=0.09, epochs=30, optimizer="adamw")
    box = tab.inputs.schedule_box
    box.combo_schedule.setCurrentText("cosine")
    assert box.spin_t_max.isVisibleTo(tab) and box.spin_t_max.text() == "= epochs"
    box.spin_t_max.setValue(20)
    box.spin_eta_min.setValue(0.001)
    qtbot.waitUntil(tab.is_ready, timeout=15000)
    t = np.arange(1, 31)
    closed = 0.001 + (0.09 - 0.001) * (1 + np.cos(np.pi * (t - 1) / 20)) / 2   # periodic beyond T_max, as torch's
    np.testing.assert_allclose(tab.lr_view.values("adamw"), closed, rtol=1e-12)


def test_schedule_and_decay_round_trip_through_a_session(qtbot, tab):
    show(qtbot, tab, expression="x^2 + 10y^2", start=[3.0, 1.0], epochs=30, optimizer="adam", weight_decay=0.02,
         schedule="warmup", start_factor=0.25, warmup_epochs=4)
    saved = tab.state.to_dict()
    show(qtbot, tab)                                           # something else in between
    tab.set_state(DescentState.from_dict(saved))
    qtbot.waitUntil(tab.is_ready, timeout=15000)
    box, inputs = tab.inputs.schedule_box, tab.inputs
    assert box.combo_schedule.currentText() == "warmup"
    assert (box.spin_start_factor.value(), box.spin_warmup_epochs.value()) == (0.25, 4)
    assert not inputs.check_weight_decay_default.isChecked() and inputs.spin_weight_decay.value() == 0.02
    assert tab.state.to_dict() == saved
    np.testing.assert_allclose(tab.lr_view.values("adam")[:6], [0.025, 0.04375, 0.0625, 0.08125, 0.1, 0.1])


def test_newton_needs_no_rate_and_lands_on_a_quadratics_minimum(qtbot, tab):
    show(qtbot, tab, expression="x^2 + 10y^2", start=[-9.0, 2.5], epochs=5)
    tab.inputs.combo_optimizer.setCurrentText("newton")
    qtbot.waitUntil(tab.is_ready, timeout=15000)
    inputs = tab.inputs
    assert not inputs.spin_learning_rate.isEnabled() and not inputs.combo_schedule.isEnabled()
    assert inputs.label_lr_note.isVisibleTo(tab) and "do not apply" in inputs.label_lr_note.text()
    tab.button_step.click()
    np.testing.assert_allclose(tab.primary().x, [0.0, 0.0], atol=1e-15)   # one full step: x − H⁻¹∇f = 0
    assert "H⁻¹" in tab.label_update.text()


def test_newton_on_a_saddle_says_why_it_takes_no_step(qtbot, tab):
    show(qtbot, tab, expression="x^2 - y^2", start=[-4.0, 0.05], epochs=5, optimizer="newton")
    run = tab.primary()
    assert run.status == "stopped" and run.epoch == 0
    text = tab.label_update.text()
    assert "not positive definite" in text and "takes no step" in text
    assert not tab.button_step.isEnabled()


def test_newton_says_when_its_hessian_is_by_differences(qtbot, tab):
    show(qtbot, tab, expression="sin(" * 40 + "x" + ")" * 40, start=[0.5], epochs=3, optimizer="newton")
    assert tab.inputs.label_newton.isVisibleTo(tab) and "central differences" in tab.inputs.label_newton.text()
    show(qtbot, tab, expression="x^4", start=[1.0], epochs=3, optimizer="newton")
    assert not tab.inputs.label_newton.isVisibleTo(tab)


def test_the_rate_plot_marks_each_directions_factor_at_eta(qtbot, tab):
    show(qtbot, tab, expression="x^2 + 10y^2", start=[-9.0, 2.5], learning_rate=0.09, epochs=20)
    view = tab.rate_view
    _x, dots = view.dots.getData()
    np.testing.assert_allclose(sorted(dots), [0.8, 0.82], rtol=1e-12)    # |1 − 0.09·20|, |1 − 0.09·2|
    assert "×0.82" in view.label_readout.text() and "×−0.8" in view.label_readout.text()
    assert "zig-zags" in view.label_readout.text()
    tab.inputs.spin_learning_rate.setValue(0.05)               # the marker follows η
    assert view.marker.value() == 0.05
    assert "×0 " in view.label_readout.text()                  # |1 − 0.05·20| = 0: the steep direction in one step
    tab.inputs.spin_learning_rate.setValue(0.12)
    assert "diverges" in view.label_readout.text()


def test_the_rate_plot_shows_momentums_rate_from_beta(qtbot, tab):
    show(qtbot, tab, expression="x^2 + 10y^2", start=[-9.0, 2.5], learning_rate=0.09, epochs=20,
         optimizer="momentum", momentum=0.5)
    _x, dots = tab.rate_view.dots.getData()
    # z² − (1 + β − ηλ)z + β has complex roots for both λ here: |z| = √β.
    np.testing.assert_allclose(sorted(dots), [math.sqrt(0.5), math.sqrt(0.5), 0.8, 0.82], rtol=1e-12)
    xs, _ys = tab.rate_view.momentum_curves[0].getData()
    assert xs is not None and len(xs) > 100


def test_the_rate_plot_says_why_not_for_a_function_that_is_not_quadratic(qtbot, tab):
    show(qtbot, tab, expression="x^4 + y^2", start=[1.0, 1.0], epochs=5)
    notice = notice_of(tab.rate_view.plot_widget)
    assert notice.isVisibleTo(tab.rate_view) and "not quadratic" in notice.label_text.text()
    xs, _ys = tab.rate_view.sgd_curves[0].getData()
    assert xs is None or len(xs) == 0


def test_preview_draws_every_epoch_and_follows_the_learning_rate(qtbot, tab):
    show(qtbot, tab, expression="x^2", start=[10.0], learning_rate=0.1, epochs=20)
    tab.check_preview.click()
    run = tab.primary()
    assert run.epoch == 20 and not tab.button_step.isEnabled() and not tab.button_run.isEnabled()
    assert tab.button_copy.isEnabled() and len(tab.copy_text().splitlines()) == 20
    assert tab.label_epoch.text() == "Epoch 20 / 20"
    slider = tab.inputs.slider_learning_rate
    for position in range(slider.value(), slider.value() - 60, -10):   # a drag to the left
        slider.setValue(position)
        QApplication.processEvents()
    qtbot.waitUntil(lambda: not tab.preview.timer.isActive(), timeout=5000)
    lr = tab.state.learning_rate
    assert lr < 0.1 and tab.primary().lr == lr and tab.primary().epoch == 20
    np.testing.assert_allclose(tab.primary().history.x[:, 0], [10 * (1 - 2 * lr) ** k for k in range(1, 21)],
                               rtol=1e-12)
    assert tab.table_model.rowCount() == 22                        # the start, 20 epochs, "completed"
    tab.check_preview.click()
    assert tab.button_run.isEnabled()


def test_preview_is_part_of_the_state_and_a_session_brings_it_back(qtbot, tab):
    show(qtbot, tab, expression="x^2", start=[10.0], learning_rate=0.1, epochs=20)
    assert tab.state.preview is False
    tab.check_preview.click()
    saved = tab.state
    assert saved.preview is True and DescentState.from_dict(saved.to_dict()).preview is True
    tab.check_preview.click()
    assert tab.state.preview is False and tab.button_run.isEnabled()
    tab.set_state(saved)                                           # a session saved with Preview on
    qtbot.waitUntil(lambda: tab.is_ready(), timeout=15000)
    assert tab.check_preview.isChecked() and tab.preview.on
    assert tab.primary().epoch == 20 and not tab.button_step.isEnabled()        # every epoch, drawn at once
    assert tab.label_epoch.text() == "Epoch 20 / 20"
    tab.set_state(DescentState.from_dict({k: v for k, v in saved.to_dict().items() if k != "preview"}))
    qtbot.waitUntil(lambda: tab.is_ready(), timeout=15000)                     # a session from before it
    assert not tab.check_preview.isChecked() and not tab.preview.on and tab.primary().epoch == 0
    assert tab.button_step.isEnabled()


def _mouse(widget, kind: QEvent.Type, pos: QPointF, buttons: Qt.MouseButton) -> None:
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def test_dragging_the_start_marker_redraws_the_whole_path_in_preview(qtbot, tab):
    show(qtbot, tab, expression="x^2 + 10y^2", start=[-3.0, 1.0], learning_rate=0.05, epochs=30,
         x_range=(-5.0, 5.0), y_range=(-5.0, 5.0))
    tab.check_preview.click()
    plot = tab.function_view.plot_widget
    view_box = tab.function_view.plot_item.getViewBox()

    def at(x: float, y: float) -> QPointF:
        return QPointF(plot.mapFromScene(view_box.mapViewToScene(QPointF(x, y))))

    viewport = plot.viewport()
    _mouse(viewport, QEvent.Type.MouseButtonPress, at(-3.0, 1.0), Qt.MouseButton.LeftButton)
    for k in range(1, 9):
        qtbot.wait(15)                                       # pyqtgraph drops moves closer than 10 ms
        _mouse(viewport, QEvent.Type.MouseMove, at(-3.0 + 0.5 * k, 1.0 - 0.25 * k), Qt.MouseButton.LeftButton)
    _mouse(viewport, QEvent.Type.MouseButtonRelease, at(1.0, -1.0), Qt.MouseButton.NoButton)
    qtbot.waitUntil(lambda: not tab.preview.timer.isActive(), timeout=5000)
    start = tab.state.start
    assert start == pytest.approx([1.0, -1.0], abs=0.05)
    run = tab.primary()
    assert run.epoch == 30 and list(run.x0) == start
    # SGD on x² + 10y²: each coordinate shrinks by its own factor, 1 − 2η and 1 − 20η.
    np.testing.assert_allclose(run.x, [start[0] * 0.9 ** 30, start[1] * 0.0], atol=1e-12)
    assert tab.inputs.start_spins["x"].value() == start[0]


def test_preview_of_a_long_run_computes_its_start_and_says_how_far(qtbot, tab):
    from calclab.ui.tabs.descent.preview import PREVIEW_MAX_STEPS

    show(qtbot, tab, expression="x^2", start=[10.0], learning_rate=0.001, epochs=100_000)
    tab.check_preview.click()
    assert tab.primary().epoch == PREVIEW_MAX_STEPS
    assert tab.label_epoch.text() == f"Epoch {PREVIEW_MAX_STEPS} / 100000"
    assert tab.primary().x[0] == pytest.approx(10 * 0.998 ** PREVIEW_MAX_STEPS, rel=1e-9)


def test_dragging_the_start_along_the_curve_in_one_variable(qtbot, tab):
    show(qtbot, tab, expression="x^2", start=[10.0], learning_rate=0.1, epochs=20, x_range=(-12.0, 12.0))
    plot = tab.function_view.plot_widget
    view_box = tab.function_view.plot_item.getViewBox()

    def at(x: float, y: float) -> QPointF:
        return QPointF(plot.mapFromScene(view_box.mapViewToScene(QPointF(x, y))))

    viewport = plot.viewport()
    _mouse(viewport, QEvent.Type.MouseButtonPress, at(10.0, 100.0), Qt.MouseButton.LeftButton)
    for k in range(1, 6):
        qtbot.wait(15)
        _mouse(viewport, QEvent.Type.MouseMove, at(10.0 - k, 100.0), Qt.MouseButton.LeftButton)   # only x counts
    _mouse(viewport, QEvent.Type.MouseButtonRelease, at(5.0, 100.0), Qt.MouseButton.NoButton)
    qtbot.waitUntil(lambda: not tab.preview.timer.isActive(), timeout=5000)
    (start,) = tab.state.start
    assert start == pytest.approx(5.0, abs=0.05)
    run = tab.primary()
    assert run.epoch == 0 and run.x[0] == start and run.value == pytest.approx(start ** 2)   # no preview: reset


def test_the_side_plots_stay_usable_in_a_1100_by_700_window(qtbot, tab):
    tab.resize(1100, 655)                                   # the window's size less its menu and status bars
    show(qtbot, tab, expression="x^2 + 10y^2", start=[-9.0, 2.5], learning_rate=0.09, epochs=60,
         optimizer="momentum", momentum=0.5, compare=True, compare_optimizers=["sgd", "momentum"])
    tab.side_plots.setCurrentIndex(1)
    qtbot.wait(50)
    readout = tab.rate_view.label_readout
    assert tab.rate_view.plot_item.getViewBox().height() >= 60
    assert readout.height() >= readout.heightForWidth(readout.width())     # every line of it shows
    assert tab.lr_view.plot_item.getViewBox().height() >= 60
