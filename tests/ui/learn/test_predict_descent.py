"""Full predict-then-check rounds on the Descent tab: where the next Step lands, and will this η converge."""

from __future__ import annotations

from PySide6.QtCore import Qt

from calclab.engine import quiz
from calclab.ui.tabs.descent.tab import DescentTab
from tests.ui.learn.rounds import click_plot, press_enter, shown_tab, switch_on


def _plane_step(exercise) -> bool:
    return exercise.kind == "step" and len(exercise.data["x0"]) == 2


def _ready(qtbot, tab):
    qtbot.waitUntil(tab.is_ready, timeout=30000)


def test_click_where_x_lands_then_the_real_step_is_taken(qtbot, worker):
    tab = shown_tab(qtbot, DescentTab, worker)
    round_ = switch_on(qtbot, tab)
    _ready(qtbot, tab)
    assert round_.exercise.kind == "step" and tab.state.start == [10.0] and tab.state.learning_rate == 0.1
    assert tab.primary().history.path.shape[0] == 1                 # no step taken yet
    assert tab.function_view.step_arrow.shaft.opacity() == 0.0      # the next-step arrow is hidden
    click_plot(qtbot, round_, 8.1, 30.0)                              # only x counts in 1-D
    assert abs(round_.spins[0].value() - 8.1) < 0.05
    verdict = press_enter(qtbot, round_.spins[0], round_)
    assert verdict.correct and "x = 8" in verdict.truth
    qtbot.waitUntil(lambda: tab.primary().history.path.shape[0] == 2, timeout=10000)
    assert abs(float(tab.primary().x[0]) - 8.0) < 1e-12             # the tab took the step it was asked about
    assert tab.function_view.step_arrow.shaft.opacity() == 1.0


def test_will_it_converge_is_answered_by_key_and_the_run_is_played(qtbot, worker, fresh_progress):
    fresh_progress.topics["descent"].next = 1                         # the lesson's η = 1.1 on x²
    tab = shown_tab(qtbot, DescentTab, worker)
    round_ = switch_on(qtbot, tab)
    _ready(qtbot, tab)
    assert round_.exercise.kind == "converges" and tab.state.learning_rate == 1.1
    assert round_.button_yes.isVisible() and not round_.spins[0].isVisible()
    with qtbot.waitSignal(round_.revealed, timeout=10000) as blocker:
        qtbot.keyClick(round_.bar.button_predict, Qt.Key.Key_Y)      # says it converges: wrong
    assert not blocker.args[0].correct and "does not converge" in blocker.args[0].truth
    qtbot.waitUntil(lambda: tab.primary().history.path.shape[0] > 5, timeout=10000)
    path = tab.primary().history.path[:, 0]
    assert abs(path[-1]) > abs(path[0])                               # the run shows it: it grew
    assert round_.progress.score("descent") == (0, 1)


def test_two_d_landing_point_typed(qtbot, worker, fresh_progress):
    fresh_progress.topics["descent"].next = 2                         # the first generated one
    fresh_progress.seed = next(s for s in range(50) if _plane_step(quiz.generate("descent", s + 2)))
    tab = shown_tab(qtbot, DescentTab, worker)
    round_ = switch_on(qtbot, tab)
    _ready(qtbot, tab)
    assert _plane_step(round_.exercise) and round_.spins[1].isVisible()
    truth = round_.exercise.answer["x"]
    for spin, value in zip(round_.spins, truth, strict=True):
        spin.setValue(value)
    verdict = press_enter(qtbot, round_.spins[1], round_)
    assert verdict.correct
