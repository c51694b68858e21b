"""PresetCombo: a tab's own preset chooser, listing the built-in presets and then the user's.

Every tab has one beside its inputs. The user's presets (<data dir>/presets/<tab>/*.json, read by
calclab.state.preset_files) follow the built-ins after a separator; the list is read again each time it opens (a
file a teacher copied in shows up without a restart) and as soon as the Presets menu saves one (`notify_saved`).
Each preset item holds its Preset as item data, so a tab asks `preset_at(index)` instead of counting into PRESETS.
A broken user file is skipped here; the Presets menu names it in the status bar.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from calclab.state import Preset, tab_spec
from calclab.state.preset_files import load_user_presets
from calclab.ui.signals import signals_blocked


class _PresetEvents(QObject):
    """The app-wide news that a tab's user presets changed on disk (the tab's name)."""

    saved = Signal(str)


_events: _PresetEvents | None = None


def preset_events() -> _PresetEvents:
    """The one _PresetEvents object (made on first use, after the QApplication exists)."""
    global _events
    if _events is None:
        _events = _PresetEvents()
    return _events


def notify_saved(tab: str) -> None:
    """Tell every PresetCombo of `tab` that the user's presets changed (the Presets menu saved one)."""
    preset_events().saved.emit(tab)


class PresetCombo(QComboBox):
    """The built-in presets of `tab`, then the user's own; `title` (e.g. "Presets…") is an item 0 that names no
    preset, shown when nothing is chosen."""

    def __init__(self, tab: str, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tab = tab
        self.title = title
        self.builtins: tuple[Preset, ...] = tab_spec(tab).presets()
        self._user_count = 0
        self.refresh()
        if not title and self.builtins:
            self.setCurrentIndex(0)   # as a plain QComboBox starts: the first (the tab's starting) preset
        preset_events().saved.connect(self._on_saved)

    def refresh(self) -> None:
        """Read the user's presets again and list them after the built-ins, keeping the current choice."""
        current = self.preset_at(self.currentIndex())
        spec = tab_spec(self.tab)
        user = load_user_presets(self.tab, spec.state_class(), tuple(p.name for p in self.builtins))
        with signals_blocked(self):
            self.clear()
            if self.title:
                self.addItem(self.title)
            for preset in self.builtins:
                self._add(preset, preset.description)
            if user.presets:
                self.insertSeparator(self.count())
            for preset in user.presets:
                self._add(preset, "\n".join(t for t in (preset.description, user.paths.get(preset.name, "")) if t))
            self._user_count = len(user.presets)
            self.setCurrentIndex(self.index_of(current) if current is not None else (0 if self.title else -1))

    def user_presets(self) -> list[Preset]:
        """The user's presets listed now, in order."""
        return [self.preset_at(i) for i in range(self.count() - self._user_count, self.count())]

    def preset_at(self, index: int) -> Preset | None:
        """The preset of item `index` (None for the title, a separator or no item)."""
        data = self.itemData(index) if 0 <= index < self.count() else None
        return data if isinstance(data, Preset) else None

    def index_of(self, preset: Preset | None) -> int:
        """The item showing `preset` (the same object, else an equal one), or the no-preset index."""
        presets = [self.preset_at(i) for i in range(self.count())]
        for same in (lambda p: p is preset, lambda p: p is not None and p == preset):
            index = next((i for i, p in enumerate(presets) if preset is not None and same(p)), None)
            if index is not None:
                return index
        return 0 if self.title else -1

    def showPopup(self) -> None:  # noqa: N802 (Qt's name)
        self.refresh()
        super().showPopup()

    def _add(self, preset: Preset, tooltip: str) -> None:
        self.addItem(preset.name, preset)
        if tooltip:
            self.setItemData(self.count() - 1, tooltip, Qt.ItemDataRole.ToolTipRole)

    def _on_saved(self, tab: str) -> None:
        if tab == self.tab:
            self.refresh()
