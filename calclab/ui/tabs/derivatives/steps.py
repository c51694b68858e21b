"""StepsView: the step-by-step derivation as an expandable tree, each step typeset, with a detail pane.

Each tree row is one rule (the same steps, in the same order, as `calclab derive EXPR --steps`). The formula
column shows the CLI's plain text, then the typeset formula: FormulaViews are made a few rows per event-loop
turn, starting with the rows the user can see, and typeset on FormulaView's background thread; expanding a
row does its children next.
Selecting a row shows its rule, explanation and equation large in the pane below.
"""

from __future__ import annotations

import time
from collections import deque
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QMargins, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from calclab.ui.widgets.formula_view import FormulaView, formula_scroll_area

if TYPE_CHECKING:
    from calclab.engine.jobs.derivatives import StepNode, StepsResult

NODE_ROLE = Qt.ItemDataRole.UserRole
TREE_FONT_PT = 12.0
DETAIL_FONT_PT = 16.0
TICK_BUDGET_S = 0.02        # make rows for about this long per event-loop turn (their typesetting runs elsewhere)
MAX_TYPESET = 150           # beyond this many rows the plain text stays (a huge tree would take seconds)
ROW_PAD = 3                 # pixels above and below a typeset row
EXPAND_LEVELS = 2           # rows open to this depth when a derivation arrives ...
SMALL_TREE = 40             # ... if it has at most this many steps (else only the root opens)
LARGE_DETAIL_MIN_HEIGHT = 300   # pane height from which the selected step also shows large under the tree


class StepsView(QWidget):
    """Tree of StepNodes (QTreeWidget) plus a detail pane; `set_steps` fills it, `set_message` explains a gap.

    The tree takes the room (the detail pane under it only what it needs) and scrolls both ways: its formula
    column is as wide as its widest formula, so a long one is reached with the horizontal scroll bar instead
    of being cut at the edge of the pane.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = _Tree()
        self.tree.setObjectName("tree_steps")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Rule", "Step"])
        self.tree.setHeaderHidden(True)          # "Rule" and "Step" said nothing a row does not: a row more
        self.tree.setUniformRowHeights(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.tree.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        self.tree.header().setStretchLastSection(False)   # stretched, the column was cut at the pane's edge
        self.tree.resized.connect(self._fit_formula_column)
        self.tree.header().sectionResized.connect(self._on_section_resized)
        self.tree.setToolTip("The rules used to differentiate f, outermost first. Expand a rule to see the "
                             "derivatives it needed; select one to read below why it applies.")
        self.tree.itemExpanded.connect(self._on_item_expanded)
        self.tree.itemCollapsed.connect(lambda _item: self._fit_formula_column())
        self.tree.currentItemChanged.connect(self._on_current_item_changed)

        self.label_message = QLabel()
        self.label_message.setWordWrap(True)
        self.label_message.setVisible(False)

        self.label_detail = QLabel()
        self.label_detail.setWordWrap(True)
        self.label_detail.setTextFormat(Qt.TextFormat.RichText)
        self.label_detail.setToolTip("The selected rule and why it applies")
        self.formula_detail = FormulaView(font_pt=DETAIL_FONT_PT)
        self.formula_detail.setToolTip("The selected step, typeset")
        detail_area = formula_scroll_area(self.formula_detail)
        detail_area.setMinimumHeight(0)   # its own minimum (a scroll bar's length) left 40 px of blank under it
        self._detail_area = detail_area
        detail = QWidget()
        detail.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(4, 2, 4, 2)
        detail_layout.setSpacing(0)
        detail_layout.addWidget(self.label_detail)
        detail_layout.addWidget(detail_area)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.label_message)
        layout.addWidget(self.tree, 1)
        layout.addWidget(detail)

        self._queue: deque[QTreeWidgetItem] = deque()
        self._typeset = 0
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._on_typeset_tick)
        self._result: StepsResult | None = None
        self._relayout = QTimer(self)
        self._relayout.setSingleShot(True)
        self._relayout.setInterval(0)
        self._relayout.timeout.connect(self.tree.doItemsLayout)
        self._relayout.timeout.connect(self._fit_formula_column)

    # -- public API ---------------------------------------------------------------------------------------

    def set_steps(self, result: StepsResult) -> None:
        """Show a derivation: rows open two levels deep, the root selected."""
        self._result = result
        self._timer.stop()
        self._queue.clear()
        self._typeset = 0
        self.tree.clear()
        self.label_message.setVisible(False)
        root = self._add(None, result.root)
        small = sum(1 for _ in result.root.walk()) <= SMALL_TREE
        self._expand(root, EXPAND_LEVELS if small else 1)
        self.tree.setCurrentItem(root)
        self._queue_visible(root)
        if self.isVisible():
            self._timer.start()
        else:   # not on screen yet (a tab being built): the first rows now, so that its first paint has them
            self._on_typeset_tick()
            if self._queue:
                self._timer.start()

    def set_message(self, text: str, keep_steps: bool = False) -> None:
        """A line above the tree (computing…, or why there are no steps); clears the tree unless kept."""
        self.label_message.setText(text)
        self.label_message.setVisible(bool(text))
        if not keep_steps:
            self._result = None
            self._timer.stop()
            self._queue.clear()
            self.tree.clear()
            self.label_detail.clear()
            self.formula_detail.clear()

    def result(self) -> StepsResult | None:
        return self._result

    def lines(self) -> list[str]:
        """The tree as `calclab derive --steps` prints it: two indented lines per row, in tree order."""
        out: list[str] = []

        def visit(item: QTreeWidgetItem, depth: int) -> None:
            node: StepNode = item.data(0, NODE_ROLE)
            pad = "  " * depth
            out.extend([f"{pad}{node.line}", f"{pad}  ({node.explanation})"])
            for i in range(item.childCount()):
                visit(item.child(i), depth + 1)

        for i in range(self.tree.topLevelItemCount()):
            visit(self.tree.topLevelItem(i), 0)
        return out

    # -- internals ----------------------------------------------------------------------------------------

    def _add(self, parent: QTreeWidgetItem | None, node: StepNode) -> QTreeWidgetItem:
        item = QTreeWidgetItem([node.title, _equation_text(node)])
        item.setData(0, NODE_ROLE, node)
        item.setToolTip(0, node.explanation)
        item.setToolTip(1, node.explanation)
        if parent is None:
            self.tree.addTopLevelItem(item)
        else:
            parent.addChild(item)
        for child in node.children:
            self._add(item, child)
        return item

    def _expand(self, item: QTreeWidgetItem, levels: int) -> None:
        if levels <= 0:
            return
        item.setExpanded(True)
        for i in range(item.childCount()):
            self._expand(item.child(i), levels - 1)

    def _queue_visible(self, item: QTreeWidgetItem) -> None:
        """Queue this row and, if it is open, its visible descendants (top to bottom)."""
        self._queue.append(item)
        if item.isExpanded():
            for i in range(item.childCount()):
                self._queue_visible(item.child(i))

    def _on_item_expanded(self, item: QTreeWidgetItem) -> None:
        if self._result is None:
            return
        for i in range(item.childCount()):
            self._queue_visible(item.child(i))
        if not self._timer.isActive():
            self._timer.start()

    def _on_typeset_tick(self) -> None:
        deadline = time.monotonic() + TICK_BUDGET_S
        while self._queue and time.monotonic() < deadline:
            item = self._queue.popleft()
            node: StepNode = item.data(0, NODE_ROLE)
            if self.tree.itemWidget(item, 1) is not None or self._typeset >= MAX_TYPESET:
                continue
            view = FormulaView(font_pt=TREE_FONT_PT)
            view.setToolTip(node.explanation)
            view.setAutoFillBackground(False)
            view.typeset_ready.connect(lambda i=item, v=view: self._fit_row(i, v))
            view.set_latex(node.latex, fallback=_equation_text(node), defer=True)   # typeset in the background
            item.setText(1, "")            # the view shows the plain text until its typeset image replaces it
            self.tree.setItemWidget(item, 1, view)
            self._fit_row(item, view)
            self._typeset += 1
        if not self._queue:
            self._timer.stop()

    def _fit_row(self, item: QTreeWidgetItem, view: FormulaView) -> None:
        """Row height from the view: the plain text first, the typeset image (often taller) when it arrives."""
        if not (shiboken6.isValid(item) and shiboken6.isValid(view)):
            return      # the tree was cleared (a new derivation) while the image was being typeset
        item.setSizeHint(1, view.sizeHint().grownBy(QMargins(0, ROW_PAD, 0, ROW_PAD)))
        if self.isVisible():
            self._relayout.start()  # the tree does not lay rows out again by itself when a size hint changes
        # (a tree not on screen yet lays its rows out when it is shown)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        """In a short pane the rows come first: the selected step's large copy shows only when there is room."""
        super().resizeEvent(event)
        self._detail_area.setVisible(self.height() >= LARGE_DETAIL_MIN_HEIGHT)

    def _on_section_resized(self, index: int, _old: int, _new: int) -> None:
        if index == 0:    # the rule column grew (a deeper row opened): the formula column moves right
            self._fit_formula_column()

    def _fit_formula_column(self) -> None:
        """The formula column: as wide as its widest row (the tree then scrolls sideways), or to the pane's edge."""
        widest = self.tree.sizeHintForColumn(1)   # the open rows' (a typeset row's hint is its image's size)
        room = self.tree.viewport().width() - self.tree.columnWidth(0)
        width = max(widest, room)
        if self.tree.columnWidth(1) != width:
            self.tree.setColumnWidth(1, width)

    def is_pending(self) -> bool:
        """True while rows are still to be made or typeset."""
        if self._timer.isActive() or self._relayout.isActive() or self.formula_detail.is_pending():
            return True
        iterator = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while iterator:
            item = iterator.pop()
            view = self.tree.itemWidget(item, 1)
            if view is not None and view.is_pending():
                return True
            iterator.extend(item.child(i) for i in range(item.childCount()))
        return False

    def _on_current_item_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        if current is None:
            return
        node: StepNode = current.data(0, NODE_ROLE)
        self.label_detail.setText(f"<b>{node.title}</b>: {_escape(node.explanation)}")
        self.formula_detail.set_latex(node.latex, fallback=_equation_text(node))


class _Tree(QTreeWidget):
    """QTreeWidget that says when it is resized (the formula column then fills the new width)."""

    resized = Signal()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.resized.emit()


def _equation_text(node: StepNode) -> str:
    """The CLI line without its rule title: d/dx[x^2] = 2*x."""
    return node.line.split(": ", 1)[-1]


def _escape(text: str) -> str:
    import html

    return html.escape(text)
