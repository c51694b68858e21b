"""The Hessian of f for descent: symbolic where that is cheap, central differences of the gradient where not.

One place for the command line (Newton's method in `calclab descent`) and the Descent tab (its worker builds the
entries, the GUI side evaluates them): ``hessian_entries`` builds the symbolic entries (or none, for a huge
gradient), ``PointHessian`` evaluates them at a point and says whether it is computed by differences, and
``point_hessian`` does both in one call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from calclab.engine.calculus import gradient, hessian, tree_size
from calclab.engine.numeric import NumericFunction, compile_function

__all__ = ["HESSIAN_MAX_GRADIENT_NODES", "PointHessian", "constant_entries", "difference_hessian",
           "hessian_entries", "point_hessian"]

# The Hessian of a deep nest is huge: for sigmoid nested 30 deep SymPy took ~1 s to build it (sin nested 60 deep:
# past the worker's 2 s budget) and lambdify 1.8-3 s to compile its 525 kB of code on the GUI thread, freezing the
# window (issue 10). Past this many nodes in the gradient, the Hessian is taken by central differences of the
# compiled gradient instead.
HESSIAN_MAX_GRADIENT_NODES = 400

Rows = tuple[tuple[sp.Expr, ...], ...]


def hessian_entries(expr: sp.Expr, variables: Sequence[sp.Symbol],
                    grad: Sequence[sp.Expr] | None = None) -> Rows:
    """The symbolic Hessian as rows of entries, or () when the gradient is too big (use differences then)."""
    variables = list(variables)
    grad = list(gradient(expr, variables) if grad is None else grad)
    if sum(tree_size(g, HESSIAN_MAX_GRADIENT_NODES) for g in grad) > HESSIAN_MAX_GRADIENT_NODES:
        return ()
    matrix = hessian(expr, variables)
    return tuple(tuple(matrix[i, j] for j in range(len(variables))) for i in range(len(variables)))


def constant_entries(rows: Rows) -> tuple[tuple[float, ...], ...] | None:
    """The Hessian as numbers when no entry depends on a variable (f is at most quadratic), else None."""
    if not rows or any(entry.free_symbols for row in rows for entry in row):
        return None
    try:
        numbers = tuple(tuple(float(entry) for entry in row) for row in rows)
    except (TypeError, ValueError):
        return None
    return numbers if np.all(np.isfinite(numbers)) else None


def difference_hessian(grad: Callable[[np.ndarray], np.ndarray], point: np.ndarray) -> np.ndarray:
    """Central differences of the gradient, symmetrised: the Hessian without a symbolic one."""
    point = np.asarray(point, dtype=float)
    columns = []
    for i in range(point.size):
        step = 1e-5 * max(1.0, abs(point[i]))
        up, down = point.copy(), point.copy()
        up[i] += step
        down[i] -= step
        columns.append((np.asarray(grad(up), dtype=float) - np.asarray(grad(down), dtype=float)) / (2 * step))
    matrix = np.column_stack(columns)
    return (matrix + matrix.T) / 2


@dataclass(frozen=True)
class PointHessian:
    """f's Hessian as a function of a point (1-D array in, n x n array out).

    ``entries`` are the compiled symbolic entries; empty means central differences of ``grad``
    (``by_differences``). ``constant`` holds the numbers when f is at most quadratic.
    """

    entries: tuple[tuple[NumericFunction, ...], ...]
    grad: Callable[[np.ndarray], np.ndarray]
    constant: tuple[tuple[float, ...], ...] | None = None

    @property
    def by_differences(self) -> bool:
        """True when the Hessian is computed by central differences of the gradient, not symbolically."""
        return not self.entries and self.constant is None

    def __call__(self, point: np.ndarray) -> np.ndarray:
        """The Hessian at `point` (may raise the arithmetic errors f's functions raise)."""
        if self.constant is not None:
            return np.array(self.constant, dtype=float)
        point = np.asarray(point, dtype=float)
        if not self.entries:
            return difference_hessian(self.grad, point)
        return np.array([[float(h(*point)) for h in row] for row in self.entries])

    def near(self, point: np.ndarray) -> np.ndarray | None:
        """The Hessian at `point`, or None where it is not defined (errors and warnings silenced)."""
        with np.errstate(all="ignore"):
            try:
                return self(point)
            except (ArithmeticError, ValueError, TypeError):
                return None


def compile_entries(rows: Rows, variables: Sequence[sp.Symbol]) -> tuple[tuple[NumericFunction, ...], ...]:
    """The entries compiled for NumPy (raises TypeError / SyntaxError where lambdify refuses one)."""
    return tuple(tuple(compile_function(h, variables) for h in row) for row in rows)


def point_hessian(expr: sp.Expr, variables: Sequence[sp.Symbol],
                  grad: Callable[[np.ndarray], np.ndarray]) -> PointHessian:
    """f's Hessian over `variables` for a stepper: symbolic if cheap, else differences of `grad` (f's compiled
    gradient, a point in and the partials out)."""
    rows = hessian_entries(expr, variables)
    constant = constant_entries(rows)
    try:
        entries = () if constant is not None else compile_entries(rows, variables)
    except (TypeError, SyntaxError) as exc:
        raise ValueError(f"cannot evaluate the Hessian of f: {exc}") from exc
    return PointHessian(entries, grad, constant)
