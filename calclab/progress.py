"""A progress bar for long command-line runs: one line on stderr, redrawn in place, only when stderr is a terminal.

    with ProgressBar(100_000, "epoch") as bar:
        while run.run(max_steps=500):
            bar.update(run.epoch)

shows `epoch 41,000 / 100,000 [########............] 41%`, redrawn with a carriage return at most ten times a
second and cleared when the block ends, also when Ctrl+C ends it. Piped or redirected, stderr gets nothing: the
bar is for a person watching, never for a log or a script. A run that ends within DELAY_S never draws it, so
short runs (the lesson's 20 epochs) look exactly as they did. No Qt: the CLI's subcommands use it.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TextIO

INTERVAL_S = 0.1    # at most ten redraws a second
DELAY_S = 0.5       # nothing at all for runs shorter than this
WIDTH = 20          # characters of the bar itself


def is_terminal(stream: TextIO) -> bool:
    """True if `stream` is an interactive terminal that understands a carriage return (not a pipe, file, dumb tty)."""
    try:
        return stream.isatty() and os.environ.get("TERM") != "dumb"
    except (AttributeError, ValueError, OSError):   # no isatty, or a closed stream
        return False


def bar_line(label: str, done: int, total: int, width: int = WIDTH) -> str:
    """`epoch 41,000 / 100,000 [########............] 41%`: `done` of `total`, rounded down."""
    fraction = min(max(done / total, 0.0), 1.0) if total > 0 else 1.0
    filled = int(fraction * width)
    return f"{label} {done:,} / {total:,} [{'#' * filled}{'.' * (width - filled)}] {int(fraction * 100)}%"


class ProgressBar:
    """`done` of `total` units (epochs, frames) on one self-overwriting stderr line; a no-op off a terminal."""

    def __init__(self, total: int, label: str = "epoch", stream: TextIO | None = None, *,
                 enabled: bool | None = None, interval: float = INTERVAL_S, delay: float = DELAY_S) -> None:
        self.total, self.label = int(total), label
        self.stream = sys.stderr if stream is None else stream
        self.enabled = is_terminal(self.stream) if enabled is None else enabled
        self.interval = interval
        self._next_draw = time.monotonic() + delay
        self._shown = 0          # length of the line now on screen (0: nothing to clear)
        self._columns = shutil.get_terminal_size((80, 24)).columns if self.enabled else 80

    def update(self, done: int, total: int | None = None) -> None:
        """Report `done` units finished (of a new `total`, if given); redraws at most once per `interval`."""
        if total is not None:
            self.total = int(total)
        if not self.enabled:
            return
        now = time.monotonic()
        if now < self._next_draw:
            return
        self._next_draw = now + self.interval
        line = bar_line(self.label, done, self.total)[: max(1, self._columns - 1)]   # never wraps: \r must reach it
        padding = " " * max(0, self._shown - len(line))
        self._shown = max(self._shown, len(line))   # first: a Ctrl+C during the write still gets the line cleared
        self._write("\r" + line + padding)

    def close(self) -> None:
        """Clear the bar's line, leaving the cursor where the bar began."""
        if self._shown:
            self._write("\r" + " " * self._shown + "\r")
            self._shown = 0

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):   # the terminal went away: the run goes on without its bar
            self.enabled, self._shown = False, 0

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


class SafePoints:
    """Where a Ctrl+C may stop the work: `check()` raises KeyboardInterrupt there once one was asked for."""

    def __init__(self) -> None:
        self.requested = False

    def check(self) -> None:
        if self.requested:
            raise KeyboardInterrupt


@contextmanager
def interrupt_at_safe_points() -> Iterator[SafePoints]:
    """Within the block, Ctrl+C only asks: the work stops at its next `check()` (or when the block ends).

    Qt calls back into Python from C++ (paint, geometry, slots): a KeyboardInterrupt raised in there is printed
    and swallowed by PySide, or leaves a half-updated scene that crashes on the way out (measured: tracebacks,
    exit -6 and -11, a run that went on). Checked between steps and frames instead, Ctrl+C exits 130 cleanly.
    A second Ctrl+C leaves at once (exit 130) for a step that never ends. Outside the main thread: no-op.
    """
    points = SafePoints()
    if threading.current_thread() is not threading.main_thread():
        yield points
        return

    def on_sigint(_signum: int, _frame: object) -> None:
        if points.requested:
            os._exit(130)
        points.requested = True

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield points
    finally:
        signal.signal(signal.SIGINT, previous)
    points.check()
