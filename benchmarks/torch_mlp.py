"""The 2-16-16-1 tanh MLP step in PyTorch (CPU, float64, one thread): the reference for mlp_step_ratio_torch.

Standalone on purpose: `python torch_mlp.py CALLS ROUNDS` prints {"ms": ..., "version": ...} as JSON, so it can
run under another interpreter that has torch (calclab itself does not depend on torch).
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np

SIZES = (2, 16, 16, 1)
SAMPLES = 512
LR = 0.1


def torch_step_ms(calls: int, rounds: int) -> tuple[float, str]:
    """Median milliseconds of one full-batch SGD step (forward, BCE from the logit, backward, update)."""
    import torch

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    X_np = rng.normal(size=(SAMPLES, 2))
    X = torch.tensor(X_np, dtype=torch.float64)
    y = torch.tensor((X_np[:, 0] * X_np[:, 1] > 0).astype(float).reshape(-1, 1), dtype=torch.float64)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(SIZES[0], SIZES[1]), torch.nn.Tanh(),
        torch.nn.Linear(SIZES[1], SIZES[2]), torch.nn.Tanh(),
        torch.nn.Linear(SIZES[2], SIZES[3]),
    ).to(torch.float64)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def step() -> float:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(20):
        step()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            step()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples) * 1e3, torch.__version__


if __name__ == "__main__":
    ms, version = torch_step_ms(int(sys.argv[1]), int(sys.argv[2]))
    print(json.dumps({"ms": ms, "version": version}))
