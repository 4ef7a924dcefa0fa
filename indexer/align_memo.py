"""What the aligner keeps between runs about pairs of documents: the factors without IDF.

A pair's score is an IDF-weighted cosine times three factors. The cosine cannot be
kept: every IDF weight depends on the number of documents and on each feature's
document frequency, so one file added or removed changes every cosine a little, and
only a full pass gives the same cosines as a full alignment. The factors can:

- `prior` (length, page count, format) and `shape` (paragraph lengths) depend on the
  two documents alone;
- `spread` depends on them and on which of their shared features are rare
  (document frequency at most `spread_df`), and on how many of each page's marks
  (anchors, images) are rare: that changes only when a feature crosses the line, and
  `PairMemo.attach` forgets the pairs where one may have.

They are keyed by the two documents' content keys (`AlignDoc.key`, set by the caller:
it must change whenever anything the aligner sees of the document changes), so a
kept value is exactly the value the formula gives; a caller that keeps the memo must
drop it when the scoring code changes. Pure: no files; the store persists it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from indexer.align import _Scoring

PairKey = tuple[str, str]
#: The feature kind of marks (anchors, image names; see indexer.align_features).
MARKS_KIND = "a"
#: The factors kept, by the name of the `_Scoring` method that computes them.
FACTORS = ("prior", "shape", "spread")


@dataclass
class PairMemo:
    """Factors of scored pairs, by content keys; holds only the pairs of the last run."""

    values: dict[str, dict[PairKey, float]] = field(
        default_factory=lambda: {name: {} for name in FACTORS}
    )
    spread_df: int = 0  # the line between rare and common when `spread` values were kept
    common: frozenset[str] = frozenset()  # content features above that line then
    stamp: str = ""  # the caller's version of the scoring code the values come from
    hits: int = 0  # values taken from an earlier run (this run)
    misses: int = 0  # values computed (this run)
    #: Whether `values` are all the memo holds (after a full alignment), or only those an
    #: incremental one added since (see `earlier`).
    whole: bool = True
    #: The values of the last full alignment, when kept apart and not read yet: an
    #: incremental alignment scores only new pairs and does without them (not pickled).
    earlier: Callable[[], PairMemo | None] | None = field(default=None, repr=False, compare=False)

    def __getstate__(self):
        return {**self.__dict__, "earlier": None}

    def attach(self, scoring: _Scoring, content_kinds: frozenset[str], forget: bool = True) -> None:
        """Make `scoring`'s factor methods look here first, and keep what they compute.

        The methods stay as they are (the formulas live in `indexer.align` only); each
        instance gets a memoizing wrapper. Values of pairs this run does not score are
        forgotten, so the memo never outgrows one run; unless `forget` is false (an
        incremental alignment scores few pairs, and the next full one needs the others).
        """
        keys = [d.key for d in scoring.docs]
        if forget:
            self._take_earlier()
        self.whole = forget
        earlier = self.values
        watched = content_kinds | {MARKS_KIND}
        common = frozenset(
            f for f, k in scoring.df.items() if k > scoring.spread_df and f[0] in watched
        )
        earlier["spread"] = self._valid_spreads(earlier.get("spread", {}), scoring, common)
        self.values = {name: {} if forget else dict(earlier.get(name, {})) for name in FACTORS}
        self.spread_df, self.common = scoring.spread_df, common
        self.hits = self.misses = 0
        for name in FACTORS:
            memoized = self._memoized(
                getattr(scoring, name), keys, earlier.get(name, {}), self.values[name]
            )
            setattr(scoring, name, memoized)

    def _take_earlier(self) -> None:
        """Add the values kept apart (`earlier`): a full alignment reuses them all."""
        kept = self.earlier() if self.earlier else None
        self.earlier = None
        if not isinstance(kept, PairMemo) or kept.stamp != self.stamp or kept is self:
            return
        for name in FACTORS:
            self.values[name] = {**kept.values.get(name, {}), **self.values.get(name, {})}
        self.spread_df, self.common = kept.spread_df, kept.common

    def _valid_spreads(
        self, spreads: dict[PairKey, float], scoring: _Scoring, common: frozenset[str]
    ) -> dict[PairKey, float]:
        """The kept spreads whose shared features are on the same side of the line.

        A feature changes side when its frequency or the line moves (the line follows
        the number of documents); a pair whose two documents share such a feature is
        scored again.
        """
        crossed = common ^ self.common
        if not spreads or not crossed:
            return spreads
        held = {
            scoring.docs[i].key: crossed.intersection(feats)
            for i, feats in enumerate(scoring.features)
            if not crossed.isdisjoint(feats)
        }
        # A page's count of rare marks enters its spread with every other page, shared or
        # not: a mark of it that crossed the line invalidates all its pairs.
        marks_moved = {key for key, feats in held.items() if any(f[0] == MARKS_KIND for f in feats)}
        return {
            (a, b): v
            for (a, b), v in spreads.items()
            if a not in marks_moved
            and b not in marks_moved
            and (a not in held or b not in held or held[a].isdisjoint(held[b]))
        }

    def _memoized(
        self,
        compute: Callable[[int, int], float],
        keys: list[str],
        earlier: dict[PairKey, float],
        now: dict[PairKey, float],
    ) -> Callable[[int, int], float]:
        def factor(i: int, j: int) -> float:
            if not keys[i] or not keys[j]:
                return compute(i, j)
            key = (keys[i], keys[j])
            value = now.get(key)
            if value is None:
                value = earlier.get(key)
                if value is None:
                    value = compute(i, j)
                    self.misses += 1
                else:
                    self.hits += 1
                now[key] = value
            return value

        return factor
