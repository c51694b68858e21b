"""The pieces of the network diagram (network_view.NetworkView): weight edges, neuron circles (or pictures) and
the layers' − / + buttons, with the colours and sizes they share. Each piece knows its view only to report hovers
and clicks to it."""


from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainterPath, QPainterPathStroker, QPen, QPixmap
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsLineItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
)

from calclab.ui import zoom

if TYPE_CHECKING:
    from calclab.ui.widgets.network_view import NetworkView

POSITIVE = "#0072B2"   # Okabe-Ito blue
NEGATIVE = "#E66100"   # orange: tells apart from the blue for every common colour-vision deficiency
ZERO = "#9A9A9A"
EDGE_MIN_PX, EDGE_MAX_PX = 0.7, 6.0
HIT_PX = 7.0           # an edge reacts to the mouse this wide, however thin it is drawn
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 60.0, 30.0, 34.0, 104.0
BUTTON_Y = 40.0        # the − and + under each hidden layer's title
TITLE_PX, TITLE_GAP_PX = 12, 4   # the layer titles' largest font, and the least room between two of them


def signed_color(value: float, scale: float, strength: float = 1.0) -> QColor:
    """White blended towards blue (value > 0) or orange (value < 0) by |value| / scale (clipped to 1)."""
    t = 0.0 if not np.isfinite(value) or scale <= 0 else float(np.clip(abs(value) / scale, 0.0, 1.0)) * strength
    target = QColor(POSITIVE if value >= 0 else NEGATIVE)
    return QColor(round(255 + (target.red() - 255) * t), round(255 + (target.green() - 255) * t),
                  round(255 + (target.blue() - 255) * t))


PEN_STEPS = 32   # an edge's width and colour in this many steps of |w| / max |w|


@functools.cache
def _edge_pen(positive: bool, step: int, scale: float = 1.0) -> QPen:
    """The pen of an edge of sign `positive` and size step/PEN_STEPS of the largest: faint thin edges, solid thick
    ones, blended towards white rather than translucent, and flat-capped (the ends hide under the circles), which
    paints about six times faster; `scale` is View > Zoom's factor. Cached: a training frame asks for hundreds."""
    t = step / PEN_STEPS
    color = QColor(ZERO) if step == 0 else signed_color(1.0 if positive else -1.0, 1.0, 0.5 + 0.5 * t ** 0.5)
    pen = QPen(color, (EDGE_MIN_PX + (EDGE_MAX_PX - EDGE_MIN_PX) * t ** 0.75) * scale)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


class EdgeItem(QGraphicsLineItem):
    """One weight: a line from neuron i of layer l to neuron j of layer l + 1."""

    def __init__(self, view: NetworkView, layer: int, i: int, j: int) -> None:
        super().__init__()
        self._view, self.layer, self.i, self.j = view, layer, i, j
        self.value = 0.0
        self._shape, self._shape_key = QPainterPath(), None
        self._bound: QRectF | None = None
        self.base_pen = QPen(QColor(ZERO), EDGE_MIN_PX)
        self.pen_key: tuple[bool, int] | None = None   # (sign, size step) of base_pen: set_edges skips equal ones
        self.setPen(self.base_pen)
        self.setAcceptHoverEvents(True)
        self.setZValue(0)

    def shape(self) -> QPainterPath:
        """A hit area at least HIT_PX wide, so thin edges can be hovered (cached: Qt asks often)."""
        line, width = self.line(), max(HIT_PX, self.pen().widthF())
        key = (line.x1(), line.y1(), line.x2(), line.y2(), width)
        if self._shape_key != key:
            path = QPainterPath(line.p1())
            path.lineTo(line.p2())
            stroker = QPainterPathStroker()
            stroker.setWidth(width)
            self._shape, self._shape_key = stroker.createStroke(path), key
        return self._shape

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override: must contain shape()
        if self._bound is None:   # asked for hundreds of times a frame; the line and pen change far less often
            self._bound = self.shape().boundingRect()
        return self._bound

    def setLine(self, *args) -> None:  # noqa: N802 - Qt name: our calls come through here, so the cache follows
        self._bound = None
        super().setLine(*args)

    def setPen(self, pen: QPen) -> None:  # noqa: N802 - as setLine
        self._bound = None
        super().setPen(pen)

    def hoverEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._view._on_item_hovered(self, True)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._view._on_item_hovered(self, False)
        super().hoverLeaveEvent(event)


class NeuronItem(QGraphicsEllipseItem):
    """One neuron: a circle with a centred label and an optional note to its right."""

    def __init__(self, view: NetworkView, layer: int, j: int) -> None:
        super().__init__()
        self._view, self.layer, self.j = view, layer, j
        self.setAcceptHoverEvents(True)
        self.setZValue(2)
        self.setPen(QPen(QColor("#333333"), 1.4))
        self.setBrush(QBrush(QColor("white")))
        self.label = QGraphicsSimpleTextItem(self)
        self.note_box = QGraphicsRectItem(self)   # a white backing keeps the note readable over edges
        self.note_box.setPen(QPen(Qt.PenStyle.NoPen))
        self.note_box.setBrush(QBrush(QColor(255, 255, 255, 215)))
        self.note = QGraphicsSimpleTextItem(self.note_box)
        self.note_box.setVisible(False)
        self.picture = QGraphicsPixmapItem(self)   # the neuron's output over the input plane (set_pictures)
        self.picture.setVisible(False)
        self.picture.setAcceptHoverEvents(False)
        self.picture.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)

    def label_text(self) -> str:
        return self.label.text()

    def note_text(self) -> str:
        return self.note.text() if self.note_box.isVisible() else ""

    def place(self, center: QPointF, radius: float, font_px: int, note_px: int) -> None:
        self.setRect(QRectF(-radius, -radius, 2 * radius, 2 * radius))
        self.setPos(center)
        font = QFont()
        font.setPixelSize(font_px)
        self.label.setFont(font)
        note_font = QFont()
        note_font.setPixelSize(note_px)
        self.note.setFont(note_font)
        self._radius = radius
        self._center_texts()
        self._place_picture()

    def set_picture(self, rgb: np.ndarray | None) -> None:
        """Show an (h, w, 3) uint8 image as the node (a square over the circle), or none (the circle again)."""
        if rgb is None:
            if self.picture.isVisible():
                self.setPen(QPen(QColor("#333333"), 1.4))
            self.picture.setVisible(False)
            self.label.setVisible(True)
            return
        rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
        h, w = rgb.shape[:2]
        image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
        self.picture.setPixmap(QPixmap.fromImage(image))   # fromImage copies: rgb may go
        if not self.picture.isVisible():
            self.setPen(QPen(Qt.PenStyle.NoPen))   # the square covers the circle; no rim peeking out
        self.picture.setVisible(True)
        self.label.setVisible(False)   # the picture is the node; hovering still says its value
        self._place_picture()

    def _place_picture(self) -> None:
        pixmap = self.picture.pixmap()
        r = getattr(self, "_radius", 10.0)
        if not pixmap.isNull():
            self.picture.setScale(2 * r / max(pixmap.width(), 1))
            self.picture.setPos(-r, -r)

    def set_texts(self, label: str, note: str) -> None:
        self.label.setText(label)
        self.note.setText(note)
        self.note_box.setVisible(bool(note))
        self._center_texts()

    def _center_texts(self) -> None:
        r = getattr(self, "_radius", 10.0)
        box = self.label.boundingRect()
        self.label.setPos(-box.width() / 2, -box.height() / 2)
        nb = self.note.boundingRect()
        self.note_box.setRect(QRectF(0, 0, nb.width() + 4, nb.height()))
        self.note_box.setPos(r + 2, -nb.height() / 2)
        self.note.setPos(2, 0)

    def hoverEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._view._on_item_hovered(self, True)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._view._on_item_hovered(self, False)
        super().hoverLeaveEvent(event)


def _button_font() -> QFont:
    font = QFont()
    font.setPixelSize(round(15 * zoom.factor()))
    font.setBold(True)
    return font


class ButtonItem(QGraphicsSimpleTextItem):
    """A small clickable sign (− or +) in the scene."""

    def __init__(self, view: NetworkView, text: str, layer: int, delta: int, tip: str) -> None:
        super().__init__(text)
        self._view, self.layer, self.delta = view, layer, delta
        self.setFont(_button_font())
        self.setBrush(QBrush(QColor("#333333")))
        self.setToolTip(tip)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(4)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._view.layer_resize_requested.emit(self.layer, self.delta)
        event.accept()

    def setExportMode(self, export: bool, _opts: dict | None = None) -> None:  # noqa: N802 - pyqtgraph's name
        """A control, not part of the picture: hidden while ui/export renders the diagram (it calls this on every
        item that has it, as pyqtgraph's exporters do)."""
        self.setVisible(not export)
