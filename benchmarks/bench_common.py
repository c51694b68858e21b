"""Shared pieces of the benchmark suite: timing helpers and the figure/goal bookkeeping.

Machines here are noisy (2 cores, other work running), so every figure is a median, and every ratio
compares against a baseline measured in the same run, interleaved with the measured code where possible.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


def launch_env() -> dict[str, str]:
    """The environment a measured launch runs in: this one, offscreen by default, and free to write Python's
    bytecode cache. An installed calclab has its modules compiled (pip does it); with PYTHONDONTWRITEBYTECODE
    inherited (some shells and CI set it) every launch of a checkout would compile its ~150 modules again,
    about 0.2 s that no user pays."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def interleaved_medians(funcs: list[Callable[[], object]], calls: int, rounds: int) -> list[float]:
    """Median seconds per call of each function, timing them in alternating rounds of `calls` calls.

    Alternating rounds spread a slow spell of the machine over all the functions instead of one.
    """
    per_call: list[list[float]] = [[] for _ in funcs]
    for func in funcs:  # warm up (first calls fill caches, allocate)
        func()
    for _ in range(rounds):
        for index, func in enumerate(funcs):
            start = time.perf_counter()
            for _ in range(calls):
                func()
            per_call[index].append((time.perf_counter() - start) / calls)
    return [statistics.median(samples) for samples in per_call]


def ratio(value: float | None, baseline: float | None) -> float | None:
    """value / baseline, or None when either is missing or the baseline is zero."""
    if value is None or baseline is None or baseline <= 0 or not math.isfinite(value):
        return None
    return value / baseline


INFO = "(no goal)"   # a figure reported for context only


@dataclass
class Figure:
    """One row of the table: a measured value, its baseline (if any) and the goal it is judged against."""

    key: str
    value: float | None
    unit: str
    goal: str                       # human-readable, e.g. "<= 1.3x baseline"
    passed: bool | None             # None: not measured (n/a)
    baseline: float | None = None
    ratio: float | None = None
    note: str = ""

    def verdict(self) -> str:
        if self.goal == INFO:
            return "info"
        return "n/a" if self.passed is None else "PASS" if self.passed else "MISS"


def fmt(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "-"
    if value == 0 or 0.01 <= abs(value) < 10_000:
        return f"{value:.{digits}g}" if abs(value) < 1 else f"{value:.{max(digits - 1, 1)}f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


def table(figures: list[Figure]) -> str:
    """The figures as a plain-text table (one row each)."""
    header = ("figure", "value", "unit", "baseline", "ratio", "goal", "verdict")
    rows = [header] + [(f.key, fmt(f.value), f.unit, fmt(f.baseline), fmt(f.ratio), f.goal, f.verdict())
                       for f in figures]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    notes = [f"  {f.key}: {f.note}" for f in figures if f.note]
    return "\n".join(lines + (["notes:"] + notes if notes else []))
