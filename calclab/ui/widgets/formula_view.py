"""FormulaView: typeset maths from LaTeX, drawn by matplotlib's mathtext (Agg, no LaTeX install needed).

mathtext is a subset of LaTeX: `latex_to_mathtext` rewrites what SymPy prints into it (matrices and cases
have no mathtext form). A column vector is typeset row by row and stacked here, between drawn brackets,
because mathtext has no matrix environment. Anything that still fails to render falls back to plain text:
a formula view never raises. Renders are cached by (latex, size, colour, dpi).
"""

from __future__ import annotations

import io
import re
import threading
from collections import OrderedDict

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QSizePolicy, QWidget

DEFAULT_FONT_PT = 15.0
CACHE_SIZE = 256
_ROW_GAP = 0.35        # gap between vector rows, in units of the font size
_BRACKET_PAD = 0.3     # space between a bracket and the rows, in units of the font size

_render_lock = threading.Lock()   # mathtext is not documented thread-safe; the warm-up thread shares it
_cache: OrderedDict[tuple, QImage | None] = OrderedDict()


def sympy_to_mathtext(expr: object) -> str:
    """sympy.latex(expr), rewritten for mathtext (no $ delimiters)."""
    import sympy

    return latex_to_mathtext(sympy.latex(expr))


_ENV = re.compile(r"\\begin\{(matrix|pmatrix|bmatrix|array|cases)\}(?:\{[^}]*\})?(.*?)\\end\{\1\}", re.S)


def _flatten_environment(match: re.Match) -> str:
    """Matrices become [a, b; c, d]; cases become {a for x > 0; b otherwise} on one line."""
    kind, body = match.group(1), match.group(2)
    rows = [row.strip() for row in re.split(r"\\\\", body) if row.strip()]
    if kind == "cases":
        parts = [r"\ ".join(cell.strip() for cell in row.split("&")) for row in rows]
        return r"\left\{" + r";\ ".join(parts) + r"\right."
    parts = [r",\ ".join(cell.strip() for cell in row.split("&")) for row in rows]
    inner = r";\ ".join(parts)
    brackets = {"pmatrix": (r"\left(", r"\right)"), "bmatrix": (r"\left[", r"\right]")}.get(kind, ("", ""))
    return brackets[0] + inner + brackets[1]   # SymPy puts its own \left[ \right] around "matrix"


def latex_to_mathtext(latex: str) -> str:
    """Rewrite LaTeX (as SymPy prints it) into the subset matplotlib's mathtext parses."""
    text = latex.strip()
    if len(text) >= 2 and text.startswith("$") and text.endswith("$"):
        text = text[1:-1]
    text = _ENV.sub(_flatten_environment, text)
    text = re.sub(r"\\(displaystyle|textstyle|limits|nolimits)\b", "", text)
    text = text.replace(r"\middle", "")
    text = text.replace(r"\left|", "|").replace(r"\right|", "|")  # mathtext draws \left| far too small
    text = text.replace(r"\operatorname*", r"\operatorname")
    return text


def _render(latex: str, font_pt: float, color: str, dpi: float) -> QImage | None:
    """Typeset one math-mode string to an image, or None if mathtext cannot parse it. Cached."""
    key = (latex, round(font_pt, 2), color, round(dpi, 2))
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    image: QImage | None = None
    try:
        import matplotlib
        from matplotlib import mathtext
        from matplotlib.font_manager import FontProperties

        buffer = io.BytesIO()
        with _render_lock, matplotlib.rc_context({"savefig.transparent": True}):
            mathtext.math_to_image(f"${latex}$", buffer, prop=FontProperties(size=font_pt), dpi=dpi,
                                   format="png", color=color)
        image = QImage.fromData(buffer.getvalue(), "PNG")
        if image.isNull():
            image = None
    except Exception:  # noqa: BLE001 - mathtext raises ValueError and others; the caller falls back to text
        image = None
    _cache[key] = image
    if len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return image


def warm_up() -> None:
    """Import matplotlib and load its fonts in a background thread, so the first formula is quick."""
    def run() -> None:
        try:
            from matplotlib import mathtext
            from matplotlib.font_manager import FontProperties

            with _render_lock:
                mathtext.math_to_image("$x^2$", io.BytesIO(), prop=FontProperties(size=10), dpi=72,
                                       format="png")
        except Exception:  # noqa: BLE001 - only a speed-up
            pass

    threading.Thread(target=run, name="calclab-mathtext-warmup", daemon=True).start()


class FormulaView(QLabel):
    """A label showing typeset maths; sized to its content so a formula is never clipped.

    `set_latex(latex)` takes math-mode LaTeX without $ (SymPy's latex output is fine: it is rewritten by
    `latex_to_mathtext`); `set_column_vector(entries, prefix)` typesets a column vector. `latex()` is the
    LaTeX shown (for "copy as LaTeX"); `is_fallback()` says the text could not be typeset and shows as plain
    text. Put long formulas in `formula_scroll_area(view)` so they scroll instead of widening the window.
    """

    def __init__(self, latex: str = "", font_pt: float = DEFAULT_FONT_PT, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._font_pt = font_pt
        self._latex = ""
        self._entries: list[str] | None = None
        self._prefix = ""
        self._fallback_text = ""
        self._fallback = False
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Minimum)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if latex:
            self.set_latex(latex)

    def latex(self) -> str:
        return self._latex

    def is_fallback(self) -> bool:
        return self._fallback

    def set_font_size(self, font_pt: float) -> None:
        self._font_pt = font_pt
        self._refresh()

    def set_latex(self, latex: str, fallback: str | None = None) -> None:
        """Show `latex` typeset; if mathtext cannot, show `fallback` (default: the LaTeX itself) as text."""
        self._latex = latex
        self._entries = None
        self._fallback_text = latex if fallback is None else fallback
        self._refresh()

    def set_column_vector(self, entries: list[str], prefix: str = "", fallback: str | None = None) -> None:
        """Show `prefix` followed by a bracketed column of `entries` (each math-mode LaTeX), e.g. ∇f = [6x; 2]."""
        self._entries = list(entries)
        self._prefix = prefix
        self._latex = (prefix + " " if prefix else "") + r"\begin{bmatrix}" + r" \\ ".join(entries) + \
            r"\end{bmatrix}"
        self._fallback_text = fallback if fallback is not None else \
            (prefix + " " if prefix else "") + "[" + ", ".join(entries) + "]"
        self._refresh()

    def clear(self) -> None:
        self._latex, self._entries, self._fallback_text, self._fallback = "", None, "", False
        super().clear()
        self._fit()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._refresh()

    # -- rendering ------------------------------------------------------------------------------------------

    def _color(self) -> str:
        return self.palette().color(QPalette.ColorRole.WindowText).name()

    def _dpi_and_ratio(self) -> tuple[float, float]:
        ratio = max(1.0, self.devicePixelRatioF())
        return float(self.logicalDpiY()) * ratio, ratio

    def _refresh(self) -> None:
        if not self._latex:
            return
        dpi, ratio = self._dpi_and_ratio()
        if self._entries is not None:
            image = self._compose_vector(dpi)
        else:
            image = _render(latex_to_mathtext(self._latex), self._font_pt, self._color(), dpi)
        if image is None:
            self._fallback = True
            self.setPixmap(QPixmap())
            self.setText(self._fallback_text)
        else:
            self._fallback = False
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(ratio)
            self.setPixmap(pixmap)
        self._fit()

    def _fit(self) -> None:
        """Never clip: the minimum size is the content's size."""
        self.setMinimumSize(self.sizeHint())
        self.updateGeometry()

    def _compose_vector(self, dpi: float) -> QImage | None:
        """Stack row images between square brackets, after the prefix image."""
        color = self._color()
        rows = [_render(latex_to_mathtext(entry), self._font_pt, color, dpi) for entry in self._entries]
        prefix = _render(latex_to_mathtext(self._prefix), self._font_pt, color, dpi) if self._prefix else None
        if any(row is None for row in rows) or (self._prefix and prefix is None) or not rows:
            return None
        em = self._font_pt * dpi / 72.0
        gap, pad, stroke = _ROW_GAP * em, _BRACKET_PAD * em, max(1.0, em / 14.0)
        bracket_w = 0.35 * em
        column_w = max(row.width() for row in rows)
        column_h = sum(row.height() for row in rows) + gap * (len(rows) - 1)
        vector_h = column_h + 0.4 * em
        prefix_w = prefix.width() + 0.4 * em if prefix is not None else 0.0
        width = prefix_w + 2 * (bracket_w + pad) + column_w + 2 * stroke
        height = max(vector_h, prefix.height() if prefix is not None else 0.0)
        image = QImage(int(width + 1), int(height + 1), QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            if prefix is not None:
                painter.drawImage(QPointF(0, (height - prefix.height()) / 2), prefix)
            top = (height - vector_h) / 2
            bottom = top + vector_h
            left = prefix_w + stroke
            right = width - stroke
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.WindowText), stroke))
            for x_edge, x_tip in ((left, left + bracket_w), (right, right - bracket_w)):
                painter.drawPolyline([QPointF(x_tip, top), QPointF(x_edge, top), QPointF(x_edge, bottom),
                                      QPointF(x_tip, bottom)])
            y = top + 0.2 * em
            x_mid = left + bracket_w + pad + column_w / 2
            for row in rows:
                painter.drawImage(QRectF(x_mid - row.width() / 2, y, row.width(), row.height()), row)
                y += row.height() + gap
        finally:
            painter.end()
        return image


def formula_scroll_area(view: FormulaView, parent: QWidget | None = None) -> QScrollArea:
    """Wrap a FormulaView so a very long formula scrolls sideways instead of forcing the window wider."""
    area = QScrollArea(parent)
    area.setWidget(view)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setSizeAdjustPolicy(QScrollArea.SizeAdjustPolicy.AdjustToContents)
    return area
