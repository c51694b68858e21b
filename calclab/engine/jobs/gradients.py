"""The Gradients tab's worker jobs: f's symbolic gradient and Hessian, typeset and compiled, in one typed result;
and the critical points of f(x, y) in the visible rectangle, each classified.

Run in the worker process because SymPy's simplify and solve may be slow and lambdify of a long expression takes
up to about 0.5 s; the GUI thread receives the compiled NumPy functions ready to evaluate. SymPy is imported only
when a job runs, so importing this module (the tab does, to name the jobs) stays light.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GradientResult:
    """f's variables (by name), its partial derivatives and their LaTeX: what the tab shows and compiles."""

    expression: object            # sympy.Expr
    variables: tuple              # sympy Symbols, sorted by name
    partials: tuple               # sympy Exprs, one per variable
    latex: tuple[str, ...]        # LaTeX of each partial
    variable_latex: tuple[str, ...]
    expression_latex: str
    function: object = None       # NumericFunction of f over the variables, compiled in the worker
    partial_functions: tuple = ()  # NumericFunction of each partial
    hessian_functions: tuple = ()  # rows of NumericFunctions of its entries; () means: central differences


def symbolic_gradient(expr: object) -> GradientResult:
    """The gradient of expr with everything the tab typesets and plots (no variables: an empty gradient), and
    its Hessian's entries compiled (where that is cheap; else the tab takes central differences of the gradient)."""
    import sympy as sp

    from calclab.engine.calculus import gradient, to_latex, variables_of
    from calclab.engine.hessian import compile_entries, hessian_entries
    from calclab.engine.numeric import compile_function

    variables = variables_of(expr)
    partials = gradient(expr, variables) if variables else []
    function, partial_functions, hessian_functions = None, (), ()
    if variables:
        function = compile_function(expr, variables)
        partial_functions = tuple(compile_function(p, variables) for p in partials)
        rows = hessian_entries(expr, variables, partials)
        try:
            hessian_functions = compile_entries(rows, variables)
        except (TypeError, SyntaxError):   # no NumPy code for an entry: the tab takes differences instead
            hessian_functions = ()
    return GradientResult(expr, tuple(variables), tuple(partials), tuple(to_latex(p) for p in partials),
                          tuple(sp.latex(v) for v in variables), to_latex(expr), function, partial_functions,
                          hessian_functions)


@dataclass(frozen=True)
class CriticalMark:
    """One critical point of f(x, y) as the map marks it."""

    x: float
    y: float
    kind: str                     # calclab.engine.curvature's MINIMUM, MAXIMUM, SADDLE or DEGENERATE
    f: float


@dataclass(frozen=True)
class CriticalMarks:
    """The critical points found in `box` ((x0, x1), (y0, y1)), and what the search has to say about them."""

    box: tuple[tuple[float, float], tuple[float, float]]
    points: tuple[CriticalMark, ...]
    notes: tuple[str, ...] = ()


def critical_points_in_view(expr: object, variables: tuple, box: tuple) -> CriticalMarks:
    """Where ∇f = 0 in the rectangle `box` for f of the two `variables` (x across, y up), each classified by its
    Hessian (calclab.engine.curvature: exact where SymPy solves ∇f = 0, Newton's method from a grid otherwise)."""
    from calclab.engine.curvature import critical_points_in_box

    found = critical_points_in_box(expr, variables, box)
    points = tuple(CriticalMark(*p.point_values, p.kind, p.f_value) for p in found.points)
    return CriticalMarks(tuple(tuple(float(v) for v in side) for side in box), points, found.notes)
