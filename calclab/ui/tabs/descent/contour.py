"""The 2-D map under a descent path: f on a grid, coloured by rank, with contour lines (NumPy only, no Qt).

Colouring by rank (histogram equalisation) keeps every map readable whatever the scale of f: the narrow
Rosenbrock valley (f from 0 to 2,500) shows as clearly as a bowl. Contour levels sit at evenly spaced
quantiles of f, so the lines match the colour bands. The grid and the lines are calclab.engine.fields' (one
sampler, one marching-squares tracer for every map). Computed once per function and visible range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calclab.engine.fields import Grid, GridFunction, contour_segments, sample_grid

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


def contour_map(f: GridFunction, x_range: tuple[float, float], y_range: tuple[float, float],
                size: int = GRID_SIZE, levels: int = LEVELS) -> ContourMap:
    """Sample f at the pixel centres of the window, colour it by rank and trace contours at quantile levels."""
    grid = sample_grid(f, x_range, y_range, size, size)
    x, y, z = grid.xs, grid.ys, grid.z
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
            line_x, line_y = _contour_lines(grid, chosen)
    return ContourMap(image, x_range, y_range, line_x, line_y, chosen, lowest)


def _contour_lines(grid: Grid, levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every contour segment of the grid at `levels` as one polyline, the segments separated by NaN.

    Drawn with connect="finite" the lines are one path, stroked once: the translucent pen does not darken
    where segments meet (drawn as separate pairs, every joint would show as a dot).
    """
    segments = np.concatenate([contour_segments(grid, float(level)) for level in levels] or [np.empty((0, 2, 2))])
    gaps = np.full((len(segments), 1, 2), np.nan)
    points = np.concatenate((segments, gaps), axis=1).reshape(-1, 2)
    return points[:, 0].copy(), points[:, 1].copy()
