"""The Derivatives tab's parameter sliders: one row per name of f other than the variable differentiated by.

f = a·sin(b·x) + c gets a row each for a, b and c: a slider over an editable range, the value (type any
number), and a play button that sweeps the value back and forth across the range. No maths here: a row
emits `value_changed(name, value)` and `range_changed(name, low, high)`; the tab writes them to its state and
re-evaluates the already compiled curves (no worker round trip per tick).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QWidget,
)

from calclab.state.derivatives import PARAM_RANGE
from calclab.ui.signals import signals_blocked

SLIDER_STEPS = 400        # positions across a row's range: 0.05 apart on the default -10..10
SPIN_LIMIT = 1e6
SWEEP_MS = 40             # one sweep tick (25 a second)
SWEEP_TICKS = 120         # ticks from one end of the range to the other (about 5 s)


class ParameterRow(QWidget):
    """`name`: a slider between its range's two editable ends, the value, and a play button, on one line."""

    value_changed = Signal(str, float)
    range_changed = Signal(str, float, float)

    def __init__(self, name: str, value: float, value_range: tuple[float, float] = PARAM_RANGE,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._low, self._high = value_range
        self._direction = 1.0
        self._value = float(value)
        self.label = QLabel(f"{name} =")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName(f"slider_held_{name}")
        self.slider.setRange(0, SLIDER_STEPS)
        self.spin = QDoubleSpinBox()
        self.spin.setObjectName(f"spin_held_{name}")
        self.spin.setRange(-SPIN_LIMIT, SPIN_LIMIT)
        self.spin.setDecimals(3)
        self.spin.setMaximumWidth(84)
        self.spin.setSingleStep(0.1)
        self.spin.setToolTip(f"The value of {name} (type any number; the slider covers the range below)")
        self.button_play = QToolButton()
        self.button_play.setObjectName(f"button_play_{name}")
        self.button_play.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.button_play.setCheckable(True)
        self.button_play.setToolTip(f"Sweep {name} back and forth across its range: watch f, f′ and the "
                                    "readouts follow")
        self.spin_low, self.spin_high = _range_spin(f"spin_low_{name}"), _range_spin(f"spin_high_{name}")
        self.spin_low.setToolTip(f"The slider's left end for {name} (type a number, Enter)")
        self.spin_high.setToolTip(f"The slider's right end for {name} (type a number, Enter)")
        layout = QHBoxLayout(self)      # one line: the slider between its two editable ends
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.label)
        layout.addWidget(self.spin_low)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin_high)
        layout.addWidget(self.spin)
        layout.addWidget(self.button_play)
        self._timer = QTimer(self)
        self._timer.setInterval(SWEEP_MS)
        self._timer.timeout.connect(self._on_tick)
        self._show_range()
        self.set_value(value)
        self.slider.valueChanged.connect(self._on_slider_changed)
        self.spin.valueChanged.connect(self._on_spin_changed)
        self.spin_low.editingFinished.connect(self._on_range_edited)
        self.spin_high.editingFinished.connect(self._on_range_edited)
        self.button_play.toggled.connect(self._on_play_toggled)

    def value(self) -> float:
        """The value exactly (the spin box shows it rounded to 3 decimals)."""
        return self._value

    def value_range(self) -> tuple[float, float]:
        return self._low, self._high

    def is_playing(self) -> bool:
        return self._timer.isActive()

    def set_value(self, value: float) -> None:
        """Show `value` without emitting value_changed."""
        self._value = float(value)
        with signals_blocked(self.slider, self.spin):
            self.spin.setValue(value)
            self.slider.setValue(self._position(value))

    def set_range(self, low: float, high: float) -> None:
        """Show the range [low, high] without emitting range_changed."""
        self._low, self._high = low, high
        self._show_range()
        with signals_blocked(self.slider):
            self.slider.setValue(self._position(self.value()))

    def stop(self) -> None:
        self.button_play.setChecked(False)

    def step_sweep(self) -> None:
        """One tick of the sweep: move 1/SWEEP_TICKS of the range, turning round at either end."""
        step = (self._high - self._low) / SWEEP_TICKS
        value = self.value() + self._direction * step
        if value >= self._high or value <= self._low:
            value = min(self._high, max(self._low, value))
            self._direction = -self._direction
        self._emit(round(value, 9))

    # -- internals --------------------------------------------------------------------------------------

    def _show_range(self) -> None:
        with signals_blocked(self.spin_low, self.spin_high):
            self.spin_low.setValue(self._low)
            self.spin_high.setValue(self._high)
        self.slider.setToolTip(f"{self.name} from {self._low:g} to {self._high:g}; the plot and the readouts "
                               "follow as you drag")

    def _position(self, value: float) -> int:
        clamped = min(self._high, max(self._low, value))
        return round((clamped - self._low) / (self._high - self._low) * SLIDER_STEPS)

    def _emit(self, value: float) -> None:
        self.set_value(value)
        self.value_changed.emit(self.name, value)

    def _on_slider_changed(self, position: int) -> None:
        value = round(self._low + position * (self._high - self._low) / SLIDER_STEPS, 6)
        self._value = value
        with signals_blocked(self.spin):
            self.spin.setValue(value)
        self.value_changed.emit(self.name, value)

    def _on_spin_changed(self, value: float) -> None:
        self._value = float(value)
        with signals_blocked(self.slider):
            self.slider.setValue(self._position(value))
        self.value_changed.emit(self.name, float(value))

    def _on_range_edited(self) -> None:
        low, high = float(self.spin_low.value()), float(self.spin_high.value())
        if not low < high:       # refused: the last good range comes back
            self._show_range()
            return
        if (low, high) != (self._low, self._high):
            self.set_range(low, high)
            self.range_changed.emit(self.name, low, high)

    def _on_play_toggled(self, playing: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.button_play.setIcon(self.style().standardIcon(icon))
        if playing:
            self._timer.start()
        else:
            self._timer.stop()

    def _on_tick(self) -> None:
        if not self.isVisible():   # a row of a hidden tab (or one being replaced) sweeps nothing
            self.stop()
            return
        self.step_sweep()


def _range_spin(name: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setObjectName(name)
    spin.setRange(-SPIN_LIMIT, SPIN_LIMIT)
    spin.setDecimals(2)
    spin.setKeyboardTracking(False)
    spin.setButtonSymbols(QDoubleSpinBox.ButtonSymbols.NoButtons)
    spin.setMaximumWidth(56)
    spin.setStyleSheet("color: #555555;")
    return spin


class ParametersPanel(QWidget):
    """A ParameterRow per name, rebuilt when the set of names changes. `sweep_stopped` says a play ended."""

    value_changed = Signal(str, float)
    range_changed = Signal(str, float, float)
    sweep_stopped = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: dict[str, ParameterRow] = {}
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.label_none = QLabel("No parameters: f depends on one variable only. Type a name such as a in "
                                 "a·sin(b·x) + c and it gets a slider.")
        self.label_none.setWordWrap(True)
        self.label_none.setStyleSheet("color: #666666;")
        self._layout.addWidget(self.label_none, 0, 0)

    def set_variables(self, values: dict[str, float], ranges: dict[str, tuple[float, float]] | None = None) -> None:
        """One row per name (in the given order) with its value and range; rows whose name stays are reused."""
        ranges = ranges or {}
        if list(values) != list(self.rows):
            for row in self.rows.values():
                row.stop()
                self._layout.removeWidget(row)
                row.hide()          # at once: deleteLater waits for the event loop to come back to this level
                row.deleteLater()
            self.rows = {}
            for index, (name, value) in enumerate(values.items()):
                row = ParameterRow(name, value, ranges.get(name, PARAM_RANGE))
                row.value_changed.connect(self.value_changed)
                row.range_changed.connect(self.range_changed)
                row.button_play.toggled.connect(lambda playing: None if playing else self.sweep_stopped.emit())
                self._layout.addWidget(row, index + 1, 0)
                self.rows[name] = row
        for name, value in values.items():
            self.rows[name].set_range(*ranges.get(name, PARAM_RANGE))
            self.rows[name].set_value(value)
        self.label_none.setVisible(not self.rows)

    def is_playing(self) -> bool:
        return any(row.is_playing() for row in self.rows.values())

    def stop_all(self) -> None:
        for row in self.rows.values():
            row.stop()
