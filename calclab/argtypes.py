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


def add_descent_options(parser: argparse.ArgumentParser) -> None:
    """The optimizer options `calclab descent` and `calclab export descent` share (unset: the state's value).

    Lists and limits come from the engine and the Descent state, so the window and the command line agree.
    """
    from calclab.engine.descent import OPTIMIZERS

    parser.add_argument("--optimizer", choices=OPTIMIZERS, help="the update rule (default: sgd)")
    parser.add_argument("--momentum", type=finite_float, help="momentum / nesterov: the velocity's decay (0.9)")
    parser.add_argument("--betas", metavar="B1,B2", help="adam: the moving averages' decays (0.9,0.999)")
    parser.add_argument("--alpha", type=finite_float, help="rmsprop: the smoothing constant (0.99)")
    parser.add_argument("--eps", type=finite_float, help="adagrad / rmsprop / adam: the term that keeps the "
                                                         "step finite (each optimizer's own default)")
    parser.add_argument("--tolerance", type=finite_float, help="stop once |gradient| <= this")


def add_backprop_options(parser: argparse.ArgumentParser) -> None:
    """The network options `calclab backprop` and `calclab export backprop` share (unset: the data set's preset)."""
    from calclab.engine.backprop import HIDDEN_ACTIVATIONS
    from calclab.engine.datasets import DATASETS
    from calclab.state.backprop import SEED_MAX

    parser.add_argument("--dataset", choices=DATASETS, help="the toy data set (default: xor)")
    parser.add_argument("--sizes", help="layer sizes, inputs first, e.g. 2,4,1 (default: the data set's preset)")
    parser.add_argument("--activation", choices=HIDDEN_ACTIVATIONS, help="the hidden layers' activation")
    parser.add_argument("--seed", type=int_in(0, SEED_MAX), help="drives the data, the split and the weights (0)")
