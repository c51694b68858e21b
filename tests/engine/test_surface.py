"""The 3D surface's numbers (calclab.engine.surface), checked against independent references: the camera's
position from its spherical coordinates, hand-computed heights, finite-difference slopes, a flat mesh's Lambert
shading. (The rank colours against the Descent contour map's: tests/ui/test_surface.py, which may import Qt.)"""

from __future__ import annotations

import math

import numpy as np
import pytest

from calclab.engine.fields import sample_grid
from calclab.engine.surface import (
    AMBIENT,
    HEIGHT,
    LIGHT,
    Camera,
    build_mesh,
    fitted_fov,
    height_range,
    lifted_path,
    project,
    quads_back_to_front,
    rank_colors,
    shading,
    tangent_arrow,
    view_matrix,
)


def bowl(x, y):
    return x**2 + 3 * y**2


def mesh_of(f, x_range=(-2.0, 2.0), y_range=(-1.0, 3.0), size=41):
    grid = sample_grid(f, x_range, y_range, size, size)
    return build_mesh(grid.xs, grid.ys, grid.z, np.full(grid.z.shape + (4,), 200, dtype=np.uint8))


@pytest.mark.parametrize("azimuth, elevation, distance", [(-62, 28, 4.3), (10, 75, 2.0), (200, -30, 9.0)])
def test_the_camera_sits_where_its_spherical_coordinates_say_and_looks_at_the_centre(azimuth, elevation, distance):
    camera = Camera(azimuth=azimuth, elevation=elevation, distance=distance, center=(0.2, -0.1, 0.4))
    a, e = math.radians(azimuth), math.radians(elevation)
    eye = np.array(camera.center) + distance * np.array([math.cos(e) * math.cos(a), math.cos(e) * math.sin(a),
                                                         math.sin(e)])
    matrix = view_matrix(camera)
    assert np.allclose(matrix @ np.append(eye, 1.0), [0, 0, 0, 1], atol=1e-12)
    assert np.allclose(matrix @ np.append(camera.center, 1.0), [0, 0, -distance, 1], atol=1e-12)
    assert np.allclose(matrix[:3, :3] @ matrix[:3, :3].T, np.eye(3))   # a rotation: nothing is stretched


def test_projection_puts_the_centre_mid_view_and_up_upwards():
    camera = Camera(elevation=20.0)
    pixels, depth = project(np.array([camera.center, np.add(camera.center, (0, 0, 0.3))]), camera, 800, 600)
    assert np.allclose(pixels[0], (400, 300))
    assert depth[0] == pytest.approx(camera.distance)
    assert pixels[1, 1] < pixels[0, 1]   # higher f is higher on screen (pixel y grows downwards)
    # Horizontal field of view: a point at the view's right edge is tan(fov/2) * depth to the side.
    eye_right = np.linalg.inv(view_matrix(camera)) @ np.array([camera.distance * math.tan(math.radians(30)), 0,
                                                               -camera.distance, 1.0])
    edge, _ = project(eye_right[:3][np.newaxis], camera, 800, 600)
    assert edge[0, 0] == pytest.approx(800) and edge[0, 1] == pytest.approx(300)


def test_a_wide_view_widens_the_horizontal_angle_so_the_height_stays():
    assert fitted_fov(600, 600) == pytest.approx(50.0)
    wide = fitted_fov(1600, 800)
    assert math.tan(math.radians(wide) / 2) == pytest.approx(2 * math.tan(math.radians(25)))


def test_heights_by_hand_and_the_lid_clamps():
    mesh = mesh_of(bowl)
    low, high = mesh.low, mesh.high
    assert low == pytest.approx(np.nanmin(mesh.z)) and high == pytest.approx(np.percentile(mesh.z, 98))
    j, i = 7, 30
    expected = min((mesh.z[j, i] - low) / (high - low), 1.0) * HEIGHT
    assert mesh.points[j, i, 2] == pytest.approx(expected)
    assert mesh.points[j, i, 0] == pytest.approx(2 * (mesh.xs[i] - mesh.xs[0]) / (mesh.xs[-1] - mesh.xs[0]) - 1)
    assert mesh.points[..., 2].max() == pytest.approx(HEIGHT)   # the walls above the 98th percentile: the lid


def test_a_constant_gets_a_band_and_nothing_finite_gets_zero_to_one():
    low, high = height_range(np.full((3, 3), 5.0))
    assert low < 5.0 < high
    assert height_range(np.full((2, 2), np.nan)) == (0.0, 1.0)


def test_undefined_points_lie_on_the_floor_in_grey():
    grid = sample_grid(lambda x, y: np.log(x + 0 * y), (-1.0, 1.0), (-1.0, 1.0), 20, 20)
    mesh = build_mesh(grid.xs, grid.ys, grid.z, np.full((20, 20, 4), 255, dtype=np.uint8))
    undefined = ~np.isfinite(grid.z)
    assert undefined.any()
    assert np.all(mesh.points[undefined][:, 2] == 0.0)
    grey = mesh.colors[undefined][:, :3]
    assert np.allclose(grey[:, 0], grey[:, 1]) and np.allclose(grey[:, 1], grey[:, 2])


def test_the_path_rolls_on_the_surface_and_stops_where_it_leaves():
    mesh = mesh_of(bowl)
    path = np.array([[1.5, 2.0], [1.0, 1.0], [0.5, 0.2], [5.0, 0.0], [0.0, 0.0]])
    values = bowl(path[:, 0], path[:, 1])
    world = lifted_path(mesh, path, values, lift=0.0)
    assert len(world) == 3                       # cut where it first left the window (x = 5)
    surface_height = mesh.height(values[:3])
    assert np.allclose(world[:, 2], surface_height)
    assert np.allclose(world[1, :2], [2 * (1.0 - mesh.xs[0]) / (mesh.xs[-1] - mesh.xs[0]) - 1,
                                      2 * (1.0 - mesh.ys[0]) / (mesh.ys[-1] - mesh.ys[0]) - 1])


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_the_gradient_arrow_is_tangent_to_the_surface(sign):
    mesh = mesh_of(bowl)
    x, y, h = 0.6, 0.4, 1e-6
    gx = (bowl(x + h, y) - bowl(x - h, y)) / (2 * h)   # finite differences, not the formula the arrow uses
    gy = (bowl(x, y + h) - bowl(x, y - h)) / (2 * h)
    arrow = tangent_arrow(mesh, x, y, bowl(x, y), gx, gy, sign=sign)
    assert arrow is not None and arrow.shape == (5, 3)
    step = arrow[1] - arrow[0]
    sx = (mesh.xs[-1] - mesh.xs[0]) / 2
    sy = (mesh.ys[-1] - mesh.ys[0]) / 2
    sz = (mesh.high - mesh.low) / HEIGHT
    dx, dy, df = step[0] * sx, step[1] * sy, step[2] * sz   # back to data units
    along = math.hypot(dx, dy)
    assert df / along == pytest.approx(sign * math.hypot(gx, gy), rel=1e-5)   # f's slope along ∇f is |∇f|
    assert (dx * gx + dy * gy) * sign > 0 and abs(dx * gy - dy * gx) < 1e-9 * along * math.hypot(gx, gy)
    assert tangent_arrow(mesh, x, y, 1.0, 0.0, 0.0) is None            # no gradient, no arrow
    assert tangent_arrow(mesh, 9.0, y, 1.0, gx, gy) is None            # off the surface


def test_ties_share_a_colour_and_higher_is_never_lower_in_the_table():
    lut = np.stack([np.arange(256)] * 3 + [np.full(256, 255)], axis=1).astype(np.uint8)
    z = np.array([[0.0, 1.0, 1.0], [2.0, np.nan, 5.0]])
    colours = rank_colors(z, lut)
    assert colours[0, 1, 0] == colours[0, 2, 0]
    finite = np.isfinite(z)
    order = np.argsort(z[finite])
    assert np.all(np.diff(colours[finite][order, 0].astype(int)) >= 0)


def test_a_flat_mesh_is_shaded_by_the_lights_height():
    xs = np.linspace(-1, 1, 5)
    points = np.stack([*np.meshgrid(xs, xs), np.zeros((5, 5))], axis=-1)
    assert np.allclose(shading(points), AMBIENT + (1 - AMBIENT) * LIGHT[2])


def test_quads_are_painted_far_to_near():
    xs = np.linspace(-1, 1, 4)
    points = np.stack([*np.meshgrid(xs, xs), np.zeros((4, 4))], axis=-1)
    camera = Camera(azimuth=-90.0, elevation=30.0)     # looking along +y: rows of larger y are further away
    pixels, depth = project(points, camera, 400, 300)
    corners, order = quads_back_to_front(pixels, depth)
    assert corners.shape == (9, 4, 2) and sorted(order) == list(range(9))
    rows = order // 3
    assert list(rows[:3]) == [2, 2, 2] and list(rows[-3:]) == [0, 0, 0]
