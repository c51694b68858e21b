"""ProbeView: everything the Gradients tab shows about second derivatives and directions at its probe, put
together: the overlays on the map (curvature directions, u with its handle, the critical points), the strip under
the map (the Hessian panel, the direction panel, the polar plot of D_u f) and the key of the critical points.

It draws what the tab hands it (numbers from calclab.engine.probe) and forwards the user's edits of u as one
signal; the tab owns the state and writes it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QBoxLayout, QLabel, QVBoxLayout, QWidget

from calclab.engine.jobs.gradients import CriticalMarks
from calclab.engine.probe import ProbeCurvature, angle_of, directional_in_plane, unit_direction
from calclab.ui import zoom
from calclab.ui.tabs.gradients.overlays import CriticalOverlay, CurvatureOverlay, DirectionOverlay, critical_key_html
from calclab.ui.tabs.gradients.plot import GradientPlot
from calclab.ui.tabs.gradients.polar import PolarPlot
from calclab.ui.tabs.gradients.probe_panels import DirectionPanel, HessianPanel

STRIP_HEIGHT = (200, 300)   # the strip under the map: room for a 3 x 3 matrix and the polar plot; more on a big screen
COLUMN_WIDTH = 320          # the same, as a column beside the map
COLUMN_MIN_HEIGHT = 720     # a column needs this much height for its three parts
CRITICAL_DELAY_MS = 350     # after the view stops moving, look for critical points again
KEY_TIP = ("The critical points of f in the visible range, found again when you pan or zoom. Hover over one for "
           "its value; click it to put the probe on it.")
STRIP_SHARE = 0.27          # of the tab's height, within STRIP_HEIGHT
CURVATURE_LENGTH = 0.16     # the longest curvature segment's half-length, as a share of the visible range
DIRECTION_LENGTH = 0.13     # u's arrow (shorter than ∇f's 0.2, so the handle never hides ∇f's tip)


@dataclass(frozen=True)
class ProbeValues:
    """What the probe shows, in numbers: where it is on the map, ∇f there (all of it, and its two plotted
    components) and the Hessian (None where it has no value)."""

    names: tuple[str, ...]             # f's variables
    axes: tuple[str, str]              # the plotted (across, up) variables
    x: float
    y: float
    gradient: tuple[float, ...]
    plane_gradient: tuple[float, float]
    curvature: ProbeCurvature | None


class KeyLabel(QLabel):
    """The critical points' key under the map: always there at a fixed height, so the map's height (its range and
    picture) never changes with the key's text. One line at 100 %; zoomed, two lines that wrap, so the key never
    makes the window wider than the screen (at 200 % the line is wider than a 1920 px window leaves it)."""

    def __init__(self) -> None:
        super().__init__()
        self._fit()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit()

    def _fit(self) -> None:
        lines = 1 if zoom.percent() == zoom.DEFAULT else 2
        self.setWordWrap(lines > 1)
        self.setFixedHeight(lines * self.fontMetrics().lineSpacing() + 8)


class ProbeView(QObject):
    """The overlays, the strip under the map and the critical points' key (see the module docstring)."""

    angle_changed = Signal(float)     # the user turned u (spin box, handle on the map, click on the polar plot)
    critical_due = Signal()           # the view has rested: time to look for its critical points (the tab submits)

    def __init__(self, plot: GradientPlot, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.plot = plot
        self.curvature_overlay = CurvatureOverlay(plot.plot_item)
        self.direction_overlay = DirectionOverlay(plot.plot_item, self)
        self.critical_overlay = CriticalOverlay(plot.plot_item)
        plot.shield_clicks(self.direction_overlay.handle)
        self.hessian_panel = HessianPanel()
        self.direction_panel = DirectionPanel()
        self.polar = PolarPlot(self)
        self.label_critical_key = KeyLabel()
        self.label_critical_key.setObjectName("label_critical_key")
        self.label_critical_key.setTextFormat(Qt.TextFormat.RichText)
        self.label_critical_key.setToolTip(KEY_TIP)
        # The map with its key, and the strip: under the map (a wide strip) or beside it (a column), whichever
        # leaves the map the larger square (`arrange`); the map's data keeps one scale on both axes.
        self.strip = QWidget()
        self._strip_layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self.strip)
        self._strip_layout.setContentsMargins(0, 0, 0, 0)
        self._strip_layout.addWidget(self.hessian_panel, 5)
        self._strip_layout.addWidget(self.direction_panel, 4)
        self._strip_layout.addWidget(self.polar.panel, 0)
        self._strip_layout.addStretch(0)      # takes the spare height in a column, nothing in a row
        map_box = QWidget()
        map_layout = QVBoxLayout(map_box)
        map_layout.setContentsMargins(0, 0, 0, 0)
        map_layout.addWidget(plot.panel, 1)
        map_layout.addWidget(self.label_critical_key)
        self.area = QWidget()
        self._area_layout = QBoxLayout(QBoxLayout.Direction.TopToBottom, self.area)
        self._area_layout.setContentsMargins(0, 0, 0, 0)
        self._area_layout.addWidget(map_box, 1)
        self._area_layout.addWidget(self.strip, 0)
        self.beside = False
        self.arrange(0, 0)
        self._values: ProbeValues | None = None
        self._critical_timer = QTimer(self)
        self._critical_timer.setSingleShot(True)
        self._critical_timer.setInterval(CRITICAL_DELAY_MS)
        self._critical_timer.timeout.connect(self.critical_due)
        self.direction_overlay.angle_dragged.connect(self.angle_changed)
        self.direction_panel.angle_changed.connect(self.angle_changed)
        self.polar.angle_chosen.connect(self.angle_changed)
        self.direction_panel.along_gradient.connect(self._on_along_gradient)

    def is_pending(self) -> bool:
        """True while something is still to be shown: a search for critical points or a matrix to typeset."""
        return self._critical_timer.isActive() or self.hessian_panel.is_pending()

    def arrange(self, width: int, height: int) -> None:
        """Lay out for a map area of `width` x `height`: the strip under the map (200 px at 1100 x 700, up to 300 on
        a tall screen), or beside it as a column when that leaves the map a larger square (1920 x 1080)."""
        key = self.label_critical_key.height()
        under = int(min(STRIP_HEIGHT[1], max(STRIP_HEIGHT[0], STRIP_SHARE * height)))
        beside = min(width - COLUMN_WIDTH, height - key) > min(width, height - key - under) + 20 and \
            height >= COLUMN_MIN_HEIGHT
        if beside:
            self._area_layout.setDirection(QBoxLayout.Direction.LeftToRight)
            self._strip_layout.setDirection(QBoxLayout.Direction.TopToBottom)
            self.strip.setMinimumHeight(0)
            self.strip.setMaximumHeight(16777215)
            self.strip.setFixedWidth(COLUMN_WIDTH)
            self.polar.panel.setFixedSize(COLUMN_WIDTH, COLUMN_WIDTH)
            self._strip_layout.setStretch(0, 0)
            self._strip_layout.setStretch(1, 0)
            self._strip_layout.setStretch(3, 1)
        else:
            self._area_layout.setDirection(QBoxLayout.Direction.TopToBottom)
            self._strip_layout.setDirection(QBoxLayout.Direction.LeftToRight)
            self.strip.setMinimumWidth(0)
            self.strip.setMaximumWidth(16777215)
            self.strip.setFixedHeight(under)
            self.polar.panel.setFixedSize(under - 20, under)
            self._strip_layout.setStretch(0, 5)
            self._strip_layout.setStretch(1, 4)
            self._strip_layout.setStretch(3, 0)
        self.beside = beside
        self.plot.fit_key(width - (COLUMN_WIDTH if beside else 0))   # the map's width: the key's room

    # -- the probe ------------------------------------------------------------------------------------------

    def show_probe(self, values: ProbeValues, angle: float, show_probe: bool, show_curvature: bool,
                   show_direction: bool) -> None:
        """The Hessian panel and the curvature directions (drawn for f of two variables only), then u."""
        self._values = values
        size = self._view_size()
        curvature = values.curvature
        drawn = (len(values.names) == 2 and curvature is not None and show_probe and show_curvature
                 and all(a in values.names for a in values.axes))
        self.hessian_panel.show_curvature(values.names, curvature, drawn)
        if drawn:
            ix, iy = (values.names.index(a) for a in values.axes)     # eigenvectors in the plotted axes' order
            vectors = [(v[ix], v[iy]) for v in curvature.eigenvectors]
            self.curvature_overlay.show(values.x, values.y, curvature.eigenvalues, vectors, CURVATURE_LENGTH * size)
        else:
            self.curvature_overlay.hide()
        self.show_direction(angle, show_probe and show_direction)

    def show_direction(self, angle: float, on_map: bool) -> None:
        """u at `angle` degrees: on the map (when `on_map`), in the direction panel and on the polar plot."""
        self.direction_panel.set_angle(angle)
        values = self._values
        if values is None:
            return
        gx, gy = values.plane_gradient
        if on_map:
            self.direction_overlay.show(values.x, values.y, angle, DIRECTION_LENGTH * self._view_size())
        self.direction_overlay.set_visible(on_map)
        value = directional_in_plane(gx, gy, angle) if math.isfinite(gx) and math.isfinite(gy) else math.nan
        self.direction_panel.show_values(unit_direction(angle), value, math.hypot(gx, gy), values.axes,
                                         plane_only=len(values.names) > 2)
        self.polar.show(gx, gy, angle, values.axes)

    def _on_along_gradient(self) -> None:
        if self._values is None:
            return
        gx, gy = self._values.plane_gradient
        if math.isfinite(gx) and math.isfinite(gy) and (gx or gy):
            self.angle_changed.emit(angle_of(gx, gy))

    def _view_size(self) -> float:
        (x0, x1), (y0, y1) = self.plot.view_box.viewRange()
        return min(x1 - x0, y1 - y0)

    # -- the critical points --------------------------------------------------------------------------------

    def schedule_critical(self, variables: int, wanted: bool, at_once: bool) -> None:
        """Ask for a search (critical_due) once the view has rested, or at once; none unless the marks are
        `wanted` and f has two variables (then the key says why)."""
        self._critical_timer.stop()
        if not wanted:
            self.show_critical([], visible=False)
        elif variables != 2:
            self.say_critical(f"Critical points are marked for f of two variables (this f has {variables}); the "
                              "Hessian still tests the probe.")
        elif at_once:
            self.critical_due.emit()
        else:
            self._critical_timer.start()

    def stop_critical(self) -> None:
        self._critical_timer.stop()

    def show_marks(self, result: CriticalMarks, names: Sequence[str], axes: tuple[str, str], visible: bool) -> None:
        """The worker's critical points (in f's variable order) marked in the plotted axes' order."""
        ix, iy = (list(names).index(a) for a in axes)
        points = [((p.x, p.y)[ix], (p.x, p.y)[iy], p.kind, p.f) for p in result.points]
        self.show_critical(points, result.notes, visible)

    def show_critical(self, points: Sequence[tuple[float, float, str, float]], notes: Sequence[str] = (),
                      visible: bool = True) -> None:
        """Mark (x, y, kind, f) on the map (in the plotted axes) and say what is in view under it."""
        self.critical_overlay.show(points)
        self.critical_overlay.set_visible(visible)
        self.label_critical_key.setText(critical_key_html(points, notes) if visible else "")
        self.label_critical_key.setToolTip(KEY_TIP + ("\n\n" + "\n".join(notes) if notes else ""))

    def say_critical(self, text: str) -> None:
        """No marks; `text` in the key's place (f has more than two variables, the search failed, ...)."""
        self.critical_overlay.show([])
        self.label_critical_key.setText(text)
        self.label_critical_key.setToolTip(KEY_TIP)

    def snap_to_critical(self, x: float, y: float, pixels: float = 9.0) -> tuple[float, float] | None:
        """The marked critical point within `pixels` of (x, y) on screen, if any (a click there probes it)."""
        if not self.critical_overlay.scatter.isVisible():
            return None
        width, height = self.plot.view_box.viewPixelSize()
        return self.critical_overlay.nearest(x, y, (pixels * width, pixels * height))
