"""The window's View menu: Zoom In / Out / Reset (Ctrl+= / Ctrl+- / Ctrl+0, 75-250 %) and Theme (System, Light,
Dark), both remembered between runs. The work is done centrally by calclab.ui.restyle; see zoom.py, theme.py."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from calclab.ui import theme, zoom
from calclab.ui.app_settings import app_settings
from calclab.ui.restyle import Restyler

ZOOM_KEY = "view/zoom_percent"
THEME_KEY = "view/theme"


class ViewMenu(QObject):
    """View > Zoom and View > Theme for a MainWindow."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.restyler = Restyler(window)
        self._styled = False   # has anything been restyled (so that going back to 100 % light must walk)?
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.timeout.connect(self.restyle_now)
        self.menu = QMenu("&View", window)
        self.menu.setToolTipsVisible(True)
        self.action_zoom_in = self._add("Zoom &In", lambda: self.set_zoom(zoom.neighbour(+1)),
                                        "Bigger text, formulas and plots, for a projector",
                                        [QKeySequence.StandardKey.ZoomIn, QKeySequence("Ctrl+=")])
        self.action_zoom_out = self._add("Zoom &Out", lambda: self.set_zoom(zoom.neighbour(-1)),
                                         "Smaller text, formulas and plots", [QKeySequence.StandardKey.ZoomOut])
        self.action_zoom_reset = self._add("&Reset Zoom", lambda: self.set_zoom(zoom.DEFAULT),
                                           "Back to 100 %", [QKeySequence("Ctrl+0")])
        self.menu.addSeparator()
        self.menu_theme = self.menu.addMenu("&Theme")
        self.theme_actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        tips = {"system": "Light or dark as the desktop says", "light": "Always light", "dark": "Always dark"}
        for mode in theme.MODES:
            action = self.menu_theme.addAction(mode.capitalize() if mode != "system" else "Follow the &System")
            action.setCheckable(True)
            action.setToolTip(tips[mode])
            action.triggered.connect(lambda _checked=False, m=mode: self.set_theme(m))
            group.addAction(action)
            self.theme_actions[mode] = action
        help_menu = getattr(window, "menu_help", None)
        if help_menu is not None:
            window.menuBar().insertMenu(help_menu.menuAction(), self.menu)
        else:
            window.menuBar().addMenu(self.menu)

        settings = app_settings()
        try:
            percent = int(settings.value(ZOOM_KEY, zoom.DEFAULT))
        except (TypeError, ValueError):
            percent = zoom.DEFAULT
        mode = settings.value(THEME_KEY, "system")
        self.mode = mode if mode in theme.MODES else "system"
        self.theme_actions[self.mode].setChecked(True)
        zoom.set_percent(percent)
        theme_dark = theme.wants_dark(self.mode)
        if theme_dark or theme.is_dark():
            theme.apply_palette(theme_dark)
        if zoom.percent() != zoom.DEFAULT:
            self.restyler.apply_font()
        window.tab_built.connect(lambda _name: self.restyle_soon())
        window.tab_widget.currentChanged.connect(lambda _index: self.restyle_soon())
        hints = QGuiApplication.styleHints()
        hints.colorSchemeChanged.connect(self._on_color_scheme_changed)
        self.restyle_soon()

    def _add(self, text: str, slot, tip: str, keys: list) -> QAction:
        action = self.menu.addAction(text)
        action.setToolTip(tip)
        action.setShortcuts(keys)
        action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)   # the shortcut works with the menu closed, from any tab
        return action

    # -- zoom and theme ----------------------------------------------------------------------------------------

    def set_zoom(self, percent: int) -> int:
        """Zoom to `percent` (the nearest step), remember it, restyle everything now."""
        if zoom.nearest(percent) != zoom.percent():
            # First a walk at the zoom the window was built at (at 100 % nothing walked it yet): every font a tab
            # sized from the application font is remembered at that zoom, so the next walk scales it like the rest.
            self.restyler.restyle()
        zoom.set_percent(percent)
        app_settings().setValue(ZOOM_KEY, zoom.percent())
        self.restyler.apply_font()
        self.restyle_now()
        self.action_zoom_in.setEnabled(zoom.percent() < zoom.STEPS[-1])
        self.action_zoom_out.setEnabled(zoom.percent() > zoom.STEPS[0])
        self.window.statusBar().showMessage(f"Zoom {zoom.percent()} %", 3000)
        return zoom.percent()

    def set_theme(self, mode: str) -> None:
        """Follow the system ("system") or force "light" / "dark"; remembered."""
        self.mode = mode if mode in theme.MODES else "system"
        self.theme_actions[self.mode].setChecked(True)
        app_settings().setValue(THEME_KEY, self.mode)
        theme.apply_palette(theme.wants_dark(self.mode))
        self.restyle_now()

    def _on_color_scheme_changed(self, _scheme) -> None:
        if self.mode == "system" and theme.wants_dark("system") != theme.is_dark():
            theme.apply_palette(theme.wants_dark("system"))
            self.restyle_now()

    def restyle_soon(self) -> None:
        if self.restyler.active() or self._styled:
            self._soon.start(0)

    def restyle_now(self) -> None:
        if self.restyler.active() or self._styled:
            self.restyler.restyle()
            self._styled = self.restyler.active()
