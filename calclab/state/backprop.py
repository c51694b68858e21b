"""The Backprop tab's inputs (no Qt): data set, network shape, training settings, the sample the diagram shows.

The GUI edits a BackpropState, session files store `to_dict()`, and the presets (calclab.state.Preset, read from
resources/presets/backprop.json) hold BackpropStates, the lesson's worked examples in order.
The default is what `calclab backprop` runs with no options (XOR, 2-4-1, tanh, lr 0.5, 3000 epochs, seed 0,
200 points without noise), plus a 20% test split, so the GUI's first run reaches 100% training accuracy
like the CLI's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any

from calclab.engine import datasets, features, optimizers
from calclab.engine.backprop import HIDDEN_ACTIVATIONS
from calclab.state import Preset
from calclab.state.preset_files import builtin_presets

MAX_HIDDEN_LAYERS = 6      # as TensorFlow Playground
MAX_LAYER_WIDTH = 8        # the diagram stays readable up to 7-8-8-8-8-8-8-1
REGULARIZATIONS = ("none", "l1", "l2")
REGULARIZATION_RATE_MAX = 10.0
BATCH_MAX = 2000           # as many as the most points a data set may have
LR_MAX = 1000.0            # big enough to watch a run overflow
SAMPLES_MIN, SAMPLES_MAX = 10, 2000
NOISE_MAX = 1.0
TEST_FRACTION_MAX = 0.5
SEED_MAX = 2**31 - 1
EPOCHS_MAX = 100_000
WEIGHT_DECAY_MAX = 1.0     # the Backprop tab's box (torch takes any weight decay ≥ 0)
SPEED_MAX = 2000           # epochs per animation frame

DATASET_TITLES: dict[str, str] = {"xor": "XOR", "circles": "Circles", "moons": "Two moons", "spiral": "Spiral",
                                  "sine": "Noisy sine (regression)"}


@dataclass
class BackpropState:
    """Everything the user sets on the Backprop tab.

    `hidden` lists the hidden layers' widths (0 to 4 layers of 1 to 8 neurons); the input width and the one
    output come from the data set, and so do the output activation and the loss (`output`, `loss`).
    `seed` drives the data, the train/test split and the initial weights (as in `calclab backprop`).
    `speed` is how many epochs each animation frame trains; `sample` is the training sample (0-based) whose
    values the network diagram shows.
    Playground's settings (issue 20): `features` are the network's inputs (engine/features.py; those a data set
    lacks, x₂ for the sine, are left out, see `input_features`); `batch_size` 0 is every training point in one
    batch; `regularization` none/l1/l2 at `regularization_rate` acts on the weights; `optimizer` is one of
    engine/optimizers.py's with `hyper` over its torch defaults; `show_test` and `discretize` are how the data
    plot looks.
    """

    dataset: str = "xor"
    n_samples: int = 200
    noise: float = 0.0
    test_fraction: float = 0.2
    hidden: list[int] = field(default_factory=lambda: [4])
    activation: str = "tanh"
    learning_rate: float = 0.5
    seed: int = 0
    epochs: int = 3000
    speed: int = 25
    sample: int = 0
    features: list[str] = field(default_factory=lambda: ["x1", "x2"])
    batch_size: int = 0
    regularization: str = "none"
    regularization_rate: float = 0.001
    optimizer: str = "sgd"
    hyper: dict[str, float] = field(default_factory=dict)
    show_test: bool = True
    discretize: bool = False

    @property
    def input_features(self) -> list[str]:
        """The features the network reads: `features` less those the data set lacks (or its raw inputs if none
        is left), so the sine set with x₁, x₂ reads x₁ alone."""
        n = datasets.input_dim(self.dataset) if self.dataset in datasets.DATASETS else 2
        kept = [name for name in self.features if name in features.usable(n)]
        return kept or features.default_features(n)

    @property
    def sizes(self) -> list[int]:
        """All layer widths, inputs first: e.g. [2, 4, 1]."""
        return [len(self.input_features), *self.hidden, 1]

    @property
    def l1(self) -> float:
        return self.regularization_rate if self.regularization == "l1" else 0.0

    @property
    def l2(self) -> float:
        return self.regularization_rate if self.regularization == "l2" else 0.0

    def batch(self) -> int | None:
        """The Trainer's batch size (None: all training points)."""
        return self.batch_size or None

    @property
    def classification(self) -> bool:
        return datasets.is_classification(self.dataset)

    @property
    def output(self) -> str:
        """The output activation the data set needs: a probability for classes, a plain number for sine."""
        return "sigmoid" if self.classification else "linear"

    @property
    def loss(self) -> str:
        return "bce" if self.classification else "mse"

    def problem(self) -> str | None:
        """A one-line message saying what is wrong with these settings, or None if a network can be built."""
        if self.dataset not in datasets.DATASETS:
            return f"Unknown data set '{self.dataset}'."
        if len(self.hidden) > MAX_HIDDEN_LAYERS:
            return f"At most {MAX_HIDDEN_LAYERS} hidden layers."
        for number, width in enumerate(self.hidden, start=1):
            if not 1 <= width <= MAX_LAYER_WIDTH:
                return f"Hidden layer {number} has {width} neurons: a layer needs 1 to {MAX_LAYER_WIDTH}."
        if self.activation not in HIDDEN_ACTIVATIONS:
            return f"Unknown activation '{self.activation}'."
        if not (math.isfinite(self.learning_rate) and 0.0 < self.learning_rate <= LR_MAX):
            return f"The learning rate must be above 0 (and at most {LR_MAX:g}): with 0 nothing would change."
        if not SAMPLES_MIN <= self.n_samples <= SAMPLES_MAX:
            return f"The data set needs {SAMPLES_MIN} to {SAMPLES_MAX} points."
        if not 0.0 <= self.noise <= NOISE_MAX:
            return f"Noise must be between 0 and {NOISE_MAX:g}."
        if not 0.0 <= self.test_fraction <= TEST_FRACTION_MAX:
            return f"The test fraction must be between 0 and {TEST_FRACTION_MAX:g}."
        if not 0 <= self.seed <= SEED_MAX:
            return f"The seed must be a whole number from 0 to {SEED_MAX}."
        if not 1 <= self.epochs <= EPOCHS_MAX:
            return f"Epochs must be between 1 and {EPOCHS_MAX}."
        if not 1 <= self.speed <= SPEED_MAX:
            return f"Epochs per frame must be between 1 and {SPEED_MAX}."
        return self._playground_problem()

    def _playground_problem(self) -> str | None:
        """The Playground settings' problem, if any (features, batch, regularisation, optimizer)."""
        try:
            features.check_features(self.features, 2)
        except ValueError as error:
            return f"Features: {error}."
        if not 0 <= self.batch_size <= BATCH_MAX:
            return f"The batch size must be from 1 to {BATCH_MAX} (0: all training points)."
        if self.regularization not in REGULARIZATIONS:
            return f"Unknown regularisation '{self.regularization}' (none, l1 or l2)."
        if not (math.isfinite(self.regularization_rate) and 0.0 <= self.regularization_rate <= REGULARIZATION_RATE_MAX):
            return f"The regularisation rate must be from 0 to {REGULARIZATION_RATE_MAX:g}."
        try:
            optimizers.check_hyper(self.optimizer, self.hyper)
        except ValueError as error:
            return f"Optimizer: {error}."
        return None

    def same_network(self, other: BackpropState) -> bool:
        """True if `other` needs neither new data nor new weights (only lr, epochs, speed or sample differ)."""
        keys = ("dataset", "n_samples", "noise", "test_fraction", "hidden", "activation", "seed", "features")
        return all(getattr(self, key) == getattr(other, key) for key in keys)

    def with_optimizer(self, optimizer: str) -> BackpropState:
        """Another optimizer, keeping the hyperparameters it also takes (momentum's β would refuse adam)."""
        takes = optimizers.DEFAULTS.get(optimizer, {})
        return replace(self, optimizer=optimizer, hyper={k: v for k, v in self.hyper.items() if k in takes})

    def copy(self) -> BackpropState:
        return replace(self, hidden=list(self.hidden), features=list(self.features), hyper=dict(self.hyper))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values."""
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            copied = list(value) if isinstance(value, list) else dict(value) if isinstance(value, dict) else value
            out[item.name] = copied
        return out

    @classmethod
    def from_dict(cls, data: Any) -> BackpropState:
        """A state from a dict; unknown keys are ignored and bad values fall back to the defaults."""
        state = cls()
        if not isinstance(data, dict):
            return state
        if data.get("dataset") in datasets.DATASETS:
            state.dataset = data["dataset"]
        hidden = data.get("hidden")
        if isinstance(hidden, list) and len(hidden) <= MAX_HIDDEN_LAYERS and \
                all(_int(v, -1, 1, MAX_LAYER_WIDTH) == v for v in hidden):
            state.hidden = [int(v) for v in hidden]
        if data.get("activation") in HIDDEN_ACTIVATIONS:
            state.activation = data["activation"]
        state.n_samples = _int(data.get("n_samples"), state.n_samples, SAMPLES_MIN, SAMPLES_MAX)
        state.noise = _float(data.get("noise"), state.noise, 0.0, NOISE_MAX)
        state.test_fraction = _float(data.get("test_fraction"), state.test_fraction, 0.0, TEST_FRACTION_MAX)
        learning_rate = _float(data.get("learning_rate"), state.learning_rate, 0.0, LR_MAX)
        state.learning_rate = learning_rate if learning_rate > 0 else state.learning_rate
        state.seed = _int(data.get("seed"), state.seed, 0, SEED_MAX)
        state.epochs = _int(data.get("epochs"), state.epochs, 1, EPOCHS_MAX)
        state.speed = _int(data.get("speed"), state.speed, 1, SPEED_MAX)
        state.sample = _int(data.get("sample"), state.sample, 0, SAMPLES_MAX - 1)
        _playground_from_dict(state, data)
        return state


def _playground_from_dict(state: BackpropState, data: dict) -> None:
    """The Playground fields of `data` that are valid (the others keep their defaults)."""
    names = data.get("features")
    if isinstance(names, list) and all(isinstance(n, str) for n in names):
        try:
            state.features = features.check_features(names, 2)
        except ValueError:
            pass
    state.batch_size = _int(data.get("batch_size"), state.batch_size, 0, BATCH_MAX)
    if data.get("regularization") in REGULARIZATIONS:
        state.regularization = data["regularization"]
    state.regularization_rate = _float(data.get("regularization_rate"), state.regularization_rate, 0.0,
                                       REGULARIZATION_RATE_MAX)
    if data.get("optimizer") in optimizers.OPTIMIZERS:
        state.optimizer = data["optimizer"]
    hyper = data.get("hyper")
    if isinstance(hyper, dict):
        try:
            optimizers.check_hyper(state.optimizer, hyper)
            state.hyper = {str(k): float(v) for k, v in hyper.items()}
        except (ValueError, TypeError):
            pass
    for name in ("show_test", "discretize"):
        if isinstance(data.get(name), bool):
            setattr(state, name, data[name])


def playground_settings(state: BackpropState) -> dict[str, Any]:
    """train_headless's keyword arguments for `state`'s features, batches, regularisation and optimizer."""
    return {"features_used": state.input_features, "batch_size": state.batch(), "optimizer": state.optimizer,
            "l1": state.l1, "l2": state.l2, "hyper": dict(state.hyper)}


def _float(value: Any, default: float, low: float, high: float) -> float:
    """value as a finite float in [low, high], else default (from_dict never raises)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    number = float(value)
    return number if math.isfinite(number) and low <= number <= high else default


def _int(value: Any, default: int, low: int, high: int) -> int:
    """value as an int in [low, high] (whole floats such as 3.0 accepted), else default."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return default
    number = int(value)
    return number if low <= number <= high else default


# The presets are data: resources/presets/backprop.json (the CLI's defaults, XOR 2-4-1, first).
PRESETS: tuple[Preset, ...] = builtin_presets("backprop", BackpropState)

DEFAULT_PRESET = PRESETS[0]
