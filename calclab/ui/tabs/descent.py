"""Placeholder for the Descent tab (issue 6); replaced by the tab's own module."""

from calclab.ui.tabs.base import PlaceholderTab


class DescentTab(PlaceholderTab):
    name = "descent"
    title = "Descent"
    blurb = "Gradient descent one iteration at a time, optimizers compared, divergence caught."
