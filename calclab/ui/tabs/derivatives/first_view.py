"""The Derivatives tab's first view as plain data, made at build time and shipped with calclab (issue 19).

The window opens on this tab in its default state, f = x^2, and every launch shows the same thing. Drawing it
the ordinary way imports SymPy in the GUI process (0.3 s, half of what stands between calclab's first window and
a bare Qt one) to parse x^2 and compile its curves. This module keeps what that view shows instead: the curves as
lambdify's source (compiled here without SymPy, engine.compiled.plain_function), the names, the formulas' texts
(their typeset images are shipped in the typeset store), the steps' rows and the critical points.

In a launched window (TabBase.shipped_first_view), the tab draws it when SymPy is not loaded yet and its state
is exactly the one the view was made for, then
`hydrate()`s: sets the same state the ordinary way (SymPy, jobs answered from the shipped results), either when
the window builds its other tabs (which import SymPy anyway) or at once when an input needs SymPy. The file
names the calclab, SymPy and NumPy versions it was made with; under others it is not used.
`python -m calclab.ui.tabs.derivatives.first_view --build` makes it (tests/ui/tabs/test_derivatives_first_view.py
compares it with the view computed now). Only this shipped file is read; it is JSON, checked field by field.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

from calclab import __version__
from calclab.engine.jobs.derivative_views import CurveNames, StepNode, StepsResult

if TYPE_CHECKING:   # (NumPy with it: not before the window's first paint, which enable() precedes)
    from calclab.engine.compiled import CompiledFunction

SHIPPED = ("results", "derivatives_first_view.json")
FORMAT = 1


@dataclass(frozen=True)
class FirstView:
    """Everything the default state's complete view shows (see the module docstring)."""

    state: dict                      # DerivativesState.to_dict() it was made for
    variables: tuple[str, ...]       # f's variables by name (and wrt)
    wrt: str
    order: int
    partial: bool
    sources: tuple[str, str, str]    # f, its order-th derivative, its first derivative (lambdify's source)
    ladder: tuple[str, ...]          # f, f′, f″, ... by wrt: live critical points and the Taylor polynomial
    names: CurveNames
    header: dict                     # the header's texts: HeaderBar.texts_for(result)
    steps: StepsResult
    markers: tuple[dict, ...]        # f's critical and inflection points (extrema.Marker fields), as the tab shows
    notes: tuple[str, ...]           # the exact analysis' notes

    def functions(self) -> tuple[CompiledFunction, ...]:
        from calclab.engine.compiled import plain_function

        return tuple(plain_function(source, self.variables) for source in self.sources)

    def ladder_functions(self) -> tuple[CompiledFunction, ...]:
        from calclab.engine.compiled import plain_function

        return tuple(plain_function(source, self.variables) for source in self.ladder)


def versions() -> dict[str, str]:
    """What the view depends on besides calclab's code (read without importing SymPy: from its release.py, as
    importlib.metadata would tell but without its 11-18 ms import in a launch)."""
    sympy = _sympy_version()
    if sympy is None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            sympy = version("sympy")
        except PackageNotFoundError:
            return {"calclab": __version__}
    import numpy

    return {"calclab": __version__, "sympy": sympy, "numpy": numpy.__version__}


def _sympy_version() -> str | None:
    """SymPy's __version__ as its sympy/release.py sets it, or None if that file says it otherwise."""
    import importlib.util
    import re

    spec = importlib.util.find_spec("sympy")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        try:
            with open(os.path.join(folder, "release.py"), encoding="utf-8") as file:
                found = re.fullmatch(r'__version__ = "([^"]+)"\s*', file.read())
        except OSError:
            continue
        if found:
            return found[1]
    return None


def load(state: dict) -> FirstView | None:
    """The shipped view for `state` (DerivativesState.to_dict()), or None: another state, another version, SymPy
    already loaded (the ordinary way is then as quick), the shipped results being built (they record the jobs the
    ordinary way asks for), or a missing or damaged file."""
    import os

    from calclab.engine.jobs.shipped import BUILD_ENV

    if "sympy" in sys.modules or os.environ.get(BUILD_ENV):   # (a build records the jobs)
        return None
    from calclab.resource_files import resource

    try:
        document = json.loads(resource(*SHIPPED).read_text(encoding="utf-8"))
        if document.get("format") != FORMAT or document.get("versions") != versions() \
                or document["state"] != json.loads(json.dumps(state)):   # (as JSON has it: lists, not tuples)
            return None
        return from_json(document)
    except Exception:  # noqa: BLE001 - a missing or damaged file only costs the ordinary (slower) first view
        return None


def from_json(document: dict) -> FirstView:
    """The view from its JSON (KeyError, TypeError or ValueError if anything is missing or of the wrong kind)."""
    strings = _strings(document["variables"]) + _strings(document["sources"]) + _strings(document["ladder"])
    if len(document["sources"]) != 3 or not strings or not isinstance(document["wrt"], str):
        raise ValueError("not a first view")
    names = CurveNames(**{f.name: str(document["names"][f.name]) for f in fields(CurveNames)})
    steps = StepsResult(None, None, int(document["order"]), _node(document["steps"]["root"]),
                        tuple(_strings(document["steps"]["lines"])))
    return FirstView(dict(document["state"]), tuple(document["variables"]), document["wrt"], int(document["order"]),
                     bool(document["partial"]), tuple(document["sources"]), tuple(document["ladder"]), names,
                     {key: str(value) for key, value in document["header"].items()}, steps,
                     tuple(dict(marker) for marker in document["markers"]), tuple(_strings(document["notes"])))


def _strings(values: Any) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise TypeError("expected a list of texts")
    return values


def _node(data: dict) -> StepNode:
    texts = [str(data[key]) for key in ("rule", "title", "line", "explanation", "latex")]
    return StepNode(*texts, None, tuple(_node(child) for child in data["children"]))


def _node_json(node: StepNode) -> dict:
    return {"rule": node.rule, "title": node.title, "line": node.line, "explanation": node.explanation,
            "latex": node.latex, "children": [_node_json(child) for child in node.children]}


def capture(tab, state: dict) -> dict:
    """The JSON of what a complete DerivativesTab shows now (its jobs answered, the exact analysis in), for the
    state it was given (`state`, DerivativesState.to_dict(): the tab's own has the view it fitted since)."""
    result, steps, slot = tab.result(), tab.steps_view.result(), tab._slots[0]
    if result is None or steps is None or slot.ladder is None or len(result.functions) != 3:
        raise ValueError("the tab is not complete")
    sources = [function.source for function in (*result.functions, *slot.ladder.functions)]
    if any(source is None for source in sources):
        raise ValueError("a curve needs more than NumPy's names")
    from calclab.ui.tabs.derivatives.header import HeaderBar

    return {
        "format": FORMAT, "versions": versions(), "state": json.loads(json.dumps(state)),
        "variables": [v.name for v in result.variables], "wrt": result.wrt.name, "order": result.order,
        "partial": result.partial, "sources": sources[:3], "ladder": sources[3:],
        "names": asdict(tab.curve_names()), "header": HeaderBar.texts_for(result),
        "steps": {"root": _node_json(steps.root), "lines": list(steps.lines)},
        "markers": [asdict(marker) for marker, _color in tab.markers()],
        "notes": list(slot.analysis[1].notes) if slot.analysis is not None else [],
    }


def build(out: str) -> None:
    """Open the tab in its default state (worker and shipped results as a launch has them), wait until it is
    complete, check that every curve compiles the same without SymPy, and write the view to `out`."""
    import numpy as np
    from PySide6.QtWidgets import QApplication

    from calclab.state.derivatives import DerivativesState
    from calclab.ui.tabs.derivatives.tab import DerivativesTab
    from calclab.ui.worker import SymbolicWorker

    app = QApplication.instance() or QApplication([])
    worker = SymbolicWorker()
    worker.start()
    tab = DerivativesTab(worker)
    tab.resize(1400, 900)
    tab.show()
    try:
        _wait(app, lambda: not tab.is_busy() and tab._slots[0].analysis is not None and worker.is_idle())
        document = capture(tab, DerivativesState().to_dict())
        view = from_json(document)
        result = tab.result()
        xs = np.linspace(-10.0, 10.0, 2001)
        for plain, compiled in zip((*view.functions(), *view.ladder_functions()),
                                   (*result.functions, *tab._slots[0].ladder.functions), strict=True):
            args = [xs] * len(view.variables)
            if not np.array_equal(plain(*args), compiled(*args), equal_nan=True):
                raise ValueError("a curve compiles differently without SymPy")
    finally:
        worker.shutdown()
    with open(out, "w", encoding="utf-8") as file:
        json.dump(document, file, ensure_ascii=False, indent=1, sort_keys=True)
        file.write("\n")


def _wait(app, done, seconds: float = 60.0) -> None:
    import time

    end = time.monotonic() + seconds
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the tab did not complete")
        app.processEvents()
        time.sleep(0.01)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build"]:
        from calclab.resource_files import resource

        build(str(resource(*SHIPPED)))
        print(f"wrote {resource(*SHIPPED)}")
    else:
        sys.exit("usage: python -m calclab.ui.tabs.derivatives.first_view --build")
