"""The update rules (calclab.engine.optimizers) against steps computed by hand from torch.optim's written formulas.

References are literal arithmetic on plain floats, written from the torch.optim documentation (SGD, Adam, AdamW
pseudo-code), never the module's own output. torch itself is used only when installed (the test skips otherwise).
"""

import math

import numpy as np
import pytest

from calclab.engine.optimizers import DEFAULTS, INTERNALS, OPTIMIZERS, make_optimizer, newton_step

LR = 0.1


def steps(name, x0, grad_of, count, lr=LR, **hyper):
    """The points after `count` updates of f with gradient grad_of, one optimizer on a 0-d array."""
    opt = make_optimizer(name, **hyper)
    x, out = np.float64(x0), []
    for _ in range(count):
        x = opt.step(np.asarray(x), np.asarray(grad_of(x)), lr)
        out.append(float(x))
    return out


# ---- the API: any shape, its own state -------------------------------------------------------------------


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("weight_decay", [0.0, 0.05])
def test_a_matrix_is_updated_elementwise_exactly_as_each_scalar(name, weight_decay):
    """The Backprop issue's weight matrices: one optimizer on a 3x4 matrix == twelve on its entries, bit for bit."""
    rng = np.random.default_rng(3)
    w = rng.normal(size=(3, 4))
    grads = [rng.normal(size=(3, 4)) for _ in range(4)]
    lrs = [0.1, 0.05, 0.2, 0.01]
    matrix = make_optimizer(name, weight_decay=weight_decay)
    scalars = [[make_optimizer(name, weight_decay=weight_decay) for _j in range(4)] for _i in range(3)]
    w_matrix, w_scalars = w.copy(), w.copy()
    for g, lr in zip(grads, lrs, strict=True):
        before = w_matrix.copy()
        new = matrix.step(w_matrix, g, lr)
        np.testing.assert_array_equal(w_matrix, before)                       # step never writes into x
        w_matrix = new
        for i in range(3):
            for j in range(4):
                w_scalars[i, j] = scalars[i][j].step(np.float64(w_scalars[i, j]), np.float64(g[i, j]), lr)
        np.testing.assert_array_equal(w_matrix, w_scalars)
    assert matrix.t == 4 and set(matrix.internals) == set(INTERNALS[name])
    for key, value in matrix.internals.items():
        assert value.shape == (3, 4)
        np.testing.assert_array_equal(value, [[scalars[i][j].internals[key] for j in range(4)] for i in range(3)])


def test_step_returns_a_new_array_and_keeps_x():
    x = np.array([[1.0, -2.0]])
    x.flags.writeable = False                       # a history row the table shows must never change
    opt = make_optimizer("adam")
    new = opt.step(x, np.array([[0.5, 0.5]]), 0.1)
    assert new is not x and x.tolist() == [[1.0, -2.0]] and new.shape == (1, 2)


def test_preview_and_displacement_change_nothing():
    opt = make_optimizer("momentum")
    x, g = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    first = opt.preview(x, g, 0.1)
    np.testing.assert_array_equal(opt.displacement(x, g, 0.1), [-0.05, 0.1])   # -lr * g: the added term itself
    np.testing.assert_array_equal(x + opt.displacement(x, g, 0.1), first)
    assert opt.t == 0 and opt.internals == {}
    np.testing.assert_array_equal(opt.step(x, g, 0.1), first)
    opt.reset(like=x)
    assert opt.t == 0 and np.all(opt.internals["velocity"] == 0)
    np.testing.assert_array_equal(opt.step(x, g, 0.1), first)


def test_shapes_must_agree_and_names_and_values_are_checked():
    with pytest.raises(ValueError, match="shape"):
        make_optimizer("sgd").step(np.zeros(3), np.zeros(2), 0.1)
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        make_optimizer("lbfgs")
    with pytest.raises(ValueError, match="sgd has no hyperparameter 'beta1'"):
        make_optimizer("sgd", beta1=0.9)
    with pytest.raises(ValueError, match="weight_decay must be 0 or more"):
        make_optimizer("adamw", weight_decay=-0.01)
    with pytest.raises(ValueError, match="weight_decay must be a finite number"):
        make_optimizer("sgd", weight_decay=math.inf)


def test_defaults_are_torchs():
    assert dict(DEFAULTS["adamw"]) == {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01}
    assert all(DEFAULTS[name]["weight_decay"] == 0.0 for name in OPTIMIZERS if name != "adamw")
    assert dict(make_optimizer("adamw", beta2=0.99).hyper) == {"beta1": 0.9, "beta2": 0.99, "eps": 1e-8,
                                                               "weight_decay": 0.01}


# ---- AdamW and weight decay, by hand ---------------------------------------------------------------------


def test_adamw_two_steps_by_the_written_formula():
    """torch.optim.AdamW: x <- x(1 - lr wd), then the Adam step with bias-corrected m and v (f = x^2, x0 = 1)."""
    b1, b2, eps, wd = 0.9, 0.999, 1e-8, 0.01
    # step 1: g = 2
    x = 1.0 * (1 - LR * wd)                                   # 0.999
    m, v = (1 - b1) * 2.0, (1 - b2) * 4.0                     # 0.2, 0.004
    x1 = x - LR * (m / (1 - b1)) / (math.sqrt(v / (1 - b2)) + eps)      # 0.999 - 0.1 * 2 / (2 + 1e-8)
    assert x1 == pytest.approx(0.8990000005, abs=1e-15)
    # step 2: g = 2 x1
    g = 2 * x1
    x = x1 * (1 - LR * wd)
    m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
    x2 = x - LR * (m / (1 - b1**2)) / (math.sqrt(v / (1 - b2**2)) + eps)
    ours = steps("adamw", 1.0, lambda x: 2 * x, 2)
    assert ours[0] == pytest.approx(x1, rel=1e-14)
    assert ours[1] == pytest.approx(x2, rel=1e-14)
    # AdamW's decay is decoupled: it is not Adam with the same weight_decay (which adds wd x to the gradient)
    assert steps("adam", 1.0, lambda x: 2 * x, 2, weight_decay=wd)[1] != pytest.approx(x2, rel=1e-9)


def test_adamw_decays_x_even_where_the_gradient_is_zero():
    # f = 0: the Adam part is 0/(0 + eps) = 0, so only the decay acts: x <- x (1 - lr wd) each step
    assert steps("adamw", 5.0, lambda x: 0.0, 3, weight_decay=0.1) == pytest.approx([4.95, 4.9005, 4.851495],
                                                                                    rel=1e-15)


def test_sgd_weight_decay_adds_wd_x_to_the_gradient():
    # f = x^2 from 2, wd 0.1: g = 4 + 0.2 = 4.2, x1 = 2 - 0.42 = 1.58; g = 3.16 + 0.158 = 3.318, x2 = 1.58 - 0.3318
    assert steps("sgd", 2.0, lambda x: 2 * x, 2, weight_decay=0.1) == pytest.approx([1.58, 1.2482], rel=1e-15)


def test_momentum_weight_decay_by_hand():
    # b1 = 4.2, x1 = 1.58; g2 = 3.318, b2 = 0.9 * 4.2 + 3.318 = 7.098, x2 = 1.58 - 0.7098 = 0.8702
    assert steps("momentum", 2.0, lambda x: 2 * x, 2, weight_decay=0.1) == pytest.approx([1.58, 0.8702], rel=1e-14)
    # nesterov steps with g + mu b: step 1 = 4.2 + 0.9 * 4.2 = 7.98, x1 = 2 - 0.798 = 1.202
    assert steps("nesterov", 2.0, lambda x: 2 * x, 1, weight_decay=0.1) == pytest.approx([1.202], rel=1e-14)


def test_adam_weight_decay_by_hand():
    """torch.optim.Adam(weight_decay): L2 on the gradient, then the usual Adam step."""
    b1, b2, eps, wd = 0.9, 0.999, 1e-8, 0.1
    x, m, v, expected = 2.0, 0.0, 0.0, []
    for t in (1, 2, 3):
        g = 2 * x + wd * x
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        x = x - LR * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        expected.append(x)
    assert expected[0] == pytest.approx(1.9, abs=1e-8)            # Adam's first step is about lr, whatever g
    assert steps("adam", 2.0, lambda x: 2 * x, 3, weight_decay=wd) == pytest.approx(expected, rel=1e-14)


def test_rmsprop_and_adagrad_weight_decay_by_hand():
    # rmsprop: g = 4.2, v = 0.01 * 17.64 = 0.1764, x1 = 2 - 0.1 * 4.2 / (0.42 + 1e-8)
    assert steps("rmsprop", 2.0, lambda x: 2 * x, 1, weight_decay=0.1) == pytest.approx(
        [2 - 0.1 * 4.2 / (0.42 + 1e-8)], rel=1e-15)
    # adagrad: s = 17.64, x1 = 2 - 0.1 * 4.2 / (4.2 + 1e-10)
    assert steps("adagrad", 2.0, lambda x: 2 * x, 1, weight_decay=0.1) == pytest.approx(
        [2 - 0.1 * 4.2 / (4.2 + 1e-10)], rel=1e-15)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam", "adamw"])
def test_weight_decay_matches_torch(name):
    torch = pytest.importorskip("torch")
    p = torch.tensor([1.5, -0.7], dtype=torch.float64, requires_grad=True)
    kinds = {"sgd": lambda: torch.optim.SGD([p], lr=0.03, weight_decay=0.2),
             "momentum": lambda: torch.optim.SGD([p], lr=0.03, momentum=0.9, weight_decay=0.2),
             "adam": lambda: torch.optim.Adam([p], lr=0.03, weight_decay=0.2),
             "adamw": lambda: torch.optim.AdamW([p], lr=0.03, weight_decay=0.2)}
    opt, ours, x, expected, got = kinds[name](), make_optimizer(name, weight_decay=0.2), np.array([1.5, -0.7]), [], []
    for _ in range(20):
        opt.zero_grad()
        (p[0] ** 2 + 10 * p[1] ** 2).backward()
        opt.step()
        expected.append(p.detach().numpy().copy())
        x = ours.step(x, np.array([2 * x[0], 20 * x[1]]), 0.03)
        got.append(x)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-300)


# ---- Newton's rule -------------------------------------------------------------------------------------------


def test_newton_step_on_a_quadratic_lands_on_the_minimum():
    # f = x^2 + x y + 2 y^2 - 3x: H = [[2, 1], [1, 4]], minimum where 2x + y = 3 and x + 4y = 0: (12/7, -3/7)
    x = np.array([5.0, 5.0])
    g = np.array([2 * 5 + 5 - 3, 5 + 4 * 5.0])
    step = newton_step(x, g, [[2.0, 1.0], [1.0, 4.0]])
    assert step.problem == "" and step.reason == ""
    np.testing.assert_allclose(step.x, [12 / 7, -3 / 7], rtol=1e-14)
    assert step.eigenvalues == pytest.approx([3 - math.sqrt(2), 3 + math.sqrt(2)])


@pytest.mark.parametrize(("hessian", "problem", "words"), [
    ([[-6.0]], "not positive definite", "eigenvalue -6"),
    ([[2.0, 0.0], [0.0, -2.0]], "not positive definite", "eigenvalues -2, 2"),
    ([[2.0, 0.0], [0.0, 0.0]], "singular", "eigenvalues 0, 2"),
    ([[0.0]], "singular", "does not exist"),
    ([[math.nan]], "undefined", "not defined"),
])
def test_newton_step_refuses_a_hessian_it_cannot_use(hessian, problem, words):
    n = len(hessian)
    step = newton_step(np.ones(n), np.ones(n), hessian, where=" at x = 1")
    assert step.x is None and step.problem == problem
    assert words in step.reason and step.reason.startswith("the Hessian at x = 1 is ")


def test_newton_weight_decay_is_newton_on_f_plus_half_wd_x_squared():
    # f = (x - 3)^2, wd = 2: minimise (x - 3)^2 + x^2, minimum at 1.5; one step from 0 lands there
    step = newton_step([0.0], [2 * (0.0 - 3)], [[2.0]], weight_decay=2.0)
    assert step.x.tolist() == [1.5]
