"""What every tab shares: the constructor signature, a status-message signal, and the export hook.

A tab is a QWidget built as `TabClass(worker, parent)`; the main window shows `status_message` in its status
bar and the export code (a later issue) asks `main_plot()` for the plot to write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

if TYPE_CHECKING:
    import pyqtgraph as pg

    from calclab.ui.worker import SymbolicWorker


class TabBase(QWidget):
    """Base class of the five tabs. Subclasses set `name` (the --tab name) and `title`."""

    name: str = ""
    title: str = ""
    status_message = Signal(str)  # a one-line message for the window's status bar

    def __init__(self, worker: SymbolicWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker

    def main_plot(self) -> pg.PlotWidget | None:
        """The plot that Ctrl+E / `calclab export` writes; None when the tab has no plot."""
        return None


class PlaceholderTab(TabBase):
    """An honest stand-in for a tab that is not built yet: says so on screen."""

    blurb: str = ""

    def __init__(self, worker: SymbolicWorker, parent: QWidget | None = None) -> None:
        super().__init__(worker, parent)
        label = QLabel(f"<h2>{self.title}</h2><p>This tab is coming next.</p><p>{self.blurb}</p>")
        label.setObjectName("placeholder_label")
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
