"""Child processes that must not outlive their parent (Linux; elsewhere a no-op)."""

from __future__ import annotations

import ctypes
import os
import signal

#: prctl(2) option: the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1


def die_with(parent: int, sig: int = signal.SIGKILL) -> None:
    """Have the kernel send `sig` to this process when `parent` dies.

    An indexer worker holds the index's write lock (an flock is shared across fork),
    and a web server process holds the listening port: left behind by a killed parent,
    either blocks the next cron run or the next `archive serve`.
    """
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, sig)
    except (OSError, AttributeError):  # no prctl on this system
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
