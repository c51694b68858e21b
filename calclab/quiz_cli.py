"""`calclab quiz TOPIC --seed N [--json]`: one exercise a learner can do by hand, with its answer.

The same exercises the window's Predict switch asks (calclab.engine.quiz): seeded, so a seed always gives the same
exercise; `--worked` prints the lesson's worked examples of the topic instead.
"""

from __future__ import annotations

import argparse
import json

from calclab.state.learn import SCORED_TOPICS

# calclab.engine.quiz (SymPy) is imported when a quiz runs: `calclab` with no command must not load SymPy
# before its window's first paint (benchmarks/startup_probe.py checks it).

SEED_MAX = 2**31 - 1


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"the seed must be a whole number, not '{text}'") from None
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"the seed must be from 0 to {SEED_MAX}, not {value}")
    return value


def add_quiz_parser(sub) -> argparse.ArgumentParser:
    """The `quiz` subcommand (the caller adds --json to every subcommand)."""
    parser = sub.add_parser("quiz", help="one exercise to do by hand, with its answer")
    parser.add_argument("topic", choices=SCORED_TOPICS, help="what to practise: " + ", ".join(SCORED_TOPICS))
    parser.add_argument("--seed", type=_seed, default=0, help="which exercise (the same seed, the same one)")
    parser.add_argument("--worked", action="store_true", help="the lesson's worked examples of the topic instead")
    return parser


def _lines(exercise) -> list[str]:
    given = ", ".join(f"{key} = {value}" for key, value in exercise.data.items())
    answer = ", ".join(f"{key} = {value}" for key, value in exercise.answer.items())
    return [f"{exercise.topic} ({exercise.kind}): {given}", f"answer: {answer}", f"why: {exercise.reason}"]


def run(args: argparse.Namespace) -> int:
    from calclab.engine import quiz

    exercises = quiz.worked_examples(args.topic) if args.worked else (quiz.generate(args.topic, args.seed),)
    if args.json:
        payload = [e.to_json() for e in exercises] if args.worked else exercises[0].to_json()
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print("\n\n".join("\n".join(_lines(e)) for e in exercises))
    return 0
