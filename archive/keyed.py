"""Values kept by key in one SQLite file: read in part, written in part.

For derived data the indexer keeps between runs under content keys (the translation
aligner's per-document profiles). One pickle of all of them had to be read and
written whole by every run: at 10,000 documents, 66 MB and 1.25 s of writing for a
run that changed 100 files. Here a run writes only the new entries and deletes those
no longer used, each in one transaction, so a killed run leaves the file as it was.

Like every cache beside the index, it is never worth failing for: a missing,
damaged or unwritable file reads as empty and is written when it can be, and the
caller computes again what it lacks. Only the indexer writes it, under its lock.
"""

from __future__ import annotations

import contextlib
import pickle
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

#: SQLite's limit on parameters in one statement is 32,766; stay well below it.
CHUNK = 900


class KeyedValues:
    """Picklable values by string key in the SQLite file `path`."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def get_many(self, keys: Iterable[str]) -> dict:
        """The values kept under `keys` (those that are kept and readable)."""
        wanted = list(dict.fromkeys(keys))
        found: dict = {}
        with self._connection() as db:
            if db is None:
                return found
            for start in range(0, len(wanted), CHUNK):
                part = wanted[start : start + CHUNK]
                rows = db.execute(
                    f"SELECT key, value FROM entries WHERE key IN ({','.join('?' * len(part))})",
                    part,
                )
                for key, blob in rows:
                    with contextlib.suppress(Exception):  # one damaged entry: computed again
                        found[key] = pickle.loads(blob)
        return found

    def put_many(self, values: Mapping[str, object]) -> None:
        """Keep `values` (replacing entries of the same key), all or none."""
        if not values:
            return
        rows = [(k, pickle.dumps(v, pickle.HIGHEST_PROTOCOL)) for k, v in values.items()]
        with self._connection(create=True) as db:
            if db is not None:
                with db:
                    db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?)", rows)

    def keep_only(self, keys: Iterable[str], known: set[str] | None = None) -> int:
        """Delete every entry whose key is not in `keys`; returns how many went.

        `known`: the keys the file holds, when the caller has just read them (`keys()`).
        """
        dead = [(k,) for k in (self.keys() if known is None else known) - set(keys)]
        with self._connection() as db:
            if db is not None and dead:
                with db:
                    db.executemany("DELETE FROM entries WHERE key = ?", dead)
        return len(dead)

    def keys(self) -> set[str]:
        found: set[str] = set()
        with self._connection() as db:
            if db is not None:
                found = {k for (k,) in db.execute("SELECT key FROM entries")}
        return found

    @contextlib.contextmanager
    def _connection(self, create: bool = False):
        """An open connection, or None when the file is missing (and not to be created),
        damaged or not writable; closed afterwards whatever happens."""
        if not create and not self.path.exists():
            yield None
            return
        db = self._open()
        if db is None and create and self.path.exists():
            with contextlib.suppress(OSError):  # damaged: start a new file
                self.path.unlink()
            db = self._open()
        if db is None:
            yield None
            return
        try:
            yield db
        except sqlite3.Error:
            pass  # a failed read or write loses only work: the caller computes again
        finally:
            db.close()

    def _open(self) -> sqlite3.Connection | None:
        db = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30)
            db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value BLOB)")
            return db
        except (OSError, sqlite3.Error):
            if db is not None:
                db.close()
            return None
