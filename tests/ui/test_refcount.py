"""PySide6-Essentials 6.12.0 on Python 3.11 drops None's refcount on every void Qt call (about 170 per
pyqtgraph setData) and the interpreter aborts after ~90 plot updates. We pin <6.12; this guards the pin."""

from __future__ import annotations

import sys

import numpy as np
import pyqtgraph as pg


def test_500_plot_updates_keep_none_refcount(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    curve = widget.plot([], [], pen="b")
    x = np.linspace(-3, 3, 200)
    before = sys.getrefcount(None)
    for i in range(500):
        curve.setData(x, np.sin(x + 0.01 * i), connect="finite")
        if i % 50 == 0:
            widget.repaint()
    after = sys.getrefcount(None)
    assert after >= before - 100, f"None lost {before - after} references over 500 updates"
