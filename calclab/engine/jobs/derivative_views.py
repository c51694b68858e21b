"""What the Derivatives tab shows, as plain data: its names for things (f(x), f′(x), ∂f/∂x, axes, readouts) and the
steps' tree. No SymPy here: the tab's shipped first view is drawn with these before SymPy is loaded (a step's
`result` and a derivation's expression are SymPy objects once the worker made them, None in that first view).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sympy as sp

    from calclab.engine.jobs.derivatives import DerivativeResult


def derivative_label(wrt: str, order: int, partial: bool, variables: tuple[str, ...] = ()) -> str:
    """LaTeX for the left-hand side: f'(x), f''(x), f'''(x), or ∂f/∂x, ∂²f/∂x²."""
    if partial:
        power = "" if order == 1 else f"^{{{order}}}"
        return rf"\frac{{\partial{power} f}}{{\partial {wrt}{power}}}"
    primes = r"\prime" * order
    return rf"f^{{{primes}}}\left({wrt}\right)"


def function_label(variables: tuple[str, ...]) -> str:
    """LaTeX for f(x) or f(x, y)."""
    return rf"f\left({', '.join(variables) or 'x'}\right)"


@dataclass(frozen=True)
class CurveNames:
    """What the Derivatives tab calls things for one result: axes, legend and readout captions."""

    variable: str          # the one differentiated by (the plot's x axis)
    point: str             # x₀, or y₀ when differentiating by y
    value_axis: str        # y, or f when y is one of f's variables ("y = 2x + 3" would be ambiguous)
    function: str          # f(x, y), y = 2 (with the held values)
    derivative: str        # f′(x), ∂f/∂x, ...
    value_at_point: str    # f(x₀), or f at x₀ for a partial
    slope_at_point: str    # f′(x₀), ∂f/∂x at x₀
    higher_at_point: str   # the order-th derivative at the point ("" for order 1)


def curve_names(result: DerivativeResult, held_value) -> CurveNames:
    """Names for `result`; held_value(name) is the value a variable other than the one differentiated by has."""
    names = tuple(v.name for v in result.variables)
    wrt = result.wrt.name
    point = f"{wrt}₀"
    function = f"f({', '.join(names)})"
    held = [f"{n} = {held_value(n):g}" for n in names if n != wrt]
    if len(held) == 1:
        function += f", {held[0]}"
    elif held:   # parameters: their values are on the sliders; a legend naming them all outgrew the plot
        function = f"f({wrt}; {', '.join(n for n in names if n != wrt)})"

    def at_point(order: int) -> str:
        name = derivative_label_text(wrt, order, result.partial)
        return f"{name} at {point}" if result.partial else name.replace(f"({wrt})", f"({point})")

    return CurveNames(wrt, point, "f" if "y" in names else "y", function,
                      derivative_label_text(wrt, result.order, result.partial),
                      f"f at {point}" if result.partial else f"f({point})", at_point(1),
                      "" if result.order == 1 else at_point(result.order))


def derivative_label_text(wrt: str, order: int, partial: bool) -> str:
    """Plain text for legends and readouts: f′(x), f″(x), f‴(x), ∂f/∂x, ∂²f/∂x²."""
    if partial:
        power = {1: "", 2: "²", 3: "³"}[order]
        return f"∂{power}f/∂{wrt}{power}"
    return f"f{'′″‴'[order - 1]}({wrt})"


@dataclass(frozen=True)
class StepNode:
    """One rule of the derivation as the tab shows it: the CLI's line, its explanation and LaTeX, its substeps."""

    rule: str
    title: str
    line: str              # "Power rule: d/dx[x^2] = 2*x" exactly as `calclab derive --steps` prints it
    explanation: str
    latex: str             # d/dx[expr] = formula = result, typeset
    result: sp.Expr
    children: tuple[StepNode, ...] = ()

    def walk(self):
        """This node and all below it, in the order the CLI prints them."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class StepsResult:
    expression: sp.Expr
    wrt: sp.Symbol
    order: int
    root: StepNode
    lines: tuple[str, ...]  # steps_as_text(root step): the CLI's output
