"""Exports: PNG at 1x/2x/4x, SVG via QSvgGenerator, light background, GIF, CSV, atomic writes and clear errors.

Images are decoded with Pillow and checked against the plot's own geometry (where a data point must land),
SVG against the curve's data, CSV against hand-computed descent steps.
"""

from __future__ import annotations

import csv
import errno
import io
import math
import os
import re
import xml.etree.ElementTree as ET

import numpy as np
import pyqtgraph as pg
import pytest
from PIL import Image
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage, QPainter

from calclab.ui import export
from calclab.ui.export import ExportError
from calclab.ui.widgets.plot_panel import PlotPanel, set_curve_data

BLUE_HEX = "#0072B2"           # SERIES_COLORS[0]
BLUE = (0x00, 0x72, 0xB2)
ORANGE = (0xD5, 0x5E, 0x00)    # SERIES_COLORS[1]
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory, monkeypatch):
    """QSettings (last folder, light background) go to a fresh folder, never the user's."""
    monkeypatch.setenv("CALCLAB_HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def panel(qtbot):
    panel = PlotPanel("sine and cosine")
    x = np.linspace(-3, 3, 301)
    set_curve_data(panel.add_curve("sin", BLUE_HEX), x, np.sin(x))
    set_curve_data(panel.add_curve("cos", "#D55E00"), x, np.cos(x))
    panel.plot_item.setXRange(-3, 3, padding=0)
    panel.plot_item.setYRange(-1.2, 1.2, padding=0)
    qtbot.addWidget(panel)
    panel.resize(640, 420)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def _pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB")).astype(int)


def _near(pixel, colour, tolerance=60) -> bool:
    return all(abs(int(p) - c) <= tolerance for p, c in zip(pixel, colour, strict=True))


def _device_point(panel: PlotPanel, x: float, y: float) -> tuple[float, float]:
    """Where data point (x, y) is drawn in the plot widget's pixels (1x)."""
    scene_point = panel.plot_item.getViewBox().mapViewToScene(QPointF(x, y))
    view_point = panel.plot_widget.mapFromScene(scene_point)
    return view_point.x(), view_point.y()


def _colour_near(pixels: np.ndarray, px: float, py: float, colour, radius: int) -> bool:
    h, w, _ = pixels.shape
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            xx, yy = int(round(px)) + dx, int(round(py)) + dy
            if 0 <= xx < w and 0 <= yy < h and _near(pixels[yy, xx], colour):
                return True
    return False


# -- PNG ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scale", [1, 2, 4])
def test_png_has_the_requested_size_and_shows_both_curves_where_they_belong(panel, tmp_path, scale):
    path = tmp_path / f"plot@{scale}x.png"
    export.export_png(panel.plot_widget, str(path), scale=scale)
    pixels = _pixels(path)
    viewport = panel.plot_widget.viewport().size()
    assert pixels.shape[:2] == (viewport.height() * scale, viewport.width() * scale)
    assert len({tuple(p) for p in pixels[::5, ::5].reshape(-1, 3)}) > 20          # not blank
    for x in (-2.0, -0.5, 1.0, 2.5):                                               # sin and cos, on the curves
        for func, colour in ((math.sin, BLUE), (math.cos, ORANGE)):
            px, py = _device_point(panel, x, func(x))
            assert _colour_near(pixels, px * scale, py * scale, colour, radius=2 * scale), (x, func.__name__)
    # and not where the curves are not: the point (0, -1) is far from both (sin 0 = 0, cos 0 = 1)
    px, py = _device_point(panel, 0.0, -1.0)
    assert not _colour_near(pixels, px * scale, py * scale, BLUE, radius=scale)


def test_2x_lines_are_twice_as_thick(panel, tmp_path):
    """A 2x export looks like the plot drawn twice as big, not like a bigger canvas with hairlines."""
    thickness = {}
    for scale in (1, 2, 4):
        path = tmp_path / f"t{scale}.png"
        export.export_png(panel.plot_widget, str(path), scale=scale)
        pixels = _pixels(path)
        px, _ = _device_point(panel, -1.5, 0.0)   # sin is steep-free near its minimum at -pi/2
        column = pixels[:, int(px * scale)]
        thickness[scale] = sum(_near(p, BLUE, 70) for p in column)
    assert thickness[1] >= 2
    assert 1.5 <= thickness[2] / thickness[1] <= 2.6
    assert 3.0 <= thickness[4] / thickness[1] <= 5.2


def test_light_background_for_print_is_applied_and_restored(panel, tmp_path):
    panel.plot_widget.setBackground("#101010")
    axis = panel.plot_item.getAxis("left")
    axis.setPen("#EEEEEE")
    axis.setTextPen("#EEEEEE")
    light, dark = tmp_path / "light.png", tmp_path / "dark.png"
    export.export_png(panel.plot_widget, str(light), light=True)
    export.export_png(panel.plot_widget, str(dark), light=False)
    light_pixels, dark_pixels = _pixels(light), _pixels(dark)
    corner = (5, light_pixels.shape[1] - 5)
    assert _near(light_pixels[corner], (255, 255, 255), 5)
    assert _near(dark_pixels[corner], (16, 16, 16), 5)
    # the left axis line is dark on the print version, light on the screen version
    px, _ = _device_point(panel, -3.0, 0.0)
    column = light_pixels[10:-40, max(0, int(px) - 2):int(px) + 1].reshape(-1, 3)
    assert min(p.sum() for p in column) < 200
    # and the widget is back as it was
    assert panel.plot_widget.backgroundBrush().color().name() == "#101010"
    assert axis.pen().color().name() == "#eeeeee" and axis.textPen().color().name() == "#eeeeee"


def test_export_leaves_curve_pens_as_they_were(panel, tmp_path):
    item = panel.plot_item.listDataItems()[0]
    before = item.opts["pen"].widthF()
    export.export_png(panel.plot_widget, str(tmp_path / "p.png"), scale=4)
    assert item.opts["pen"].widthF() == before
    assert item.curve.opts["pen"].widthF() == before


def test_unknown_scale_and_format_are_refused(panel, tmp_path):
    with pytest.raises(ExportError, match="scale"):
        export.export_png(panel.plot_widget, str(tmp_path / "p.png"), scale=3)
    with pytest.raises(ExportError, match=r"\.png or \.svg"):
        export.export_plot(panel.plot_widget, str(tmp_path / "p.jpg"))
    assert list(tmp_path.iterdir()) == []


def test_whole_tab_png_is_the_widget_as_on_screen(panel, tmp_path):
    path = tmp_path / "tab.png"
    export.export_widget_png(panel, str(path))
    pixels = _pixels(path)
    ratio = panel.devicePixelRatioF()
    assert pixels.shape[:2] == (round(panel.height() * ratio), round(panel.width() * ratio))
    assert len({tuple(p) for p in pixels[::4, ::4].reshape(-1, 3)}) > 20


# -- SVG ----------------------------------------------------------------------------------------------------

def _path_points(d: str) -> np.ndarray:
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", d)]
    return np.array(numbers[: len(numbers) // 2 * 2]).reshape(-1, 2)


def test_svg_parses_and_holds_the_curves_data(panel, tmp_path):
    path = tmp_path / "plot.svg"
    export.export_svg(panel.plot_widget, str(path))
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    paths = [p.get("d", "") for p in root.iter(f"{SVG}path")]
    curves = [pts for pts in (_path_points(d) for d in paths) if len(pts) > 100]
    assert len(curves) >= 2
    # Qt writes the curves in data coordinates: each one must follow sin or cos at its own x values
    matched = set()
    for pts in curves:
        for name, func in (("sin", np.sin), ("cos", np.cos)):
            if np.allclose(pts[:, 1], func(pts[:, 0]), atol=1e-3):
                matched.add(name)
    assert matched == {"sin", "cos"}


def test_svg_renders_back_to_a_picture_of_the_plot(panel, tmp_path):
    from PySide6.QtSvg import QSvgRenderer

    path = tmp_path / "plot.svg"
    export.export_svg(panel.plot_widget, str(path))
    renderer = QSvgRenderer(str(path))
    assert renderer.isValid()
    size = panel.plot_widget.viewport().size()
    view_box = renderer.viewBox()
    assert (view_box.width(), view_box.height()) == (size.width(), size.height())
    # the physical size is the screen size at 96 dpi (mm in the file), so it prints as large as it looks
    width_mm = float(ET.parse(path).getroot().get("width").removesuffix("mm"))
    assert width_mm == pytest.approx(size.width() / panel.plot_widget.logicalDpiX() * 25.4, rel=0.01)
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(QColor("magenta"))
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    px, py = _device_point(panel, 1.0, math.sin(1.0))
    found = any(_near(QColor(image.pixel(int(px) + dx, int(py) + dy)).getRgb()[:3], BLUE)
                for dx in range(-2, 3) for dy in range(-2, 3))
    assert found
    assert QColor(image.pixel(size.width() - 3, 3)).name() == "#ffffff"   # the background is painted


# -- GIF and CSV ---------------------------------------------------------------------------------------------

def test_gif_has_one_frame_per_image_with_its_caption(panel, tmp_path):
    frames = [export.caption_frame(export.render_plot(panel.plot_widget), f"epoch {k}") for k in range(7)]
    path = tmp_path / "anim.gif"
    export.export_gif(frames, str(path))
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 7 and gif.info.get("loop") == 0
        viewport = panel.plot_widget.viewport().size()
        assert gif.size[0] == viewport.width() and gif.size[1] > viewport.height()   # caption strip on top


def test_frame_indices_keep_every_frame_or_sample_evenly_with_both_ends():
    assert export.frame_indices(5, limit=10) == [0, 1, 2, 3, 4]
    kept = export.frame_indices(1001, limit=400)
    assert len(kept) == 400 and kept[0] == 0 and kept[-1] == 1000
    gaps = np.diff(kept)
    assert gaps.min() >= 2 and gaps.max() <= 3


def test_frame_indices_of_a_long_run_are_evenly_spaced():
    kept = export.frame_indices(100_001, limit=400)
    gaps = np.diff(kept)
    assert len(kept) == 400 and kept[0] == 0 and kept[-1] == 100_000
    assert gaps.max() - gaps.min() <= 1                    # even: 250 or 251 epochs apart
    assert abs(gaps.mean() - 100_000 / 399) < 1e-9


class _Animated:
    """A tab with an animation of `count` frames whose generator records what animation_frames told it."""

    def __init__(self, count: int, stop_after: int | None = None) -> None:
        self.count, self.stop_after = count, stop_after
        self.hints: list[object] = []

    def has_animation(self) -> bool:
        return True

    def main_plot(self) -> object:
        return object()

    def export_animation(self) -> tuple[int, object]:
        def frames():
            for index in range(self.count if self.stop_after is None else self.stop_after):
                self.hints.append((yield f"epoch {index}"))
        return self.count, frames()


def test_only_kept_frames_are_rendered_and_the_source_hears_which(monkeypatch):
    from calclab.ui import export_sources

    rendered: list[str] = []
    monkeypatch.setattr(export_sources, "render_plot", lambda plot, scale, light: plot)
    monkeypatch.setattr(export_sources, "caption_frame", lambda image, caption: rendered.append(caption) or caption)
    tab, sampled, progress = _Animated(1001), [], []
    frames = list(export_sources.animation_frames(tab, limit=400, sampled=lambda *a: sampled.append(a),
                                                  progress=lambda done, count: progress.append((done, count))))
    keep = export.frame_indices(1001, limit=400)
    assert rendered == frames == [f"epoch {k}" for k in keep]   # 400 renders for 1001 frames, no more
    assert sampled == [(400, 1001)]
    assert tab.hints == [k in keep for k in range(1, 1002)]      # False: that frame will not be drawn (nor 1001)
    assert progress[-1] == (1001, 1001) and len(progress) == 1001


def test_a_run_that_ends_early_still_shows_its_last_frame(monkeypatch):
    from calclab.ui import export_sources

    monkeypatch.setattr(export_sources, "render_plot", lambda plot, scale, light: plot)
    monkeypatch.setattr(export_sources, "caption_frame", lambda image, caption: caption)
    frames = list(export_sources.animation_frames(_Animated(1001, stop_after=17), limit=400))
    assert frames[-1] == "epoch 16" and frames[:-1] == [f"epoch {k}" for k in (0, 3, 5, 8, 10, 13, 15)]
    small = list(export_sources.animation_frames(_Animated(12), limit=400))
    assert small == [f"epoch {k}" for k in range(12)]     # fits: every frame, no sampling


def test_empty_animation_is_an_error_and_writes_nothing(tmp_path):
    with pytest.raises(ExportError, match="nothing to animate"):
        export.export_gif([], str(tmp_path / "a.gif"))
    assert list(tmp_path.iterdir()) == []


def test_csv_round_trips_through_the_csv_module(tmp_path):
    path = tmp_path / "t.csv"
    rows = [[0, 10.0, "a, b"], [1, 0.1 + 0.2, "(1.0, 2.0)"]]
    export.export_csv(str(path), ["epoch", "x", "note"], rows)
    with open(path, newline="", encoding="utf-8") as file:
        read = list(csv.reader(file))
    assert read == [["epoch", "x", "note"], ["0", "10.0", "a, b"], ["1", "0.30000000000000004", "(1.0, 2.0)"]]


def _leftovers(folder) -> list[str]:
    return [name for name in os.listdir(folder) if name.endswith(".part")]


def test_missing_folder_is_a_one_line_error(panel, tmp_path):
    target = tmp_path / "missing" / "plot.png"
    with pytest.raises(ExportError) as info:
        export.export_png(panel.plot_widget, str(target))
    message = str(info.value)
    assert "does not exist" in message and "\n" not in message
    assert not (tmp_path / "missing").exists()


def test_folder_as_target_and_file_as_folder_are_errors(panel, tmp_path):
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(ExportError, match="is a folder"):
        export.export_png(panel.plot_widget, str(tmp_path / "dir.png"))
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError, match="does not exist"):
        export.export_svg(panel.plot_widget, str(tmp_path / "file" / "plot.svg"))
    assert _leftovers(tmp_path) == [] and (tmp_path / "file").read_text() == "x"


def test_full_disk_keeps_the_old_file_and_cleans_up(panel, tmp_path, monkeypatch):
    target = tmp_path / "plot.png"
    target.write_bytes(b"the good old picture")

    def no_space(_fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(ExportError, match="disk is full"):
        export.export_png(panel.plot_widget, str(target), scale=2)
    assert target.read_bytes() == b"the good old picture"
    assert _leftovers(tmp_path) == []


def test_failed_rename_keeps_the_old_file_and_cleans_up(panel, tmp_path, monkeypatch):
    target = tmp_path / "plot.svg"
    target.write_bytes(b"<svg>old</svg>")

    def refuse(_src, _dst):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ExportError, match="no permission"):
        export.export_svg(panel.plot_widget, str(target))
    assert target.read_bytes() == b"<svg>old</svg>"
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_is_a_permission_error(panel, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="no permission"):
            export.export_png(panel.plot_widget, str(folder / "plot.png"))
        assert os.listdir(folder) == []
    finally:
        folder.chmod(0o700)


def test_successful_export_replaces_the_file_with_normal_permissions(panel, tmp_path):
    target = tmp_path / "plot.png"
    target.write_bytes(b"old")
    os.chmod(target, 0o644)
    export.export_png(panel.plot_widget, str(target))
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert os.stat(target).st_mode & 0o777 == 0o644
    assert _leftovers(tmp_path) == []


# -- the export button and context menu -------------------------------------------------------------------------

def test_export_button_writes_through_the_dialog_and_remembers_the_folder(panel, tmp_path, monkeypatch):
    from calclab.ui.widgets import export_button

    asked = []

    def fake_dialog(_parent, _title, suggested, extension):
        asked.append(suggested)
        return str(tmp_path / f"chosen{extension}")

    monkeypatch.setattr(export_button, "ask_save_path", fake_dialog)
    exporter = export_button.attach_export(panel)
    assert panel._calclab_export_button is not None
    assert panel.plot_widget.scene().contextMenu == [exporter.menu.menuAction()]   # pyqtgraph's Export... gone
    assert export_button.attach_export(panel) is exporter                           # idempotent

    exporter.actions_png[2].trigger()
    pixels = _pixels(tmp_path / "chosen.png")
    viewport = panel.plot_widget.viewport().size()
    assert pixels.shape[:2] == (viewport.height() * 2, viewport.width() * 2)
    assert asked[0].endswith("sine-and-cosine@2x.png")
    exporter.action_svg.trigger()
    assert ET.parse(tmp_path / "chosen.svg").getroot().tag == f"{SVG}svg"
    assert os.path.dirname(asked[1]) == str(tmp_path)    # the second dialog starts where the first ended


def test_export_button_shows_a_dialog_on_failure(panel, tmp_path, monkeypatch):
    from calclab.ui.widgets import export_button

    errors = []
    monkeypatch.setattr(export_button, "ask_save_path", lambda *_a: str(tmp_path / "gone" / "x.png"))
    monkeypatch.setattr(export_button, "show_error", lambda _p, title, message: errors.append((title, message)))
    exporter = export_button.attach_export(panel)
    assert exporter.export_interactive(".png") is None
    assert errors and "does not exist" in errors[0][1]


def test_light_background_option_is_remembered(panel, tmp_path):
    from calclab.ui.widgets import export_button

    exporter = export_button.attach_export(panel)
    assert export_button.light_background() is True           # on by default
    exporter.action_light.setChecked(True)
    exporter.action_light.setChecked(False)
    assert export_button.light_background() is False
    panel.plot_widget.setBackground("#000000")
    exporter.export_to(str(tmp_path / "screen.png"))
    assert _near(_pixels(tmp_path / "screen.png")[3, -3], (0, 0, 0), 5)


def test_attach_export_to_tab_covers_panels_and_bare_plots(qtbot):
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from calclab.ui.widgets.export_button import attach_export_to_tab, exporter_of

    tab = QWidget()
    layout = QVBoxLayout(tab)
    panel = PlotPanel("loss")
    bare = pg.PlotWidget()
    layout.addWidget(panel)
    layout.addWidget(bare)
    qtbot.addWidget(tab)
    exporters = attach_export_to_tab(tab, "descent")
    assert len(exporters) == 2
    assert exporter_of(panel.plot_widget).name == "descent-loss"
    assert exporter_of(bare).name == "descent-plot"
    assert attach_export_to_tab(tab, "descent") == [exporter_of(panel.plot_widget)]   # no second button


def test_png_bytes_decode_with_pillow(panel):
    data = export.image_bytes(export.render_plot(panel.plot_widget, 1))
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        assert image.size == (panel.plot_widget.viewport().width(), panel.plot_widget.viewport().height())
