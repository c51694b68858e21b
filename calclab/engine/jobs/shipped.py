"""Results of the jobs each tab's first view asks for, made at build time and shipped with calclab.

A tab's first view is always the same (its default state), so the symbolic jobs it asks for at launch (the
derivative, its steps, the critical points, ...) always have the same answers. Waiting for the worker process to
start and compute them is most of the time between a painted window and a complete first tab, and far more on a
busy machine. So they are computed once, at build time, and kept in `resources/results/first_views.pickle`:
the worker answers a job found there at once and sends only the others to its process.

The key of a job is the digest of a canonical text of its function and arguments (`job_text`): SymPy objects
by `srepr`, floats by their exact repr, containers element by element. Not the pickled bytes the worker sends:
those also record which objects were shared (an expression that came back from the worker shares its symbols
with the variables beside it, one that was typed does not), so the same job pickles differently. A request over
MAX_REQUEST bytes is never a first view's and is not looked up. An entry keeps that request beside the
result, so a test can run every request again and compare (tests/engine/test_shipped_results.py): a code change
that alters a result, or the arguments a tab sends, fails the test until the file is rebuilt with
`python -m calclab.engine.jobs.shipped --build` (it launches every tab's first view and records its jobs).
The file also names the calclab, SymPy and NumPy versions it was made with; under any other version it is not
used at all. Only this shipped file is read (a pickle is code: nothing from a user-writable folder is loaded);
a missing or damaged file just means every job goes to the worker. Qt-free.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import threading
from typing import Any

from calclab import __version__

SHIPPED = ("results", "first_views.pickle")
FORMAT = 1
BUILD_ENV = "CALCLAB_RESULTS_BUILD"   # a folder: the worker records every job it answers there (--build)
MAX_REQUEST = 20_000                  # bytes; the first views' requests are a few hundred
_lock = threading.Lock()
_entries: dict[str, tuple[bytes, bytes]] | None = None   # digest -> (request, result), loaded on first use


def job_text(func: Any, args: tuple) -> str:
    """The canonical text of a job: its function's name and every argument's exact value."""
    return f"{func.__module__}.{func.__qualname__}{_text(tuple(args))}"


def _text(value: Any) -> str:
    from sympy import Basic, srepr

    if isinstance(value, Basic):
        return srepr(value)
    if isinstance(value, float):
        return f"float({value!r})"
    if isinstance(value, tuple | list):
        return f"{type(value).__name__}({', '.join(_text(item) for item in value)})"
    if isinstance(value, dict):
        return f"dict({', '.join(f'{_text(k)}: {_text(v)}' for k, v in sorted(value.items(), key=repr))})"
    if value is None or isinstance(value, bool | int | str):
        return repr(value)
    return f"{type(value).__qualname__}:{pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL).hex()}"


def digest(func: Any, args: tuple) -> str:
    """The key of one job."""
    return hashlib.sha256(job_text(func, args).encode("utf-8")).hexdigest()


def versions() -> dict[str, str]:
    """What a shipped result depends on besides calclab's code: the versions it was computed with."""
    import numpy
    import sympy

    return {"calclab": __version__, "sympy": sympy.__version__, "numpy": numpy.__version__}


def entries() -> dict[str, tuple[bytes, bytes]]:
    """Every shipped (request, result) by digest; empty if the file is missing, damaged or of other versions."""
    global _entries
    with _lock:
        if _entries is None:
            _entries = {} if os.environ.get(BUILD_ENV) else _read()
        return _entries


def _read() -> dict[str, tuple[bytes, bytes]]:
    from calclab.resource_files import resource

    try:
        document = pickle.loads(resource(*SHIPPED).read_bytes())   # shipped inside the package, like its code
    except Exception:  # noqa: BLE001 - missing or damaged: nothing is shipped, the worker computes everything
        return {}
    if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("versions") != versions():
        return {}
    found = document.get("entries")
    if not isinstance(found, dict):
        return {}
    return {key: value for key, value in found.items()
            if isinstance(key, str) and isinstance(value, tuple) and len(value) == 2
            and all(isinstance(part, bytes) for part in value)}


def lookup(func: Any, args: tuple, request: bytes) -> tuple[bool, Any]:
    """(True, result) if the job func(*args), pickled as `request`, has a shipped result, else (False, None).

    When building (--build) every request is computed here and recorded, even one the tab supersedes before
    the worker gets to it (Gradients asks for the critical points of its map's first, provisional view)."""
    if len(request) > MAX_REQUEST:
        return False, None
    if os.environ.get(BUILD_ENV):
        record(func, args, request, func(*args))
        return False, None
    known = entries()
    if not known:
        return False, None
    entry = known.get(digest(func, args))
    if entry is None:
        return False, None
    try:
        return True, pickle.loads(entry[1])
    except Exception:  # noqa: BLE001 - an entry that cannot be read is a miss
        return False, None


def record(func: Any, args: tuple, request: bytes, result: object) -> None:
    """--build: keep one answered job in the $CALCLAB_RESULTS_BUILD folder (nothing otherwise)."""
    folder = os.environ.get(BUILD_ENV)
    if not folder:
        return
    try:
        data = pickle.dumps((digest(func, args), request, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)),
                            protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - a result that does not pickle is simply not shipped
        return
    try:
        with open(os.path.join(folder, digest(func, args) + ".job"), "wb") as file:
            file.write(data)
    except OSError as error:
        print(f"warning: cannot record a job result in {folder}: {error.strerror}", file=sys.stderr)


def build(folder: str, out: str) -> int:
    """Pack the jobs recorded in `folder` into the shipped file `out`; returns how many."""
    found = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".job"):
            with open(os.path.join(folder, name), "rb") as file:
                key, request, result = pickle.loads(file.read())
            found[key] = (request, result)
    with open(out, "wb") as file:
        pickle.dump({"format": FORMAT, "versions": versions(), "entries": found}, file,
                    protocol=pickle.HIGHEST_PROTOCOL)
    return len(found)


def _build_main() -> int:
    """Launch every tab's first view (a screenshot of each, recording its jobs) and ship what they asked for."""
    import tempfile

    from calclab.resource_files import _CHECKOUT, launch_every_first_view

    with tempfile.TemporaryDirectory() as home:
        launch_every_first_view(home, {BUILD_ENV: home})
        out = _CHECKOUT.joinpath(*SHIPPED)
        out.parent.mkdir(parents=True, exist_ok=True)
        count = build(home, str(out))
    print(f"{count} job results written to {out}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] != ["--build"]:
        sys.exit("usage: python -m calclab.engine.jobs.shipped --build")
    sys.exit(_build_main())
