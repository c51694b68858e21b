"""PySide6 reads the source of every module imported after it; calclab answers its question the cheap way."""

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
    from pyqtgraph import mkPen                       # a package that names PySide6 in one module only
    modules = [sys.modules[f.__module__] for f in (format_number, signals_blocked)] + [sys.modules["pyqtgraph.Qt"]]
    answers = sys.modules["shibokensupport.feature"].pyside_feature_dict
    print(*(module.__file__ in linecache.cache for module in modules[:2]),
          *(answers.get(module.__name__) for module in modules))
""")


def _scanned(mode: str) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_shortcut_gives_pysides_answers_without_keeping_any_source() -> None:
    # PySide's own scan: both modules' source read and kept; 0 = uses PySide (feature switching), -1 = ignore
    assert _scanned("plain") == "True True -1 0 0"
    assert _scanned("skip") == "False False -1 0 0"


def test_only_whole_package_names_count_as_qt_free() -> None:
    assert _qt_free("sympy") and _qt_free("sympy.core.add") and _qt_free("calclab.engine.jobs.derivatives")
    assert not _qt_free("sympyish") and not _qt_free("calclab.ui.worker") and not _qt_free("calclab.enginex")
