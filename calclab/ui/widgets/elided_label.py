"""ElidedLabel: a one-line title that shortens itself with "…" to fit its width instead of widening the window;
rich text (a coloured key in a title) is shortened by its visible words, keeping its colours."""

from __future__ import annotations

import math

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent, QTextCursor, QTextDocument
from PySide6.QtGui import Qt as QtGuiNamespace
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """One line of text that never widens its window: what does not fit ends in "…", and the tooltip has it all.

    A plot title such as "Composite y = sigmoid(sigmoid(...))" made the Chain Rule window 1,674 px wide.
    Rich text (a title with coloured spans) is measured and shortened by its visible words, keeping its colours:
    eliding the markup itself showed "<span sty…" to the learner.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._rich = False
        # Takes the width it is given and asks for none: a new title never redistributes the panels around it
        # (each redistribution had pyqtgraph relayout and repaint the plots).
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.set_full_text(text)

    def full_text(self) -> str:
        return self._full

    def plain_text(self) -> str:
        """The whole text as the learner reads it (rich text without its markup)."""
        return self._document(self._full).toPlainText() if self._rich else self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self._rich = QtGuiNamespace.mightBeRichText(text)
        self.setTextFormat(Qt.TextFormat.RichText if self._rich else Qt.TextFormat.PlainText)
        self._elide()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        margins = self.contentsMargins()
        width = self._text_width(self._full) + margins.left() + margins.right() + 2
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(min(self.sizeHint().width(), 60), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._elide()

    def _document(self, text: str) -> QTextDocument:
        document = QTextDocument()
        document.setDefaultFont(self.font())
        document.setHtml(text)
        return document

    @staticmethod
    def _ideal_width(document: QTextDocument) -> int:
        return math.ceil(document.idealWidth() - 2 * document.documentMargin())

    def _text_width(self, text: str) -> int:
        return self._ideal_width(self._document(text)) if self._rich else self.fontMetrics().horizontalAdvance(text)

    def _elide(self) -> None:
        room = max(0, self.width() - 2)
        if not self._rich:
            shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, room)
        elif self._text_width(self._full) <= room:
            shown = self._full
        else:
            shown = self._elided_rich(room)
        self.setText(shown)
        self.setToolTip(self.plain_text() if shown != self._full else "")

    def _elided_rich(self, room: int) -> str:
        """The longest start of the rich text that fits `room` with "…" after it, as rich text (colours kept)."""
        document = self._document(self._full)

        def cut(keep: int) -> QTextDocument:
            cursor = QTextCursor(document)
            cursor.setPosition(keep, QTextCursor.MoveMode.KeepAnchor)
            shortened = QTextDocument()
            shortened.setDefaultFont(self.font())
            end = QTextCursor(shortened)
            end.insertFragment(cursor.selection())
            end.insertText("…")
            return shortened

        low, high = 0, document.characterCount()   # the longest start that fits lies in [low, high)
        while high - low > 1:
            middle = (low + high) // 2
            if self._ideal_width(cut(middle)) <= room:
                low = middle
            else:
                high = middle
        return cut(low).toHtml()
