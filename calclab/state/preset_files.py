"""Presets as data (no Qt): the built-in ones in ``resources/presets/<tab>.json``, the user's own one file each.

    resources/presets/<tab>.json        {"version": 1, "presets": [{"name", "description", "state": {...}}, ...]}
    <data dir>/presets/<tab>/<name>.json {"version": 1, "name", "description", "state": {...}}

A preset's ``state`` holds only the fields it sets (the rest are the state's defaults) and goes through the tab
state's tolerant ``from_dict``; a value that ``from_dict`` would not keep (out of range, wrong type, unknown field)
makes the preset invalid rather than silently becoming a default, so a typo in a preset is reported, not hidden.
Built-in presets must all be valid (tests check it); a broken user file is skipped with a one-line message naming
it, and never stops the app.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any

from calclab import resource_files
from calclab.state import Preset

VERSION = 1
USER_FILE_MAX_BYTES = 200_000   # a preset is a few hundred bytes; refuse to read something huge
NAME_MAX = 80                   # characters in a preset's name
DESCRIPTION_MAX = 500


class PresetError(ValueError):
    """A preset (or preset file) that cannot be used; str() is one line naming what is wrong."""


class PresetExistsError(PresetError):
    """The user already has a preset file of that name (save again with replace=True to overwrite it)."""


def _same(a: Any, b: Any) -> bool:
    """JSON-level equality (tuples as lists, 10 == 10.0, nan never equal)."""
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isfinite(a) and float(a) == float(b)
    return a == b


def make_state(state_class: type, data: Any) -> Any:
    """A state from a preset's ``state`` dict, through ``from_dict``; PresetError if any given value is not kept."""
    if not isinstance(data, dict):
        raise PresetError("'state' must be an object of the tab's settings")
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, ValueError, RecursionError):
        raise PresetError("'state' holds text that is not valid Unicode") from None
    state = state_class.from_dict(data)
    kept = state.to_dict()
    for key, value in data.items():
        if key not in kept:
            raise PresetError(f"unknown setting '{key}'")
        if not _same(value, kept[key]):
            shown = json.dumps(value, ensure_ascii=False)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            raise PresetError(f"setting '{key}' = {shown} is not allowed")
    return state


def _text(entry: dict, key: str, limit: int, required: bool = True) -> str:
    value = entry.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise PresetError(f"'{key}' must be {'a non-empty' if required else 'a'} text")
    if len(value) > limit:
        raise PresetError(f"'{key}' is longer than {limit} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PresetError(f"'{key}' is not valid Unicode") from None
    return value.strip() if key == "name" else value


def preset_from_entry(state_class: type, entry: Any) -> Preset:
    """One preset from its JSON object {"name", "description", "state"}; PresetError says what is wrong."""
    if not isinstance(entry, dict):
        raise PresetError("a preset must be an object with 'name', 'description' and 'state'")
    name = _text(entry, "name", NAME_MAX)
    try:
        description = _text(entry, "description", DESCRIPTION_MAX, required=False)
        return Preset(name, description, make_state(state_class, entry.get("state")))
    except PresetError as error:
        raise PresetError(f"preset '{name}': {error}") from None


def _version(doc: Any) -> None:
    if not isinstance(doc, dict):
        raise PresetError("not a preset file (no JSON object)")
    if doc.get("version") != VERSION:
        raise PresetError(f"unsupported version {json.dumps(doc.get('version'))} (this calclab reads {VERSION})")


def parse_builtin(state_class: type, text: str) -> tuple[Preset, ...]:
    """The presets of one built-in file's text: every one valid and named once, else PresetError."""
    try:
        doc = json.loads(text)
    except ValueError as error:
        raise PresetError(f"not valid JSON: {error}") from None
    _version(doc)
    entries = doc.get("presets")
    if not isinstance(entries, list) or not entries:
        raise PresetError("'presets' must be a non-empty list")
    presets = tuple(preset_from_entry(state_class, entry) for entry in entries)
    names = [preset.name for preset in presets]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise PresetError(f"preset names used twice: {', '.join(duplicates)}")
    return presets


def builtin_presets(tab: str, state_class: type) -> tuple[Preset, ...]:
    """The tab's shipped presets, in file order (the lesson's worked examples first). A broken shipped file is a
    packaging bug: PresetError names the file."""
    try:
        return parse_builtin(state_class, resource_files.read_text("presets", f"{tab}.json"))
    except (OSError, PresetError) as error:
        raise PresetError(f"resources/presets/{tab}.json: {error}") from None


# -- the user's presets --------------------------------------------------------------------------------------

def user_dir(tab: str) -> str:
    """<data dir>/presets/<tab>: the folder of the user's presets of one tab (not created here)."""
    from calclab.session import HOME_ENV, data_home

    home = os.environ.get(HOME_ENV) or os.path.join(data_home(), "calclab")
    return os.path.join(home, "presets", tab)


def file_stem(name: str) -> str:
    """A file name (without .json) for a preset called `name`: safe on every platform, readable."""
    stem = re.sub(r'[\x00-\x1f<>:"/\\|?*]+', "_", name.strip()).strip(" .")
    return stem[:NAME_MAX] or "preset"


@dataclass
class UserPresets:
    """What the user's preset folder of one tab holds: the usable presets (sorted by name, named uniquely) and
    one line for each file that was skipped."""

    presets: list[Preset] = field(default_factory=list)
    paths: dict[str, str] = field(default_factory=dict)    # preset name -> its file
    problems: list[str] = field(default_factory=list)


def read_user_file(path: str, state_class: type) -> Preset:
    """One user preset file; PresetError (without the path: the caller names it) if it cannot be used."""
    from calclab import atomic

    try:
        doc = json.loads(atomic.read_capped(path, USER_FILE_MAX_BYTES).decode("utf-8"))
    except OSError as error:
        raise PresetError(f"cannot be read: {error.strerror or error}") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise PresetError(f"not valid JSON: {str(error).splitlines()[0]}") from None
    _version(doc)
    return preset_from_entry(state_class, doc)


def load_user_presets(tab: str, state_class: type, builtin_names: tuple[str, ...] = (),
                      folder: str | None = None) -> UserPresets:
    """The user's presets of `tab`. A broken file is skipped with a message naming it; a name already taken (by a
    built-in preset or another file) gets " (2)", " (3)"... so every entry in the menu stays reachable."""
    folder = folder or user_dir(tab)
    result = UserPresets()
    try:
        names = sorted(entry for entry in os.listdir(folder) if entry.lower().endswith(".json"))
    except OSError:
        return result                       # no folder yet: no user presets
    taken = set(builtin_names)
    for entry in names:
        path = os.path.join(folder, entry)
        try:
            preset = read_user_file(path, state_class)
        except PresetError as error:
            result.problems.append(f"skipped the preset file '{path}': {error}")
            continue
        name, number = preset.name, 2
        while name in taken:
            name, number = f"{preset.name} ({number})", number + 1
        taken.add(name)
        preset = Preset(name, preset.description, preset.state)
        result.presets.append(preset)
        result.paths[name] = path
    result.presets.sort(key=lambda p: p.name.casefold())
    return result


def save_user_preset(tab: str, name: str, description: str, state: Any, folder: str | None = None,
                     replace: bool = False) -> str:
    """Write the user's preset `name` (the full state) and return its path. PresetError for an empty or too
    long name, or (unless `replace`) a file of that name that exists already; atomic.WriteError if the write
    fails."""
    from calclab import atomic

    name = name.strip()
    if not name:
        raise PresetError("a preset needs a name")
    if len(name) > NAME_MAX or len(description) > DESCRIPTION_MAX:
        raise PresetError(f"the name may have at most {NAME_MAX} characters, the description {DESCRIPTION_MAX}")
    folder = folder or user_dir(tab)
    path = os.path.join(folder, file_stem(name) + ".json")
    if os.path.exists(path) and not replace:
        raise PresetExistsError(f"a preset file '{path}' exists already")
    os.makedirs(folder, exist_ok=True)
    doc = {"version": VERSION, "name": name, "description": description, "state": state.to_dict()}
    text = json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    atomic.write_atomic(path, text.encode("utf-8"))
    return path
