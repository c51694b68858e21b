"""Shipped job results (calclab.engine.jobs.shipped): what the first views ask for, answered without the process.

The shipped file is checked against a fresh computation of every request it holds (a stale file fails here
until `python -m calclab.engine.jobs.shipped --build` is run), a launch of the default tab must find all its
jobs there, and a damaged file is ignored.
"""

from __future__ import annotations

import math
import pickle

import pytest

from calclab.engine.jobs import shipped
from calclab.resource_files import resource
from calclab.state import TAB_NAMES, tab_spec
from calclab.ui.tabs import load_tab_class

WAIT_MS = 20_000


def _settled(data: bytes) -> bytes:
    """A pickle read back and written again, twice: which objects were shared changes the bytes and not the
    result, and the shipped one went through the worker's pipe before it was written."""
    for _ in range(2):
        data = pickle.dumps(pickle.loads(data), protocol=pickle.HIGHEST_PROTOCOL)
    return data


def _document() -> dict:
    return pickle.loads(resource(*shipped.SHIPPED).read_bytes())


def test_every_shipped_result_is_what_the_job_computes_now():
    document = _document()
    if document["versions"] != shipped.versions():
        pytest.skip(f"shipped with {document['versions']}, here {shipped.versions()}: the file is not used here")
    assert len(document["entries"]) >= len(TAB_NAMES) - 1   # every tab's first view but the numeric Backprop's
    for key, (request, result) in document["entries"].items():
        func, args = pickle.loads(request)
        assert key == shipped.digest(func, args)
        fresh = pickle.dumps(func(*args), protocol=pickle.HIGHEST_PROTOCOL)
        assert _settled(fresh) == _settled(result), f"{func.__qualname__}{args!r} changed: rebuild with " \
                                "python -m calclab.engine.jobs.shipped --build"


@pytest.fixture
def lookups(monkeypatch):
    """Every request the worker looked up, with whether the shipped file had it."""
    seen: list[tuple[str, bool]] = []
    real = shipped.lookup

    def spy(func, args, request: bytes):
        known, result = real(func, args, request)
        seen.append((func.__qualname__, known))
        return known, result

    monkeypatch.setattr(shipped, "lookup", spy)
    return seen


@pytest.fixture
def typeset_misses(monkeypatch):
    """Every formula a tab had to typeset because the shipped masks lacked it."""
    from calclab.ui.widgets import typeset_store

    missed: list[str] = []
    real = typeset_store.load

    def spy(mathtext: str, font_pt: float, dpi: float):
        mask = real(mathtext, font_pt, dpi)
        if mask is None:
            missed.append(mathtext)
        return mask

    monkeypatch.setattr(typeset_store, "load", spy)
    return missed


@pytest.mark.parametrize("name", TAB_NAMES)
def test_a_first_view_finds_what_it_needs_shipped(qtbot, worker, lookups, typeset_misses, name):
    """Its jobs' results and its formulas: else the first tab waits for a process to start (the worker, the
    typesetter) before it is complete. (Gradients' first search for critical points is for its map's
    provisional view, before the layout settles: that one may go to the worker.)"""
    if _document()["versions"] != shipped.versions():
        pytest.skip("the shipped file was made with other versions")
    tab = load_tab_class(tab_spec(name).view_target)(worker)
    qtbot.addWidget(tab)
    tab.resize(1400, 860)
    tab.show()
    qtbot.waitUntil(lambda: not tab.is_busy() and worker.is_idle(), timeout=WAIT_MS)
    assert typeset_misses == [], "rebuild with python -m calclab.ui.widgets.typeset_store --build"
    if name != "gradients":
        assert [job for job, known in lookups if not known] == [], \
            "rebuild with python -m calclab.engine.jobs.shipped --build"
    assert name == "backprop" or any(known for _job, known in lookups)


def test_the_worker_answers_a_shipped_job_itself_and_a_newer_one_supersedes_it(qtbot, monkeypatch):
    from calclab.ui.worker import SymbolicWorker

    request = pickle.dumps((math.factorial, (5,)), protocol=pickle.HIGHEST_PROTOCOL)
    # A result no process would compute (5! is 120): only the shipped entry can give it.
    monkeypatch.setattr(shipped, "_entries", {shipped.digest(math.factorial, (5,)): (request, pickle.dumps(999))})
    unstarted = SymbolicWorker()   # never started: a job it sent to a process would never be answered
    monkeypatch.setattr(unstarted, "start", lambda: None)
    answers: list[object] = []
    unstarted.submit("job", math.factorial, 5, on_done=answers.append, on_error=answers.append)
    assert not unstarted.is_idle() and answers == []   # answered in the next event-loop turn, like a result
    qtbot.waitUntil(unstarted.is_idle, timeout=2000)
    assert answers == [999]
    unstarted.submit("job", math.factorial, 5, on_done=answers.append, on_error=answers.append)
    unstarted.cancel("job")
    qtbot.wait(20)
    assert answers == [999] and unstarted.is_idle()
    unstarted.shutdown()


@pytest.mark.parametrize("content", [b"", b"not a pickle", pickle.dumps({"format": 99}),
                                     pickle.dumps({"format": shipped.FORMAT, "versions": {"calclab": "0"},
                                                   "entries": {}}),
                                     pickle.dumps([1, 2, 3])])
def test_a_damaged_or_foreign_file_ships_nothing(monkeypatch, tmp_path, content):
    path = tmp_path / "first_views.pickle"
    path.write_bytes(content)
    monkeypatch.setattr("calclab.resource_files.resource", lambda *parts: path)
    assert shipped._read() == {}
