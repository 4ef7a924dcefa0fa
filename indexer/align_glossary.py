"""A small de/en/fr glossary: translated words that still point at one shared concept.

Short pages (a help page, a dialog, a flyer) often share no number, name or URL with
their translation, only meaning: `Fenster`, `window` and `fenêtre`. The glossary
(`align_glossary.tsv`, hand-written, provenance in its header) maps frequent content
words of each language to one concept id, after the stemming the index already uses,
so `Wählen Sie`, `choose` and `choisissez` all give the feature `x:choose`. German
compounds are split first (`Spezialfilter` gives `x:special` and `x:filter`).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import Stemmer

from archive.languages import LANGUAGES

#: Columns of the TSV after the concept's English headword come in this order.
GLOSSARY_LANGS = ("en", "de", "fr")


@lru_cache(maxsize=8)
def _stemmer(lang: str) -> Stemmer.Stemmer | None:
    language = LANGUAGES.get(lang)
    return Stemmer.Stemmer(language.stemmer) if language and language.stemmer else None


@lru_cache(maxsize=1)
def glossary() -> dict[str, dict[str, tuple[str, ...]]]:
    """Per language, stem -> concept ids (loaded once, on first use)."""
    from indexer.align_features import fold

    text = resources.files("indexer").joinpath("align_glossary.tsv").read_text("utf-8")
    table: dict[str, dict[str, set[str]]] = {lang: {} for lang in GLOSSARY_LANGS}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        columns = line.split("\t")
        if columns[0] == "en":  # the header
            continue
        concept = columns[0].split()[0]
        for lang, words in zip(GLOSSARY_LANGS, columns, strict=True):
            stemmer = _stemmer(lang)
            for word in fold(words).split():
                stem = stemmer.stemWord(word) if stemmer else word
                table[lang].setdefault(stem, set()).add(concept)
    return {lang: {s: tuple(sorted(c)) for s, c in stems.items()} for lang, stems in table.items()}


def concepts(word: str, lang: str) -> tuple[str, ...]:
    """Concept ids of a folded lower-case word in `lang`; () for unknown words or languages."""
    return _concepts(word, lang) if lang in GLOSSARY_LANGS else ()


@lru_cache(maxsize=200_000)
def _concepts(word: str, lang: str) -> tuple[str, ...]:
    table = glossary()[lang]
    found = table.get(_stemmer(lang).stemWord(word))
    if found:
        return found
    if LANGUAGES[lang].compounds:
        from archive.compounds import split_compound

        parts = [c for part in split_compound(word) for c in _concepts(part, lang)]
        return tuple(dict.fromkeys(parts))
    return ()
