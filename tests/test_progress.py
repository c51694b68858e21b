"""Long command-line runs: the progress bar (only on a terminal, throttled, cleared), and Ctrl+C (exit 130, no
traceback, nothing half-printed on stdout). The bar is checked on a fake terminal stream and on a real
pseudo-terminal (pty.openpty) given to a `python -m calclab` process as its stderr; Ctrl+C is SIGINT sent to it."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from calclab.progress import ProgressBar, bar_line, interrupt_at_safe_points

ROOT = Path(__file__).resolve().parents[1]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


# -- the bar ------------------------------------------------------------------------------------------------------

def test_bar_line_says_how_far_with_thousands_separators() -> None:
    assert bar_line("epoch", 41_000, 100_000, width=10) == "epoch 41,000 / 100,000 [####......] 41%"
    assert bar_line("frame", 0, 300, width=4) == "frame 0 / 300 [....] 0%"
    assert bar_line("epoch", 20, 20, width=4) == "epoch 20 / 20 [####] 100%"
    assert bar_line("epoch", 0, 0, width=4) == "epoch 0 / 0 [####] 100%"     # nothing to do is done


def test_bar_redraws_in_place_at_most_once_per_interval_and_clears_its_line(monkeypatch) -> None:
    clock = [100.0]
    monkeypatch.setattr("calclab.progress.time.monotonic", lambda: clock[0])
    stream = FakeTerminal()
    with ProgressBar(1000, "epoch", stream, interval=0.1, delay=0.5) as bar:
        bar.update(10)                       # within the first half second: short runs never show a bar
        assert stream.getvalue() == ""
        clock[0] += 0.5
        bar.update(500)
        first = stream.getvalue()
        assert first.startswith("\repoch 500 / 1,000 [") and first.endswith("] 50%")
        for done in range(501, 600):         # a burst of updates within 0.1 s: no redraw
            bar.update(done)
        assert stream.getvalue() == first
        clock[0] += 0.1
        bar.update(600)
        assert stream.getvalue().count("\r") == 2
    written = stream.getvalue()
    assert written.endswith("\r" + " " * len(first[1:]) + "\r")   # cleared: the prompt or the output starts clean


def test_bar_writes_nothing_off_a_terminal() -> None:
    stream = io.StringIO()                   # a pipe or a file: isatty() is False
    with ProgressBar(10, "epoch", stream, delay=0.0, interval=0.0) as bar:
        for done in range(11):
            bar.update(done)
    assert stream.getvalue() == ""


def test_a_deferred_ctrl_c_stops_at_the_next_safe_point() -> None:
    handler, stopped_at = signal.getsignal(signal.SIGINT), None
    with pytest.raises(KeyboardInterrupt), interrupt_at_safe_points() as points:
        for step in range(100):
            if step == 3:
                os.kill(os.getpid(), signal.SIGINT)   # arrives mid-step: only noted
                time.sleep(0.01)
            stopped_at = step
            points.check()
    assert stopped_at == 3
    assert signal.getsignal(signal.SIGINT) is handler    # the usual handler is back


def test_training_and_descent_give_the_same_numbers_with_progress_reported() -> None:
    from calclab.engine.backprop import train_headless
    from calclab.engine.descent import Descent

    seen: list[int] = []
    with_bar = train_headless(epochs=40, seed=2, progress=seen.append)
    assert seen == list(range(1, 41))
    assert with_bar["losses"] == train_headless(epochs=40, seed=2)["losses"]

    def steps(chunk: int | None) -> list[float]:
        run = Descent(lambda p: float(p[0] ** 2), lambda p: 2 * p, [3.0], optimizer="adam", lr=0.05, epochs=1234)
        while run.run(max_steps=chunk):   # how the CLI reports progress: chunks of updates
            pass
        return run.history.path[:, 0].tolist()

    assert steps(500) == steps(None)


# -- the command line, on a real terminal ------------------------------------------------------------------------

def _start(*argv: str, stderr) -> subprocess.Popen:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), "TERM": "xterm"}
    return subprocess.Popen([sys.executable, "-m", "calclab", *argv], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=stderr, env=env, cwd=ROOT)


def _read_until(fd: int, marker: bytes, timeout: float) -> bytes:
    seen, deadline = b"", time.monotonic() + timeout
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            seen += os.read(fd, 4096)
    return seen


def _drain(fd: int) -> bytes:
    seen = b""
    while select.select([fd], [], [], 0.3)[0]:
        seen += os.read(fd, 4096)
    return seen


@pytest.mark.parametrize("argv", [
    ["descent", "x^2", "--x0", "1", "--lr", "0.001", "--epochs", "100000", "--json"],
    ["backprop", "--epochs", "100000", "--json"],
])
def test_ctrl_c_mid_run_on_a_terminal_clears_the_bar_exits_130_and_prints_nothing(argv) -> None:
    main_fd, terminal_fd = pty.openpty()
    process = _start(*argv, stderr=terminal_fd)
    try:   # terminal_fd stays open here too: Linux drops unread output when the last end of a pty closes
        shown = _read_until(main_fd, b"] ", timeout=60)
        assert b" / 100,000 [" in shown, shown        # the bar, on stderr, while the run goes on
        assert process.poll() is None
        process.send_signal(signal.SIGINT)
        stdout, _ = process.communicate(timeout=30)
        shown += _drain(main_fd)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(terminal_fd)
        os.close(main_fd)
    assert process.returncode == 130
    assert stdout == b""                              # no half a JSON object
    assert b"Traceback" not in shown and b"KeyboardInterrupt" not in shown
    assert shown.rstrip(b" ").endswith(b"\r")         # the bar's line is blanked out, not left behind


def test_off_a_terminal_a_long_run_writes_no_bar_and_its_json_whole(tmp_path) -> None:
    process = _start("descent", "x^2", "--x0", "1", "--lr", "0.001", "--epochs", "20000", "--json",
                     stderr=subprocess.PIPE)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0 and stderr == b""
    assert len(json.loads(stdout)["steps"]) == 20_000   # one per epoch


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_ctrl_c_off_a_terminal_exits_130_without_a_traceback() -> None:
    process = _start("backprop", "--epochs", "100000", "--json", stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _cpu_seconds(process.pid) < 2.0 and time.monotonic() < deadline:   # imports take ~0.5 s: training
        time.sleep(0.05)
    assert process.poll() is None
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert stdout == b"" and stderr == b""
