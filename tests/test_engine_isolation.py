"""The Qt-free core (engine, engine.jobs, state, session, the CLI) never imports Qt; `import calclab` imports
neither SymPy nor Qt; the GUI never imports the command line.

Checked in a fresh interpreter (this test process may already have Qt loaded by other tests).
"""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph", "calclab.ui")

ENGINE_PROBE = """
import json, pkgutil, sys
import calclab.engine, calclab.state
imported = []
for package in (calclab.engine, calclab.state):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        __import__(info.name)
        imported.append(info.name)
for name in ("calclab.cli", "calclab.export_cli", "calclab.session", "calclab.atomic", "calclab.argtypes"):
    __import__(name)
    imported.append(name)
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
                "calclab.engine.functions", "calclab.engine.descent", "calclab.state.options", "calclab.session",
                "calclab.state.descent", "calclab.state.backprop"}
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


def test_every_job_module_is_imported_by_the_probe() -> None:
    """engine/jobs is a package the walk reaches: each job module there is checked too."""
    report = _probe(ENGINE_PROBE)
    jobs = [name for name in report["imported"] if name.startswith("calclab.engine.jobs.")]
    assert jobs, "the probe found no job modules"


def test_the_gui_never_imports_the_command_line() -> None:
    """calclab.ui builds on the engine and the states; what the CLI and the GUI share lives there, not in cli."""
    import ast
    from pathlib import Path

    ui = Path(__file__).resolve().parents[1] / "calclab" / "ui"
    offenders = []
    for path in sorted(ui.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module == "calclab":
                names = [f"calclab.{alias.name}" for alias in node.names]
            if any(n in ("calclab.cli", "calclab.export_cli") or n.startswith("calclab.cli.") for n in names):
                offenders.append(f"{path.relative_to(ui.parent)}:{node.lineno}")
    assert offenders == []


def test_the_window_shell_imports_neither_pyqtgraph_nor_numpy() -> None:
    """The window (menus, View menu and its restyler, empty tabs) paints before the first tab brings pyqtgraph."""
    report = _probe("import json, sys, calclab.ui.main_window, calclab.ui.view_menu\n"
                    "print(json.dumps({'modules': sorted(sys.modules)}))")
    assert "calclab.ui.restyle" in report["modules"]
    assert _offenders(report["modules"], ("pyqtgraph", "numpy", "sympy")) == []
