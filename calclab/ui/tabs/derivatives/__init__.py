"""The Derivatives tab: `tab.py` binds DerivativesState to the widgets; the other modules are its pieces."""

from calclab.ui.tabs.derivatives.tab import DerivativesTab

__all__ = ["DerivativesTab"]
