"""What the Descent tab exports: its plots (the map or the 3D surface), the epochs as a GIF's frames, the
iteration table as a CSV, the runs played to their end, the caption and the lesson-format text.

They drive the tab through its public API (step, reset, the table model), so a frame shows exactly what Step
shows and a row holds exactly what the table holds, every digit. `DescentExports` puts them on the tab as
TabBase's export hooks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from calclab.engine.numbers import format_number
from calclab.ui.export import ExportError
from calclab.ui.tabs.base import Animation, Table
from calclab.ui.tabs.descent.text import lesson_lines

if TYPE_CHECKING:
    from calclab.ui.tabs.descent.tab import DescentTab
    from calclab.ui.tabs.descent.table import IterationTableModel

PROGRESS_EVERY = 500   # steps between progress reports when playing a run to its end (an export)


class DescentExports:
    """The Descent tab's export hooks (TabBase's contract), mixed into DescentTab."""

    def copy_text(self: DescentTab) -> str:
        """The table's run in the lesson's format (what `calclab descent` prints)."""
        run = self._table_run()
        return "\n".join(lesson_lines(run, self._names())) if run is not None else ""

    def main_plot(self: DescentTab):
        return self.function_view.main_plot()

    def view_plot(self: DescentTab, view: str):
        """The contour map, or the 3D surface (shown for the export)."""
        if view == "surface":
            return self.surface.export_widget()
        return super().view_plot(view)

    def plots(self: DescentTab) -> list:
        return [self.function_view.main_plot(), self.loss_view.main_plot()]

    def export_animation(self: DescentTab) -> Animation:
        """Every epoch from the start up to where the runs are now (the whole run if none was made yet)."""
        return epoch_animation(self)

    def export_table(self: DescentTab) -> Table:
        """The iteration table of the run it shows, every digit."""
        return iteration_table(self.table_model)

    def export_caption(self: DescentTab) -> str:
        return export_caption(self)

    def play_to_end(self: DescentTab, progress: Callable[[int, int], None] | None = None) -> None:
        """Step every run to its last epoch (or to where it stops), then draw once."""
        total = max((run.epochs for _name, run in self.runs), default=0)
        steps = 0
        while self.step(redraw=False):
            steps += 1
            if progress is not None and steps % PROGRESS_EVERY == 0:
                progress(max(run.epoch for _name, run in self.runs), total)
        self.redraw()

    def redraw(self: DescentTab) -> None:
        """Bring every view up to the runs' current epoch (after steps taken without drawing)."""
        self._refresh()


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
