"""What a tab can export beyond its plots, through the tab contract: an animation rendered frame by frame
(`export_animation()`: frame count and captions, each yielded once the plots show that frame) and a data table
(`export_table()`: header and rows).

A long animation is sampled (at most MAX_GIF_FRAMES frames are rendered). A generator may take the hint that
animation_frames sends it: resumed with False, the frame it is about to yield will not be rendered, so it may
advance the run without redrawing the plots; resumed with True (or by next()) the plots must show the frame.
One that skipped redraws brings the plots up to date before it ends early (a diverged run's last frame is shown).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QImage

from calclab.ui.export import MAX_GIF_FRAMES, ExportError, caption_frame, frame_indices, render_plot
from calclab.ui.tabs.base import TabBase


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

def animation_frames(tab: TabBase, light: bool = True, limit: int = MAX_GIF_FRAMES,
                     sampled: Callable[[int, int], object] | None = None,
                     progress: Callable[[int, int], object] | None = None) -> Iterator[QImage]:
    """Render the tab's main plot at every kept frame of its animation, with the frame's caption on it.

    An animation of more than `limit` frames keeps an even sample (frame_indices); `sampled(kept, count)` hears
    of it once, before the first frame. Only kept frames are rendered; each next frame is asked for with
    send(rendered) (see the module's note). `progress(frames_done, count)` follows the frames.
    """
    animation = tab.export_animation() if tab.has_animation() else None
    if animation is None:
        raise ExportError(f"the {tab.name} tab has no animation to export")
    plot = tab.main_plot()
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


# -- tables ----------------------------------------------------------------------------------------------------

def table_of(tab: TabBase) -> tuple[list[str], list[list[object]]]:
    """The tab's data as (header, rows): the descent iteration table, the training loss history."""
    table = tab.export_table() if tab.has_table() else None
    if table is None:
        raise ExportError(f"the {tab.name} tab has no data table to export")
    return table
