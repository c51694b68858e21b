"""The Descent tab's control bar (Step, Run/Pause, Reset, speed, epoch), its keys, live labels and table panel.

Everything that changes on every step is built so that it repaints only itself: labels have fixed sizes or
sit in a container without a layout, because a label whose size hint changes makes Qt re-run the window's
layout, and that repaints every widget in the window (about 40 paint events a step instead of a handful).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from calclab.state.descent import SPEED_MAX, SPEED_MIN
from calclab.ui.signals import signals_blocked
from calclab.ui.tabs.descent.table import IterationTableModel, IterationTableView
from calclab.ui.widgets.font_fit import refit_on_font_change

if TYPE_CHECKING:
    from calclab.ui.tabs.descent.tab import DescentTab

SPEED_SLIDER_STEPS = 100


def speed_at(position: int) -> float:
    """Steps a second at a speed slider position: the slider is logarithmic from SPEED_MIN to SPEED_MAX."""
    return SPEED_MIN * (SPEED_MAX / SPEED_MIN) ** (position / SPEED_SLIDER_STEPS)


class LiveLabel(QWidget):
    """A rich-text label of a fixed number of lines whose text can change every step cheaply.

    The QLabel inside is placed by hand (no layout), so setText never asks the tab's layout to run again,
    and it paints its own opaque background, so the widgets behind it are not repainted either.
    """

    def __init__(self, lines: int, scale: float = 1.0, color: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAutoFillBackground(True)
        font = self.label.font()
        font.setPointSizeF(font.pointSizeF() * scale)
        self.label.setFont(font)
        if color:
            self.label.setStyleSheet(f"color: {color};")
        refit_on_font_change(self.label, lambda: self.setFixedHeight(lines * self.label.fontMetrics().lineSpacing()
                                                                      + 4))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.label.setGeometry(self.rect())

    def setText(self, text: str) -> None:  # noqa: N802 - mirrors QLabel
        if text != self.label.text():
            self.label.setText(text)

    def text(self) -> str:
        return self.label.text()


class ControlBar(QWidget):
    """Step, Run/Pause and Reset, the speed slider (1 to 60 steps a second) and the epoch counter."""

    speed_changed = Signal(float)   # steps a second, after the user moved the slider

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.button_step = QPushButton("Step ▸")
        self.button_step.setToolTip("Make exactly one update (Space)")
        self.button_run = QPushButton("Run ▶")
        self.button_run.setToolTip("Animate the updates; press again to pause (Ctrl+R)")
        self.button_reset = QPushButton("Reset ⟲")
        self.button_reset.setToolTip("Back to the start point, history cleared (Ctrl+Shift+R)")
        for button in (self.button_step, self.button_run, self.button_reset):
            button.setMinimumHeight(34)
            font = button.font()
            font.setPointSizeF(font.pointSizeF() * 1.15)
            button.setFont(font)
        self.slider_speed = QSlider(Qt.Orientation.Horizontal)
        self.slider_speed.setRange(0, SPEED_SLIDER_STEPS)
        self.slider_speed.setFixedWidth(110)   # the bar fits beside the inputs in a 1100 px window
        self.slider_speed.setToolTip("Steps a second while running: from 1 to 60 (as fast as the screen draws)")
        self.label_speed = QLabel()
        self.label_epoch = QLabel()
        big = self.label_epoch.font()
        big.setPointSizeF(big.pointSizeF() * 1.4)
        big.setBold(True)
        self.label_epoch.setFont(big)
        self.label_epoch.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        refit_on_font_change(self, self._fit)
        self.label_epoch.setToolTip("Updates made so far / the most this run will make")
        self.label_epoch.setAutoFillBackground(True)   # opaque: a new number repaints only the label
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.button_step, self.button_run, self.button_reset):
            layout.addWidget(widget)
        layout.addSpacing(16)
        layout.addWidget(QLabel("speed"))
        layout.addWidget(self.slider_speed)
        layout.addWidget(self.label_speed)
        layout.addStretch(1)
        layout.addWidget(self.label_epoch)
        self.slider_speed.valueChanged.connect(self._on_slider_speed_changed)

    def _fit(self) -> None:
        """The sizes measured from the fonts (again after View > Zoom changed them)."""
        buttons = (self.button_step, self.button_run, self.button_reset)
        width = max(b.sizeHint().width() for b in buttons)
        pause_width = self.button_run.fontMetrics().horizontalAdvance("Pause ⏸") + 28
        for button in buttons:
            button.setFixedWidth(max(width, pause_width))   # "Run" -> "Pause" must not move anything
        self.label_speed.setFixedWidth(self.label_speed.fontMetrics().horizontalAdvance("60 steps/s  "))
        self.label_epoch.setFixedSize(self.label_epoch.fontMetrics().horizontalAdvance("Epoch 100000 / 100000 "),
                                      self.label_epoch.fontMetrics().height() + 6)

    def set_speed(self, speed: float) -> None:
        """Show `speed` (steps a second) without emitting speed_changed."""
        fraction = math.log(max(speed, SPEED_MIN) / SPEED_MIN) / math.log(SPEED_MAX / SPEED_MIN)
        with signals_blocked(self.slider_speed):
            self.slider_speed.setValue(round(fraction * SPEED_SLIDER_STEPS))
        self.label_speed.setText(f"{speed:.0f} steps/s")

    def set_running(self, running: bool) -> None:
        self.button_run.setText("Pause ⏸" if running else "Run ▶")

    def set_ready(self, ready: bool, can_step: bool) -> None:
        """Run and Reset need runs to exist (a prepared f); Step also needs one that has not finished."""
        self.button_step.setEnabled(can_step)
        self.button_run.setEnabled(ready)
        self.button_reset.setEnabled(ready)

    def _on_slider_speed_changed(self, position: int) -> None:
        speed = speed_at(position)
        self.label_speed.setText(f"{speed:.0f} steps/s")
        self.speed_changed.emit(speed)


class TablePanel(QWidget):
    """The iteration table under a title row with the run chooser (compare mode) and "Copy as text"."""

    def __init__(self, model: IterationTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table_view = IterationTableView(model)
        self.button_copy = QPushButton("Copy as text")
        self.button_copy.setToolTip("Copy the epochs in the lesson's format: Epoch 1: x = 8.0, f(x) = 64.0")
        self.combo_table_run = QComboBox()
        self.combo_table_run.setToolTip("Which optimizer's steps the table lists")
        title = QLabel("Iterations")
        bold = title.font()
        bold.setBold(True)
        title.setFont(bold)
        bar = QHBoxLayout()
        bar.addWidget(title)
        bar.addStretch(1)
        bar.addWidget(self.combo_table_run)
        bar.addWidget(self.button_copy)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bar)
        layout.addWidget(self.table_view, 1)

    def set_run_names(self, names: list[str]) -> None:
        """Offer these runs in the chooser (shown only when there is more than one)."""
        with signals_blocked(self.combo_table_run):
            self.combo_table_run.clear()
            self.combo_table_run.addItems(names)
        self.combo_table_run.setVisible(len(names) > 1)


def arrange(tab: QWidget, inputs: QWidget, above_plots: list[QWidget], function_view: QWidget, loss_view: QWidget,
            table_panel: QWidget, side_plots: QWidget) -> None:
    """The tab's layout: the inputs on the left; on the right the widgets `above_plots`, then the plots over the
    table (the loss over `side_plots`, the η and rate plots)."""
    right = QVBoxLayout()
    for widget in above_plots:
        right.addWidget(widget)
    column = QSplitter(Qt.Orientation.Vertical)
    column.addWidget(loss_view)
    column.addWidget(side_plots)
    column.setStretchFactor(0, 1)
    column.setStretchFactor(1, 1)
    right.addWidget(plots_over_table(function_view, column, table_panel), 1)
    layout = QHBoxLayout(tab)
    layout.addWidget(inputs)
    layout.addLayout(right, 1)


def plots_over_table(function_view: QWidget, loss_view: QWidget, table_panel: QWidget) -> QSplitter:
    """f's plot beside the loss plot (2 : 1), over the iteration table (3 : 1), in splitters the user can drag."""
    top = QSplitter(Qt.Orientation.Horizontal)
    top.addWidget(function_view)
    top.addWidget(loss_view)
    top.setStretchFactor(0, 2)
    top.setStretchFactor(1, 1)
    top.setSizes([720, 360])
    split = QSplitter(Qt.Orientation.Vertical)
    split.addWidget(top)
    split.addWidget(table_panel)
    split.setStretchFactor(0, 3)
    split.setStretchFactor(1, 1)
    split.setSizes([540, 250])
    return split


def bind_keys(tab: DescentTab, controls: ControlBar) -> None:
    """The Step, Run and Reset buttons of `controls`, and their keys: Space steps, Ctrl+R runs or pauses,
    Ctrl+Shift+R resets, while focus is inside `tab` (a text field keeps its own keys, like Space). Step and
    Reset pause a running animation first.

    Buttons, boxes and sliders take focus from the keyboard only (Tab), not from a click: after clicking
    "Compare" the next Space still steps, and a control that does have focus was reached on purpose, so Space
    clicks or opens it as usual.
    """
    def step() -> None:
        tab.pause()
        tab.step()

    def run() -> None:
        tab.pause() if tab.is_running() else tab.run()

    def reset() -> None:
        tab.pause()
        tab.reset()

    button_step = controls.button_step
    for button, slot in ((button_step, step), (controls.button_run, run), (controls.button_reset, reset)):
        button.clicked.connect(slot)
    for widget in tab.findChildren(QAbstractButton) + tab.findChildren(QComboBox) + tab.findChildren(QSlider):
        widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    def on_space() -> None:
        focus = QApplication.focusWidget()
        if isinstance(focus, QAbstractButton) and focus is not button_step:
            focus.animateClick()
        elif isinstance(focus, QComboBox):
            focus.showPopup()
        else:
            step()

    for keys, slot in ((QKeySequence(Qt.Key.Key_Space), on_space), (QKeySequence("Ctrl+R"), run),
                       (QKeySequence("Ctrl+Shift+R"), reset)):
        shortcut = QShortcut(keys, tab)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)
