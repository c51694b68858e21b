"""The arrows at the current point: the next step (red, solid) and the optimizer's memory (black, dashed).

Momentum's memory, −η·velocity, often points the way the next step does (the velocity is mostly past
gradients): drawn from the same point it lay under the red arrow. It is drawn OFFSET_PX beside it, on the side
away from the step (or, when they are parallel, towards the middle of the plot, so it never leaves the view at
an edge), dashed and above it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from calclab.ui.tabs.descent.items import DRAW_LIMIT, INTERNAL_COLOR, STEP_COLOR
from calclab.ui.widgets.plot_panel import make_pen

OFFSET_PX = 12.0       # the memory arrow runs this far beside the step arrow


class ArrowGlyph:
    """A straight arrow in data coordinates: a line for the shaft and a pyqtgraph ArrowItem for the head."""

    def __init__(self, plot_item: pg.PlotItem, color: str, width: float = 3.0, z: float = 20.0,
                 style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> None:
        self.shaft = pg.PlotDataItem([], [], pen=make_pen(color, width, style))
        self.head = pg.ArrowItem(angle=0, headLen=16, headWidth=11, tailLen=0, pen=pg.mkPen(color),
                                 brush=pg.mkBrush(color))
        self._view_box = plot_item.getViewBox()
        for item in (self.shaft, self.head):
            item.setZValue(z)
            plot_item.addItem(item)
        self.hide()

    def set(self, start: Sequence[float], delta: Sequence[float]) -> None:
        """Draw from start to start + delta (hidden when the arrow would be invisible or not finite)."""
        x0, y0 = float(start[0]), float(start[1])
        x1, y1 = x0 + float(delta[0]), y0 + float(delta[1])
        if not all(math.isfinite(v) and abs(v) <= DRAW_LIMIT for v in (x0, y0, x1, y1)):
            self.hide()
            return
        self.shaft.setData([x0, x1], [y0, y1])
        px, py = self._view_box.viewPixelSize()
        dx_px = (x1 - x0) / px if px > 0 else 0.0
        dy_px = (y1 - y0) / py if py > 0 else 0.0
        if math.hypot(dx_px, dy_px) < 4:
            self.head.setVisible(False)
            return
        # ArrowItem's angle 0 points left and turns clockwise on screen (y grows downwards there).
        self.head.setStyle(angle=180.0 - math.degrees(math.atan2(dy_px, dx_px)))
        self.head.setPos(x1, y1)
        self.head.setVisible(True)

    def hide(self) -> None:
        self.shaft.setData([], [])   # stays "visible" with no data, so its legend entry keeps its colour
        self.head.setVisible(False)

    def tip(self) -> tuple[float, float] | None:
        """Where the arrow points to (None when hidden)."""
        xs, ys = self.shaft.getData()
        return (float(xs[-1]), float(ys[-1])) if xs is not None and len(xs) else None


class StepArrows:
    """The step arrow and the memory arrow beside it (see the module's note)."""

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self.view_box = plot_item.getViewBox()
        self.step = ArrowGlyph(plot_item, STEP_COLOR)
        self.memory = ArrowGlyph(plot_item, INTERNAL_COLOR, width=2.5, z=21, style=Qt.PenStyle.DashLine)

    def hide(self) -> None:
        self.step.hide()
        self.memory.hide()

    def show(self, here: Sequence[float], step: Sequence[float] | None, memory: Sequence[float] | None) -> None:
        """Arrows from `here` (data coordinates): the step, and the memory beside it (either may be None)."""
        if step is None:
            self.step.hide()
        else:
            self.step.set(here, step)
        if memory is None:
            self.memory.hide()
            return
        ox, oy = self._beside(np.asarray(here, dtype=float), step, np.asarray(memory, dtype=float))
        self.memory.set((here[0] + ox, here[1] + oy), memory)

    def tips(self) -> list[tuple[float, float]]:
        """Where the shown arrows point to."""
        return [tip for tip in (self.step.tip(), self.memory.tip()) if tip is not None]

    def _beside(self, here: np.ndarray, step: Sequence[float] | None, memory: np.ndarray) -> tuple[float, float]:
        """The memory arrow's offset (data units) OFFSET_PX across its own direction, away from the step."""
        px, py = self.view_box.viewPixelSize()
        if not (px > 0 and py > 0):
            return 0.0, 0.0
        m = np.array([memory[0] / px, memory[1] / py])            # in pixels, y up
        length = float(np.hypot(*m))
        normal = np.array([-m[1], m[0]]) / length if length > 1e-9 else np.array([0.0, 1.0])
        sign = 0.0
        if step is not None and length > 1e-9:
            s = np.array([step[0] / px, step[1] / py])
            cross = float(m[0] * s[1] - m[1] * s[0])
            if abs(cross) > 0.05 * length * float(np.hypot(*s)):   # not parallel: the side the step is not on
                sign = -1.0 if cross > 0 else 1.0
        (x_lo, x_hi), (y_lo, y_hi) = self.view_box.viewRange()
        middle = np.array([((x_lo + x_hi) / 2 - here[0]) / px, ((y_lo + y_hi) / 2 - here[1]) / py])
        if sign == 0.0:
            sign = 1.0 if float(normal @ middle) >= 0 else -1.0
        # Keep it in view: if the chosen side takes its start or tip out of the plot and the other does not, flip.
        def fits(side: float) -> bool:
            ox, oy = side * OFFSET_PX * normal[0] * px, side * OFFSET_PX * normal[1] * py
            ends = ((here[0] + ox, here[1] + oy), (here[0] + ox + memory[0], here[1] + oy + memory[1]))
            return all(x_lo <= x <= x_hi and y_lo <= y <= y_hi for x, y in ends)
        if not fits(sign) and fits(-sign):
            sign = -sign
        return sign * OFFSET_PX * normal[0] * px, sign * OFFSET_PX * normal[1] * py
