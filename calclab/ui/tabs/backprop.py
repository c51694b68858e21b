"""Placeholder for the Backprop tab (issue 7); replaced by the tab's own module."""

from calclab.ui.tabs.base import PlaceholderTab


class BackpropTab(PlaceholderTab):
    name = "backprop"
    title = "Backprop"
    blurb = "A small neural network trained step by step: forward, loss, backward, update."
