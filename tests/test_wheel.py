"""Installed from a wheel into a fresh virtual environment, calclab finds every resource (icons, desktop files,
presets) inside the package, not in a checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Run by the fresh environment's Python, from a folder with no calclab/ in it. The installed calclab must come
# first; the test environment's site-packages go last, only for calclab's dependencies (installed --no-deps).
CHECK = """
import json, sys
sys.path.append(sys.argv[1])
import calclab
from calclab import resource_files
from calclab.state import TABS
root = resource_files.root()
found = sorted(str(p.relative_to(root)) for p in __import__("pathlib").Path(str(root)).rglob("*") if p.is_file())
presets = {spec.name: [p.name for p in spec.presets()] for spec in TABS}
print(json.dumps({"package": calclab.__file__, "root": str(root), "files": found, "presets": presets}))
"""


@pytest.mark.slow
def test_a_wheel_installed_in_a_fresh_venv_finds_every_resource(tmp_path):
    source = tmp_path / "source"   # a copy, so the build leaves no build/ or egg-info in the checkout
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("calclab", "resources"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
                           capture_output=True, text=True, timeout=600)
    if build.returncode != 0 and "No matching distribution found for setuptools" in build.stderr:
        pytest.skip("cannot build a wheel: setuptools is not available to pip's isolated build")
    assert build.returncode == 0, build.stderr
    [wheel] = wheels.glob("calclab-*.whl")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
                              str(wheel)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr

    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    run = subprocess.run([str(python), "-c", CHECK, sysconfig.get_paths()["purelib"]], capture_output=True,
                         text=True, cwd=tmp_path, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["package"].startswith(str(venv)) and report["root"].startswith(str(venv))
    shipped = sorted(str(p.relative_to(ROOT / "resources")) for p in (ROOT / "resources").rglob("*")
                     if p.is_file() and "__pycache__" not in p.parts)
    assert report["files"] == shipped
    from calclab.state import TABS

    assert report["presets"] == {spec.name: [p.name for p in spec.presets()] for spec in TABS}
