"""Numbers for drawing a function of two variables: grids, colour levels, contours, gradient arrows.

Pure NumPy (the Gradients tab's symbolic job lives in calclab.engine.jobs.gradients), so all of it is testable
without Qt. Functions take plain callables `f(X, Y) -> array`, so a slice of an n-variable function is just a
closure holding the other variables fixed. Non-finite values are masked, never drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from calclab.engine.numbers import format_number

GridFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]

ARROW_HEAD_FRACTION = 0.3           # head length / arrow length
ARROW_HEAD_ANGLE = np.radians(25)   # half-angle of the head
LOG_DECADES = 3.0                   # a log colour scale spreads the colours over this many decades


# --- grids ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Grid:
    """f sampled at pixel centres: z[j, i] = f(xs[i], ys[j]); the image covers `rect` (x0, y0, width, height)."""

    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray

    @property
    def rect(self) -> tuple[float, float, float, float]:
        dx = self.xs[1] - self.xs[0] if self.xs.size > 1 else 1.0
        dy = self.ys[1] - self.ys[0] if self.ys.size > 1 else 1.0
        return (float(self.xs[0] - dx / 2), float(self.ys[0] - dy / 2), float(dx * self.xs.size),
                float(dy * self.ys.size))


def pixel_centres(low: float, high: float, n: int) -> np.ndarray:
    """n sample points at the centres of n equal cells spanning [low, high]."""
    step = (high - low) / n
    return low + step * (np.arange(n) + 0.5)


def sample_grid(f: GridFunction, x_range: tuple[float, float], y_range: tuple[float, float],
                nx: int = 256, ny: int = 256) -> Grid:
    """Evaluate f on an nx x ny grid of pixel centres (broadcast, one call); non-finite becomes nan."""
    xs = pixel_centres(*x_range, nx)
    ys = pixel_centres(*y_range, ny)
    with np.errstate(all="ignore"):
        z = np.asarray(f(xs[None, :], ys[:, None]), dtype=float)
        z = np.broadcast_to(z, (ny, nx)).copy()
    z[~np.isfinite(z)] = np.nan
    return Grid(xs, ys, z)


def field_shape(x_range: tuple[float, float], y_range: tuple[float, float], arrows: int = 15) -> tuple[int, int]:
    """(nx, ny) for roughly square arrow cells, about `arrows` along the geometric-mean side."""
    width, height = x_range[1] - x_range[0], y_range[1] - y_range[0]
    cell = np.sqrt(width * height) / arrows
    return (int(np.clip(round(width / cell), 2, 4 * arrows)), int(np.clip(round(height / cell), 2, 4 * arrows)))


# --- colours and levels -------------------------------------------------------------------------------------

def robust_levels(z: np.ndarray, low_pct: float = 2.0, high_pct: float = 98.0) -> tuple[float, float]:
    """Colour limits from the finite values only, by percentiles, so one pole does not wash out the map.

    When the percentiles collapse (a constant or almost-constant map) the full finite range is used, and a
    constant gets a small band around its value. No finite value at all gives (0, 1).
    """
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return 0.0, 1.0
    low, high = np.percentile(finite, [low_pct, high_pct])
    if not high > low:
        low, high = float(finite.min()), float(finite.max())
    if not high > low:
        pad = max(abs(low) * 1e-3, 1e-3)
        return float(low - pad), float(high + pad)
    return float(low), float(high)


def log_warp(t: np.ndarray, decades: float = LOG_DECADES) -> np.ndarray:
    """Map fractions t in [0, 1] of the level range to colour positions, logarithmically.

    s = log10(1 + t (10^d - 1)) / d: values near the bottom get most of the colours, so a valley that is
    1000 times lower than the walls still shows its shape. Monotone, s(0) = 0, s(1) = 1.
    """
    t = np.clip(np.asarray(t, dtype=float), 0.0, 1.0)
    return np.log10(1.0 + t * (10.0 ** decades - 1.0)) / decades


def log_unwarp(s: np.ndarray, decades: float = LOG_DECADES) -> np.ndarray:
    """The inverse of `log_warp`: colour positions back to fractions of the level range."""
    s = np.clip(np.asarray(s, dtype=float), 0.0, 1.0)
    return (10.0 ** (s * decades) - 1.0) / (10.0 ** decades - 1.0)


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k that is at least `raw` (> 0): a step people read easily."""
    magnitude = 10.0 ** np.floor(np.log10(raw))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if factor * magnitude >= raw * (1 - 1e-9):
            return float(factor * magnitude)
    return float(10 * magnitude)


def log_offsets(span: float) -> np.ndarray:
    """1, 2, 5 x 10^k between span/1000 and span: evenly spread on a log colour scale of LOG_DECADES decades."""
    if not span > 0 or not np.isfinite(span):
        return np.empty(0)
    top = int(np.floor(np.log10(span)))
    values = [m * 10.0 ** e for e in range(top - int(LOG_DECADES), top + 1) for m in (1, 2, 5)]
    return np.array([v for v in values if span * 10.0 ** -LOG_DECADES <= v <= span])


def contour_levels(low: float, high: float, count: int = 10, log: bool = False) -> np.ndarray:
    """Round-numbered levels strictly inside (low, high): about `count` evenly spaced, or for a log colour
    scale the values low + 1, 2, 5 x 10^k (evenly spread in colour)."""
    if not (high > low and np.isfinite(low) and np.isfinite(high)) or count < 1:
        return np.empty(0)
    if log:
        levels = low + log_offsets(high - low)
    else:
        step = nice_step((high - low) / count)
        levels = step * np.arange(np.floor(low / step) + 1, np.ceil(high / step))
        levels = np.round(levels / step) * step   # 0.30000000000000004 -> 0.3
    return levels[(levels > low) & (levels < high)]


def format_level(value: float) -> str:
    """A short label for a level or tick: three significant digits in the app's number style (engine.numbers)."""
    return format_number(value, 3)


# --- contours (marching squares) -----------------------------------------------------------------------------

# Corners: 0 = (i, j), 1 = (i+1, j), 2 = (i+1, j+1), 3 = (i, j+1); bit k set when corner k is above the level.
# Edges: 0 bottom (0-1), 1 right (1-2), 2 top (3-2), 3 left (0-3). Each case joins two edges (saddles: two pairs).
_FIRST = {1: (3, 0), 2: (0, 1), 3: (3, 1), 4: (1, 2), 6: (0, 2), 7: (3, 2), 8: (2, 3), 9: (0, 2), 11: (1, 2),
          12: (1, 3), 13: (0, 1), 14: (0, 3)}
_EDGE_A = np.full(16, -1)
_EDGE_B = np.full(16, -1)
for _case, (_a, _b) in _FIRST.items():
    _EDGE_A[_case], _EDGE_B[_case] = _a, _b


def contour_segments(grid: Grid, level: float) -> np.ndarray:
    """The level curve f = level as line segments, shape (n, 2, 2): [[x0, y0], [x1, y1]] per segment.

    Vectorised marching squares over the grid's sample points; cells touching a nan are skipped, and the
    two saddle cases are resolved by the cell's centre value.
    """
    z, xs, ys = grid.z, grid.xs, grid.ys
    if z.shape[0] < 2 or z.shape[1] < 2:
        return np.empty((0, 2, 2))
    c0, c1, c2, c3 = z[:-1, :-1], z[:-1, 1:], z[1:, 1:], z[1:, :-1]
    with np.errstate(invalid="ignore"):
        case = ((c0 > level) * 1 + (c1 > level) * 2 + (c2 > level) * 4 + (c3 > level) * 8).astype(int)
    finite = np.isfinite(c0) & np.isfinite(c1) & np.isfinite(c2) & np.isfinite(c3)
    active = finite & (case != 0) & (case != 15)
    jj, ii = np.nonzero(active)
    if jj.size == 0:
        return np.empty((0, 2, 2))
    v = np.stack([c0[jj, ii], c1[jj, ii], c2[jj, ii], c3[jj, ii]])       # (4, n)
    cases = case[jj, ii]
    x_lo, x_hi, y_lo, y_hi = xs[ii], xs[ii + 1], ys[jj], ys[jj + 1]

    def crossing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            t = (level - a) / (b - a)
        return np.clip(np.nan_to_num(t, nan=0.5), 0.0, 1.0)

    # The crossing point on each edge, for every active cell: (4 edges, 2 coords, n).
    t0, t1, t2, t3 = crossing(v[0], v[1]), crossing(v[1], v[2]), crossing(v[3], v[2]), crossing(v[0], v[3])
    edges = np.stack([
        np.stack([x_lo + t0 * (x_hi - x_lo), y_lo]),
        np.stack([x_hi, y_lo + t1 * (y_hi - y_lo)]),
        np.stack([x_lo + t2 * (x_hi - x_lo), y_hi]),
        np.stack([x_lo, y_lo + t3 * (y_hi - y_lo)]),
    ])
    columns = np.arange(cases.size)
    centre_above = v.mean(axis=0) > level
    # Saddles: case 5 (corners 0, 2 above) and 10 (corners 1, 3 above) need two segments.
    saddle5, saddle10 = cases == 5, cases == 10
    first_a, first_b = _EDGE_A[cases].copy(), _EDGE_B[cases].copy()
    second_a, second_b = np.full(cases.size, -1), np.full(cases.size, -1)
    # Centre above: the above-corners are joined, so the segments cut off the below-corners, and vice versa.
    cut_0_2 = (saddle5 & ~centre_above) | (saddle10 & centre_above)   # segments around corners 0 and 2
    cut_1_3 = (saddle5 & centre_above) | (saddle10 & ~centre_above)   # segments around corners 1 and 3
    first_a[cut_0_2], first_b[cut_0_2], second_a[cut_0_2], second_b[cut_0_2] = 3, 0, 1, 2
    first_a[cut_1_3], first_b[cut_1_3], second_a[cut_1_3], second_b[cut_1_3] = 0, 1, 2, 3
    starts = edges[first_a, :, columns]
    ends = edges[first_b, :, columns]
    segments = [np.stack([starts, ends], axis=1)]
    two = second_a >= 0
    if two.any():
        cols = columns[two]
        segments.append(np.stack([edges[second_a[two], :, cols], edges[second_b[two], :, cols]], axis=1))
    return np.concatenate(segments)


def label_position(segments: np.ndarray, target: tuple[float, float], box: tuple[float, float, float, float],
                   taken: list[tuple[float, float]] | None = None, margin: float = 0.06,
                   spacing: float = 0.08) -> tuple[float, float] | None:
    """Where to write a contour's label: the segment midpoint nearest `target`, away from the box's edges
    and at least `spacing` (a fraction of the box) from the labels already `taken`. None if nowhere fits."""
    if segments.size == 0:
        return None
    mid = segments.mean(axis=1)
    x0, x1, y0, y1 = box
    width, height = x1 - x0, y1 - y0
    ok = (mid[:, 0] > x0 + margin * width) & (mid[:, 0] < x1 - margin * width) & \
        (mid[:, 1] > y0 + margin * height) & (mid[:, 1] < y1 - margin * height)
    for px, py in taken or []:
        ok &= np.hypot((mid[:, 0] - px) / width, (mid[:, 1] - py) / height) >= spacing
    if not ok.any():
        return None
    mid = mid[ok]
    index = int(np.argmin((mid[:, 0] - target[0]) ** 2 + (mid[:, 1] - target[1]) ** 2))
    return float(mid[index, 0]), float(mid[index, 1])


# --- the gradient field --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """Gradient components (u, v) at arrow base points (x, y), all 1-D; only finite, nonzero vectors."""

    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    cell: float          # spacing of the arrow grid (data units): the longest arrow fits in one cell


def sample_field(gx: GridFunction, gy: GridFunction, x_range: tuple[float, float], y_range: tuple[float, float],
                 arrows: int = 15, f: GridFunction | None = None) -> Field:
    """The gradient on a coarse grid of cell centres; points where it is non-finite or zero are skipped, and
    so are points where `f` itself is undefined (log(x y) simplifies to a gradient [1/x, 1/y] that is finite
    where f is not)."""
    nx, ny = field_shape(x_range, y_range, arrows)
    xs, ys = pixel_centres(*x_range, nx), pixel_centres(*y_range, ny)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        u = np.broadcast_to(np.asarray(gx(X, Y), dtype=float), X.shape)
        v = np.broadcast_to(np.asarray(gy(X, Y), dtype=float), X.shape)
        keep = np.isfinite(u) & np.isfinite(v) & ((u != 0) | (v != 0)) & np.isfinite(np.hypot(u, v))
        if f is not None:
            keep &= np.isfinite(np.broadcast_to(np.asarray(f(X, Y), dtype=float), X.shape))
    cell = min((x_range[1] - x_range[0]) / nx, (y_range[1] - y_range[0]) / ny)
    return Field(X[keep], Y[keep], u[keep], v[keep], float(cell))


def arrow_lengths(u: np.ndarray, v: np.ndarray, cell: float, normalize: bool = False,
                  reference_pct: float = 90.0) -> np.ndarray:
    """Drawn length of each arrow: proportional to |∇f| up to a cap of 0.85 cell, or all 0.7 cell normalised.

    The cap is reached at the `reference_pct` percentile of |∇f|, so a few huge vectors near a pole do not
    shrink every other arrow to a dot.
    """
    magnitude = np.hypot(u, v)
    if magnitude.size == 0:
        return magnitude
    if normalize:
        return np.full(magnitude.shape, 0.7 * cell)
    reference = float(np.percentile(magnitude, reference_pct))
    if not reference > 0:
        return np.full(magnitude.shape, 0.85 * cell)
    return 0.85 * cell * np.minimum(magnitude / reference, 1.0)


def arrow_segments(x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray, lengths: np.ndarray,
                   pivot: str = "middle") -> tuple[np.ndarray, np.ndarray]:
    """Line segments for arrows along (u, v) of the given lengths: shaft plus two head strokes each.

    Returns flat (xs, ys) of 6 points per arrow, to draw as one item with connect="pairs". `pivot` "middle"
    centres each shaft on its point (a tidy grid); "tail" starts it there (an arrow drawn from a point).
    """
    magnitude = np.hypot(u, v)
    with np.errstate(all="ignore"):
        dx, dy = u / magnitude, v / magnitude
    keep = np.isfinite(dx) & np.isfinite(dy) & (lengths > 0)
    x, y, dx, dy, lengths = x[keep], y[keep], dx[keep], dy[keep], lengths[keep]
    back = 0.5 if pivot == "middle" else 0.0
    tail_x, tail_y = x - back * lengths * dx, y - back * lengths * dy
    tip_x, tip_y = tail_x + lengths * dx, tail_y + lengths * dy
    head = ARROW_HEAD_FRACTION * lengths
    cos, sin = np.cos(ARROW_HEAD_ANGLE), np.sin(ARROW_HEAD_ANGLE)
    # The head strokes: the backwards direction turned by +-angle.
    left_x = tip_x - head * (dx * cos - dy * sin)
    left_y = tip_y - head * (dy * cos + dx * sin)
    right_x = tip_x - head * (dx * cos + dy * sin)
    right_y = tip_y - head * (dy * cos - dx * sin)
    xs = np.stack([tail_x, tip_x, tip_x, left_x, tip_x, right_x], axis=1).ravel()
    ys = np.stack([tail_y, tip_y, tip_y, left_y, tip_y, right_y], axis=1).ravel()
    return xs, ys


# --- the probe -----------------------------------------------------------------------------------------------

def level_tangent(gx: float, gy: float) -> tuple[float, float] | None:
    """Unit tangent to the level curve where ∇f = (gx, gy): ∇f turned a quarter left. None where ∇f = 0."""
    norm = float(np.hypot(gx, gy))
    if not np.isfinite(norm) or norm == 0:
        return None
    return -gy / norm, gx / norm


def angle_to_curve(segments: np.ndarray, px: float, py: float, gx: float, gy: float,
                   max_distance: float) -> float | None:
    """The angle in degrees (0..90) between (gx, gy) and the contour segment nearest (px, py).

    An independent check that ∇f is perpendicular to the level curve: the curve comes from f's values by
    marching squares, ∇f from the symbolic derivative. None if no segment lies within `max_distance`.
    """
    norm = float(np.hypot(gx, gy))
    if segments.size == 0 or not np.isfinite(norm) or norm == 0:
        return None
    mid = segments.mean(axis=1)
    distance = np.hypot(mid[:, 0] - px, mid[:, 1] - py)
    index = int(np.argmin(distance))
    if distance[index] > max_distance:
        return None
    dx, dy = segments[index, 1] - segments[index, 0]
    length = float(np.hypot(dx, dy))
    if length == 0:
        return None
    cosine = abs(dx * gx + dy * gy) / (length * norm)
    return float(np.degrees(np.arccos(min(cosine, 1.0))))


def right_angle_marker(px: float, py: float, direction: tuple[float, float], tangent: tuple[float, float],
                       size: float) -> tuple[np.ndarray, np.ndarray]:
    """The little square drawn in the corner between two perpendicular unit directions at (px, py)."""
    (ux, uy), (tx, ty) = direction, tangent
    xs = np.array([px + size * tx, px + size * (tx + ux), px + size * ux])
    ys = np.array([py + size * ty, py + size * (ty + uy), py + size * uy])
    return xs, ys
