"""One epoch numbering everywhere (issue 15, item 2): epoch k is the network after k updates, epoch 0 the start.

The JSON's losses, the CSV's rows, the loss chart's points and the readout's "MSE: train … · epoch k" all
say the same loss for the same epoch. The reference is a hand computation: a 1-1 linear network (y = w x + b)
with mean squared error, whose gradient is 2·mean(err·x), 2·mean(err).
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from PySide6.QtCore import Qt

from calclab.cli import main
from calclab.engine import datasets
from calclab.engine.backprop import MLP
from calclab.state.backprop import PRESETS, BackpropState
from calclab.ui.export import csv_bytes
from calclab.ui.tabs.backprop.tab import BackpropTab
from calclab.ui.tabs.backprop.text import fmt

SEED, LR, NOISE = 3, 0.1, 0.1
STATE = BackpropState(dataset="sine", hidden=[], noise=NOISE, learning_rate=LR, seed=SEED, epochs=1)


def hand_losses() -> tuple[float, float]:
    """(loss at the start, loss after one update) of y = w x + b on the training points, by hand."""
    X, y = datasets.make_dataset("sine", STATE.n_samples, NOISE, SEED)
    X_train, _X_test, y_train, _y_test = datasets.train_test_split(X, y, STATE.test_fraction, SEED)
    (W, b), = MLP([1, 1], "tanh", "linear", "mse", SEED).params   # the weights the seed draws
    x, t = X_train[:, 0], y_train[:, 0]
    w, c = W[0, 0], b[0]
    err = w * x + c - t
    start = np.mean(err ** 2)
    w1, c1 = w - LR * 2 * np.mean(err * x), c - LR * 2 * np.mean(err)
    return float(start), float(np.mean((w1 * x + c1 - t) ** 2))


@pytest.fixture
def tab(qtbot, worker):
    widget = BackpropTab(worker)
    qtbot.addWidget(widget)
    widget.resize(1400, 860)
    widget.show()
    widget.set_state(STATE.copy())
    assert widget.state == STATE, widget.steps.label_message.text()
    return widget


def readout(tab) -> str:
    return tab.controls.label_scores.text().replace("\u00a0", " ")


def test_json_csv_chart_and_readout_agree_with_the_hand_computation(qtbot, capsys, tab):
    start, after_one = hand_losses()
    assert main(["backprop", "--dataset", "sine", "--sizes", "1,1", "--lr", str(LR), "--epochs", "1",
                 "--seed", str(SEED), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["epochs"] == 1 and len(payload["losses"]) == 2   # epochs + 1: the start, then each update
    assert payload["losses"] == pytest.approx([start, after_one], rel=1e-12)
    assert payload["final_loss"] == payload["losses"][1]

    assert readout(tab).startswith(f"MSE: train {fmt(start)}") and readout(tab).endswith("epoch 0")
    tab.controls.spin_speed.setValue(1)
    qtbot.mouseClick(tab.controls.button_train, Qt.MouseButton.LeftButton)   # one epoch, as the state says
    qtbot.waitUntil(lambda: not tab.is_training(), timeout=30_000)
    assert tab.model.epoch == 1
    assert readout(tab).startswith(f"MSE: train {fmt(after_one)}") and readout(tab).endswith("epoch 1")

    xs, ys = tab.loss_plot.train_curve.getData()
    assert list(xs) == [0, 1] and list(ys) == pytest.approx([start, after_one], rel=1e-12)

    rows = list(csv.reader(io.StringIO(csv_bytes(*tab.export_table()).decode())))
    assert rows[0] == ["epoch", "train_loss", "test_loss"]
    assert [int(r[0]) for r in rows[1:]] == [0, 1]
    assert [float(r[1]) for r in rows[1:]] == payload["losses"]   # every digit: the same run as the JSON's


def test_four_steps_by_hand_make_epoch_1_the_loss_after_the_update(qtbot, tab):
    start, after_one = hand_losses()
    for phase in ("forward", "loss", "backward"):
        assert tab.step(phase)
    assert tab.model.net.loss_value == pytest.approx(start, rel=1e-12)   # the Loss step computes the start's
    assert tab.step("update")
    assert readout(tab).startswith(f"MSE: train {fmt(after_one)}") and readout(tab).endswith("epoch 1")
    assert list(tab.loss_plot.train_curve.getData()[1]) == pytest.approx([start, after_one], rel=1e-12)


def test_a_run_stopped_by_overflow_shows_the_readouts_loss_at_its_last_epoch(tab):
    """The "Learning rate too large" preset said "MSE: train 7.57e12 · epoch 7" under a chart whose epoch-7
    point was 7.65e9, the loss before the 7th update."""
    tab.set_state(next(p for p in PRESETS if "too large" in p.name).make_state())
    tab.play_to_end()
    assert "diverged" in tab.steps.label_message.text()
    xs, ys = tab.loss_plot.train_curve.getData()
    epoch = tab.model.epoch
    assert xs[0] == 0 and xs[-1] == epoch and len(xs) == epoch + 1
    assert readout(tab).startswith(f"MSE: train {fmt(ys[-1])} ·") and readout(tab).endswith(f"epoch {epoch}")
    assert tab.model.scores()[0] == ys[-1]
