"""Where a path leaves the view: how much of it to draw, and the marker at the edge where it left.

A diverging run doubles its distance every step or so; drawn to the end, its path is a fence of lines across
the whole map. A path is drawn up to its last point within the view grown by VIEW_MARGIN on every side; the
rest (the part that flew off) is replaced by an arrow on the view's edge, pointing the way the path went; its
tooltip and the run's legend entry say at which epoch it left (a label on the plot would sit on other paths).
A path that leaves and comes back is drawn whole again.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

VIEW_MARGIN = 0.5      # a path is drawn while it stays within the view grown by half its size on each side
EDGE_INSET_PX = 3.0    # the exit arrow's tip sits this far inside the edge, so the whole head shows

Box = tuple[float, float, float, float]   # x_lo, x_hi, y_lo, y_hi


def margin_box(view_range: list[list[float]], margin: float = VIEW_MARGIN) -> Box:
    """The view grown by `margin` times its width and height on each side."""
    (x_lo, x_hi), (y_lo, y_hi) = view_range
    dx, dy = margin * (x_hi - x_lo), margin * (y_hi - y_lo)
    return x_lo - dx, x_hi + dx, y_lo - dy, y_hi + dy


def inside(box: Box, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Which points lie in the box (non-finite ones never do)."""
    with np.errstate(invalid="ignore"):
        return (xs >= box[0]) & (xs <= box[1]) & (ys >= box[2]) & (ys <= box[3])


def edge_point(p: np.ndarray, q: np.ndarray, rect: Box) -> np.ndarray:
    """Where the segment p -> q last lies in `rect` (Liang-Barsky); p pulled into rect if the segment misses it."""
    d = q - p
    t0, t1 = 0.0, 1.0
    for axis, (low, high) in enumerate(((rect[0], rect[1]), (rect[2], rect[3]))):
        if d[axis] == 0.0:
            if not low <= p[axis] <= high:
                t0, t1 = 1.0, 0.0
            continue
        a, b = (low - p[axis]) / d[axis], (high - p[axis]) / d[axis]
        t0, t1 = max(t0, min(a, b)), min(t1, max(a, b))
    if t0 <= t1:
        return p + t1 * d
    return np.array([min(max(p[0], rect[0]), rect[1]), min(max(p[1], rect[2]), rect[3])])


class ExitMarker:
    """An arrow on the view's edge, in the run's colour, where its path left the view; its tooltip says when."""

    def __init__(self, plot_item: pg.PlotItem, color: str, name: str) -> None:
        self.name = name
        self.arrow = pg.ArrowItem(angle=0, headLen=18, headWidth=14, tailLen=14, tailWidth=4,
                                  pen=pg.mkPen("w", width=1.5), brush=pg.mkBrush(color))
        self._view_box = plot_item.getViewBox()
        self.arrow.setZValue(25)
        plot_item.addItem(self.arrow, ignoreBounds=True)
        self.epoch: int | None = None
        self.hide()

    def show(self, epoch: int, p: np.ndarray, q: np.ndarray | None) -> None:
        """The path left at `epoch`, going from p (drawn) towards q (not drawn; None if not finite)."""
        (x_lo, x_hi), (y_lo, y_hi) = self._view_box.viewRange()
        px, py = self._view_box.viewPixelSize()
        inset_x, inset_y = EDGE_INSET_PX * px, EDGE_INSET_PX * py
        rect = (x_lo + inset_x, x_hi - inset_x, y_lo + inset_y, y_hi - inset_y)
        if q is None or not np.all(np.isfinite(q)):   # no next point to aim at: away from the view's centre
            q = p + (p - np.array([(x_lo + x_hi) / 2, (y_lo + y_hi) / 2]))
        tip = edge_point(p, q, rect)
        dx_px, dy_px = (q[0] - p[0]) / px if px > 0 else 0.0, (q[1] - p[1]) / py if py > 0 else 0.0
        # ArrowItem's angle 0 points left and turns clockwise on screen (as ArrowGlyph's).
        self.arrow.setStyle(angle=180.0 - math.degrees(math.atan2(dy_px, dx_px)))
        self.arrow.setPos(float(tip[0]), float(tip[1]))
        self.arrow.setToolTip(f"{self.name} left the view at epoch {epoch}")
        self.arrow.setVisible(True)
        self.epoch = epoch

    def hide(self) -> None:
        self.arrow.setVisible(False)
        self.epoch = None

    def points(self) -> np.ndarray:
        """The arrow's tip and a grid around it as long as the arrow, in view coordinates (what a legend must not
        cover)."""
        px, py = self._view_box.viewPixelSize()
        x, y = self.tip()
        u = np.linspace(-32.0, 32.0, 5)
        offsets = np.array([(a, b) for a in u for b in u])
        return np.column_stack((x + offsets[:, 0] * px, y + offsets[:, 1] * py))

    def tip(self) -> tuple[float, float]:
        return float(self.arrow.pos().x()), float(self.arrow.pos().y())
