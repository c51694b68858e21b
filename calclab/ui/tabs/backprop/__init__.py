"""The Backprop tab: a small network trained step by step and as a whole (the class is in tab.py)."""

from calclab.ui.tabs.backprop.tab import BackpropTab

__all__ = ["BackpropTab"]
