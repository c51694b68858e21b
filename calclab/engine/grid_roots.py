"""Roots of a NumPy function on a grid, refined by bisection: the numeric half of engine.solving, with no SymPy
(the Derivatives tab's live critical points use it on every tick)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

GRID_POINTS = 4001          # 20 per unit on the default -10..10: sin(100x) still has ~6 samples per half period
BISECTIONS = 64             # a bracket of any float width shrinks to neighbouring floats
TOUCH_TOLERANCE = 1e-12     # |g| at a root of g' below this fraction of max |g| on the grid: a double root of g


@dataclass(frozen=True)
class GridRoots:
    """Roots of g found on a grid: isolated roots (sorted) and the stretches where g is 0 throughout."""

    roots: tuple[float, ...]
    flat: tuple[tuple[float, float], ...]


def grid_roots(g: Callable, low: float, high: float, defined: np.ndarray | None = None,
               slope: Callable | None = None, points: int = GRID_POINTS) -> GridRoots:
    """Roots of the NumPy function g in [low, high]: sign changes refined by bisection, zeros on the grid, and,
    given g's derivative `slope`, the roots where g touches 0 without crossing (found as roots of slope).

    `defined` masks grid points where the underlying function has no value (log(x) for x <= 0): no root there.
    A bracket around a pole (1/x changes sign at 0) is refused: g does not get small at its midpoint.
    """
    with np.errstate(all="ignore"):     # g may be any NumPy function: a pole on the grid is no warning
        return _grid_roots(g, low, high, defined, slope, points)


def _grid_roots(g: Callable, low: float, high: float, defined: np.ndarray | None, slope: Callable | None,
                points: int) -> GridRoots:
    xs = np.linspace(low, high, points)
    gs = np.asarray(g(xs), dtype=float)
    ok = np.isfinite(gs) if defined is None else np.isfinite(gs) & defined
    finite = np.abs(gs[ok])
    scale = float(finite.max()) if finite.size else 1.0
    roots: list[float] = []
    flat: list[tuple[float, float]] = []
    zero = ok & (gs == 0)
    i = 0
    while i < points:
        if zero[i]:
            j = i
            while j + 1 < points and zero[j + 1]:
                j += 1
            (roots.append(float(xs[i])) if j == i else flat.append((float(xs[i]), float(xs[j]))))
            i = j + 1
        else:
            i += 1
    crossing = np.flatnonzero(ok[:-1] & ok[1:] & (gs[:-1] * gs[1:] < 0))
    roots += _bisect(g, xs[crossing], xs[crossing + 1], gs[crossing], gs[crossing + 1])
    if slope is not None:
        touch = grid_roots(slope, low, high, ok, points=points).roots
        if touch:
            at = np.asarray(touch)
            values = np.abs(np.asarray(g(at), dtype=float))
            roots += [float(t) for t, v in zip(at, values, strict=True) if v <= TOUCH_TOLERANCE * max(scale, 1.0)]
    return GridRoots(tuple(dedup(roots, (high - low) * 1e-9)), tuple(flat))


def _bisect(g: Callable, a: np.ndarray, b: np.ndarray, ga: np.ndarray, gb: np.ndarray) -> list[float]:
    """All brackets at once; a bracket whose g does not shrink to ~0 held a pole or a jump, not a root."""
    if a.size == 0:
        return []
    a, b, ga = a.copy(), b.copy(), ga.copy()
    ends = np.maximum(np.abs(ga), np.abs(gb))
    for _ in range(BISECTIONS):
        mid = 0.5 * (a + b)
        gm = np.asarray(g(mid), dtype=float)
        left = np.sign(gm) == np.sign(ga)
        a = np.where(left, mid, a)
        ga = np.where(left, gm, ga)
        b = np.where(left, b, mid)
    mid = 0.5 * (a + b)
    gm = np.abs(np.asarray(g(mid), dtype=float))
    good = np.isfinite(gm) & (gm <= 1e-6 * ends)
    return [float(m) for m in mid[good]]


def dedup(values: list[float], tolerance: float) -> list[float]:
    """Sorted, with values closer than tolerance merged (the first kept)."""
    kept: list[float] = []
    for value in sorted(values):
        if not kept or value - kept[-1] > tolerance:
            kept.append(value)
    return kept
