"""What the Derivatives tab calls things, as LaTeX and plain text: f(x), f′(x), ∂f/∂x, the axes and readouts.

Plain strings from plain arguments (no SymPy): the tab names its first view's curves before SymPy is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
