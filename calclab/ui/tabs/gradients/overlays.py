"""What the Gradients tab draws over its map besides the probe's own arrows: the curvature directions (the
Hessian's eigenvectors, scaled by |λ| and labelled), the direction u with the handle that turns it, and the
critical points in view, one symbol and colour per kind.

Every item is created once and updated with setData / setPos; the tab hands over numbers (calclab.engine.probe).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, Qt, Signal

from calclab.engine.fields import arrow_segments
from calclab.engine.kinds import DEGENERATE, MAXIMUM, MINIMUM, SADDLE
from calclab.engine.numbers import format_number
from calclab.engine.probe import angle_of, curvature_segments, unit_direction
from calclab.ui.widgets.plot_panel import make_pen

CURVATURE_COLOR = "#6A3D9A"    # purple: apart from ∇f's red, −∇f's blue and u's green
DIRECTION_COLOR = "#007A5A"    # u: a dark Okabe-Ito green, readable on the pastel map
SUBSCRIPTS = "₁₂₃₄₅₆₇₈₉"
# One symbol and fill per kind (pyqtgraph's symbols: "t" points down, like the bottom of a bowl).
KIND_STYLE: dict[str, tuple[str, str, str]] = {   # kind: (symbol, fill, the character the key shows)
    MINIMUM: ("t", "#56B4E9", "▼"),
    MAXIMUM: ("t1", "#E69F00", "▲"),
    SADDLE: ("x", "#CC79A7", "✕"),
    DEGENERATE: ("d", "#FFFFFF", "◆"),
}
KINDS_SHOWN = (MINIMUM, MAXIMUM, SADDLE, DEGENERATE)


def curvature_pen(value: float) -> object:
    """Solid where f bends up along the eigenvector (λ > 0), dashed where it bends down, dotted where flat."""
    style = Qt.PenStyle.SolidLine if value > 0 else Qt.PenStyle.DashLine if value < 0 else Qt.PenStyle.DotLine
    return make_pen(CURVATURE_COLOR, 3.0, style)


class CurvatureOverlay:
    """The eigenvectors of a 2 x 2 Hessian drawn through the probe, each labelled with its eigenvalue."""

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self.lines: list[pg.PlotDataItem] = []
        self.labels: list[pg.TextItem] = []
        for _ in range(2):
            line = pg.PlotDataItem([], [], pen=curvature_pen(1.0))
            line.setZValue(6)
            label = pg.TextItem("", color=CURVATURE_COLOR, anchor=(0.5, 0.5), fill=pg.mkBrush(255, 255, 255, 215))
            label.setZValue(5.5)     # under ∇f, −∇f and u: a label never hides an arrow
            plot_item.addItem(line)
            plot_item.addItem(label)
            self.lines.append(line)
            self.labels.append(label)
        self.hide()

    def show(self, x: float, y: float, eigenvalues: Sequence[float], eigenvectors: Sequence[Sequence[float]],
             length: float) -> None:
        """Segments through (x, y) along each eigenvector, half-length `length` for the largest |λ|."""
        segments = curvature_segments(x, y, eigenvalues, eigenvectors, length)
        for index, ((start, end), value) in enumerate(zip(segments, eigenvalues, strict=True)):
            line, label = self.lines[index], self.labels[index]
            line.setPen(curvature_pen(value))
            line.setData([start[0], end[0]], [start[1], end[1]])
            label.setText(f"λ{SUBSCRIPTS[index]} = {format_number(value)}")
            # Past the segment's far end (never on the probe), a little further out for a short one.
            dx, dy = end[0] - x, end[1] - y
            norm = math.hypot(dx, dy) or 1.0
            reach = norm + 0.09 * length * 2
            label.setPos(x + dx / norm * reach, y + dy / norm * reach)
            line.setVisible(True)
            label.setVisible(True)

    def hide(self) -> None:
        for item in (*self.lines, *self.labels):
            item.setVisible(False)

    def label_texts(self) -> list[str]:
        return [label.toPlainText() for label in self.labels if label.isVisible()]


class DirectionOverlay(QObject):
    """The direction u as a green arrow from the probe, with a round handle at its tip that turns it."""

    angle_dragged = Signal(float)     # the handle was dragged: u's new angle in degrees

    def __init__(self, plot_item: pg.PlotItem, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.arrow = pg.PlotDataItem([], [], pen=make_pen(DIRECTION_COLOR, 3.0), connect="pairs")
        self.arrow.setZValue(8)
        self.handle = pg.TargetItem(pos=(0, 0), size=14, symbol="o", pen=make_pen("#000000", 1.5),
                                    brush=pg.mkBrush(DIRECTION_COLOR), hoverBrush=pg.mkBrush("#7FE0C0"),
                                    movable=True)
        self.handle.setZValue(21)
        self.handle.setToolTip("Drag to turn the direction u around the probe")
        self.label = pg.TextItem("u", color=DIRECTION_COLOR, anchor=(0.5, 0.5))
        self.label.setZValue(15)
        for item in (self.arrow, self.handle, self.label):
            plot_item.addItem(item)
        self._centre = (0.0, 0.0)
        self._placing = False
        self.handle.sigPositionChanged.connect(self._on_handle_moved)
        self.set_visible(False)

    def show(self, x: float, y: float, angle: float, length: float) -> None:
        """u at `angle` degrees from (x, y), `length` long, the handle on its tip."""
        self._centre = (x, y)
        ux, uy = unit_direction(angle)
        xs, ys = arrow_segments(np.array([x]), np.array([y]), np.array([ux]), np.array([uy]), np.array([length]),
                                "tail")
        self.arrow.setData(xs, ys, connect="pairs")
        self._placing = True
        try:
            self.handle.setPos(QPointF(x + length * ux, y + length * uy))
        finally:
            self._placing = False
        self.label.setPos(x + 1.18 * length * ux, y + 1.18 * length * uy)

    def set_visible(self, visible: bool) -> None:
        for item in (self.arrow, self.handle, self.label):
            item.setVisible(visible)

    def handle_position(self) -> tuple[float, float]:
        pos = self.handle.pos()
        return float(pos.x()), float(pos.y())

    def _on_handle_moved(self, _item: object) -> None:
        if self._placing:
            return
        hx, hy = self.handle_position()
        dx, dy = hx - self._centre[0], hy - self._centre[1]
        if dx or dy:
            self.angle_dragged.emit(angle_of(dx, dy))


class CriticalOverlay:
    """The critical points in view: one scatter item, each point's symbol and fill by its kind."""

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self.scatter = pg.ScatterPlotItem(size=17, pen=make_pen("#000000", 1.5), hoverable=True,
                                          tip=self._tip)
        self.scatter.setZValue(12)
        plot_item.addItem(self.scatter)
        self.points: list[tuple[float, float, str, float]] = []

    @staticmethod
    def _tip(x: float, y: float, data: object) -> str:
        kind, value = data if isinstance(data, tuple) else ("", math.nan)
        return f"{kind} at ({format_number(x)}, {format_number(y)}), f = {format_number(value)}"

    def show(self, points: Sequence[tuple[float, float, str, float]]) -> None:
        """(x, y, kind, f) per point."""
        self.points = [p for p in points if p[2] in KIND_STYLE]
        spots = [{"pos": (x, y), "symbol": KIND_STYLE[kind][0], "brush": pg.mkBrush(KIND_STYLE[kind][1]),
                  "data": (kind, value)} for x, y, kind, value in self.points]
        self.scatter.setData(spots)

    def set_visible(self, visible: bool) -> None:
        self.scatter.setVisible(visible)

    def nearest(self, x: float, y: float, within: tuple[float, float]) -> tuple[float, float] | None:
        """The marked point within `within` (data units across, up) of (x, y), the nearest one; else None."""
        best, best_distance = None, math.inf
        for px, py, _kind, _value in self.points:
            dx, dy = abs(px - x) / within[0], abs(py - y) / within[1]
            distance = math.hypot(dx, dy)
            if distance <= 1.0 and distance < best_distance:
                best, best_distance = (px, py), distance
        return best


PLURALS = {MINIMUM: "minima", MAXIMUM: "maxima", SADDLE: "saddles", DEGENERATE: "degenerate"}


def critical_key_html(points: Sequence[tuple[float, float, str, float]], notes: Sequence[str] = ()) -> str:
    """The one-line key under the map: each kind's symbol in its colour, with how many of it are in view, and a
    short warning when the search has more to say (the whole notes go in the tooltip)."""
    parts = []
    for kind in KINDS_SHOWN:
        count = sum(1 for p in points if p[2] == kind)
        fill = KIND_STYLE[kind][1]
        colour = "#555555" if fill == "#FFFFFF" else fill     # the white diamond's key in grey, readable
        name = kind if count == 1 else PLURALS[kind]
        parts.append(f"<span style='color:{colour}; font-size:13pt'>{KIND_STYLE[kind][2]}</span>&nbsp;{count} {name}")
    text = "<b>Critical points in view</b> (∇f = 0): " + " &nbsp; ".join(parts)
    if notes:
        short = ("∇f = 0 along whole curves" if any("not isolated" in n for n in notes) else
                 "not all marked" if any("only the first" in n for n in notes) else "more to say")
        text += f" &nbsp; <span style='color:#8A4B00'>⚠ {short} (hover)</span>"
    return text
