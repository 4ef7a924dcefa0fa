"""Automatic translation groups: which documents are language versions of each other.

Staff do not tag every translation, and file names are not reliable; yet a
translation keeps what no translator rewrites: numbers, dates, URLs, e-mail addresses,
names, commands, section numbering, the anchors and images of its markup (`AlignDoc.marks`),
and roughly its length and shape. `align()` compares
documents in different languages on that evidence (`indexer.align_features`); the
concepts of a small de/en/fr glossary (`indexer.align_glossary`) are computed but
weighted 0 for now (see KIND_WEIGHTS):

1. Blocking: only pairs that share some of the rarer features are proposed (a sparse
   matrix product over those features, `indexer.align_weights`), so the cost stays far
   below all pairs (10,000 documents: see bench/README.md); the best TOP_K per document
   and language go on.
2. Scoring: an IDF-weighted cosine over all their features, times factors for agreement
   of length, page count and file format, of the paragraph-length sequence (Gale-Church
   without words), and for how much of both texts the shared evidence covers (a
   series' common header and footer cover little).
3. Confidence: a pair is likely when it scores high *and* clearly above every rival
   in the same languages (two flyers of one series share their layout and date, so
   neither wins clearly and neither is linked).
4. Assignment: greedy by confidence, one version per language in a group, never two
   existing groups merged, rejected pairs never proposed.

Everything here is pure: no index, no files. Each document's evidence (`features_of`)
depends on that document alone, so a caller may keep it between runs (`AlignDoc.features`).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

from archive.languages import UNDETERMINED
from indexer.align_features import KINDS, Profile, ShapeSequence, profile, shape_similarity
from indexer.align_memo import PairMemo
from indexer.align_weights import Vocabulary, Weights, rows

if TYPE_CHECKING:
    from indexer.align_update import AlignState

#: Pairs at or above this confidence are linked; between SUGGEST_THRESHOLD and it they are
#: suggested to staff. The midpoints of `confidence()` were chosen on the tuning sources of
#: bench/translations.py only (developers-reference and debian-reference, complete and with
#: gaps): every (score, ratio) midpoint in [0.006, 0.012] x [1.2, 1.4] gave precision and
#: recall 1.0 there, and we took the middle of that region. The shared corpus, debian-faq
#: and maint-guide were held out: measured with these values, never tuned on (the one
#: exception is SPREAD_FULL below, read off the coverage of true pairs in all sources).
LINK_THRESHOLD = 0.80
SUGGEST_THRESHOLD = 0.30
STRENGTH_MIDPOINT, STRENGTH_SLOPE = 0.01, 4.0
DISTINCT_MIDPOINT, DISTINCT_SLOPE = 1.3, 3.0


@dataclass(frozen=True)
class AlignDoc:
    """What the aligner needs to know about one document (no path is ever compared)."""

    id: str
    path: str
    lang: str  # primary language code (de/en/fr; others possible)
    text: str  # full extracted text, paragraphs or pages separated by blank lines
    title: str = ""
    pages: int | None = None
    date: str | None = None  # ISO date the file or its sidecar gives (not the file time)
    mime: str = ""
    group: str | None = None  # already grouped (explicit or by name): never regrouped
    marks: tuple[str, ...] = ()  # anchors and image file names (`Extracted.marks`)
    #: `features_of(doc)` computed earlier (kept by the caller, keyed by the document's
    #: fingerprint and PROFILE_VERSION); the text is then not read again.
    features: Profile | None = field(default=None, compare=False, repr=False)
    #: The caller's content key: changes whenever the text, title, language, pages, format
    #: or date change; pair factors kept in a `PairMemo` are found under it. "": none kept.
    key: str = field(default="", compare=False, repr=False)
    #: Where the caller's store keeps `features` when they are not given (incremental runs
    #: read only the profiles they need; see `indexer.align_update`).
    profile_ref: str = field(default="", compare=False, repr=False)


def features_of(doc: AlignDoc) -> Profile:
    """The document's evidence: a pure function of its text, title, language and marks."""
    if doc.features is not None:
        return doc.features
    return profile(doc.text, doc.title, doc.lang, doc.marks)


@dataclass(frozen=True)
class Link:
    """Two documents that are (or may be) versions of each other, and why we think so."""

    a: str
    b: str  # document ids, a < b
    confidence: float  # 0..1
    evidence: tuple[str, ...]  # short reasons staff can check, e.g. "12 shared numbers: ..."


@dataclass(frozen=True)
class Alignment:
    """Automatic groups (>= 2 documents, <= 1 per language), their links, and suggestions.

    A group may contain documents of one existing group: then the others join it.
    """

    groups: list[tuple[str, ...]]
    links: list[Link]
    suggestions: list[Link]
    scored_pairs: int = 0  # pairs whose similarity was computed (blocking keeps it small)
    state: AlignState | None = field(default=None, compare=False, repr=False)  # see `kept`


def align(
    docs: Sequence[AlignDoc],
    rejected: set[frozenset[str]] = frozenset(),
    memo: PairMemo | None = None,
    kept: AlignState | None = None,
    load: Callable[[list[str]], Mapping[str, Profile]] | None = None,
) -> Alignment:
    """Find new translation groups among `docs`; `rejected` pairs are never linked nor suggested.

    With `memo` (kept from an earlier call), the IDF-free factors of pairs whose documents
    kept their `key` are reused, and the memo then holds this call's (`indexer.align_memo`).
    With `kept` (the `Alignment.state` of an earlier call), few changes are aligned
    incrementally (`indexer.align_update`). Documents without `features` are read with
    `load` (their `profile_ref` -> profile) when needed.
    """
    from indexer import align_update

    changed = align_update.changed_ids(kept, docs, rejected) if kept else set()
    if align_update.worth_it(kept, changed):
        scoring, pairs, state = align_update.update(
            kept, docs, rejected, changed, memo, load, at_least=SUGGEST_THRESHOLD
        )
        scored = state.scored
    else:
        docs = with_profiles(docs, load)
        scoring, pairs, scored, chosen = _score_all(
            docs, rejected, memo, at_least=SUGGEST_THRESHOLD
        )
        state = align_update.state_of(scoring, chosen, scored)
        state.drift = kept.drift if kept else {}  # drift does not depend on the statistics
    groups, links, suggestions = _assign(pairs, docs, rejected)
    shown = {}
    public = [[], []]
    for kind, chosen_pairs in enumerate((links, suggestions)):
        for pair in chosen_pairs:
            public[kind].append(scoring.link(pair, state.evidence, shown))
    state.evidence = shown
    return Alignment(
        groups=groups,
        links=public[0],
        suggestions=public[1],
        scored_pairs=scored,
        state=state,
    )


def with_profiles(docs: Sequence[AlignDoc], load) -> list[AlignDoc]:
    """`docs` with every profile at hand (a full alignment needs them all), read at once.

    Raises LookupError when one cannot be read: the caller reads that text instead.
    """
    missing = [d.profile_ref for d in docs if d.features is None and d.profile_ref]
    found = load(missing) if missing and load else {}
    if len(found) < len(set(missing)):
        raise LookupError(f"{len(set(missing)) - len(found)} kept profiles could not be read")
    return [replace(d, features=found.get(d.profile_ref, d.features)) for d in docs]


# -- scoring -------------------------------------------------------------------------

#: How much one shared feature of each kind counts, relative to a shared word or name.
KIND_WEIGHTS = {
    "n": 1.0,
    "d": 1.5,
    "u": 1.5,
    "e": 1.5,
    "c": 1.2,
    "s": 1.2,
    "w": 1.0,
    "t": 3.0,
    "a": 1.5,
    "m": 1.0,
    "k": 0.5,
    "b": 1.0,
    "g": 0.5,
    # Glossary concepts (align_glossary.tsv): a translated word is weaker evidence than
    # an identical name, and topics repeat across pages. At 1.0, or counted in the spread
    # below, an orphan FAQ chapter linked to a chapter on a neighbouring topic (debian-faq
    # with gaps: precision 0.931). At 0.5, LibreOffice help recall rose 0.358 -> 0.388
    # without marks, but with them it fell 0.961 -> 0.959 (with gaps 0.962 -> 0.961, 60
    # false links either way); the sample archive's programme and French press release
    # score 0.785 at 0, 0.5, 0.7 and 1.0 alike. So it stays off.
    "x": 0.0,
    "y": 0.0,
}
#: Letters per unit of content, relative to English: German and French run longer.
LENGTH_FACTOR = {"de": 1.12, "en": 1.0, "fr": 1.12}
#: Blocking: features in more documents than this are too common to propose pairs.
MIN_MAX_DF = 50
#: Weight of paragraph-shape agreement: score factor runs from this (no agreement) to 1.
SHAPE_FLOOR = 0.2
SHAPE_MIN_BLOCKS = 4
#: Shared evidence covering this share of both texts counts fully, less falls off with the
#: square (translations in the benchmark cover 0.5-1.0; a series' header and footer ~0.15).
SPREAD_FULL, SPREAD_FLOOR = 0.5, 0.02
#: Pages that both carry at least MARKS_MIN rare marks (anchors, images) keep, of their
#: score, MARKS_FLOOR plus the rest in proportion to the share of marks they have in common:
#: a help page that embeds two paragraphs of another shares some of its marks, the other's
#: translation all. Chosen on the tuning sources: LibreOffice help recall 0.914 without
#: this factor, 0.956 at 0.25 (with gaps: precision 0.975 -> 0.980), 0.961 at 0.1 (0.982);
#: the held-out sources stayed at 1.000 with both.
MARKS_MIN, MARKS_FLOOR = 3, 0.1
_CONTENT_KINDS = frozenset("ndueckw")  # not glossary concepts: see KIND_WEIGHTS
#: Scores below this are kept without the shape factor (a tenth of STRENGTH_MIDPOINT).
NEGLIGIBLE = 0.001
#: Candidates kept per document and other language after blocking.
TOP_K = 5
#: Candidates an alignment keeps per document and other language for the next, incremental
#: one (`indexer.align_update`): when changed documents drop out of a list, the best TOP_K
#: of the others are still known, without looking for that document's candidates again.
#: Two more: 1 % of the documents changed five times over leaves about one list in 200
#: short of TOP_K; each more costs a full alignment a pass over its ~6 million candidates.
TOP_KEPT = TOP_K + 2
#: Shared values named per kind of evidence.
EXAMPLES = 5
#: Pairs whose common features are multiplied at once (bounds the memory of one step).
COSINE_CHUNK = 20_000


@dataclass(frozen=True)
class Candidates:
    """Pairs proposed by blocking (internal): documents i < j, rare-feature dot, cosine."""

    i: np.ndarray
    j: np.ndarray
    dot: np.ndarray
    cosine: np.ndarray


@dataclass(frozen=True)
class Pair:
    """A scored candidate pair (internal; `bench/translations.py` inspects it)."""

    a: str
    b: str
    cosine: float  # IDF-weighted cosine over shared features
    prior: float  # agreement of length, pages, format, paragraph shape and spread, 0..1
    score: float  # cosine * prior
    rival: float  # best score either document reaches with another in the same language
    confidence: float


#: Document frequency taken for a feature the statistics do not know (a document changed
#: since they were counted brought it): as if rare and shared, so that new evidence, such
#: as the date of a declaration added with its translation, counts at once.
NEW_DF = 2


@dataclass(frozen=True)
class Statistics:
    """What IDF is made of: the number of documents and each feature's document frequency.

    Counted over the documents of a full alignment; an incremental one keeps them (see
    `indexer.align_update`), so that unchanged documents keep their weights and scores.
    """

    n: int
    df: dict[str, int]

    @classmethod
    def of(cls, bags: Sequence[Mapping[str, int]]) -> Statistics:
        return cls(len(bags), dict(Counter(chain.from_iterable(bags))))


class _Frequencies(dict):
    """Feature -> document frequency, NEW_DF for features the statistics do not know."""

    def __missing__(self, feature: str) -> int:
        return NEW_DF


def _max_df(n: int) -> int:
    """Features in more documents than this are common: blocking does not pair on them."""
    return max(MIN_MAX_DF, n // 50)


def _spread_df(n: int) -> int:
    """Features in at most this many documents count for `spread` (`_Scoring.spread`)."""
    return min(_max_df(n), max(2, n // 2))


def rare_marks_of(weights: Weights, n: int) -> np.ndarray:
    """How many rare marks (`a:` features `spread` counts) each row of `weights` has, in
    an alignment of `n` documents: a function of the row and `n`, which an incremental
    alignment keeps (`indexer.align_update`)."""
    return weights.count_per_document(weights.of_kind("a") & (weights.df <= _spread_df(n)))


class _Scoring:
    """Profiles, weights and the candidate pairs of one call.

    The weights live in one sparse matrix (documents x features) so that the blocking
    pass and the cosines are matrix products: at 10,000 documents the blocking pass
    sums products over about 3 million candidate pairs, and done pair by pair in
    Python it was most of the incremental translations step.

    Documents are in the order of their ids, so that ties are broken alike whichever
    way the documents came. Profiles are asked for when needed (`profiles.need`): an
    incremental alignment reads those of the changed documents and their neighbours.
    """

    def __init__(
        self,
        docs: Sequence[AlignDoc],
        rejected: set[frozenset[str]],
        stats: Statistics,
        weights: Weights,
        profiles: _Profiles,
        memo: PairMemo | None = None,
        forget: bool = True,  # see PairMemo.attach
        bags: Sequence[dict[str, int]] = (),  # each document's features, when made already
        rare_marks: list[int] | None = None,  # `rare_marks_of(weights, n)`, when kept
    ):
        self.docs = list(docs)
        self.rejected = rejected
        self.index = {d.id: i for i, d in enumerate(self.docs)}
        self.profiles = profiles
        self.features = _Bags(self.docs, profiles)
        self.features.fill(bags)  # before the memo walks them (PairMemo.attach)
        self.stats = stats
        self.df = _Frequencies(stats.df)
        self.n = stats.n
        self.max_df = _max_df(self.n)
        self.spread_df = _spread_df(self.n)
        self.weights = weights
        codes = {lang: k for k, lang in enumerate(sorted({d.lang for d in self.docs}))}
        self.lang_codes = np.array([codes[d.lang] for d in self.docs], dtype=np.int64)
        self.norms = self.weights.norms
        self.sequences: dict[int, ShapeSequence] = {}
        # Per document, for `spread` (counted per pair, every feature was walked per pair).
        if rare_marks is None:
            rare_marks = rare_marks_of(weights, self.n).tolist()
        self.rare_marks = rare_marks
        if memo is not None:
            memo.attach(self, _CONTENT_KINDS, forget)

    @classmethod
    def of(
        cls,
        docs: Sequence[AlignDoc],
        rejected: set[frozenset[str]],
        memo: PairMemo | None = None,
        stats: Statistics | None = None,
    ) -> _Scoring:
        """Scoring of `docs` with their profiles, and statistics counted over them."""
        known = sorted((d for d in docs if d.lang and d.lang != UNDETERMINED), key=_by_id)
        profiles = [features_of(d) for d in known]
        kept = [k for k, p in enumerate(profiles) if p.chars or known[k].text.strip()]
        docs = [known[k] for k in kept]
        profiles = [profiles[k] for k in kept]
        bags = [_bag(d, p) for d, p in zip(docs, profiles, strict=True)]
        stats = stats or Statistics.of(bags)
        vocabulary = Vocabulary()
        vocabulary.add(bags, _Frequencies(stats.df).__getitem__)
        weights = Weights(rows(bags, vocabulary, stats.n, KIND_WEIGHTS), vocabulary, KIND_WEIGHTS)
        return cls(docs, rejected, stats, weights, _Profiles(docs, profiles), memo, bags=bags)

    def idf(self, feature: str) -> float:
        return math.log((self.n + 1) / self.df[feature])

    def candidate_cosines(self) -> Candidates:
        """Every cross-language pair sharing a rare feature, with its cosine (blocking).

        Only rare features (in 2..max_df documents) count here; two documents already in
        groups are not paired (groups are never merged), nor are rejected pairs.
        """
        rare = self._rare()
        langs = np.array([d.lang for d in self.docs])
        found_i, found_j, found_dot = [], [], []
        codes = sorted(set(langs.tolist()))
        for x, la in enumerate(codes):
            rows_a = np.flatnonzero(langs == la)
            for lb in codes[x + 1 :]:
                rows_b = np.flatnonzero(langs == lb)
                product = (rare[rows_a] @ rare[rows_b].T).tocoo()
                i, j = rows_a[product.row], rows_b[product.col]
                found_i.append(np.minimum(i, j))
                found_j.append(np.maximum(i, j))
                found_dot.append(product.data)
        i = np.concatenate(found_i) if found_i else np.zeros(0, dtype=np.int64)
        j = np.concatenate(found_j) if found_j else np.zeros(0, dtype=np.int64)
        dot = np.concatenate(found_dot) if found_dot else np.zeros(0)
        return self._allowed(i, j, dot)

    def candidates_of(self, rows: np.ndarray) -> Candidates:
        """The blocking pairs of the documents at `rows` only (incremental alignment)."""
        w = self.weights
        query = w.matrix_of(self._rare_columns(), rows)
        j, x, dot = w.products(query)  # shared rare features: the query holds no others
        i = rows[x]
        cross = self.lang_codes[i] != self.lang_codes[j]
        i, j, dot = i[cross], j[cross], dot[cross]
        low, high = np.minimum(i, j), np.maximum(i, j)
        # A pair of two rows is found from both: kept once.
        _codes, first = np.unique(low * len(self.docs) + high, return_index=True)
        return self._allowed(low[first], high[first], dot[first])

    def _rare(self):
        """The weights of the features blocking proposes pairs on (`_rare_columns`)."""
        return self.weights.matrix_of(self._rare_columns())

    def _rare_columns(self) -> np.ndarray:
        """Mask of the features blocking proposes pairs on: in 2..max_df documents."""
        w = self.weights
        return (w.df >= 2) & (w.df <= self.max_df) & w.weighted

    def _allowed(self, i: np.ndarray, j: np.ndarray, dot: np.ndarray) -> Candidates:
        """Candidates without pairs of two grouped documents (groups are never merged) and
        without pairs staff rejected; with their blocking cosine."""
        grouped = np.array([d.group is not None for d in self.docs], dtype=bool)
        keep = ~(grouped[i] & grouped[j])
        if self.rejected:
            n = len(self.docs)
            refused = [
                min(self.index[a], self.index[b]) * n + max(self.index[a], self.index[b])
                for a, b in (tuple(pair) for pair in self.rejected if len(pair) == 2)
                if a in self.index and b in self.index
            ]
            keep &= ~np.isin(i.astype(np.int64) * n + j, refused)
        i, j, dot = i[keep], j[keep], dot[keep]
        return Candidates(i, j, dot, dot / (self.norms[i] * self.norms[j]))

    def cosines(self, candidates: Candidates, chosen: np.ndarray) -> np.ndarray:
        """Cosine over every shared feature of the `chosen` candidates, common ones too.

        Blocking summed the rare features already; features in one document only are
        shared by no pair, so what is left are the common ones (in more than max_df).
        """
        w = self.weights
        common = (w.df > self.max_df) & w.weighted
        i, j = candidates.i[chosen], candidates.j[chosen]
        dot = candidates.dot[chosen].copy()
        # A few pairs (an update's) take their rows first; many (a full alignment's, each
        # row in dozens of pairs) filter the whole matrix once.
        whole = w.matrix_of(common) if 2 * len(i) > w.matrix.shape[0] else None

        def weights_of(rows: np.ndarray):
            return w.matrix_of(common, rows) if whole is None else whole[rows]

        for start in range(0, len(i), COSINE_CHUNK):
            part = slice(start, start + COSINE_CHUNK)
            shared = weights_of(i[part]).multiply(weights_of(j[part]))
            dot[part] += np.asarray(shared.sum(axis=1)).ravel()
        return dot / (self.norms[i] * self.norms[j])

    def link(self, pair: Pair, kept: dict | None = None, made: dict | None = None) -> Link:
        """The public link, with the evidence a person can check.

        `kept` holds evidence made earlier under the same statistics: it is reused when
        the two documents and the score and rival it shows are unchanged; `made` collects
        this call's.
        """
        i, j = self.index[pair.a], self.index[pair.b]
        stamp = (self.docs[i].key, self.docs[j].key, f"{pair.score:.2f}", f"{pair.rival:.2f}")
        earlier = (kept or {}).get((pair.a, pair.b))
        if earlier and earlier[0] == stamp and all(stamp[:2]):
            evidence = earlier[1]
        else:
            evidence = self.evidence(i, j, pair)
        if made is not None:
            made[(pair.a, pair.b)] = (stamp, evidence)
        return Link(pair.a, pair.b, round(pair.confidence, 3), evidence)

    def evidence(self, i: int, j: int, pair: Pair) -> tuple[str, ...]:
        """Short reasons, strongest kinds first: what the two versions share and how they fit."""
        a, b = self.docs[i], self.docs[j]
        pa, pb = self.profiles[i], self.profiles[j]
        shared = sorted(
            self.features[i].keys() & self.features[j].keys(), key=lambda f: (-self.idf(f), f)
        )
        by_kind: dict[str, list[str]] = defaultdict(list)
        for f in shared:
            by_kind[f[0]].append(f[2:])
        reasons = []
        for kind in ("d", "u", "e", "n", "c", "a", "w", "x", "t", "y", "m"):
            values = by_kind.get(kind)
            if not values or not KIND_WEIGHTS[kind]:
                continue  # evidence that does not count is not shown
            if kind == "m":
                reasons.append(f"same file date {values[0]}")
                continue
            name = KINDS[kind]
            examples = ", ".join(values[:EXAMPLES])
            more = " …" if len(values) > EXAMPLES else ""
            count = f"{len(values)} shared " if len(values) > 1 else "shared "
            reasons.append(f"{count}{name}: {examples}{more}")
        headings = [h for h in pa.headings if h in set(pb.headings)]
        if len(headings) >= 2:
            reasons.append(f"same section numbering {headings[0]}–{headings[-1]}")
        if a.pages and b.pages:
            reasons.append(f"page count {a.pages} vs {b.pages}")
        ratio = max(pa.chars, 1) / max(pb.chars, 1)
        reasons.append(f"length {a.lang}/{b.lang} {ratio:.2f}")
        if a.mime == b.mime and a.mime:
            reasons.append(f"same format ({a.mime})")
        elif a.mime and b.mime:
            reasons.append(f"different formats ({a.mime}, {b.mime})")
        reasons.append(f"score {pair.score:.2f}, next best {pair.rival:.2f}")
        return tuple(reasons)

    def spread(self, i: int, j: int) -> float:
        """How much of both texts the shared evidence covers, as a factor (SPREAD_FLOOR..1).

        Two flyers of one series share a header and a footer (date, address, phone
        number) and nothing in between; a translation shares names and numbers all
        through. Measured as the share of letters in paragraphs holding a shared rare
        feature, for the document where it is smaller; or, when that is more, as the
        share of rare marks (anchors, images) the two share, of the richer one's: a page
        whose paragraphs keep their ids is covered even if its words are all translated.
        Pages rich in marks also lose in proportion to the marks they do not share (see
        MARKS_FLOOR): a sibling page that embeds part of this one shares only that part.
        """
        common = self.features[i].keys() & self.features[j].keys()
        shared = {f for f in common if f[0] in _CONTENT_KINDS and self.df[f] <= self.spread_df}
        coverage = min(self._covered(i, shared), self._covered(j, shared))
        marks_i, marks_j = self.rare_marks[i], self.rare_marks[j]
        share = None
        if marks_i or marks_j:
            rare = sum(1 for f in common if f[0] == "a" and self.df[f] <= self.spread_df)
            share = rare / max(marks_i, marks_j)
            coverage = max(coverage, share)
        spread = SPREAD_FLOOR + (1 - SPREAD_FLOOR) * min(1.0, coverage / SPREAD_FULL) ** 2
        if share is not None and min(marks_i, marks_j) >= MARKS_MIN:
            spread *= MARKS_FLOOR + (1 - MARKS_FLOOR) * share
        return spread

    def _covered(self, i: int, shared: set[str]) -> float:
        pieces = self.profiles[i].pieces
        total = sum(n for n, _ in pieces) or 1
        return sum(n for n, feats in pieces if not feats.isdisjoint(shared)) / total

    def shape(self, i: int, j: int) -> float:
        """Paragraph-by-paragraph length agreement, as a factor (SHAPE_FLOOR..1).

        A flyer of one to three pages has no shape to speak of: a German text that runs
        onto a second page is still the translation.
        """
        a, b = self.docs[i], self.docs[j]
        if min(self.profiles[i].blocks, self.profiles[j].blocks) < SHAPE_MIN_BLOCKS:
            return 1.0
        ratio = LENGTH_FACTOR.get(a.lang, 1.05) / LENGTH_FACTOR.get(b.lang, 1.05)
        sim = shape_similarity(self._sequence(i), self._sequence(j), ratio)
        return SHAPE_FLOOR + (1 - SHAPE_FLOOR) * sim

    def _sequence(self, i: int) -> ShapeSequence:
        sequence = self.sequences.get(i)
        if sequence is None:
            sequence = self.sequences[i] = ShapeSequence.of(self.profiles[i].lengths)
        return sequence

    def prior(self, i: int, j: int) -> float:
        """Agreement of length, paragraphs or pages, and format: translations keep them."""
        a, b = self.docs[i], self.docs[j]
        pa, pb = self.profiles[i], self.profiles[j]
        expected = LENGTH_FACTOR.get(a.lang, 1.05) / LENGTH_FACTOR.get(b.lang, 1.05)
        length = abs(math.log(max(pa.chars, 1) / max(pb.chars, 1) / expected))
        blocks = abs(math.log((pa.blocks + 1) / (pb.blocks + 1)))
        pages = _page_gap(a.pages, b.pages)
        prior = math.exp(-2.0 * max(0.0, length - 0.2))
        prior *= math.exp(-1.0 * max(0.0, blocks - 0.15))
        prior *= math.exp(-3.0 * pages)
        if a.mime != b.mime:
            prior *= 0.5
        return prior


def _by_id(doc: AlignDoc) -> str:
    return doc.id


def _bag(doc: AlignDoc, prof: Profile) -> dict[str, int]:
    """The features the weights are made of: the profile's and the file date."""
    feats = dict(prof.bag)
    if doc.date:
        feats["m:" + doc.date[:10]] = 1
    return feats


class _Profiles:
    """Each document's profile by position: given, or read by `load` when first needed.

    `load` maps the documents' `profile_ref`s to profiles (the caller's kept store).
    """

    def __init__(
        self,
        docs: Sequence[AlignDoc],
        given: Sequence[Profile | None] | None = None,
        load: Callable[[list[str]], Mapping[str, Profile]] | None = None,
    ):
        self.docs = docs
        self.known: list[Profile | None] = list(given) if given else [d.features for d in docs]
        self.load = load

    def need(self, positions: Iterable[int]) -> None:
        """Read the profiles of `positions` that are not at hand, in one go."""
        missing = [i for i in dict.fromkeys(positions) if self.known[i] is None]
        if not missing:
            return
        refs = [self.docs[i].profile_ref for i in missing]
        found = self.load(refs) if self.load else {}
        for i, ref in zip(missing, refs, strict=True):
            prof = found.get(ref)
            if prof is None:
                raise LookupError(f"no profile kept for {self.docs[i].path or self.docs[i].id}")
            self.known[i] = prof

    def __getitem__(self, i: int) -> Profile:
        prof = self.known[i]
        if prof is None:
            self.need([i])
            prof = self.known[i]
        return prof


class _Bags:
    """Each document's features (`_bag`) by position, made from its profile when asked."""

    def __init__(self, docs: Sequence[AlignDoc], profiles: _Profiles):
        self.docs, self.profiles = docs, profiles
        self.made: dict[int, dict[str, int]] = {}

    def fill(self, bags: Sequence[dict[str, int]]) -> None:
        self.made = dict(enumerate(bags))

    def __getitem__(self, i: int) -> dict[str, int]:
        bag = self.made.get(i)
        if bag is None:
            bag = self.made[i] = _bag(self.docs[i], self.profiles[i])
        return bag

    def __iter__(self):
        self.profiles.need(range(len(self.docs)))
        return (self[i] for i in range(len(self.docs)))


def _page_gap(a: int | None, b: int | None) -> float:
    """Page-count disagreement beyond what translation explains (one page, or 15%)."""
    if not a or not b:
        return 0.0
    slack = max(1.0, 0.15 * max(a, b))
    return max(0.0, abs(a - b) - slack) / max(a, b)


def score_pairs(
    docs: Sequence[AlignDoc], rejected: set[frozenset[str]] = frozenset()
) -> tuple[list[Pair], int]:
    """Every candidate pair with its confidence, best first, and how many pairs were scored."""
    _scoring, pairs, scored, _chosen = _score_all(docs, rejected)
    return pairs, scored


def _score_all(docs, rejected, memo=None, stats=None, at_least: float = 0.0):
    """Full alignment: every candidate pair; also what an incremental one starts from.

    Pairs below `at_least` confidence are left out of the list (see `_pairs`)."""
    scoring = _Scoring.of(docs, rejected, memo, stats)
    candidates = scoring.candidate_cosines()
    langs = scoring.lang_codes
    m = len(candidates.i)
    rows, others, _values, group = _sides(candidates.i, candidates.j, candidates.cosine, langs)
    sides, rank, complete = _top_lists(group, _values, others)
    chosen = np.unique(sides[rank < TOP_K] % m) if m else np.zeros(0, dtype=np.int64)
    full = scoring.cosines(candidates, chosen)
    i, j = candidates.i[chosen], candidates.j[chosen]
    scores = _scores(scoring, i, j, full)
    top = _Top(rows[sides], others[sides], candidates.dot[sides % m], group[sides], complete)
    pairs = _pairs(scoring, i, j, full, scores, at_least)
    return scoring, pairs, m, Chosen(top, i, j, full, scores)


@dataclass(frozen=True)
class _Top:
    """Each document's best TOP_KEPT candidates per other language: (document, other, dot),
    with the number of that list (`_groups`) and whether it holds all the candidates."""

    row: np.ndarray
    other: np.ndarray
    dot: np.ndarray
    group: np.ndarray
    complete: np.ndarray


@dataclass(frozen=True)
class Chosen:
    """The pairs an alignment scored (positions i < j), with their full cosine and score,
    and the blocking result they came from (`_Top`)."""

    top: _Top
    i: np.ndarray
    j: np.ndarray
    cosine: np.ndarray
    score: np.ndarray


def _scores(scoring: _Scoring, i: np.ndarray, j: np.ndarray, full: np.ndarray) -> np.ndarray:
    """Cosine times prior, spread and shape, for the pairs (i, j)."""
    firsts, seconds = i.tolist(), j.tolist()
    scoring.profiles.need(chain(firsts, seconds))
    scores = []
    prior, spread, shape = scoring.prior, scoring.spread, scoring.shape
    for a, b, cos in zip(firsts, seconds, full.tolist(), strict=True):
        # Spread and shape (both <= 1) cost the most; below NEGLIGIBLE a pair can neither be
        # offered nor change a rival's confidence by more than a few thousandths.
        bound = cos * prior(a, b)
        if bound >= NEGLIGIBLE:
            bound *= spread(a, b)
        if bound >= NEGLIGIBLE:
            bound *= shape(a, b)
        scores.append(bound)
    return np.array(scores, dtype=np.float64)


def _pairs(
    scoring: _Scoring,
    i: np.ndarray,
    j: np.ndarray,
    full: np.ndarray,
    scores: np.ndarray,
    at_least: float = 0.0,
) -> list[Pair]:
    """The scored pairs with their rivals and confidence, best first; with `at_least`,
    only those that reach that confidence (below SUGGEST_THRESHOLD no pair is used, and
    making each of 90,000 pairs at 10,000 documents took half a second)."""
    rivals = _rivals(i, j, scores, scoring.lang_codes)
    if at_least > 0:
        # The same formula over arrays, with a margin for rounding: `confidence` decides.
        likely = _confidences(scores, rivals) >= at_least - 1e-6
        i, j, full, scores, rivals = (
            i[likely],
            j[likely],
            full[likely],
            scores[likely],
            rivals[likely],
        )
    pairs = []
    rows = zip(i.tolist(), j.tolist(), full.tolist(), scores.tolist(), rivals.tolist(), strict=True)
    for a_at, b_at, cos, s, r in rows:
        a, b = scoring.docs[a_at].id, scoring.docs[b_at].id
        sure = confidence(s, r)
        if sure < at_least:
            continue
        pairs.append(
            Pair(
                a=min(a, b),
                b=max(a, b),
                cosine=cos,
                prior=s / cos if cos else 0.0,
                score=s,
                rival=r,
                confidence=sure,
            )
        )
    pairs.sort(key=lambda p: (-p.confidence, p.a, p.b))
    return pairs


def _sides(i: np.ndarray, j: np.ndarray, values: np.ndarray, langs: np.ndarray):
    """Each pair seen from both documents: (document, other, value, group of other language)."""
    rows, others = np.concatenate((i, j)), np.concatenate((j, i))
    return rows, others, np.concatenate((values, values)), _groups(rows, others, langs)


def _groups(rows: np.ndarray, others: np.ndarray, langs: np.ndarray) -> np.ndarray:
    """One number per (document, language of the other document)."""
    return rows * (int(langs.max(initial=0)) + 1) + langs[others]


def _top_lists(
    group: np.ndarray, values: np.ndarray, ties: np.ndarray, partial: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The best TOP_KEPT entries of each group (by value, then by `ties`, both descending):
    their positions sorted by group and rank, their ranks, and per entry whether its group
    lists every candidate (it has at most TOP_KEPT).

    `partial` marks entries of lists kept from an earlier alignment that did not hold every
    candidate: the candidates left out rank below the lowest of them, so a group with such
    entries is known down to its lowest one only; entries ranked below it are dropped and
    the list stays partial.
    """
    if not len(group):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=bool)
    order, rank = _top_per_group(group, values, ties, TOP_KEPT)
    n = int(group.max()) + 1
    complete = np.bincount(group, minlength=n) <= TOP_KEPT
    if partial is not None and partial.any():
        listed = group[order]
        total = np.bincount(group[partial], minlength=n)
        picked = partial[order]
        deepest = np.full(n, -1, dtype=np.int64)
        np.maximum.at(deepest, listed[picked], rank[picked])
        all_picked = np.bincount(listed[picked], minlength=n) == total
        limit = np.where((total > 0) & all_picked, deepest, TOP_KEPT - 1)
        keep = rank <= limit[listed]
        order, rank = order[keep], rank[keep]
        complete &= total == 0
    return order, rank, complete[group[order]]


def _rivals(i: np.ndarray, j: np.ndarray, scores: np.ndarray, langs: np.ndarray) -> np.ndarray:
    """Per pair, the best score either document reaches with another in the other's language."""
    if not len(i):
        return np.zeros(0)
    _rows, others, vals, group = _sides(i, j, scores, langs)
    order, rank = _top_per_group(group, vals, others, 2)
    firsts = order[rank == 0]
    keys, best, best_other = group[firsts], vals[firsts], others[firsts]
    second = np.zeros(len(keys))
    seconds = order[rank == 1]
    second[np.searchsorted(keys, group[seconds])] = vals[seconds]
    m = len(i)

    def rival(side: slice, other: np.ndarray) -> np.ndarray:
        at = np.searchsorted(keys, group[side])
        return np.where(best_other[at] != other, best[at], second[at])

    return np.maximum(rival(slice(0, m), j), rival(slice(m, 2 * m), i))


def _top_per_group(
    group: np.ndarray, values: np.ndarray, ties: np.ndarray, keep: int
) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the `keep` best per group (by value, then by `ties`, both descending).

    Returned sorted by group and rank, with each one's rank in its group. `ties` must
    differ within a group. Sorting millions of entries on three keys took seconds; here
    the entries are put in group order once (a counting sort) and each round takes
    every group's best that is left, a few passes over the arrays per round.
    """
    order, starts = _in_group_order(group)
    sizes = np.diff(np.r_[starts, len(order)])
    left = values[order].astype(np.float64)
    tie = ties[order]
    picked, ranks = [], []
    for rank in range(keep):
        best = np.maximum.reduceat(left, starts)
        at_best = (left == np.repeat(best, sizes)) & np.repeat(best > -np.inf, sizes)
        first = np.maximum.reduceat(np.where(at_best, tie, -1), starts)
        chosen = np.flatnonzero(at_best & (tie == np.repeat(first, sizes)))
        picked.append(chosen)
        ranks.append(np.full(len(chosen), rank))
        left[chosen] = -np.inf
    chosen, rank = np.concatenate(picked), np.concatenate(ranks)
    positions = order[chosen]
    by_group = np.lexsort((rank, group[positions]))
    return positions[by_group], rank[by_group]


def _in_group_order(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A stable order of the entries by group, and where each group starts in it."""
    if not len(group):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    from scipy import sparse

    # Entry k as column k of row group[k]: building the rows is a counting sort.
    rows = sparse.csr_matrix(
        (np.ones(len(group), dtype=np.int8), (group, np.arange(len(group)))),
        shape=(int(group.max()) + 1, len(group)),
    )
    counts = np.diff(rows.indptr)
    return rows.indices.astype(np.int64), rows.indptr[:-1][counts > 0].astype(np.int64)


def confidence(score: float, rival: float) -> float:
    """High when the pair scores well *and* clearly beats every rival in the same languages.

    strength: sigmoid of log(score / STRENGTH_MIDPOINT); distinctness: sigmoid of
    log((score / rival) / DISTINCT_MIDPOINT). Both must be high: a strong score shared
    with a rival (two flyers of one series, a book in PDF and as plain text) is no link.
    """
    strength = _sigmoid(STRENGTH_SLOPE * math.log(max(score, 1e-9) / STRENGTH_MIDPOINT))
    ratio = (score + 1e-9) / (rival + 1e-9)
    distinct = _sigmoid(DISTINCT_SLOPE * math.log(ratio / DISTINCT_MIDPOINT))
    return strength * distinct


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-max(-60.0, min(60.0, x))))


def _confidences(scores: np.ndarray, rivals: np.ndarray) -> np.ndarray:
    """`confidence` of many pairs at once."""
    strength = STRENGTH_SLOPE * np.log(np.maximum(scores, 1e-9) / STRENGTH_MIDPOINT)
    ratio = (scores + 1e-9) / (rivals + 1e-9)
    distinct = DISTINCT_SLOPE * np.log(ratio / DISTINCT_MIDPOINT)
    return 1 / (1 + np.exp(-np.clip(strength, -60, 60))) / (1 + np.exp(-np.clip(distinct, -60, 60)))


# -- assignment ----------------------------------------------------------------------


def _assign(
    pairs: list[Pair], docs: Sequence[AlignDoc], rejected: set[frozenset[str]] = frozenset()
) -> tuple[list[tuple[str, ...]], list[Pair], list[Pair]]:
    """Greedy one-to-one by confidence: at most one version per language in a group.

    Existing groups take part as they are: a document can join one when its language
    is free there, but two existing groups are never merged and none is split.
    """
    lang = {d.id: d.lang for d in docs}
    group_of: dict[str, str] = {}
    members: dict[str, dict[str, str]] = {}
    for d in docs:
        key = f"existing:{d.group}" if d.group is not None else f"new:{d.id}"
        group_of[d.id] = key
        members.setdefault(key, {})[d.lang] = d.id
    links: list[Pair] = []
    for pair in pairs:
        if pair.confidence < LINK_THRESHOLD:
            break
        ga, gb = group_of[pair.a], group_of[pair.b]
        if ga == gb or (ga.startswith("existing:") and gb.startswith("existing:")):
            continue
        if set(members[ga]) & set(members[gb]):
            continue
        if any(
            frozenset((x, y)) in rejected
            for x in members[ga].values()
            for y in members[gb].values()
        ):
            continue
        keep, gone = (gb, ga) if ga.startswith("new:") else (ga, gb)
        for lang_code, doc_id in members.pop(gone).items():
            members[keep][lang_code] = doc_id
            group_of[doc_id] = keep
        links.append(pair)
    suggestions: list[Pair] = []
    offered: set[tuple[str, str]] = set()
    for pair in pairs:
        if pair.confidence >= LINK_THRESHOLD or pair.confidence < SUGGEST_THRESHOLD:
            continue
        ga, gb = group_of[pair.a], group_of[pair.b]
        if ga == gb or set(members[ga]) & set(members[gb]):
            continue
        if (pair.a, lang[pair.b]) in offered or (pair.b, lang[pair.a]) in offered:
            continue
        offered.update({(pair.a, lang[pair.b]), (pair.b, lang[pair.a])})
        suggestions.append(pair)
    linked: dict[str, list[str]] = defaultdict(list)
    for pair in links:
        linked[pair.a].append(pair.b)
        linked[pair.b].append(pair.a)
    groups, seen = [], set()
    for start in sorted(linked):
        if start in seen:
            continue
        component, todo = [], [start]
        seen.add(start)
        while todo:
            doc_id = todo.pop()
            component.append(doc_id)
            for other in linked[doc_id]:
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        groups.append(tuple(sorted(component)))
    return groups, links, suggestions


# -- drift ---------------------------------------------------------------------------

#: A version lacking this many of the numbers the others have may be outdated.
DRIFT_MIN_NUMBERS = 2


def drift(group_docs: Sequence[AlignDoc]) -> list[str]:
    """Warnings when versions of one group disagree on numbers, dates or article counts.

    A translation made from an older edition keeps the old dates, amounts and article
    numbering; staff should look at it before a visitor relies on it.
    """
    versions = [(d, features_of(d)) for d in group_docs if d.features is not None or d.text.strip()]
    warnings = []
    for (a, pa), (b, pb) in _pairs_of(versions):
        if pa.dates and pb.dates and pa.dates != pb.dates:
            only_a, only_b = sorted(pa.dates - pb.dates), sorted(pb.dates - pa.dates)
            warnings.append(
                f"dates differ: {_label(a)} has {_few(only_a) or 'no other'}, "
                f"{_label(b)} has {_few(only_b) or 'no other'}"
            )
        numbers_a, numbers_b = _significant(pa), _significant(pb)
        only_a, only_b = sorted(numbers_a - numbers_b), sorted(numbers_b - numbers_a)
        if len(only_a) + len(only_b) >= DRIFT_MIN_NUMBERS and (only_a or only_b):
            parts = []
            if only_a:
                parts.append(f"only {_label(a)} has {_few(only_a)}")
            if only_b:
                parts.append(f"only {_label(b)} has {_few(only_b)}")
            warnings.append("numbers differ: " + "; ".join(parts))
        if pa.articles and pb.articles and len(pa.articles) != len(pb.articles):
            warnings.append(
                f"article count differs: {_label(a)} {len(pa.articles)}, "
                f"{_label(b)} {len(pb.articles)}"
            )
    return warnings


def _pairs_of(items: list) -> list[tuple]:
    return [(items[x], items[y]) for x in range(len(items)) for y in range(x + 1, len(items))]


def _significant(prof: Profile) -> set[str]:
    """Numbers of two digits or more: list markers and small counts are often written out."""
    return {n.lstrip("0") for n in prof.numbers if len(n.lstrip("0")) >= 2}


def _label(doc: AlignDoc) -> str:
    return f"{doc.lang} ({doc.path})" if doc.path else doc.lang


def _few(values: list[str], limit: int = 5) -> str:
    return ", ".join(values[:limit]) + (" …" if len(values) > limit else "")
