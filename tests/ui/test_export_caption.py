"""Exported plots say what they show (issue 15, item 13): a caption line over the picture with the tab's function
and settings (`TabBase.export_caption`), on by default, off with `--no-caption` or the Export menu's check item.

Pictures are decoded with Pillow: the caption is a band of its own above the plot (the plot below it is pixel for
pixel the uncaptioned export), with text in it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from calclab.ui import export
from calclab.ui.widgets.plot_panel import PlotPanel, set_curve_data

LESSON = "Descent: f(x) = x^2 · sgd, η = 0.1 · epoch 20"


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory, monkeypatch):
    """QSettings (the caption option among them) go to a fresh folder, never the user's."""
    monkeypatch.setenv("CALCLAB_HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def panel(qtbot):
    panel = PlotPanel("a sine")
    x = np.linspace(-3, 3, 301)
    set_curve_data(panel.add_curve("sin", "#0072B2"), x, np.sin(x))
    qtbot.addWidget(panel)
    panel.resize(640, 420)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def pixels(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB")).astype(int)


def text_rows(band: np.ndarray) -> np.ndarray:
    """Indices of the band's rows holding dark (text) pixels."""
    return np.flatnonzero((band.sum(axis=2) < 350).any(axis=1))


# -- drawing ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scale", [1, 2])
def test_the_caption_is_a_band_over_the_plot_and_hides_none_of_it(panel, tmp_path, scale):
    export.export_png(panel.plot_widget, str(tmp_path / "plain.png"), scale=scale)
    export.export_png(panel.plot_widget, str(tmp_path / "caption.png"), scale=scale, caption=LESSON)
    plain, captioned = pixels(tmp_path / "plain.png"), pixels(tmp_path / "caption.png")
    band = captioned.shape[0] - plain.shape[0]
    assert captioned.shape[1] == plain.shape[1] and 14 * scale < band < 40 * scale
    assert np.array_equal(captioned[band:], plain)          # the plot itself, untouched, under the band
    rows = text_rows(captioned[:band])
    assert len(rows) > 6 * scale and rows[0] > 0 and rows[-1] < band - 1   # text, with room above and below


def test_a_long_caption_wraps_onto_more_lines_and_stays_inside_the_picture(panel, tmp_path):
    long = "Descent: f(x, y) = " + " + ".join(f"sin({k}x)*cos({k}y)" for k in range(1, 60)) + " · adam, η = 0.1"
    export.export_png(panel.plot_widget, str(tmp_path / "short.png"), caption=LESSON)
    export.export_png(panel.plot_widget, str(tmp_path / "long.png"), caption=long)
    short, wrapped = pixels(tmp_path / "short.png"), pixels(tmp_path / "long.png")
    plot_height = panel.plot_widget.viewport().height()
    one_line, lines = short.shape[0] - plot_height, wrapped.shape[0] - plot_height
    assert 2 * one_line < lines < (export.CAPTION_LINES + 2) * one_line   # wrapped, then shortened in the middle
    assert not (wrapped[:lines, -4:].sum(axis=2) < 350).any()           # no text runs off the right edge


def test_an_svg_gets_the_caption_as_text_over_the_plot(panel, tmp_path):
    export.export_svg(panel.plot_widget, str(tmp_path / "plain.svg"))
    export.export_svg(panel.plot_widget, str(tmp_path / "caption.svg"), caption=LESSON)
    boxes = [ET.parse(tmp_path / name).getroot().get("viewBox").split() for name in ("plain.svg", "caption.svg")]
    assert boxes[0][2] == boxes[1][2] and float(boxes[1][3]) > float(boxes[0][3]) + 14
    text = (tmp_path / "caption.svg").read_text(encoding="utf-8")
    assert "Descent: f(x) = x^2" in text and "Descent" not in (tmp_path / "plain.svg").read_text(encoding="utf-8")


# -- the tabs' captions ----------------------------------------------------------------------------------------

def caption(tab) -> str:
    return tab.export_caption().replace("\u00a0", " ")


def test_the_lessons_descent_names_f_the_optimizer_the_rate_and_the_epoch(qtbot, worker):
    from calclab.ui.tabs.descent.tab import DescentTab

    tab = DescentTab(worker)
    qtbot.addWidget(tab)
    qtbot.waitUntil(tab.is_ready, timeout=20_000)
    assert caption(tab) == "Descent: f(x) = x^2 · sgd, η = 0.1 · epoch 0"
    tab.play_to_end()
    assert caption(tab) == LESSON


def test_backprop_names_the_data_the_network_the_rate_and_the_epoch(qtbot, worker):
    from calclab.ui.tabs.backprop.tab import BackpropTab

    tab = BackpropTab(worker)
    qtbot.addWidget(tab)
    assert caption(tab) == "Backprop: XOR · 2-4-1 tanh network · η = 0.5 · epoch 0"
    tab.model.train(10)
    assert caption(tab).endswith("· epoch 10")


@pytest.mark.parametrize(("module", "cls", "expected"), [
    ("derivatives", "DerivativesTab", "Derivatives: f = x^2 · x₀ = 1"),
    ("gradients", "GradientsTab", "Gradients: f = 3x^2 + 2y · at x = 1, y = 2"),
    ("chain_rule", "ChainRuleTab", "Chain Rule: f = (2x+3)^2 · x₀ = 0.5"),
])
def test_the_function_tabs_name_f_and_the_point(qtbot, worker, module, cls, expected):
    import importlib

    tab = getattr(importlib.import_module(f"calclab.ui.tabs.{module}.tab"), cls)(worker)
    qtbot.addWidget(tab)
    assert caption(tab) == expected


def test_a_tab_without_its_own_caption_is_captioned_with_its_title(qtbot, worker):
    from calclab.ui.tabs.base import TabBase

    class Bare(TabBase):
        name = "gradients"

    tab = Bare(worker)
    qtbot.addWidget(tab)
    assert tab.export_caption() == "Gradients"


# -- the window's Export menu and each plot's Export button ---------------------------------------------------

def test_the_export_menus_caption_item_turns_the_caption_on_and_off(qtbot, worker, tmp_path, monkeypatch):
    from calclab.ui.main_window import MainWindow
    from calclab.ui.widgets import export_button

    monkeypatch.setattr(export_button, "ask_save_path", lambda _p, _t, _s, ext: str(tmp_path / f"plot{ext}"))
    monkeypatch.setattr(export_button, "show_error", lambda _p, _t, message: pytest.fail(message))
    window = MainWindow(worker, initial_tab="descent", eager_tabs=False)
    qtbot.addWidget(window)
    window.resize(1100, 700)
    window.show()
    qtbot.waitUntil(lambda: window.tab("descent", build=False) is not None, timeout=10_000)
    tab = window.tab("descent")
    qtbot.waitUntil(tab.is_ready, timeout=20_000)
    menu = window.export_menu
    menu.menu.aboutToShow.emit()
    actions = menu.menu.actions()
    assert actions.index(menu.action_caption) == actions.index(menu.action_light) + 1   # next to it
    assert menu.action_caption.isCheckable() and menu.action_caption.isChecked()          # on by default
    height = tab.main_plot().viewport().height()

    def exported_height() -> int:
        with Image.open(tmp_path / "plot.png") as image:
            return image.height

    menu.action_plot.trigger()   # Ctrl+E
    assert exported_height() > height + 14
    menu.action_caption.setChecked(False)
    menu.action_plot.trigger()
    assert exported_height() == height
    exporter = export_button.exporter_of(tab.main_plot())   # the plot's own Export button says the same
    exporter.menu.aboutToShow.emit()
    assert not exporter.action_caption.isChecked()
    exporter.action_caption.setChecked(True)
    exporter.export_to(str(tmp_path / "plot.png"))
    assert exported_height() > height + 14
    assert exporter.caption_text() == tab.export_caption()
