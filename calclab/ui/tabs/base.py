"""The tab contract, written once: what the window, sessions and export may ask of every tab.

A tab is a QWidget built as `TabClass(worker, parent)` over one small Qt-free state object. Every tab binds the
same way: `tab.py` keeps a private `_state`; each control's slot writes its field; `set_state` shows a state on
the widgets (with their signals blocked) and starts the work it needs; widgets are never read back to rebuild
the state. Session save/open and export use only what is declared here: no `hasattr`, no tab names tested.

Worker jobs go through `submit`, which keys them per tab and per job (a newer job supersedes an older one of
the same name), drops results that arrive after the tab is gone, knows whether the tab is still waiting
(`is_busy`), reports a failure the same way in every tab unless the caller handles it, and clears a failure's
status-bar message when the job is submitted again or next succeeds (a stale "gave up" never stays). A message
of the tab's own that goes stale the same way (a run that diverged, a result shown unsimplified) is said with
`say_failure(key, ...)` and cleared with `clear_failure(key)` (or by submitting job `key`).

A tab never leaves its plots empty and silent: while its first job is out they say "Still working…", and when
a job fails they say "Could not compute: why" with a Retry button (`notice_job_out`, `notice_job_failed`; the
notice itself is calclab.ui.widgets.notice, the same in every tab).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from calclab.state import tab_spec
from calclab.ui.widgets.notice import WORKING, PlotNotice, clear_notice, failure_text, notice_of, show_notice
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
    # A launched window (calclab.app.run_gui) lets a tab open on a view shipped as plain data, before SymPy is
    # loaded, then `hydrate()`s (the Derivatives tab: its first_view.py). Tests see ordinary tabs.
    shipped_first_view: bool = False
    status_message = Signal(str)  # a one-line message for the window's status bar

    def __init__(self, worker: SymbolicWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self._jobs_out: set[str] = set()          # job names submitted and not yet answered
        self._failure_key: str | None = None      # the job (or key) whose failure the status bar says now
        self._said = 0                            # status messages emitted so far (did a callback say something?)
        self.status_message.connect(self._on_status_said)
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

    def laid_out(self) -> None:
        """The window has just shown this tab on screen and laid it out, before painting it: anything drawn for
        the widgets' sizes (curves sampled for a plot's width) is best redrawn now, so the first paint is whole."""

    def hydrate(self) -> None:
        """A tab opened on a shipped view (shipped_first_view) loads what its inputs need now, showing the same
        (the window calls this once its first tab is complete). Nothing to do for the others."""

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

    def export_caption(self) -> str:
        """One line saying what an exported plot shows, drawn over it (`calclab export`, the Export menu) unless
        turned off: here the tab's title; tabs add their function and settings ("Descent: f(x) = x^2 · ...")."""
        return self.title

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
        self.clear_failure(job)   # a new input: the last failure's message no longer applies
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
                if not failed:
                    self.clear_failure(job)   # the next success clears a failure's status message
                said = self._said
                callback(value)
                if failed and self._said != said and job not in self._jobs_out:
                    self._failure_key = job   # what the callback said is this job's failure, until it goes stale
        return call

    def say_failure(self, key: str, message: str) -> None:
        """Say a failure in the status bar that goes stale with `key` (a job's name, or the tab's own key such as
        "run"): it is cleared by `clear_failure(key)`, or when job `key` is submitted again or succeeds."""
        self.status_message.emit(message)
        self._failure_key = key

    def clear_failure(self, key: str) -> None:
        """Clear the status bar if it still says the failure of `key` (not if a later message replaced it)."""
        if self._failure_key == key:
            self.status_message.emit("")

    def _on_status_said(self, _message: str) -> None:
        self._said += 1
        self._failure_key = None   # a newer message replaces the failure's (say_failure sets it after)

    # -- the notice over the plots ---------------------------------------------------------------------

    def notice(self) -> PlotNotice:
        """The notice over the main plot (what it says, its Retry button): tests and screenshots read it."""
        return notice_of(self.main_plot())

    def show_notice(self, text: str, retry: Callable[[], None] | None = None) -> None:
        """Say `text` over every plot of the tab, with a Retry button calling `retry` (when given) on the main one."""
        main = self.main_plot()
        for plot in self.plots():
            show_notice(plot, text, retry if plot is main else None)

    def clear_notice(self) -> None:
        for plot in self.plots():
            clear_notice(plot)

    def notice_job_out(self, has_result: bool) -> None:
        """A job for new input is out: plots with nothing to show say "Still working…"; a stale notice goes."""
        if has_result:
            self.clear_notice()
        else:
            self.show_notice(WORKING)

    def notice_job_failed(self, failure: JobFailure, retry: Callable[[], None] | None = None, say: str = "") -> None:
        """A job failed: "Could not compute: why" over the plots (the last result, if any, stays under it) with a
        Retry button (`retry`, by default the tab's `retry`), and `say` in the status bar if given."""
        self.show_notice(failure_text(failure.message), retry or self.retry)
        if say:
            self.status_message.emit(say)

    def retry(self) -> None:
        """Compute the tab's state again (the notice's Retry): setting the same state again re-submits its jobs.
        A tab that can redo less (only the job that failed) overrides this."""
        self.set_state(self.state)
