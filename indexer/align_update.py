"""Incremental alignment: after a few changed documents, score only what they touch.

A full alignment weighs every feature by IDF over the whole archive, so one changed
file moves every cosine a little, and an exact answer means a full pass: at 10,000
documents that was most of a nightly run that changed 1 % of the files. Instead, the
statistics IDF is made of (`align.Statistics`) are kept from the last full alignment
while the documents changed since then stay few (REFRESH_SHARE). With them fixed,
an unchanged document keeps its weights, and so does every pair of unchanged documents
its cosine and score; what can move is local:

- the changed documents' rows, blocking candidates and pairs (computed now);
- the best TOP_K candidates of a document that had a changed one among them, or that a
  changed one now beats (merged in): each document keeps its best TOP_KEPT per language,
  so those left still hold the best TOP_K unless too many of them changed (then its
  candidates are found again);
- every rival and confidence (recomputed over all scored pairs: cheap arrays).

The result is exactly that of a full alignment with the same statistics (the tests
compare the two); what the kept statistics leave out is how document frequencies moved
since they were counted. A feature they do not know counts as NEW_DF. Small archives
(INCREMENTAL_FROM) are always aligned in full: it takes a second or less.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from archive.languages import UNDETERMINED
from indexer.align import (
    KIND_WEIGHTS,
    TOP_K,
    AlignDoc,
    Candidates,
    Chosen,
    Pair,
    Statistics,
    _bag,
    _by_id,
    _Frequencies,
    _groups,
    _pairs,
    _Profiles,
    _scores,
    _Scoring,
    _Top,
    _top_lists,
    rare_marks_of,
)
from indexer.align_features import Profile
from indexer.align_memo import PairMemo
from indexer.align_weights import KeptRows, Vocabulary, Weights, gather, rows

#: Archives smaller than this are aligned in full every time.
INCREMENTAL_FROM = 2000
#: Statistics are counted afresh (a full alignment) once the documents added, changed or
#: removed since they were counted exceed this share of them.
REFRESH_SHARE = 0.05


@dataclass
class AlignState:
    """What an alignment keeps for the next one (the store pickles it)."""

    stats: Statistics
    ids: list[str]  # the aligned documents, in id order (positions below)
    keys: list[str]  # their content keys (`AlignDoc.key`)
    vocabulary: Vocabulary
    #: The documents' weight rows (scipy CSR) in two parts, so that a run writes only what
    #: it changed: `base`, the rows of the last full alignment, kept as they were (the store
    #: writes it once, under `base_name`), and `extra`, the rows made since; `source` gives
    #: each document's row in base-then-extra (base rows first).
    base: object
    extra: object
    source: np.ndarray
    #: Per row of base-then-extra, as `source` counts them: its norm and its rare marks
    #: (`align.rare_marks_of`). Both depend on the row and the statistics only, so they are
    #: kept with it instead of read off all 3 million weights again (at 10,000 documents,
    #: two passes that cost 0.05-0.1 s of a run that changed one file).
    norms: np.ndarray
    marks: np.ndarray
    chosen: Chosen
    rejected: frozenset
    changed: int = 0  # documents changed since `stats` were counted
    scored: int = 0  # blocking pairs this alignment computed (all in a full one)
    #: (a, b) -> ((content keys, score and rival as shown), evidence) of links shown.
    evidence: dict = field(default_factory=dict)
    #: Members' (id, content key) -> drift warnings, for groups of versions.
    drift: dict = field(default_factory=dict)
    stamp: str = ""  # the caller's version of the aligner's code (another: not used)
    base_name: str = ""  # new with each full alignment


def state_of(scoring: _Scoring, chosen: Chosen, scored: int) -> AlignState:
    """The state a full alignment leaves: every row in the base."""
    from scipy import sparse

    matrix = scoring.weights.matrix
    return AlignState(
        stats=scoring.stats,
        ids=[d.id for d in scoring.docs],
        keys=[d.key for d in scoring.docs],
        vocabulary=scoring.weights.vocabulary,
        base=matrix,
        extra=sparse.csr_matrix((0, matrix.shape[1])),
        source=np.arange(matrix.shape[0], dtype=np.int64),
        norms=scoring.norms,
        marks=np.asarray(scoring.rare_marks, dtype=np.int64),
        chosen=chosen,
        rejected=frozenset(scoring.rejected),
        scored=scored,
        base_name=secrets.token_hex(8),
    )


def without_base(state: AlignState) -> tuple[AlignState, str, object]:
    """`state` without its base rows, which a store keeps apart (see `with_base`); the
    base's name; the base."""
    return replace(state, base=None), state.base_name, state.base


def with_base(state: AlignState | None, base) -> AlignState | None:
    """`state` with the base rows `without_base` took out, or None when they are lost."""
    if state is None or not hasattr(base, "shape"):
        return None
    rows, cols = base.shape[0] + state.extra.shape[0], len(state.vocabulary.features)
    if base.shape[1] > cols or (len(state.source) and state.source.max() >= rows):
        return None  # not the base this state was made with
    if len(state.norms) != rows or len(state.marks) != rows:
        return None  # the per-row values are not those of these rows
    return replace(state, base=base)


def changed_ids(state: AlignState, docs: Sequence[AlignDoc], rejected) -> set[str]:
    """Documents new, changed or gone since `state`, and both sides of pairs staff
    rejected or accepted again since."""
    now = {d.id: d.key for d in docs if d.lang and d.lang != UNDETERMINED}
    before = dict(zip(state.ids, state.keys, strict=True))
    changed = {i for i, key in now.items() if before.get(i) != key or not key}
    changed |= before.keys() - now.keys()
    for pair in state.rejected ^ frozenset(rejected):
        changed |= set(pair)
    return changed


def worth_it(state: AlignState | None, changed: set[str]) -> bool:
    """Whether an incremental alignment may start from `state`."""
    if state is None or len(state.ids) < INCREMENTAL_FROM:
        return False
    return state.changed + len(changed) <= REFRESH_SHARE * state.stats.n


def update(
    state: AlignState,
    docs: Sequence[AlignDoc],
    rejected: set[frozenset[str]],
    changed: set[str],
    memo: PairMemo | None = None,
    load: Callable[[list[str]], Mapping[str, Profile]] | None = None,
    at_least: float = 0.0,
) -> tuple[_Scoring, list[Pair], AlignState]:
    """The alignment of `docs` from `state`, `changed` being `changed_ids(state, ...)`;
    pairs below `at_least` confidence are left out of the list (see `align._pairs`)."""
    before = {doc_id: k for k, doc_id in enumerate(state.ids)}
    known = sorted((d for d in docs if d.lang and d.lang != UNDETERMINED), key=_by_id)
    fresh = [d for d in known if d.id in changed]
    fresh_profiles = _Profiles(fresh, load=load)
    fresh_profiles.need(range(len(fresh)))
    has_text = {d.id for k, d in enumerate(fresh) if fresh_profiles[k].chars or d.text.strip()}
    docs_now = [d for d in known if (d.id in has_text if d.id in changed else d.id in before)]
    at = {d.id: k for k, d in enumerate(docs_now)}
    given = {d.id: fresh_profiles[k] for k, d in enumerate(fresh) if d.id in has_text}
    profiles = _Profiles(docs_now, [given.get(d.id, d.features) for d in docs_now], load)

    # Positions: old -> new (-1 for documents changed or gone).
    remap = np.full(len(state.ids), -1, dtype=np.int64)
    for doc_id, k in before.items():
        if doc_id not in changed and doc_id in at:
            remap[k] = at[doc_id]
    new_rows = np.array([at[d] for d in sorted(given)], dtype=np.int64)
    stats = state.stats
    vocabulary = Vocabulary(state.vocabulary.features, state.vocabulary.df)
    bags = [_bag(docs_now[k], profiles[k]) for k in new_rows.tolist()]
    vocabulary.add(bags, _Frequencies(stats.df).__getitem__)
    matrix, extra, source, norms, marks = _assemble(
        state, remap, new_rows, bags, vocabulary, len(docs_now)
    )
    weights = Weights(matrix, vocabulary, KIND_WEIGHTS, norms[source])
    marks_now = marks[source].tolist()
    scoring = _Scoring(
        docs_now, rejected, stats, weights, profiles, memo, forget=False, rare_marks=marks_now
    )

    # Blocking: rows of the changed documents, and of those whose kept list of candidates
    # in a language lost so many of them that its best TOP_K are no longer known.
    top = state.chosen.top
    row_now, other_now = remap[top.row], remap[top.other]
    alive = (row_now >= 0) & (other_now >= 0)
    left = np.bincount(top.group[alive], minlength=int(top.group.max(initial=-1)) + 1)
    short = ~top.complete & (left[top.group] < TOP_K) & (row_now >= 0)
    again = np.union1d(new_rows, row_now[short])
    found = scoring.candidates_of(again)
    is_new = np.zeros(len(docs_now), dtype=bool)
    is_new[new_rows] = True
    is_again = np.zeros(len(docs_now), dtype=bool)
    is_again[again] = True
    kept = alive & ~is_again[row_now]
    side_row = np.concatenate((found.i, found.j, row_now[kept]))
    side_other = np.concatenate((found.j, found.i, other_now[kept]))
    side_dot = np.concatenate((found.dot, found.dot, top.dot[kept]))
    partial = np.concatenate((np.zeros(2 * len(found.i), dtype=bool), ~top.complete[kept]))
    # A row found again takes all its candidates; another only those with a changed one.
    wanted = is_again[side_row] | is_new[side_other]
    wanted[2 * len(found.i) :] = True
    side_row, side_other, side_dot = side_row[wanted], side_other[wanted], side_dot[wanted]
    partial = partial[wanted]
    cosine = side_dot / (scoring.norms[side_row] * scoring.norms[side_other])
    group = _groups(side_row, side_other, scoring.lang_codes)
    best, rank, complete = _top_lists(group, cosine, side_other, partial)
    new_top = _Top(side_row[best], side_other[best], side_dot[best], group[best], complete)

    # The chosen pairs (each list's best TOP_K): scores of unchanged pairs are kept, the
    # others computed.
    firsts = rank < TOP_K
    i = np.minimum(new_top.row[firsts], new_top.other[firsts])
    j = np.maximum(new_top.row[firsts], new_top.other[firsts])
    code, first = np.unique(i * len(docs_now) + j, return_index=True)
    i, j, dot = i[first], j[first], new_top.dot[firsts][first]
    old = state.chosen
    old_i, old_j = remap[old.i], remap[old.j]
    valid = (old_i >= 0) & (old_j >= 0)
    old_code = old_i[valid] * len(docs_now) + old_j[valid]
    order = np.argsort(old_code)
    old_code = old_code[order]
    spot = np.minimum(np.searchsorted(old_code, code), max(len(old_code) - 1, 0))
    reuse = (old_code[spot] == code) if len(old_code) else np.zeros(len(code), dtype=bool)
    full = np.zeros(len(code))
    scores = np.zeros(len(code))
    full[reuse] = old.cosine[valid][order][spot[reuse]]
    scores[reuse] = old.score[valid][order][spot[reuse]]
    todo = np.flatnonzero(~reuse)
    candidates = Candidates(i, j, dot, dot / (scoring.norms[i] * scoring.norms[j]))
    full[todo] = scoring.cosines(candidates, todo)
    scores[todo] = _scores(scoring, i[todo], j[todo], full[todo])
    chosen = Chosen(new_top, i, j, full, scores)
    pairs = _pairs(scoring, i, j, full, scores, at_least)
    new_state = replace(
        state,
        ids=[d.id for d in docs_now],
        keys=[d.key for d in docs_now],
        vocabulary=vocabulary,
        extra=extra,
        source=source,
        norms=norms,
        marks=marks,
        chosen=chosen,
        rejected=frozenset(rejected),
        changed=state.changed + len(changed),
        scored=len(found.i),
    )
    return scoring, pairs, new_state


def _assemble(state, remap, new_rows, bags, vocabulary, n_rows):
    """The weight rows in the new order (kept rows of unchanged documents, new rows; not
    copied into one matrix, see `KeptRows`), and the state's new `extra`, `source`, `norms`
    and `marks`: the extra rows still used, then the new ones."""
    cols = len(vocabulary.features)
    fresh = rows(bags, vocabulary, state.stats.n, KIND_WEIGHTS)
    fresh_weights = Weights(fresh, vocabulary, KIND_WEIGHTS)
    fresh_marks = rare_marks_of(fresh_weights, state.stats.n)
    kept_old = np.flatnonzero(remap >= 0)
    n_base = state.base.shape[0]
    was = state.source[kept_old]
    in_extra = was >= n_base
    used = np.unique(was[in_extra] - n_base)  # rows of the old extra still used
    fresh_at = state.extra.shape[0] + np.arange(fresh.shape[0])
    extra = gather(state.extra, fresh, np.concatenate((used, fresh_at)), cols)
    moved = np.full(state.extra.shape[0], -1, dtype=np.int64)
    moved[used] = np.arange(len(used))
    source = np.empty(n_rows, dtype=np.int64)
    now = was.copy()
    now[in_extra] = n_base + moved[was[in_extra] - n_base]
    source[remap[kept_old]] = now
    source[new_rows] = n_base + len(used) + np.arange(len(new_rows))
    kept = np.concatenate((np.arange(n_base), n_base + used))
    norms = np.concatenate((state.norms[kept], fresh_weights.norms))
    marks = np.concatenate((state.marks[kept], fresh_marks)).astype(np.int64)
    return KeptRows(state.base, extra, source, cols), extra, source, norms, marks
