"""The 2-D map under a descent path: f on a grid, coloured by rank, with contour lines (NumPy + contourpy, no Qt).

Colouring by rank (histogram equalisation) keeps every map readable whatever the scale of f: the narrow
Rosenbrock valley (f from 0 to 2,500) shows as clearly as a bowl. Contour levels sit at evenly spaced
quantiles of f, so the lines match the colour bands. Computed once per function and visible range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

GRID_SIZE = 256
LEVELS = 14

# Greyish-blue valleys to pale sand ridges, kept low in saturation so the coloured paths on top (blue, orange,
# green, purple ...) stay the loudest thing on the map.
MAP_STOPS = (0.0, 0.3, 0.6, 1.0)
MAP_COLORS = ((128, 150, 170), (188, 202, 214), (242, 244, 245), (238, 222, 196))
NAN_COLOR = (210, 210, 210, 255)


def _lookup_table(size: int = 256) -> np.ndarray:
    """RGBA rows interpolated through MAP_COLORS."""
    stops = np.array(MAP_STOPS, dtype=float)
    colors = np.array(MAP_COLORS, dtype=float)
    u = np.linspace(0.0, 1.0, size)
    table = np.empty((size, 4), dtype=np.uint8)
    for channel in range(3):
        table[:, channel] = np.round(np.interp(u, stops, colors[:, channel]))
    table[:, 3] = 255
    return table


LUT = _lookup_table()


@dataclass
class ContourMap:
    """An RGBA image (rows = y, from y_range[0] up) and the contour lines as one NaN-separated polyline."""

    image: np.ndarray          # (ny, nx, 4) uint8
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    line_x: np.ndarray
    line_y: np.ndarray
    levels: np.ndarray
    lowest: tuple[float, float] | None   # the grid point where f is smallest


def evaluate_grid(f: Callable[..., np.ndarray], x_range: tuple[float, float], y_range: tuple[float, float],
                  size: int = GRID_SIZE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x (nx,), y (ny,), z (ny, nx) = f on a size x size grid of cell centres."""
    x = np.linspace(*x_range, size)
    y = np.linspace(*y_range, size)
    z = np.asarray(f(x[np.newaxis, :], y[:, np.newaxis]), dtype=float)
    z = np.broadcast_to(z, (size, size)).copy()
    z[~np.isfinite(z)] = np.nan
    return x, y, z


def contour_map(f: Callable[..., np.ndarray], x_range: tuple[float, float], y_range: tuple[float, float],
                size: int = GRID_SIZE, levels: int = LEVELS) -> ContourMap:
    """Evaluate f on the grid, colour it by rank and trace contour lines at quantile levels."""
    x, y, z = evaluate_grid(f, x_range, y_range, size)
    image = np.empty(z.shape + (4,), dtype=np.uint8)
    image[...] = NAN_COLOR
    finite = np.isfinite(z)
    values = z[finite]
    line_x = line_y = np.empty(0)
    chosen = np.empty(0)
    lowest = None
    if values.size:
        row, column = np.unravel_index(np.nanargmin(np.where(finite, z, np.inf)), z.shape)
        lowest = (float(x[column]), float(y[row]))
        order = np.argsort(values, kind="stable")
        rank = np.empty(values.size)
        rank[order] = np.linspace(0.0, 1.0, values.size)
        # Equal values get one colour: take the mean rank of each run of ties (a flat plateau stays flat).
        sorted_values = values[order]
        _unique, start, counts = np.unique(sorted_values, return_index=True, return_counts=True)
        mean_rank = np.linspace(0.0, 1.0, values.size)[start] + (counts - 1) / max(values.size - 1, 1) / 2
        rank[order] = np.repeat(mean_rank, counts)
        image[finite] = LUT[np.minimum((rank * (len(LUT) - 1)).round().astype(int), len(LUT) - 1)]
        if sorted_values[-1] - sorted_values[0] > 1e-12 * max(1.0, abs(sorted_values[-1])):
            chosen = np.unique(np.quantile(values, np.linspace(0.0, 1.0, levels + 2)[1:-1]))
            line_x, line_y = _contour_lines(x, y, z, chosen)
    return ContourMap(image, x_range, y_range, line_x, line_y, chosen, lowest)


def _contour_lines(x: np.ndarray, y: np.ndarray, z: np.ndarray,
                   levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All contour lines of z at `levels` as one polyline, pieces separated by NaN (connect="finite")."""
    import contourpy  # ships with matplotlib; its C++ marching squares takes a few ms for 256 x 256

    generator = contourpy.contour_generator(x, y, np.ma.masked_invalid(z), line_type="Separate")
    pieces: list[np.ndarray] = []
    gap = np.array([[np.nan, np.nan]])
    for level in levels:
        for line in generator.lines(float(level)):
            pieces.append(line)
            pieces.append(gap)
    if not pieces:
        return np.empty(0), np.empty(0)
    joined = np.concatenate(pieces)
    return joined[:, 0].copy(), joined[:, 1].copy()
