"""FormulaView.set_matrix: a bracketed grid of typeset cells (mathtext has no matrix environment)."""

from __future__ import annotations

import pytest

from calclab.ui.widgets.formula_view import FormulaView


def test_a_matrix_is_typeset_as_a_grid(qtbot):
    view = FormulaView(font_pt=12)
    qtbot.addWidget(view)
    column = FormulaView(font_pt=12)
    qtbot.addWidget(column)
    view.set_matrix([["2", "0"], ["0", "−2"]], prefix="H =")
    column.set_column_vector(["2", "0"], prefix="H =")
    assert not view.is_fallback() and view.pixmap() is not None and not view.pixmap().isNull()
    assert view.latex() == r"H = \begin{bmatrix}2 & 0 \\ 0 & −2\end{bmatrix}"
    # Two columns side by side: wider than one column of the same cells, as tall as two rows.
    assert view.pixmap().width() > column.pixmap().width()
    assert view.pixmap().height() == pytest.approx(column.pixmap().height(), abs=2)
    three = FormulaView(font_pt=12)
    qtbot.addWidget(three)
    three.set_matrix([["1", "0", "0"], ["0", "1", "0"], ["0", "0", "1"]])
    assert three.pixmap().height() > view.pixmap().height()


def test_ragged_rows_are_refused(qtbot):
    view = FormulaView()
    qtbot.addWidget(view)
    with pytest.raises(ValueError):
        view.set_matrix([["1", "2"], ["3"]])
