"""Every Learn test starts with a fresh score, so the first question is always the lesson's first example."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def fresh_progress(monkeypatch):
    from calclab.state.learn import LearnProgress
    from calclab.ui.learn import predict_bar

    progress = LearnProgress()
    monkeypatch.setattr(predict_bar, "_STANDALONE", progress)
    return progress
