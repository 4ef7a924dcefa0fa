"""langdetect's language profiles, loaded from a copy in the user's cache folder.

langdetect reads 55 JSON profiles into one table of 87,000 n-grams (0.22 s, with the
cycle collector paused), which every run that detects a language paid before its
workers started. The same table written with `marshal` loads in 0.12 s, reading the
file included. The copy is made by the first run that loads the profiles, is named for the
langdetect and Python versions it was made with (marshal's format is Python's), and
is only ever a copy: one that is missing, unreadable or not of the expected shape is
ignored and made again.
"""

from __future__ import annotations

import contextlib
import marshal
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from archive import cachefiles


def factory():
    """A langdetect DetectorFactory with every profile loaded (from the copy if there is
    one) and its seed fixed, so the same text always gets the same answer."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    made = DetectorFactory()
    copy = _copy_path()
    kept = _read(copy) if copy else None
    if kept:
        made.word_lang_prob_map, made.langlist = kept
    else:
        made.load_profile(PROFILES_DIRECTORY)
        if copy:
            data = (made.word_lang_prob_map, made.langlist)
            cachefiles.keep(copy, marshal.dumps(data))
    made.seed = 0
    return made


def _copy_path() -> Path | None:
    folder = cachefiles.user_folder()
    if folder is None:
        return None
    try:
        release = version("langdetect")
    except PackageNotFoundError:
        return None
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return folder / f"langdetect-{release}-python{python}.marshal"


def _read(path: Path) -> tuple[dict, list] | None:
    """The kept (n-gram -> probabilities, languages), or None unless it looks whole."""
    data = None
    with contextlib.suppress(OSError, EOFError, ValueError, TypeError, MemoryError):
        data = marshal.loads(path.read_bytes())
    if not (isinstance(data, tuple) and len(data) == 2):
        return None
    table, languages = data
    if not (isinstance(table, dict) and table and isinstance(languages, list) and languages):
        return None
    sample = next(iter(table.values()))
    if not (isinstance(sample, list) and len(sample) == len(languages)):
        return None
    return table, languages
