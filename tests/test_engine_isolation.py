"""The engine and the CLI never import Qt; `import calclab` imports neither SymPy nor Qt.

Checked in a fresh interpreter (this test process may already have Qt loaded by other tests).
"""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph", "calclab.ui")

ENGINE_PROBE = """
import json, pkgutil, sys
import calclab.engine
imported = []
for info in pkgutil.iter_modules(calclab.engine.__path__, "calclab.engine."):
    __import__(info.name)
    imported.append(info.name)
import calclab.cli
print(json.dumps({"imported": imported, "modules": sorted(sys.modules)}))
"""


def _probe(code: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _offenders(modules: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)]


def test_engine_and_cli_import_no_qt() -> None:
    report = _probe(ENGINE_PROBE)
    expected = {"calclab.engine.parsing", "calclab.engine.calculus", "calclab.engine.numeric",
                "calclab.engine.functions", "calclab.engine.descent"}
    assert expected <= set(report["imported"])  # the probe really imported the engine
    assert "sympy" in report["modules"] and "numpy" in report["modules"]
    assert _offenders(report["modules"], FORBIDDEN) == []


def test_import_calclab_is_light() -> None:
    report = _probe("import json, sys, calclab\nprint(json.dumps({'modules': sorted(sys.modules)}))")
    assert "calclab" in report["modules"]
    assert _offenders(report["modules"], FORBIDDEN + ("sympy", "matplotlib")) == []


def test_the_probe_can_see_qt() -> None:
    """The check itself works: a Qt import does show up as a forbidden module."""
    report = _probe("import json, sys, PySide6.QtCore\nprint(json.dumps({'modules': sorted(sys.modules)}))")
    assert _offenders(report["modules"], FORBIDDEN)
