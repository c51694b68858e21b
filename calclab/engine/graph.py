"""The computational graph of a one-variable expression: forward values, backward gradients, a layout.

sin((2x+3)^2) becomes the nodes x, 2, mul, 3, add, ^2, sin. The forward pass writes each node's value at a
point x0; the backward pass writes each node's gradient d output / d node (the adjoint), starting from 1 at
the output and multiplying by each edge's local derivative, adding where a node feeds several others (x sin(x)
uses x twice). That is backpropagation on one input, which is why the Chain Rule tab shows it.

Building a graph does no simplification (it is a walk over the SymPy tree, well under 10 ms for the
40 nodes allowed), and passes are plain float arithmetic, so both may run on the GUI thread.
Everything here pickles. No Qt.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from calclab.engine.functions import ZeroPower, relu, sigmoid
from calclab.engine.graph_layout import layered_columns, layered_rows, node_height

MAX_NODES = 40        # beyond this a drawn graph is a hairball; the tab says so instead
READABLE_NODES = 20   # up to here the layout stays comfortable


class GraphTooLargeError(ValueError):
    """The expression needs more nodes than a readable graph can show."""


@dataclass(frozen=True)
class GraphNode:
    """One operation (or an input or constant). `children` are its operands, in order."""

    index: int
    op: str                      # "input", "const", "add", "mul", "neg", "pow", "powx" or a function name
    label: str                   # what the drawn node says: "x", "2", "+", "×", "^2", "sin", "σ"
    children: tuple[int, ...]
    expr: sp.Expr                # the subexpression this node computes
    rule: str                    # the local derivative rule, for a tooltip: "d sin(a)/da = cos(a)"
    exponent: float | None = None   # the constant exponent of a "pow" node

    @property
    def is_leaf(self) -> bool:
        return not self.children


@dataclass(frozen=True)
class GraphEdge:
    """Operand `child` flows into `parent` as its `slot`-th input."""

    child: int
    parent: int
    slot: int


@dataclass(frozen=True)
class ForwardPass:
    """values[i] is node i's value at x0 (nan where undefined, e.g. log of a negative)."""

    x0: float
    values: tuple[float, ...]

    @property
    def output(self) -> float:
        return self.values[-1]


@dataclass(frozen=True)
class BackwardPass:
    """gradients[i] = d output / d node i; local[e] = d parent / d child on edge e, at the forward values."""

    gradients: tuple[float, ...]
    local: tuple[float, ...]

    def edge_gradient(self, edge_index: int, edges: tuple[GraphEdge, ...]) -> float:
        """What edge e sends back to its child: the parent's gradient times the local derivative."""
        return self.gradients[edges[edge_index].parent] * self.local[edge_index]


@dataclass(frozen=True)
class ComputationalGraph:
    """Nodes in forward (topological) order, so node i's operands all have indices below i; the last is the output."""

    expression: sp.Expr
    variable: sp.Symbol
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    columns: tuple[int, ...]                    # layered layout: column = depth from the inputs
    positions: tuple[tuple[float, float], ...]  # (column, row) of each node's centre; rows may be fractional
    heights: tuple[float, ...] = ()             # each node's height in rows (taller with many operands)

    @property
    def output(self) -> int:
        return len(self.nodes) - 1

    @property
    def input(self) -> int | None:
        """The index of the variable's node (None for a constant expression)."""
        return next((n.index for n in self.nodes if n.op == "input"), None)

    def forward_order(self) -> list[int]:
        """The order the forward pass visits nodes in: every operand before its operation."""
        return list(range(len(self.nodes)))

    def backward_order(self) -> list[int]:
        """The order the backward pass visits nodes in: every node after all the nodes it feeds."""
        return list(reversed(self.forward_order()))

    def edges_into(self, node: int) -> list[int]:
        """Indices of the edges bringing node's operands in (in slot order)."""
        return [i for i, e in enumerate(self.edges) if e.parent == node]

    def edges_out_of(self, node: int) -> list[int]:
        """Indices of the edges carrying node's value onwards (more than one is fan-out)."""
        return [i for i, e in enumerate(self.edges) if e.child == node]

    def forward(self, x0: float) -> ForwardPass:
        """Every node's value at variable = x0."""
        values: list[float] = []
        for node in self.nodes:
            operands = [values[c] for c in node.children]
            values.append(_evaluate(node, operands, float(x0)))
        return ForwardPass(float(x0), tuple(values))

    def backward(self, forward: ForwardPass) -> BackwardPass:
        """Every node's gradient d output / d node, accumulated over fan-out, from a forward pass."""
        values = forward.values
        into: list[list[int]] = [[] for _ in self.nodes]   # edges into each node, in slot order
        for edge_index, edge in enumerate(self.edges):
            into[edge.parent].append(edge_index)
        local = [0.0] * len(self.edges)
        for node in self.nodes:
            if node.children:
                rates = _local_derivatives(node, [values[c] for c in node.children], values[node.index])
                for edge_index, rate in zip(into[node.index], rates, strict=True):
                    local[edge_index] = rate
        gradients = [0.0] * len(self.nodes)
        gradients[self.output] = 1.0
        for index in self.backward_order():
            for edge_index in into[index]:
                gradients[self.edges[edge_index].child] += gradients[index] * local[edge_index]
        return BackwardPass(tuple(gradients), tuple(local))


# ---------------------------------------------------------------------------------------------------------
# Building


# Function nodes: label, value, derivative d f(a)/da from (a, f(a)), and the rule in words.
_FunctionSpec = tuple[str, Callable[[float], float], Callable[[float, float], float], str]


def _safe(func: Callable[..., float]) -> Callable[..., float]:
    """Float maths that returns nan/inf instead of raising (log(-1), exp(1000), 1/0)."""
    def wrapped(*args: float) -> float:
        try:
            return float(func(*args))
        except (ZeroDivisionError, ValueError):
            return math.nan
        except OverflowError:
            return math.inf
    return wrapped


def _sigmoid(a: float) -> float:
    return 1.0 / (1.0 + math.exp(-a)) if a >= 0 else math.exp(a) / (1.0 + math.exp(a))


def _exp(a: float) -> float:
    return math.exp(a) if a < 710 else math.inf


def _log(a: float) -> float:
    return -math.inf if a == 0 else math.log(a)


def _sign(a: float) -> float:
    return float((a > 0) - (a < 0))


def _step(a: float) -> float:
    """relu's slope; 1/2 at 0, as SymPy's Heaviside(0)."""
    return 1.0 if a > 0 else 0.0 if a < 0 else 0.5


def _zero_power(a: float) -> float:
    """0^a: 0 for a > 0, 1 at 0, undefined (a division by zero) for a < 0."""
    return 0.0 if a > 0 else 1.0 if a == 0 else math.nan


_FUNCTIONS: dict[type, _FunctionSpec] = {
    sp.sin: ("sin", math.sin, lambda a, f: math.cos(a), "d sin(a)/da = cos(a)"),
    sp.cos: ("cos", math.cos, lambda a, f: -math.sin(a), "d cos(a)/da = −sin(a)"),
    sp.tan: ("tan", math.tan, lambda a, f: 1.0 + f * f, "d tan(a)/da = 1 + tan²(a)"),
    sp.asin: ("asin", math.asin, lambda a, f: 1.0 / math.sqrt(1.0 - a * a), "d asin(a)/da = 1/√(1 − a²)"),
    sp.acos: ("acos", math.acos, lambda a, f: -1.0 / math.sqrt(1.0 - a * a), "d acos(a)/da = −1/√(1 − a²)"),
    sp.atan: ("atan", math.atan, lambda a, f: 1.0 / (1.0 + a * a), "d atan(a)/da = 1/(1 + a²)"),
    sp.sinh: ("sinh", math.sinh, lambda a, f: math.cosh(a), "d sinh(a)/da = cosh(a)"),
    sp.cosh: ("cosh", math.cosh, lambda a, f: math.sinh(a), "d cosh(a)/da = sinh(a)"),
    sp.tanh: ("tanh", math.tanh, lambda a, f: 1.0 - f * f, "d tanh(a)/da = 1 − tanh²(a)"),
    sp.exp: ("exp", _exp, lambda a, f: f, "d exp(a)/da = exp(a)"),
    sp.log: ("log", _log, lambda a, f: 1.0 / a, "d log(a)/da = 1/a"),
    sp.Abs: ("|·|", abs, lambda a, f: _sign(a), "d |a|/da = sign(a)"),
    sigmoid: ("σ", _sigmoid, lambda a, f: f * (1.0 - f), "d σ(a)/da = σ(a)(1 − σ(a))"),
    relu: ("ReLU", lambda a: max(a, 0.0), lambda a, f: _step(a), "d ReLU(a)/da = 1 if a > 0, 0 if a < 0"),
    sp.sign: ("sign", _sign, lambda a, f: 0.0, "d sign(a)/da = 0 (a ≠ 0)"),
    sp.Heaviside: ("step", _step, lambda a, f: 0.0, "d step(a)/da = 0 (a ≠ 0)"),
    ZeroPower: ("0^", _zero_power, lambda a, f: 0.0 if a > 0 else math.nan,
                "d 0^a/da = 0 for a > 0 (undefined for a ≤ 0)"),
}


_BY_NAME: dict[str, _FunctionSpec] = {func.__name__: spec for func, spec in _FUNCTIONS.items()}


def _number_label(value: sp.Expr) -> str:
    if value == sp.pi:
        return "π"
    if value == sp.E:
        return "e"
    text = str(value) if value.is_Rational else f"{float(value):.4g}"
    return text.replace("-", "−")


def _exponent_label(exponent: sp.Expr) -> str:
    if exponent == sp.Rational(1, 2):
        return "√"
    if exponent == -1:
        return "1/·"
    text = str(exponent)
    return f"^{text}" if exponent.is_Integer else f"^({text})"


class _Builder:
    """Walks the expression tree, sharing repeated subexpressions (so x in x sin(x) is one node)."""

    def __init__(self, variable: sp.Symbol) -> None:
        self.variable = variable
        self.nodes: list[GraphNode] = []
        self.memo: dict[sp.Expr, int] = {}

    def add(self, op: str, label: str, children: list[int], expr: sp.Expr, rule: str,
            exponent: float | None = None) -> int:
        if len(self.nodes) >= MAX_NODES:
            raise GraphTooLargeError(
                f"this expression needs more than {MAX_NODES} graph nodes; the graph would be unreadable "
                f"(try a shorter expression, up to about {READABLE_NODES} operations)")
        index = len(self.nodes)
        self.nodes.append(GraphNode(index, op, label, tuple(children), expr, rule, exponent))
        return index

    def build(self, expr: sp.Expr) -> int:
        """The index of the node computing expr, building it (and its operands) if needed."""
        if not expr.is_number and expr in self.memo:   # constants are not shared: each sits by its user
            return self.memo[expr]
        index = self._build_new(expr)
        if not expr.is_number:
            self.memo[expr] = index
        return index

    def _build_new(self, expr: sp.Expr) -> int:
        if expr == self.variable:
            return self.add("input", expr.name, [], expr, "the input")
        if expr.is_number:
            if not expr.is_real:
                raise ValueError(f"the constant {expr} is not a real number")
            return self.add("const", _number_label(expr), [], expr, "a constant")
        if expr.is_Symbol:
            raise ValueError(f"the graph needs a function of {self.variable.name} only (found {expr.name})")
        if expr.is_Add:
            children = [self.build(term) for term in expr.as_ordered_terms()]
            return self.add("add", "+", children, expr, "d(a + b + …)/da = 1")
        if expr.is_Mul:
            return self._build_mul(expr)
        if expr.is_Pow:
            base, exponent = expr.args
            if base == sp.E:
                return self._build_function(sp.exp, exponent, expr)
            if exponent.is_number:
                child = self.build(base)
                n = float(exponent)
                return self.add("pow", _exponent_label(exponent), [child], expr,
                                f"d a^n/da = n·a^(n−1) with n = {exponent}", n)
            children = [self.build(base), self.build(exponent)]
            return self.add("powx", "^", children, expr, "d a^b/da = b·a^(b−1);  d a^b/db = a^b·ln(a)")
        if isinstance(expr, sp.Function) and len(expr.args) == 1 and type(expr) in _FUNCTIONS:
            return self._build_function(type(expr), expr.args[0], expr)
        raise ValueError(f"the graph cannot show {type(expr).__name__} yet")

    def _build_mul(self, expr: sp.Expr) -> int:
        factors = expr.as_ordered_factors()
        numbers = [f for f in factors if f.is_number]
        others = [f for f in factors if not f.is_number]
        coefficient = sp.Mul(*numbers)
        if coefficient == -1 and others:   # -a reads better as a negation node than as (-1)·a
            rest = others[0] if len(others) == 1 else sp.Mul(*others)
            return self.add("neg", "−", [self.build(rest)], expr, "d(−a)/da = −1")
        operands = ([coefficient] if numbers and coefficient != 1 else []) + others
        if len(operands) == 1:
            return self.build(operands[0])
        children = [self.build(f) for f in operands]
        return self.add("mul", "×", children, expr, "d(a·b·…)/da = the product of the other inputs")

    def _build_function(self, func: type, argument: sp.Expr, expr: sp.Expr) -> int:
        label, _value, _slope, rule = _FUNCTIONS[func]
        return self.add(func.__name__, label, [self.build(argument)], expr, rule)


def build_graph(expr: sp.Expr, variable: sp.Symbol | None = None) -> ComputationalGraph:
    """The computational graph of expr in one variable, laid out left to right.

    Raises GraphTooLargeError over MAX_NODES nodes, ValueError for a second variable or an unknown operation.
    """
    if variable is None:
        symbols = sorted(expr.free_symbols, key=lambda s: s.name)
        if len(symbols) > 1:
            names = ", ".join(s.name for s in symbols)
            raise ValueError(f"the graph here needs a function of one variable (found: {names})")
        variable = symbols[0] if symbols else sp.Symbol("x", real=True)
    builder = _Builder(variable)
    output = builder.build(expr)
    nodes = builder.nodes
    if output != len(nodes) - 1:   # only when expr is a bare shared leaf; cannot happen for a fresh builder
        raise AssertionError("the output node must come last")
    # Post-order building gives a topological order only if every child was built before its parent: check.
    for node in nodes:
        if any(child >= node.index for child in node.children):
            raise AssertionError("graph nodes are not in topological order")
    edges = tuple(GraphEdge(child, node.index, slot) for node in nodes for slot, child in enumerate(node.children))
    columns = layered_columns(nodes)
    rows = layered_rows(nodes, columns)
    positions = tuple((float(c), float(r)) for c, r in zip(columns, rows, strict=True))
    heights = tuple(node_height(node) for node in nodes)
    return ComputationalGraph(expr, variable, tuple(nodes), edges, tuple(columns), positions, heights)


# ---------------------------------------------------------------------------------------------------------
# Numbers


def _evaluate(node: GraphNode, operands: list[float], x0: float) -> float:
    """A node's value from its operands' values."""
    if node.op == "input":
        return x0
    if node.op == "const":
        return float(node.expr)
    if node.op == "add":
        return _safe(lambda *a: math.fsum(a))(*operands)
    if node.op == "mul":
        return _safe(_product)(*operands)
    if node.op == "neg":
        return -operands[0]
    if node.op == "pow":
        return _power(operands[0], node.exponent)
    if node.op == "powx":
        return _power(operands[0], operands[1])
    _label, value, _slope, _rule = _BY_NAME[node.op]
    return _safe(value)(operands[0])


def _local_derivatives(node: GraphNode, operands: list[float], value: float) -> list[float]:
    """d node / d operand for each operand, at the forward values (the labels on the edges in)."""
    if node.op == "add":
        return [1.0] * len(operands)
    if node.op == "mul":   # product of the others, not value / operand: an operand may be 0
        return [_safe(_product)(*(operands[:i] + operands[i + 1:])) for i in range(len(operands))]
    if node.op == "neg":
        return [-1.0]
    if node.op == "pow":
        n = node.exponent
        return [0.0 if n == 0 else _safe(lambda a: n * _power(a, n - 1))(operands[0])]
    if node.op == "powx":
        base, exponent = operands
        d_base = _safe(lambda b, e: e * _power(b, e - 1))(base, exponent)
        d_exponent = _safe(lambda b, e: _power(b, e) * math.log(b))(base, exponent)
        return [d_base, d_exponent]
    _label, _value, slope, _rule = _BY_NAME[node.op]
    return [_safe(slope)(operands[0], value)]


def _product(*values: float) -> float:
    result = 1.0
    for v in values:
        result *= v
    return result


def _power(base: float, exponent: float) -> float:
    """base ** exponent as a real number: nan for a negative base with a fractional exponent, inf for 0^-1."""
    if math.isnan(base) or math.isnan(exponent):
        return math.nan
    if base == 0.0 and exponent < 0:
        return math.inf   # as NumPy: 1/0 is inf, so plots and graph agree
    if base < 0 and not float(exponent).is_integer():
        return math.nan
    try:
        result = base ** exponent
    except OverflowError:
        return math.inf
    return math.nan if isinstance(result, complex) else float(result)
