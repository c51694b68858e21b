"""calclab as a desktop citizen: the icon files, the desktop entry and metainfo (validated by the freedesktop
tools where installed), and --install-desktop / --uninstall-desktop into a temporary XDG_DATA_HOME."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from calclab import __version__, desktop_entry, resource_files

ROOT = Path(__file__).resolve().parent.parent
DESKTOP = Path(str(resource_files.resource("desktop", f"{desktop_entry.APP_ID}.desktop")))
METAINFO = Path(str(resource_files.resource("desktop", f"{desktop_entry.APP_ID}.metainfo.xml")))


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (the PNG signature checked first)."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", path
    return struct.unpack(">II", head[16:24])


def test_every_icon_size_exists_at_its_size():
    assert resource_files.resource("icons", "calclab.svg").is_file()
    for size in desktop_entry.ICON_SIZES:
        assert _png_size(Path(str(resource_files.resource("icons", f"calclab-{size}.png")))) == (size, size)


def _validator(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        pytest.skip(f"{name} is not installed (Debian: apt-get install desktop-file-utils appstream)")
    return tool


def test_the_desktop_entry_validates():
    result = subprocess.run([_validator("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_the_metainfo_validates_offline():
    result = subprocess.run([_validator("appstreamcli"), "validate", "--no-net", "--pedantic", str(METAINFO)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_metainfo_agrees_with_the_project():
    component = ET.parse(METAINFO).getroot()
    assert component.findtext("id") == desktop_entry.APP_ID
    assert component.find("launchable").text == DESKTOP.name
    assert component.find("releases/release").get("version") == __version__
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert component.findtext("project_license") == project["license"]["text"]
    assert f"Icon={desktop_entry.APP_ID}" in DESKTOP.read_text(encoding="utf-8").splitlines()


def _exec_argv(value: str) -> list[str]:
    """An Exec value read as the Desktop Entry spec says: string escapes first (\\\\ is one backslash), then
    arguments split on spaces, double quotes grouping, backslash escaping " ` $ \\ inside them, %% a literal %."""
    value = re.sub(r"\\(.)", lambda m: {"s": " ", "n": "\n", "t": "\t", "r": "\r"}.get(m[1], m[1]), value)
    argv, current, quoted, i = [], None, False, 0
    while i < len(value):
        ch = value[i]
        if quoted and ch == "\\":
            i += 1
            current += value[i]
        elif ch == '"':
            quoted, current = not quoted, current or ""
        elif ch == " " and not quoted:
            if current is not None:
                argv.append(current)
            current = None
        else:
            current = (current or "") + ch
        i += 1
    if current is not None:
        argv.append(current)
    return [arg.replace("%%", "%") for arg in argv if arg != "%f"]


@pytest.mark.parametrize("python", ["/opt/calclab/bin/python3", '/home/ann/my env/$HOME/"py`%thon\\x'])
def test_the_installed_entry_runs_this_python(python, tmp_path):
    text = desktop_entry.desktop_text(python)
    [exec_line] = [line for line in text.splitlines() if line.startswith("Exec=")]
    assert _exec_argv(exec_line.removeprefix("Exec=")) == [python, "-m", "calclab"]
    if shutil.which("desktop-file-validate"):
        entry = tmp_path / f"{desktop_entry.APP_ID}.desktop"
        entry.write_text(text, encoding="utf-8")
        check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
        assert check.returncode == 0 and not check.stdout.strip(), check.stdout


def _run(*args: str, data_home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_DATA_HOME": str(data_home), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "calclab", *args], capture_output=True, text=True, env=env,
                          timeout=60)


def test_install_and_uninstall_into_the_users_xdg_folders(tmp_path):
    data_home = tmp_path / "share"
    result = _run("--install-desktop", data_home=data_home)
    assert result.returncode == 0, result.stderr
    entry = data_home / "applications" / f"{desktop_entry.APP_ID}.desktop"
    icons = [data_home / "icons" / "hicolor" / f"{n}x{n}" / "apps" / f"{desktop_entry.APP_ID}.png"
             for n in desktop_entry.ICON_SIZES]
    svg = data_home / "icons" / "hicolor" / "scalable" / "apps" / f"{desktop_entry.APP_ID}.svg"
    metainfo = data_home / "metainfo" / f"{desktop_entry.APP_ID}.metainfo.xml"
    for path in [entry, svg, metainfo, *icons]:
        assert path.is_file() and str(path) in result.stdout, path
    assert _png_size(icons[-1]) == (512, 512)
    assert f"Exec={desktop_entry._quote(sys.executable)} -m calclab %f" in entry.read_text(encoding="utf-8")
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
        assert check.returncode == 0 and not check.stdout.strip(), check.stdout
    mine = data_home / "applications" / "other.desktop"
    mine.write_text("[Desktop Entry]\n")

    result = _run("--uninstall-desktop", data_home=data_home)
    assert result.returncode == 0, result.stderr
    assert not any(path.exists() for path in [entry, svg, metainfo, *icons])
    assert mine.exists()                                     # nothing but calclab's own files goes
    assert "nothing to remove" in _run("--uninstall-desktop", data_home=data_home).stdout


def test_install_into_a_folder_it_cannot_write_says_so(tmp_path):
    blocker = tmp_path / "share"
    blocker.write_text("a file where the folder should be")
    result = _run("--install-desktop", data_home=blocker)
    assert result.returncode == 1 and result.stderr.startswith("error: cannot install the desktop entry")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_install_and_uninstall_together_are_refused(tmp_path):
    result = _run("--install-desktop", "--uninstall-desktop", data_home=tmp_path)
    assert result.returncode == 2 and "not allowed with" in result.stderr
