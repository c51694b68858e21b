"""The long-export figure: `calclab export descent ... --out run.csv` against `calclab descent ... --json`.

Both write the same run's epochs (the CSV table, the JSON steps), so the export should cost about what the command
line does (issue 14: it took 135 s against 3 s while the tab repainted every epoch). Each sample is a fresh process
of each, paying its own imports; they alternate so a slow spell of the machine hits both, and the figure is the
ratio of the medians. The processes run from the repository root, so `-m calclab` is this checkout's code.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 600.0


def _timed(command: list[str], env: dict[str, str]) -> float:
    """Seconds from process start to exit; RuntimeError if the command failed."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          timeout=TIMEOUT_S)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[2:5])} failed (exit {done.returncode}): {done.stderr.strip()[-300:]}")
    return seconds


def export_long_run(epochs: int, rounds: int, warm_up: bool = True) -> dict:
    """Median seconds of the CSV export and of `calclab descent --json` for f = x^2 from 1, lr 0.001, `epochs`."""
    run = ["--x0", "1", "--lr", "0.001", "--epochs", str(epochs)]
    with tempfile.TemporaryDirectory(prefix="calclab-bench-") as folder:
        env = dict(os.environ, CALCLAB_HOME=folder)
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        commands = {
            "export": [sys.executable, "-m", "calclab", "export", "descent", "--expr", "x^2", *run,
                       "--out", os.path.join(folder, "run.csv")],
            "baseline": [sys.executable, "-m", "calclab", "descent", "x^2", *run, "--json"],
        }
        if warm_up:   # the disk cache and Python's bytecode cache, for both
            for command in commands.values():
                _timed(command, env)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(rounds):
            for name, command in commands.items():
                samples[name].append(_timed(command, env))
    return {
        "export_long_run_s": statistics.median(samples["export"]),
        "export_long_run_baseline_s": statistics.median(samples["baseline"]),
        "export_long_run_samples_s": [round(s, 3) for s in samples["export"]],
        "export_long_run_baseline_samples_s": [round(s, 3) for s in samples["baseline"]],
        "export_long_run_epochs": epochs,
    }
