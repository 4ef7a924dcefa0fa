"""Cache files: written whole or not at all, never worth failing for, pruned by name.

The OCR cache, the text cache and the kept compound vocabulary all keep derived data
beside the index (the vocabulary also in the user's cache folder, `user_folder`).
Several worker processes may write the same entry at once (same content), and a
killed worker may leave a temporary file behind; readers must never see half an
entry, and a cache that cannot be written is simply not written.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

#: Temporary files start with this; `prune` removes those older than STALE_SECONDS.
TEMPORARY = ".tmp-"
STALE_SECONDS = 3600


def user_folder() -> Path | None:
    """This user's cache folder for the archive (`$XDG_CACHE_HOME/archive`, else
    `~/.cache/archive`), for data every index of this user can share; None when the
    environment names no usable home. It may still turn out unwritable: `keep` skips it."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, or relative (which the XDG spec says to ignore)
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "archive"


def keep(target: Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to `target` atomically (temporary file, flush, rename); on any error
    of the file system, write nothing and carry on.

    `durable=False` skips the fsync, for entries whose reader detects a torn file (after
    a power cut a renamed file may still be empty or short): one fsync per file was
    about a millisecond of each worker's time per document indexed.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=TEMPORARY, suffix=target.suffix)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def prune(folder: Path, suffix: str, stale: Callable[[str], bool]) -> int:
    """Remove the files named `??/*suffix` under `folder` (entries spread by their first two
    characters) whose name `stale` rejects, and temporary files a killed writer left
    (younger ones may be written right now). Listed with `os.scandir`: pathlib's glob
    took 0.15 s for 10,000 entries, in a run that changed one file."""
    removed = 0
    an_hour_ago = time.time() - STALE_SECONDS
    for entry in _entries(Path(folder), suffix):
        with contextlib.suppress(OSError):
            if entry.name.startswith(TEMPORARY):
                gone = entry.stat().st_mtime < an_hour_ago
            else:
                gone = stale(entry.name)
            if gone:
                os.unlink(entry.path)
                removed += 1
    return removed


def _entries(folder: Path, suffix: str) -> list[os.DirEntry]:
    found = []
    with contextlib.suppress(OSError), os.scandir(folder) as spreads:
        for spread in spreads:
            if len(spread.name) == 2 and spread.is_dir(follow_symlinks=False):
                with contextlib.suppress(OSError), os.scandir(spread.path) as files:
                    found += [e for e in files if e.name.endswith(suffix)]
    return found
