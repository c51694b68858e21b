"""The Backprop tab's Playground settings (issue 20), against references written here in plain NumPy: the step
buttons on one mini-batch at a time, features feeding the input column, the loss parts with L2, the diagram's
− and +, each neuron's picture, and the landscape computed in a process of its own."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from calclab.state.backprop import BackpropState
from calclab.ui.tabs.backprop import landscape_view
from calclab.ui.tabs.backprop.pictures import LUT
from calclab.ui.tabs.backprop.tab import BackpropTab
from calclab.ui.tabs.backprop.text import fmt
from tests.ui.tabs.test_backprop import np_forward


@pytest.fixture
def tab(qtbot, worker):
    widget = BackpropTab(worker)
    qtbot.addWidget(widget)
    widget.resize(1400, 860)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def use(tab, state):
    tab.set_state(state)
    assert tab.state == state, tab.steps.label_message.text()


def click(qtbot, tab, phase):
    button = tab.steps.phase_buttons[phase]
    assert button.isEnabled(), f"{phase} should be the next step"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_step_buttons_work_on_one_shuffled_batch_at_a_time(qtbot, tab):
    use(tab, BackpropState(n_samples=50, test_fraction=0.2, batch_size=16, seed=3, learning_rate=0.5))
    model = tab.model
    assert len(model.X_train) == 40 and model.batch_count == 3
    params = [(W.copy(), b.copy()) for W, b in model.net.params]
    order = np.random.default_rng(3).permutation(40)   # the epoch's shuffle, split by hand: 16, 16, 8
    for k, rows in enumerate([order[:16], order[16:32], order[32:]]):
        click(qtbot, tab, "forward")
        assert f"batch {k + 1}/3" in tab.steps.label_batch.text()
        np.testing.assert_array_equal(model.rows, rows)
        for phase in ("loss", "backward", "update"):
            click(qtbot, tab, phase)
        # plain gradient descent on those rows, written out: bce + sigmoid delta (p - y)/n, tanh hidden layer
        X, y = model.X_train[rows], model.y_train[rows]
        a0, a1, p = np_forward(params, X, "tanh", "sigmoid")
        d2 = (p - y) / len(rows)
        d1 = (d2 @ params[1][0].T) * (1 - a1 * a1)
        grads = [(a0.T @ d1, d1.sum(0)), (a1.T @ d2, d2.sum(0))]
        params = [(W - 0.5 * dW, b - 0.5 * db) for (W, b), (dW, db) in zip(params, grads, strict=True)]
        for (W, b), (W2, b2) in zip(model.net.params, params, strict=True):
            np.testing.assert_allclose(W, W2, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(b, b2, rtol=1e-12, atol=1e-14)
        assert model.epoch == (1 if k == 2 else 0)   # an epoch is a pass over all three batches


def test_features_feed_the_input_column(qtbot, tab):
    tab.controls.check_features["x1x2"].setChecked(True)
    tab.controls.check_features["sinx2"].setChecked(True)
    assert tab.state.features == ["x1", "x2", "x1x2", "sinx2"]
    assert [len(column) for column in tab.steps.network_view.neurons] == [4, 4, 1]
    P = tab.model.P_train
    np.testing.assert_allclose(tab.model.X_train, np.column_stack([P, P[:, 0] * P[:, 1], np.sin(P[:, 1])]))
    for name in ("x1", "x2", "x1x2"):
        tab.controls.check_features[name].setChecked(False)
    tab.controls.check_features["sinx2"].setChecked(False)   # none left: refused, the last good inputs stay
    assert tab.state.features == ["sinx2"] and "at least one" in tab.steps.label_message.text()
    assert tab.controls.check_features["sinx2"].isChecked()


def test_l2_shows_data_loss_and_penalty_apart(qtbot, tab):
    use(tab, BackpropState(regularization="l2", regularization_rate=0.01, epochs=20))
    tab.play_to_end()
    model = tab.model
    by_hand = 0.005 * sum(float((W * W).sum()) for W, _b in model.net.params)
    assert model.penalties[-1] == pytest.approx(by_hand, rel=1e-12)
    assert model.train_losses[-1] == pytest.approx(model.data_losses[-1] + by_hand, rel=1e-12)
    curve = tab.loss_plot.penalty_curve
    assert len(curve.xData) == 21 and curve.yData[-1] == pytest.approx(by_hand, rel=1e-12)
    tab.controls.combo_regularization.setCurrentIndex(0)   # none: the parts leave the chart and its legend
    tab.play_to_end()
    assert tab.loss_plot.penalty_curve.xData is None or len(tab.loss_plot.penalty_curve.xData) == 0


def test_the_readout_follows_each_training_frame(qtbot, tab):
    """While Train runs, the text under the diagram says the epoch and the loss's parts of the weights now, and a
    hovered neuron's read-out its bias now."""
    use(tab, BackpropState(regularization="l2", regularization_rate=0.01, batch_size=16, epochs=50))
    view = tab.steps.network_view
    tab.train()
    for _frame in range(2):
        tab.train_tick(epochs=3)
        assert tab.is_training()
        shown, model = tab.steps.text_details.toPlainText(), tab.model
        by_hand = 0.005 * sum(float((W * W).sum()) for W, _b in model.net.params)
        assert f"epoch {model.epoch} done" in shown and f"{model.epoch} of 50 epochs" in shown
        assert f"L2 penalty {fmt(by_hand)}" in shown and f"data loss {fmt(model.data_losses[-1])}" in shown
        view._on_item_hovered(view.neuron(1, 0), True)   # the mouse on h1,1 for the next frame
    assert f"bias b = {fmt(model.net.params[0][1][0])}" in tab.steps.label_hover.text()
    tab.stop()


def test_the_diagrams_minus_and_plus_resize_a_hidden_layer(qtbot, tab):
    view = tab.steps.network_view
    assert len(view.buttons) == 1
    view.layer_resize_requested.emit(0, +1)
    assert tab.state.hidden == [5] and tab.controls.spin_hidden_1.value() == 5
    use(tab, BackpropState(hidden=[8, 1]))
    view.layer_resize_requested.emit(0, +1)   # 8 is the most
    view.layer_resize_requested.emit(1, -1)   # 1 is the least
    assert tab.state.hidden == [8, 1]
    use(tab, BackpropState(hidden=[8] * 6))
    assert [len(column) for column in view.neurons] == [2, 8, 8, 8, 8, 8, 8, 1]


def test_each_neurons_picture_is_its_output_over_the_plane(qtbot, tab):
    use(tab, BackpropState(epochs=30))
    tab.play_to_end()
    view = tab.steps.network_view
    assert view.shows_pictures()
    x0, x1, y0, y1 = tab.model.bounds()
    corners = np.array([[x0, y1], [x1, y0]])   # the picture's top-left and bottom-right pixels
    acts = np_forward(tab.model.net.params, corners, "tanh", "sigmoid")
    for layer, j in ((1, 2), (2, 0)):
        image = view.neuron(layer, j).picture.pixmap().toImage()
        for (row, col), value in zip(((0, 0), (image.height() - 1, image.width() - 1)), acts[layer][:, j],
                                     strict=True):
            expected = LUT[int(np.clip(np.rint((value + 1.0) * 127.5), 0, 255))]   # tanh, sigmoid: on [-1, 1]
            color = image.pixelColor(col, row)
            assert (color.red(), color.green(), color.blue()) == tuple(int(v) for v in expected)
    click(qtbot, tab, "forward")   # the forward pass's numbers take the pictures' place
    assert not view.shows_pictures()


def test_the_landscape_runs_in_a_process_of_its_own(qtbot, tab, worker):
    use(tab, BackpropState(epochs=5))
    tab.play_to_end()
    tab.views.setCurrentWidget(tab.landscape)
    tab.landscape.button_compute.click()
    assert tab.is_busy()
    numeric = landscape_view.numeric_worker()
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=60_000)
    assert numeric.process_id() not in (None, worker.process_id())   # the shared worker stays free
    result = tab.landscape.plot.result
    centre = len(result.alphas) // 2
    assert result.losses[centre, centre] == pytest.approx(tab.model.net.evaluate(tab.model.X_train,
                                                                                 tab.model.y_train), rel=1e-12)
    assert len(result.path) == 6 and np.allclose(result.path[-1], 0.0, atol=1e-9)
    assert tab.view_plot("landscape") is tab.landscape.plot.plot_widget
    # its colour bar spans log10 of the smallest and largest loss computed (the map reads alone, exported too)
    logs = np.log10(result.losses[np.isfinite(result.losses)])
    assert tab.landscape.plot.color_bar.levels() == pytest.approx((logs.min(), logs.max()), rel=1e-9)


def test_the_exported_neurons_picture_has_no_minus_and_plus(qtbot, tab, tmp_path):
    from calclab.ui import export

    use(tab, BackpropState(hidden=[4, 4]))
    view = tab.view_plot("neurons")

    def ink(image, item) -> int:
        """Dark pixels under the button's glyph (the background is white)."""
        rect = item.sceneBoundingRect().toAlignedRect()
        return sum(image.pixelColor(x, y).lightness() < 128
                   for x in range(rect.left(), rect.right()) for y in range(rect.top(), rect.bottom()))

    on_screen = view.grab().toImage()
    export.export_plot(view, str(tmp_path / "neurons.png"))   # Export > PNG and `calclab export --view neurons`
    saved = QImage(str(tmp_path / "neurons.png"))
    assert saved.size() == on_screen.size()
    for exported in (saved, export.render_plot(view)):   # render_plot: a GIF's frames
        for minus, plus in view.buttons:
            for button in (minus, plus):
                assert ink(on_screen, button) > 0
                assert ink(exported, button) == 0
                assert button.isVisible()   # back after the export


def test_an_adam_update_says_adam_and_shows_old_new_and_the_step(qtbot, tab):
    use(tab, BackpropState(n_samples=40, optimizer="adam", learning_rate=0.01, seed=2))
    for phase in ("forward", "loss", "backward"):
        click(qtbot, tab, phase)
    before = [(W.copy(), b.copy()) for W, b in tab.model.net.params]
    grads = [(dW.copy(), db.copy()) for dW, db in tab.model.net.grads]
    click(qtbot, tab, "update")
    # Adam's first step by its written formula: m = (1 − β₁) g, v = (1 − β₂) g², bias-corrected m̂ = g, v̂ = g²,
    # w ← w − η m̂ / (√v̂ + ε)
    lr, eps = 0.01, 1e-8
    (W0, b0), (dW, db) = before[0], grads[0]
    m_hat, v_hat = (1 - 0.9) * dW / (1 - 0.9), (1 - 0.999) * dW ** 2 / (1 - 0.999)
    expected = W0 - lr * m_hat / (np.sqrt(v_hat) + eps)
    np.testing.assert_allclose(tab.model.net.params[0][0], expected, rtol=1e-12, atol=1e-15)
    details = tab.steps.text_details.toPlainText()
    assert "adam step" in details and "β₁ = 0.9" in details
    assert "w ← w − η ∂L/∂w" not in details   # not gradient descent's formula: that is not the rule applied
    i, j = 1, 0
    row = f"x2 → h1,1\t{fmt(W0[i, j])}\t{fmt(dW[i, j])}\t{fmt(expected[i, j])}\t{fmt(expected[i, j] - W0[i, j])}"
    assert row in details.replace("\n", "\t"), details[:600]
    tip = tab.steps.network_view.edge(0, i, j).toolTip()
    assert f"w: {fmt(W0[i, j])} → {fmt(expected[i, j])} (adam's step {fmt(expected[i, j] - W0[i, j])})" in tip
    assert " − 0.01 × " not in tip
    bias_tip = tab.steps.network_view.neuron(1, 0).toolTip()
    b1 = b0[0] - lr * db[0] / (abs(db[0]) + eps)
    assert f"bias b: {fmt(b0[0])} → {fmt(b1)} (adam's step {fmt(b1 - b0[0])})" in bias_tip


def test_the_neurons_view_exports_as_svg(qtbot, tab, tmp_path):
    """The diagram is a QGraphicsView, not the OpenGL surface: its SVG (`calclab export backprop --view neurons
    --out n.svg`, Export > SVG) is written, and drawn back it shows each neuron's picture where the screen does."""
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgRenderer

    from calclab.ui import export

    use(tab, BackpropState(hidden=[3]))
    view = tab.view_plot("neurons")
    assert view.shows_pictures()
    export.export_plot(view, str(tmp_path / "neurons.svg"))
    renderer = QSvgRenderer(str(tmp_path / "neurons.svg"))
    assert renderer.isValid()
    on_screen = view.grab().toImage()
    drawn = QImage(on_screen.size(), QImage.Format.Format_ARGB32)
    drawn.fill(Qt.GlobalColor.white)
    painter = QPainter(drawn)
    renderer.render(painter)
    painter.end()
    def mean_colour(image, item) -> np.ndarray:
        rect = view.mapFromScene(item.sceneBoundingRect()).boundingRect().adjusted(2, 2, -2, -2)
        return np.mean([image.pixelColor(x, y).getRgb()[:3]
                        for x in range(rect.left(), rect.right(), 2) for y in range(rect.top(), rect.bottom(), 2)],
                       axis=0)

    for neuron in (n for column in view.neurons for n in column):
        screen, svg = mean_colour(on_screen, neuron.picture), mean_colour(drawn, neuron.picture)
        assert np.abs(screen - svg).max() < 25, (neuron.layer, neuron.j, screen, svg)
        assert screen.min() < 230   # a picture, not the white background


def test_the_weight_decay_box_acts_on_every_parameter(qtbot, tab):
    """torch's sgd weight decay, w ← w − η (∂L/∂w + wd·w), on weights and biases; a new optimizer keeps it."""
    use(tab, BackpropState(n_samples=40, optimizer="momentum", hyper={"momentum": 0.5}, learning_rate=0.1))
    controls = tab.controls
    controls.combo_optimizer.setCurrentIndex(controls.combo_optimizer.findData("adamw"))
    assert tab.state.optimizer == "adamw" and controls.spin_weight_decay.value() == 0.01   # adamw's default
    controls.spin_weight_decay.setValue(0.2)
    controls.combo_optimizer.setCurrentIndex(controls.combo_optimizer.findData("sgd"))
    assert tab.state.optimizer == "sgd" and tab.state.hyper == {"weight_decay": 0.2}
    for _update in range(2):   # the second with biases away from 0
        for phase in ("forward", "loss", "backward"):
            click(qtbot, tab, phase)
        before = [(W.copy(), b.copy()) for W, b in tab.model.net.params]
        grads = [(dW.copy(), db.copy()) for dW, db in tab.model.net.grads]
        click(qtbot, tab, "update")
        for (W, b), (dW, db), (W1, b1) in zip(before, grads, tab.model.net.params, strict=True):
            np.testing.assert_allclose(W1, W - 0.1 * (dW + 0.2 * W), rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(b1, b - 0.1 * (db + 0.2 * b), rtol=1e-12, atol=1e-15)
    assert np.abs(before[0][1]).max() > 0


def test_without_test_points_neither_key_names_them(qtbot, tab):
    """Test ratio 0: the boundary's title and the loss legend said "test" for points and a curve not there."""
    names = lambda: [label.text for _sample, label in tab.loss_plot.legend.items]   # noqa: E731
    use(tab, BackpropState(test_fraction=0.0, epochs=5))
    tab.play_to_end()
    assert names() == ["train"] and "test" not in tab.data_plot.title()
    use(tab, BackpropState(test_fraction=0.2, epochs=5, regularization="l2", regularization_rate=0.01))
    tab.play_to_end()
    assert names() == ["train", "test", "data", "penalty"] and "○ test" in tab.data_plot.title()
