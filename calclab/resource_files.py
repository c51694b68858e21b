"""Where calclab's non-code files live, installed or not.

In a checkout (and an editable install) they are in the top-level ``resources/`` folder; a wheel ships the same
folder inside the package as ``calclab/resources`` (``setup.py`` maps it). Everything that reads a resource goes
through :func:`resource` so that both layouts work.
"""

from __future__ import annotations

from importlib import resources as _importlib_resources
from importlib.abc import Traversable
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent / "resources"


def root() -> Traversable:
    """The resources folder: the installed package's copy first, else the checkout's."""
    installed = _importlib_resources.files("calclab") / "resources"
    if installed.is_dir():
        return installed
    return _CHECKOUT


def resource(*parts: str) -> Traversable:
    """One file or folder under the resources folder, e.g. ``resource("presets", "descent.json")``."""
    node = root()
    for part in parts:
        node = node / part
    return node


def read_text(*parts: str) -> str:
    """The UTF-8 text of one resource file."""
    return resource(*parts).read_text(encoding="utf-8")
