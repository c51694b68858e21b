"""Playground's engine (issue 20) against PyTorch-free references: penalties and their slopes by hand and by
finite differences, optimizer steps by their written formulas, batches split by hand, features by hand."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from calclab.engine import features, optimizers
from calclab.engine.backprop import MLP, Trainer
from calclab.engine.headless import train_headless


def small_net(l1: float = 0.0, l2: float = 0.0, seed: int = 4) -> tuple[MLP, np.ndarray, np.ndarray]:
    """A 2-3-1 tanh/sigmoid/bce net with non-zero biases, 8 rows and 0/1 targets."""
    rng = np.random.default_rng(seed)
    net = MLP([2, 3, 1], "tanh", "sigmoid", "bce", seed=seed, l1=l1, l2=l2)
    net.set_params([(rng.normal(0, 0.9, W.shape), rng.normal(0, 0.5, b.shape)) for W, b in net.params])
    X = rng.normal(size=(8, 2))
    y = (rng.random((8, 1)) > 0.5).astype(float)
    return net, X, y


def plain_grads(net: MLP, X: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The data loss's gradients of a copy without regularisation."""
    probe = MLP(net.sizes, net.activation, net.output, net.loss_name, net.seed)
    probe.set_params(net.params)
    probe.forward(X)
    probe.loss(y)
    return [(dW.copy(), db.copy()) for dW, db in probe.backward()]


# -- regularisation ---------------------------------------------------------------------------------------------

def test_penalties_by_hand() -> None:
    net, X, y = small_net(l2=0.3)
    W1, W2 = net.params[0][0], net.params[1][0]
    by_hand = 0.15 * (sum(w * w for w in W1.ravel()) + sum(w * w for w in W2.ravel()))
    plain = MLP([2, 3, 1], "tanh", "sigmoid", "bce", seed=4)
    plain.set_params(net.params)
    plain.forward(X)
    data = plain.loss(y)
    net.forward(X)
    total = net.loss(y)
    assert net.penalty == pytest.approx(by_hand, rel=1e-13)
    assert net.data_loss == pytest.approx(data, rel=1e-15)
    assert total == pytest.approx(data + by_hand, rel=1e-14)
    l1 = MLP([2, 3, 1], "tanh", "sigmoid", "bce", seed=4, l1=0.2)
    l1.set_params(net.params)
    l1.forward(X)
    l1.loss(y)
    assert l1.penalty == pytest.approx(0.2 * (np.abs(W1).sum() + np.abs(W2).sum()), rel=1e-13)


def test_penalty_ignores_biases() -> None:
    net, X, y = small_net(l1=0.1, l2=0.2)
    before = net.penalty_of()
    net.set_params([(W, b + 100.0) for W, b in net.params])
    assert net.penalty_of() == before


@pytest.mark.parametrize(("l1", "l2"), [(0.0, 0.4), (0.25, 0.0), (0.1, 0.3)])
def test_penalty_gradient_against_finite_differences(l1: float, l2: float) -> None:
    net, X, y = small_net(l1=l1, l2=l2)
    assert net.gradient_check(X, y) < 1e-7   # backprop's dW against central differences of the total loss


def test_penalty_slope_by_hand_and_zero_at_zero() -> None:
    net, X, y = small_net(l1=0.25, l2=0.5)
    W1 = net.params[0][0].copy()
    W1[0, 1] = 0.0
    net.set_params([(W1, net.params[0][1]), net.params[1]])
    net.forward(X)
    net.loss(y)
    grads = net.backward()
    for (dW, db), (pW, pb), (W, _b) in zip(grads, plain_grads(net, X, y), net.params, strict=True):
        # l2·w + l1·sign(w), the slope of |w| taken as 0 at w = 0 (W1[0, 1] is exactly 0)
        slope = np.array([[0.5 * w + (0.25 if w > 0 else -0.25 if w < 0 else 0.0) for w in row] for row in W])
        np.testing.assert_allclose(dW, pW + slope, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(db, pb)   # no penalty on the biases


def test_bad_rates_refused() -> None:
    for bad in (-0.1, math.nan, math.inf, True, "0.1"):
        with pytest.raises(ValueError):
            MLP([2, 1], l2=bad)
        with pytest.raises(ValueError):
            MLP([2, 1], l1=bad)


# -- the Trainer's optimizer steps ------------------------------------------------------------------------------

def test_adam_step_by_the_written_formula() -> None:
    net, X, y = small_net(l2=0.1)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    start = [(W.copy(), b.copy()) for W, b in net.params]
    probe = copy.deepcopy(net)
    probe.forward(X)
    expected_loss = probe.loss(y)
    grads = probe.backward()
    loss = Trainer(net, "adam", lr=lr).step(X, y)
    assert loss == pytest.approx(expected_loss, rel=1e-15)
    for (W, b), (W0, b0), (dW, db) in zip(net.params, start, grads, strict=True):
        for p, p0, g in ((W, W0, dW), (b, b0, db)):
            m_hat = ((1 - b1) * g) / (1 - b1)
            v_hat = ((1 - b2) * g * g) / (1 - b2)
            np.testing.assert_allclose(p, p0 - lr * m_hat / (np.sqrt(v_hat) + eps), rtol=1e-12, atol=1e-15)


def test_momentum_second_step_by_hand() -> None:
    net, X, y = small_net()
    ref = copy.deepcopy(net)
    trainer = Trainer(net, "momentum", lr=0.1, momentum=0.8)
    trainer.step(X, y)
    trainer.step(X, y)
    velocity = None
    for _ in range(2):
        ref.forward(X)
        ref.loss(y)
        g = [pair for pair in ref.backward()]
        velocity = g if velocity is None else [(0.8 * vW + dW, 0.8 * vb + db)
                                               for (vW, vb), (dW, db) in zip(velocity, g, strict=True)]
        ref.set_params([(W - 0.1 * vW, b - 0.1 * vb) for (W, b), (vW, vb) in zip(ref.params, velocity, strict=True)])
    for (W, b), (rW, rb) in zip(net.params, ref.params, strict=True):
        np.testing.assert_allclose(W, rW, rtol=1e-12)
        np.testing.assert_allclose(b, rb, rtol=1e-12)


def test_weight_decay_reaches_the_biases_as_in_torch() -> None:
    """sgd's weight_decay adds wd·p to every gradient, biases too (torch); AdamW decays every p by (1 - lr·wd)."""
    net, X, y = small_net()
    start = [(W.copy(), b.copy()) for W, b in net.params]
    grads = plain_grads(net, X, y)
    Trainer(net, "sgd", lr=0.5, weight_decay=0.2).step(X, y)
    for (W, b), (W0, b0), (dW, db) in zip(net.params, start, grads, strict=True):
        np.testing.assert_allclose(W, W0 - 0.5 * (dW + 0.2 * W0), rtol=1e-12)
        np.testing.assert_allclose(b, b0 - 0.5 * (db + 0.2 * b0), rtol=1e-12, atol=1e-15)
    adamw, X, y = small_net()
    trainer = Trainer(adamw, "adamw", lr=0.1)
    assert trainer.hyper["weight_decay"] == 0.01   # torch's AdamW default
    start = [(W.copy(), b.copy()) for W, b in adamw.params]
    grads = plain_grads(adamw, X, y)
    trainer.step(X, y)
    for (_W, b), (_W0, b0), (_dW, db) in zip(adamw.params, start, grads, strict=True):
        adam_move = -0.1 * db / (np.abs(db) + 1e-8)   # Adam's first step: m̂ / √v̂ = sign(g)
        np.testing.assert_allclose(b, b0 * (1 - 0.1 * 0.01) + adam_move, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", optimizers.OPTIMIZERS)
def test_step_inplace_matches_step_bit_for_bit(name: str) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4))
    a, b = optimizers.make_optimizer(name), optimizers.make_optimizer(name)
    inplace = x.copy()
    for _ in range(3):
        g = rng.normal(size=x.shape)
        x = a.step(x, g, 0.05)
        b.step_inplace(inplace, g, 0.05)
        np.testing.assert_array_equal(inplace, x)


# -- batches ------------------------------------------------------------------------------------------------------

def test_batches_split_by_hand() -> None:
    net, X, y = small_net()
    X, y = np.vstack([X, X[:1] * 0.5]), np.vstack([y, y[:1]])   # 9 rows: batches of 4, 4 and 1
    trainer = Trainer(net, "sgd", lr=0.3, batch_size=4, seed=7)
    ref = copy.deepcopy(net)
    shuffles = np.random.default_rng(7)
    for _epoch in range(2):
        order = shuffles.permutation(9)
        parts = [order[0:4], order[4:8], order[8:9]]
        losses = []
        for rows in parts:
            ref.forward(X[rows])
            losses.append(ref.loss(y[rows]))
            ref.backward()
            ref.update(0.3)
        assert trainer.epoch(X, y) == pytest.approx(sum(losses) / 3, rel=1e-14)
        for (W, b), (rW, rb) in zip(net.params, ref.params, strict=True):
            np.testing.assert_allclose(W, rW, rtol=1e-13)
            np.testing.assert_allclose(b, rb, rtol=1e-13)
    assert trainer.epochs == 2 and trainer.steps == 6


def test_step_uses_exactly_the_rows_given_and_full_batch_does_not_shuffle() -> None:
    net, X, y = small_net()
    ref = copy.deepcopy(net)
    Trainer(net, "sgd", lr=0.2).step(X[2:5], y[2:5])
    ref.forward(X[2:5])
    ref.loss(y[2:5])
    ref.backward()
    ref.update(0.2)
    for (W, _b), (rW, _rb) in zip(net.params, ref.params, strict=True):
        np.testing.assert_array_equal(W, rW)
    trainer = Trainer(net, batch_size=None)
    assert [list(p) for p in trainer.batches(5)] == [[0, 1, 2, 3, 4]]
    assert [list(p) for p in Trainer(net, batch_size=8).batches(5)] == [[0, 1, 2, 3, 4]]


def test_trainer_refuses_bad_settings() -> None:
    net, _X, _y = small_net()
    for kwargs in ({"lr": 0}, {"lr": math.nan}, {"batch_size": 0}, {"batch_size": 2.5}, {"optimizer": "lbfgs"},
                   {"optimizer": "adam", "momentum": 0.9}):
        with pytest.raises(ValueError):
            Trainer(net, **kwargs)


# -- features and the headless run ---------------------------------------------------------------------------------

def test_features_by_hand() -> None:
    X = np.array([[0.5, -2.0], [1.0, 3.0]])
    names = features.parse_features("x1, x2, x1², x2^2, x1*x2, sin(x1), sin x₂", 2)
    M = features.feature_matrix(X, names)
    np.testing.assert_allclose(M[0], [0.5, -2.0, 0.25, 4.0, -1.0, math.sin(0.5), math.sin(-2.0)])
    np.testing.assert_allclose(M[1], [1.0, 3.0, 1.0, 9.0, 3.0, math.sin(1.0), math.sin(3.0)])
    with pytest.raises(ValueError, match="x2"):
        features.parse_features("x1,x2", 1)
    with pytest.raises(ValueError, match="unknown feature"):
        features.parse_features("x3", 2)
    with pytest.raises(ValueError, match="once"):
        features.parse_features("x1,x1", 2)


def test_headless_parts_add_up_and_full_batch_sgd_is_the_old_run() -> None:
    result = train_headless("spiral", (3, 6, 1), "tanh", 0.1, 30, 0, 120, 0.1, 0.2, features_used=["x1", "x2", "x1x2"],
                            batch_size=16, optimizer="adam", l2=0.001)
    assert len(result["losses"]) == len(result["data_losses"]) == len(result["penalties"]) == 31
    for total, data, penalty in zip(result["losses"], result["data_losses"], result["penalties"], strict=True):
        assert total == pytest.approx(data + penalty, rel=1e-14) and penalty > 0
    assert len(result["gradient_sizes"]) == 30 and len(result["gradient_sizes"][0]) == 2
    assert result["losses"][-1] < result["losses"][0]
    old = MLP([2, 4, 1], "tanh", "sigmoid", "bce", 0)
    from calclab.engine.datasets import make_dataset, train_test_split
    X, y = make_dataset("xor", 200, 0.0, 0)
    X_train, _Xt, y_train, _yt = train_test_split(X, y, 0.2, 0)
    assert train_headless(epochs=50, test_fraction=0.2)["losses"] == old.train(X_train, y_train, 0.5, 50)


# -- the loss landscape ------------------------------------------------------------------------------------------

def test_landscape_directions_and_grid_by_hand() -> None:
    from calclab.engine.landscape import filter_normalized_direction, landscape

    net, X, y = small_net(l2=0.05)
    d = filter_normalized_direction(net.params, np.random.default_rng(3))
    for (W, _b), (dW, db) in zip(net.params, d, strict=True):
        for j in range(W.shape[1]):   # each neuron's incoming weights: the same norm as its own
            assert np.linalg.norm(dW[:, j]) == pytest.approx(np.linalg.norm(W[:, j]), rel=1e-9)
        assert not db.any()           # biases are not moved (Li et al.'s ignore='biasbn')
    result = landscape(net, X, y, seed=3, n=5, span=0.5)
    assert result.losses.shape == (5, 5)
    assert result.losses[2, 2] == pytest.approx(net.evaluate(X, y), rel=1e-14) == result.centre_loss
    # the corner (α, β) = (0.5, -0.5), rebuilt from the same two directions by hand
    rng = np.random.default_rng(3)
    d1, d2 = filter_normalized_direction(net.params, rng), filter_normalized_direction(net.params, rng)
    probe = copy.deepcopy(net)
    probe.set_params([(W + 0.5 * u - 0.5 * v, b) for (W, b), (u, _p), (v, _q) in zip(net.params, d1, d2, strict=True)])
    assert result.losses[4, 0] == pytest.approx(probe.evaluate(X, y), rel=1e-12)


def test_landscape_projects_a_path_point_onto_its_coordinates() -> None:
    from calclab.engine.landscape import filter_normalized_direction, landscape

    net, X, y = small_net()
    rng = np.random.default_rng(9)
    d1, d2 = filter_normalized_direction(net.params, rng), filter_normalized_direction(net.params, rng)
    earlier = [(W + 0.3 * u - 0.2 * v, b) for (W, b), (u, _p), (v, _q) in zip(net.params, d1, d2, strict=True)]
    result = landscape(net, X, y, seed=9, n=3, path=[earlier, net.params])
    np.testing.assert_allclose(result.path, [[0.3, -0.2], [0.0, 0.0]], atol=1e-12)
