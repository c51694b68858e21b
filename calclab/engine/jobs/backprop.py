"""What the Backprop tab runs away from the GUI thread: the loss landscape (engine/landscape.py).

It runs in the tab's own numeric worker process (ui/tabs/backprop/landscape_view.py), with its own time budget, so
the shared symbolic worker, and the other tabs' jobs, never wait for it. Plain arguments in, a Landscape out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from calclab.engine.backprop import MLP, Params
from calclab.engine.landscape import GRID, Landscape, landscape


def landscape_job(shape: tuple, l1: float, l2: float, params: Params, X: np.ndarray, y: np.ndarray, seed: int,
                  path: Sequence[Params] = (), n: int = GRID) -> Landscape:
    """The landscape of the network `shape` = (sizes, activation, output, loss, seed) with weights `params`."""
    net = MLP(*shape, l1=l1, l2=l2)
    net.set_params(params)
    return landscape(net, X, y, seed, n, path=path)
