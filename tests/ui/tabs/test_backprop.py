"""Backprop tab: the four phases change exactly what they should, training reaches what the CLI reaches,
the plots show sane numbers, bad settings and overflow are handled.

References are independent of the engine: a forward pass, the losses and central finite differences written
here in plain NumPy; and `calclab backprop`'s own training run (train_headless) for the default settings.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from calclab.engine.backprop import train_headless
from calclab.state.backprop import DEFAULT_PRESET, PRESETS, BackpropState
from calclab.ui.tabs.backprop.tab import BackpropTab
from calclab.ui.tabs.backprop.text import fmt, short
from calclab.ui.widgets.network_view import EdgeItem

ACT = {"tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "relu": lambda z: np.maximum(z, 0),
       "linear": lambda z: z}


# -- independent references ----------------------------------------------------------------------------------

def np_forward(params, X, activation, output):
    """Every layer's activation, input first."""
    acts = [X]
    for l, (W, b) in enumerate(params):
        f = ACT[output if l == len(params) - 1 else activation]
        acts.append(f(acts[-1] @ W + b))
    return acts


def np_loss(params, X, y, activation, output, loss):
    p = np_forward(params, X, activation, output)[-1]
    if loss == "mse":
        return float(np.mean((p - y) ** 2))
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def finite_differences(params, X, y, activation, output, loss, eps=1e-6):
    """Central differences (L(θ + ε) − L(θ − ε)) / 2ε for every weight and bias."""
    probe = [(W.copy(), b.copy()) for W, b in params]
    grads = []
    for W, b in probe:
        pair = []
        for p in (W, b):
            g = np.zeros_like(p)
            for i in np.ndindex(p.shape):
                old = p[i]
                p[i] = old + eps
                up = np_loss(probe, X, y, activation, output, loss)
                p[i] = old - eps
                g[i] = (up - np_loss(probe, X, y, activation, output, loss)) / (2 * eps)
                p[i] = old
            pair.append(g)
        grads.append(tuple(pair))
    return grads


def copy_params(params):
    return [(W.copy(), b.copy()) for W, b in params]


def assert_params_equal(a, b):
    for (W1, b1), (W2, b2) in zip(a, b, strict=True):
        np.testing.assert_array_equal(W1, W2)
        np.testing.assert_array_equal(b1, b2)


# -- fixtures -------------------------------------------------------------------------------------------------

@pytest.fixture
def tab(qtbot, worker):
    widget = BackpropTab(worker)
    qtbot.addWidget(widget)
    widget.resize(1400, 860)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def use(tab, state):
    """Show `state` on the tab, as a session or a preset does, and check it was taken."""
    tab.set_state(state)
    assert tab.state == state, tab.steps.label_message.text()


def shown_state(controls):
    """The settings the controls show, read here (the tab itself never reads its widgets back)."""
    count = controls.spin_hidden_layers.value()
    return dict(dataset=controls.combo_dataset.currentData(), n_samples=controls.spin_n_samples.value(),
                noise=controls.spin_noise.value(), test_fraction=controls.spin_test_fraction.value(),
                hidden=[spin.value() for spin in controls.spin_hidden[:count]],
                activation=controls.combo_activation.currentData(),
                learning_rate=controls.spin_learning_rate.value(), seed=controls.spin_seed.value(),
                epochs=controls.spin_epochs.value(), speed=controls.spin_speed.value())


def click(qtbot, tab, phase):
    button = tab.steps.phase_buttons[phase]
    assert button.isEnabled(), f"{phase} should be the next step"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def train_to_end(qtbot, tab, speed=1000, timeout=60_000):
    """Press Train (after setting epochs per frame) and wait for the timer-driven run to finish."""
    tab.controls.spin_speed.setValue(speed)
    qtbot.mouseClick(tab.controls.button_train, Qt.MouseButton.LeftButton)
    assert tab.is_training()
    qtbot.waitUntil(lambda: not tab.is_training(), timeout=timeout)


# -- the four phases --------------------------------------------------------------------------------------

def test_starts_on_the_cli_defaults_with_only_forward_enabled(tab):
    s = tab.state
    assert (s.dataset, s.sizes, s.activation, s.learning_rate, s.epochs, s.seed, s.n_samples, s.noise) == \
        ("xor", [2, 4, 1], "tanh", 0.5, 3000, 0, 200, 0.0)
    assert [b.isEnabled() for b in tab.steps.phase_buttons.values()] == [True, False, False, False]
    assert tab.steps.network_view.neuron(0, 0).label_text() == "x₁"
    assert len(tab.steps.network_view.edges[0]) == 2 and len(tab.steps.network_view.edges[0][0]) == 4


def test_forward_shows_each_neurons_activation_and_leaves_the_weights(qtbot, tab):
    net = tab.model.net
    before = copy_params(net.params)
    tab.steps.spin_sample.setValue(7)
    click(qtbot, tab, "forward")
    assert_params_equal(net.params, before)
    acts = np_forward(before, tab.model.X_train, "tanh", "sigmoid")
    view = tab.steps.network_view
    for l, layer in enumerate(acts):
        assert [view.neuron(l, j).label_text() for j in range(layer.shape[1])] == [short(v) for v in layer[6]]
    assert [b.isEnabled() for b in tab.steps.phase_buttons.values()] == [False, True, False, False]
    # The read-out lists the layer outputs for the sample.
    details = tab.steps.text_details.toPlainText()
    assert "Forward pass" in details and fmt(acts[-1][6, 0]) in details


def test_loss_equals_a_hand_computed_cross_entropy(qtbot, tab):
    click(qtbot, tab, "forward")
    before = copy_params(tab.model.net.params)
    click(qtbot, tab, "loss")
    expected = np_loss(before, tab.model.X_train, tab.model.y_train, "tanh", "sigmoid", "bce")
    assert tab.model.net.loss_value == pytest.approx(expected, rel=1e-12)
    assert f"= {fmt(expected)}" in tab.steps.formula_loss.latex()
    assert r"\log" in tab.steps.formula_loss.latex() and not tab.steps.formula_loss.is_fallback()
    # The chosen sample's term, with its numbers.
    y, p = tab.model.y_train[0, 0], np_forward(before, tab.model.X_train[:1], "tanh", "sigmoid")[-1][0, 0]
    term = -(y * math.log(p) + (1 - y) * math.log(1 - p))
    assert tab.steps.formula_sample.latex().endswith(f"= {fmt(term)}")
    assert_params_equal(tab.model.net.params, before)


@pytest.mark.parametrize("preset_state", [
    BackpropState(activation="tanh"),
    BackpropState(activation="sigmoid", hidden=[3, 2]),
    BackpropState(activation="relu", hidden=[5]),
    BackpropState(dataset="sine", hidden=[4, 3], activation="tanh", learning_rate=0.1, noise=0.1, n_samples=60),
])
def test_backward_gradients_equal_finite_differences_and_leave_the_weights(qtbot, tab, preset_state):
    use(tab, preset_state)
    s = tab.state
    for phase in ("forward", "loss"):
        click(qtbot, tab, phase)
    before = copy_params(tab.model.net.params)
    click(qtbot, tab, "backward")
    assert_params_equal(tab.model.net.params, before)
    reference = finite_differences(before, tab.model.X_train, tab.model.y_train, s.activation, s.output, s.loss)
    scale = max(np.max(np.abs(g)) for pair in reference for g in pair)
    for (dW, db), (rW, rb) in zip(tab.model.net.grads, reference, strict=True):
        np.testing.assert_allclose(dW, rW, rtol=0, atol=1e-7 * scale)
        np.testing.assert_allclose(db, rb, rtol=0, atol=1e-7 * scale)
    # The edges now show the gradients: sign as colour, and the value in the tooltip.
    view, (rW, _rb) = tab.steps.network_view, reference[0]
    edge = view.edge(0, 0, 0)
    assert f"= {fmt(tab.model.net.grads[0][0][0, 0])}" in edge.toolTip()
    assert edge.value == tab.model.net.grads[0][0][0, 0]
    assert "gradients" in view.legend.toPlainText()


def test_update_moves_every_parameter_by_minus_lr_times_its_gradient(qtbot, tab):
    tab.controls.spin_learning_rate.setValue(0.25)
    for phase in ("forward", "loss", "backward"):
        click(qtbot, tab, phase)
    before = copy_params(tab.model.net.params)
    grads = copy_params(tab.model.net.grads)
    click(qtbot, tab, "update")
    for (W, b), (W0, b0), (dW, db) in zip(tab.model.net.params, before, grads, strict=True):
        np.testing.assert_array_equal(W, W0 - 0.25 * dW)
        np.testing.assert_array_equal(b, b0 - 0.25 * db)
    tip = tab.steps.network_view.edge(0, 1, 2).toolTip()
    assert f"w: {fmt(before[0][0][1, 2])} → {fmt(tab.model.net.params[0][0][1, 2])}" in tip
    assert "after" in tab.steps.text_details.toPlainText()
    assert [b.isEnabled() for b in tab.steps.phase_buttons.values()] == [True, False, False, False]
    assert tab.model.epoch == 1 and len(tab.loss_plot.train_curve.getData()[1]) == 2   # epochs 0 and 1


def test_hovering_an_edge_shows_the_chain_rule_product(qtbot, tab):
    for phase in ("forward", "loss", "backward"):
        click(qtbot, tab, phase)
    view, net = tab.steps.network_view, tab.model.net
    edge = view.edge(1, 2, 0)   # h_{1,3} -> ŷ
    for t in np.linspace(0.2, 0.8, 13):   # a spot on this edge where no other edge lies on top
        point = view.mapFromScene(edge.line().pointAt(t))
        top = next((item for item in view.items(point) if isinstance(item, EdgeItem)), None)
        if top is edge:
            break
    else:
        pytest.fail("no spot on the edge to hover")
    qtbot.mouseMove(view.viewport(), point + QPoint(0, 40))  # arrive from elsewhere: a real hover-enter
    qtbot.mouseMove(view.viewport(), point)
    qtbot.waitUntil(lambda: "h<sub>1,3</sub> → ŷ" in tab.steps.label_hover.text(), timeout=15_000)
    text = tab.steps.label_hover.text()
    assert tab.steps.readout.currentWidget() is tab.steps.label_hover   # in place of the step's details
    n = tab.model.sample
    a_i = np_forward(net.params, tab.model.X_train, "tanh", "sigmoid")[1][n, 2]
    p = np_forward(net.params, tab.model.X_train, "tanh", "sigmoid")[2][n, 0]
    delta = (p - tab.model.y_train[n, 0]) / len(tab.model.X_train)   # bce + sigmoid: δ = (ŷ − y)/N
    assert f"({fmt(delta)})({fmt(a_i)}) = {fmt(delta * a_i)}" in text
    assert f"samples = {fmt(net.grads[1][0][2, 0])}" in text


def read_number(text: str) -> float:
    """A number as the app prints it (−2.78×10⁻³) back to a float."""
    text = text.replace("−", "-").replace("×10", "e").translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))
    return float(text)


def test_neuron_tooltip_shows_delta_as_a_product(qtbot, tab):
    for phase in ("forward", "loss", "backward"):
        click(qtbot, tab, phase)
    net, n = tab.model.net, tab.model.sample
    tip = tab.steps.network_view.neuron(1, 1).toolTip()
    number = r"([−\d.×⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)"   # the app's style: −2.78×10⁻³
    numbers = re.search(rf"tanh′\(z\) = \({number}\)\({number}\) = {number}", tip)
    assert numbers, tip
    da, slope, delta = (read_number(v) for v in numbers.groups())
    assert slope == pytest.approx(1 - net.a[1][n, 1] ** 2, rel=5e-3)
    assert delta == pytest.approx(da * slope, rel=2e-2)
    assert tab.steps.network_view.neuron(1, 1).note_text() == f"δ {fmt(net.dz[0][n, 1], 2)}"


def test_steps_out_of_order_are_explained_not_run(qtbot, tab):
    before = copy_params(tab.model.net.params)
    tab.concept.step_labels["backward"].linkActivated.emit("backward")
    assert "out of order" in tab.steps.label_message.text() and "Forward" in tab.steps.label_message.text()
    assert tab.model.phase == "init"
    assert_params_equal(tab.model.net.params, before)
    assert "FFE6B3" in tab.steps.button_forward.styleSheet()   # the right button is highlighted
    tab.concept.step_labels["forward"].linkActivated.emit("forward")   # the next step: runs its button
    qtbot.waitUntil(lambda: tab.model.phase == "forward")


def test_sample_selector_changes_what_the_circles_show(qtbot, tab):
    click(qtbot, tab, "forward")
    acts = np_forward(tab.model.net.params, tab.model.X_train, "tanh", "sigmoid")
    tab.steps.spin_sample.setValue(42)
    assert tab.steps.network_view.neuron(2, 0).label_text() == short(acts[2][41, 0])
    ring_x, ring_y = tab.data_plot.chosen.getData()
    assert (ring_x[0], ring_y[0]) == tuple(tab.model.X_train[41])


def test_clicking_a_training_point_chooses_it_as_the_sample(tab):
    points = tab.data_plot.train_points
    found = points.pointsAt(QPointF(*tab.model.X_train[9]))
    assert 9 in [p.data() for p in found]
    points.sigClicked.emit(points, found, None)
    assert tab.steps.spin_sample.value() == found[0].data() + 1 == tab.model.sample + 1


def test_choosing_a_preset_from_the_combo_builds_it(tab):
    tab.controls.combo_preset.activated.emit(5)   # entry 0 is the "Presets…" prompt
    assert tab.state == PRESETS[4].state
    assert [len(column) for column in tab.steps.network_view.neurons] == [2, 8, 8, 8, 8, 1]
    assert tab.controls.label_preset.text() == PRESETS[4].description
    assert tab.controls.combo_activation.currentText() == "relu"


def test_the_preset_signal_carries_the_preset(qtbot, tab):
    with qtbot.waitSignal(tab.controls.preset_chosen) as chosen:
        tab.controls.combo_preset.activated.emit(2)
    assert chosen.args == [PRESETS[1]]
    assert tab.state == PRESETS[1].state and tab.state.hidden == []


# -- training -------------------------------------------------------------------------------------------------

def test_training_xor_with_the_defaults_reaches_100_percent_like_the_cli(qtbot, tab):
    train_to_end(qtbot, tab, speed=500)
    assert "train 100.0%" in tab.controls.label_scores.text()
    assert "test 100.0%" in tab.controls.label_scores.text()
    assert tab.controls.progress.value() == 3000
    epochs, losses = tab.loss_plot.train_curve.getData()
    cli = train_headless("xor", (2, 4, 1), "tanh", 0.5, 3000, 0, 200, 0.0, 0.2)
    np.testing.assert_allclose(losses, cli["losses"], rtol=1e-12)
    assert list(epochs[:2]) == [0, 1] and np.all(np.isfinite(tab.loss_plot.test_curve.getData()[1]))


def test_decision_boundary_image_has_the_grid_shape_and_probabilities(qtbot, tab):
    train_to_end(qtbot, tab, speed=1000)
    image = tab.data_plot.boundary_image()
    assert image.shape == (100, 100)
    assert np.all((image >= 0) & (image <= 1))
    # Each pixel sits where the network was asked: compare with a hand forward pass at the pixel's centre.
    item = tab.data_plot.image
    for i, j in [(0, 0), (10, 80), (99, 99), (60, 30)]:
        centre = item.mapToParent(QPointF(i + 0.5, j + 0.5))
        p = np_forward(tab.model.net.params, np.array([[centre.x(), centre.y()]]), "tanh", "sigmoid")[-1][0, 0]
        assert image[i, j] == pytest.approx(p, abs=1e-9)
    # XOR: class 1 where the signs differ.
    def at(x, y):
        return np_forward(tab.model.net.params, np.array([[x, y]]), "tanh", "sigmoid")[-1][0, 0]
    assert at(-0.6, 0.6) > 0.9 and at(0.6, 0.6) < 0.1


def test_regression_draws_the_fitted_curve_and_trains_down(qtbot, tab):
    use(tab, PRESETS[5].make_state())   # noisy sine
    assert not tab.data_plot.image.isVisible() and tab.data_plot.curve.isVisible()
    train_to_end(qtbot, tab, speed=1000)
    xs, ys = tab.data_plot.curve.getData()
    hand = np_forward(tab.model.net.params, xs.reshape(-1, 1), "tanh", "linear")[-1][:, 0]
    np.testing.assert_allclose(ys, hand, rtol=1e-12)
    assert np.max(np.abs(ys - np.sin(xs))[(xs > -3) & (xs < 3)]) < 0.3   # it learned the sine
    assert "MSE: train" in tab.controls.label_scores.text()


@pytest.mark.parametrize("index", [2, 3])   # circles, two moons
def test_circles_and_moons_presets_reach_high_accuracy(tab, index):
    use(tab, PRESETS[index].make_state())
    assert tab.model.train(tab.state.epochs).message is None
    train, test = tab.model.scores()
    assert train >= 0.98 and test >= 0.95


def test_training_disables_manual_steps_and_stop_pauses(qtbot, tab):
    tab.controls.spin_speed.setValue(1)
    qtbot.mouseClick(tab.controls.button_train, Qt.MouseButton.LeftButton)
    assert not any(b.isEnabled() for b in tab.steps.phase_buttons.values())
    qtbot.waitUntil(lambda: tab.model.epoch >= 3)
    qtbot.mouseClick(tab.controls.button_stop, Qt.MouseButton.LeftButton)
    reached = tab.model.epoch
    qtbot.wait(100)
    assert tab.model.epoch == reached and not tab.is_training()
    assert tab.steps.button_forward.isEnabled()


def test_gradient_check_shows_a_tiny_error(qtbot, tab):
    qtbot.mouseClick(tab.controls.button_gradient_check, Qt.MouseButton.LeftButton)
    text = tab.steps.label_message.text()   # the whole sentence; beside the button, the verdict in short
    error = float(re.search(r"relative error ([\d.e+-]+)", text).group(1))
    assert error < 1e-6 and "agree" in text and "17 weights and biases" in text
    assert tab.controls.label_gradient_check.text() == f"error {error:.1e}: agree"
    assert tab.controls.label_gradient_check.toolTip() == text


# -- bad settings and overflow ------------------------------------------------------------------------------

def test_learning_rate_zero_gives_a_message_and_keeps_the_network(tab):
    net, before = tab.model.net, copy_params(tab.model.net.params)
    tab.controls.spin_learning_rate.setValue(0.0)
    assert "learning rate" in tab.steps.label_message.text().lower()
    assert tab.model.net is net and tab.state.learning_rate == 0.5
    assert_params_equal(net.params, before)
    tab.controls.spin_learning_rate.setValue(0.1)   # a good value is taken, same network
    assert tab.model.net is net and tab.state.learning_rate == 0.1 and tab.steps.label_message.text() == ""


def test_layer_size_zero_gives_a_message_and_keeps_the_network(tab):
    net = tab.model.net
    tab.controls.spin_hidden_1.setValue(0)
    assert "Hidden layer 1 has 0 neurons" in tab.steps.label_message.text()
    assert tab.model.net is net and tab.state.hidden == [4]
    assert len(tab.steps.network_view.neurons[1]) == 4
    tab.controls.spin_hidden_1.setValue(6)
    assert tab.state.hidden == [6] and len(tab.steps.network_view.neurons[1]) == 6


def test_more_hidden_layers_rebuild_the_diagram(tab):
    tab.controls.spin_hidden_layers.setValue(3)
    assert tab.state.sizes == [2, 4, 4, 4, 1]
    assert [len(column) for column in tab.steps.network_view.neurons] == [2, 4, 4, 4, 1]
    assert [t.text() for t in tab.steps.network_view.titles][1] == "hidden 1\ntanh"


def test_overflowing_training_stops_with_a_message_and_draws_no_nan(qtbot, tab):
    use(tab, PRESETS[6].make_state())   # sine with lr 2
    train_to_end(qtbot, tab, speed=5)
    assert "diverged" in tab.steps.label_message.text()
    assert tab.model.epoch < 50 and tab.model.net.is_finite()
    for curve in (tab.loss_plot.train_curve, tab.loss_plot.test_curve, tab.data_plot.curve):
        assert np.all(np.isfinite(curve.getData()[1]))
    assert tab.steps.button_forward.isEnabled()
    assert "weights after epoch" in tab.steps.text_details.toPlainText()


def test_a_classifier_whose_loss_plateaus_far_above_its_start_is_called_diverged(qtbot, tab):
    """xor at lr 1000: bce clamps its logs, so the loss stops near 45 (from 0.72) instead of overflowing; the tab
    says it diverged, as the command line does (issue 14)."""
    use(tab, BackpropState(learning_rate=1000.0, epochs=200))
    train_to_end(qtbot, tab, speed=50)
    losses = tab.model.train_losses
    assert min(losses[-20:]) > 10 * losses[0]           # the run really stayed far above its start
    assert "diverged" in tab.steps.label_message.text() and "smaller learning rate" in tab.steps.label_message.text()


def test_stepping_by_hand_with_a_huge_learning_rate_stops_at_the_runaway_loss(tab):
    use(tab, BackpropState(dataset="sine", hidden=[8], learning_rate=1000.0, noise=0.1))
    phases = ["forward", "loss", "backward", "update"] * 10
    done = 0
    while done < len(phases) and tab.step(phases[done]):
        done += 1
    assert 0 < done < len(phases) and phases[done] == "loss"
    assert "run away" in tab.steps.label_message.text()
    assert tab.model.phase == "init" and tab.steps.button_forward.isEnabled()   # start again from Forward
    assert np.all(np.isfinite(tab.loss_plot.train_curve.getData()[1]))


def test_an_update_that_overflows_is_undone(tab):
    """The guard behind Update: the spin box stops at 1000, so set an absurd rate on the model itself."""
    model = tab.model
    for phase in ("forward", "loss", "backward"):
        model.step(phase)
    before = copy_params(model.net.params)
    model.learning_rate = 1e300
    assert not tab.step("update")
    assert "update overflowed" in tab.steps.label_message.text()
    assert_params_equal(model.net.params, before)
    assert model.epoch == 0


# -- state ----------------------------------------------------------------------------------------------------

def test_state_round_trips_and_from_dict_is_tolerant():
    state = BackpropState(dataset="moons", hidden=[8, 3], activation="relu", learning_rate=0.05, seed=7)
    assert BackpropState.from_dict(state.to_dict()) == state
    junk = {"dataset": "mnist", "hidden": [0, 9], "activation": "gelu", "learning_rate": -1, "seed": -3,
            "noise": float("nan"), "n_samples": True, "epochs": "many", "extra": 1}
    assert BackpropState.from_dict(junk) == BackpropState()
    assert BackpropState.from_dict("not a dict") == BackpropState()


def test_set_state_shows_it_on_the_controls(tab):
    state = BackpropState(dataset="circles", hidden=[3, 5], activation="sigmoid", learning_rate=0.2, seed=3,
                          noise=0.1, test_fraction=0.3)
    use(tab, state)
    assert tab.state == state
    assert BackpropState(**shown_state(tab.controls), sample=state.sample) == state
    assert tab.controls.spin_hidden_2.value() == 5 and not tab.controls.spin_hidden_3.isEnabled()


def test_every_preset_builds_and_the_default_is_the_first():
    assert DEFAULT_PRESET is PRESETS[0] and PRESETS[0].state == BackpropState()
    for preset in PRESETS:
        assert preset.make_state().problem() is None, preset.name


def test_state_is_a_copy_mutating_it_changes_nothing_on_screen(qtbot, tab):
    net, before = tab.model.net, copy_params(tab.model.net.params)
    state = tab.state
    state.learning_rate, state.epochs, state.dataset = 0.01, 7, "sine"
    state.hidden.append(3)
    assert tab.state == BackpropState() and tab.state.hidden == [4]
    assert tab.controls.spin_learning_rate.value() == 0.5 and tab.controls.spin_hidden_layers.value() == 1
    assert tab.model.net is net and tab.model.learning_rate == 0.5
    assert_params_equal(net.params, before)
    given = BackpropState(dataset="moons", hidden=[5])
    tab.set_state(given)
    given.hidden.append(2)          # the tab keeps its own copy of what it was given
    assert tab.state.hidden == [5] and [len(c) for c in tab.steps.network_view.neurons] == [2, 5, 1]


@pytest.mark.parametrize("preset", PRESETS, ids=[p.name for p in PRESETS])
def test_every_preset_round_trips_through_set_state(tab, preset):
    tab.set_state(preset.make_state())
    assert tab.state == preset.state
    assert BackpropState(**shown_state(tab.controls), sample=0) == preset.state
    assert [len(column) for column in tab.steps.network_view.neurons] == preset.state.sizes
    assert tab.model.classification == preset.state.classification
    assert ("cross-entropy" in tab.controls.label_output.text()) == preset.state.classification


def test_set_state_refuses_a_bad_state_and_keeps_the_last_good_one(tab):
    net = tab.model.net
    tab.set_state(BackpropState(hidden=[4, 0]))
    assert "Hidden layer 2 has 0 neurons" in tab.steps.label_message.text()
    assert tab.model.net is net and tab.state == BackpropState()
    assert BackpropState(**shown_state(tab.controls)) == BackpropState()   # the controls show what is built


def test_a_refused_edit_shows_the_last_good_value_and_the_next_edit_builds_on_it(tab):
    tab.controls.spin_hidden_layers.setValue(2)
    assert tab.state.hidden == [4, 4]
    tab.controls.spin_hidden_2.setValue(0)
    assert "Hidden layer 2 has 0 neurons" in tab.steps.label_message.text()
    assert tab.controls.spin_hidden_2.value() == 4 and tab.state.hidden == [4, 4]
    tab.controls.spin_learning_rate.setValue(0.3)   # another field: taken, on the last good settings
    assert tab.state == BackpropState(hidden=[4, 4], learning_rate=0.3)
    assert tab.model.learning_rate == 0.3 and tab.steps.label_message.text() == ""
    tab.controls.combo_dataset.setCurrentIndex(tab.controls.combo_dataset.findData("sine"))
    assert tab.state.sizes == [1, 4, 4, 1] and "squared error" in tab.controls.label_output.text()


def test_the_sample_chooser_writes_the_sample_field(tab):
    tab.steps.spin_sample.setValue(12)
    assert tab.state.sample == 11 == tab.model.sample
    tab.controls.spin_learning_rate.setValue(0.2)   # the same network: the chosen sample stays
    assert tab.state.sample == 11 and tab.steps.spin_sample.value() == 12


def test_export_table_is_the_loss_history(qtbot, tab):
    assert tab.has_table() and tab.has_animation()
    start = tab.model.train_losses[0], tab.model.test_losses[0]
    assert tab.export_table() == (["epoch", "train_loss", "test_loss"], [[0, *start]])   # epoch 0: the start
    for phase in ("forward", "loss", "backward", "update"):
        click(qtbot, tab, phase)
    tab.model.train(2)
    header, rows = tab.export_table()
    assert [row[0] for row in rows] == [0, 1, 2, 3] and tuple(rows[0][1:]) == start
    assert [row[1] for row in rows] == tab.model.train_losses and [row[2] for row in rows] == tab.model.test_losses


def test_export_animation_replays_the_run_so_far_and_keeps_the_epoch_setting(tab):
    tab.controls.spin_speed.setValue(10)
    tab.model.train(25)
    losses = list(tab.model.train_losses)
    count, frames = tab.export_animation()
    assert count == 1 + 3
    assert list(frames) == ["epoch 0", "epoch 10", "epoch 20", "epoch 25"]
    assert tab.model.train_losses == losses
    assert tab.state.epochs == 3000 and tab.controls.spin_epochs.value() == 3000
