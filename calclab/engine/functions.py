"""The two neural-network functions SymPy lacks: sigmoid and relu, as real SymPy functions; and 0^g.

Keeping them as named functions (not expanded into exp/Max) lets the chain rule peel
`sigmoid(3x - 1)` into y = sigmoid(u), u = 3x - 1, which is how a learner thinks of it.
`expand_nn` writes them out with exp and Max for text that plain SymPy reads back.

ZeroPower is 0^g for a non-constant g: SymPy differentiates its own 0**x to 0**x * log(0) = nan, which the
Derivatives, Chain Rule and Descent tabs and the CLI then showed as a formula. 0^g is 0 where g > 0, 1 where
g = 0 and undefined (a division by zero) where g < 0, so its derivative is 0 where g > 0 and undefined elsewhere.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.precedence import PRECEDENCE


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


class ZeroPower(sp.Function):
    """0^g for an exponent g with variables in it (the parser builds it for `0^x`); prints as 0**g.

    A function rather than a Pow: SymPy's products and powers rebuild their Pow factors (x * 0**x becomes
    Pow(0, x) again), but leave a function alone, so the derivative below holds wherever 0^g ends up.
    """

    nargs = 1
    precedence = PRECEDENCE["Pow"]   # printed as a power: (0**x)**2, not 0**x**2

    @classmethod
    def eval(cls, exponent: sp.Expr) -> sp.Expr | None:
        if exponent.is_number:
            return sp.Pow(sp.S.Zero, exponent)  # 0, 1 or zoo (0^-1), as SymPy's own power says
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        """0 where the exponent is positive; undefined (no otherwise branch) where 0^g is 1 or undefined."""
        return sp.Piecewise((sp.S.Zero, self.args[0] > 0))

    def _eval_is_real(self) -> bool | None:
        return True if self.args[0].is_nonnegative else None

    def _eval_is_nonnegative(self) -> bool | None:
        return True if self.args[0].is_nonnegative else None

    def _sympystr(self, printer) -> str:
        return f"0**{printer.parenthesize(self.args[0], PRECEDENCE['Pow'])}"

    def _latex(self, printer, exp=None) -> str:
        power = f"0^{{{printer._print(self.args[0])}}}"
        return power if exp is None else rf"\left({power}\right)^{{{exp}}}"

    def _numpycode(self, printer) -> str:
        # NumPy's power: 0.0 ** array gives 0, 1 or inf (an undefined value, shown as such) without raising.
        return f"0.0**({printer._print(self.args[0])})"

    _lambdacode = _pythoncode = _numpycode


def _function_latex(name: str, argument: str, exp: str | None) -> str:
    power = "" if exp is None else f"^{{{exp}}}"
    return rf"{name}{power}\left({argument}\right)"


def expand_nn(expr: sp.Expr) -> sp.Expr:
    """Write sigmoid and relu out with exp and Max, so plain SymPy can read the result back."""
    return expr.replace(sigmoid, lambda a: 1 / (1 + sp.exp(-a))).replace(relu, lambda a: sp.Max(0, a))

