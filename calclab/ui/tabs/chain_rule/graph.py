"""The Chain Rule tab's computational graph with its step buttons: forward node by node, then backward.

Holds a GraphStepper (calclab.engine.graph_steps) and the passes at the current x0; the GraphView draws them.
Moving x0 recomputes both passes (plain float arithmetic) and keeps how far the stepping has got.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from calclab.engine.graph import BackwardPass, ComputationalGraph, ForwardPass
from calclab.engine.graph_steps import GraphStepper, describe_backward, describe_forward
from calclab.ui import zoom
from calclab.ui.widgets.font_fit import refit_on_font_change
from calclab.ui.widgets.graph_view import GRADIENT_COLOR, VALUE_COLOR, GraphView

LEGEND = (f"<span style='color:{VALUE_COLOR}'>blue: the node's value (forward)</span> &nbsp; "
          f"<span style='color:{GRADIENT_COLOR}'>∂ red: dy/d(node), its gradient (backward)</span> &nbsp; "
          f"<span style='color:{GRADIENT_COLOR}'>×k on an edge: local derivative d(node)/d(input)</span>")


class GraphPanel(QWidget):
    """GraphView plus Reset / step / run buttons and a line saying what the last step computed."""

    stepped = Signal(str)   # the description of the step just taken (for the status bar)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = GraphView()
        self.view.setToolTip("The expression as a computational graph. Step through the forward pass (values) and "
                             "then the backward pass (gradients), as backpropagation does. Ctrl+wheel zooms.")
        self.button_reset = self._button("Reset", "Clear all values and gradients")
        self.button_forward_step = self._button("Forward step ▶", "Compute the next node's value (inputs first)")
        self.button_forward_all = self._button("Forward all ▶▶", "Compute every node's value")
        self.button_backward_step = self._button("◀ Backward step", "Compute the next node's gradient dy/d(node), "
                                                 "from the output back (needs the forward pass first)")
        self.button_backward_all = self._button("◀◀ Backward all", "Compute every node's gradient (needs the "
                                                "forward pass first)")
        self.label_step = QLabel("Press Forward step to start at the input.")
        self.label_step.setWordWrap(True)
        self.label_step.setMinimumWidth(100)
        self.label_legend = QLabel(LEGEND)
        self.label_legend.setWordWrap(True)
        self.label_legend.setToolTip("Backward pass: a node's gradient is the sum, over the nodes it feeds, of "
                                     "their gradient × the local derivative on the edge")
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        self._title = QLabel("<b>Computational graph</b>")
        self._buttons = buttons
        buttons.addWidget(self._title)
        buttons.addSpacing(12)
        for button in (self.button_reset, self.button_forward_step, self.button_forward_all,
                       self.button_backward_step, self.button_backward_all):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(buttons)
        layout.addWidget(self.label_step)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.label_legend)
        refit_on_font_change(self, self._place_title)
        self.button_reset.clicked.connect(self._on_reset)
        self.button_forward_step.clicked.connect(self._on_forward_step)
        self.button_forward_all.clicked.connect(self._on_forward_all)
        self.button_backward_step.clicked.connect(self._on_backward_step)
        self.button_backward_all.clicked.connect(self._on_backward_all)
        self.stepper: GraphStepper | None = None
        self.forward: ForwardPass | None = None
        self.backward: BackwardPass | None = None
        self._x0 = 0.0
        self._refresh()

    def _place_title(self) -> None:
        """Zoomed, the title takes a row of its own: beside the five buttons it made the plots' side too wide for
        the steps' column to widen with the zoom (at 200 % on 1920 pixels)."""
        layout = self.layout()
        above = layout.indexOf(self._title) == 0
        if above == (zoom.percent() != zoom.DEFAULT):
            return
        if above:
            layout.removeWidget(self._title)
            self._buttons.insertWidget(0, self._title)
            self._buttons.insertSpacing(1, 12)
        else:
            self._buttons.removeWidget(self._title)
            self._buttons.removeItem(self._buttons.itemAt(0))   # (the spacing after it)
            layout.insertWidget(0, self._title)

    # -- public API -------------------------------------------------------------------------------------

    def set_graph(self, graph: ComputationalGraph | None, x0: float, message: str = "") -> None:
        """Show a new graph (stepping starts over) or, with graph None, `message` instead."""
        self.view.set_graph(graph, message)
        self.stepper = GraphStepper(graph) if graph is not None else None
        self.label_step.setText("Press Forward step to start at the input." if graph is not None else message)
        self.set_x0(x0)

    def set_x0(self, x0: float) -> None:
        """Recompute both passes at x0, keeping the stepping where it is."""
        self._x0 = x0
        graph = self.view.graph()
        if graph is None:
            self.forward = self.backward = None
        else:
            self.forward = graph.forward(x0)
            self.backward = graph.backward(self.forward)
        self._refresh(describe=self.stepper is not None and self.stepper.current() is not None)

    # -- slots --------------------------------------------------------------------------------------------

    def _on_reset(self) -> None:
        if self.stepper is not None:
            self.stepper.reset()
            self.label_step.setText("Press Forward step to start at the input.")
        self._refresh()

    def _on_forward_step(self) -> None:
        if self.stepper is not None:
            self.stepper.step_forward()
        self._refresh(describe=True)

    def _on_forward_all(self) -> None:
        if self.stepper is not None:
            self.stepper.run_forward()
        self._refresh(describe=True)

    def _on_backward_step(self) -> None:
        if self.stepper is not None:
            self.stepper.step_backward()
        self._refresh(describe=True)

    def _on_backward_all(self) -> None:
        if self.stepper is not None:
            self.stepper.run_backward()
        self._refresh(describe=True)

    # -- internals ----------------------------------------------------------------------------------------

    def _button(self, text: str, tooltip: str) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tooltip)
        return button

    def _refresh(self, describe: bool = False) -> None:
        stepper = self.stepper
        for button in (self.button_reset, self.button_forward_step, self.button_forward_all):
            button.setEnabled(stepper is not None)
        if stepper is None:
            self.button_backward_step.setEnabled(False)
            self.button_backward_all.setEnabled(False)
            return
        self.button_forward_step.setEnabled(stepper.can_step_forward())
        self.button_forward_all.setEnabled(stepper.can_step_forward())
        self.button_backward_step.setEnabled(stepper.can_step_backward())
        self.button_backward_all.setEnabled(stepper.can_step_backward())
        current = stepper.current()
        self.view.show_passes(self.forward, self.backward, stepper.values_shown(), stepper.gradients_shown(),
                              current[1] if current else None)
        if describe and current is not None:
            phase, node = current
            graph = stepper.graph
            if phase == "forward":
                text = describe_forward(graph, self.forward, node)
                head = f"Forward {stepper.forward_done}/{stepper.size}: "
                if not stepper.can_step_forward():
                    text += "  — forward pass done: y = " + describe_forward(graph, self.forward, graph.output) \
                        .rsplit(" = ", 1)[-1] + "; now step backward"
            else:
                text = describe_backward(graph, self.forward, self.backward, node)
                head = f"Backward {stepper.backward_done}/{stepper.size}: "
            self.label_step.setText(head + text)
            self.stepped.emit(head + text)
