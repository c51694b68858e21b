"""The typeset store: formulas typeset once are found again without matplotlib, damaged entries are misses, and the
shipped masks are what mathtext makes today (rebuild with `python -m calclab.ui.widgets.typeset_store --build`)."""

from __future__ import annotations

import numpy as np
import pytest

from calclab.ui.widgets import formula_images, typeset_store
from calclab.ui.widgets.mathtext_raster import alpha_mask


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("CALCLAB_CACHE", str(tmp_path))
    return tmp_path


def test_a_saved_mask_is_found_again_only_under_its_own_key(cache_home):
    mask = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert typeset_store.load("x^{7}", 15.0, 96.0) is None
    typeset_store.save("x^{7}", 15.0, 96.0, mask)
    assert typeset_store.has("x^{7}", 15.0, 96.0)
    assert np.array_equal(typeset_store.load("x^{7}", 15.0, 96.0), mask)
    assert str(cache_home) in typeset_store.cache_folder()
    for other in (("x^{8}", 15.0, 96.0), ("x^{7}", 16.0, 96.0), ("x^{7}", 15.0, 192.0)):
        assert typeset_store.load(*other) is None and not typeset_store.has(*other)


@pytest.mark.parametrize("content", [b"", b"not a numpy file", b"\x93NUMPY\x01\x00garbage"])
def test_a_damaged_cache_file_is_a_miss_and_typesetting_repairs_it(cache_home, content):
    typeset_store.save("y^{2}", 15.0, 96.0, np.ones((2, 2), dtype=np.uint8))
    path = typeset_store.cache_folder() + "/" + typeset_store.digest("y^{2}", 15.0, 96.0) + ".npy"
    with open(path, "wb") as file:
        file.write(content)
    assert typeset_store.load("y^{2}", 15.0, 96.0) is None
    image = formula_images.rasterize("y^{2}", 15.0, "#000000", 96.0)   # typesets it again and keeps it
    assert image is not None and not image.isNull()
    assert np.array_equal(typeset_store.load("y^{2}", 15.0, 96.0), alpha_mask("y^{2}", 15.0, 96.0))


def test_masks_that_are_not_images_are_never_kept(cache_home):
    for bad in (None, np.zeros((0, 3), dtype=np.uint8), np.zeros((2, 2), dtype=np.float64), np.zeros(5, np.uint8)):
        typeset_store.save("z", 15.0, 96.0, bad)
        assert typeset_store.load("z", 15.0, 96.0) is None


def test_shipped_masks_are_what_mathtext_makes_now():
    keys = typeset_store.shipped_keys()
    assert keys, "resources/typeset/masks.npz holds no formulas"
    for mathtext, font_pt, dpi in keys:
        shipped = typeset_store.load(mathtext, font_pt, dpi)
        assert shipped is not None, mathtext
        assert np.array_equal(shipped, alpha_mask(mathtext, font_pt, dpi)), mathtext


def test_a_shipped_formula_is_drawn_without_typesetting(monkeypatch, cache_home):
    mathtext, font_pt, dpi = typeset_store.shipped_keys()[0]

    def refuse(*_args):
        raise AssertionError("mathtext was asked for a shipped formula")

    monkeypatch.setattr(formula_images, "alpha_mask", refuse)
    with formula_images.cache_lock:
        formula_images.cache.pop(formula_images.cache_key(mathtext, font_pt, "#123456", dpi), None)
    assert formula_images.is_cached(mathtext, font_pt, "#123456", dpi)
    image = formula_images.render(mathtext, font_pt, "#123456", dpi)
    shipped = typeset_store.load(mathtext, font_pt, dpi)
    assert (image.height(), image.width()) == shipped.shape
