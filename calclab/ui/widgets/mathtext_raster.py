"""One mathtext string typeset into an alpha mask (matplotlib's Agg rasterizer, NumPy; no Qt).

FormulaView uses it on the GUI thread for short formulas, and in its typesetting process for long ones: the
process is the same kind of warm, killable child as the symbolic worker, and `alpha_masks` is its job. Typesetting
there, not on a thread, matters because mathtext's parser is pure Python: a typesetting thread holds the GIL, and
every Python-overridden Qt call on the GUI thread (paint events, layout) then waits for it. Typesetting the 60
formulas of a 30-link chain on a thread stood the event loop still for 0.9-1.6 s (measured with a 10 ms timer).
"""

from __future__ import annotations

import threading

import numpy as np

_lock = threading.Lock()   # mathtext is not documented thread-safe (the GUI process warms it up on a thread)
_parser = None             # matplotlib.mathtext.MathTextParser("agg"), made on first use (importing is slow)


def alpha_mask(mathtext: str, font_pt: float, dpi: float) -> np.ndarray | None:
    """The coverage of the typeset string as a (height, width) uint8 array; None if mathtext cannot parse it."""
    global _parser
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import MathTextParser

    try:
        with _lock:
            if _parser is None:
                _parser = MathTextParser("agg")
            alpha = np.asarray(_parser.parse(f"${mathtext}$", dpi=dpi, prop=FontProperties(size=font_pt)).image)
    except Exception:  # noqa: BLE001 - mathtext raises ValueError and others; the caller falls back to text
        return None
    if alpha.ndim != 2 or alpha.size == 0:
        return None
    return np.ascontiguousarray(alpha, dtype=np.uint8)


def alpha_masks(items: tuple[tuple[str, float, float], ...]) -> list[np.ndarray | None]:
    """alpha_mask for each (mathtext, font size, dpi). (The typesetting process's job.)"""
    return [alpha_mask(mathtext, font_pt, dpi) for mathtext, font_pt, dpi in items]
