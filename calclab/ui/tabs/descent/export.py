"""What the Descent tab exports beyond its plots: the epochs as a GIF's frames and the iteration table as a CSV.

Both drive the tab through its public API (step, reset, the table model), so a frame shows exactly what Step
shows and a row holds exactly what the table holds, every digit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from calclab.engine.numbers import format_number
from calclab.ui.export import ExportError
from calclab.ui.tabs.base import Animation, Table

if TYPE_CHECKING:
    from calclab.ui.tabs.descent.tab import DescentTab
    from calclab.ui.tabs.descent.table import IterationTableModel


def epoch_animation(tab: DescentTab) -> Animation:
    """Every epoch from the start point up to where the runs are now (the whole run if none was made yet)."""
    if not tab.is_ready():
        raise ExportError("the descent is not ready yet (its function is still being prepared)")
    tab.pause()
    runs = [run for _name, run in tab.runs]
    target = max(len(run.history) for run in runs)
    if target == 0:            # nothing stepped yet: animate the whole run, as Run would show it
        while tab.step(redraw=False):
            pass
        target = max(len(run.history) for run in runs)

    def steps() -> Iterator[str]:
        """Resumed with False (the next frame is skipped by the GIF's sampling) it steps without drawing."""
        tab.reset()
        draw = yield "epoch 0"
        for epoch in range(1, target + 1):
            if not tab.step(redraw=draw is not False):
                tab.redraw()      # a run that ended early shows where it stopped
                return
            draw = yield f"epoch {epoch}"

    return target + 1, steps()


def iteration_table(model: IterationTableModel) -> Table:
    """The table's rows with every digit (the tooltips hold them), without the closing status row."""
    return model.export_rows()


def export_caption(tab: DescentTab) -> str:
    """f, each optimizer with its rate (and the schedule), and the epoch the plot shows (issue 15)."""
    s = tab.state
    methods = "; ".join(name if name == "newton" else f"{name}, η = {format_number(s.lr_for(name))}"
                        for name in s.optimizers())
    schedule = "" if s.schedule == "constant" else f" ({s.schedule} schedule)"
    epoch = max((run.epoch for _name, run in tab.runs), default=0)
    f = f"f({', '.join(tab._names())}) = {s.expression}"
    return f"{tab.title}: {f} · {methods}{schedule} · epoch\u00a0{epoch}"
