"""The Descent tab's job: f's symbolic facts, prepared in the worker; and their numeric use on the GUI side.

`prepare` is the worker's job (gradient, Hessian, is f quadratic?, everything lambdified there: NumericFunction
pickles as its generated source) and `Prepared` its result. `compile_prepared` wraps those functions for the
stepper and `build_runs` makes the engine's runs from a DescentState: cheap, Qt-free, run on the GUI thread.
The Hessian itself (symbolic, or central differences of the gradient for a huge f) is calclab.engine.hessian's,
the one `calclab descent` uses too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

from calclab.engine.calculus import gradient, variables_of
from calclab.engine.descent import Descent
from calclab.engine.hessian import (
    HESSIAN_MAX_GRADIENT_NODES,
    PointHessian,
    compile_entries,
    constant_entries,
    difference_hessian,
    hessian_entries,
)
from calclab.engine.numeric import NumericFunction, compile_function

if TYPE_CHECKING:
    from calclab.state.descent import DescentState

__all__ = ["HESSIAN_MAX_GRADIENT_NODES", "Compiled", "Prepared", "build_runs", "compile_prepared",
           "difference_hessian", "prepare"]


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

    @property
    def hessian_by_differences(self) -> bool:
        """True when the Hessian is taken by central differences of the gradient (f too big for a symbolic one)."""
        return not self.hessian


def prepare(expr: sp.Expr) -> Prepared:
    """Gradient and Hessian of expr over its variables (in name order); the Hessian as numbers if constant."""
    variables = tuple(variables_of(expr))
    if not 1 <= len(variables) <= 2:
        raise ValueError(f"descent here needs a function of one or two variables; this one has {len(variables)}")
    grad = tuple(gradient(expr, list(variables)))
    rows = hessian_entries(expr, variables, grad)
    return Prepared(expr, variables, grad, rows, constant_entries(rows), *_compile(expr, variables, grad, rows))


def _compile(expr: sp.Expr, variables: tuple[sp.Symbol, ...], grad: tuple[sp.Expr, ...],
             rows: tuple[tuple[sp.Expr, ...], ...]) -> tuple:
    """f, its partials and its Hessian entries as NumericFunctions (lambdify refusing one is the user's error)."""
    try:
        return (compile_function(expr, variables), tuple(compile_function(g, variables) for g in grad),
                compile_entries(rows, variables))
    except (TypeError, SyntaxError) as exc:
        raise ValueError(f"cannot evaluate f: {exc}") from exc


@dataclass
class Compiled:
    """NumPy callables for one prepared function: the descent stepper's f and grad, and a grid evaluator."""

    prepared: Prepared
    value: Callable[[np.ndarray], float]        # f(point)
    grad: Callable[[np.ndarray], np.ndarray]    # grad f(point)
    grid: Callable[..., np.ndarray]             # f(*arrays) for curves and contour images
    hessian: PointHessian                       # the Hessian at a point; .by_differences says how it is taken

    def hessian_at(self, point: np.ndarray) -> np.ndarray:
        """The Hessian at `point` (may raise f's arithmetic errors)."""
        return self.hessian(point)

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.prepared.variables]

    @property
    def dimension(self) -> int:
        return len(self.prepared.variables)

    def hessian_near(self, point: np.ndarray) -> np.ndarray | None:
        """The Hessian: exact if f is quadratic, else at `point` (None where it is not defined)."""
        return self.hessian.near(point)


def build_runs(compiled: Compiled, state: DescentState, start: Sequence[float]) -> list[tuple[str, Descent]]:
    """One Descent per optimizer the state runs, the primary first, all from `start` on the same f, sharing the
    state's schedule (Newton's method gets the Hessian and ignores the rate).

    Raises ValueError with the engine's one-line message (e.g. f not defined at the start point).
    """
    return [(name, Descent(compiled.value, compiled.grad, list(start), hessian=compiled.hessian,
                           **state.run_options(name)))
            for name in state.optimizers()]


def compile_prepared(prepared: Prepared) -> Compiled:
    """The stepper's f and grad (and the Hessian) over the functions `prepare` compiled in the worker."""
    f, partials = prepared.function, prepared.gradient_functions
    entries = prepared.hessian_functions

    def value(point: np.ndarray) -> float:
        return f.at_point(*point)

    def grad(point: np.ndarray) -> np.ndarray:
        return np.array([p.at_point(*point) for p in partials])

    return Compiled(prepared, value, grad, f, PointHessian(entries, grad, prepared.constant_hessian))
