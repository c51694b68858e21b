"""Smoke tests of the benchmark suite's machinery (benchmarks/run.py): it runs, its baselines compute the same
maths as the engine, and --json ends with one object holding every key issue 9 names. No timing assertions:
machines here are noisy and --quick counts are far too small to judge speed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
REQUIRED_KEYS = (
    "startup_s", "startup_baseline_s", "descent_step_ms_1d", "descent_step_ms_2d", "descent_step_baseline_ms_2d",
    "grid_eval_ratio", "mlp_step_ratio_numpy", "mlp_step_ratio_torch", "max_gui_block_ms",
    "rss_growth_mb_10k_steps", "typing_latency_ms", "export_long_run_ratio", "preview_redraws_per_s",
    "surface_frame_ms", "surface_soft_frame_ms",
    "startup_complete_s", "startup_complete_ratio", "startup_complete_ratio_warm", "startup_usable_ratio",
    "startup_complete_ratio_loaded", "startup_peak_mb", "startup_bare_peak_mb",
)


@pytest.fixture(scope="module")
def bench_modules():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import bench_common as common
        import bench_engine

        yield bench_engine, common
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_hand_written_mlp_step_matches_backprop_by_finite_differences(bench_modules):
    """The NumPy baseline is only a fair floor if it computes the right gradient: check it independently."""
    bench_engine, _common = bench_modules
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(8, 2)), rng.integers(0, 2, size=(8, 1)).astype(float)
    params = [(rng.normal(size=(2, 16)), rng.normal(size=16)), (rng.normal(size=(16, 16)), rng.normal(size=16)),
              (rng.normal(size=(16, 1)), rng.normal(size=1))]

    def loss_at(ps) -> float:
        copy = [(W.copy(), b.copy()) for W, b in ps]
        return bench_engine.numpy_step(copy, X, y, 0.0)   # lr 0: the loss, weights unchanged

    lr = 1e-3
    stepped = [(W.copy(), b.copy()) for W, b in params]
    bench_engine.numpy_step(stepped, X, y, lr)
    eps = 1e-6
    for layer in range(3):
        for which, index in ((0, (1, 0)), (1, (0,))):   # one weight and one bias of every layer
            analytic = (params[layer][which] - stepped[layer][which]) / lr   # the gradient the update used
            up = [(W.copy(), b.copy()) for W, b in params]
            down = [(W.copy(), b.copy()) for W, b in params]
            up[layer][which][index] += eps
            down[layer][which][index] -= eps
            numeric = (loss_at(up) - loss_at(down)) / (2 * eps)
            assert analytic[index] == pytest.approx(numeric, rel=1e-5, abs=1e-8)


def test_engine_parts_report_positive_times(bench_modules):
    bench_engine, _common = bench_modules
    grid = bench_engine.grid_eval(1, 2)      # also asserts the engine and NumPy grids agree
    mlp = bench_engine.mlp_numpy(2, 2)       # also asserts the engine and NumPy steps agree
    assert grid["grid_eval_ms"] > 0 and grid["grid_eval_numpy_ms"] > 0
    assert mlp["mlp_step_ms"] > 0 and mlp["mlp_step_numpy_ms"] > 0


def test_table_marks_misses_and_missing_figures(bench_modules):
    _bench_engine, common = bench_modules
    rows = [common.Figure("a", 2.0, "x", "<= 1.2", False, 1.0, 2.0),
            common.Figure("b", None, "ms", "<= 16 ms", None, note="tab not built")]
    text = common.table(rows)
    assert "MISS" in text and "n/a" in text and "tab not built" in text
    assert common.ratio(None, 1.0) is None and common.ratio(3.0, 0.0) is None and common.ratio(3.0, 2.0) == 1.5


@pytest.mark.slow
def test_quick_run_ends_with_one_json_object_with_every_key():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("CALCLAB_BENCH_TORCH_PYTHON", None)
    done = subprocess.run([sys.executable, str(BENCHMARKS / "run.py"), "--quick", "--json"], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert isinstance(summary, dict)
    missing = [key for key in REQUIRED_KEYS if key not in summary]
    assert not missing, missing
    assert "figure" in done.stdout and "verdict" in done.stdout    # the table came first
    # Parts that cannot fail for lack of a tab must have produced numbers.
    for key in ("startup_s", "startup_baseline_s", "grid_eval_ratio", "mlp_step_ratio_numpy",
                "descent_step_ms_1d", "descent_step_ms_2d", "descent_step_baseline_ms_2d", "max_gui_block_ms",
                "typing_latency_ms", "export_long_run_ratio", "preview_redraws_per_s", "surface_soft_frame_ms",
                "startup_complete_s", "startup_complete_ratio", "startup_complete_ratio_warm", "startup_usable_ratio",
                "startup_complete_ratio_loaded", "startup_peak_mb", "startup_bare_peak_mb"):
        assert isinstance(summary[key], float) and summary[key] > 0, (key, summary["notes"])
    assert isinstance(summary["rss_growth_mb_10k_steps"], float), summary["notes"]
    assert summary["modules_at_first_paint"] == []    # SymPy and matplotlib load after the first paint
    for key, verdict in summary["verdicts"].items():
        assert verdict in ("PASS", "MISS", "n/a", "info"), key
