"""`calclab backprop` without a window: a toy data set, its features, an MLP and a Trainer, run for some epochs.

Also what tells a run that diverged (`diverged_by_loss`, `divergence_message`), shared with the Backprop tab.
Epoch k is the network after k epochs (k passes over the training set), epoch 0 the start, as everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from calclab.engine import datasets, features
from calclab.engine.backprop import MLP
from calclab.engine.trainer import Trainer

# epochs x training points x weights a headless run may take on (about 10-30 minutes of NumPy): past it,
# `calclab backprop --sizes 2,1000,1000,1 --epochs 1000000` would run for days; refuse it at once instead.
MAX_HEADLESS_WORK = 2e11

DIVERGENCE_FACTOR = 10.0   # every loss in the last DIVERGENCE_TAIL of the epochs above this many times the first
DIVERGENCE_TAIL = 0.1


def diverged_by_loss(losses: Sequence[float]) -> bool:
    """Has this run of losses (losses[k] after k updates, so losses[0] is the start) blown up?

    Yes if a loss is not finite, or if every loss in the last 10% of the epochs (at least the last one) is above
    10x the first. Overflow alone misses it: bce clamps each log at -100, so a classifier blown up by too large a
    learning rate plateaus (xor at lr 1000: 0.72 -> about 45) instead of reaching inf. Pure: the tab uses it too.
    """
    values = [float(v) for v in losses]
    if not all(math.isfinite(v) for v in values):
        return True
    if len(values) < 2 or values[0] <= 0:
        return False
    tail = values[1:][-math.ceil(DIVERGENCE_TAIL * len(values)):]
    return min(tail) > DIVERGENCE_FACTOR * values[0]


def divergence_message(losses: Sequence[float], lr: float) -> str:
    """One line saying how a run diverged (for `diverged_by_loss` runs), with the way out."""
    if not math.isfinite(losses[-1]):
        return f"training diverged at epoch {len(losses) - 1}: try a smaller learning rate than {lr:g}"
    return (f"training diverged: the loss rose from {losses[0]:.3g} to {losses[-1]:.3g} and stayed above "
            f"{DIVERGENCE_FACTOR:g}x its start: try a smaller learning rate than {lr:g}")


def layer_gradient_sizes(net: MLP) -> list[float]:
    """mean |dL/dW| per weight layer from the last backward pass (input side first): the per-layer gradient plot."""
    with np.errstate(all="ignore"):
        return [float(np.mean(np.abs(dW))) for dW, _db in net.grads]


def train_headless(
    dataset: str = "xor", sizes: Sequence[int] = (2, 4, 1), activation: str = "tanh", lr: float = 0.5,
    epochs: int = 3000, seed: int = 0, n_samples: int = 200, noise: float = 0.0, test_fraction: float = 0.0,
    progress: Callable[[int], object] | None = None, *, features_used: Sequence[str] | None = None,
    batch_size: int | None = None, optimizer: str = "sgd", l1: float = 0.0, l2: float = 0.0,
    hyper: dict[str, float] | None = None,
) -> dict:
    """Train on a toy data set without a GUI (`calclab backprop`); sigmoid + bce to classify, linear + mse for sine.

    Returns a JSON-ready dict: losses (losses[k] the training loss, data loss + penalty, after k epochs, losses[0]
    at the start: epochs + 1 of them; the last is nan/inf if training overflowed, which stops it), data_losses and
    penalties (its two parts), gradient_sizes (mean |dL/dW| per layer of each epoch's last batch), epochs (the
    epochs those losses cover), final_loss, accuracy (training set; None for sine), test_loss (data loss) and
    test_accuracy when test_fraction > 0, diverged (non-finite weights or diverged_by_loss; plus a message if so),
    and the settings used. seed drives the data, the split, the weights and the batches' shuffles.
    features_used (default: the raw inputs) are the network's inputs (engine/features.py); batch_size None is
    every training point in one batch; optimizer and hyper are engine/optimizers.py's; l1/l2 regularise the weights.
    progress, if given, is called with the number of epochs done after each one (a progress bar; never stops it).
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or not 1 <= epochs <= 1_000_000:
        raise ValueError(f"epochs must be an integer from 1 to 1000000, got {epochs!r}")
    if not (isinstance(lr, int | float | np.floating) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"the learning rate must be a number above 0 (with 0 nothing would change), got {lr!r}")
    X_raw, y = datasets.make_dataset(dataset, n_samples, noise, seed)
    names = features.check_features(features_used or features.default_features(X_raw.shape[1]), X_raw.shape[1])
    X = features.feature_matrix(X_raw, names)
    classify = datasets.is_classification(dataset)
    if len(sizes) < 2 or sizes[0] != X.shape[1] or sizes[-1] != 1:
        raise ValueError(f"sizes for {dataset} with {len(names)} input feature(s) must start with {X.shape[1]} and "
                         "end with 1 (one output)")
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_fraction, seed)
    output, loss = ("sigmoid", "bce") if classify else ("linear", "mse")
    net = MLP(sizes, activation, output, loss, seed, l1=l1, l2=l2)
    trainer = Trainer(net, optimizer, lr, batch_size, seed, **(hyper or {}))
    work = float(epochs) * len(X_train) * sum(W.size for W, _b in net.params)
    if work > MAX_HEADLESS_WORK:
        raise ValueError(f"that run is too big: epochs x training points x weights = {work:.1e} (at most "
                         f"{MAX_HEADLESS_WORK:.0e}, about half an hour); use fewer epochs or smaller layers")
    full_batch = batch_size is None or batch_size >= len(X_train)
    losses, data_losses, penalties, gradient_sizes = [], [], [], []

    def measure() -> None:
        data = net.evaluate(X_train, y_train, penalty=False)
        penalty = net.penalty_of()
        losses.append(data + penalty)
        data_losses.append(data)
        penalties.append(penalty)

    for done in range(int(epochs)):
        if full_batch:   # the step measures the loss at the weights it starts from: epoch `done`'s loss, free
            losses.append(trainer.step(X_train, y_train))
            data_losses.append(net.data_loss)
            penalties.append(net.penalty)
        else:
            measure()
            if not math.isfinite(losses[-1]):
                break
            trainer.epoch(X_train, y_train)
        gradient_sizes.append(layer_gradient_sizes(net))
        if not math.isfinite(losses[-1]):
            break
        if progress is not None:
            progress(done + 1)
    else:
        measure()
    result = {
        "dataset": dataset, "sizes": list(net.sizes), "activation": activation, "output": output, "loss": loss,
        "features": names, "batch_size": batch_size, "optimizer": optimizer, "hyper": trainer.hyper,
        "l1": float(l1), "l2": float(l2),
        "lr": float(lr), "epochs": len(losses) - 1, "seed": seed, "n_samples": n_samples, "noise": noise,
        "losses": losses, "data_losses": data_losses, "penalties": penalties, "gradient_sizes": gradient_sizes,
        "final_loss": losses[-1], "diverged": not net.is_finite() or diverged_by_loss(losses),
        "accuracy": net.accuracy(X_train, y_train) if classify else None,
    }
    if result["diverged"]:
        result["message"] = divergence_message(losses, lr)
    if len(X_test):
        result["test_loss"] = net.evaluate(X_test, y_test, penalty=False)
        result["test_accuracy"] = net.accuracy(X_test, y_test) if classify else None
    result["net"] = net   # not JSON: the CLI leaves it out; export draws the trained network from it
    return result
