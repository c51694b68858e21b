"""Placeholder for the Derivatives tab (issue 3); replaced by the tab's own module."""

from calclab.ui.tabs.base import PlaceholderTab


class DerivativesTab(PlaceholderTab):
    name = "derivatives"
    title = "Derivatives"
    blurb = "f and f' live, the tangent and secant at a draggable point, partials and step-by-step rules."
