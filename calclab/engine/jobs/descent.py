"""The Descent tab's job: f's symbolic facts, prepared in the worker; and their numeric use on the GUI side.

`prepare` is the worker's job (gradient, Hessian, is f quadratic?, everything lambdified there: NumericFunction
pickles as its generated source) and `Prepared` its result. `compile_prepared` wraps those functions for the
stepper and `build_runs` makes the engine's runs from a DescentState: cheap, Qt-free, run on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

from calclab.engine.calculus import gradient, hessian, tree_size, variables_of
from calclab.engine.descent import Descent
from calclab.engine.numeric import NumericFunction, compile_function

if TYPE_CHECKING:
    from calclab.state.descent import DescentState

# The Hessian only feeds the stable-learning-rate hint, but a deep nest's is huge: for sigmoid nested 30 deep
# SymPy took ~1 s to build it (sin nested 60 deep: past the worker's 2 s budget) and lambdify 1.8-3 s to compile
# its 525 kB of code on the GUI thread, freezing the window (issue 10). Past this many nodes in the gradient, the
# Hessian is taken by central differences of the compiled gradient instead.
HESSIAN_MAX_GRADIENT_NODES = 400


@dataclass(frozen=True)
class Prepared:
    """The symbolic facts about f that descent needs (all picklable)."""

    expression: sp.Expr
    variables: tuple[sp.Symbol, ...]
    gradient: tuple[sp.Expr, ...]
    hessian: tuple[tuple[sp.Expr, ...], ...]   # () when too big to build: differences of the gradient instead
    constant_hessian: tuple[tuple[float, ...], ...] | None   # set when f is (at most) quadratic
    function: NumericFunction                                  # f, and below its partials and Hessian entries,
    gradient_functions: tuple[NumericFunction, ...]            # compiled in the worker
    hessian_functions: tuple[tuple[NumericFunction, ...], ...]


def prepare(expr: sp.Expr) -> Prepared:
    """Gradient and Hessian of expr over its variables (in name order); the Hessian as numbers if constant."""
    variables = tuple(variables_of(expr))
    if not 1 <= len(variables) <= 2:
        raise ValueError(f"descent here needs a function of one or two variables; this one has {len(variables)}")
    grad = tuple(gradient(expr, list(variables)))
    if sum(tree_size(g, HESSIAN_MAX_GRADIENT_NODES) for g in grad) > HESSIAN_MAX_GRADIENT_NODES:
        return Prepared(expr, variables, grad, (), None, *_compile(expr, variables, grad, ()))
    matrix = hessian(expr, list(variables))
    rows = tuple(tuple(matrix[i, j] for j in range(len(variables))) for i in range(len(variables)))
    constant = None
    if all(not entry.free_symbols for row in rows for entry in row):
        try:
            numbers = tuple(tuple(float(entry) for entry in row) for row in rows)
        except (TypeError, ValueError):
            numbers = None
        if numbers is not None and np.all(np.isfinite(numbers)):
            constant = numbers
    return Prepared(expr, variables, grad, rows, constant, *_compile(expr, variables, grad, rows))


def _compile(expr: sp.Expr, variables: tuple[sp.Symbol, ...], grad: tuple[sp.Expr, ...],
             rows: tuple[tuple[sp.Expr, ...], ...]) -> tuple:
    """f, its partials and its Hessian entries as NumericFunctions (lambdify refusing one is the user's error)."""
    try:
        return (compile_function(expr, variables), tuple(compile_function(g, variables) for g in grad),
                tuple(tuple(compile_function(h, variables) for h in row) for row in rows))
    except (TypeError, SyntaxError) as exc:
        raise ValueError(f"cannot evaluate f: {exc}") from exc


def _difference_hessian(grad: Callable[[np.ndarray], np.ndarray], point: np.ndarray) -> np.ndarray:
    """Central differences of the gradient, symmetrised: the Hessian without a symbolic one."""
    point = np.asarray(point, dtype=float)
    columns = []
    for i in range(point.size):
        step = 1e-5 * max(1.0, abs(point[i]))
        up, down = point.copy(), point.copy()
        up[i] += step
        down[i] -= step
        columns.append((grad(up) - grad(down)) / (2 * step))
    matrix = np.column_stack(columns)
    return (matrix + matrix.T) / 2


@dataclass
class Compiled:
    """NumPy callables for one prepared function: the descent stepper's f and grad, and a grid evaluator."""

    prepared: Prepared
    value: Callable[[np.ndarray], float]        # f(point)
    grad: Callable[[np.ndarray], np.ndarray]    # grad f(point)
    grid: Callable[..., np.ndarray]             # f(*arrays) for curves and contour images
    hessian_at: Callable[[np.ndarray], np.ndarray]

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.prepared.variables]

    @property
    def dimension(self) -> int:
        return len(self.prepared.variables)

    def hessian_near(self, point: np.ndarray) -> np.ndarray | None:
        """The Hessian: exact if f is quadratic, else at `point` (None where it is not defined)."""
        if self.prepared.constant_hessian is not None:
            return np.array(self.prepared.constant_hessian, dtype=float)
        with np.errstate(all="ignore"):
            try:
                return self.hessian_at(point)
            except (ArithmeticError, ValueError, TypeError):
                return None


def build_runs(compiled: Compiled, state: DescentState, start: Sequence[float]) -> list[tuple[str, Descent]]:
    """One Descent per optimizer the state runs, the primary first, all from `start` on the same f.

    Raises ValueError with the engine's one-line message (e.g. f not defined at the start point).
    """
    return [(name, Descent(compiled.value, compiled.grad, list(start), optimizer=name, lr=state.lr_for(name),
                           epochs=state.epochs, tolerance=state.tolerance, **state.hyper(name)))
            for name in state.optimizers()]


def compile_prepared(prepared: Prepared) -> Compiled:
    """The stepper's f and grad (and the Hessian) over the functions `prepare` compiled in the worker."""
    f, partials = prepared.function, prepared.gradient_functions
    entries = prepared.hessian_functions

    def value(point: np.ndarray) -> float:
        return float(f(*point))

    def grad(point: np.ndarray) -> np.ndarray:
        return np.array([float(p(*point)) for p in partials])

    def hessian_at(point: np.ndarray) -> np.ndarray:
        if not entries:
            return _difference_hessian(grad, point)
        return np.array([[float(h(*point)) for h in row] for row in entries])

    return Compiled(prepared, value, grad, f, hessian_at)
