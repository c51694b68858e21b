"""The Derivatives tab's jobs, run in the worker process: derivative + simplify + LaTeX, and the steps.

Both take an already parsed SymPy expression and a variable name and return picklable results (SymPy
expressions, strings, frozen dataclasses, compiled NumericFunctions). They are two jobs, not one, so the
derivative shows as soon as it is known even when the step-by-step tree of a big expression takes longer (or
gives up). A third, `compile_plottable`, compiles a big f for plotting before its derivative is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from calclab.engine.calculus import (
    derivative,
    find_variable,
    successive_derivatives,
    to_latex,
    to_text,
    variables_of,
)
from calclab.engine.critical import CriticalAnalysis, critical_points
from calclab.engine.jobs.derivative_views import StepNode, StepsResult
from calclab.engine.numeric import NumericFunction, compile_function
from calclab.engine.solving import exact_number
from calclab.engine.steps import Step, derivation_steps, step_latex, steps_as_text
from calclab.engine.taylor import check_order as check_taylor_order

MAX_ORDER = 3


@dataclass(frozen=True)
class DerivativeResult:
    """f, its order-th derivative by `wrt` (simplified) and its first derivative (the tangent's slope)."""

    expression: sp.Expr
    wrt: sp.Symbol
    order: int
    variables: tuple[sp.Symbol, ...]   # f's variables by name, plus wrt if f lacks it
    derivative: sp.Expr
    first: sp.Expr
    expression_latex: str
    derivative_latex: str
    derivative_text: str               # SymPy text that plain sympify reads back (for "copy as text")
    simplified: bool = True            # False: simplify ran out of time, this is the raw derivative
    functions: tuple = ()              # plottable f, derivative and first compiled over `variables` (or ())

    @property
    def partial(self) -> bool:
        """Whether f has several variables, so the derivative is written ∂f/∂x."""
        return len(self.variables) > 1


def check_order(order: int) -> int:
    if not isinstance(order, int) or not 1 <= order <= MAX_ORDER:
        raise ValueError(f"the order must be between 1 and {MAX_ORDER}")
    return order


def differentiate(expr: sp.Expr, wrt_name: str, order: int = 1, simplify: bool = True) -> DerivativeResult:
    """The order-th derivative of expr by the variable called wrt_name (a partial if expr has several).

    simplify=False skips SymPy's simplify (the fallback when simplifying runs out of time): the derivative is
    then exactly what the differentiation rules produce.
    """
    check_order(order)
    wrt, variables = slice_variables(expr, wrt_name)
    if simplify:
        result = derivative(expr, wrt, order)
        first = result if order == 1 else derivative(expr, wrt, 1)
    else:
        result = sp.diff(expr, wrt, order)
        first = result if order == 1 else sp.diff(expr, wrt)
    try:   # lambdify here, not on the GUI thread (printing a long derivative's tree takes up to ~0.5 s)
        functions = tuple(compile_function(plottable(e), variables) for e in (expr, result, first))
    except (TypeError, SyntaxError, ValueError):
        functions = ()   # the tab compiles (and reports) it itself
    return DerivativeResult(expr, wrt, order, variables, result, first, to_latex(expr), to_latex(result),
                            to_text(result), simplify, functions)


def slice_variables(expr: sp.Expr, wrt_name: str) -> tuple[sp.Symbol, tuple[sp.Symbol, ...]]:
    """(wrt, every variable by name): what f and its derivatives are compiled over (wrt even if f lacks it)."""
    wrt = find_variable(wrt_name, expr)
    return wrt, tuple(sorted(set(variables_of(expr)) | {wrt}, key=lambda s: s.name))


def plottable(expr: sp.Expr) -> sp.Expr:
    """expr without DiracDelta, which NumPy cannot evaluate: it is 0 wherever it has a value (|x|'' = 2δ(x))."""
    return expr.replace(sp.DiracDelta, lambda *args: sp.S.Zero) if expr.has(sp.DiracDelta) else expr


@dataclass(frozen=True)
class CompiledCurve:
    """A long f compiled in the worker, so the GUI thread never lambdifies it."""

    function: NumericFunction


def compile_plottable(expr: sp.Expr, variables: tuple[sp.Symbol, ...]) -> CompiledCurve:
    """plottable(expr) compiled over variables. (Worker job: a long f is plotted without lambdify on the GUI
    thread, before its derivative is known.)"""
    return CompiledCurve(compile_function(plottable(expr), variables))


def derivation(expr: sp.Expr, wrt_name: str, order: int = 1, partial: bool | None = None) -> StepsResult:
    """The step-by-step derivation, with each step's CLI text and LaTeX (ValueError if too big to show)."""
    check_order(order)
    wrt = find_variable(wrt_name, expr)
    if partial is None:
        partial = len(set(variables_of(expr)) | {wrt}) > 1
    root = derivation_steps(expr, wrt, order)
    lines = steps_as_text(root)
    nodes = iter(_pairs(lines))
    return StepsResult(expr, wrt, order, _node(root, nodes, wrt if partial else None), tuple(lines))


def _pairs(lines: list[str]) -> list[tuple[str, str]]:
    """steps_as_text writes two lines per step, pre-order: the step, then its explanation in parentheses."""
    return [(lines[i].strip(), lines[i + 1].strip()[1:-1]) for i in range(0, len(lines) - 1, 2)]


def _node(step: Step, lines, partial_wrt: sp.Symbol | None) -> StepNode:
    line, explanation = next(lines)
    children = tuple(_node(sub, lines, partial_wrt) for sub in step.substeps)
    # The chain rule's outer step differentiates in its own letter u: an ordinary derivative, never partial.
    is_partial = partial_wrt is not None and step.wrt == partial_wrt
    return StepNode(step.rule, step.title, line, explanation, step_latex(step, partial=is_partial), step.result,
                    children)


# -- the wider tab: extra curves' derivative ladder, Taylor, critical points (issue 17) ----------------------

@dataclass(frozen=True)
class DerivativeLadder:
    """f, f′, …, f⁽ⁿ⁾ by `wrt`, compiled over `variables` (wrt and the parameters): the GUI evaluates them for
    the Taylor polynomial at any x0 and for critical points at any parameter values, without the worker."""

    expression: sp.Expr
    wrt: sp.Symbol
    variables: tuple[sp.Symbol, ...]
    functions: tuple[NumericFunction, ...]   # functions[k] is the k-th derivative (k = 0: f itself)

    @property
    def order(self) -> int:
        return len(self.functions) - 1


def derivative_ladder(expr: sp.Expr, wrt_name: str, up_to: int) -> DerivativeLadder:
    """f and its derivatives up to order `up_to` (0 … 10), each compiled (ValueError once one grows too large)."""
    check_taylor_order(up_to)
    wrt, variables = slice_variables(expr, wrt_name)
    exprs = [expr, *successive_derivatives(expr, wrt, up_to)]
    return DerivativeLadder(expr, wrt, variables, tuple(compile_function(plottable(e), variables) for e in exprs))


def critical_analysis(expr: sp.Expr, wrt_name: str, values: dict[str, float],
                      x_range: tuple[float, float]) -> CriticalAnalysis:
    """engine.critical.critical_points of f along wrt in x_range, every other name replaced by its value (as an
    exact rational, so a = 1 gives exact points; a name missing from values counts as 1, the tab's default)."""
    wrt = find_variable(wrt_name, expr)
    at = {s: exact_number(values.get(s.name, 1.0)) for s in expr.free_symbols if s != wrt}
    return critical_points(expr.subs(at) if at else expr, wrt, x_range)
