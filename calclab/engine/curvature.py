"""The Hessian of f(x, y, ...) at a point, its eigen-decomposition and the second-derivative test; the critical
points of f in a box (a rectangle for f(x, y)), each classified.

Where ∇f = 0 the Hessian's eigenvalues decide: all positive, a minimum; all negative, a maximum; both signs, a
saddle; otherwise (a zero eigenvalue and no opposite signs) the test does not decide: degenerate (x^4 + y^4 at
the origin, whose Hessian is 0, is a minimum the test cannot see).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from calclab.engine.calculus import as_number, plain_diff, tree_size
from calclab.engine.kinds import DEGENERATE, KINDS, MAXIMUM, MINIMUM, NOT_CRITICAL, SADDLE, ZERO_TOLERANCE  # noqa: F401 - KINDS: re-exported
from calclab.engine.numeric import compile_function
from calclab.engine.solving import bounded, is_closed_form, real_value, smooth_value, solve_seconds

MAX_NODES = 2500            # second derivatives of bigger trees are not attempted
MAX_EXACT_EIGEN = 3         # exact eigenvalues up to 3x3 (rational 3x3 only: cubic roots of others are costly)
STARTS_PER_AXIS = {1: 40, 2: 12, 3: 6}   # Newton's starting grid (144 starts in a rectangle)
NEWTON_STEPS = 100
MAX_POINTS = 50


@dataclass(frozen=True)
class HessianAtPoint:
    """f's gradient and Hessian at one point, the Hessian's eigenvalues (ascending) with unit eigenvectors, and
    the point's kind (one of KINDS; NOT_CRITICAL where ∇f ≠ 0). Exact where the point is; floats always."""

    expression: sp.Expr
    variables: tuple[sp.Symbol, ...]
    point: tuple[sp.Expr, ...]
    f: sp.Expr
    gradient: tuple[sp.Expr, ...]
    matrix: tuple[tuple[sp.Expr, ...], ...]
    eigenvalues: tuple[float, ...]
    eigenvalues_exact: tuple[sp.Expr | None, ...]     # None where no short closed form was found
    eigenvectors: tuple[tuple[float, ...], ...]       # eigenvectors[i] belongs to eigenvalues[i]
    kind: str

    @property
    def critical(self) -> bool:
        return self.kind != NOT_CRITICAL

    @property
    def point_values(self) -> tuple[float, ...]:
        return tuple(float(p) for p in self.point)

    @property
    def f_value(self) -> float:
        return float(self.f)

    @property
    def gradient_values(self) -> tuple[float, ...]:
        return tuple(float(g) for g in self.gradient)

    @property
    def matrix_values(self) -> tuple[tuple[float, ...], ...]:
        return tuple(tuple(float(h) for h in row) for row in self.matrix)


def hessian_at(expr: sp.Expr, variables: Sequence[sp.Symbol], point: Sequence) -> HessianAtPoint:
    """The Hessian of expr over `variables` at `point` (exact SymPy numbers stay exact; floats give floats).
    ValueError if f, its gradient or its Hessian has no value there."""
    variables = tuple(variables)
    if len(point) != len(variables):
        raise ValueError(f"the point needs {len(variables)} number(s), one per variable "
                         f"({', '.join(v.name for v in variables)})")
    at = dict(zip(variables, (as_number(p) for p in point), strict=True))
    others = sorted(s.name for s in expr.free_symbols if s not in at)
    if others:
        raise ValueError(f"give {', '.join(others)} a value too")
    if tree_size(expr, MAX_NODES) > MAX_NODES:
        raise ValueError("f is too large to compute its Hessian")
    first = [plain_diff(expr, v) for v in variables]
    second = [[plain_diff(g, v) for v in variables] for g in first]
    f = _value(expr, at, "f")
    gradient = tuple(_value(g, at, "the gradient") for g in first)
    matrix = tuple(tuple(_value(h, at, "the Hessian") for h in row) for row in second)
    return _classified(expr, variables, tuple(at.values()), f, gradient, matrix)


def _value(expr: sp.Expr, at: dict, what: str) -> sp.Expr:
    value = smooth_value(expr, at)       # not simplified: simplify costs ~50 ms a value, and the GUI drags the point
    if value is not None and value.has(sp.Float):
        value = value.evalf()
    if value is None or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.DiracDelta) or real_value(value) is None:
        where = ", ".join(f"{v.name} = {p}" for v, p in at.items())
        raise ValueError(f"{what} has no value at {where}")
    return value


def _classified(expr, variables, point, f, gradient, matrix) -> HessianAtPoint:
    values = np.array([[float(h) for h in row] for row in matrix])
    symmetric = (values + values.T) / 2
    eigenvalues, vectors = np.linalg.eigh(symmetric)
    scale = max(1.0, float(np.abs(values).max()))
    exact = _exact_eigenvalues(matrix, eigenvalues)
    signs = [_sign(e, v, scale) for e, v in zip(exact, eigenvalues, strict=True)]
    if not _is_zero_gradient(gradient, scale):
        kind = NOT_CRITICAL
    elif 1 in signs and -1 in signs:
        kind = SADDLE
    elif 0 in signs:
        kind = DEGENERATE
    else:
        kind = MINIMUM if signs[0] > 0 else MAXIMUM
    unit = [tuple(float(c) for c in _oriented(vectors[:, i])) for i in range(len(eigenvalues))]
    eigenvalues = [0.0 if s == 0 else float(v) for s, v in zip(signs, eigenvalues, strict=True)]
    return HessianAtPoint(expr, variables, point, f, gradient, matrix, tuple(eigenvalues), exact, tuple(unit), kind)


def _oriented(vector: np.ndarray) -> np.ndarray:
    """The eigenvector with its first non-zero component positive (eigh's sign is arbitrary)."""
    nonzero = vector[np.abs(vector) > 1e-12]
    return -vector if nonzero.size and nonzero[0] < 0 else vector


def _sign(exact: sp.Expr | None, value: float, scale: float) -> int:
    if exact is not None:
        if exact.is_zero:
            return 0
        if exact.is_positive:
            return 1
        if exact.is_negative:
            return -1
    return 0 if abs(value) <= ZERO_TOLERANCE * scale else int(np.sign(value))


def _is_zero_gradient(gradient: tuple[sp.Expr, ...], scale: float) -> bool:
    for g in gradient:
        if g.is_zero:
            continue
        tolerance = ZERO_TOLERANCE * scale if g.has(sp.Float) else 1e-25   # exact: 30 digits say it is 0
        if abs(float(g)) <= tolerance:
            continue
        return False
    return True


def _exact_eigenvalues(matrix, values: np.ndarray) -> tuple[sp.Expr | None, ...]:
    """Closed forms of the eigenvalues, matched to the sorted floats; all None if any is not found."""
    n = len(matrix)
    nothing = (None,) * n
    if any(h.has(sp.Float) for row in matrix for h in row):
        return nothing
    if n == 1:
        found = [matrix[0][0]]
    elif n == 2:    # the quadratic formula directly: eigenvals + simplify take ~0.4 s on entries like sin(1/2)
        (a, b), (c, d) = matrix
        mean, radius = (a + d) / 2, sp.sqrt(((a - d) / 2) ** 2 + ((b + c) / 2) ** 2)
        found = [mean - radius, mean + radius]
    elif n <= MAX_EXACT_EIGEN and all(h.is_Rational for row in matrix for h in row):
        found = bounded(lambda: sp.Matrix(matrix).eigenvals(multiple=True), seconds=0.3)
    else:
        return nothing
    if not found or len(found) != n:
        return nothing
    roots = []
    for root in found:
        number = real_value(root)
        if number is None or not is_closed_form(root):
            return nothing
        roots.append((number, root))
    roots.sort(key=lambda pair: pair[0])
    if not np.allclose([r[0] for r in roots], values, rtol=1e-8, atol=1e-10):
        return nothing
    return tuple(r[1] for r in roots)


# --- critical points in a box --------------------------------------------------------------------------------

@dataclass(frozen=True)
class CriticalPointsInBox:
    """∇f = 0 in the box, each point with its Hessian and kind; exact when every point came from SymPy's solve."""

    expression: sp.Expr
    variables: tuple[sp.Symbol, ...]
    box: tuple[tuple[float, float], ...]
    points: tuple[HessianAtPoint, ...]
    exact: bool
    notes: tuple[str, ...] = ()


def critical_points_in_box(expr: sp.Expr, variables: Sequence[sp.Symbol],
                           box: Sequence[tuple[float, float]]) -> CriticalPointsInBox:
    """Where ∇f = 0 inside the box (one (low, high) per variable; 1 to 3 variables): SymPy's solutions when it
    solves the system quickly, plus Newton's method from a grid of starts (deduplicated), each classified."""
    variables = tuple(variables)
    box = tuple((float(lo), float(hi)) for lo, hi in box)
    if not 1 <= len(variables) <= 3 or len(box) != len(variables):
        raise ValueError("critical points in a box need 1 to 3 variables and one range per variable")
    for lo, hi in box:
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError("each range needs two finite numbers, low < high")
    others = sorted(s.name for s in expr.free_symbols if s not in variables)
    if others:
        raise ValueError(f"give {', '.join(others)} a value first")
    gradient = [plain_diff(expr, v) for v in variables]
    notes: list[str] = []
    exact_points = _solve_exactly(gradient, variables, box, notes)
    if exact_points is CURVE:
        return CriticalPointsInBox(expr, variables, box, (), True, tuple(notes))
    size = max(hi - lo for lo, hi in box)
    points: list[HessianAtPoint] = []
    for p in exact_points or []:
        try:
            points.append(hessian_at(expr, variables, p))
        except ValueError:
            continue
    # SymPy's solutions of a polynomial system are complete; elsewhere (sin x cos y) solve misses some, so Newton
    # looks too. (Newton alone would also meet float underflow: x^1000's gradient is 0.0 for |x| < 0.5.)
    complete = exact_points is not None and all(g.is_polynomial(*variables) for g in gradient)
    newton = _newton(expr, variables, gradient, box) if not complete else _NewtonResult([], [], 1.0)
    extra = spread = 0
    for p in newton.points:
        if any(_distance(p, q.point_values) <= 1e-6 * size for q in points):
            continue
        try:
            point = hessian_at(expr, variables, [sp.Float(c) for c in p])
        except ValueError:
            continue
        if not point.critical:
            continue
        if not _isolated(point, newton, size):
            spread += 1
            continue
        points.append(point)
        extra += 1
    if spread:
        notes.append("∇f = 0 on whole lines or regions of the box: those points are not isolated and not listed")
    points.sort(key=lambda q: q.point_values)
    if len(points) > MAX_POINTS:
        notes.append(f"only the first {MAX_POINTS} of {len(points)} critical points are listed")
    return CriticalPointsInBox(expr, variables, box, tuple(points[:MAX_POINTS]),
                               exact_points is not None and extra == 0, tuple(notes))


def _distance(p: Sequence[float], q: Sequence[float]) -> float:
    return max(abs(a - b) for a, b in zip(p, q, strict=True))


def _inside(values: Sequence[float], box) -> bool:
    return all(lo - 1e-12 * max(1.0, abs(lo)) <= v <= hi + 1e-12 * max(1.0, abs(hi))
               for v, (lo, hi) in zip(values, box, strict=True))


CURVE: list = []    # _solve_exactly's answer when ∇f = 0 on a whole curve (x = y for (x - y)^2)


def _solve_exactly(gradient, variables, box, notes: list[str]) -> list[tuple[sp.Expr, ...]] | None:
    """SymPy's real solutions of ∇f = 0 inside the box, None when it cannot give them quickly, CURVE when
    they are not isolated points."""
    if any(tree_size(g, 200) > 200 for g in gradient):
        return None
    seconds = 2 * max(solve_seconds(g) for g in gradient)
    solutions = bounded(lambda: sp.solve(gradient, variables, dict=True), seconds=seconds)
    if solutions is None:
        return None
    points = []
    for solution in solutions:
        if len(solution) < len(variables) or any(v.free_symbols for v in solution.values()):
            curve = ", ".join(f"{k} = {v}" for k, v in solution.items()) or "everywhere"
            notes.append(f"the critical points are not isolated ({curve}): none are listed")
            return CURVE
        point = tuple(solution[v] for v in variables)
        values = [real_value(c) for c in point]
        if any(v is None for v in values):
            continue        # a complex solution
        if _inside(values, box):
            points.append(point)
    return points


@dataclass(frozen=True)
class _NewtonResult:
    points: list[tuple[float, ...]]
    gradient: list               # the compiled partial derivatives
    scale: float                 # a typical |∇f| in the box (the median over the starts)


def _newton(expr, variables, gradient, box) -> _NewtonResult:
    """Newton's method on ∇f = 0 from a grid of starts (pseudo-inverse: degenerate Hessians still step),
    all starts at once; the converged points inside the box, deduplicated."""
    n = len(variables)
    try:
        g = [compile_function(d, variables) for d in gradient]
        h = [[compile_function(plain_diff(d, v), variables) for v in variables] for d in gradient]
        f_numeric = compile_function(expr, variables)
    except (NotImplementedError, SyntaxError, TypeError, NameError) as error:     # no NumPy code for a part
        raise ValueError(f"the derivatives of f cannot be evaluated numerically ({type(error).__name__})") from None
    axes = [np.linspace(lo, hi, STARTS_PER_AXIS[n] + 2)[1:-1] for lo, hi in box]
    starts = np.array(list(itertools.product(*axes)))
    x = starts.T.copy()
    size = max(hi - lo for lo, hi in box)
    step = np.zeros_like(x)
    with np.errstate(all="ignore"):
        for _ in range(NEWTON_STEPS):
            grad = np.array([gi(*x) for gi in g])                              # (n, starts)
            hess = np.array([[hij(*x) for hij in row] for row in h])           # (n, n, starts)
            matrices = np.moveaxis(hess, -1, 0)
            bad = ~np.isfinite(grad).all(axis=0)
            flat = ~np.isfinite(matrices).all(axis=(1, 2))    # δ(u) at u = 0 (|u|^2's Hessian): stay put
            matrices[bad | flat] = 0.0
            step = np.einsum("kij,jk->ik", np.linalg.pinv(matrices), np.where(np.isfinite(grad), grad, 0.0))
            longest = np.abs(step).max(axis=0)
            step *= np.where(longest > size, size / np.maximum(longest, 1e-300), 1.0)  # no leaps to infinity
            x = np.where(bad, np.nan, x - step)
        grad = np.array([gi(*x) for gi in g])
        f = f_numeric(*x)
        typical = np.abs(np.array([gi(*starts.T) for gi in g])).max(axis=0)
    typical = typical[np.isfinite(typical)]
    scale = float(np.median(typical)) if typical.size else 1.0
    tolerance = 1e-8 * max(1.0, min(scale, 1e300))
    found = []
    for i in range(x.shape[1]):
        point = x[:, i]
        if not (np.isfinite(point).all() and np.isfinite(f[i]) and _inside(point, box)):
            continue
        # Still moving (x^1000 creeps to 0 by x/999 a step) or stuck where ∇f ≠ 0 (a flat Hessian): no point.
        if np.abs(step[:, i]).max() <= 1e-9 * size and np.abs(grad[:, i]).max() <= tolerance:
            found.append(tuple(float(c) for c in point))
    kept: list[tuple[float, ...]] = []
    for p in sorted(found):
        if all(_distance(p, q) > 1e-6 * size for q in kept):
            kept.append(p)
    return _NewtonResult(kept, g, scale)


def _isolated(point: HessianAtPoint, newton: _NewtonResult, size: float) -> bool:
    """False where ∇f stays 0 a step away along a flat eigen-direction: a line or region of critical points
    ((x - y)^2 along x = y, relu(x) + relu(y) on a quadrant), not a point."""
    if point.kind != DEGENERATE:
        return True
    centre = np.array(point.point_values)
    tolerance = 1e-12 * max(1.0, min(newton.scale, 1e300))
    with np.errstate(all="ignore"):
        for value, vector in zip(point.eigenvalues, point.eigenvectors, strict=True):
            if value != 0:
                continue
            for side in (1, -1):
                moved = centre + side * 1e-3 * size * np.array(vector)
                grad = np.array([float(gi(*moved)) for gi in newton.gradient])
                if np.isfinite(grad).all() and np.abs(grad).max() <= tolerance:
                    return False
    return True
