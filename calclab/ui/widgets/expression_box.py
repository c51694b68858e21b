"""ExpressionBox: a line edit for a formula, validated while the user types.

Text goes only through calclab.engine.parsing.parse (fast and bounded, so it runs on the GUI thread).
Typing is debounced; a bad expression shows its one-line message under the box with a caret under the
offending column and emits nothing, so the tab keeps its last good state. A good one emits
`expression_changed(text, expr)`. Enter applies at once, and again on a second Enter (a retry).
"""

from __future__ import annotations

import html

from PySide6.QtCore import QAbstractAnimation, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QLabel, QLineEdit, QSizePolicy, QVBoxLayout, QWidget

# Short enough that the plot follows typing within ~50 ms (25 ms + ~10 ms of parse, compile and paint for an
# ordinary f; at 40 ms the benchmark measured 50 ms); long enough that a burst of keys (auto-repeat,
# paste-and-edit) parses once. Stale results are dropped downstream (worker jobs are keyed).
DEBOUNCE_MS = 25
ERROR_COLOR = "#C62828"
_CONTEXT_CHARS = 50   # characters of the text shown around the error column


def _parse(text: str) -> object:
    """The engine's parser (imported lazily: it pulls in SymPy, which must not delay the first paint)."""
    from calclab.engine.parsing import parse

    return parse(text)


def caret_lines(text: str, column: int | None) -> tuple[str, str]:
    """The text (cut to a window around the column) and a line with ^ under the 1-based column."""
    if column is None:
        return text, ""
    index = max(0, min(column - 1, len(text)))
    start = max(0, index - _CONTEXT_CHARS)
    end = min(len(text), index + _CONTEXT_CHARS)
    shown = ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")
    offset = index - start + (1 if start > 0 else 0)
    return shown, " " * offset + "^"


class ExpressionBox(QWidget):
    """Formula input with live validation.

    Signals: `expression_changed(str, object)` (text and SymPy expression, when a new good expression is
    applied), `error_changed(str)` (the one-line message, "" when the text is good again).
    Attributes: `line_edit` (QLineEdit), `label_error` (QLabel, monospace, red).
    """

    expression_changed = Signal(str, object)
    error_changed = Signal(str)

    def __init__(self, text: str = "", placeholder: str = "e.g. x^2 + 3x", tooltip: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._expression: object | None = None
        self._applied_text: str | None = None
        self._error = ""
        self.line_edit = QLineEdit()
        self.line_edit.setPlaceholderText(placeholder)
        self.line_edit.setClearButtonEnabled(True)
        self.setToolTip(tooltip or "Type a function, e.g. 3x^2 + 2y, sin(x)/x, sigmoid(3x - 1). "
                                   "^ is power; implicit multiplication (2x) works. Enter applies.")
        self.label_error = QLabel()
        self.label_error.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.label_error.setStyleSheet(f"color: {ERROR_COLOR};")
        self.label_error.setTextFormat(Qt.TextFormat.RichText)
        self.label_error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label_error.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        # Reserve the error's two lines so the layout does not jump while the user types.
        self.label_error.setText("<pre style='margin:0'> \n </pre>")
        self.label_error.setFixedHeight(self.label_error.sizeHint().height())
        self.label_error.setText("")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.line_edit)
        layout.addWidget(self.label_error)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._on_debounce)
        self.line_edit.textEdited.connect(self._on_text_edited)
        self.line_edit.returnPressed.connect(self._on_return_pressed)
        if text:
            self.set_text(text)

    # -- public API -------------------------------------------------------------------------------------

    def text(self) -> str:
        return self.line_edit.text()

    def set_text(self, text: str, emit: bool = True) -> bool:
        """Replace the text and validate it now; emits expression_changed if good and `emit`. True if good."""
        self._debounce.stop()
        self._set_line_text(text)
        return self._validate(force=True, emit=emit)

    def show_text(self, text: str) -> None:
        """Show `text` unparsed (a shipped first view's: known to be good, parsed when the tab is hydrated)."""
        self._debounce.stop()
        self._set_line_text(text)

    def expression(self) -> object | None:
        """The last good SymPy expression (None before the first one)."""
        return self._expression

    def error(self) -> str:
        """The current one-line error, e.g. "unexpected '^' (column 3)"; "" when the text is good."""
        return self._error

    def is_valid(self) -> bool:
        return not self._error

    def setToolTip(self, text: str) -> None:  # noqa: N802 - Qt override: the tip belongs on the line edit
        super().setToolTip(text)
        if hasattr(self, "line_edit"):
            self.line_edit.setToolTip(text)

    # -- slots --------------------------------------------------------------------------------------------

    def _on_text_edited(self, _text: str) -> None:
        self._debounce.start()

    def _on_debounce(self) -> None:
        self._validate(force=False, emit=True)

    def _on_return_pressed(self) -> None:
        """Enter applies the text even when it is the one already applied: that is how a learner retries a
        function whose computation failed or gave up."""
        self._debounce.stop()
        self._validate(force=True, emit=True)

    # -- internals ----------------------------------------------------------------------------------------

    def _set_line_text(self, text: str) -> None:
        """Qt fades the clear button in over 160 ms when the text stops being empty, even in a box not yet on
        screen: a box that first appears with text (a tab's start, a restored session) shows it at once."""
        self.line_edit.setText(text)
        if not self.line_edit.isVisible():
            for fade in self.line_edit.findChildren(QAbstractAnimation):
                fade.setCurrentTime(fade.totalDuration())   # at its end value; it stops (and deletes itself)

    def _validate(self, force: bool, emit: bool) -> bool:
        """Parse the text; show the error or store and (unless already applied) emit the expression."""
        from calclab.engine.parsing import ExpressionError

        text = self.line_edit.text()
        try:
            expr = _parse(text)
        except ExpressionError as exc:
            self._show_error(text, exc.message, exc.column)
            return False
        self._show_error(text, "", None)
        self._expression = expr
        if emit and (force or text != self._applied_text):
            self._applied_text = text
            self.expression_changed.emit(text, expr)
        return True

    def _show_error(self, text: str, message: str, column: int | None) -> None:
        label = "" if not message else message if column is None else f"{message} (column {column})"
        if not label:
            self.label_error.setText("")
        else:
            shown, caret = caret_lines(text, column) if text.strip() else ("", "")
            body = html.escape(label)
            if caret:
                body = html.escape(shown) + "\n" + html.escape(caret) + " " + body
            self.label_error.setText(f"<pre style='margin:0'>{body}</pre>")
        self.label_error.setToolTip(label)
        if label != self._error:
            self._error = label
            self.error_changed.emit(label)
