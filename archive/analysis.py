"""Text analyzers: the same pipeline turns documents and queries into terms.

Accent folding runs *before* stemming, so that `securite` and `sécurité`
reach the same stem; after stemming they would not.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import Stemmer
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StopFilter

from archive.languages import Language

#: Words are runs of letters and digits; hyphens, slashes and apostrophes split them,
#: so `A-1312/B` is the phrase `a 1312 b` and `l'Europe` is `l europe`.
WORD_PATTERN = r"\w+"

_SPECIAL_FOLDS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l"})


@lru_cache(maxsize=200_000)
def fold(word: str) -> str:
    """Lower-case `word` without diacritics: `Straße` -> `strasse`, `Bürger` -> `burger`."""
    if word.isascii():
        return word.lower()  # nothing to decompose: the same result, a tenth of the time
    decomposed = unicodedata.normalize("NFKD", word.lower().translate(_SPECIAL_FOLDS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class FoldFilter(Filter):
    """Strips diacritics so visitors typing without accents still match."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold(t.text)
            yield t


class SnowballFilter(Filter):
    """Snowball stemming through PyStemmer (the current algorithms, e.g. German `ue` -> `ü`).

    Tokens with digits are left alone: `1312` or `2024` are not words to stem.
    The stemmer object is rebuilt after unpickling because Whoosh stores the
    schema, analyzers included, inside the index.
    """

    def __init__(self, algorithm: str):
        self.algorithm = algorithm
        self._stem = None

    def __getstate__(self):
        return {"algorithm": self.algorithm}

    def __setstate__(self, state):
        self.algorithm = state["algorithm"]
        self._stem = None

    def __eq__(self, other):
        return type(other) is type(self) and other.algorithm == self.algorithm

    def __call__(self, tokens):
        if self._stem is None:
            stemmer = Stemmer.Stemmer(self.algorithm)
            stemmer.maxCacheSize = 50_000
            self._stem = stemmer.stemWord
        stem = self._stem
        for t in tokens:
            text = t.text
            if t.stopped:
                # Only highlighting keeps stopwords (removestops=False); blank them so the
                # stopword `sich` is not marked for the query `Sicherheit` (stem `sich`).
                t.text = ""
            elif not any(ch.isdigit() for ch in text):
                t.text = stem(text)
            yield t


class DecompoundFilter(Filter):
    """At index time, a compound is followed by its parts at the same position.

    Parts share the compound's position and characters, so phrases still match
    and highlighting marks the whole word. Queries are not split (see compounds.py).
    """

    def __call__(self, tokens):
        from archive.compounds import split_compound

        for t in tokens:
            word = t.text  # later filters change t.text in place once it is yielded
            yield t
            if t.mode == "index" and not t.stopped:
                for part in split_compound(word):
                    t.text = part
                    yield t


def language_analyzer(language: Language):
    """Tokenize -> lower-case -> fold accents -> drop stopwords -> (split compounds) -> stem."""
    stops = frozenset(fold(w) for w in language.stopwords)
    chain = RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | FoldFilter()
    chain = chain | StopFilter(stoplist=stops, minsize=1)
    if language.compounds:
        chain = chain | DecompoundFilter()
    if language.stemmer:
        chain = chain | SnowballFilter(language.stemmer)
    return chain


def neutral_analyzer():
    """Tokenize -> lower-case -> fold accents: for text in languages we do not stem."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | FoldFilter()


def vocabulary_analyzer():
    """Tokenize -> lower-case, accents kept: the words offered as did-you-mean suggestions."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter()


def terms(analyzer, text: str) -> list[str]:
    """The terms `analyzer` makes of `text`, in order (for tests and query inspection)."""
    return [t.text for t in analyzer(text, mode="query")]
