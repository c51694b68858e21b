"""The Gradients tab's worker job: f's symbolic gradient, typeset and compiled, in one typed result.

Runs in the worker process because SymPy's simplify may be slow and lambdify of a long expression takes up to
about 0.5 s; the GUI thread receives the compiled NumPy functions ready to evaluate. SymPy is imported only when
the job runs, so importing this module (the tab does, to name the job) stays light.
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


def symbolic_gradient(expr: object) -> GradientResult:
    """The gradient of expr with everything the tab typesets and plots (no variables: an empty gradient)."""
    import sympy as sp

    from calclab.engine.calculus import gradient, to_latex, variables_of
    from calclab.engine.numeric import compile_function

    variables = variables_of(expr)
    partials = gradient(expr, variables) if variables else []
    function, partial_functions = None, ()
    if variables:
        function = compile_function(expr, variables)
        partial_functions = tuple(compile_function(p, variables) for p in partials)
    return GradientResult(expr, tuple(variables), tuple(partials), tuple(to_latex(p) for p in partials),
                          tuple(sp.latex(v) for v in variables), to_latex(expr), function, partial_functions)
