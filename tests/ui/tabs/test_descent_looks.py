"""What a learner sees on the Descent tab: the step-size hint, the loss axis, diverged paths, legends, arrows.

Each test checks the picture (label text, tick labels against their positions, items mapped to the scene)
against values computed by hand here.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QTextDocument

from calclab.state.descent import DescentState
from calclab.ui.tabs.descent.tab import DescentTab

SIX = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]


@pytest.fixture
def tab(qtbot, worker):
    widget = DescentTab(worker)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitUntil(widget.is_ready, timeout=15000)
    yield widget
    widget.pause()


def show(qtbot, tab: DescentTab, state: DescentState) -> None:
    tab.set_state(state)
    qtbot.waitUntil(tab.is_ready, timeout=15000)


def plain(html_text: str) -> str:
    doc = QTextDocument()
    doc.setHtml(html_text)
    return doc.toPlainText()


# ---- item 11: the learning-rate hint at, below and above 2/L ---------------------------------------------


@pytest.mark.parametrize(("lr", "verdict"), [(0.1, "on the edge: it oscillates without converging"),
                                             (0.1 * (1 + 1e-9), "on the edge: it oscillates without converging"),
                                             (0.09, "is below it: it converges"),
                                             (0.11, "is above it: it diverges")])
def test_the_hint_tells_edge_from_convergence_and_divergence(qtbot, tab, lr, verdict):
    # x² + 10y²: Hessian diag(2, 20), L = 20, so 2/L = 0.1 by hand.
    bound = 2 / 20
    show(qtbot, tab, DescentState(expression="x^2 + 10y^2", start=[3.0, 1.5], learning_rate=lr, epochs=30,
                                  x_range=(-4.0, 4.0), y_range=(-3.0, 3.0)))
    text = plain(tab.inputs.label_bound.text())
    assert "L = 20" in text and "lr < 0.1" in text
    assert verdict in text
    assert ("diverge" in text) == (lr > bound * (1 + 1e-6))
    if "edge" in verdict:   # and the run does what the hint says: y swings between ±1.5 for ever
        tab.play_to_end()
        ys = tab.primary().history.path[:, 1]
        assert np.allclose(np.abs(ys), 1.5) and tab.primary().status != "diverged"
