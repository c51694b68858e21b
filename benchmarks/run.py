"""calclab's benchmark suite: `python benchmarks/run.py [--json] [--quick]`.

Prints a table of figures, each with the baseline measured in the same run, the ratio, the goal (issue 9) and
PASS/MISS; with --json the last line of output is one JSON object with every figure. --quick uses tiny counts
(a smoke test of the machinery, well under a minute; its numbers mean little).

Parts: start-up (fresh processes, benchmarks/startup_probe.py), engine (in this process: grid evaluation and
an MLP step against hand-written NumPy, and PyTorch when an interpreter with torch is available), GUI (the real
window in a separate process, benchmarks/bench_gui.py: descent steps, typing latency, event-loop stalls, memory),
export (benchmarks/bench_export.py: a long run's CSV export against `calclab descent --json`, fresh processes).
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_complete  # noqa: E402
from bench_common import INFO, Figure, ratio, table  # noqa: E402
from bench_engine import grid_eval, mlp_numpy, mlp_torch  # noqa: E402
from bench_export import export_long_run  # noqa: E402
from bench_playground import landscape_time, trainer_step  # noqa: E402
from bench_startup import startup  # noqa: E402
from bench_surface import surface_frames  # noqa: E402

GOALS = {
    "startup_ratio": 1.3,
    "descent_step_ms": 16.0,
    "descent_step_ratio": 2.0,
    "grid_eval_ratio": 1.2,
    "mlp_step_ratio_numpy": 1.2,
    "mlp_step_ratio_torch": 1.0,
    "max_gui_block_ms": 100.0,
    "rss_growth_mb": 20.0,
    "typing_latency_ms": 50.0,
    "export_long_run_ratio": 1.5,
    "trainer_step_ratio_numpy": 1.2,
    "playground_fps": 20.0,
    "playground_max_block_ms": 100.0,
    "landscape_s": 2.0,
    "preview_redraws_per_s": 30.0,
    "surface_frame_ms": 33.0,        # issue 16: rotating the OpenGL surface (100 x 100) under Xvfb
    "surface_soft_frame_ms": 100.0,  # and the software one (60 x 60)
}

FULL = {"startup_processes": 5, "grid": (2, 60), "mlp": (20, 100), "gui": [], "export": (20_000, 3, True),
        "complete": (5, True), "landscape": (41, 3)}
QUICK = {"startup_processes": 1, "grid": (2, 3), "mlp": (10, 3), "export": (500, 1, False), "complete": (1, False),
         "landscape": (5, 1),
         "gui": ["--steps", "10", "--rss-steps", "100", "--keys", "2", "--epochs", "20", "--budget", "0.5",
                 "--quick", "--drags", "10", "--playground-s", "1"]}
GUI_TIMEOUT_S = 1800


def versions() -> dict:
    """What the figures were measured with."""
    info = {"python": platform.python_version(), "machine": platform.machine(), "cores": os.cpu_count(),
            "date": datetime.date.today().isoformat()}
    for name in ("numpy", "sympy", "PySide6", "pyqtgraph"):
        try:
            info[name] = __import__(name).__version__
        except Exception:  # noqa: BLE001 - a missing package is reported as such
            info[name] = None
    info["qt_platform"] = os.environ.get("QT_QPA_PLATFORM", "offscreen")
    info["load_average_1min"] = round(os.getloadavg()[0], 2)   # other work on the machine inflates times
    return info


def run_gui_part(extra: list[str]) -> tuple[dict, dict]:
    """bench_gui.py in its own process: (results, notes)."""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        done = subprocess.run([sys.executable, str(HERE / "bench_gui.py"), *extra], capture_output=True, text=True,
                              env=env, timeout=GUI_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {}, {"gui": f"bench_gui.py did not finish within {GUI_TIMEOUT_S} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip().splitlines()[-3:]
        return {}, {"gui": f"bench_gui.py failed (exit {done.returncode}): {' | '.join(tail)}"}
    payload = json.loads(lines[-1])
    return payload["results"], payload["notes"]


def measure(quick: bool, torch_python: str | None, skip_gui: bool, startup_only: bool = False) -> tuple[dict, dict]:
    """Run every part; (raw measurements, notes on parts that could not run)."""
    counts = QUICK if quick else FULL
    raw: dict = {}
    notes: dict = {}
    try:
        raw.update(startup(counts["startup_processes"]))
    except Exception as exc:  # noqa: BLE001 - a broken part is a note and nulls, never an invented number
        notes["startup"] = f"{type(exc).__name__}: {exc}"
    try:
        raw.update(bench_complete.complete(*counts["complete"]))
    except Exception as exc:  # noqa: BLE001 - as above
        notes["complete"] = f"{type(exc).__name__}: {exc}"
    if startup_only:
        return raw, notes
    try:
        raw.update(export_long_run(*counts["export"]))
    except Exception as exc:  # noqa: BLE001 - as above
        notes["export"] = f"{type(exc).__name__}: {exc}"
    raw.update(grid_eval(*counts["grid"]))
    surface, surface_notes = surface_frames(6 if quick else 60, opengl=not quick)
    raw.update(surface)
    notes.update(surface_notes)
    raw.update(mlp_numpy(*counts["mlp"]))
    raw.update(mlp_torch(*counts["mlp"], torch_python=torch_python))
    raw.update(trainer_step(*counts["mlp"]))
    grid, repeats = counts["landscape"]
    raw.update(landscape_time(repeats, grid))
    if not skip_gui:
        gui, gui_notes = run_gui_part(counts["gui"])
        raw["gui"] = gui
        notes.update(gui_notes)
    return raw, notes


def _get(mapping: dict | None, *keys: str) -> float | None:
    for key in keys:
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(key)
    return mapping if isinstance(mapping, int | float) and math.isfinite(mapping) else None


def _at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def figures(raw: dict, notes: dict) -> list[Figure]:
    """The table rows: every goal of issue 9 judged on this run's measurements."""
    gui = raw.get("gui") or {}
    rows: list[Figure] = []

    start, start_base = raw.get("startup_s"), raw.get("startup_baseline_s")
    start_ratio = ratio(start, start_base)
    rows.append(Figure("startup_s", start, "s", "<= 1.3x baseline", _at_most(start_ratio, GOALS["startup_ratio"]),
                       start_base, start_ratio, notes.get("startup", "")))
    ready = raw.get("startup_tab_ready_s")
    rows.append(Figure("startup_tab_ready_s", ready, "s", INFO, None, start_base, ratio(ready, start_base),
                       "first tab built (SymPy, matplotlib, widgets) and painted: the window usable"))
    modules = raw.get("modules_at_first_paint")
    rows.append(Figure("heavy_modules_at_first_paint", None if modules is None else len(modules), "modules",
                       "0 (SymPy, matplotlib off the critical path)", None if modules is None else not modules,
                       note=", ".join(modules or [])))

    d1, d2 = _get(gui, "descent_1d", "median_ms"), _get(gui, "descent_2d", "median_ms")
    d2_base = _get(gui, "descent_baseline_2d", "median_ms")
    d2_ratio = ratio(d2, d2_base)
    rows.append(Figure("descent_step_ms_1d", d1, "ms", "<= 16 ms", _at_most(d1, GOALS["descent_step_ms"]),
                       note=notes.get("descent_1d", "")))
    passed_2d = None if d2 is None else (d2 <= GOALS["descent_step_ms"]
                                         and (d2_ratio is None or d2_ratio <= GOALS["descent_step_ratio"]))
    rows.append(Figure("descent_step_ms_2d", d2, "ms", "<= 16 ms and <= 2x baseline", passed_2d, d2_base, d2_ratio,
                       notes.get("descent_2d", "") or notes.get("descent_baseline_2d", "")))

    grid_ratio = ratio(raw.get("grid_eval_ms"), raw.get("grid_eval_numpy_ms"))
    rows.append(Figure("grid_eval_ratio", grid_ratio, "x", "<= 1.2", _at_most(grid_ratio, GOALS["grid_eval_ratio"]),
                       raw.get("grid_eval_numpy_ms"), grid_ratio,
                       f"engine {raw.get('grid_eval_ms', 0):.2f} ms vs NumPy (baseline column, ms)"))
    mlp_np = ratio(raw.get("mlp_step_ms"), raw.get("mlp_step_numpy_ms"))
    rows.append(Figure("mlp_step_ratio_numpy", mlp_np, "x", "<= 1.2", _at_most(mlp_np, GOALS["mlp_step_ratio_numpy"]),
                       raw.get("mlp_step_numpy_ms"), mlp_np,
                       f"engine {raw.get('mlp_step_ms', 0):.3f} ms vs hand-written NumPy (baseline column, ms)"))
    mlp_t = ratio(raw.get("mlp_step_ms"), raw.get("mlp_step_torch_ms"))
    rows.append(Figure("mlp_step_ratio_torch", mlp_t, "x", "< 1.0",
                       None if mlp_t is None else mlp_t < GOALS["mlp_step_ratio_torch"],
                       raw.get("mlp_step_torch_ms"), mlp_t, raw.get("torch_note", "")))

    blocks = {"derivatives": _get(gui, "block_derivatives", "max_block_ms"),
              "chain": _get(gui, "block_chain", "max_block_ms"),
              "backprop": _get(gui, "block_backprop", "max_block_ms")}
    measured = [v for v in blocks.values() if v is not None]
    worst = max(measured) if measured else None
    missing = [f"{name}: {notes.get('block_' + name, 'not measured')}" for name, v in blocks.items() if v is None]
    parts = [f"{name} {v:.0f} ms" for name, v in blocks.items() if v is not None]
    rows.append(Figure("max_gui_block_ms", worst, "ms", "<= 100 ms", _at_most(worst, GOALS["max_gui_block_ms"]),
                       note="; ".join(parts + missing)))

    typing_ms, typing_all = _get(gui, "typing", "first_curve_ms"), _get(gui, "typing", "all_curves_ms")
    rows.append(Figure("typing_latency_ms", typing_ms, "ms", "<= ~50 ms (keystroke to repainted f curve)",
                       _at_most(typing_ms, GOALS["typing_latency_ms"]),
                       note=notes.get("typing", "") or (f"every curve incl. f' from the worker: {typing_all:.0f} ms"
                                                        if typing_all is not None else "")))
    export_s, export_base = raw.get("export_long_run_s"), raw.get("export_long_run_baseline_s")
    export_ratio = ratio(export_s, export_base)
    rows.append(Figure("export_long_run_ratio", export_ratio, "x", "<= 1.5",
                       _at_most(export_ratio, GOALS["export_long_run_ratio"]), export_base, export_ratio,
                       notes.get("export", "") or (f"export descent --out run.csv {export_s:.2f} s vs descent --json "
                                                   f"(baseline column, s), {raw['export_long_run_epochs']:,} epochs"
                                                   if export_s is not None else "")))
    rows.extend(playground_figures(raw, gui, notes))
    preview = _get(gui, "preview", "redraws_per_s")
    rows.append(Figure("preview_redraws_per_s", preview, "/s", ">= 30 (2-D, 100 epochs, 3 optimizers, 256x256 map)",
                       None if preview is None else preview >= GOALS["preview_redraws_per_s"],
                       note=notes.get("preview", "") or (f"median {_get(gui, 'preview', 'median_ms'):.1f} ms a redraw "
                                                         "while η's slider moves" if preview is not None else "")))
    for key, base, note in (("surface_frame_ms", "surface_baseline_ms", "surface_gl"),
                            ("surface_soft_frame_ms", "surface_soft_baseline_ms", "surface_soft")):
        value, baseline = raw.get(key), raw.get(base)
        rows.append(Figure(key, value, "ms", f"<= {GOALS[key]:g} ms", _at_most(value, GOALS[key]), baseline,
                           ratio(value, baseline), notes.get(note, "") or "a frame while turning; baseline: the "
                           "same view without the mesh"))
    rows.extend(bench_complete.figures(raw, notes.get("complete", "")))
    rss = _get(gui, "memory", "growth_mb")
    rows.append(Figure("rss_growth_mb_10k_steps", rss, "MB", "<= 20 MB", _at_most(rss, GOALS["rss_growth_mb"]),
                       note=notes.get("memory", "") or notes.get("gui", "")))
    return rows


def playground_figures(raw: dict, gui: dict, notes: dict) -> list[Figure]:
    """Issue 20's figures: Trainer.step against NumPy, the training animation's frame rate and stalls, the landscape."""
    trainer = ratio(raw.get("trainer_step_ms"), raw.get("trainer_step_numpy_ms"))
    fps, block = _get(gui, "playground", "fps"), _get(gui, "playground", "max_block_ms")
    landscape = raw.get("landscape_s")
    return [
        Figure("trainer_step_ratio_numpy", trainer, "x", "<= 1.2", _at_most(trainer, GOALS["trainer_step_ratio_numpy"]),
               raw.get("trainer_step_numpy_ms"), trainer,
               f"Trainer.step {raw.get('trainer_step_ms', 0):.3f} ms vs hand-written NumPy (baseline column, ms)"),
        Figure("playground_fps", fps, "fps", ">= 20", None if fps is None else fps >= GOALS["playground_fps"],
               note=notes.get("playground", "6x8 tanh, 500 points, batch 10, every neuron's 40x40 picture redrawn; "
                              f"GUI thread {_get(gui, 'playground', 'cpu_ms_per_frame') or 0:.1f} ms CPU a frame")),
        Figure("playground_max_block_ms", block, "ms", "< 100 ms",
               None if block is None else block < GOALS["playground_max_block_ms"], note=notes.get("playground", "")),
        Figure("landscape_s", landscape, "s", "<= 2 s", _at_most(landscape, GOALS["landscape_s"]),
               note=f"{raw.get('landscape_grid', 41)}² full-loss evaluations, 7-8-8-8-8-8-8-1 tanh, 500 points"),
    ]


def json_summary(raw: dict, notes: dict, rows: list[Figure], quick: bool, env: dict) -> dict:
    """The flat JSON object issue 9 asks for (null where a figure could not be measured), plus context."""
    gui = raw.get("gui") or {}
    by_key = {row.key: row for row in rows}
    summary = {
        "startup_s": raw.get("startup_s"),
        "startup_baseline_s": raw.get("startup_baseline_s"),
        "startup_ratio": by_key["startup_s"].ratio,
        "modules_at_first_paint": raw.get("modules_at_first_paint"),
        "startup_tab_ready_s": raw.get("startup_tab_ready_s"),
        "descent_step_ms_1d": _get(gui, "descent_1d", "median_ms"),
        "descent_step_ms_2d": _get(gui, "descent_2d", "median_ms"),
        "descent_step_baseline_ms_2d": _get(gui, "descent_baseline_2d", "median_ms"),
        "descent_step_ratio_2d": by_key["descent_step_ms_2d"].ratio,
        "grid_eval_ratio": by_key["grid_eval_ratio"].value,
        "grid_eval_ms": raw.get("grid_eval_ms"),
        "grid_eval_numpy_ms": raw.get("grid_eval_numpy_ms"),
        "mlp_step_ratio_numpy": by_key["mlp_step_ratio_numpy"].value,
        "mlp_step_ratio_torch": by_key["mlp_step_ratio_torch"].value,
        "mlp_step_ms": raw.get("mlp_step_ms"),
        "mlp_step_numpy_ms": raw.get("mlp_step_numpy_ms"),
        "mlp_step_torch_ms": raw.get("mlp_step_torch_ms"),
        "max_gui_block_ms": by_key["max_gui_block_ms"].value,
        "gui_block_ms_derivatives": _get(gui, "block_derivatives", "max_block_ms"),
        "gui_block_ms_chain": _get(gui, "block_chain", "max_block_ms"),
        "gui_block_ms_backprop": _get(gui, "block_backprop", "max_block_ms"),
        "typing_latency_ms": _get(gui, "typing", "first_curve_ms"),
        "typing_latency_all_curves_ms": _get(gui, "typing", "all_curves_ms"),
        "rss_growth_mb_10k_steps": _get(gui, "memory", "growth_mb"),
        "preview_redraws_per_s": _get(gui, "preview", "redraws_per_s"),
        "export_long_run_ratio": by_key["export_long_run_ratio"].value,
        "export_long_run_s": raw.get("export_long_run_s"),
        "export_long_run_baseline_s": raw.get("export_long_run_baseline_s"),
        "surface_frame_ms": raw.get("surface_frame_ms"),
        "surface_baseline_ms": raw.get("surface_baseline_ms"),
        "surface_soft_frame_ms": raw.get("surface_soft_frame_ms"),
        "surface_soft_baseline_ms": raw.get("surface_soft_baseline_ms"),
        **bench_complete.summary(raw),
        "trainer_step_ratio_numpy": by_key["trainer_step_ratio_numpy"].value,
        "trainer_step_ms": raw.get("trainer_step_ms"),
        "playground_fps": by_key["playground_fps"].value,
        "playground_max_block_ms": by_key["playground_max_block_ms"].value,
        "landscape_s": raw.get("landscape_s"),
        "verdicts": {row.key: row.verdict() for row in rows},
        "notes": notes,
        "quick": quick,
        "environment": env,
    }
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="calclab benchmarks: figures as ratios against baselines "
                                                 "measured in the same run.")
    parser.add_argument("--json", action="store_true", help="end the output with one JSON object on its own line")
    parser.add_argument("--quick", action="store_true", help="tiny counts: checks the machinery, not the speed")
    parser.add_argument("--torch-python", metavar="PYTHON",
                        help="an interpreter with torch, for mlp_step_ratio_torch when torch is not importable "
                             "here (also read from CALCLAB_BENCH_TORCH_PYTHON)")
    parser.add_argument("--skip-gui", action="store_true", help="leave out the GUI figures")
    parser.add_argument("--startup-only", action="store_true", help="only the start-up figures (the others null)")
    args = parser.parse_args(argv)
    load_before = round(os.getloadavg()[0], 2)
    raw, notes = measure(args.quick, args.torch_python, args.skip_gui, args.startup_only)
    rows = figures(raw, notes)
    env = versions()
    env["load_average_1min_before"] = load_before
    print(f"calclab benchmarks{' (--quick: counts too small to judge speed)' if args.quick else ''}: "
          f"Python {env['python']}, PySide6 {env['PySide6']}, pyqtgraph {env['pyqtgraph']}, numpy {env['numpy']}, "
          f"{env['cores']} cores, Qt platform {env['qt_platform']}, {env['date']}; "
          f"load average {env['load_average_1min_before']} before, {env['load_average_1min']} after")
    print(table(rows))
    if args.json:
        summary = json_summary(raw, notes, rows, args.quick, env)
        print(json.dumps(summary, default=lambda v: None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
