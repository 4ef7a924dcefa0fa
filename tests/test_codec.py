"""The posting layout of archive/codec.py reads back exactly what Whoosh's own holds.

Two real indexes on disk with the same documents, one written by Whoosh's default
codec and one by ours; posting lists long enough to span several blocks and
value chunks must give the same numbers, weights, positions and character offsets,
and phrase search must find the same documents.
"""

from __future__ import annotations

import zlib

import pytest
from whoosh import index
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import QueryParser

from archive import codec
from archive.codec import BLOCK_POSTINGS, VALUES_CHUNK, ArchiveCodec

DOCS = 2 * BLOCK_POSTINGS + VALUES_CHUNK + 7  # three blocks, the last one partly filled


def _text(n: int) -> str:
    words = ["common"] * (1 + n % 3)
    if n % 5 == 0:
        words += ["rare", "phrase", "here"]
    if n % 7 == 0:
        words += ["phrase", "other", "here"]
    if n in (3, 4):
        words += ["pair"]  # two postings: a block whose values are stored as they are
    return " ".join([*words, f"w{n}"])


@pytest.fixture(scope="module")
def indexes(tmp_path_factory):
    schema = Schema(id=ID(stored=True), body=TEXT(phrase=True, chars=True))
    built = {}
    for name, options in (("whoosh", {}), ("ours", {"codec": ArchiveCodec()})):
        folder = tmp_path_factory.mktemp(name)
        ix = index.create_in(folder, schema)
        with ix.writer(**options) as w:
            for n in range(DOCS):
                w.add_document(id=str(n), body=_text(n))
        with ix.writer(**options) as w:  # deleted documents stay in the postings
            w.delete_by_term("id", "10")
        built[name] = ix
    return built


def _walk(matcher, kind):
    out = []
    while matcher.is_active():
        out.append((matcher.id(), matcher.weight(), list(matcher.value_as(kind))))
        matcher.next()
    return out


@pytest.mark.parametrize("term", ["common", "rare", "phrase", "pair", "w3"])
def test_postings_read_back_as_whoosh_wrote_them(indexes, term):
    readers = {name: ix.reader() for name, ix in indexes.items()}
    try:
        for kind in ("positions", "characters"):
            expected = _walk(readers["whoosh"].postings("body", term), kind)
            assert _walk(readers["ours"].postings("body", term), kind) == expected
        ours = codec.PostingList(readers["ours"].postings("body", term))
        ids, weights = ours.ids, ours.weights
        plain = readers["whoosh"].postings("body", term)
        everything = _walk(getattr(plain, "child", plain), "positions")
        assert ids.tolist() == [d for d, _w, _v in everything]
        assert weights.tolist() == [w for _d, w, _v in everything]
    finally:
        for r in readers.values():
            r.close()


def test_values_of_a_few_documents_come_from_their_chunks_only(indexes):
    wanted = [0, 5, 64, 65, BLOCK_POSTINGS + 5, 2 * BLOCK_POSTINGS + VALUES_CHUNK + 5, DOCS + 9]
    with indexes["ours"].reader() as reader, indexes["whoosh"].reader() as plain:
        postings = codec.PostingList(reader.postings("body", "rare"))
        found = postings.values_at(wanted)
        decode = postings.format.decoder("characters")
        expected = {
            d: v for d, _w, v in _walk(plain.postings("body", "rare"), "characters") if d in wanted
        }
        assert {d: list(decode(v)) for d, v in found.items()} == expected
        assert set(found) == {d for d in wanted if d % 5 == 0 and d < DOCS}


def test_phrases_match_the_same_documents(indexes):
    results = {}
    for name, ix in indexes.items():
        with ix.searcher() as s:
            q = QueryParser("body", ix.schema).parse('"phrase here"')
            results[name] = sorted(hit["id"] for hit in s.search(q, limit=None))
    assert results["ours"] == results["whoosh"]
    assert results["ours"] == sorted(str(n) for n in range(DOCS) if n % 5 == 0 and n != 10)


@pytest.mark.parametrize("size", [0, 1, codec.RAW_BELOW - 1, codec.RAW_BELOW, 5000, 200_000])
def test_a_chunk_of_values_reads_back_whether_stored_or_deflated(size):
    payload = bytes((k * 7 + k // 100) % 256 for k in range(size))
    stored = codec._compress(payload)
    assert (stored[:1] == b"\0") == (size < codec.RAW_BELOW)
    assert codec._uncompress(stored) == payload
    assert codec._uncompress(memoryview(stored)) == payload
    # Chunks written before short ones were stored as they are: all deflated.
    assert codec._uncompress(zlib.compress(payload, codec.VALUES_LEVEL)) == payload
    if size >= codec.RAW_BELOW:  # the small window loses nothing on a chunk it covers
        assert len(stored) <= len(zlib.compress(payload, codec.VALUES_LEVEL)) + 8
