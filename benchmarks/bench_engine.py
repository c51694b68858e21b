"""Engine figures: grid evaluation against hand-written NumPy, one MLP step against NumPy and PyTorch.

No Qt here. Each engine figure is timed interleaved with its hand-written baseline in the same process, after
checking that both compute the same numbers (a fast wrong baseline would make any ratio meaningless).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from bench_common import interleaved_medians

GRID_EXPRESSION = "sin(x)*exp(-(x^2+y^2)/4) + 0.1*x*y"
GRID_N = 512
MLP_SIZES = (2, 16, 16, 1)
MLP_SAMPLES = 512
MLP_LR = 0.1
HERE = Path(__file__).resolve().parent


def grid_eval(calls: int, rounds: int) -> dict:
    """Seconds per evaluation of the 512x512 grid: calclab's compiled function vs the same maths in NumPy."""
    from calclab.engine.calculus import variables_of
    from calclab.engine.numeric import compile_function
    from calclab.engine.parsing import parse

    expr = parse(GRID_EXPRESSION)
    func = compile_function(expr, variables_of(expr))
    axis = np.linspace(-4.0, 4.0, GRID_N)
    x, y = np.meshgrid(axis, axis)

    def by_hand() -> np.ndarray:
        return np.sin(x) * np.exp(-(x ** 2 + y ** 2) / 4) + 0.1 * x * y

    if not np.allclose(func(x, y), by_hand(), rtol=1e-12, atol=1e-12):
        raise AssertionError("the engine and the hand-written grid evaluation disagree")
    engine_s, hand_s = interleaved_medians([lambda: func(x, y), by_hand], calls, rounds)
    return {"grid_eval_ms": engine_s * 1e3, "grid_eval_numpy_ms": hand_s * 1e3}


def mlp_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """512 two-feature samples with XOR-like labels (the quadrant sign), made locally."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(MLP_SAMPLES, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float).reshape(-1, 1)
    return X, y


def numpy_step(params: list[tuple[np.ndarray, np.ndarray]], X: np.ndarray, y: np.ndarray, lr: float) -> float:
    """One full-batch step of the 2-16-16-1 tanh net (sigmoid output, mean BCE from the logit), written out.

    The same maths as the engine (log-sigmoid via logaddexp, logs clamped at -100 like torch), without its
    bookkeeping: the floor a NumPy implementation of this network can reach.
    """
    (W1, b1), (W2, b2), (W3, b3) = params
    a1 = np.tanh(X @ W1 + b1)
    a2 = np.tanh(a1 @ W2 + b2)
    z3 = a2 @ W3 + b3
    log_p = np.maximum(-np.logaddexp(0.0, -z3), -100.0)
    log_q = np.maximum(-np.logaddexp(0.0, z3), -100.0)
    loss = -np.mean(y * log_p + (1.0 - y) * log_q)
    d3 = (np.exp(log_p) - y) / y.size      # dL/dz3: sigmoid's slope cancels BCE's denominator
    d2 = (d3 @ W3.T) * (1.0 - a2 * a2)
    d1 = (d2 @ W2.T) * (1.0 - a1 * a1)
    grads = ((X.T @ d1, d1.sum(axis=0)), (a1.T @ d2, d2.sum(axis=0)), (a2.T @ d3, d3.sum(axis=0)))
    for (W, b), (dW, db) in zip(params, grads, strict=True):
        W -= lr * dW
        b -= lr * db
    return float(loss)


def mlp_numpy(calls: int, rounds: int) -> dict:
    """Seconds per MLP training step: calclab.engine.backprop.MLP.train_step vs `numpy_step`."""
    from calclab.engine.backprop import MLP

    X, y = mlp_data()
    net = MLP(list(MLP_SIZES), "tanh", "sigmoid", "bce", seed=0)
    params = [(W.copy(), b.copy()) for W, b in net.params]
    # Same start, a few steps each: the weights and losses must agree before timing means anything.
    for _ in range(3):
        engine_loss, hand_loss = net.train_step(X, y, MLP_LR), numpy_step(params, X, y, MLP_LR)
        if abs(engine_loss - hand_loss) > 1e-12 * max(1.0, abs(hand_loss)):
            raise AssertionError(f"engine loss {engine_loss} != hand-written loss {hand_loss}")
    if not all(np.allclose(W, V, rtol=1e-10, atol=1e-12) for (W, _), (V, _) in zip(net.params, params, strict=True)):
        raise AssertionError("the engine and the hand-written MLP step disagree")
    engine_s, hand_s = interleaved_medians(
        [lambda: net.train_step(X, y, MLP_LR), lambda: numpy_step(params, X, y, MLP_LR)], calls, rounds)
    return {"mlp_step_ms": engine_s * 1e3, "mlp_step_numpy_ms": hand_s * 1e3}


def mlp_torch(calls: int, rounds: int, torch_python: str | None = None) -> dict:
    """Milliseconds per step of the same net in PyTorch (CPU, float64, one thread), or None without torch.

    Runs in this interpreter when torch imports here; otherwise in `torch_python` (another interpreter with
    torch, e.g. a throwaway venv: the project does not depend on torch) as a subprocess.
    """
    script = HERE / "torch_mlp.py"
    try:
        import torch  # noqa: F401
    except ImportError:
        torch_python = torch_python or os.environ.get("CALCLAB_BENCH_TORCH_PYTHON")
        if not torch_python:
            return {"mlp_step_torch_ms": None, "torch_note": "torch not importable"}
        done = subprocess.run([torch_python, str(script), str(calls), str(rounds)], capture_output=True,
                              text=True, timeout=600)
        if done.returncode != 0:
            return {"mlp_step_torch_ms": None, "torch_note": f"{torch_python} failed: {done.stderr.strip()[-200:]}"}
        result = json.loads(done.stdout.strip().splitlines()[-1])
        return {"mlp_step_torch_ms": result["ms"], "torch_note": f"torch {result['version']} via {torch_python}"}
    sys.path.insert(0, str(HERE))
    from torch_mlp import torch_step_ms

    ms, version = torch_step_ms(calls, rounds)
    return {"mlp_step_torch_ms": ms, "torch_note": f"torch {version}"}
