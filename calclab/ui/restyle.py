"""Restyler: zoom and theme applied to a whole window from one place, whatever the tabs draw.

Tabs draw with the sizes and colours of a light 100 % window. The Restyler walks the window instead of every
tab's code: widgets with their own font or style sheet, every pyqtgraph plot (background, axes, tick and label
fonts, curve widths, markers, legends, text items) and every other QGraphicsView (the network diagram and the
computational graph: their colours). Each value it changes is remembered with the value the tab gave, so
walking again is harmless, going back to 100 % or light restores the tab's own values exactly, and a value the
tab changes later is taken as the tab's new one. Scenes that change are walked again soon after (throttled),
which covers items a tab creates or recolours later.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QFontDatabase, QPen
from PySide6.QtWidgets import (
    QAbstractGraphicsShapeItem,
    QApplication,
    QGraphicsLineItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsTextItem,
    QGraphicsView,
    QLabel,
    QWidget,
)

from calclab.ui import theme, zoom
from calclab.ui.lazy import LazyModule
from calclab.ui.restyle_fonts import forget_size_hint, own_size, refresh_sheet_font
from calclab.ui.restyle_text import HEX as _HEX
from calclab.ui.restyle_text import MEMO as _MEMO
from calclab.ui.restyle_text import remember as _remember
from calclab.ui.restyle_text import restyle_label
from calclab.ui.restyle_text import restyle_text as _text

if TYPE_CHECKING:
    import numpy as np

THROTTLE_MS = 250
_SIZE = re.compile(r"(font-size\s*:\s*)(\d+(?:\.\d+)?)(pt|px)")

# pyqtgraph on first use: the window's shell (menus, empty tabs) is restyled and painted before the first tab brings
# pyqtgraph, and until then there is no pyqtgraph item to restyle.
pg = LazyModule("pyqtgraph")


def _owns_text(item) -> bool:
    """pyqtgraph items that colour their inner text item themselves."""
    return isinstance(item, pg.TextItem | pg.AxisItem | pg.LabelItem)


def _color(color: QColor) -> QColor:
    return theme.adapt(color)


def _size(value: float) -> float:
    return value * zoom.factor()


def _css(sheet: str) -> str:
    """A style sheet at the zoom (font sizes) and in the scheme (hex colours)."""
    sheet = _SIZE.sub(lambda m: f"{m[1]}{float(m[2]) * zoom.factor():.4g}{m[3]}", sheet)
    if theme.is_dark():
        sheet = _HEX.sub(lambda m: theme.adapt(QColor(m[0])).name(), sheet)
    return sheet


def _font(font: QFont, factor: float | None = None) -> QFont:
    factor = zoom.factor() if factor is None else factor
    scaled = QFont(font)
    if font.pointSizeF() > 0:
        scaled.setPointSizeF(font.pointSizeF() * factor)
    elif font.pixelSize() > 0:
        scaled.setPixelSize(max(1, round(font.pixelSize() * factor)))
    return scaled


def _seed(obj, key: str, current, unscale) -> None:
    """First sight of a widget's own font: widgets derive their fonts from the application font, which is
    already at the zoom, so the 100 % original is the current font unscaled (not the current font itself)."""
    memo = getattr(obj, _MEMO, None)
    if memo is None or key not in memo:
        if memo is None:
            memo = {}
            setattr(obj, _MEMO, memo)
        memo[key] = (unscale(current), current)


def _pen(pen: QPen, width: bool = True, ink: bool = True) -> QPen:
    out = QPen(pen)
    if ink:
        out.setColor(_color(pen.color()))
    if width:
        out.setWidthF(pen.widthF() * zoom.factor())
    return out


def _pen_key(pen: QPen) -> tuple:
    return (pen.color().rgba(), round(pen.widthF(), 4), int(pen.style().value), pen.isCosmetic())


# -- the walk --------------------------------------------------------------------------------------------------

def restyle_widget(widget: QWidget) -> None:
    """A widget's own font and style sheet (widgets that inherit the application font need nothing)."""
    refresh_sheet_font(widget)
    forget_size_hint(widget)
    if widget.testAttribute(Qt.WidgetAttribute.WA_SetFont) and own_size(widget.font()):
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)   # a system font: not zoomed yet
        _seed(widget, "font", widget.font(), lambda font: font if font == fixed else _font(font, 1 / zoom.factor()))
        font, changed = _remember(widget, "font", widget.font(), _font)
        if changed:
            widget.setFont(font)
    sheet = widget.styleSheet()
    if sheet:
        value, changed = _remember(widget, "css", sheet, _css)
        if changed:
            widget.setStyleSheet(value)
    if isinstance(widget, QLabel):
        restyle_label(widget)


def restyle_view(view: QGraphicsView) -> None:
    """A graphics view's background and every item of its scene."""
    if isinstance(view, pg.GraphicsView):
        color, changed = _remember(view, "background", view.backgroundBrush().color().rgba(),
                                   lambda rgba: _color(QColor.fromRgba(rgba)).rgba())
        if changed:
            view.setBackground(QColor.fromRgba(color))
    else:
        color, changed = _remember(view, "background", view.backgroundBrush().color().rgba(),
                                   lambda rgba: _color(QColor.fromRgba(rgba)).rgba())
        if changed:
            view.setBackgroundBrush(QBrush(QColor.fromRgba(color)))
    scene = view.scene()
    if scene is not None:
        for item in scene.items():
            try:
                restyle_item(item, zoomed=isinstance(view, pg.GraphicsView))
            except (RuntimeError, TypeError, AttributeError, KeyError):   # an item going away, an odd option
                continue


def restyle_item(item, zoomed: bool = True) -> None:
    """One scene item (pyqtgraph's by their options; plain Qt items by pen, brush and text colour)."""
    if isinstance(item, pg.AxisItem):
        _axis(item)
    elif isinstance(item, pg.LabelItem):
        size = item.opts.get("size")
        # No colour of its own: it draws in pyqtgraph's foreground, which stays the light scheme's ink.
        color = item.opts.get("color") or theme.LIGHT.foreground
        value, changed = _remember(item, "label", (str(size), QColor(pg.mkColor(color)).rgba()), _label_style)
        if changed:
            new_size, rgba = value
            item.setText(item.text, size=None if new_size == "None" else new_size, color=QColor.fromRgba(rgba))
    elif isinstance(item, pg.TextItem):
        font = item.textItem.font()
        if not own_size(font):   # the application font when it was made (it stays so): at the zoom of that time
            _seed(item, "font", font, lambda f: _font(f, 1 / zoom.factor()))
        font, changed = _remember(item, "font", font, _font)
        if changed:
            item.setFont(font)
        color, changed = _remember(item, "color", QColor(item.color).rgba(),
                                   lambda rgba: _color(QColor.fromRgba(rgba)).rgba())
        if changed:
            item.setColor(QColor.fromRgba(color))
        fill = QBrush(item.fill) if item.fill is not None else None
        if fill is not None and fill.style() != Qt.BrushStyle.NoBrush:
            rgba, changed = _remember(item, "fill", fill.color().rgba(), lambda c: _color(QColor.fromRgba(c)).rgba())
            if changed:
                fill.setColor(QColor.fromRgba(rgba))
                item.fill = fill
                item.update()
    elif isinstance(item, pg.PlotDataItem):
        _plot_data(item)
    elif isinstance(item, pg.PlotCurveItem) and not isinstance(item.parentObject(), pg.PlotDataItem):
        pen = pg.mkPen(item.opts["pen"])
        _set_pen(item, "pen", pen, item.setPen)
    elif isinstance(item, pg.ScatterPlotItem) and not isinstance(item.parentObject(), pg.PlotDataItem):
        _scatter(item)
    elif isinstance(item, pg.InfiniteLine):
        _set_pen(item, "pen", QPen(item.pen), item.setPen)
    elif isinstance(item, pg.ImageItem):
        _image(item)
    elif isinstance(item, pg.LegendItem):
        brush = QBrush(item.opts["brush"]) if item.opts.get("brush") is not None else None
        if brush is not None and brush.style() != Qt.BrushStyle.NoBrush:
            rgba, changed = _remember(item, "brush", brush.color().rgba(),
                                      lambda c: _color(QColor.fromRgba(c)).rgba())
            if changed:
                item.setBrush(pg.mkBrush(QColor.fromRgba(rgba)))
    elif not isinstance(item, pg.GraphicsObject):
        _plain(item, zoomed)


def _label_style(original: tuple[str, int]) -> tuple[str, int]:
    size, rgba = original
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(pt|px)", size)
    if match:
        size = f"{float(match[1]) * zoom.factor():.4g}{match[2]}"
    return size, _color(QColor.fromRgba(rgba)).rgba()


def _axis(axis: pg.AxisItem) -> None:
    font = axis.style.get("tickFont")
    if font is not None:   # (without one the ticks use the application font, already at the zoom)
        scaled, changed = _remember(axis, "tick_font", QFont(font), _font)
        if changed:
            axis.setStyle(tickFont=scaled)
    # The title's style first: setPen and setTextPen write their colour into it, and an already adapted colour taken
    # for the tab's own would be adapted again (dark on dark: the titles vanished).
    label_style, label_changed = _remember(axis, "label_style", tuple(sorted(axis.labelStyle.items())),
                                           _axis_label_style)
    _set_pen(axis, "pen", QPen(axis.pen()), axis.setPen, width=False)
    color, changed = _remember(axis, "text", axis.textPen().color().rgba(),
                               lambda rgba: _color(QColor.fromRgba(rgba)).rgba())
    if changed:
        axis.setTextPen(QColor.fromRgba(color))
    # A title without a colour of its own draws in its text item's default colour, which Qt took from the palette
    # when the axis was made (light if the tab was built while dark): ink of the scheme, whenever the tab was built.
    ink = _color(QColor(theme.LIGHT.foreground))
    if axis.label.defaultTextColor() != ink:
        axis.label.setDefaultTextColor(ink)
    if label_changed or tuple(sorted(axis.labelStyle.items())) != label_style:
        axis.labelStyle = dict(label_style)
        axis._updateLabel()   # noqa: SLF001 - pyqtgraph's own way to re-render the label after labelStyle


def _axis_label_style(original: tuple) -> tuple:
    style = dict(original)
    size = style.get("font-size")
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(pt|px)", str(size)) if size else None
    if match:
        style["font-size"] = f"{float(match[1]) * zoom.factor():.4g}{match[2]}"
    if "color" in style and theme.is_dark():
        style["color"] = _color(QColor(pg.mkColor(style["color"]))).name()
    return tuple(sorted(style.items()))


def _set_pen(item, key: str, pen: QPen, setter, width: bool = True) -> None:
    ink = not theme.keeps_ink(item)
    wanted, changed = _remember(item, key, _pen_key(pen), lambda original: _pen_key(
        _pen(_from_key(original, pen), width, ink)))
    if changed:
        setter(_from_key(wanted, pen))


def _from_key(key: tuple, like: QPen) -> QPen:
    pen = QPen(like)
    pen.setColor(QColor.fromRgba(key[0]))
    pen.setWidthF(key[1])
    return pen


def _plot_data(item: pg.PlotDataItem) -> None:
    if item.opts.get("pen") is not None:
        _set_pen(item, "pen", pg.mkPen(item.opts["pen"]), item.setPen)
    size = item.opts.get("symbolSize")
    if item.opts.get("symbol") is not None and isinstance(size, int | float):
        value, changed = _remember(item, "symbol_size", float(size), _size)
        if changed:
            item.setSymbolSize(value)
    symbol_pen = item.opts.get("symbolPen")
    if item.opts.get("symbol") is not None and symbol_pen is not None and not isinstance(symbol_pen, list):
        _set_pen(item, "symbol_pen", pg.mkPen(symbol_pen), item.setSymbolPen)


def _scatter(item: pg.ScatterPlotItem) -> None:
    """Markers: the default size and outline (a spot given its own size, pen or brush keeps them)."""
    if isinstance(item.opts.get("size"), int | float):
        value, changed = _remember(item, "size", float(item.opts["size"]), _size)
        if changed:
            item.setSize(value)
    if item.opts.get("pen") is not None:
        _set_pen(item, "pen", pg.mkPen(item.opts["pen"]), item.setPen)
    brush = item.opts.get("brush")
    if isinstance(brush, QBrush) and brush.style() != Qt.BrushStyle.NoBrush:
        rgba, changed = _remember(item, "brush", brush.color().rgba(), lambda c: _color(QColor.fromRgba(c)).rgba())
        if changed:
            item.setBrush(QColor.fromRgba(rgba))


def _image(item: pg.ImageItem) -> None:
    """Pale colours (drawn as paper under the data: the decision boundary's colour map, Descent's contour map, an
    RGB image) become dark paper with the same hues; a full colour map (viridis) stays as it is."""
    import numpy as np  # an image item exists: pyqtgraph, and with it NumPy, are loaded

    lut, image = item.lut, item.image
    if isinstance(lut, np.ndarray) and lut.ndim == 2 and lut.shape[1] in (3, 4) and lut.dtype == np.ubyte:
        _paper(item, "lut", lut, item.setLookupTable)
    elif lut is None and isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] in (3, 4) \
            and image.dtype == np.ubyte:
        _paper(item, "image", image, lambda value: item.setImage(value, autoLevels=False))


def _paper(item, key: str, current: np.ndarray, setter) -> None:
    memo = item.__dict__.setdefault(_MEMO, {})
    entry = memo.get(key)
    original = entry[0] if entry is not None and entry[1] is current else current
    if not theme.is_pale(original):
        return
    if not theme.is_dark():
        value = original
    elif entry is not None and entry[0] is original and entry[1] is not original:
        value = entry[1]   # (made once for each array the tab sets)
    else:
        value = theme.adapt_lut(original)
    if value is not current:
        setter(value)
    memo[key] = (original, getattr(item, key))   # (what pyqtgraph keeps may be a view of it, not it)


def _plain(item, zoomed: bool) -> None:
    """A plain Qt item (network diagram, computational graph): colours follow the scheme; sizes are the view's.

    (Never item.parentItem() here: PySide6 then lets Python delete an item the scene owns, as the graph's
    "input" caption was, once its wrapper goes.)"""
    if isinstance(item, QGraphicsTextItem):
        if not _owns_text(item.parentObject()):   # (else its owner colours it: adapting it undid that)
            _text(item)
        return
    if isinstance(item, QAbstractGraphicsShapeItem | QGraphicsLineItem):
        _set_pen(item, "pen", QPen(item.pen()), item.setPen, width=False)
    if isinstance(item, QGraphicsSimpleTextItem):
        _text(item)
    elif isinstance(item, QAbstractGraphicsShapeItem) and item.brush().style() != Qt.BrushStyle.NoBrush:
        brush = item.brush()
        rgba, changed = _remember(item, "brush", brush.color().rgba(), lambda c: _color(QColor.fromRgba(c)).rgba())
        if changed:
            brush.setColor(QColor.fromRgba(rgba))
            item.setBrush(brush)
        if brush.style() == Qt.BrushStyle.SolidPattern:   # texts on this fill read on it as drawn
            for child in item.childItems():
                if isinstance(child, QGraphicsSimpleTextItem | QGraphicsTextItem):
                    _remember(child, "backdrop", None, lambda _none, fill=rgba: fill)
                    _text(child)


def restyle_tree(widget: QWidget, on_view=None) -> None:
    """`widget` and every widget and graphics view in it, at the current zoom and theme."""
    for child in [widget, *widget.findChildren(QWidget)]:
        restyle_widget(child)
        if isinstance(child, QGraphicsView):
            if on_view is not None:
                on_view(child)
            restyle_view(child)


class Restyler(QObject):
    """Keeps a window at the current zoom and theme: `restyle()` walks it all now; changed scenes follow."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self._base_font: QFont | None = None
        self._scenes: set[QGraphicsScene] = set()
        self._dirty: set[QGraphicsView] = set()
        self._listening = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(THROTTLE_MS)
        self._timer.timeout.connect(self._on_timer)

    def active(self) -> bool:
        return zoom.percent() != zoom.DEFAULT or theme.is_dark()

    def apply_font(self) -> None:
        """The application font at the zoom (widgets that inherit it, and FormulaView, follow)."""
        app = QApplication.instance()
        if self._base_font is None:
            self._base_font = QFont(app.font())
        font = QFont(self._base_font)
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * zoom.factor())
        else:
            font.setPixelSize(max(1, round(font.pixelSize() * zoom.factor())))
        app.setFont(font)
        # Qt posts the change to the windows: deliver it now, so the walk that follows sees every widget's new font
        QCoreApplication.sendPostedEvents(None, QEvent.Type.ApplicationFontChange)

    def restyle(self) -> None:
        """Walk every widget and graphics view of the window now."""
        restyle_tree(self.window, on_view=self._watch)
        # Views made later (the 3D surface on first use) are walked when first shown, while zoomed or dark.
        app = QApplication.instance()
        if self.active() != self._listening:
            self._listening = self.active()
            (app.installEventFilter if self._listening else app.removeEventFilter)(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Show and isinstance(watched, QGraphicsView) \
                and watched.scene() not in self._scenes and self.window.isAncestorOf(watched):
            self._watch(watched)
            restyle_widget(watched)
            restyle_view(watched)
        return False

    def schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _watch(self, view: QGraphicsView) -> None:
        scene = view.scene()
        if scene is not None and scene not in self._scenes:
            self._scenes.add(scene)
            scene.changed.connect(lambda _regions, v=view: self._on_scene_changed(v))
            scene.destroyed.connect(lambda _obj=None, s=scene: self._scenes.discard(s))

    def _on_scene_changed(self, view: QGraphicsView) -> None:
        if self.active():
            self._dirty.add(view)
            self.schedule()

    def _on_timer(self) -> None:
        # Labels the tabs set meanwhile (texts and style sheets change as the plots do).
        for label in self.window.findChildren(QLabel):
            if label.isVisible():
                restyle_widget(label)
        views, self._dirty = self._dirty, set()
        for view in views:
            try:
                if view.isVisible():
                    restyle_view(view)
            except RuntimeError:   # the view was deleted meanwhile
                continue
