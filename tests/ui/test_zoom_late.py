"""A zoom changed after a tab was built looks like the zoom set before it (issue 21): every font grows, sizes
measured from a font are measured again, headers and formulas keep the room they need."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QLabel, QPushButton

from calclab.ui import zoom
from calclab.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, worker, monkeypatch, tmp_path):
    monkeypatch.setenv("CALCLAB_HOME", str(tmp_path))
    main_window = MainWindow(worker, initial_tab="descent", eager_tabs=False)
    qtbot.addWidget(main_window)
    main_window.resize(1920, 1080)
    main_window.show()
    main_window.ensure_started()
    yield main_window
    main_window.view_menu.set_zoom(zoom.DEFAULT)
    main_window.view_menu.set_theme("light")


def _pixels(widget) -> int:
    return QFontInfo(widget.font()).pixelSize()


def test_every_label_and_button_grows_when_the_zoom_changes_after_the_build(window, qtbot):
    tab = window.tab("descent")
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=10000)
    shown = [w for kind in (QLabel, QPushButton) for w in tab.findChildren(kind) if w.isVisible() and w.text()]
    before = {w: _pixels(w) for w in shown}
    window.view_menu.set_zoom(200)
    # Labels under a style sheet (Qt left them at the old size) and labels and buttons with a font of their own
    # sized from the application font at the build (the restyler took it for one already zoomed) stayed small.
    small = [(w.text()[:30], before[w], _pixels(w)) for w in shown if abs(_pixels(w) - 2 * before[w]) > 2]
    assert not small
    bar = tab.controls
    # Sizes measured from the font once: "Epoch 0 / 20" and "5 steps/s" were cut at the 100 % widths.
    qtbot.waitUntil(lambda: bar.label_epoch.width() >= bar.label_epoch.fontMetrics().horizontalAdvance(
        "Epoch 100000 / 100000"), timeout=3000)
    assert bar.label_speed.width() >= bar.label_speed.fontMetrics().horizontalAdvance("60 steps/s")


def test_chain_rule_zoomed_gives_the_rates_headers_and_the_steps_their_room(window, qtbot):
    window.select_tab("chain")
    tab = window.tab("chain")
    qtbot.waitUntil(lambda: tab.rates.table.rowCount() > 0, timeout=10000)
    window.view_menu.set_zoom(200)
    header = tab.rates.table.horizontalHeader()

    def fits() -> bool:   # every header whole ("nudge dx = 0.0…" was cut), the steps' column wider than at 100 %
        # (a pixel short of the hint where the stretched columns share out the width: the hint has padding)
        return (all(header.sectionSize(c) >= header.sectionSizeHint(c) - 2 for c in range(header.count()))
                and tab.steps.scroll.minimumWidth() > 0)
    qtbot.waitUntil(fits, timeout=5000)
    rows = tab.rates.table.rowHeight(0)
    assert rows >= tab.rates.fontMetrics().height()   # the rows follow the font (they kept the 100 % height)
    assert window.width() == 1920                     # and the window did not grow past the screen for it


def test_backprops_rate_boxes_show_their_value_whole_at_200_percent(window, qtbot):
    """η, λ and wd had a fixed 84 px: at 200 % "0.5000" showed as "0.500(". Their width follows the zoom."""
    window.select_tab("backprop")
    tab = window.tab("backprop")
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=20000)
    boxes = (tab.controls.spin_learning_rate, tab.controls.spin_regularization_rate, tab.controls.spin_weight_decay)
    before = _pixels(boxes[0].lineEdit())
    window.view_menu.set_zoom(200)
    qtbot.waitUntil(lambda: all(_pixels(box.lineEdit()) >= 2 * before - 2 for box in boxes), timeout=5000)

    def whole() -> bool:   # room for the value and the arrows (the line edit's own width lags behind the layout)
        return all(box.width() - box.lineEdit().fontMetrics().horizontalAdvance(box.textFromValue(box.value()))
                   >= 16 for box in boxes)
    qtbot.waitUntil(whole, timeout=5000)


def test_a_zoomed_tab_in_a_small_window_scrolls_sideways_instead_of_widening_the_window(window, qtbot):
    """Backprop at 150 % needs about 1340 px: a 1100x700 window used to grow to that, past a small screen."""
    window.select_tab("backprop")
    tab = window.tab("backprop")
    frame = window.tab_widget.currentWidget()
    page = frame.widget()
    window.resize(1100, 700)
    qtbot.waitUntil(lambda: window.width() == 1100 and page.width() == frame.width(), timeout=3000)
    assert frame.horizontalScrollBar().maximum() == 0 and tab is not None   # 100 %: the tab fits
    window.view_menu.set_zoom(150)
    window.resize(1100, 700)
    qtbot.waitUntil(lambda: frame.horizontalScrollBar().maximum() > 0, timeout=3000)
    assert window.width() == 1100
    assert page.width() >= page.minimumSizeHint().width() > frame.width()   # every column at its least width
    assert page.height() <= frame.height()                                   # and no taller than the window
    window.view_menu.set_zoom(zoom.DEFAULT)
    qtbot.waitUntil(lambda: frame.horizontalScrollBar().maximum() == 0, timeout=3000)


def test_the_concept_page_made_when_first_shown_has_the_windows_zoom_and_theme(window, qtbot):
    from calclab.ui.tabs.derivatives.concept import ConceptPanel

    reference = ConceptPanel()          # at 100 %, light: the sizes the page has unzoomed
    qtbot.addWidget(reference)
    lesson = next(iter(reference.preset_buttons))
    bold, plain = _pixels(reference.preset_buttons[lesson]), _pixels(reference.findChildren(QLabel)[0])
    window.view_menu.set_zoom(200)
    window.view_menu.set_theme("dark")
    window.select_tab("derivatives")
    tab = window.tab("derivatives")
    qtbot.wait(50)                           # (Qt posts a palette change to the widgets that exist)
    assert tab.concept.widget() is None      # behind the steps: not made with the tab
    tab.lower_tabs.setCurrentWidget(tab.concept)
    qtbot.waitUntil(lambda: tab.concept.widget() is not None and tab.concept.isVisible(), timeout=3000)
    button, label = tab.concept.preset_buttons[lesson], tab.concept.findChildren(QLabel)[0]
    assert abs(_pixels(button) - 2 * bold) <= 2 and abs(_pixels(label) - 2 * plain) <= 2
    assert button.font().bold()
    assert label.palette().color(label.foregroundRole()).lightness() > 160   # light text on the dark theme
    window.view_menu.set_zoom(zoom.DEFAULT)  # and it follows the zoom back (its own bold font was remembered)
    assert abs(_pixels(button) - bold) <= 1 and abs(_pixels(label) - plain) <= 1
