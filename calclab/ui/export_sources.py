"""What a tab can export beyond its plots: an animation (descent path, training run) and a data table (CSV).

A tab may provide these itself: `export_animation()` -> (frame count, iterator of frame captions; each item is
yielded once the plots show that frame) and `export_table()` -> (header, rows). Until the Descent and Backprop
tabs do, the adapters below drive them through their public methods.

A long animation is sampled (at most MAX_GIF_FRAMES frames are rendered). A generator may take the hint that
animation_frames sends it: resumed with False, the frame it is about to yield will not be rendered, so it may
advance the run without redrawing the plots; resumed with True (or by next()) the plots must show the frame.
One that skipped redraws brings the plots up to date before it ends early (a diverged run's last frame is shown).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from calclab.ui.export import (
    MAX_GIF_FRAMES,
    ExportError,
    caption_frame,
    frame_indices,
    render_plot,
    table_model_rows,
)

Animation = tuple[int, Iterator[str]]


def settle(worker, timeout: float = 15.0, idle_for: float = 0.3, ready=None) -> bool:
    """Process events until the worker has been idle for `idle_for` s (and `ready()` holds); False on timeout."""
    deadline = time.monotonic() + timeout
    idle_since = None
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if worker.is_idle() and (ready is None or ready()):
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= idle_for:
                return True
        else:
            idle_since = None
            if not worker.is_idle():
                worker.wait_idle(min(0.05, max(0.0, deadline - time.monotonic())))
        time.sleep(0.005)
    return False


# -- animations -----------------------------------------------------------------------------------------------

def animation_of(tab: QWidget, tab_name: str) -> Animation | None:
    """The tab's animation, or None if it has none."""
    if tab.has_animation():
        return tab.export_animation()
    if tab_name == "descent" and hasattr(tab, "runs"):
        return _descent_animation(tab)
    if tab_name == "backprop" and hasattr(tab, "model"):
        return _backprop_animation(tab)
    return None


def has_animation(tab: QWidget, tab_name: str) -> bool:
    return tab.has_animation() or (tab_name == "descent" and hasattr(tab, "runs")) or \
        (tab_name == "backprop" and hasattr(tab, "model"))


def animation_frames(tab: QWidget, tab_name: str, light: bool = True, limit: int = MAX_GIF_FRAMES,
                     sampled: Callable[[int, int], object] | None = None,
                     progress: Callable[[int, int], object] | None = None) -> Iterator[QImage]:
    """Render the tab's main plot at every kept frame of its animation, with the frame's caption on it.

    An animation of more than `limit` frames keeps an even sample (frame_indices); `sampled(kept, count)` hears
    of it once, before the first frame. Only kept frames are rendered; each next frame is asked for with
    send(rendered) (see the module's note). `progress(frames_done, count)` follows the frames.
    """
    animation = animation_of(tab, tab_name)
    if animation is None:
        raise ExportError(f"the {tab_name} tab has no animation to export")
    plot = tab.main_plot()
    if plot is None:
        raise ExportError(f"the {tab_name} tab has no plot to animate")
    count, steps = animation
    indices = frame_indices(count, limit)
    if len(indices) < count and sampled is not None:
        sampled(len(indices), count)
    keep = set(indices)
    send = getattr(steps, "send", None)
    index, caption, rendered = 0, None, True
    while True:
        try:
            caption = next(steps) if send is None or index == 0 else send(index in keep)
        except StopIteration:
            break
        rendered = index in keep
        if rendered:
            yield caption_frame(render_plot(plot, 1, light), caption)
        index += 1
        if progress is not None:
            progress(index, count)
    if not rendered and caption is not None:   # the run ended early (diverged): still show where it stopped
        yield caption_frame(render_plot(plot, 1, light), caption)


def _descent_animation(tab) -> Animation:
    """Every epoch from the start point up to where the runs are now (the whole run if none was made yet)."""
    if not tab.is_ready():
        raise ExportError("the descent is not ready yet (its function is still being prepared)")
    tab.pause()
    runs = [run for _name, run in tab.runs]
    target = max(len(run.history) for run in runs)
    if target == 0:            # nothing stepped yet: animate the whole run, as Run would show it
        while tab.step():
            pass
        target = max(len(run.history) for run in runs)

    def steps() -> Iterator[str]:
        tab.reset()
        yield "epoch 0"
        for epoch in range(1, target + 1):
            if not tab.step():
                return
            yield f"epoch {epoch}"

    return target + 1, steps()


def _backprop_animation(tab) -> Animation:
    """The training run from fresh weights up to the current epoch (a full run if none was trained), one frame
    per animation tick (`speed` epochs), as the Train button shows it."""
    if tab.is_training():
        tab.stop()
    state = tab.state
    target = tab.model.epoch or state.epochs
    speed = max(1, int(state.speed))

    def steps() -> Iterator[str]:
        tab.set_state(replace(state, epochs=target))   # same seed: the same initial weights and data
        yield "epoch 0"
        tab.train()
        while tab.is_training():
            tab.train_tick()
            yield f"epoch {tab.model.epoch}"
        if target != state.epochs:    # give the user's epoch setting back without retraining
            tab.model.set_training_options(replace(tab.model.state, epochs=state.epochs))
            tab.controls.show_state(tab.model.state)

    return 1 + math.ceil(target / speed), steps()


# -- tables ----------------------------------------------------------------------------------------------------

def has_table(tab: QWidget, tab_name: str) -> bool:
    return tab.has_table() or (tab_name == "descent" and hasattr(tab, "table_model")) or \
        (tab_name == "backprop" and hasattr(tab, "model"))


def table_of(tab: QWidget, tab_name: str) -> tuple[list[str], list[list[object]]]:
    """The tab's data as (header, rows): the descent iteration table, the training loss history."""
    if tab.has_table():
        return tab.export_table()
    if tab_name == "descent" and hasattr(tab, "table_model"):
        model = tab.table_model
        status = model.status_row() if hasattr(model, "status_row") else None
        return table_model_rows(model, skip_rows=() if status is None else (status,), prefer_tooltip=True)
    if tab_name == "backprop" and hasattr(tab, "model"):
        model = tab.model
        rows = [[epoch, train, test if math.isfinite(test) else ""]
                for epoch, (train, test) in enumerate(zip(model.train_losses, model.test_losses, strict=False),
                                                      start=1)]
        return ["epoch", "train_loss", "test_loss"], rows
    raise ExportError(f"the {tab_name} tab has no data table to export")
