"""The Learn path's progress in session files: kept, tolerant of damage, absent from old files."""

from __future__ import annotations

import json

from calclab import session
from calclab.state.learn import ANSWERS_KEPT, LearnProgress


def test_progress_round_trips_through_a_session_file(tmp_path):
    progress = LearnProgress(seed=4)
    progress.take_next("descent")
    progress.record("descent", "Where does x land?", "x = 8.1", "lands at x = 8", True)
    progress.record("descent", "Will η = 1.1 converge?", "yes", "it does not converge", False)
    path = str(tmp_path / "s.calclab")
    session.save_session(path, session.default_states(), "descent", progress)
    loaded = session.load_session(path)
    assert loaded.ok and loaded.message is None
    assert loaded.learn.score("descent") == (1, 2) and loaded.learn.topics["descent"].next == 1
    assert loaded.learn.topics["descent"].answers[0].given == "x = 8.1"
    assert loaded.learn.seed == 4


def test_a_file_without_progress_loads_as_before(tmp_path):
    raw = json.dumps({"version": 1, "tabs": {}}).encode()
    result = session.parse_session(raw)
    assert result.ok and result.learn is None


def test_damaged_progress_falls_back_field_by_field():
    raw = json.dumps({"version": 1, "tabs": {}, "learn": {
        "seed": "x", "topics": {"chain": {"asked": 2, "right": 9, "next": -1, "answers": [
            {"question": "q", "given": "g", "truth": "t", "correct": True}, {"question": 3}, "junk"]},
            "derivatives": [1, 2], "nonsense": {}}}}).encode()
    result = session.parse_session(raw)
    assert result.ok
    learn = result.learn
    assert learn.seed == 0 and learn.score("chain") == (2, 2) and learn.topics["chain"].next == 0
    assert [a.question for a in learn.topics["chain"].answers] == ["q"]
    assert learn.score("derivatives") == (0, 0) and "nonsense" not in learn.topics


def test_answers_are_capped_and_listeners_hear_changes():
    progress = LearnProgress()
    heard = []
    progress.subscribe(lambda: heard.append(progress.score("gradients")))
    for k in range(ANSWERS_KEPT + 5):
        progress.record("gradients", f"q{k}", "g", "t", k % 2 == 0)
    assert len(progress.topics["gradients"].answers) == ANSWERS_KEPT
    assert progress.topics["gradients"].answers[-1].question == f"q{ANSWERS_KEPT + 4}"
    assert heard[-1] == (13, 25)
