"""The window's Presets menu: the current tab's built-in presets, then the user's own, and "Save Current as
Preset…", which writes the tab's state to <data dir>/presets/<tab>/<name>.json (calclab.state.preset_files).

The menu is rebuilt each time it opens, so a preset file a teacher copied into the folder shows up without a
restart; a broken one is skipped and named in the status bar.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
)

from calclab.atomic import WriteError
from calclab.state import Preset, tab_spec
from calclab.state.preset_files import (
    DESCRIPTION_MAX,
    NAME_MAX,
    PresetError,
    PresetExistsError,
    UserPresets,
    file_stem,
    load_user_presets,
    save_user_preset,
    user_dir,
)
from calclab.ui.tabs.base import TabBase
from calclab.ui.widgets.preset_combo import notify_saved


class PresetDialog(QDialog):
    """Asks for the new preset's name and a one-line description."""

    def __init__(self, parent, title: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Save {title} preset")
        self.line_name = QLineEdit()
        self.line_name.setMaxLength(NAME_MAX)
        self.line_name.setPlaceholderText("e.g. Steep valley for period 3")
        self.line_name.setAccessibleName("Preset name")
        self.line_description = QLineEdit()
        self.line_description.setMaxLength(DESCRIPTION_MAX)
        self.line_description.setPlaceholderText("What it shows (optional)")
        self.line_description.setAccessibleName("Preset description")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("&Name", self.line_name)
        form.addRow("&Description", self.line_description)
        form.addRow(buttons)
        self.resize(460, self.sizeHint().height())


def ask_preset(parent, title: str) -> tuple[str, str] | None:
    """(name, description) from a dialog, or None if cancelled (tests replace this)."""
    dialog = PresetDialog(parent, title)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.line_name.text(), dialog.line_description.text()


def confirm_replace(parent, name: str, path: str) -> bool:
    """True if the user agrees to replace their preset `name` (tests replace this)."""
    answer = QMessageBox.question(parent, "Replace preset?", f"You already have a preset called '{name}' "
                                  f"({path}). Replace it?")
    return answer == QMessageBox.StandardButton.Yes


def show_error(parent, message: str) -> None:
    QMessageBox.warning(parent, "Save preset", message)


class PresetsMenu(QObject):
    """The Presets menu of a MainWindow, for whichever tab is in front."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.menu = QMenu("&Presets", window)
        self.menu.setToolTipsVisible(True)
        self.menu.aboutToShow.connect(self.rebuild)
        self.user = UserPresets()
        before = getattr(window, "export_menu", None) or getattr(window, "menu_help", None)
        if before is not None:
            anchor = before.menu if hasattr(before, "menu") else before
            window.menuBar().insertMenu(anchor.menuAction(), self.menu)
        else:
            window.menuBar().addMenu(self.menu)

    def rebuild(self) -> None:
        """Fill the menu for the current tab: built-ins, the user's (read from disk now), then Save."""
        self.menu.clear()
        name = self.window.current_tab_name()
        spec = tab_spec(name)
        builtins = spec.presets()
        self.menu.addSection(f"{spec.title}: built-in")
        for preset in builtins:
            self._add_preset(preset)
        self.user = load_user_presets(name, spec.state_class(), tuple(p.name for p in builtins))
        if self.user.presets:
            self.menu.addSection("Yours")
            for preset in self.user.presets:
                self._add_preset(preset, self.user.paths.get(preset.name, ""))
        if self.user.problems:
            self._status("; ".join(self.user.problems))
        self.menu.addSeparator()
        self.action_save = self.menu.addAction("&Save Current as Preset…")
        self.action_save.setToolTip(f"Keep this tab's settings as a preset of yours, in {user_dir(name)}")
        self.action_save.setEnabled(isinstance(self.window.tab(name, build=False), TabBase))
        self.action_save.triggered.connect(lambda _checked=False: self.save_interactive())

    def preset_actions(self) -> list:
        """The menu's preset entries in order (after `rebuild`)."""
        return [action for action in self.menu.actions() if isinstance(action.data(), Preset)]

    def _add_preset(self, preset: Preset, path: str = "") -> None:
        action = self.menu.addAction(preset.name.replace("&", "&&"))
        action.setData(preset)
        action.setToolTip(preset.description + (f"\n{path}" if path else ""))
        action.triggered.connect(lambda _checked=False, p=preset: self.load(p))

    def load(self, preset: Preset) -> None:
        """Show `preset` on the current tab (building it if needed)."""
        name = self.window.current_tab_name()
        tab = self.window.tab(name)
        if not isinstance(tab, TabBase):
            self._status(f"The {name} tab could not be built, so the preset cannot be shown.")
            return
        tab.set_state(preset.make_state())
        self._status(f"{preset.name}: {preset.description}" if preset.description else preset.name)

    def save_current(self, preset_name: str, description: str, replace: bool = False) -> str:
        """Write the current tab's state as the user's preset; returns the path. PresetError when the name is
        empty, too long, a built-in's, or (unless `replace`) already the user's; WriteError when writing fails."""
        name = self.window.current_tab_name()
        tab = self.window.tab(name)
        if not isinstance(tab, TabBase):
            raise PresetError(f"the {name} tab could not be built")
        preset_name = preset_name.strip()
        if any(p.name == preset_name for p in tab_spec(name).presets()):
            raise PresetError(f"a built-in preset is called '{preset_name}': choose another name")
        path = save_user_preset(name, preset_name, description.strip(), tab.state, replace=replace)
        notify_saved(name)   # the tab's own preset chooser lists it at once
        return path

    def save_interactive(self) -> str | None:
        """Ask for a name, confirm replacing one of the user's own, write, and say where."""
        name = self.window.current_tab_name()
        answer = ask_preset(self.window, tab_spec(name).title)
        if answer is None:
            return None
        preset_name, description = answer
        path = os.path.join(user_dir(name), f"{file_stem(preset_name)}.json")
        try:
            try:
                saved = self.save_current(preset_name, description)
            except PresetExistsError:
                if not confirm_replace(self.window, preset_name.strip(), path):
                    return None
                saved = self.save_current(preset_name, description, replace=True)
        except (PresetError, WriteError, ValueError) as error:
            show_error(self.window, f"The preset was not saved: {error}")
            return None
        self._status(f"Saved the preset '{preset_name.strip()}' to {saved}")
        return saved

    def _status(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 10000)
