"""Search quality: compounds, languages that must not mix, and which document ranks first."""

import pytest

from archive import Archive

GERMAN = (
    "Die Kriminalprävention der Städte stärkt das Sicherheitsgefühl der Bürgerinnen und "
    "Bürger. Nach der Tat am Tatort hilft die Opferberatung den Betroffenen schnell."
)
ENGLISH = (
    "The city garden grows potatoes and tomatoes. Every potato harvested in the community "
    "garden is shared with the neighbours of the district."
)
ENGLISH_ON_PREVENTION = (
    "Crime prevention in European cities depends on trust between residents, social "
    "workers and the police. Prevention works best when it starts early."
)
GERMAN_QUOTING_ENGLISH = (
    "Das Treffen der Fachleute fand im Rathaus statt und dauerte bis zum späten Abend. "
    "Die Teilnehmenden sprachen über die Finanzierung der Projekte im kommenden Jahr und "
    "über die Zusammenarbeit der Verwaltung mit den Vereinen im Stadtteil.\n\n"
    'Ein Gast aus London zitierte: "Crime prevention depends on trust."'
)


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Archive:
    root = tmp_path_factory.mktemp("relevance")
    docs = root / "documents"
    docs.mkdir()
    for name, text in {
        "de-praevention.txt": GERMAN,
        "en-garden.txt": ENGLISH,
        "en-prevention.txt": ENGLISH_ON_PREVENTION,
        "de-treffen.txt": GERMAN_QUOTING_ENGLISH,
    }.items():
        (docs / name).write_text(text, encoding="utf-8")
    archive = Archive(docs, root / "index")
    archive.index(jobs=1)
    return archive


def found(archive, query, **kw):
    return [h.document.path for h in archive.search(query, **kw).results]


def test_compound_part_finds_the_german_compound(small):
    assert found(small, "Prävention", lang="de") == ["de-praevention.txt"]


def test_two_words_find_their_german_compound(small):
    assert "de-praevention.txt" in found(small, "Sicherheit Gefühl")


def test_english_potato_does_not_match_german_tat(small):
    assert found(small, "potato") == ["en-garden.txt"]
    assert "en-garden.txt" not in found(small, "Tat")


def test_snippet_marks_the_whole_compound(small):
    hit = small.search("Prävention", lang="de").results[0]
    assert "<mark>Kriminalprävention</mark>" in hit.snippet_html


def test_document_in_its_own_language_ranks_above_a_foreign_quotation(small):
    ranked = found(small, "crime prevention trust")
    assert ranked[0] == "en-prevention.txt"
    assert "de-treffen.txt" in ranked


def test_reading_language_ranks_first_when_both_match(sample_archive):
    for lang in ("de", "en"):
        first = sample_archive.search("A-1312/B", prefer=lang).results[0]
        assert first.document.lang == lang


def test_reading_language_puts_its_versions_first(corpus_archive):
    for lang in ("de", "en", "fr"):
        top = corpus_archive.search("Debian", prefer=lang, per_page=5).results
        assert [h.document.lang for h in top] == [lang] * 5


def test_did_you_mean_uses_the_filtered_language(sample_archive):
    assert sample_archive.search("Sicherheitspaziergang", lang="de").suggestion == (
        "Sicherheitsspaziergang"
    )
    assert sample_archive.search("burglery", prefer="en").suggestion == "burglary"


def test_snippet_prefers_the_passage_where_query_words_meet(sample_archive):
    hit = sample_archive.search("gekipptes Fenster", lang="de").results[0]
    assert "<mark>gekipptes</mark> <mark>Fenster</mark>" in hit.snippet_html
