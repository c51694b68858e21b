"""The live iteration table: a QAbstractTableModel reading a Descent's history arrays, and its view.

The model stores nothing per row: each cell is formatted from the run's history when Qt asks for it, so a
100,000-step run costs no more memory than its history arrays, and appending a step inserts one row.
Row 0 is the start point; row k is epoch k. After the last step of a finished run one extra row says how it
ended ("diverged at epoch 17: ...").
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QModelRoleDataSpan, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFontDatabase
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from calclab.engine.descent import Descent
from calclab.engine.descent_table import cell_text, compact, full, full_rows, header, shows_rates
from calclab.ui import theme
from calclab.ui.widgets.font_fit import refit_on_font_change

STATUS_COLORS = {"diverged": "#C62828", "converged": "#2E7D32", "completed": "#455A64"}


_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.TextAlignmentRole,
                    Qt.ItemDataRole.ForegroundRole})
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
CURRENT_COLOR = "#0D47A1"   # the current point stands out (a lighter blue in dark: theme.adapt)
# Following the last row repaints every visible row (~400 cell look-ups): at most this often while running.
SCROLL_INTERVAL_S = 0.1


class IterationTableModel(QAbstractTableModel):
    """Epoch, point, f, the gradient the update used, the step it made (and optimizer state on request)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._run: Descent | None = None
        self._names: list[str] = ["x"]
        self._internals: tuple[str, ...] = ()
        self._rates = False       # an η column (a schedule is on)
        self._rows = 0            # rows the view knows about
        self._status_row = False
        self._texts: dict[int, list[str]] = {}   # formatted rows (history rows never change until a reset)

    # -- feeding ----------------------------------------------------------------------------------------

    def set_run(self, run: Descent | None, names: Sequence[str], show_internals: bool = False) -> None:
        """Show another run (or none) from scratch."""
        self.beginResetModel()
        self._run = run
        self._names = list(names)
        self._internals = tuple(run.internals) if run is not None and show_internals else ()
        self._rates = shows_rates(run)
        self._rows, self._status_row = self._wanted_rows()
        self._texts.clear()
        self.endResetModel()

    def run(self) -> Descent | None:
        return self._run

    def sync(self) -> None:
        """Insert the rows for steps made since the last call (and the status row once the run has ended)."""
        wanted, status_row = self._wanted_rows()
        if (wanted, status_row) == (self._rows, self._status_row):
            return
        if wanted < self._rows:      # the run was reset under us
            self.set_run(self._run, self._names, bool(self._internals))
            return
        if self._status_row:         # the old status row sits where new steps go: drop it first
            self.beginRemoveRows(QModelIndex(), self._rows - 1, self._rows - 1)
            self._rows -= 1
            self._status_row = False
            self.endRemoveRows()
        if wanted > self._rows:
            self.beginInsertRows(QModelIndex(), self._rows, wanted - 1)
            self._rows, self._status_row = wanted, status_row
            self.endInsertRows()

    def _wanted_rows(self) -> tuple[int, bool]:
        if self._run is None:
            return 0, False
        status_row = self._run.finished
        return len(self._run.history) + 1 + int(status_row), status_row

    def export_rows(self) -> tuple[list[str], list[list[str]]]:
        """The header and every history row with every digit (the tooltips' text), without the status row: the
        CSV, made straight from the run's history rather than cell by cell through Qt (20,000 rows in a blink)."""
        rows = full_rows(self._run.history, self._names, self._internals, self._rates) if self._run is not None else []
        return header(self._names, self._internals, self._rates), rows

    def status_row(self) -> int | None:
        """Index of the row that says how the run ended, if there is one."""
        return self._rows - 1 if self._status_row else None

    # -- Qt model API -----------------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else 4 + len(self._names) + int(self._rates) + len(self._internals)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt override
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation != Qt.Orientation.Horizontal:
            return None
        titles = header(self._names, self._internals, self._rates)
        tips = ["Epoch k: the k-th update (0 is the start point)"]
        tips += [f"{name} after this update (every digit, as Python prints it)" for name in self._names]
        tips += ["The function value there (every digit)",
                 "The gradient at the previous point: what this update followed",
                 "How far this update moved: new point − old point"]
        tips += ["The learning rate this update used (the schedule's, every digit)"] if self._rates else []
        tips += [f"Optimizer state '{name}' after this update" for name in self._internals]
        if role == Qt.ItemDataRole.DisplayRole:
            return titles[section] if section < len(titles) else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return tips[section] if section < len(tips) else None
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        return self._value(index.row(), index.column(), role) if index.isValid() else None

    def multiData(self, index: QModelIndex | QPersistentModelIndex, roles: QModelRoleDataSpan) -> None:  # noqa: N802
        """All the roles a cell's painting needs in one Python call (Qt would otherwise call data() ~8 times
        per cell, and those calls, not the formatting, were most of a step's table cost)."""
        row, column = index.row(), index.column()
        for item in roles:
            value = self._value(row, column, item.role())
            if value is None:
                item.clearData()
            else:
                item.setData(value)

    def _value(self, row: int, column: int, role: int) -> object:
        if role not in _ROLES or self._run is None or row >= self._rows:
            return None
        if self._status_row and row == self._rows - 1:
            return self._status_data(column, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._row_texts(row)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._cell_text(row, column, full)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and row == self._rows - 1 - int(self._status_row):
            return QBrush(theme.adapt(QColor(CURRENT_COLOR)))   # asked at paint time: follows View > Theme
        return None

    def _row_texts(self, row: int) -> list[str]:
        """A row's cell texts, formatted once: history rows never change, and a step repaints every
        visible row (the table scrolls), so the same few rows are asked for again and again."""
        texts = self._texts.get(row)
        if texts is None:
            if len(self._texts) > 512:
                self._texts.clear()
            texts = self._texts[row] = [self._cell_text(row, c, compact) for c in range(self.columnCount())]
        return texts

    def _status_data(self, column: int, role: int) -> object:
        assert self._run is not None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._run.message if column == 0 else ""
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(theme.adapt(QColor(STATUS_COLORS.get(self._run.status, "#000000"))))
        return None

    def _cell_text(self, row: int, column: int, vector_format=compact) -> str:
        return cell_text(self._run.history, self._names, self._internals, row, column, vector_format,  # type: ignore
                         self._rates)


class IterationTableView(QTableView):
    """A fast table for the model above: fixed row heights, no per-row measuring, follows the last row.

    Following is throttled: a Step made more than SCROLL_INTERVAL_S after the last scroll scrolls at once (a
    user's click shows its row immediately); faster Steps (Run) scroll once per interval from a single-shot
    timer. Rows appended below the visible ones repaint only the row that stops being current (Qt would repaint
    every visible row, ~400 cell look-ups, on each insert: as much as all the plot updates of a Step together).
    """

    def __init__(self, model: IterationTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        # Fixed sizes: ResizeToContents would measure every one of 10,000 rows on each insert.
        vertical = self.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        horizontal = self.horizontalHeader()
        horizontal.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        horizontal.setStretchLastSection(True)
        horizontal.setHighlightSections(False)
        self._model = model
        self._columns_sized = False
        self._span_row: int | None = None
        model.modelReset.connect(self._on_model_reset)
        refit_on_font_change(self, self._fit_rows)   # View > Zoom: rows and columns for the new font
        model.rowsAboutToBeInserted.connect(self._on_rows_about_to_be_inserted)
        model.rowsInserted.connect(self._on_rows_inserted)
        model.rowsAboutToBeRemoved.connect(self._on_rows_about_to_be_removed)
        self._follow = True
        self._last_scroll = -1.0          # time.perf_counter() of the last follow scroll
        self._scroll_from = 0             # scroll bar value when the pending scroll was scheduled
        self._scroll_timer = QTimer(self)
        self._scroll_timer.setSingleShot(True)
        self._scroll_timer.timeout.connect(self._on_scroll_timer)
        self._appended_from: int | None = None   # first row appended since the last items layout
        # The scroll bar changes every step; opaque, it repaints alone instead of with the whole window.
        bar = self.verticalScrollBar()
        bar.setAutoFillBackground(True)
        if bar.parentWidget() is not None:
            bar.parentWidget().setAutoFillBackground(True)

    def _fit_rows(self) -> None:
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        if self._columns_sized:   # (once a run has set them)
            self.size_columns()

    def size_columns(self) -> None:
        """Column widths from the number formats (set once per run: measuring 10,000 rows would be slow)."""
        self._columns_sized = True
        char = self.fontMetrics().horizontalAdvance("0")
        n = len(self._model._names)
        widths = [7 * char] + [24 * char] * (n + 1) + [(15 * n + 2) * char] * (self._model.columnCount() - n - 2)
        for column, width in enumerate(widths):
            self.setColumnWidth(column, width)

    def _on_model_reset(self) -> None:
        self.clearSpans()
        self._span_row = None
        self._follow = True
        self._appended_from = None
        self._scroll_timer.stop()
        self.size_columns()
        self._update_span()

    def doItemsLayout(self) -> None:  # noqa: N802 - Qt override
        """After rows were only appended below the visible ones, update the scroll range and repaint the row
        that stops being the current one, not the whole viewport (Qt's default repaints every visible row)."""
        first, self._appended_from = self._appended_from, None
        viewport = self.viewport()
        if first is None or first == 0 or self.rowViewportPosition(first) < viewport.height():
            super().doItemsLayout()
            return
        self.updateGeometries()
        y = self.rowViewportPosition(first - 1)
        viewport.update(0, y, viewport.width(), self.rowHeight(first - 1))

    def _on_rows_about_to_be_inserted(self, _parent: QModelIndex, first: int, _last: int) -> None:
        if self._appended_from is None:
            self._appended_from = first
        if self._scroll_timer.isActive():   # a scroll is pending: the bar is behind on purpose, not by the user
            return
        bar = self.verticalScrollBar()
        self._follow = bar.value() >= bar.maximum() - 2   # follow only if the user has not scrolled away

    def _on_rows_inserted(self, *_args: object) -> None:
        self._update_span()
        if not self._follow or self._scroll_timer.isActive():
            return
        wait = self._last_scroll + SCROLL_INTERVAL_S - time.perf_counter()
        if wait <= 0:
            self._scroll_to_end()
        else:
            self._scroll_from = self.verticalScrollBar().value()
            self._scroll_timer.start(max(1, int(wait * 1000)))

    def _on_scroll_timer(self) -> None:
        if self.verticalScrollBar().value() == self._scroll_from:   # unless the user scrolled meanwhile
            self._scroll_to_end()

    def _scroll_to_end(self) -> None:
        self._last_scroll = time.perf_counter()
        self.scrollToBottom()

    def _on_rows_about_to_be_removed(self, *_args: object) -> None:
        self._appended_from = 0   # not an append: the next items layout is Qt's full one
        if self._span_row is not None:
            self.setSpan(self._span_row, 0, 1, 1)
            self._span_row = None

    def _update_span(self) -> None:
        row = self._model.status_row()
        if row is not None and row != self._span_row:
            self.setSpan(row, 0, 1, self._model.columnCount())
            self._span_row = row
