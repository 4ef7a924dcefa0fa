"""Python's cycle collector, paused where bulk work makes many objects and no cycles."""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector off for a while, on again after (whatever happens).

    The collector walks every container object again each time enough new ones
    pile up; work that makes hundreds of thousands of them and no reference cycle
    pays for nothing. Reference counting still frees them. Used for the translation
    alignment (a quarter of its time at 10,000 documents went to the collector),
    for loading langdetect's profiles and for writing an index segment.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
