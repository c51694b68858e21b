"""The Chain Rule tab's symbolic work: the lesson's steps by hand, products equal to derivatives, numbers at x0
against finite differences."""

from __future__ import annotations

import math
import pickle

import pytest
import sympy as sp

from calclab.engine.chain_rule import ChainNumbers, analyse_composite, analyse_parts
from calclab.engine.parsing import parse

COMPOSITES = ["(2x+3)^2", "sin(x^2)", "exp(-x^2/2)", "sigmoid(3x - 1)", "log(1 + e^(2x))", "sin((2x+3)^2)",
              "sqrt(1 + x^2)", "tan(x^2)", "cos(exp(3x))^2"]


def test_lesson_example_steps_written_as_the_learner_writes_them() -> None:
    analysis = analyse_composite(parse("(2x+3)^2"))
    latex = {step.label: step.latex for step in analysis.steps}
    assert latex["Inner function"] == "g(x) = 2 x + 3"
    assert latex["Outer function"] == "f(g) = g^{2}"
    assert latex["Outer derivative"] == "f'(g) = 2 g"
    assert latex["Inner derivative"] == "g'(x) = 2"
    # the product unsimplified (SymPy alone would print 8x + 12 at once), then simplified
    assert latex["Chain rule"] == (r"\frac{dy}{dx} = f'(g(x)) \cdot g'(x) = 2 \left(2 x + 3\right) \cdot 2 "
                                   "= 8 x + 12")
    x = analysis.variable
    assert analysis.derivative == 8 * x + 12
    assert analysis.agrees
    assert analysis.check.startswith("✓ equals the direct derivative")
    assert "8x + 12" in analysis.check


def test_outer_and_inner_typed_separately() -> None:
    analysis = analyse_parts(parse("u^2"), parse("2x + 3"))
    latex = [step.latex for step in analysis.steps]
    assert "f(u) = u^{2}" in latex and "g(x) = 2 x + 3" in latex and "f'(u) = 2 u" in latex
    assert analysis.derivative == 8 * analysis.variable + 12
    with pytest.raises(ValueError, match="outer function must be written in u"):
        analyse_parts(parse("x^2"), parse("2x + 3"))
    with pytest.raises(ValueError, match="inner function in x"):
        analyse_parts(parse("u^2"), parse("2u + 3"))


def test_three_links_show_every_rate() -> None:
    analysis = analyse_composite(parse("sin((2x+3)^2)"))
    assert analysis.names == ("y", "u", "v", "x")
    latex = [step.latex for step in analysis.steps]
    assert r"y \leftarrow u \leftarrow v \leftarrow x" in latex
    assert r"u = v^{2} \qquad \frac{du}{dv} = 2 v" in latex
    latex = {step.label: step.latex for step in analysis.steps}   # long: rule, substituted, simplified
    assert latex["Chain rule"] == r"\frac{dy}{dx} = \frac{dy}{du} \cdot \frac{du}{dv} \cdot \frac{dv}{dx}"
    assert latex["Substituted"] == (r"= \cos{\left(\left(2 x + 3\right)^{2} \right)} \cdot 2 \left(2 x + 3\right) "
                                    r"\cdot 2")
    assert latex["Simplified"] == r"= \left(8 x + 12\right) \cos{\left(\left(2 x + 3\right)^{2} \right)}"


@pytest.mark.parametrize("text", COMPOSITES)
def test_product_of_links_equals_the_derivative(text: str) -> None:
    expr = parse(text)
    analysis = analyse_composite(expr)
    assert analysis.is_composite and analysis.agrees
    x = analysis.variable
    reference = sp.diff(expr.rewrite(sp.exp), x)   # SymPy's own diff, on the expression written out
    assert sp.simplify((analysis.derivative - reference).rewrite(sp.exp)) == 0
    assert pickle.loads(pickle.dumps(analysis)).derivative == analysis.derivative


@pytest.mark.parametrize("text", COMPOSITES)
@pytest.mark.parametrize("x0", [-0.7, 0.5, 1.2])
def test_numbers_at_x0_multiply_to_the_finite_difference_slope(text: str, x0: float) -> None:
    expr = parse(text)
    analysis = analyse_composite(expr)
    numbers = ChainNumbers(analysis)
    links = numbers.links_at(x0)
    assert len(links) == len(analysis.chain.links)
    x = analysis.variable
    h = 1e-6
    slope = (float(expr.subs(x, x0 + h).evalf(30)) - float(expr.subs(x, x0 - h).evalf(30))) / (2 * h)
    assert math.prod(link.rate for link in links) == pytest.approx(slope, rel=1e-5, abs=1e-6)
    assert links[0].output_value == pytest.approx(float(expr.subs(x, x0).evalf()))
    assert links[-1].input_value == x0
    nudges = numbers.nudges_at(x0, 1e-3)
    assert nudges[0] == ("x", 1e-3)
    assert nudges[-1][1] == pytest.approx(1e-3 * slope, rel=1e-5, abs=1e-9)


def test_lesson_numbers_by_hand() -> None:
    numbers = ChainNumbers(analyse_composite(parse("(2x+3)^2")))
    outer, inner = numbers.links_at(0.5)
    assert (inner.input_value, inner.output_value, inner.rate) == (0.5, 4.0, 2.0)   # g = 2x + 3, g' = 2
    assert (outer.input_value, outer.output_value, outer.rate) == (4.0, 16.0, 8.0)  # f = g², f' = 2g
    assert numbers.product_at(0.5) == 16.0                                           # 8x + 12 at 0.5
    assert [name for name, _ in numbers.nudges_at(0.5)] == ["x", "g", "y"]


@pytest.mark.parametrize("text, rule", [("x sin(x)", "product rule"), ("x^2 + sin(x)", "sum rule")])
def test_not_a_composite_says_so(text: str, rule: str) -> None:
    analysis = analyse_composite(parse(text))
    assert not analysis.is_composite
    assert "not a composite" in analysis.message and rule in analysis.message
    assert "Derivatives tab" in analysis.message
    assert analysis.steps[0].label == "Direct derivative"


def test_single_link_has_nothing_to_peel() -> None:
    analysis = analyse_composite(parse("x^2"))
    assert not analysis.is_composite
    assert "no inner function" in analysis.message


def test_two_variables_are_refused() -> None:
    with pytest.raises(ValueError, match="one variable"):
        analyse_composite(parse("sin(x y)"))


@pytest.mark.parametrize("text, inner", [("(2x+3)^2", "2x + 3"), ("sin((2x+3)^2)", "(2x+3)^2"),
                                         ("log(1 + e^(2x))", "1 + e^(2x)")])
def test_inner_function_for_the_plot_is_the_outermost_links_input(text: str, inner: str) -> None:
    analysis = analyse_composite(parse(text))
    expected = parse(inner)
    assert sp.simplify(analysis.inner - expected) == 0
    assert sp.simplify(analysis.inner_derivative - sp.diff(expected, analysis.variable)) == 0
