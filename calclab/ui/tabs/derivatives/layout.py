"""Where the Derivatives tab's pieces sit: the header on top, the side panel on the left, and on the right the
plot over a tab widget with the steps and the concept panel. No state here: tab.py binds the widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QTabWidget, QVBoxLayout, QWidget


def arrange(tab: QWidget, header: QWidget, side: QWidget, plot_panel: QWidget, steps_view: QWidget,
            concept: QWidget) -> QTabWidget:
    """Lay the pieces out on `tab`; returns the lower tab widget (steps, concept)."""
    lower_tabs = QTabWidget()
    lower_tabs.addTab(steps_view, "Step by step")
    lower_tabs.addTab(concept, "What is a derivative?")
    lower_tabs.setToolTip("The rules applied, or the idea behind the derivative")
    right = QSplitter(Qt.Orientation.Vertical)
    right.addWidget(plot_panel)
    right.addWidget(lower_tabs)
    right.setStretchFactor(0, 3)
    right.setStretchFactor(1, 2)
    main = QSplitter(Qt.Orientation.Horizontal)
    main.addWidget(side)
    main.addWidget(right)
    main.setStretchFactor(1, 1)
    main.setSizes([380, 1000])

    layout = QVBoxLayout(tab)
    layout.addWidget(header)
    layout.addWidget(main, 1)
    return lower_tabs
