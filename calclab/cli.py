"""The `calclab` command: the window by default, or the same maths headless through subcommands.

    calclab [FILE.calclab] [--tab NAME] [--screenshot FILE.png] [--session FILE]
    calclab derive|gradient|chain|descent|backprop|export ...

Bad input exits 2 with one `error: ...` line on stderr and no traceback; Ctrl+C exits 130, also without one.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Sequence

from calclab import __version__
from calclab.analysis_cli import add_derive_options, add_gradient_options, derive_extras, gradient_extras
from calclab.argtypes import (
    add_backprop_options,
    add_descent_options,
    add_network_optimizer_options,
    finite_float,
    int_in,
)
from calclab.progress import ProgressBar
from calclab.quiz_cli import add_quiz_parser
from calclab.quiz_cli import run as _cmd_quiz
from calclab.state import TAB_NAMES

# Steps between progress reports: ~25 ms of descent, so the bar (at most 10 redraws a second) never lags.
_STEPS_PER_UPDATE = 500


class UsageError(Exception):
    """Bad input on the command line: reported as one `error:` line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        """One `error:` line instead of argparse's usage block."""
        raise UsageError(f"{message} (see '{self.prog} --help')")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `calclab` command and `python -m calclab`."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in COMMANDS:
            args = build_command_parser().parse_args(argv)
            return COMMANDS[argv[0]](args)
        return _run_window(build_window_parser().parse_args(argv))
    except (UsageError, ValueError) as error:  # ValueError: ExpressionError and the engine's validation
        print(f"error: {_one_line(str(error) or type(error).__name__)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:   # `calclab ... | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _one_line(message: str) -> str:
    """The message with control characters escaped, so an error is always exactly one line."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in message)


# --- the window ------------------------------------------------------------------------------------------

#: One example per subcommand, shown by `calclab --help` (tests parse each one).
EXAMPLES: dict[str, str] = {
    "derive": 'calclab derive "x^3 - 3x" --critical --range=-5,5',
    "gradient": 'calclab gradient "3x^2 + 2y" --at x=1 y=2',
    "chain": 'calclab chain "(2x+3)^2"',
    "descent": 'calclab descent "x^2" --x0 10 --lr 0.1 --epochs 20',
    "backprop": "calclab backprop --dataset circles --json",
    "export": 'calclab export descent --expr "x^2 + 10y^2" --x0 3,1 --out path.png',
    "quiz": "calclab quiz descent --seed 3 --json",
}
_EXPRESSION_HELP = 'a function as you would write it, e.g. "3x^2 + 2y" or "sin(x) e^x" (see the README)'


def build_window_parser() -> argparse.ArgumentParser:
    import textwrap

    about = textwrap.fill("A desktop lab for the calculus behind neural networks. Subcommands: "
                          + ", ".join(COMMANDS) + " (calclab COMMAND --help).", 79)
    examples = "\n".join(f"  {line}" for line in [*EXAMPLES.values(), "calclab --tab descent"])
    parser = _Parser(prog="calclab", description=about, epilog=f"examples:\n{examples}",
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"calclab {__version__}")
    parser.add_argument("file", nargs="?", help="a .calclab session file to open")
    parser.add_argument("--tab", choices=TAB_NAMES, help="the tab to open on")
    parser.add_argument("--screenshot", metavar="FILE.png", help="render the window to FILE.png and exit")
    parser.add_argument("--session", metavar="FILE", help="a .calclab session file to open")
    desktop = parser.add_mutually_exclusive_group()
    desktop.add_argument("--install-desktop", action="store_true",
                         help="put calclab's menu entry and icons in your XDG folders (~/.local/share) and exit")
    desktop.add_argument("--uninstall-desktop", action="store_true",
                         help="remove the menu entry and icons --install-desktop put there, and exit")
    return parser


def _run_window(args: argparse.Namespace) -> int:
    if args.install_desktop or args.uninstall_desktop:
        from calclab import desktop_entry

        return desktop_entry.run(install_it=args.install_desktop)
    if args.file and args.session:
        raise UsageError("give the session file either as FILE or with --session, not both")
    if args.file and not args.file.endswith(".calclab"):
        raise UsageError(f"'{args.file}' is neither a command ({', '.join(COMMANDS)}) nor a .calclab file")
    from calclab.app import run_gui  # Qt is imported only when a window is wanted

    return run_gui(tab=args.tab, screenshot=args.screenshot, session=args.file or args.session)


# --- shared argument helpers ---------------------------------------------------------------------------

def _expression(text: str):
    from calclab.engine.parsing import parse

    return parse(text)


def _check_variable_name(name: str) -> None:
    """--wrt names a variable the parser would accept: `__class__`, `e` or `sin` are refused, not differentiated by."""
    import sympy as sp

    from calclab.engine.parsing import ExpressionError, parse

    try:
        parsed = parse(name)
    except ExpressionError as error:
        raise UsageError(f"--wrt takes a variable name, not '{name}': {error}") from error
    if not isinstance(parsed, sp.Symbol) or parsed.name != name:
        what = "a constant" if not parsed.free_symbols else "an expression"
        raise UsageError(f"--wrt takes a variable name, not '{name}' (that is {what})")


def _assignments(pairs: Sequence[str] | None) -> dict[str, float]:
    """`x=1.5 y=-2` -> {"x": 1.5, "y": -2.0}, as `calclab export ... --at` reads them."""
    from calclab.state.options import assignments

    return assignments(pairs)


def _values_at(exprs: list, variables: list, at: dict[str, float], f=None) -> list:
    """The expressions' PointValues at the point `at`, which must give every variable a value.

    All undefined where `f` itself is not defined: the formula of d/dx log(x) is 1/x, but at x = -1 log(x) has
    no derivative to speak of. A value past float range is too large, not undefined (x^2 at 1e308).
    """
    from calclab.engine.numeric import PointValue, value_at

    missing = [v.name for v in variables if v.name not in at]
    if missing:
        raise UsageError("give a value for " + ", ".join(missing) + " with --at, e.g. --at "
                         + " ".join(f"{m}=1" for m in missing))
    point = [at[v.name] for v in variables]
    if f is not None and not value_at(f, variables, point).defined:
        return [PointValue("undefined") for _e in exprs]
    return [value_at(e, variables, point) for e in exprs]


def _json_number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _emit(args: argparse.Namespace, payload: dict, lines: Callable[[], list[str]]) -> int:
    if args.json:
        print(json.dumps(payload))
    else:
        print("\n".join(lines()))
    return 0


# --- derive ------------------------------------------------------------------------------------------------

def _cmd_derive(args: argparse.Namespace) -> int:
    from calclab.engine.calculus import derivative, find_variable, to_latex, to_text, variables_of

    expr = _expression(args.expression)
    variables = variables_of(expr)
    if args.wrt is not None and not args.wrt.strip():
        raise UsageError("--wrt needs a variable name, e.g. --wrt x (leave it out for the first variable)")
    wrt_name = args.wrt if args.wrt is not None else (variables[0].name if variables else "x")
    _check_variable_name(wrt_name)
    wrt = find_variable(wrt_name, expr)
    result = derivative(expr, wrt, args.order)
    at = _assignments(args.at)
    # --critical and --taylor read --at for the values held (and the Taylor centre): they need not name every variable
    partial_at = (args.critical or args.taylor is not None) and any(v.name not in at for v in variables)
    value = _values_at([result], variables, at, expr)[0] if args.at and not partial_at else None
    payload = {"expression": to_text(expr), "wrt": wrt_name, "order": args.order,
               "derivative": to_text(result), "latex": to_latex(result),
               "value": value and value.value, "exact": value and value.exact}   # exact: past float range
    if args.steps:
        from calclab.engine.steps import derivation_steps, steps_as_text

        payload["steps"] = steps_as_text(derivation_steps(expr, wrt, args.order))
    extra, extra_lines = derive_extras(args, expr, wrt)      # --critical, --taylor
    payload.update(extra)

    def lines() -> list[str]:
        symbol = "d" if len(variables) <= 1 else "∂"
        power = "" if args.order == 1 else f"^{args.order}"
        out = [f"f = {to_text(expr)}", f"{symbol}{power}f/{symbol}{wrt_name}{power} = {to_text(result)}"]
        if value is not None:
            out.append(f"at {' '.join(args.at)}: {value}")
        out += extra_lines
        if args.steps:
            out += ["", "Steps:"] + payload["steps"]
        return out

    return _emit(args, payload, lines)


# --- gradient ----------------------------------------------------------------------------------------------

def _cmd_gradient(args: argparse.Namespace) -> int:
    from calclab.engine.calculus import gradient, to_latex, to_text, variables_of

    expr = _expression(args.expression)
    variables = variables_of(expr)
    if not variables:
        raise UsageError(f"{args.expression!r} has no variables, so its gradient is empty")
    grad = gradient(expr, variables)
    value = _values_at(grad, variables, _assignments(args.at), expr) if args.at else None
    payload = {"expression": to_text(expr), "variables": [v.name for v in variables],
               "gradient": [to_text(g) for g in grad], "latex": [to_latex(g) for g in grad],
               "value": value and [v.value for v in value], "exact": value and [v.exact for v in value]}
    extra, extra_lines = gradient_extras(args, expr, variables)     # --hessian, --direction, --critical
    payload.update(extra)

    def lines() -> list[str]:
        out = [f"f = {to_text(expr)}"]
        out += [f"∂f/∂{v.name} = {to_text(g)}" for v, g in zip(variables, grad, strict=True)]
        if value is not None:
            out.append(f"∇f at {' '.join(args.at)} = [{', '.join(str(v) for v in value)}]")
        return out + extra_lines

    return _emit(args, payload, lines)


# --- chain -------------------------------------------------------------------------------------------------

def _cmd_chain(args: argparse.Namespace) -> int:
    from calclab.engine.calculus import compose_chain, decompose_chain, derivative, to_text

    if args.expression and (args.outer or args.inner):
        raise UsageError("give either EXPR or --outer and --inner, not both")
    if args.expression:
        chain = decompose_chain(_expression(args.expression))
    elif args.outer and args.inner:
        chain = compose_chain(_expression(args.outer), _expression(args.inner))
    else:
        raise UsageError("give an expression, or both --outer F (written in u) and --inner G")
    total = chain.derivative()
    steps = [{"output": link.output.name, "input": link.input.name, "function": to_text(link.function),
              "derivative": to_text(link.derivative)} for link in chain.links]
    payload = {"expression": to_text(chain.expression), "steps": steps, "derivative": to_text(total)}

    def lines() -> list[str]:
        x = chain.variable.name
        out = [f"f({x}) = {payload['expression']}"]
        for step in steps:
            out.append(f"  {step['output']} = {step['function']:<28} d{step['output']}/d{step['input']} = "
                       f"{step['derivative']}")
        y, rates = steps[0]["output"], " · ".join(f"d{s['output']}/d{s['input']}" for s in steps)
        out.append(f"d{y}/d{x} = {rates} = {to_text(total)}" if len(steps) > 1 else f"d{y}/d{x} = {to_text(total)}")
        direct = derivative(chain.expression, chain.variable)
        same = (total - direct).equals(0)  # None when SymPy cannot decide
        check = {True: "matches", False: "DOES NOT match"}.get(same, "could not be compared symbolically with")
        out.append(f"check: {check} the direct derivative {to_text(direct)}")
        return out

    return _emit(args, payload, lines)


# --- descent -----------------------------------------------------------------------------------------------

def _cmd_descent(args: argparse.Namespace) -> int:
    from calclab.engine.calculus import variables_of
    from calclab.engine.descent import Descent, format_epoch
    from calclab.engine.hessian import point_hessian
    from calclab.engine.numeric import point_function
    from calclab.engine.parsing import parse
    from calclab.state.options import build_state

    args.expr = args.expression
    state = build_state("descent", args)   # the lesson's example, then the options, within the state's limits
    expr = parse(state.expression)
    variables = variables_of(expr)
    f, grad = point_function(expr, variables)
    hessian = point_hessian(expr, variables, grad) if state.optimizer == "newton" else None
    run = Descent(f, grad, state.start, hessian=hessian, **state.run_options())
    with ProgressBar(run.epochs, "epoch") as bar:   # on a terminal only; cleared before anything is printed
        while run.run(max_steps=_STEPS_PER_UPDATE):
            bar.update(run.epoch)
    records = list(run.history)
    names = [v.name for v in variables]
    schedule = run.schedule
    payload = {"variables": names, "optimizer": state.optimizer, "lr": state.learning_rate,
               "weight_decay": run.hyper["weight_decay"], "schedule": schedule.name if schedule else "constant",
               "schedule_params": dict(schedule.params) if schedule else {}, "status": run.status,
               "message": run.message,
               "steps": [{"epoch": r.epoch, "x": [_json_number(float(v)) for v in r.x],
                          "f": _json_number(r.f), "grad": [_json_number(float(g)) for g in r.grad],
                          "lr": _json_number(r.lr)}
                         for r in records]}
    if hessian is not None:
        payload["hessian"] = "differences" if hessian.by_differences else "symbolic"

    def lines() -> list[str]:
        out = [format_epoch(r.epoch, names, r.x, r.f, r.lr if schedule else None) for r in records]
        if run.status != "completed" or not records:   # --epochs 0 printed nothing at all
            out.append(run.message)
        return out

    return _emit(args, payload, lines)




# --- backprop ----------------------------------------------------------------------------------------------

def _cmd_backprop(args: argparse.Namespace) -> int:
    from calclab.engine.backprop import train_headless
    from calclab.state.backprop import playground_settings
    from calclab.state.options import build_state

    state = build_state("backprop", args)   # the data set's preset, then the options, within the state's limits
    with ProgressBar(state.epochs, "epoch") as bar:
        result = train_headless(dataset=state.dataset, sizes=state.sizes, activation=state.activation,
                                lr=state.learning_rate, epochs=state.epochs, seed=state.seed,
                                n_samples=state.n_samples, noise=state.noise, test_fraction=state.test_fraction,
                                progress=bar.update, **playground_settings(state))
    losses = [_json_number(float(v)) for v in result["losses"]]
    payload = {"losses": losses, "accuracy": result["accuracy"]}
    for key in ("data_losses", "penalties"):   # the two parts of each loss, per epoch
        payload[key] = [_json_number(float(v)) for v in result[key]]
    payload.update({k: v for k, v in result.items() if k not in payload and _jsonable(v)})

    def lines() -> list[str]:
        every = max(1, (len(losses) - 1) // 10)   # losses[k]: after k updates, from epoch 0 (the start)
        parts = state.regularization != "none"   # say the data loss and the penalty apart
        out = [f"epoch {k:>6}: loss = {float(loss)!r}" + (f" (data {float(result['data_losses'][k])!r} + penalty "
                                                          f"{float(result['penalties'][k])!r})" if parts else "")
               for k, loss in enumerate(result["losses"])
               if k % every == 0 or k == len(losses) - 1]   # an overflowed loss says inf or nan (JSON: null)
        accuracy = result["accuracy"]
        out.append(f"accuracy: {accuracy:.1%}" if accuracy is not None else "accuracy: n/a (regression)")
        if result.get("message"):
            out.append(str(result["message"]))
        return out

    return _emit(args, payload, lines)


def _cmd_export(args: argparse.Namespace) -> int:
    """`calclab export`: its module (every tab's state, the descent engine) is imported only when it runs."""
    from calclab.export_cli import run

    return run(args)


def _jsonable(value: object) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


# --- the subcommand parser ---------------------------------------------------------------------------------

_LONG_RUNS = ("A long run shows a progress bar on stderr when stderr is a terminal (nothing when it is not). "
              "Ctrl+C stops the run with exit status 130 and prints nothing to stdout: the lines, or the --json "
              "object, are written only once the run has finished, so a JSON reader never sees half an object.")

def build_command_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="calclab")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    derive = sub.add_parser("derive", help="the derivative of an expression")
    derive.add_argument("expression", help=_EXPRESSION_HELP)
    derive.add_argument("--wrt", help="the variable to differentiate by (default: the first by name)")
    derive.add_argument("--order", type=int_in(1, 10), default=1, help="1 for f', 2 for f'', ... up to 10 "
                        "(default: 1)")
    derive.add_argument("--at", nargs="+", metavar="VAR=VAL", help="evaluate the derivative there")
    derive.add_argument("--steps", action="store_true", help="print the rules applied, step by step")
    add_derive_options(derive)

    gradient = sub.add_parser("gradient", help="the gradient (all partial derivatives)")
    gradient.add_argument("expression", help=_EXPRESSION_HELP)
    gradient.add_argument("--at", nargs="+", metavar="VAR=VAL", help="evaluate the gradient there")
    add_gradient_options(gradient)

    chain = sub.add_parser("chain", help="a composite peeled into chain-rule links")
    chain.add_argument("expression", nargs="?", help="the composite, e.g. \"(2x+3)^2\" (or give --outer and --inner)")
    chain.add_argument("--outer", metavar="F", help="the outer function, written in u")
    chain.add_argument("--inner", metavar="G", help="the inner function, written in x")

    descent = sub.add_parser("descent", help="gradient descent, one line per epoch")
    descent.add_argument("expression", help="the function to minimise, of one or two variables, e.g. \"x^2 + 10y^2\"")
    descent.add_argument("--x0", required=True, help="start point, V[,V] (negative: --x0=-1.5,2)")
    descent.add_argument("--lr", type=finite_float, help="learning rate (default: 0.1, the lesson's)")
    descent.add_argument("--epochs", type=int, help="how many updates (default: 20)")
    add_descent_options(descent)

    backprop = sub.add_parser("backprop", help="train a small network headless")
    add_backprop_options(backprop)
    add_network_optimizer_options(backprop)
    backprop.add_argument("--lr", type=finite_float, help="learning rate (default: the data set's preset)")
    backprop.add_argument("--epochs", type=int, help="how many passes over the data (default: the preset's)")

    add_quiz_parser(sub)
    for command in sub.choices.values():
        command.add_argument("--json", action="store_true", help="print one JSON object")
    for command in (descent, backprop):
        command.epilog = _LONG_RUNS
    from calclab.export_cli import add_export_parser

    add_export_parser(sub)
    return parser


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "derive": _cmd_derive,
    "gradient": _cmd_gradient,
    "chain": _cmd_chain,
    "descent": _cmd_descent,
    "backprop": _cmd_backprop,
    "export": _cmd_export,
    "quiz": _cmd_quiz,
}
