"""The window's icon (rendered from the SVG, every size) and Help > About (version, licence, where files live)."""

from __future__ import annotations

import html
import importlib.util
import tomllib
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage

from calclab import __version__, resource_files
from calclab.desktop_entry import ICON_SIZES
from calclab.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]


def _render_script():
    spec = importlib.util.spec_from_file_location("render_icons", ROOT / "scripts" / "render_icons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("size", [16, 48, 256])
def test_the_committed_pngs_are_the_svg_rendered(qapp, size):
    script = _render_script()
    assert script.SIZES == ICON_SIZES
    fresh = script.render(script.ICONS / "calclab.svg", size).convertToFormat(QImage.Format.Format_RGBA8888)
    committed = QImage(str(resource_files.resource("icons", f"calclab-{size}.png")))
    committed = committed.convertToFormat(QImage.Format.Format_RGBA8888)
    assert committed.size() == fresh.size() == QSize(size, size)
    a, b = fresh.constBits().tobytes(), committed.constBits().tobytes()
    assert max(abs(x - y) for x, y in zip(a, b, strict=True)) <= 8   # antialiasing may differ a little


def test_the_window_has_the_icon_at_every_size(qtbot, worker):
    window = MainWindow(worker, eager_tabs=False)
    qtbot.addWidget(window)
    sizes = {size.width() for size in window.windowIcon().availableSizes()}
    assert sizes == set(ICON_SIZES)


def test_about_says_version_licence_and_where_files_live(qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("CALCLAB_HOME", str(tmp_path))
    from calclab.ui import about

    box = about.about_box(None)
    qtbot.addWidget(box)
    text = html.unescape(box.text())
    assert f"calclab {__version__}" in text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert f"Licence: {project['license']['text']}" in text
    assert str(tmp_path / "settings.ini") in text                 # settings, autosaves, the user's presets
    assert f"{tmp_path}</td>" in text and str(tmp_path / "presets") in text
    assert not box.iconPixmap().isNull()
