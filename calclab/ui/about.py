"""Help > About: the version, the licence, and where calclab keeps settings, autosaves and the user's presets."""

from __future__ import annotations

import html
import os
import platform

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from calclab import __version__

LICENCE = "MIT"   # pyproject.toml's project.license (a test keeps them equal)


def places() -> list[tuple[str, str]]:
    """(what, where) for each file or folder calclab writes."""
    from calclab.session import home_dir
    from calclab.state.preset_files import user_dir
    from calclab.ui.app_settings import app_settings

    return [("Settings", app_settings().fileName()),
            ("Autosaves", home_dir()),
            ("Your presets", os.path.dirname(user_dir("descent")))]


def about_html() -> str:
    """The About box's text (rich text; every path escaped)."""
    import pyqtgraph
    import PySide6

    rows = "".join(f"<tr><td><b>{what}</b>&nbsp;&nbsp;</td><td>{html.escape(where)}</td></tr>"
                   for what, where in places())
    return (f"<h3>calclab {__version__}</h3>"
            "<p>A desktop lab for the calculus behind neural networks: derivatives, gradients, the chain "
            "rule, gradient descent and backpropagation.</p>"
            f"<p>Licence: {LICENCE}</p>"
            f"<table>{rows}</table>"
            f"<p>Python {platform.python_version()}, PySide6 {PySide6.__version__}, "
            f"pyqtgraph {pyqtgraph.__version__}</p>")


def about_box(parent: QWidget) -> QMessageBox:
    """The About box, not yet shown (tests read it; the menu calls show_about)."""
    from calclab.ui.icon import app_icon

    box = QMessageBox(parent)
    box.setWindowTitle("About calclab")
    box.setIconPixmap(app_icon().pixmap(96, 96))
    box.setText(about_html())
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)   # paths can be copied
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.setStyleSheet("QLabel#qt_msgbox_label { min-width: 34em; }")   # room for the paths on one line
    return box


def show_about(parent: QWidget) -> None:
    about_box(parent).exec()
