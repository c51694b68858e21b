"""MainWindow: the five tabs, the menus and the status bar.

The window paints first; tabs are built after the first paint (the current one at once, the others one
per event-loop turn once it is complete, or when selected), because building them imports SymPy. A tab
that fails to build shows its error in place and does not take the other tabs down.
"""

from __future__ import annotations

import sys
import time
import traceback

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QLabel, QMainWindow, QScrollArea, QTabWidget, QVBoxLayout, QWidget

from calclab.state.learn import LearnProgress
from calclab.ui.tabs import TABS, load_tab_class
from calclab.ui.tabs.base import TabBase
from calclab.ui.worker import SymbolicWorker

BUSY_LABEL_DELAY_MS = 300   # show "computing…" only for work the user would notice
FIRST_PAINT_FALLBACK_MS = 100
OTHER_TABS_WAIT_S = 5.0     # the other tabs are built once the first is complete, or after this long at most
OTHER_TABS_POLL_MS = 50
WARM_UP_DELAY_MS = 1500     # typesetting's warm-up waits this long after the first tab is built


class MainWindow(QMainWindow):
    """The calclab window. `tab_widget` holds one page per registry entry; `tab(name)` is the built tab.

    The worker belongs to whoever created it (run_gui shuts it down on quit; tests share one).
    """

    first_painted = Signal()   # after the window's first paint (start-up benchmarks wait for it)
    tab_built = Signal(str)    # a tab's widget now exists (name)

    def __init__(self, worker: SymbolicWorker, initial_tab: str | None = None, eager_tabs: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self._eager_tabs = eager_tabs
        self._tabs: dict[str, QWidget] = {}
        self._pages: dict[str, QWidget] = {}
        self._names = [spec.name for spec in TABS]
        self._targets = {spec.name: spec.view_target for spec in TABS}
        self._started = False
        self._others_after = 0.0             # monotonic time after which the other tabs are built regardless
        self._building_others = False
        self.build_errors: list[str] = []   # one line per tab that failed to build
        self.learn_progress = LearnProgress()   # the Learn path's scores (saved in sessions, shown by the panel)
        self.setWindowTitle("calclab")
        from calclab.ui.icon import app_icon

        self.setWindowIcon(app_icon())
        self.resize(1280, 820)

        self.tab_widget = QTabWidget()
        self.tab_widget.setDocumentMode(True)
        for spec in TABS:
            name = spec.name
            page = QWidget()
            page.setObjectName(f"page_{name}")
            layout = QVBoxLayout(page)
            layout.setContentsMargins(0, 0, 0, 0)
            self._pages[name] = page
            self.tab_widget.addTab(_TabFrame(page), spec.title)
        if initial_tab is not None:
            self.select_tab(initial_tab)
        self.tab_widget.currentChanged.connect(self._on_current_changed)
        self.setCentralWidget(self.tab_widget)

        self._build_menus()
        from calclab.ui.export_menu import ExportMenu
        from calclab.ui.session_controller import SessionController

        self.session = SessionController(self)    # File > Open/Save/Recent, autosave, remembered layout
        self.export_menu = ExportMenu(self)       # Export menu, Ctrl+E, export buttons on every plot
        from calclab.ui.presets_menu import PresetsMenu

        self.presets_menu = PresetsMenu(self)     # Presets menu: built-in, the user's own, Save Current as Preset
        from calclab.ui.view_menu import ViewMenu

        self.view_menu = ViewMenu(self)           # View > Zoom (remembered) and Theme (system, light, dark)
        self.label_busy = QLabel("computing…")
        self.label_busy.setVisible(False)
        self.statusBar().addPermanentWidget(self.label_busy)
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_LABEL_DELAY_MS)
        self._busy_timer.timeout.connect(self._on_busy_timer)
        worker.busy_changed.connect(self._on_worker_busy_changed)

    # -- public API -------------------------------------------------------------------------------------

    def tab_names(self) -> list[str]:
        """The --tab names in display order."""
        return list(self._names)

    def select_tab(self, name: str) -> None:
        """Make tab `name` current (builds it if the window has started). Raises KeyError for unknown names."""
        if name not in self._pages:
            raise KeyError(f"unknown tab '{name}'; choose from {', '.join(self._names)}")
        self.tab_widget.setCurrentIndex(self._names.index(name))

    def current_tab_name(self) -> str:
        return self._names[self.tab_widget.currentIndex()]

    def tab(self, name: str, build: bool = True) -> QWidget | None:
        """The tab widget for `name`, built now if needed (None if not built and `build` is False)."""
        if name not in self._tabs and build:
            self._build_tab(name)
        return self._tabs.get(name)

    def ensure_started(self) -> None:
        """Build the current tab (and queue the others). Runs once, after the first paint."""
        if self._started:
            return
        self._started = True
        from calclab.ui.widgets.formula_view import warm_up

        self._build_tab(self.current_tab_name())
        if self._eager_tabs:
            self._others_after = time.monotonic() + OTHER_TABS_WAIT_S
            # Once the first tab is on screen (the turn after its first paint: eventFilter), or off-screen soon.
            first = self._tabs.get(self.current_tab_name())
            if first is not None:
                first.installEventFilter(self)
            QTimer.singleShot(FIRST_PAINT_FALLBACK_MS, self._build_others)
            # The first tab's formulas come from the typeset store; matplotlib (about a second of CPU in a fresh
            # home) is warmed up for the user's own formulas once the first tab is complete, not before.
            QTimer.singleShot(WARM_UP_DELAY_MS, warm_up)

    # -- Qt overrides -----------------------------------------------------------------------------------

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._started:
            QTimer.singleShot(FIRST_PAINT_FALLBACK_MS, self._on_first_paint)  # no paint when off-screen

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        if not self._started:
            QTimer.singleShot(0, self._on_first_paint)

    # -- slots --------------------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Paint and watched in self._tabs.values():
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._build_others)   # the first tab is painted: the others next turn
        return super().eventFilter(watched, event)

    def _build_others(self) -> None:
        if not self._building_others:
            self._building_others = True
            self._on_build_next()

    def _on_first_paint(self) -> None:
        if not self._started:
            self.first_painted.emit()
            self.ensure_started()

    def _on_build_next(self) -> None:
        """Build one not-yet-built tab per event-loop turn, so the window stays responsive; not before the tab in
        front is complete (its jobs answered, its formulas typeset), or OTHER_TABS_WAIT_S have passed."""
        current = self._tabs.get(self.current_tab_name())
        if isinstance(current, TabBase) and current.is_busy() and time.monotonic() < self._others_after:
            QTimer.singleShot(OTHER_TABS_POLL_MS, self._on_build_next)
            return
        self.worker.start()   # the first tab is complete: now the worker gets ready for the user's own input
        for tab in list(self._tabs.values()):   # a tab drawn from shipped data loads SymPy now, like the others
            if isinstance(tab, TabBase):
                tab.hydrate()
        for name in self._names:
            if name not in self._tabs:
                self._build_tab(name)
                QTimer.singleShot(0, self._on_build_next)
                return

    def _on_current_changed(self, index: int) -> None:
        self.statusBar().clearMessage()
        if self._started and index >= 0:
            self._build_tab(self._names[index])
            tab = self._tabs.get(self._names[index])
            if isinstance(tab, TabBase):   # controls a tab made since it was built get names and places too
                self._make_accessible(tab, None)

    def _make_accessible(self, tab: QWidget, name: str | None) -> None:
        """Tab order in layout order, accessible names, stepping shortcuts (calclab.ui.accessibility)."""
        from calclab.ui import accessibility

        try:
            if name is not None:
                accessibility.add_shortcuts(tab, name)
            accessibility.fix_tab_order(tab)
            accessibility.name_controls(tab)
            accessibility.show_focus(tab)
        except Exception:  # noqa: BLE001 - a naming problem must never take a tab down
            traceback.print_exc(file=sys.stderr)

    def _on_status_message(self, message: str) -> None:
        # Tabs built in the background talk too; only the tab in front may use the status bar.
        sender = self.sender()
        if sender is None or sender is self._tabs.get(self.current_tab_name()):
            self.statusBar().showMessage(message)

    def _on_worker_busy_changed(self, busy: bool) -> None:
        if busy:
            self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self.label_busy.setVisible(False)

    def _on_busy_timer(self) -> None:
        self.label_busy.setVisible(not self.worker.is_idle())

    def _on_about(self) -> None:
        from calclab.ui.about import show_about

        show_about(self)

    # -- internals ----------------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        self.menu_file = menu_file = self.menuBar().addMenu("&File")
        self.action_quit = QAction("&Quit", self)
        self.action_quit.setShortcut(QKeySequence.StandardKey.Quit)
        # From any calclab window: the Learn panel floats as a window of its own in a narrow main window.
        self.action_quit.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.action_quit.setToolTip("Close calclab")
        self.action_quit.triggered.connect(self.close)
        menu_file.addAction(self.action_quit)
        self.menu_help = menu_help = self.menuBar().addMenu("&Help")
        self.action_about = QAction("&About calclab", self)
        self.action_about.triggered.connect(self._on_about)
        menu_help.addAction(self.action_about)

    def _build_tab(self, name: str) -> None:
        if name in self._tabs:
            return
        from calclab.ui.widgets.plot_panel import apply_plot_theme

        apply_plot_theme()  # before any tab creates a plot
        page = self._pages[name]
        try:
            tab = load_tab_class(self._targets[name])(self.worker, page)
        except Exception as exc:  # noqa: BLE001 - one broken tab must not take the window down
            traceback.print_exc(file=sys.stderr)
            self.build_errors.append(f"{name}: {type(exc).__name__}: {exc}")
            tab = QLabel(f"The {name} tab could not be built:\n{type(exc).__name__}: {exc}")
            tab.setObjectName("tab_error_label")
            tab.setAlignment(Qt.AlignmentFlag.AlignCenter)
            tab.setWordWrap(True)
        self._tabs[name] = tab
        page.layout().addWidget(tab)
        if isinstance(tab, TabBase):
            tab.status_message.connect(self._on_status_message)
            self._make_accessible(tab, name)
        self.tab_built.emit(name)   # (the export menu adds its buttons)
        if page.isVisible():
            _show_laid_out(tab)


def _show_laid_out(tab: QWidget) -> None:
    """Show a tab on a page on screen now, not on its layout's queued show a turn later, and lay it out: the
    window's next paint then shows it whole, instead of a first paint followed by a second, full one (the rows of
    a tree, a toolbar's buttons and curves sampled for the plot's width arriving after it)."""
    tab.show()
    for _ in range(4):   # each layout can ask for more
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    # Each widget shown posts an UpdateLater for its area (QWidgetPrivate::show_sys). Queued behind the window's
    # pending paint, they made a second, full paint of the tab right after the first: deliver them now.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.UpdateLater)
    for view in tab.findChildren(QAbstractItemView):
        if view.isVisible():
            view.doItemsLayout()   # Qt lays rows out a turn later; their widgets take their width now
    if isinstance(tab, TabBase):
        tab.laid_out()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)   # what that changed


class _TabFrame(QScrollArea):
    """A tab's page, as wide as the window or as the tab can be, whichever is wider (a zoomed tab on a small
    screen: a scroll bar along the bottom then, instead of a window growing past the screen); in height the page
    fits the window as it always did."""

    def __init__(self, page: QWidget) -> None:
        super().__init__()
        self.setObjectName(f"frame_{page.objectName()}")
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(page)
        page.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LayoutRequest and watched is self.widget():
            self._fit()   # the tab's minimum width changed (zoom, new content)
        return super().eventFilter(watched, event)   # QScrollArea's own: its scroll bars follow the page's size

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        page = self.widget()
        if page is None:
            return
        need = page.minimumSizeHint().width()
        sideways = need > self.width()
        height = self.height() - (self.horizontalScrollBar().sizeHint().height() if sideways else 0)
        page.resize(max(need, self.width()), max(0, height))
