"""Rotating the 3D surface (issue 16): milliseconds a frame while the camera turns, on the OpenGL renderer under
Xvfb at a 100 x 100 mesh (`surface_frame_ms`, goal <= 33 ms) and on the software renderer offscreen at 60 x 60
(`surface_soft_frame_ms`, goal <= 100 ms), each with its baseline: the same view turning with no mesh in it
(the box and three paths only), measured in the same process, interleaved. A GL frame is timed as
`grabFramebuffer()` (render and read back the pixels: a little more than the screen needs); a software frame
as a synchronous repaint of the view.

Each renderer runs in its own fresh process (`python bench_surface.py --renderer gl|soft --size N --frames F`
prints one JSON line); the OpenGL one under `xvfb-run` (Mesa's software OpenGL), skipped with a note without it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 300


def surface_frames(frames: int = 60, opengl: bool = True) -> tuple[dict, dict]:
    """(raw figures, notes): both renderers (the software one only without `opengl`), each in a fresh process."""
    raw: dict = {}
    notes: dict = {}
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    soft = _run([sys.executable, __file__, "--renderer", "soft", "--size", "60", "--frames", str(frames)],
                {**env, "QT_QPA_PLATFORM": "offscreen"})
    if "error" in soft:
        notes["surface_soft"] = soft["error"]
    else:
        raw.update(surface_soft_frame_ms=soft["frame_ms"], surface_soft_baseline_ms=soft["baseline_ms"])
    if not opengl:
        notes["surface_gl"] = "not measured with --quick (a second process under Xvfb)"
        return raw, notes
    if shutil.which("xvfb-run") is None:
        notes["surface_gl"] = "needs xvfb-run (Debian's xvfb) for OpenGL under Xvfb"
        return raw, notes
    gl_env = {k: v for k, v in env.items() if k != "QT_QPA_PLATFORM"} | {"QT_QPA_PLATFORM": "xcb"}
    gl = _run(["xvfb-run", "-a", "-s", "-screen 0 1400x1000x24", sys.executable, __file__, "--renderer", "gl",
               "--size", "100", "--frames", str(frames)], gl_env)
    if "error" in gl:
        notes["surface_gl"] = gl["error"]
    else:
        raw.update(surface_frame_ms=gl["frame_ms"], surface_baseline_ms=gl["baseline_ms"])
    return raw, notes


def _run(command: list[str], env: dict) -> dict:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {TIMEOUT_S} s"}
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {result.returncode}: {tail}"}
    return json.loads(lines[-1])


def _measure(renderer: str, size: int, frames: int) -> dict:
    import numpy as np
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    from calclab.engine.fields import sample_grid
    from calclab.engine.surface import Line, Marker, axis_labels, box_lines, build_mesh, lifted_path, rank_colors
    from calclab.ui.tabs.descent.contour import LUT
    from calclab.ui.widgets.plot_panel import apply_plot_theme
    from calclab.ui.widgets.surface_view import SurfaceView, opengl_reason

    apply_plot_theme()
    if (renderer == "gl") != (opengl_reason() == ""):
        return {"error": f"the {renderer} renderer is not the one used here ({opengl_reason() or 'OpenGL works'})"}

    def rosenbrock(x, y):
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2

    grid = sample_grid(rosenbrock, (-2.0, 2.0), (-1.0, 3.0), size, size)
    mesh = build_mesh(grid.xs, grid.ys, grid.z, rank_colors(grid.z, LUT))
    t = np.linspace(0.0, 1.0, 100)
    lines = box_lines()
    for shift, color in ((0.0, "#D55E00"), (0.3, "#0072B2"), (0.6, "#6A3D9A")):
        path = np.column_stack((-1.5 + 2.5 * t, 2.0 - t - shift * np.sin(6 * t)))
        lines.append(Line(lifted_path(mesh, path, rosenbrock(path[:, 0], path[:, 1])), color, 3.0))
    markers = [Marker(tuple(line.points[-1]), line.color) for line in lines[2:]]
    labels = axis_labels(("x", "y"), mesh)
    view = SurfaceView()
    view.resize(1100, 700)
    view.show()
    for _ in range(10):
        app.processEvents()
    widget = view.renderer

    def frame() -> None:
        view.orbit(2.0, 0.0)
        if view.opengl:
            widget.grabFramebuffer()   # renders the frame now and reads it back: an upper bound of a frame's cost
        else:
            widget.viewport().repaint()

    def timed(with_mesh: bool) -> float:
        view.set_scene(mesh if with_mesh else None, lines, markers, labels)
        frame()
        start = time.perf_counter()
        for _ in range(max(frames // 6, 1)):
            frame()
        return (time.perf_counter() - start) / max(frames // 6, 1) * 1000

    samples: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(6):
        for with_mesh in (True, False):
            samples[with_mesh].append(timed(with_mesh))
    return {"renderer": renderer, "size": size, "frame_ms": statistics.median(samples[True]),
            "baseline_ms": statistics.median(samples[False])}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--renderer", choices=("gl", "soft"), required=True)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    print(json.dumps(_measure(args.renderer, args.size, args.frames)))
