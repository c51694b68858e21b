"""Fuzzing the command line: 10,000+ random inputs give exit 0 or 2, never a traceback, in bounded time.

The inputs go through `calclab.cli.main` in-process (a subprocess per input would take hours); a few go
through a real subprocess to check the process-level behaviour is the same.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time

import pytest

from calclab.cli import main

TOKENS = ["x", "y", "z", "w1", "2", "0.5", ".5", "1e-3", "1e309", "9", "+", "-", "*", "/", "^", "**", "(", ")",
          "sin(", "cos(", "exp(", "log(", "sqrt(", "abs(", "sigmoid(", "relu(", "tanh(", "e", "pi", " ", "x^2",
          "__import__", "'", ".", ",", "=", "$(", "nan", "×", "−", "²", "１", "\x00", "\n"]
COMMANDS = [
    lambda e: ["derive", e],
    lambda e: ["derive", e, "--wrt", "y", "--json"],
    lambda e: ["derive", e, "--at", "x=1", "y=2"],
    lambda e: ["gradient", e, "--json"],
    lambda e: ["chain", e],
    lambda e: ["descent", e, "--x0=1.5", "--epochs", "5"],
    lambda e: ["descent", e, "--x0", "1,2", "--epochs", "3", "--optimizer", "adam", "--json"],
]
INPUTS = 10_000
SLOWEST_ALLOWED_S = 5.0  # one input; generous for a loaded CI machine, far below a hang


def _grammarish(rng: random.Random) -> str:
    return "".join(rng.choice(TOKENS) for _ in range(rng.randint(0, 12)))


def _random_text(rng: random.Random) -> str:
    data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 20)))
    return data.decode("utf-8", errors="replace").replace("\x00", "")


def _argv(rng: random.Random) -> list[str]:
    kind = rng.random()
    if kind < 0.05:  # random words where the options go
        return [rng.choice(["derive", "gradient", "chain", "descent", "backprop", "--tab", "-x"])] + [
            _random_text(rng) for _ in range(rng.randint(0, 3))]
    expr = _grammarish(rng) if kind < 0.75 else _random_text(rng)
    return rng.choice(COMMANDS)(expr)


def test_ten_thousand_random_command_lines(capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(20261127)
    slowest = (0.0, None)
    for _ in range(INPUTS):
        argv = _argv(rng)
        if argv and argv[0] not in ("derive", "gradient", "chain", "descent", "backprop"):
            continue  # the window parser would open a window
        start = time.perf_counter()
        try:
            code = main(argv)
        except SystemExit as exit_:  # --help and --version exit through argparse
            code = exit_.code
        elapsed = time.perf_counter() - start
        slowest = max(slowest, (elapsed, argv), key=lambda pair: pair[0])
        out, err = capsys.readouterr()
        assert code in (0, 2), (argv, code, err)
        assert "Traceback" not in err, (argv, err)
        if code == 2:
            lines = err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: "), (argv, err)
    assert slowest[0] < SLOWEST_ALLOWED_S, f"slowest input took {slowest[0]:.2f} s: {slowest[1]}"


@pytest.mark.parametrize("argv", [
    ["derive", "__import__('os').system('touch X')"],
    ["derive", "$(touch X)"],
    ["gradient", "x.__class__"],
    ["descent", "9^9^9^9", "--x0", "1"],
    ["chain", "(" * 10_000 + "x" + ")" * 10_000],
])
def test_hostile_input_in_a_real_process(argv: list[str], tmp_path) -> None:
    result = subprocess.run([sys.executable, "-m", "calclab", *argv], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert not (tmp_path / "X").exists()
