"""The languages the archive knows, one record each.

Every other module asks this registry; nothing else lists languages, so adding
a language means adding one record here (and its interface catalog).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from whoosh.lang.stopwords import stoplists

# French elided articles and pronouns ("l'Europe", "qu'il"): the tokenizer splits at
# the apostrophe, and dropping these fragments as stopwords is the elision step.
_FRENCH_ELISIONS = frozenset(
    ["l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"]
)


@dataclass(frozen=True)
class Language:
    """One analysed language: how its text is stemmed and how it is named."""

    code: str  # ISO 639-1
    native_name: str
    locale: str  # Babel locale of the interface
    stemmer: str | None  # Snowball algorithm name, None for no stemming
    stopwords: frozenset[str] = field(default_factory=frozenset)
    compounds: bool = False  # split compounds at index time (German)


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("de", "Deutsch", "de", "german", frozenset(stoplists["de"]), compounds=True),
        Language("en", "English", "en", "english", frozenset(stoplists["en"])),
        Language("fr", "Français", "fr", "french", frozenset(stoplists["fr"]) | _FRENCH_ELISIONS),
    )
}

#: Stopwords of every language with a list, ours included: language detection tells a
#: Spanish "de la" from a French one by the words only Spanish has. Snowball's French
#: list lacks "les" (Spanish has it), the commonest word of French text.
STOPWORDS: dict[str, frozenset[str]] = {
    **{code: frozenset(words) for code, words in stoplists.items()},
    **{code: lang.stopwords for code, lang in LANGUAGES.items()},
    "fr": LANGUAGES["fr"].stopwords | {"les"},
}

#: Code used for documents without usable text: never guessed.
UNDETERMINED = "und"

#: Index-field suffix for text in languages outside LANGUAGES (kept, searchable, unstemmed).
OTHER = "other"

#: Language of the interface (and of ambiguous decisions) when nothing else says.
DEFAULT_LANGUAGE = "de"


def get_language(code: str | None) -> Language | None:
    """The record for `code`, or None for unknown codes (their text uses the neutral analyzer)."""
    return LANGUAGES.get((code or "").lower())


def field_suffix(code: str) -> str:
    """Which per-language index fields hold text in `code`."""
    return code if code in LANGUAGES else OTHER
