"""The Descent tab's live preview, and what the learning rates show: its side plots' inputs, the stable-rate
hint and the legends' rates.

Preview draws every epoch at once and redraws the whole path as the learner changes η, momentum, β₁/β₂ or drags
the start point. The paths are computed on the GUI thread from the functions compiled in the worker (no SymPy:
3 runs of 100 epochs take a few milliseconds); the map is not drawn again, since f and the window stay. Changes
that arrive faster than a redraw (a slider, a drag) are merged: one recomputation per pass of the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer

from calclab.engine.descent import Descent
from calclab.engine.rates import eigenvalues
from calclab.ui.tabs.descent.text import bound_html

if TYPE_CHECKING:
    from calclab.ui.tabs.descent.tab import DescentTab

REST_MS = 150               # the table and legends follow a preview once the slider has rested this long
PREVIEW_MAX_STEPS = 6_000    # steps of all runs together a preview computes per redraw (longer runs: their start)
NOT_QUADRATIC = ("f is not quadratic: its curvature changes from point to point, so no rate per direction holds "
                 "for the whole run. Try x² + 10y².")
BY_DIFFERENCES = ("Newton's Hessian is computed here by central differences of the gradient (f is too large for a "
                  "symbolic one).")


class Preview:
    """Preview mode for `tab`: on/off (its Preview check box), and the merged requests to recompute."""

    def __init__(self, tab: DescentTab) -> None:
        self.tab = tab
        self.on = False
        self._rebuild = False
        self.timer = QTimer(tab)
        self.timer.setSingleShot(True)
        self.timer.setInterval(0)
        self.timer.timeout.connect(self.flush)
        # While a slider moves, the table and the legends wait until it rests this long: they are what a redraw
        # costs most, and nobody reads them mid-drag.
        self.rest_timer = QTimer(tab)
        self.rest_timer.setSingleShot(True)
        self.rest_timer.setInterval(REST_MS)
        self.rest_timer.timeout.connect(self._on_rest)
        tab.check_preview.toggled.connect(self.set_on)

    def set_on(self, on: bool) -> None:
        """Switch preview on (every path computed to its end now) or off (the paths stay; Step and Run return)."""
        self.on = on
        self.tab.pause()
        if on:
            self.request(rebuild=False)
            self.flush()
        else:
            self.tab._update_buttons()

    def play(self, runs: Sequence[tuple[str, Descent]]) -> None:
        """In preview, step every run to its end (or its share of PREVIEW_MAX_STEPS); otherwise nothing."""
        if not self.on or not runs:
            return
        share = max(1, PREVIEW_MAX_STEPS // len(runs))
        for _name, run in runs:
            run.run(max_steps=share)

    def request(self, rebuild: bool) -> None:
        """Recompute at the next pass of the event loop: new runs (`rebuild`: a new start or setting), or the same
        runs from the start with the current learning rates."""
        self._rebuild |= rebuild
        if not self.timer.isActive():
            self.timer.start()

    def flush(self) -> None:
        """Do the recomputation asked for now (a drag's release, or the timer)."""
        self.timer.stop()
        rebuild, self._rebuild = self._rebuild, False
        tab = self.tab
        if rebuild or not self.on or not tab.runs:
            tab._rebuild_runs(quick=rebuild and self.on)
            return
        for name, run in tab.runs:
            run.lr = tab._state.lr_for(name)
            run.reset()
        self.play(tab.runs)
        show_learning_rates(tab, quick=True)
        self.rest_timer.start()

    def _on_rest(self) -> None:
        """The slider rests: the table shows the new paths, the legends their rates."""
        tab = self.tab
        tab.table_model.set_run(tab._table_run(), tab._names(), tab._state.show_internals)
        if tab.runs:
            show_learning_rates(tab)


def show_side_plots(tab: DescentTab) -> None:
    """The η plot for the runs, the per-direction rates for a quadratic f (or why not), Newton's Hessian note."""
    state, compiled = tab._state, tab.compiled
    tab.lr_view.set_runs(tab.runs)
    if compiled is None:
        return
    running = state.optimizers()
    constant = compiled.prepared.constant_hessian
    if constant is None:
        tab.rate_view.set_quadratic(None, None, NOT_QUADRATIC)
    else:
        decay = state.weight_decay or 0.0      # sgd and momentum: torch's L2 adds it to every curvature
        beta = state.momentum if "momentum" in running else None
        tab.rate_view.set_quadratic(eigenvalues(constant, decay), beta)
    tab.rate_view.set_learning_rate(state.learning_rate)
    note = BY_DIFFERENCES if "newton" in running and compiled.hessian.by_differences else ""
    tab.inputs.set_hessian_note(note)


def show_bound(tab: DescentTab) -> None:
    """The stable-learning-rate hint under the inputs, from the Hessian at the start point."""
    if tab.compiled is not None:
        state, constant = tab._state, tab.compiled.prepared.constant_hessian is not None
        tab.inputs.label_bound.setText(bound_html(tab._start_hessian, constant, state.optimizer,
                                                  state.momentum, state.learning_rate))


def show_learning_rates(tab: DescentTab, quick: bool = False) -> None:
    """The runs' new rates on screen; `quick` (a preview while a slider moves) leaves the legends' labels and
    their placement until the slider rests."""
    for name, run in tab.runs:
        run.lr = tab._state.lr_for(name)   # compared optimizers with their own η keep it
    if not quick:
        tab.function_view.relabel()
        tab.loss_view.relabel()
    show_bound(tab)
    if tab.runs:
        tab._refresh()
