"""The MLP engine against independent references: finite differences, hand-computed scalars, the loss formulas."""

from __future__ import annotations

import copy
import itertools
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

from calclab.engine.backprop import MLP, relative_error, train_headless
from calclab.engine.datasets import make_dataset

HEADS = [("sigmoid", "bce"), ("sigmoid", "mse"), ("linear", "mse")]  # (output, loss)
COMBOS = list(itertools.product(("sigmoid", "tanh", "relu"), HEADS))


def random_problem(activation: str, output: str, loss: str, seed: int = 3) -> tuple[MLP, np.ndarray, np.ndarray]:
    """A 3-5-4-2 net with random weights and non-zero biases, a batch of 6 and matching targets."""
    rng = np.random.default_rng(seed)
    net = MLP([3, 5, 4, 2], activation, output, loss, seed=seed)
    net.set_params([(rng.normal(0, 0.8, W.shape), rng.normal(0, 0.5, b.shape)) for W, b in net.params])
    X = rng.normal(size=(6, 3))
    y = rng.integers(0, 2, size=(6, 2)).astype(float) if loss == "bce" else rng.normal(size=(6, 2))
    return net, X, y


def loss_at(net: MLP, X: np.ndarray, y: np.ndarray) -> float:
    """The loss through the public phases only."""
    net.forward(X)
    return net.loss(y)


def central_differences(net: MLP, X: np.ndarray, y: np.ndarray, eps: float = 1e-5) -> list[tuple[np.ndarray, ...]]:
    """dL/dp for every parameter, perturbing a copy of the weights through set_params."""
    base = [(W.copy(), b.copy()) for W, b in net.params]
    probe = copy.deepcopy(net)
    result = []
    for layer, pair in enumerate(base):
        grads = []
        for which, p in enumerate(pair):
            g = np.zeros_like(p)
            for i in np.ndindex(p.shape):
                values = []
                for step in (eps, -eps):
                    params = [(W.copy(), b.copy()) for W, b in base]
                    params[layer][which][i] += step
                    probe.set_params(params)
                    values.append(loss_at(probe, X, y))
                g[i] = (values[0] - values[1]) / (2 * eps)
            grads.append(g)
        result.append(tuple(grads))
    return result


@pytest.mark.parametrize(("activation", "output", "loss"), [(a, o, l) for a, (o, l) in COMBOS])
def test_backward_matches_central_differences(activation: str, output: str, loss: str) -> None:
    net, X, y = random_problem(activation, output, loss)
    net.forward(X)
    net.loss(y)
    grads = net.backward()
    # relu's kink would spoil finite differences: make sure no hidden z sits within eps of it.
    assert min(np.abs(z).min() for z in net.z[:-1]) > 1e-3
    numeric = central_differences(net, X, y)
    exact = np.concatenate([g.ravel() for pair in grads for g in pair])
    approx = np.concatenate([g.ravel() for pair in numeric for g in pair])
    assert np.abs(exact).max() > 1e-3  # a real gradient, not all zeros
    assert np.abs(exact - approx).max() / np.abs(approx).max() < 1e-6
    for (dW, db), (W, b) in zip(grads, net.params, strict=True):
        assert dW.shape == W.shape and db.shape == b.shape


def test_hand_computed_one_neuron_chain() -> None:
    """1-1-1 tanh/sigmoid/bce, every value written out with the chain rule on scalars."""
    net = MLP([1, 1, 1], "tanh", "sigmoid", "bce")
    w1, b1, w2, b2, x, t = 0.3, 0.1, -0.7, 0.2, 0.5, 1.0
    net.set_params([([[w1]], [b1]), ([[w2]], [b2])])
    z1 = w1 * x + b1
    a1 = math.tanh(z1)
    z2 = w2 * a1 + b2
    out = 1 / (1 + math.exp(-z2))
    assert net.forward(np.array([[x]]))[0, 0] == pytest.approx(out, rel=1e-14)
    assert net.loss(np.array([[t]])) == pytest.approx(-math.log(out), rel=1e-14)
    (dW1, db1), (dW2, db2) = net.backward()
    dz2 = out - t  # d(-log sigmoid(z))/dz
    dz1 = dz2 * w2 * (1 - a1**2)
    assert dW2[0, 0] == pytest.approx(dz2 * a1, rel=1e-13)
    assert db2[0] == pytest.approx(dz2, rel=1e-13)
    assert dW1[0, 0] == pytest.approx(dz1 * x, rel=1e-13)
    assert db1[0] == pytest.approx(dz1, rel=1e-13)
    assert net.dz[1][0, 0] == pytest.approx(dz2) and net.dz[0][0, 0] == pytest.approx(dz1)
    assert net.da[1][0, 0] == pytest.approx(dz2 * w2) and net.da[0][0, 0] == pytest.approx(dz1 * w1)
    assert net.da[2][0, 0] == pytest.approx(-1 / out)  # dL/dout of -log(out)


def test_loss_conventions() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 3))
    net = MLP([3, 4, 2], "tanh", "linear", "mse", seed=1)
    out = net.forward(X)
    y = rng.normal(size=(5, 2))
    assert net.loss(y) == pytest.approx(np.sum((out - y) ** 2) / 10, rel=1e-14)  # mean over all 10 elements
    net = MLP([3, 4, 2], "tanh", "sigmoid", "bce", seed=1)
    p = net.forward(X)
    y = rng.integers(0, 2, size=(5, 2)).astype(float)
    expected = -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)) / 10
    assert net.loss(y) == pytest.approx(expected, rel=1e-12)


def test_bce_clamps_each_log_at_minus_100_like_torch() -> None:
    net = MLP([1, 1], output="sigmoid", loss="bce")
    net.set_params([([[1.0]], [0.0])])
    net.forward(np.array([[500.0], [-500.0]]))
    assert net.loss(np.array([[0.0], [0.0]])) == pytest.approx(50.0)  # (100 + ~0) / 2
    assert np.all(np.isfinite(net.backward()[0][0]))


def test_forward_keeps_every_layer() -> None:
    net = MLP([2, 3, 4, 1], "relu", "sigmoid", "bce", seed=2)
    X = np.random.default_rng(0).normal(size=(7, 2))
    out = net.forward(X)
    assert out.shape == (7, 1) and net.phase == "forward"
    assert [a.shape for a in net.a] == [(7, 2), (7, 3), (7, 4), (7, 1)]
    assert [z.shape for z in net.z] == [(7, 3), (7, 4), (7, 1)]
    assert np.array_equal(net.a[0], X) and np.array_equal(net.a[-1], out)
    np.testing.assert_allclose(net.a[1], np.maximum(X @ net.params[0][0] + net.params[0][1], 0))
    net.loss(np.zeros(7))  # (N,) targets are accepted for one output
    net.backward()
    assert [d.shape for d in net.dz] == [(7, 3), (7, 4), (7, 1)]
    assert [d.shape for d in net.da] == [(7, 2), (7, 3), (7, 4), (7, 1)]
    assert net.grads is not None and net.phase == "backward"


def test_initialisation_is_deterministic_and_shaped() -> None:
    a, b, c = MLP([2, 8, 8, 1], seed=5), MLP([2, 8, 8, 1], seed=5), MLP([2, 8, 8, 1], seed=6)
    assert [W.shape for W, _ in a.params] == [(2, 8), (8, 8), (8, 1)]
    assert [bias.shape for _, bias in a.params] == [(8,), (8,), (1,)]
    assert all(np.array_equal(p, q) for (p, _), (q, _) in zip(a.params, b.params, strict=True))
    assert not np.array_equal(a.params[0][0], c.params[0][0])
    limit = math.sqrt(6 / (8 + 8))  # Glorot uniform for tanh
    assert np.abs(a.params[1][0]).max() <= limit and np.abs(a.params[1][0]).max() > 0.5 * limit


def test_set_params_round_trip_copies() -> None:
    net, X, _ = random_problem("tanh", "linear", "mse")
    saved = [(W.copy(), b.copy()) for W, b in net.params]
    before = net.predict(X)
    other = MLP([3, 5, 4, 2], "tanh", "linear", "mse", seed=99)
    other.set_params(saved)
    np.testing.assert_array_equal(other.predict(X), before)
    saved[0][0][:] = 0.0  # the net keeps its own copy
    np.testing.assert_array_equal(other.predict(X), before)
    with pytest.raises(ValueError, match="layer 1"):
        other.set_params([saved[0], (np.zeros((4, 5)), np.zeros(4)), saved[2]])
    with pytest.raises(ValueError, match="pairs"):
        other.set_params(saved[:2])


def test_update_is_plain_gradient_descent() -> None:
    net, X, y = random_problem("sigmoid", "sigmoid", "mse")
    old = [(W.copy(), b.copy()) for W, b in net.params]
    net.forward(X)
    net.loss(y)
    grads = [(dW.copy(), db.copy()) for dW, db in net.backward()]
    net.update(0.3)
    for (W, b), (W0, b0), (dW, db) in zip(net.params, old, grads, strict=True):
        np.testing.assert_array_equal(W, W0 - 0.3 * dW)
        np.testing.assert_array_equal(b, b0 - 0.3 * db)
    assert net.phase == "update"


def test_train_step_returns_loss_before_update_and_descends() -> None:
    net, X, y = random_problem("tanh", "sigmoid", "bce")
    before = net.evaluate(X, y)
    assert net.train_step(X, y, 0.1) == before
    assert net.evaluate(X, y) < before


@pytest.mark.parametrize(("activation", "head"), COMBOS)
def test_train_step_keeps_the_phase_details_of_the_weights_it_started_from(activation: str, head: tuple) -> None:
    """train_step computes dL/dX and dL/dout only when read: they must match finite differences at the old weights."""
    net, X, y = random_problem(activation, *head)
    probe, eps = copy.deepcopy(net), 1e-6
    net.train_step(X, y, 0.3)
    dX = np.zeros_like(X)
    for i in np.ndindex(X.shape):
        up, down = X.copy(), X.copy()
        up[i] += eps
        down[i] -= eps
        dX[i] = (probe.evaluate(up, y) - probe.evaluate(down, y)) / (2 * eps)
    assert relative_error([(net.da[0], net.dz[0])], [(dX, net.dz[0])]) < 1e-6
    out, m = probe.predict(X), y.size
    dout = ((out - y) / (out * (1 - out)) if head[1] == "bce" else 2 * (out - y)) / m
    np.testing.assert_allclose(net.da[-1], dout, rtol=1e-9)
    assert [d.shape for d in net.da] == [(6, 3), (6, 5), (6, 4), (6, 2)]


def test_phases_must_run_in_order() -> None:
    net, X, y = random_problem("tanh", "linear", "mse")
    with pytest.raises(RuntimeError, match="forward"):
        net.loss(y)
    net.forward(X)
    with pytest.raises(RuntimeError, match="loss"):
        net.backward()
    with pytest.raises(RuntimeError, match="backward"):
        net.update(0.1)
    net.loss(y)
    net.backward()
    net.update(0.1)
    with pytest.raises(RuntimeError):
        net.update(0.1)  # the gradients belong to the old weights
    with pytest.raises(RuntimeError):
        net.loss(y)  # so does the forward pass


def test_predict_and_evaluate_leave_the_phases_alone() -> None:
    net, X, y = random_problem("tanh", "sigmoid", "bce")
    net.forward(X[:2])
    kept = net.a[-1].copy()
    assert net.predict(X).shape == (6, 2)
    assert net.evaluate(X, y) == pytest.approx(loss_at(copy.deepcopy(net), X, y))
    assert net.phase == "forward" and np.array_equal(net.a[-1], kept)


def test_accuracy_thresholds_at_half() -> None:
    net = MLP([1, 1], output="sigmoid", loss="bce")
    net.set_params([([[1.0]], [0.0])])
    X = np.array([[-2.0], [-0.1], [0.0], [3.0]])  # outputs below, below, at, above 0.5
    assert net.accuracy(X, np.array([[0.0], [0.0], [1.0], [1.0]])) == 1.0
    assert net.accuracy(X, np.array([[1.0], [0.0], [0.0], [1.0]])) == 0.5
    with pytest.raises(ValueError, match="sigmoid"):
        MLP([1, 1], output="linear", loss="mse").accuracy(X, np.zeros((4, 1)))


@pytest.mark.parametrize(
    ("name", "noise", "sizes", "activation", "epochs"),
    [
        ("circles", 0.05, [2, 8, 1], "tanh", 1000),
        ("circles", 0.05, [2, 8, 1], "relu", 600),
        ("moons", 0.1, [2, 8, 8, 1], "tanh", 1000),
        ("moons", 0.1, [2, 8, 8, 1], "relu", 600),
        ("xor", 0.0, [2, 4, 1], "sigmoid", 3000),
    ],
)
def test_training_classifies_toy_sets(name: str, noise: float, sizes: list[int], activation: str, epochs: int) -> None:
    X, y = make_dataset(name, 200, noise, seed=1)
    net = MLP(sizes, activation, "sigmoid", "bce", seed=1)
    lr = 2.0 if activation == "sigmoid" else 0.5
    losses = net.train(X, y, lr, epochs)
    assert len(losses) == epochs + 1 and losses[-1] < 0.5 * losses[0]   # losses[k]: after k updates
    assert net.accuracy(X, y) >= 0.95


def test_sine_regression_loss_decreases() -> None:
    X, y = make_dataset("sine", 200, 0.1, seed=0)
    net = MLP([1, 8, 1], "tanh", "linear", "mse", seed=0)
    losses = net.train(X, y, 0.05, 2000)
    assert np.all(np.diff(losses) <= 0)  # a small enough step never goes uphill
    assert losses[-1] < 0.05 * losses[0]
    assert net.evaluate(X, y) < 0.03  # the noise alone costs 0.1**2 = 0.01


def test_train_callback_can_stop() -> None:
    net, X, y = random_problem("tanh", "linear", "mse")
    seen = []
    losses = net.train(X, y, 0.01, 100, callback=lambda done, loss: seen.append((done, loss)) or done < 5)
    assert [done for done, _loss in seen] == [1, 2, 3, 4, 5] and len(losses) == 6   # the start and 5 updates
    assert [loss for _done, loss in seen] == losses[:5] and losses[5] == net.evaluate(X, y)


@pytest.mark.parametrize(("activation", "output", "loss", "lr"), [
    ("tanh", "linear", "mse", 1e6), ("relu", "linear", "mse", 1e6), ("relu", "sigmoid", "bce", 1e300),
])
def test_divergence_is_detectable_and_silent(activation: str, output: str, loss: str, lr: float) -> None:
    X, y = make_dataset("xor", 100, 0.1, seed=0)
    net = MLP([2, 8, 8, 1], activation, output, loss, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # also enforced by the pytest configuration
        losses = net.train(X, y, lr, 200)
        assert not net.is_finite()
        assert len(losses) < 200 and not math.isfinite(losses[-1])  # train stops at the first bad loss
        assert not math.isfinite(net.evaluate(X, y))  # and it stays visible to later calls


def test_saturated_bce_stays_finite_and_silent() -> None:
    """A huge step saturates every sigmoid; the -100 clamp keeps the loss finite (stuck, not diverged)."""
    X, y = make_dataset("xor", 100, 0.1, seed=0)
    net = MLP([2, 8, 8, 1], "sigmoid", "sigmoid", "bce", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses = net.train(X, y, 1e6, 50)
    assert len(losses) == 51 and net.is_finite() and 0.69 < losses[-1] <= 100


def test_gradient_check_reports_small_error_and_catches_a_wrong_gradient() -> None:
    net, X, y = random_problem("tanh", "sigmoid", "bce")
    net.forward(X)
    assert net.gradient_check(X, y) < 1e-7
    assert net.phase == "forward"  # the check works on a copy

    class Off(MLP):
        def backward(self):  # a 1% error in one layer's gradient
            grads = super().backward()
            grads[0] = (grads[0][0] * 1.01, grads[0][1])
            return grads

    broken = Off([3, 5, 4, 2], "tanh", "sigmoid", "bce")
    broken.set_params(net.params)
    assert 1e-4 < broken.gradient_check(X, y) < 0.02


def test_relative_error_is_scale_relative() -> None:
    a = [(np.array([[1.0, 1e-9]]), np.array([0.0]))]
    b = [(np.array([[1.0, 2e-9]]), np.array([1e-3]))]
    assert relative_error(a, b) == pytest.approx(1e-3)
    assert relative_error(a, a) == 0.0
    zero = [(np.zeros((1, 2)), np.zeros(1))]
    assert relative_error(zero, zero) == 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_headless_defaults_reach_full_accuracy_on_xor(seed: int) -> None:
    result = train_headless(seed=seed)
    assert result["accuracy"] == 1.0 and not result["diverged"]
    assert result["dataset"] == "xor" and result["sizes"] == [2, 4, 1]
    assert len(result["losses"]) == result["epochs"] + 1 and result["final_loss"] < 0.05


def test_headless_regression_split_and_divergence() -> None:
    result = train_headless("sine", sizes=(1, 8, 1), lr=0.1, epochs=300, noise=0.1, test_fraction=0.25)
    assert result["accuracy"] is None and result["test_accuracy"] is None
    assert result["output"] == "linear" and result["loss"] == "mse"
    assert result["losses"][-1] < result["losses"][0] and math.isfinite(result["test_loss"])
    bad = train_headless("sine", sizes=(1, 8, 1), lr=1e6, epochs=100)
    assert bad["diverged"] and "learning rate" in bad["message"] and len(bad["losses"]) < 100
    with pytest.raises(ValueError, match="start with 1"):
        train_headless("sine")
    with pytest.raises(ValueError, match="epochs"):
        train_headless(epochs=0)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"sizes": [2]}, "at least 2"),
    ({"sizes": "21"}, "at least 2"),
    ({"sizes": [2, 0, 1]}, "from 1 to"),
    ({"sizes": [2, 1001, 1]}, "from 1 to"),
    ({"sizes": [2, 2.5, 1]}, "integers"),
    ({"sizes": [2, True, 1]}, "integers"),
    ({"activation": "softmax"}, "unknown activation"),
    ({"output": "tanh"}, "unknown output"),
    ({"loss": "hinge"}, "unknown loss"),
    ({"output": "linear", "loss": "bce"}, "needs output 'sigmoid'"),
    ({"seed": -1}, "seed"),
])
def test_constructor_validation(kwargs: dict, match: str) -> None:
    options = {"sizes": [2, 4, 1]} | kwargs
    with pytest.raises(ValueError, match=match) as info:
        MLP(**options)
    assert "\n" not in str(info.value)


def test_input_validation() -> None:
    net = MLP([2, 3, 1])
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        net.forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        net.forward(np.zeros(2))
    net.forward(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="y must have shape"):
        net.loss(np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        net.loss(np.full((4, 1), 2.0))
    net.loss(np.zeros((4, 1)))
    net.backward()
    for lr in (-0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="learning rate"):
            net.update(lr)


def test_engine_imports_neither_qt_nor_sympy() -> None:
    code = ("import sys, calclab.engine.backprop; "
            "print(sorted(m for m in ('PySide6', 'pyqtgraph', 'sympy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(("activation", "output", "loss"), [(a, o, l) for a, (o, l) in COMBOS])
def test_matches_torch(activation: str, output: str, loss: str) -> None:
    torch = pytest.importorskip("torch")
    net, X, y = random_problem(activation, output, loss)
    params = [(torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)) for W, b in net.params]
    h = torch.tensor(X)
    for i, (W, b) in enumerate(params):
        h = h @ W + b
        name = activation if i < len(params) - 1 else output
        h = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}[name](h)
    fn = torch.nn.functional.binary_cross_entropy if loss == "bce" else torch.nn.functional.mse_loss
    reference = fn(h, torch.tensor(y))
    reference.backward()
    assert loss_at(net, X, y) == pytest.approx(reference.item(), rel=1e-12)
    for (dW, db), (W, b) in zip(net.backward(), params, strict=True):
        np.testing.assert_allclose(dW, W.grad.numpy(), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(db, b.grad.numpy(), rtol=1e-10, atol=1e-14)
