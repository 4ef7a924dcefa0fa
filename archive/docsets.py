"""Sets of document numbers: what a query matches and what a filter allows.

Facet counts ("German (12)", "2024 (3)") need the match set of a query under
several filter combinations. Running one unscored search per combination cost five
extra searches per request; instead each language's match set is read once and the
counts are set intersections. Filter sets (`kind = flyer`, `languages = de`) depend
only on the index state, so they are kept as long as that state is the newest.
"""

from __future__ import annotations

import threading

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


class DocSets:
    """Document-number sets on one open searcher (numbers are only valid on it)."""

    def __init__(self, searcher):
        self.s = searcher
        self._cache = _cache_for(searcher)
        self._matches: dict[int, frozenset[int]] = {}  # id(query) -> docnums, this request

    def where(self, field: str, value: str) -> frozenset[int]:
        """Documents whose `field` holds `value` (cached per index state)."""
        key = (field, value)
        found = self._cache.get(key)
        if found is None:
            found = frozenset(self.s.docs_for_query(query.Term(field, value)))
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

    def matching(self, q) -> frozenset[int]:
        """Documents `q` matches, unscored (each query read once per DocSets)."""
        found = self._matches.get(id(q))
        if found is None:
            found = frozenset(self.s.docs_for_query(q))
            self._matches[id(q)] = found
        return found
