"""--screenshot grabs once the window has settled: no job, no formula, no short timer pending, and event-loop
passes that change nothing. It must not grab before a tab's short timer has done its work, nor wait 50 ms idle
when nothing is left to do."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from calclab import app


class _Idle:
    def is_idle(self) -> bool:
        return True

    def wait_idle(self, _timeout: float) -> bool:
        return True


class _Window(QWidget):
    """What _take_screenshot asks of the window, with a label a 60 ms timer sets (a legend placed again, say)."""

    def __init__(self) -> None:
        super().__init__()
        self.worker = _Idle()
        self.build_errors: list[str] = []
        self.label = QLabel("first")
        QVBoxLayout(self).addWidget(self.label)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(60)
        self.timer.timeout.connect(lambda: self.label.setText("settled"))
        self.grabbed_text = None

    def ensure_started(self) -> None:
        self.timer.start()

    def current_tab_name(self) -> str:
        return "derivatives"

    def tab(self, _name: str, build: bool = True) -> None:
        return None

    def grab(self, *args):
        self.grabbed_text = self.label.text()
        return super().grab(*args)


def test_the_screenshot_waits_for_a_short_timer_but_not_for_the_idle_rule(qtbot, tmp_path):
    window = _Window()
    qtbot.addWidget(window)
    window.show()
    assert app._take_screenshot(window, str(tmp_path / "shot.png"), []) == 0
    assert window.grabbed_text == "settled"          # the timer's work is in the picture
    assert (tmp_path / "shot.png").stat().st_size > 0


def test_a_window_with_nothing_left_to_do_is_quiet_in_a_few_passes(qtbot):
    window = _Window()
    qtbot.addWidget(window)
    window.show()
    qtbot.wait(20)
    assert not app._short_timer_running(window)
    window.timer.start()
    assert app._short_timer_running(window)
    window.timer.stop()
    with app._EventCount() as events:
        window.label.setText("changed")   # a repaint to come: not quiet
        QCoreApplication.processEvents()
        assert events.count > 0
        events.count = 0
        QCoreApplication.processEvents()
        assert events.count == 0          # nothing more: quiet
