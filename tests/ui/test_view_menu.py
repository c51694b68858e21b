"""View > Zoom and View > Theme, applied centrally to whatever the tabs draw, remembered, and undone exactly."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtWidgets import QApplication

from calclab.ui import theme, zoom
from calclab.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, worker, monkeypatch, tmp_path):
    monkeypatch.setenv("CALCLAB_HOME", str(tmp_path))
    main_window = MainWindow(worker, initial_tab="descent", eager_tabs=False)
    qtbot.addWidget(main_window)
    main_window.ensure_started()
    main_window.tab("descent")
    yield main_window
    main_window.view_menu.set_zoom(zoom.DEFAULT)       # the zoom and scheme are application-wide: put them back
    main_window.view_menu.set_theme("light")


def _plot(window):
    return window.tab("descent").main_plot()


def _curve_widths(plot) -> list[float]:
    return [item.opts["pen"].widthF() for item in plot.getPlotItem().listDataItems()
            if item.opts.get("pen") is not None and hasattr(item.opts["pen"], "widthF")]


def test_zoom_steps_stay_between_75_and_250():
    assert zoom.STEPS[0] == 75 and zoom.STEPS[-1] == 250
    assert zoom.set_percent(1000) == 250 and zoom.neighbour(+1) == 250
    assert zoom.set_percent(0) == 75 and zoom.neighbour(-1) == 75
    assert zoom.set_percent(130) == 125 and zoom.neighbour(+1) == 150
    zoom.set_percent(zoom.DEFAULT)


def test_the_zoom_shortcuts(window):
    menu = window.view_menu
    assert QKeySequence("Ctrl+=") in menu.action_zoom_in.shortcuts()
    assert QKeySequence("Ctrl+0") in menu.action_zoom_reset.shortcuts()
    assert menu.action_zoom_out.shortcuts()[0] == QKeySequence(QKeySequence.StandardKey.ZoomOut)


def test_zoom_scales_fonts_ticks_and_lines_and_reset_restores_them(window, tmp_path):
    plot = _plot(window)
    axis = plot.getPlotItem().getAxis("bottom")
    font_pt = QApplication.font().pointSizeF()
    tick_pt = axis.style["tickFont"].pointSizeF()
    widths = _curve_widths(plot)
    assert widths
    window.view_menu.set_zoom(200)
    window.view_menu.restyle_now()   # (a curve a tab re-pens as it redraws is caught by the next walk)
    assert QApplication.font().pointSizeF() == pytest.approx(2 * font_pt)
    assert axis.style["tickFont"].pointSizeF() == pytest.approx(2 * tick_pt)
    assert _curve_widths(plot) == pytest.approx([2 * w for w in widths])
    window.view_menu.restyle_now()                       # walking again changes nothing
    assert _curve_widths(plot) == pytest.approx([2 * w for w in widths])
    assert "zoom_percent=200" in (tmp_path / "settings.ini").read_text()
    window.view_menu.action_zoom_reset.trigger()
    assert QApplication.font().pointSizeF() == pytest.approx(font_pt)
    assert axis.style["tickFont"].pointSizeF() == pytest.approx(tick_pt)
    assert _curve_widths(plot) == pytest.approx(widths)


def test_the_zoom_is_remembered(qtbot, worker, monkeypatch, tmp_path):
    monkeypatch.setenv("CALCLAB_HOME", str(tmp_path))
    (tmp_path / "settings.ini").write_text("[view]\nzoom_percent=150\ntheme=dark\n")
    font_pt = QApplication.font().pointSizeF()
    second = MainWindow(worker, eager_tabs=False)
    qtbot.addWidget(second)
    try:
        assert zoom.percent() == 150 and theme.is_dark()
        assert second.view_menu.theme_actions["dark"].isChecked()
        assert QApplication.font().pointSizeF() == pytest.approx(1.5 * font_pt)
    finally:
        second.view_menu.set_zoom(zoom.DEFAULT)
        second.view_menu.set_theme("light")


def _luminance(color: QColor) -> float:
    return 0.2126 * color.redF() + 0.7152 * color.greenF() + 0.0722 * color.blueF()


def test_dark_theme_darkens_plots_and_light_restores_them(window):
    plot = _plot(window)
    axis = plot.getPlotItem().getAxis("left")
    background = plot.backgroundBrush().color()
    text = axis.textPen().color()
    assert _luminance(background) > 0.9 and _luminance(text) < 0.3
    window.view_menu.set_theme("dark")
    assert theme.is_dark() and window.view_menu.theme_actions["dark"].isChecked()
    assert _luminance(plot.backgroundBrush().color()) < 0.2
    assert _luminance(axis.textPen().color()) > 0.6
    assert _luminance(QApplication.palette().window().color()) < 0.3
    window.view_menu.set_theme("light")
    assert plot.backgroundBrush().color() == background and axis.textPen().color() == text


def test_export_light_for_print_while_dark(window):
    from calclab.ui.export import render_plot

    plot = _plot(window)
    window.view_menu.set_theme("dark")
    image = render_plot(plot, 1, light=True)
    corner = image.pixelColor(2, 2)
    assert _luminance(corner) > 0.9                           # white paper
    assert _luminance(plot.backgroundBrush().color()) < 0.2   # and the screen is dark again


def test_adapt_keeps_hues_and_mirrors_greys():
    blue = theme.adapt(QColor("#0072B2"), dark=True)
    assert abs(blue.hue() - QColor("#0072B2").hue()) <= 1
    assert _luminance(theme.adapt(QColor("#000000"), dark=True)) > 0.8
    assert _luminance(theme.adapt(QColor("#FFFFFF"), dark=True)) < 0.15
    assert theme.adapt(QColor("#123456"), dark=False) == QColor("#123456")


def _contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio (independent of theme.py's own arithmetic)."""
    def lum(c: QColor) -> float:
        return sum(w * (v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4)
                   for w, v in zip((0.2126, 0.7152, 0.0722), (c.redF(), c.greenF(), c.blueF()), strict=True))
    high, low = sorted((lum(a), lum(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("ink", ["#6A3D9A", "#007A5A", "#0D47A1", "#0000FF", "#B00020", "#455A64"])
def test_adapted_inks_read_on_the_dark_background(ink):
    adapted = theme.adapt(QColor(ink), dark=True)
    assert _contrast(adapted, QColor(theme.DARK.background)) >= 4.5
    assert abs(adapted.hue() - QColor(ink).hue()) <= 3 or QColor(ink).hsvSaturationF() < 0.3


def _link_lightness(label) -> float:
    """The lightness of the most saturated pixel of a label as drawn: its link's colour."""
    image = label.grab().toImage()
    pixels = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())]
    return max(pixels, key=lambda color: color.hsvSaturationF()).lightnessF()


def test_rich_labels_and_pale_colour_maps_follow_the_theme_and_come_back(qtbot):
    import numpy as np
    import pyqtgraph as pg
    from PySide6.QtWidgets import QLabel

    from calclab.ui.restyle import restyle_label, restyle_view
    from calclab.ui.tabs.backprop.plots import _boundary_lut

    label = QLabel("<span style='color:#455A64'>a hint</span> <a href='x'>a link</a>")
    qtbot.addWidget(label)
    text = label.text()
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    pale, full = pg.ImageItem(np.zeros((2, 2))), pg.ImageItem(np.zeros((2, 2)))
    pale.setLookupTable(_boundary_lut())
    full.setColorMap(pg.colormap.get("viridis"))
    paper = pg.ImageItem(np.full((2, 2, 3), (238, 222, 196), dtype=np.ubyte))   # an RGB image: sand
    pale_lut, full_lut, paper_image = pale.lut.copy(), full.lut.copy(), paper.image
    for item in (pale, full, paper):
        plot.addItem(item)
    light_link = _link_lightness(label)   # laid out while light: the light scheme's blue
    assert light_link < 0.55
    theme.apply_palette(True)
    try:
        assert _link_lightness(label) == pytest.approx(light_link, abs=0.02)   # (stale: dark blue on dark)
        restyle_label(label)
        restyle_view(plot)
        hint = theme.adapt(QColor("#455A64"))
        assert _luminance(hint) > 0.5 and hint.name() in label.text()   # the hint's grey-blue, light now
        assert _link_lightness(label) > 0.6                       # a light blue link on dark grey
        assert QColor(*pale.lut[128][:3]).lightnessF() < 0.3      # white paper under the points became dark
        assert QColor(*pale.lut[0][:3]).hue() == pytest.approx(QColor(*pale_lut[0][:3]).hue(), abs=10)
        assert np.array_equal(full.lut, full_lut)                 # viridis is no paper: as it was
        assert QColor(*paper.image[0, 0]).lightnessF() < 0.2      # dark sand
    finally:
        theme.apply_palette(False)
        restyle_label(label)
        restyle_view(plot)
    assert label.text() == text and np.array_equal(pale.lut, pale_lut) and np.array_equal(paper.image, paper_image)


def test_diagram_text_reads_on_its_fill_in_dark(qtbot):
    """A neuron's fill runs from white to blue with its value: text on it stays readable whatever the fill."""
    import gc

    from PySide6.QtGui import QBrush
    from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsScene, QGraphicsSimpleTextItem, QGraphicsView

    from calclab.ui.restyle import restyle_view

    scene = QGraphicsScene()
    view = QGraphicsView(scene)
    qtbot.addWidget(view)
    fills = ("#FFFFFF", "#C6DBEF", "#6BAED6", "#08519C")
    texts = []
    for fill in fills:
        disc = QGraphicsEllipseItem(0, 0, 40, 40)
        disc.setBrush(QBrush(QColor(fill)))
        text = QGraphicsSimpleTextItem("0.5", disc)
        text.setBrush(QBrush(QColor("#000000" if QColor(fill).lightnessF() > 0.5 else "#FFFFFF")))
        scene.addItem(disc)
        texts.append(text)
    scene.addSimpleText("input").setBrush(QBrush(QColor("#5F6368")))   # a caption only the scene holds
    count = len(scene.items())
    theme.set_dark(True)
    try:
        restyle_view(view)
        gc.collect()
        assert len(scene.items()) == count                # the walk deletes nothing (PySide6's parentItem() did)
        for text in texts:
            assert theme.contrast(text.brush().color(), text.parentItem().brush().color()) >= 4.5
    finally:
        theme.set_dark(False)
        restyle_view(view)
    assert [text.parentItem().brush().color().name() for text in texts] == [f.lower() for f in fills]
