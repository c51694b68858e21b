"""calclab's icon for the window and the taskbar: every PNG size from resources/icons plus the SVG."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon, QPixmap

from calclab import resource_files
from calclab.desktop_entry import APP_ID, ICON_SIZES

_icon: QIcon | None = None


def app_icon() -> QIcon:
    """The icon (made once): Qt picks the PNG nearest the size asked for, so small sizes stay crisp. From files
    Qt reads a size only when it is first drawn (decoding all nine took 7 ms of every launch)."""
    global _icon
    if _icon is None:
        icon = QIcon()
        for size in ICON_SIZES:
            png = resource_files.resource("icons", f"calclab-{size}.png")
            if isinstance(png, Path):
                if png.is_file():
                    icon.addFile(str(png), QSize(size, size))
                continue
            pixmap = QPixmap()   # a resource inside an archive: no path for Qt to read later
            if pixmap.loadFromData(png.read_bytes(), "PNG"):
                icon.addPixmap(pixmap)
        _icon = icon
    return _icon


def apply_to_application(app) -> None:
    """Window icon for every window, and the desktop file name the taskbar (Wayland, KDE, GNOME) matches."""
    app.setWindowIcon(app_icon())
    app.setDesktopFileName(APP_ID)
