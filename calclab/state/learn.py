"""The learner's progress on the Learn path (no Qt): per topic, the running score, which exercise comes next and
the last answers given. Sessions save it beside the tabs' states; the Learn panel and each tab's Predict switch
read and write it.

    {"seed": 0, "topics": {"derivatives": {"asked": 3, "right": 2, "next": 3, "answers": [...]}, ...}}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from calclab.state import is_finite_number

SCORED_TOPICS: tuple[str, ...] = ("derivatives", "gradients", "chain", "descent", "backprop")
ANSWERS_KEPT = 20          # per topic: enough to look back on, small enough for a session file
TEXT_MAX = 200             # one answer's texts are short; longer ones (a hostile file) are cut


@dataclass
class Answer:
    """One question answered: what was asked, what the learner said, the truth, and whether it counted."""

    question: str
    given: str
    truth: str
    correct: bool

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "given": self.given, "truth": self.truth, "correct": self.correct}

    @classmethod
    def from_dict(cls, data: Any) -> Answer | None:
        if not isinstance(data, dict) or not isinstance(data.get("correct"), bool):
            return None
        texts = [data.get(k) for k in ("question", "given", "truth")]
        if not all(isinstance(t, str) for t in texts):
            return None
        return cls(*(t[:TEXT_MAX] for t in texts), data["correct"])


@dataclass
class TopicScore:
    asked: int = 0
    right: int = 0
    next: int = 0          # the next exercise in the walk (worked examples first, then generated)
    answers: list[Answer] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"asked": self.asked, "right": self.right, "next": self.next,
                "answers": [a.to_dict() for a in self.answers]}

    @classmethod
    def from_dict(cls, data: Any) -> TopicScore:
        score = cls()
        if not isinstance(data, dict):
            return score
        for name in ("asked", "right", "next"):
            value = data.get(name)
            if is_finite_number(value) and int(value) == value and 0 <= value <= 10**9:
                setattr(score, name, int(value))
        score.right = min(score.right, score.asked)
        answers = data.get("answers")
        if isinstance(answers, list):
            kept = [Answer.from_dict(a) for a in answers[-ANSWERS_KEPT:]]
            score.answers = [a for a in kept if a is not None]
        return score


class LearnProgress:
    """Scores per topic, with listeners told of every change (the Learn panel redraws its scores)."""

    def __init__(self, seed: int = 0, topics: dict[str, TopicScore] | None = None) -> None:
        self.seed = seed
        self.topics = {name: TopicScore() for name in SCORED_TOPICS}
        self.topics.update(topics or {})
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def score(self, topic: str) -> tuple[int, int]:
        """(right, asked) in `topic`."""
        entry = self.topics[topic]
        return entry.right, entry.asked

    def take_next(self, topic: str) -> int:
        """The number of the next exercise of `topic` (and move past it)."""
        entry = self.topics[topic]
        number = entry.next
        entry.next += 1
        return number

    def record(self, topic: str, question: str, given: str, truth: str, correct: bool) -> None:
        entry = self.topics[topic]
        entry.asked += 1
        entry.right += int(correct)
        entry.answers = [*entry.answers, Answer(question[:TEXT_MAX], given[:TEXT_MAX], truth[:TEXT_MAX], correct)]
        entry.answers = entry.answers[-ANSWERS_KEPT:]
        self._changed()

    def replace_with(self, other: LearnProgress) -> None:
        """Take another progress's scores (a session opened), keeping this one's listeners."""
        self.seed, self.topics = other.seed, {k: TopicScore.from_dict(v.to_dict()) for k, v in other.topics.items()}
        self._changed()

    def to_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "topics": {name: entry.to_dict() for name, entry in self.topics.items()}}

    @classmethod
    def from_dict(cls, data: Any) -> LearnProgress:
        """Tolerant, like the tabs' states: anything unusable falls back to a fresh score."""
        if not isinstance(data, dict):
            return cls()
        seed = data.get("seed")
        seed = int(seed) if is_finite_number(seed) and int(seed) == seed and 0 <= seed < 2**31 else 0
        topics = data.get("topics")
        topics = topics if isinstance(topics, dict) else {}
        return cls(seed, {name: TopicScore.from_dict(topics.get(name)) for name in SCORED_TOPICS})
