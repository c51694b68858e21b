"""Spare the modules that never touch Qt PySide6's per-import source scan.

Once PySide6 is imported it sees every later import (for its opt-in `from __feature__ import snake_case`):
for each new module an import statement hands back, it reads the module's whole source with `inspect.getsource`
to look for the word "PySide6", and linecache keeps that text for the life of the process. For SymPy (about 450
modules, 11 MB of source) that is 0.07-0.13 s of a launch and the memory of all its text; NumPy and our own
Qt-free code pay it too.

`skip_source_scan()` answers "does not use PySide" at once for the packages below, which are Qt-free by
construction (the engine and the states never import Qt; SymPy, mpmath and NumPy do not know it exists), so
PySide treats them exactly as its scan would. Anything else is scanned as before. The hook is PySide's own
internal (`shibokensupport.feature._mod_uses_pyside`): if a PySide6 release renames it, nothing is changed
and the launch is only slower.
"""

from __future__ import annotations

import sys

QT_FREE = ("sympy", "mpmath", "numpy", "calclab.engine", "calclab.state")


def _qt_free(name: str) -> bool:
    return any(name == package or name.startswith(package + ".") for package in QT_FREE)


def skip_source_scan() -> bool:
    """Install the shortcut (call after PySide6 is imported); True if PySide's scan was found and wrapped."""
    feature = sys.modules.get("shibokensupport.feature")
    scan = getattr(feature, "_mod_uses_pyside", None)
    if scan is None or getattr(scan, "calclab_wrapped", False):
        return scan is not None

    def uses_pyside(module) -> bool:
        if _qt_free(getattr(module, "__name__", "")):
            return False
        return scan(module)

    uses_pyside.calclab_wrapped = True
    feature._mod_uses_pyside = uses_pyside
    return True
