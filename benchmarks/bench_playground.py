"""Playground figures (issue 20), engine side: Trainer.step against the hand-written NumPy step, and the loss
landscape's 41x41 grid.

trainer_step_ratio_numpy times `Trainer(net, "sgd", lr).step` on the 2-16-16-1 tanh/sigmoid net, 512 points, full
batch, interleaved with bench_engine.numpy_step (the same net and data as mlp_step_ratio_numpy), after checking
both give the same losses and weights. landscape_s is the job the tab's numeric worker runs
(engine/jobs/backprop.landscape_job) on a 7-8-8-8-8-8-8-1 tanh net (every feature, six hidden layers of eight)
and 500 points, timed here in one process: the worker adds only the pickling of a few KB.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from bench_common import interleaved_medians
from bench_engine import MLP_LR, MLP_SIZES, mlp_data, numpy_step

LANDSCAPE_SIZES = [7, 8, 8, 8, 8, 8, 8, 1]
LANDSCAPE_POINTS = 500


def trainer_step(calls: int, rounds: int) -> dict:
    """Milliseconds per Trainer.step (sgd, full batch) and per hand-written NumPy step, interleaved."""
    from calclab.engine.backprop import MLP, Trainer

    X, y = mlp_data()
    net = MLP(list(MLP_SIZES), "tanh", "sigmoid", "bce", seed=0)
    trainer = Trainer(net, "sgd", lr=MLP_LR)
    params = [(W.copy(), b.copy()) for W, b in net.params]
    for _ in range(3):   # same start, a few steps each: they must agree before timing means anything
        ours, hand = trainer.step(X, y), numpy_step(params, X, y, MLP_LR)
        if abs(ours - hand) > 1e-12 * max(1.0, abs(hand)):
            raise AssertionError(f"Trainer.step loss {ours} != hand-written loss {hand}")
    if not all(np.allclose(W, V, rtol=1e-10, atol=1e-12) for (W, _), (V, _) in zip(net.params, params, strict=True)):
        raise AssertionError("Trainer.step and the hand-written step disagree")
    ours_s, hand_s = interleaved_medians([lambda: trainer.step(X, y), lambda: numpy_step(params, X, y, MLP_LR)],
                                         calls, rounds)
    return {"trainer_step_ms": ours_s * 1e3, "trainer_step_numpy_ms": hand_s * 1e3}


def landscape_time(repeats: int, n: int = 41) -> dict:
    """Median seconds of one landscape job (n x n full-loss evaluations) on the 6x8 tanh net."""
    from calclab.engine.backprop import MLP
    from calclab.engine.jobs.backprop import landscape_job

    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(LANDSCAPE_POINTS, LANDSCAPE_SIZES[0]))
    y = (X[:, :1] * X[:, 1:2] > 0).astype(float)
    shape = (LANDSCAPE_SIZES, "tanh", "sigmoid", "bce", 0)
    params = MLP(*shape).params
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = landscape_job(shape, 0.0, 0.001, params, X, y, 0, (), n)
        times.append(time.perf_counter() - start)
    if result.losses.shape != (n, n) or not np.isfinite(result.losses).all():
        raise AssertionError("the landscape job returned a wrong grid")
    return {"landscape_s": statistics.median(times), "landscape_grid": n}


def gui_playground(bench, seconds: float, repeats: int = 3) -> dict:
    """Frames per second and the longest event-loop stall while the Backprop tab trains a 7-8x6-1 tanh net (every
    feature, six hidden layers of 8) on 500 training points in batches of 10, one epoch per frame, as a user who
    pressed Train sees it: every frame redraws every neuron's 40x40 picture, the diagram and the plots. A frame is
    one train_tick (one timer tick: train, then redraw). Medians over `repeats` runs of `seconds` each; with them the
    GUI thread's CPU milliseconds per frame, which a loaded machine does not change."""
    from gui_harness import Heartbeat

    from calclab.state.backprop import BackpropState

    tab = bench.tab("backprop")
    fps, stalls, cpu = [], [], []
    for seed in range(repeats):
        state = BackpropState(dataset="spiral", n_samples=625, test_fraction=0.2, noise=0.05, hidden=[8] * 6,
                              activation="tanh", learning_rate=0.01, optimizer="adam", batch_size=10, epochs=100_000,
                              speed=1, seed=seed, features=["x1", "x2", "x1^2", "x2^2", "x1x2", "sinx1", "sinx2"])
        tab.set_state(state)
        if tab.state != state or len(tab.model.X_train) != 500:
            raise RuntimeError("the Backprop tab refused the benchmark's network")
        bench.settle()
        frames = []
        tick = tab.train_tick

        def counted(*args, tick=tick, frames=frames, **kwargs):
            tick(*args, **kwargs)
            frames.append(time.perf_counter())
            if not tab.steps.network_view.shows_pictures():
                raise RuntimeError("a training frame without the neurons' pictures")

        tab.train_tick = counted
        beat = Heartbeat()
        beat.start()
        cpu_start = time.thread_time()
        tab.train()
        bench.wait(lambda: False, seconds)
        tab.stop()
        cpu.append((time.thread_time() - cpu_start) * 1e3 / max(len(frames), 1))
        stalls.append(beat.stop())
        del tab.train_tick
        if len(frames) < 3:
            raise RuntimeError(f"only {len(frames)} frames in {seconds} s")
        fps.append((len(frames) - 1) / (frames[-1] - frames[0]))
    # The GUI thread's CPU per frame (training, redraw, painting, the harness's own few ticks): what the frame costs
    # whatever else the machine runs, beside the wall-clock figures a loaded machine slows.
    return {"fps": statistics.median(fps), "max_block_ms": statistics.median(stalls), "each_fps": fps,
            "each_block_ms": stalls, "cpu_ms_per_frame": statistics.median(cpu)}
