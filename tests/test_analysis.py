"""Analyzers: word forms, accents and elisions per language, the same for text and queries."""

import pytest

from archive.analysis import fold, language_analyzer, neutral_analyzer, terms
from archive.languages import LANGUAGES, get_language


def analyse(lang: str, text: str) -> list[str]:
    return terms(language_analyzer(LANGUAGES[lang]), text)


def same_terms(lang: str, a: str, b: str) -> bool:
    return analyse(lang, a) == analyse(lang, b) != []


@pytest.mark.parametrize(
    ("lang", "query", "text"),
    [
        ("de", "Häuser", "Haus"),
        ("de", "Erklärungen", "Erklärung"),
        ("de", "Buerger", "Bürger"),
        ("de", "Burgermeister", "Bürgermeister"),
        ("de", "Buergermeister", "Bürgermeister"),
        ("de", "Strasse", "Straße"),
        ("en", "cities", "city"),
        ("en", "declarations", "declaration"),
        ("fr", "securite", "sécurité"),
        ("fr", "déclarations", "déclaration"),
        ("fr", "francais", "français"),
        ("fr", "Europeens", "Européens"),
    ],
)
def test_query_word_form_reaches_the_indexed_word(lang, query, text):
    assert same_terms(lang, query, text)


def test_accents_are_folded_before_stemming_so_unaccented_french_matches():
    assert analyse("fr", "sécurité") == analyse("fr", "securite") == ["securit"]


def test_french_elision_leaves_the_noun():
    assert analyse("fr", "l'Europe") == analyse("fr", "Europe")
    assert analyse("fr", "qu’il") == []


def test_stopwords_are_dropped_per_language():
    assert analyse("de", "die Stadt und der Bürger") == analyse("de", "Stadt Bürger")
    assert analyse("en", "the city of the people") == analyse("en", "city people")


def test_reference_codes_become_a_phrase_of_their_parts():
    assert analyse("de", "A-1312/B") == ["a", "1312", "b"]
    assert "1312" in analyse("en", "Ref. A-1312/B")


def test_numbers_are_not_stemmed():
    assert analyse("en", "2024 cities") == ["2024", "citi"]


def test_neutral_analyzer_folds_but_does_not_stem():
    assert terms(neutral_analyzer(), "Seguridad ciudadana") == ["seguridad", "ciudadana"]


def test_fold_handles_sharp_s_and_ligatures():
    assert fold("Straße") == "strasse"
    assert fold("Œuvre") == "oeuvre"


def test_unknown_language_codes_have_no_record():
    assert get_language("es") is None
    assert get_language("DE").code == "de"


def test_every_language_record_is_complete():
    for code, lang in LANGUAGES.items():
        assert lang.code == code and lang.native_name and lang.locale and lang.stemmer
        assert lang.stopwords
