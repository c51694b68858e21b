"""`calclab backprop` with Playground's settings (issue 20): features, batches, regularisation, optimizers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calclab.cli import build_command_parser
from calclab.engine.backprop import MLP
from calclab.engine.datasets import make_dataset, train_test_split
from calclab.state.options import build_state
from tests.test_cli import run, run_json


def test_issue_command_json(capsys) -> None:
    payload = run_json(capsys, "backprop", "--batch-size", "16", "--l2", "0.001", "--features", "x1,x2,x1x2",
                       "--optimizer", "adam", "--sizes", "3,8,8,1", "--epochs", "20", "--lr", "0.01")
    assert payload["loss"] == "bce" and payload["optimizer"] == "adam" and payload["batch_size"] == 16
    assert payload["features"] == ["x1", "x2", "x1x2"] and payload["sizes"] == [3, 8, 8, 1]
    assert len(payload["losses"]) == len(payload["data_losses"]) == len(payload["penalties"]) == 21
    for total, data, penalty in zip(payload["losses"], payload["data_losses"], payload["penalties"], strict=True):
        assert total == pytest.approx(data + penalty, rel=1e-12)
    # the start loss by hand: the seed's 3-8-8-1 network on x1, x2, x1·x2 of the 80% training split
    X, y = make_dataset("xor", 200, 0.0, 0)
    X_train, _X, y_train, _y = train_test_split(X, y, 0.2, 0)
    net = MLP([3, 8, 8, 1], "tanh", "sigmoid", "bce", 0)
    features = np.column_stack([X_train, X_train[:, 0] * X_train[:, 1]])
    data = net.evaluate(features, y_train)
    penalty = 0.0005 * sum(float((W * W).sum()) for W, _b in net.params)
    assert payload["data_losses"][0] == pytest.approx(data, rel=1e-12)
    assert payload["penalties"][0] == pytest.approx(penalty, rel=1e-12)


def test_text_says_the_parts_with_regularisation(capsys) -> None:
    status, out, _err = run(capsys, "backprop", "--l1", "0.01", "--epochs", "10")
    assert status == 0
    assert "(data " in out and "+ penalty " in out


def test_default_run_unchanged_by_the_new_options(capsys) -> None:
    plain = run_json(capsys, "backprop", "--epochs", "30")
    same = run_json(capsys, "backprop", "--epochs", "30", "--optimizer", "sgd", "--features", "x1,x2")
    assert plain["losses"] == same["losses"] and plain["penalties"] == [0.0] * 31


@pytest.mark.parametrize(("argv", "message"), [
    (["--features", "x1,x3"], "--features: unknown feature"),
    (["--features", "x1,x2,x1x2", "--sizes", "2,4,1"], "--sizes must start with 3"),
    (["--l1", "0.1", "--l2", "0.1"], "choose one regularisation"),
    (["--l2", "-1"], "--l2 must be 0 or more"),
    (["--optimizer", "sgd", "--betas", "0.9,0.99"], "--betas does not apply to sgd"),
    (["--optimizer", "adam", "--eps", "0"], "eps must be greater than 0"),
    (["--batch-size", "0"], "outside"),
    (["--dataset", "sine", "--features", "x1,x2"], "needs x2"),
])
def test_bad_playground_options(capsys, argv: list[str], message: str) -> None:
    status, out, err = run(capsys, "backprop", *argv, "--epochs", "5")
    assert status == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_features_alone_keep_the_hidden_layers(capsys) -> None:
    payload = run_json(capsys, "backprop", "--features", "x1,x2,x1x2", "--epochs", "3")
    assert payload["sizes"] == [3, 4, 1]   # the input column follows the features, as in Playground


def test_export_takes_the_same_options() -> None:
    args = build_command_parser().parse_args(["export", "backprop", "--out", "p.png", "--features", "x1,x2,sinx1",
                                              "--sizes", "3,8,8,8,8,8,8,1", "--batch-size", "10", "--l2", "0.01",
                                              "--optimizer", "adamw", "--weight-decay", "0.05"])
    state = build_state("backprop", args)
    assert state.sizes == [3, 8, 8, 8, 8, 8, 8, 1] and state.batch_size == 10
    assert (state.regularization, state.l2, state.l1) == ("l2", 0.01, 0.0)
    assert state.optimizer == "adamw" and state.hyper == {"weight_decay": 0.05}
    args = build_command_parser().parse_args(["export", "backprop", "--out", "p.png", "--optimizer", "newton"])
    with pytest.raises(ValueError, match="backprop trains with"):
        build_state("backprop", args)
    assert not math.isnan(state.regularization_rate)


@pytest.mark.parametrize("view", ["neurons", "gradients", "landscape"])
def test_export_draws_each_playground_view(tmp_path, view) -> None:
    """Each of the tab's new views exported headless: a picture of the size asked for, with more than a few colours
    (the pictures, the curves per layer, the landscape's colour map)."""
    import os
    import subprocess
    import sys

    from PIL import Image

    out = tmp_path / f"{view}.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CALCLAB_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "calclab", "export", "backprop", "--view", view, "--epochs", "20",
                           "--features", "x1,x2,x1x2", "--size", "500x400", "--no-caption", "--out", str(out)],
                          env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    with Image.open(out) as image:
        assert image.size == (500, 400)
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    assert len({tuple(p) for p in pixels[::7]}) > 20
