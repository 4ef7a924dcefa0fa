"""Translation groups and kinds from file names and folders (the conventions staff use).

`NAME.de.pdf`/`NAME.en.pdf`, `NAME_DE.pdf`/`NAME-en.pdf` and `de/NAME.pdf` beside
`en/NAME.pdf` are language versions of one document: they share a group key.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from archive.languages import LANGUAGES

_CODES = "|".join(LANGUAGES)
_DOTTED = re.compile(rf"^(?P<name>.+)\.(?P<lang>{_CODES})$", re.IGNORECASE)
_SUFFIXED = re.compile(rf"^(?P<name>.+?)[_-](?P<lang>{_CODES})$", re.IGNORECASE)

#: Folder names that give a kind, singular; other top-level folders are kinds as named.
KIND_FOLDERS = {
    "declarations": "declaration",
    "flyers": "flyer",
    "papers": "paper",
    "events": "paper",
    "reports": "report",
}
DEFAULT_KIND = "document"


def name_group(path: str) -> tuple[str, str] | None:
    """(group key, language) the file name implies, or None when it names no language."""
    p = PurePosixPath(path)
    stem = p.name[: -len(p.suffix)] if p.suffix else p.name
    for pattern in (_DOTTED, _SUFFIXED):
        match = pattern.match(stem)
        if match:
            key = (p.parent / match.group("name")).as_posix()
            return f"name:{key}", match.group("lang").lower()
    if p.parent.name.lower() in LANGUAGES:
        key = (p.parent.parent / stem).as_posix()
        return f"name:{key}", p.parent.name.lower()
    return None


def kind_from_path(path: str) -> str:
    """The top-level folder names the kind: `declarations/x.pdf` is a declaration."""
    parts = PurePosixPath(path).parts
    if len(parts) < 2:
        return DEFAULT_KIND
    folder = parts[0].lower()
    return KIND_FOLDERS.get(folder, folder)
