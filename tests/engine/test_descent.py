"""The descent stepper against hand-computed torch.optim updates, the lesson's printout and a scalar reference.

References here are written independently of calclab.engine.descent: literal arithmetic for the first two
steps, and a plain-float loop (`_reference`) transcribed from the torch.optim documentation pseudo-code.
"""

import math
import tracemalloc

import numpy as np
import pytest

from calclab.engine.descent import DEFAULTS, METHODS, Descent, StepRecord, stable_lr_bound


def square(p):
    return p[0] ** 2


def square_grad(p):
    return np.array([2 * p[0]])


def valley(p):
    return p[0] ** 2 + 10 * p[1] ** 2


def valley_grad(p):
    return np.array([2 * p[0], 20 * p[1]])


def lesson_lines(epochs=20):
    """The lesson's program, verbatim apart from collecting lines instead of printing."""
    x = 10
    learning_rate = 0.1
    lines = []
    for i in range(epochs):
        grad = 2 * x
        x = x - learning_rate * grad
        lines.append(f"Epoch {i + 1}: x = {x}, f(x) = {x**2}")
    return lines


# ---- the lesson --------------------------------------------------------------------------------------


def test_lesson_sequence_line_for_line():
    run = Descent(square, square_grad, 10, optimizer="sgd", lr=0.1, epochs=20)
    assert run.run() == 20
    ours = [f"Epoch {r.epoch}: x = {float(r.x[0])}, f(x) = {r.f}" for r in run.history]
    assert ours == lesson_lines()
    assert run.status == "completed"
    assert run.history[-1].epoch == 20


def test_lesson_specific_values():
    run = Descent(square, square_grad, 10, lr=0.1, epochs=20)
    first = run.step()
    assert (repr(float(first.x[0])), repr(first.f)) == ("8.0", "64.0")
    for _ in range(3):
        rec = run.step()
    assert rec.epoch == 4
    assert (repr(float(rec.x[0])), repr(rec.f)) == ("4.096", "16.777216")
    run.run()
    last = run.history[-1]
    assert repr(float(last.x[0])) == "0.11529215046068471"
    assert repr(last.f) == "0.013292279957849162"
    assert run.step() is None and run.epoch == 20


# ---- each optimizer: first two steps by hand on f = x^2 from x0 = 3, lr = 0.1 ---------------------------


def _two_steps(optimizer):
    run = Descent(square, square_grad, 3.0, optimizer=optimizer, lr=0.1, epochs=10)
    return run, run.step(), run.step()


def test_sgd_first_two_steps():
    _, r1, r2 = _two_steps("sgd")
    assert r1.grad[0] == 6.0 and r1.x[0] == 3 - 0.1 * 6      # 2.4
    assert r2.grad[0] == 2 * (3 - 0.1 * 6)
    assert r2.x[0] == pytest.approx(2.4 - 0.1 * 4.8, rel=1e-15)  # 1.92
    assert r2.internals == {}


def test_momentum_first_two_steps():
    _, r1, r2 = _two_steps("momentum")
    # b1 = g1 = 6 (torch starts the buffer at the gradient), x1 = 3 - 0.1 * 6
    assert r1.internals["velocity"][0] == 6.0 and r1.x[0] == pytest.approx(2.4, rel=1e-15)
    # g2 = 4.8, b2 = 0.9 * 6 + 4.8 = 10.2, x2 = 2.4 - 0.1 * 10.2 = 1.38
    assert r2.internals["velocity"][0] == pytest.approx(10.2, rel=1e-15)
    assert r2.x[0] == pytest.approx(1.38, rel=1e-14)


def test_nesterov_first_two_steps():
    _, r1, r2 = _two_steps("nesterov")
    # b1 = 6, update direction g1 + 0.9 b1 = 11.4, x1 = 3 - 1.14 = 1.86
    assert r1.internals["velocity"][0] == 6.0 and r1.x[0] == pytest.approx(1.86, rel=1e-15)
    # g2 = 3.72, b2 = 0.9 * 6 + 3.72 = 9.12, direction 3.72 + 0.9 * 9.12 = 11.928, x2 = 1.86 - 1.1928
    assert r2.grad[0] == pytest.approx(3.72, rel=1e-15)
    assert r2.internals["velocity"][0] == pytest.approx(9.12, rel=1e-15)
    assert r2.x[0] == pytest.approx(0.6672, rel=1e-13)


def test_adagrad_first_two_steps():
    _, r1, r2 = _two_steps("adagrad")
    eps = 1e-10
    # sum1 = 36, x1 = 3 - 0.1 * 6 / (sqrt(36) + eps)
    x1 = 3 - 0.1 * 6 / (6 + eps)
    assert r1.internals["sum_sq"][0] == 36.0 and r1.x[0] == pytest.approx(x1, rel=1e-15)
    g2 = 2 * x1                                                # 5.8
    sum2 = 36 + g2 * g2                                        # 69.64
    assert r2.internals["sum_sq"][0] == pytest.approx(sum2, rel=1e-15)
    assert r2.x[0] == pytest.approx(x1 - 0.1 * g2 / (math.sqrt(sum2) + eps), rel=1e-14)
    assert r2.x[0] == pytest.approx(2.9 - 0.58 / math.sqrt(69.64), rel=1e-9)


def test_rmsprop_first_two_steps():
    _, r1, r2 = _two_steps("rmsprop")
    alpha, eps = 0.99, 1e-8
    v1 = (1 - alpha) * 36                                      # 0.36
    x1 = 3 - 0.1 * 6 / (math.sqrt(v1) + eps)                   # about 2.0
    assert r1.internals["v"][0] == pytest.approx(0.36, rel=1e-14) and r1.x[0] == pytest.approx(x1, rel=1e-14)
    g2 = 2 * x1
    v2 = alpha * v1 + (1 - alpha) * g2 * g2                    # 0.3564 + 0.16 = 0.5164
    assert r2.internals["v"][0] == pytest.approx(v2, rel=1e-14)
    assert r2.x[0] == pytest.approx(x1 - 0.1 * g2 / (math.sqrt(v2) + eps), rel=1e-14)
    assert r2.x[0] == pytest.approx(2 - 0.4 / math.sqrt(0.5164), rel=1e-7)


def test_adam_first_two_steps():
    _, r1, r2 = _two_steps("adam")
    b1, b2, eps = 0.9, 0.999, 1e-8
    m1, v1 = (1 - b1) * 6, (1 - b2) * 36                       # 0.6, 0.036
    x1 = 3 - 0.1 * (m1 / (1 - b1)) / (math.sqrt(v1 / (1 - b2)) + eps)   # 3 - 0.1 * 6 / (6 + eps)
    assert r1.internals["m"][0] == pytest.approx(0.6, rel=1e-14)
    assert r1.internals["v"][0] == pytest.approx(0.036, rel=1e-14)
    assert r1.x[0] == pytest.approx(x1, rel=1e-14) and r1.x[0] == pytest.approx(2.9, rel=1e-8)
    g2 = 2 * x1                                                # 5.8
    m2 = b1 * m1 + (1 - b1) * g2                               # 0.54 + 0.58 = 1.12
    v2 = b2 * v1 + (1 - b2) * g2 * g2                          # 0.035964 + 0.03364 = 0.069604
    m_hat, v_hat = m2 / (1 - b1**2), v2 / (1 - b2**2)
    assert r2.internals["m"][0] == pytest.approx(1.12, rel=1e-8)
    assert r2.internals["v"][0] == pytest.approx(0.069604, rel=1e-8)
    assert r2.x[0] == pytest.approx(x1 - 0.1 * m_hat / (math.sqrt(v_hat) + eps), rel=1e-14)


# ---- a plain-float reference, coordinate by coordinate (every rule is elementwise) ---------------------


def _reference(optimizer, grad_1d, x0, lr, steps, hp):
    """torch.optim's documented update for one coordinate, in Python floats."""
    x, b, s, m, v = x0, 0.0, 0.0, 0.0, 0.0
    xs = []
    for t in range(1, steps + 1):
        g = grad_1d(x)
        if optimizer == "sgd":
            x = x - lr * g
        elif optimizer in ("momentum", "nesterov"):
            mu = hp["momentum"]
            b = g if t == 1 else mu * b + g
            x = x - lr * (g + mu * b if optimizer == "nesterov" else b)
        elif optimizer == "adagrad":
            s = s + g * g
            x = x - lr * g / (math.sqrt(s) + hp["eps"])
        elif optimizer == "rmsprop":
            s = hp["alpha"] * s + (1 - hp["alpha"]) * g * g
            x = x - lr * g / (math.sqrt(s) + hp["eps"])
        else:
            m = hp["beta1"] * m + (1 - hp["beta1"]) * g
            v = hp["beta2"] * v + (1 - hp["beta2"]) * g * g
            m_hat, v_hat = m / (1 - hp["beta1"] ** t), v / (1 - hp["beta2"] ** t)
            x = x - lr * m_hat / (math.sqrt(v_hat) + hp["eps"])
        xs.append(x)
    return xs


TORCH_DEFAULTS = {
    "sgd": {}, "momentum": {"momentum": 0.9}, "nesterov": {"momentum": 0.9}, "adagrad": {"eps": 1e-10},
    "rmsprop": {"alpha": 0.99, "eps": 1e-8}, "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
}
OPTIMIZERS = tuple(TORCH_DEFAULTS)   # the six first-order rules these references cover (adamw: test_optimizers.py)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_two_variables_match_scalar_reference(optimizer):
    lr = 0.01 if optimizer in ("momentum", "nesterov") else 0.04
    run = Descent(valley, valley_grad, [1.5, -0.7], optimizer=optimizer, lr=lr, epochs=60)
    run.run()
    hp = TORCH_DEFAULTS[optimizer]
    ref_x = _reference(optimizer, lambda x: 2 * x, 1.5, lr, 60, hp)
    ref_y = _reference(optimizer, lambda y: 20 * y, -0.7, lr, 60, hp)
    np.testing.assert_allclose(run.history.x[:, 0], ref_x, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(run.history.x[:, 1], ref_y, rtol=1e-12, atol=1e-300)
    f_ref = [a * a + 10 * b * b for a, b in zip(ref_x, ref_y, strict=True)]
    np.testing.assert_allclose(run.history.f, f_ref, rtol=1e-11)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_matches_torch(optimizer):
    torch = pytest.importorskip("torch")
    hp = TORCH_DEFAULTS[optimizer]
    p = torch.tensor([1.5, -0.7], dtype=torch.float64, requires_grad=True)
    lr = 0.03
    if optimizer in ("sgd", "momentum", "nesterov"):
        opt = torch.optim.SGD([p], lr=lr, momentum=hp.get("momentum", 0), nesterov=optimizer == "nesterov")
    elif optimizer == "adagrad":
        opt = torch.optim.Adagrad([p], lr=lr)
    elif optimizer == "rmsprop":
        opt = torch.optim.RMSprop([p], lr=lr)
    else:
        opt = torch.optim.Adam([p], lr=lr)
    expected = []
    for _ in range(30):
        opt.zero_grad()
        (p[0] ** 2 + 10 * p[1] ** 2).backward()
        opt.step()
        expected.append(p.detach().numpy().copy())
    run = Descent(valley, valley_grad, [1.5, -0.7], optimizer=optimizer, lr=lr, epochs=30)
    run.run()
    np.testing.assert_allclose(run.history.x, np.array(expected), rtol=1e-12, atol=1e-300)


def test_defaults_are_torch_defaults():
    expected = {name: {**hp, "weight_decay": 0.0} for name, hp in TORCH_DEFAULTS.items()}   # torch: weight_decay=0
    expected["adamw"] = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01}   # torch.optim.AdamW
    expected["newton"] = {"weight_decay": 0.0}
    assert {name: dict(hp) for name, hp in DEFAULTS.items()} == expected
    assert set(DEFAULTS) == set(METHODS) and set(OPTIMIZERS) < set(METHODS)
    assert dict(Descent(square, square_grad, 1.0, optimizer="nesterov").hyper) == {"momentum": 0.9,
                                                                                    "weight_decay": 0.0}
    assert dict(Descent(square, square_grad, 1.0, optimizer="adam", beta2=0.5).hyper) == {
        "beta1": 0.9, "beta2": 0.5, "eps": 1e-8, "weight_decay": 0.0}


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_next_step_previews_the_step(optimizer):
    run = Descent(valley, valley_grad, [1.0, 2.0], optimizer=optimizer, lr=0.02, epochs=5)
    for _ in range(5):
        preview = run.next_step()
        x_before = run.x.copy()
        rec = run.step()
        np.testing.assert_array_equal(rec.x, x_before + preview)
        np.testing.assert_array_equal(rec.step, rec.x - x_before)
    assert run.next_step() is None


# ---- state, history, lr changes, reset --------------------------------------------------------------


def test_record_fields_and_history_arrays():
    run = Descent(valley, valley_grad, [1.0, 1.0], optimizer="sgd", lr=0.05, epochs=3)
    assert run.epoch == 0 and run.value == 11.0
    np.testing.assert_array_equal(run.gradient, [2.0, 20.0])
    rec = run.step()
    assert isinstance(rec, StepRecord) and rec.epoch == 1 and rec.lr == 0.05
    np.testing.assert_array_equal(rec.grad, [2.0, 20.0])                 # gradient at x0, used by the step
    np.testing.assert_allclose(rec.x, [1 - 0.05 * 2, 1 - 0.05 * 20])      # (0.9, 0)
    np.testing.assert_allclose(rec.step, [-0.1, -1.0])
    assert rec.f == pytest.approx(0.81)
    np.testing.assert_allclose(run.gradient, [1.8, 0.0])                  # gradient at the new point
    run.run()
    h = run.history
    assert len(h) == 3 and h.x.shape == (3, 2) and h.path.shape == (4, 2) and h.path_f.shape == (4,)
    np.testing.assert_array_equal(h.path[0], [1.0, 1.0])
    np.testing.assert_array_equal(h.epoch, [1, 2, 3])
    np.testing.assert_array_equal(h.grad[1], h[1].grad)
    np.testing.assert_array_equal(h.step, np.diff(h.path, axis=0))
    assert h[-1].epoch == 3 and [r.epoch for r in h[0:2]] == [1, 2]
    with pytest.raises(ValueError):
        h.x[0, 0] = 5.0                                                   # views are read-only
    with pytest.raises(IndexError):
        h[3]


def test_history_grows_past_initial_capacity():
    run = Descent(square, square_grad, 10.0, lr=0.001, epochs=3000)
    early = run.history.x
    run.run()
    x, xs = 10.0, []
    for _ in range(3000):
        x = x - 0.001 * (2 * x)
        xs.append(x)
    np.testing.assert_array_equal(run.history.x[:, 0], xs)
    assert early.shape == (0, 1)


def test_lr_change_applies_from_next_step():
    run = Descent(square, square_grad, 10.0, lr=0.1, epochs=5)
    assert run.step().x[0] == 8.0
    run.lr = 0.25
    rec = run.step()
    assert rec.x[0] == 8.0 - 0.25 * 16.0 and rec.lr == 0.25             # 4.0
    np.testing.assert_array_equal(run.history.lr, [0.1, 0.25])
    with pytest.raises(ValueError, match="learning rate"):
        run.lr = -1
    assert run.lr == 0.25


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_reset_starts_over(optimizer):
    run = Descent(valley, valley_grad, [1.0, -1.0], optimizer=optimizer, lr=0.02, epochs=8)
    first = run.step()
    run.run()
    assert run.status == "completed"
    run.reset()
    assert (run.epoch, run.status, run.message, len(run.history)) == (0, "running", "", 0)
    np.testing.assert_array_equal(run.x, [1.0, -1.0])
    assert all(np.all(v == 0) for v in run.internals.values())
    again = run.step()                                   # fresh optimizer state: same first step
    np.testing.assert_array_equal(again.x, first.x)
    for name in first.internals:
        np.testing.assert_array_equal(again.internals[name], first.internals[name])


# ---- stopping: converged, completed, diverged ---------------------------------------------------------


def test_converges_at_tolerance():
    # |f'(x_k)| = 2 * 10 * 0.8^k, first <= 1e-3 at the k found by a plain loop
    x, k = 10.0, 0
    while abs(2 * x) > 1e-3:
        x, k = x - 0.1 * 2 * x, k + 1
    run = Descent(square, square_grad, 10.0, lr=0.1, epochs=1000, tolerance=1e-3)
    run.run()
    assert run.status == "converged" and run.epoch == k == 45
    assert run.message.startswith(f"converged at epoch {k}:")
    assert run.step() is None and len(run.history) == k
    assert run.history[-2].grad[0] > 1e-3


def test_converged_at_start_and_zero_epochs():
    run = Descent(square, square_grad, 0.0, lr=0.1, epochs=10, tolerance=0.0)
    assert run.status == "converged" and "start" in run.message and run.step() is None
    run = Descent(square, square_grad, 5.0, lr=0.1, epochs=0)
    assert run.status == "completed" and run.run() == 0


def test_no_minimum_is_reported_as_falling_without_bound():
    # x^3 from -1: x_{k+1} = x - 0.3 x^2 runs off to -inf; f = x^3 falls below -1e10 * |f(x0)|
    run = Descent(lambda p: float(p[0] ** 3), lambda p: np.array([3 * p[0] ** 2]), -1.0, lr=0.1, epochs=10_000)
    run.run()
    assert run.status == "diverged" and "falling without bound" in run.message
    assert run.history.f[-1] < -1e10 and np.all(np.isfinite(run.history.path))


def test_run_max_steps():
    run = Descent(square, square_grad, 10.0, lr=0.1, epochs=20)
    assert run.run(max_steps=7) == 7 and run.status == "running" and run.epoch == 7
    assert run.run() == 13 and run.status == "completed"


def test_diverges_on_large_learning_rate():
    # x_k = 10 (-2)^k; f_k = 100 * 4^k first exceeds 1e10 times f(x0) = 100 at the k a plain loop finds
    x, k = 10.0, 0
    while x * x <= 1e10 * 100:
        x, k = x - 1.5 * 2 * x, k + 1
    run = Descent(square, square_grad, 10.0, lr=1.5, epochs=100_000)
    run.run()
    assert run.status == "diverged" and k == 17
    assert run.message.startswith(f"diverged at epoch {k}: f(x) grew over")
    assert len(run.history) == k and np.all(np.isfinite(run.history.path))
    assert run.step() is None and run.epoch == k


@pytest.mark.parametrize("lr", [1e150, 1e308])
def test_diverges_when_x_overflows(lr):
    # f = -x^2 from x0 = 1: x1 = 1 + 2 lr, past 1e150 (or inf) before f is even looked at
    run = Descent(lambda p: -p[0] ** 2, lambda p: -2 * p, 1.0, lr=lr, epochs=10)
    run.run()
    assert run.status == "diverged" and run.message.startswith("diverged at epoch 1: x overflowed")
    assert np.isnan(run.value) and len(run.history) == 1


@pytest.mark.parametrize("log", [math.log, np.log])
def test_diverges_when_f_is_undefined(log):
    run = Descent(lambda p: log(p[0]), lambda p: 1 / p, 0.5, lr=1.0, epochs=10)  # x1 = 0.5 - 2 = -1.5
    run.run()
    assert (run.status, run.message) == ("diverged", "diverged at epoch 1: f is not defined at x = -1.5")


def test_diverges_when_gradient_is_undefined():
    run = Descent(lambda p: np.sqrt(p[0]), lambda p: 0.5 / np.sqrt(p), 1.0, lr=2.0, epochs=10)  # x1 = 0
    run.run()
    assert run.message == "diverged at epoch 1: the gradient is not defined at x = 0"
    assert np.isnan(run.gradient[0]) and run.value == 0.0


@pytest.mark.parametrize(("optimizer", "name"), [("adam", "v"), ("adagrad", "sum_sq"), ("rmsprop", "v")])
def test_diverges_when_optimizer_state_overflows(optimizer, name):
    run = Descent(lambda p: 1e160 * p[0], lambda p: np.array([1e160]), 0.0, optimizer=optimizer, epochs=5)
    run.run()
    assert run.message == f"diverged at epoch 1: the optimizer state '{name}' overflowed"


# ---- bad input ----------------------------------------------------------------------------------------


def test_undefined_start_is_a_value_error():
    with pytest.raises(ValueError, match=r"^f is not defined at the start point x0 = -1\b"):
        Descent(lambda p: np.log(p[0]), lambda p: 1 / p, -1)
    with pytest.raises(ValueError, match="gradient is not defined at the start point x0 = 0"):
        Descent(lambda p: np.sqrt(p[0]), lambda p: 0.5 / np.sqrt(p), 0.0)
    with pytest.raises(ValueError, match=r"start point x0 = \(1, 2\)"):
        Descent(lambda p: math.log(p[0] - p[1]), lambda p: p, [1, 2])
    with pytest.raises(ValueError, match="too large"):
        Descent(lambda p: 1e200, lambda p: p, [1])


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"optimizer": "lbfgs"}, "unknown optimizer"),
        ({"lr": 0}, "learning rate"),
        ({"lr": -0.1}, "learning rate"),
        ({"lr": math.nan}, "learning rate"),
        ({"lr": math.inf}, "learning rate"),
        ({"lr": "0.1"}, "learning rate"),
        ({"lr": 10**400}, "learning rate"),
        ({"epochs": -1}, "epochs"),
        ({"epochs": 10_000_001}, "epochs"),
        ({"epochs": 2.5}, "epochs"),
        ({"epochs": True}, "epochs"),
        ({"x0": []}, "start point"),
        ({"x0": [1.0, math.nan]}, "start point"),
        ({"x0": math.inf}, "start point"),
        ({"x0": ["a"]}, "start point"),
        ({"x0": "1.5"}, "start point"),
        ({"x0": 1e200}, "start point"),
        ({"tolerance": -1}, "tolerance"),
        ({"tolerance": math.nan}, "tolerance"),
        ({"optimizer": "sgd", "momentum": 0.9}, "sgd has no hyperparameter 'momentum'"),
        ({"optimizer": "adam", "alpha": 0.9}, "adam has no hyperparameter 'alpha'"),
        ({"optimizer": "momentum", "momentum": 1.0}, "momentum"),
        ({"optimizer": "nesterov", "momentum": -0.1}, "momentum"),
        ({"optimizer": "adam", "beta1": 1.0}, "beta1"),
        ({"optimizer": "adam", "beta2": math.nan}, "beta2"),
        ({"optimizer": "rmsprop", "alpha": 1.5}, "alpha"),
        ({"optimizer": "adagrad", "eps": 0}, "eps"),
        ({"optimizer": "adagrad", "eps": None}, "eps"),
    ],
)
def test_invalid_inputs_raise_value_error(kwargs, words):
    args = {"x0": 1.0, **kwargs}
    with pytest.raises(ValueError) as err:
        Descent(square, square_grad, **args)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_f_may_return_a_one_element_array():
    run = Descent(lambda p: np.array([p[0] ** 2]), lambda p: [2 * p[0]], 10, epochs=4)
    run.run()
    assert repr(run.history[-1].f) == "16.777216"


# ---- stable learning-rate bound -----------------------------------------------------------------------


def test_stable_lr_bound_sgd():
    assert stable_lr_bound(np.diag([2.0, 20.0])) == pytest.approx(0.1)
    assert stable_lr_bound([[2.0]]) == pytest.approx(1.0)
    assert stable_lr_bound(2.0) == pytest.approx(1.0)
    assert stable_lr_bound([[2.0, -2.0], [-2.0, 2.0]]) == pytest.approx(0.5)   # eigenvalues 0, 4
    assert stable_lr_bound(np.diag([-2.0, -1.0])) is None
    assert stable_lr_bound(np.zeros((2, 2))) is None
    assert stable_lr_bound([[math.nan]]) is None
    for optimizer in ("adagrad", "rmsprop", "adam"):
        assert stable_lr_bound(np.diag([2.0, 20.0]), optimizer) is None
    with pytest.raises(ValueError):
        stable_lr_bound(np.ones((2, 3)))


def _spectral_radius(optimizer, h, mu):
    """Largest |eigenvalue| of the linear map (x, lr*b) -> next, for one curvature direction, h = lr * L."""
    if optimizer == "momentum":      # c' = mu c + h x ; x' = x - c'
        m = [[1 - h - 0.0, -mu], [h, mu]]
    else:                            # nesterov: x' = x - h x - mu c'
        m = [[1 - h - mu * h, -mu * mu], [h, mu]]
    return max(abs(np.linalg.eigvals(np.array(m))))


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov"])
def test_stable_lr_bound_separates_convergence_from_divergence(optimizer):
    hessian = np.diag([2.0, 20.0])
    bound = stable_lr_bound(hessian, optimizer, momentum=None if optimizer == "sgd" else 0.9)
    if optimizer == "sgd":
        assert bound == pytest.approx(0.1)
    else:
        # the spectral radius crosses 1 at h = lr * 20 = bound * 20
        assert _spectral_radius(optimizer, bound * 20 * 0.99, 0.9) < 1 < _spectral_radius(
            optimizer, bound * 20 * 1.01, 0.9)
    for factor, expected in ((0.95, "completed"), (1.05, "diverged")):
        run = Descent(valley, valley_grad, [1.0, 1.0], optimizer=optimizer, lr=bound * factor, epochs=20_000)
        run.run()
        assert run.status == expected
        if expected == "completed":
            assert run.value < 1e-12


def test_history_memory_per_step_is_small():
    # Column arrays: Adam on two variables keeps x, f, grad, lr, m, v = 80 bytes a row (plus spare
    # capacity from doubling). One Python StepRecord per step would cost about 1 kB.
    run = Descent(valley, valley_grad, [1.0, 1.0], optimizer="adam", lr=1e-4, epochs=3000)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        run.run()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(run.history) == 3000
    assert grown / 3000 < 250


# ---- AdamW, weight decay and Newton's method in a run ----------------------------------------------------


def test_adamw_run_matches_the_written_formula():
    """AdamW on x^2 + 10 y^2 from (1.5, -0.7), torch defaults, per coordinate: decay, then the Adam step."""
    lr, b1, b2, eps, wd = 0.05, 0.9, 0.999, 1e-8, 0.01
    run = Descent(valley, valley_grad, [1.5, -0.7], optimizer="adamw", lr=lr, epochs=40)
    run.run()
    for column, (x, curvature) in enumerate(((1.5, 2.0), (-0.7, 20.0))):
        m = v = 0.0
        expected = []
        for t in range(1, 41):
            g = curvature * x
            x = x * (1 - lr * wd)
            m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
            x = x - lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
            expected.append(x)
        np.testing.assert_allclose(run.history.x[:, column], expected, rtol=1e-12)
    assert set(run.internals) == {"m", "v"} and run.hyper["weight_decay"] == 0.01


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_weight_decay_in_a_run_is_descent_on_f_plus_half_wd_x_squared(optimizer):
    """torch's L2 weight decay adds wd x to the gradient: the same run as on f + wd/2 |x|^2 without decay."""
    wd = 0.3
    decayed = Descent(valley, valley_grad, [1.0, 2.0], optimizer=optimizer, lr=0.01, epochs=30, weight_decay=wd)
    plain = Descent(lambda p: valley(p) + wd / 2 * (p[0] ** 2 + p[1] ** 2),
                    lambda p: np.array([(2 + wd) * p[0], (20 + wd) * p[1]]), [1.0, 2.0], optimizer=optimizer,
                    lr=0.01, epochs=30)
    decayed.run()
    plain.run()
    np.testing.assert_allclose(decayed.history.x, plain.history.x, rtol=1e-13)
    np.testing.assert_array_equal(decayed.history.grad[0], [2.0, 40.0])    # the history keeps f's own gradient


def test_zero_gradient_with_weight_decay_still_moves():
    run = Descent(lambda p: 0.0 * p[0], lambda p: np.array([0.0]), 4.0, optimizer="sgd", lr=0.5, epochs=2,
                  weight_decay=0.5)
    run.run()
    assert run.status == "completed" and run.history.x[:, 0].tolist() == [3.0, 2.25]   # x <- x - 0.5 * 0.5 x


def valley_hessian(p):
    return np.diag([2.0, 20.0])


def test_newton_lands_on_a_quadratics_minimum_in_one_step():
    run = Descent(valley, valley_grad, [3.0, 1.0], optimizer="newton", lr=0.1, epochs=10, hessian=valley_hessian)
    assert run.next_step().tolist() == [-3.0, -1.0]
    run.run()
    assert run.history.x.tolist() == [[0.0, 0.0]]
    assert run.status == "converged" and "gradient is exactly 0" in run.message
    assert math.isnan(run.history.lr[0]) and math.isnan(run.next_lr) and run.internals == {}


def test_newton_ignores_the_learning_rate_and_the_schedule():
    from calclab.engine.schedules import make_schedule

    runs = [Descent(lambda p: p[0] ** 4, lambda p: np.array([4 * p[0] ** 3]), 1.0, optimizer="newton", lr=lr,
                    epochs=3, hessian=lambda p: np.array([[12 * p[0] ** 2]]), schedule=schedule)
            for lr, schedule in ((0.1, None), (5.0, make_schedule("exponential", gamma=0.5)))]
    for run in runs:
        run.run()
        # x - 4x^3 / (12x^2) = 2x/3
        assert run.history.x[:, 0].tolist() == pytest.approx([2 / 3, 4 / 9, 8 / 27], rel=1e-15)


@pytest.mark.parametrize(("f", "grad", "hess", "x0", "words"), [
    (lambda p: p[0] ** 4 - 3 * p[0] ** 2 + p[0], lambda p: np.array([4 * p[0] ** 3 - 6 * p[0] + 1]),
     lambda p: [[12 * p[0] ** 2 - 6]], [0.0], "the Hessian at x = 0 is not positive definite (eigenvalue -6)"),
    (lambda p: p[0] ** 2 - p[1] ** 2, lambda p: np.array([2 * p[0], -2 * p[1]]),
     lambda p: [[2.0, 0.0], [0.0, -2.0]], [1.0, 1.0], "not positive definite (eigenvalues -2, 2)"),
    (lambda p: p[0] ** 2 + p[1], lambda p: np.array([2 * p[0], 1.0]),
     lambda p: [[2.0, 0.0], [0.0, 0.0]], [1.0, 1.0], "the Hessian at x = (1, 1) is singular"),
    (lambda p: p[0] ** 2, lambda p: np.array([2 * p[0]]), lambda p: [[1 / 0]], [1.0], "is not defined"),
])
def test_newton_refuses_where_the_hessian_is_unusable(f, grad, hess, x0, words):
    run = Descent(f, grad, x0, optimizer="newton", epochs=5, hessian=hess)
    assert run.status == "stopped" and run.finished
    assert run.message.startswith("stopped at the start point: ") and words in run.message
    assert run.message.endswith("Newton's method takes no step") and "\n" not in run.message
    assert run.step() is None and len(run.history) == 0 and run.next_step() is None


def test_newton_steps_until_it_meets_a_point_it_cannot_use():
    # f = x^3 - 3x, f'' = 6x. From x = 2: x1 = 2 - 9/12 = 1.25, x2 = 1.25 - 1.6875/7.5 = 1.025 (towards the minimum 1)
    cubic, cubic_grad = (lambda p: p[0] ** 3 - 3 * p[0]), (lambda p: np.array([3 * p[0] ** 2 - 3]))
    run = Descent(cubic, cubic_grad, 2.0, optimizer="newton", epochs=2, hessian=lambda p: [[6 * p[0]]])
    run.run()
    assert run.history.x[:, 0].tolist() == pytest.approx([1.25, 1.025], rel=1e-15) and run.status == "completed"
    # a start on the hilltop side: f''(-0.5) = -3
    run = Descent(cubic, cubic_grad, -0.5, optimizer="newton", epochs=5, hessian=lambda p: [[6 * p[0]]])
    assert run.status == "stopped" and "eigenvalue -3" in run.message
    # a step that lands where the Hessian given turns negative: stopped at epoch 1, with the point it reached
    turns = iter([[[2.0]], [[-1.0]]])
    run = Descent(square, square_grad, 1.0, optimizer="newton", epochs=5, hessian=lambda p: next(turns))
    run.run()
    assert run.history.x[:, 0].tolist() == [0.0] and run.status == "converged"    # gradient 0 comes first
    turns = iter([[[4.0]], [[-1.0]]])                                             # half a step: x1 = 0.5
    run = Descent(square, square_grad, 1.0, optimizer="newton", epochs=5, hessian=lambda p: next(turns))
    run.run()
    assert run.history.x[:, 0].tolist() == [0.5] and run.status == "stopped"
    assert run.message.startswith("stopped at epoch 1: the Hessian at x = 0.5 is not positive definite")


def test_newton_needs_a_hessian():
    with pytest.raises(ValueError, match="newton needs the Hessian"):
        Descent(square, square_grad, 1.0, optimizer="newton")
    with pytest.raises(ValueError, match="newton has no hyperparameter 'momentum'"):
        Descent(square, square_grad, 1.0, optimizer="newton", hessian=lambda p: [[2.0]], momentum=0.9)


def test_stable_lr_bound_new_methods_and_weight_decay():
    assert stable_lr_bound(np.diag([2.0, 20.0]), "adamw") is None
    assert stable_lr_bound(np.diag([2.0, 20.0]), "newton") is None
    assert stable_lr_bound(np.diag([2.0, 20.0]), "sgd", weight_decay=5.0) == pytest.approx(2 / 25)


# ---- the Hessian for Newton: symbolic, or by differences for a huge gradient -----------------------------------


def test_point_hessian_symbolic_constant_and_by_differences():
    from calclab.engine.calculus import variables_of
    from calclab.engine.hessian import HESSIAN_MAX_GRADIENT_NODES, PointHessian, point_hessian
    from calclab.engine.numeric import point_function
    from calclab.engine.parsing import parse

    expr = parse("x^3 y + y^2")
    x, y = variables_of(expr)
    _f, grad = point_function(expr, [x, y])
    exact = point_hessian(expr, [x, y], grad)
    assert not exact.by_differences and exact.constant is None
    np.testing.assert_allclose(exact(np.array([2.0, 3.0])), [[36.0, 12.0], [12.0, 2.0]])   # 6xy, 3x^2; 3x^2, 2
    by_differences = PointHessian((), grad)
    assert by_differences.by_differences
    np.testing.assert_allclose(by_differences(np.array([2.0, 3.0])), [[36.0, 12.0], [12.0, 2.0]], rtol=1e-6)
    quadratic = point_hessian(parse("x^2 + 10y^2"), [x, y], grad)
    assert quadratic.constant == ((2.0, 0.0), (0.0, 20.0)) and not quadratic.by_differences
    deep = parse("sin(" * 40 + "x" + ")" * 40)
    _f, deep_grad = point_function(deep, [x])
    assert point_hessian(deep, [x], deep_grad).by_differences     # the gradient is past HESSIAN_MAX_GRADIENT_NODES
    assert HESSIAN_MAX_GRADIENT_NODES == 400
    assert point_hessian(parse("1/x"), [x], lambda p: -1 / p**2).near(np.array([0.0])) is not None  # inf, no raise
