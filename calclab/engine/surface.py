"""The 3D surface of f(x, y), as numbers (NumPy only, no Qt): the mesh, its shaded colours, paths lifted onto it,
and the camera's projection for the software renderer.

World coordinates: the plotted window maps to the square [-1, 1]² and f's height range [low, high] to
[0, HEIGHT], so every f gets the same box whatever its scale. Heights above `high` are clamped to the lid (a
pole or Rosenbrock's walls would otherwise flatten the rest into a plane). Where f is undefined the mesh lies on
the floor in the contour map's grey. Colours are baked per vertex, shaded by a light fixed in the world, so the
OpenGL and the software renderer paint the same thing and rotating never re-shades.

The camera is pyqtgraph's GLViewWidget's (azimuth, elevation in degrees, distance, horizontal field of view),
so the software projection shows what the OpenGL view shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from calclab.engine.numbers import format_number

HEIGHT = 1.0                       # f's range spans this much of the box's height (x and y span 2)
HIGH_PERCENTILE = 98.0             # the lid: f above this percentile of the sampled values is clamped
LIGHT = np.array([-0.45, -0.35, 0.82])   # towards the light (from above, front left), normalised below
VERTICAL_FOV = 50.0                # degrees the camera sees across the view's shorter side
AMBIENT = 0.62                     # how much of a vertex's colour shows with no light on it
NAN_RGBA = (210, 210, 210, 255)    # undefined: the contour map's grey
LIGHT = LIGHT / np.linalg.norm(LIGHT)


@dataclass(frozen=True)
class Camera:
    """Where the eye is: pyqtgraph's GLViewWidget camera (degrees; `fov` is the horizontal field of view)."""

    azimuth: float = -62.0
    elevation: float = 28.0
    distance: float = 3.8
    fov: float = 60.0
    center: tuple[float, float, float] = (0.0, 0.0, 0.35 * HEIGHT)

    def orbited(self, d_azimuth: float, d_elevation: float) -> Camera:
        """Turned around the centre (elevation kept within [-90, 90], as GLViewWidget.orbit does)."""
        return replace(self, azimuth=self.azimuth + d_azimuth,
                       elevation=float(np.clip(self.elevation + d_elevation, -90.0, 90.0)))

    def zoomed(self, wheel_delta: float) -> Camera:
        """Closer or further, by GLViewWidget's rule (distance × 0.999^delta), kept within a sane range."""
        return replace(self, distance=float(np.clip(self.distance * 0.999 ** wheel_delta, 1.0, 40.0)))


@dataclass(frozen=True)
class Mesh:
    """f on a grid as a surface: data (xs, ys, z[row = y, column = x], nan where undefined), world points
    (ny, nx, 3) and shaded RGBA colours (ny, nx, 4) in 0..1; `low`/`high` is the height range shown."""

    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    low: float
    high: float
    points: np.ndarray
    colors: np.ndarray

    @property
    def x_range(self) -> tuple[float, float]:
        return float(self.xs[0]), float(self.xs[-1])

    @property
    def y_range(self) -> tuple[float, float]:
        return float(self.ys[0]), float(self.ys[-1])

    def to_world(self, x: np.ndarray, y: np.ndarray, f: np.ndarray) -> np.ndarray:
        """Data points (x, y, f(x, y)) in world coordinates, (n, 3); f is clamped into the box like the mesh."""
        return np.column_stack((_unit(np.asarray(x, float), *self.x_range), _unit(np.asarray(y, float), *self.y_range),
                                self.height(np.asarray(f, float))))

    def height(self, f: np.ndarray) -> np.ndarray:
        """World height of values of f (clamped to the floor and the lid; nan stays nan)."""
        span = self.high - self.low
        with np.errstate(all="ignore"):
            return np.clip((f - self.low) / span, 0.0, 1.0) * HEIGHT

    def inside(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """True where (x, y) lies over the mesh (a path is drawn up to where it leaves it)."""
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        return np.isfinite(x) & np.isfinite(y) & (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)


@dataclass(frozen=True)
class Line:
    """A polyline in world coordinates (n, 3) drawn over the surface: a path, an arrow, an edge of the box."""

    points: np.ndarray
    color: str
    width: float = 2.5


@dataclass(frozen=True)
class Marker:
    """A point in world coordinates: `symbol` "o" (a disc) or "s" (a square), `size` in pixels."""

    point: tuple[float, float, float]
    color: str
    size: float = 11.0
    symbol: str = "o"
    edge: str = "#FFFFFF"


@dataclass(frozen=True)
class Label:
    """Text at a point in world coordinates (the axes' names)."""

    point: tuple[float, float, float]
    text: str


def box_lines(color: str = "#7A7A7A") -> list[Line]:
    """The floor's edges and one upright at the back-left corner: where x, y and f run."""
    floor = np.array([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0], [-1, -1, 0]], dtype=float)
    upright = np.array([[-1, 1, 0], [-1, 1, HEIGHT]], dtype=float)
    return [Line(floor, color, 1.0), Line(upright, color, 1.0)]


def axis_labels(names: tuple[str, str], mesh: Mesh | None = None) -> list[Label]:
    """The axes' names beside the box (x along the front edge, y along the right edge, f up the upright), with
    the ranges they span when `mesh` is given."""
    texts = [names[0], names[1], f"f({names[0]}, {names[1]})"]
    if mesh is not None:
        spans = (mesh.x_range, mesh.y_range, (mesh.low, mesh.high))
        texts = [f"{text}: {format_number(low)} … {format_number(high)}" for text, (low, high) in zip(texts, spans,
                                                                                                   strict=True)]
    return [Label((0.0, -1.25, 0.0), texts[0]), Label((1.22, 0.0, 0.0), texts[1]),
            Label((-1.0, 1.0, HEIGHT + 0.12), texts[2])]


def height_range(z: np.ndarray) -> tuple[float, float]:
    """(low, high) for the box: the smallest finite value up to the HIGH_PERCENTILE (a constant gets a band)."""
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return 0.0, 1.0
    low = float(finite.min())
    high = float(np.percentile(finite, HIGH_PERCENTILE))
    if not high > low:
        high = float(finite.max())
    if not high > low:
        pad = max(abs(low) * 1e-3, 1e-3)
        return low - pad, low + pad
    return low, high


def build_mesh(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, rgba: np.ndarray,
               levels: tuple[float, float] | None = None) -> Mesh:
    """A mesh from f sampled at z[j, i] = f(xs[i], ys[j]) and per-vertex colours `rgba` (ny, nx, 4) uint8 (the
    map's colours at the same points); `levels` fixes the height range (default `height_range(z)`)."""
    z = np.asarray(z, dtype=float)
    low, high = levels if levels is not None else height_range(z)
    if not high > low:
        low, high = height_range(z)
    mesh = Mesh(np.asarray(xs, float), np.asarray(ys, float), z, float(low), float(high),
                np.empty(z.shape + (3,)), np.empty(z.shape + (4,)))
    gx, gy = np.meshgrid(_unit(mesh.xs, *mesh.x_range), _unit(mesh.ys, *mesh.y_range))
    undefined = ~np.isfinite(z)
    heights = np.where(undefined, 0.0, mesh.height(np.where(undefined, low, z)))
    points = np.stack((gx, gy, heights), axis=-1)
    colors = np.asarray(rgba, dtype=float) / 255.0
    colors[undefined] = np.array(NAN_RGBA) / 255.0
    colors[..., :3] *= shading(points)[..., np.newaxis]
    colors[..., 3] = 1.0
    return replace(mesh, points=points, colors=colors)


def shading(points: np.ndarray) -> np.ndarray:
    """Lambert shading of a grid of world points (ny, nx, 3) by the fixed LIGHT: AMBIENT .. 1 per vertex."""
    if points.shape[0] < 2 or points.shape[1] < 2:
        return np.ones(points.shape[:2])
    d_row = np.gradient(points, axis=0)      # along y
    d_col = np.gradient(points, axis=1)      # along x
    normals = np.cross(d_col, d_row)
    length = np.linalg.norm(normals, axis=-1, keepdims=True)
    normals = np.divide(normals, length, out=np.zeros_like(normals), where=length > 0)
    lit = np.abs(normals @ LIGHT)            # seen from below, the underside is lit alike
    return AMBIENT + (1.0 - AMBIENT) * lit


def rank_colors(z: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """Colours by rank (histogram equalisation) through `lut` (n, 4) uint8, as the Descent contour map does:
    the same value gets the same colour; nan gets the grey."""
    out = np.empty(z.shape + (4,), dtype=np.uint8)
    out[...] = NAN_RGBA
    finite = np.isfinite(z)
    values = z[finite]
    if values.size:
        ordered = np.sort(values)
        # Mean rank of equal values (a plateau is one colour), as a fraction 0..1.
        left = np.searchsorted(ordered, values, side="left")
        right = np.searchsorted(ordered, values, side="right") - 1
        rank = (left + right) / 2 / max(values.size - 1, 1)
        out[finite] = lut[np.minimum(np.round(rank * (len(lut) - 1)).astype(int), len(lut) - 1)]
    return out


def lifted_path(mesh: Mesh, path: np.ndarray, values: np.ndarray, lift: float = 0.012) -> np.ndarray:
    """A descent path (n, 2) with f along it as world points, cut where it first leaves the window or f is not
    finite (a ball rolling off the surface is not drawn in the air), lifted a little so it lies on top."""
    path = np.asarray(path, dtype=float).reshape(-1, 2)
    values = np.asarray(values, dtype=float)
    good = mesh.inside(path[:, 0], path[:, 1]) & np.isfinite(values)
    stop = int(np.argmin(good)) if not good.all() else len(good)
    world = mesh.to_world(path[:stop, 0], path[:stop, 1], values[:stop])
    world[:, 2] += lift
    return world


def tangent_arrow(mesh: Mesh, x: float, y: float, fx: float, gx: float, gy: float, sign: float = 1.0,
                  length: float = 0.6) -> np.ndarray | None:
    """The steepest-ascent direction at (x, y) drawn on the surface (`sign` -1: steepest descent): from the point
    along ±(∇f, |∇f|²) in data units (the surface's tangent in the gradient's direction: a step t∇f raises f by
    t|∇f|²), `length` long in world units, as 5 points: tail, tip, one barb, tip, the other barb (draw as a
    polyline). None where ∇f is 0 or not finite, or the point is off the mesh."""
    if not all(math.isfinite(v) for v in (x, y, fx, gx, gy)) or gx == 0 == gy:
        return None
    if not mesh.inside(np.array([x]), np.array([y]))[0]:
        return None
    sx = 2.0 / (mesh.x_range[1] - mesh.x_range[0])
    sy = 2.0 / (mesh.y_range[1] - mesh.y_range[0])
    sz = HEIGHT / (mesh.high - mesh.low)
    direction = sign * np.array([gx * sx, gy * sy, (gx * gx + gy * gy) * sz])
    # Where f sits on the lid (clamped), the surface there is flat: draw the gradient flat too.
    base = mesh.to_world(np.array([x]), np.array([y]), np.array([fx]))[0]
    if not mesh.low <= fx <= mesh.high:
        direction[2] = 0.0
    norm = float(np.linalg.norm(direction))
    if not math.isfinite(norm) or norm == 0.0:
        return None
    unit = direction / norm
    tip = base + length * unit
    side = np.cross(unit, [0.0, 0.0, 1.0])
    if np.linalg.norm(side) < 1e-9:
        side = np.array([1.0, 0.0, 0.0])
    side /= np.linalg.norm(side)
    head = 0.28 * length
    return np.array([base, tip, tip - head * unit + 0.5 * head * side, tip, tip - head * unit - 0.5 * head * side])


# -- the camera's projection (the software renderer) ---------------------------------------------------------

def fitted_fov(width: float, height: float, vertical: float = VERTICAL_FOV) -> float:
    """The horizontal field of view (GLViewWidget's `fov`) that gives a width x height view `vertical` degrees
    of height when it is wider than tall, and `vertical` degrees of width when it is taller: the box fits either
    way (a fixed horizontal angle cuts a wide view's box off at the bottom)."""
    if width <= 0 or height <= 0:
        return vertical
    if width <= height:
        return vertical
    return math.degrees(2 * math.atan(math.tan(math.radians(vertical) / 2) * width / height))


def view_matrix(camera: Camera) -> np.ndarray:
    """World -> eye coordinates (4x4), built as GLViewWidget.viewMatrix builds it."""
    e, a = math.radians(camera.elevation - 90.0), math.radians(-(camera.azimuth + 90.0))
    rx = np.array([[1, 0, 0, 0], [0, math.cos(e), -math.sin(e), 0], [0, math.sin(e), math.cos(e), 0], [0, 0, 0, 1]])
    rz = np.array([[math.cos(a), -math.sin(a), 0, 0], [math.sin(a), math.cos(a), 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
    back = np.eye(4)
    back[2, 3] = -camera.distance
    centre = np.eye(4)
    centre[:3, 3] = -np.asarray(camera.center, dtype=float)
    return back @ rx @ rz @ centre


def project(points: np.ndarray, camera: Camera, width: float, height: float) -> tuple[np.ndarray, np.ndarray]:
    """World points (..., 3) -> pixel positions (..., 2) in a width x height view (y down) and their distance
    in front of the eye (..., ), by GLViewWidget's perspective (horizontal field of view `camera.fov`)."""
    eye = points @ view_matrix(camera)[:3, :3].T + view_matrix(camera)[:3, 3]
    depth = -eye[..., 2]
    scale = 1.0 / math.tan(math.radians(camera.fov) / 2)
    with np.errstate(all="ignore"):
        safe = np.where(depth > 1e-6, depth, 1e-6)
        ndc_x = scale * eye[..., 0] / safe
        ndc_y = scale * eye[..., 1] / safe * (width / height)
    pixels = np.stack(((ndc_x + 1.0) * 0.5 * width, (1.0 - ndc_y) * 0.5 * height), axis=-1)
    return pixels, depth


def quads_back_to_front(pixels: np.ndarray, depth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The grid's quads as corner pixels (q, 4, 2) and their indices (into the (ny-1)*(nx-1) quads, row by row),
    ordered far to near (the painter's algorithm); quads behind the eye are left out."""
    corners = np.stack((pixels[:-1, :-1], pixels[:-1, 1:], pixels[1:, 1:], pixels[1:, :-1]), axis=2)
    corner_depth = np.stack((depth[:-1, :-1], depth[:-1, 1:], depth[1:, 1:], depth[1:, :-1]), axis=2)
    corners = corners.reshape(-1, 4, 2)
    corner_depth = corner_depth.reshape(-1, 4)
    visible = np.flatnonzero(corner_depth.min(axis=1) > 1e-6)
    order = visible[np.argsort(-corner_depth[visible].mean(axis=1), kind="stable")]
    return corners[order], order


def quad_colors(colors: np.ndarray) -> np.ndarray:
    """One colour per quad (q, 4) in 0..1: the mean of its four corners (row by row, as quads_back_to_front)."""
    mean = (colors[:-1, :-1] + colors[:-1, 1:] + colors[1:, 1:] + colors[1:, :-1]) / 4
    return mean.reshape(-1, colors.shape[-1])


def _unit(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Data values over [low, high] -> [-1, 1]."""
    span = high - low if high > low else 1.0
    return 2.0 * (values - low) / span - 1.0
