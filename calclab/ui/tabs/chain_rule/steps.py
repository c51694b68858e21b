"""The Chain Rule tab's text side: the typeset derivation (StepsPanel) and the rates at x0 (RatesPanel).

The steps come ready-made from calclab.engine.chain_rule (LaTeX per line); the rates from ChainNumbers.
These widgets only lay them out: one FormulaView per step, one table row per link.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from calclab.engine.chain_rule import NUDGE, ChainAnalysis, ChainNumbers
from calclab.engine.graph_steps import number
from calclab.ui import zoom
from calclab.ui.widgets.font_fit import refit_on_font_change
from calclab.ui.widgets.formula_view import FormulaView
from calclab.ui.widgets.side_width import column_cap

STEP_FONT_PT = 13.5
MAX_STEPS_HEIGHT = 460   # pixels; a longer derivation scrolls
MIN_STEPS_HEIGHT = 150   # pixels the steps keep however short of room the tab is
RULE_LATEX = r"\frac{d}{dx}\,f(g(x)) = f'(g(x)) \cdot g'(x)"
WHY_TEXT = ("Why it matters: a neural network is a long chain of functions, from the weights to the loss. "
            "Backpropagation applies this rule link by link, starting at the output and multiplying local "
            "rates on the way back. The computational graph on the right does exactly that, one node at a time.")
OK_COLOR, BAD_COLOR, NOTE_COLOR = "#1B7F3B", "#C62828", "#8A5300"
DEFER_AFTER_ROWS = 8     # more steps than this are typeset in the background
CAPTION_COLOR = "#5F6368"
FALLBACK_CHARS = 400     # a step's plain-text stand-in shows at most this much of its LaTeX
MAX_RATE_ROWS = 10       # rows of the rates table shown without scrolling
TOOLTIP_CHARS = 2000


class _StepFormula(FormulaView):
    """FormulaView whose minimum size follows its content down as well as up.

    QLabel's size hint never drops below the minimum size, and FormulaView sets that minimum from the size hint:
    once a long formula has shown as (wider) plain text, the typeset image kept the text's width and the steps
    a needless scroll bar. Resetting the minimum first fixes it (worth moving into FormulaView itself).
    """

    def _fit(self) -> None:
        self.setMinimumSize(0, 0)
        super()._fit()


class StepsPanel(QWidget):
    """Each derivation step as a grey caption and a typeset formula; the check and any message below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[QLabel, FormulaView]] = []
        self._used = 0   # how many of the rows show the current steps
        self._caption_palette = QPalette(self.palette())
        self._caption_palette.setColor(QPalette.ColorRole.WindowText, QColor(CAPTION_COLOR))
        # Typeset rows land one by one; fitting sums every row's height, so it runs once per batch of arrivals.
        self._fit_later = QTimer(self)
        self._fit_later.setSingleShot(True)
        self._fit_later.setInterval(0)
        self._fit_later.timeout.connect(self._fit_height)
        self.label_check = QLabel()
        self.label_check.setWordWrap(True)
        self.label_check.setToolTip("The chain-rule result compared with the derivative of the whole expression, "
                                    "computed on its own")
        self._grid_host = QWidget()
        host_layout = QVBoxLayout(self._grid_host)
        host_layout.setContentsMargins(0, 0, 0, 0)
        self.rule = _StepFormula(RULE_LATEX, font_pt=STEP_FONT_PT)
        self.rule.setToolTip("The chain rule: the outer derivative, taken at the inner function, times the inner "
                             "derivative. With more links, one factor per link.")
        host_layout.addWidget(self.rule)
        self._grid = QGridLayout()
        host_layout.addLayout(self._grid)
        self.label_why = QLabel(WHY_TEXT)
        self.label_why.setWordWrap(True)
        self.label_why.setStyleSheet("color: #5F6368; margin-top: 10px;")
        self._grid.setContentsMargins(4, 4, 4, 4)
        self._grid.setHorizontalSpacing(10)
        self._grid.setVerticalSpacing(4)
        self._grid.setColumnStretch(1, 1)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self._grid_host)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        # As tall as the steps (up to a limit, then it scrolls); the check and the note follow right under them.
        self.scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.label_message = QLabel()
        self.label_message.setWordWrap(True)
        self.label_message.setStyleSheet(f"color: {NOTE_COLOR}; font-weight: bold;")
        self.label_message.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label_message)
        layout.addWidget(self.scroll, 10)   # room goes to the steps first (up to their height), then below
        layout.addWidget(self.label_check)
        layout.addWidget(self.label_why)
        layout.addStretch(1)
        refit_on_font_change(self, self._fit_height)   # View > Zoom: the rows' new heights, the column's width

    def show_analysis(self, analysis: ChainAnalysis) -> None:
        """Show the steps (the number of rows depends on the chain's length). Rows are kept and reused: making
        and deleting 70 widgets per chain was a third of the tab's update."""
        # Hidden while the rows change, the grid is laid out once when shown again, not once per row
        # (a 35-row chain moved and resized its 70 widgets some ten times).
        self._grid_host.setVisible(False)
        while len(self._rows) < len(analysis.steps):
            self._add_row()
        # A long chain (sigmoid nested 30 deep: 35 rows) typeset row by row on the GUI thread froze the window
        # for ~0.6 s; past a few rows they are typeset in the background, plain text meanwhile (issue 10).
        defer = len(analysis.steps) > DEFER_AFTER_ROWS
        self._used = len(analysis.steps)
        for index, (caption, view) in enumerate(self._rows):
            used = index < len(analysis.steps)
            caption.setVisible(used)
            view.setVisible(used)
            if not used:
                view.clear()
                continue
            step = analysis.steps[index]
            caption.setText(step.label)
            # A step too long to typeset stays plain text: its start, since laying out the whole of it (tens of
            # thousands of characters for sin nested 60 deep) cost ~1 ms per size hint, a hundred times a chain.
            fallback = step.latex if len(step.latex) <= FALLBACK_CHARS else step.latex[:FALLBACK_CHARS] + " …"
            view.set_latex(step.latex, fallback=fallback, defer=defer)
            view.setToolTip(step.latex if len(step.latex) <= TOOLTIP_CHARS else step.latex[:TOOLTIP_CHARS] + " …")
        self._grid_host.setVisible(True)
        self._fit_height()
        self.label_message.setText(analysis.message)
        self.label_message.setVisible(bool(analysis.message))
        self.label_check.setText(breakable(analysis.check))
        self.label_check.setVisible(bool(analysis.check))
        color = OK_COLOR if analysis.agrees else BAD_COLOR
        self.label_check.setStyleSheet(f"color: {color}; font-weight: bold;")

    def _add_row(self) -> None:
        row = len(self._rows)
        caption = QLabel()
        caption.setPalette(self._caption_palette)   # not a style sheet: polishing one per row is slow
        caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        view = _StepFormula(font_pt=STEP_FONT_PT)
        view.typeset_ready.connect(self._fit_later.start)   # a long formula arrives typeset a moment later
        self._grid.addWidget(caption, row, 0)
        self._grid.addWidget(view, row, 1)
        self._rows.append((caption, view))

    def _fit_height(self) -> None:
        """Make the scroll area as tall as the steps (up to MAX_STEPS_HEIGHT)."""
        # Summed by hand: the layouts' cached hints lag behind the rows just replaced.
        shown = self._shown()
        rows = sum(max(c.sizeHint().height(), v.sizeHint().height()) for c, v in shown)
        margins = self._grid.contentsMargins()
        height = (self.rule.sizeHint().height() + rows + self._grid.verticalSpacing() * max(0, len(shown) - 1)
                  + margins.top() + margins.bottom() + self._grid_host.layout().spacing()
                  + self.scroll.horizontalScrollBar().sizeHint().height() + 24)
        # As tall as the steps up to MAX_STEPS_HEIGHT, but the layout may take it down to a few rows when the
        # tab is short of room (a long chain's rates table below needs it too): then the steps scroll.
        # (the most grows with the zoom; the least does not: zoomed, the column has no room to spare below it)
        self.scroll.setMaximumHeight(min(height, round(MAX_STEPS_HEIGHT * zoom.factor())))
        self.scroll.setMinimumHeight(min(height, MIN_STEPS_HEIGHT))
        # Zoomed, the column widens for the formulas (up to side_width's share of the window; past it they scroll
        # sideways, as a long chain always did). At 100 % it is as wide as the splitter makes it.
        need = (self._grid_host.minimumSizeHint().width() + self.scroll.verticalScrollBar().sizeHint().width()
                + 2 * self.scroll.frameWidth() + 4)
        self.scroll.setMinimumWidth(0 if zoom.percent() == zoom.DEFAULT else column_cap(self, need))

    def step_latex(self) -> list[str]:
        """The LaTeX of every step shown, in order."""
        return [view.latex() for _caption, view in self._shown()]

    def step_labels(self) -> list[str]:
        return [caption.text() for caption, _view in self._shown()]

    def formula_views(self) -> list[FormulaView]:
        return [view for _caption, view in self._shown()]

    def _shown(self) -> list[tuple[QLabel, FormulaView]]:
        """The rows in use (rows left over from a longer chain are kept hidden for the next one)."""
        return self._rows[:self._used]


class RatesPanel(QWidget):
    """At x0: each link's value and local rate, innermost first, and a nudge dx followed out to dy."""

    HEADERS = ("link", "value at x0", "local rate", f"nudge dx = {NUDGE:g}")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setHorizontalHeaderLabels(list(self.HEADERS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.table.setToolTip("Each link's local rate at x0. Multiplied together they give dy/dx: a small change "
                              "in x is scaled by every rate on its way out to y.")
        self.label_nudge = QLabel()
        self.label_nudge.setWordWrap(True)
        self.label_nudge.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addWidget(self.label_nudge)
        refit_on_font_change(self, self._fit_font)   # View > Zoom: rows as tall as the new font, headers whole

    def _fit_font(self) -> None:
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self._fit_height()

    def show_numbers(self, numbers: ChainNumbers | None, x0: float, message: str = "") -> None:
        """Fill the table for x0 (or empty it and show `message` when there is no chain)."""
        self.table.setVisible(numbers is not None)
        if numbers is None:
            self.table.setRowCount(0)
            self.label_nudge.setText(message or "No chain: nothing to multiply.")
            return
        links = list(reversed(numbers.links_at(x0)))          # innermost first: x -> v -> u -> y
        nudges = numbers.nudges_at(x0)
        x_name = numbers.analysis.names[-1]
        rows = [(f"{link.output_name} ← {link.input_name}",
                 f"{link.output_name} = {number(link.output_value)}",
                 f"d{link.output_name}/d{link.input_name} = {number(link.rate)}",
                 f"d{link.output_name} = {number(nudge)}")
                for link, (_name, nudge) in zip(links, nudges[1:], strict=True)]
        value = numbers.value_at(x0)
        # Where y itself is undefined (log(x^2 - 4) at 0), the rates' formulas still give numbers (1/u = -1/4 at
        # u = -4), but they are the slope of nothing: no product, and say why (issue 10).
        product = numbers.product_at(x0) if math.isfinite(value) else math.nan
        y_name = links[-1].output_name
        rows.append((f"{y_name} ← {x_name}", f"{y_name} = {number(value)}",
                     f"d{y_name}/d{x_name} = {number(product)}", f"d{y_name} = {number(nudges[-1][1])}"))
        self.table.setRowCount(len(rows))
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if r == len(rows) - 1:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(r, c, item)
        self._fit_height()
        if not math.isfinite(value):
            self.label_nudge.setText(
                f"At {x_name} = {number(x0)}, y is not defined, so it has no rate of change there: the local rates' "
                f"formulas still give numbers, but there is no slope for them to multiply out to. Move x0.")
            return
        path = ", then ".join(_elided([f"{number(n)} in {name}" for name, n in nudges[1:]]))
        rates = " × ".join(_elided([_operand(link.rate) for link in links]))
        fd = numbers.finite_difference_at(x0)
        self.label_nudge.setText(
            f"At {x_name} = {number(x0)}, a nudge of {NUDGE:g} in {x_name} becomes {path}: the rates multiply, "
            f"{rates} = {number(product)} = d{y_name}/d{x_name}. "
            f"Measured without any rule, (y(x0 + h) − y(x0 − h)) / 2h = {number(fd)}.")

    def cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def _fit_height(self) -> None:
        """Every row of a short chain; a long one scrolls past MAX_RATE_ROWS (60 rows made the window taller
        than a screen)."""
        header = self.table.horizontalHeader().height()
        shown = range(min(self.table.rowCount(), MAX_RATE_ROWS))
        rows = sum(self.table.rowHeight(r) for r in shown)
        self.table.setFixedHeight(header + rows + 2 * self.table.frameWidth() + 2)
        titles = self.table.horizontalHeader()   # zoomed, the table holds every header ("nudge dx = 0.001")
        need = sum(titles.sectionSizeHint(c) for c in range(titles.count())) + 2 * self.table.frameWidth() + 2
        self.table.setMinimumWidth(0 if zoom.percent() == zoom.DEFAULT else column_cap(self, need))


def _elided(parts: list[str], keep: int = 3) -> list[str]:
    """A long chain's parts written out in full would fill the panel: the first and last few around an "…"."""
    return parts if len(parts) <= 2 * keep + 1 else [*parts[:keep], "…", *parts[-keep:]]


def breakable(text: str) -> str:
    """text with a zero-width space after each "(" and "·": a word-wrapped label may break a long expression
    there (otherwise its minimum width is the whole expression, which widened the tab)."""
    return text.replace("(", "(\u200b").replace("·", "·\u200b")


def _operand(value: float) -> str:
    text = number(value)
    return f"({text})" if text.startswith("−") else text
