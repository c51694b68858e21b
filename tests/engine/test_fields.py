"""engine.fields: grids, colour levels, contours and gradient arrows, checked against independent references
(hand-derived gradients, central finite differences, exact level sets of simple functions). No Qt."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from calclab.engine.calculus import variables_of
from calclab.engine.fields import (
    Grid,
    angle_to_curve,
    arrow_lengths,
    arrow_segments,
    contour_levels,
    contour_segments,
    field_shape,
    format_level,
    label_position,
    level_tangent,
    log_offsets,
    log_unwarp,
    log_warp,
    nice_step,
    pixel_centres,
    right_angle_marker,
    robust_levels,
    sample_field,
    sample_grid,
)
from calclab.engine.jobs.gradients import symbolic_gradient
from calclab.engine.numeric import compile_function
from calclab.engine.parsing import parse


def compiled(text: str):
    """f and its symbolic partials as NumPy functions of (x, y)."""
    result = symbolic_gradient(parse(text))
    f = compile_function(result.expression, result.variables)
    partials = [compile_function(p, result.variables) for p in result.partials]
    return f, partials


def central_difference(f, x: np.ndarray, y: np.ndarray, h: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    return (f(x + h, y) - f(x - h, y)) / (2 * h), (f(x, y + h) - f(x, y - h)) / (2 * h)


# --- grids ---------------------------------------------------------------------------------------------------

def test_sample_grid_puts_values_at_pixel_centres_and_the_rect_covers_the_range():
    grid = sample_grid(lambda X, Y: X + 10 * Y, (-1.0, 3.0), (0.0, 2.0), nx=8, ny=4)
    assert grid.z.shape == (4, 8)
    np.testing.assert_allclose(grid.xs, [-0.75, -0.25, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75])
    np.testing.assert_allclose(grid.ys, [0.25, 0.75, 1.25, 1.75])
    assert grid.z[2, 5] == pytest.approx(1.75 + 10 * 1.25)      # row = y index, column = x index
    np.testing.assert_allclose(grid.rect, (-1.0, 0.0, 4.0, 2.0))


def test_sample_grid_broadcasts_a_constant_and_masks_non_finite():
    assert sample_grid(lambda X, Y: np.float64(2.0), (0, 1), (0, 1), 5, 3).z.shape == (3, 5)
    f, _ = compiled("log(x y)")
    grid = sample_grid(f, (-2, 2), (-2, 2), 64, 64)         # warnings are errors: none may be raised
    X, Y = np.meshgrid(grid.xs, grid.ys)
    assert np.isnan(grid.z[X * Y < 0]).all()
    np.testing.assert_allclose(grid.z[X * Y > 0], np.log((X * Y)[X * Y > 0]))


def test_field_shape_gives_square_cells_of_about_the_requested_count():
    assert field_shape((-3, 3), (-3, 3), 15) == (15, 15)
    nx, ny = field_shape((0, 8), (0, 2), 15)
    assert nx / ny == pytest.approx(4, rel=0.1) and 8 / nx == pytest.approx(2 / ny, rel=0.1)


# --- colours and levels ---------------------------------------------------------------------------------------

def test_robust_levels_ignore_a_pole_and_nans():
    f, _ = compiled("1/(x^2 + y^2)")
    grid = sample_grid(f, (-3, 3), (-3, 3), 255, 255)       # odd size: a sample sits on the pole
    assert np.isnan(grid.z).sum() == 1
    low, high = robust_levels(grid.z)
    finite = grid.z[np.isfinite(grid.z)]
    assert finite.max() > 1000 and high < 10                 # the pole does not wash out the map
    assert np.mean((finite >= low) & (finite <= high)) == pytest.approx(0.96, abs=0.01)


def test_robust_levels_for_constant_and_empty_maps():
    low, high = robust_levels(np.full((4, 4), 5.0))
    assert low < 5 < high and high - low < 0.1
    assert robust_levels(np.full((3, 3), np.nan)) == (0.0, 1.0)


def test_log_warp_is_monotone_and_its_inverse_undoes_it():
    t = np.linspace(0, 1, 101)
    s = log_warp(t)
    assert s[0] == 0 and s[-1] == pytest.approx(1) and np.all(np.diff(s) > 0)
    np.testing.assert_allclose(log_unwarp(s), t, atol=1e-12)
    assert log_warp(0.001) == pytest.approx(np.log10(1.999) / 3)   # a thousandth of the range gets 10% of colour


def test_contour_levels_are_round_numbers_inside_the_range():
    np.testing.assert_allclose(contour_levels(-1.2, 30, 10), [0, 5, 10, 15, 20, 25])
    np.testing.assert_allclose(contour_levels(0.1, 0.3, 10), np.arange(0.12, 0.29, 0.02))
    np.testing.assert_allclose(contour_levels(0, 1522, 10, log=True), [2, 5, 10, 20, 50, 100, 200, 500, 1000])
    assert contour_levels(1, 1).size == 0 and contour_levels(0, np.inf).size == 0
    assert [nice_step(v) for v in (0.7, 3.1, 2.2, 40)] == [1, 5, 2.5, 50]
    np.testing.assert_allclose(log_offsets(10), [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10])


def test_format_level():
    assert [format_level(v) for v in (1000, 1522.4, 0.30000000000000004, -1.25, 0, 1e-5, 123456)] == \
        ["1000", "1520", "0.3", "−1.25", "0", "1×10⁻⁵", "123000"]


# --- contours -------------------------------------------------------------------------------------------------

def test_contours_of_a_plane_lie_exactly_on_the_line():
    grid = sample_grid(lambda X, Y: X + 2 * Y, (-3, 3), (-3, 3), 50, 40)
    segments = contour_segments(grid, 1.3)
    assert segments.shape[1:] == (2, 2) and len(segments) > 30
    np.testing.assert_allclose(segments[..., 0] + 2 * segments[..., 1], 1.3, atol=1e-12)


def test_contours_of_a_bowl_are_circles_and_closed():
    grid = sample_grid(lambda X, Y: X**2 + Y**2, (-3, 3), (-3, 3), 256, 256)
    segments = contour_segments(grid, 4.0)
    radius = np.hypot(segments[..., 0], segments[..., 1])
    np.testing.assert_allclose(radius, 2.0, atol=1e-3)
    # Closed: every endpoint is shared by exactly two segments.
    _, counts = np.unique(np.round(segments.reshape(-1, 2), 9), axis=0, return_counts=True)
    assert set(counts) == {2}
    # The perimeter adds up to 2 pi r.
    assert np.linalg.norm(segments[:, 1] - segments[:, 0], axis=1).sum() == pytest.approx(4 * np.pi, rel=1e-3)


def test_saddle_cells_and_hyperbolas():
    grid = sample_grid(lambda X, Y: X * Y, (-2, 2), (-2, 2), 41, 41)   # the origin is a sample: saddle cells
    for level in (0.5, -0.5, 0.01):
        segments = contour_segments(grid, level)
        product = segments[..., 0] * segments[..., 1]
        assert np.abs(product - level).max() < 0.01                   # bilinear cell error is O(h^2)


def test_contours_skip_cells_with_nan():
    f, _ = compiled("log(x y)")
    grid = sample_grid(f, (-2, 2), (-2, 2), 80, 80)
    segments = contour_segments(grid, 0.0)                          # x y = 1: hyperbolas in two quadrants
    assert len(segments) > 0
    product = segments[..., 0] * segments[..., 1]
    np.testing.assert_allclose(product, 1.0, atol=0.01)


def test_label_position_avoids_edges_and_other_labels():
    grid = sample_grid(lambda X, Y: X**2 + Y**2, (-3, 3), (-3, 3), 128, 128)
    segments = contour_segments(grid, 4.0)
    box = (-3, 3, -3, 3)
    first = label_position(segments, (3, 3), box)
    assert first is not None and np.hypot(*first) == pytest.approx(2, abs=0.01)
    assert first[0] == pytest.approx(np.sqrt(2), abs=0.05)          # nearest to the corner: the diagonal
    second = label_position(segments, (3, 3), box, taken=[first])
    assert np.hypot((second[0] - first[0]) / 6, (second[1] - first[1]) / 6) >= 0.08
    assert label_position(contour_segments(grid, 17.0), (0, 0), box) is None   # only near the edges


# --- the gradient field --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "hand"), [
    ("3x^2 + 2y", lambda x, y: (6 * x, 2 + 0 * x)),
    ("x^2 y - sin(x y)", lambda x, y: (2 * x * y - y * np.cos(x * y), x**2 - x * np.cos(x * y))),
    ("(1-x)^2 + 100(y-x^2)^2", lambda x, y: (-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2))),
])
def test_field_matches_the_hand_derived_gradient_and_finite_differences(text, hand):
    f, (fx, fy) = compiled(text)
    field = sample_field(fx, fy, (-2.0, 2.0), (-1.0, 3.0), 15)
    assert field.x.size == 15 * 15
    expected_u, expected_v = hand(field.x, field.y)
    np.testing.assert_allclose(field.u, expected_u, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(field.v, expected_v, rtol=1e-10, atol=1e-10)
    fd_u, fd_v = central_difference(f, field.x, field.y)
    scale = 1 + np.abs(field.u) + np.abs(field.v)
    assert np.max(np.abs(fd_u - field.u) / scale) < 1e-5 and np.max(np.abs(fd_v - field.v) / scale) < 1e-5
    np.testing.assert_allclose(np.unique(field.x), pixel_centres(-2, 2, 15))


def test_field_skips_nan_and_zero_vectors():
    f, (fx, fy) = compiled("log(x y)")
    # d/dx log(x y) = 1/x is finite where f is undefined: without f the field would show arrows there.
    assert np.any(sample_field(fx, fy, (-2, 2), (-2, 2), 16).x * sample_field(fx, fy, (-2, 2), (-2, 2), 16).y < 0)
    field = sample_field(fx, fy, (-2, 2), (-2, 2), 16, f=f)
    assert field.x.size == 128 and np.all(field.x * field.y > 0)
    _, (gx, gy) = compiled("x^2 + y^2")
    field = sample_field(gx, gy, (-1, 1), (-1, 1), 3)               # the centre sample is the minimum
    assert field.x.size == 8 and not np.any((field.x == 0) & (field.y == 0))


def test_arrow_lengths_scale_with_magnitude_cap_and_normalise():
    u = np.array([1.0, 2.0, 4.0, 100.0, 0.5])
    v = np.zeros(5)
    lengths = arrow_lengths(u, v, cell=1.0, reference_pct=50)       # the median |g| is 2
    np.testing.assert_allclose(lengths, 0.85 * np.minimum(u / 2.0, 1.0))
    assert np.all(arrow_lengths(u, v, 0.5, normalize=True) == 0.35)
    assert arrow_lengths(np.empty(0), np.empty(0), 1.0).size == 0


def test_arrow_segments_point_along_the_vector_with_symmetric_heads():
    x, y = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    u, v = np.array([3.0, 0.0]), np.array([4.0, -2.0])
    xs, ys = arrow_segments(x, y, u, v, np.array([1.0, 0.5]))
    points = np.stack([xs, ys], axis=1).reshape(2, 6, 2)
    for k in range(2):
        tail, tip = points[k, 0], points[k, 1]
        direction = np.array([u[k], v[k]]) / np.hypot(u[k], v[k])
        np.testing.assert_allclose(tip - tail, direction * [1.0, 0.5][k], atol=1e-12)
        np.testing.assert_allclose((tail + tip) / 2, [x[k], y[k]], atol=1e-12)   # centred on its point
        np.testing.assert_allclose(points[k, 2], tip)
        np.testing.assert_allclose(points[k, 4], tip)
        left, right = points[k, 3] - tip, points[k, 5] - tip
        assert np.linalg.norm(left) == pytest.approx(np.linalg.norm(right))
        assert np.dot(left, -direction) == pytest.approx(np.dot(right, -direction))   # mirror images
    xs, ys = arrow_segments(x[:1], y[:1], u[:1], v[:1], np.array([2.0]), pivot="tail")
    assert (xs[0], ys[0]) == (1.0, 0.5) and (xs[1], ys[1]) == pytest.approx((2.2, 2.1))


def test_level_tangent_is_a_unit_vector_perpendicular_to_the_gradient():
    rng = np.random.default_rng(4)
    for gx, gy in rng.normal(size=(20, 2)) * 10:
        tx, ty = level_tangent(gx, gy)
        assert gx * tx + gy * ty == pytest.approx(0, abs=1e-12)
        assert np.hypot(tx, ty) == pytest.approx(1)
    assert level_tangent(0.0, 0.0) is None and level_tangent(np.nan, 1.0) is None


def test_tangent_follows_the_level_curve():
    """Moving a little along the tangent leaves f unchanged to first order (a second method)."""
    f, (fx, fy) = compiled("x^2 y - sin(x y)")
    px, py, step = 0.7, 1.3, 1e-5
    tx, ty = level_tangent(float(fx(px, py)), float(fy(px, py)))
    change = float(f(px + step * tx, py + step * ty) - f(px, py))
    assert abs(change) < 1e-8


def test_angle_between_gradient_and_the_marched_level_curve_is_a_right_angle():
    f, (fx, fy) = compiled("(x^2+y-11)^2 + (x+y^2-7)^2")
    grid = sample_grid(f, (-5, 5), (-5, 5), 256, 256)
    cell = grid.xs[1] - grid.xs[0]
    for px, py in ((0.0, 0.0), (1.3, -2.2), (-3.1, 2.4)):
        level = contour_segments(grid, float(f(px, py)))
        gx, gy = float(fx(px, py)), float(fy(px, py))
        assert angle_to_curve(level, px, py, gx, gy, 2 * cell) == pytest.approx(90, abs=1.0)
    # Against a vector that is not the gradient the measured angle is not 90: the check can fail.
    level = contour_segments(grid, float(f(0.0, 0.0)))                   # ∇f(0, 0) = [-14, -22]
    expected = np.degrees(np.arccos(22 / np.hypot(14, 22)))               # the tangent runs along (22, -14)
    assert angle_to_curve(level, 0.0, 0.0, 1.0, 0.0, 2 * cell) == pytest.approx(expected, abs=1.0)
    assert angle_to_curve(level, 4.9, 4.9, 1.0, 0.0, 2 * cell) is None   # no curve nearby
    assert angle_to_curve(level, 0.0, 0.0, 0.0, 0.0, 2 * cell) is None


def test_right_angle_marker_is_a_square_corner():
    xs, ys = right_angle_marker(1.0, 2.0, (0.6, 0.8), (-0.8, 0.6), 0.1)
    np.testing.assert_allclose(xs, [1 - 0.08, 1 - 0.08 + 0.06, 1.06])
    np.testing.assert_allclose(ys, [2.06, 2.06 + 0.08, 2.08])


def test_symbolic_gradient_of_the_lesson_example():
    result = symbolic_gradient(parse("3x^2 + 2y"))
    assert [v.name for v in result.variables] == ["x", "y"]
    x = variables_of(result.expression)[0]
    assert result.partials[0] == 6 * x and result.partials[1] == 2
    assert result.latex == ("6 x", "2") and result.variable_latex == ("x", "y")


def test_symbolic_gradient_arrives_compiled_and_survives_the_trip_from_the_worker():
    """The worker compiles f and its partials; what the GUI process unpickles evaluates 3x^2 + 2y, 6x and 2."""
    import pickle

    result = pickle.loads(pickle.dumps(symbolic_gradient(parse("3x^2 + 2y"))))
    xs, ys = np.array([-1.5, 0.0, 2.0]), np.array([4.0, -2.0, 0.5])
    np.testing.assert_allclose(result.function(xs, ys), 3 * xs**2 + 2 * ys)
    np.testing.assert_allclose(result.partial_functions[0](xs, ys), 6 * xs)
    np.testing.assert_allclose(result.partial_functions[1](xs, ys), [2.0, 2.0, 2.0])


def test_grid_rect_for_a_single_sample():
    assert Grid(np.array([1.0]), np.array([2.0]), np.zeros((1, 1))).rect == (0.5, 1.5, 1.0, 1.0)


def test_fields_and_the_gradients_job_import_no_qt():
    code = ("import sys, calclab.engine.fields, calclab.engine.jobs.gradients; "
            "print(sorted(m for m in ('PySide6', 'pyqtgraph', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
