"""GraphView: a computational graph drawn left to right with plain QGraphicsView items (no OpenGL).

Each node is a rounded box: the operation on top, then its forward value (blue) and its gradient dy/dnode
(red) once the passes reach it. Edges run from an operand's right side to a port on its user's left side,
one port per operand, so the local-derivative labels of one node (drawn at its ports in the backward pass)
stack without overlapping. An edge that would cut through a node in a middle column arcs over it instead.
The view does no maths: it shows a ComputationalGraph and the passes the caller hands it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QGraphicsPolygonItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QSizePolicy,
    QWidget,
)

from calclab.engine.graph import BackwardPass, ComputationalGraph, ForwardPass
from calclab.engine.graph_steps import number
from calclab.ui import zoom

COLUMN_STEP = 200.0     # scene units between column centres
ROW_STEP = 84.0         # scene units between rows
NODE_W, NODE_H = 104.0, 62.0
PORT_GAP = 17.0         # vertical distance between a node's input ports
MAX_SCALE = 1.25        # small graphs are not blown up past this
MIN_SCALE = 0.7         # big graphs scroll rather than shrink into unreadable text
VALUE_COLOR = "#0B4F9C"
GRADIENT_COLOR = "#B3261E"
EDGE_COLOR = "#9AA0A6"
EDGE_ACTIVE_COLOR = "#37474F"
CURRENT_COLOR = "#E69F00"
FILLS = {"input": "#DCEFD9", "const": "#EEEEEE", "output": "#FFF3D6"}
OP_FILL = "#E3EEF9"


def _font(point_size: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


class _NodeItem:
    """The items of one node: box, operation label, value line, gradient line."""

    def __init__(self, scene: QGraphicsScene, center: QPointF, label: str, fill: str, tooltip: str,
                 height: float = NODE_H) -> None:
        rect = QRectF(center.x() - NODE_W / 2, center.y() - height / 2, NODE_W, height)
        path = QPainterPath()
        path.addRoundedRect(rect, 10, 10)
        self.box = QGraphicsPathItem(path)
        self.box.setBrush(QBrush(QColor(fill)))
        self.box.setZValue(2)
        self.box.setToolTip(tooltip)
        scene.addItem(self.box)
        self.rect = rect
        top = rect.center().y() - NODE_H / 2   # the three lines stay centred in a taller box
        self.label = self._text(scene, label, _font(11.5, bold=True), "#111111", top + 2)
        self.value = self._text(scene, "", _font(10), VALUE_COLOR, top + 22)
        self.gradient = self._text(scene, "", _font(10), GRADIENT_COLOR, top + 39)
        self.set_current(False)

    def _text(self, scene: QGraphicsScene, text: str, font: QFont, color: str, top: float) -> QGraphicsSimpleTextItem:
        item = QGraphicsSimpleTextItem(text)
        item.setFont(font)
        item.setBrush(QBrush(QColor(color)))
        item.setZValue(3)
        item.setData(0, top)
        scene.addItem(item)
        self._center(item)
        return item

    def _center(self, item: QGraphicsSimpleTextItem) -> None:
        width = item.boundingRect().width()
        item.setPos(self.rect.center().x() - width / 2, item.data(0))

    def set_texts(self, value: str, gradient: str) -> None:
        for item, text in ((self.value, value), (self.gradient, gradient)):
            item.setText(text)
            self._center(item)

    def set_current(self, current: bool) -> None:
        pen = QPen(QColor(CURRENT_COLOR if current else "#5F6368"), 4.0 if current else 1.3)
        pen.setCosmetic(False)
        self.box.setPen(pen)


class GraphView(QGraphicsView):
    """Shows one ComputationalGraph; `show_passes` fills in values, gradients and edge labels.

    For tests and tooltips: `node_texts(i)` -> (operation, value text, gradient text), `edge_text(e)`,
    `current_node()`, `message()` (set instead of a graph when there is none to draw).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.setBackgroundBrush(QBrush(QColor("white")))
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(160)
        self._graph: ComputationalGraph | None = None
        self._nodes: list[_NodeItem] = []
        self._edges: list[QGraphicsPathItem] = []
        self._arrows: list[QGraphicsPolygonItem] = []
        self._edge_labels: list[tuple[QGraphicsRectItem, QGraphicsSimpleTextItem]] = []
        self._current: int | None = None
        self._message = ""

    # -- public API -------------------------------------------------------------------------------------

    def graph(self) -> ComputationalGraph | None:
        return self._graph

    def set_graph(self, graph: ComputationalGraph | None, message: str = "") -> None:
        """Draw a new graph (values and gradients empty), or show `message` when graph is None."""
        scene = self.scene()
        scene.clear()
        self._nodes, self._edges, self._arrows, self._edge_labels = [], [], [], []
        self._graph, self._current, self._message = graph, None, message
        if graph is None:
            text = scene.addSimpleText(message or "no graph")
            text.setFont(_font(11))
            text.setBrush(QBrush(QColor("#5F6368")))
            self._fit()
            return
        centers = [QPointF(c * COLUMN_STEP, r * ROW_STEP) for c, r in graph.positions]
        for node in graph.nodes:
            kind = "output" if node.index == graph.output else node.op
            height = NODE_H + (graph.heights[node.index] - 1.0) * ROW_STEP if graph.heights else NODE_H
            self._nodes.append(_NodeItem(scene, centers[node.index], node.label, FILLS.get(kind, OP_FILL),
                                         f"{node.expr}\n{node.rule}", height))
        for edge in graph.edges:
            self._add_edge(graph, edge.child, edge.parent, edge.slot)
        for node in (graph.input, graph.output):
            if node is not None:
                caption = scene.addSimpleText("input" if node == graph.input else "output y")
                caption.setFont(_font(8.5))
                caption.setBrush(QBrush(QColor("#5F6368")))
                rect = self._nodes[node].rect
                caption.setPos(rect.center().x() - caption.boundingRect().width() / 2, rect.top() - 18)
        self._fit()

    def show_passes(self, forward: ForwardPass | None, backward: BackwardPass | None, values: set[int],
                    gradients: set[int], current: int | None) -> None:
        """Write the values of `values` nodes, the gradients of `gradients` nodes, and the local derivative on
        every edge into a node whose gradient is shown; outline `current`."""
        graph = self._graph
        if graph is None:
            return
        for index, item in enumerate(self._nodes):
            shown = forward is not None and index in values and graph.nodes[index].op != "const"  # "2" says 2
            value = number(forward.values[index]) if shown else ""
            gradient = f"∂ {number(backward.gradients[index])}" if backward is not None and index in gradients \
                else ""
            item.set_texts(value, gradient)
            item.set_current(index == current)
        for edge_index, edge in enumerate(graph.edges):
            active = edge.child in values
            self._edges[edge_index].setPen(self._edge_pen(active))
            self._arrows[edge_index].setBrush(QBrush(QColor(EDGE_ACTIVE_COLOR if active else EDGE_COLOR)))
            self._arrows[edge_index].setPen(QPen(Qt.PenStyle.NoPen))
            show = backward is not None and edge.parent in gradients
            self._set_edge_label(edge_index, f"×{number(backward.local[edge_index])}" if show else "")
        if current is not None and current != self._current:   # a graph wider than the view follows the pass
            self.ensureVisible(self._nodes[current].rect, 40, 30)
        self._current = current

    def node_texts(self, index: int) -> tuple[str, str, str]:
        item = self._nodes[index]
        return item.label.text(), item.value.text(), item.gradient.text()

    def edge_text(self, edge_index: int) -> str:
        return self._edge_labels[edge_index][1].text()

    def current_node(self) -> int | None:
        return self._current

    def message(self) -> str:
        return self._message

    def node_rect(self, index: int) -> QRectF:
        """A node's box in scene coordinates (tests check that nothing overlaps)."""
        return self._nodes[index].rect

    def edge_path(self, edge_index: int) -> QPainterPath:
        """An edge's drawn path in scene coordinates (tests check that it misses other nodes)."""
        return self._edges[edge_index].path()

    def label_rects(self) -> list[QRectF]:
        """The scene rectangles of the visible edge labels."""
        return [box.sceneBoundingRect() for box, text in self._edge_labels if text.text()]

    # -- Qt overrides -----------------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override: View > Zoom sets the application font
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit()

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt override: Ctrl+wheel zooms, the wheel scrolls
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
            self.scale(factor, factor)
            event.accept()
        else:
            super().wheelEvent(event)

    # -- internals ----------------------------------------------------------------------------------------

    def _fit(self) -> None:
        """Fit the graph in the view, but keep text readable: scale between MIN_SCALE and MAX_SCALE."""
        scene = self.scene()
        bounds = scene.itemsBoundingRect().adjusted(-16, -16, 16, 16)
        scene.setSceneRect(bounds)
        viewport = self.viewport().rect()
        if bounds.isEmpty() or viewport.width() < 10 or viewport.height() < 10:
            return
        scale = min(viewport.width() / bounds.width(), viewport.height() / bounds.height())
        z = zoom.factor()   # View > Zoom: nodes, texts and edges grow together (the scene's sizes are at 100 %)
        scale = max(MIN_SCALE * z, min(MAX_SCALE * z, scale))
        self.resetTransform()
        self.scale(scale, scale)
        # Too wide to fit at a readable size: start at the left, where the input is and the forward pass begins.
        self.centerOn(bounds.center())
        if bounds.width() * scale > viewport.width():
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().minimum())

    def _edge_pen(self, active: bool) -> QPen:
        pen = QPen(QColor(EDGE_ACTIVE_COLOR if active else EDGE_COLOR), 1.8 if active else 1.3)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        return pen

    def _port(self, graph: ComputationalGraph, parent: int, slot: int) -> QPointF:
        """Where operand `slot` enters `parent`: ports are stacked in the operands' top-to-bottom order (not
        their slot order), so edges arriving at one node do not cross just before it."""
        children = graph.nodes[parent].children
        count = len(children)
        ranked = sorted(range(count), key=lambda k: (self._nodes[children[k]].rect.center().y(), k))
        rank = ranked.index(slot)
        rect = self._nodes[parent].rect
        offset = (rank - (count - 1) / 2) * min(PORT_GAP, (rect.height() - 16) / max(1, count - 1))
        return QPointF(rect.left(), rect.center().y() + offset)

    def _add_edge(self, graph: ComputationalGraph, child: int, parent: int, slot: int) -> None:
        scene = self.scene()
        start_rect = self._nodes[child].rect
        start = QPointF(start_rect.right(), start_rect.center().y())
        end = self._port(graph, parent, slot)
        path = self._route(start, end, child, parent)
        item = QGraphicsPathItem(path)
        item.setPen(self._edge_pen(False))
        item.setZValue(1)
        scene.addItem(item)
        self._edges.append(item)
        # The arrowhead points along the path's last direction.
        tip = end
        direction = path.pointAtPercent(0.97)
        dx, dy = tip.x() - direction.x(), tip.y() - direction.y()
        length = max(1e-6, (dx * dx + dy * dy) ** 0.5)
        ux, uy = dx / length, dy / length
        back = QPointF(tip.x() - 9 * ux, tip.y() - 9 * uy)
        arrow = QGraphicsPolygonItem(QPolygonF([tip, QPointF(back.x() - 4 * uy, back.y() + 4 * ux),
                                                QPointF(back.x() + 4 * uy, back.y() - 4 * ux)]))
        arrow.setBrush(QBrush(QColor(EDGE_COLOR)))
        arrow.setPen(QPen(Qt.PenStyle.NoPen))
        arrow.setZValue(1)
        scene.addItem(arrow)
        self._arrows.append(arrow)
        box = QGraphicsRectItem()
        box.setBrush(QBrush(QColor(255, 255, 255, 235)))
        box.setPen(QPen(QColor("#C7CBD1"), 0.8))
        box.setZValue(4)
        text = QGraphicsSimpleTextItem("")
        text.setFont(_font(9))
        text.setBrush(QBrush(QColor(GRADIENT_COLOR)))
        text.setZValue(5)
        text.setData(0, end)
        box.setVisible(False)
        scene.addItem(box)
        scene.addItem(text)
        self._edge_labels.append((box, text))

    def _set_edge_label(self, edge_index: int, label: str) -> None:
        box, text = self._edge_labels[edge_index]
        text.setText(label)
        box.setVisible(bool(label))
        if not label:
            return
        port: QPointF = text.data(0)
        bounds = text.boundingRect()
        x = port.x() - 12 - bounds.width()
        y = port.y() - bounds.height() / 2
        text.setPos(x, y)
        box.setRect(QRectF(x - 2, y, bounds.width() + 4, bounds.height()))

    def _route(self, start: QPointF, end: QPointF, child: int, parent: int) -> QPainterPath:
        """An S-curve from the operand's right side to its port (level at both ends, so it never clips the
        corner of a node next to the port). If that cuts through a node (x in x·sin(x) skipping sin), the edge
        bends to a level lane clear of the nodes in the way (a gap between them, or above or below them all),
        runs along it past them, and bends back to the port.
        """
        boxes = [item.rect.adjusted(-6, -6, 6, 6) for i, item in enumerate(self._nodes) if i not in (child, parent)]
        stroker = QPainterPathStroker()
        stroker.setWidth(2.0)

        def clear(candidate: QPainterPath) -> bool:
            stroke = stroker.createStroke(candidate)
            return not any(stroke.intersects(rect) for rect in boxes)

        path = _s_curve(QPainterPath(start), start, end)
        if clear(path):
            return path
        # The nodes strictly between the two ends' columns are what the lane must pass.
        between = [rect for rect in boxes if rect.left() > start.x() and rect.right() < end.x()]
        if not between:
            return path
        lane_left = min(rect.left() for rect in between) - 4
        lane_right = max(rect.right() for rect in between) + 4
        tops_bottoms = sorted({rect.top() for rect in between} | {rect.bottom() for rect in between})
        lanes = [tops_bottoms[0] - 8, tops_bottoms[-1] + 8]
        lanes += [(a + b) / 2 for a, b in zip(tops_bottoms, tops_bottoms[1:], strict=False) if b - a > 10]
        middle = (start.y() + end.y()) / 2
        # Edges into one node that share a gap keep apart: each lane is shifted by half its port's offset.
        shift = (end.y() - self._nodes[parent].rect.center().y()) / 2
        for lane in sorted(lanes, key=lambda y: abs(y - middle)):
            lane += shift
            enter, leave = QPointF(lane_left, lane), QPointF(lane_right, lane)
            candidate = _s_curve(QPainterPath(start), start, enter)
            candidate.lineTo(leave)
            candidate = _s_curve(candidate, leave, end)
            if clear(candidate):
                return candidate
        return path


def _s_curve(path: QPainterPath, start: QPointF, end: QPointF) -> QPainterPath:
    """Append a cubic from start to end that leaves and arrives horizontally."""
    dx = (end.x() - start.x()) / 2
    path.cubicTo(QPointF(start.x() + dx, start.y()), QPointF(end.x() - dx, end.y()), end)
    return path
