"""argparse value types shared by `calclab COMMAND` and `calclab export`: one wording for one mistake."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def int_in(low: int, high: int) -> Callable[[str], int]:
    """A whole number between low and high (inclusive)."""
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is outside {low}..{high:,}")
        return value
    return convert


def finite_float(text: str) -> float:
    """A number that is neither nan nor infinite."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"'{text}' is not a finite number")
    return value


def whole_number(text: str) -> int:
    """A whole number (the state checks its range, so the window, sessions and flags share one wording)."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None


def add_descent_options(parser: argparse.ArgumentParser) -> None:
    """The optimizer and schedule options `calclab descent` and `calclab export descent` share (unset: the state's
    value).

    Lists and limits come from the engine and the Descent state, so the window and the command line agree.
    """
    from calclab.engine.descent import METHODS
    from calclab.engine.schedules import SCHEDULES

    parser.add_argument("--optimizer", choices=METHODS, help="the update rule (default: sgd); newton takes the full "
                        "step H⁻¹∇f (no learning rate) and stops where the Hessian is not positive definite")
    parser.add_argument("--momentum", type=finite_float, help="momentum / nesterov: the velocity's decay (0.9)")
    parser.add_argument("--betas", metavar="B1,B2", help="adam / adamw: the moving averages' decays (0.9,0.999)")
    parser.add_argument("--alpha", type=finite_float, help="rmsprop: the smoothing constant (0.99)")
    parser.add_argument("--eps", type=finite_float, help="adagrad / rmsprop / adam / adamw: the term that keeps the "
                                                         "step finite (each optimizer's own default)")
    parser.add_argument("--weight-decay", type=finite_float, help="adamw: decoupled decay x <- x(1 - lr wd); the "
                        "others: wd x added to the gradient (default: 0.01 for adamw, 0 otherwise)")
    parser.add_argument("--tolerance", type=finite_float, help="stop once |gradient| <= this")
    parser.add_argument("--schedule", choices=SCHEDULES,
                        help="the learning rate per epoch, as torch.optim.lr_scheduler (default: constant): "
                             "step = StepLR, exponential = ExponentialLR, cosine = CosineAnnealingLR, "
                             "warmup = LinearLR")
    parser.add_argument("--step-size", type=whole_number, help="step: epochs between decays (10)")
    parser.add_argument("--gamma", type=finite_float, help="step / exponential: the decay factor (0.1 / 0.9)")
    parser.add_argument("--t-max", type=whole_number, help="cosine: epochs from the base rate down to --eta-min "
                                                           "(default: --epochs)")
    parser.add_argument("--eta-min", type=finite_float, help="cosine: the lowest rate (0)")
    parser.add_argument("--start-factor", type=finite_float,
                        help="warmup: the first epoch's fraction of the rate (1/3)")
    parser.add_argument("--warmup-epochs", type=whole_number, help="warmup: epochs to reach the full rate (5)")


def add_backprop_options(parser: argparse.ArgumentParser) -> None:
    """The network options `calclab backprop` and `calclab export backprop` share (unset: the data set's preset)."""
    from calclab.engine.backprop import HIDDEN_ACTIVATIONS
    from calclab.engine.datasets import DATASETS
    from calclab.state.backprop import BATCH_MAX, SEED_MAX

    parser.add_argument("--dataset", choices=DATASETS, help="the toy data set (default: xor)")
    parser.add_argument("--sizes", help="layer sizes, inputs first, e.g. 2,4,1 (default: the data set's preset)")
    parser.add_argument("--activation", choices=HIDDEN_ACTIVATIONS, help="the hidden layers' activation")
    parser.add_argument("--seed", type=int_in(0, SEED_MAX), help="drives the data, the split, the weights "
                        "and the batches (0)")
    parser.add_argument("--features", metavar="F[,F]", help="the network's inputs, among x1,x2,x1^2,x2^2,x1x2,"
                        "sinx1,sinx2 (default: x1,x2; the sine set: x1); --sizes starts with their number")
    parser.add_argument("--batch-size", type=int_in(1, BATCH_MAX), help="training points per update; each epoch "
                        "shuffles them into batches (default: all of them, one batch)")
    parser.add_argument("--l1", type=finite_float, help="L1 regularisation rate: adds λ·Σ|W| (weights only)")
    parser.add_argument("--l2", type=finite_float, help="L2 regularisation rate: adds (λ/2)·ΣW² (weights only)")


def add_network_optimizer_options(parser: argparse.ArgumentParser) -> None:
    """`calclab backprop`'s optimizer and its settings (`calclab export` has them from add_descent_options)."""
    from calclab.engine.optimizers import OPTIMIZERS

    parser.add_argument("--optimizer", choices=OPTIMIZERS, help="the update rule, as torch.optim (default: sgd)")
    parser.add_argument("--momentum", type=finite_float, help="momentum / nesterov: the velocity's decay (0.9)")
    parser.add_argument("--betas", metavar="B1,B2", help="adam / adamw: the moving averages' decays (0.9,0.999)")
    parser.add_argument("--alpha", type=finite_float, help="rmsprop: the smoothing constant (0.99)")
    parser.add_argument("--eps", type=finite_float, help="adagrad / rmsprop / adam / adamw: the term that keeps the "
                                                         "step finite (each optimizer's own default)")
    parser.add_argument("--weight-decay", type=finite_float, help="on every parameter, biases too, as torch: adamw "
                        "decoupled (default 0.01), the others wd·p added to the gradient (default 0)")
