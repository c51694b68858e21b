"""`calclab export TAB --out FILE`: render a tab's main plot headless (PNG, SVG, GIF animation or CSV data).

    calclab export descent --expr "x^2 + 10y^2" --x0 3,1 --lr 0.05 --epochs 30 --out path.png

The tab options have the names of the matching commands (derive, gradient, descent, backprop). The state is
built and checked here without Qt, so bad input fails fast with one `error:` line and exit status 2; then the
real tab is built off screen (QT_QPA_PLATFORM=offscreen unless set explicitly), given the state, run to the
end (descent epochs, training), and its main plot written through calclab.ui.export, under a caption line that
names what it shows (the tab's export_caption(): function, settings, epoch) unless --no-caption.

The descent CSV needs no picture, so it skips Qt altogether: the table comes straight from the engine run, as
`calclab descent` computes it (the tab, redrawn after every epoch, took 40 s for 20,000 epochs against 2 s).
Long runs and long GIFs show a progress bar on a terminal's stderr (calclab.progress); a GIF of more frames
than MAX_GIF_FRAMES keeps an even sample of them and says so in one `note:` line.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from calclab.argtypes import add_backprop_options, add_descent_options, finite_float, int_in
from calclab.progress import ProgressBar, interrupt_at_safe_points
from calclab.state import TAB_NAMES, TABS, tab_spec
from calclab.state.descent import EPOCHS_MAX
from calclab.state.options import OPTION_FLAGS, TAB_OPTIONS, build_state
from calclab.state.options import OptionError as ExportUsageError

FORMATS = (".png", ".svg", ".gif", ".csv")
SIZE_MAX = 4000
TAB_SIZE = (1400, 900)          # the tab is laid out as in a 1400x900 window (like --screenshot)
SETTLE_TIMEOUT_S = 20.0

# -- the parser -------------------------------------------------------------------------------------------------

def add_export_parser(sub) -> argparse.ArgumentParser:
    """Add the `export` subcommand to calclab's subparsers."""
    export = sub.add_parser("export", help="render a tab's main plot to PNG/SVG/GIF (or its data to CSV), headless",
                            description="Render a tab's main plot headless. Tab options: "
                            + "; ".join(f"{tab}: {' '.join(OPTION_FLAGS[o] for o in opts)}"
                                        for tab, opts in TAB_OPTIONS.items()))
    export.add_argument("tab", choices=TAB_NAMES, help="the tab whose plot (or data) to write")
    export.add_argument("--out", required=True, metavar="FILE.png|FILE.svg|FILE.gif|FILE.csv",
                        help="the file to write; its extension picks the format (GIF: descent and backprop "
                        "animations; CSV: the descent table or the training loss history)")
    export.add_argument("--scale", type=int, choices=(1, 2, 4), default=1, help="PNG size: 1x, 2x or 4x")
    export.add_argument("--size", type=plot_size, metavar="WxH",
                        help=f"the plot's size in pixels before --scale, e.g. 800x500 (default: as laid out in a "
                             f"{TAB_SIZE[0]}x{TAB_SIZE[1]} window)")
    export.add_argument("--no-caption", dest="caption", action="store_false",
                        help="PNG/SVG: leave out the caption line over the plot (the function and settings it shows, "
                        "e.g. 'Descent: f(x) = x^2 · sgd, η = 0.1 · epoch 20')")
    export.add_argument("--view", metavar="VIEW", help="which of the tab's plots to write (default: its main plot; "
                        + "; ".join(f"{spec.name}: {', '.join(spec.views)}" for spec in TABS) + ")")
    export.add_argument("--session", metavar="FILE", help="start from the tab's settings in a .calclab file")
    export.add_argument("--expr", metavar="EXPR", help="the function (derivatives, gradients, chain, descent)")
    export.add_argument("--wrt", help="derivatives: the variable to differentiate by")
    export.add_argument("--order", type=int_in(1, 3), help="derivatives: 1, 2 or 3")
    export.add_argument("--at", nargs="+", metavar="VAR=VAL",
                        help="the point: derivatives x0 and held values, gradients probe, chain x0")
    export.add_argument("--outer", metavar="F", help="chain: the outer function, written in u")
    export.add_argument("--inner", metavar="G", help="chain: the inner function, written in x")
    export.add_argument("--x0", help="descent: start point, V[,V] (negative: --x0=-1.5,2)")
    export.add_argument("--lr", type=finite_float, help="learning rate (descent, backprop)")
    export.add_argument("--epochs", type=int_in(1, EPOCHS_MAX), help="epochs (descent, backprop)")
    add_descent_options(export)
    add_backprop_options(export)
    return export


# -- running -------------------------------------------------------------------------------------------------

def run(args: argparse.Namespace) -> int:
    """The `export` command: 0 when the file is written, 2 (with one `error:` line) when it cannot be."""
    from calclab.atomic import WriteError, check_writable

    out = args.out
    extension = os.path.splitext(out)[1].lower()
    if extension not in FORMATS:
        raise ExportUsageError(f"--out must end in {', '.join(FORMATS)} (the format), not '{out}'")
    if extension in (".gif", ".csv") and not tab_spec(args.tab).exports(extension):
        what = "animation" if extension == ".gif" else "data table"
        offer = ", ".join(spec.name for spec in TABS if spec.exports(extension))
        raise ExportUsageError(f"the {args.tab} tab has no {what}: export .png or .svg "
                               f"({extension[1:].upper()} is for {offer})")
    views = tab_spec(args.tab).views
    view = views[0] if args.view is None else args.view
    if view not in views:
        raise ExportUsageError(f"--view: the {args.tab} tab has no view '{view}' (it has {', '.join(views)})")
    try:
        check_writable(out)
    except WriteError as error:
        raise ExportUsageError(str(error)) from None
    state = build_state(args.tab, args, warn=lambda m: print(f"warning: {m}", file=sys.stderr))
    make_table = tab_spec(args.tab).table_maker()
    try:
        if extension == ".csv" and make_table is not None:   # the table needs no window: no Qt, no redraws
            return _write_table(out, make_table, state)
        return _render(args.tab, state, out, extension, args.scale, args.size, view, caption=args.caption)
    except WriteError as error:   # ExportError included: the tab could not be written
        print(f"error: {error}", file=sys.stderr)
        return 2


def plot_size(text: str) -> tuple[int, int]:
    """'800x500' -> (800, 500); each side from 100 to 4000 pixels."""
    parts = text.lower().replace("×", "x").split("x")
    try:
        width, height = (int(p.strip()) for p in parts) if len(parts) == 2 else (0, 0)
    except ValueError:
        width = height = 0
    if not (100 <= width <= SIZE_MAX and 100 <= height <= SIZE_MAX):
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT in pixels, each 100 to {SIZE_MAX} (e.g. 800x500), "
                                         f"not {text!r}")
    return width, height


def _ensure_platform() -> None:
    """Always off screen (nothing is shown, and the picture must not depend on a display or its DPI), unless
    QT_QPA_PLATFORM was set explicitly."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _render(tab_name: str, state: Any, out: str, extension: str, scale: int,
            size: tuple[int, int] | None = None, view: str = "main", caption: bool = True) -> int:
    _ensure_platform()
    with interrupt_at_safe_points() as points:   # Ctrl+C stops between steps and frames, never inside Qt's calls
        return _render_tab(tab_name, state, out, extension, scale, size, view, points.check, caption)


def _render_tab(tab_name: str, state: Any, out: str, extension: str, scale: int, size: tuple[int, int] | None,
                view: str, check: Callable[[], None], caption: bool = True) -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from calclab.ui import export
    from calclab.ui.export_sources import animation_frames, settle, table_of
    from calclab.ui.tabs import load_tab_class
    from calclab.ui.widgets.plot_panel import apply_plot_theme
    from calclab.ui.worker import SymbolicWorker

    _quiet_offscreen_noise()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("calclab")
    app.setApplicationName("calclab")
    worker = SymbolicWorker()
    worker.start()
    try:
        apply_plot_theme()
        target = tab_spec(tab_name).view_target
        tab = load_tab_class(target)(worker)
        tab.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        tab.resize(*TAB_SIZE)
        if size is not None:
            tab.view_plot(view).setFixedSize(*size)   # the tab's layout makes room (the tab grows if it must)
        tab.show()
        settle(worker, SETTLE_TIMEOUT_S)
        check()
        tab.set_state(state)
        if not settle(worker, SETTLE_TIMEOUT_S, ready=tab.is_ready):
            print(f"warning: the {tab_name} tab was still computing after {SETTLE_TIMEOUT_S:g} s; "
                  "the export may show it unfinished", file=sys.stderr)
        if not tab.is_ready():
            print(f"error: the {tab_name} tab could not show these settings", file=sys.stderr)
            return 2
        check()
        if extension == ".gif":
            with ProgressBar(0, "frame") as bar:
                def sampled(kept: int, count: int) -> None:
                    bar.close()
                    print(f"note: kept {kept:,} of {count:,} frames", file=sys.stderr)   # evenly spaced

                def frame_done(done: int, count: int) -> None:
                    bar.update(done, count)
                    check()

                export.export_gif(animation_frames(tab, sampled=sampled, progress=frame_done), out)
            return 0
        with ProgressBar(0, "epoch") as bar:
            def epoch_done(done: int, total: int) -> None:
                bar.update(done, total)
                check()

            tab.play_to_end(epoch_done)
        settle(worker, SETTLE_TIMEOUT_S, idle_for=0.1)
        if extension == ".csv":
            header, rows = table_of(tab)
            export.export_csv(out, header, rows)
        else:
            export.export_plot(tab.view_plot(view), out, scale, caption=tab.export_caption() if caption else None)
        return 0
    finally:
        worker.shutdown()


def _quiet_offscreen_noise() -> None:
    """The offscreen platform warns about every shown widget; that line says nothing to the user, others stay."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode, _context, message: str) -> None:
        if "propagateSizeHints" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


def _write_table(out: str, make_table, state: Any) -> int:
    """A tab's CSV made by its Qt-free table maker (progress bar and Ctrl+C as for every long run)."""
    from calclab.atomic import write_atomic
    from calclab.csvfile import csv_bytes

    with interrupt_at_safe_points() as points, ProgressBar(0, "epoch") as bar:
        def progress(done: int, total: int) -> None:
            bar.update(done, total)
            points.check()

        header, rows = make_table(state, progress)
    write_atomic(out, csv_bytes(header, rows))
    return 0
