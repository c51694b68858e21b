"""Start-up figures: process start to first painted window, calclab vs a bare PySide6 + pyqtgraph window.

Each sample is a fresh process (startup_probe.py); calclab and baseline processes alternate so a slow spell of
the machine hits both. One unmeasured run of each first warms the disk cache and Python's bytecode cache.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_common import launch_env

PROBE = Path(__file__).resolve().parent / "startup_probe.py"
PROBE_TIMEOUT_S = 60.0


def probe_once(kind: str, env: dict[str, str]) -> dict:
    """Start one probe process; return {"seconds": start-to-first-paint, "modules": heavy modules loaded}."""
    start = time.time()
    done = subprocess.run([sys.executable, str(PROBE), kind], capture_output=True, text=True, env=env,
                          timeout=PROBE_TIMEOUT_S)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"start-up probe '{kind}' failed (exit {done.returncode}): {done.stderr.strip()[-400:]}")
    result = json.loads(lines[-1])
    ready = result.get("t_ready")
    return {"seconds": result["t"] - start, "modules": result["modules"],
            "ready_seconds": None if ready is None else ready - start}


def startup(processes: int) -> dict:
    """Medians over `processes` processes each; also which heavy modules calclab had loaded at first paint and
    when its first tab was built and painted (the window usable, not only shown)."""
    env = launch_env()
    for kind in ("baseline", "calclab"):
        probe_once(kind, env)
    samples: dict[str, list[float]] = {"calclab": [], "baseline": []}
    ready: list[float] = []
    modules: set[str] = set()
    for _ in range(processes):
        for kind in ("baseline", "calclab"):
            result = probe_once(kind, env)
            samples[kind].append(result["seconds"])
            if kind == "calclab":
                modules.update(result["modules"])
                if result["ready_seconds"] is not None:
                    ready.append(result["ready_seconds"])
    return {
        "startup_s": statistics.median(samples["calclab"]),
        "startup_baseline_s": statistics.median(samples["baseline"]),
        "startup_samples_s": [round(s, 4) for s in samples["calclab"]],
        "startup_baseline_samples_s": [round(s, 4) for s in samples["baseline"]],
        "modules_at_first_paint": sorted(modules),
        "startup_tab_ready_s": statistics.median(ready) if ready else None,
    }
