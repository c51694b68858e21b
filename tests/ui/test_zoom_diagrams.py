"""View > Zoom reaches the network diagram and the computational graph: their circles, boxes and texts grow
with the zoom (issue 21). The zoom is set as the View menu sets it; the font change tells the views."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from calclab.ui import zoom
from calclab.ui.widgets.graph_view import GraphView
from calclab.ui.widgets.network_view import NetworkView


@pytest.fixture
def zoomed():
    def set_zoom(view, percent: int) -> None:
        zoom.set_percent(percent)
        QApplication.sendEvent(view, QEvent(QEvent.Type.FontChange))   # what QApplication.setFont sends
    yield set_zoom
    zoom.set_percent(zoom.DEFAULT)


def test_the_network_diagram_follows_the_zoom(qtbot, zoomed):
    view = NetworkView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.set_layers([2, 3, 1], ["input", "hidden 1", "output"])
    view.show()
    radius = view.neuron(1, 0).rect().width()
    title_px = view.titles[1].font().pixelSize()
    legend = view.legend.boundingRect().height()
    button_px = view.buttons[0][1].font().pixelSize()
    zoomed(view, 200)
    assert view.neuron(1, 0).rect().width() == pytest.approx(2 * radius)     # 24 px -> 48 px: room enough
    assert view.titles[1].font().pixelSize() == 2 * title_px
    assert view.buttons[0][1].font().pixelSize() == 2 * button_px
    assert view.legend.boundingRect().height() > 1.6 * legend
    top = min(n.sceneBoundingRect().top() for n in view.neurons[1])
    assert view.buttons[0][1].sceneBoundingRect().bottom() < top             # the − + stay above the circles
    zoomed(view, 100)
    assert view.neuron(1, 0).rect().width() == pytest.approx(radius)


def test_the_computational_graph_follows_the_zoom(qtbot, zoomed):
    from calclab.engine.graph import build_graph
    from calclab.engine.parsing import parse

    view = GraphView()
    qtbot.addWidget(view)
    view.resize(1600, 900)
    view.set_graph(build_graph(parse("sin(x)")))
    view.show()
    scale = view.transform().m11()
    zoomed(view, 200)
    assert view.transform().m11() == pytest.approx(2 * scale)   # a small graph: drawn at twice the size
