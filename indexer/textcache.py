"""Extracted, language-labelled text of files, kept by content between indexing runs.

PDF parsing and language detection are most of a full index. Without this, a
`--full` rebuild, the automatic rebuild after an upgrade changed the index format,
and a folder moved or renamed (new paths, same files) parse every file again.
Entries are keyed by the file's sha256 and a stamp of the code that made them (the
extraction, PDF-text and detection modules and the pypdf and langdetect versions),
so a changed extractor reads files afresh and a stale entry is never used.

Text that needed recognition (OCR) is not kept here: its pages are in the OCR cache
already, and a file whose recognition stopped at its time limit must not be kept
half-read. The folder sits beside the index generations (`text-cache/`), is
written atomically like the OCR cache, can be deleted at any time, and is pruned
after each run to the files still in the archive.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import pickle
import re
import zlib
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from archive import cachefiles

#: The modules whose code decides what is kept (besides the libraries' versions).
SOURCES = ("extract.py", "pdftext.py", "pdfcontent.py", "detect.py")
SUFFIX = ".pickle"
_SHA256 = re.compile(r"[0-9a-f]{64}")


@functools.cache
def code_stamp() -> str:
    """What the kept entries depend on besides the file: our code and the libraries."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in SOURCES:
        digest.update(name.encode() + b"\0" + (here / name).read_bytes())
    for package in ("pypdf", "langdetect"):
        with contextlib.suppress(PackageNotFoundError):
            digest.update(f"{package}=={version(package)}".encode())
    return digest.hexdigest()[:12]


class TextCache:
    """Values (what a worker learned from a file) by the file's sha256, in one folder.

    `ocr`: whether this run recognises scanned pages. A file read without OCR may lack
    pages that OCR would read, so the two are kept apart (pruning keeps both).
    """

    def __init__(self, folder: Path, *, ocr: bool = False):
        self.folder = Path(folder)
        self.stamp = code_stamp() + ("-ocr" if ocr else "")

    def path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.folder / sha256[:2] / f"{sha256}-{self.stamp}{SUFFIX}"

    def get(self, sha256: str) -> object | None:
        """The kept value, or None (never kept, made by other code, or unreadable)."""
        try:
            return pickle.loads(zlib.decompress(self.path(sha256).read_bytes()))
        except Exception:  # missing, truncated, or of a class that changed: read the file
            return None

    def put(self, sha256: str, value: object) -> None:
        """Keep a value atomically; a cache that cannot be written is skipped, never fatal.

        Not synced to disk: a torn entry fails zlib's checksum in `get` and the file is
        read again, which is all a lost entry costs.
        """
        data = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)
        cachefiles.keep(self.path(sha256), data, durable=False)

    def prune(self, keep: Iterable[str]) -> int:
        """Remove entries of files no longer in the archive, of older code, and temporary
        files left by killed workers; returns how many files were removed."""
        keep, stamp = set(keep), code_stamp()

        def stale(name: str) -> bool:
            sha, _, rest = name.partition("-")
            return sha not in keep or not rest.startswith(stamp)

        return cachefiles.prune(self.folder, SUFFIX, stale)
