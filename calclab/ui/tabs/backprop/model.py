"""The Backprop tab's live objects, without Qt: the data, the network, the loss history, the four phases in
their order, and training that stops cleanly when it diverges.

The tab draws what this holds; tests can drive it directly. The network is calclab.engine.backprop.MLP, trained
by a Trainer (the optimizer, the batches), so a manual Forward/Loss/Backward/Update cycle on the current batch
and a training step are the same computation. The settings themselves live on the tab (its BackpropState): the
model keeps only what it was built from and trains with.
`X_train`/`X_test` are the network's inputs (the chosen features); `P`, `P_train`, `P_test` the raw points
(x₁, x₂) the data plot draws. Epoch k is the network after k passes over the training set.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from calclab.engine import datasets, features
from calclab.engine.backprop import MLP, Params, Trainer
from calclab.engine.headless import layer_gradient_sizes
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
PATH_MAX = 400        # training-path points kept for the landscape
LOSS_LIMIT = 1e12     # a loss or weight beyond this has run away: stop before it overflows to inf
WEIGHT_LIMIT = 1e12
GRID_SIZE = 100       # decision-boundary heatmap resolution (GRID_SIZE x GRID_SIZE predictions)
CURVE_POINTS = 200
PICTURE = 40          # each neuron's picture: PICTURE x PICTURE outputs


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
        P, y = datasets.make_dataset(state.dataset, state.n_samples, state.noise, state.seed)
        X = features.feature_matrix(P, state.input_features)
        X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, state.test_fraction, state.seed)
        P_train, P_test, _y, _yt = datasets.train_test_split(P, y, state.test_fraction, state.seed)   # same rows
        shape = (list(state.sizes), state.activation, state.output, state.loss, state.seed)
        net = MLP(*shape, l1=state.l1, l2=state.l2)
        # Only now, with everything built, replace the old objects: a failure above leaves the last network.
        self._shape = shape
        self.classification = state.classification
        self.seed = state.seed
        self._learning_rate = state.learning_rate
        self._sample = state.sample
        self.features = list(state.input_features)
        self.X, self.y, self.P = X, y, P
        self.X_train, self.X_test, self.y_train, self.y_test = X_train, X_test, y_train, y_test
        self.P_train, self.P_test = P_train, P_test
        self.net = net
        self._training = self._training_key(state)
        self.trainer = self._new_trainer()
        self._reset_history()

    def _training_key(self, state: BackpropState) -> tuple:
        """What a Trainer is made from (a change means a fresh optimizer state)."""
        return (state.optimizer, tuple(sorted(state.hyper.items())), state.batch(), state.learning_rate)

    def _new_trainer(self) -> Trainer:
        optimizer, hyper, batch, lr = self._training
        self._batches: list[np.ndarray] = []   # the current epoch's batches while stepping by hand
        self._batch_index = 0
        self.rows = np.arange(len(self.X_train))   # training rows of the last forward pass
        return Trainer(self.net, optimizer, lr, batch, self.seed, **dict(hyper))

    def reset_weights(self) -> None:
        """The initial weights again (same seed), a fresh optimizer and an empty history."""
        self.net = MLP(*self._shape, l1=self.net.l1, l2=self.net.l2)
        self.trainer = self._new_trainer()
        self._reset_history()

    def set_training_options(self, state: BackpropState) -> None:
        """Take the state's learning rate, optimizer, batch size, regularisation and chosen sample for the same
        network (no new data, no new weights); a new optimizer or batch size starts a fresh optimizer state."""
        if not (math.isfinite(state.learning_rate) and state.learning_rate > 0):
            raise ValueError(f"the learning rate must be a number above 0, not {state.learning_rate!r}")
        self.learning_rate = float(state.learning_rate)
        self._sample = int(state.sample)
        self.net.l1, self.net.l2 = state.l1, state.l2
        key = self._training_key(state)
        if key[:3] != self._training[:3]:
            self._training = key
            self.trainer = self._new_trainer()
        self._training = key
        self.trainer.lr = self.learning_rate

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = float(value)
        if hasattr(self, "trainer"):
            self.trainer.lr = self._learning_rate

    def _reset_history(self) -> None:
        """Epoch 0: the history holds the start's losses. train_losses[k] (and test_losses[k], nan without a split)
        is the loss after k updates, as `calclab backprop` numbers them; the readout's "epoch k" is the same state."""
        self.epoch = 0
        self.train_losses: list[float] = [math.nan]   # data loss + penalty
        self.test_losses: list[float] = [math.nan]    # data loss
        self.data_losses: list[float] = [math.nan]
        self.penalties: list[float] = [math.nan]
        self.gradient_sizes: list[list[float]] = []   # per epoch 1, 2, ...: mean |dL/dW| per layer
        self.weights_path: list[Params] = [copy_params(self.net.params)]   # per epoch, for the landscape's path
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
        """The training sample the diagram shows, clamped to the training set; stepping a mini-batch by hand,
        the batch's first sample unless the chosen one is in it."""
        chosen = min(max(self._sample, 0), len(self.X_train) - 1)
        if len(self.rows) == len(self.X_train) or chosen in self.rows:
            return chosen
        return int(self.rows[0])

    @property
    def row(self) -> int:
        """Where `sample` is among the rows of the last forward pass (net.a[l][row] is its activation)."""
        if len(self.rows) == len(self.X_train):
            return self.sample
        return int(np.flatnonzero(self.rows == self.sample)[0])

    @property
    def batch_count(self) -> int:
        """Batches per epoch."""
        n, size = len(self.X_train), self.trainer.batch_size
        return 1 if size is None or size >= n else math.ceil(n / size)

    @property
    def batches_done(self) -> int:
        """Batches of the current epoch already trained (0 at an epoch's start)."""
        return self._batch_index if self._batches else 0

    def batch_label(self) -> str:
        """Which batch the step buttons work on: "batch 3 of 16 (10 samples)", or the whole training set."""
        count = self.batch_count
        if count == 1:
            return f"batch = all {len(self.X_train)} training samples"
        index = min(self._batch_index, count - 1) if self._batches else 0
        size = len(self._batches[index]) if self._batches else min(self.trainer.batch_size, len(self.X_train))
        return f"batch {index + 1} of {count} ({size} samples)"

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
        if self.batch_count == 1:
            self.rows = np.arange(len(self.X_train))
            self.net.forward(self.X_train)
            return
        if not self._batches or self._batch_index >= len(self._batches):
            self._batches, self._batch_index = self.trainer.batches(len(self.X_train)), 0
        self.rows = self._batches[self._batch_index]
        self.net.forward(self.X_train[self.rows])

    def _loss(self) -> None:
        value = self.net.loss(self.y_train[self.rows])
        if not (math.isfinite(value) and value <= LOSS_LIMIT):
            self.net.set_params(self.net.params)   # back to "init": nothing to differentiate
            raise Diverged(f"The loss is {value:.3g}: the weights have run away. Reset the weights and use a "
                           "smaller learning rate.")

    def _backward(self) -> None:
        self.net.backward()

    def _update(self) -> None:
        before = copy_params(self.net.params)
        self.trainer.update()
        if not self._sane():
            self.net.set_params(before)
            raise Diverged(f"The update overflowed (learning rate {self.learning_rate:g} is too large): "
                           "the weights are kept as they were before it.")
        self.params_before = before
        self._batch_index += 1
        if self.batch_count == 1 or self._batch_index >= len(self._batches):   # the epoch's last batch
            self._batches, self._batch_index = [], 0
            self.gradient_sizes.append(layer_gradient_sizes(self.net))
            self._next_epoch()
            self._measure()

    # -- training -------------------------------------------------------------------------------------------

    def train(self, epochs: int) -> TrainResult:
        """Up to `epochs` epochs with the Trainer (its optimizer, its batches); stop at the first that runs away."""
        net, lr, trainer = self.net, self.learning_rate, self.trainer
        self.params_before = None
        self._batches, self._batch_index = [], 0   # training starts epochs afresh
        full = self.batch_count == 1
        self.rows = np.arange(len(self.X_train))
        for done in range(int(epochs)):
            good = copy_params(net.params)
            if full:
                test = net.evaluate(self.X_test, self.y_test, penalty=False) if self.has_test else math.nan
                loss = trainer.step(self.X_train, self.y_train)
                # The step's loss is the one at the weights it started from: the same number as the history's last.
                self.train_losses[-1], self.test_losses[-1] = float(loss), float(test)
                self.data_losses[-1], self.penalties[-1] = float(net.data_loss), float(net.penalty)
            else:
                return self._train_batches(int(epochs), math.inf)
            if not (self._sane() and math.isfinite(loss) and loss <= LOSS_LIMIT and
                    (not self.has_test or (math.isfinite(test) and test <= LOSS_LIMIT))):
                net.set_params(good)
                return TrainResult(done, f"Training diverged at epoch {self.epoch + 1}: the loss or the weights "
                                         f"overflowed (learning rate {lr:g} is too large). Training stopped; the "
                                         f"network is kept as it was after epoch {self.epoch}.")
            self.gradient_sizes.append(layer_gradient_sizes(net))
            self._next_epoch()
        self._measure()   # the next step would measure the weights reached: measure them now, once per call
        return TrainResult(int(epochs))

    def train_within(self, epochs: int, time_budget_s: float | None) -> TrainResult:
        """Up to `epochs` epochs, stopping early once `time_budget_s` is spent (None: all of them), so one timer
        tick never freezes the window; chunks are sized from the measured time per epoch."""
        if time_budget_s is None:
            return self.train(epochs)
        start = time.perf_counter()
        if self.batch_count > 1:   # a frame may end between two batches: the animation stays smooth
            return self._train_batches(epochs, start + time_budget_s)
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

    def _train_batches(self, epochs: int, deadline: float) -> TrainResult:
        """Mini-batch training, one Trainer.step a batch, until `epochs` epochs end or time.perf_counter() passes
        `deadline`; an epoch left halfway goes on at the next call (or the next manual Forward). The epoch's
        batches are the Trainer's seeded shuffle, exactly as Trainer.epoch takes them."""
        net, trainer, done = self.net, self.trainer, 0
        self.params_before = None
        safe = copy_params(net.params)   # the weights at the last full check
        while done < epochs:
            if not self._batches or self._batch_index >= len(self._batches):
                self._batches, self._batch_index = trainer.batches(len(self.X_train)), 0
            rows = self._batches[self._batch_index]
            loss = trainer.step(self.X_train[rows], self.y_train[rows])
            self._batch_index += 1
            finished = self._batch_index >= len(self._batches)
            out_of_time = time.perf_counter() >= deadline
            last = finished or out_of_time
            # the weights' check (a reduction per array) once an epoch or a call: a run-away batch shows in the
            # next batch's loss anyway
            sane = (self._sane() if last else True) and math.isfinite(loss) and loss <= LOSS_LIMIT
            if finished:
                self._batches, self._batch_index = [], 0
                self.gradient_sizes.append(layer_gradient_sizes(net))
                self._next_epoch()
                self._measure()
                done += 1
                loss = max(loss, self.train_losses[-1], self.test_losses[-1] if self.has_test else 0.0)
            if finished:
                sane = sane and math.isfinite(loss) and loss <= LOSS_LIMIT
            if not sane:
                net.set_params(safe)
                if finished:   # the epoch that ran away is not kept
                    self._drop_last_epoch()
                    done -= 1
                self._batches, self._batch_index = [], 0
                return TrainResult(done, f"Training diverged in epoch {self.epoch + 1}: the loss or the weights "
                                         f"overflowed (learning rate {self.learning_rate:g} is too large). Training "
                                         f"stopped; the network keeps its last sane weights.")
            if last:
                safe = copy_params(net.params)
            if out_of_time:
                break
        self.rows = np.arange(len(self.X_train))
        return TrainResult(done)

    def _drop_last_epoch(self) -> None:
        self.epoch -= 1
        for history in (self.train_losses, self.test_losses, self.data_losses, self.penalties):
            history.pop()
        self.gradient_sizes.pop()
        self.weights_path.pop()
        self._measure()

    def _sane(self) -> bool:
        """Weights finite and not absurdly large (the next step would overflow)."""
        with np.errstate(all="ignore"):   # one reduction per array: nan and inf both fail "<= limit"
            return all(np.max(np.abs(W), initial=0.0) <= WEIGHT_LIMIT and
                       np.max(np.abs(b), initial=0.0) <= WEIGHT_LIMIT for W, b in self.net.params)

    def _next_epoch(self) -> None:
        """One more epoch done: its losses are measured later (by the next step or `_measure`)."""
        self.epoch += 1
        for history in (self.train_losses, self.test_losses, self.data_losses, self.penalties):
            history.append(math.nan)
        if len(self.weights_path) < PATH_MAX:
            self.weights_path.append(copy_params(self.net.params))
        else:   # keep every other point: the path stays within PATH_MAX, spread over the whole run
            self.weights_path = self.weights_path[::2] + [copy_params(self.net.params)]

    def _measure(self) -> None:
        """The losses of the weights now (the current epoch's entries in the history)."""
        data = self.net.evaluate(self.X_train, self.y_train, penalty=False)
        penalty = self.net.penalty_of()
        self.train_losses[-1], self.data_losses[-1], self.penalties[-1] = data + penalty, data, penalty
        self.test_losses[-1] = self.net.evaluate(self.X_test, self.y_test, penalty=False) if self.has_test \
            else math.nan

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
            x = self.P[:, 0]
            return float(x.min()) - 0.2, float(x.max()) + 0.2, float(self.y.min()) - 0.3, float(self.y.max()) + 0.3
        r = max(1.2, float(np.max(np.abs(self.P))) + 0.2)
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
        p = self.net.predict(self.inputs(np.column_stack([gx.ravel(), gy.ravel()]))).reshape(n, n)
        return xs, ys, np.clip(np.nan_to_num(p, nan=0.5), 0.0, 1.0)

    def fitted_curve(self, n: int = CURVE_POINTS) -> tuple[np.ndarray, np.ndarray]:
        """The regression network's output along x over the plot's range (non-finite values as nan)."""
        x0, x1, _, _ = self.bounds()
        xs = np.linspace(x0, x1, n)
        ys = self.net.predict(self.inputs(xs.reshape(-1, 1)))[:, 0]
        return xs, np.where(np.isfinite(ys), ys, np.nan)

    def neuron_outputs(self, n: int = PICTURE) -> list[np.ndarray]:
        """Every neuron's output over the data plot's square: out[l] of shape (n, n, width of layer l), row 0 at the
        top (largest x₂), x₁ growing to the right; the sine set varies along x only. One forward pass."""
        x0, x1, y0, y1 = self.bounds()
        xs = np.linspace(x0, x1, n)
        if self.classification:
            gx, gy = np.meshgrid(xs, np.linspace(y1, y0, n))   # rows from the top
            points = np.column_stack([gx.ravel(), gy.ravel()])
            _zs, acts = self.net._run(self.inputs(points))
            return [a.reshape(n, n, -1) for a in acts]
        _zs, acts = self.net._run(self.inputs(xs.reshape(-1, 1)))
        return [np.broadcast_to(a[None, :, :], (n, n, a.shape[1])) for a in acts]

    def inputs(self, points: np.ndarray) -> np.ndarray:
        """The network's input columns (the features) for raw points (N, 2) or, for the sine, (N, 1)."""
        return features.feature_matrix(points, self.features)

    def loss_table(self) -> tuple[list[str], list[list[object]]]:
        """The loss history as (header, rows) for a CSV: a row per epoch from 0 (the start), an empty test loss
        without a split."""
        rows: list[list[object]] = [[epoch, train, test if self.has_test else ""] for epoch, (train, test)
                                    in enumerate(zip(self.train_losses, self.test_losses, strict=True))]
        return ["epoch", "train_loss", "test_loss"], rows

    def gradient_check(self) -> float:
        """Largest relative difference between backprop's and central finite differences' gradients."""
        return self.net.gradient_check(self.X_train, self.y_train)
