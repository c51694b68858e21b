"""A compiled NumPy function of lambdify's source, called the way every calclab curve is (no SymPy here).

`CompiledFunction` is what engine.numeric.NumericFunction is once compiled: f(*arrays) -> a float array of the
inputs' broadcast shape, non-finite values as nan or inf, never a warning or an exception. `plain_function`
compiles a source with NumPy's names and ours only, without SymPy: the Derivatives tab's shipped first view is
drawn with it before SymPy is loaded (its build checks that each source gives the same numbers both ways).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

FUNCTION_NAME = "_lambdifygenerated"


def _np_sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) without overflow for large negative x."""
    x = np.asarray(x, dtype=float)
    return np.exp(-np.logaddexp(0.0, -x))


def _np_relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(np.asarray(x, dtype=float), 0.0)


def _np_heaviside(x: np.ndarray, h0: float = 0.5) -> np.ndarray:
    return np.heaviside(np.asarray(x, dtype=float), h0)


def _np_dirac_delta(x: np.ndarray, _order: int = 0) -> np.ndarray:
    """δ(x) and its derivatives: 0 wherever they have a value, undefined (nan) at 0.

    Second derivatives of relu and abs contain them (relu'' = δ); NumPy has no DiracDelta, and without this the
    generated code raised NameError on every call (the Descent tab's Hessian of relu(x), for one).
    """
    x = np.asarray(x, dtype=float)
    return np.where(x == 0.0, np.nan, 0.0)


OUR_FUNCTIONS = {"sigmoid": _np_sigmoid, "relu": _np_relu, "Heaviside": _np_heaviside, "DiracDelta": _np_dirac_delta}


class CompiledFunction:
    """A compiled function of `variables` (their count is what matters here) and the source it came from."""

    variables: tuple
    _func: Callable
    _source: str | None

    def __call__(self, *values: np.ndarray | float) -> np.ndarray:
        if len(values) != len(self.variables):  # a caller's mistake: not to be hidden as an all-nan result
            raise TypeError(f"expected {len(self.variables)} value(s), one per variable, got {len(values)}")
        arrays = [np.asarray(v, dtype=float) for v in values]
        shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        with np.errstate(all="ignore"):
            try:
                result = self._func(*arrays)
            except (ArithmeticError, ValueError, TypeError, NameError):
                # NameError: a SymPy function NumPy has no counterpart for; undefined rather than a crash.
                return np.full(shape, np.nan)
            result = np.asarray(result)
            if np.iscomplexobj(result):
                result = np.where(np.abs(result.imag) > 1e-12, np.nan, result.real)
            # A constant expression gives a bare scalar: broadcast it to the inputs' shape.
            return np.broadcast_to(result.astype(float, copy=False), shape).copy()

    def at_point(self, *values: float) -> float:
        """f at one point, numbers in and a float out: the arithmetic of __call__ on 0-d inputs (NumPy scalars,
        so 1/0 is inf, not ZeroDivisionError) without its array bookkeeping, which cost a descent step 4 times
        the evaluation itself (a preview recomputes whole paths while a slider moves)."""
        if len(values) != len(self.variables):
            raise TypeError(f"expected {len(self.variables)} value(s), one per variable, got {len(values)}")
        with np.errstate(all="ignore"):
            try:
                result = self._func(*[np.float64(v) for v in values])
            except (ArithmeticError, ValueError, TypeError, NameError):
                return math.nan
            if isinstance(result, float | int) and not isinstance(result, bool):
                return float(result)
            result = np.asarray(result)
            if result.size != 1:
                return math.nan
            if np.iscomplexobj(result):
                value = complex(result.reshape(-1)[0])
                return math.nan if abs(value.imag) > 1e-12 else value.real
            return float(result.reshape(-1)[0])

    @property
    def source(self) -> str | None:
        """lambdify's source of the function (None if it needed more than NumPy's names and ours)."""
        return self._source


def plain_namespace() -> dict:
    """NumPy's public names, ours, and abs: what the sources of ordinary curves call, without SymPy's tables."""
    names = {name: getattr(np, name) for name in getattr(np, "__all__", ()) if not name.startswith("_")
             and name in vars(np)}
    names.update(OUR_FUNCTIONS)
    names["numpy"] = np
    return names


def plain_function(source: str, variables: tuple) -> CompiledFunction:
    """Compile `source` (lambdify's, made at build time) with plain_namespace()."""
    if not source.startswith(f"def {FUNCTION_NAME}("):
        raise ValueError("not a function calclab generated")
    namespace = plain_namespace()
    exec(compile(source, "<calclab-plain>", "exec"), namespace)   # noqa: S102 - shipped with calclab, see above
    function = CompiledFunction()
    function.variables, function._func, function._source = tuple(variables), namespace[FUNCTION_NAME], source
    return function
