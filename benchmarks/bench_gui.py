"""GUI figures, measured in the real calclab window: `python bench_gui.py [--quick] [--diagnose] [--parts ...]`.

Run as its own process by run.py, so Qt state and memory are its own; prints one JSON line
{"results": {...}, "notes": {...}}. Each part drives a tab through its public API or like a user would (key
clicks into the expression box); a part that cannot run (a tab without the API) becomes a note, not a number.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import traceback
from collections.abc import Callable

import gui_harness
from bench_descent import (
    DESCENT_1D,
    DESCENT_2D,
    descent_2d_with_baseline,
    descent_baseline_2d,
    descent_memory,
    descent_steps,
    preview_redraws,
)
from bench_typing import (
    CHAIN_PATHOLOGICAL,
    PATHOLOGICAL,
    REPEATS,
    gui_block_backprop,
    gui_block_chain,
    gui_block_derivatives,
    typing_latency,
)
from gui_harness import Bench, StallSampler


def run_part(results: dict, notes: dict, name: str, func: Callable[[], dict]) -> None:
    """Run one part; a failure becomes a note (the other parts still run), never a made-up number."""
    try:
        results[name] = func()
    except Exception as exc:  # noqa: BLE001 - a missing tab API or a crash is reported, not hidden
        results[name] = None
        notes[name] = f"{type(exc).__name__}: {exc}"
        traceback.print_exc(file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--rss-steps", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--budget", type=float, default=2.0)
    parser.add_argument("--drags", type=int, default=200, help="slider positions for the preview figure")
    parser.add_argument("--parts", default="steps,baseline,typing,block,memory,preview")
    parser.add_argument("--quick", action="store_true", help="one pathological expression instead of all")
    parser.add_argument("--diagnose", action="store_true", help="print where the GUI thread stalled (stderr)")
    args = parser.parse_args(argv)
    if args.diagnose:
        gui_harness.SAMPLER = StallSampler()
    parts = set(args.parts.split(","))
    bench = Bench()
    results: dict = {}
    notes: dict = {}
    if "steps" in parts:
        run_part(results, notes, "descent_1d", lambda: descent_steps(bench, DESCENT_1D, args.steps))
    if "steps" in parts and "baseline" in parts:   # interleaved, so both see the same machine
        run_part(results, notes, "descent_2d_pair", lambda: descent_2d_with_baseline(bench, args.steps))
        pair = results.pop("descent_2d_pair") or {}
        results["descent_2d"] = pair.get("descent_2d")
        results["descent_baseline_2d"] = pair.get("descent_baseline_2d")
        if "descent_2d_pair" in notes:
            notes["descent_2d"] = notes.pop("descent_2d_pair")
    elif "steps" in parts:
        run_part(results, notes, "descent_2d", lambda: descent_steps(bench, DESCENT_2D, args.steps))
    elif "baseline" in parts:
        run_part(results, notes, "descent_baseline_2d", lambda: descent_baseline_2d(bench, args.steps))
    if "typing" in parts:
        run_part(results, notes, "typing", lambda: typing_latency(bench, args.keys))
    if "block" in parts:
        repeats = 1 if args.quick else REPEATS
        run_part(results, notes, "block_derivatives", lambda: gui_block_derivatives(
            bench, args.budget, PATHOLOGICAL[:1] if args.quick else PATHOLOGICAL, repeats))
        run_part(results, notes, "block_chain", lambda: gui_block_chain(
            bench, args.budget, CHAIN_PATHOLOGICAL[:1] if args.quick else CHAIN_PATHOLOGICAL, repeats))
        run_part(results, notes, "block_backprop", lambda: gui_block_backprop(bench, args.epochs, repeats))
    if "preview" in parts:
        run_part(results, notes, "preview", lambda: preview_redraws(bench, args.drags))
    if "memory" in parts:
        run_part(results, notes, "memory", lambda: descent_memory(bench, args.rss_steps))
    bench.close()
    if gui_harness.SAMPLER is not None:
        print("GUI-thread stalls by place (sampled every 10 ms while late):\n" + gui_harness.SAMPLER.report(),
              file=sys.stderr)
    print(json.dumps({"results": results, "notes": notes}, default=lambda v: None if not math.isfinite(v) else v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
