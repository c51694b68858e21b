"""The window's Export menu: the current tab's main plot (Ctrl+E), the whole tab, its data (CSV) and its
animation (GIF); and the export button on every plot of every tab as each tab is built.

Heavy imports (pyqtgraph, Pillow) happen when an export runs, not when the window opens.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu

from calclab.ui.signals import signals_blocked
from calclab.ui.tabs.base import TabBase


def _buttons():
    """calclab.ui.widgets.export_button, imported when first needed (it imports pyqtgraph)."""
    from calclab.ui.widgets import export_button

    return export_button


class ExportMenu(QObject):
    """Export actions for the current tab of a MainWindow."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.menu = QMenu("&Export", window)
        self.menu.setToolTipsVisible(True)
        self.action_plot = self._add("Export &Plot as PNG…", self.export_plot_interactive,
                                     "The current tab's main plot as a PNG image", "Ctrl+E")
        self.action_plot_2x = self._add("Export Plot as PNG (&2x)…", lambda: self.export_plot_interactive(".png", 2),
                                        "Twice the size on screen, for slides and print")
        self.action_plot_svg = self._add("Export Plot as &SVG…", lambda: self.export_plot_interactive(".svg"),
                                         "The current tab's main plot as a vector image")
        self.menu.addSeparator()
        self.action_tab = self._add("Export Whole &Tab as PNG…", self.export_tab_interactive,
                                    "Controls, formulas and plots of the current tab in one picture")
        self.action_csv = self._add("Export &Data as CSV…", self.export_csv_interactive,
                                    "The descent iteration table or the training loss history")
        self.action_gif = self._add("Export &Animation as GIF…", self.export_gif_interactive,
                                    "The descent path or the training run, one frame per step")
        self.menu.addSeparator()
        self.action_light = self.menu.addAction("&Light Background for Print")
        self.action_light.setCheckable(True)
        self.action_light.setToolTip("Export with a white background and dark axes, whatever the screen shows")
        self.action_light.toggled.connect(lambda on: _buttons().set_light_background(on))
        self.action_caption = self.menu.addAction("&Caption with the Settings")
        self.action_caption.setCheckable(True)
        self.action_caption.setToolTip("A line over an exported plot naming the function and settings it shows "
                                       "(the tab's data set, η and epoch too)")
        self.action_caption.toggled.connect(lambda on: _buttons().set_caption_on(on))
        self.menu.aboutToShow.connect(self._on_about_to_show)
        help_menu = getattr(window, "menu_help", None)
        if help_menu is not None:
            window.menuBar().insertMenu(help_menu.menuAction(), self.menu)
        else:
            window.menuBar().addMenu(self.menu)
        window.tab_built.connect(self._on_tab_built)

    def _add(self, text: str, slot, tip: str, shortcut: str | None = None) -> QAction:
        action = self.menu.addAction(text)
        action.setToolTip(tip)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    # -- what the current tab offers -------------------------------------------------------------------------

    def _current(self):
        name = self.window.current_tab_name()
        return name, self.window.tab(name, build=False)

    def _on_about_to_show(self) -> None:
        name, tab = self._current()
        built = isinstance(tab, TabBase)
        for action in (self.action_plot, self.action_plot_2x, self.action_plot_svg):
            action.setEnabled(built)
        self.action_tab.setEnabled(tab is not None)
        self.action_csv.setEnabled(built and tab.has_table())
        self.action_gif.setEnabled(built and tab.has_animation())
        with signals_blocked(self.action_light, self.action_caption):
            self.action_light.setChecked(_buttons().light_background())
            self.action_caption.setChecked(_buttons().caption_on())

    def _on_tab_built(self, name: str) -> None:
        tab = self.window.tab(name, build=False)
        if not isinstance(tab, TabBase):
            return
        try:
            _buttons().attach_export_to_tab(tab, name, tab.export_caption)
        except Exception as error:  # noqa: BLE001 - a tab without exportable plots still works
            print(f"note: no export buttons on the {name} tab: {error}", file=sys.stderr)

    # -- the exports -------------------------------------------------------------------------------------------

    def export_plot_interactive(self, extension: str = ".png", scale: int = 1) -> str | None:
        name, tab = self._current()
        plot = tab.main_plot() if isinstance(tab, TabBase) else None
        if plot is None:
            self._status(f"The {name} tab has no plot to export.")
            return None
        exporter = _buttons().attach_export(plot, f"{name}-plot")
        exporter.caption = tab.export_caption
        return exporter.export_interactive(extension, scale)

    def export_tab_interactive(self) -> str | None:
        from calclab.ui.export import export_widget_png

        name, tab = self._current()
        if tab is None:
            return None
        return self._run("Export tab", f"{name}-tab", ".png",
                         lambda path: export_widget_png(tab, path, _buttons().light_background()))

    def export_csv_interactive(self) -> str | None:
        from calclab.ui.export import export_csv
        from calclab.ui.export_sources import table_of

        name, tab = self._current()
        if not isinstance(tab, TabBase) or not tab.has_table():
            self._status(f"The {name} tab has no data table to export.")
            return None
        return self._run("Export data", f"{name}-{tab.table_label}", ".csv",
                         lambda path: export_csv(path, *table_of(tab)))

    def export_gif_interactive(self) -> str | None:
        from calclab.ui.export import export_gif
        from calclab.ui.export_sources import animation_frames

        name, tab = self._current()
        if not isinstance(tab, TabBase) or not tab.has_animation():
            self._status(f"The {name} tab has no animation to export.")
            return None
        light = _buttons().light_background()
        return self._run("Export animation", f"{name}-animation", ".gif",
                         lambda path: export_gif(animation_frames(tab, light), path))

    def _run(self, title: str, suggested: str, extension: str, write) -> str | None:
        """Ask for the file, write it with a busy cursor, report success or show why it failed."""
        from calclab.ui.export import ExportError

        path = _buttons().choose_path(self.window, title, suggested, extension)
        if not path:
            return None
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            write(path)
        except ExportError as error:
            QApplication.restoreOverrideCursor()
            _buttons().show_error(self.window, f"{title} failed", str(error))
            return None
        QApplication.restoreOverrideCursor()
        self._status(f"Exported {os.path.basename(path)}")
        return path

    def _status(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 6000)
