"""The Chain Rule tab's symbolic work: a composite peeled into typeset steps, checked against the direct derivative.

Built on calculus.decompose_chain / compose_chain. What this adds is presentation that SymPy fights: the product
of the factors written as the learner writes it, 2(2x + 3) · 2, before it is simplified to 8x + 12 (SymPy
distributes 2*(2x+3)*2 on sight, so each factor keeps its inner function held unevaluated and the factors are
joined with \\cdot). `analyse_composite` / `analyse_parts` run in the worker process (they simplify);
`ChainNumbers` evaluates a chain at any point (compiled once; engine.jobs.chain_rule compiles it in the worker). No Qt.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import sympy as sp

from calclab.engine.calculus import (
    Chain,
    NotCompositeError,
    compose_chain,
    decompose_chain,
    single_variable,
    to_latex,
)
from calclab.engine.graph_steps import plain
from calclab.engine.numeric import compile_function

NUDGE = 1e-3          # the "small change in x" the tab follows through the chain
FD_STEP = 1e-5        # central finite-difference step for the independent check


class _Held(sp.UnevaluatedExpr):
    """An inner function kept whole inside a factor, so 2u with u = 2x + 3 prints 2(2x + 3), not 4x + 6.

    Commutative (UnevaluatedExpr is not), so 1/u still prints as a fraction.
    """

    is_commutative = True


@dataclass(frozen=True)
class ChainStep:
    """One typeset line of the derivation: what it is (plain words) and the maths (LaTeX)."""

    label: str
    latex: str


@dataclass(frozen=True)
class ChainAnalysis:
    """Everything the tab shows about one composite. `message` is set (and `chain` may be None) when the
    expression is not a composite at the top; `steps` then holds only the direct derivative."""

    expression: sp.Expr
    variable: sp.Symbol
    chain: Chain | None
    message: str                       # "" for a composite; else why the chain rule does not apply here
    steps: tuple[ChainStep, ...]
    product_latex: str                 # the factors as written: 2(2x + 3) · 2
    derivative: sp.Expr                # the chain-rule result, simplified
    direct: sp.Expr                    # d/dx computed directly (without the peeled links)
    agrees: bool                       # derivative == direct (symbolically, or numerically at many points)
    check: str                         # one line for the user, starting with ✓ or ✗
    inner: sp.Expr | None              # the inner function g(x) (the outermost link's input, in x)
    inner_derivative: sp.Expr | None
    names: tuple[str, ...]             # display names of the link symbols, outermost first, then x

    @property
    def is_composite(self) -> bool:
        return self.chain is not None and not self.message


def analyse_composite(expr: sp.Expr) -> ChainAnalysis:
    """Peel a composite typed as one expression; the lesson's f/g notation for two links. (Worker job.)"""
    variable = single_variable(expr)
    direct = _tidy(sp.diff(expr, variable))
    try:
        chain = decompose_chain(expr, variable)
    except NotCompositeError as exc:
        return _not_composite(expr, variable, direct, str(exc).replace(str(expr), _plain(expr), 1))
    if len(chain.links) < 2:
        message = (f"{_plain(expr)} has no inner function to peel (its argument is {variable.name} itself): "
                   "differentiate it directly, no chain rule needed")
        return _not_composite(expr, variable, direct, message, chain)
    return _analyse(chain, direct, lesson_names=True)


def analyse_parts(outer: sp.Expr, inner: sp.Expr, outer_variable: str = "u") -> ChainAnalysis:
    """The chain y = outer(u), u = inner(x) from two typed functions. (Worker job.)"""
    if any(s.name == outer_variable for s in inner.free_symbols):
        raise ValueError(f"write the inner function in x, not {outer_variable} ({outer_variable} is the outer "
                         "function's variable)")
    chain = compose_chain(outer, inner, outer_variable)
    return _analyse(chain, _tidy(sp.diff(chain.expression, chain.variable)), lesson_names=False)


def _plain(expr: sp.Expr) -> str:
    return plain(expr, limit=80)   # the check line wraps in a narrow panel: the typeset Check step has it all


def _not_composite(expr: sp.Expr, variable: sp.Symbol, direct: sp.Expr, message: str,
                   chain: Chain | None = None) -> ChainAnalysis:
    x = variable.name
    steps = (ChainStep("Direct derivative", rf"\frac{{d}}{{d{x}}}\left[{to_latex(expr)}\right] = {to_latex(direct)}"),)
    return ChainAnalysis(expr, variable, chain, message, steps, "", direct, direct, True, "", None, None,
                         (x,))


def _analyse(chain: Chain, direct: sp.Expr, lesson_names: bool) -> ChainAnalysis:
    x = chain.variable
    result = _tidy(chain.product())
    agrees = _same_function(result, direct, x)
    names = _display_names(chain, lesson_names)
    rename = {link.input: sp.Symbol(name, real=True) for link, name in zip(chain.links[:-1], names[1:], strict=False)}
    factors = [_held_factor(link.derivative, link.input, value)
               for link, value in zip(chain.links, chain.inner_values(), strict=True)]
    product = r" \cdot ".join(_factor_latex(f, first=i == 0) for i, f in enumerate(factors))
    expression_latex = to_latex(chain.expression)
    if _lesson_layout(chain):
        steps = _lesson_steps(chain, rename, names, product, result)
    else:
        steps = _leibniz_steps(chain, rename, names, product, result)
    mark = "✓ equals" if agrees else "✗ differs from"
    check = f"{mark} the direct derivative d/d{x.name} [{_plain(chain.expression)}] = {_plain(direct)}, " \
            "computed separately"
    steps += (ChainStep("Check", rf"\frac{{d}}{{d{x.name}}}\left[{expression_latex}\right] = {to_latex(direct)}"),)
    inner = chain.inner_values()[0]   # the outermost link's input, written in x
    return ChainAnalysis(chain.expression, x, chain, "", steps, product, result, direct, agrees, check,
                         inner, _tidy(sp.diff(inner, x)), names)


def _display_names(chain: Chain, lesson_names: bool) -> tuple[str, ...]:
    """The quantity at each level, outermost first, then the variable: ('y', 'g', 'x') or ('y', 'u', 'v', 'x').

    Two links read as the lesson does, y = f(g) with g = g(x); typed separately, the outer function keeps
    the learner's u. A variable called f or g would clash with that notation: then y, u, ... throughout.
    """
    if _lesson_layout(chain):
        middle = "g" if lesson_names else chain.links[0].input.name
        return ("y", middle, chain.variable.name)
    return tuple(link.output.name for link in chain.links) + (chain.variable.name,)


def _lesson_layout(chain: Chain) -> bool:
    return len(chain.links) == 2 and chain.variable.name not in ("f", "g", "y", chain.links[0].input.name)


def _held_factor(local: sp.Expr, symbol: sp.Symbol, value: sp.Expr) -> sp.Expr:
    return local.subs(symbol, _Held(value)) if symbol != value else local


def _factor_latex(factor: sp.Expr, first: bool) -> str:
    latex = to_latex(factor)
    needs_brackets = factor.is_Add or (not first and factor.could_extract_minus_sign())
    return rf"\left({latex}\right)" if needs_brackets else latex


def _lesson_steps(chain: Chain, rename: dict, names: tuple[str, ...], product: str,
                  result: sp.Expr) -> tuple[ChainStep, ...]:
    """The lesson's layout: g(x) = 2x + 3, f(g) = g^2, f'(g) = 2g, g'(x) = 2, dy/dx = f'(g(x)) · g'(x) = ...

    The outer function is f and the inner g; f's argument is g when peeled (as the lesson writes it) or
    the learner's own u when typed separately.
    """
    outer, inner = chain.links
    _y, m, x = names
    return (
        ChainStep("Inner function", rf"g({x}) = {to_latex(inner.function)}"),
        ChainStep("Outer function", rf"f({m}) = {to_latex(outer.function.xreplace(rename))}"),
        ChainStep("Outer derivative", rf"f'({m}) = {to_latex(outer.derivative.xreplace(rename))}"),
        ChainStep("Inner derivative", rf"g'({x}) = {to_latex(inner.derivative)}"),
    ) + _product_steps(rf"\frac{{dy}}{{d{x}}} = f'(g({x})) \cdot g'({x})", product, result)


def _leibniz_steps(chain: Chain, rename: dict, names: tuple[str, ...], product: str,
                   result: sp.Expr) -> tuple[ChainStep, ...]:
    """One line per link, outermost first: y = sin(u)  dy/du = cos(u); then the product of the rates."""
    x = names[-1]
    arrows = r" \leftarrow ".join(names)
    steps = [ChainStep("The chain", arrows)]
    rates = []
    for link, out_name, in_name in zip(chain.links, names, names[1:], strict=False):
        rate = rf"\frac{{d{out_name}}}{{d{in_name}}}"
        rates.append(rate)
        function = to_latex(link.function.xreplace(rename))
        local = to_latex(link.derivative.xreplace(rename))
        steps.append(ChainStep(f"Link {out_name} ← {in_name}",
                               rf"{out_name} = {function} \qquad {rate} = {local}"))
    rule = rf"\frac{{d{names[0]}}}{{d{x}}} = " + r" \cdot ".join(rates)
    return tuple(steps) + _product_steps(rule, product, result)


LINE_CHARS = 70   # LaTeX characters that still typeset on one line of the steps panel (about 500 px)


def _product_steps(rule: str, product: str, result: sp.Expr) -> tuple[ChainStep, ...]:
    """rule = product = result on one line (the lesson's 2(2x + 3) · 2 = 8x + 12), or on three when long."""
    simplified = to_latex(result)
    if len(product) + len(simplified) <= LINE_CHARS:
        return (ChainStep("Chain rule", f"{rule} = {product} = {simplified}"),)
    return (ChainStep("Chain rule", rule), ChainStep("Substituted", f"= {product}"),
            ChainStep("Simplified", f"= {simplified}"))


def _tidy(expr: sp.Expr) -> sp.Expr:
    """A readable form without simplify (too slow on trig): 2·(4x + 6)·cos(…) -> (8x + 12)·cos(…).

    SymPy already folds a number into a two-term product (2*(4x+6) -> 8x + 12) but not into a longer one.
    """
    if expr.is_Mul:
        coefficient, factors = expr.as_coeff_mul()
        sums = [f for f in factors if f.is_Add]
        if coefficient != 1 and len(sums) == 1 and sums[0].is_polynomial(*expr.free_symbols):
            others = [f for f in factors if f is not sums[0]]
            return sp.Mul(sp.expand(coefficient * sums[0]), *others)
    return expr


def _same_function(a: sp.Expr, b: sp.Expr, x: sp.Symbol) -> bool:
    """a == b: symbolically when expanding shows it, else at 20 sample points (where both are defined).

    No simplify: its trigsimp takes seconds on (8x + 12)·cos((2x + 3)^2), past the worker's budget.
    """
    if sp.expand(a - b) == 0:
        return True
    fa, fb = compile_function(a, [x]), compile_function(b, [x])
    rng = random.Random(0)
    points = [rng.uniform(-3.0, 3.0) for _ in range(20)]
    compared = 0
    for p in points:
        va, vb = float(fa(p)), float(fb(p))
        if math.isfinite(va) and math.isfinite(vb):
            compared += 1
            if not math.isclose(va, vb, rel_tol=1e-8, abs_tol=1e-10):
                return False
    return compared > 0


@dataclass(frozen=True)
class LinkNumbers:
    """One link at a point: its input and output values and its local rate d output / d input."""

    output_name: str
    input_name: str
    input_value: float
    output_value: float
    rate: float


class ChainNumbers:
    """A chain's numbers at any x0, compiled once (picklable: the worker compiles, the GUI thread evaluates)."""

    def __init__(self, analysis: ChainAnalysis) -> None:
        if analysis.chain is None:
            raise ValueError("no chain to evaluate")
        self.analysis = analysis
        chain = analysis.chain
        self._links = [(compile_function(link.function, [link.input]), compile_function(link.derivative, [link.input]))
                       for link in chain.links]
        self._composite = compile_function(chain.expression, [chain.variable])

    def links_at(self, x0: float) -> list[LinkNumbers]:
        """Outermost first; each rate is evaluated at that link's own input value."""
        names = self.analysis.names
        values: list[float] = [float(x0)]
        rates: list[float] = []
        for function, local in reversed(self._links):   # innermost link first: x -> v -> u -> y
            rates.append(float(local(values[-1])))
            values.append(float(function(values[-1])))
        values.reverse()   # [y, u, v, x]
        rates.reverse()
        return [LinkNumbers(names[i], names[i + 1], values[i + 1], values[i], rates[i]) for i in range(len(rates))]

    def product_at(self, x0: float) -> float:
        """The chain-rule derivative at x0: the product of the local rates."""
        return math.prod(link.rate for link in self.links_at(x0))

    def value_at(self, x0: float) -> float:
        return float(self._composite(float(x0)))

    def finite_difference_at(self, x0: float, h: float = FD_STEP) -> float:
        """(y(x0 + h) − y(x0 − h)) / 2h: the slope measured without any derivative rules."""
        return (float(self._composite(x0 + h)) - float(self._composite(x0 - h))) / (2.0 * h)

    def nudges_at(self, x0: float, dx: float = NUDGE) -> list[tuple[str, float]]:
        """A change dx in x followed outwards: [(x, dx), (v, dv), (u, du), (y, dy)], each = rate · previous."""
        nudges = [(self.analysis.names[-1], dx)]
        for link in reversed(self.links_at(x0)):
            nudges.append((link.output_name, nudges[-1][1] * link.rate))
        return nudges
