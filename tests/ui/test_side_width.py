"""At 200 % zoom the side columns widen to what their rows need, so nothing is clipped sideways (issue 21)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QScrollArea

from calclab.ui import zoom
from calclab.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, worker, monkeypatch, tmp_path):
    monkeypatch.setenv("CALCLAB_HOME", str(tmp_path))
    main_window = MainWindow(worker, initial_tab="derivatives", eager_tabs=False)
    qtbot.addWidget(main_window)
    main_window.resize(1920, 1080)
    main_window.ensure_started()
    yield main_window
    main_window.view_menu.set_zoom(zoom.DEFAULT)
    main_window.view_menu.set_theme("light")


@pytest.mark.parametrize(("tab", "column"), [("derivatives", lambda t: t.side),
                                             ("gradients", lambda t: t.side_area)])
def test_the_side_column_holds_its_rows_at_200_percent(window, qtbot, tab, column):
    window.select_tab(tab)
    scroll: QScrollArea = column(window.tab(tab))
    window.show()
    width_100 = scroll.width()
    window.view_menu.set_zoom(200)

    def fits() -> bool:   # wider, and the rows' minimum width fits in the viewport: no row is cut off at the right
        return scroll.width() > width_100 and scroll.viewport().width() >= scroll.widget().minimumSizeHint().width()
    qtbot.waitUntil(fits, timeout=5000)
    assert scroll.width() <= 0.5 * window.width()
