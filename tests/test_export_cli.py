"""`calclab export`: every tab renders headless in a subprocess; bad input is one `error:` line and exit 2."""

from __future__ import annotations

import csv
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from calclab.export_cli import OPTION_FLAGS, TAB_OPTIONS


@pytest.fixture
def env(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CALCLAB_HOME": str(home)}
    return environment


def _export(env, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "calclab", "export", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def _picture(path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def _distinct_colours(pixels: np.ndarray) -> int:
    return len({tuple(p) for p in pixels[::3, ::3].reshape(-1, 3)})


def _no_leftovers(folder) -> bool:
    return not [name for name in os.listdir(folder) if name.endswith(".part")]


@pytest.mark.parametrize("tab, options", [
    ("derivatives", ["--expr", "sin(x)", "--at", "x=1"]),
    ("gradients", ["--expr", "x^2 + 3y^2", "--at", "x=1", "y=-1"]),
    ("chain", ["--expr", "sin(x^2)"]),
    ("descent", ["--expr", "x^2 + 10y^2", "--x0", "3,1", "--lr", "0.05", "--epochs", "30"]),
    ("backprop", ["--dataset", "xor", "--epochs", "300", "--seed", "1"]),
])
def test_every_tab_exports_its_main_plot_as_png(env, tmp_path, tab, options):
    out = tmp_path / f"{tab}.png"
    result = _export(env, tab, *options, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "propagateSizeHints" not in result.stderr
    pixels = _picture(out)
    assert pixels.shape[0] > 200 and pixels.shape[1] > 200
    assert _distinct_colours(pixels) > 50
    assert _no_leftovers(tmp_path)


def test_options_change_the_picture_and_scale_doubles_it(env, tmp_path):
    one, other, double = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.png"
    assert _export(env, "derivatives", "--expr", "x^3", "--out", str(one)).returncode == 0
    assert _export(env, "derivatives", "--expr", "cos(3x)", "--out", str(other)).returncode == 0
    assert _export(env, "derivatives", "--expr", "x^3", "--scale", "2", "--out", str(double)).returncode == 0
    a, b, c = _picture(one), _picture(other), _picture(double)
    assert a.shape == b.shape and not np.array_equal(a, b)
    assert c.shape[:2] == (2 * a.shape[0], 2 * a.shape[1])


def test_svg_export_parses_and_has_curves(env, tmp_path):
    out = tmp_path / "chain.svg"
    result = _export(env, "chain", "--expr", "(2x+3)^2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    root = ET.parse(out).getroot()
    paths = [p.get("d", "") for p in root.iter("{http://www.w3.org/2000/svg}path")]
    assert max(d.count("L") for d in paths) > 50     # a sampled curve, not just frames and ticks


def test_descent_gif_has_a_frame_per_epoch_plus_the_start(env, tmp_path):
    out = tmp_path / "descent.gif"
    result = _export(env, "descent", "--expr", "x^2", "--x0", "10", "--lr", "0.1", "--epochs", "12", "--out",
                     str(out))
    assert result.returncode == 0, result.stderr
    with Image.open(out) as gif:
        assert gif.n_frames == 13


def test_backprop_gif_has_a_frame_per_training_tick(env, tmp_path):
    out = tmp_path / "training.gif"
    result = _export(env, "backprop", "--epochs", "100", "--out", str(out))
    assert result.returncode == 0, result.stderr
    from calclab.state.backprop import DEFAULT_PRESET

    speed = DEFAULT_PRESET.make_state().speed
    with Image.open(out) as gif:
        assert gif.n_frames == 1 + -(-100 // speed)


def test_descent_csv_is_the_lessons_table(env, tmp_path):
    out = tmp_path / "steps.csv"
    result = _export(env, "descent", "--expr", "x^2", "--x0", "10", "--lr", "0.1", "--epochs", "6", "--out",
                     str(out))
    assert result.returncode == 0, result.stderr
    with open(out, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0][:3] == ["Epoch", "x", "f(x)"]
    assert len(rows) == 1 + 7
    x = 10.0
    for epoch, row in enumerate(rows[1:]):
        assert int(row[0]) == epoch
        assert float(row[1]) == pytest.approx(x, rel=1e-12)       # x_{k+1} = x_k - 0.1 * 2 x_k
        assert float(row[2]) == pytest.approx(x * x, rel=1e-12)
        if epoch:
            assert float(row[3]) == pytest.approx(2 * x / 0.8, rel=1e-12)   # the gradient at the previous x
        x *= 0.8


@pytest.mark.parametrize("options", [["--optimizer", "adamw", "--weight-decay", "0.01", "--schedule", "cosine",
                                      "--t-max", "20", "--eta-min", "0.001"], ["--optimizer", "newton"]])
def test_descent_exports_adamw_and_newton(env, tmp_path, options):
    """The tab draws every method now: export takes adamw and newton like the others."""
    out = tmp_path / "d.png"
    result = _export(env, "descent", "--expr", "x^2 + 10y^2", "--x0", "3,1", "--epochs", "30", *options,
                     "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert _distinct_colours(_picture(out)) > 50


def test_descent_csv_has_the_scheduled_rate_of_each_epoch(env, tmp_path):
    """StepLR, step_size 2, gamma 0.5 from 0.1: η = 0.1, 0.1, 0.05, 0.05, 0.025; x ← x(1 − 2η) on x²."""
    out = tmp_path / "steps.csv"
    result = _export(env, "descent", "--expr", "x^2", "--x0", "10", "--lr", "0.1", "--epochs", "5", "--schedule",
                     "step", "--step-size", "2", "--gamma", "0.5", "--out", str(out))
    assert result.returncode == 0, result.stderr
    with open(out, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    column = rows[0].index("η")
    x = 10.0
    for row, lr in zip(rows[2:], [0.1, 0.1, 0.05, 0.05, 0.025], strict=True):
        x *= 1 - 2 * lr
        assert float(row[column]) == pytest.approx(lr, rel=1e-15)
        assert float(row[1]) == pytest.approx(x, rel=1e-12)
    assert rows[1][column] == ""                      # the start point used no rate


def test_backprop_csv_is_the_loss_history(env, tmp_path):
    out = tmp_path / "loss.csv"
    result = _export(env, "backprop", "--epochs", "40", "--seed", "3", "--out", str(out))
    assert result.returncode == 0, result.stderr
    with open(out, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["epoch", "train_loss", "test_loss"]
    assert [int(r[0]) for r in rows[1:]] == list(range(41))   # epoch 0 is the start
    losses = [float(r[1]) for r in rows[1:]]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]      # training lowers the loss


def test_a_png_has_a_caption_line_over_the_plot_unless_no_caption(env, tmp_path):
    """What the picture shows is written over it (issue 15): a band of its own, the plot under it unchanged."""
    args = ["descent", "--expr", "x^2", "--x0", "10", "--lr", "0.1", "--epochs", "20", "--size", "400x300"]
    assert _export(env, *args, "--out", str(tmp_path / "caption.png")).returncode == 0
    assert _export(env, *args, "--no-caption", "--out", str(tmp_path / "plain.png")).returncode == 0
    captioned, plain = _picture(tmp_path / "caption.png"), _picture(tmp_path / "plain.png")
    assert plain.shape[:2] == (300, 400)
    band = captioned.shape[0] - 300
    assert captioned.shape[1] == 400 and band > 14
    assert np.array_equal(captioned[band:], plain)
    assert (captioned[:band].sum(axis=2) < 350).any()      # the caption's text


def test_session_file_gives_the_starting_settings(env, tmp_path):
    from calclab.session import save_session
    from calclab.state.descent import DescentState

    session_file = tmp_path / "work.calclab"
    save_session(str(session_file), {"descent": DescentState(expression="x^2", start=[10.0], learning_rate=0.1,
                                                             epochs=3)})
    out = tmp_path / "steps.csv"
    result = _export(env, "descent", "--session", str(session_file), "--out", str(out))
    assert result.returncode == 0, result.stderr
    with open(out, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert [float(r[1]) for r in rows[1:]] == pytest.approx([10.0, 8.0, 6.4, 5.12])


def test_damaged_session_warns_and_goes_on_with_defaults(env, tmp_path):
    session_file = tmp_path / "bad.calclab"
    session_file.write_bytes(b'{"version": 1, "tabs": {')
    out = tmp_path / "chain.png"
    result = _export(env, "chain", "--session", str(session_file), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("warning:") and "damaged" in result.stderr
    assert out.exists() and session_file.read_bytes() == b'{"version": 1, "tabs": {'


@pytest.mark.parametrize("args, message", [
    (["descent", "--out", "{dir}/x.jpg"], "--out must end in"),
    (["descent", "--out", "{dir}/missing/x.png"], "does not exist"),
    (["descent", "--out", "{dir}/folder.png"], "is a folder"),
    (["derivatives", "--expr", "x^^2", "--out", "{dir}/x.png"], "--expr"),
    (["gradients", "--lr", "0.1", "--out", "{dir}/x.png"], "--lr does not apply to the gradients tab"),
    (["descent", "--expr", "x^2 + y^2", "--x0", "1", "--out", "{dir}/x.png"], "--x0 needs 2 value(s)"),
    (["descent", "--expr", "x + y + z", "--x0", "1,1,1", "--out", "{dir}/x.png"], "one or two variables"),
    (["backprop", "--sizes", "3,4,1", "--out", "{dir}/x.png"], "--sizes must start with 2"),
    (["chain", "--out", "{dir}/x.gif"], "has no animation"),
    (["gradients", "--out", "{dir}/x.csv"], "has no data table"),
    (["descent", "--session", "{dir}/none.calclab", "--out", "{dir}/x.png"], "no file"),
    (["integrals", "--out", "{dir}/x.png"], "invalid choice"),
    (["descent"], "--out"),
    (["chain", "--view", "surface", "--out", "{dir}/x.png"], "--view: the chain tab has no view 'surface'"),
])
def test_bad_input_is_one_error_line_and_exit_2_with_nothing_written(env, tmp_path, args, message):
    (tmp_path / "folder.png").mkdir()
    result = _export(env, *[a.format(dir=tmp_path) for a in args], timeout=60)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], result.stderr
    assert os.listdir(tmp_path) == ["folder.png"] and os.listdir(tmp_path / "folder.png") == []


def test_every_tab_option_is_a_cli_option():
    from calclab.cli import build_command_parser

    help_text = build_command_parser()._subparsers._group_actions[0].choices["export"].format_help()
    for options in TAB_OPTIONS.values():
        for dest in options:
            assert OPTION_FLAGS[dest] in help_text and OPTION_FLAGS[dest] == "--" + dest.replace("_", "-")


def test_export_help_lists_it_as_a_command(env):
    result = subprocess.run([sys.executable, "-m", "calclab", "--help"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert "export" in result.stdout


def test_runs_headless_even_with_an_unusable_display(env, tmp_path):
    """No QT_QPA_PLATFORM and a DISPLAY nobody serves: export still goes off screen instead of aborting."""
    headless = {k: v for k, v in env.items() if k != "QT_QPA_PLATFORM"}
    headless["DISPLAY"] = ":987"
    out = tmp_path / "chain.png"
    result = subprocess.run([sys.executable, "-m", "calclab", "export", "chain", "--out", str(out)], env=headless,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert _distinct_colours(_picture(out)) > 50


def test_size_sets_the_plots_pixels_and_scale_multiplies_them(env, tmp_path):
    out = tmp_path / "worksheet.png"
    result = _export(env, "descent", "--size", "640x360", "--scale", "2", "--no-caption", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert _picture(out).shape[:2] == (720, 1280)       # rows, columns: (2 x 360, 2 x 640)
    for bad in ("10x10", "640", "wide", "5000x400"):
        result = _export(env, "descent", "--size", bad, "--out", str(tmp_path / "bad.png"))
        assert result.returncode == 2 and result.stderr.count("\n") == 1 and "WIDTHxHEIGHT" in result.stderr
    assert not (tmp_path / "bad.png").exists()


def test_view_names_the_main_plot_by_default(env, tmp_path):
    """--view takes the registry's views of the tab; its first is the main plot, the default."""
    from calclab.state import tab_spec

    first = tab_spec("chain").views[0]
    named, plain = tmp_path / "named.png", tmp_path / "plain.png"
    assert _export(env, "chain", "--view", first, "--out", str(named)).returncode == 0
    assert _export(env, "chain", "--out", str(plain)).returncode == 0
    assert named.read_bytes() == plain.read_bytes()


# -- long runs (issue 14): the CSV from the engine, sampled GIFs, Ctrl+C ------------------------------------------

@pytest.mark.parametrize("settings", [
    {},                                                                        # the lesson: x^2 from 10, lr 0.1
    {"expression": "x^2 + 10y^2", "start": [3.0, 1.0], "learning_rate": 0.05, "epochs": 40, "optimizer": "adam",
     "show_internals": True},
    {"expression": "x^4 - 3x^2 + x", "start": [2.0], "learning_rate": 0.01, "epochs": 60, "optimizer": "momentum",
     "show_internals": True, "tolerance": 1e-3, "compare": True, "compare_optimizers": ["sgd", "adam"]},
    {"expression": "x^2", "start": [1.0], "learning_rate": 1.5, "epochs": 80},   # diverges: no status row
    {"expression": "x^2", "start": [0.0]},                                     # converged at the start
])
def test_playing_a_descent_to_its_end_gives_the_table_stepping_gives(qtbot, worker, settings):
    """An export runs the tab to its end without drawing each step (play_to_end), and `export --out run.csv`
    makes the table without a window (the registry's table maker): both must be what Step after Step leaves,
    cell for cell (every digit, the same columns)."""
    from calclab.state import tab_spec
    from calclab.state.descent import DescentState
    from calclab.ui.export_sources import table_of
    from calclab.ui.tabs import load_tab_class

    tables, reports = [], []
    for play in (True, False):
        tab = load_tab_class(tab_spec("descent").view_target)(worker)
        qtbot.addWidget(tab)
        tab.set_state(DescentState(**settings))
        qtbot.waitUntil(lambda tab=tab: tab.is_ready() and worker.is_idle(), timeout=15_000)
        if play:
            tab.play_to_end(lambda done, total: reports.append((done, total)))
        else:
            while tab.step():
                pass
        tables.append(table_of(tab))
    assert tables[0] == tables[1]
    assert tab_spec("descent").table_maker()(DescentState(**settings)) == tables[1]


def test_descent_csv_imports_no_qt(env, tmp_path):
    out = tmp_path / "run.csv"
    argv = ["export", "descent", "--expr", "x^2", "--x0", "1", "--epochs", "300", "--out", str(out)]
    code = (f"import sys; from calclab.cli import main; status = main({argv!r}); "
            "print(status, sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))))")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["0", "[]"], result.stderr
    with open(out, newline="", encoding="utf-8") as file:
        assert len(list(csv.reader(file))) == 1 + 301


def test_backprop_csv_losses_are_the_command_lines(env, tmp_path):
    """The tab trains in fewer, larger ticks for a CSV (nothing shows them): the losses are still the same run's."""
    out = tmp_path / "loss.csv"
    assert _export(env, "backprop", "--epochs", "300", "--seed", "3", "--out", str(out)).returncode == 0
    line = subprocess.run([sys.executable, "-m", "calclab", "backprop", "--epochs", "300", "--seed", "3", "--json"],
                          env=env, capture_output=True, text=True, timeout=60)
    with open(out, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))[1:]
    assert [float(r[1]) for r in rows] == json.loads(line.stdout)["losses"]


def test_a_gif_of_more_frames_than_kept_says_how_many_it_kept(env, tmp_path):
    """MAX_GIF_FRAMES lowered to 5 for the test (400 frames take a minute to render): 13 frames keep 5."""
    out = tmp_path / "run.gif"
    argv = ["export", "descent", "--expr", "x^2", "--x0", "10", "--epochs", "12", "--out", str(out)]
    code = ("import sys; import calclab.ui.export as export; export.MAX_GIF_FRAMES = 5; "
            f"from calclab.cli import main; sys.exit(main({argv!r}))")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["note: kept 5 of 13 frames"]
    with Image.open(out) as gif:
        assert gif.n_frames == 5


def test_ctrl_c_stops_a_long_export_with_130_and_writes_nothing(env, tmp_path):
    """SIGINT while the tab steps 100,000 epochs: Qt calls back into Python everywhere, so Ctrl+C is taken
    between steps (a KeyboardInterrupt inside Qt's calls gave tracebacks and crashes); no file, no leftovers."""
    out = tmp_path / "run.png"
    main_fd, terminal_fd = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "calclab", "export", "descent", "--expr", "x^2", "--x0", "1",
                                "--lr", "0.001", "--epochs", "100000", "--out", str(out)],
                               env={**env, "TERM": "xterm"}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=terminal_fd)
    shown, deadline = b"", time.monotonic() + 90
    try:
        while b" / 100,000 [" not in shown and time.monotonic() < deadline:
            if select.select([main_fd], [], [], 0.2)[0]:
                shown += os.read(main_fd, 4096)
        assert b" / 100,000 [" in shown, shown          # the bar: the tab is stepping
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
        while select.select([main_fd], [], [], 0.3)[0]:
            shown += os.read(main_fd, 4096)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(terminal_fd)
        os.close(main_fd)
    assert process.returncode == 130
    assert b"Traceback" not in shown and b"Error" not in shown, shown
    assert os.listdir(tmp_path) == []
