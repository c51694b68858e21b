"""Step-by-step differentiation: which rule applies where, as a tree a learner can expand.

SymPy differentiates in one go and has no derivative counterpart of `manualintegrate`, so this
module walks the expression top-down and records one `Step` per rule (sum, product, chain, ...)
with the sub-derivatives it needed as children. Each step's result is built from its children's
results, so the root's result is the derivative by construction; the tests check every node
against `sympy.diff`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sympy as sp

from calclab.engine.functions import ZeroPower, relu, sigmoid

MAX_DEPTH = 100  # nested rules; deeper trees are unreadable and would strain Python's stack
MAX_STEPS = 3000  # total steps, so a huge input fails fast instead of freezing the tab


@dataclass
class Step:
    """One rule applied to one expression; `substeps` are the derivatives the rule needed."""

    rule: str  # short machine name: "power", "chain", "sum", ...
    title: str  # human label: "Power rule"
    explanation: str  # one line of plain text: "d/dx x^n = n*x^(n-1), with n = 2"
    expr: sp.Expr  # what is being differentiated
    result: sp.Expr  # its derivative, as SymPy tidies it
    substeps: list[Step] = field(default_factory=list)
    wrt: sp.Symbol | None = None  # the variable (the chain rule's outer step uses its own, u)
    formula: sp.Expr | None = None  # the rule's raw, unevaluated output, e.g. 2*(2x + 3)*2
    where: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)  # chain rule: {u: inner}


# Derivatives of the one-argument functions, in the function's own variable.
_FunctionRule = tuple[str, str, str, Callable[[sp.Expr], sp.Expr]]
_FUNCTION_RULES: dict[type, _FunctionRule] = {
    sp.exp: ("exp", "Exponential rule", "d/d{v} e^{v} = e^{v}", sp.exp),
    sp.log: ("log", "Logarithm rule", "d/d{v} ln({v}) = 1/{v}", lambda u: 1 / u),
    sp.sin: ("trig", "Sine rule", "d/d{v} sin({v}) = cos({v})", sp.cos),
    sp.cos: ("trig", "Cosine rule", "d/d{v} cos({v}) = -sin({v})", lambda u: -sp.sin(u)),
    sp.tan: ("trig", "Tangent rule", "d/d{v} tan({v}) = 1/cos({v})^2 = 1 + tan({v})^2",
             lambda u: 1 + sp.tan(u) ** 2),
    sp.cot: ("trig", "Cotangent rule", "d/d{v} cot({v}) = -1/sin({v})^2 = -1 - cot({v})^2",
             lambda u: -1 - sp.cot(u) ** 2),
    sp.sec: ("trig", "Secant rule", "d/d{v} sec({v}) = sec({v})*tan({v})", lambda u: sp.sec(u) * sp.tan(u)),
    sp.csc: ("trig", "Cosecant rule", "d/d{v} csc({v}) = -csc({v})*cot({v})",
             lambda u: -sp.csc(u) * sp.cot(u)),
    sp.asin: ("inverse_trig", "Arcsine rule", "d/d{v} asin({v}) = 1/sqrt(1 - {v}^2)",
              lambda u: 1 / sp.sqrt(1 - u**2)),
    sp.acos: ("inverse_trig", "Arccosine rule", "d/d{v} acos({v}) = -1/sqrt(1 - {v}^2)",
              lambda u: -1 / sp.sqrt(1 - u**2)),
    sp.atan: ("inverse_trig", "Arctangent rule", "d/d{v} atan({v}) = 1/(1 + {v}^2)", lambda u: 1 / (1 + u**2)),
    sp.sinh: ("hyperbolic", "Hyperbolic sine rule", "d/d{v} sinh({v}) = cosh({v})", sp.cosh),
    sp.cosh: ("hyperbolic", "Hyperbolic cosine rule", "d/d{v} cosh({v}) = sinh({v})", sp.sinh),
    sp.tanh: ("hyperbolic", "Hyperbolic tangent rule", "d/d{v} tanh({v}) = 1 - tanh({v})^2",
              lambda u: 1 - sp.tanh(u) ** 2),
    sp.Abs: ("abs", "Absolute value rule", "d/d{v} |{v}| = sign({v}) (no derivative at {v} = 0)", sp.sign),
    sigmoid: ("sigmoid", "Sigmoid rule", "d/d{v} sigmoid({v}) = sigmoid({v})*(1 - sigmoid({v}))",
              lambda u: sigmoid(u) * (1 - sigmoid(u))),
    relu: ("relu", "ReLU rule", "d/d{v} relu({v}) = Heaviside({v}): 1 for {v} > 0, 0 for {v} < 0",
           sp.Heaviside),
    ZeroPower: ("zero_power", "Power of zero", "0^{v} is 0 for {v} > 0 (1 at {v} = 0, undefined for {v} < 0), "
                "so d/d{v} 0^{v} = 0 for {v} > 0 and is undefined for {v} <= 0",
                lambda u: sp.Piecewise((sp.S.Zero, u > 0))),
}

_NAMES = ("u", "v", "w", "p", "q", "r", "s", "t")  # letters for the chain rule's inner function


def _text(expr: sp.Expr) -> str:
    """One-line plain text for an expression, with ^ for powers (easier to read than **)."""
    return sp.sstr(expr).replace("**", "^")


def _product(*factors: sp.Expr) -> sp.Expr:
    """An unevaluated product without factors of 1, so `formula` shows the rule's shape."""
    flat = (a for f in factors for a in (f.args if f.is_Mul and not f.could_extract_minus_sign() else (f,)))
    kept = [a for a in flat if a != 1]
    if len(kept) > 1:
        return sp.Mul(*kept, evaluate=False)
    return kept[0] if kept else sp.S.One


def _minus(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """Unevaluated a - b."""
    return sp.Add(a, sp.Mul(sp.S.NegativeOne, b, evaluate=False), evaluate=False)


def _has_plain_derivative(func: type) -> bool:
    """Whether SymPy knows func' as a formula (not an unevaluated Derivative), so the chain rule can use it."""
    t = sp.Symbol("t", real=True)
    try:
        return not sp.diff(func(t), t).has(sp.Derivative, sp.Subs)
    except (TypeError, ValueError):
        return False


class _Deriver:
    """The recursive rule engine; it keeps the depth and step budgets and the chain-rule letters."""

    def __init__(self, reserved: set[str]) -> None:
        self.reserved = reserved  # names of the user's symbols, never reused for u
        self.letters_in_use: list[str] = []
        self.depth = 0
        self.count = 0

    def diff(self, expr: sp.Expr, x: sp.Symbol) -> Step:
        self.depth += 1
        self.count += 1
        if self.depth > MAX_DEPTH:
            raise ValueError("expression too deep for step-by-step")
        if self.count > MAX_STEPS:
            raise ValueError("expression too large for step-by-step")
        try:
            return self._dispatch(expr, x)
        finally:
            self.depth -= 1

    def _dispatch(self, expr: sp.Expr, x: sp.Symbol) -> Step:
        if x not in expr.free_symbols:
            return self._constant(expr, x)
        if expr == x:
            return Step("variable", "Variable rule", f"d/d{x} {x} = 1", expr, sp.S.One, wrt=x)
        if expr.is_Add:
            return self._sum(expr, x)
        if expr.is_Mul:
            return self._mul(expr, x)
        if expr.is_Pow:
            return self._pow(expr, x)
        if isinstance(expr, sp.Function) and len(expr.args) == 1 and isinstance(expr.args[0], sp.Expr):
            return self._function(expr, x)
        return self._known(expr, x)

    def _constant(self, expr: sp.Expr, x: sp.Symbol) -> Step:
        held = sorted(expr.free_symbols, key=str)
        if held:
            names = ", ".join(map(str, held))
            why = f"{_text(expr)} does not depend on {x} ({names} held constant), so its derivative is 0"
        else:
            why = "the derivative of a constant is 0"
        return Step("constant", "Constant rule", why, expr, sp.S.Zero, wrt=x)

    def _sum(self, expr: sp.Expr, x: sp.Symbol) -> Step:
        terms = expr.as_ordered_terms()
        subs = [self.diff(t, x) for t in terms]
        signed = any(t.could_extract_minus_sign() for t in terms)
        title = "Sum and difference rule" if signed else "Sum rule"
        why = f"d/d{x} (f + g) = f' + g': differentiate term by term"
        formula = sp.Add(*[s.result for s in subs], evaluate=False)
        return Step("sum", title, why, expr, sp.Add(*[s.result for s in subs]), subs, x, formula)

    def _mul(self, expr: sp.Expr, x: sp.Symbol) -> Step:
        coeff, rest = expr.as_independent(x, as_Add=False)
        if coeff != 1:
            inner = self.diff(rest, x)
            held = "" if coeff.is_number else f" (constant with respect to {x})"
            why = f"d/d{x} (c*f) = c * d/d{x} f, with c = {_text(coeff)}{held}"
            return Step("constant_multiple", "Constant multiple rule", why, expr, coeff * inner.result,
                        [inner], x, _product(coeff, inner.result))
        # What a teacher calls a fraction: factors with a negative numeric exponent go below the line.
        factors = expr.as_ordered_factors()
        numer = [f for f in factors if not (f.is_Pow and f.exp.is_Number and f.exp.is_negative)]
        denom = [f.base ** -f.exp for f in factors if f not in numer]
        if denom:
            return self._quotient(expr, sp.Mul(*numer), sp.Mul(*denom), x)
        f, g = factors[0], sp.Mul(*factors[1:])
        df, dg = self.diff(f, x), self.diff(g, x)
        why = f"d/d{x} (f*g) = f'*g + f*g', with f = {_text(f)} and g = {_text(g)}"
        formula = sp.Add(_product(df.result, g), _product(f, dg.result), evaluate=False)
        return Step("product", "Product rule", why, expr, df.result * g + f * dg.result, [df, dg], x, formula)

    def _quotient(self, expr: sp.Expr, f: sp.Expr, g: sp.Expr, x: sp.Symbol) -> Step:
        df, dg = self.diff(f, x), self.diff(g, x)
        why = f"d/d{x} (f/g) = (f'*g - f*g')/g^2, with f = {_text(f)} and g = {_text(g)}"
        result = (df.result * g - f * dg.result) / g**2
        top = _minus(_product(df.result, g), _product(f, dg.result))
        formula = sp.Mul(top, sp.Pow(g, -2, evaluate=False), evaluate=False)
        return Step("quotient", "Quotient rule", why, expr, result, [df, dg], x, formula)

    def _pow(self, expr: sp.Pow, x: sp.Symbol) -> Step:
        base, n = expr.base, expr.exp
        in_base, in_exp = x in base.free_symbols, x in n.free_symbols
        if in_base and in_exp:
            return self._general_power(expr, x)
        if in_base and base != x:
            return self._chain(expr, base, lambda u: u**n, x)
        if in_base:
            note = "" if n.is_Integer and n > 0 else f"{_text(expr)} = {x}^({_text(n)}); "
            why = f"{note}d/d{x} {x}^n = n*{x}^(n-1), with n = {_text(n)}"
            return Step("power", "Power rule", why, expr, n * x ** (n - 1), wrt=x)
        if n != x:
            return self._chain(expr, n, lambda u: base**u, x)
        why = f"d/d{x} a^{x} = a^{x} * ln(a), with a = {_text(base)}"
        return Step("exponential", "Exponential rule (base a)", why, expr, expr * sp.log(base), wrt=x)

    def _general_power(self, expr: sp.Pow, x: sp.Symbol) -> Step:
        f, g = expr.base, expr.exp
        df, dg = self.diff(f, x), self.diff(g, x)
        why = (f"f^g = e^(g*ln(f)), so d/d{x} f^g = f^g * (g'*ln(f) + g*f'/f), "
               f"with f = {_text(f)} and g = {_text(g)}")
        result = expr * (dg.result * sp.log(f) + g * df.result / f)
        formula = _product(expr, sp.Add(_product(dg.result, sp.log(f)),
                                         _product(g, df.result, sp.Pow(f, -1, evaluate=False)), evaluate=False))
        return Step("general_power", "Generalised power rule", why, expr, result, [df, dg], x, formula)

    def _function(self, expr: sp.Function, x: sp.Symbol) -> Step:
        arg = expr.args[0]
        rule = _FUNCTION_RULES.get(expr.func)
        if rule is None and (arg == x or not _has_plain_derivative(expr.func)):
            return self._known(expr, x)
        if arg != x:
            return self._chain(expr, arg, expr.func, x)
        name, title, why, derivative = rule
        return Step(name, title, why.format(v=x), expr, derivative(x), wrt=x)

    def _chain(self, expr: sp.Expr, inner: sp.Expr, outer_of: Callable[[sp.Expr], sp.Expr],
               x: sp.Symbol) -> Step:
        u = sp.Symbol(self._letter(), real=True)
        self.letters_in_use.append(u.name)
        try:
            outer = self.diff(outer_of(u), u)
            d_inner = self.diff(inner, x)
        finally:
            self.letters_in_use.pop()
        why = f"d/d{x} f({u}) = f'({u}) * d{u}/d{x}, with {u} = {_text(inner)} and f({u}) = {_text(outer.expr)}"
        result = outer.result.xreplace({u: inner}) * d_inner.result
        with sp.evaluate(False):
            formula = _product(outer.result.xreplace({u: inner}), d_inner.result)
        return Step("chain", "Chain rule", why, expr, result, [outer, d_inner], x, formula, {u: inner})

    def _letter(self) -> str:
        """The first letter for u that neither the user's symbols nor an enclosing chain step uses."""
        taken = self.reserved | set(self.letters_in_use)
        return next(name for name in _candidate_letters() if name not in taken)

    def _known(self, expr: sp.Expr, x: sp.Symbol) -> Step:
        name = expr.func.__name__ if isinstance(expr, sp.Function) else _text(expr)
        why = f"no step-by-step rule for {name}; this is its known derivative"
        return Step("known", "Known derivative", why, expr, sp.diff(expr, x), wrt=x)


def _candidate_letters() -> Iterator[str]:
    yield from _NAMES
    i = 1
    while True:
        yield f"u{i}"
        i += 1


_ORDER_TITLES = {2: "Second derivative", 3: "Third derivative"}


def derivation_steps(expr: sp.Expr, wrt: sp.Symbol, order: int = 1) -> Step:
    """The rules that differentiate `expr` by `wrt`; the root's result equals sympy.diff(expr, wrt, order).

    For order > 1 the root's substeps are the successive derivations, each of the previous result.
    Raises ValueError for a non-symbol variable, an order below 1, or an expression too deep or large.
    """
    if not isinstance(expr, sp.Basic):
        expr = sp.sympify(expr, strict=True)  # numbers only: strict refuses strings
    if not isinstance(expr, sp.Expr):
        raise ValueError(f"cannot differentiate {type(expr).__name__}")
    if not isinstance(wrt, sp.Symbol):
        raise ValueError("the variable must be a symbol")
    if order < 1:
        raise ValueError("order must be at least 1")
    deriver = _Deriver({s.name for s in expr.free_symbols} | {wrt.name})
    try:
        steps = [deriver.diff(expr, wrt)]
        while len(steps) < order:
            steps.append(deriver.diff(steps[-1].result, wrt))
    except RecursionError as err:
        raise ValueError("expression too deep for step-by-step") from err
    if order == 1:
        return steps[0]
    title = _ORDER_TITLES.get(order, f"Derivative of order {order}")
    why = f"d^{order}/d{wrt}^{order} f: differentiate {order} times, each time the previous result"
    return Step("higher_order", title, why, expr, steps[-1].result, steps, wrt)


def _operator(step: Step) -> str:
    x = step.wrt
    if step.rule == "higher_order":
        return f"d^{len(step.substeps)}/d{x}^{len(step.substeps)}"
    return f"d/d{x}"


def steps_as_text(step: Step, indent: int = 0) -> list[str]:
    """Indented plain-text lines: the step, its explanation in parentheses, then its substeps."""
    pad = "  " * indent
    shown = f"{_operator(step)}[{_text(step.expr)}] = "
    if step.formula is not None and _text(step.formula) != _text(step.result):
        shown += f"{_text(step.formula)} = "
    lines = [f"{pad}{step.title}: {shown}{_text(step.result)}", f"{pad}  ({step.explanation})"]
    for sub in step.substeps:
        lines.extend(steps_as_text(sub, indent + 1))
    return lines


def step_latex(step: Step, partial: bool = False) -> str:
    """One step as a LaTeX equation, d/dx[expr] = formula = result, for a typeset view of the tree."""
    x = sp.latex(step.wrt)
    d = r"\partial" if partial else "d"
    n = len(step.substeps) if step.rule == "higher_order" else 1
    power = "" if n == 1 else f"^{{{n}}}"
    op = rf"\frac{{{d}{power}}}{{{d} {x}{power}}}"
    parts = [rf"{op}\left[{sp.latex(step.expr)}\right]"]
    if step.formula is not None and _text(step.formula) != _text(step.result):
        parts.append(sp.latex(step.formula, mul_symbol="dot"))
    parts.append(sp.latex(step.result))
    return " = ".join(parts)
