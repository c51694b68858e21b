"""Fonts for the restyler (calclab.ui.restyle): what Qt does not redo by itself when the zoom changes the
application font after a tab is built (widgets under a style sheet, combo boxes' measured widths)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QComboBox, QWidget

from calclab.ui import zoom

_SIZE_RESOLVED = 0x2   # QFont::SizeResolved (PySide6 does not export the enum)


def own_size(font: QFont) -> bool:
    """Does the font carry a size of its own (else its size follows the parent's, i.e. the application font)?"""
    return bool(font.resolveMask() & _SIZE_RESOLVED)


def refresh_sheet_font(widget: QWidget) -> None:
    """Qt leaves a widget under a style sheet at the font size it had when the sheet was applied, whatever the
    application font does later (the zoom's font change reaches every other widget): polish it again when its
    size is no longer the one it inherits."""
    if not widget.testAttribute(Qt.WidgetAttribute.WA_StyleSheet) or own_size(widget.font()):
        return
    parent = widget.parentWidget()
    natural = (parent.font() if parent is not None and not widget.isWindow()
               and not parent.testAttribute(Qt.WidgetAttribute.WA_StyleSheet) else QApplication.font())
    font = widget.font()
    if font.pointSizeF() != natural.pointSizeF() or font.pixelSize() != natural.pixelSize():
        widget.style().unpolish(widget)
        widget.style().polish(widget)


def forget_size_hint(widget: QWidget) -> None:
    """A QComboBox keeps the minimum size it measured with its old font (Qt forgets it on a style change only):
    after a zoom change it would hold the side panels at their old width."""
    if isinstance(widget, QComboBox):
        if getattr(widget, "_calclab_zoom", zoom.percent()) != zoom.percent():
            QApplication.sendEvent(widget, QEvent(QEvent.Type.StyleChange))
            widget.updateGeometry()
        widget._calclab_zoom = zoom.percent()
