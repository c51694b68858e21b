"""Each tab's inputs as a plain dataclass (no Qt): the GUI edits them, sessions save them, the CLI builds them.

This module holds THE tab registry: the window, the session file, `calclab --tab` and `calclab export` all
read `TABS`. It also holds the one preset type and the helpers every state's tolerant `from_dict` needs.
"""

from __future__ import annotations

import copy
import importlib
import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TabSpec:
    """One tab: its --tab name, its title, its state class and its view ("module:Class", imported lazily), the
    views `calclab export TAB --view V` offers (the first is the tab's main plot), and whether it has an
    animation (GIF) and a data table (CSV) to export."""

    name: str
    title: str
    state_target: str
    view_target: str
    views: tuple[str, ...] = ("main",)
    animation: bool = False
    table: bool = False
    table_target: str = ""   # "module:function(state, progress)" making the table without a window, if there is one

    def exports(self, extension: str) -> bool:
        """True if `calclab export` can write this tab to a file with `extension` (".png", ".gif", ...)."""
        return {".gif": self.animation, ".csv": self.table}.get(extension, extension in (".png", ".svg"))

    def table_maker(self):
        """The Qt-free function (state, progress) -> (header, rows) that makes the tab's table, or None."""
        return _load(self.table_target) if self.table_target else None

    def state_class(self) -> type:
        """The tab's state dataclass."""
        return _load(self.state_target)

    def presets(self) -> tuple[Preset, ...]:
        """The tab's built-in presets, the lesson's worked examples first (`PRESETS` beside the state class, read
        from resources/presets/<tab>.json by calclab.state.preset_files)."""
        return tuple(getattr(importlib.import_module(self.state_target.partition(":")[0]), "PRESETS", ()))

    def default_state(self) -> Any:
        """What the tab shows when it starts: its `DEFAULT_PRESET` where it names one, else the defaults."""
        module = importlib.import_module(self.state_target.partition(":")[0])
        preset = getattr(module, "DEFAULT_PRESET", None)
        return preset.make_state() if preset is not None else self.state_class()()


TABS: tuple[TabSpec, ...] = (
    TabSpec("derivatives", "Derivatives", "calclab.state.derivatives:DerivativesState",
            "calclab.ui.tabs.derivatives.tab:DerivativesTab"),
    TabSpec("gradients", "Gradients", "calclab.state.gradients:GradientsState",
            "calclab.ui.tabs.gradients.tab:GradientsTab"),
    TabSpec("chain", "Chain Rule", "calclab.state.chain_rule:ChainRuleState",
            "calclab.ui.tabs.chain_rule.tab:ChainRuleTab"),
    TabSpec("descent", "Descent", "calclab.state.descent:DescentState",
            "calclab.ui.tabs.descent.tab:DescentTab", animation=True, table=True,
            table_target="calclab.engine.descent_table:table_for_state"),
    TabSpec("backprop", "Backprop", "calclab.state.backprop:BackpropState",
            "calclab.ui.tabs.backprop.tab:BackpropTab", animation=True, table=True),
)

TAB_NAMES: tuple[str, ...] = tuple(spec.name for spec in TABS)


def tab_spec(name: str) -> TabSpec:
    """The registry entry of tab `name`; KeyError names the choices."""
    for spec in TABS:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown tab '{name}'; choose from {', '.join(TAB_NAMES)}")


@dataclass(frozen=True)
class Preset:
    """A named starting point for a tab: one line saying what it shows, and the state it loads."""

    name: str
    description: str
    state: Any

    def make_state(self) -> Any:
        """A fresh copy (presets themselves never change)."""
        return copy.deepcopy(self.state)


def preset_named(presets: tuple[Preset, ...], name: str) -> Preset | None:
    """The preset called `name`, or None."""
    return next((preset for preset in presets if preset.name == name), None)


def is_finite_number(value: Any) -> bool:
    """True for a real int or float that is finite (bool, nan, inf and strings are not)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def number_range(value: Any) -> tuple[float, float] | None:
    """A (low, high) pair of finite numbers with low < high, else None."""
    if isinstance(value, list | tuple) and len(value) == 2 and all(is_finite_number(v) for v in value):
        low, high = float(value[0]), float(value[1])
        if low < high:
            return low, high
    return None


def _load(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)
