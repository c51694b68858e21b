"""Left-to-right layered layout of a computational graph: a column per depth, rows like a sideways tree.

Kept apart from graph.py (the maths); positions are in (column, row) units and the view scales them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from calclab.engine.graph import GraphNode


def node_height(node: GraphNode) -> float:
    """A node's height in rows: 1, or more for a sum or product of many operands (room for one port each)."""
    return max(1.0, 0.21 * len(node.children) + 0.2)   # ports at least ~17 px apart in the drawn box


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
    nodes of a column are pushed at least one row apart (a shared x can put two nodes on one row). Last,
    `_relax` pulls every node towards its neighbours, which reorders columns to uncross edges.
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
    _relax(nodes, columns, rows)
    top = min(r - node_height(n) / 2 for r, n in zip(rows, nodes, strict=True))
    return [r - top - 0.5 for r in rows]   # the topmost box's top at -0.5, as for a row-0 node of height 1


RELAX_PASSES = 8


def _relax(nodes: Sequence[GraphNode], columns: list[int], rows: list[float]) -> None:
    """Pull each node towards the middle of its neighbours (operands and users), column by column, alternating
    sweeps left to right and back; each column is then spread to one row apart with the least movement.

    Sorting a column by these wished-for rows is the barycentre heuristic for fewer edge crossings; the
    spreading keeps nodes apart. A shared input settles in the middle of the nodes it feeds.
    """
    heights = [node_height(node) for node in nodes]
    users: list[list[int]] = [[] for _ in nodes]
    for node in nodes:
        for child in node.children:
            users[child].append(node.index)
    by_column: dict[int, list[int]] = {}
    for index, column in enumerate(columns):
        by_column.setdefault(column, []).append(index)
    order = sorted(by_column)
    for sweep in range(RELAX_PASSES):
        for column in (order if sweep % 2 == 0 else reversed(order)):
            wished = {}
            for i in by_column[column]:
                neighbours = list(nodes[i].children) + users[i]
                wished[i] = sum(rows[n] for n in neighbours) / len(neighbours) if neighbours else rows[i]
            for i, row in _spread(by_column[column], wished, heights).items():
                rows[i] = row


def _spread(members: list[int], wished: dict[int, float], heights: list[float]) -> dict[int, float]:
    """Centre rows for one column: in the order of the wished-for rows, not overlapping (node i is heights[i]
    rows tall), as close to the wishes as possible.

    Neighbours that would overlap are merged into a block placed at the mean of their wishes (the classic
    minimum-displacement placement in one dimension).
    """
    def offsets(block: list[int]) -> list[float]:
        result = [0.0]
        for above, below in zip(block, block[1:], strict=False):
            result.append(result[-1] + (heights[above] + heights[below]) / 2)
        return result

    blocks: list[tuple[list[int], float]] = []   # (members in order, centre row of the first)
    for i in sorted(members, key=lambda m: (wished[m], m)):
        blocks.append(([i], wished[i]))
        while len(blocks) > 1:
            (above, first_above), (below, first_below) = blocks[-2], blocks[-1]
            last_above = first_above + offsets(above)[-1]
            if last_above + (heights[above[-1]] + heights[below[0]]) / 2 <= first_below + 1e-12:
                break
            merged = above + below
            start = sum(wished[m] - o for m, o in zip(merged, offsets(merged), strict=True)) / len(merged)
            blocks[-2:] = [(merged, start)]
    return {m: start + o for block, start in blocks for m, o in zip(block, offsets(block), strict=True)}
