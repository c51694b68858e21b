"""Fast numeric evaluation of SymPy expressions through lambdify: arrays in, float arrays out.

Non-finite results (log of a negative, 1/0, overflow) come back as nan or inf, never as a warning or
an exception, because plots and descent must carry on through them.
"""

from __future__ import annotations

import importlib
import linecache
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from calclab.engine.compiled import FUNCTION_NAME as _FUNCTION_NAME
from calclab.engine.compiled import OUR_FUNCTIONS, CompiledFunction
from calclab.engine.magnitude import OutOfReach, approximate_at

_MP = mpmath.MPContext()   # 53 bits, like a float, but with an unbounded exponent

_MODULES = [OUR_FUNCTIONS, "numpy"]


def _prime_lambdify_numpy() -> None:
    """Fill lambdify's NumPy namespace ourselves, without the lazily loaded NumPy submodules.

    The first lambdify with modules="numpy" runs `from numpy import *`, and NumPy 2's `__all__` names its lazily
    loaded submodules (testing, f2py, ma, polynomial, random, fft, ...): importing them all cost 0.15-0.4 s, on the
    GUI thread's first curve and in every worker's warm-up. Generated code only calls NumPy's functions by their
    bare names, so the namespace lambdify builds is the same without them. Where SymPy keeps this namespace
    differently than expected, nothing is done and lambdify fills it as usual.
    """
    try:
        module = importlib.import_module("sympy.utilities.lambdify")   # the module, not the function of that name
        namespace, default, translations, commands = module.MODULES["numpy"]
    except (ImportError, AttributeError, KeyError, ValueError, TypeError):
        return
    if namespace != default or not any("from numpy import *" in command for command in commands):
        return
    loaded = vars(np)
    names = {name: loaded[name] for name in getattr(np, "__all__", ()) if name in loaded}
    names.update((name, getattr(np.linalg, name)) for name in getattr(np.linalg, "__all__", ()))
    names["numpy"] = np
    for sympy_name, numpy_name in translations.items():
        if numpy_name not in names:
            return
        names[sympy_name] = names[numpy_name]
    names.setdefault("Abs", abs)
    namespace.update(names)


_prime_lambdify_numpy()


class NumericFunction(CompiledFunction):
    """f(*arrays) -> float array of the broadcast shape of the inputs, whatever expr is.

    Picklable: a worker process pays for lambdify (printing a big tree takes up to ~0.5 s) and sends the
    Python source it generated; unpickling on the GUI thread only compiles that source (about a millisecond).
    The source holds no user text: the variables are renamed to private names and every function name has
    passed the parser's allow-list, so it is code SymPy's printer wrote, not anything typed.
    """

    def __init__(self, expr: sp.Expr, variables: Sequence[sp.Symbol]) -> None:
        unknown = expr.free_symbols - set(variables)
        if unknown:
            names = ", ".join(sorted(s.name for s in unknown))
            raise ValueError(f"no value given for {names}")
        self.expr: sp.Expr | None = expr   # None in a copy rebuilt from the source in another process
        self.variables = tuple(variables)
        self._func, self._source = _lambdify(expr, self.variables)

    def __getstate__(self) -> dict:
        # The expression travels only when the source cannot: rebuilding a SymPy tree costs the receiver
        # (~20 ms for sigmoid nested 30 deep), which is the work this class keeps off the GUI thread.
        expr = self.expr if self._source is None else None
        return {"expr": expr, "variables": self.variables, "source": self._source}

    def __setstate__(self, state: dict) -> None:
        self.expr, self.variables, self._source = state["expr"], state["variables"], state["source"]
        if self._source is not None:
            self._func = _load(self._source)
        else:   # lambdify needed more than NumPy's names: compile here after all
            self._func, self._source = _lambdify(self.expr, self.variables)


def _lambdify(expr: sp.Expr, variables: tuple[sp.Symbol, ...]) -> tuple[Callable, str | None]:
    """The compiled function and its source (None when it needs names beyond NumPy's and ours)."""
    # lambdify puts each argument's name into the generated code's namespace: a variable called
    # `select` or `arcsin` would shadow the NumPy function the code calls (abs(x)^3's derivative is a
    # Piecewise, printed as select(...)). Private names cannot clash, and the parser never makes them.
    private = [sp.Symbol(f"_calclab_arg{i}", real=True) for i in range(len(variables))]
    code_expr = _floats_for_huge_numbers(expr.xreplace(dict(zip(variables, private, strict=True))))
    func = sp.lambdify(private, code_expr, modules=_MODULES, cse=_repeats_itself(code_expr))
    source = "".join(linecache.getlines(func.__code__.co_filename))
    extra = set(func.__globals__) - set(_namespace()) - {arg.name for arg in private}
    portable = func.__name__ == _FUNCTION_NAME and source and not extra
    return func, source if portable else None


_NAMESPACE: dict | None = None


def _namespace() -> dict:
    """What every lambdified function sees: NumPy's names, ours (sigmoid, relu, ...), builtins."""
    global _NAMESPACE
    if _NAMESPACE is None:
        _NAMESPACE = dict(sp.lambdify([], 0, modules=_MODULES).__globals__)
    return _NAMESPACE


def _load(source: str) -> Callable:
    """Compile lambdify's source (made by this module, in this or a worker process) into its function."""
    if not source.startswith(f"def {_FUNCTION_NAME}("):
        raise ValueError("not a function this module generated")
    namespace = dict(_namespace())
    exec(compile(source, "<calclab-numeric>", "exec"), namespace)   # noqa: S102 - our printer's output, see above
    return namespace[_FUNCTION_NAME]


def _repeats_itself(expr: sp.Expr) -> bool:
    """Does the tree hold the same subexpression many times over? Derivatives of nests do: d/dx of sigmoid
    nested 30 deep repeats each inner sigmoid up to 30 times, so plain code evaluates ~900 sigmoids per point
    (28 ms for 2,000 points) where common-subexpression elimination evaluates 30 (2 ms). On a tree without
    repeats (a long sum of distinct terms) elimination only costs: 0.24 s instead of 0.06 s to compile."""
    total, unique = 0, set()
    for node in sp.preorder_traversal(expr):
        total += 1
        unique.add(node)
    return total > 64 and total > 2 * len(unique)


def _floats_for_huge_numbers(expr: sp.Expr) -> sp.Expr:
    """Integers past float range as Floats: Python's int * float array raises OverflowError (so the whole
    array would be nan), while the float literal 1e400 is inf, which NumPy carries on with."""
    huge = {n: sp.Float(n, 17) for n in expr.atoms(sp.Rational)
            if max(abs(n.p).bit_length(), n.q.bit_length()) > 1000}
    return expr.xreplace(huge) if huge else expr


def compile_function(expr: sp.Expr, variables: Sequence[sp.Symbol]) -> NumericFunction:
    """Compile expr over variables (in that order) into a NumPy function."""
    return NumericFunction(expr, variables)


class NumericGradient:
    """g(*arrays) -> list of float arrays, the partial derivatives in the order of the variables."""

    def __init__(self, expr: sp.Expr, variables: Sequence[sp.Symbol]) -> None:
        self.partials = [compile_function(sp.diff(expr, v), variables) for v in variables]

    def __call__(self, *values: np.ndarray | float) -> list[np.ndarray]:
        return [partial(*values) for partial in self.partials]


def compile_gradient(expr: sp.Expr, variables: Sequence[sp.Symbol]) -> NumericGradient:
    """Compile the gradient of expr over variables into NumPy functions."""
    return NumericGradient(expr, variables)


def point_function(expr: sp.Expr, variables: Sequence[sp.Symbol]) -> tuple[Callable, Callable]:
    """(f, grad) taking one point as a 1-D array: the form the descent stepper wants."""
    f = compile_function(expr, variables)
    g = compile_gradient(expr, variables)

    def value(point: np.ndarray) -> float:
        return float(f(*np.asarray(point, dtype=float)))

    def grad(point: np.ndarray) -> np.ndarray:
        return np.array([float(p) for p in g(*np.asarray(point, dtype=float))])

    return value, grad


@dataclass(frozen=True)
class PointValue:
    """An expression's value at one point, as a user should read it.

    kind is "number" (value holds it), "too large" (finite, past float range: exact holds it to 15 digits,
    e.g. x^2 at 1e308), "out of reach" (floats overflowed and the exact value was too costly to find) or
    "undefined" (a pole, a log of a negative, 0^x for x < 0).
    """

    kind: str
    value: float | None = None
    exact: str | None = None

    @property
    def defined(self) -> bool:
        """False only where the expression has no value (a pole, outside its domain)."""
        return self.kind != "undefined"

    def __str__(self) -> str:
        if self.kind == "number":
            return repr(self.value)
        if self.kind == "too large":
            return f"{self.exact} (too large for a float)"
        return "too large to evaluate" if self.kind == "out of reach" else "undefined"


def value_at(expr: sp.Expr, variables: Sequence[sp.Symbol], point: Sequence[float]) -> PointValue:
    """expr at point (one finite number per variable).

    Floats first. Where they give inf or nan, mpmath (53 bits, an unbounded exponent) recomputes the value from
    the formula: it tells a value too large for a float (2x at 1e308, exp(1000), 10^6 x^999999 at 2) from an
    undefined one (1/x at 0, log(x) at -1), and recovers what an overflow in between lost (e^x/(1 + e^x) at 1000).
    """
    number = float(compile_function(expr, variables)(*point))
    if math.isfinite(number):
        return PointValue("number", number)
    try:
        exact = approximate_at(expr, dict(zip(variables, point, strict=True)))
        if exact is None or not _MP.isfinite(exact) or abs(_MP.im(exact)) > 1e-12 * abs(exact):
            return PointValue("undefined")
    except OutOfReach:
        return PointValue("out of reach")
    except (ArithmeticError, ValueError, TypeError):   # 1/0, a comparison of a complex number
        return PointValue("undefined")
    real = _MP.re(exact)
    if abs(real) <= sys.float_info.max:
        return PointValue("number", float(real))
    return PointValue("too large", exact=_MP.nstr(real, 15))
