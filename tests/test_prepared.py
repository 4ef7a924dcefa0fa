"""Text analysed in a worker is indexed exactly as text the writer analyses itself.

Two real indexes on disk with the same documents: one written from plain fields
(the writer analyses), one from `prepare`d documents sent through a pickle, as
they come from a worker. Every field must hold the same terms, and every posting
the same document, weight and encoded positions and character offsets (snippets
are cut at those offsets); field lengths and stored fields must match too.
"""

from __future__ import annotations

import pickle

import pytest

from archive.document import Document, Fingerprint, Segment
from archive.prepared import Prepared, prepare
from archive.store import IndexStore, batch

DOCUMENTS = [
    Document(
        id="a1",
        path="berichte/sicherheit.pdf",
        title="Kriminalprävention und Sicherheitsgefühl",
        lang="de",
        languages=["de", "en"],
        kind="report",
        date="2021-03-04",
        summary="Die Straßenbahn-Sicherheit der Bürgerinnen und Bürger, Ref. A-1312/B.",
        group=None,
        group_source=None,
        segments=[
            Segment("Die Stadtverwaltung prüft das Sicherheitsgefühl in der Straßenbahn.", "de", 1),
            Segment("The city council reviews the feeling of safety on trams.", "en", 2),
            Segment("Häuser, Hauses und Haus: die Bürger sprechen über Prävention 2024.", "de", 3),
        ],
        pages=3,
        mime="application/pdf",
        fingerprint=Fingerprint(10, 20, "abc"),
    ),
    Document(
        id="b2",
        path="tracts/securite.html",
        title="La sécurité de l'Europe",
        lang="fr",
        languages=["fr", "it"],
        kind="flyer",
        date=None,
        summary="",
        group="explicit:europe",
        group_source="explicit",
        segments=[
            Segment("La sécurité qu’il faut: les citoyens et les citoyennes d'Europe.", "fr"),
            Segment("La sicurezza dei cittadini europei è importante.", "it"),
            Segment("Securite, SÉCURITÉ, sécurités; œuvre, cœur.", "fr"),
        ],
        pages=None,
        mime="text/html",
        fingerprint=Fingerprint(30, 40, "def"),
    ),
    Document(
        id="c3",
        path="notes/empty-title.txt",
        title="",
        lang="en",
        languages=["en"],
        kind="note",
        date="1999-12-31",
        summary="A short summary of the people's cities.",
        group=None,
        group_source=None,
        segments=[Segment("The cities of the people; the city of a person. " * 40, "en")],
        pages=None,
        mime="text/plain",
        fingerprint=Fingerprint(50, 60, "ghi"),
    ),
]


def _build(root, through_worker: bool):
    store = IndexStore(root)
    ix = store.open_generation(store.new_generation())
    with batch(ix) as writer:
        for doc in DOCUMENTS:
            if through_worker:
                writer.upsert(pickle.loads(pickle.dumps(writer.prepare(doc))))
            else:
                writer.upsert(doc)
    return ix


@pytest.fixture(scope="module")
def indexes(tmp_path_factory):
    return {
        "plain": _build(tmp_path_factory.mktemp("plain"), through_worker=False),
        "prepared": _build(tmp_path_factory.mktemp("prepared"), through_worker=True),
    }


def _contents(ix) -> dict:
    """Everything a reader sees: terms, postings with raw values, lengths, stored fields."""
    with ix.reader() as reader:
        postings = {}
        for field, term in reader.all_terms():
            matcher = reader.postings(field, term)
            found = []
            while matcher.is_active():
                found.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            postings[field, term] = found
        docs = list(reader.all_doc_ids())
        lengths = {
            (name, d): reader.doc_field_length(d, name) for name in ix.schema.names() for d in docs
        }
        stored = [reader.stored_fields(d) for d in docs]
    return {"postings": postings, "lengths": lengths, "stored": stored}


def test_prepared_documents_give_the_postings_of_plain_ones(indexes):
    plain, prepared = (_contents(indexes[name]) for name in ("plain", "prepared"))
    assert plain["postings"] == prepared["postings"]
    assert plain["lengths"] == prepared["lengths"]
    assert plain["stored"] == prepared["stored"]


def test_the_comparison_covers_every_kind_of_text_field(indexes):
    fields = {field for field, _term in _contents(indexes["plain"])["postings"]}
    for name in ("title", "title_de", "summary_de", "body_de", "body_en", "body_fr"):
        assert name in fields
    assert {"body_other", "words_de", "words_fr", "title_fr", "summary_en"} <= fields


def test_german_compound_parts_and_offsets_survive_the_worker(indexes):
    text = DOCUMENTS[0].segments[0].text
    start = text.index("Sicherheitsgefühl")
    with indexes["prepared"].reader() as reader:
        matcher = reader.postings("body_de", "gefuhl")  # a part: the whole word is marked
        assert matcher.value_as("characters") == [(3, start, start + len("Sicherheitsgefühl"))]


def test_prepared_text_fields_carry_no_text_to_analyse(indexes):
    prepared = prepare(indexes["prepared"].schema, DOCUMENTS[0])
    assert isinstance(prepared, Prepared)
    assert not isinstance(prepared.fields["body_de"], str)
    assert prepared.fields["_stored_title"] == DOCUMENTS[0].title


def test_an_index_of_plain_text_fields_still_takes_prepared_documents(tmp_path, indexes):
    """An index written before this change has Whoosh's TEXT fields: the text is analysed."""
    from whoosh import index as whoosh_index
    from whoosh.fields import TEXT

    from archive.fields import Text
    from archive.schema import build_schema

    schema = build_schema()
    for name, field in list(schema.items()):
        if isinstance(field, Text):
            plain = TEXT(analyzer=field.analyzer)
            plain.__dict__.update(field.__dict__)
            schema.remove(name)
            schema.add(name, plain)
    store = IndexStore(tmp_path)
    gen = store.new_generation()
    whoosh_index.create_in(str(gen), schema)
    ix = store.open_generation(gen)
    with batch(ix) as writer:
        for doc in DOCUMENTS:
            writer.upsert(prepare(indexes["prepared"].schema, doc))
    old = _contents(ix)
    assert old["postings"] == _contents(indexes["plain"])["postings"]
