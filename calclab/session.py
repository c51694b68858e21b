"""The .calclab session file: every tab's inputs as JSON, and the autosave slot that survives restarts.

    {"version": 1, "app": "calclab", "current_tab": "descent", "tabs": {"derivatives": {...}, ...}}

Loading never raises and never touches the file: a damaged, truncated or future-version file (or a device, a
fifo, a huge one) gives the default states and a one-line message; an invalid field (a lone surrogate in a text,
an integer too big for a float) gives that field's default. Saving goes through calclab.atomic (temporary file +
rename, through symlinks, in place for hard links, never over a read-only file). Each running window autosaves
to its own locked slot and never over a file that failed to load. Qt-free: the data folder is found without Qt.
"""

from __future__ import annotations

import json
import math
import os
import sys
import weakref
from dataclasses import dataclass, field
from typing import Any

from calclab import __version__, atomic

try:
    import fcntl
except ImportError:          # not on Windows: autosave slots are then not locked
    fcntl = None  # type: ignore[assignment]
from calclab.state import TAB_NAMES, TABS, tab_spec

VERSION = 1
SUFFIX = ".calclab"
MAX_BYTES = 10_000_000     # a session is a few kB; refuse to parse something huge
INT_DIGITS_MAX = 300       # longer JSON integers are read as floats (see _parse_int)
AUTOSAVE_NAME = "autosave"
AUTOSAVE_SLOTS = 20        # autosave.calclab, autosave-1.calclab, ... (a damaged one is skipped, never replaced)
LOCK_SUFFIX = ".lock"      # autosave.calclab.lock: held by the window that autosaves to autosave.calclab
HOME_ENV = "CALCLAB_HOME"  # tests (and portable installs) put the autosave and settings here


class SessionError(atomic.WriteError):
    """A session file that could not be written; str() is one line."""


def state_class(tab: str) -> type | None:
    """The state dataclass of `tab`, or None for a name the registry does not have."""
    return tab_spec(tab).state_class() if tab in TAB_NAMES else None


def default_state(tab: str) -> Any | None:
    """What `tab` shows when it starts (see TabSpec.default_state); None for a name the registry does not have."""
    return tab_spec(tab).default_state() if tab in TAB_NAMES else None


def default_states() -> dict[str, Any]:
    """A fresh default state for every tab."""
    return {spec.name: spec.default_state() for spec in TABS}


@dataclass
class LoadResult:
    """What `load_session` found. `ok` False means the file was not used (states are the defaults)."""

    states: dict[str, Any]
    current_tab: str | None = None
    ok: bool = True
    message: str | None = None                          # one line for a dialog, the status bar or stderr
    reset_fields: list[str] = field(default_factory=list)   # "descent.learning_rate": invalid, set to default
    learn: Any = None    # the Learn path's progress (calclab.state.learn.LearnProgress) if the file has one


def _failed(message: str) -> LoadResult:
    return LoadResult(default_states(), None, ok=False, message=message)


def load_session(path: str) -> LoadResult:
    """Read a session file. Never raises and never writes: problems come back as defaults + a message."""
    name = os.path.basename(path) or path
    try:
        raw = atomic.read_capped(path, MAX_BYTES)
    except FileNotFoundError:
        return _failed(f"cannot open '{name}': there is no such file; starting with defaults")
    except IsADirectoryError:
        return _failed(f"cannot open '{name}': it is a folder; starting with defaults")
    except atomic.NotRegularFileError as error:
        return _failed(f"cannot open '{name}': it is not a regular file ({error}); starting with defaults")
    except atomic.TooBigError as error:
        return _failed(f"'{name}' is not a calclab session ({error} is far too big); starting with defaults")
    except OSError as error:
        return _failed(f"cannot open '{name}': {error.strerror or error}; starting with defaults")
    try:
        return parse_session(raw, name)
    except Exception as error:  # noqa: BLE001 - the promise: a file can never stop calclab from starting
        return _failed(f"'{name}' could not be read and was left untouched ({type(error).__name__}: {error}); "
                       "starting with defaults")


def _parse_int(digits: str) -> int | float:
    """JSON integers: Python refuses to convert more than 4,300 digits (json.loads raises ValueError), and an int
    over ~308 digits makes float() raise OverflowError in the states' checks. Such a number becomes a float
    (inf when huge), which every state refuses as it refuses any out-of-range value."""
    return int(digits) if len(digits) <= INT_DIGITS_MAX else float(digits)


def _encodable(value: Any) -> bool:
    """False if any text in `value` (keys included, at any depth) has a lone surrogate: JSON's \\ud800 escapes
    decode to one, and Qt's text boxes silently drop it (the tab would run another function than the file says)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def parse_session(raw: bytes, name: str = "the session") -> LoadResult:
    """Validate the bytes of a session file (see load_session)."""
    damaged = f"'{name}' is damaged and was left untouched; starting with defaults"
    if not raw.strip():
        return _failed(f"{damaged} (it is empty)")
    try:
        data = json.loads(raw.decode("utf-8"), parse_int=_parse_int)
    except UnicodeDecodeError:
        return _failed(f"{damaged} (it is not text)")
    except json.JSONDecodeError as error:
        cut = error.pos >= len(error.doc.rstrip()) or error.msg.startswith("Unterminated string")
        where = "it ends too early" if cut else f"not valid JSON at line {error.lineno}, column {error.colno}"
        return _failed(f"{damaged} ({where})")
    except RecursionError:
        return _failed(f"{damaged} (nested too deeply)")
    except ValueError as error:
        return _failed(f"{damaged} ({error})")
    if not isinstance(data, dict):
        return _failed(f"{damaged} (it is not a calclab session)")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        return _failed(f"{damaged} (it has no version number)" if version is None
                       else f"{damaged} (its version number is not valid)")
    if version > VERSION:
        return _failed(f"'{name}' was saved by a newer calclab (format version {version}; this calclab "
                       f"{__version__} reads version {VERSION}); it was left untouched; starting with defaults")
    if version < 1:
        return _failed(f"{damaged} (unknown format version {version})")
    tabs = data.get("tabs", {})
    if not isinstance(tabs, dict):
        return _failed(f"{damaged} ('tabs' is not a table of tab settings)")
    bad = [tab for tab, entry in tabs.items() if not isinstance(entry, dict)]
    if bad:
        return _failed(f"{damaged} (the settings of {', '.join(map(str, bad))} are not a table)")

    states = default_states()
    reset: list[str] = []
    for tab, entry in tabs.items():
        cls = state_class(tab)
        if cls is None:
            continue          # a tab this calclab does not have: ignored
        known = states[tab].to_dict()
        refused = [key for key, value in entry.items() if not (_encodable(key) and _encodable(value))]
        entry = {key: value for key, value in entry.items() if key not in refused}
        try:
            state = cls.from_dict(entry)
        except Exception:  # noqa: BLE001 - one tab's unforeseen value resets that tab, not the whole file
            reset += [f"{tab}.{key}" for key in entry if key in known]
        else:
            states[tab] = state
            reset += [f"{tab}.{key}" for key in _changed_keys(entry, state.to_dict())]
        reset += [f"{tab}.{key}" for key in refused if key in known]
    current = data.get("current_tab")
    result = LoadResult(states, current if isinstance(current, str) and current in TAB_NAMES else None)
    if "learn" in data and _encodable(data["learn"]):
        from calclab.state.learn import LearnProgress

        result.learn = LearnProgress.from_dict(data["learn"])
    if reset:
        result.reset_fields = reset
        shown = ", ".join(reset[:4]) + (f" and {len(reset) - 4} more" if len(reset) > 4 else "")
        result.message = f"'{name}': some settings were not valid and were set to defaults ({shown})"
    return result


def _changed_keys(given: dict, kept: dict) -> list[str]:
    """Keys present in both whose value from_dict did not keep (it replaced an invalid value by a default)."""
    return [key for key in given if key in kept and not _same(given[key], kept[key])]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b) or (math.isnan(float(a)) and math.isnan(float(b)))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def session_data(states: dict[str, Any], current_tab: str | None = None, learn: Any = None) -> dict[str, Any]:
    """The JSON object of a session: states may be state objects (with to_dict) or plain dicts; `learn`, the
    Learn path's progress (with to_dict), goes in its own section, which older calclabs ignore."""
    tabs = {}
    for tab, state in states.items():
        tabs[tab] = _finite_json(state.to_dict() if hasattr(state, "to_dict") else dict(state))
    data: dict[str, Any] = {"version": VERSION, "app": "calclab", "saved_with": __version__}
    if current_tab is not None:
        data["current_tab"] = current_tab
    data["tabs"] = tabs
    if learn is not None:
        data["learn"] = _finite_json(learn.to_dict())
    return data


def session_bytes(states: dict[str, Any], current_tab: str | None = None, learn: Any = None) -> bytes:
    return (json.dumps(session_data(states, current_tab, learn), indent=2, allow_nan=False) + "\n").encode("utf-8")


def _finite_json(value: Any) -> Any:
    """JSON has no inf/nan: they are written as null (from_dict then falls back to the default)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_json(v) for v in value]
    return value


def save_session(path: str, states: dict[str, Any], current_tab: str | None = None, learn: Any = None) -> None:
    """Write a session file (all or nothing); SessionError with a one-line message on failure."""
    try:
        atomic.write_atomic(path, session_bytes(states, current_tab, learn))
    except atomic.WriteError as error:
        raise SessionError(str(error)) from None


# -- the autosave -------------------------------------------------------------------------------------------

def data_home() -> str:
    """The user's data folder, as Qt's GenericDataLocation names it, without importing Qt: $XDG_DATA_HOME (when
    absolute) or ~/.local/share on Linux, ~/Library/Application Support on macOS, %LOCALAPPDATA% on Windows."""
    home = os.path.expanduser("~")
    if sys.platform == "win32":
        return os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Application Support")
    xdg = os.environ.get("XDG_DATA_HOME", "")
    return xdg if os.path.isabs(xdg) else os.path.join(home, ".local", "share")


def home_dir() -> str:
    """Where calclab keeps its autosave (and settings when CALCLAB_HOME is set): created if missing."""
    folder = os.environ.get(HOME_ENV) or os.path.join(data_home(), "calclab")
    os.makedirs(folder, exist_ok=True)
    return folder


class Autosave:
    """This window's autosave slot: `restore()` at start-up, `write()` every few seconds and on exit, `close()`.

    Slots are autosave.calclab, autosave-1.calclab, ...; each running window holds one, locked (an flock on
    SLOT.lock) until it closes, so two windows never write the same file and the one closed last cannot clobber
    the other's work. Restore reads the newest slot (by mtime) that no other window holds and that loads;
    writing goes to the first slot that is free, not held and not damaged, so a damaged autosave is kept byte
    for byte for inspection. Unchanged content is not rewritten.
    """

    def __init__(self, folder: str | None = None) -> None:
        self.folder = folder or home_dir()
        self._last_written: bytes | None = None
        self._damaged: set[str] = set()
        self._lock: _SlotLock | None = None
        self.path = ""
        self.path = self._take_slot()

    def slots(self) -> list[str]:
        names = [f"{AUTOSAVE_NAME}{SUFFIX}"] + [f"{AUTOSAVE_NAME}-{i}{SUFFIX}" for i in range(1, AUTOSAVE_SLOTS)]
        return [os.path.join(self.folder, name) for name in names]

    def close(self) -> None:
        """Give the slot back (the next start may restore it). Also done when the object is collected."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def restore(self) -> LoadResult | None:
        """The newest autosave that loads and no other window holds (None if there is none); damaged ones are
        reported, not used."""
        existing = [p for p in self.slots() if os.path.isfile(p) and (p == self.path or not _SlotLock.held(p))]
        existing.sort(key=os.path.getmtime, reverse=True)
        notes: list[str] = []
        for path in existing:
            result = load_session(path)
            if result.ok:
                self._damaged.discard(path)
                if notes:
                    result.message = "; ".join(notes + ([result.message] if result.message else []))
                return result
            self._damaged.add(path)
            notes.append(f"the autosave in '{self.folder}': {result.message}")
        self.path = self._take_slot()
        if notes:
            return LoadResult(default_states(), None, ok=False, message="; ".join(notes))
        return None

    def _take_slot(self) -> str:
        """Keep the slot we hold unless it turned out damaged; else lock the first slot that no other window
        holds and that does not exist or holds a session that loads (never a damaged file)."""
        if self._lock is not None and self.path not in self._damaged:
            return self.path
        self.close()
        for path in self.slots():
            if path in self._damaged:
                continue
            lock = _SlotLock.acquire(path)
            if lock is None:
                continue                          # another running window's slot
            if os.path.exists(path) and not load_session(path).ok:
                self._damaged.add(path)
                lock.release()
                continue
            self._lock = lock
            return path
        raise SessionError(f"every autosave slot in '{self.folder}' holds a damaged file or is in use by another "
                           "calclab window; autosave is off")

    def write(self, states: dict[str, Any], current_tab: str | None = None, learn: Any = None) -> bool:
        """Save to the slot if anything changed; True if the file was written. SessionError on failure."""
        data = session_bytes(states, current_tab, learn)
        if data == self._last_written and os.path.exists(self.path):
            return False
        if os.path.exists(self.path) and self._last_written is None and not load_session(self.path).ok:
            self._damaged.add(self.path)          # damaged since we chose it: move on, never overwrite
            self.path = self._take_slot()
        try:
            os.makedirs(self.folder, exist_ok=True)
            atomic.write_atomic(self.path, data)
        except OSError as error:
            raise SessionError(f"autosave failed: {atomic.reason(error, self.path)}") from None
        except atomic.WriteError as error:
            raise SessionError(f"autosave failed: {error}") from None
        self._last_written = data
        return True


class _SlotLock:
    """An exclusive flock on SLOT.lock, held while a window runs (the kernel drops it if the process dies).

    The lock is on a separate file because saving replaces the slot's file (a new inode) every time. Where
    there is no flock, or the lock file cannot be made (the write itself will then say why), slots are
    unlocked, as before.
    """

    def __init__(self, fd: int | None) -> None:
        self._fd = fd
        self._finalizer = weakref.finalize(self, os.close, fd) if fd is not None else None

    @classmethod
    def acquire(cls, slot: str) -> _SlotLock | None:
        """The lock on `slot`, or None if another window (or another Autosave in this process) holds it."""
        if fcntl is None:
            return cls(None)
        try:
            fd = os.open(slot + LOCK_SUFFIX, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError:
            return cls(None)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except OSError:                           # no locks on this file system
            os.close(fd)
            return cls(None)
        return cls(fd)

    @staticmethod
    def held(slot: str) -> bool:
        """True if a running window holds `slot` (without taking it)."""
        if fcntl is None:
            return False
        try:
            fd = os.open(slot + LOCK_SUFFIX, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return False
        finally:
            os.close(fd)                          # our probe's shared lock goes with it
        return False

    def release(self) -> None:
        if self._finalizer is not None:
            self._finalizer()                     # closes the descriptor once, which drops the lock
