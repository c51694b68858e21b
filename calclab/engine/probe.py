"""What the Gradients tab draws at its probe, in plain numbers (NumPy only, fast enough for every drag event):
the Hessian's eigen-decomposition and the second-derivative test, the curvature directions as line segments, a
direction u at an angle, D_u f = ∇f·u and its polar profile over all angles.

The kinds and the zero tolerance are calclab.engine.kinds', shared with calclab.engine.curvature, so the tab
and `calclab gradient --hessian` classify the same point the same way; here everything is a float (the command
line keeps exact values).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from calclab.engine.kinds import DEGENERATE, MAXIMUM, MINIMUM, NOT_CRITICAL, SADDLE, ZERO_TOLERANCE

__all__ = ["ProbeCurvature", "angle_of", "curvature_at", "curvature_segments", "directional_in_plane",
           "polar_lobes", "probe_curvature", "unit_direction"]


@dataclass(frozen=True)
class ProbeCurvature:
    """The Hessian at a point, its eigenvalues (ascending, exactly 0.0 where the test counts them as 0) with
    unit eigenvectors, and the point's kind (curvature's KINDS; NOT_CRITICAL where ∇f ≠ 0)."""

    matrix: tuple[tuple[float, ...], ...]
    eigenvalues: tuple[float, ...]
    eigenvectors: tuple[tuple[float, ...], ...]     # eigenvectors[i] belongs to eigenvalues[i]
    kind: str

    @property
    def critical(self) -> bool:
        return self.kind != NOT_CRITICAL


def curvature_at(gradient: Sequence[float], matrix: Sequence[Sequence[float]]) -> ProbeCurvature | None:
    """Eigen-decomposition and second-derivative test of the (symmetrised) Hessian `matrix` at a point whose
    gradient is `gradient`; None where any entry has no finite value."""
    values = np.asarray(matrix, dtype=float)
    grad = np.asarray(gradient, dtype=float)
    if values.ndim != 2 or values.shape[0] != values.shape[1] or values.shape[0] != grad.size or grad.size == 0:
        raise ValueError("the Hessian must be square with one row per entry of the gradient")
    if not (np.isfinite(values).all() and np.isfinite(grad).all()):
        return None
    symmetric = (values + values.T) / 2
    eigenvalues, vectors = np.linalg.eigh(symmetric)
    scale = max(1.0, float(np.abs(values).max()))
    tolerance = ZERO_TOLERANCE * scale
    signs = [0 if abs(v) <= tolerance else (1 if v > 0 else -1) for v in eigenvalues]
    if np.abs(grad).max() > tolerance:
        kind = NOT_CRITICAL
    elif 1 in signs and -1 in signs:
        kind = SADDLE
    elif 0 in signs:
        kind = DEGENERATE
    else:
        kind = MINIMUM if signs[0] > 0 else MAXIMUM
    units = []
    for i in range(len(eigenvalues)):
        vector = vectors[:, i]
        nonzero = vector[np.abs(vector) > 1e-12]
        if nonzero.size and nonzero[0] < 0:       # eigh's sign is arbitrary: first non-zero component positive
            vector = -vector
        units.append(tuple(float(c) + 0.0 for c in vector))
    shown = tuple(0.0 if s == 0 else float(v) for s, v in zip(signs, eigenvalues, strict=True))
    return ProbeCurvature(tuple(tuple(float(h) for h in row) for row in values), shown, tuple(units), kind)


def probe_curvature(entries: Sequence[Sequence[Callable]], partials: Sequence[Callable], point: Sequence[float],
                    gradient: Sequence[float]) -> ProbeCurvature | None:
    """The Hessian at `point` from its compiled `entries` (rows of functions of the point), or, without them (f
    too big to differentiate twice symbolically), from central differences of the compiled `partials`; then
    classified as curvature_at does. None where it has no value."""
    with np.errstate(all="ignore"):
        try:
            if entries:
                matrix = [[float(h(*point)) for h in row] for row in entries]
            else:
                from calclab.engine.hessian import difference_hessian  # (imports SymPy: only for a huge f)

                matrix = difference_hessian(lambda p: [float(g(*p)) for g in partials], np.asarray(point, float))
        except (ArithmeticError, ValueError, TypeError):
            return None
    return curvature_at(gradient, matrix)


def curvature_segments(x: float, y: float, eigenvalues: Sequence[float], eigenvectors: Sequence[Sequence[float]],
                       length: float, shortest: float = 0.2) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """One segment through (x, y) along each eigenvector of a 2 x 2 Hessian, half-length proportional to |λ|:
    the largest |λ| gets `length`, and no segment is shorter than `shortest` times it (λ = 0 still shows its
    direction). Returns [(end_minus, end_plus), ...] in the order of the eigenvalues."""
    largest = max((abs(v) for v in eigenvalues), default=0.0)
    segments = []
    for value, vector in zip(eigenvalues, eigenvectors, strict=True):
        half = length * max(shortest, abs(value) / largest if largest > 0 else 0.0)
        dx, dy = half * vector[0], half * vector[1]
        segments.append(((x - dx, y - dy), (x + dx, y + dy)))
    return segments


def unit_direction(angle_degrees: float) -> tuple[float, float]:
    """u = (cos θ, sin θ) for θ in degrees, counter-clockwise from the horizontal axis."""
    theta = math.radians(angle_degrees)
    return math.cos(theta), math.sin(theta)


def angle_of(dx: float, dy: float) -> float:
    """The angle of (dx, dy) in degrees, in [0, 360) (0 for the zero vector)."""
    if dx == 0 and dy == 0:
        return 0.0
    angle = math.degrees(math.atan2(dy, dx)) % 360.0
    return 0.0 if angle >= 360.0 else angle


def directional_in_plane(gx: float, gy: float, angle_degrees: float) -> float:
    """D_u f = ∇f·u for u at `angle_degrees` in the plotted plane (∇f's two components there)."""
    ux, uy = unit_direction(angle_degrees)
    return gx * ux + gy * uy


def polar_lobes(gx: float, gy: float, samples: int = 361) -> tuple[np.ndarray, np.ndarray]:
    """D_u f over every direction as a polar curve: point θ sits at distance |D_u f(θ)| along u(θ).

    Returns (uphill, downhill): (2, samples) arrays of x and y, the first where D_u f ≥ 0 and nan elsewhere, the
    second where D_u f < 0. Each lobe is a circle through the origin; the uphill one's farthest point is ∇f
    itself, at distance |∇f|: the gradient is the direction of steepest ascent, and its length that slope.
    """
    theta = np.linspace(0.0, 2 * np.pi, samples)
    value = gx * np.cos(theta) + gy * np.sin(theta)
    radius = np.abs(value)
    xs, ys = radius * np.cos(theta), radius * np.sin(theta)
    up = np.where(value >= 0, 1.0, np.nan)
    down = np.where(value < 0, 1.0, np.nan)
    return np.stack([xs * up, ys * up]), np.stack([xs * down, ys * down])
