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


def launch_every_first_view(home: str, env: dict[str, str]) -> None:
    """For the commands that build the generated resources (resources/typeset, resources/results): open every
    tab's first view from this checkout (a screenshot of each) in a fresh CALCLAB_HOME `home`, with `env` added
    (the build switches that make the views record what they ask for)."""
    import os
    import subprocess
    import sys

    from calclab.state import TAB_NAMES

    full = {**os.environ, "CALCLAB_HOME": home, "QT_QPA_PLATFORM": "offscreen", **env}
    full["PYTHONPATH"] = os.pathsep.join([str(_CHECKOUT.parent), full.get("PYTHONPATH", "")])   # this checkout
    for tab in TAB_NAMES:
        subprocess.run([sys.executable, "-m", "calclab", "--tab", tab, "--screenshot",
                        os.path.join(home, f"{tab}.png")], env=full, check=True)
