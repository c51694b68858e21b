"""FormulaView: typeset maths from LaTeX, drawn by matplotlib's mathtext (Agg, no LaTeX install needed).

mathtext is a subset of LaTeX: `latex_to_mathtext` rewrites what SymPy prints into it (matrices and cases
have no mathtext form); formula_images makes, caches and stacks the images (a column vector row by row,
between drawn brackets). Anything that still fails to render falls back to plain text: a formula view never
raises.

Typesetting costs about 0.3 ms per character of LaTeX (mathtext's parser is pure Python), so a long formula
(a derivative of a big expression) is typeset in a separate process (mathtext_raster explains why not a
thread): the view shows the plain text at once and the typeset image when it is ready (`is_pending()`
meanwhile); a newer formula for the same view supersedes it. Short formulas are typeset at once, so `set_latex`
followed by `pixmap()` works as before. Formulas too long to be readable typeset stay plain text.
"""

from __future__ import annotations

import gc
import itertools
import threading
import weakref

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPalette, QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QSizePolicy, QWidget
from shiboken6 import isValid

from calclab.ui.widgets import typeset_store
from calclab.ui.widgets.formula_images import (
    Spec,
    cache,
    cache_key,
    cache_lock,
    colored,
    is_cached,
    latex_to_mathtext,
    store,
    sympy_to_mathtext,
)
from calclab.ui.widgets.mathtext_raster import alpha_mask, alpha_masks

__all__ = ["FormulaView", "formula_scroll_area", "latex_to_mathtext", "sympy_to_mathtext", "typesetter",
           "typesetting_idle", "warm_up"]

DEFAULT_FONT_PT = 15.0
SYNC_CHARS = 120          # LaTeX longer than this (and not cached) is typeset in the typesetting process
TYPESET_BUDGET_S = 10.0   # a formula still typesetting after this long stays plain text (the process restarts)
BATCH_CHARS = 6000        # mathtext characters per typesetting job (~0.3 ms each: about 2 s)
PENDING_TEXT_CHARS = 200  # while a formula is typeset elsewhere, this much of its plain text stands in
MAX_TYPESET_CHARS = 3000  # longer formulas stay plain text (an image thousands of pixels wide helps nobody)

class _GcPause:
    """Python's automatic cyclic garbage collection, held off while the warm-up thread runs.

    The collector runs in whichever thread allocates when a threshold is crossed. If that is a background
    thread and the garbage holds Qt objects (a closed tab in a reference cycle), Qt destroys them off the GUI
    thread: "QBasicTimer::start: Timers cannot be started from another thread", then "shared QObject was
    deleted directly. The program is malformed and may crash." (seen when tabs were dropped while a long
    formula was typesetting on a thread). So collection is paused when the thread starts (on the GUI thread)
    and the GUI thread resumes it when the thread has reported back; collection then happens on the GUI thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._was_enabled = False

    def pause(self) -> None:
        with self._lock:
            if self._active == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._active += 1

    def resume(self) -> None:
        """On the GUI thread, once per pause()."""
        with self._lock:
            self._active = max(0, self._active - 1)
            if self._active == 0 and self._was_enabled:
                gc.enable()


_gc_pause = _GcPause()


def warm_up() -> None:
    """Start the typesetting process, and import matplotlib and load its fonts here on a background thread
    (short formulas are typeset on the GUI thread), so the first formula of either kind is quick."""
    typesetter()
    delivery = _delivery_object()

    def run() -> None:
        try:
            alpha_mask("x^2", 10.0, 72.0)   # not rasterize: the typeset store would answer without matplotlib
        except Exception:  # noqa: BLE001 - only a speed-up
            pass
        finally:
            delivery.released.emit()

    _gc_pause.pause()
    threading.Thread(target=run, name="calclab-mathtext-warmup", daemon=True).start()


class _Delivery(QObject):
    """Tells the GUI thread that the warm-up thread has finished (a queued signal)."""

    released = Signal()


_delivery: _Delivery | None = None
_typesetter = None   # the SymbolicWorker running mathtext_raster.alpha_masks, made on first use


def _delivery_object() -> _Delivery:
    """The GUI thread's receiver of the warm-up thread's signal (made on first use, on the GUI thread)."""
    global _delivery
    if _delivery is None:
        _delivery = _Delivery()
        _delivery.released.connect(_gc_pause.resume, Qt.ConnectionType.QueuedConnection)
    return _delivery


def typesetter():
    """The typesetting process (a SymbolicWorker with its own budget), started on first use; GUI thread only."""
    global _typesetter
    if _typesetter is None:
        from PySide6.QtCore import QCoreApplication

        from calclab.ui.worker import SymbolicWorker

        _typesetter = SymbolicWorker(budget_s=TYPESET_BUDGET_S, preload=("numpy", "matplotlib.mathtext",
                                                                           "calclab.ui.widgets.mathtext_raster"))
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(_typesetter.shutdown)
        _typesetter.start()
    return _typesetter


def typesetting_idle() -> bool:
    """No formula is waiting for the typesetting process (for screenshots and tests)."""
    return _typesetter is None or _typesetter.is_idle()


_queued: list[tuple[weakref.ref, Spec]] = []   # views waiting for the next batch, with the spec each wants
_flush_scheduled = False
_job_numbers = itertools.count(1)   # every batch its own worker key: none supersedes another


def _typeset_later(view: FormulaView, spec: Spec) -> None:
    """Queue spec for the typesetting process; the view shows the image if it still wants that spec then.

    Requests made in one turn of the event loop (a chain's 35 step rows) go as one batch and come back
    together: one relayout and repaint of the window instead of one per formula (each cost a full repaint,
    ~20 ms, and 35 of them kept the event loop busy for a quarter of a second).
    """
    global _flush_scheduled
    _queued.append((weakref.ref(view), spec))
    if not _flush_scheduled:
        _flush_scheduled = True
        QTimer.singleShot(0, _flush)


def _wanting(ref: weakref.ref, spec: Spec) -> FormulaView | None:
    view = ref()
    return view if view is not None and isValid(view) and view._wanted is spec else None


def _flush() -> None:
    """Send the queued specs' uncached parts to the typesetting process in batches of about BATCH_CHARS."""
    global _flush_scheduled
    _flush_scheduled = False
    waiting = [(ref, spec) for ref, spec in _queued if _wanting(ref, spec) is not None]
    _queued.clear()
    items: dict[tuple, tuple[str, float, float]] = {}   # cache key -> (mathtext, font size, dpi), each once
    with cache_lock:
        for _ref, spec in waiting:
            for part in spec.parts():
                key = cache_key(part, spec.font_pt, spec.color, spec.dpi)
                if key not in cache:
                    items[key] = (part, spec.font_pt, spec.dpi)
    if not items:   # another view typeset them meanwhile
        for ref, spec in waiting:
            view = _wanting(ref, spec)
            if view is not None:
                view._show_image(spec.build())
        return
    batches: list[list[tuple]] = [[]]
    size = 0
    for key, item in items.items():
        if batches[-1] and size + len(item[0]) > BATCH_CHARS:
            batches.append([])
            size = 0
        batches[-1].append(key)
        size += len(item[0])
    for number, keys in enumerate(batches):
        last = number == len(batches) - 1   # the views are shown once every part of theirs has arrived

        def deliver(masks: list | None, keys: list[tuple] = keys, last: bool = last) -> None:
            for index, key in enumerate(keys):   # no masks: gave up (over budget), so these stay plain text
                mask = masks[index] if masks is not None and index < len(masks) else None
                typeset_store.save(key[0], key[1], key[3], mask)   # for the next launch
                store(key, colored(mask, key[2]))
            if last:
                for ref, spec in waiting:
                    view = _wanting(ref, spec)
                    if view is not None:
                        view._show_image(spec.build())   # every part is cached now: nothing to typeset here

        typesetter().submit(f"typeset.{next(_job_numbers)}", alpha_masks, tuple(items[key] for key in keys),
                            on_done=deliver, on_error=lambda _message, deliver=deliver: deliver(None))


class FormulaView(QLabel):
    """A label showing typeset maths; sized to its content so a formula is never clipped.

    `set_latex(latex)` takes math-mode LaTeX without $ (SymPy's latex output is fine: it is rewritten by
    `latex_to_mathtext`); `set_column_vector(entries, prefix)` typesets a column vector. `latex()` is the
    LaTeX shown (for "copy as LaTeX"); `is_fallback()` says the text could not be typeset and shows as plain
    text. A long formula shows as plain text until its typeset image is ready: `is_pending()` is True
    meanwhile, and `typeset_ready` fires when the image replaces the text (the view's size hint changes then).
    Put long formulas in `formula_scroll_area(view)` so they scroll instead of widening the window.
    """

    typeset_ready = Signal()

    def __init__(self, latex: str = "", font_pt: float = DEFAULT_FONT_PT, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._font_pt = font_pt
        self._latex = ""
        self._entries: list[str] | None = None
        self._prefix = ""
        self._columns = 1
        self._fallback_text = ""
        self._fallback = False
        self._wanted: Spec | None = None   # the spec being typeset in the background, if any
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Minimum)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if latex:
            self.set_latex(latex)

    def latex(self) -> str:
        return self._latex

    def is_fallback(self) -> bool:
        return self._fallback

    def is_pending(self) -> bool:
        """True while a long formula is being typeset in the background (the plain text shows meanwhile)."""
        return self._wanted is not None

    def set_latex(self, latex: str, fallback: str | None = None, defer: bool = False) -> None:
        """Show `latex` typeset; if mathtext cannot, show `fallback` (default: the LaTeX itself) as text.

        `defer=True` typesets even a short formula in the background (unless cached): for views made in bulk,
        such as one per row of a tree, where a few milliseconds each would add up to a stall.
        """
        self._latex = latex
        self._entries = None
        self._fallback_text = latex if fallback is None else fallback
        self._refresh(defer)

    def set_column_vector(self, entries: list[str], prefix: str = "", fallback: str | None = None) -> None:
        """Show `prefix` followed by a bracketed column of `entries` (each math-mode LaTeX), e.g. ∇f = [6x; 2]."""
        self._entries = list(entries)
        self._prefix = prefix
        self._columns = 1
        self._latex = (prefix + " " if prefix else "") + r"\begin{bmatrix}" + r" \\ ".join(entries) + \
            r"\end{bmatrix}"
        self._fallback_text = fallback if fallback is not None else \
            (prefix + " " if prefix else "") + "[" + ", ".join(entries) + "]"
        self._refresh()

    def set_matrix(self, rows: list[list[str]], prefix: str = "", fallback: str | None = None) -> None:
        """Show `prefix` followed by a bracketed matrix of `rows` (each a list of math-mode LaTeX cells, all of
        one length), e.g. H = [2 0; 0 -2]."""
        columns = len(rows[0]) if rows else 1
        if any(len(row) != columns for row in rows):
            raise ValueError("every row of a matrix needs the same number of cells")
        self._entries = [cell for row in rows for cell in row]
        self._prefix = prefix
        self._columns = columns
        self._latex = (prefix + " " if prefix else "") + r"\begin{bmatrix}" + \
            r" \\ ".join(" & ".join(row) for row in rows) + r"\end{bmatrix}"
        self._fallback_text = fallback if fallback is not None else \
            (prefix + " " if prefix else "") + "[" + "; ".join(", ".join(row) for row in rows) + "]"
        self._refresh()

    def clear(self) -> None:
        self._latex, self._entries, self._fallback_text, self._fallback = "", None, "", False
        self._wanted = None
        super().clear()
        self._fit()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._refresh()

    # -- rendering ------------------------------------------------------------------------------------------

    def _color(self) -> str:
        return self.palette().color(QPalette.ColorRole.WindowText).name()

    def _dpi_and_ratio(self) -> tuple[float, float]:
        ratio = max(1.0, self.devicePixelRatioF())
        return float(self.logicalDpiY()) * ratio, ratio

    def _refresh(self, defer: bool = False) -> None:
        if not self._latex:
            return
        dpi, _ratio = self._dpi_and_ratio()
        entries = tuple(self._entries) if self._entries is not None else None
        from calclab.ui import zoom

        spec = Spec(self._latex, entries, self._prefix, self._font_pt * zoom.factor(), self._color(), dpi,
                    self._columns)
        parts = spec.parts()
        size = sum(len(part) for part in parts)
        self._wanted = None
        if size > MAX_TYPESET_CHARS:
            self._show_image(None)
        elif (size <= SYNC_CHARS and not defer) or all(is_cached(p, spec.font_pt, spec.color, dpi) for p in parts):
            self._show_image(spec.build())
        else:
            # The plain text now (its start: laying out thousands of characters costs ~1 ms per size hint,
            # and a 35-row chain asks a hundred times), the typeset image when it is ready.
            self._show_image(None, clip=PENDING_TEXT_CHARS)
            self._wanted = spec
            _typeset_later(self, spec)

    def _show_image(self, image: QImage | None, clip: int | None = None) -> None:
        pending = self._wanted is not None
        self._wanted = None
        if image is None:
            self._fallback = True
            self.setPixmap(QPixmap())
            text = self._fallback_text
            self.setText(text if clip is None or len(text) <= clip else text[:clip] + " …")
        else:
            self._fallback = False
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(self._dpi_and_ratio()[1])
            self.setPixmap(pixmap)
        self._fit()
        if pending:
            self.typeset_ready.emit()

    def _fit(self) -> None:
        """Never clip: the minimum size is the content's size (down as well as up: QLabel's size hint never
        drops below the minimum, so a typeset image would otherwise keep the width of the plain text before it)."""
        self.setMinimumSize(0, 0)
        self.setMinimumSize(self.sizeHint())
        self.updateGeometry()


def formula_scroll_area(view: FormulaView, parent: QWidget | None = None) -> QScrollArea:
    """Wrap a FormulaView so a very long formula scrolls sideways instead of forcing the window wider."""
    return formula_scroll_area_for(view, parent)


def formula_scroll_area_for(widget: QWidget, parent: QWidget | None = None) -> QScrollArea:
    """Like formula_scroll_area, for any widget (a row of formula views): scrolls sideways instead of widening
    the panel."""
    area = QScrollArea(parent)
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setSizeAdjustPolicy(QScrollArea.SizeAdjustPolicy.AdjustToContents)
    return area
