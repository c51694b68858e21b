"""Learn mode: the lesson as a guided path (a dock beside the tabs) and the Show me buttons that open a worked
example and point at the control to use. Each tab's Predict switch lives in the tab's own predict.py and uses the
shared bar in predict_bar.py; the scores go to the window's LearnProgress, which sessions save.

The panel is built only once the first tab shows its result (`install_when_ready`), so it never delays the first
window. It opens by itself on the first start; closing it is remembered.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMainWindow

from calclab.state import preset_named, tab_spec
from calclab.ui.app_settings import app_settings, read_bool
from calclab.ui.learn.highlight import Highlight, find_control
from calclab.ui.learn.panel import PANEL_WIDTH, LearnPanel
from calclab.ui.learn.texts import ShowMe
from calclab.ui.tabs.base import TabBase

OPEN_KEY = "learn/open"
READY_POLL_MS = 50
TABS_MIN_WIDTH = 1100


def install(window: QMainWindow, open_now: bool | None = None) -> LearnPanel:
    """Add the Learn panel to `window` (View > Learn and Help > Learn toggle it). It opens when `open_now` says
    so, else as the settings remember (open on the first start)."""
    panel = LearnPanel(window.learn_progress, window)
    highlight = Highlight(window)
    window.learn_panel, window.learn_highlight = panel, highlight
    panel.show_me_requested.connect(lambda target: show_me(window, target))
    action = panel.toggleViewAction()
    action.setText("&Learn path")
    action.setShortcut("F1")
    action.setToolTip("The lesson step by step, with Show me buttons and your Predict scores")
    window.menu_help.insertAction(window.menu_help.actions()[0] if window.menu_help.actions() else None, action)
    wide = window.width() >= _tab_min_width(window) + PANEL_WIDTH
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, panel)
    if wide:
        window.resizeDocks([panel], [PANEL_WIDTH], Qt.Orientation.Horizontal)
    else:
        # Beside a tab that needs the window's whole width, a docked panel would force the window wider than the
        # screen: it floats over the window's right edge instead (drag it back to dock it).
        panel.setFloating(True)
        origin = window.mapToGlobal(window.rect().topRight())
        height = max(300, window.height() - 80)
        panel.setGeometry(origin.x() - PANEL_WIDTH - 12, origin.y() + 60, PANEL_WIDTH, height)
    show = read_bool(app_settings(), OPEN_KEY, True) if open_now is None else open_now
    panel.setVisible(show)
    action.toggled.connect(_remember_open)
    return panel


def _remember_open(visible: bool) -> None:
    app_settings().setValue(OPEN_KEY, visible)


def _tab_min_width(window: QMainWindow) -> int:
    """The width the tabs need (the widest tab, built or not yet: Descent's controls need about 1,090 px)."""
    return max(window.centralWidget().minimumSizeHint().width(), TABS_MIN_WIDTH)


def install_when_ready(window: QMainWindow) -> None:
    """Install the panel once the window's first tab shows its result (polled: tabs finish in the worker)."""
    def check() -> None:
        tab = window.tab(window.current_tab_name(), build=False)
        if tab is None or (isinstance(tab, TabBase) and not tab.is_ready()):
            QTimer.singleShot(READY_POLL_MS, check)
            return
        install(window)

    window.first_painted.connect(lambda: QTimer.singleShot(0, check))


def show_me(window: QMainWindow, target: ShowMe) -> bool:
    """Open target.tab on its preset and point at its control; False (and a status message) if it cannot."""
    try:
        window.select_tab(target.tab)
    except KeyError as error:
        window.statusBar().showMessage(str(error.args[0]), 8000)
        return False
    tab = window.tab(target.tab)
    if not isinstance(tab, TabBase):
        window.statusBar().showMessage(f"The {target.tab} tab is not available.", 8000)
        return False
    preset = preset_named(tab_spec(target.tab).presets(), target.preset)
    if preset is not None:
        tab.set_state(preset.make_state())
    control = find_control(tab, target.control)
    if control is not None:
        window.learn_highlight.point_at(control)
    if target.hint:
        window.statusBar().showMessage(target.hint, 8000)
    return preset is not None and control is not None
