"""PySide6 reads the source of every module imported after it; calclab spares its Qt-free packages that scan."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from calclab.ui.import_tax import _qt_free

PROBE = textwrap.dedent("""
    import linecache, sys
    import PySide6.QtCore
    if sys.argv[1] == "skip":
        from calclab.ui.import_tax import skip_source_scan
        assert skip_source_scan()
        assert skip_source_scan()          # a second call does not wrap the wrapper
    from calclab.engine.numbers import format_number   # PySide sees the module `from X import` returns
    from calclab.ui.signals import signals_blocked
    qt_free, uses_qt = (sys.modules[f.__module__].__file__ for f in (format_number, signals_blocked))
    print(qt_free in linecache.cache, uses_qt in linecache.cache)
""")


def _scanned(mode: str) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_qt_free_packages_are_not_read_but_qt_modules_still_are() -> None:
    assert _scanned("plain") == "True True"    # PySide's own scan: both modules' source read and kept
    assert _scanned("skip") == "False True"


def test_only_whole_package_names_count_as_qt_free() -> None:
    assert _qt_free("sympy") and _qt_free("sympy.core.add") and _qt_free("calclab.engine.jobs.derivatives")
    assert not _qt_free("sympyish") and not _qt_free("calclab.ui.worker") and not _qt_free("calclab.enginex")
