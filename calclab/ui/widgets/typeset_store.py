"""Typeset formulas kept across launches: mathtext alpha masks on disk, so a start need not import matplotlib.

Typesetting the first tab's formulas costs a launch about a second: importing matplotlib, building its font list
in a fresh home (0.4-0.8 s), then mathtext's pure-Python parser. A mask depends only on (mathtext, font size,
dpi) (the colour is applied afterwards), so masks are looked up here first, in two places:
- shipped: `resources/typeset/masks.npz`, the formulas the tabs show when they first open, made at build time
  by `python -m calclab.ui.widgets.typeset_store --build` (read through calclab.resource_files);
- cached: one `.npy` file per formula in the user's cache folder ($CALCLAB_CACHE, or $CALCLAB_HOME/cache, else
  $XDG_CACHE_HOME or ~/.cache, then calclab/typeset/<calclab version>), written whenever a formula is typeset.
A missing, unreadable or malformed entry is a miss (the formula is typeset as before); writing never raises.
Qt-free: the typesetting process and the GUI both use it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import threading

import numpy as np

from calclab import __version__

SHIPPED = ("typeset", "masks.npz")
KEYS = "keys"                # the shipped archive's list of [mathtext, font size, dpi], one JSON text per mask
BUILD_ENV = "CALCLAB_TYPESET_BUILD"
CACHE_ENV = "CALCLAB_CACHE"  # a folder for the cache, or "off" (the tests: every run typesets as if new)
MAX_SIDE = 8192              # a mask larger than this on either side is not trusted (nor kept)
_lock = threading.Lock()
_shipped: dict[str, np.ndarray] | None = None   # digest -> mask, loaded on first use


def digest(mathtext: str, font_pt: float, dpi: float) -> str:
    """The name of one formula's mask: its text, size and resolution (rounded as the image cache rounds them)."""
    key = json.dumps([mathtext, round(float(font_pt), 2), round(float(dpi), 2)])
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


def cache_folder() -> str | None:
    """Where masks typeset on this machine are kept (not created here); None when $CALCLAB_CACHE is "off"."""
    chosen = os.environ.get(CACHE_ENV, "")
    if chosen == "off":
        return None
    if chosen:
        return os.path.join(chosen, "typeset", __version__)
    base = os.environ.get("CALCLAB_HOME")
    if base:
        base = os.path.join(base, "cache")
    elif sys.platform == "win32":
        base = os.path.join(os.environ.get("LOCALAPPDATA") or os.path.expanduser("~"), "calclab", "cache")
    else:
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        base = os.path.join(xdg if os.path.isabs(xdg) else os.path.join(os.path.expanduser("~"), ".cache"),
                            "calclab")
    return os.path.join(base, "typeset", __version__)


def _valid(mask: object) -> np.ndarray | None:
    if isinstance(mask, np.ndarray) and mask.dtype == np.uint8 and mask.ndim == 2 \
            and 0 < mask.shape[0] <= MAX_SIDE and 0 < mask.shape[1] <= MAX_SIDE:
        return np.ascontiguousarray(mask)
    return None


def _load_shipped() -> dict[str, np.ndarray]:
    global _shipped
    with _lock:
        if _shipped is None:
            _shipped = {}
            if os.environ.get(BUILD_ENV):   # --build: every formula typeset afresh
                return _shipped
            try:
                from calclab.resource_files import resource

                data = resource(*SHIPPED).read_bytes()
                with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                    for name in archive.files:
                        mask = None if name == KEYS else _valid(archive[name])
                        if mask is not None:
                            _shipped[name] = mask
            except Exception:  # noqa: BLE001 - no shipped masks (or a damaged file) only costs time
                _shipped = {}
        return _shipped


def load(mathtext: str, font_pt: float, dpi: float) -> np.ndarray | None:
    """The stored mask of this formula, or None if there is none."""
    name = digest(mathtext, font_pt, dpi)
    mask = _load_shipped().get(name)
    if mask is not None:
        return mask
    folder = cache_folder()
    if folder is None:
        return None
    path = os.path.join(folder, name + ".npy")
    try:
        if os.path.getsize(path) > MAX_SIDE * MAX_SIDE + 1024:
            return None
        return _valid(np.load(path, allow_pickle=False))
    except Exception:  # noqa: BLE001 - missing, partly written or not a mask: typeset it again
        return None


def has(mathtext: str, font_pt: float, dpi: float) -> bool:
    """True if load() would find this formula (without reading the cached file)."""
    name = digest(mathtext, font_pt, dpi)
    folder = cache_folder()
    return name in _load_shipped() or (folder is not None and os.path.isfile(os.path.join(folder, name + ".npy")))


def save(mathtext: str, font_pt: float, dpi: float, mask: np.ndarray | None) -> None:
    """Keep a freshly typeset mask for the next launch (written under a temporary name, then renamed)."""
    mask = _valid(mask)
    if mask is None:
        return
    folder = cache_folder()
    if folder is None:
        return
    path = os.path.join(folder, digest(mathtext, font_pt, dpi) + ".npy")
    temporary = f"{path}.{os.getpid()}.{threading.get_ident()}.part"
    try:
        os.makedirs(folder, exist_ok=True)
        with open(temporary, "wb") as file:
            np.save(file, mask, allow_pickle=False)
        os.replace(temporary, path)
        if os.environ.get(BUILD_ENV):   # --build ships the keys too, so a test can typeset them again
            with open(path[:-4] + ".key", "w", encoding="utf-8") as file:
                json.dump([mathtext, round(float(font_pt), 2), round(float(dpi), 2)], file)
    except OSError:
        try:
            os.remove(temporary)
        except OSError:
            pass


def build(folder: str, out: str) -> int:
    """Pack the cached masks in `folder` (and their keys) into one shipped archive `out`; returns how many."""
    masks, keys = {}, []
    for entry in sorted(os.listdir(folder)):
        if entry.endswith(".npy"):
            mask = _valid(np.load(os.path.join(folder, entry), allow_pickle=False))
            key_path = os.path.join(folder, entry[:-4] + ".key")
            if mask is not None and os.path.isfile(key_path):
                masks[entry[:-4]] = mask
                with open(key_path, encoding="utf-8") as file:
                    keys.append(file.read())
    np.savez_compressed(out, **masks, **{KEYS: np.array(keys, dtype=str)})
    return len(masks)


def shipped_keys() -> list[tuple[str, float, float]]:
    """(mathtext, font size, dpi) of every shipped mask (for tests and for rebuilding)."""
    from calclab.resource_files import resource

    with np.load(io.BytesIO(resource(*SHIPPED).read_bytes()), allow_pickle=False) as archive:
        return [tuple(json.loads(text)) for text in archive[KEYS]]


def _build_main() -> int:
    """Typeset what every tab shows when it first opens (a screenshot of each, in a fresh cache) and ship it."""
    import tempfile

    from calclab.resource_files import _CHECKOUT, launch_every_first_view

    with tempfile.TemporaryDirectory() as home:
        launch_every_first_view(home, {BUILD_ENV: "1", CACHE_ENV: home})
        out = _CHECKOUT.joinpath(*SHIPPED)
        out.parent.mkdir(parents=True, exist_ok=True)
        count = build(os.path.join(home, "typeset", __version__), str(out))
    print(f"{count} typeset formulas written to {out}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] != ["--build"]:
        print("usage: python -m calclab.ui.widgets.typeset_store --build", file=sys.stderr)
        sys.exit(2)
    sys.exit(_build_main())
