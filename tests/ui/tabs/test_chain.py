"""The Chain Rule tab, driven like a user: presets, typing, x0, the graph's step buttons. Maths against
hand-computed values and finite differences."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt

from calclab.state.chain_rule import PRESETS, ChainRuleState

TIMEOUT_MS = 15000


def to_float(text: str) -> float:
    """A number as the tab prints it (real minus sign, 4 significant digits) after the last '= '."""
    return float(text.rsplit("= ", 1)[-1].replace("−", "-"))


@pytest.fixture
def tab(qtbot, worker):
    from calclab.ui.tabs.chain_rule.tab import ChainRuleTab

    widget = ChainRuleTab(worker)
    qtbot.addWidget(widget)
    widget.resize(1400, 850)
    widget.show()
    qtbot.waitUntil(lambda: widget.analysis is not None, timeout=TIMEOUT_MS)
    return widget


def wait_for(qtbot, tab, text: str) -> None:
    """Wait until the chain shown is the one for `text` (parsed the same way the tab does)."""
    from calclab.engine.parsing import parse

    expected = parse(text)
    qtbot.waitUntil(lambda: tab.analysis is not None and tab.analysis.expression == expected, timeout=TIMEOUT_MS)


def type_expression(qtbot, box, text: str) -> None:
    box.line_edit.clear()
    qtbot.keyClicks(box.line_edit, text)
    qtbot.keyClick(box.line_edit, Qt.Key.Key_Return)


def test_lesson_preset_is_the_default_and_shows_every_step(qtbot, tab) -> None:
    assert tab.combo_preset.currentText() == PRESETS[0].name
    assert tab.box_expression.text() == "(2x+3)^2"
    latex = tab.steps.step_latex()
    for expected in ("g(x) = 2 x + 3", "f(g) = g^{2}", "f'(g) = 2 g", "g'(x) = 2"):
        assert expected in latex
    # the product as the learner writes it, then simplified: 2(2x + 3) · 2 = 8x + 12
    assert r"\frac{dy}{dx} = f'(g(x)) \cdot g'(x) = 2 \left(2 x + 3\right) \cdot 2 = 8 x + 12" in latex
    views = tab.steps.formula_views()
    qtbot.waitUntil(lambda: not any(view.is_pending() for view in views), timeout=TIMEOUT_MS)
    assert not any(view.is_fallback() for view in views)                   # all typeset
    check = tab.steps.label_check.text()
    assert check.startswith("✓ equals the direct derivative") and "8x + 12" in check
    assert not tab.steps.label_message.isVisible()


def test_lesson_rates_at_x0_by_hand(tab) -> None:
    assert tab.spin_x0.value() == 0.5
    # g = 2x + 3 = 4, dg/dx = 2; y = g^2 = 16, dy/dg = 2g = 8; dy/dx = 16 = 8·0.5 + 12
    assert [tab.rates.cell(r, 2) for r in range(3)] == ["dg/dx = 2", "dy/dg = 8", "dy/dx = 16"]
    assert tab.rates.cell(0, 1) == "g = 4" and tab.rates.cell(1, 1) == "y = 16"
    assert tab.rates.cell(2, 3) == "dy = 0.016"
    assert "a nudge of 0.001 in x becomes 0.002 in g, then 0.016 in y" in tab.rates.label_nudge.text()


def test_three_link_composite_factors_multiply_to_the_finite_difference(qtbot, tab) -> None:
    type_expression(qtbot, tab.box_expression, "sin((2x+3)^2)")
    wait_for(qtbot, tab, "sin((2x+3)^2)")
    tab.spin_x0.setValue(0.3)
    latex = tab.steps.step_latex()
    assert r"y \leftarrow u \leftarrow v \leftarrow x" in latex
    assert r"u = v^{2} \qquad \frac{du}{dv} = 2 v" in latex
    assert tab.steps.label_check.text().startswith("✓")
    rows = [[tab.rates.cell(r, c) for c in range(4)] for r in range(tab.rates.table.rowCount())]
    assert [row[0] for row in rows] == ["v ← x", "u ← v", "y ← u", "y ← x"]
    v0 = 2 * 0.3 + 3
    u0 = v0 ** 2
    factors = [to_float(rows[i][2]) for i in range(3)]
    assert factors == pytest.approx([2.0, 2 * v0, math.cos(u0)], rel=1e-3)
    h = 1e-6
    slope = (math.sin((2 * (0.3 + h) + 3) ** 2) - math.sin((2 * (0.3 - h) + 3) ** 2)) / (2 * h)
    assert math.prod(factors) == pytest.approx(slope, rel=2e-3)
    assert to_float(rows[3][2]) == pytest.approx(slope, rel=1e-3)       # the product row
    nudge = tab.rates.label_nudge.text()
    assert "becomes 0.002 in v, then 0.0144 in u" in nudge                 # 0.001·2, then ·2v0 = 7.2


def test_graph_steps_forward_then_backward_in_order(qtbot, tab) -> None:
    panel = tab.graph_panel
    view = panel.view
    graph = view.graph()
    assert [n.label for n in graph.nodes] == ["2", "x", "×", "3", "+", "^2"]
    assert not panel.button_backward_step.isEnabled()
    order = graph.forward_order()
    for k, node in enumerate(order, start=1):
        qtbot.mouseClick(panel.button_forward_step, Qt.MouseButton.LeftButton)
        assert view.current_node() == node
        for later in order[k:]:
            assert view.node_texts(later)[1] == ""                       # not computed yet
    values = {graph.nodes[i].label: view.node_texts(i)[1] for i in order}
    assert values == {"2": "", "x": "0.5", "×": "1", "3": "", "+": "4", "^2": "16"}   # constants show their label
    assert not panel.button_forward_step.isEnabled() and panel.button_backward_step.isEnabled()
    backward = graph.backward_order()
    for k, node in enumerate(backward, start=1):
        qtbot.mouseClick(panel.button_backward_step, Qt.MouseButton.LeftButton)
        assert view.current_node() == node
        assert view.node_texts(node)[2].startswith("∂ ")
        for later in backward[k:]:
            assert view.node_texts(later)[2] == ""
    gradients = {graph.nodes[i].label: view.node_texts(i)[2] for i in order}
    # dy/dnode by hand at x = 0.5: y = v², dy/dv = 2v = 8; v = a + 3; a = 2x; dy/dx = 8·2 = 16
    assert gradients == {"2": "∂ 4", "x": "∂ 16", "×": "∂ 8", "3": "∂ 8", "+": "∂ 8", "^2": "∂ 1"}
    edge_into_pow = graph.edges_into(graph.output)[0]
    assert view.edge_text(edge_into_pow) == "×8"                         # d(v²)/dv at v = 4
    qtbot.mouseClick(panel.button_reset, Qt.MouseButton.LeftButton)
    assert all(view.node_texts(i)[1:] == ("", "") for i in order)


def test_graph_run_all_and_fan_out(qtbot, tab) -> None:
    type_expression(qtbot, tab.box_expression, "x sin(x)")
    wait_for(qtbot, tab, "x sin(x)")
    panel = tab.graph_panel
    qtbot.mouseClick(panel.button_forward_all, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.button_backward_all, Qt.MouseButton.LeftButton)
    graph = panel.view.graph()
    x0 = tab.spin_x0.value()
    text = panel.view.node_texts(graph.input)[2]
    assert to_float(text.replace("∂ ", "= ")) == pytest.approx(math.sin(x0) + x0 * math.cos(x0), rel=1e-3)
    assert len(graph.edges_out_of(graph.input)) == 2


def test_x0_spin_box_moves_the_point_and_updates_values(qtbot, tab) -> None:
    plots = tab.chain_plots
    tab.spin_x0.setValue(-2.0)
    assert plots.outer.line.value() == pytest.approx(-2.0)
    assert plots.inner.line.value() == pytest.approx(-2.0)
    xs, ys = plots.outer.points.getData()
    assert list(xs) == pytest.approx([-2.0, -2.0])
    assert sorted(ys) == pytest.approx(sorted([1.0, -4.0]))    # (2·-2 + 3)^2 = 1 and 8·-2 + 12 = -4
    assert tab.rates.cell(2, 2) == "dy/dx = −4"
    qtbot.mouseClick(tab.graph_panel.button_forward_all, Qt.MouseButton.LeftButton)
    view = tab.graph_panel.view
    assert view.node_texts(view.graph().input)[1] == "−2"
    assert view.node_texts(view.graph().output)[1] == "1"
    tab.spin_x0.setValue(1.0)                                      # stepping kept, numbers follow x0
    assert view.node_texts(view.graph().output)[1] == "25"
    # Dragging the line (what a mouse drag does to it) moves the spin box and everything else.
    plots.inner.line.setValue(-1.0)
    assert tab.spin_x0.value() == pytest.approx(-1.0)
    assert tab.state.x0 == pytest.approx(-1.0)
    assert tab.rates.cell(2, 2) == "dy/dx = 4"


def test_plots_show_the_inner_function_and_the_composite(tab) -> None:
    plots = tab.chain_plots
    x, g = plots.curve_data("inner", "function")
    assert len(x) > 100
    assert g == pytest.approx(2 * x + 3)
    x, dy = plots.curve_data("outer", "derivative")
    assert dy == pytest.approx(8 * x + 12)
    low, high = PRESETS[0].state.x_range
    assert x[0] == pytest.approx(low, abs=0.05) and x[-1] == pytest.approx(high, abs=0.05)


def test_not_a_composite_says_so_and_points_at_the_product_rule(qtbot, tab) -> None:
    type_expression(qtbot, tab.box_expression, "x sin(x)")
    wait_for(qtbot, tab, "x sin(x)")
    message = tab.steps.label_message
    assert message.isVisible()
    assert "not a composite" in message.text() and "product rule" in message.text()
    assert "Derivatives tab" in message.text()
    assert not tab.chain_plots.inner.panel.isVisible()
    assert not tab.rates.table.isVisible()
    assert any("x \\cos" in latex for latex in tab.steps.step_latex())   # the direct derivative is still shown


def test_bad_input_keeps_the_last_chain(qtbot, tab) -> None:
    before = tab.steps.step_latex()
    analysis = tab.analysis
    type_expression(qtbot, tab.box_expression, "sin(x^")
    qtbot.waitUntil(lambda: tab.box_expression.error() != "", timeout=2000)
    qtbot.wait(300)
    assert tab.analysis is analysis and tab.steps.step_latex() == before
    type_expression(qtbot, tab.box_expression, "sin(x y)")
    qtbot.waitUntil(lambda: tab.label_error.isVisible(), timeout=2000)
    assert "one variable" in tab.label_error.text()
    qtbot.wait(300)
    assert tab.analysis is analysis and tab.steps.step_latex() == before


def test_outer_and_inner_typed_separately(qtbot, tab) -> None:
    qtbot.mouseClick(tab.radio_mode_parts, Qt.MouseButton.LeftButton)
    assert tab.state.mode == "parts" and tab.stack_inputs.currentIndex() == 1
    type_expression(qtbot, tab.box_outer, "sin(u)")
    type_expression(qtbot, tab.box_inner, "x^2")
    wait_for(qtbot, tab, "sin(x^2)")
    latex = tab.steps.step_latex()
    assert "f(u) = \\sin{\\left(u \\right)}" in latex and "g(x) = x^{2}" in latex
    type_expression(qtbot, tab.box_outer, "x^2")                  # written in x, not u: refused, chain kept
    qtbot.waitUntil(lambda: tab.label_error.isVisible(), timeout=TIMEOUT_MS)
    assert "written in u" in tab.label_error.text()
    assert tab.steps.step_latex() == latex


def test_presets_load_their_expression_range_and_point(qtbot, tab) -> None:
    index = next(i for i, p in enumerate(PRESETS) if p.state.expression == "sin((2x+3)^2)")
    tab.combo_preset.setCurrentIndex(index)
    tab.combo_preset.activated.emit(index)
    wait_for(qtbot, tab, "sin((2x+3)^2)")
    assert tab.spin_x0.value() == pytest.approx(PRESETS[index].state.x0)
    assert tab.state.x_range == PRESETS[index].state.x_range
    assert len(tab.graph_panel.view.graph().nodes) == 7


def test_state_round_trip_and_tolerance() -> None:
    state = ChainRuleState(mode="parts", expression="sin(x^2)", outer="u^3", inner="x+1", x_range=(-1.0, 2.0),
                           x0=0.25)
    assert ChainRuleState.from_dict(state.to_dict()) == state
    messy = {"mode": "sideways", "expression": 3, "x_range": [2, 1], "x0": float("nan"), "extra": 1}
    assert ChainRuleState.from_dict(messy) == ChainRuleState()
    assert ChainRuleState.from_dict(None) == ChainRuleState()


def test_set_state_shows_the_state(qtbot, tab) -> None:
    tab.set_state(ChainRuleState(expression="exp(-x^2/2)", x_range=(-3.0, 3.0), x0=1.0))
    wait_for(qtbot, tab, "exp(-x^2/2)")
    assert tab.box_expression.text() == "exp(-x^2/2)"
    assert tab.rates.cell(2, 2) == f"dy/dx = {-math.exp(-0.5):.4g}".replace("-", "−")


def test_state_is_a_copy(qtbot, tab) -> None:
    before = tab.state
    state = tab.state
    assert state is not before
    state.expression, state.x0, state.mode = "sin(x^2)", -2.0, "parts"
    qtbot.wait(100)
    assert tab.state == before                                  # the tab's own state is untouched
    assert tab.box_expression.text() == "(2x+3)^2" and tab.spin_x0.value() == 0.5
    assert tab.stack_inputs.currentIndex() == 0 and tab.worker.is_idle()


def test_each_control_writes_its_own_field(qtbot, tab) -> None:
    type_expression(qtbot, tab.box_expression, "sin(x^2)")
    wait_for(qtbot, tab, "sin(x^2)")
    tab.spin_x0.setValue(1.5)
    qtbot.mouseClick(tab.radio_mode_parts, Qt.MouseButton.LeftButton)
    type_expression(qtbot, tab.box_outer, "exp(u)")
    wait_for(qtbot, tab, "exp(2x + 3)")
    state = tab.state
    assert (state.mode, state.expression, state.outer, state.inner, state.x0) == \
        ("parts", "sin(x^2)", "exp(u)", "2x + 3", 1.5)
    type_expression(qtbot, tab.box_inner, "x^(")                # bad input: the field keeps its last good text
    qtbot.waitUntil(lambda: tab.box_inner.error() != "", timeout=2000)
    assert tab.state.inner == "2x + 3"


def test_every_preset_round_trips_through_set_state(qtbot, tab) -> None:
    for preset in PRESETS:
        tab.set_state(preset.make_state())
        wait_for(qtbot, tab, preset.state.expression)
        assert tab.state == preset.state
        assert tab.box_expression.text() == preset.state.expression
        assert tab.spin_x0.value() == pytest.approx(preset.state.x0)


def test_preset_combo_carries_the_preset_and_says_its_description(qtbot, tab) -> None:
    index = next(i for i, p in enumerate(PRESETS) if p.name.startswith("Neuron"))
    assert tab.combo_preset.itemData(index) is PRESETS[index]
    with qtbot.waitSignal(tab.status_message) as said:
        tab.combo_preset.activated.emit(index)
    assert said.args == [PRESETS[index].description]
    wait_for(qtbot, tab, "sigmoid(3x - 1)")
    assert tab.state == PRESETS[index].state


@pytest.mark.parametrize("text", ["sin((2x+3)^2)", "x sin(x)", "x^3 + 2x^2 + 3x + 1", "log(1 + e^(2x))",
                                  "sigmoid(2 relu(3x-1) + 1) + sin(x)", "x/(x+1) - sqrt(1 + x^2) exp(-x)",
                                  "x^4 - 3x^3 + x^2/2 - x + 7"])
def test_graph_is_drawn_without_overlaps(qtbot, text: str) -> None:
    """Node boxes never overlap; edge labels overlap neither each other nor the boxes; edges avoid boxes."""
    from PySide6.QtGui import QPainterPathStroker

    from calclab.engine.graph import build_graph
    from calclab.engine.graph_steps import GraphStepper
    from calclab.engine.parsing import parse
    from calclab.ui.widgets.graph_view import GraphView

    graph = build_graph(parse(text))
    assert len(graph.nodes) <= 20
    view = GraphView()
    qtbot.addWidget(view)
    view.resize(900, 420)
    view.set_graph(graph)
    forward = graph.forward(0.7)
    backward = graph.backward(forward)
    stepper = GraphStepper(graph)
    stepper.run_forward()
    stepper.run_backward()
    view.show_passes(forward, backward, stepper.values_shown(), stepper.gradients_shown(), graph.output)
    boxes = [view.node_rect(i) for i in range(len(graph.nodes))]
    labels = view.label_rects()
    assert len(labels) == len(graph.edges)
    for i, a in enumerate(boxes):
        assert all(not a.intersects(b) for b in boxes[i + 1:])
    for i, a in enumerate(labels):
        assert all(not a.intersects(b) for b in labels[i + 1:])
        assert all(not a.intersects(b) for b in boxes)
    stroker = QPainterPathStroker()
    for edge_index, edge in enumerate(graph.edges):
        stroke = stroker.createStroke(view.edge_path(edge_index))
        for i, box in enumerate(boxes):
            if i not in (edge.child, edge.parent):
                assert not stroke.intersects(box), (graph.nodes[edge.child].label, graph.nodes[edge.parent].label)


def test_too_big_a_graph_says_so(qtbot, tab) -> None:
    text = " + ".join(f"sin({k}x)" for k in range(2, 30))
    type_expression(qtbot, tab.box_expression, text)
    wait_for(qtbot, tab, text)
    assert tab.graph_panel.view.graph() is None
    assert "more than 40 graph nodes" in tab.graph_panel.view.message()
    assert not tab.graph_panel.button_forward_step.isEnabled()


def test_tiny_rates_read_in_the_one_number_style(qtbot, tab) -> None:
    """dy/dx of exp(−x²/2) at 5 is −5·e^−12.5 ≈ −1.863×10⁻⁵: a superscript power of ten, not "·10^−5"."""
    tab.set_state(ChainRuleState(expression="exp(-x^2/2)", x_range=(-6.0, 6.0), x0=5.0))
    wait_for(qtbot, tab, "exp(-x^2/2)")
    qtbot.waitUntil(lambda: tab.rates.cell(2, 2) != "", timeout=TIMEOUT_MS)
    rate = tab.rates.cell(2, 2)
    assert rate == "dy/dx = −1.863×10⁻⁵"
    cells = [tab.rates.cell(r, c) for r in range(tab.rates.table.rowCount()) for c in range(4)]
    for text in [*cells, tab.rates.label_nudge.text()]:
        assert "·10^" not in text and "e-0" not in text and "e−0" not in text, text
