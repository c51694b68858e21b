"""The Chain Rule tab: `tab` binds the state to the widgets; `steps`, `plots` and `graph` are the panels it shows."""

from __future__ import annotations

from calclab.ui.tabs.chain_rule.tab import ChainRuleTab

__all__ = ["ChainRuleTab"]
