"""Sessions and exports in the window: File > Save/Open, the Export menu (Ctrl+E, CSV, GIF), and - in
subprocesses, because run_gui makes its own QApplication - autosave on exit, after a crash, and with a damaged
autosave left byte for byte.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest
from PIL import Image

from calclab import session
from calclab.ui.main_window import MainWindow
from calclab.ui.tabs import TAB_NAMES

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VIEW_KEYS = {"x_range", "y_range"}   # follow the plot's size and aspect, so they may differ after a round trip


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("CALCLAB_HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def window(qtbot, worker, monkeypatch):
    from calclab.ui import session_controller
    from calclab.ui.widgets import export_button

    messages: list[str] = []
    monkeypatch.setattr(session_controller, "show_message", lambda _p, _t, message: messages.append(message))
    monkeypatch.setattr(export_button, "show_error", lambda _p, _t, message: messages.append(message))
    main_window = MainWindow(worker, eager_tabs=False)
    main_window.messages = messages
    qtbot.addWidget(main_window)
    main_window.resize(1400, 900)
    main_window.show()
    qtbot.waitUntil(lambda: main_window.tab(main_window.current_tab_name(), build=False) is not None, timeout=10000)
    return main_window


def _settle(qtbot, window) -> None:
    qtbot.waitUntil(window.worker.is_idle, timeout=20000)
    qtbot.wait(100)
    qtbot.waitUntil(window.worker.is_idle, timeout=20000)


def _without_view(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in VIEW_KEYS}


def _stateful_tabs(window) -> list[str]:
    return [n for n in TAB_NAMES if hasattr(window.tab(n), "set_state") and session.state_class(n) is not None]


def test_file_menu_has_open_recent_save_and_save_as_before_quit(window):
    texts = [a.text() for a in window.menu_file.actions()]
    assert texts[:4] == ["&Open Session…", "Open &Recent", "&Save Session", "Save Session &As…"]
    assert texts[-1] == "&Quit"
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Presets", "&Export", "&View", "&Help"]
    assert window.export_menu.action_plot.shortcut().toString() == "Ctrl+E"


def test_save_then_open_restores_every_tab(window, qtbot, tmp_path):
    from tests.test_session import _non_default_states

    tabs = _stateful_tabs(window)
    wanted = {name: state for name, state in _non_default_states().items() if name in tabs}
    for name, state in wanted.items():
        window.tab(name).set_state(state)
    _settle(qtbot, window)
    saved = {name: window.tab(name).state.to_dict() for name in tabs}
    path = tmp_path / "lesson.calclab"
    assert window.session.save_to(str(path))
    assert window.windowTitle() == "lesson.calclab — calclab"

    for name in tabs:   # move every tab away, then open the file again
        window.tab(name).set_state(session.state_class(name)())
    _settle(qtbot, window)
    assert window.session.open_path(str(path))
    _settle(qtbot, window)
    for name in tabs:
        assert _without_view(window.tab(name).state.to_dict()) == _without_view(saved[name]), name
    assert window.session.recent_files()[0] == str(path)
    assert window.messages == []


def test_opening_a_damaged_file_keeps_the_work_and_the_file(window, qtbot, tmp_path):
    tabs = _stateful_tabs(window)
    _settle(qtbot, window)
    before = {name: _without_view(window.tab(name).state.to_dict()) for name in tabs}
    damaged = tmp_path / "broken.calclab"
    damaged.write_bytes(b'{"version": 1, "tabs": {"descent": {"expression": "x^')
    assert not window.session.open_path(str(damaged))
    qtbot.waitUntil(lambda: bool(window.messages), timeout=2000)
    assert "broken.calclab" in window.messages[0] and "damaged" in window.messages[0]
    assert damaged.read_bytes() == b'{"version": 1, "tabs": {"descent": {"expression": "x^'
    _settle(qtbot, window)
    assert {name: _without_view(window.tab(name).state.to_dict()) for name in tabs} == before
    assert window.session.current_path is None   # Save will ask for a name, never write over the damaged file


def test_states_of_unbuilt_tabs_come_from_the_session(window, tmp_path):
    if session.state_class("chain") is None:
        pytest.skip("no chain state yet")
    chain = session.state_class("chain")(expression="sin(3x)")
    path = tmp_path / "s.calclab"
    session.save_session(str(path), {"chain": chain})
    assert window.tab("chain", build=False) is None
    assert window.session.open_path(str(path))
    assert window.session.states()["chain"] == chain          # before the tab exists...
    assert window.tab("chain").state.expression == "sin(3x)"  # ...and once it is built


def test_every_built_tab_gets_export_buttons(window):
    from calclab.ui.widgets.export_button import exporter_of
    from calclab.ui.widgets.plot_panel import PlotPanel

    for name in TAB_NAMES:
        tab = window.tab(name)
        for panel in tab.findChildren(PlotPanel):
            assert exporter_of(panel.plot_widget) is not None, name
            assert getattr(panel, "_calclab_export_button", None) is not None, name


def test_ctrl_e_writes_the_current_tabs_main_plot(window, qtbot, tmp_path, monkeypatch):
    from calclab.ui.widgets import export_button

    monkeypatch.setattr(export_button, "ask_save_path", lambda _p, _t, _s, ext: str(tmp_path / f"plot{ext}"))
    window.select_tab("gradients")
    _settle(qtbot, window)
    window.export_menu.action_plot.trigger()
    plot = window.tab("gradients").main_plot()
    with Image.open(tmp_path / "plot.png") as image:   # the plot under its caption line (issue 15)
        assert image.width == plot.viewport().width() and image.height > plot.viewport().height()
        assert len(image.convert("RGB").getcolors(1 << 20)) > 50
    window.export_menu.action_tab.trigger()   # the whole tab, same dialog stub: overwrites plot.png atomically
    tab = window.tab("gradients")
    with Image.open(tmp_path / "plot.png") as image:
        assert image.size == (round(tab.width() * tab.devicePixelRatioF()),
                              round(tab.height() * tab.devicePixelRatioF()))
    assert window.messages == []


def _descent_ready(window, qtbot, epochs_to_step: int):
    from calclab.state.descent import DescentState

    tab = window.tab("descent")
    if not hasattr(tab, "is_ready"):
        pytest.skip("the descent tab is not built yet")
    window.select_tab("descent")
    tab.set_state(DescentState(expression="x^2", start=[10.0], learning_rate=0.1, epochs=20))
    qtbot.waitUntil(tab.is_ready, timeout=20000)
    for _ in range(epochs_to_step):
        assert tab.step()
    return tab


def test_descent_table_exports_as_csv_with_every_digit(window, qtbot, tmp_path, monkeypatch):
    from calclab.ui.widgets import export_button

    _descent_ready(window, qtbot, 4)
    monkeypatch.setattr(export_button, "ask_save_path", lambda _p, _t, _s, ext: str(tmp_path / f"t{ext}"))
    window.export_menu._on_about_to_show()
    assert window.export_menu.action_csv.isEnabled() and window.export_menu.action_gif.isEnabled()
    window.export_menu.action_csv.trigger()
    with open(tmp_path / "t.csv", newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    expected = [10.0, 8.0, 6.4, 5.12, 4.096]     # x <- x - 0.1 * 2x, by hand
    assert [float(r[1]) for r in rows[1:]] == pytest.approx(expected, rel=1e-15)
    assert rows[3][2] == repr(6.4 * 6.4) == "40.96000000000001"    # every digit, as the lesson prints


def test_descent_gif_has_a_frame_per_step_and_leaves_the_run_as_it_was(window, qtbot, tmp_path, monkeypatch):
    from calclab.ui.widgets import export_button

    tab = _descent_ready(window, qtbot, 6)
    before = tab.primary().history.path.copy()
    monkeypatch.setattr(export_button, "ask_save_path", lambda _p, _t, _s, ext: str(tmp_path / f"a{ext}"))
    window.export_menu.action_gif.trigger()
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.n_frames == 6 + 1
    after = tab.primary().history.path
    assert after.shape == before.shape and (after == before).all()


def test_tabs_without_data_have_the_csv_and_gif_entries_disabled(window):
    window.select_tab("derivatives")
    window.export_menu._on_about_to_show()
    assert window.export_menu.action_plot.isEnabled()
    assert not window.export_menu.action_csv.isEnabled()
    assert not window.export_menu.action_gif.isEnabled()


# -- run_gui in a subprocess: start-up restore, autosave on exit and after a crash -----------------------------

DRIVER = r'''
import json, os, sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
import calclab.ui.session_controller as sc
sc.show_message = lambda _p, _t, message: print(f"DIALOG: {message}", file=sys.stderr)
sc.AUTOSAVE_MS = int(os.environ.get("TEST_AUTOSAVE_MS", "10000"))
from calclab.app import run_gui
from calclab.ui.main_window import MainWindow
from calclab.ui.tabs import TAB_NAMES
mode, session = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else None)
start = time.monotonic()

def window():
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))

def report(w):
    states = {n: w.tab(n).state.to_dict() for n in TAB_NAMES if hasattr(w.tab(n), "set_state")}
    return {"states": states, "tab": w.current_tab_name(), "title": w.windowTitle()}

def poll():
    w = window()
    if not all(w.tab(n, build=False) is not None for n in TAB_NAMES) or not w.worker.is_idle() \
            or time.monotonic() - start < 1.0:
        QTimer.singleShot(100, poll)
        return
    if mode in ("change", "crash"):
        from calclab.state.chain_rule import ChainRuleState
        w.tab("chain").set_state(ChainRuleState(mode="parts", outer="exp(u)", inner="3x - 1", x0=0.75))
        w.select_tab("chain")
        if mode == "crash":
            QTimer.singleShot(1500, lambda: os._exit(9))   # no aboutToQuit: only the periodic autosave saves
            return
    QTimer.singleShot(300, lambda: (print(json.dumps(report(w))), QApplication.quit()))

QTimer.singleShot(100, poll)
sys.exit(run_gui(session=session))
'''


def _drive(tmp_path, home, *args: str, autosave_ms: int = 10_000) -> subprocess.CompletedProcess:
    script = tmp_path / "drive.py"
    script.write_text(DRIVER)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CALCLAB_HOME": str(home),
           "TEST_AUTOSAVE_MS": str(autosave_ms), "PYTHONPATH": ROOT}   # this checkout, not the installed one
    return subprocess.run([sys.executable, str(script), *args], env=env, capture_output=True, text=True,
                          timeout=120)


def _report(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


CHAIN = {"mode": "parts", "outer": "exp(u)", "inner": "3x - 1", "x0": 0.75}


def _chain_matches(report: dict) -> bool:
    chain = report["states"]["chain"]
    return all(chain[k] == v for k, v in CHAIN.items())


def test_the_session_is_saved_on_exit_and_restored_on_the_next_start(tmp_path):
    home = tmp_path / "home"
    first = _report(_drive(tmp_path, home, "change"))
    assert _chain_matches(first) and first["tab"] == "chain"
    assert (home / "autosave.calclab").exists()
    second = _report(_drive(tmp_path, home, "report"))
    assert _chain_matches(second) and second["tab"] == "chain"
    for name, state in first["states"].items():
        assert _without_view(second["states"][name]) == _without_view(state), name


def test_a_crash_loses_at_most_the_last_autosave_interval(tmp_path):
    home = tmp_path / "home"
    crashed = _drive(tmp_path, home, "crash", autosave_ms=200)
    assert crashed.returncode == 9
    assert _chain_matches(_report(_drive(tmp_path, home, "report")))


def test_a_damaged_autosave_is_reported_kept_and_never_overwritten(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    damaged = home / "autosave.calclab"
    damaged.write_bytes(b'{"version": 1, "tabs": {"chain": {"outer": "exp(u')
    result = _drive(tmp_path, home, "change")
    report = _report(result)
    assert "DIALOG:" in result.stderr and "damaged" in result.stderr
    assert damaged.read_bytes() == b'{"version": 1, "tabs": {"chain": {"outer": "exp(u'
    assert _chain_matches(report)
    restored = _report(_drive(tmp_path, home, "report"))     # the next start finds the good autosave
    assert _chain_matches(restored)
    assert damaged.read_bytes() == b'{"version": 1, "tabs": {"chain": {"outer": "exp(u'


def test_a_session_file_given_at_start_is_opened(tmp_path):
    if session.state_class("chain") is None:
        pytest.skip("no chain state yet")
    path = tmp_path / "given.calclab"
    session.save_session(str(path), {"chain": session.state_class("chain")(**CHAIN)}, current_tab="chain")
    report = _report(_drive(tmp_path, tmp_path / "home", "report", str(path)))
    assert _chain_matches(report) and report["tab"] == "chain"
    assert report["title"] == "given.calclab — calclab"


def test_a_future_version_file_given_at_start_gives_defaults_and_a_message(tmp_path):
    path = tmp_path / "future.calclab"
    path.write_text(json.dumps({"version": 99, "tabs": {"chain": CHAIN}}))
    result = _drive(tmp_path, tmp_path / "home", "report", str(path))
    report = _report(result)
    assert "DIALOG:" in result.stderr and "newer calclab" in result.stderr
    assert not _chain_matches(report) and report["title"] == "calclab"
    assert json.loads(path.read_text()) == {"version": 99, "tabs": {"chain": CHAIN}}


def test_backprop_gif_replays_the_training_so_far_and_ends_where_it_was(window, qtbot, tmp_path, monkeypatch):
    from calclab.ui.widgets import export_button

    tab = window.tab("backprop")
    if not hasattr(tab, "train_tick"):
        pytest.skip("the backprop tab is not built yet")
    window.select_tab("backprop")
    state = tab.state
    state.epochs, state.speed = 60, 25
    tab.set_state(state)
    tab.train()
    while tab.is_training():
        tab.train_tick()
    losses = list(tab.model.train_losses)
    assert len(losses) == 61   # epochs 0 (the start) to 60
    tab.controls.spin_epochs.setValue(200)   # the next run's length changes; the trained network stays
    assert tab.model.epoch == 60 and tab.state.epochs == 200
    monkeypatch.setattr(export_button, "ask_save_path", lambda _p, _t, _s, ext: str(tmp_path / f"b{ext}"))
    window.export_menu.action_gif.trigger()
    with Image.open(tmp_path / "b.gif") as gif:
        assert gif.n_frames == 1 + 3          # the start, then 25 + 25 + 10 epochs
    assert tab.model.epoch == 60 and tab.model.train_losses == losses   # same seed: the same run again
    assert tab.state.epochs == 200 and tab.controls.spin_epochs.value() == 200
    assert window.messages == []


# -- files that are not what they seem (issue 14) ----------------------------------------------------------------

HUGE_INT = b'{"version": 1' + b"1" * 4400 + b', "tabs": {}}'    # Python refuses ints over 4,300 digits


def test_an_autosave_with_a_huge_integer_is_reported_kept_and_the_app_starts(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    autosave = home / "autosave.calclab"
    autosave.write_bytes(HUGE_INT)
    result = _drive(tmp_path, home, "change")
    report = _report(result)
    assert "DIALOG:" in result.stderr and "autosave.calclab" in result.stderr
    assert autosave.read_bytes() == HUGE_INT
    assert _chain_matches(report)                             # it works, and saves elsewhere
    assert _chain_matches(_report(_drive(tmp_path, home, "report")))
    assert autosave.read_bytes() == HUGE_INT


def test_a_session_file_with_a_huge_integer_given_at_start_gives_defaults_and_names_it(tmp_path):
    path = tmp_path / "huge.calclab"
    path.write_bytes(HUGE_INT)
    result = _drive(tmp_path, tmp_path / "home", "report", str(path))
    report = _report(result)
    assert "DIALOG:" in result.stderr and "huge.calclab" in result.stderr
    assert report["title"] == "calclab" and path.read_bytes() == HUGE_INT


def test_a_screenshot_with_a_fifo_as_session_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe.calclab"
    os.mkfifo(fifo)
    shot = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CALCLAB_HOME": str(tmp_path / "home"), "PYTHONPATH": ROOT}
    try:
        result = subprocess.run([sys.executable, "-m", "calclab", "--screenshot", str(shot), "--tab", "chain",
                                 "--session", str(fifo)], env=env, capture_output=True, text=True, timeout=90,
                                cwd=ROOT)
    except subprocess.TimeoutExpired:
        pytest.fail("the screenshot run hung opening the fifo")
    assert result.returncode == 0, result.stderr
    assert "pipe.calclab" in result.stderr and "not a regular file" in result.stderr
    assert shot.exists()
