"""Where a Descent plot's legend goes: a spot inside the plot that hides no data, else beside the plot.

A legend over the data hides what the lesson is about (the f(x) arm the path runs down, the momentum path on
the compare map). The placer tries spots along the plot's edges (corners first), in one to three columns, and
takes the first whose rectangle holds no point of the data (curve samples and path points with points along
each segment, so no line runs under it either). If none is free the legend moves out of the plot, above it or
to its right, whichever leaves the plot more room (for a map with a locked aspect: the larger scale for the
region it shows). It stays out until the plot is set up anew: moving back in would resize the plot, which could
free a spot again and start the legend swinging in and out.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, QTimer

EDGE_PX = 8            # the legend keeps this far from the plot's edges
CLEAR_PX = 5           # and this far from any data point
GAP_PX = 4             # between the legend outside and the plot
RESIZE_SETTLE_MS = 80  # after a plot's last size change, look at its legend again
# The legend's anchor as fractions of the view (x from the left, y from the top), in order of preference.
SPOTS = ((1.0, 0.0), (0.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.5, 0.0), (0.5, 1.0), (1.0, 0.5), (0.0, 0.5))


def densify(points: np.ndarray, between: int = 4) -> np.ndarray:
    """A polyline's finite points with `between` more along each segment."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    if len(points) < 2 or between <= 0:
        return points[np.isfinite(points).all(axis=1)]
    t = np.linspace(0.0, 1.0, between + 2)[:-1]
    a, b = points[:-1], points[1:]
    inner = (a[:, np.newaxis, :] + t[np.newaxis, :, np.newaxis] * (b - a)[:, np.newaxis, :]).reshape(-1, 2)
    out = np.concatenate((inner, points[-1:]))
    return out[np.isfinite(out).all(axis=1)]


class LegendPlacer:
    """Moves one plot's legend to where the data is not (see the module's note).

    `outside` is None (inside the plot), "top" or "right". `interest` is the (width, height) in data units of
    what an aspect-locked plot must show (None: the current view).
    """

    def __init__(self, legend: pg.LegendItem, plot_item: pg.PlotItem, max_columns: int = 3,
                 limit: float | None = None) -> None:
        """`limit`: the largest part of the plot's height (or width) a legend outside may take; a legend that
        needs more is hidden (None: no limit)."""
        self.legend = legend
        self.plot_item = plot_item
        self.view_box = plot_item.getViewBox()
        self.max_columns = max_columns
        self.limit = limit
        self.outside: str | None = None
        self.interest: tuple[float, float] | None = None
        self._margins = plot_item.layout.getContentsMargins()

    def place(self, points: np.ndarray, keep_outside: bool = False) -> None:
        """Place the legend clear of `points` (n x 2, view coordinates). With keep_outside, a legend already
        out of the plot stays there (only refitted)."""
        legend = self.legend
        if not legend.items:
            return
        if keep_outside and self.outside is not None:
            self._go_outside(self.outside)
            return
        width, height = self._inner_size()
        if width < 1 or height < 1:
            return
        px, py = self._to_pixels(points, width, height)
        for columns in range(1, min(self.max_columns, len(legend.items)) + 1):
            self._set_columns(columns)
            w, h = legend.width(), legend.height()
            if w + 2 * EDGE_PX > width or h + 2 * EDGE_PX > height:
                continue
            for fx, fy in SPOTS:
                left, top = EDGE_PX + fx * (width - w - 2 * EDGE_PX), EDGE_PX + fy * (height - h - 2 * EDGE_PX)
                hit = ((px > left - CLEAR_PX) & (px < left + w + CLEAR_PX)
                       & (py > top - CLEAR_PX) & (py < top + h + CLEAR_PX))
                if not hit.any():
                    self._inside(fx, fy)
                    return
        self._go_outside(self._best_outside(width, height))

    def reset(self) -> None:
        """Back inside the plot, top right, with the plot's own margins (the legend's entries are changing)."""
        self._set_columns(1)
        self._inside(1.0, 0.0)

    def covers(self, points: np.ndarray) -> bool:
        """True if the legend, inside the plot, lies over any of `points` (view coordinates)."""
        if self.outside is not None or not self.legend.isVisible() or not self.legend.items:
            return False
        rect = self.view_box.mapSceneToView(self.legend.sceneBoundingRect()).boundingRect()
        points = np.asarray(points, dtype=float).reshape(-1, 2)
        return bool(np.any((points[:, 0] >= rect.left()) & (points[:, 0] <= rect.right())
                           & (points[:, 1] >= rect.top()) & (points[:, 1] <= rect.bottom())))

    # -- internals ----------------------------------------------------------------------------------------

    def _inner_size(self) -> tuple[float, float]:
        """The view box's size with the legend inside (without the room a legend outside takes now)."""
        left, top, right, _bottom = self.plot_item.layout.getContentsMargins()
        return (self.view_box.width() + (left - self._margins[0]) + (right - self._margins[2]),
                self.view_box.height() + (top - self._margins[1]))

    def _to_pixels(self, points: np.ndarray, width: float, height: float) -> tuple[np.ndarray, np.ndarray]:
        (x_lo, x_hi), (y_lo, y_hi) = self.view_box.viewRange()
        points = np.asarray(points, dtype=float).reshape(-1, 2)
        with np.errstate(all="ignore"):
            px = (points[:, 0] - x_lo) / (x_hi - x_lo) * width
            py = (y_hi - points[:, 1]) / (y_hi - y_lo) * height
        keep = np.isfinite(px) & np.isfinite(py)
        return px[keep], py[keep]

    def _set_columns(self, columns: int) -> None:
        """Lay the entries out in `columns` and size the legend to fit them. (pyqtgraph's updateSize adds up
        the entries' current widths, which a wider layout before had stretched: the legend never shrank.)"""
        legend = self.legend
        if legend.columnCount != columns:
            legend.setColumnCount(columns)
        legend.layout.invalidate()
        hint = legend.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize)
        legend.setGeometry(legend.pos().x(), legend.pos().y(), hint.width(), hint.height())

    def _layout_for(self, where: str, width: float, height: float) -> tuple[int, float, float]:
        """(columns, legend width, legend height) for a legend above the plot (as many columns as fit its
        width) or to its right (as few as fit its height)."""
        n = len(self.legend.items)
        best = (1, 0.0, 0.0)
        for columns in range(1, n + 1):
            self._set_columns(columns)
            w, h = self.legend.width(), self.legend.height()
            if where == "top":   # the strip spans the whole plot, axes included
                if columns > 1 and w > self.plot_item.width() - 2 * EDGE_PX:
                    break
                best = (columns, w, h)
            else:
                best = (columns, w, h)
                if h <= height - 2 * EDGE_PX:
                    break
        return best

    def _best_outside(self, width: float, height: float) -> str:
        """Above or to the right: whichever leaves the larger plot (the larger scale, if the aspect is locked)."""
        scores = {}
        for where in ("top", "right"):
            _columns, w, h = self._layout_for(where, width, height)
            room_w, room_h = (width, height - h - GAP_PX) if where == "top" else (width - w - GAP_PX, height)
            if room_w <= 0 or room_h <= 0:
                scores[where] = 0.0
            elif self.view_box.state["aspectLocked"]:
                (x_lo, x_hi), (y_lo, y_hi) = self.view_box.viewRange()
                span_x, span_y = self.interest or (x_hi - x_lo, y_hi - y_lo)
                scores[where] = min(room_w / max(span_x, 1e-300), room_h / max(span_y, 1e-300))
            else:
                scores[where] = room_w * room_h
        return max(scores, key=lambda where: scores[where])

    def _go_outside(self, where: str) -> None:
        legend = self.legend
        left, top, right, bottom = self._margins
        width, height = self._inner_size()
        _columns, w, h = self._layout_for(where, width, height)
        self._set_columns(_columns)
        self.outside = where
        share = h / max(height, 1.0) if where == "top" else w / max(width, 1.0)
        if self.limit is not None and share > self.limit:
            self.plot_item.layout.setContentsMargins(left, top, right, bottom)
            legend.setVisible(False)
            return
        if legend.parentItem() is not self.plot_item:
            legend.setParentItem(self.plot_item)
        legend.setVisible(True)
        if where == "top":
            self.plot_item.layout.setContentsMargins(left, top + h + GAP_PX, right, bottom)
            legend.anchor(itemPos=(0.5, 0.0), parentPos=(0.5, 0.0), offset=(0, top + 1))
        else:
            self.plot_item.layout.setContentsMargins(left, top, right + w + GAP_PX, bottom)
            legend.anchor(itemPos=(1.0, 0.0), parentPos=(1.0, 0.0), offset=(-right - 1, top + 1))

    def _inside(self, fx: float, fy: float) -> None:
        if self.legend.parentItem() is not self.view_box:
            self.plot_item.layout.setContentsMargins(*self._margins)
            self.legend.setParentItem(self.view_box)
        self.outside = None
        self.legend.setVisible(True)
        self.legend.anchor(itemPos=(fx, fy), parentPos=(fx, fy), offset=((1 - 2 * fx) * EDGE_PX,
                                                                          (1 - 2 * fy) * EDGE_PX))


def resize_watch(plot_item: pg.PlotItem, parent: QObject, callback: Callable[[], None]) -> QTimer:
    """Call `callback` once the plot's view box has stopped changing size (a legend placed in pixels may then
    lie over the data); returns the timer."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(RESIZE_SETTLE_MS)
    timer.timeout.connect(callback)
    plot_item.getViewBox().sigResized.connect(lambda *_args: timer.start())
    return timer
