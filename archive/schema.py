"""The Whoosh schema, versioned so that an index built by other code is never misread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from archive.languages import LANGUAGES, OTHER

if TYPE_CHECKING:
    from whoosh.fields import Schema

#: Bump whenever fields or analyzers change: an index with another version asks for --full.
SCHEMA_VERSION = 6

TITLE_BOOST = 3.0
SUMMARY_BOOST = 2.0

#: Suffixes of the per-language text fields: one per analysed language plus the neutral one.
FIELD_LANGS = (*LANGUAGES, OTHER)


def text_fields(lang: str) -> tuple[str, str, str]:
    """The (title, summary, body) field names holding text in `lang`."""
    return f"title_{lang}", f"summary_{lang}", f"body_{lang}"


def vocabulary_field(lang: str) -> str:
    return f"words_{lang}"


def build_schema() -> Schema:
    """One document per file; its text is split into per-language fields.

    Each language's fields use that language's analyzer, so a query in that
    field goes through the analyzer that indexed the text.
    """
    from whoosh.fields import ID, KEYWORD, STORED, Schema

    from archive.analysis import language_analyzer, neutral_analyzer, vocabulary_analyzer
    from archive.fields import Text

    fields = {
        "id": ID(stored=True, unique=True),
        "path": ID(stored=True, unique=True, sortable=True),
        "fingerprint": ID(stored=True, sortable=True),
        "state": ID(stored=True, sortable=True),  # "ok" or "failed"
        "reason": STORED(),
        "title": Text(analyzer=neutral_analyzer(), stored=True, phrase=True),
        "lang": ID(stored=True),
        "languages": KEYWORD(stored=True, commas=True),
        "kind": ID(stored=True),
        "year": ID(stored=True),
        "date": ID(stored=True, sortable=True),
        "group": ID(stored=True),
        "record": STORED(),  # everything else needed to rebuild the Document
    }
    for lang in FIELD_LANGS:
        analyzer = language_analyzer(LANGUAGES[lang]) if lang in LANGUAGES else neutral_analyzer()
        title, summary, body = text_fields(lang)
        fields[title] = Text(analyzer=analyzer, field_boost=TITLE_BOOST, multitoken_query="phrase")
        fields[summary] = Text(
            analyzer=analyzer, field_boost=SUMMARY_BOOST, multitoken_query="phrase"
        )
        # Character offsets in the postings: snippets come from where the words are,
        # without analysing a long document again on every search.
        fields[body] = Text(analyzer=analyzer, multitoken_query="phrase", chars=True)
        # Unstemmed words with their accents, per language: did-you-mean suggestions.
        fields[vocabulary_field(lang)] = Text(
            analyzer=vocabulary_analyzer(), phrase=False, spelling=True
        )
    return Schema(**fields)


def settings() -> dict:
    """What the settings file beside the index records, and what opening it compares."""
    return {"schema_version": SCHEMA_VERSION, "languages": sorted(LANGUAGES)}
