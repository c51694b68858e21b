"""Keyboard focus is visible on plots and diagrams (issue 21): a frame in the highlight colour while they have it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QApplication, QGraphicsView, QVBoxLayout, QWidget

from calclab.state import tab_spec
from calclab.ui.accessibility import focusable, make_accessible
from calclab.ui.tabs import load_tab_class
from calclab.ui.widgets.focus_ring import FocusRing, _Frame


def _focus(widget, kind: QEvent.Type) -> None:
    QApplication.sendEvent(widget, QFocusEvent(kind, Qt.FocusReason.TabFocusReason))


def test_every_plot_tab_reaches_shows_a_frame_while_focused(qtbot, worker):
    tab = load_tab_class(tab_spec("backprop").view_target)(worker)
    qtbot.addWidget(tab)
    tab.resize(1400, 900)
    tab.show()
    make_accessible(tab, "backprop")
    views = [view for view in tab.findChildren(QGraphicsView) if focusable(view)]
    assert len(views) >= 3                           # the network diagram and the plots
    for view in views:
        frame = view.findChild(FocusRing).frame
        assert isinstance(frame, _Frame) and not frame.isVisibleTo(view)
        _focus(view, QEvent.Type.FocusIn)
        assert frame.isVisibleTo(view) and frame.geometry() == view.rect()
        image = frame.grab().toImage()
        highlight = frame.palette().color(frame.palette().ColorRole.Highlight)
        assert image.pixelColor(1, image.height() // 2) == highlight   # the left edge is drawn
        _focus(view, QEvent.Type.FocusOut)
        assert not frame.isVisibleTo(view)
    make_accessible(tab, "backprop")                 # asking twice makes no second frame
    assert all(len(view.findChildren(FocusRing)) == 1 for view in views)


def test_exports_leave_the_focus_frame_out_and_print_light_while_dark(qtbot, tmp_path):
    import pyqtgraph as pg
    from PySide6.QtGui import QImage

    from calclab.ui import theme
    from calclab.ui.export import export_plot, export_widget_png
    from calclab.ui.restyle import restyle_view
    from calclab.ui.widgets.focus_ring import add_focus_ring
    from calclab.ui.widgets.plot_panel import PlotPanel

    tab = QWidget()                                      # a tab with two plots, the first focused
    panels = [PlotPanel("a plot"), PlotPanel("another", legend=False)]
    layout = QVBoxLayout(tab)
    for panel in panels:
        curve = panel.add_curve("line", "#0072B2")
        curve.setData([0, 1], [0, 1])
        layout.addWidget(panel)
    panels[1].legend = pg.LegendItem(offset=(10, 10))   # a legend of its own (not the PlotItem's)
    panels[1].legend.setParentItem(panels[1].plot_item.getViewBox())
    panels[1].legend.addItem(curve, "line")
    qtbot.addWidget(tab)
    tab.resize(400, 600)
    tab.show()
    panel = panels[0]
    view = panel.plot_widget
    add_focus_ring(view)
    theme.apply_palette(True)
    try:
        for other in panels:
            restyle_view(other.plot_widget)
        _focus(view, QEvent.Type.FocusIn)
        highlight = view.palette().color(view.palette().ColorRole.Highlight)
        origin = view.mapTo(panel, view.rect().topLeft())
        left_edge = [(origin.x() + 1, origin.y() + y) for y in range(10, view.height() - 10, 7)]
        assert panel.grab().toImage().pixelColor(*left_edge[0]) == highlight   # the frame is on screen

        export_widget_png(tab, str(tmp_path / "whole.png"), light=True)
        whole = QImage(str(tmp_path / "whole.png"))
        for other in panels:                               # every plot of the tab on light paper, legends in ink
            plot_widget = other.plot_widget
            corner = plot_widget.mapTo(tab, plot_widget.rect().topLeft())
            assert whole.pixelColor(corner.x() + 3, corner.y() + 3).lightnessF() > 0.95
            label = other.legend.items[0][1]
            box = plot_widget.mapFromScene(label.sceneBoundingRect()).boundingRect().translated(corner)
            assert min(whole.pixelColor(x, y).lightnessF() for x in range(box.left(), box.right())
                       for y in range(box.top(), box.bottom())) < 0.4
        export_widget_png(panel, str(tmp_path / "tab.png"), light=True)
        export_plot(view, str(tmp_path / "plot.png"), light=True)
        shot, plot = QImage(str(tmp_path / "tab.png")), QImage(str(tmp_path / "plot.png"))
        assert all(shot.pixelColor(x, y) != highlight for x, y in left_edge)
        assert all(plot.pixelColor(1, y) != highlight for y in range(10, plot.height() - 10, 7))
        assert plot.pixelColor(2, 2).lightnessF() > 0.95                  # light paper for print, while dark
        assert view.findChild(FocusRing).frame.isVisibleTo(view)          # and the frame is back on screen
        assert isinstance(view, pg.PlotWidget) and view.backgroundBrush().color().lightnessF() < 0.2
    finally:
        theme.apply_palette(False)
        for other in panels:
            restyle_view(other.plot_widget)
