"""The Learn path's texts, read from resources/learn/ (no Qt): topics in order, each with its paragraphs, an
optional correction of the printed lesson and its Show me targets. A damaged file gives a topic that says so,
never a crash."""

from __future__ import annotations

import json
from dataclasses import dataclass

from calclab import resource_files


@dataclass(frozen=True)
class ShowMe:
    """A button: open `tab` on `preset` and point at `control` (an attribute path on the tab such as
    "inputs.spin_learning_rate", or "#objectName")."""

    label: str
    tab: str
    preset: str
    control: str
    hint: str = ""


@dataclass(frozen=True)
class Topic:
    key: str
    title: str
    paragraphs: tuple[str, ...]
    score: str = ""                 # the quiz topic whose Predict score this topic shows
    note: str = ""                  # what the printed lesson gets wrong here, and what is right
    show_me: tuple[ShowMe, ...] = ()


def _text(value: object, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _topic(key: str) -> Topic:
    try:
        data = json.loads(resource_files.read_text("learn", f"{key}.json"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as error:
        return Topic(key, key, (f"This topic's text could not be read ({type(error).__name__}: {error}).",))
    buttons = []
    for item in data.get("show_me", []) if isinstance(data.get("show_me"), list) else []:
        if isinstance(item, dict) and all(isinstance(item.get(k), str) for k in ("label", "tab", "preset", "control")):
            buttons.append(ShowMe(item["label"], item["tab"], item["preset"], item["control"],
                                  _text(item.get("hint"))))
    paragraphs = data.get("paragraphs", [])
    paragraphs = tuple(p for p in paragraphs if isinstance(p, str)) if isinstance(paragraphs, list) else ()
    return Topic(key, _text(data.get("title"), key), paragraphs, _text(data.get("score")), _text(data.get("note")),
                 tuple(buttons))


def load_path() -> tuple[Topic, ...]:
    """Every topic of the path, in order."""
    try:
        order = json.loads(resource_files.read_text("learn", "path.json")).get("order", [])
    except (OSError, ValueError, AttributeError):
        order = []
    return tuple(_topic(key) for key in order if isinstance(key, str))
