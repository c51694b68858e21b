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

PROBE = Path(__file__).resolve().parent / "complete_probe.py"
TIMEOUT_S = 120.0
HOG = "import time\nend = time.time() + 600\nwhile time.time() < end:\n    pass\n"


def _env(home: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("XDG_") and key not in ("CALCLAB_HOME", "MPLCONFIGDIR")}
    env.update(HOME=home, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
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
    return {"seconds": result["t"] - start, "rss_mb": result["rss_mb"]}


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _ratio(value: float | None, base: float | None) -> float | None:
    return None if value is None or not base else value / base


def complete(launches: int) -> dict:
    """Medians over `launches` launches of each kind (see the module docstring)."""
    samples: dict[str, list[float]] = {key: [] for key in ("bare", "cold", "warm", "usable", "bare_loaded", "loaded")}
    rss: dict[str, list[float]] = {"bare": [], "cold": []}
    with tempfile.TemporaryDirectory(prefix="calclab-bench-") as root:
        def fresh_home() -> str:
            return tempfile.mkdtemp(dir=root)

        launch("bare", fresh_home())              # unmeasured: the disk cache and Python's bytecode cache
        launch("complete", fresh_home())
        for _ in range(launches):
            home = fresh_home()
            for kind, key, where in (("bare", "bare", fresh_home()), ("complete", "cold", home),
                                     ("bare", "bare", fresh_home()), ("complete", "warm", home),
                                     ("bare", "bare", fresh_home()), ("usable", "usable", fresh_home())):
                result = launch(kind, where)
                samples[key].append(result["seconds"])
                if key in rss:
                    rss[key].append(result["rss_mb"])
        hogs = [subprocess.Popen([sys.executable, "-c", HOG]) for _ in range(2)]
        try:
            time.sleep(0.5)
            for _ in range(launches):
                samples["bare_loaded"].append(launch("bare", fresh_home())["seconds"])
                samples["loaded"].append(launch("complete", fresh_home())["seconds"])
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
        "startup_complete_samples_s": {key: [round(v, 3) for v in values] for key, values in samples.items()},
    }


if __name__ == "__main__":
    print(json.dumps(complete(int(sys.argv[1]) if len(sys.argv) > 1 else 5), indent=1))
