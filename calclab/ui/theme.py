"""Light or dark: the system's colour scheme (QStyleHints.colorScheme) unless View > Theme forces one.

The application palette carries the scheme to ordinary widgets and to FormulaView (which typesets in the
palette's text colour); calclab.ui.restyle carries it to plots and the custom-painted diagrams, mapping the
colours they were drawn with: greys and near-black ink become light, near-white fills become dark, hues stay
(so blue still means positive, orange negative). Custom painters that want a colour outright use `colors()`.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:   # the arrays come from pyqtgraph's items: the window's shell paints before NumPy is loaded
    import numpy as np

MODES = ("system", "light", "dark")

_dark = False


@dataclass(frozen=True)
class Colors:
    """The few colours custom painting needs, for the scheme in force."""

    background: str
    foreground: str
    muted: str
    grid: str


LIGHT = Colors(background="#FFFFFF", foreground="#000000", muted="#5F6368", grid="#D0D0D0")
DARK = Colors(background="#1B1E23", foreground="#E8E8E8", muted="#A8AEB6", grid="#3A3F47")


def is_dark() -> bool:
    """True while the dark scheme is in force."""
    return _dark


def set_dark(dark: bool) -> None:
    """Switch the scheme the colour mapping uses, without touching the palette (export's print colours)."""
    global _dark
    _dark = dark


def colors() -> Colors:
    return DARK if _dark else LIGHT


def system_is_dark() -> bool:
    """What the desktop asks for (light when it does not say)."""
    app = QGuiApplication.instance()
    return app is not None and app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def wants_dark(mode: str) -> bool:
    """Whether `mode` ("system", "light" or "dark") means the dark scheme now."""
    return mode == "dark" or (mode == "system" and system_is_dark())


def dark_palette() -> QPalette:
    """A readable dark palette (Fusion-style roles, enough contrast for a projector)."""
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#25282D", QPalette.ColorRole.WindowText: "#E8E8E8",
        QPalette.ColorRole.Base: "#1B1E23", QPalette.ColorRole.AlternateBase: "#2B2F35",
        QPalette.ColorRole.ToolTipBase: "#2B2F35", QPalette.ColorRole.ToolTipText: "#E8E8E8",
        QPalette.ColorRole.PlaceholderText: "#8A9099", QPalette.ColorRole.Text: "#E8E8E8",
        QPalette.ColorRole.Button: "#33373D", QPalette.ColorRole.ButtonText: "#E8E8E8",
        QPalette.ColorRole.BrightText: "#FF6B6B", QPalette.ColorRole.Link: "#6CB4FF",
        QPalette.ColorRole.LinkVisited: "#B99AFF", QPalette.ColorRole.Highlight: "#2F6FE4",
        QPalette.ColorRole.HighlightedText: "#FFFFFF", QPalette.ColorRole.Light: "#4A4F57",
        QPalette.ColorRole.Midlight: "#3D4148", QPalette.ColorRole.Mid: "#6B7079",
        QPalette.ColorRole.Dark: "#15171A", QPalette.ColorRole.Shadow: "#000000",
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7A8088"))
    return palette


def apply_palette(dark: bool) -> None:
    """Set the application palette and the module's scheme.

    pyqtgraph's global defaults stay light (white paper, black ink) whatever the scheme: every plot is drawn light,
    as the tabs expect, and calclab.ui.restyle alone adapts it, once, also a plot built while dark (flipping the
    defaults too made such a plot light again: adapted twice)."""
    global _dark
    _dark = dark
    app = QApplication.instance()
    if app is not None:
        app.setPalette(dark_palette() if dark else app.style().standardPalette())


def adapt(color: QColor, dark: bool | None = None) -> QColor:
    """`color` as it should look in the scheme: in dark, greys keep their hue-less role with lightness mirrored
    (black ink -> light grey, white paper -> dark), and saturated colours get light enough to read on the dark
    background (MIN_LUMINANCE). In light, the colour itself."""
    if not (_dark if dark is None else dark) or not color.isValid():
        return QColor(color)
    r, g, b, a = color.redF(), color.greenF(), color.blueF(), color.alphaF()
    h, lightness, s = colorsys.rgb_to_hls(r, g, b)
    if s < 0.30 or lightness > 0.82 or lightness < 0.08:
        lightness = 1.0 - lightness
        lightness = min(max(lightness, 0.10), 0.90) if lightness < 0.5 else min(max(lightness, 0.62), 0.92)
    else:   # a hue, for text or lines: light enough to read on the dark background
        lightness = _lift(h, 0.45 + (0.45 - lightness) * 0.5 if lightness < 0.45 else lightness, s)
    return QColor.fromRgbF(*colorsys.hls_to_rgb(h, lightness, s), a)


MIN_LUMINANCE = 0.24   # a coloured text or line in dark: at least 4.5:1 against DARK.background (WCAG AA)


def _luminance(r: float, g: float, b: float) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((_luminance(a.redF(), a.greenF(), a.blueF()), _luminance(b.redF(), b.greenF(), b.blueF())))[::-1]
    return (high + 0.05) / (low + 0.05)


def _lift(h: float, lightness: float, s: float) -> float:
    """The lightness (at least `lightness`) that gives the hue enough luminance to read on the dark background:
    deep blues and purples need more than the mirroring gives them."""
    while lightness < 0.8 and _luminance(*colorsys.hls_to_rgb(h, lightness, s)) < MIN_LUMINANCE:
        lightness += 0.02
    return lightness


def ink_on(color: QColor, backdrop: QColor | None) -> QColor:
    """Text colour in the scheme; on a fill of a continuous scale (a neuron light blue at a middling value stays
    light in dark) the tab's own ink when it reads better there than the adapted one."""
    adapted = adapt(color)
    if backdrop is None or contrast(adapted, backdrop) >= contrast(color, backdrop):
        return adapted
    return QColor(color)


KEEP_INK = "_calclab_keep_ink"


def keep_ink(*items) -> None:
    """Lines drawn on a full colour map (which stays as it is in dark: see is_pale) keep their colours in both
    schemes: Gradients' white level curve and black tangent are named by colour in its texts. Widths still zoom."""
    for item in items:
        setattr(item, KEEP_INK, True)


def keeps_ink(item) -> bool:
    return bool(getattr(item, KEEP_INK, False))


def is_pale(colors: np.ndarray) -> bool:
    """Whether colours (... x 3 or 4 bytes: a colour map or an RGB image) are paper: every opaque colour lighter
    than mid-grey (HSL lightness above 0.55: Descent's map, 0.58 at its darkest; Gradients' pastel viridis is 0.41)."""
    rgb = colors.reshape(-1, colors.shape[-1])
    if rgb.shape[1] == 4:
        rgb = rgb[rgb[:, 3] > 0]
    rgb = rgb[:, :3].astype("int32")
    return bool(rgb.size) and bool((rgb.max(axis=1) + rgb.min(axis=1)).min() / 510 > 0.55)


def adapt_lut(colors: np.ndarray) -> np.ndarray:
    """Pale colours (a colour map or an RGB image, bytes) as dark paper: each colour's HSL lightness mirrored with
    its hue and saturation kept (white -> the dark background, a pale tint -> a deep one), alpha kept.
    (Mirroring L keeps H and S when every channel moves by the same 1 - (max + min).)"""
    out = colors.copy()
    rgb = colors[..., :3].astype("float32") / 255
    high, low = rgb.max(axis=-1, keepdims=True), rgb.min(axis=-1, keepdims=True)
    floor = QColor(DARK.background).lightnessF()
    shift = 1.0 - (high + low) + (floor - (1.0 - (high + low) / 2)).clip(min=0.0)
    out[..., :3] = ((rgb + shift) * 255).round().clip(0, 255).astype(colors.dtype)
    return out
