"""Launch to the complete first tab (issue 19): calclab against the issue's bare window, fresh processes.

Every calclab launch alternates with a bare-window launch (complete_probe.py explains both), so a slow spell of
the machine hits both sides. Each figure is a median:
- complete (cold): `calclab --screenshot` in a fresh home (HOME and every XDG folder empty: no matplotlib font
  cache, no typeset store, no settings), process start to the screenshot saved;
- complete (warm): the same home launched a second time;
- usable: `calclab` in a fresh home, process start to the first paint with the expression box taking keys and
  the f curve drawn;
- complete (loaded): cold, with two CPU-bound processes running beside it, against the bare window under the same
  load (this machine has two cores: each side shares them with the two hogs);
- peak memory: all calclab processes' peak resident memory added up at the complete first tab (cold), and the bare
  window's.
Ratios use the bare samples taken in the same phase (the unloaded ones, or the loaded ones).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import launch_env

PROBE = Path(__file__).resolve().parent / "complete_probe.py"
TIMEOUT_S = 120.0
HOG = "import time\nend = time.time() + 600\nwhile time.time() < end:\n    pass\n"


def _env(home: str) -> dict[str, str]:
    env = {key: value for key, value in launch_env().items()
           if not key.startswith("XDG_") and key not in ("CALCLAB_HOME", "MPLCONFIGDIR")}
    env["HOME"] = home
    return env


def launch(kind: str, home: str) -> dict:
    """One probe process; {"seconds": its start to its end state, "rss_mb": ...}."""
    out = os.path.join(home, f"{kind}.png")
    args = [sys.executable, str(PROBE), kind] + ([] if kind == "usable" else [out])
    start = time.time()
    done = subprocess.run(args, capture_output=True, text=True, env=_env(home), timeout=TIMEOUT_S)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines or (done.returncode != 0 and kind != "usable"):
        raise RuntimeError(f"probe '{kind}' failed (exit {done.returncode}): {done.stderr.strip()[-400:]}")
    result = json.loads(lines[-1])
    if result.get("code", 0) != 0:
        raise RuntimeError(f"calclab --screenshot exited {result['code']}: {done.stderr.strip()[-400:]}")
    return {"seconds": result["t"] - start, "rss_mb": result["rss_mb"], "finished": result.get("finished", True),
            "cpu_s": result.get("cpu_s"), "children_cpu_s": result.get("children_cpu_s")}


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _ratio(value: float | None, base: float | None) -> float | None:
    return None if value is None or not base else value / base


def complete(launches: int, warm_up: bool = True) -> dict:
    """Medians over `launches` launches of each kind (see the module docstring); `warm_up`: one unmeasured launch
    of each first. Also counts the launches whose screenshot showed the tab unfinished (still computing)."""
    samples: dict[str, list[float]] = {key: [] for key in ("bare", "cold", "warm", "usable", "bare_loaded", "loaded")}
    rss: dict[str, list[float]] = {"bare": [], "cold": []}
    cpu: dict[str, list[float]] = {"bare": [], "cold": [], "cold_children": []}
    with tempfile.TemporaryDirectory(prefix="calclab-bench-") as root:
        def fresh_home() -> str:
            return tempfile.mkdtemp(dir=root)

        if warm_up:                                # unmeasured: the disk cache and Python's bytecode cache
            launch("bare", fresh_home())
            launch("complete", fresh_home())
        unfinished = 0
        for _ in range(launches):
            home = fresh_home()
            for kind, key, where in (("bare", "bare", fresh_home()), ("complete", "cold", home),
                                     ("bare", "bare", fresh_home()), ("complete", "warm", home),
                                     ("bare", "bare", fresh_home()), ("usable", "usable", fresh_home())):
                result = launch(kind, where)
                unfinished += not result["finished"]
                samples[key].append(result["seconds"])
                if key in rss:
                    rss[key].append(result["rss_mb"])
                    cpu[key].append(result["cpu_s"])
                    if key == "cold":
                        cpu["cold_children"].append(result["children_cpu_s"])
        hogs = [subprocess.Popen([sys.executable, "-c", HOG]) for _ in range(2)]
        try:
            time.sleep(0.5)
            for _ in range(launches):
                samples["bare_loaded"].append(launch("bare", fresh_home())["seconds"])
                result = launch("complete", fresh_home())
                unfinished += not result["finished"]
                samples["loaded"].append(result["seconds"])
        finally:
            for hog in hogs:
                hog.kill()
                hog.wait()
    med = {key: _median(values) for key, values in samples.items()}
    return {
        "startup_complete_s": med["cold"],
        "startup_bare_s": med["bare"],
        "startup_complete_ratio": _ratio(med["cold"], med["bare"]),
        "startup_complete_warm_s": med["warm"],
        "startup_complete_ratio_warm": _ratio(med["warm"], med["bare"]),
        "startup_usable_s": med["usable"],
        "startup_usable_ratio": _ratio(med["usable"], med["bare"]),
        "startup_complete_loaded_s": med["loaded"],
        "startup_bare_loaded_s": med["bare_loaded"],
        "startup_complete_ratio_loaded": _ratio(med["loaded"], med["bare_loaded"]),
        "startup_peak_mb": _median(rss["cold"]),
        "startup_bare_peak_mb": _median(rss["bare"]),
        "startup_unfinished_launches": unfinished,
        "startup_cpu_s": {key: _median(values) for key, values in cpu.items()},   # main process; children apart
        "startup_complete_samples_s": {key: [round(v, 3) for v in values] for key, values in samples.items()},
    }


if __name__ == "__main__":
    print(json.dumps(complete(int(sys.argv[1]) if len(sys.argv) > 1 else 5), indent=1))


GOALS = {"startup_complete_ratio": 2.0, "startup_complete_ratio_warm": 1.5, "startup_usable_ratio": 1.5,
         "startup_complete_ratio_loaded": 4.0}
SUMMARY_KEYS = ("startup_complete_s", "startup_bare_s", "startup_complete_ratio", "startup_complete_warm_s",
                "startup_complete_ratio_warm", "startup_usable_s", "startup_usable_ratio", "startup_complete_loaded_s",
                "startup_bare_loaded_s", "startup_complete_ratio_loaded", "startup_peak_mb", "startup_bare_peak_mb",
                "startup_unfinished_launches", "startup_cpu_s")


def figures(raw: dict, note: str = "") -> list:
    """The table rows of issue 19's goals (bench_common.Figure)."""
    from bench_common import INFO, Figure

    def row(key: str, value_key: str, base_key: str, what: str) -> Figure:
        value, base, ratio = raw.get(value_key), raw.get(base_key), raw.get(key)
        passed = None if ratio is None else ratio <= GOALS[key]
        said = (note or what) if value is None else f"{value:.2f} s, {what} (baseline column: bare window, s)"
        return Figure(key, ratio, "x", f"<= {GOALS[key]:g}x bare", passed, base, ratio, said)

    unfinished = raw.get("startup_unfinished_launches")
    rows = [row("startup_complete_ratio", "startup_complete_s", "startup_bare_s", "fresh home, to the complete tab"),
            row("startup_complete_ratio_warm", "startup_complete_warm_s", "startup_bare_s", "second launch"),
            row("startup_usable_ratio", "startup_usable_s", "startup_bare_s",
                "expression box takes keys, f drawn, painted"),
            row("startup_complete_ratio_loaded", "startup_complete_loaded_s", "startup_bare_loaded_s",
                "two CPU-bound processes beside it, bare under the same load"
                + ("" if unfinished is None else f"; launches whose tab was unfinished: {unfinished}")),
            Figure("startup_peak_mb", raw.get("startup_peak_mb"), "MB", INFO, None, raw.get("startup_bare_peak_mb"),
                   None, "all calclab processes' peak RSS added up at the complete first tab (baseline: bare)")]
    return rows


def summary(raw: dict) -> dict:
    """The JSON keys of issue 19 (null where not measured)."""
    return {key: raw.get(key) for key in SUMMARY_KEYS}
