"""Sets of document numbers: what a query matches and what a filter allows.

Facet counts ("German (12)", "2024 (3)") need the match set of a query under
several filter combinations. Running one unscored search per combination cost five
extra searches per request; instead each language's match set is read once and the
counts are set intersections. A set is a mask over all the searcher's document
numbers (`Docs`), so intersecting and counting 100,000 documents is one vector
operation, not a Python loop. Filter sets (`kind = flyer`, `languages = de`) depend
only on the index state, so they are kept as long as that state is the newest.
"""

from __future__ import annotations

import threading

import numpy as np
from whoosh import query

#: (index folder, generation) -> {(field, value): docnums, ...}. Shared by the web
#: server's threads (each has its own searcher on the same state); the two newest
#: states are kept, so a reindex replaces them.
_CACHES: dict[tuple[str, int], dict] = {}
_KEEP = 2
_LOCK = threading.Lock()


def _cache_for(searcher) -> dict:
    key = (str(searcher._ix.storage.folder), searcher.reader().generation())
    with _LOCK:
        found = _CACHES.get(key)
        if found is None:
            found = _CACHES[key] = {}
            for old in list(_CACHES)[:-_KEEP]:
                del _CACHES[old]
        return found


class Docs:
    """A set of document numbers on one searcher, as a mask over all its numbers."""

    __slots__ = ("mask",)

    def __init__(self, mask: np.ndarray):
        self.mask = mask

    @classmethod
    def of(cls, size: int, numbers) -> Docs:
        mask = np.zeros(size, dtype=bool)
        mask[np.fromiter(numbers, dtype=np.int64)] = True
        return cls(mask)

    def numbers(self) -> np.ndarray:
        """The document numbers, ascending."""
        return np.flatnonzero(self.mask)

    def __and__(self, other: Docs) -> Docs:
        return Docs(self.mask & other.mask)

    def __or__(self, other: Docs) -> Docs:
        return Docs(self.mask | other.mask)

    def __len__(self) -> int:
        return int(np.count_nonzero(self.mask))

    def __iter__(self):
        return iter(self.numbers().tolist())

    def __contains__(self, docnum: int) -> bool:
        return 0 <= docnum < len(self.mask) and bool(self.mask[docnum])


class DocSets:
    """Document-number sets on one open searcher (numbers are only valid on it)."""

    def __init__(self, searcher):
        self.s = searcher
        self._cache = _cache_for(searcher)
        self._matches: dict[int, Docs] = {}  # id(query) -> docnums, this request
        self.size = searcher.doc_count_all()  # document numbers run from 0 to size - 1

    def of(self, numbers) -> Docs:
        return Docs.of(self.size, numbers)

    def where(self, field: str, value: str) -> Docs:
        """Documents whose `field` holds `value` (cached per index state)."""
        key = (field, value)
        found = self._cache.get(key)
        if found is None:
            found = self.of(self.s.docs_for_query(query.Term(field, value)))
            self._cache[key] = found
        return found

    def values(self, field: str) -> list[str]:
        """Every value of a keyword field (facet options; some may count zero now)."""
        key = (field, None)
        found = self._cache.get(key)
        if found is None:
            found = tuple(v.decode("utf-8") for v in self.s.lexicon(field))
            self._cache[key] = found
        return list(found)

    def kept(self, key, compute):
        """Anything else derived from the index state alone, kept like the filter sets."""
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = compute()
        return found

    def matching(self, q) -> Docs:
        """Documents `q` matches, unscored (each query read once per DocSets)."""
        found = self._matches.get(id(q))
        if found is None:
            found = self.of(self.s.docs_for_query(q))
            self._matches[id(q)] = found
        return found
