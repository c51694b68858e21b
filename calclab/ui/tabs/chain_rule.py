"""Placeholder for the Chain Rule tab (issue 5); replaced by the tab's own module."""

from calclab.ui.tabs.base import PlaceholderTab


class ChainRuleTab(PlaceholderTab):
    name = "chain"
    title = "Chain Rule"
    blurb = "Composites peeled into links, rates that multiply, and the computational graph."
