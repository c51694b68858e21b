"""The analysis options of `calclab derive` and `calclab gradient`: critical and inflection points, Taylor
polynomials, the Hessian at a point and directional derivatives, all from the engine the window uses.

    calclab derive "x^3 - 3x" --critical [--range=-5,5]      calclab derive "sin(x)" --taylor 5 --at x=0
    calclab gradient "x^2 - y^2" --at x=0 y=0 --hessian      calclab gradient "x^2 + 3y^2" --at x=1 y=1 --direction=1,1

Values in the JSON are SymPy-readable strings where exact ("-1", "sqrt(2)/2"), numbers where only a float is
known. Each feature prints one line of text.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from calclab.argtypes import int_in

DEFAULT_RANGE = (-10.0, 10.0)


class AnalysisUsageError(ValueError):
    """A flag combination or value these options refuse (cli.main prints it as one `error:` line, exit 2)."""


def add_derive_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--critical", action="store_true",
                        help="the critical points (each a minimum, maximum or neither) and inflection points of f "
                             "in --range")
    parser.add_argument("--range", metavar="LOW,HIGH", help="where --critical looks (default -10,10; a negative "
                                                             "start needs '=': --range=-5,5)")
    parser.add_argument("--taylor", type=int_in(0, 10), metavar="N",
                        help="the Taylor polynomial of order N (0..10) about the --at point (default 0)")


def add_gradient_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hessian", action="store_true",
                        help="the Hessian at the --at point, its eigenvalues and eigenvectors, and the point's kind")
    parser.add_argument("--direction", metavar="U1,U2,...",
                        help="the directional derivative at --at along this direction (scaled to length 1)")
    parser.add_argument("--critical", action="store_true",
                        help="the critical points of f in the box --range x --range ..., each classified")
    parser.add_argument("--range", metavar="LOW,HIGH", help="each variable's range for --critical (default -10,10)")


# --- reading the options -----------------------------------------------------------------------------------

def exact_point(pairs: Sequence[str] | None) -> dict[str, object]:
    """`x=1/3 y=pi` -> {"x": Rational(1, 3), "y": pi}: the --at values exact, checked as every command checks them."""
    from calclab.engine.parsing import parse
    from calclab.state.options import assignments

    assignments(pairs)    # the shared wording for a bad pair or a value that is not a finite number
    return {name.strip(): parse(value) for name, _sep, value in (p.partition("=") for p in pairs or [])}


def _range(text: str | None) -> tuple[float, float]:
    from calclab.engine.critical import check_range
    from calclab.state.options import number

    if text is None:
        return DEFAULT_RANGE
    parts = text.split(",")
    if len(parts) != 2:
        raise AnalysisUsageError(f"--range takes two numbers, LOW,HIGH (not '{text}')")
    low, high = (number(p, "--range") for p in parts)
    try:
        return check_range(low, high)
    except ValueError as error:
        raise AnalysisUsageError(f"--range: {error}") from None


def _direction(text: str, count: int) -> list:
    from calclab.engine.parsing import parse
    from calclab.state.options import number

    parts = text.split(",")
    if len(parts) != count:
        raise AnalysisUsageError(f"--direction needs {count} number(s), one per variable (got '{text}')")
    values = [number(p, "--direction") for p in parts]
    if all(v == 0 for v in values):
        raise AnalysisUsageError("--direction must not be the zero vector")
    return [parse(p) for p in parts]


def _held(expr, at: dict, keep: str | None = None):
    """expr with the --at values put in for every variable but `keep`."""
    values = {s: at[s.name] for s in expr.free_symbols if s.name in at and s.name != keep}
    return expr.xreplace(values) if values else expr


# --- derive ------------------------------------------------------------------------------------------------

def derive_extras(args: argparse.Namespace, expr, wrt) -> tuple[dict, list[str]]:
    """The JSON entries and text lines for --critical and --taylor (none when neither is given)."""
    if args.range is not None and not args.critical:
        raise AnalysisUsageError("--range applies to --critical")
    payload: dict = {}
    lines: list[str] = []
    at = exact_point(args.at)
    if args.critical:
        payload_part, line_part = _derive_critical(expr, wrt, at, _range(args.range))
        payload.update(payload_part)
        lines += line_part
    if args.taylor is not None:
        from calclab.engine.calculus import to_latex, to_text
        from calclab.engine.taylor import taylor_polynomial

        center = at.get(wrt.name, 0)
        taylor = taylor_polynomial(_held(expr, at, wrt.name), wrt, center, args.taylor)
        payload.update({"taylor": taylor.text, "taylor_latex": to_latex(taylor.polynomial),
                        "taylor_at": to_text(taylor.center)})
        lines.append(f"T{args.taylor} about {wrt.name} = {to_text(taylor.center)}: {taylor.text}")
    return payload, lines


def _derive_critical(expr, wrt, at: dict, x_range: tuple[float, float]) -> tuple[dict, list[str]]:
    from calclab.engine.critical import critical_points

    f = _held(expr, at, wrt.name)
    missing = sorted(s.name for s in f.free_symbols if s != wrt)
    if missing:
        raise AnalysisUsageError(f"--critical looks along {wrt.name} alone: give {', '.join(missing)} a value "
                                 f"with --at, e.g. --at {' '.join(m + '=1' for m in missing)}")
    analysis = critical_points(f, wrt, x_range)
    low, high = x_range
    payload = {"critical": [{"x": p.x_text, "kind": p.kind, "f": p.f_text} for p in analysis.critical],
               "inflection": [{"x": p.x_text} for p in analysis.inflection],
               "range": [low, high], "critical_notes": list(analysis.notes)}
    name = wrt.name
    critical = ", ".join(f"{name} = {p.x_text} ({p.kind}, f = {p.f_text})" for p in analysis.critical)
    inflection = ", ".join(f"{name} = {p.x_text}" for p in analysis.inflection)
    lines = [f"critical points in [{low:g}, {high:g}]: {critical or 'none'}",
             f"inflection points in [{low:g}, {high:g}]: {inflection or 'none'}"]
    return payload, lines + [f"note: {note}" for note in analysis.notes]


# --- gradient ----------------------------------------------------------------------------------------------

def gradient_extras(args: argparse.Namespace, expr, variables: list) -> tuple[dict, list[str]]:
    """The JSON entries and text lines for --hessian, --direction and --critical."""
    if args.range is not None and not args.critical:
        raise AnalysisUsageError("--range applies to --critical")
    for flag, given in (("--hessian", args.hessian), ("--direction", args.direction is not None)):
        if given and not args.at:
            example = " ".join(f"{v.name}=1" for v in variables)
            raise AnalysisUsageError(f"{flag} needs a point: add --at {example}")
    at = exact_point(args.at)
    direction = _direction(args.direction, len(variables)) if args.direction is not None else None
    x_range = _range(args.range)
    payload: dict = {}
    lines: list[str] = []
    where = " ".join(args.at or [])
    if args.hessian:
        from calclab.engine.curvature import hessian_at

        result = hessian_at(expr, variables, [at[v.name] for v in variables])
        payload.update(_hessian_payload(result))
        lines.append(f"Hessian at {where}: {_matrix_text(result)}, eigenvalues "
                     f"{', '.join(str(e) for e in payload['eigenvalues'])}: {result.kind}")
    if direction is not None:
        from calclab.engine.calculus import directional_derivative, to_text

        result = directional_derivative(expr, variables, [at[v.name] for v in variables], direction)
        payload.update({"direction": list(result.direction_values), "directional": result.value,
                        "directional_exact": to_text(result.exact)})
        unit = ", ".join(to_text(c) for c in result.direction)
        lines.append(f"D_u f at {where}, u = ({unit}): {to_text(result.exact)} = {result.value!r}")
    if args.critical:
        payload_part, line = _gradient_critical(expr, variables, x_range)
        payload.update(payload_part)
        lines += line
    return payload, lines


def _hessian_payload(result) -> dict:
    from calclab.engine.calculus import to_text

    eigenvalues = [to_text(e) if e is not None else v
                   for e, v in zip(result.eigenvalues_exact, result.eigenvalues, strict=True)]
    return {"hessian": [[to_text(h) for h in row] for row in result.matrix], "eigenvalues": eigenvalues,
            "eigenvectors": [list(v) for v in result.eigenvectors], "kind": result.kind}


def _matrix_text(result) -> str:
    from calclab.engine.calculus import to_text

    return "[" + ", ".join("[" + ", ".join(to_text(h) for h in row) + "]" for row in result.matrix) + "]"


def _gradient_critical(expr, variables: list, x_range: tuple[float, float]) -> tuple[dict, list[str]]:
    from calclab.engine.calculus import to_text
    from calclab.engine.curvature import critical_points_in_box

    if len(variables) > 3:
        raise AnalysisUsageError("--critical looks for critical points of functions of 1 to 3 variables")
    found = critical_points_in_box(expr, variables, [x_range] * len(variables))
    low, high = x_range
    points = [{"point": [to_text(c) for c in p.point], "kind": p.kind, "f": to_text(p.f)} for p in found.points]
    names = ", ".join(v.name for v in variables)
    text = "; ".join(f"({', '.join(p['point'])}) {p['kind']}, f = {p['f']}" for p in points)
    lines = [f"critical points ({names}) in [{low:g}, {high:g}] each: {text or 'none'}"]
    lines += [f"note: {note}" for note in found.notes]
    return {"critical": points, "range": [low, high], "critical_notes": list(found.notes)}, lines
