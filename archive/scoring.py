"""Ranking plain word queries straight from the postings.

Whoosh scores a query by walking a tree of matcher objects, one Python call per
posting and per tree node; a two-word query over four languages and three fields
each took 150-300 ms at 10,000 documents. Plain word queries (most of what
visitors type) have a fixed shape: per language, every word must occur in one of
that language's fields. For those, this module reads each posting list once as
arrays (archive/codec.py) and computes the same BM25F sums, bonuses included, as
numpy vector operations over all document numbers. Anything else (phrases, OR,
NOT, `title:`) still runs through Whoosh (search.py decides).

The proximity bonus (the words close together, in order, at most PROXIMITY_SLOP
apart) is what Whoosh's sloppy phrase query adds: the words' scores once more for
each field where they stand close. It needs positions, so it is computed for the
best-scoring candidates only (RERANK documents beyond the page); a document further
down whose words happen to stand close can be missed, never a better one dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh import query
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from archive import codec
from archive.docsets import Docs, DocSets

#: Whoosh's BM25F defaults, used by the index.
B, K1 = 0.75, 1.2
#: Candidates beyond the requested page whose proximity bonus is computed.
RERANK = 100

_LENGTH = np.array([byte_to_length(i) for i in range(256)], dtype=np.float64)

#: One word of a query in one language: the (field, term) pairs that can match it.
Word = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PlainPart:
    """One language's part of a plain query: every word must match in some field."""

    lang: str
    words: tuple[Word, ...]
    near: tuple[str, ...]  # terms of the proximity bonus, in order ("" when none)
    primary_bonus: float  # added when the document's primary language is `lang`


def plain_words(q) -> tuple[Word, ...] | None:
    """The words of a part parsed from plain text; None when it has any other shape."""
    children = q.subqueries if isinstance(q, query.And) else [q]
    words = []
    for child in children:
        terms = child.subqueries if isinstance(child, query.Or) else [child]
        if not terms or not all(type(t) is query.Term and t.boost == 1.0 for t in terms):
            return None
        words.append(tuple((t.fieldname, _text(t.text)) for t in terms))
    if isinstance(q, query.And) and q.boost != 1.0:
        return None
    return tuple(words)


def near_terms(q) -> tuple[str, ...]:
    """The terms of a proximity query (a sloppy phrase, or one word's term)."""
    for leaf in q.leaves():
        if isinstance(leaf, query.Phrase):
            return tuple(leaf.words)
        if isinstance(leaf, query.Term):
            return (_text(leaf.text),)
    return ()


def _text(text) -> str:
    return text.decode("utf-8") if isinstance(text, bytes) else text


class Scorer:
    """BM25F scores of (field, term) pairs on one searcher, read once per request.

    Scores are numpy arrays: per (field, term) the matching document numbers and
    their scores; per query part a dense array over all document numbers with the
    mask of the documents matching every word. The arithmetic is Whoosh's; only the
    order of some additions differs, so scores agree to about 1e-15 (test_search.py).
    """

    def __init__(self, searcher, sets: DocSets):
        self.s = searcher
        self.sets = sets
        self._scores: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._lists: dict[tuple[int, str, str], codec.PostingList | None] = {}
        self._parts: dict[PlainPart, tuple[Docs, np.ndarray]] = {}

    def scores(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers ascending, BM25F scores) of `term` in `field`."""
        key = (field, term)
        found = self._scores.get(key)
        if found is not None:
            return found
        docs, scores = [], []
        for n, (leaf, offset) in enumerate(self.s.leaf_searchers()):
            reader = leaf.reader()
            postings = self._list(n, reader, field, term)
            if postings is None:
                continue
            if not docs:  # the first segment holding the term: the whole index's figures
                idf = self.s.idf(field, term)
                avg = self.s.avg_field_length(field) or 1
                c, k, kb = idf * (K1 + 1), K1 * (1 - B), K1 * B / avg
            tf = postings.weights.astype(np.float64)
            lengths = self._lengths(n, reader, field)[postings.ids]
            docs.append(postings.ids.astype(np.int64) + offset)
            scores.append(c * tf / (tf + k + kb * lengths))
        found = (
            (np.concatenate(docs), np.concatenate(scores))
            if docs
            else (np.zeros(0, dtype=np.int64), np.zeros(0))
        )
        self._scores[key] = found
        return found

    def _list(self, n: int, reader, field: str, term: str) -> codec.PostingList | None:
        """The posting list of `term` in segment n, read once per request (None: absent)."""
        key = (n, field, term)
        if key not in self._lists:
            try:  # one term lookup, not a check and then a lookup
                self._lists[key] = codec.PostingList(reader.postings(field, term))
            except TermNotFound:
                self._lists[key] = None
        return self._lists[key]

    def _lengths(self, n: int, reader, field: str) -> np.ndarray:
        """Every document's length of `field` in one segment, read once per index state."""

        def read() -> np.ndarray:
            size = reader.doc_count_all()
            column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
            if column is None:
                return np.zeros(size)
            # One byte per document, read at once (iterating the column: 4 ms per 5,000);
            # documents after the last stored one have length byte 0.
            raw = column._dbfile.get(column._basepos, column._count)
            codes = np.zeros(size, dtype=np.uint8)
            codes[: column._count] = np.frombuffer(raw, dtype=np.uint8)
            return _LENGTH[codes]

        return self.sets.kept(("lengths", n, field), read)

    def part_scores(self, part: PlainPart) -> tuple[Docs, np.ndarray]:
        """Documents matching every word of `part`, and every document's score in it
        (bonus included; only meaningful where it matches)."""
        found = self._parts.get(part)
        if found is not None:
            return found
        total = np.zeros(self.sets.size)
        matches = np.ones(self.sets.size, dtype=bool)
        for word in part.words:
            has = np.zeros(self.sets.size, dtype=bool)
            for field, term in word:
                docs, scores = self.scores(field, term)
                has[docs] = True
                total[docs] += scores
            matches &= has
        if part.primary_bonus:
            total[self.sets.where("lang", part.lang).mask] += part.primary_bonus
        found = self._parts[part] = (Docs(matches), total)
        return found

    def rank(
        self,
        parts: list[PlainPart],
        allowed: Docs,
        limit: int,
        prefer: str | None,
        prefer_bonus: float,
        slop: int,
    ) -> list[tuple[int, float]]:
        """The best `limit` (document number, score) pairs among `allowed`, best first."""
        total = np.zeros(self.sets.size)
        hit = np.zeros(self.sets.size, dtype=bool)
        for part in parts:
            matches, scores = self.part_scores(part)
            here = matches.mask & allowed.mask
            total[here] += scores[here]
            hit |= here
        if prefer:
            total[hit & self.sets.where("lang", prefer).mask] += prefer_bonus
        candidates = np.flatnonzero(hit)
        if not any(p.near for p in parts):
            return _best(candidates, total[candidates], limit)
        head = _best(candidates, total[candidates], limit + RERANK)
        bonus = self._near(sorted(doc for doc, _ in head), parts, slop)
        boosted = [(doc, score + bonus.get(doc, 0.0)) for doc, score in head]
        return sorted(boosted, key=lambda ds: (-ds[1], ds[0]))[:limit]

    def _near(self, docs: list[int], parts: list[PlainPart], slop: int) -> dict[int, float]:
        """The proximity bonus: per field where the terms stand close, their scores again."""
        bonus: dict[int, float] = {}
        for part in parts:
            if not part.near:
                continue
            matching = self.part_scores(part)[0]
            for field in dict.fromkeys(f for word in part.words for f, _t in word):
                scores = [self._score_of(field, term, docs) for term in part.near]
                here = [d for d in docs if d in matching and all(d in s for s in scores)]
                if not here:
                    continue
                if len(part.near) == 1:  # one word stands "close to itself" wherever it is
                    for doc in here:
                        bonus[doc] = bonus.get(doc, 0.0) + scores[0][doc]
                    continue
                places = [self.values(field, term, here, "positions") for term in part.near]
                for doc in here:
                    if _in_order_within([p.get(doc, []) for p in places], slop):
                        bonus[doc] = bonus.get(doc, 0.0) + sum(s[doc] for s in scores)
        return bonus

    def _score_of(self, field: str, term: str, docs: list[int]) -> dict[int, float]:
        """Those of `docs` that `term` occurs in (in `field`) -> its score there."""
        numbers, scores = self.scores(field, term)
        at = np.searchsorted(numbers, docs)
        return {
            doc: float(scores[i])
            for doc, i in zip(docs, at.tolist(), strict=True)
            if i < len(numbers) and numbers[i] == doc
        }

    def values(self, field: str, term: str, docs: list[int], kind: str) -> dict[int, list]:
        """`kind` ("positions", "characters") of `term` in `field` for each of `docs`
        (ascending): one pass over the posting list per segment, not one per document."""
        found: dict[int, list[int]] = {}
        leaves = self.s.leaf_searchers()
        for n, (leaf, offset) in enumerate(leaves):
            end = leaves[n + 1][1] if n + 1 < len(leaves) else float("inf")
            mine = [d - offset for d in docs if offset <= d < end]
            if not mine:
                continue
            postings = self._list(n, leaf.reader(), field, term)
            if postings is None:
                continue
            decode = postings.format.decoder(kind)
            for local, value in postings.values_at(mine).items():
                found[local + offset] = list(decode(value))
        return found


def _best(docs: np.ndarray, scores: np.ndarray, n: int) -> list[tuple[int, float]]:
    """The n best (document, score) pairs: higher score first, then lower number (as Whoosh).

    The n-th best score is found among the plain scores first (a partial sort, fast
    even for 100,000 matches); only the few documents at or above it are sorted with
    their numbers.
    """
    if n <= 0 or not len(docs):
        return []
    if len(docs) > n:
        threshold = np.partition(scores, len(scores) - n)[len(scores) - n]
        keep = scores >= threshold
        docs, scores = docs[keep], scores[keep]
    order = np.lexsort((docs, -scores))[:n]
    return list(zip(docs[order].tolist(), scores[order].tolist(), strict=True))


def _in_order_within(places: list[list[int]], slop: int) -> bool:
    """Whether one position per term can be picked in order, each 1..slop after the last."""
    current = set(places[0])
    for nxt in places[1:]:
        current = {p for p in nxt if any(1 <= p - q <= slop for q in current)}
        if not current:
            return False
    return bool(current)
