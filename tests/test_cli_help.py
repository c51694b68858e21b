"""Command-line manners: every option of every command says what it does, and `calclab --help` shows one
example per subcommand, each of which the parser accepts."""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from calclab.cli import COMMANDS, EXAMPLES, build_command_parser, build_window_parser

ROOT = Path(__file__).resolve().parent.parent


def _parsers() -> dict[str, argparse.ArgumentParser]:
    """'calclab' and 'calclab COMMAND' -> its parser."""
    found = {"calclab": build_window_parser()}
    for action in build_command_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.update({f"calclab {name}": parser for name, parser in action.choices.items()})
    return found


def test_every_subcommand_has_a_parser():
    assert set(_parsers()) == {"calclab", *(f"calclab {name}" for name in COMMANDS)}


@pytest.mark.parametrize("command", sorted(_parsers()))
def test_every_option_and_argument_has_help(command):
    parser = _parsers()[command]
    missing = [action.option_strings[0] if action.option_strings else action.dest for action in parser._actions
               if not (action.help or "").strip() or action.help == argparse.SUPPRESS]
    assert missing == [], f"{command}: no help for {', '.join(missing)}"
    text = parser.format_help()
    for action in parser._actions:
        if action.help and "%" not in action.help:
            assert " ".join(action.help.split()[:3]) in " ".join(text.split()), (command, action.dest)


def test_the_main_help_shows_one_example_per_subcommand_and_each_parses():
    text = build_window_parser().format_help()
    assert list(EXAMPLES) == list(COMMANDS)
    for command, example in EXAMPLES.items():
        assert f"  {example}\n" in text
        argv = shlex.split(example)[1:]
        assert argv[0] == command
        build_command_parser().parse_args(argv)       # raises UsageError if the example is wrong


def test_help_runs_from_the_command_line():
    result = subprocess.run([sys.executable, "-m", "calclab", "descent", "--help"], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)
    assert result.returncode == 0
    for option in ("--epochs", "--momentum", "--betas", "--eps"):
        [line] = [line for line in result.stdout.splitlines() if line.strip().startswith(option)]
        assert len(line.split()) > 2 or "  " in line.strip(), line   # the option and a text after it
