"""The tab registry: (cli name, title, "module:Class"), in display order. Tab modules are imported lazily."""

from __future__ import annotations

import importlib

TABS: list[tuple[str, str, str]] = [
    ("derivatives", "Derivatives", "calclab.ui.tabs.derivatives:DerivativesTab"),
    ("gradients", "Gradients", "calclab.ui.tabs.gradients:GradientsTab"),
    ("chain", "Chain Rule", "calclab.ui.tabs.chain_rule:ChainRuleTab"),
    ("descent", "Descent", "calclab.ui.tabs.descent:DescentTab"),
    ("backprop", "Backprop", "calclab.ui.tabs.backprop:BackpropTab"),
]

TAB_NAMES: list[str] = [name for name, _title, _target in TABS]


def load_tab_class(target: str) -> type:
    """Import "package.module:Class" and return the class."""
    module_name, _, class_name = target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)
