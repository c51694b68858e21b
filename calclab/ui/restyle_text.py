"""Texts for the restyler (calclab.ui.restyle): QLabels' rich text and the diagrams' text items in the scheme,
and the memo every restyled value keeps of the tab's own (so walking again is harmless and light comes back
exactly)."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsSimpleTextItem, QGraphicsTextItem, QLabel

from calclab.ui import theme

MEMO = "_calclab_style"
HEX = re.compile(r"#[0-9A-Fa-f]{6}\b|#[0-9A-Fa-f]{3}\b")


def remember(obj, key: str, current, compute):
    """The value `obj` should have for `key`: compute(original), where original is what the tab set (the
    current value, unless it is still the one we set last time). Returns (value, changed)."""
    memo = obj.__dict__.get(MEMO) if hasattr(obj, "__dict__") else None
    if memo is None:
        memo = {}
        try:
            setattr(obj, MEMO, memo)
        except (AttributeError, TypeError):
            return current, False
    entry = memo.get(key)
    original = entry[0] if entry is not None and entry[1] == current else current
    value = compute(original)
    memo[key] = (original, value)
    return value, value != current


def restyle_label(label: QLabel) -> None:
    """Rich text's own colours (spans the tab coloured) in the scheme; links re-laid out in the palette's link
    colour (Qt fixes it when the text is set: a label set while light kept dark blue links on dark grey)."""
    text = label.text()
    if "<" not in text or label.textFormat() == Qt.TextFormat.PlainText:
        return
    value, changed = remember(label, "rich", text, _rich)
    memo = getattr(label, MEMO)
    stale_links = "<a " in value and memo.get("links") != theme.is_dark()
    if changed or stale_links:
        memo["links"] = theme.is_dark()
        if stale_links and not changed:
            label.setText("")   # (QLabel ignores the same text again: nothing would be laid out anew)
        label.setText(value)
        memo["rich"] = (memo["rich"][0], label.text())


def _rich(text: str) -> str:
    return HEX.sub(lambda m: theme.adapt(QColor(m[0])).name(), text) if theme.is_dark() else text


def restyle_text(item: QGraphicsSimpleTextItem | QGraphicsTextItem) -> None:
    """A text's colour in the scheme, readable on the fill of the shape it sits on (see theme.ink_on); the
    colours of a rich text's spans too."""
    backdrop = (getattr(item, MEMO, None) or {}).get("backdrop")
    fill = QColor.fromRgba(backdrop[1]) if backdrop is not None else None

    def ink(rgba: int) -> int:
        return theme.ink_on(QColor.fromRgba(rgba), fill).rgba()

    if isinstance(item, QGraphicsSimpleTextItem):
        brush = item.brush()
        rgba, changed = remember(item, "brush", brush.color().rgba(), ink)
        if changed:
            brush.setColor(QColor.fromRgba(rgba))
            item.setBrush(brush)
        return
    rgba, changed = remember(item, "text", item.defaultTextColor().rgba(), ink)
    if changed:
        item.setDefaultTextColor(QColor.fromRgba(rgba))
    html = item.toHtml()
    if "color:#" in html:   # spans coloured by the tab (Backprop's edge key)
        value, changed = remember(item, "html", html, _rich)
        if changed:
            item.setHtml(value)
            memo = getattr(item, MEMO)
            memo["html"] = (memo["html"][0], item.toHtml())
