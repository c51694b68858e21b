"""What the Chain Rule tab's plots look like: a y range framed near x0, legends off the data (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter

from calclab.state.chain_rule import PRESETS, ChainRuleState

TIMEOUT_MS = 15000


@pytest.fixture
def tab(qtbot, worker):
    from calclab.ui.tabs.chain_rule.tab import ChainRuleTab

    widget = ChainRuleTab(worker)
    qtbot.addWidget(widget)
    widget.resize(1100, 650)
    widget.show()
    qtbot.waitUntil(lambda: widget.analysis is not None and not widget.is_busy(), timeout=TIMEOUT_MS)
    return widget


def show(qtbot, tab, state: ChainRuleState) -> None:
    from calclab.engine.parsing import parse

    expected = parse(state.expression)
    tab.set_state(state)
    qtbot.waitUntil(lambda: tab.analysis is not None and tab.analysis.expression == expected
                    and not tab.is_busy(), timeout=TIMEOUT_MS)
    qtbot.wait(100)   # the range_changed signal is rate-limited: let the resampling after the framing land


def tick_labels(axis) -> list[str]:
    """The tick labels the axis draws at its current size and range."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _axis, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _rect, _flags, text in texts]


def test_a_steep_composite_is_framed_near_x0_not_by_its_far_tail(qtbot, tab) -> None:
    """exp(3x^2 - x) reaches 1e22 at x = -4: framed on that, the point at y = 2.16 sat on the zero line."""
    show(qtbot, tab, ChainRuleState(expression="exp(3x^2 - x)", x_range=(-4.0, 1.0), x0=0.5))
    plot = tab.chain_plots.outer.panel
    y_low, y_high = plot.view_range()[2:]
    value = float(np.exp(3 * 0.25 - 0.5))
    assert y_low < value < y_high
    assert 0.02 < (value - y_low) / (y_high - y_low) < 0.98, (y_low, y_high)   # off the bottom and the top
    labels = tick_labels(plot.plot_item.getAxis("left"))
    assert len(labels) >= 3, labels


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_every_preset_shows_its_point_well_inside_both_plots(qtbot, tab, preset) -> None:
    show(qtbot, tab, preset.make_state())
    x0 = preset.make_state().x0
    for panel in (tab.chain_plots.inner, tab.chain_plots.outer):
        if not panel.panel.isVisible() or panel.function is None:
            continue
        value = float(panel.function(np.array(x0)))
        y_low, y_high = panel.panel.view_range()[2:]
        assert 0.02 < (value - y_low) / (y_high - y_low) < 0.98, (preset.name, value, y_low, y_high)
        assert len(tick_labels(panel.panel.plot_item.getAxis("left"))) >= 3


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.name)
def test_the_legends_sit_above_the_plots_not_on_them(qtbot, tab, preset) -> None:
    """Inside, each three-row legend covered about half of its small plot."""
    show(qtbot, tab, preset.make_state())
    for panel in (tab.chain_plots.inner, tab.chain_plots.outer):
        if not panel.panel.isVisible():
            continue
        legend = panel.panel.legend.sceneBoundingRect()
        area = panel.panel.plot_item.getViewBox().sceneBoundingRect()
        assert legend.bottom() <= area.top() and not legend.intersects(area)
        assert panel.panel.plot_widget.sceneRect().contains(legend)   # not cut off at 1100 px
        assert legend.height() < 0.2 * area.height()                     # one row, not three


def test_a_long_chain_in_a_small_window_scrolls_its_column_instead_of_overlapping(qtbot, tab) -> None:
    """Six links at 1100x650: the check under the steps and the nudge text under the rates table had been drawn
    over them (Qt squeezed the column below what its parts need); now the column scrolls."""
    from PySide6.QtCore import QRect

    show(qtbot, tab, ChainRuleState(expression="sigmoid(sin(exp(cos(tanh(x^2+3x+1)))))"))
    qtbot.wait(50)

    def box(widget) -> QRect:
        return QRect(widget.mapTo(tab, widget.rect().topLeft()), widget.size())

    steps, rates = tab.steps, tab.rates
    pairs = [(steps.scroll, steps.label_check), (steps.label_check, steps.label_why),
             (rates.table, rates.label_nudge)]
    for upper, lower in pairs:
        assert box(upper).bottom() < box(lower).top(), (upper, lower)
    for label in (steps.label_check, steps.label_why, rates.label_nudge):   # each as tall as its wrapped text
        assert label.height() >= label.heightForWidth(label.width())
    assert tab.scroll_left.verticalScrollBar().maximum() > 0   # the column scrolls at this size
