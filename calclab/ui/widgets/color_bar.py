"""A colour bar for the maps (Gradients' f, Backprop's loss landscape): pyqtgraph's, with the app's number style."""

from __future__ import annotations

import pyqtgraph as pg

from calclab.ui.widgets.plot_panel import NumberAxis

COLOR_BAR_AXIS_PX = 76


class NumberColorBar(pg.ColorBarItem):
    """pyqtgraph's colour bar with its axis in the app's number style: real values, no SI scale factor (which
    labelled sin x cos y's bar "f (×0.001)" with ticks ±500), 1×10⁻⁵ rather than 1e-05."""

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        axis = NumberAxis("right")
        axis.enableAutoSIPrefix(False)
        self.setAxisItems({"right": axis})   # as ColorBarItem sets up its own: the bar's only labelled axis
        # A fixed width, wide enough for "−1.5×10⁻⁵" (ColorBarItem's 45 px is not): an axis that widens as it
        # paints resizes the map after the tab has settled and starts late jobs.
        axis.setWidth(COLOR_BAR_AXIS_PX)
        axis.setStyle(showValues=True, hideOverlappingLabels=True)   # no label cut in half at either end
        axis.unlinkFromView()
        axis.setRange(*self.values)
        self.axis = axis
