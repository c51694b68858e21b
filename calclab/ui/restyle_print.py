"""Light colours for print: an export with "light background for print" drawn light from a dark window, a plot
(light_for_print) or a whole tab with its controls (light_tab_for_print); the dark look comes back afterwards.
The restyling itself is calclab.ui.restyle's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QGraphicsView, QWidget

from calclab.ui import theme
from calclab.ui.restyle import restyle_tree, restyle_view

_printing = 0   # light_for_print's nesting: a whole-tab export puts every plot of the tab in print colours


@contextmanager
def light_for_print(view: QGraphicsView, enabled: bool = True) -> Iterator[None]:
    """The plot in its light colours while an export with "light background for print" renders it (the zoom
    stays: an export looks like the screen); the dark colours come back afterwards."""
    global _printing
    if not (enabled and (theme.is_dark() or _printing)):
        yield
        return
    _printing += 1
    theme.set_dark(False)
    try:
        restyle_view(view)
        yield
    finally:
        _printing -= 1
        theme.set_dark(True)
        restyle_view(view)
        theme.set_dark(not _printing)   # (still light for the outer plots of a whole-tab export)


@contextmanager
def light_tab_for_print(widget: QWidget) -> Iterator[None]:
    """A whole tab light while an export with "light background for print" grabs it: its controls, formulas
    and plots, not light plots among dark controls. The dark look comes back afterwards."""
    if not theme.is_dark() or _printing:
        yield
        return
    _set_palette(False)
    restyle_tree(widget)
    try:
        yield
    finally:
        _set_palette(True)
        restyle_tree(widget)


def _set_palette(dark: bool) -> None:
    theme.apply_palette(dark)
    # Qt posts the change to the widgets: deliver it now, so the grab that follows paints with it
    QCoreApplication.sendPostedEvents(None, QEvent.Type.ApplicationPaletteChange)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.PaletteChange)
