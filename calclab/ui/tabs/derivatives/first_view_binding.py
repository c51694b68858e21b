"""The Derivatives tab's shipped first view, bound in one place (issue 19): drawn from first_view.py's plain data
without SymPy, then hydrated into the ordinary view. DerivativesTab mixes this in; its set_state drops the view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from calclab.ui.signals import signals_blocked
from calclab.ui.tabs.derivatives.numeric import slice_of

if TYPE_CHECKING:
    from calclab.state.derivatives import DerivativesState
    from calclab.ui.tabs.derivatives.first_view import FirstView

HYDRATE_INPUTS = (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
                  QEvent.Type.Wheel, QEvent.Type.ShortcutOverride)
RELEASE_WAIT_MS = 1000     # painting held at most this long while hydrating


class FirstViewBinding:
    """Mixin for DerivativesTab: see the module docstring."""

    def _show_first_view(self, state: DerivativesState, view: FirstView) -> None:
        """Draw the default state from plain shipped data (first_view.py), as the ordinary way would, without
        SymPy; hydrate() makes it the ordinary view."""
        self._first_view = view
        self._show_inputs(state)
        self.expression_box.show_text(state.expression)
        self._state.wrt = view.wrt
        with signals_blocked(self.combo_wrt):
            self.combo_wrt.clear()
            self.combo_wrt.addItems(list(view.variables))
            self.combo_wrt.setCurrentText(view.wrt)
        self._refresh_parameters(list(view.variables))
        self._slice = slice_of(view.functions(), view.variables, view.wrt, self._state.held)
        self._fit_view(fit_x=True)
        self._fit_x_next = False
        self.plot.set_slice(self._slice)
        self._label_curves()
        self.header.show_texts(view.header)
        self.steps_view.set_steps(view.steps)
        self._wide_first_view(view)
        self._hydrator = _Hydrator(self)

    def hydrate(self) -> None:
        """From the shipped first view to the ordinary one: the same state set again, now with SymPy (its jobs
        are answered from the shipped results). Painting is held meanwhile, so nothing blinks. Nothing to do
        once the tab shows an ordinary view."""
        if self._first_view is None:
            return
        self.setUpdatesEnabled(False)
        try:
            self.set_state(self._state)
        finally:
            _release_when_settled(self)

    def is_first_view(self) -> bool:
        """True while the tab shows its shipped first view (SymPy not needed yet)."""
        return self._first_view is not None

    def _drop_first_view(self) -> None:
        if self._first_view is not None:
            self._first_view = None
            self._hydrator.remove()


class _Hydrator(QObject):
    """While the first view shows: the user's first key, click or wheel on the tab hydrates it before the
    event is handled (its answer may need SymPy)."""

    def __init__(self, tab) -> None:
        super().__init__(tab)
        self.tab = tab
        QApplication.instance().installEventFilter(self)

    def remove(self) -> None:
        QApplication.instance().removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in HYDRATE_INPUTS and isinstance(watched, QWidget) \
                and (watched is self.tab or self.tab.isAncestorOf(watched)):
            self.tab.hydrate()
        return False


def _release_when_settled(tab, waited_ms: int = 0) -> None:
    """Paint again once the hydrated tab has its results (or after RELEASE_WAIT_MS)."""
    if tab.is_busy() and waited_ms < RELEASE_WAIT_MS:
        QTimer.singleShot(10, tab, lambda: _release_when_settled(tab, waited_ms + 10))
    else:
        tab.setUpdatesEnabled(True)
