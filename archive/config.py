"""Settings declared once as data: the CLI's options, its --help and the README test use this."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str

    def resolve(self, given: str | os.PathLike | None = None) -> Path:
        """Explicit value first, then the environment variable, then the default."""
        value = given if given not in (None, "") else os.environ.get(self.env) or self.default
        return Path(value).expanduser()


DOCUMENTS = Setting(
    "documents", "ARCHIVE_DOCUMENTS", "documents", "folder holding the archive's files"
)
INDEX = Setting(
    "index", "ARCHIVE_INDEX", "data/index", "folder of the search index (created if missing)"
)
SETTINGS = (DOCUMENTS, INDEX)
