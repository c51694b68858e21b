"""The Backprop tab's state from command-line options (`calclab backprop`, `calclab export backprop`): the data
set's preset, then the flags on top, within the state's limits. A bad flag raises OptionError with its name."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from calclab.state.options import OptionError, number


def backprop_state(state: Any, args: Any) -> Any:
    """`state` (the default or a session's) with the backprop flags of `args` applied; OptionError on a bad one."""
    from calclab.engine import datasets, features
    from calclab.state.backprop import PRESETS

    if args.dataset is not None and args.dataset != state.dataset:
        # A new data set starts from the settings its preset uses (sine needs a 1-input net and a smaller rate).
        preset = next((p for p in PRESETS if p.state.dataset == args.dataset), None)
        state = preset.make_state() if preset is not None else replace(state, dataset=args.dataset)
    inputs = datasets.input_dim(state.dataset)
    if args.features is not None:
        try:
            state = replace(state, features=features.parse_features(args.features, inputs))
        except ValueError as error:
            raise OptionError(f"--features: {error} (e.g. --features x1,x2,x1x2)") from None
    if args.sizes is not None:
        try:
            sizes = [int(s) for s in args.sizes.split(",")]
        except ValueError:
            raise OptionError(f"--sizes takes whole numbers separated by commas, e.g. 2,4,1 "
                              f"(not '{args.sizes}')") from None
        n_in = len(state.input_features)
        if len(sizes) < 2 or sizes[0] != n_in or sizes[-1] != 1:
            what = f"the {state.dataset} inputs" if args.features is None else f"the {n_in} --features"
            raise OptionError(f"--sizes must start with {n_in} ({what}) and end with 1, e.g. {n_in},4,1")
        state = replace(state, hidden=sizes[1:-1])
    for dest, name in (("activation", "activation"), ("lr", "learning_rate"), ("epochs", "epochs"),
                       ("seed", "seed"), ("batch_size", "batch_size")):
        if getattr(args, dest) is not None:
            state = replace(state, **{name: getattr(args, dest)})
    state = _regularization(state, args)
    state = _optimizer(state, args)
    problem = state.problem()
    if problem:
        raise OptionError(problem)
    return state


def _regularization(state: Any, args: Any) -> Any:
    if args.l1 is not None and args.l2 is not None:
        raise OptionError("--l1 and --l2: choose one regularisation (as TensorFlow Playground)")
    for kind in ("l1", "l2"):
        rate = getattr(args, kind)
        if rate is not None:
            if rate < 0:
                raise OptionError(f"--{kind} must be 0 or more")
            state = replace(state, regularization=kind if rate > 0 else "none", regularization_rate=float(rate))
    return state


def _optimizer(state: Any, args: Any) -> Any:
    """--optimizer and its hyperparameters (each optimizer takes its own: --betas is adam's and adamw's)."""
    from calclab.engine import optimizers

    if args.optimizer is not None:
        if args.optimizer not in optimizers.OPTIMIZERS:
            raise OptionError(f"--optimizer: backprop trains with {', '.join(optimizers.OPTIMIZERS)} "
                              f"(not {args.optimizer})")
        if args.optimizer != state.optimizer:
            state = replace(state, optimizer=args.optimizer, hyper={})
    hyper = dict(state.hyper)
    flags = {"momentum": ("--momentum", args.momentum), "alpha": ("--alpha", args.alpha), "eps": ("--eps", args.eps),
             "weight_decay": ("--weight-decay", args.weight_decay)}
    if args.betas is not None:
        parts = args.betas.split(",")
        if len(parts) != 2:
            raise OptionError("--betas takes two numbers, B1,B2")
        flags["beta1"], flags["beta2"] = (("--betas", number(p, "--betas")) for p in parts)
    takes = optimizers.DEFAULTS[state.optimizer]
    for name, (flag, value) in flags.items():
        if value is None:
            continue
        if name not in takes:
            raise OptionError(f"{flag} does not apply to {state.optimizer} (it takes "
                              f"{', '.join(takes) or 'no hyperparameters'}); choose the optimizer with --optimizer")
        hyper[name] = float(value)
    try:
        optimizers.check_hyper(state.optimizer, hyper)
    except ValueError as error:
        raise OptionError(str(error)) from None
    return replace(state, hyper=hyper)
