"""Automatic translation groups for documents nobody grouped, and drift warnings.

Runs after each indexing run that changed something, over every document of the
index: the automatic links are a property of the whole archive, not of one file.
Sidecar groups (explicit) and file-name groups (name) are never changed here; a
rejected pair (`not_translations` in a sidecar) is never linked nor suggested.

Part of the cost is reading each document's evidence (`features_of`), a pure function
of its text, title and language: a caller that keeps a mapping from `profile_key(doc)`
to the profile across runs and passes it as `profiles` pays it only for changed files.
Another part is scoring pairs: a caller that keeps the `PairMemo` of the last run (and
passes it as `memo`) pays the IDF-free factors only for pairs involving changed files.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Container, MutableMapping, Sequence
from typing import TYPE_CHECKING

from archive.document import Document
from indexer.align import AlignDoc, Link, align, drift, with_profiles
from indexer.align_features import Profile, document_profile, profile_key
from indexer.align_memo import PairMemo

if TYPE_CHECKING:
    from archive.keyed import KeyedValues as KeptProfiles
    from indexer.align_update import AlignState


def align_doc(
    doc: Document,
    profiles: MutableMapping[str, Profile] | None = None,
    stored: Container[str] = (),
) -> AlignDoc:
    """What the aligner sees of a document; with `profiles`, its evidence comes from there.

    A profile missing from `profiles` is computed from the text and added to it; unless
    its key is in `stored` (the caller's kept profiles): then the aligner reads it when
    it needs it (an incremental alignment needs few).
    """
    grouped = doc.group if doc.group_source in ("explicit", "name") else None
    key = profile_key(doc)
    text, features, ref = "", None, ""
    if profiles is None:
        text = doc.text
    else:
        features = profiles.get(key)
        if features is None and key in stored:
            ref = key
        elif features is None:
            features = profiles[key] = document_profile(doc)
    return AlignDoc(
        id=doc.id,
        path=doc.path,
        lang=doc.lang,
        text=text,
        title=doc.title,
        pages=doc.pages,
        date=doc.source_date,
        mime=doc.mime,
        group=grouped,
        marks=tuple(doc.marks),
        features=features,
        key=content_key(doc, key),
        profile_ref=ref,
    )


def content_key(doc: Document, profile: str = "") -> str:
    """What the aligner's pair factors depend on: the profile (`profile_key(doc)`, when
    the caller has it already), pages, format and date."""
    key = f"{profile or profile_key(doc)}|{doc.pages}|{doc.mime}|{doc.source_date}"
    return hashlib.blake2b(key.encode("utf-8"), digest_size=12).hexdigest()


def rejected_pairs(docs: Sequence[Document]) -> set[frozenset[str]]:
    """Pairs staff rejected in a sidecar (`not_translations = ["path", ...]`)."""
    by_path = {d.path: d.id for d in docs}
    return {
        frozenset((doc.id, by_path[path]))
        for doc in docs
        for path in doc.not_translations
        if path in by_path and by_path[path] != doc.id
    }


def regroup(
    docs: Sequence[Document],
    profiles: MutableMapping[str, Profile] | None = None,
    memo: PairMemo | None = None,
    kept: AlignState | None = None,
    stored: KeptProfiles | None = None,
) -> tuple[dict, AlignState | None]:
    """What the translations file beside the index holds (JSON-ready), and the state the
    next call may start from (`kept`: see `indexer.align_update`).

    `links` maps a document id to its automatically found versions, each with a
    confidence and the evidence; `suggestions` are the middle band for staff;
    `drift` lists groups whose versions disagree. `profiles`, `memo`: see the module
    docstring; `stored` holds the profiles of documents given without text. None of
    them changes the result; `kept` keeps the statistics of an earlier full alignment.
    """
    keys = stored.keys() if stored else ()
    aligned = [align_doc(d, profiles, keys) for d in docs]
    rejected = rejected_pairs(docs)
    load = stored.get_many if stored else None
    result = align(aligned, rejected, memo, kept, load)
    direct = {frozenset((link.a, link.b)): link for link in result.links}
    by_id = {d.id: d for d in docs}
    links: dict[str, dict[str, dict]] = defaultdict(dict)
    members_of = _members(docs, result.groups)
    for group in result.groups:
        group_links = [lk for lk in result.links if lk.a in group or lk.b in group]
        for a in members_of[group]:
            for b in members_of[group]:
                if a == b or frozenset((a, b)) in rejected or _already_linked(by_id[a], by_id[b]):
                    continue
                link = direct.get(frozenset((a, b)))
                links[a][b] = _entry(link, group_links, a, b)
    state = result.state
    found = {
        "links": links,
        "suggestions": [_suggestion(s) for s in result.suggestions],
        "drift": _drift(docs, aligned, members_of, result.groups, state, load),
        "scored_pairs": result.scored_pairs,
    }
    return found, state


def _members(docs: Sequence[Document], groups) -> dict[tuple, list[str]]:
    """Every member of an automatic group, with the existing group it joined, if any."""
    by_id = {d.id: d for d in docs}
    by_group: dict[str, list[str]] = defaultdict(list)
    for d in docs:
        if d.group and d.group_source in ("explicit", "name"):
            by_group[d.group].append(d.id)
    members = {}
    for group in groups:
        ids = list(group)
        for doc_id in group:
            existing = by_id[doc_id].group if by_id[doc_id].group_source else None
            if existing:
                ids += [x for x in by_group[existing] if x not in ids]
        members[group] = ids
    return members


def _already_linked(a: Document, b: Document) -> bool:
    """A sidecar or the file names link these two: not an automatic link."""
    return bool(a.group and a.group == b.group and a.group_source and b.group_source)


def _entry(link: Link | None, group_links: list[Link], a: str, b: str) -> dict:
    if link:
        return {"confidence": round(link.confidence, 3), "evidence": list(link.evidence)}
    # Linked through a third version: as sure as the weakest link on the way.
    touching = [lk for lk in group_links if a in (lk.a, lk.b) or b in (lk.a, lk.b)]
    confidence = min((lk.confidence for lk in group_links), default=0.0)
    evidence = [e for lk in touching for e in lk.evidence][:4]
    return {"confidence": round(confidence, 3), "evidence": ["via another version", *evidence]}


def _suggestion(link: Link) -> dict:
    return {
        "a": link.a,
        "b": link.b,
        "confidence": round(link.confidence, 3),
        "evidence": list(link.evidence),
    }


def _drift(docs, aligned, members_of, auto_groups, state=None, load=None) -> list[dict]:
    """Groups whose versions disagree; a group whose members did not change keeps what
    the last run found (`state.drift`), so its profiles need not be read."""
    by_id = {d.id: d for d in aligned}
    groups: dict[str, list[str]] = defaultdict(list)
    for d in docs:
        if d.group:
            groups[d.group].append(d.id)
    for n, group in enumerate(auto_groups):
        groups[f"automatic:{n}"] = members_of[group]
    kept = state.drift if state else {}
    made = {}
    found = []
    for key, ids in sorted(groups.items()):
        if len(ids) < 2:
            continue
        members = tuple(sorted((i, by_id[i].key) for i in ids))
        warnings = kept.get(members) if all(k for _i, k in members) else None
        if warnings is None:
            warnings = drift(with_profiles([by_id[i] for i in ids], load))
        made[members] = warnings
        if warnings:
            found.append({"group": key, "documents": ids, "warnings": warnings})
    if state is not None:
        state.drift = made
    return found
