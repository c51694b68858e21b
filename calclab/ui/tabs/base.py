"""The tab contract, written once: what the window, sessions and export may ask of every tab.

A tab is a QWidget built as `TabClass(worker, parent)` over one small Qt-free state object. Every tab binds the
same way: `tab.py` keeps a private `_state`; each control's slot writes its field; `set_state` shows a state on
the widgets (with their signals blocked) and starts the work it needs; widgets are never read back to rebuild
the state. Session save/open and export use only what is declared here: no `hasattr`, no tab names tested.

Worker jobs go through `submit`, which keys them per tab and per job (a newer job supersedes an older one of
the same name), drops results that arrive after the tab is gone, knows whether the tab is still waiting
(`is_busy`), reports a failure the same way in every tab unless the caller handles it, and clears a failure's
status-bar message when the job is submitted again or next succeeds (a stale "gave up" never stays).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from calclab.state import tab_spec
from calclab.ui.worker import JobFailure

if TYPE_CHECKING:
    import pyqtgraph as pg

    from calclab.ui.worker import SymbolicWorker

Animation = tuple[int, Iterator[str]]        # (frame count, captions: each yielded once the plots show it)
Table = tuple[list[str], list[list[object]]]  # (header, rows)


class TabBase(QWidget):
    """Base class of every tab. Subclasses set `name` (the registry's, calclab.state.TABS, which gives the title,
    the views `calclab export TAB --view V` accepts and whether the tab exports an animation and a table) and
    implement the state property, `set_state` and `main_plot`; a tab with more than one view overrides
    `view_plot`; one with an animation or a table overrides `export_animation` / `export_table`."""

    name: str = ""
    table_label: str = "data"    # the CSV's suggested file name: "<tab>-<table_label>.csv"
    status_message = Signal(str)  # a one-line message for the window's status bar

    def __init__(self, worker: SymbolicWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self._jobs_out: set[str] = set()          # job names submitted and not yet answered
        self._jobs_failed: set[str] = set()       # jobs whose last answer was a failure (its message may show)
        keys: set[str] = set()
        self._job_keys = keys
        # A job still out when the tab is deleted is dropped, so no callback touches a deleted widget.
        self.destroyed.connect(lambda *_: [worker.cancel(key) for key in list(keys)])

    # -- the contract ------------------------------------------------------------------------------------

    @property
    def title(self) -> str:
        """The tab's title, as the registry gives it."""
        return tab_spec(self.name).title

    # `state`: a property in every tab, returning a copy of its current inputs (its state dataclass).

    def set_state(self, state: Any) -> None:
        """Show `state` on the widgets and start what it needs (the last good result stays until then)."""
        raise NotImplementedError

    def main_plot(self) -> pg.PlotWidget:
        """The plot that Ctrl+E and `calclab export` write."""
        raise NotImplementedError

    def plots(self) -> list[pg.PlotWidget]:
        """Every plot of the tab (the export buttons, themes and tests walk them)."""
        return [self.main_plot()]

    def view_plot(self, view: str) -> pg.PlotWidget | QWidget:
        """What `calclab export TAB --view V` renders: one of the tab's views in the registry."""
        views = tab_spec(self.name).views
        if view not in views:
            raise KeyError(f"the {self.name} tab has no view '{view}'; choose from {', '.join(views)}")
        return self.main_plot()

    def is_busy(self) -> bool:
        """True while a job of this tab is out (tests, --screenshot and export wait for it)."""
        return bool(self._jobs_out)

    def is_ready(self) -> bool:
        """True once the tab shows a result for its state (export refuses a tab that never gets there)."""
        return not self.is_busy()

    def play_to_end(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Run what the tab animates (a descent, a training run) to its end without redrawing every step, so a
        picture or a table shows the finished run; `progress(done, total)` hears of it now and then (a progress
        bar, a Ctrl+C check). Tabs without an animation show their result already: nothing to do."""

    def export_animation(self) -> Animation | None:
        """The tab's animation for a GIF (None: the tab has none). Tabs that have one override this."""
        return None

    def export_table(self) -> Table | None:
        """The tab's data for a CSV (None: the tab has none). Tabs that have one override this."""
        return None

    def has_animation(self) -> bool:
        """True if the tab offers an animation (as the registry says; asking does not make it)."""
        return tab_spec(self.name).animation

    def has_table(self) -> bool:
        """True if the tab offers a data table (as the registry says)."""
        return tab_spec(self.name).table

    # -- jobs --------------------------------------------------------------------------------------------

    def submit(self, job: str, func: Callable, *args: object, on_done: Callable[[Any], None],
               on_error: Callable[[JobFailure], None] | None = None) -> None:
        """Run func(*args) in the worker as this tab's job `job` (superseding the last one of that name).

        `on_done(result)` or `on_error(JobFailure)` runs on the GUI thread, never after the tab is deleted;
        without `on_error` a failure is reported by `show_failure`.
        """
        if self.worker.is_closed():   # the window is closing: nothing will answer, so nothing is out
            return
        key = f"{self.name}.{job}.{id(self)}"
        self._job_keys.add(key)
        self._jobs_out.add(job)
        self._clear_failure(job)   # a new input: the last failure's message no longer applies
        report = on_error if on_error is not None else (lambda failure: self.show_failure(job, failure))
        self.worker.submit(key, func, *args, on_done=self._answer(job, on_done, failed=False),
                           on_error=self._answer(job, report, failed=True))

    def cancel(self, job: str) -> None:
        """Drop this tab's job `job` if it is out (its callbacks are never called)."""
        self.worker.cancel(f"{self.name}.{job}.{id(self)}")
        self._jobs_out.discard(job)

    def show_failure(self, job: str, failure: JobFailure) -> None:
        """How a tab says a job failed when the caller gave no `on_error`: one line in the status bar."""
        self.status_message.emit(f"{self.title}: {failure.message}")

    def _answer(self, job: str, callback: Callable[[Any], None], failed: bool) -> Callable[[Any], None]:
        def call(value: object) -> None:
            if shiboken6.isValid(self):   # a late answer for a tab that is gone is dropped
                self._jobs_out.discard(job)
                if failed:
                    self._jobs_failed.add(job)
                else:
                    self._clear_failure(job)   # the next success clears a failure's status message
                callback(value)
        return call

    def _clear_failure(self, job: str) -> None:
        if job in self._jobs_failed:
            self._jobs_failed.discard(job)
            self.status_message.emit("")
