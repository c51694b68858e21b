"""Left-to-right layered layout of a computational graph: a column per depth, rows like a sideways tree.

Kept apart from graph.py (the maths); positions are in (column, row) units and the view scales them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from calclab.engine.graph import GraphNode


def layered_columns(nodes: Sequence[GraphNode]) -> list[int]:
    """Column = longest path from an input; a constant sits just left of the one node that uses it."""
    columns = [0] * len(nodes)
    for node in nodes:
        operand_columns = [columns[c] for c in node.children if nodes[c].op != "const"]
        columns[node.index] = 1 + max(operand_columns, default=0) if node.children else 0
    for node in nodes:
        for child in node.children:
            if nodes[child].op == "const":
                columns[child] = columns[node.index] - 1
    return columns


def layered_rows(nodes: Sequence[GraphNode], columns: list[int]) -> list[float]:
    """Rows like a sideways tree: leaves stacked in reading order, an operation level with its operands' middle.

    Columns are then settled left to right: each operation moves to the middle of its operands' rows and the
    nodes of a column are pushed at least one row apart (a shared x can put two nodes on one row).
    """
    rows = [0.0] * len(nodes)
    seen: set[int] = set()
    next_leaf = 0.0
    stack = [(len(nodes) - 1, False)]
    while stack:   # depth-first, operands in order: leaves get rows in the order they are read
        index, expanded = stack.pop()
        if index in seen and not expanded:
            continue
        if not nodes[index].children:
            seen.add(index)
            rows[index], next_leaf = next_leaf, next_leaf + 1.0
        elif not expanded:
            seen.add(index)
            stack.append((index, True))
            stack.extend((c, False) for c in reversed(nodes[index].children))
    for column in sorted(set(columns)):
        members = [i for i in range(len(nodes)) if columns[i] == column]
        for i in members:
            if nodes[i].children:
                rows[i] = sum(rows[c] for c in nodes[i].children) / len(nodes[i].children)
        members.sort(key=lambda i: (rows[i], i))
        for previous, current in zip(members, members[1:], strict=False):
            rows[current] = max(rows[current], rows[previous] + 1.0)
    # The input feeds several nodes (x^3 + 2x^2 + 3x): set it level with the middle of its users, so its
    # edges fan out both ways instead of all running downhill from the top row.
    for index, node in enumerate(nodes):
        users = [n.index for n in nodes if index in n.children]
        if node.op == "input" and len(users) > 1:
            rows[index] = sum(rows[u] for u in users) / len(users)
            members = sorted((i for i in range(len(nodes)) if columns[i] == columns[index]), key=lambda i: rows[i])
            for previous, current in zip(members, members[1:], strict=False):
                rows[current] = max(rows[current], rows[previous] + 1.0)
    top = min(rows)
    return [r - top for r in rows]
