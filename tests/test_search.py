"""Searching the sample archive as staff and visitors do."""

import pytest

from archive import DocumentNotFound, QueryError


def paths(results) -> list[str]:
    return [hit.document.path for hit in results.results]


def doc_by_path(archive, path):
    return next(d for d in archive.all_documents() if d.path == path)


def test_reference_code_with_hyphen_and_slash_finds_both_declarations(sample_archive):
    found = paths(sample_archive.search("A-1312/B"))
    assert set(found) == {
        "declarations/mayors-declaration-radicalisation.en.pdf",
        "declarations/mayors-declaration-radicalisation.de.pdf",
    }


def test_german_plural_query_finds_singular_in_the_declaration(sample_archive):
    found = paths(sample_archive.search("Erklärungen", lang="de"))
    assert "declarations/mayors-declaration-radicalisation.de.pdf" in found


def test_german_query_without_umlaut_finds_buergermeister(sample_archive):
    for query in ("Burgermeister", "Buergermeister", "Bürgermeister"):
        found = paths(sample_archive.search(query, lang="de"))
        assert "declarations/mayors-declaration-radicalisation.de.pdf" in found, query


def test_french_query_without_accents_finds_securite(sample_archive):
    found = paths(sample_archive.search("securite", lang="fr"))
    assert "declarations/safer-nightlife/fr/declaration.pdf" in found


def test_french_elision_lets_europe_find_l_europe(sample_archive):
    assert "declarations/safer-nightlife/fr/declaration.pdf" in paths(
        sample_archive.search("Europe", lang="fr")
    )


def test_language_filter_keeps_only_documents_in_that_language(sample_archive):
    results = sample_archive.search("", lang="fr", per_page=100)
    assert results.total == 4
    assert all("fr" in hit.document.languages for hit in results.results)


def test_bilingual_flyer_is_found_in_german_and_in_english(sample_archive):
    assert "flyers/helpline-bilingual.pdf" in paths(sample_archive.search("allein", lang="de"))
    assert "flyers/helpline-bilingual.pdf" in paths(sample_archive.search("alone", lang="en"))


def test_snippet_is_in_the_language_of_the_matching_text(sample_archive):
    hits = sample_archive.search("alone").results
    hit = next(h for h in hits if h.document.path == "flyers/helpline-bilingual.pdf")
    assert hit.snippet_lang == "en" and "<mark>alone</mark>" in hit.snippet_html


def test_snippet_escapes_document_text_before_marking(sample_archive):
    for hit in sample_archive.search("Stadt").results:
        assert "<" not in hit.snippet_html.replace("<mark>", "").replace("</mark>", "")


def test_phrase_or_and_exclusion(sample_archive):
    assert paths(sample_archive.search('"gekipptes Fenster"')) == [
        "flyers/burglary-prevention.de.pdf"
    ]
    either = set(paths(sample_archive.search("cambriolage OR Einbruch")))
    assert {"flyers/burglary-prevention.de.pdf", "flyers/burglary-prevention.fr.pdf"} <= either
    without = paths(sample_archive.search("Einbruch -Fenster"))
    assert "flyers/burglary-prevention.de.pdf" not in without


def test_title_and_kind_fields(sample_archive):
    assert paths(sample_archive.search("title:Opferhilfe")) == ["flyers/helpline-bilingual.pdf"]
    assert all(h.document.kind == "flyer" for h in sample_archive.search("kind:flyer").results)


@pytest.mark.parametrize("query", ['"unclosed (', "title:", "AND OR", "((((", "kind:", '"'])
def test_invalid_syntax_never_raises(sample_archive, query):
    sample_archive.search(query)


def test_did_you_mean_offers_the_indexed_word(sample_archive):
    results = sample_archive.search("Radikalisirung")
    assert results.total == 0
    assert results.suggestion == "Radikalisierung"
    assert sample_archive.search(results.suggestion).total > 0


def test_did_you_mean_looks_each_word_up_once_and_only_the_first_few(sample_archive):
    from archive.search import SUGGEST_WORDS

    repeated = sample_archive.search(" ".join(["Radikalisirung"] * 3))
    assert repeated.suggestion == " ".join(["Radikalisierung"] * 3)
    noise = [f"xq{chr(97 + i)}zzy" for i in range(SUGGEST_WORDS)]
    late = sample_archive.search(" ".join([*noise, "Radikalisirung"]))
    assert late.total == 0 and late.suggestion is None  # the ninth distinct word: not looked up


def test_facets_count_languages_and_kinds_for_the_query(sample_archive):
    facets = sample_archive.search("Einbruch OR cambriolage OR burglary").facets
    assert facets["lang"]["de"] >= 1 and facets["lang"]["fr"] >= 1
    assert facets["kind"]["flyer"] >= 3


def test_filter_that_hides_hits_still_counts_them_in_facets(sample_archive):
    results = sample_archive.search("Sicherheitsspaziergang", lang="fr")
    assert results.total == 0
    assert {code for code, n in results.facets["lang"].items() if n} == {"de"}


def test_sort_by_date_puts_newest_first(sample_archive):
    dates = [h.document.date for h in sample_archive.search("", sort="date", per_page=50).results]
    assert dates == sorted(dates, reverse=True)


def test_year_and_kind_filters(sample_archive):
    results = sample_archive.search("", year="2024", kind="declaration", per_page=50)
    assert results.total >= 2
    assert all(h.document.date.startswith("2024") for h in results.results)


def test_script_and_style_of_the_html_programme_are_not_indexed(sample_archive):
    assert sample_archive.search("scriptonlyword").total == 0
    assert sample_archive.search("styleonlyword").total == 0
    assert sample_archive.search("Strasbourg", lang="en").total >= 1


@pytest.mark.parametrize(
    "params",
    [
        {"lang": "es"},
        {"page": 0},
        {"per_page": 1000},
        {"year": "24"},
        {"sort": "size"},
        {"query": "x" * 501},
    ],
)
def test_bad_parameters_raise_query_error(sample_archive, params):
    with pytest.raises(QueryError):
        sample_archive.search(**params)


def test_translations_come_from_names_and_sidecars(sample_archive):
    nightlife = doc_by_path(sample_archive, "declarations/safer-nightlife/de/declaration.pdf")
    assert {t.lang: t.source for t in nightlife.translations} == {"en": "name", "fr": "name"}
    mayors = doc_by_path(sample_archive, "declarations/mayors-declaration-radicalisation.en.pdf")
    assert {t.lang: t.source for t in mayors.translations} == {"de": "explicit"}
    press = doc_by_path(sample_archive, "papers/press-release-conference-2025.fr.txt")
    assert [t.path for t in press.translations] == [
        "papers/pressemitteilung-konferenz-strassburg.de.txt"
    ]


def test_document_without_translation_has_none(sample_archive):
    doc = doc_by_path(sample_archive, "flyers/sicherheitsspaziergang-einladung.pdf")
    assert doc.translations == [] and doc.lang == "de"


def test_sidecar_title_and_summary_win_over_the_file(sample_archive):
    doc = doc_by_path(sample_archive, "flyers/helpline-bilingual.pdf")
    assert doc.title == "Opferhilfe-Telefon / Victim Support Helpline"
    assert doc.summary and doc.languages == ["de", "en"]


def test_kind_and_date_without_sidecar_come_from_folder_and_pdf(sample_archive):
    doc = doc_by_path(sample_archive, "flyers/burglary-prevention.fr.pdf")
    assert doc.kind == "flyer" and doc.date == "2024-10-01"


def test_document_by_id_and_unknown_id(sample_archive):
    doc = doc_by_path(sample_archive, "flyers/night-cycling.en.pdf")
    assert sample_archive.document(doc.id).title == doc.title
    with pytest.raises(DocumentNotFound):
        sample_archive.document("000000000000")


def test_file_path_stays_inside_the_documents_folder(sample_archive):
    doc = doc_by_path(sample_archive, "flyers/night-cycling.en.pdf")
    path = sample_archive.file_path(doc.id)
    assert path.is_file() and path.is_relative_to(sample_archive.documents)


PARITY_QUERIES = [
    "Debian",
    "paquet",
    "Sicherheit Fenster",
    "installation système",
    "mailing list archive",
    "die Sicherheit",
    "source package build",
    "Paket bauen Abhängigkeiten",
]


@pytest.mark.parametrize("text", PARITY_QUERIES)
def test_plain_queries_rank_from_the_postings_exactly_as_whoosh_does(corpus_archive, text):
    """The fast path (archive/scoring.py) must give Whoosh's own order and scores."""
    from archive.query import build
    from archive.search import Searcher

    with corpus_archive.store.searcher() as s:
        searcher = Searcher(s)
        allowed = searcher.sets.where("state", "ok")
        for lang, prefer in ((None, None), (None, "fr"), ("de", None)):
            parsed = build(text, lang, prefer)
            assert parsed.plain, "plain words take the fast path"
            within = allowed & searcher.sets.where("languages", lang) if lang else allowed
            fast = searcher._ranked(parsed, 20, within)
            page = searcher._page(parsed.whole, 1, 20, within)
            whoosh = [(h.docnum, h.score) for h in page]
            assert [d for d, _ in fast] == [d for d, _ in whoosh]
            # equal but for the order of additions (Whoosh sums a word's fields its way)
            assert [x for _, x in fast] == pytest.approx([x for _, x in whoosh], rel=1e-12)
