"""The Gradients tab: `tab.py` binds GradientsState to the widgets; `plot.py`, `panels.py` and `concept.py` are
its pieces."""

from calclab.ui.tabs.gradients.tab import GradientsTab

__all__ = ["GradientsTab"]
