"""What a learner types -> a SymPy expression, with our own parser (SymPy's parsers call eval).

Grammar (precedence low to high):
    sum     := product (('+' | '-') product)*
    product := unary (('*' | '/') unary | <implicit> power)*      2x, x sin(x), (x+1)(x-1)
    unary   := ('+' | '-') unary | power
    power   := atom (('^' | '**') unary)?                        right-associative: 2^3^2 = 2^9
    atom    := NUMBER | NAME | FUNCTION '(' sum ')' | '(' sum ')'

Everything outside the grammar raises ExpressionError with a one-line message and a 1-based column.
Inputs that would hang SymPy or exhaust the stack (9^9^9^9, deep nesting, huge text) are refused.
"""

from __future__ import annotations

import keyword
import math
import re
import unicodedata
from dataclasses import dataclass

import sympy as sp

from calclab.engine.functions import relu, sigmoid

MAX_LENGTH = 4000          # characters; a long polynomial is a few hundred
MAX_DEPTH = 100            # nesting of parentheses, functions and unary signs
MAX_NUMBER_DIGITS = 300    # Python refuses int literals over 4,300 digits; we stop far earlier
MAX_POWER_DIGITS = 1000    # 9^9^9 would have ~370 million digits: SymPy would try to compute it

FUNCTIONS = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
    "asin": sp.asin, "acos": sp.acos, "atan": sp.atan,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
    "exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs,
    "sigmoid": sigmoid, "relu": relu,
}
CONSTANTS = {"pi": sp.pi, "e": sp.E}
# Names SymPy's own parser would read as something else (I, E, N, beta, gamma, ...): a variable
# with such a name would not survive the round trip through text, so we refuse it up front.
_SYMPY_NAMES = frozenset(name for name in vars(sp) if not name.startswith("_"))
_NOT_NUMBERS = frozenset({"nan", "inf", "infinity", "oo", "zoo"})

# Unicode a learner may paste: map the obvious ones, reject the rest clearly.
_SUPERSCRIPTS = str.maketrans({"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6",
                               "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-"})
_LOOKALIKES = {"×": "*", "·": "*", "⋅": "*", "∙": "*", "÷": "/", "−": "-", "–": "-", "π": "pi"}

_TOKEN = re.compile(
    r"(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+(?![A-Za-z_\d]))?)"
    r"|(?P<name>[A-Za-z_][A-Za-z_0-9]*)"
    r"|(?P<op>\*\*|[-+*/^()])"
    r"|(?P<space>\s+)"
)


class ExpressionError(ValueError):
    """A one-line, human message about bad input, with the 1-based column it points at."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message if column is None else f"{message} (column {column})")
        self.message = message
        self.column = column


@dataclass(frozen=True)
class _Token:
    kind: str      # "number", "name", "op", "end"
    text: str
    column: int    # 1-based


def parse(text: str) -> sp.Expr:
    """Parse learner input into a SymPy expression over real symbols; raise ExpressionError if bad."""
    if not isinstance(text, str):
        raise ExpressionError("the expression must be text")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is too long ({len(text):,} characters, at most {MAX_LENGTH:,})")
    if not text.strip():
        raise ExpressionError("enter an expression, for example x^2")
    parser = _Parser(_tokenize(_normalise(text)))
    expr = parser.parse()
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ExpressionError("the expression is undefined (a division by zero or similar)")
    return expr


def _normalise(text: str) -> str:
    """Map look-alike characters, keeping one output character per input one so columns stay right."""
    out = []
    for ch in text:
        if ch in "²³¹⁰⁴⁵⁶⁷⁸⁹":
            out.append("^" + ch.translate(_SUPERSCRIPTS))  # x² -> x^2 (shifts later columns by one)
        elif ch in _LOOKALIKES:
            out.append(_LOOKALIKES[ch])
        elif ord(ch) > 127:
            folded = unicodedata.normalize("NFKC", ch)  # full-width digits and letters
            out.append(folded if folded.isascii() and len(folded) == 1 else ch)
        else:
            out.append(ch)
    return "".join(out)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:  # reported when the parser reaches it, so earlier mistakes are named first
            tokens.append(_Token("bad", text[pos], pos + 1))
            break
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group(), pos + 1))
        pos = match.end()
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    """Recursive descent over the token list; depth is counted so nesting cannot blow the stack."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> sp.Expr:
        expr = self.sum()
        if self.token.kind != "end":
            self.fail_unexpected()
        return expr

    def fail_unexpected(self) -> None:
        token = self.token
        if token.kind == "end":
            raise ExpressionError("the expression ends too early", token.column)
        if token.text == ")":
            raise ExpressionError("')' has no matching '('", token.column)
        if token.kind == "number":
            raise ExpressionError(f"missing operator before {token.text}", token.column)
        if token.kind == "bad":
            what = repr(token.text) if token.text.isprintable() else f"U+{ord(token.text):04X}"
            raise ExpressionError(f"unexpected character {what}", token.column)
        raise ExpressionError(f"unexpected '{token.text}'", token.column)

    def enter(self, column: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"the expression is nested too deeply (over {MAX_DEPTH} levels)", column)

    def sum(self) -> sp.Expr:
        terms = [self.product()]
        while self.token.text in ("+", "-"):
            sign = self.advance().text
            term = self.product()
            terms.append(-term if sign == "-" else term)
        return sp.Add(*terms)

    def product(self) -> sp.Expr:
        factors = [self.unary()]
        while True:
            token = self.token
            if token.text in ("*", "/"):
                self.advance()
                factor = self.unary()
                if token.text == "/":
                    if factor == 0:
                        raise ExpressionError("division by zero", token.column)
                    factor = sp.Pow(factor, -1)
                factors.append(factor)
            elif token.kind == "name" or token.text == "(":
                factors.append(self.power())  # implicit multiplication: 2x, x sin(x), (x+1)(x-1)
            else:
                return sp.Mul(*factors)

    def unary(self) -> sp.Expr:
        if self.token.text in ("+", "-"):
            token = self.advance()
            self.enter(token.column)
            operand = self.unary()
            self.depth -= 1
            return -operand if token.text == "-" else operand
        return self.power()

    def power(self) -> sp.Expr:
        base = self.atom()
        if self.token.text in ("^", "**"):
            token = self.advance()
            self.enter(token.column)
            exponent = self.unary()
            self.depth -= 1
            return _bounded_power(base, exponent, token.column)
        return base

    def atom(self) -> sp.Expr:
        token = self.token
        if token.kind == "number":
            self.advance()
            return _number(token)
        if token.kind == "name":
            self.advance()
            return self.name(token)
        if token.text == "(":
            self.advance()
            self.enter(token.column)
            inner = self.sum()
            self.expect_close(token)
            self.depth -= 1
            return inner
        if token.kind == "end":
            previous = self.tokens[self.index - 1].text if self.index else ""
            after = f" after '{previous}'" if previous else ""
            raise ExpressionError(f"expected a number, variable or '('{after}", token.column)
        self.fail_unexpected()
        raise AssertionError("unreachable")

    def expect_close(self, opening: _Token) -> None:
        if self.token.text != ")":
            if self.token.kind == "end":
                raise ExpressionError(f"missing ')' to close the '(' at column {opening.column}",
                                      self.token.column)
            self.fail_unexpected()
        self.advance()

    def name(self, token: _Token) -> sp.Expr:
        name = token.text
        if name in FUNCTIONS:
            if self.token.text != "(":
                raise ExpressionError(f"{name} needs parentheses, as in {name}(x)", self.token.column)
            opening = self.advance()
            if self.token.text == ")":
                raise ExpressionError(f"{name}() needs an argument", self.token.column)
            self.enter(opening.column)
            argument = self.sum()
            self.expect_close(opening)
            self.depth -= 1
            return FUNCTIONS[name](argument)
        if self.token.text == "(" and not self.implicit_product_allowed(name):
            raise ExpressionError(f"unknown function '{name}'", token.column)
        if name in CONSTANTS:
            return CONSTANTS[name]
        return sp.Symbol(_checked_variable(token), real=True)

    def implicit_product_allowed(self, name: str) -> bool:
        """`x(x+1)` reads as x·(x+1) for one-letter variables; `foo(x)` is an unknown function."""
        return len(name) == 1 or name in CONSTANTS


def _checked_variable(token: _Token) -> str:
    name = token.text
    lowered = name.lower()
    if lowered in _NOT_NUMBERS:
        raise ExpressionError(f"'{name}' is not a number calclab can work with", token.column)
    if name.startswith("_") or keyword.iskeyword(name):
        raise ExpressionError(f"'{name}' cannot be a variable name", token.column)
    if name in _SYMPY_NAMES:
        raise ExpressionError(f"'{name}' is reserved; choose another variable name", token.column)
    if len(name) > 30:
        raise ExpressionError("variable names have at most 30 characters", token.column)
    return name


def _number(token: _Token) -> sp.Expr:
    text = token.text
    mantissa = text.lower().split("e")[0]
    if len(mantissa.replace(".", "").lstrip("0")) > MAX_NUMBER_DIGITS:
        raise ExpressionError(f"the number is too long (over {MAX_NUMBER_DIGITS} digits)", token.column)
    value = float(text)
    if not math.isfinite(value):
        raise ExpressionError(f"the number {text} is too large (the limit is about 1.8e308)", token.column)
    if value != 0 and abs(value) < 1e-300:
        raise ExpressionError(f"the number {text} is too small (below 1e-300)", token.column)
    # Exact rationals: 0.5x^2 differentiates to x, not 1.0*x.
    return sp.Rational(text)


def _bounded_power(base: sp.Expr, exponent: sp.Expr, column: int) -> sp.Expr:
    """Build base^exponent, refusing number powers whose exact value would be astronomically large."""
    if base.is_Number and exponent.is_Number and base != 0:
        digits = abs(float(exponent)) * abs(math.log10(abs(float(base)))) if base not in (1, -1) else 0.0
        if not math.isfinite(digits) or digits > MAX_POWER_DIGITS:
            raise ExpressionError("that power is too large to compute exactly", column)
        if base.is_negative and not exponent.is_integer:
            raise ExpressionError("a negative number to a fractional power is not a real number", column)
    elif exponent.is_Number and abs(exponent) > 10**6:
        raise ExpressionError("the exponent is too large (at most a million)", column)
    if base == 0 and exponent.is_Number and exponent.is_negative:
        raise ExpressionError("0 to a negative power is a division by zero", column)
    return sp.Pow(base, exponent)
