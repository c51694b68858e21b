"""`calclab export TAB --out FILE`: render a tab's main plot headless (PNG, SVG, GIF animation or CSV data).

    calclab export descent --expr "x^2 + 10y^2" --x0 3,1 --lr 0.05 --epochs 30 --out path.png

The tab options have the names of the matching commands (derive, gradient, descent, backprop). The state is
built and checked here without Qt, so bad input fails fast with one `error:` line and exit status 2; then the
real tab is built off screen (QT_QPA_PLATFORM=offscreen unless set explicitly), given the state, run to the
end (descent epochs, training), and its main plot written through calclab.ui.export.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import replace
from typing import Any

from calclab.argtypes import finite_float, int_in
from calclab.state import TAB_NAMES

FORMATS = (".png", ".svg", ".gif", ".csv")
SIZE_MAX = 4000
TAB_SIZE = (1400, 900)          # the tab is laid out as in a 1400x900 window (like --screenshot)
SETTLE_TIMEOUT_S = 20.0

# Which tab options each tab takes (argparse dest names).
TAB_OPTIONS: dict[str, tuple[str, ...]] = {
    "derivatives": ("expr", "wrt", "order", "at"),
    "gradients": ("expr", "at"),
    "chain": ("expr", "outer", "inner", "at"),
    "descent": ("expr", "x0", "lr", "epochs", "optimizer"),
    "backprop": ("dataset", "sizes", "activation", "lr", "epochs", "seed"),
}
OPTION_FLAGS = {"expr": "--expr", "wrt": "--wrt", "order": "--order", "at": "--at", "outer": "--outer",
                "inner": "--inner", "x0": "--x0", "lr": "--lr", "epochs": "--epochs", "optimizer": "--optimizer",
                "dataset": "--dataset", "sizes": "--sizes", "activation": "--activation", "seed": "--seed"}


class ExportUsageError(ValueError):
    """Bad input to `calclab export` (cli.main prints it as one `error:` line and exits 2)."""


# -- the parser -------------------------------------------------------------------------------------------------

def add_export_parser(sub) -> argparse.ArgumentParser:
    """Add the `export` subcommand to calclab's subparsers."""
    export = sub.add_parser("export", help="render a tab's main plot to PNG/SVG/GIF (or its data to CSV), headless",
                            description="Render a tab's main plot headless. Tab options: "
                            + "; ".join(f"{tab}: {' '.join(OPTION_FLAGS[o] for o in opts)}"
                                        for tab, opts in TAB_OPTIONS.items()))
    export.add_argument("tab", choices=TAB_NAMES)
    export.add_argument("--out", required=True, metavar="FILE.png|FILE.svg|FILE.gif|FILE.csv",
                        help="the file to write; its extension picks the format (GIF: descent and backprop "
                        "animations; CSV: the descent table or the training loss history)")
    export.add_argument("--scale", type=int, choices=(1, 2, 4), default=1, help="PNG size: 1x, 2x or 4x")
    export.add_argument("--size", type=plot_size, metavar="WxH",
                        help=f"the plot's size in pixels before --scale, e.g. 800x500 (default: as laid out in a "
                             f"{TAB_SIZE[0]}x{TAB_SIZE[1]} window)")
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
    export.add_argument("--epochs", type=int_in(1, 100_000), help="epochs (descent, backprop)")
    export.add_argument("--optimizer", choices=("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"))
    export.add_argument("--dataset", choices=("xor", "circles", "moons", "spiral", "sine"))
    export.add_argument("--sizes", help="backprop: layer sizes, e.g. 2,4,1")
    export.add_argument("--activation", choices=("tanh", "sigmoid", "relu"))
    export.add_argument("--seed", type=int_in(0, 2**31 - 1))
    return export


# -- building the state (no Qt) -----------------------------------------------------------------------------

def _parse(text: str, what: str):
    from calclab.engine.parsing import ExpressionError, parse

    try:
        return parse(text)
    except ExpressionError as error:
        raise ExportUsageError(f"{what}: {error}") from None


def _number(text: str, what: str) -> float:
    expr = _parse(text, what)
    if expr.free_symbols:
        raise ExportUsageError(f"{what} must be a number, not '{text}'")
    value = float(expr.evalf())
    if not math.isfinite(value):
        raise ExportUsageError(f"{what} must be a finite number, not '{text}'")
    return value


def _assignments(pairs: list[str] | None) -> dict[str, float]:
    values: dict[str, float] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ExportUsageError(f"--at takes VAR=VALUE pairs, not '{pair}'")
        values[name] = _number(value, f"the value of {name}")
    return values


def _variables(text: str) -> list[str]:
    from calclab.engine.calculus import variables_of

    return [v.name for v in variables_of(_parse(text, "--expr"))]


def build_state(tab: str, args: argparse.Namespace, warn=lambda message: None) -> Any:
    """The tab's state: the session's (or the tab's default), then the command-line options on top."""
    from calclab.session import default_state, load_session

    given = [dest for dest in OPTION_FLAGS if getattr(args, dest, None) is not None]
    stray = [dest for dest in given if dest not in TAB_OPTIONS[tab]]
    if stray:
        takes = " ".join(OPTION_FLAGS[o] for o in TAB_OPTIONS[tab])
        raise ExportUsageError(f"{', '.join(OPTION_FLAGS[d] for d in stray)} does not apply to the {tab} tab "
                               f"(it takes {takes})")
    state = default_state(tab)
    if state is None:
        raise ExportUsageError(f"the {tab} tab has no settings to export yet")
    if args.session:
        if not os.path.isfile(args.session):
            raise ExportUsageError(f"--session: there is no file '{args.session}'")
        loaded = load_session(args.session)
        if loaded.message:
            warn(loaded.message)
        if loaded.ok and tab in loaded.states:
            state = loaded.states[tab]
    return _BUILDERS[tab](state, args)


def _derivatives(state, args):
    if args.expr is not None:
        names = _variables(args.expr)
        state = replace(state, expression=args.expr, y_range=None)
        if state.wrt and state.wrt not in names:
            state.wrt = ""
    if args.wrt is not None:
        if not args.wrt.isidentifier():
            raise ExportUsageError(f"--wrt takes a variable name, not '{args.wrt}'")
        state.wrt = args.wrt
    if args.order is not None:
        state.order = args.order
    at = _assignments(args.at)
    if at:
        names = _variables(state.expression)
        wrt = state.wrt or (names[0] if names else "x")
        held = dict(state.held)
        for name, value in at.items():
            if name == wrt:
                state.x0 = value
            else:
                held[name] = value
        state.held = held
        low, high = state.x_range
        if not low < state.x0 < high:     # keep the point in view
            half = max(4.0, abs(high - low) / 2)
            state.x_range = (state.x0 - half, state.x0 + half)
    return state


def _gradients(state, args):
    if args.expr is not None:
        names = _variables(args.expr)
        if not names:
            raise ExportUsageError(f"'{args.expr}' has no variables, so there is no gradient to draw")
        state = replace(state, expression=args.expr, x_variable="", y_variable="",
                        point={n: state.point.get(n, 1.0) for n in names})
    at = _assignments(args.at)
    if at:
        state.point = {**state.point, **at}
    return state


def _chain(state, args):
    if args.expr is not None and (args.outer is not None or args.inner is not None):
        raise ExportUsageError("give either --expr or --outer and --inner, not both")
    if args.expr is not None:
        _one_variable(_parse(args.expr, "--expr"), "--expr")
        state = replace(state, mode="composite", expression=args.expr)
    elif args.outer is not None or args.inner is not None:
        if args.outer is None or args.inner is None:
            raise ExportUsageError("give both --outer F (written in u) and --inner G")
        outer = _parse(args.outer, "--outer")
        _one_variable(_parse(args.inner, "--inner"), "--inner")
        extra = sorted(s.name for s in outer.free_symbols if s.name != "u")
        if extra:
            raise ExportUsageError(f"--outer must be written in u only (it uses {', '.join(extra)})")
        state = replace(state, mode="parts", outer=args.outer, inner=args.inner)
    at = _assignments(args.at)
    if len(at) > 1:
        raise ExportUsageError("--at takes one value for the chain tab, e.g. --at x=0.5")
    if at:
        state.x0 = next(iter(at.values()))
    return state


def _one_variable(expr, what: str) -> None:
    """The chain tab peels functions of one variable: anything else would export its previous picture."""
    if len(expr.free_symbols) != 1:
        found = ", ".join(sorted(s.name for s in expr.free_symbols)) or "none"
        raise ExportUsageError(f"{what}: the chain rule here needs a function of one variable (found: {found})")


def _check_start(state) -> None:
    """The engine's own check of the start point (f and its gradient defined there), as `calclab descent` does:
    the tab would only show the message, and the export waited 20 s for a run that never came."""
    from calclab.engine.calculus import variables_of
    from calclab.engine.descent import Descent
    from calclab.engine.numeric import point_function

    expr = _parse(state.expression, "--expr")
    f, grad = point_function(expr, variables_of(expr))
    try:
        Descent(f, grad, state.start, lr=state.learning_rate, epochs=1)
    except ValueError as error:
        raise ExportUsageError(str(error)) from None


def _descent(state, args):
    from calclab.state.descent import EPOCHS_MAX, LR_MAX, LR_MIN

    if args.expr is not None:
        state = replace(state, expression=args.expr, x_range=None, y_range=None)
    names = _variables(state.expression)
    if not 1 <= len(names) <= 2:
        raise ExportUsageError(f"the descent tab draws functions of one or two variables; "
                               f"'{state.expression}' has {len(names)}")
    if args.x0 is not None:
        start = [_number(v, "--x0") for v in args.x0.split(",")]
        state = replace(state, start=start, x_range=None, y_range=None)
    if len(state.start) != len(names):
        raise ExportUsageError(f"--x0 needs {len(names)} value(s), one for each of {', '.join(names)}")
    if args.lr is not None:
        if not LR_MIN <= args.lr <= LR_MAX:
            raise ExportUsageError(f"--lr must be between {LR_MIN:g} and {LR_MAX:g}")
        state.learning_rate = args.lr
    if args.epochs is not None:
        state.epochs = min(args.epochs, EPOCHS_MAX)
    if args.optimizer is not None:
        state.optimizer = args.optimizer
    _check_start(state)
    return state


def _backprop(state, args):
    from calclab.engine import datasets
    from calclab.state.backprop import PRESETS

    if args.dataset is not None and args.dataset != state.dataset:
        # A new data set starts from the settings its preset uses (sine needs a 1-input net and a smaller rate).
        preset = next((p for p in PRESETS if p.state.dataset == args.dataset), None)
        state = preset.make_state() if preset is not None else replace(state, dataset=args.dataset)
    if args.sizes is not None:
        try:
            sizes = [int(s) for s in args.sizes.split(",")]
        except ValueError:
            raise ExportUsageError(f"--sizes takes whole numbers separated by commas, e.g. 2,4,1 "
                                   f"(not '{args.sizes}')") from None
        inputs = datasets.input_dim(state.dataset)
        if len(sizes) < 2 or sizes[0] != inputs or sizes[-1] != 1:
            raise ExportUsageError(f"--sizes must start with {inputs} (the {state.dataset} inputs) and end with 1, "
                                   f"e.g. {inputs},4,1")
        state = replace(state, hidden=sizes[1:-1])
    for dest, name in (("activation", "activation"), ("lr", "learning_rate"), ("epochs", "epochs"),
                       ("seed", "seed")):
        if getattr(args, dest) is not None:
            state = replace(state, **{name: getattr(args, dest)})
    problem = state.problem()
    if problem:
        raise ExportUsageError(problem)
    return state


_BUILDERS = {"derivatives": _derivatives, "gradients": _gradients, "chain": _chain, "descent": _descent,
             "backprop": _backprop}


# -- running -------------------------------------------------------------------------------------------------

def run(args: argparse.Namespace) -> int:
    """The `export` command: 0 when the file is written, 2 (with one `error:` line) when it cannot be."""
    from calclab.atomic import WriteError, check_writable

    out = args.out
    extension = os.path.splitext(out)[1].lower()
    if extension not in FORMATS:
        raise ExportUsageError(f"--out must end in {', '.join(FORMATS)} (the format), not '{out}'")
    if extension in (".gif", ".csv") and args.tab not in ("descent", "backprop"):
        what = "animation" if extension == ".gif" else "data table"
        raise ExportUsageError(f"the {args.tab} tab has no {what}: export .png or .svg "
                               "(GIF and CSV are for descent and backprop)")
    try:
        check_writable(out)
    except WriteError as error:
        raise ExportUsageError(str(error)) from None
    state = build_state(args.tab, args, warn=lambda m: print(f"warning: {m}", file=sys.stderr))
    try:
        return _render(args.tab, state, out, extension, args.scale, args.size)
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
            size: tuple[int, int] | None = None) -> int:
    _ensure_platform()
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from calclab.ui import export
    from calclab.ui.export_sources import animation_frames, settle, table_of
    from calclab.ui.tabs import load_tab_class, tab_spec
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
        if size is not None and tab.main_plot() is not None:
            tab.main_plot().setFixedSize(*size)   # the tab's layout makes room (the tab grows if it must)
        tab.show()
        if not hasattr(tab, "set_state") or tab.main_plot() is None:
            print(f"error: the {tab_name} tab cannot be exported yet (it has no plot or no settings)",
                  file=sys.stderr)
            return 2
        settle(worker, SETTLE_TIMEOUT_S)
        tab.set_state(state)
        ready = getattr(tab, "is_ready", None)
        if not settle(worker, SETTLE_TIMEOUT_S, ready=ready):
            print(f"warning: the {tab_name} tab was still computing after {SETTLE_TIMEOUT_S:g} s; "
                  "the export may show it unfinished", file=sys.stderr)
        if ready is not None and not ready():
            print(f"error: the {tab_name} tab could not show these settings", file=sys.stderr)
            return 2
        if extension == ".gif":
            export.export_gif(animation_frames(tab, tab_name), out)
            return 0
        _play(tab_name, tab)
        settle(worker, SETTLE_TIMEOUT_S, idle_for=0.1)
        if extension == ".csv":
            header, rows = table_of(tab, tab_name)
            export.export_csv(out, header, rows)
        else:
            export.export_plot(tab.main_plot(), out, scale)
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


def _play(tab_name: str, tab) -> None:
    """Run what the tab animates to its end, so the picture shows the finished run."""
    if tab_name == "descent" and hasattr(tab, "step"):
        while tab.step():
            pass
    elif tab_name == "backprop" and hasattr(tab, "train"):
        tab.train()
        while tab.is_training():
            tab.train_tick()
