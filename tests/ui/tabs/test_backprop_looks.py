"""Backprop looks right at 1100x700 (a laptop with a dock) and at 1920x1080: titles show words, not markup;
the loss legend hides no curve; tick labels, layer titles and controls never overlap or get cut; the export
fills the picture.

Everything is judged on what the user sees: label texts as Qt renders them, rectangles in scene or window
coordinates, pixels of the exported PNG.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QTextDocument
from PySide6.QtGui import Qt as QtGuiNamespace
from PySide6.QtWidgets import QLabel, QWidget

from calclab.state.backprop import PRESETS
from calclab.ui.main_window import MainWindow
from calclab.ui.tabs.backprop.tab import BackpropTab
from calclab.ui.widgets.plot_panel import PlotPanel

SIZES = [(1100, 700), (1920, 1080)]
CLASSIFICATION = [i for i, preset in enumerate(PRESETS) if preset.state.classification]


# -- what the user sees ---------------------------------------------------------------------------------------

def visible_text(label: QLabel) -> str:
    """The label's text as Qt shows it: rich text without its markup, plain text as it is."""
    text, fmt = label.text(), label.textFormat()
    if fmt == Qt.TextFormat.RichText or (fmt == Qt.TextFormat.AutoText and QtGuiNamespace.mightBeRichText(text)):
        document = QTextDocument()
        document.setHtml(text)
        return document.toPlainText()
    return text


def tick_label_rects(axis) -> list[QRectF]:
    """Where pyqtgraph draws the axis's tick labels (axis coordinates)."""
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [] if specs is None else [rect for rect, _flags, _text in specs[2]]


def overlapping(rects) -> list[tuple[QRectF, QRectF]]:
    return [(a, b) for a, b in itertools.combinations(rects, 2) if a.intersects(b)]


def scene_rect(item) -> QRectF:
    return item.mapRectToScene(item.boundingRect())


def plot_scene_rect(panel: PlotPanel) -> QRectF:
    """The part of the plot's scene the widget shows."""
    widget = panel.plot_widget
    return widget.mapToScene(widget.viewport().rect()).boundingRect()


def rect_in(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, widget.rect().topLeft()), widget.size())


def play_to_end(tab: BackpropTab) -> None:
    tab.train()
    while tab.is_training():
        tab.train_tick()


def settle(qtbot) -> None:
    qtbot.wait(120)   # resizes and the plots' rate-limited range signals


# -- fixtures -------------------------------------------------------------------------------------------------

@pytest.fixture
def window(qtbot, worker):
    main_window = MainWindow(worker, initial_tab="backprop", eager_tabs=False)
    qtbot.addWidget(main_window)
    main_window.resize(*SIZES[0])
    main_window.show()
    qtbot.waitExposed(main_window)
    return main_window


@pytest.fixture
def tab(window) -> BackpropTab:
    return window.tab("backprop")


def spiral_trained_and_checked(qtbot, tab: BackpropTab) -> None:
    """The state with the most text in the left column: the spiral preset (the longest description), trained,
    its gradients checked."""
    tab.controls.combo_preset.activated.emit(1 + 4)
    assert tab.controls.label_preset.text() == PRESETS[4].description
    play_to_end(tab)
    tab.controls.button_gradient_check.click()
    settle(qtbot)


def sine_stepped_and_checked(qtbot, tab: BackpropTab) -> None:
    """The state with the most in the middle column: both loss formulas, a table of gradients, a two-line
    message."""
    tab.controls.combo_preset.activated.emit(1 + 5)
    play_to_end(tab)
    for phase in ("forward", "loss", "backward"):
        assert tab.step(phase)
    tab.controls.button_gradient_check.click()
    settle(qtbot)
    assert tab.steps.formula_areas[1].isVisible()


# -- 1: titles show words, not markup --------------------------------------------------------------------------

@pytest.mark.parametrize("width", [1100, 1400, 1920])
def test_no_markup_in_any_plot_title_at_any_preset(qtbot, window, tab, width):
    window.resize(width, 800)
    for index, preset in enumerate(PRESETS):
        tab.set_state(preset.make_state())
        settle(qtbot)
        for panel in (tab.data_plot, tab.loss_plot):
            shown = visible_text(panel.title_label)
            assert "<" not in shown and ">" not in shown, (index, width, shown)
            whole = panel.title()
            assert shown == whole or (shown.endswith("…") and whole.startswith(shown[:-1])), (shown, whole)
            assert shown == whole, f"at {width} px the whole title (and its key) fits: {shown}"


def test_the_class_key_in_the_title_keeps_its_colours_whole_or_shortened(qtbot, window, tab):
    title = tab.data_plot.title_label
    assert visible_text(title) == "Decision boundary — ● class 0 ● class 1 ○ test"   # all of it at 1100x700
    assert "#e66100" in title.text().lower() and "#0072b2" in title.text().lower()
    tab.data_plot.title_label.resize(250, title.height())     # too narrow: the words are cut, not the markup
    shown = visible_text(title)
    assert shown.endswith("…") and "class 0" in shown and "<" not in shown
    assert "#e66100" in title.text().lower() and title.toolTip() == tab.data_plot.title()


def test_a_rich_title_is_measured_by_its_words(qtbot):
    panel = PlotPanel("<b>f</b> and <span style='color:#ff0000'>its derivative</span>")
    qtbot.addWidget(panel)
    plain = PlotPanel("f and its derivative")
    qtbot.addWidget(plain)
    assert panel.title() == "f and its derivative"
    assert abs(panel.title_label.sizeHint().width() - plain.title_label.sizeHint().width()) < 12


# -- 5: the loss legend never covers a curve ------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("index", [0, 2, 4, 5])   # XOR, circles, spiral, sine
def test_the_loss_legend_covers_no_point_of_the_curves(qtbot, window, tab, size, index):
    window.resize(*size)
    tab.set_state(PRESETS[index].make_state())
    play_to_end(tab)
    settle(qtbot)
    legend = tab.loss_plot.legend
    box = scene_rect(legend)
    for curve in (tab.loss_plot.train_curve, tab.loss_plot.test_curve):
        xs, ys = curve.xData, curve.yData   # every epoch's point (getData may give a downsampled set)
        assert len(xs) == tab.model.epoch + 1   # from epoch 0, the start
        inside = [(x, y) for x, y in zip(xs, ys, strict=True) if box.contains(curve.mapToScene(QPointF(x, y)))]
        assert not inside, f"{len(inside)} points under the legend, e.g. {inside[:3]}"
    # The whole legend, both entries, is inside the plot.
    shown = plot_scene_rect(tab.loss_plot)
    assert shown.contains(box)
    for _sample, label in legend.items:
        assert shown.contains(scene_rect(label)) and label.text in ("train", "test")
    assert len(legend.items) == 2


# -- 9: usable at 1100x700 and 1920x1080 ----------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("fill", [spiral_trained_and_checked, sine_stepped_and_checked])
def test_the_window_keeps_its_size_and_the_left_column_needs_no_scrolling(qtbot, window, tab, size, fill):
    window.resize(*size)
    fill(qtbot, tab)
    assert (window.width(), window.height()) == size   # the tab's minimum size never widened the window
    area = tab.controls_area
    assert not area.verticalScrollBar().isVisible()
    assert tab.controls.minimumSizeHint().height() <= area.viewport().height()
    viewport = area.viewport().rect()
    for widget in tab.controls.findChildren(QWidget):
        if widget.isVisible() and not widget.isWindow():
            assert viewport.contains(rect_in(widget, area.viewport())), widget
    for label in tab.controls.findChildren(QLabel):
        if label.isVisible() and not label.wordWrap() and label.text():
            assert label.fontMetrics().horizontalAdvance(visible_text(label)) <= label.contentsRect().width(), \
                label.text()


@pytest.mark.parametrize("size", SIZES)
def test_sample_line_phase_buttons_and_layer_titles_fit(qtbot, window, tab, size):
    window.resize(*size)
    spiral_trained_and_checked(qtbot, tab)
    sample = tab.steps.label_sample
    assert sample.text().startswith("/ 160") and "x = (" in sample.text()
    assert sample.fontMetrics().horizontalAdvance(sample.text()) <= sample.contentsRect().width()
    buttons = [rect_in(button, tab) for button in tab.steps.phase_buttons.values()]
    assert not overlapping([QRectF(b) for b in buttons])
    assert all(tab.rect().contains(b) for b in buttons)
    titles = [scene_rect(title) for title in tab.steps.network_view.titles]
    assert len(titles) == 6 and not overlapping(titles)
    assert all(tab.steps.network_view.sceneRect().contains(t) for t in titles)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("index", [0, 4, 5])
def test_no_two_tick_labels_overlap(qtbot, window, tab, size, index):
    window.resize(*size)
    tab.set_state(PRESETS[index].make_state())
    play_to_end(tab)
    settle(qtbot)
    for panel in (tab.data_plot, tab.loss_plot):
        for side in ("left", "bottom"):
            rects = tick_label_rects(panel.plot_item.getAxis(side))
            assert len(rects) >= 2, (panel.title(), side)
            assert not overlapping(rects), (panel.title(), side, [(r.y(), r.height()) for r in rects])


def test_the_concept_panel_explains_the_next_step_without_moving_the_plots(qtbot, window, tab):
    settle(qtbot)
    assert tab.concept.explanation().startswith("<b>1. Forward pass.</b>")
    plot_top = rect_in(tab.data_plot, tab).top()
    tab.steps.phase_buttons["forward"].click()
    settle(qtbot)
    assert tab.concept.explanation().startswith("<b>2. Compute the loss.</b>")
    assert rect_in(tab.data_plot, tab).top() == plot_top
    tab.train()
    assert tab.concept.explanation().startswith("Training repeats the four steps")
    tab.stop()
    # Every step's own words stay one hover away.
    assert "chain rule" in tab.concept.step_labels["backward"].toolTip()


# -- 13: the export is the plot at the size asked for, filled to its edges ----------------------------------

@pytest.fixture
def env(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CALCLAB_HOME": str(home)}


def _coloured(pixels: np.ndarray) -> np.ndarray:
    """The heatmap's pale orange and blue; the margin, grid and axes are grey (r = g = b)."""
    pixels = pixels.astype(int)
    return pixels.max(axis=-1) - pixels.min(axis=-1) > 6


@pytest.mark.parametrize("size", [None, (800, 500), (400, 700)])
def test_export_fills_the_picture_at_the_size_asked_for(env, tmp_path, size):
    out = tmp_path / "b.png"
    args = [sys.executable, "-m", "calclab", "export", "backprop", "--epochs", "300", "--out", str(out),
            "--no-caption"]   # the plot alone: its top row is the heatmap's (a caption band sits above it)
    if size is not None:
        args += ["--size", f"{size[0]}x{size[1]}"]
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with Image.open(out) as image:
        pixels = np.asarray(image.convert("RGB"))
    height, width = pixels.shape[:2]
    if size is not None:
        assert (width, height) == size
    # The heatmap reaches the right edge and the top edge (the left and bottom edges hold the axes). Before, the
    # aspect lock's extra room beside (or above) the data's square was a blank margin: not one coloured pixel.
    right = pixels[: height * 8 // 10, width - 3]
    top = pixels[2, width // 5: width - 3]
    assert _coloured(right).mean() > 0.1 and _coloured(top).mean() > 0.1


@pytest.mark.parametrize("size", SIZES)
def test_the_heatmap_covers_the_whole_view(qtbot, window, tab, size):
    window.resize(*size)
    for index in CLASSIFICATION:
        tab.set_state(PRESETS[index].make_state())
        settle(qtbot)
        view = tab.data_plot.plot_item.getViewBox().sceneBoundingRect()
        image = scene_rect(tab.data_plot.image)
        assert image.adjusted(-1, -1, 1, 1).contains(view), (index, image, view)
        assert view.width() > view.height() * 1.05 or view.height() > view.width() * 1.05   # not a square view
