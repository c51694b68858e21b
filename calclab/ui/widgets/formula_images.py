"""Typeset images for FormulaView: LaTeX rewritten for mathtext, rasterized into QImages, cached; column vectors
stacked between drawn brackets (mathtext has no matrix environment). Any thread may build a Spec's image from
cached parts; rasterizing happens on the GUI thread (short formulas) or in the typesetting process (long ones).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from calclab.ui.widgets import typeset_store
from calclab.ui.widgets.mathtext_raster import alpha_mask

CACHE_SIZE = 256
_ROW_GAP = 0.35        # gap between vector rows, in units of the font size
_BRACKET_PAD = 0.3     # space between a bracket and the rows, in units of the font size

cache: OrderedDict[tuple, QImage | None] = OrderedDict()
cache_lock = threading.Lock()


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


def rasterize(latex: str, font_pt: float, color: str, dpi: float) -> QImage | None:
    """Typeset one math-mode string into a transparent QImage in `color` (None on error): from the typeset store
    when a launch before (or the build) made it, else by mathtext here, then kept in the store."""
    mask = typeset_store.load(latex, font_pt, dpi)
    if mask is None:
        mask = alpha_mask(latex, font_pt, dpi)
        typeset_store.save(latex, font_pt, dpi, mask)
    return colored(mask, color)


def colored(alpha: np.ndarray | None, color: str) -> QImage | None:
    """An alpha mask from mathtext as a QImage in `color`: no matplotlib Figure, no PNG round trip."""
    if alpha is None:
        return None
    rgb = QColor(color)
    height, width = alpha.shape
    pixels = np.empty((height, width, 4), dtype=np.uint8)   # ARGB32 premultiplied is B, G, R, A in memory
    a = alpha.astype(np.uint16)
    pixels[..., 0] = (a * rgb.blue() // 255).astype(np.uint8)
    pixels[..., 1] = (a * rgb.green() // 255).astype(np.uint8)
    pixels[..., 2] = (a * rgb.red() // 255).astype(np.uint8)
    pixels[..., 3] = alpha
    return QImage(pixels.data, width, height, 4 * width, QImage.Format.Format_ARGB32_Premultiplied).copy()


def cache_key(latex: str, font_pt: float, color: str, dpi: float) -> tuple:
    return (latex, round(font_pt, 2), color, round(dpi, 2))


def is_cached(latex: str, font_pt: float, color: str, dpi: float) -> bool:
    """True if the image is at hand without typesetting: in memory, or in the typeset store."""
    with cache_lock:
        if cache_key(latex, font_pt, color, dpi) in cache:
            return True
    return typeset_store.has(latex, font_pt, dpi)


def render(latex: str, font_pt: float, color: str, dpi: float) -> QImage | None:
    """Typeset one math-mode string to an image, or None if mathtext cannot parse it. Cached; any thread."""
    key = cache_key(latex, font_pt, color, dpi)
    with cache_lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    image = rasterize(latex, font_pt, color, dpi)
    store(key, image)
    return image


def store(key: tuple, image: QImage | None) -> None:
    with cache_lock:
        cache[key] = image
        if len(cache) > CACHE_SIZE:
            cache.popitem(last=False)


@dataclass(frozen=True)
class Spec:
    """Everything one typeset image depends on (so it can be built on any thread)."""

    latex: str                       # a single formula (when entries is None)
    entries: tuple[str, ...] | None  # a column vector's rows (a matrix's cells, row by row)
    prefix: str
    font_pt: float
    color: str
    dpi: float
    columns: int = 1                 # cells per row: 1 for a column vector

    def parts(self) -> list[str]:
        """The mathtext strings this image is made of."""
        if self.entries is None:
            return [latex_to_mathtext(self.latex)]
        return [latex_to_mathtext(e) for e in self.entries] + ([latex_to_mathtext(self.prefix)] if self.prefix else [])

    def build(self) -> QImage | None:
        if self.entries is None:
            return render(latex_to_mathtext(self.latex), self.font_pt, self.color, self.dpi)
        return compose_vector(self)


def compose_vector(spec: Spec) -> QImage | None:
    """Stack row images (a grid of cell images, for a matrix) between square brackets, after the prefix image
    (any thread: QImage only)."""
    font_pt, color, dpi = spec.font_pt, spec.color, spec.dpi
    cells = [render(latex_to_mathtext(entry), font_pt, color, dpi) for entry in spec.entries or ()]
    prefix = render(latex_to_mathtext(spec.prefix), font_pt, color, dpi) if spec.prefix else None
    columns = max(1, spec.columns)
    if any(cell is None for cell in cells) or (spec.prefix and prefix is None) or not cells or len(cells) % columns:
        return None
    em = font_pt * dpi / 72.0
    gap, pad, stroke = _ROW_GAP * em, _BRACKET_PAD * em, max(1.0, em / 14.0)
    bracket_w = 0.35 * em
    grid = [cells[i:i + columns] for i in range(0, len(cells), columns)]
    widths = [max(row[c].width() for row in grid) for c in range(columns)]
    heights = [max(cell.height() for cell in row) for row in grid]
    column_gap = 0.9 * em
    column_w = sum(widths) + column_gap * (columns - 1)
    column_h = sum(heights) + gap * (len(grid) - 1)
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
        painter.setPen(QPen(QColor(color), stroke))
        for x_edge, x_tip in ((left, left + bracket_w), (right, right - bracket_w)):
            painter.drawPolyline([QPointF(x_tip, top), QPointF(x_edge, top), QPointF(x_edge, bottom),
                                  QPointF(x_tip, bottom)])
        y = top + 0.2 * em
        for row, height in zip(grid, heights, strict=True):
            x = left + bracket_w + pad
            for cell, width in zip(row, widths, strict=True):
                mid_x, mid_y = x + width / 2, y + height / 2
                painter.drawImage(QRectF(mid_x - cell.width() / 2, mid_y - cell.height() / 2, cell.width(),
                                         cell.height()), cell)
                x += width + column_gap
            y += height + gap
    finally:
        painter.end()
    return image
