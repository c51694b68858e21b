"""The Descent iteration table as text (Qt-free): the tab's table model shows it, and `calclab export descent
--out run.csv` writes it straight from an engine run, without a window (20,000 epochs in about the time
`calclab descent` takes).

Row 0 is the start point; row k is epoch k (the state after k updates). Point and f carry every digit (the
lesson's printout); the gradient an update used, the step it made and the optimizer's state come in the one number
style on screen and with every digit in the CSV.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from calclab.engine.descent_history import History
from calclab.engine.numbers import format_vector

# One style for every state column: the symbol, then what it holds.
INTERNAL_LABELS = {"velocity": "b (velocity)", "sum_sq": "Σg² (sum of g²)", "m": "m (mean g)", "v": "v (mean g²)"}


def fmt(value: float) -> str:
    """Python's repr of the float: the digits the lesson's program prints (8.0, 40.96000000000001)."""
    return repr(float(value))


def compact(values: Sequence[float]) -> str:
    """The one number style (the step 6.4 - 8.0 shows as −1.6, a tiny one as −1.84228×10⁻⁵); pairs as (a, b)."""
    return format_vector(values)


def full(values: Sequence[float]) -> str:
    """Every digit; pairs as (a, b)."""
    parts = [fmt(v) for v in values]
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def header(names: Sequence[str], internals: Sequence[str]) -> list[str]:
    """The column titles: epoch, each variable, f, the gradient used, the step, then the optimizer's state."""
    grad = "f′ used" if len(names) == 1 else "∇f used"
    return ["Epoch", *names, f"f({', '.join(names)})", grad, "step", *(INTERNAL_LABELS.get(n, n) for n in internals)]


def cell_text(history: History, names: Sequence[str], internals: Sequence[str], row: int, column: int,
              vector_format: Callable[[Sequence[float]], str] = compact) -> str:
    """One cell through `vector_format`: `compact` on screen (the one number style), `full` for the CSV, the
    tooltips and "Copy as text" (every digit the lesson's program prints)."""
    n = len(names)
    if column == 0:
        return str(row)
    if column <= n:
        return vector_format([history.path[row, column - 1]])
    if column == n + 1:
        return vector_format([history.path_f[row]])
    if row == 0:
        return ""
    if column == n + 2:
        return vector_format(history.path_grad[row - 1])
    if column == n + 3:
        return vector_format(history.path[row] - history.path[row - 1])
    return vector_format(history.internal(internals[column - n - 4])[row - 1])


def full_rows(history: History, names: Sequence[str], internals: Sequence[str]) -> list[list[str]]:
    """Every row from the start point to the last epoch, every digit (the CSV)."""
    columns = range(4 + len(names) + len(internals))
    return [[cell_text(history, names, internals, row, c, full) for c in columns] for row in range(len(history) + 1)]


def table_for_state(state, progress: Callable[[int, int], None] | None = None) -> tuple[list[str], list[list[str]]]:
    """The table the Descent tab shows for `state` after Run to the end: the same preparation, compiled functions
    and runs as the tab (engine.jobs.descent), the primary run's rows. `progress(epoch, epochs)` now and then."""
    from calclab.engine.jobs.descent import build_runs, compile_prepared, prepare
    from calclab.engine.parsing import parse

    compiled = compile_prepared(prepare(parse(state.expression)))
    _name, run = build_runs(compiled, state, state.start)[0]
    while run.run(max_steps=500):
        if progress is not None:
            progress(run.epoch, run.epochs)
    names = [v.name for v in compiled.prepared.variables]
    internals = tuple(run.internals) if state.show_internals else ()
    return header(names, internals), full_rows(run.history, names, internals)
