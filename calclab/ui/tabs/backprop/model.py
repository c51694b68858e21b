"""The Backprop tab's live objects, without Qt: the data, the network, the loss history, the four phases in
their order, and training that stops cleanly when it diverges.

The tab draws what this holds; tests can drive it directly. The network is calclab.engine.backprop.MLP, so a
manual Forward/Loss/Backward/Update cycle and a training epoch are the same computation. The settings
themselves live on the tab (its BackpropState): the model keeps only what it was built from and trains with.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from calclab.engine import datasets
from calclab.engine.backprop import MLP, Params
from calclab.state.backprop import BackpropState

PHASES = ("forward", "loss", "backward", "update")
NEXT_PHASE = {"init": "forward", "forward": "loss", "loss": "backward", "backward": "update", "update": "forward"}
PHASE_TITLES = {"forward": "Forward", "loss": "Loss", "backward": "Backward", "update": "Update"}
# What each phase needs first, said in one line when a step is asked for out of order.
PHASE_NEEDS = {
    "forward": "",
    "loss": "the loss compares the network's output with the targets, so a forward pass must come first",
    "backward": "the backward pass starts from the loss, so compute the loss first",
    "update": "the update moves each weight against its gradient, so run the backward pass first",
}
LOSS_LIMIT = 1e12     # a loss or weight beyond this has run away: stop before it overflows to inf
WEIGHT_LIMIT = 1e12
GRID_SIZE = 100       # decision-boundary heatmap resolution (GRID_SIZE x GRID_SIZE predictions)
CURVE_POINTS = 200


class PhaseOrderError(RuntimeError):
    """A phase was asked for out of order; the message says which one comes next and why."""


class Diverged(RuntimeError):
    """Training or an update ran away (overflow); the network was put back to its last sane weights."""


def copy_params(params: Params) -> Params:
    return [(W.copy(), b.copy()) for W, b in params]


@dataclass
class TrainResult:
    epochs_done: int
    message: str | None = None     # set when training diverged and stopped


class BackpropModel:
    """Data + MLP + history built from one BackpropState (ValueError if it has a problem).

    `learning_rate` and the chosen sample can change without a rebuild (`set_training_options`); the data set,
    network shape and seed cannot: a new one of those is a new model (`rebuild`).
    """

    def __init__(self, state: BackpropState) -> None:
        self.rebuild(state)

    # -- building ---------------------------------------------------------------------------------------

    def rebuild(self, state: BackpropState) -> None:
        """New data and a fresh network for `state`; on a bad state raise ValueError and keep everything."""
        problem = state.problem()
        if problem:
            raise ValueError(problem)
        X, y = datasets.make_dataset(state.dataset, state.n_samples, state.noise, state.seed)
        X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, state.test_fraction, state.seed)
        shape = (list(state.sizes), state.activation, state.output, state.loss, state.seed)
        net = MLP(*shape)
        # Only now, with everything built, replace the old objects: a failure above leaves the last network.
        self._shape = shape
        self.classification = state.classification
        self.seed = state.seed
        self.learning_rate = state.learning_rate
        self._sample = state.sample
        self.X, self.y = X, y
        self.X_train, self.X_test, self.y_train, self.y_test = X_train, X_test, y_train, y_test
        self.net = net
        self._reset_history()

    def reset_weights(self) -> None:
        """The initial weights again (same seed) and an empty history."""
        self.net = MLP(*self._shape)
        self._reset_history()

    def set_training_options(self, learning_rate: float, sample: int) -> None:
        """Take a new learning rate and chosen sample for the same network (no new data, no new weights)."""
        if not (math.isfinite(learning_rate) and learning_rate > 0):
            raise ValueError(f"the learning rate must be a number above 0, not {learning_rate!r}")
        self.learning_rate = float(learning_rate)
        self._sample = int(sample)

    def _reset_history(self) -> None:
        """Epoch 0: the history holds the start's losses. train_losses[k] (and test_losses[k], nan without a split)
        is the loss after k updates, as `calclab backprop` numbers them; the readout's "epoch k" is the same state."""
        self.epoch = 0
        self.train_losses: list[float] = [math.nan]
        self.test_losses: list[float] = [math.nan]
        self.params_before: Params | None = None   # weights before the last manual Update (for before -> after)
        self._measure()

    # -- the four phases ------------------------------------------------------------------------------------

    @property
    def phase(self) -> str:
        """The last phase done: init, forward, loss, backward or update."""
        return self.net.phase

    @property
    def next_phase(self) -> str:
        return NEXT_PHASE[self.net.phase]

    @property
    def has_test(self) -> bool:
        return len(self.X_test) > 0

    @property
    def sample(self) -> int:
        """The training sample the diagram shows, clamped to the training set."""
        return min(max(self._sample, 0), len(self.X_train) - 1)

    def check_order(self, phase: str) -> None:
        """Raise PhaseOrderError unless `phase` is the next one."""
        if phase != self.next_phase:
            title, wanted = PHASE_TITLES[phase], PHASE_TITLES[self.next_phase]
            why = PHASE_NEEDS[phase]
            raise PhaseOrderError(f"{title} is out of order: the next step is {wanted}" + (f" ({why})." if why
                                                                                          else "."))

    def step(self, phase: str) -> None:
        """Run one phase on the whole training set (the batch), checking the order first."""
        self.check_order(phase)
        getattr(self, f"_{phase}")()

    def _forward(self) -> None:
        self.params_before = None
        self.net.forward(self.X_train)

    def _loss(self) -> None:
        value = self.net.loss(self.y_train)
        if not (math.isfinite(value) and value <= LOSS_LIMIT):
            self.net.set_params(self.net.params)   # back to "init": nothing to differentiate
            raise Diverged(f"The loss is {value:.3g}: the weights have run away. Reset the weights and use a "
                           "smaller learning rate.")

    def _backward(self) -> None:
        self.net.backward()

    def _update(self) -> None:
        before = copy_params(self.net.params)
        self.net.update(self.learning_rate)
        if not self._sane():
            self.net.set_params(before)
            raise Diverged(f"The update overflowed (learning rate {self.learning_rate:g} is too large): "
                           "the weights are kept as they were before it.")
        self.params_before = before
        self._next_epoch()
        self._measure()

    # -- training -------------------------------------------------------------------------------------------

    def train(self, epochs: int) -> TrainResult:
        """Up to `epochs` full-batch gradient-descent steps; stop at the first one that runs away."""
        net, lr = self.net, self.learning_rate
        self.params_before = None
        for done in range(int(epochs)):
            good = copy_params(net.params)
            test = net.evaluate(self.X_test, self.y_test) if self.has_test else math.nan
            loss = net.train_step(self.X_train, self.y_train, lr)
            # The step's loss is the one at the weights it started from: the same number as the history's last.
            self.train_losses[-1], self.test_losses[-1] = float(loss), float(test)
            if not (self._sane() and math.isfinite(loss) and loss <= LOSS_LIMIT and
                    (not self.has_test or (math.isfinite(test) and test <= LOSS_LIMIT))):
                net.set_params(good)
                return TrainResult(done, f"Training diverged at epoch {self.epoch + 1}: the loss or the weights "
                                         f"overflowed (learning rate {lr:g} is too large). Training stopped; the "
                                         f"network is kept as it was after epoch {self.epoch}.")
            self._next_epoch()
        self._measure()   # the next step would measure the weights reached: measure them now, once per call
        return TrainResult(int(epochs))

    def train_within(self, epochs: int, time_budget_s: float | None) -> TrainResult:
        """Up to `epochs` epochs, stopping early once `time_budget_s` is spent (None: all of them), so one timer
        tick never freezes the window; chunks are sized from the measured time per epoch."""
        if time_budget_s is None:
            return self.train(epochs)
        start = time.perf_counter()
        done, chunk = 0, 1
        while done < epochs:
            result = self.train(min(chunk, epochs - done))
            done += result.epochs_done
            if result.message:
                return TrainResult(done, result.message)
            elapsed = time.perf_counter() - start
            if elapsed >= time_budget_s:
                break
            chunk = max(1, int((time_budget_s - elapsed) / (elapsed / done)))
        return TrainResult(done)

    def _sane(self) -> bool:
        """Weights finite and not absurdly large (the next step would overflow)."""
        with np.errstate(all="ignore"):   # one reduction per array: nan and inf both fail "<= limit"
            return all(np.max(np.abs(W), initial=0.0) <= WEIGHT_LIMIT and
                       np.max(np.abs(b), initial=0.0) <= WEIGHT_LIMIT for W, b in self.net.params)

    def _next_epoch(self) -> None:
        """One more update made: its losses are measured later (by the next step or `_measure`)."""
        self.epoch += 1
        self.train_losses.append(math.nan)
        self.test_losses.append(math.nan)

    def _measure(self) -> None:
        """The losses of the weights now (the current epoch's entries in the history)."""
        self.train_losses[-1] = self.net.evaluate(self.X_train, self.y_train)
        self.test_losses[-1] = self.net.evaluate(self.X_test, self.y_test) if self.has_test else math.nan

    # -- read-outs ------------------------------------------------------------------------------------------

    def scores(self) -> tuple[float, float | None]:
        """(train, test) accuracy for classification, (train, test) loss for regression; test None if no split."""
        if self.classification:
            train = self.net.accuracy(self.X_train, self.y_train)
            test = self.net.accuracy(self.X_test, self.y_test) if self.has_test else None
        else:
            train = self.net.evaluate(self.X_train, self.y_train)
            test = self.net.evaluate(self.X_test, self.y_test) if self.has_test else None
        return train, test

    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax) of the data plot: a square around the points for the 2-D sets."""
        if not self.classification:
            x = self.X[:, 0]
            return float(x.min()) - 0.2, float(x.max()) + 0.2, float(self.y.min()) - 0.3, float(self.y.max()) + 0.3
        r = max(1.2, float(np.max(np.abs(self.X))) + 0.2)
        return -r, r, -r, r

    def boundary(self, n: int = GRID_SIZE, window: tuple[float, float, float, float] | None = None,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(xs, ys, P) with P[i, j] the predicted probability of class 1 at (xs[i], ys[j]), clipped to [0, 1], on an
        n x n grid over `window` (xmin, xmax, ymin, ymax; default: `bounds()`)."""
        x0, x1, y0, y1 = self.bounds()
        if window is not None and window[0] < window[1] and window[2] < window[3]:
            x0, x1, y0, y1 = window
        xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
        gx, gy = np.meshgrid(xs, ys, indexing="ij")
        p = self.net.predict(np.column_stack([gx.ravel(), gy.ravel()])).reshape(n, n)
        return xs, ys, np.clip(np.nan_to_num(p, nan=0.5), 0.0, 1.0)

    def fitted_curve(self, n: int = CURVE_POINTS) -> tuple[np.ndarray, np.ndarray]:
        """The regression network's output along x over the plot's range (non-finite values as nan)."""
        x0, x1, _, _ = self.bounds()
        xs = np.linspace(x0, x1, n)
        ys = self.net.predict(xs.reshape(-1, 1))[:, 0]
        return xs, np.where(np.isfinite(ys), ys, np.nan)

    def loss_table(self) -> tuple[list[str], list[list[object]]]:
        """The loss history as (header, rows) for a CSV: a row per epoch from 0 (the start), an empty test loss
        without a split."""
        rows: list[list[object]] = [[epoch, train, test if self.has_test else ""] for epoch, (train, test)
                                    in enumerate(zip(self.train_losses, self.test_losses, strict=True))]
        return ["epoch", "train_loss", "test_loss"], rows

    def gradient_check(self) -> float:
        """Largest relative difference between backprop's and central finite differences' gradients."""
        return self.net.gradient_check(self.X_train, self.y_train)
