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

import builtins
import keyword
import re
import unicodedata
from dataclasses import dataclass

import sympy as sp

from calclab.engine.functions import relu, sigmoid
from calclab.engine.limits import (
    ExpressionError,
    bounded_power,
    check_defined,
    check_exp,
    check_numbers,
    checked_size,
    guard,
    number,
    short,
)

__all__ = ["ExpressionError", "parse", "FUNCTIONS", "CONSTANTS"]

MAX_LENGTH = 4000          # characters; a long polynomial is a few hundred
MAX_DEPTH = 100            # nesting of parentheses, functions and unary signs

FUNCTIONS = {
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
    "asin": sp.asin, "acos": sp.acos, "atan": sp.atan,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
    "exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs,
    "Abs": sp.Abs,  # how SymPy prints abs: str(parse(text)) parses back
    "sigmoid": sigmoid, "relu": relu,
}
CONSTANTS = {"pi": sp.pi, "e": sp.E, "E": sp.E}  # E: how SymPy prints e
# Names SymPy's own parser would read as something else (I, E, N, beta, gamma, ...): a variable
# with such a name would not survive the round trip through text, so we refuse it up front.
_SYMPY_NAMES = frozenset(name for name in vars(sp) if not name.startswith("_"))
# Python's builtins too: plain sympify reads `sum` or `id` as the builtin, so to_text would not read back.
_BUILTIN_NAMES = frozenset(name for name in dir(builtins) if not name.startswith("_"))
_NOT_NUMBERS = frozenset({"nan", "inf", "infinity", "oo", "zoo"})

# Unicode a learner may paste: map the obvious ones, reject the rest clearly.
_SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6",
                 "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-", "⁺": "+"}
_LOOKALIKES = {"×": "*", "·": "*", "⋅": "*", "∙": "*", "÷": "/", "−": "-", "–": "-", "π": "pi"}

_TOKEN = re.compile(
    r"(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z_0-9]*)"
    r"|(?P<op>\*\*|[-+*/^()])"
    r"|(?P<space>\s+)"
)


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
    parser = _Parser(_tokenize(*_normalise(text)))
    try:
        expr = parser.parse()
        check_defined(expr, 1)
        check_numbers(expr, 1)  # a safety net: products and powers are checked where they are built
    except ExpressionError:
        raise
    except Exception as error:  # noqa: BLE001 - parse promises ExpressionError and nothing else
        # SymPy failing inside its automatic evaluation (fuzzing found NotImplementedError, RecursionError);
        # the checks on constants and powers should stop this first.
        column = parser.tokens[min(parser.index, len(parser.tokens) - 1)].column
        raise ExpressionError(f"SymPy could not compute this expression ({type(error).__name__})", column) from None
    return expr


def _normalise(text: str) -> tuple[str, list[int]]:
    """Map look-alike characters to ASCII; also return each output character's 1-based input column.

    A run of superscripts becomes one exponent (x²³ -> x^(23), x⁻¹ -> x^(-1)), so the output can be longer
    than the input: the column list keeps error messages pointing at what the learner typed.
    """
    out: list[str] = []
    columns: list[int] = []
    index = 0
    while index < len(text):
        ch = text[index]
        column = index + 1
        if ch in _SUPERSCRIPTS:
            end = index
            while end < len(text) and text[end] in _SUPERSCRIPTS:
                end += 1
            run = "^(" + "".join(_SUPERSCRIPTS[c] for c in text[index:end]) + ")"
            out.append(run)
            columns += [column, column] + list(range(column, end + 1)) + [end]
            index = end
            continue
        if ch in _LOOKALIKES:
            mapped = _LOOKALIKES[ch]
        elif ord(ch) > 127:
            folded = unicodedata.normalize("NFKC", ch)  # full-width digits and letters, subscripts
            mapped = folded if folded.isascii() and len(folded) == 1 else ch
        else:
            mapped = ch
        out.append(mapped)
        columns += [column] * len(mapped)
        index += 1
    columns.append(len(text) + 1)
    return "".join(out), columns


def _tokenize(text: str, columns: list[int]) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:  # reported when the parser reaches it, so earlier mistakes are named first
            tokens.append(_Token("bad", text[pos], columns[pos]))
            break
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group(), columns[pos]))
        pos = match.end()
    tokens.append(_Token("end", "", columns[len(text.rstrip())]))  # `2x + ` ends at column 5, like `2x +`
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
        first = self.token
        terms = [self.product()]
        while self.token.text in ("+", "-"):
            sign = self.advance().text
            term = self.product()
            terms.append(-term if sign == "-" else term)
        if len(terms) == 1:
            return terms[0]
        guard(sp.Add, terms, first.column, "that sum")
        return checked_size(sp.Add(*terms), first.column)

    def product(self) -> sp.Expr:
        first = self.token
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
                if len(factors) == 1:
                    return factors[0]
                guard(sp.Mul, factors, first.column, "that product")
                # Numbers multiply out eagerly (10^900 10^900 ...): bound what SymPy built.
                return checked_size(sp.Mul(*factors), first.column)

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
            return bounded_power(base, exponent, token.column)
        return base

    def atom(self) -> sp.Expr:
        token = self.token
        if token.kind == "number":
            self.advance()
            return number(token.text, token.column)
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

            def what() -> str:  # str(argument) only when a message needs it: it costs on long input
                return short(f"{name}({argument})")

            if name == "exp":
                check_exp(argument, token.column)
            guard(FUNCTIONS[name], (argument,), token.column, what)
            result = FUNCTIONS[name](argument)
            check_defined(result, token.column, what)
            return result
        if self.token.text == "(" and not self.implicit_product_allowed(name):
            raise ExpressionError(_unknown_function_message(name), token.column)
        if name in CONSTANTS:
            return CONSTANTS[name]
        return sp.Symbol(_checked_variable(token), real=True)

    def implicit_product_allowed(self, name: str) -> bool:
        """`x(x+1)` reads as x·(x+1) for one-letter variables; `foo(x)` is an unknown function."""
        return len(name) == 1 or name in CONSTANTS


def _unknown_function_message(name: str) -> str:
    """Name the function, and spot a variable glued to a known function (`xsin(x)` meant x sin(x))."""
    for known in sorted(FUNCTIONS, key=len, reverse=True):
        if name.endswith(known) and len(name) > len(known):
            prefix = name[: -len(known)]
            return f"unknown function '{name}' (for {prefix} times {known}, write {prefix}*{known}(...))"
    return f"unknown function '{name}'"


def _checked_variable(token: _Token) -> str:
    name = token.text
    lowered = name.lower()
    if lowered in _NOT_NUMBERS:
        raise ExpressionError(f"'{name}' is not a number calclab can work with", token.column)
    if name.startswith("_") or keyword.iskeyword(name):
        raise ExpressionError(f"'{name}' cannot be a variable name", token.column)
    if name in _SYMPY_NAMES or name in _BUILTIN_NAMES:
        raise ExpressionError(f"'{name}' is reserved; choose another variable name", token.column)
    if len(name) > 30:
        raise ExpressionError("variable names have at most 30 characters", token.column)
    for function in sorted(FUNCTIONS, key=len, reverse=True):  # sinx, sin2x, lnx: surely not a variable
        rest = name[len(function):]
        if name.startswith(function) and 0 < len(rest) <= 3:
            raise ExpressionError(f"'{name}' is not a variable: write {function}({rest}) for the function",
                                  token.column)
    return name
