"""The tabs, one package each. Which tabs exist, in what order, is the registry in `calclab.state` (TABS)."""

from __future__ import annotations

import importlib

from calclab.state import TAB_NAMES, TABS, tab_spec

__all__ = ["TABS", "TAB_NAMES", "load_tab_class", "tab_spec"]


def load_tab_class(target: str) -> type:
    """Import "package.module:Class" and return the class."""
    module_name, _, class_name = target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)
