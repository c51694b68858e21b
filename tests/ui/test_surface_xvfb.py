"""The 3D surface's OpenGL renderer in a real X server (Xvfb; Mesa renders OpenGL in software), in a fresh
process: it must be the renderer chosen there, and its framebuffer must show the surface, the path and the
markers (not an empty or one-colour image). Skips with the reason where Xvfb, PyOpenGL or OpenGL is missing.
The offscreen tests (tests/ui/test_surface.py) never make a QOpenGLWidget."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.test_xvfb import display  # noqa: F401 - the fixture: a private Xvfb server

pytestmark = [pytest.mark.xvfb, pytest.mark.skipif(not shutil.which("Xvfb"), reason="needs Debian's xvfb")]

SCRIPT = r"""
import json, sys
import numpy as np
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from calclab.engine.fields import sample_grid
from calclab.engine.surface import Line, Marker, box_lines, build_mesh, lifted_path, rank_colors
from calclab.ui.tabs.descent.contour import LUT
from calclab.ui.widgets.plot_panel import apply_plot_theme
from calclab.ui.widgets.surface_view import SurfaceView, opengl_reason
apply_plot_theme()
if opengl_reason():
    print(json.dumps({"skip": opengl_reason()}))
    sys.exit(0)
f = lambda x, y: x**2 + 10 * y**2
grid = sample_grid(f, (-4.0, 4.0), (-4.0, 4.0), 100, 100)
mesh = build_mesh(grid.xs, grid.ys, grid.z, rank_colors(grid.z, LUT))
t = np.linspace(0, 1, 40)
path = np.column_stack((3 - 3 * t, np.cos(12 * t) * (1 - t)))
world = lifted_path(mesh, path, f(path[:, 0], path[:, 1]))
view = SurfaceView()
view.resize(800, 600)
view.show()
view.set_scene(mesh, box_lines() + [Line(world, "#0072B2", 4.0)], [Marker(tuple(world[-1]), "#D55E00", 16.0)])
for _ in range(20):
    app.processEvents()
from pyqtgraph.opengl import GLViewWidget
image = view.renderer.grabFramebuffer()
image.save(sys.argv[1])
print(json.dumps({"renderer": type(view.renderer).__name__, "is_gl": isinstance(view.renderer, GLViewWidget),
                  "size": [image.width(), image.height()]}))
"""


def test_the_opengl_surface_renders_a_real_picture(display: str, tmp_path: Path) -> None:  # noqa: F811
    pytest.importorskip("OpenGL", reason="needs PyOpenGL")
    import numpy as np
    from PIL import Image

    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", CALCLAB_HOME=str(tmp_path), HOME=str(tmp_path))
    env.pop("CALCLAB_SOFTWARE_3D", None)
    shot = tmp_path / "gl.png"
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(shot)], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    if "skip" in report:
        pytest.skip(f"no OpenGL here: {report['skip']}")
    assert report["is_gl"] and report["size"] == [800, 600]
    assert "Error while drawing" not in result.stderr and "Traceback" not in result.stderr, result.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    background = (pixels >= 250).all(axis=-1)
    assert 0.08 < 1 - background.mean() < 0.9                      # the surface fills part of the view, not all
    blue = (np.abs(pixels - (0x00, 0x72, 0xB2)).max(axis=-1) <= 30).sum()
    orange = (np.abs(pixels - (0xD5, 0x5E, 0x00)).max(axis=-1) <= 30).sum()
    assert blue > 100 and orange > 50                              # the path and the current point, on top
    assert len({tuple(p) for p in pixels[::4, ::4].reshape(-1, 3)}) > 200   # shaded, not flat
