"""Per-direction convergence rates against hand-computed values and against the recurrences themselves."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calclab.engine.rates import eigenvalues, momentum_rates, sgd_factors, sgd_rates


def test_sgd_rates_by_hand():
    # x² + 10y²: λ = 2 and 20. η = 0.09: 1 − 0.18 = 0.82 along x, 1 − 1.8 = −0.8 along y (a zig-zag).
    lam = eigenvalues([[2.0, 0.0], [0.0, 20.0]])
    np.testing.assert_allclose(lam, [2.0, 20.0])
    np.testing.assert_allclose(sgd_factors(lam, [0.09]), [[0.82, -0.8]])
    np.testing.assert_allclose(sgd_rates(lam, [0.0, 0.05, 0.1, 0.2]), [[1, 1], [0.9, 0], [0.8, 1], [0.6, 3]])


def test_weight_decay_adds_to_every_curvature():
    np.testing.assert_allclose(eigenvalues([[2.0, 1.0], [1.0, 2.0]], weight_decay=0.5), [1.5, 3.5])


def test_momentum_rates_by_hand():
    # β = 0.9, λ = 2, η = 0.1: z² − 1.7z + 0.9 has complex roots of modulus √0.9.
    assert momentum_rates([2.0], [0.1], 0.9)[0, 0] == pytest.approx(math.sqrt(0.9), rel=1e-12)
    # β = 0.1, λ = 2, η = 0.1: z² − 0.9z + 0.1, roots (0.9 ± √0.41)/2 = 0.770156..., 0.129843...
    assert momentum_rates([2.0], [0.1], 0.1)[0, 0] == pytest.approx((0.9 + math.sqrt(0.41)) / 2, rel=1e-12)
    # β = 0.5, λ = 20, η = 0.2: z² + 2.5z + 0.5, roots (−2.5 ± √4.25)/2: |−2.2807...| > 1, it diverges.
    assert momentum_rates([20.0], [0.2], 0.5)[0, 0] == pytest.approx((2.5 + math.sqrt(4.25)) / 2, rel=1e-12)
    # β = 0 is plain gradient descent.
    np.testing.assert_allclose(momentum_rates([2.0, 20.0], [0.03, 0.3], 0.0), sgd_rates([2.0, 20.0], [0.03, 0.3]))


@pytest.mark.parametrize(("lam", "lr", "beta"), [(2.0, 0.1, 0.9), (20.0, 0.09, 0.3), (20.0, 0.2, 0.5)])
def test_momentum_rate_is_the_growth_of_the_recurrence(lam, lr, beta):
    """The heavy ball's error e_t = (1 + β − ηλ) e_{t−1} − β e_{t−2} grows or shrinks by the rate per step."""
    e_prev, e = 1.0, 1.0 - lr * lam           # torch: the first step has no velocity yet (b₁ = g₁)
    for _ in range(400):
        e_prev, e = e, (1 + beta - lr * lam) * e - beta * e_prev
    size_400 = math.hypot(e, e_prev)
    for _ in range(100):
        e_prev, e = e, (1 + beta - lr * lam) * e - beta * e_prev
    measured = (math.hypot(e, e_prev) / size_400) ** (1 / 100)
    assert measured == pytest.approx(momentum_rates([lam], [lr], beta)[0, 0], rel=2e-2)
