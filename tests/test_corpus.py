"""The real Debian documents of ../shared/corpus/files: languages and searchability."""

import csv

import pytest

from tests.conftest import require_corpus


@pytest.fixture(scope="module")
def manifest():
    corpus = require_corpus()
    with open(corpus / "manifest.tsv", encoding="utf-8") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


def test_every_corpus_file_gets_its_manifest_language(corpus_archive, manifest):
    docs = {d.path: d for d in corpus_archive.all_documents()}
    assert set(docs) == set(manifest)
    wrong = {
        p: (d.lang, manifest[p]["lang"]) for p, d in docs.items() if d.lang != manifest[p]["lang"]
    }
    assert wrong == {}


def test_german_pdf_words_are_not_glued_together(corpus_archive):
    hits = corpus_archive.search('"offizielle Dokument"', lang="de")
    assert "c002.pdf" in {h.document.path for h in hits.results}


def test_snippets_show_original_word_forms_not_stems(corpus_archive):
    hits = corpus_archive.search("securite", lang="fr")
    assert hits.total > 0
    assert "<mark>sécurité</mark>" in hits.results[0].snippet_html


def test_german_query_without_umlauts_finds_umlauted_words(corpus_archive):
    with_umlaut = corpus_archive.search("Unterstützung", lang="de").total
    assert with_umlaut > 0
    assert corpus_archive.search("Unterstuetzung", lang="de").total == with_umlaut
    assert corpus_archive.search("Unterstutzung", lang="de").total == with_umlaut


def test_language_filter_counts_only_that_language(corpus_archive, manifest):
    results = corpus_archive.search("Debian", lang="fr", per_page=100)
    assert results.total > 0
    assert all("fr" in h.document.languages for h in results.results)
