"""`calclab --install-desktop` / `--uninstall-desktop`: the menu entry, icons and AppStream metainfo in the
user's XDG folders (no Qt, no root), so calclab starts from the desktop's application menu.

    $XDG_DATA_HOME/applications/io.github.calclab.calclab.desktop      (Exec points at this Python)
    $XDG_DATA_HOME/icons/hicolor/scalable/apps/io.github.calclab.calclab.svg
    $XDG_DATA_HOME/icons/hicolor/NxN/apps/io.github.calclab.calclab.png
    $XDG_DATA_HOME/metainfo/io.github.calclab.calclab.metainfo.xml

$XDG_DATA_HOME defaults to ~/.local/share (a relative value is ignored, as the XDG spec says).
"""

from __future__ import annotations

import os
import re
import sys

from calclab import resource_files

APP_ID = "io.github.calclab.calclab"
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def xdg_data_home() -> str:
    """$XDG_DATA_HOME when absolute, else ~/.local/share."""
    value = os.environ.get("XDG_DATA_HOME", "")
    return value if os.path.isabs(value) else os.path.join(os.path.expanduser("~"), ".local", "share")


def _quote(argument: str) -> str:
    """One argument of a desktop entry's Exec key as the Desktop Entry spec wants it: % doubled; an argument
    with other characters double-quoted with " ` $ \\ backslash-escaped, and then (the string escape rule,
    applied first when read) every backslash doubled."""
    argument = argument.replace("%", "%%")
    if re.fullmatch(r"[A-Za-z0-9_./+,:=@%-]+", argument):
        return argument
    quoted = re.sub(r'(["`$\\])', r"\\\1", argument)
    return '"' + quoted.replace("\\", "\\\\") + '"'


def desktop_text(python: str | None = None) -> str:
    """The shipped .desktop file with Exec (and TryExec) pointing at this interpreter's calclab, so the entry
    works from a virtual environment that is not on the menu's PATH."""
    python = python or sys.executable
    command = f"{_quote(python)} -m calclab %f"
    lines = []
    for line in resource_files.read_text("desktop", f"{APP_ID}.desktop").splitlines():
        if line.startswith("Exec="):
            lines += [f"TryExec={python.replace(chr(92), chr(92) * 2)}", f"Exec={command}"]
        elif not line.startswith("TryExec="):
            lines.append(line)
    return "\n".join(lines) + "\n"


def targets(data_home: str | None = None) -> dict[str, tuple[str, ...]]:
    """Each file to install -> its resource path parts (the .desktop file is written from desktop_text)."""
    base = data_home or xdg_data_home()
    files = {
        os.path.join(base, "applications", f"{APP_ID}.desktop"): ("desktop", f"{APP_ID}.desktop"),
        os.path.join(base, "metainfo", f"{APP_ID}.metainfo.xml"): ("desktop", f"{APP_ID}.metainfo.xml"),
        os.path.join(base, "icons", "hicolor", "scalable", "apps", f"{APP_ID}.svg"): ("icons", "calclab.svg"),
    }
    for size in ICON_SIZES:
        folder = os.path.join(base, "icons", "hicolor", f"{size}x{size}", "apps")
        files[os.path.join(folder, f"{APP_ID}.png")] = ("icons", f"calclab-{size}.png")
    return files


def install(data_home: str | None = None) -> list[str]:
    """Write the entry, metainfo and icons; returns the paths written. OSError if a folder cannot be written."""
    written = []
    for path, parts in targets(data_home).items():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if parts[-1].endswith(".desktop"):
            data = desktop_text().encode("utf-8")
        else:
            data = resource_files.resource(*parts).read_bytes()
        temporary = f"{path}.part"
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
        written.append(path)
    _touch_icon_theme(data_home)
    return written


def uninstall(data_home: str | None = None) -> list[str]:
    """Remove what `install` wrote (nothing else); returns the paths removed."""
    removed = []
    for path in targets(data_home):
        if os.path.isfile(path) or os.path.islink(path):
            os.remove(path)
            removed.append(path)
    _touch_icon_theme(data_home)
    return removed


def _touch_icon_theme(data_home: str | None) -> None:
    """Icon caches notice a new icon when the theme folder's time changes."""
    folder = os.path.join(data_home or xdg_data_home(), "icons", "hicolor")
    if os.path.isdir(folder):
        os.utime(folder)


def run(install_it: bool) -> int:
    """The command-line action: say what was done, one line per file; exit status 0, or 1 with one error line."""
    try:
        paths = install() if install_it else uninstall()
    except OSError as error:
        where = f" '{error.filename}'" if error.filename else ""
        print(f"error: cannot {'install' if install_it else 'remove'} the desktop entry{where}: "
              f"{error.strerror or error}", file=sys.stderr)
        return 1
    verb = "installed" if install_it else "removed"
    for path in paths:
        print(f"{verb} {path}")
    if install_it:
        print("calclab is now in the desktop's application menu (Education); "
              "'calclab --uninstall-desktop' takes it out again.")
    elif not paths:
        print("nothing to remove: the desktop entry was not installed")
    return 0
