"""Placeholder for the Gradients tab (issue 4); replaced by the tab's own module."""

from calclab.ui.tabs.base import PlaceholderTab


class GradientsTab(PlaceholderTab):
    name = "gradients"
    title = "Gradients"
    blurb = "f(x, y) as a contour map with its gradient field and the gradient at any point."
