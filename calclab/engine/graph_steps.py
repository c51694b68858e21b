"""Walking a computational graph node by node, and each step's arithmetic in words (for the Chain Rule tab).

GraphStepper knows how far the forward and backward passes have got; describe_forward/describe_backward say
what a step computed ("(2x + 3)^2 = 4^2 = 16", "dy/d[x] = 0.5 · 0.8776 + 1 · 0.4794 = 0.9182 ..."). No Qt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from calclab.engine.graph import BackwardPass, ComputationalGraph, ForwardPass
from calclab.engine.numbers import format_number


def plain(expr: sp.Expr, limit: int = 40) -> str:
    """Readable one-line text for an expression: 8x + 12, (8x + 12)·cos((2x + 3)^2); cut at `limit` chars."""
    text = str(expr).replace("**", "^")
    text = re.sub(r"(?<![\w.])(\d+(?:\.\d+)?)\*(?=[A-Za-z(])", r"\1", text)   # 2*x -> 2x
    text = text.replace("*", "·")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def number(value: float) -> str:
    """A value as the graph shows it: the one number style (numbers.py) at 4 significant digits, 2.225×10⁻⁵."""
    return format_number(value, 4)


@dataclass
class GraphStepper:
    """Where the node-by-node walk through a graph is: the forward pass first, then the backward pass."""

    graph: ComputationalGraph
    forward_done: int = 0     # nodes whose value is shown, in forward order
    backward_done: int = 0    # nodes whose gradient is shown, in backward order

    @property
    def size(self) -> int:
        return len(self.graph.nodes)

    def can_step_forward(self) -> bool:
        return self.forward_done < self.size

    def can_step_backward(self) -> bool:
        """Backward needs every forward value first (a gradient multiplies by local derivatives at those values)."""
        return self.forward_done == self.size and self.backward_done < self.size

    def step_forward(self) -> int | None:
        """Reveal the next node's value; its index, or None when the forward pass is complete."""
        if not self.can_step_forward():
            return None
        self.forward_done += 1
        return self.graph.forward_order()[self.forward_done - 1]

    def step_backward(self) -> int | None:
        """Reveal the next node's gradient; its index, or None when not possible."""
        if not self.can_step_backward():
            return None
        self.backward_done += 1
        return self.graph.backward_order()[self.backward_done - 1]

    def run_forward(self) -> None:
        self.forward_done = self.size

    def run_backward(self) -> None:
        if self.forward_done == self.size:
            self.backward_done = self.size

    def reset(self) -> None:
        self.forward_done = self.backward_done = 0

    def current(self) -> tuple[str, int] | None:
        """("forward" | "backward", node) for the node revealed last, None before the first step."""
        if self.backward_done:
            return "backward", self.graph.backward_order()[self.backward_done - 1]
        if self.forward_done:
            return "forward", self.graph.forward_order()[self.forward_done - 1]
        return None

    def values_shown(self) -> set[int]:
        return set(self.graph.forward_order()[: self.forward_done])

    def gradients_shown(self) -> set[int]:
        return set(self.graph.backward_order()[: self.backward_done])


def describe_forward(graph: ComputationalGraph, forward: ForwardPass, index: int) -> str:
    """What the forward pass computes at a node: (2x + 3)^2 = 4^2 = 16."""
    node = graph.nodes[index]
    value = number(forward.values[index])
    if node.op == "input":
        return f"input {node.label} = {value}"
    if node.op == "const":
        return f"constant {node.label}"
    operands = [_operand(forward.values[c]) for c in node.children]
    if node.op == "add":
        computed = " + ".join(operands)
    elif node.op == "mul":
        computed = " × ".join(operands)
    elif node.op == "neg":
        computed = f"−1 × {operands[0]}"
    elif node.op == "pow":
        computed = f"{operands[0]}^{number(node.exponent)}" if node.label != "√" else f"√{operands[0]}"
    elif node.op == "powx":
        computed = f"{operands[0]}^{operands[1]}"
    else:
        computed = f"{node.label}({number(forward.values[node.children[0]])})"
    return f"{plain(node.expr)} = {computed} = {value}"


def describe_backward(graph: ComputationalGraph, forward: ForwardPass, backward: BackwardPass, index: int) -> str:
    """What the backward pass computes at a node: its gradient from the nodes it feeds, paths added."""
    node = graph.nodes[index]
    target = f"dy/d[{plain(node.expr, 24)}]"
    if index == graph.output:
        return f"{target} = 1: the output's rate against itself starts the backward pass"
    uses = graph.edges_out_of(index)
    terms = [f"{_operand(backward.gradients[graph.edges[e].parent])} · {_operand(backward.local[e])}" for e in uses]
    text = f"{target} = {' + '.join(terms)} = {number(backward.gradients[index])}"
    if len(uses) > 1:
        text += f"  ({plain(node.expr, 12)} feeds {len(uses)} nodes: their contributions add)"
    else:
        text += "  (its parent's gradient × the local derivative on the edge)"
    return text


def _operand(value: float) -> str:
    text = number(value)
    return f"({text})" if text.startswith("−") else text
