"""Make PySide6's per-import source scan cheap: the same answer, without reading modules through `inspect`.

Once PySide6 is imported it sees every later import (for its opt-in `from __feature__ import snake_case`):
for each new module an import statement hands back, it asks `inspect.getsource` for the module's whole source
to look for the word "PySide6", and linecache keeps that text for the life of the process. For SymPy (about 450
modules, 11 MB of source) that was 0.07-0.13 s of a launch and the memory of all its text; NumPy, pyqtgraph, the
standard library and our own code paid it too (35-47 ms in a launch even with SymPy spared).

`skip_source_scan()` replaces the scan with the same question asked cheaply:
- the packages below are Qt-free by construction (the engine and the states never import Qt; SymPy, mpmath and
  NumPy do not know it exists): "does not use PySide" at once;
- any other module with a `.py` file: its raw bytes are searched for b"PySide6" (no decoding into lines, nothing
  kept in linecache), which is what PySide's scan finds in the text;
- anything else (built-in, compiled, no file, unreadable): PySide's own scan.
So PySide treats every module exactly as its scan would. The hook is PySide's own internal
(`shibokensupport.feature._mod_uses_pyside`): if a PySide6 release renames it, nothing is changed and the
launch is only slower.
"""

from __future__ import annotations

import sys

QT_FREE = ("sympy", "mpmath", "numpy", "calclab.engine", "calclab.state")


def _qt_free(name: str) -> bool:
    return any(name == package or name.startswith(package + ".") for package in QT_FREE)


def _source_names_pyside(path: object) -> bool | None:
    """True/False: the .py file at `path` does or does not contain "PySide6"; None: not a readable .py file."""
    if not isinstance(path, str) or not path.endswith(".py"):
        return None
    try:
        with open(path, "rb") as file:
            return b"PySide6" in file.read()
    except OSError:
        return None


def skip_source_scan() -> bool:
    """Install the shortcut (call after PySide6 is imported); True if PySide's scan was found and wrapped."""
    feature = sys.modules.get("shibokensupport.feature")
    scan = getattr(feature, "_mod_uses_pyside", None)
    if scan is None or getattr(scan, "calclab_wrapped", False):
        return scan is not None

    def uses_pyside(module) -> bool:
        if _qt_free(getattr(module, "__name__", "") or ""):
            return False
        found = _source_names_pyside(getattr(module, "__file__", None))
        return scan(module) if found is None else found

    uses_pyside.calclab_wrapped = True
    feature._mod_uses_pyside = uses_pyside
    return True
