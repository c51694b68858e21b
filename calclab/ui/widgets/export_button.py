"""Export for any plot: a toolbar button and context-menu entries (PNG 1x/2x/4x, SVG, light background, caption).

`attach_export(panel)` gives a PlotPanel (or a bare pyqtgraph PlotWidget) its export menu; `attach_export_to_tab`
does it for every plot of a tab, so tab modules need no export code, and captions each exported picture with the
tab's `export_caption()` (its function and settings) unless the "caption" option is off. The file dialog starts
in the last folder used (QSettings). pyqtgraph's own "Export..." entry is replaced: its SVG exporter is broken
with current Qt.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox, QToolButton, QWidget

from calclab.ui.app_settings import app_settings, read_bool
from calclab.ui.export import SCALES, ExportError, export_plot
from calclab.ui.signals import signals_blocked

LIGHT_KEY = "export/light_background"
CAPTION_KEY = "export/caption"
FOLDER_KEY = "export/last_folder"
FILTERS = {".png": "PNG image (*.png)", ".svg": "SVG vector image (*.svg)", ".gif": "Animated GIF (*.gif)",
           ".csv": "CSV table (*.csv)"}


# -- dialogs (module functions so tests can replace them) -------------------------------------------------

def ask_save_path(parent: QWidget | None, title: str, suggested: str, extension: str) -> str | None:
    """A save dialog starting at `suggested`; the chosen path with `extension` ensured, or None."""
    path, _filter = QFileDialog.getSaveFileName(parent, title, suggested, FILTERS.get(extension, ""))
    if not path:
        return None
    return path if path.lower().endswith(extension) else path + extension


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    QMessageBox.warning(parent, title, message)


# -- remembered choices ---------------------------------------------------------------------------------------

def light_background() -> bool:
    """The "light background for print" option (on unless the user turned it off)."""
    return read_bool(app_settings(), LIGHT_KEY, True)


def set_light_background(on: bool) -> None:
    app_settings().setValue(LIGHT_KEY, bool(on))


def caption_on() -> bool:
    """The "caption with the settings" option: a line over an exported plot saying what it shows (on by default)."""
    return read_bool(app_settings(), CAPTION_KEY, True)


def set_caption_on(on: bool) -> None:
    app_settings().setValue(CAPTION_KEY, bool(on))


def last_folder() -> str:
    folder = str(app_settings().value(FOLDER_KEY, "") or "")
    if folder and os.path.isdir(folder):
        return folder
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return pictures if pictures and os.path.isdir(pictures) else os.path.expanduser("~")


def remember_folder(path: str) -> None:
    app_settings().setValue(FOLDER_KEY, os.path.dirname(os.path.abspath(path)))


def choose_path(parent: QWidget | None, title: str, name: str, extension: str) -> str | None:
    """Ask for a file name (starting in the last folder) and remember its folder."""
    path = ask_save_path(parent, title, os.path.join(last_folder(), f"{name}{extension}"), extension)
    if path:
        remember_folder(path)
    return path


def slug(text: str) -> str:
    """A file-name-friendly version of a plot title: 'f and its derivative' -> 'f-and-its-derivative'."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60] or "plot"


def report(widget: QWidget | None, message: str) -> None:
    """A short confirmation in the window's status bar, if there is one."""
    window = widget.window() if widget is not None else None
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(message, 6000)


# -- the per-plot exporter ----------------------------------------------------------------------------------

class PlotExporter(QObject):
    """The export actions of one plot, shared by its toolbar button and its context menu."""

    exported = Signal(str)   # the path written

    def __init__(self, plot_widget: pg.PlotWidget, name: str = "plot", parent: QObject | None = None) -> None:
        super().__init__(parent or plot_widget)
        self.plot_widget = plot_widget
        self.name = name
        self.caption: Callable[[], str] | None = None   # what the picture shows (the tab's export_caption)
        # What to write: the plot, or what its panel shows in its place (the 3D surface) when there is one.
        self.source: Callable[[], QWidget] = lambda: plot_widget
        self.menu = QMenu("Export", plot_widget)
        self.menu.setToolTipsVisible(True)
        self.actions_png: dict[int, QAction] = {}
        for scale in SCALES:
            action = self.menu.addAction(f"Save as PNG ({scale}x)…")
            action.setToolTip(f"A PNG image {scale} times the plot's size on screen")
            action.triggered.connect(lambda _checked=False, s=scale: self.export_interactive(".png", s))
            self.actions_png[scale] = action
        self.action_svg = self.menu.addAction("Save as SVG…")
        self.action_svg.setToolTip("A vector image (sharp at any size; opens in Inkscape, browsers, LaTeX)")
        self.action_svg.triggered.connect(lambda: self.export_interactive(".svg"))
        self.menu.addSeparator()
        self.action_light = self.menu.addAction("Light background for print")
        self.action_light.setCheckable(True)
        self.action_light.setToolTip("Export with a white background and dark axes, whatever the screen shows")
        self.action_light.toggled.connect(set_light_background)
        self.action_caption = self.menu.addAction("Caption with the settings")
        self.action_caption.setCheckable(True)
        self.action_caption.setToolTip("A line over the picture naming the function and settings it shows")
        self.action_caption.toggled.connect(set_caption_on)
        self.menu.aboutToShow.connect(self._on_menu_about_to_show)

    def caption_text(self) -> str | None:
        """The caption the next export draws (None: no caption source, or the option is off)."""
        return self.caption() if self.caption is not None and caption_on() else None

    def export_to(self, path: str, scale: int = 1) -> None:
        """Write the plot to `path` (.png or .svg); ExportError on failure."""
        export_plot(self.source(), path, scale, light_background(), self.caption_text())
        self.exported.emit(path)

    def export_interactive(self, extension: str, scale: int = 1) -> str | None:
        """Ask for a file name, write it, and say what happened (a dialog on failure). Returns the path."""
        parent = self.plot_widget.window()
        suffix = f"@{scale}x" if extension == ".png" and scale != 1 else ""
        path = choose_path(parent, "Export plot", f"{self.name}{suffix}", extension)
        if not path:
            return None
        try:
            self.export_to(path, scale)
        except ExportError as error:
            show_error(parent, "Export failed", str(error))
            return None
        report(self.plot_widget, f"Exported {os.path.basename(path)}")
        return path

    def _on_menu_about_to_show(self) -> None:
        with signals_blocked(self.action_light, self.action_caption):
            self.action_light.setChecked(light_background())
            self.action_caption.setChecked(caption_on())


class ExportButton(QToolButton):
    """A small "Export ▾" button for a plot's toolbar row."""

    def __init__(self, exporter: PlotExporter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.exporter = exporter
        self.setText("Export")
        self.setToolTip("Save this plot as PNG (1x, 2x, 4x) or SVG")
        self.setMenu(exporter.menu)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setAutoRaise(True)


def exporter_of(plot_widget: pg.PlotWidget) -> PlotExporter | None:
    return getattr(plot_widget, "_calclab_exporter", None)


def attach_export(target: QWidget, name: str | None = None) -> PlotExporter:
    """Give a PlotPanel (toolbar button + context menu) or a PlotWidget (context menu) its export actions."""
    plot_widget = target if isinstance(target, pg.PlotWidget) else target.plot_widget
    exporter = exporter_of(plot_widget)
    if exporter is None:
        if name is None:
            name = slug(target.title() if hasattr(target, "title") else "")
        exporter = PlotExporter(plot_widget, name)
        plot_widget._calclab_exporter = exporter
        # The scene's context-menu entries replace pyqtgraph's "Export..." (whose SVG exporter is broken).
        plot_widget.scene().contextMenu = [exporter.menu.menuAction()]
    panel = target if hasattr(target, "shown_plot") else plot_widget.parentWidget()
    if hasattr(panel, "shown_plot"):   # a PlotPanel: export what it shows (its plot or the surface)
        exporter.source = panel.shown_plot
    if hasattr(target, "add_toolbar_widget") and not getattr(target, "_calclab_export_button", None):
        button = ExportButton(exporter)
        target.add_toolbar_widget(button)
        target._calclab_export_button = button
    return exporter


def attach_export_to_tab(tab: QWidget, tab_name: str,
                         caption: Callable[[], str] | None = None) -> list[PlotExporter]:
    """Export actions on every plot of `tab`: a button on PlotPanels, the context menu on every plot; `caption`
    (the tab's export_caption) gives each picture its caption line."""
    from calclab.ui.widgets.plot_panel import PlotPanel

    exporters = []
    for panel in tab.findChildren(PlotPanel):
        exporters.append(attach_export(panel, f"{tab_name}-{slug(panel.title())}"))
    for plot in tab.findChildren(pg.PlotWidget):
        if exporter_of(plot) is None:
            exporters.append(attach_export(plot, f"{tab_name}-plot"))
    for exporter in exporters:
        exporter.caption = caption
    return exporters
