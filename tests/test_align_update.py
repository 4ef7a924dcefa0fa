"""Incremental alignment (indexer/align_update.py) gives what a full one gives with the
same statistics: on the real documents of ../shared/corpus and variants of them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_align import CORPUS, corpus  # noqa: F401  (the fixture)

from indexer import align as align_module
from indexer import align_update
from indexer.align import TOP_K, _assign, _score_all, align, features_of
from indexer.align_memo import PairMemo
from indexer.extract import extract


@pytest.fixture(scope="module")
def archive(corpus):  # noqa: F811
    """About a hundred documents: the corpus, and the first half of each as another one;
    the HTML pages with their marks (anchors, images), which the indexer passes on."""
    docs, _groups = corpus
    full = [
        replace(d, key=f"{d.id}@1", marks=tuple(extract(CORPUS / "files" / d.id).marks))
        for d in docs.values()
    ]
    halves = [
        replace(d, id=f"{d.id}~half", path=f"{d.path}~half", key=f"{d.id}~half@1", text=half(d))
        for d in docs.values()
    ]
    return {d.id: replace(d, features=features_of(d)) for d in full + halves}


def half(doc) -> str:
    blocks = doc.text.split("\n\n")
    return "\n\n".join(blocks[: max(1, len(blocks) // 2)])


def stored(docs):
    """The documents as a later run sees them: unchanged ones without profile at hand."""
    kept = {d.id: d.features for d in docs}
    bare = [replace(d, features=None, text="", profile_ref=d.id) for d in docs]
    return bare, lambda refs: {r: kept[r] for r in refs if r in kept}


def summary(pairs):
    return {
        (p.a, p.b): (round(p.score, 9), round(p.rival, 9), round(p.confidence, 9)) for p in pairs
    }


def changed_archive(archive, version=2):
    """Three documents gone, three changed (a quarter of their text), three new."""
    ids = sorted(archive)
    gone, edited = set(ids[0:3]), ids[10:13]
    docs = {i: d for i, d in archive.items() if i not in gone}
    for doc_id in edited:
        d = docs[doc_id]
        blocks = d.text.split("\n\n")
        text = "\n\n".join(blocks[: max(1, 3 * len(blocks) // 4)])
        docs[doc_id] = replace(d, text=text, key=f"{doc_id}@{version}", features=None)
        docs[doc_id] = replace(docs[doc_id], features=features_of(docs[doc_id]))
    for k, source in enumerate(ids[20:23]):
        d = archive[source]
        new = replace(d, id=f"new{k}", path=f"new{k}", key=f"new{k}@1", features=None)
        docs[new.id] = replace(
            new, text=half(new), features=features_of(replace(new, text=half(new)))
        )
    return list(docs.values()), gone | set(edited) | {"new0", "new1", "new2"}


def test_an_update_scores_as_a_full_alignment_with_the_same_statistics(archive):
    first = align(list(archive.values()))
    docs, expected_changed = changed_archive(archive)
    unchanged, load = stored([d for d in docs if d.id not in expected_changed])
    fresh = [d for d in docs if d.id in expected_changed]
    changed = align_update.changed_ids(first.state, unchanged + fresh, set())
    assert changed == expected_changed
    _scoring, pairs, state = align_update.update(
        first.state, unchanged + fresh, set(), changed, load=load
    )
    _s, full_pairs, _n, _chosen = _score_all(docs, set(), None, first.state.stats)
    assert summary(pairs) == summary(full_pairs)
    assert len(pairs) > 100 and state.changed == len(changed)
    # And once more from the updated state: nothing changed, nothing moves.
    again_docs, _load = stored(docs)
    _scoring, again, _state = align_update.update(
        state, again_docs, set(), set(), load=load_all(docs)
    )
    assert summary(again) == summary(full_pairs)


def chosen_pairs(scoring, chosen):
    """The pairs an alignment scored, by document ids."""
    ids = [d.id for d in scoring.docs]
    return {(ids[a], ids[b]) for a, b in zip(chosen.i.tolist(), chosen.j.tolist(), strict=True)}


def weights_by_id(scoring):
    """Each document's weight per feature (the column order differs from run to run)."""
    matrix, features = scoring.weights.whole(), scoring.weights.vocabulary.features
    rows = (zip(row.indices.tolist(), row.data.tolist(), strict=True) for row in matrix)
    docs = scoring.docs
    return {d.id: {features[c]: v for c, v in row} for d, row in zip(docs, rows, strict=True)}


@pytest.mark.parametrize("kept_per_list", [TOP_K, TOP_K + 1, 2 * TOP_K])
def test_successive_updates_score_as_full_alignments(archive, monkeypatch, kept_per_list):
    """Round after round of changes, the kept candidate lists shrink: each update still
    scores the pairs a full alignment with the same statistics scores. With lists one
    longer than TOP_K, most lists are partial and a lost candidate leaves them short."""
    monkeypatch.setattr(align_module, "TOP_KEPT", kept_per_list)
    first = align(list(archive.values()))
    state, docs = first.state, dict(archive)
    assert not state.chosen.top.complete.all()  # some lists leave candidates out
    ids = sorted(archive)
    rewritten: set[str] = set()
    for round_ in range(4):
        edited = ids[30 + 7 * round_ : 33 + 7 * round_]
        gone = ids[60 + 2 * round_ : 62 + 2 * round_]
        if round_:  # one of the last round's changed documents changes again, one goes
            edited, gone = [*edited, ids[23 + 7 * round_]], [*gone, ids[25 + 7 * round_]]
        for doc_id in edited:
            d = docs[doc_id]
            blocks = d.text.split("\n\n")
            text = "\n\n".join(blocks[: max(1, 2 * len(blocks) // 3)])
            d = replace(d, text=text, key=f"{doc_id}@{round_ + 2}", features=None)
            docs[doc_id] = replace(d, features=features_of(d))
        for doc_id in gone:
            docs.pop(doc_id, None)
        changed = set(edited) | set(gone)
        unchanged, load = stored([d for d in docs.values() if d.id not in changed])
        fresh = [d for d in docs.values() if d.id in changed]
        assert align_update.changed_ids(state, unchanged + fresh, set()) == changed
        scoring, pairs, state = align_update.update(
            state, unchanged + fresh, set(), changed, load=load
        )
        full_scoring, full_pairs, _n, full_chosen = _score_all(
            list(docs.values()), set(), None, state.stats
        )
        assert summary(pairs) == summary(full_pairs)
        assert chosen_pairs(scoring, state.chosen) == chosen_pairs(full_scoring, full_chosen)
        # The weight rows, kept in two parts, are those of the documents now.
        assert weights_by_id(scoring) == weights_by_id(full_scoring)
        rewritten = (rewritten | set(edited)) - set(gone)
        assert state.extra.shape[0] == len(rewritten)  # the base stays as it was


def load_all(docs):
    kept = {d.id: d.features for d in docs}
    return lambda refs: {r: kept[r] for r in refs}


def test_a_rejected_pair_is_taken_out_by_an_update(archive):
    first = align(list(archive.values()))
    link = first.links[0]
    rejected = {frozenset((link.a, link.b))}
    docs, load = stored(list(archive.values()))
    changed = align_update.changed_ids(first.state, docs, rejected)
    assert changed == {link.a, link.b}
    _scoring, pairs, _state = align_update.update(first.state, docs, rejected, changed, load=load)
    _s, full_pairs, _n, _chosen = _score_all(
        list(archive.values()), rejected, None, first.state.stats
    )
    assert (link.a, link.b) not in summary(pairs)
    assert summary(pairs) == summary(full_pairs)


def test_align_updates_only_large_archives_with_few_changes(archive, monkeypatch):
    first = align(list(archive.values()))
    _docs, changed = changed_archive(archive)  # 9 of 90
    assert not align_update.worth_it(first.state, changed)  # under INCREMENTAL_FROM
    monkeypatch.setattr(align_update, "INCREMENTAL_FROM", 10)
    monkeypatch.setattr(align_update, "REFRESH_SHARE", 0.2)
    assert align_update.worth_it(first.state, changed)
    monkeypatch.setattr(align_update, "REFRESH_SHARE", 0.05)
    assert not align_update.worth_it(first.state, changed)


def test_an_update_does_without_the_pair_factors_of_the_last_full_alignment(archive, monkeypatch):
    """An update scores new pairs only and never reads the factors kept by the last full
    alignment (`PairMemo.earlier`); the next full alignment takes them and its own."""
    monkeypatch.setattr(align_update, "INCREMENTAL_FROM", 10)
    monkeypatch.setattr(align_update, "REFRESH_SHARE", 0.2)
    base = PairMemo()
    first = align(list(archive.values()), memo=base)
    assert base.whole and base.misses > 0
    docs, _changed = changed_archive(archive)
    reads = []
    since = PairMemo(earlier=lambda: reads.append(1) or base)
    align(docs, memo=since, kept=first.state)
    assert not reads and not since.whole and since.misses > 0
    only_since = replace(since, earlier=None, values={k: dict(v) for k, v in since.values.items()})
    refreshed = align(docs, memo=since)  # no state: a full alignment
    assert reads == [1] and since.whole
    align(docs, memo=only_since)
    assert since.hits > only_since.hits  # the earlier values were used
    assert refreshed == align(docs)
    fresh = PairMemo()
    align(docs, memo=fresh)
    assert since.values == fresh.values  # each value kept is the one the formula gives


def test_align_with_a_kept_state_groups_as_a_full_alignment(archive, monkeypatch):
    """Through `align`: the groups of a full alignment with the same statistics, and the
    evidence of links whose documents did not change is taken as it was."""
    monkeypatch.setattr(align_update, "INCREMENTAL_FROM", 10)
    monkeypatch.setattr(align_update, "REFRESH_SHARE", 0.2)
    first = align(list(archive.values()))
    docs, changed = changed_archive(archive)
    unchanged, load = stored([d for d in docs if d.id not in changed])
    fresh = [d for d in docs if d.id in changed]
    updated = align(unchanged + fresh, kept=first.state, load=load)
    assert updated.state.changed == len(changed)
    _s, pairs, _n, _chosen = _score_all(docs, set(), None, first.state.stats)
    groups, _links, _suggestions = _assign(pairs, docs)
    assert updated.groups == groups and len(groups) > 20
    before = {(lk.a, lk.b): lk.evidence for lk in first.links}
    same = [lk for lk in updated.links if (lk.a, lk.b) in before and not {lk.a, lk.b} & changed]
    assert same and any(lk.evidence is before[(lk.a, lk.b)] for lk in same)
    # Past REFRESH_SHARE the statistics are counted again: a full alignment.
    monkeypatch.setattr(align_update, "REFRESH_SHARE", 0.01)
    refreshed = align(docs, kept=updated.state)
    assert refreshed.state.changed == 0 and refreshed.state.stats.n == len(docs)
