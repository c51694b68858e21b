"""Derivatives, partials, gradients and the chain-rule decomposition, all symbolic (SymPy)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.functions.elementary.hyperbolic import HyperbolicFunction
from sympy.functions.elementary.trigonometric import TrigonometricFunction

from calclab.engine.functions import expand_nn
from calclab.engine.solving import bounded, real_value, value_at_point

# Names for the intermediate links of a chain, outermost first: y = f(u), u = g(v), ...
_LINK_NAMES = ("y", "u", "v", "w", "s", "t", "p", "q", "r", "z")


class NotCompositeError(ValueError):
    """The expression is not f(g(x)) at the top (a sum or product of several x-terms, say)."""


def variables_of(expr: sp.Expr) -> list[sp.Symbol]:
    """The free variables of an expression, sorted by name (the order of a gradient's entries)."""
    return sorted(expr.free_symbols, key=lambda s: s.name)


# simplify has no time limit: on 1000(x+1)^999 it takes 9 s, on a sum of 30 sines 6 s, on sin(x)^999999
# forever. Past these sizes the unsimplified form (what diff gives, already readable) is kept.
SIMPLIFY_MAX_OPS = 30
SIMPLIFY_MAX_EXPONENT = 100
EXPAND_MAX_EXPONENT = 8
TIDY_MAX_NODES = 400
DIFF_MAX_NODES = 2500      # differentiating a tree this big once more can take SymPy seconds


def _largest_exponent(expr: sp.Expr, add_base_only: bool = False) -> int:
    """The largest |integer part| of a numeric exponent in expr (of an Add base only, if asked)."""
    largest = 0
    for power in expr.atoms(sp.Pow):
        if power.exp.is_Number and (power.base.is_Add or not add_base_only):
            largest = max(largest, abs(int(power.exp)))
    return largest


def simplest(expr: sp.Expr) -> sp.Expr:
    """A short, readable form: SymPy's simplify when it does not make the expression longer.

    Large expressions and high powers skip the costly candidates, so this stays well under a second.
    """
    candidates = [expr, sp.together(expr)]
    ops = sp.count_ops(expr)
    if ops <= SIMPLIFY_MAX_OPS and _largest_exponent(expr) <= SIMPLIFY_MAX_EXPONENT and _trig_args_linear(expr):
        candidates.append(sp.simplify(expr))
    if ops <= 2 * SIMPLIFY_MAX_OPS and _largest_exponent(expr, add_base_only=True) <= EXPAND_MAX_EXPONENT:
        candidates.append(sp.factor_terms(sp.expand(expr)))
    return min(_same_domain(expr, candidates), key=lambda e: (sp.count_ops(e), len(str(e))))


def _same_domain(expr: sp.Expr, candidates: list[sp.Expr]) -> list[sp.Expr]:
    """The candidates that are undefined where expr is (expr itself always is one), without nan branches.

    The derivative of 0^x is Piecewise((0, x > 0)): undefined for x <= 0. simplify turns it into 0 (defined
    everywhere: wrong for x < 0) or adds a (nan, True) branch, which would print "nan" in a formula.
    """
    kept = [expr]
    partial = _undefined_somewhere(expr)
    for candidate in candidates[1:]:
        candidate = _without_nan_branches(candidate)
        if candidate.has(sp.nan, sp.zoo) and not expr.has(sp.nan, sp.zoo):
            continue
        if partial and not _undefined_somewhere(candidate):
            continue
        kept.append(candidate)
    return kept


def _undefined_somewhere(expr: sp.Expr) -> bool:
    """Does expr hold a Piecewise without an otherwise branch (undefined where none of its conditions hold)?"""
    return any(piece.args[-1].cond is not sp.true for piece in expr.atoms(sp.Piecewise))


def _without_nan_branches(expr: sp.Expr) -> sp.Expr:
    """Piecewise((a, c), (nan, True)) as Piecewise((a, c)): the same function, with no nan to print."""
    def nan_branch(e: sp.Basic) -> bool:
        return isinstance(e, sp.Piecewise) and len(e.args) > 1 and e.args[-1] == (sp.nan, sp.true)

    if not expr.has(sp.Piecewise):
        return expr
    return expr.replace(nan_branch, lambda e: sp.Piecewise(*e.args[:-1]))


def _trig_args_linear(expr: sp.Expr) -> bool:
    """True when every trig/hyperbolic argument is linear: simplify's trigsimp takes seconds on cos((2x+3)^2)."""
    kinds = (TrigonometricFunction, HyperbolicFunction)
    for call in expr.atoms(sp.Function):
        if isinstance(call, kinds):
            argument = call.args[0]
            if not argument.free_symbols:   # sin(2): a number (sp.Poly(2) would raise GeneratorsNeeded)
                continue
            if not argument.is_polynomial() or sp.Poly(argument, *argument.free_symbols).total_degree() > 1:
                return False
    return True


def tree_size(expr: sp.Expr, limit: int) -> int:
    """The number of nodes in expr's tree, counting no further than limit + 1 (cheap on huge trees)."""
    count = 0
    for _ in sp.preorder_traversal(expr):
        count += 1
        if count > limit:
            break
    return count


def _tidy(expr: sp.Expr) -> sp.Expr:
    """Between orders: expanded and collected if that is smaller (sigmoid's 10th derivative stays ~60 nodes
    instead of ~13,000)."""
    too_big = tree_size(expr, TIDY_MAX_NODES) > TIDY_MAX_NODES
    if too_big or _largest_exponent(expr, add_base_only=True) > EXPAND_MAX_EXPONENT:
        return expr
    tidied = _same_domain(expr, [expr, sp.factor_terms(sp.expand(expr))])[-1]
    return tidied if tree_size(tidied, TIDY_MAX_NODES) < tree_size(expr, TIDY_MAX_NODES) else expr


def derivative(expr: sp.Expr, wrt: sp.Symbol, order: int = 1) -> sp.Expr:
    """The order-th (partial) derivative of expr with respect to wrt, simplified.

    Raises ValueError when the derivative grows too large to show (high orders of deep nests grow
    combinatorially: the 3rd derivative of sin nested 30 deep took SymPy 37 s and a million characters).
    """
    if not 1 <= order <= 10:
        raise ValueError("the order of a derivative must be between 1 and 10")
    result = expr
    for step in range(1, order + 1):
        if step > 1 and tree_size(result, DIFF_MAX_NODES) > DIFF_MAX_NODES:
            raise ValueError(f"the derivative of order {step} grows too large to show; "
                             f"try order {step - 1} or a simpler expression")
        result = sp.diff(result, wrt)
        if step < order:
            result = _tidy(result)
    return simplest(result)


def successive_derivatives(expr: sp.Expr, wrt: sp.Symbol, up_to: int) -> Iterator[sp.Expr]:
    """f', f'', ... up to order `up_to`, each tidied, not simplified (the Taylor and critical-point tests only
    evaluate them); ValueError, as in `derivative`, once one grows too large."""
    result = expr
    for step in range(1, up_to + 1):
        if step > 1 and tree_size(result, DIFF_MAX_NODES) > DIFF_MAX_NODES:
            raise ValueError(f"the derivative of order {step} grows too large to compute")
        result = _tidy(plain_diff(result, wrt))
        yield result


def plain_diff(expr: sp.Expr, wrt: sp.Symbol) -> sp.Expr:
    """sp.diff with no unevaluated Derivative left in (see _sign_derivatives): every part has NumPy code."""
    return _sign_derivatives(sp.diff(expr, wrt))


def _sign_derivatives(expr: sp.Expr) -> sp.Expr:
    """Derivative(sign(u), x) written out as 2 δ(u) u': SymPy leaves it unevaluated when it cannot tell u is real
    (u = x - 1/x at x = 0), and NumPy has no code for an unevaluated derivative (|x - 1/x|^2's second derivative)."""
    def written_out(d: sp.Derivative) -> sp.Expr:
        u = d.expr.args[0]
        total = sum(count for _v, count in d.variable_count)
        first = 2 * sp.DiracDelta(u) * sp.diff(u, d.variable_count[0][0])
        return sp.diff(first, d.variable_count[0][0], total - 1) if total > 1 else first

    def is_sign_derivative(e: sp.Basic) -> bool:
        return isinstance(e, sp.Derivative) and isinstance(e.expr, sp.sign) and len(e.variable_count) == 1

    return expr.replace(is_sign_derivative, written_out) if expr.has(sp.Derivative) else expr


def gradient(expr: sp.Expr, variables: list[sp.Symbol] | None = None) -> list[sp.Expr]:
    """All first partial derivatives, in the order of `variables` (default: by name)."""
    return [derivative(expr, v) for v in (variables or variables_of(expr))]


def hessian(expr: sp.Expr, variables: list[sp.Symbol] | None = None) -> sp.Matrix:
    """The matrix of second partial derivatives (curvature; gives descent's stable step size)."""
    return sp.hessian(expr, variables or variables_of(expr))


def to_text(expr: sp.Expr) -> str:
    """Plain text that `sympy.sympify` reads back to the same expression (sigmoid, relu written out)."""
    return str(expand_nn(expr))


def to_latex(expr: sp.Expr) -> str:
    """LaTeX for typesetting; sigmoid prints as sigma."""
    return sp.latex(expr)


def find_variable(name: str, expr: sp.Expr) -> sp.Symbol:
    """The Symbol called `name`, whether or not expr contains it (a partial wrt an absent variable is 0)."""
    for symbol in expr.free_symbols:
        if symbol.name == name:
            return symbol
    return sp.Symbol(name, real=True)


@dataclass(frozen=True)
class ChainLink:
    """One link output = function(input) of a chain, with its local derivative d output / d input."""

    output: sp.Symbol
    input: sp.Symbol
    function: sp.Expr
    derivative: sp.Expr


@dataclass(frozen=True)
class Chain:
    """A composite peeled into links, outermost first; the rates multiply to the derivative."""

    expression: sp.Expr
    variable: sp.Symbol
    links: tuple[ChainLink, ...]

    def inner_values(self) -> list[sp.Expr]:
        """Each link's input written in the variable: [g(x), h(x), ..., x]."""
        values: list[sp.Expr] = [self.variable]
        for link in reversed(self.links[1:]):
            values.append(link.function.subs(link.input, values[-1]))
        return list(reversed(values))

    def factors(self) -> list[sp.Expr]:
        """Each local derivative with its input substituted back in terms of the variable."""
        pairs = zip(self.links, self.inner_values(), strict=True)
        return [link.derivative.subs(link.input, value) for link, value in pairs]

    def product(self) -> sp.Expr:
        """The chain-rule product of the factors (unsimplified, as the learner would write it)."""
        return sp.Mul(*self.factors())

    def derivative(self) -> sp.Expr:
        """The product, simplified: equal to the direct derivative."""
        return simplest(self.product())


def _split_constant(expr: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
    """The single x-dependent part of a sum or product with constants (c + k*F -> F), else None."""
    current = expr
    while current.is_Add or current.is_Mul:
        dependent = [a for a in current.args if a.has(x)]
        if len(dependent) != 1:
            return None
        current = dependent[0]
    return current


def _peel(expr: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
    """The inner function g(x) when expr = F(g(x)) with g more than x itself; None at the innermost link."""
    core = _split_constant(expr, x)
    if core is None or core == x:
        return None
    if core.is_Pow:
        base, exponent = core.args
        if not exponent.has(x):
            inner = base
        elif not base.has(x):
            inner = exponent
        else:
            return None  # x^x: not a plain composite
    elif isinstance(core, sp.Function) and len(core.args) == 1:
        inner = core.args[0]
    else:
        return None
    return None if inner == x else inner


def decompose_chain(expr: sp.Expr, variable: sp.Symbol | None = None) -> Chain:
    """Peel a composite from the outside in: sin((2x+3)^2) -> y = sin(u), u = v^2, v = 2x + 3."""
    x = variable or single_variable(expr)
    used = {s.name for s in expr.free_symbols}
    # The outermost output is y; when the variable itself is y it is f (f = sin(u), u = y^2), not u.
    first = [n for n in ("y", "f") if n not in used][:1]
    names = iter(first + [n for n in _LINK_NAMES[1:] if n not in used] + [f"u{i}" for i in range(1, 100)])
    output = sp.Symbol(next(names), real=True)
    if _peel(expr, x) is None:
        core = _split_constant(expr, x)
        if core is None or core.is_Mul or core.is_Add:
            kind = "product" if (core or expr).is_Mul else "sum"
            rule = "product rule" if kind == "product" else "sum rule"
            raise NotCompositeError(
                f"{expr} is a {kind} of terms in {x}, not a composite f(g({x})): "
                f"use the {rule} (see the steps in the Derivatives tab)")
    links: list[ChainLink] = []
    current = expr
    while True:
        inner = _peel(current, x)
        if inner is None or len(links) >= 30:
            links.append(ChainLink(output, x, current, simplest(sp.diff(current, x))))
            return Chain(expr, x, tuple(links))
        symbol = sp.Symbol(next(names), real=True)
        function = current.xreplace({inner: symbol})
        links.append(ChainLink(output, symbol, function, simplest(sp.diff(function, symbol))))
        output, current = symbol, inner


def compose_chain(outer: sp.Expr, inner: sp.Expr, outer_variable: str = "u") -> Chain:
    """The two-link chain y = outer(u), u = inner(x) from a separately typed outer and inner function."""
    x = single_variable(inner)
    u = find_variable(outer_variable, outer)
    extra = outer.free_symbols - {u}
    if extra:
        names = ", ".join(sorted(s.name for s in extra))
        raise ValueError(f"the outer function must be written in {outer_variable} only (it uses {names})")
    if u.name in (x.name, "y"):  # inner written in u too: rename the link, or it would read u = u + 1
        fresh = sp.Symbol(next(n for n in _LINK_NAMES[1:] if n != x.name), real=True)
        outer, u = outer.xreplace({u: fresh}), fresh
    y = sp.Symbol("y", real=True)
    links = (ChainLink(y, u, outer, simplest(sp.diff(outer, u))),
             ChainLink(u, x, inner, simplest(sp.diff(inner, x))))
    return Chain(outer.subs(u, inner), x, links)


def single_variable(expr: sp.Expr) -> sp.Symbol:
    """The one variable of `expr`; ValueError naming what was found otherwise (the chain rule here peels
    functions of one variable)."""
    variables = variables_of(expr)
    if len(variables) != 1:
        found = ", ".join(v.name for v in variables) or "none"
        raise ValueError(f"the chain rule here needs a function of one variable (found: {found})")
    return variables[0]


def as_number(value: object) -> sp.Expr:
    """A point's coordinate as SymPy: exact SymPy numbers and ints stay exact, floats become Floats. Never text
    (sympify would eval it)."""
    if isinstance(value, sp.Basic):
        if value.free_symbols or not value.is_number:
            raise ValueError(f"{value} is not a number")
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return sp.Integer(int(value))
    if isinstance(value, (float, np.floating)) and np.isfinite(value):
        return sp.Float(float(value))
    raise ValueError(f"{value!r} is not a finite number")


@dataclass(frozen=True)
class DirectionalDerivative:
    """D_u f = ∇f·u at a point, u the direction scaled to length 1 (exact where the point and direction are)."""

    expression: sp.Expr
    variables: tuple[sp.Symbol, ...]
    point: tuple[sp.Expr, ...]
    direction: tuple[sp.Expr, ...]          # u, unit length
    gradient: tuple[sp.Expr, ...]           # ∇f at the point
    exact: sp.Expr                          # ∇f·u
    value: float

    @property
    def direction_values(self) -> tuple[float, ...]:
        return tuple(float(c) for c in self.direction)

    @property
    def gradient_values(self) -> tuple[float, ...]:
        return tuple(float(g) for g in self.gradient)


def directional_derivative(expr: sp.Expr, variables: Sequence[sp.Symbol], point: Sequence,
                           direction: Sequence) -> DirectionalDerivative:
    """D_u f at `point` along `direction` (any non-zero length; normalised here). Numbers may be floats or exact
    SymPy numbers; ValueError if the direction is zero, the sizes differ or ∇f has no value at the point."""
    variables = tuple(variables)
    if not (len(point) == len(direction) == len(variables)):
        raise ValueError(f"the point and the direction need {len(variables)} number(s), one per variable "
                         f"({', '.join(v.name for v in variables)})")
    at = dict(zip(variables, (as_number(p) for p in point), strict=True))
    d = [as_number(c) for c in direction]
    length = sp.sqrt(sum(c**2 for c in d))
    if length.is_zero or float(length) == 0.0:
        raise ValueError("the direction must not be the zero vector")
    unit = tuple(sp.radsimp(c / length) for c in d)
    grad = tuple(_short(value_at_point(plain_diff(expr, v), at)) for v in variables)
    if real_value(value_at_point(expr, at)) is None:
        raise ValueError("f has no value at that point")
    if any(g.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.DiracDelta) or real_value(g) is None for g in grad):
        raise ValueError("f has no gradient at that point")
    exact = _short(sp.radsimp(sum((g * u for g, u in zip(grad, unit, strict=True)), sp.S.Zero)))
    return DirectionalDerivative(expr, variables, tuple(at.values()), unit, grad, exact, float(exact))


def _short(value: sp.Expr) -> sp.Expr:
    """A number simplified within 0.1 s of CPU time (trigsimp alone can take seconds on tanh(1/2 + pi/2)^2)."""
    return value if value.is_Number else bounded(simplest, value, seconds=0.1, default=value)


def directional_profile(gradient: Sequence[float], angles: np.ndarray) -> np.ndarray:
    """D_u f for u = (cos θ, sin θ) at each angle θ, from the 2-D gradient: |∇f| cos(θ - θ∇), the polar plot's curve,
    largest (|∇f|) along ∇f, zero across it, -|∇f| against it."""
    gx, gy = (float(g) for g in gradient)
    angles = np.asarray(angles, dtype=float)
    return gx * np.cos(angles) + gy * np.sin(angles)
