"""calclab in a real X window (Xvfb), driven from outside as a user would, then screenshotted.

Skips with a reason when Xvfb or xdotool is missing (`.ci/run` installs both on Debian).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("xdotool")),
                                reason="needs Debian's xvfb and xdotool")

GRAB_SCRIPT = """
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(sys.argv[:1])
QGuiApplication.primaryScreen().grabWindow(0).save(sys.argv[1])
"""


@pytest.fixture
def display(tmp_path: Path):
    """A private Xvfb server; yields its DISPLAY string."""
    for number in range(91, 120):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            break
    else:
        pytest.skip("no free X display number")
    server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1400x1000x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            pytest.skip("Xvfb did not start")
        time.sleep(0.05)
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


def _env(display: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", CALCLAB_HOME=str(home), HOME=str(home))
    return env


def _xdotool(env: dict[str, str], *args: str, timeout: float = 20) -> str:
    result = subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True, timeout=timeout)
    return result.stdout.strip()


def test_real_window_opens_is_driven_and_is_not_blank(display: str, tmp_path: Path) -> None:
    from PIL import Image

    env = _env(display, tmp_path)
    app = subprocess.Popen([sys.executable, "-m", "calclab", "--tab", "descent"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        window = _xdotool(env, "search", "--sync", "--onlyvisible", "--name", "^calclab", timeout=30)
        assert window, "no calclab window appeared"
        window = window.splitlines()[0]
        assert _xdotool(env, "getwindowname", window).startswith("calclab")
        time.sleep(2.0)  # let the tabs build and the worker warm up
        _xdotool(env, "windowfocus", "--sync", window)  # no window manager: focus, not activate
        _xdotool(env, "key", "ctrl+Tab")  # a user switching tabs, through the X server (XTEST)
        time.sleep(0.5)
        shot = tmp_path / "screen.png"
        subprocess.run([sys.executable, "-c", GRAB_SCRIPT, str(shot)], env=env, check=True, timeout=30)
        image = Image.open(shot).convert("RGB")
        assert image.size == (1400, 1000)
        colours = image.getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 50, "the screen is (nearly) blank"
        assert app.poll() is None, "calclab exited early"
    finally:
        if app.poll() is None:
            _xdotool(env, "key", "ctrl+q")  # File > Quit, as a user would
        try:
            _, stderr = app.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            app.kill()
            _, stderr = app.communicate()
    assert "Traceback" not in stderr, stderr
    assert app.returncode == 0, stderr
