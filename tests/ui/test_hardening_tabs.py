"""Hardening the tabs (issue 10): the bad-input catalogue in every tab, typed nonsense in the spin boxes, heavy
but valid input, and descent's numerical corner cases, driven through each tab's public API.

What a careful user expects is what is checked: a clear one-line message within a second, the event loop still
turning (a 10 ms QTimer heartbeat), the last good state kept (the same result object, the same plot data), and
no file named X appearing from an injection string. References are independent: the ASCII spelling of a
look-alike, hand-computed derivatives and descent steps.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
import pytest
import sympy as sp
from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLabel

from calclab.engine.parsing import parse
from tests import FROZEN_S

x, y = sp.symbols("x y", real=True)
TIMEOUT_S = 60.0


# --- helpers ---------------------------------------------------------------------------------------------------

def pump(seconds: float) -> None:
    """Let the event loop run for a while (timers, queued worker results, deferred deletes)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        QApplication.processEvents()
        time.sleep(0.002)


def wait_until(predicate: Callable[[], bool], timeout: float = TIMEOUT_S) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        assert time.perf_counter() < deadline, "timed out waiting for the tab"
        QApplication.processEvents()
        time.sleep(0.002)


class Heartbeat:
    """A 10 ms QTimer: the gaps between its ticks are how long the event loop stood still."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._beat)
        self.beats: list[float] = []

    def _beat(self) -> None:
        self.beats.append(time.perf_counter())

    def __enter__(self) -> Heartbeat:
        self.beats = [time.perf_counter()]
        self.timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        pump(0.05)   # one more turn, so a stall at the very end is measured too
        self.timer.stop()

    def max_gap(self) -> float:
        return float(np.max(np.diff(self.beats))) if len(self.beats) > 1 else math.inf


def snapshot(tab) -> list[np.ndarray]:
    """Copies of every plot item's data in every plot of the tab (curves, scatters, images)."""
    out: list[np.ndarray] = []
    for plot in tab.plots():
        for item in plot.getPlotItem().items:
            if isinstance(item, pg.PlotDataItem | pg.ScatterPlotItem):
                xs, ys = item.getData()
                out += [np.array([] if data is None else data, dtype=float) for data in (xs, ys)]
            elif isinstance(item, pg.ImageItem) and item.image is not None:
                out.append(np.array(item.image, dtype=float))
    return out


def same_data(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(u.shape == v.shape and np.array_equal(u, v, equal_nan=True)
                                    for u, v in zip(a, b, strict=True))


def assert_drawn_sanely(tab) -> None:
    """Every curve is finite, or broken at its non-finite points (connect='finite'): never a line to infinity."""
    for plot in tab.plots():
        for item in plot.getPlotItem().listDataItems():
            xs, ys = item.getData()
            if xs is None or len(xs) == 0:
                continue
            finite = np.isfinite(xs) & np.isfinite(ys)
            if not finite.all() and isinstance(item, pg.PlotDataItem) and item.opts.get("pen") is not None:
                assert item.opts["connect"] == "finite", f"{item} draws through non-finite points"
            assert np.all(np.abs(ys[finite]) < 1e300) and np.all(np.abs(xs[finite]) < 1e300)


def type_into_spin(spin: QAbstractSpinBox, text: str) -> None:
    """Select all, type `text` key by key (the validator sees every key, as with a user), press Enter."""
    from PySide6.QtTest import QTest

    spin.setFocus()
    spin.lineEdit().selectAll()
    QTest.keyClicks(spin.lineEdit(), text)
    QTest.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    QApplication.processEvents()


# --- the tabs, as the catalogue sees them ------------------------------------------------------------------------

@dataclass
class TabSpec:
    make: Callable                       # worker -> the tab, with a good expression applied
    box: Callable                        # tab -> the ExpressionBox under test
    ready: Callable[[object], bool]      # the tab has finished with its current input
    good: Callable[[object], object]     # what must not change on bad input (compared with ==, or `is` for objects)


def _derivatives(worker):
    from calclab.ui.tabs.derivatives import DerivativesTab

    return DerivativesTab(worker)


def _gradients(worker):
    from calclab.ui.tabs.gradients.tab import GradientsTab

    return GradientsTab(worker)


def _chain(worker):
    from calclab.ui.tabs.chain_rule.tab import ChainRuleTab

    return ChainRuleTab(worker)


def _chain_parts(worker):
    from calclab.state.chain_rule import ChainRuleState
    from calclab.ui.tabs.chain_rule.tab import ChainRuleTab

    tab = ChainRuleTab(worker)
    tab.set_state(ChainRuleState(mode="parts", outer="sin(u)", inner="x^2"))
    wait_until(lambda: tab.analysis is not None and tab.analysis.expression == sp.sin(x**2))
    return tab


def _descent(worker):
    from calclab.ui.tabs.descent.tab import DescentTab

    return DescentTab(worker)


SPECS = {
    "derivatives": TabSpec(_derivatives, lambda t: t.expression_box,
                           lambda t: not t.is_busy() and t.result() is not None, lambda t: t.result()),
    "gradients": TabSpec(_gradients, lambda t: t.expression_box,
                         lambda t: t.worker.is_idle() and t.variables() != [], lambda t: tuple(t.variables())),
    "chain": TabSpec(_chain, lambda t: t.box_expression,
                     lambda t: not t.is_busy() and t.analysis is not None, lambda t: t.analysis),
    "chain-parts": TabSpec(_chain_parts, lambda t: t.box_outer,
                           lambda t: not t.is_busy() and t.analysis is not None, lambda t: t.analysis),
    "descent": TabSpec(_descent, lambda t: t.inputs.expression, lambda t: t.is_ready(),
                       lambda t: (t.compiled, t.primary())),
}


@pytest.fixture(scope="module")
def tabs(qapp, worker):
    """One of each tab for the whole module (building them costs seconds); deleted at the end."""
    built: dict[str, object] = {}
    for name, spec in SPECS.items():
        tab = spec.make(worker)
        tab.resize(1400, 900)
        tab.show()
        built[name] = tab
    for name, tab in built.items():
        wait_until(lambda tab=tab, name=name: SPECS[name].ready(tab))
    yield built
    wait_until(worker.is_idle)
    for tab in built.values():
        tab.close()
        tab.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    pump(0.05)


def _same_good(before: object, after: object) -> bool:
    if isinstance(before, tuple) and not (before and isinstance(before[0], str)):
        return len(before) == len(after) and all(_same_good(a, b) for a, b in zip(before, after, strict=True))
    return before is after if not isinstance(before, str | int | float | tuple) else before == after


BAD_INPUT = {
    "empty": "", "whitespace": "  \t  ", "unknown function": "foo(x)", "reserved name": "x + N",
    "unbalanced (": "(x + 1", "unbalanced )": "x + 1)", "dangling +": "2x +", "double ^": "x^^2",
    "python import": "__import__('os').system('touch X')", "attribute": "x.__class__", "shell": "$(touch X)",
    "lambda": "lambda: 1", "100 kB": "x+" * 50_000 + "x", "10,000 deep": "(" * 10_000 + "x" + ")" * 10_000,
    "9^9^9^9": "9^9^9^9", "1e309": "1e309", "nan": "x + nan", "inf": "inf x", "sqrt(-1)": "sqrt(-1) x",
    "not a look-alike": "√x",
}


@pytest.mark.parametrize("text", list(BAD_INPUT.values()), ids=list(BAD_INPUT))
@pytest.mark.parametrize("name", list(SPECS))
def test_bad_expression_gives_a_message_and_keeps_the_last_good_state(name, text, tabs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec, tab = SPECS[name], tabs[name]
    box = spec.box(tab)
    wait_until(lambda: spec.ready(tab))
    good, drawn = spec.good(tab), snapshot(tab)
    with Heartbeat() as heart:
        start = time.perf_counter()
        box.line_edit.setText(text)          # a paste ...
        box.line_edit.returnPressed.emit()   # ... and Enter
        elapsed = time.perf_counter() - start
        pump(0.1)
    message = box.error()
    assert message and "\n" not in message and len(message) < 200, message
    assert box.label_error.isVisibleTo(tab) and box.label_error.text()
    assert elapsed < FROZEN_S and heart.max_gap() < FROZEN_S
    wait_until(lambda: spec.ready(tab))
    assert _same_good(good, spec.good(tab)), "the last good result was replaced"
    assert same_data(drawn, snapshot(tab)), "the plots changed on bad input"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text", ["2x +", "x^^2", "$(touch X)", "sin()"])
@pytest.mark.parametrize("name", list(SPECS))
def test_typing_bad_input_key_by_key(name, text, tabs, qtbot, tmp_path, monkeypatch):
    """The debounced path: the error appears while typing, nothing is applied, Enter changes nothing."""
    monkeypatch.chdir(tmp_path)
    spec, tab = SPECS[name], tabs[name]
    box = spec.box(tab)
    wait_until(lambda: spec.ready(tab))
    good = spec.good(tab)
    box.line_edit.selectAll()
    qtbot.keyClicks(box.line_edit, text)
    qtbot.waitUntil(lambda: box.error() != "", timeout=2000)
    qtbot.keyClick(box.line_edit, Qt.Key.Key_Return)
    pump(0.1)
    wait_until(lambda: spec.ready(tab))
    assert box.error() and _same_good(good, spec.good(tab))
    assert list(tmp_path.iterdir()) == []


LOOKALIKES = {
    "derivatives": ("3×x²−1", "3*x^2-1"), "gradients": ("３x² − 2·y", "3x^2 - 2*y"),
    "chain": ("(２x + ３)²", "(2x+3)^2"), "chain-parts": ("sin(u)²", "sin(u)^2"),
    "descent": ("x⁴ − 3x² + x", "x^4 - 3x^2 + x"),
}


@pytest.mark.parametrize("name", list(SPECS))
def test_unicode_lookalikes_are_read_as_their_ascii_spelling(name, tabs):
    spec, tab = SPECS[name], tabs[name]
    fancy, plain = LOOKALIKES[name]
    box = spec.box(tab)
    wait_until(lambda: spec.ready(tab))
    before = spec.good(tab)
    box.line_edit.setText(fancy)
    box.line_edit.returnPressed.emit()
    assert box.error() == "" and box.expression() == parse(plain)
    u = sp.Symbol("u", real=True)
    applied = {"derivatives": lambda: tab.result().expression == parse(plain),
               "gradients": lambda: "- 2 y" in tab.formula_f.latex(),
               "chain": lambda: tab.analysis.expression == parse(plain),
               "chain-parts": lambda: tab.analysis.expression == parse(plain).subs(u, x**2),
               "descent": lambda: tab.compiled.prepared.expression == parse(plain)}[name]
    pump(0.1)
    wait_until(lambda: spec.ready(tab) and applied())
    assert not _same_good(before, spec.good(tab)) or name == "gradients"
    if name == "derivatives":
        assert sp.simplify(tab.result().derivative - 6 * x) == 0      # d/dx (3x^2 - 1), by hand
    elif name == "descent":
        assert tab.compiled.value(np.array([2.0])) == 16 - 12 + 2       # f(2) by hand
    elif name == "gradients":
        assert tab.variables() == ["x", "y"] and "2 y" in tab.formula_f.latex()


def test_unusable_but_valid_expressions_say_why(tabs):
    """Parsed fine, but not something the tab can show: a message, and the last good state stays."""
    cases = [("descent", "x + y + z", "one or two variables", lambda t: t.label_update.text()),
             ("chain", "x*y", "one variable", lambda t: t.label_error.text()),
             ("gradients", "7", "constant", lambda t: t.label_message.text())]
    for name, text, words, shown in cases:
        spec, tab = SPECS[name], tabs[name]
        box = spec.box(tab)
        wait_until(lambda spec=spec, tab=tab: spec.ready(tab))
        good, drawn = spec.good(tab), snapshot(tab)
        box.line_edit.setText(text)
        box.line_edit.returnPressed.emit()
        wait_until(lambda tab=tab: tab.worker.is_idle())
        pump(0.1)
        assert words in shown(tab), (name, shown(tab))
        assert _same_good(good, spec.good(tab)) and same_data(drawn, snapshot(tab))
    # and a good expression is taken again afterwards
    tab = tabs["descent"]
    tab.inputs.expression.set_text("x^2")
    wait_until(tab.is_ready)
    assert tab.compiled.value(np.array([3.0])) == 9.0


# --- heavy but valid input: the window keeps turning ------------------------------------------------------------

def _long_sum(limit: int = 4000) -> str:
    parts: list[str] = []
    while len(" + ".join(parts + [f"sin({len(parts) + 1}x)"])) <= limit:
        parts.append(f"sin({len(parts) + 1}x)")
    return " + ".join(parts)


HEAVY = {"power tower": "x^x^x^x^x^x", "deep sin": "sin(" * 60 + "x" + ")" * 60, "big power": "(x+1)^1000000",
         "exp tower": "exp(exp(exp(x)))", "sigmoid nest": "sigmoid(" * 30 + "x" + ")" * 30}
# Extreme but valid input (nests 30-60 deep) still costs the GUI thread some layout and plotting (0.25-0.5 s
# for sin nested 60 deep in the Chain Rule tab, once its compiling and typesetting moved to worker processes;
# 0.9-1.8 s before); multi-second freezes are the bug, and the bound leaves room for a loaded CI machine.
STALL_S = FROZEN_S


@pytest.mark.parametrize("text", list(HEAVY.values()), ids=list(HEAVY))
@pytest.mark.parametrize("name", ["derivatives", "gradients", "chain", "descent"])
def test_heavy_valid_input_keeps_the_window_responsive(name, text, tabs):
    spec, tab = SPECS[name], tabs[name]
    box = spec.box(tab)
    wait_until(lambda: spec.ready(tab))
    with Heartbeat() as heart:
        box.line_edit.setText(text)
        box.line_edit.returnPressed.emit()
        wait_until(lambda: tab.worker.is_idle())
        pump(0.3)
    assert heart.max_gap() < STALL_S, f"the event loop stood still for {heart.max_gap():.2f} s"
    assert_drawn_sanely(tab)
    box.set_text("x^2")   # back to something small for the next case
    wait_until(lambda: spec.ready(tab))


# Parse stays on the GUI thread (the box validates as you type: ~0.1 s for 4,000 characters); lambdify of f and
# its derivative moved to the worker (it was ~0.6 s each here, 1.3-2.2 s stalls in Derivatives and Chain Rule).
# Measured after: 0.08-0.37 s in the four tabs on a quiet machine.
@pytest.mark.parametrize("name", ["derivatives", "gradients", "chain", "descent"])
def test_longest_allowed_expression_keeps_the_window_responsive(name, tabs):
    spec, tab = SPECS[name], tabs[name]
    box = spec.box(tab)
    wait_until(lambda: spec.ready(tab))
    text = _long_sum()
    try:
        with Heartbeat() as heart:
            box.line_edit.setText(text)
            box.line_edit.returnPressed.emit()
            wait_until(lambda: tab.worker.is_idle())
            pump(0.5)
        assert heart.max_gap() < FROZEN_S, f"the event loop stood still for {heart.max_gap():.2f} s"
    finally:
        box.set_text("x^2")
        wait_until(lambda: spec.ready(tab))


# --- spin boxes: typed nonsense is clamped or refused, never taken --------------------------------------------

@pytest.mark.parametrize("typed", ["0", "-1", "nan", "inf", "1e309", "-0", "1e-9", "abc"])
def test_descent_learning_rate_box_never_takes_an_invalid_rate(typed, tabs):
    from calclab.state.descent import LR_MAX, LR_MIN

    tab = tabs["descent"]
    tab.inputs.expression.set_text("x^2")
    wait_until(tab.is_ready)
    spin = tab.inputs.spin_learning_rate
    spin.setValue(0.1)
    type_into_spin(spin, typed)
    assert math.isfinite(spin.value()) and LR_MIN <= spin.value() <= LR_MAX
    assert all(run.lr == spin.value() for _name, run in tab.runs)
    assert tab.step()


@pytest.mark.parametrize(("typed", "low", "high"), [("0", 1, 100_000), ("1000000000", 1, 100_000), ("-5", 1, 100_000)])
def test_descent_epochs_box_clamps(typed, low, high, tabs):
    tab = tabs["descent"]
    type_into_spin(tab.inputs.spin_epochs, typed)
    wait_until(tab.is_ready)
    assert low <= tab.inputs.spin_epochs.value() <= high
    assert all(low <= run.epochs <= high for _name, run in tab.runs)


def test_descent_start_outside_the_domain_says_so_and_recovers(tabs):
    tab = tabs["descent"]
    tab.inputs.expression.set_text("log(x)")
    wait_until(tab.is_ready)
    start = time.perf_counter()
    type_into_spin(tab.inputs.start_spins["x"], "-1")
    assert time.perf_counter() - start < 1.0
    assert "not defined at the start point x0 = -1" in tab.label_update.text()
    assert not tab.runs and not tab.button_step.isEnabled() and not tab.step()
    for typed in ("nan", "1e309"):
        type_into_spin(tab.inputs.start_spins["x"], typed)
        assert math.isfinite(tab.inputs.start_spins["x"].value())
    type_into_spin(tab.inputs.start_spins["x"], "2")
    assert tab.is_ready() and tab.step()
    assert tab.primary().x[0] == pytest.approx(2 - 0.1 * 0.5)   # x1 = x0 - lr / x0, by hand


@pytest.mark.parametrize("typed", ["nan", "1e309", "-1e400", "abc"])
def test_point_boxes_of_the_other_tabs_stay_finite(typed, tabs):
    derivatives, chain, gradients = tabs["derivatives"], tabs["chain"], tabs["gradients"]
    for spin in (derivatives.spin_x0, chain.spin_x0, *gradients.variables_panel.findChildren(QAbstractSpinBox)):
        before = spin.value()
        type_into_spin(spin, typed)
        assert math.isfinite(spin.value()), spin.objectName()
        assert spin.value() == before or spin.minimum() <= spin.value() <= spin.maximum()
    pump(0.1)
    for name in ("derivatives", "chain", "gradients"):
        assert_drawn_sanely(tabs[name])


def test_derivatives_at_a_point_outside_the_domain_say_undefined(tabs):
    tab = tabs["derivatives"]
    tab.expression_box.set_text("log(x)")
    wait_until(lambda: SPECS["derivatives"].ready(tab) and tab.result().expression == sp.log(x))
    type_into_spin(tab.spin_x0, "-1")
    reading = tab.reading()
    assert reading.x0 == -1.0 and math.isnan(reading.value) and math.isnan(reading.slope)
    assert "undefined" in " ".join(label.text() for label in tab.readouts.findChildren(QLabel))
    assert_drawn_sanely(tab)


def test_refused_expression_is_not_overtaken_by_the_one_still_preparing(tabs):
    """Enter a good f, then at once one descent cannot use: the message stays and the good f is not run."""
    tab = tabs["descent"]
    tab.inputs.expression.set_text("x^2")
    wait_until(tab.is_ready)
    good = tab.compiled
    box = tab.inputs.expression
    box.line_edit.setText("x^4 - 3x^2 + x")
    box.line_edit.returnPressed.emit()
    box.line_edit.setText("x + y + z")
    box.line_edit.returnPressed.emit()
    wait_until(tab.worker.is_idle)
    pump(0.2)
    assert "one or two variables" in tab.label_update.text()
    assert tab.compiled is good and not tab.is_preparing()


def test_refused_chain_is_not_overtaken_by_the_one_still_computing(tabs):
    tab = tabs["chain"]
    tab.box_expression.set_text("(2x+3)^2")
    wait_until(lambda: tab.worker.is_idle() and tab.analysis is not None)
    good = tab.analysis
    tab.box_expression.line_edit.setText("sin(x^2)")
    tab.box_expression.line_edit.returnPressed.emit()
    tab.box_expression.line_edit.setText("x*y")
    tab.box_expression.line_edit.returnPressed.emit()
    wait_until(tab.worker.is_idle)
    pump(0.2)
    assert "one variable (found: x, y)" in tab.label_error.text() and tab.label_error.isVisibleTo(tab)
    assert tab.analysis is good


def test_chain_rates_at_a_point_outside_the_domain_say_undefined(tabs):
    """log(x^2 - 4) at x0 = 0 is log(-4): the link rates' formulas give numbers (1/u = -1/4, 2x = 0), but y has
    no slope there, so no product may be claimed; at x0 = 3 it is 2x/(x^2 - 4) = 6/5, by hand."""
    tab = tabs["chain"]
    tab.box_expression.set_text("log(x^2 - 4)")
    wait_until(lambda: tab.worker.is_idle() and tab.analysis is not None
               and tab.analysis.expression == sp.log(x**2 - 4))
    type_into_spin(tab.spin_x0, "0")
    last = tab.rates.table.rowCount() - 1
    assert tab.rates.cell(last, 2) == "dy/dx = undefined" and tab.rates.cell(last, 1) == "y = undefined"
    assert "y is not defined" in tab.rates.label_nudge.text()
    type_into_spin(tab.spin_x0, "3")
    assert tab.rates.cell(last, 2) == "dy/dx = 1.2" and "the rates multiply" in tab.rates.label_nudge.text()
    assert_drawn_sanely(tab)


# --- descent: functions with no minimum, flat regions, kinks, overflow --------------------------------------

def _descend(tab, expression: str, start: float, lr: float, epochs: int, optimizer: str = "sgd"):
    from calclab.state.descent import DescentState

    tab.set_state(DescentState(expression=expression, start=[start], learning_rate=lr, epochs=epochs,
                               optimizer=optimizer))
    wait_until(lambda: not tab.is_preparing())
    wait_until(tab.is_ready)
    with Heartbeat() as heart:
        steps = 0
        while tab.step():
            steps += 1
            if steps % 50 == 0:
                QApplication.processEvents()
    assert heart.max_gap() < FROZEN_S
    return tab.primary()


@pytest.mark.parametrize(("expression", "start", "words"), [
    ("x^3", -1.0, "falling without bound"), ("-x^2", 1.0, "falling without bound"),
    ("x^2", 1.0, "grew over"), ("exp(-x)", 0.0, "")])
def test_runs_that_diverge_stop_with_a_message_and_no_line_to_infinity(expression, start, words, tabs):
    tab = tabs["descent"]
    lr = 10.0 if expression == "x^2" else 0.1
    run = _descend(tab, expression, start, lr, 300)
    if words:
        assert run.status == "diverged" and words in run.message
        assert run.message in tab.label_update.text() or run.message in tab.copy_text()
    else:   # exp(-x) has no minimum either, but descends ever more slowly: it completes, finite
        assert run.status == "completed" and np.all(np.isfinite(run.history.path))
    assert not tab.button_step.isEnabled()
    assert_drawn_sanely(tab)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_flat_region_stops_with_a_message(optimizer, tabs):
    tab = tabs["descent"]
    run = _descend(tab, "relu(x)", -1.0, 0.1, 200, optimizer)
    assert run.status == "converged" and run.epoch == 0 and "exactly 0" in run.message
    assert not tab.button_step.isEnabled()
    assert_drawn_sanely(tab)


def test_kink_oscillates_without_trouble(tabs):
    tab = tabs["descent"]
    run = _descend(tab, "abs(x)", 1.0, 0.3, 300)
    assert run.status == "completed" and run.epoch == 300
    assert run.history.x[:6, 0] == pytest.approx([0.7, 0.4, 0.1, -0.2, 0.1, -0.2])   # sign(x) steps by hand
    assert tab.table_model.rowCount() >= 300
    assert_drawn_sanely(tab)


# --- backprop: typed nonsense and overflow while the window keeps turning ------------------------------------

@pytest.fixture
def backprop(qtbot, worker):
    from calclab.ui.tabs.backprop import BackpropTab

    tab = BackpropTab(worker)
    qtbot.addWidget(tab)
    tab.resize(1400, 900)
    tab.show()
    yield tab
    tab.stop()


@pytest.mark.parametrize("typed", ["0", "-1", "nan", "1e309", "0.0000001"])
def test_backprop_learning_rate_box_never_takes_zero(typed, backprop):
    from calclab.state.backprop import LR_MAX

    net = backprop.model.net
    type_into_spin(backprop.controls.spin_learning_rate, typed)
    lr = backprop.state.learning_rate
    assert math.isfinite(lr) and 0 < lr <= LR_MAX and backprop.model.net is net
    if backprop.controls.spin_learning_rate.value() == 0:
        assert "above 0" in backprop.steps.label_message.text()


@pytest.mark.parametrize(("typed", "message"), [("0", "1 to 8"), ("1000", ""), ("-3", "")])
def test_backprop_layer_size_box(typed, message, backprop):
    from calclab.state.backprop import MAX_LAYER_WIDTH

    type_into_spin(backprop.controls.spin_hidden_1, typed)
    assert all(1 <= n <= MAX_LAYER_WIDTH for n in backprop.state.hidden)
    assert message in backprop.steps.label_message.text()


@pytest.mark.parametrize("typed", ["0", "1000000000", "-7"])
def test_backprop_epochs_box_clamps(typed, backprop):
    from calclab.state.backprop import EPOCHS_MAX

    type_into_spin(backprop.controls.spin_epochs, typed)
    assert 1 <= backprop.state.epochs <= EPOCHS_MAX


def test_backprop_training_fast_and_overflowing_keeps_the_window_turning(backprop):
    """2,000 epochs per frame on the biggest net and data, then lr 1000 on the sine: the loop never stalls."""
    from calclab.state.backprop import BackpropState

    spiral = BackpropState(dataset="spiral", n_samples=2000, hidden=[8, 8, 8, 8], learning_rate=0.1, epochs=100_000,
                           speed=2000)
    backprop.set_state(spiral)
    assert backprop.state == spiral
    with Heartbeat() as heart:
        backprop.train()
        pump(2.0)
        backprop.stop()
    assert backprop.model.epoch > 0 and heart.max_gap() < FROZEN_S
    sine = BackpropState(dataset="sine", hidden=[8], learning_rate=1000.0, epochs=5000, speed=2000)
    backprop.set_state(sine)
    assert backprop.state == sine
    with Heartbeat() as heart:
        backprop.train()
        wait_until(lambda: not backprop.is_training())
    assert "diverged" in backprop.steps.label_message.text() and heart.max_gap() < FROZEN_S
    assert backprop.model.net.is_finite()
    assert_drawn_sanely(backprop)


# --- shared widgets under stress -------------------------------------------------------------------------------

def test_long_formulas_are_typeset_in_another_process_not_on_a_thread(qtbot):
    """A typesetting thread held the GIL that every Python-overridden Qt call on the GUI thread waits for (a
    30-link chain stood the event loop still for 0.9-1.6 s) and let Python's collector destroy Qt objects off
    the GUI thread ('QObject: shared QObject was deleted directly'). The typesetting process does neither."""
    import gc
    import os
    import threading

    from calclab.ui.widgets.formula_view import FormulaView, typesetter

    view = FormulaView()
    qtbot.addWidget(view)
    view.set_latex(r"\frac{d}{dx} " + " + ".join(rf"\sin({k} x)" for k in range(1, 30)), defer=True)
    assert view.is_pending() and gc.isenabled()
    assert not [t.name for t in threading.enumerate() if "typeset" in t.name]
    qtbot.waitUntil(lambda: not view.is_pending(), timeout=20000)
    assert not view.is_fallback() and gc.isenabled()
    assert typesetter().process_id() not in (None, os.getpid())


def test_jump_breaking_is_silent_on_infinite_and_huge_samples():
    """exp(exp(x)) and (x+1)^1000000 sample to inf and 1e300: no RuntimeWarning (warnings are errors here)."""
    from calclab.ui.widgets.plot_panel import break_at_jumps

    xs = np.linspace(-1.0, 1.0, 9)
    ys = np.array([1.0, 1e300, np.inf, np.inf, -np.inf, 1e300, -1e300, np.nan, 2.0])
    bx, by = break_at_jumps(xs, ys, threshold=10.0)
    assert len(bx) == len(by) >= len(xs) and np.all(np.isin(xs, bx))


def test_tabs_dropped_without_delete_later_tear_down_quietly(qtbot, worker):
    """A tab collected by Python (no deleteLater, in a reference cycle) still gets events while its widgets go;
    none of its slots or filters may raise then (the Derivatives tab's key filter did, once per event)."""
    import gc
    import sys

    from calclab.ui.tabs.backprop import BackpropTab
    from calclab.ui.tabs.derivatives import DerivativesTab

    errors: list[str] = []
    hook, sys.excepthook = sys.excepthook, lambda *exc: errors.append(str(exc[1]))
    try:
        for cls in (DerivativesTab, BackpropTab):
            tab = cls(worker)
            tab.resize(800, 600)
            tab.show()
            wait_until(worker.is_idle)
            pump(0.2)
            tab.setFocus()
            tab.close()   # hidden first: destroying a shown window leaves Qt's hover tracking on it
            del tab
            gc.collect()
            pump(0.1)
    finally:
        sys.excepthook = hook
    assert errors == []
