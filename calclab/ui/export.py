"""Writing plots and data to files: PNG (1x/2x/4x), SVG, whole-tab PNG, animated GIF and CSV.

Every file is produced in memory first and then written to a temporary name in the target folder and renamed
over the target (`write_atomic`), so a failed export never leaves a half-written file or replaces a good one.
calclab.atomic decides what the target is: a symlink's target (the link is kept), a hard-linked file in place;
a device, a fifo, a read-only file or a folder we cannot write is refused before anything is rendered.
Every failure is an ExportError with a one-line message a user can act on.

SVG goes through QtSvg.QSvgGenerator + QPainter + render(): pyqtgraph 0.14's SVGExporter raises
`ValueError: not enough values to unpack` with Qt 6.11/6.12 (measured).
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager

import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMargins, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen, QTextLayout, QTextOption
from PySide6.QtWidgets import QGraphicsView, QWidget

from calclab import atomic
from calclab.csvfile import csv_bytes
from calclab.ui.widgets.focus_ring import rings_hidden

SCALES: tuple[int, ...] = (1, 2, 4)
PLOT_FORMATS: tuple[str, ...] = (".png", ".svg")
PRINT_BACKGROUND = "#FFFFFF"
PRINT_FOREGROUND = "#202020"
CAPTION_PX = 14             # the caption's font size in pixels at 1x (about the tick labels' 11 pt)
CAPTION_LINES = 3           # a longer caption (a long f) is shortened in the middle to this many lines
GIF_FRAME_MS = 150
MAX_GIF_FRAMES = 400        # longer runs are sampled evenly (first and last frame always kept)


class ExportError(atomic.WriteError):
    """An export that could not be made or written; str() is one line for a dialog or an `error:` line."""


# -- writing files ----------------------------------------------------------------------------------------

def check_writable(path: str) -> None:
    """Raise ExportError early (before any rendering) if `path` obviously cannot be written."""
    try:
        atomic.check_writable(path)
    except atomic.WriteError as error:
        raise ExportError(str(error)) from None


def write_atomic(path: str, data: bytes) -> None:
    """Write `data` through a temporary file and a rename (see calclab.atomic); failures raise ExportError."""
    try:
        atomic.write_atomic(path, data)
    except atomic.WriteError as error:
        raise ExportError(str(error)) from None


# -- the look of an exported plot -----------------------------------------------------------------------

@contextmanager
def print_style(plot_widget: pg.PlotWidget, enabled: bool = True) -> Iterator[None]:
    """Temporarily give the plot a white background, dark axes and dark legend text; restored afterwards."""
    if not enabled or not isinstance(plot_widget, pg.PlotWidget):   # a diagram (QGraphicsView) is already light
        yield
        return
    from calclab.ui.restyle_print import light_for_print

    with light_for_print(plot_widget), _print_style(plot_widget):
        yield


@contextmanager
def _print_style(plot_widget: pg.PlotWidget) -> Iterator[None]:
    plot_item = plot_widget.getPlotItem()
    background = plot_widget.backgroundBrush()
    axes = [plot_item.getAxis(side) for side in ("left", "bottom", "right", "top")]
    saved_axes = [(axis, QPen(axis.pen()), QPen(axis.textPen())) for axis in axes]
    legend = plot_item.legend
    legend_color = QColor(legend.labelTextColor()) if legend is not None and legend.labelTextColor() else None
    try:
        plot_widget.setBackground(PRINT_BACKGROUND)
        for axis, pen, _text_pen in saved_axes:
            dark = QPen(pen)
            dark.setColor(QColor(PRINT_FOREGROUND))
            axis.setPen(dark)
            axis.setTextPen(PRINT_FOREGROUND)
        if legend is not None:
            legend.setLabelTextColor(PRINT_FOREGROUND)
        yield
    finally:
        plot_widget.setBackground(background)
        for axis, pen, text_pen in saved_axes:
            axis.setPen(pen)
            axis.setTextPen(text_pen)
        if legend is not None and legend_color is not None:
            legend.setLabelTextColor(legend_color)


@contextmanager
def _export_mode(plot_widget: pg.PlotWidget, scale: float = 1.0) -> Iterator[None]:
    """Items draw for export (scatter symbols as vectors, not cached bitmaps), and cosmetic pens get `scale`
    times wider so a 2x image looks like the plot drawn twice as big.

    Cosmetic pens are in device pixels, so without this a 4x image has hairline curves. (Text, symbols and
    legends are scaled by the image's device pixel ratio.) Everything is restored afterwards.
    """
    restore: list[Callable[[], None]] = []

    def widened(pen: QPen) -> QPen:
        wide = QPen(pen)
        if pen.isCosmetic() and pen.style() != Qt.PenStyle.NoPen:
            wide.setWidthF(max(pen.widthF(), 1.0) * scale)
        return wide

    try:
        for item in plot_widget.scene().items():
            if hasattr(item, "setExportMode"):   # resolutionScale 1: the device pixel ratio does the scaling
                item.setExportMode(True, {"antialias": True, "resolutionScale": 1.0})
                restore.append(lambda item=item: item.setExportMode(False))
            if scale == 1:
                continue
            if isinstance(item, pg.PlotDataItem):   # its curve and its legend sample both follow its pen
                if isinstance(item.opts["pen"], QPen):
                    pen = QPen(item.opts["pen"])
                    item.setPen(widened(pen))
                    restore.append(lambda item=item, pen=pen: item.setPen(pen))
            elif isinstance(item, pg.PlotCurveItem) and not isinstance(item.parentItem(), pg.PlotDataItem):
                pen = QPen(item.opts["pen"])
                item.setPen(widened(pen))
                restore.append(lambda item=item, pen=pen: item.setPen(pen))
            elif isinstance(item, pg.InfiniteLine):
                pen = QPen(item.pen)
                item.setPen(widened(pen))
                restore.append(lambda item=item, pen=pen: item.setPen(pen))
        yield
    finally:
        for undo in reversed(restore):
            undo()


def _paint_plot(plot_widget: pg.PlotWidget, painter: QPainter, width: float, height: float) -> None:
    """Render the whole plot view (axes, legend, items) into the rectangle (0, 0, width, height)."""
    if hasattr(plot_widget.scene(), "prepareForPaint"):   # a pyqtgraph scene (not a plain QGraphicsView's)
        plot_widget.scene().prepareForPaint()   # lets ViewBoxes finish pending auto-range before drawing
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    plot_widget.render(painter, QRectF(0, 0, width, height), plot_widget.viewport().rect())


def render_plot(plot_widget: pg.PlotWidget, scale: int = 1, light: bool = True) -> QImage:
    """The plot as an image `scale` times its on-screen size (text, lines and symbols scaled alike)."""
    if scale not in SCALES:
        raise ExportError(f"scale must be one of {', '.join(f'{s}x' for s in SCALES)}, not {scale}")
    size = plot_widget.viewport().size()
    width, height = max(1, size.width()), max(1, size.height())
    image = QImage(width * scale, height * scale, QImage.Format.Format_ARGB32)
    # A device pixel ratio scales everything like a high-DPI screen would, including items that ignore
    # transformations (legends, text labels); a painter scale alone leaves those at 1x.
    image.setDevicePixelRatio(scale)
    with print_style(plot_widget, light), _export_mode(plot_widget, scale):
        image.fill(plot_widget.backgroundBrush().color())
        painter = QPainter(image)
        try:
            _paint_plot(plot_widget, painter, width, height)
        finally:
            painter.end()
    image.setDevicePixelRatio(1.0)
    return image


def image_bytes(image: QImage, fmt: str = "PNG") -> bytes:
    """Encode a QImage in memory (so the file itself is written by write_atomic)."""
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, fmt):
        raise ExportError(f"could not encode the image as {fmt}")
    buffer.close()
    return bytes(array.data())


def svg_bytes(plot_widget: pg.PlotWidget, light: bool = True, title: str = "calclab plot",
              caption: str | None = None) -> bytes:
    """The plot as SVG (vector curves and text) via QSvgGenerator, under a line of `caption` if given."""
    from PySide6.QtSvg import QSvgGenerator

    size = plot_widget.viewport().size()
    font, text, band = _caption_layout(caption, size.width(), CAPTION_PX) if caption else (None, "", 0)
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(size.grownBy(QMargins(0, band, 0, 0)))
    generator.setViewBox(QRect(0, 0, size.width(), size.height() + band))
    generator.setResolution(plot_widget.logicalDpiX())   # else point-sized text comes out at 72 dpi
    generator.setTitle(caption or title)
    generator.setDescription("Exported from calclab")
    with print_style(plot_widget, light), _export_mode(plot_widget):
        painter = QPainter(generator)
        try:
            painter.fillRect(QRectF(0, 0, size.width(), size.height() + band), plot_widget.backgroundBrush())
            if font is not None:
                _draw_caption(painter, font, text, size.width(), band, _caption_pen(plot_widget, light))
                painter.translate(0, band)
            _paint_plot(plot_widget, painter, size.width(), size.height())
        finally:
            painter.end()
    buffer.close()
    return bytes(array.data())


# -- the exports ---------------------------------------------------------------------------------------------

def export_png(plot_widget: pg.PlotWidget, path: str, scale: int = 1, light: bool = True,
               caption: str | None = None) -> None:
    """Write the plot as PNG at `scale` (1, 2 or 4) times its on-screen pixel size, under a line of `caption`
    (what it shows: the tab's function and settings) if given."""
    check_writable(path)
    image = render_plot(plot_widget, scale, light)
    if caption:
        image = caption_plot(image, caption, scale, plot_widget.backgroundBrush().color() if not light
                             else QColor(PRINT_BACKGROUND), _caption_pen(plot_widget, light))
    write_atomic(path, image_bytes(image))


def export_svg(plot_widget: pg.PlotWidget, path: str, light: bool = True, caption: str | None = None) -> None:
    """Write the plot as SVG (under a line of `caption` if given)."""
    check_writable(path)
    write_atomic(path, svg_bytes(plot_widget, light, caption=caption))


def export_plot(plot_widget: pg.PlotWidget, path: str, scale: int = 1, light: bool = True,
                caption: str | None = None) -> None:
    """PNG or SVG, chosen by the file's extension, with a caption line over the plot if `caption` is given."""
    extension = os.path.splitext(path)[1].lower()
    if not isinstance(plot_widget, QGraphicsView) and extension in PLOT_FORMATS:
        _export_grabbed(plot_widget, path, extension, caption)   # an OpenGL view: what it shows, as pixels
    elif extension == ".png":
        export_png(plot_widget, path, scale, light, caption)
    elif extension == ".svg":
        export_svg(plot_widget, path, light, caption)
    else:
        raise ExportError(f"cannot export a plot as '{extension or path}': use a .png or .svg file name")


def _export_grabbed(widget: QWidget, path: str, extension: str, caption: str | None) -> None:
    """The OpenGL surface (not a QGraphicsView, so not drawn by render()): its pixels, grabbed, as PNG only.
    Plots and diagrams (a QGraphicsView, e.g. the network with its neurons' pictures) go through render(),
    as vectors in an SVG."""
    if extension != ".png":
        raise ExportError("the 3D surface drawn with OpenGL can be exported as PNG only (for an SVG, "
                          "`calclab export TAB --view surface --out s.svg` draws it in software)")
    check_writable(path)
    with rings_hidden(widget):
        image = widget.grab().toImage()
    if caption:
        image = caption_plot(image, caption)
    write_atomic(path, image_bytes(image))


def export_widget_png(widget: QWidget, path: str, light: bool = True) -> None:
    """The whole widget (a tab: controls, formulas, plots) as one PNG, as it looks on screen."""
    check_writable(path)
    with ExitStack() as stack:
        stack.enter_context(rings_hidden(widget))
        if light:
            from calclab.ui.restyle_print import light_tab_for_print

            stack.enter_context(light_tab_for_print(widget))
            for plot in widget.findChildren(pg.PlotWidget):
                stack.enter_context(print_style(plot))
        image = widget.grab().toImage()
    write_atomic(path, image_bytes(image))


def caption_frame(image: QImage, text: str) -> QImage:
    """The image under a white strip that says which frame this is ("epoch 5"), so it never hides the plot."""
    return caption_plot(image, text, pixels=max(CAPTION_PX, image.height() // 30), bold=True)


def _caption_layout(text: str, width: int, pixels: int, bold: bool = False) -> tuple[QFont, str, int]:
    """(font, text, band height) for a caption across `width` px in a `pixels` px font: wrapped at words (anywhere
    in a word too long for a line), at most about CAPTION_LINES lines (a longer text is shortened in the middle),
    never clipped."""
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    pad = font.pixelSize() // 2
    inner = max(1, width - 2 * pad)
    text = " ".join(text.split()).replace(" = ", "\u00a0=\u00a0")   # a line never ends inside "η = 0.1"
    text = QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideMiddle, inner * CAPTION_LINES - 4 * pad)
    layout = QTextLayout(text, font)
    layout.setTextOption(_caption_option())
    layout.beginLayout()
    height = 0.0
    while (line := layout.createLine()).isValid():
        line.setLineWidth(inner)
        height += line.height()
    layout.endLayout()
    return font, text, math.ceil(height) + 2 * pad


def _caption_option() -> QTextOption:
    option = QTextOption(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    return option


def _draw_caption(painter: QPainter, font: QFont, text: str, width: int, band: int, color: QColor) -> None:
    pad = font.pixelSize() // 2
    painter.setFont(font)
    painter.setPen(color)
    painter.drawText(QRectF(pad, pad, width - 2 * pad, band - 2 * pad), text, _caption_option())


def _caption_pen(plot_widget: pg.PlotWidget, light: bool) -> QColor:
    """The caption's colour: the print colour on a light export, else the axes' text colour."""
    if light or not isinstance(plot_widget, pg.PlotWidget):   # a diagram is drawn light in either theme
        return QColor(PRINT_FOREGROUND)
    return plot_widget.getPlotItem().getAxis("left").textPen().color()


def caption_plot(image: QImage, text: str, scale: int = 1, background: QColor | None = None,
                 foreground: QColor | None = None, pixels: int | None = None, bold: bool = False) -> QImage:
    """The plot's image (drawn at `scale`) under a band with `text` (the function and settings it shows), so a
    picture pasted into notes still says what it is; the band is the plot's background colour, never covers the
    plot, and is laid out as at 1x then drawn `scale` times larger (a 2x export is the 1x one, twice as big)."""
    width = max(1, image.width() // scale)
    font, text, band = _caption_layout(text, width, pixels or CAPTION_PX, bold)
    framed = QImage(image.width(), image.height() + band * scale, QImage.Format.Format_RGB32)
    framed.fill(background or QColor(PRINT_BACKGROUND))
    painter = QPainter(framed)
    try:
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        painter.drawImage(0, band * scale, image)
        painter.scale(scale, scale)
        _draw_caption(painter, font, text, width, band, foreground or QColor(PRINT_FOREGROUND))
    finally:
        painter.end()
    return framed


def _to_pillow(image: QImage):
    from PIL import Image

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    data = bytes(rgb.constBits())
    return Image.frombuffer("RGB", (rgb.width(), rgb.height()), data, "raw", "RGB", rgb.bytesPerLine(), 1)


def gif_bytes(frames: Iterable[QImage], frame_ms: int = GIF_FRAME_MS, last_frame_ms: int = 1500) -> bytes:
    """An animated GIF (looping) of `frames`; the last frame is held a little longer."""
    from PIL import Image

    pictures = []
    for frame in frames:
        pictures.append(_to_pillow(frame).quantize(colors=255, method=Image.Quantize.MAXCOVERAGE,
                                                         dither=Image.Dither.NONE))
    if not pictures:
        raise ExportError("there is nothing to animate")
    durations = [frame_ms] * len(pictures)
    durations[-1] = max(frame_ms, last_frame_ms)
    output = io.BytesIO()
    pictures[0].save(output, format="GIF", save_all=True, append_images=pictures[1:], duration=durations,
                     loop=0, disposal=1, optimize=False)
    return output.getvalue()


def export_gif(frames: Iterable[QImage], path: str, frame_ms: int = GIF_FRAME_MS) -> None:
    """Write `frames` as an animated GIF (nothing is written if producing the frames fails)."""
    check_writable(path)
    write_atomic(path, gif_bytes(frames, frame_ms))


def frame_indices(count: int, limit: int = MAX_GIF_FRAMES) -> list[int]:
    """Which of `count` frames (0..count-1) to keep: all if they fit, else evenly spaced with both ends."""
    if count <= limit:
        return list(range(count))
    step = (count - 1) / (limit - 1)
    return sorted({round(i * step) for i in range(limit)})


def export_csv(path: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    check_writable(path)
    write_atomic(path, csv_bytes(header, rows))
