"""The 3D surface view offscreen (the software renderer: no QOpenGLWidget may be made here) and in the Descent
and Gradients tabs: what it draws, turning and zooming with the mouse, the toggle with the 2-D map, sessions.
The OpenGL renderer is tested in a real X server: tests/ui/test_surface_xvfb.py."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QMatrix4x4, QVector4D

from calclab.engine.fields import sample_grid
from calclab.engine.surface import Camera, Line, Marker, build_mesh, lifted_path, project, rank_colors
from calclab.state.descent import DescentState
from calclab.state.gradients import GradientsState
from calclab.ui.tabs.descent.contour import LUT, contour_map
from calclab.ui.widgets.plot_panel import apply_plot_theme
from calclab.ui.widgets.surface_soft import SoftSurface
from calclab.ui.widgets.surface_view import SurfaceView, opengl_reason, uses_opengl

PATH_BLUE = (0x00, 0x72, 0xB2)


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def pixels(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(widget.grab().toImage().Format.Format_RGB888)
    data = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine())
    return data[:, : image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def near(image: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 30) -> int:
    return int((np.abs(image.astype(int) - rgb).max(axis=-1) <= tolerance).sum())


@pytest.fixture
def view(qtbot):
    apply_plot_theme()
    widget = SurfaceView()
    qtbot.addWidget(widget)
    widget.resize(640, 480)
    widget.show()
    qtbot.waitExposed(widget)
    grid = sample_grid(rosenbrock, (-2.0, 2.0), (-1.0, 3.0), 40, 40)
    mesh = build_mesh(grid.xs, grid.ys, grid.z, rank_colors(grid.z, LUT))
    t = np.linspace(0, 1, 30)
    path = np.column_stack((-1.5 + 2.5 * t, 2.0 - t))
    world = lifted_path(mesh, path, rosenbrock(path[:, 0], path[:, 1]))
    widget.set_scene(mesh, [Line(world, "#0072B2", 4.0)], [Marker(tuple(world[-1]), "#0072B2", 14.0)])
    return widget


def test_offscreen_draws_in_software_and_makes_no_opengl_widget(view):
    from PySide6.QtOpenGLWidgets import QOpenGLWidget

    assert not uses_opengl() and "offscreen" in opengl_reason()
    assert isinstance(view.renderer, SoftSurface) and isinstance(view.renderer, pg.PlotWidget)
    assert not view.findChildren(QOpenGLWidget)


def test_the_software_projection_is_pyqtgraphs_gl_camera():
    """The GLViewWidget's matrices rebuilt with Qt's QMatrix4x4 (its viewMatrix and projectionMatrix code)."""
    camera = Camera(azimuth=-40.0, elevation=35.0, distance=5.0, fov=55.0, center=(0.1, 0.0, 0.5))
    width, height = 700, 500
    view = QMatrix4x4()
    view.translate(0.0, 0.0, -camera.distance)
    view.rotate(camera.elevation - 90, 1, 0, 0)
    view.rotate(camera.azimuth + 90, 0, 0, -1)
    view.translate(-camera.center[0], -camera.center[1], -camera.center[2])
    near_clip = camera.distance * 0.001
    r = near_clip * np.tan(0.5 * np.radians(camera.fov))
    t = r * height / width
    projection = QMatrix4x4()
    projection.frustum(-r, r, -t, t, near_clip, camera.distance * 1000)
    points = np.random.default_rng(3).uniform(-1, 1, (20, 3))
    ours, _depth = project(points, camera, width, height)
    for point, mine in zip(points, ours, strict=True):
        clip = (projection * view).map(QVector4D(*point, 1.0))
        ndc = np.array([clip.x(), clip.y()]) / clip.w()
        expected = ((ndc[0] + 1) / 2 * width, (1 - ndc[1]) / 2 * height)
        assert mine == pytest.approx(expected, abs=1e-3)


def test_the_surface_is_drawn_in_the_maps_colours_with_the_path_on_it(view):
    image = pixels(view)
    valley = LUT[0, :3] * 0.62   # the darkest map colour, at least as dark as the shading leaves it
    assert near(image, PATH_BLUE, 25) > 150                         # the path and its current point
    drawn = (image < 245).any(axis=-1)                              # not the white background
    assert drawn.sum() > 0.08 * image.shape[0] * image.shape[1]     # the surface covers a good part of the view
    assert (image.astype(int).sum(axis=-1) >= valley.sum() - 10).all()   # nothing darker than the darkest shade


def test_drag_turns_and_wheel_zooms(qtbot, view):
    before, image = view.camera(), pixels(view)
    viewport = view.renderer.viewport()
    start = QPoint(320, 240)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 9):
        qtbot.mouseMove(viewport, start + QPoint(10 * step, 2 * step))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=start + QPoint(80, 16))
    turned = view.camera()
    assert turned.azimuth < before.azimuth - 20     # dragged right: the surface turns (as in GLViewWidget)
    assert turned.elevation > before.elevation
    assert not np.array_equal(pixels(view), image)
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    event = QWheelEvent(QPointF(320, 240), QPointF(viewport.mapToGlobal(QPoint(320, 240))), QPoint(0, 0),
                        QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(viewport, event)
    assert view.camera().distance == pytest.approx(turned.distance * 0.999**240)


def test_rank_colours_are_the_contour_maps():
    reference = contour_map(rosenbrock, (-2.0, 2.0), (-1.0, 3.0), size=64)
    grid = sample_grid(rosenbrock, (-2.0, 2.0), (-1.0, 3.0), 64, 64)
    assert np.array_equal(rank_colors(grid.z, LUT), reference.image)


# -- in the tabs --------------------------------------------------------------------------------------------

@pytest.fixture
def descent(qtbot, worker):
    from calclab.ui.tabs.descent.tab import DescentTab

    tab = DescentTab(worker)
    qtbot.addWidget(tab)
    tab.resize(1400, 900)
    tab.show()
    qtbot.waitUntil(tab.is_ready, timeout=15000)
    yield tab
    tab.pause()


def set_descent(qtbot, tab, **changes) -> None:
    state = tab.state
    for key, value in changes.items():
        setattr(state, key, value)
    tab.set_state(state)
    qtbot.waitUntil(lambda: not tab.is_preparing() and tab.is_ready(), timeout=15000)


def test_descent_toggles_the_surface_and_the_paths_roll_on_it(qtbot, descent):
    assert not descent.surface.button.isEnabled()        # the lesson's f(x): no surface
    set_descent(qtbot, descent, expression="x^2 + 10y^2", start=[3.0, 1.0], learning_rate=0.05, epochs=30,
                compare=True, compare_optimizers=["sgd", "momentum", "adam"], x_range=(-4.0, 4.0),
                y_range=(-4.0, 4.0))
    surface = descent.surface
    assert surface.button.isEnabled() and surface.view.isHidden()
    qtbot.mouseClick(surface.button, Qt.MouseButton.LeftButton)
    assert descent.state.surface and not surface.view.isHidden() and descent.main_plot().isHidden()
    names = [name for name, _run in descent.runs]
    assert len(names) == 3
    for _ in range(5):
        descent.step()
    paths = surface.view.lines[2:]                        # after the box's two lines
    assert len(paths) == 3
    for (_name, run), line in zip(descent.runs, paths, strict=True):
        assert len(line.points) == run.epoch + 1 == 6
        # z = f along the path, on the mesh's scale (independently: f at the path's points)
        x, y = run.history.path[:, 0], run.history.path[:, 1]
        f = x**2 + 10 * y**2
        assert np.allclose(line.points[:, 2] - 0.012, surface.mesh.height(f))
    current = [m for m in surface.view.markers if m.symbol == "o"]
    assert len(current) == 3
    qtbot.mouseClick(surface.button, Qt.MouseButton.LeftButton)
    assert not descent.state.surface and surface.view.isHidden() and not descent.main_plot().isHidden()


def test_a_session_with_the_surface_shows_it_and_1d_brings_the_map_back(qtbot, descent):
    state = DescentState.from_dict({**descent.state.to_dict(), "expression": "x^2 + y^2", "start": [1.0, 1.0],
                                    "surface": True})
    assert state.surface
    descent.set_state(state)
    qtbot.waitUntil(lambda: descent.is_ready() and descent.surface.mesh is not None, timeout=15000)
    assert not descent.surface.view.isHidden()
    set_descent(qtbot, descent, expression="x^2", start=[2.0])
    assert descent.surface.view.isHidden() and not descent.main_plot().isHidden()


def test_gradients_draws_the_probes_gradient_on_the_surface(qtbot, worker):
    from calclab.ui.tabs.gradients.plot import ASCENT_COLOR, DESCENT_COLOR
    from calclab.ui.tabs.gradients.tab import GradientsTab

    tab = GradientsTab(worker)
    qtbot.addWidget(tab)
    tab.resize(1300, 850)
    tab.show()
    tab.set_state(GradientsState(expression="x^2 + 3y^2", point={"x": 1.0, "y": 0.5}, show_surface=True))
    qtbot.waitUntil(lambda: tab.worker.is_idle() and tab.variables() == ["x", "y"], timeout=20000)
    qtbot.waitUntil(lambda: tab.surface.mesh is not None, timeout=5000)
    lines = {line.color: line for line in tab.surface.view.lines}
    assert ASCENT_COLOR in lines and DESCENT_COLOR in lines
    ascent = lines[ASCENT_COLOR].points
    mesh = tab.surface.mesh
    base = mesh.to_world([1.0], [0.5], [1.0 + 3 * 0.25])[0]
    assert ascent[0, :2] == pytest.approx(base[:2]) and ascent[1, 2] > ascent[0, 2]   # up the hill
    step = ascent[1] - ascent[0]
    sx, sy = (mesh.xs[-1] - mesh.xs[0]) / 2, (mesh.ys[-1] - mesh.ys[0]) / 2
    assert np.arctan2(step[1] * sy, step[0] * sx) == pytest.approx(np.arctan2(6 * 0.5, 2 * 1.0))   # along ∇f
    probe = list(tab.surface.view.markers)
    assert len(probe) == 1 and probe[0].point[2] == pytest.approx(base[2] + 0.012)
    assert tab.state.show_surface and GradientsState.from_dict(tab.state.to_dict()).show_surface


def test_export_view_surface_renders_the_surface(qtbot, descent, tmp_path):
    from PIL import Image

    from calclab.ui import export

    set_descent(qtbot, descent, expression="x^2 + 10y^2", start=[3.0, 1.0], learning_rate=0.05, epochs=30)
    widget = descent.view_plot("surface")
    assert isinstance(widget, SoftSurface) and descent.state.surface
    out = tmp_path / "s.png"
    export.export_plot(widget, str(out), scale=2, caption=descent.export_caption())
    with Image.open(out) as image:
        assert image.width == 2 * widget.width()
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 200


@pytest.mark.parametrize("tab, options, out", [
    ("descent", ["--expr", "x^2 + 10y^2", "--x0", "3,1", "--lr", "0.05", "--epochs", "20"], "s.png"),
    ("gradients", ["--expr", "x^2 - y^2", "--at", "x=1", "y=0.5"], "s.svg"),
])
def test_calclab_export_view_surface_headless(tmp_path, tab, options, out):
    """`calclab export TAB --view surface` in a fresh process: offscreen, so drawn in software, PNG or SVG."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CALCLAB_HOME": str(tmp_path)}
    path = tmp_path / out
    result = subprocess.run([sys.executable, "-m", "calclab", "export", tab, *options, "--view", "surface",
                             "--size", "700x500", "--out", str(path)], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "QOpenGLWidget" not in result.stderr
    if out.endswith(".svg"):
        text = path.read_text()
        assert text.count("<path") + text.count("<polygon") > 1000   # the mesh's quads, as vectors
    else:
        from PIL import Image

        with Image.open(path) as image:
            assert image.width == 700 and image.height > 500      # the plot under its caption band
            colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 200


@pytest.mark.parametrize("tab_name, state", [
    ("descent", {"expression": "x^2 + 10y^2", "start": [3.0, 1.0], "learning_rate": 0.05, "epochs": 20,
                 "surface": True}),
    ("gradients", {"expression": "x^2 - y^2", "point": {"x": 1.0, "y": 0.5}, "show_surface": True}),
])
def test_the_windows_export_writes_the_surface_while_it_is_shown(qtbot, worker, tmp_path, monkeypatch,
                                                                 tab_name, state):
    """Ctrl+E and the map panel's Export button write what the panel shows: the surface while it is shown (drawn
    in software here), the contour map again once it is toggled off."""
    from PySide6.QtGui import QImage

    from calclab.state import tab_spec
    from calclab.ui import export
    from calclab.ui.main_window import MainWindow
    from calclab.ui.widgets import export_button

    monkeypatch.setenv("CALCLAB_HOME", str(tmp_path / "home"))
    window = MainWindow(worker, eager_tabs=False)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    window.ensure_started()
    window.select_tab(tab_name)
    tab = window.tab(tab_name)
    tab.set_state(tab_spec(tab_name).state_class().from_dict(state))
    qtbot.waitUntil(lambda: tab.is_ready() and tab.surface.mesh is not None, timeout=20000)
    paths = iter(str(tmp_path / name) for name in ("menu.png", "button.png", "map.png"))
    monkeypatch.setattr(export_button, "ask_save_path", lambda *_args: next(paths))

    def pixels(path) -> QImage:
        return QImage(str(path)).convertToFormat(QImage.Format.Format_RGB32)

    def expected(widget, name: str) -> QImage:
        export.export_plot(widget, str(tmp_path / name), caption=tab.export_caption())
        return pixels(tmp_path / name)

    surface, contour = expected(tab.surface.view.renderer, "surface.png"), expected(tab.main_plot(), "contour.png")
    assert surface != contour
    assert window.export_menu.export_plot_interactive() == str(tmp_path / "menu.png")      # Ctrl+E
    assert pixels(tmp_path / "menu.png") == surface
    panel = tab.main_plot().parentWidget()
    panel._calclab_export_button.exporter.export_interactive(".png")                       # the panel's button
    assert pixels(tmp_path / "button.png") == surface
    tab.surface.button.click()                                                             # back to the map
    assert window.export_menu.export_plot_interactive() == str(tmp_path / "map.png")
    assert pixels(tmp_path / "map.png") == expected(tab.main_plot(), "contour-again.png")


def test_a_long_axis_label_is_drawn_whole_and_inside_the_view(view):
    """The axis labels were drawn in a fixed 220 px box: "f(x, y): −0.999435 … 0.938213" lost both ends."""
    from PySide6.QtGui import QFont, QFontMetricsF

    from calclab.ui.widgets.surface_soft import label_rect

    font = QFont()
    font.setPointSize(11)
    text = "f(x, y): −0.999435 … 0.938213"
    advance = QFontMetricsF(font).horizontalAdvance(text)
    assert advance > 220 - 8                                                # the old box was too small for it
    rect = label_rect(advance, 300.0, 50.0, 800.0)
    assert rect.width() >= advance and rect.center().x() == pytest.approx(300.0)
    near_edge = label_rect(advance, 790.0, 50.0, 800.0)                    # at the right edge: moved in, whole
    assert near_edge.right() <= 800.0 and near_edge.width() >= advance
    assert label_rect(advance, 5.0, 50.0, 800.0).left() >= 0.0
