"""Widgets the tabs share: expression_box.ExpressionBox, formula_view.FormulaView, plot_panel.PlotPanel.

Import them from their modules (this package imports nothing, so importing one does not pull in the others).
"""
