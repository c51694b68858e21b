"""Each neuron's picture, as TensorFlow Playground draws them: its output over the data plot's square, orange for
negative, white for 0, blue for positive (the diagram's sign colours), as a small RGB image.

The model gives the numbers (`BackpropModel.neuron_outputs`, one forward pass over a PICTURE x PICTURE grid for
every neuron at once); this module only colours them. An input's picture is its feature (x₁, x₁², sin x₂, ...);
a tanh or sigmoid neuron is coloured on [-1, 1], an unbounded one (relu, linear, a feature) by its largest size.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from calclab.ui.tabs.backprop.model import BackpropModel
from calclab.ui.widgets.network_view import NEGATIVE, POSITIVE

BOUNDED = ("tanh", "sigmoid")


def _lut() -> np.ndarray:
    """256 colours from orange (-1) through white (0) to blue (+1)."""
    t = np.linspace(-1.0, 1.0, 256)[:, None]
    neg, pos = QColor(NEGATIVE), QColor(POSITIVE)
    neg_rgb = np.array([neg.red(), neg.green(), neg.blue()], dtype=float)
    pos_rgb = np.array([pos.red(), pos.green(), pos.blue()], dtype=float)
    target = np.where(t < 0, neg_rgb, pos_rgb)
    return np.round(255.0 + (target - 255.0) * np.abs(t)).astype(np.uint8)


LUT = _lut()


def colour(values: np.ndarray, scale: float) -> np.ndarray:
    """values (...) -> (..., 3) uint8 by value / scale in [-1, 1] (nan as white)."""
    with np.errstate(all="ignore"):
        t = values * (127.5 / scale if scale > 0 else 0.0)
        t += 128.0   # + 0.5: the cast below then rounds
    np.nan_to_num(t, copy=False, nan=128.0, posinf=255.0, neginf=0.0)   # in place: every training frame colours
    np.clip(t, 0.0, 255.0, out=t)                                        # 56 pictures of 40x40
    return LUT[t.astype(np.uint8)]


def neuron_pictures(model: BackpropModel) -> list[list[np.ndarray]]:
    """pictures[l][j]: neuron j of layer l (inputs first) as an (h, w, 3) image, x₁ to the right, x₂ upwards."""
    outputs = model.neuron_outputs()
    acts = ["input", *model.net.layer_activations]
    pictures = []
    for layer, act in zip(outputs, acts, strict=True):
        if act in BOUNDED:
            scale = 1.0
        else:
            finite = np.abs(layer[np.isfinite(layer)])
            scale = float(finite.max()) if finite.size else 1.0
        rgb = colour(np.moveaxis(layer, 2, 0), scale)   # (width, h, w, 3): one image per neuron, contiguous
        pictures.append(list(rgb))
    return pictures
