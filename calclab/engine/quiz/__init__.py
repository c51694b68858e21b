"""Exercises a learner can do by hand, one topic at a time, each with its answer computed by the engine.

The lesson's worked examples come first (`worked_examples`), then generated ones (`generate`, seeded: the same
seed gives the same exercise). `exercise_number(topic, n)` walks that order; `check` scores an answer against
the truth with the topic's tolerance. Qt-free, like the rest of the engine.
"""

from calclab.engine.quiz.check import TOLERANCES, Verdict, angle_between, check
from calclab.engine.quiz.exercise import TOPICS, Exercise, exercise_number, generate, worked_examples

__all__ = ["TOLERANCES", "TOPICS", "Exercise", "Verdict", "angle_between", "check", "exercise_number", "generate",
           "worked_examples"]
