"""The kinds of a critical point of f(x, y, ...) by the second-derivative test, and the tolerance under which a
float counts as 0: one place (no SymPy, no NumPy) for calclab.engine.curvature, the command line and the tab."""

MINIMUM, MAXIMUM, SADDLE, DEGENERATE, NOT_CRITICAL = "minimum", "maximum", "saddle", "degenerate", "not critical"
NEITHER, INCONCLUSIVE = "neither", "inconclusive"   # one variable's first-derivative test (engine.critical)
KINDS = (MINIMUM, MAXIMUM, SADDLE, DEGENERATE, NOT_CRITICAL)
ZERO_TOLERANCE = 1e-9       # |a float| below this times the matrix's scale counts as 0
