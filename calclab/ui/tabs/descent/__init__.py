"""The Descent tab: gradient descent step by step (tab.py binds the state to the widgets; the rest are its pieces)."""

from __future__ import annotations

from calclab.ui.tabs.descent.tab import DescentTab

__all__ = ["DescentTab"]
