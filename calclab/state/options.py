"""Tab states built from command-line options (no Qt): `calclab descent`, `calclab backprop` and `calclab export`
all start from the tab's state (its default, the data set's preset, or a session's) and put the options on top,
within the state's own limits, so the command line runs exactly what the window would show.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

# Which tab options each tab takes (argparse dest names).
TAB_OPTIONS: dict[str, tuple[str, ...]] = {
    "derivatives": ("expr", "wrt", "order", "at"),
    "gradients": ("expr", "at"),
    "chain": ("expr", "outer", "inner", "at"),
    "descent": ("expr", "x0", "lr", "epochs", "optimizer", "momentum", "betas", "alpha", "eps", "weight_decay",
                "tolerance", "schedule", "step_size", "gamma", "t_max", "eta_min", "start_factor", "warmup_epochs"),
    "backprop": ("dataset", "sizes", "activation", "lr", "epochs", "seed"),
}
OPTION_FLAGS = {"expr": "--expr", "wrt": "--wrt", "order": "--order", "at": "--at", "outer": "--outer",
                "inner": "--inner", "x0": "--x0", "lr": "--lr", "epochs": "--epochs", "optimizer": "--optimizer",
                "dataset": "--dataset", "sizes": "--sizes", "activation": "--activation", "seed": "--seed",
                "momentum": "--momentum", "betas": "--betas", "alpha": "--alpha", "eps": "--eps",
                "weight_decay": "--weight-decay", "tolerance": "--tolerance", "schedule": "--schedule",
                "step_size": "--step-size", "gamma": "--gamma", "t_max": "--t-max", "eta_min": "--eta-min",
                "start_factor": "--start-factor", "warmup_epochs": "--warmup-epochs"}


class OptionError(ValueError):
    """A command-line option the state refuses (cli.main prints it as one `error:` line and exits 2)."""


SESSION = "the session's "     # the label of a text that came from --session (or the default), not from a flag


def _parse(text: str, what: str):
    """`text` parsed; `what` names it in the error: a flag ("--expr") or SESSION + what it is."""
    from calclab.engine.parsing import ExpressionError, parse

    try:
        return parse(text)
    except ExpressionError as error:
        if what.startswith(SESSION):
            raise OptionError(f"{_shown(text, what)} is not valid: {error}") from None
        raise OptionError(f"{what}: {error}") from None


def _shown(text: str, what: str) -> str:
    """How a message names the text: a flag by itself; the session's, after --session, with (the start of) it."""
    if not what.startswith(SESSION):
        return what
    return f"--session: {what} '{text if len(text) <= 60 else text[:57] + '...'}'"


def _expr_label(args: Any) -> str:
    """--expr when the function came from that flag, else the session's (what the tab would show)."""
    return "--expr" if args.expr is not None else SESSION + "expression"


def number(text: str, what: str) -> float:
    """A finite number, written as a number or a constant expression (`pi/2`)."""
    expr = _parse(text, what)
    if expr.free_symbols:
        raise OptionError(f"{what} must be a number, not '{text}'")
    value = float(expr.evalf())
    if not math.isfinite(value):
        raise OptionError(f"{what} must be a finite number, not '{text}'")
    return value


def assignments(pairs: Sequence[str] | None) -> dict[str, float]:
    """`x=1.5 y=-2` -> {"x": 1.5, "y": -2.0}."""
    values: dict[str, float] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise OptionError(f"--at takes VAR=VALUE pairs, not '{pair}'")
        values[name] = number(value, f"the value of {name}")
    return values


def _variables(text: str, what: str = "--expr") -> list[str]:
    from calclab.engine.calculus import variables_of

    return [v.name for v in variables_of(_parse(text, what))]


def build_state(tab: str, args: Any, warn=lambda message: None) -> Any:
    """The tab's state: the session's (or the tab's default), then the command-line options on top."""
    from calclab.session import default_state, load_session

    given = [dest for dest in OPTION_FLAGS if getattr(args, dest, None) is not None]
    args = _Options(args)
    stray = [dest for dest in given if dest not in TAB_OPTIONS[tab]]
    if stray:
        takes = " ".join(OPTION_FLAGS[o] for o in TAB_OPTIONS[tab])
        raise OptionError(f"{', '.join(OPTION_FLAGS[d] for d in stray)} does not apply to the {tab} tab "
                               f"(it takes {takes})")
    state = default_state(tab)
    if state is None:
        raise OptionError(f"the {tab} tab has no settings to export yet")
    if args.session is not None:
        if not os.path.isfile(args.session):     # stat only: a fifo or a device is never opened
            if os.path.exists(args.session):
                raise OptionError(f"--session: '{args.session}' is not a regular file")
            raise OptionError(f"--session: there is no file '{args.session}'")
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
    else:
        _parse(state.expression, _expr_label(args))
    if args.wrt is not None:
        if not args.wrt.isidentifier():
            raise OptionError(f"--wrt takes a variable name, not '{args.wrt}'")
        state.wrt = args.wrt
    if args.order is not None:
        state.order = args.order
    at = assignments(args.at)
    if at:
        names = _variables(state.expression, _expr_label(args))
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
            raise OptionError(f"'{args.expr}' has no variables, so there is no gradient to draw")
        state = replace(state, expression=args.expr, x_variable="", y_variable="",
                        point={n: state.point.get(n, 1.0) for n in names})
    elif not _variables(state.expression, _expr_label(args)):
        raise OptionError(f"{_shown(state.expression, _expr_label(args))} has no variables, so there is no "
                          "gradient to draw")
    at = assignments(args.at)
    if at:
        state.point = {**state.point, **at}
    return state


def _chain(state, args):
    if args.expr is not None and (args.outer is not None or args.inner is not None):
        raise OptionError("give either --expr or --outer and --inner, not both")
    if args.expr is not None:
        _one_variable(_parse(args.expr, "--expr"), "--expr")
        state = replace(state, mode="composite", expression=args.expr)
    elif args.outer is not None or args.inner is not None:
        if args.outer is None or args.inner is None:
            raise OptionError("give both --outer F (written in u) and --inner G")
        outer = _parse(args.outer, "--outer")
        _one_variable(_parse(args.inner, "--inner"), "--inner")
        extra = sorted(s.name for s in outer.free_symbols if s.name != "u")
        if extra:
            raise OptionError(f"--outer must be written in u only (it uses {', '.join(extra)})")
        state = replace(state, mode="parts", outer=args.outer, inner=args.inner)
    elif state.mode == "parts":
        _parse(state.outer, SESSION + "outer function")
        _one_variable(_parse(state.inner, SESSION + "inner function"), _shown(state.inner, SESSION + "inner function"))
    else:
        label = _expr_label(args)
        _one_variable(_parse(state.expression, label), _shown(state.expression, label))
    at = assignments(args.at)
    if len(at) > 1:
        raise OptionError("--at takes one value for the chain tab, e.g. --at x=0.5")
    if at:
        state.x0 = next(iter(at.values()))
    return state


def _one_variable(expr, what: str) -> None:
    """The chain tab peels functions of one variable: anything else would export its previous picture."""
    from calclab.engine.calculus import single_variable

    try:
        single_variable(expr)
    except ValueError as error:
        raise OptionError(f"{what}: {error}") from None


def _check_start(state, what: str) -> None:
    """The engine's own check of the start point (f and its gradient defined there), as `calclab descent` does:
    the tab would only show the message, and the export waited 20 s for a run that never came."""
    from calclab.engine.calculus import variables_of
    from calclab.engine.descent import Descent
    from calclab.engine.numeric import point_function

    expr = _parse(state.expression, what)
    f, grad = point_function(expr, variables_of(expr))
    try:
        Descent(f, grad, state.start, lr=state.learning_rate, epochs=1)
    except ValueError as error:
        raise OptionError(str(error)) from None


def _descent(state, args):
    from calclab.state.descent import EPOCHS_MAX, LR_MAX, LR_MIN

    if args.expr is not None:
        state = replace(state, expression=args.expr, x_range=None, y_range=None)
    names = _variables(state.expression, _expr_label(args))
    if not 1 <= len(names) <= 2:
        raise OptionError(f"the descent tab draws functions of one or two variables; "
                          f"'{state.expression}' has {len(names)}")
    if args.x0 is not None:
        start = [number(v, "--x0") for v in args.x0.split(",")]
        state = replace(state, start=start, x_range=None, y_range=None)
    if len(state.start) != len(names):
        raise OptionError(f"--x0 needs {len(names)} value(s), one for each of {', '.join(names)}")
    if args.lr is not None:
        if not LR_MIN <= args.lr <= LR_MAX:
            raise OptionError(f"--lr must be between {LR_MIN:g} and {LR_MAX:g}")
        state.learning_rate = args.lr
    if args.epochs is not None:
        if not 0 <= args.epochs <= EPOCHS_MAX:
            raise OptionError(f"--epochs must be between 0 and {EPOCHS_MAX}")
        state.epochs = args.epochs
    if args.optimizer is not None:
        state.optimizer = args.optimizer
    _descent_hyper(state, args)
    _descent_schedule(state, args)
    _check_start(state, _expr_label(args))
    return state


def _descent_hyper(state, args) -> None:
    """--momentum, --betas, --alpha, --eps, --weight-decay and --tolerance, within the state's limits."""
    from calclab.state.descent import HYPER_LIMITS

    values = {"momentum": args.momentum, "alpha": args.alpha, "eps": args.eps, "weight_decay": args.weight_decay,
              "tolerance": args.tolerance}
    if args.betas is not None:
        parts = args.betas.split(",")
        if len(parts) != 2:
            raise OptionError("--betas takes two numbers, B1,B2")
        values["beta1"], values["beta2"] = (number(p, "--betas") for p in parts)
    for name, value in values.items():
        if value is None:
            continue
        low, high = HYPER_LIMITS[name]
        if not low <= value <= high:
            flag = "--betas" if name.startswith("beta") else OPTION_FLAGS[name]
            raise OptionError(f"{flag} must be between {low:g} and {high:g}")
        setattr(state, name, float(value))


def _descent_schedule(state, args) -> None:
    """--schedule and its parameters, within the state's limits; a parameter the schedule does not take is refused
    (--t-max with the step schedule would silently do nothing)."""
    from calclab.state.descent import SCHEDULE_LIMITS, SCHEDULE_USERS, WHOLE_SETTINGS

    if args.schedule is not None:
        state.schedule = args.schedule
    for name, (low, high) in SCHEDULE_LIMITS.items():
        value = getattr(args, name)
        if value is None:
            continue
        flag, users = OPTION_FLAGS[name], SCHEDULE_USERS[name]
        if state.schedule not in users:
            which = " and ".join(users) + (" schedules" if len(users) > 1 else " schedule")
            raise OptionError(f"{flag} applies to the {which}, not to {state.schedule} "
                              f"(choose one with --schedule {users[0]})")
        if not low <= value <= high:
            raise OptionError(f"{flag} must be between {low:g} and {high:g}")
        setattr(state, name, int(value) if name in WHOLE_SETTINGS else float(value))
    if state.optimizer == "newton" and args.schedule not in (None, "constant") and not state.compare:
        raise OptionError("--schedule does not apply to newton: Newton's method takes the full step H⁻¹∇f, "
                          "with no learning rate")


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
            raise OptionError(f"--sizes takes whole numbers separated by commas, e.g. 2,4,1 "
                                   f"(not '{args.sizes}')") from None
        inputs = datasets.input_dim(state.dataset)
        if len(sizes) < 2 or sizes[0] != inputs or sizes[-1] != 1:
            raise OptionError(f"--sizes must start with {inputs} (the {state.dataset} inputs) and end with 1, "
                              f"e.g. {inputs},4,1")
        state = replace(state, hidden=sizes[1:-1])
    for dest, name in (("activation", "activation"), ("lr", "learning_rate"), ("epochs", "epochs"),
                       ("seed", "seed")):
        if getattr(args, dest) is not None:
            state = replace(state, **{name: getattr(args, dest)})
    problem = state.problem()
    if problem:
        raise OptionError(problem)
    return state


_BUILDERS = {"derivatives": _derivatives, "gradients": _gradients, "chain": _chain, "descent": _descent,
             "backprop": _backprop}


class _Options:
    """Attribute access to the options, None for those a command does not have (`calclab descent` has no
    --session, `calclab export` no --tolerance)."""

    def __init__(self, args: Any) -> None:
        self._args = args

    def __getattr__(self, name: str) -> Any:
        return getattr(self._args, name, None)
