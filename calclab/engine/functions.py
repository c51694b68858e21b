"""The two neural-network functions SymPy lacks: sigmoid and relu, as real SymPy functions.

Keeping them as named functions (not expanded into exp/Max) lets the chain rule peel
`sigmoid(3x - 1)` into y = sigmoid(u), u = 3x - 1, which is how a learner thinks of it.
`expand_nn` writes them out with exp and Max for text that plain SymPy reads back.
"""

from __future__ import annotations

import sympy as sp


class sigmoid(sp.Function):  # noqa: N801 - lower case, as the learner types it
    """The logistic function 1 / (1 + e^-x)."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        s = sigmoid(self.args[0])
        return s * (1 - s)

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_zero:
            return sp.Rational(1, 2)
        return None

    def _eval_rewrite_as_exp(self, arg: sp.Expr, **kwargs) -> sp.Expr:
        return 1 / (1 + sp.exp(-arg))

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _eval_is_positive(self) -> bool | None:
        return True if self.args[0].is_real else None

    def _latex(self, printer, exp=None) -> str:
        return _function_latex(r"\sigma", printer._print(self.args[0]), exp)


class relu(sp.Function):  # noqa: N801
    """The rectifier max(0, x); its derivative is the Heaviside step."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sp.Heaviside(self.args[0])

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_nonnegative:
            return arg
        if arg.is_nonpositive:
            return sp.S.Zero
        return None

    def _eval_rewrite_as_Max(self, arg: sp.Expr, **kwargs) -> sp.Expr:
        return sp.Max(0, arg)

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _eval_is_nonnegative(self) -> bool | None:
        return True if self.args[0].is_real else None

    def _latex(self, printer, exp=None) -> str:
        return _function_latex(r"\operatorname{ReLU}", printer._print(self.args[0]), exp)


def _function_latex(name: str, argument: str, exp: str | None) -> str:
    power = "" if exp is None else f"^{{{exp}}}"
    return rf"{name}{power}\left({argument}\right)"


def expand_nn(expr: sp.Expr) -> sp.Expr:
    """Write sigmoid and relu out with exp and Max, so plain SymPy can read the result back."""
    return expr.replace(sigmoid, lambda a: 1 / (1 + sp.exp(-a))).replace(relu, lambda a: sp.Max(0, a))

