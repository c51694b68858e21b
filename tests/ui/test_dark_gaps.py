"""Dark theme reaches what the central restyling cannot see by walking widgets (issue 21): the colours a table
model hands out, and plot legends' texts (which draw in pyqtgraph's foreground)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from calclab.ui import theme, zoom
from calclab.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, worker, monkeypatch, tmp_path):
    monkeypatch.setenv("CALCLAB_HOME", str(tmp_path))
    main_window = MainWindow(worker, initial_tab="descent", eager_tabs=False)
    qtbot.addWidget(main_window)
    main_window.ensure_started()
    tab = main_window.tab("descent")
    qtbot.waitUntil(tab.is_ready, timeout=30000)
    yield main_window
    main_window.view_menu.set_zoom(zoom.DEFAULT)
    main_window.view_menu.set_theme("light")


def _lightness(color: QColor) -> float:
    return color.lightnessF()


def test_the_iteration_tables_current_row_is_readable_in_dark(window, qtbot):
    model = window.tab("descent").table_model
    last = model.index(model.rowCount() - 1, 1)
    light_ink = model.data(last, Qt.ItemDataRole.ForegroundRole).color()
    assert _lightness(light_ink) < 0.45                   # dark blue on white
    window.view_menu.set_theme("dark")
    dark_ink = model.data(last, Qt.ItemDataRole.ForegroundRole).color()
    background = theme.colors().background
    assert _lightness(dark_ink) - _lightness(QColor(background)) > 0.35   # a light blue on the dark table
    assert dark_ink.hue() == pytest.approx(light_ink.hue(), abs=8)      # still the same blue


def test_legend_texts_are_light_in_dark_and_dark_again_in_light(window, qtbot):
    legend = window.tab("descent").main_plot().getPlotItem().legend
    labels = [label for _sample, label in legend.items]
    assert labels and all(_lightness(QColor(label.opts["color"] or "black")) < 0.3 for label in labels)
    window.view_menu.set_theme("dark")
    assert all(_lightness(QColor(label.opts["color"])) > 0.7 for label in labels)
    window.view_menu.set_theme("light")
    assert all(_lightness(QColor(label.opts["color"])) < 0.3 for label in labels)


def _title_ink(plot, axis) -> float:
    """How far the axis title's ink is from the plot's paper: the largest lightness difference between a pixel of
    its box, as rendered, and the background (independent of how the colour was set: span style, default text
    colour or pen)."""
    plot.resize(500, 350)
    for _ in range(3):
        QApplication.processEvents()
    image = plot.grab().toImage()
    box = plot.mapFromScene(axis.label.sceneBoundingRect()).boundingRect().intersected(image.rect())
    assert box.width() > 2 and box.height() > 2
    paper = plot.backgroundBrush().color().lightnessF()
    return max(abs(QColor(image.pixel(x, y)).lightnessF() - paper)
               for x in range(box.left(), box.right()) for y in range(box.top(), box.bottom()))


def _look(plot) -> list:
    """What a plot looks like, colour by colour: background, axes (pen, text, title style), curves, legend texts."""
    item = plot.getPlotItem()
    look = [plot.backgroundBrush().color().name()]
    for side in ("left", "bottom"):
        axis = item.getAxis(side)
        look += [axis.pen().color().name(), axis.textPen().color().name(), sorted(axis.labelStyle.items())]
    look += [QColor(curve.opts["pen"].color()).name() for curve in item.listDataItems()
             if hasattr(curve.opts.get("pen"), "color")]
    if item.legend is not None:
        look += [label.opts["color"] for _sample, label in item.legend.items]
    return look


def test_a_tab_built_while_dark_is_dark_with_readable_axes_and_back_to_light_exactly(window, qtbot):
    window.view_menu.set_theme("dark")
    tab = window.tab("derivatives")                       # built now, while dark
    qtbot.waitUntil(tab.is_ready, timeout=30000)
    plot = tab.main_plot()
    axis = plot.getPlotItem().getAxis("bottom")
    qtbot.waitUntil(lambda: _lightness(plot.backgroundBrush().color()) < 0.2, timeout=3000)
    assert _lightness(axis.textPen().color()) > 0.7
    assert axis.label.isVisible() and _title_ink(plot, axis) > 0.6   # the axis title is readable on the dark plot
    window.view_menu.set_theme("light")
    light = _look(plot)
    assert _lightness(plot.backgroundBrush().color()) > 0.95 and _title_ink(plot, axis) > 0.6
    window.view_menu.set_theme("dark")
    assert _title_ink(plot, axis) > 0.6
    window.view_menu.set_theme("light")
    assert _look(plot) == light                           # light -> dark -> light: exactly the light look


def test_a_plot_made_later_is_dark_when_it_first_shows(window, qtbot):
    import pyqtgraph as pg

    window.show()
    window.view_menu.set_theme("dark")
    plot = pg.PlotWidget()                                # made on first use, as the 3D surface is
    window.tab("descent").layout().addWidget(plot)
    qtbot.waitUntil(plot.isVisible, timeout=3000)
    assert _lightness(plot.backgroundBrush().color()) < 0.2
    window.view_menu.set_theme("light")
    assert _lightness(plot.backgroundBrush().color()) > 0.95


def test_lines_on_a_colour_map_keep_their_ink_in_dark(qtbot):
    """Gradients names its lines by colour ("the level curve through the point (white)", "Black line: the
    tangent") and draws them on viridis, which stays as it is in dark: those lines keep their colours, while a
    line on the paper is adapted; light gives every colour back."""
    import pyqtgraph as pg

    from calclab.ui.restyle import restyle_view
    from calclab.ui.widgets.plot_panel import make_pen

    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    on_map = pg.PlotDataItem([0, 1], [0, 1], pen=make_pen("#FFFFFF", 3.0))
    on_paper = pg.PlotDataItem([0, 1], [1, 0], pen=make_pen("#111111", 2.0))
    theme.keep_ink(on_map)
    plot.addItem(on_map)
    plot.addItem(on_paper)
    try:
        theme.set_dark(True)
        restyle_view(plot)
        assert pg.mkPen(on_map.opts["pen"]).color().name() == "#ffffff"
        assert pg.mkPen(on_paper.opts["pen"]).color().lightnessF() > 0.6     # black ink became light on dark
    finally:
        theme.set_dark(False)
        restyle_view(plot)
    assert pg.mkPen(on_paper.opts["pen"]).color().name() == "#111111"
    assert pg.mkPen(on_map.opts["pen"]).color().name() == "#ffffff"


def test_pale_paper_turns_dark_with_its_hue_kept() -> None:
    """adapt_lut mirrors HSL lightness (never darker than the dark background) and keeps hue and saturation:
    checked against colorsys, colour by colour."""
    import colorsys

    import numpy as np
    from PySide6.QtGui import QColor

    from calclab.ui import theme

    pale = np.array([[255, 255, 255, 255], [230, 240, 255, 128], [250, 220, 200, 255], [200, 235, 210, 0]],
                    dtype=np.ubyte)
    assert theme.is_pale(pale) and not theme.is_pale(np.array([[68, 1, 84]], dtype=np.ubyte))   # viridis' dark end
    out = theme.adapt_lut(pale)
    floor = QColor(theme.DARK.background).lightnessF()
    assert (out[:, 3] == pale[:, 3]).all()
    for before, after in zip(pale, out, strict=True):
        h0, l0, s0 = colorsys.rgb_to_hls(*(before[:3] / 255))
        h1, l1, s1 = colorsys.rgb_to_hls(*(after[:3] / 255))
        assert abs(l1 - max(1 - l0, floor)) <= 1.5 / 255
        if s0 > 0.05:
            assert abs(h1 - h0) < 0.02


def test_a_whole_tab_exported_light_in_dark_is_light_throughout_then_dark_again(window, qtbot, tmp_path):
    """Export > whole tab with "light background for print": the controls are light too, not only the plots."""
    from PySide6.QtGui import QImage

    from calclab.ui.export import export_widget_png

    tab = window.tab("descent")
    window.resize(1100, 700)
    window.view_menu.set_theme("dark")
    QApplication.processEvents()
    side = tab.mapTo(window, tab.rect().topLeft())

    def lightness_of_controls(image: QImage, offset) -> float:   # the panel's own paper, left of the plots
        return QColor(image.pixel(offset.x() + 4, offset.y() + tab.height() // 2)).lightnessF()

    assert lightness_of_controls(window.grab().toImage(), side) < 0.3
    out = tmp_path / "tab.png"
    export_widget_png(tab, str(out), light=True)
    assert lightness_of_controls(QImage(str(out)), tab.rect().topLeft()) > 0.8
    QApplication.processEvents()
    assert theme.is_dark() and lightness_of_controls(window.grab().toImage(), side) < 0.3
