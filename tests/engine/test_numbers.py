"""The one number style, against hand-written expectations."""

from __future__ import annotations

import math

import pytest

from calclab.engine.numbers import format_full, format_number, format_vector


@pytest.mark.parametrize(("value", "expected"), [
    (0.1, "0.1"),
    (1 / 3, "0.333333"),
    (2.225e-5, "2.225×10⁻⁵"),
    (-1.84228e-05, "−1.84228×10⁻⁵"),
    (123456789, "1.23457×10⁸"),
    (0, "0"),
    (-0.0, "0"),
    (-1.0, "−1"),
    (9.80003, "9.80003"),
    (-0.0999265, "−0.0999265"),
    (0.0001, "0.0001"),
    (123456.4, "123456"),
    (999999.9, "1×10⁶"),            # rounds up to a million: written as the power of ten it became
    (0.30000000000000004, "0.3"),
    (1e-5, "1×10⁻⁵"),
    (1e300, "1×10³⁰⁰"),
    (math.nan, "undefined"),
    (math.inf, "∞"),
    (-math.inf, "−∞"),
])
def test_format_number(value, expected):
    assert format_number(value) == expected


def test_fewer_digits():
    assert format_number(2.2251234e-5, 4) == "2.225×10⁻⁵"
    assert format_number(123456.4, 4) == "123500"
    assert format_number(1 / 3, 4) == "0.3333"


def test_no_python_exponents_or_hyphen_minus():
    for value in (1e-5, -3.5e-9, 7.1e12, -2.0, 1e-300):
        text = format_number(value)
        assert "e" not in text and "-" not in text and "E" not in text


def test_format_full_keeps_every_digit():
    assert format_full(0.11529215046068471) == "0.11529215046068471"
    assert format_full(40.96000000000001) == "40.96000000000001"
    assert format_full(8.0) == "8"
    assert format_full(-1.8422800000000003e-05) == "−1.8422800000000003×10⁻⁵"


def test_format_vector():
    assert format_vector([3.0]) == "3"
    assert format_vector([1.0, -2.5e-7]) == "(1, −2.5×10⁻⁷)"
    assert format_vector([0.5, 2.0], brackets="[]") == "[0.5, 2]"
