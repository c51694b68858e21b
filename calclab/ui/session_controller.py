"""File > Open / Open Recent / Save / Save As, the autosave, and the window's own memory (QSettings).

The window owns one SessionController. It collects every tab's state (tabs not built yet keep the state they
will be given when they are built), reads and writes .calclab files through calclab.session, and in an
interactive run restores the last session at start, autosaves every few seconds and on exit, and remembers the
window geometry, the splitter positions and the last tab. Non-interactive runs (--screenshot) never show a
dialog: their messages go to stderr.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any

from PySide6.QtCore import QByteArray, QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox, QSplitter

from calclab import session
from calclab.ui.app_settings import app_settings, read_str_list
from calclab.ui.tabs.base import TabBase

AUTOSAVE_MS = 10_000
RECENT_KEY = "session/recent"
RECENT_MAX = 8
FOLDER_KEY = "session/last_folder"
GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
LAST_TAB_KEY = "window/last_tab"
SPLITTER_KEY = "splitters/{tab}/{index}"
FILTER = "calclab session (*.calclab)"


# -- dialogs (module functions so tests can replace them) --------------------------------------------------

def ask_open_path(parent, folder: str) -> str | None:
    path, _filter = QFileDialog.getOpenFileName(parent, "Open session", folder, f"{FILTER};;All files (*)")
    return path or None


def ask_save_path(parent, suggested: str) -> str | None:
    path, _filter = QFileDialog.getSaveFileName(parent, "Save session", suggested, FILTER)
    if not path:
        return None
    return path if path.endswith(session.SUFFIX) else path + session.SUFFIX


def show_message(parent, title: str, message: str) -> None:
    QMessageBox.warning(parent, title, message)


class SessionController(QObject):
    """Sessions for one MainWindow (see the module docstring)."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.current_path: str | None = None
        self.interactive = True
        self.autosave: session.Autosave | None = None
        self._states: dict[str, Any] = {}        # the last loaded/saved state of every tab (for unbuilt tabs)
        self._pending: dict[str, Any] = {}       # states to give to tabs when they are built
        self._timer = QTimer(self)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self._on_autosave_timer)
        self._autosave_failed = False
        self._build_actions()
        window.tab_built.connect(self._on_tab_built)

    # -- start and exit ----------------------------------------------------------------------------------------

    def start(self, session_path: str | None = None, interactive: bool = True, autosave: bool = True,
              restore_window: bool = True, tab_given: bool = False) -> None:
        """Open `session_path` (or, interactively, the last autosave), restore the window, start autosaving.

        A file that fails to load leaves the defaults in place and gives one message (a dialog once the window
        is up, or stderr when not interactive).
        """
        self.interactive = interactive
        settings = app_settings()
        if restore_window:
            geometry = settings.value(GEOMETRY_KEY)
            if isinstance(geometry, QByteArray | bytes) and geometry:
                self.window.restoreGeometry(QByteArray(geometry))
            window_state = settings.value(STATE_KEY)
            if isinstance(window_state, QByteArray | bytes) and window_state:
                self.window.restoreState(QByteArray(window_state))
        result = None
        if session_path is not None:
            result = session.load_session(session_path)
            if result.ok:
                self._set_current_path(session_path)
                self._add_recent(session_path)
        if autosave:
            try:
                self.autosave = session.Autosave()    # this window's own slot, held until it exits
            except (OSError, session.SessionError) as error:
                self._say(f"autosave is off: {error}")
            else:
                if session_path is None:
                    try:
                        result = self.autosave.restore()
                    except Exception as error:  # noqa: BLE001 - a bad autosave must never stop the start
                        traceback.print_exc(file=sys.stderr)
                        self._say(f"autosave is off: the autosave in '{self.autosave.folder}' could not be "
                                  f"read ({type(error).__name__}: {error})")
                        self.autosave.close()
                        self.autosave = None
                        result = None
                if self.autosave is not None:
                    self._timer.start()
        if result is not None:
            if result.message:
                self._say(result.message)
            self.apply(result.states, None if tab_given else result.current_tab)
            self._apply_learn(result)
        if not tab_given and restore_window and (result is None or result.current_tab is None):
            last = settings.value(LAST_TAB_KEY)
            if isinstance(last, str) and last in self.window.tab_names():
                self.window.select_tab(last)

    def restored_states(self) -> bool:
        """True if a session file or the autosave gave tabs states of their own (not yet shown)."""
        return bool(self._pending)

    def save_on_exit(self) -> None:
        """Autosave and remember the window (geometry, splitters, tab). Called when the application quits."""
        self._timer.stop()
        self._write_autosave()
        if self.autosave is not None:
            self.autosave.close()                  # the slot is free for the next start to restore
            self.autosave = None
        if not self.interactive:
            return
        settings = app_settings()
        settings.setValue(GEOMETRY_KEY, self.window.saveGeometry())
        settings.setValue(STATE_KEY, self.window.saveState())
        settings.setValue(LAST_TAB_KEY, self.window.current_tab_name())
        for name in self.window.tab_names():
            tab = self.window.tab(name, build=False)
            if tab is not None:
                for index, splitter in enumerate(tab.findChildren(QSplitter)):
                    settings.setValue(SPLITTER_KEY.format(tab=name, index=index), splitter.saveState())
        settings.sync()

    # -- states ---------------------------------------------------------------------------------------------------

    def states(self) -> dict[str, Any]:
        """Every tab's current state: the built tabs' own, otherwise what they will be given or the default."""
        states = {**session.default_states(), **self._states, **self._pending}
        for name in self.window.tab_names():
            tab = self.window.tab(name, build=False)
            if isinstance(tab, TabBase):
                try:
                    states[name] = tab.state
                except Exception:  # noqa: BLE001 - one tab's bug must not stop saving the others
                    traceback.print_exc(file=sys.stderr)
        return states

    def apply(self, states: dict[str, Any], current_tab: str | None = None) -> None:
        """Give each tab its state (now if built, else when it is built) and select `current_tab`."""
        self._states.update(states)
        for name, state in states.items():
            tab = self.window.tab(name, build=False)
            if tab is None:
                self._pending[name] = state
            else:
                self._give(name, tab, state)
        if current_tab in self.window.tab_names():
            self.window.select_tab(current_tab)

    def _apply_learn(self, result: session.LoadResult) -> None:
        """A file's Learn progress replaces the window's (a file without one leaves it as it is)."""
        if result.learn is not None:
            self.window.learn_progress.replace_with(result.learn)

    def _give(self, name: str, tab, state: Any) -> None:
        if not isinstance(tab, TabBase):   # the tab failed to build: it shows why in its place
            return
        try:
            tab.set_state(state)
        except Exception as error:  # noqa: BLE001 - a tab that rejects a state keeps its own, others go on
            traceback.print_exc(file=sys.stderr)
            self._say(f"the {name} tab could not show the saved settings ({type(error).__name__}: {error})")

    def _on_tab_built(self, name: str) -> None:
        tab = self.window.tab(name, build=False)
        if tab is None:
            return
        if name in self._pending:
            self._give(name, tab, self._pending.pop(name))
        if self.interactive:
            settings = app_settings()
            for index, splitter in enumerate(tab.findChildren(QSplitter)):
                saved = settings.value(SPLITTER_KEY.format(tab=name, index=index))
                if isinstance(saved, QByteArray | bytes) and saved:
                    splitter.restoreState(QByteArray(saved))

    # -- menu actions -----------------------------------------------------------------------------------------

    def _build_actions(self) -> None:
        window = self.window
        self.action_open = QAction("&Open Session…", self)
        self.action_open.setShortcut(QKeySequence.StandardKey.Open)
        self.action_open.setToolTip("Open a .calclab session: every tab's functions and settings")
        self.action_open.triggered.connect(self.open_interactive)
        self.menu_recent = QMenu("Open &Recent", window)
        self.menu_recent.aboutToShow.connect(self._on_recent_about_to_show)
        self.action_save = QAction("&Save Session", self)
        self.action_save.setShortcut(QKeySequence.StandardKey.Save)
        self.action_save.setToolTip("Save every tab's functions and settings to the session file")
        self.action_save.triggered.connect(self.save_interactive)
        self.action_save_as = QAction("Save Session &As…", self)
        self.action_save_as.setShortcut(QKeySequence.StandardKey.SaveAs)
        self.action_save_as.triggered.connect(self.save_as_interactive)
        menu = getattr(window, "menu_file", None)
        if menu is None:
            return
        before = getattr(window, "action_quit", None)
        for item in (self.action_open, self.menu_recent.menuAction(), self.action_save, self.action_save_as):
            menu.insertAction(before, item)
        menu.insertSeparator(before)

    def open_path(self, path: str) -> bool:
        """Open a session file into the running window; a damaged one changes nothing and says why."""
        result = session.load_session(path)
        if not result.ok:
            self._say(result.message or f"cannot open '{path}'", title="Cannot open the session")
            return False
        self.apply(result.states, result.current_tab)
        self._apply_learn(result)
        self._set_current_path(path)
        self._add_recent(path)
        if result.message:
            self._say(result.message)
        else:
            self._status(f"Opened {os.path.basename(path)}")
        return True

    def save_to(self, path: str) -> bool:
        try:
            session.save_session(path, self.states(), self.window.current_tab_name(), self.window.learn_progress)
        except session.SessionError as error:
            self._say(str(error), title="Cannot save the session")
            return False
        self._set_current_path(path)
        self._add_recent(path)
        self._status(f"Saved {os.path.basename(path)}")
        return True

    def open_interactive(self) -> None:
        path = ask_open_path(self.window, self._folder())
        if path:
            self._remember_folder(path)
            self.open_path(path)

    def save_interactive(self) -> None:
        if self.current_path is None:
            self.save_as_interactive()
        else:
            self.save_to(self.current_path)

    def save_as_interactive(self) -> None:
        name = os.path.basename(self.current_path) if self.current_path else f"untitled{session.SUFFIX}"
        path = ask_save_path(self.window, os.path.join(self._folder(), name))
        if path:
            self._remember_folder(path)
            self.save_to(path)

    def recent_files(self) -> list[str]:
        return read_str_list(app_settings(), RECENT_KEY)

    def _on_recent_about_to_show(self) -> None:
        self.menu_recent.clear()
        recent = self.recent_files()
        for path in recent:
            action = self.menu_recent.addAction(os.path.basename(path))
            action.setToolTip(path)
            action.setEnabled(os.path.isfile(path))
            action.triggered.connect(lambda _checked=False, p=path: self.open_path(p))
        if not recent:
            self.menu_recent.addAction("(no sessions yet)").setEnabled(False)

    # -- autosave -----------------------------------------------------------------------------------------------

    def _on_autosave_timer(self) -> None:
        self._write_autosave()

    def _write_autosave(self) -> None:
        if self.autosave is None:
            return
        try:
            self.autosave.write(self.states(), self.window.current_tab_name(), self.window.learn_progress)
            self._autosave_failed = False
        except session.SessionError as error:
            if not self._autosave_failed:       # say it once, not every ten seconds
                self._autosave_failed = True
                self._status(str(error))
                print(f"warning: {error}", file=sys.stderr)

    # -- helpers ------------------------------------------------------------------------------------------------

    def _set_current_path(self, path: str) -> None:
        self.current_path = os.path.abspath(path)
        self.window.setWindowTitle(f"{os.path.basename(path)} — calclab")

    def _add_recent(self, path: str) -> None:
        path = os.path.abspath(path)
        recent = [p for p in self.recent_files() if p != path]
        app_settings().setValue(RECENT_KEY, [path, *recent][:RECENT_MAX])

    def _folder(self) -> str:
        folder = str(app_settings().value(FOLDER_KEY, "") or "")
        return folder if os.path.isdir(folder) else os.path.expanduser("~")

    def _remember_folder(self, path: str) -> None:
        app_settings().setValue(FOLDER_KEY, os.path.dirname(os.path.abspath(path)))

    def _status(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 8000)

    def _say(self, message: str, title: str = "calclab session") -> None:
        """A message the user must see: a dialog when interactive (after the window is up), else stderr."""
        if not self.interactive:
            print(f"warning: {message}", file=sys.stderr)
            return
        self._status(message)
        QTimer.singleShot(0, lambda: show_message(self.window, title, message))
