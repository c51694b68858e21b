"""NetworkView: a layered neural-network diagram on a QGraphicsScene (no OpenGL).

Neurons are circles (a label inside, an optional note such as a gradient to their right), weights are lines
whose colour is the value's sign (blue positive, orange negative: a colour-blind-safe pair) and whose width is
its magnitude. Every neuron and edge carries a tooltip; hovering one also emits `hovered` with that text so a
read-out panel can show it. The view knows no maths: the caller passes numbers and texts.
The layout follows the view's size, so 2-8-8-8-8-1 fits without scrolling.
Each neuron can also show a picture (`set_pictures`: its output over the input plane, TensorFlow Playground's
small heatmaps) as a square node, and each hidden column has − and + buttons (`layer_resize_requested`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsTextItem,
    QGraphicsView,
    QWidget,
)

from calclab.ui import zoom
from calclab.ui.widgets.network_items import (  # noqa: F401 - POSITIVE, NEGATIVE, EdgeItem: used by importers
    BUTTON_Y,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    NEGATIVE,
    PEN_STEPS,
    POSITIVE,
    TITLE_GAP_PX,
    TITLE_PX,
    ButtonItem,
    EdgeItem,
    NeuronItem,
    _button_font,
    _edge_pen,
    signed_color,
)


class NetworkView(QGraphicsView):
    """The diagram. `set_layers` builds it; `set_edges` and `set_neurons` update colours, widths and texts."""

    hovered = Signal(str)   # the tooltip text of the neuron or edge under the mouse; "" when it leaves
    layer_resize_requested = Signal(int, int)   # (hidden layer, 0-based; -1 or +1 neuron): its − or + clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)   # every item moves each frame
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)   # white on the window's grey; an export is its exact size
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setBackgroundBrush(QBrush(QColor("white")))
        self.setMinimumSize(360, 230)   # 8 neurons a column still fit, and the tab fits 1100x700
        self.sizes: list[int] = []
        self.neurons: list[list[NeuronItem]] = []
        self.edges: list[list[list[EdgeItem]]] = []     # edges[l][i][j]
        self.titles: list[QGraphicsSimpleTextItem] = []
        self.buttons: list[tuple[ButtonItem, ButtonItem]] = []   # (−, +) per hidden layer
        self.hovered_item: NeuronItem | EdgeItem | None = None   # the one under the mouse
        self._col_gap, self._radius, self._note_px = 100.0, 12.0, 11
        self._zoom = zoom.factor()   # the zoom the diagram is laid out at (View > Zoom changes the font: relayout)
        self.legend = QGraphicsTextItem()
        self.legend.setZValue(3)
        self.scene().addItem(self.legend)
        self.set_legend("weights")

    # -- public API -----------------------------------------------------------------------------------

    def set_layers(self, sizes: Sequence[int], titles: Sequence[str]) -> None:
        """Build circles and edges for layer widths `sizes`, a title over each column."""
        scene = self.scene()
        for item in [*self.titles, *(n for col in self.neurons for n in col),
                     *(e for layer in self.edges for row in layer for e in row),
                     *(b for pair in self.buttons for b in pair)]:
            scene.removeItem(item)
        self.sizes = [int(n) for n in sizes]
        self.hovered_item = None   # its item is gone
        self.buttons = [(ButtonItem(self, "−", k, -1, f"One neuron fewer in hidden layer {k + 1}"),
                         ButtonItem(self, "+", k, +1, f"One neuron more in hidden layer {k + 1}"))
                        for k in range(len(self.sizes) - 2)]
        self.neurons = [[NeuronItem(self, l, j) for j in range(n)] for l, n in enumerate(self.sizes)]
        self.edges = [[[EdgeItem(self, l, i, j) for j in range(n_out)] for i in range(n_in)]
                      for l, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True))]
        self.titles = [QGraphicsSimpleTextItem(title) for title in titles]   # _layout sizes their font
        for item in [*self.titles, *(n for col in self.neurons for n in col),
                     *(e for layer in self.edges for row in layer for e in row),
                     *(b for pair in self.buttons for b in pair)]:
            scene.addItem(item)
        self._layout()

    def set_pictures(self, pictures: Sequence[Sequence[np.ndarray]] | None) -> None:
        """pictures[l][j]: an (h, w, 3) uint8 image for neuron j of layer l; None: plain circles again."""
        for l, column in enumerate(self.neurons):
            for j, neuron in enumerate(column):
                neuron.set_picture(None if pictures is None else pictures[l][j])

    def shows_pictures(self) -> bool:
        return any(n.picture.isVisible() for column in self.neurons for n in column)

    def set_legend(self, what: str) -> None:
        """Say under the diagram what the edges show (e.g. "weights" or "gradients ∂L/∂w")."""
        if getattr(self, "_legend_what", None) == what:   # every training frame asks again: keep the layout
            return
        self._legend_what = what
        self.legend.setHtml(f'<span style="font-size:{round(11 * zoom.factor())}px">edges show <b>{what}</b>: '
                            f'<span style="color:{POSITIVE}">━━ positive</span> &nbsp; '
                            f'<span style="color:{NEGATIVE}">━━ negative</span> &nbsp; width&nbsp;∝&nbsp;size</span>')
        self._place_legend()

    def set_edges(self, values: Sequence[np.ndarray], tooltips: Sequence[Sequence[Sequence[str]]] | None = None,
                  ) -> None:
        """Colour each edge by the sign of values[l][i, j] and make it as wide as its size relative to the largest."""
        finite = [np.abs(v[np.isfinite(v)]) for v in values]
        scale = max((float(f.max()) for f in finite if f.size), default=0.0)
        for l, layer in enumerate(self.edges):
            v = np.asarray(values[l], dtype=float)
            with np.errstate(all="ignore"):
                t = np.where(np.isfinite(v), np.abs(v) / scale, 0.0) if scale > 0 else np.zeros_like(v)
            # What the pen looks like, to a visible step: while training most edges do not change from frame to
            # frame, and a new pen costs a relayout of the edge (issue 20: 20 frames a second).
            steps = np.rint(t * PEN_STEPS).astype(int)
            signs = v >= 0
            for i, row in enumerate(layer):
                for j, edge in enumerate(row):
                    edge.value = float(v[i, j])
                    if tooltips is not None:
                        edge.setToolTip(tooltips[l][i][j])
                    key = (bool(signs[i, j]), int(steps[i, j]))
                    if key == edge.pen_key:
                        continue
                    edge.pen_key = key
                    edge.prepareGeometryChange()   # shape() depends on the pen width
                    edge.base_pen = _edge_pen(*key, zoom.factor())
                    edge.setPen(edge.base_pen)
                    edge.setZValue(key[1] / PEN_STEPS)   # strong edges on top of weak ones (under neurons: z 2)

    def set_neurons(self, labels: Sequence[Sequence[str]], fills: Sequence[np.ndarray | None] | None = None,
                    scales: Sequence[float] | None = None, notes: Sequence[Sequence[str]] | None = None,
                    tooltips: Sequence[Sequence[str]] | None = None) -> None:
        """Texts for every neuron; `fills[l]` colours layer l's circles by value/scales[l] (None: white)."""
        for l, column in enumerate(self.neurons):
            fill = None if fills is None else fills[l]
            for j, neuron in enumerate(column):
                if fill is None:
                    color = QColor("white")
                else:
                    color = signed_color(float(fill[j]), scales[l] if scales else 1.0, 0.9)
                neuron.setBrush(QBrush(color))
                dark = color.lightness() < 140
                neuron.label.setBrush(QBrush(QColor("white" if dark else "black")))
                neuron.set_texts(labels[l][j], notes[l][j] if notes is not None else "")
                if tooltips is not None:
                    neuron.setToolTip(tooltips[l][j])
        self._fit_notes()

    def neuron(self, layer: int, j: int) -> NeuronItem:
        return self.neurons[layer][j]

    def edge(self, layer: int, i: int, j: int) -> EdgeItem:
        return self.edges[layer][i][j]

    # -- layout ---------------------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._layout()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        """View > Zoom sets the application font: texts, circles, margins and edge widths follow the zoom."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and zoom.factor() != self._zoom:
            self._zoom = zoom.factor()
            for edge in (e for layer in self.edges for row in layer for e in row if e.pen_key is not None):
                edge.prepareGeometryChange()
                edge.base_pen = _edge_pen(*edge.pen_key, self._zoom)
                edge.setPen(edge.base_pen)
            for button in (b for pair in self.buttons for b in pair):
                button.setFont(_button_font())
            what, self._legend_what = getattr(self, "_legend_what", "weights"), None
            self.set_legend(what)
            self._layout()

    def _layout(self) -> None:
        """Spread the columns over the width and the neurons over the height; circles as large as fits."""
        width, height = max(self.viewport().width(), 200), max(self.viewport().height(), 150)
        self.scene().setSceneRect(QRectF(0, 0, width, height))
        self._place_legend()
        if not self.sizes:
            return
        n_cols, tallest = len(self.sizes), max(self.sizes)
        z = zoom.factor()   # every size in pixels follows View > Zoom
        usable_w = width - (MARGIN_LEFT + MARGIN_RIGHT) * z
        usable_h = height - (MARGIN_TOP + MARGIN_BOTTOM) * z
        col_gap = usable_w / max(n_cols - 1, 1)
        row_gap = usable_h / tallest
        radius = float(np.clip(min(row_gap * 0.36, col_gap * 0.2), 9.0 * z, 24.0 * z))
        font_px = int(np.clip(radius * 0.6, 8 * z, 13 * z))
        note_px = int(np.clip(row_gap * 0.26, 9 * z, 12 * z))
        self._col_gap, self._radius, self._note_px = col_gap, radius, note_px
        centers: list[list[QPointF]] = []
        for l, n in enumerate(self.sizes):
            x = MARGIN_LEFT * z + (col_gap * l if n_cols > 1 else usable_w / 2)
            middle = MARGIN_TOP * z + usable_h / 2
            centers.append([QPointF(x, middle + (j - (n - 1) / 2) * row_gap) for j in range(n)])
            for j, neuron in enumerate(self.neurons[l]):
                neuron.place(centers[l][j], radius, font_px, note_px)
        self._place_titles([column[0].x() for column in centers], width)
        for k, (minus, plus) in enumerate(self.buttons):
            x = centers[k + 1][0].x()
            minus.setPos(x - minus.boundingRect().width() - 3, BUTTON_Y * z)
            plus.setPos(x + 3, BUTTON_Y * z)
        self._fit_notes()
        for l, layer in enumerate(self.edges):
            for i, row in enumerate(layer):
                for j, edge in enumerate(row):
                    edge.setLine(centers[l][i].x(), centers[l][i].y(), centers[l + 1][j].x(), centers[l + 1][j].y())

    def _place_titles(self, xs: Sequence[float], width: float) -> None:
        """Centre each column's title over it, in the largest font (12 px down to 7) in which no two titles
        touch: at 1100x700 a 2-8-8-8-8-1 network's "hidden 1hidden 2hidden 3" ran into each other."""
        titles, xs = self.titles[:len(xs)], list(xs)[:len(self.titles)]
        lefts: list[float] = []
        for px in range(round(TITLE_PX * zoom.factor()), 6, -1):
            font = QFont()
            font.setPixelSize(px)
            font.setBold(True)
            for title in titles:
                title.setFont(font)
            widths = [title.boundingRect().width() for title in titles]
            lefts = [min(max(x - w / 2, 2.0), width - w - 2) for x, w in zip(xs, widths, strict=True)]
            ends = [left + w + TITLE_GAP_PX for left, w in zip(lefts, widths, strict=True)]
            if all(end <= left for end, left in zip(ends, lefts[1:], strict=False)):
                break
        for title, left in zip(titles, lefts, strict=True):
            title.setPos(left, 6 * zoom.factor())

    def _fit_notes(self) -> None:
        """Shrink the notes' font until the widest fits between its circle and the next column."""
        notes = [n for column in self.neurons[:-1] for n in column if n.note_text()]
        if not notes or len(self.sizes) < 2:
            return
        room = self._col_gap - 2 * self._radius - 6
        px = self._note_px
        while px > 7:
            font = QFont()
            font.setPixelSize(px)
            for neuron in notes:
                neuron.note.setFont(font)
            if max(n.note.boundingRect().width() for n in notes) <= room:
                break
            px -= 1
        for neuron in notes:
            neuron._center_texts()

    def _place_legend(self) -> None:
        height = max(self.viewport().height(), 150)
        self.legend.setTextWidth(max(self.viewport().width(), 200) - 8)   # a narrow diagram wraps it, never cuts it
        self.legend.setPos(4, height - self.legend.boundingRect().height() - 2)

    # -- hover ------------------------------------------------------------------------------------------

    def _on_item_hovered(self, item: QGraphicsItem, entered: bool) -> None:
        """Outline the hovered item and report its text (the same as its tooltip)."""
        if isinstance(item, NeuronItem):
            resting = QPen(Qt.PenStyle.NoPen) if item.picture.isVisible() else QPen(QColor("black"), 1.4)
            item.setPen(QPen(QColor("black"), 3.0) if entered else resting)
        elif isinstance(item, EdgeItem):
            pen = QPen(item.base_pen)
            if entered:
                pen.setWidthF(pen.widthF() + 2.5)
                pen.setColor(pen.color().darker(130))
            item.setPen(pen)
        self.hovered_item = item if entered else None
        self.hovered.emit(item.toolTip() if entered else "")
