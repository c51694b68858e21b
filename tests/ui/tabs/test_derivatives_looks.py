"""What the Derivatives tab looks like: curves drawn to the view's edge, legends off the data, a step-by-step
pane with room for its rows (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest

from calclab.state.derivatives import DerivativesState
from calclab.ui.tabs.derivatives import DerivativesTab

WAIT_MS = 15000


@pytest.fixture
def tab(qtbot, worker):
    widget = DerivativesTab(worker)
    qtbot.addWidget(widget)
    widget.resize(1280, 780)
    widget.show()
    settle(qtbot, widget)
    yield widget
    settle(qtbot, widget)


def settle(qtbot, tab: DerivativesTab) -> None:
    qtbot.waitUntil(lambda: not tab.is_busy(), timeout=WAIT_MS)


def show(qtbot, tab: DerivativesTab, state: DerivativesState) -> None:
    tab.set_state(state)
    settle(qtbot, tab)
    qtbot.wait(100)        # range_changed is rate-limited: let the resampling after a refit land
    settle(qtbot, tab)


@pytest.mark.parametrize("expression", ["log(x)", "log(x - 1)", "-log(x)", "log(-x)"])
def test_a_logarithm_is_drawn_down_to_the_edge_of_the_view(qtbot, tab, expression) -> None:
    """log x is sampled on a grid: its last sample left of the pole at 0 was log(0.004) = -5.5, drawn well
    above the view's bottom edge, as if the curve stopped there."""
    show(qtbot, tab, DerivativesState(expression))
    x_low, x_high, y_low, y_high = tab.plot.view_range()
    xs, ys = tab.plot.curve_data("f")
    finite = np.isfinite(xs) & np.isfinite(ys)
    assert finite.any()
    if expression == "-log(x)":
        assert ys[finite].max() >= y_high - 0.01 * (y_high - y_low)
    else:
        assert ys[finite].min() <= y_low + 0.01 * (y_high - y_low)
