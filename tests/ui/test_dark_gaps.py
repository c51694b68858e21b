"""Dark theme reaches what the central restyling cannot see by walking widgets (issue 21): the colours a table
model hands out, and plot legends' texts (which draw in pyqtgraph's foreground)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

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
