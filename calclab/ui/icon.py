"""calclab's icon for the window and the taskbar: every PNG size from resources/icons plus the SVG."""

from __future__ import annotations

from PySide6.QtGui import QIcon, QPixmap

from calclab import resource_files
from calclab.desktop_entry import APP_ID, ICON_SIZES

_icon: QIcon | None = None


def app_icon() -> QIcon:
    """The icon (made once): Qt picks the PNG nearest the size asked for, so small sizes stay crisp."""
    global _icon
    if _icon is None:
        icon = QIcon()
        for size in ICON_SIZES:
            pixmap = QPixmap()
            if pixmap.loadFromData(resource_files.resource("icons", f"calclab-{size}.png").read_bytes(), "PNG"):
                icon.addPixmap(pixmap)
        _icon = icon
    return _icon


def apply_to_application(app) -> None:
    """Window icon for every window, and the desktop file name the taskbar (Wayland, KDE, GNOME) matches."""
    app.setWindowIcon(app_icon())
    app.setDesktopFileName(APP_ID)
