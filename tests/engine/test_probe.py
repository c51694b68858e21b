"""The numbers the Gradients tab draws at its probe, against independent references: hand-computed Hessians and
their textbook kinds, the eigen-equation H v = λ v checked directly, central differences of f along u for D_u f,
and the polar curve's farthest point found by brute force.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from calclab.engine.curvature import DEGENERATE, MAXIMUM, MINIMUM, NOT_CRITICAL, SADDLE
from calclab.engine.probe import (
    angle_of,
    curvature_at,
    curvature_segments,
    directional_in_plane,
    polar_lobes,
    unit_direction,
)


@pytest.mark.parametrize(("gradient", "matrix", "kind"), [
    ((0, 0), ((2, 0), (0, 2)), MINIMUM),            # x^2 + y^2 at the origin
    ((0, 0), ((-2, 0), (0, -2)), MAXIMUM),          # -x^2 - y^2
    ((0, 0), ((2, 0), (0, -2)), SADDLE),            # x^2 - y^2
    ((0, 0), ((0, 1), (1, 0)), SADDLE),             # x y: eigenvalues -1 and 1
    ((0, 0), ((0, 0), (0, 0)), DEGENERATE),         # x^4 + y^4: the test cannot tell
    ((0, 0), ((-2, 0), (0, 0)), DEGENERATE),        # x^3 - y^2
    ((1e-17, 0), ((6, 0), (0, 2)), MINIMUM),        # a float "zero" from a numerically found point
    ((6, 2), ((6, 0), (0, 0)), NOT_CRITICAL),       # 3x^2 + 2y at (1, 2)
    ((0, 0, 0), ((2, 0, 0), (0, 2, 0), (0, 0, -2)), SADDLE),
    ((0,), ((12,),), MINIMUM),                      # one variable: f'' > 0
])
def test_kinds(gradient, matrix, kind):
    result = curvature_at(gradient, matrix)
    assert result is not None and result.kind == kind
    assert result.critical == (kind != NOT_CRITICAL)


def test_the_saddle_x2_minus_y2():
    result = curvature_at((0.0, 0.0), ((2.0, 0.0), (0.0, -2.0)))
    assert result.eigenvalues == (-2.0, 2.0)
    assert result.eigenvectors == ((0.0, 1.0), (1.0, 0.0))    # f bends down along y, up along x


@pytest.mark.parametrize("matrix", [((3.0, 1.5), (1.5, -1.0)), ((0.2, -4.0), (-4.0, 7.0)),
                                    ((1.0, 2.0, 0.5), (2.0, -3.0, 1.0), (0.5, 1.0, 4.0))])
def test_eigenpairs_satisfy_the_eigen_equation(matrix):
    result = curvature_at([0.3] * len(matrix), matrix)
    h = np.array(matrix)
    assert list(result.eigenvalues) == sorted(result.eigenvalues)
    for value, vector in zip(result.eigenvalues, result.eigenvectors, strict=True):
        v = np.array(vector)
        assert np.linalg.norm(v) == pytest.approx(1.0)
        np.testing.assert_allclose(h @ v, value * v, atol=1e-12)
        assert v[np.abs(v) > 1e-12][0] > 0          # one orientation, whatever LAPACK chose
    # The trace and determinant are the eigenvalues' sum and product (a second, independent check).
    assert sum(result.eigenvalues) == pytest.approx(np.trace(h))
    assert np.prod(result.eigenvalues) == pytest.approx(np.linalg.det(h))


def test_no_value_and_bad_shapes():
    assert curvature_at((0.0, math.nan), ((1.0, 0.0), (0.0, 1.0))) is None
    assert curvature_at((0.0, 0.0), ((1.0, math.inf), (0.0, 1.0))) is None
    with pytest.raises(ValueError):
        curvature_at((0.0, 0.0), ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)))


def test_curvature_segments_are_centred_and_scaled_by_the_eigenvalue():
    (a0, a1), (b0, b1) = curvature_segments(1.0, -2.0, (-2.0, 4.0), ((0.0, 1.0), (1.0, 0.0)), length=0.6)
    assert a0 == pytest.approx((1.0, -2.3)) and a1 == pytest.approx((1.0, -1.7))     # |λ| = 2: half of 0.6
    assert b0 == pytest.approx((0.4, -2.0)) and b1 == pytest.approx((1.6, -2.0))     # |λ| = 4: all of it
    (c0, c1), _ = curvature_segments(0.0, 0.0, (0.0, 5.0), ((1.0, 0.0), (0.0, 1.0)), length=1.0, shortest=0.2)
    assert c1[0] - c0[0] == pytest.approx(0.4)                                      # λ = 0 keeps a stub


def test_angles_and_unit_directions():
    assert unit_direction(90.0) == pytest.approx((0.0, 1.0), abs=1e-15)
    assert angle_of(-1.0, 0.0) == pytest.approx(180.0)
    assert angle_of(1.0, -1.0) == pytest.approx(315.0)
    assert angle_of(0.0, 0.0) == 0.0
    for angle in (0.0, 33.0, 181.5, 359.9):
        assert angle_of(*unit_direction(angle)) == pytest.approx(angle)


@pytest.mark.parametrize("angle", [0.0, 30.0, 135.0, 250.0])
def test_directional_derivative_matches_a_difference_of_f_along_u(angle):
    """f = x^2 + 3y^2 + x y at (1, -0.5): the slope of f along u, by a central difference of f itself."""
    def f(x, y):
        return x**2 + 3 * y**2 + x * y

    px, py = 1.0, -0.5
    gx, gy = 2 * px + py, 6 * py + px          # by hand
    ux, uy = unit_direction(angle)
    h = 1e-6
    reference = (f(px + h * ux, py + h * uy) - f(px - h * ux, py - h * uy)) / (2 * h)
    assert directional_in_plane(gx, gy, angle) == pytest.approx(reference, rel=1e-7, abs=1e-8)


def test_the_polar_curve_peaks_along_the_gradient_with_height_its_length():
    gx, gy = -3.0, 4.0
    uphill, downhill = polar_lobes(gx, gy, samples=3601)
    distance = np.hypot(*uphill)
    peak = np.nanargmax(distance)
    assert distance[peak] == pytest.approx(5.0, rel=1e-6)                         # |∇f|
    assert uphill[:, peak] == pytest.approx([gx, gy], rel=1e-3)                    # at ∇f itself
    assert np.nanmax(np.hypot(*downhill)) == pytest.approx(5.0, rel=1e-6)          # -∇f: steepest descent
    # Each point sits at distance |∇f·u| along its own direction u.
    theta = np.linspace(0, 2 * np.pi, 3601)
    finite = np.isfinite(uphill[0])
    np.testing.assert_allclose(distance[finite], (gx * np.cos(theta) + gy * np.sin(theta))[finite], atol=1e-12)
    assert np.isfinite(uphill[0]).sum() + np.isfinite(downhill[0]).sum() == 3601
