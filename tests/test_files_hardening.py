"""Files that are not what they seem (issue 14): session files with huge integers, lone surrogates, devices, fifos
and symlinks; saves through symlinks and hard links and onto read-only files; two windows on one autosave; export
paths that are devices, fifos or in folders we cannot write; stale part files from a killed save.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from calclab import atomic, cli, session
from calclab.session import Autosave, load_session, parse_session, save_session, session_data

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HUGE = "1" * 4400            # Python refuses to turn more than 4,300 digits into an int
LONG = "1" * 400             # an int, but float() of it overflows


def _defaults() -> dict:
    return {t: s.to_dict() for t, s in session.default_states().items()}


def _dicts(states: dict) -> dict:
    return {t: s.to_dict() for t, s in states.items()}


# -- reading: numbers, surrogates ----------------------------------------------------------------------------------

def test_a_huge_version_number_is_a_message_naming_the_file(tmp_path):
    path = tmp_path / "huge.calclab"
    content = ('{"version": ' + HUGE + ', "tabs": {}}').encode()
    path.write_bytes(content)
    result = load_session(str(path))
    assert not result.ok and "huge.calclab" in result.message and "\n" not in result.message
    assert _dicts(result.states) == _defaults()
    assert path.read_bytes() == content


@pytest.mark.parametrize("digits", [HUGE, LONG, "-" + LONG])
@pytest.mark.parametrize("tab", session.TAB_NAMES)
def test_a_huge_integer_in_any_field_resets_that_field_and_never_raises(tmp_path, tab, digits):
    """Every field of every tab, as a number, in a list and in a table: never an exception."""
    fields = list(session.default_state(tab).to_dict())
    for key in fields:
        for shape in ("{n}", "[{n}, {n}]", '{{"x": {n}}}'):
            value = shape.format(n=digits)
            raw = (f'{{"version": 1, "tabs": {{"{tab}": {{"{key}": ' + value + "}}}").encode()
            result = parse_session(raw, "big.calclab")
            assert result.ok, (key, shape, result.message)
            assert result.states[tab].to_dict() == session.default_state(tab).to_dict() or \
                f"{tab}.{key}" in result.reset_fields, (key, shape)


def _string_fields(tab: str) -> list[str]:
    return [k for k, v in session.default_state(tab).to_dict().items() if isinstance(v, str)]


@pytest.mark.parametrize("tab", session.TAB_NAMES)
def test_a_lone_surrogate_in_any_text_field_resets_the_field_and_names_it(tmp_path, tab):
    """The expression box drops a lone surrogate silently (the tab would run f = x): the field is refused."""
    for key in _string_fields(tab):
        data = session_data(session.default_states())
        data["tabs"][tab][key] = "x\ud800"
        raw = json.dumps(data).encode()            # ensure_ascii: the surrogate is written as \ud800
        assert b"\\ud800" in raw
        result = parse_session(raw, "s.calclab")
        assert result.ok
        assert getattr(result.states[tab], key) == getattr(session.default_state(tab), key), key
        assert f"{tab}.{key}" in result.reset_fields and f"{tab}.{key}" in result.message


def test_a_surrogate_inside_a_table_or_a_key_is_refused_too():
    data = session_data(session.default_states())
    data["tabs"]["gradients"]["point"] = {"x\udfff": 1.0, "y": 2.0}
    result = parse_session(json.dumps(data).encode(), "s.calclab")
    assert "gradients.point" in result.reset_fields
    assert "x\udfff" not in result.states["gradients"].point


# -- reading: devices, fifos, the size cap ----------------------------------------------------------------------

LOAD_SCRIPT = r'''
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))   # a runaway read dies here, not on the machine
from calclab.session import load_session
result = load_session(sys.argv[1])
print(result.ok, result.message)
'''


def test_a_session_that_is_a_symlink_to_dev_zero_is_refused_without_reading(tmp_path):
    link = tmp_path / "zero.calclab"
    link.symlink_to("/dev/zero")
    result = subprocess.run([sys.executable, "-c", LOAD_SCRIPT, str(link)], capture_output=True, text=True,
                            timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("False") and "zero.calclab" in result.stdout
    assert "not a regular file" in result.stdout


def test_a_session_that_is_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.calclab"
    os.mkfifo(fifo)
    found = []
    reader = threading.Thread(target=lambda: found.append(load_session(str(fifo))), daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():                      # unblock the reader so the test run can go on
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(5)
        pytest.fail("load_session blocked opening a fifo")
    assert not found[0].ok and "pipe.calclab" in found[0].message and "not a regular file" in found[0].message


def test_a_symlink_to_a_regular_session_file_loads(tmp_path):
    real = tmp_path / "real.calclab"
    save_session(str(real), {}, current_tab="chain")
    link = tmp_path / "link.calclab"
    link.symlink_to(real)
    assert load_session(str(link)).current_tab == "chain"


def test_a_file_whose_size_says_0_is_read_only_up_to_the_cap(tmp_path, monkeypatch):
    """/proc files are regular and report size 0: the cap must count the bytes read, not trust the size."""
    monkeypatch.setattr(session, "MAX_BYTES", 20)
    link = tmp_path / "proc.calclab"
    link.symlink_to("/proc/self/environ")
    assert os.path.getsize(link) == 0
    result = load_session(str(link))
    assert not result.ok and "too big" in result.message and "proc.calclab" in result.message


# -- writing: symlinks, hard links, read-only files -------------------------------------------------------------

def test_saving_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "data" / "real.calclab"
    target.parent.mkdir()
    target.write_bytes(b"old")
    link = tmp_path / "link.calclab"
    link.symlink_to(target)
    save_session(str(link), {}, current_tab="chain")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert load_session(str(target)).current_tab == "chain"
    assert not [n for n in os.listdir(tmp_path) + os.listdir(target.parent) if n.endswith(".part")]


def test_saving_over_one_of_two_hard_links_updates_both(tmp_path):
    first = tmp_path / "a.calclab"
    first.write_bytes(b"old content that is longer than nothing" * 100)
    second = tmp_path / "b.calclab"
    os.link(first, second)
    save_session(str(first), {}, current_tab="descent")
    assert os.stat(first).st_ino == os.stat(second).st_ino and os.stat(first).st_nlink == 2
    assert load_session(str(second)).current_tab == "descent"
    assert first.read_bytes() == second.read_bytes()


def test_a_read_only_file_is_refused_with_one_line_and_kept(tmp_path):
    path = tmp_path / "locked.calclab"
    path.write_bytes(b"keep me")
    path.chmod(0o444)
    with pytest.raises(session.SessionError) as raised:
        save_session(str(path), {})
    assert "read-only" in str(raised.value) and "\n" not in str(raised.value)
    assert path.read_bytes() == b"keep me"
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".part")]


def test_exports_share_the_rules_csv_through_a_symlink_and_onto_a_read_only_file(tmp_path):
    from calclab.ui import export

    target = tmp_path / "t.csv"
    target.write_bytes(b"")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    export.export_csv(str(link), ["a"], [[1.5]])
    assert link.is_symlink() and target.read_text() == "a\n1.5\n"
    target.chmod(0o444)
    with pytest.raises(export.ExportError, match="read-only"):
        export.export_csv(str(link), ["b"], [[2.5]])
    assert target.read_text() == "a\n1.5\n"


@pytest.mark.parametrize("kind", ["dev-null", "fifo"])
def test_write_atomic_refuses_what_is_not_a_regular_file(tmp_path, kind):
    path = tmp_path / "out.png"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/null")
    with pytest.raises(atomic.WriteError, match="not a regular file"):
        atomic.write_atomic(str(path), b"data")
    assert path.is_fifo() if kind == "fifo" else path.is_symlink()


def test_stale_part_files_of_our_own_are_removed_on_the_next_save(tmp_path):
    old = time.time() - 3600
    stale = tmp_path / ".plot.png.k3j_x9ab.part"                 # what mkstemp leaves when a save is killed
    fresh = tmp_path / ".plot.png.a1b2c3d4.part"                 # maybe another save in progress right now
    other = tmp_path / ".other.png.k3j_x9ab.part"                # another file's
    unlike = tmp_path / ".plot.png.notmine-at-all.part"          # not our pattern
    for path in (stale, fresh, other, unlike):
        path.write_bytes(b"partial")
    for path in (stale, other, unlike):
        os.utime(path, (old, old))
    atomic.write_atomic(str(tmp_path / "plot.png"), b"png")
    assert not stale.exists()
    assert fresh.exists() and other.exists() and unlike.exists()
    assert (tmp_path / "plot.png").read_bytes() == b"png"


# -- two windows, one autosave folder --------------------------------------------------------------------------

def _chain(x0: float):
    return {"chain": session.state_class("chain")(x0=x0)}


def test_two_running_autosaves_take_separate_slots_and_never_overwrite_each_other(tmp_path):
    first = Autosave(str(tmp_path))
    second = Autosave(str(tmp_path))
    assert first.path != second.path
    first.write(_chain(0.25), "chain")
    second.write(_chain(0.5), "descent")
    assert load_session(first.path).states["chain"].x0 == 0.25
    first.write(_chain(0.75), "chain")
    assert load_session(second.path).states["chain"].x0 == 0.5
    # a third window started now restores neither: both are in use
    third = Autosave(str(tmp_path))
    assert third.path not in (first.path, second.path)
    assert third.restore() is None
    for autosave in (first, second, third):
        autosave.close()


def test_the_next_start_restores_the_most_recent_unlocked_autosave(tmp_path):
    first = Autosave(str(tmp_path))
    second = Autosave(str(tmp_path))
    second.write(_chain(0.5), "descent")
    first.write(_chain(0.25), "chain")
    past = time.time() - 60
    os.utime(second.path, (past, past))                         # the first one was written last
    second.close()
    assert Autosave(str(tmp_path)).restore() is not None         # second's slot is free again
    first.close()
    again = Autosave(str(tmp_path))
    restored = again.restore()
    assert restored.ok and restored.current_tab == "chain" and restored.states["chain"].x0 == 0.25
    again.close()


# -- the command line ------------------------------------------------------------------------------------------

@pytest.fixture
def no_render(monkeypatch):
    """Refusals must come before the (slow) rendering: reaching it is a failure."""
    from calclab import export_cli

    def refuse(*_args, **_kwargs):
        raise AssertionError("reached the renderer")

    monkeypatch.setattr(export_cli, "_render", refuse)


def _one_error(capsys, argv: list[str]) -> str:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert code == 2 and out == "", err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("kind", ["dev-null", "fifo", "symlink-chain"])
def test_export_refuses_an_out_path_that_is_not_a_regular_file(tmp_path, capsys, no_render, kind):
    out = tmp_path / "plot.png"
    if kind == "fifo":
        os.mkfifo(out)
    elif kind == "dev-null":
        out.symlink_to("/dev/null")
    else:
        out.symlink_to(tmp_path / "link2.png")
        (tmp_path / "link2.png").symlink_to("/dev/null")
    line = _one_error(capsys, ["export", "chain", "--out", str(out)])
    assert "not a regular file" in line and "plot.png" in line
    assert out.is_fifo() if kind == "fifo" else out.is_symlink()


def test_export_refuses_a_folder_it_cannot_write_before_rendering(tmp_path, capsys, no_render, monkeypatch):
    folder = str(tmp_path)
    real_access = os.access

    def access(path, mode, *args, **kwargs):
        if mode & os.W_OK and os.path.abspath(path) == folder:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    line = _one_error(capsys, ["export", "chain", "--out", str(tmp_path / "plot.png")])
    assert "no permission" in line and folder in line


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root and setpriv to act as a user without write permission")
def test_export_as_another_user_in_a_folder_it_cannot_write():
    parent = tempfile.mkdtemp()
    try:
        os.chmod(parent, 0o755)
        out = os.path.join(parent, "plot.png")
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CALCLAB_HOME": parent, "PYTHONDONTWRITEBYTECODE": "1"}
        result = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable,
                                 "-m", "calclab", "export", "chain", "--out", out], env=env, capture_output=True,
                                text=True, timeout=60, cwd=ROOT)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("error:") and "no permission" in result.stderr
        assert result.stderr.count("\n") == 1 and os.listdir(parent) == []
    finally:
        shutil.rmtree(parent)


BAD_SESSION_EXPRESSIONS = {
    "derivatives": {"expression": "x^^2"},
    "gradients": {"expression": "x^^2"},
    "chain": {"mode": "composite", "expression": "x^^2"},
    "descent": {"expression": "x^^2"},
}


@pytest.mark.parametrize("tab", list(BAD_SESSION_EXPRESSIONS))
def test_export_names_the_sessions_invalid_expression(tmp_path, capsys, no_render, tab):
    path = tmp_path / "bad.calclab"
    path.write_text(json.dumps({"version": 1, "tabs": {tab: BAD_SESSION_EXPRESSIONS[tab]}}))
    line = _one_error(capsys, ["export", tab, "--session", str(path), "--out", str(tmp_path / "p.png")])
    assert "the session's expression 'x^^2' is not valid: " in line, line
    assert "--expr" not in line


def test_export_names_the_sessions_invalid_outer_function(tmp_path, capsys, no_render):
    path = tmp_path / "bad.calclab"
    path.write_text(json.dumps({"version": 1, "tabs": {"chain": {"mode": "parts", "outer": "u^^2",
                                                                  "inner": "3x"}}}))
    line = _one_error(capsys, ["export", "chain", "--session", str(path), "--out", str(tmp_path / "p.png")])
    assert "the session's outer function 'u^^2' is not valid: " in line, line


def test_a_bad_expr_option_is_still_labelled_expr(tmp_path, capsys, no_render):
    line = _one_error(capsys, ["export", "descent", "--expr", "x^^2", "--out", str(tmp_path / "p.png")])
    assert "--expr" in line and "session" not in line


def test_export_with_a_huge_integer_session_warns_naming_it(tmp_path, capsys, monkeypatch):
    from calclab import export_cli

    rendered = []
    monkeypatch.setattr(export_cli, "_render", lambda tab, state, *_a, **_k: rendered.append(state) or 0)
    path = tmp_path / "huge.calclab"
    path.write_bytes(('{"version": 1, "tabs": {"chain": {"x0": ' + HUGE + '}}}').encode())
    assert cli.main(["export", "chain", "--session", str(path), "--out", str(tmp_path / "p.png")]) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning:") and "huge.calclab" in err and "chain.x0" in err
    assert rendered and rendered[0].x0 == session.default_state("chain").x0



def test_a_screenshot_onto_a_fifo_is_refused_before_the_window_starts(tmp_path):
    shot = tmp_path / "shot.png"
    os.mkfifo(shot)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CALCLAB_HOME": str(tmp_path / "home"), "PYTHONPATH": ROOT}
    result = subprocess.run([sys.executable, "-m", "calclab", "--screenshot", str(shot), "--tab", "chain"], env=env,
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error:") and "not a regular file" in result.stderr
    assert shot.is_fifo()


@pytest.mark.parametrize("kind", ["dev-zero", "fifo"])
def test_export_session_that_is_not_a_regular_file_is_named_as_such(tmp_path, capsys, no_render, kind):
    path = tmp_path / "s.calclab"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    line = _one_error(capsys, ["export", "chain", "--session", str(path), "--out", str(tmp_path / "p.png")])
    assert "is not a regular file" in line and "s.calclab" in line
