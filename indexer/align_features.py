"""What survives translation: the language-independent evidence of one document.

A translator rewrites the words but keeps numbers, dates, URLs, e-mail addresses,
names, acronyms, commands and file names, section numbering, and roughly the length
and the shape of the text. `profile()` turns a text into a bag of such features, each
prefixed by its kind, so that versions of one document share many rare features and
different documents share few.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from archive.languages import LANGUAGES
from indexer.align_dates import find_dates
from indexer.align_glossary import concepts

if TYPE_CHECKING:
    from archive.document import Document

#: Feature kinds (the prefix before ":") as evidence names them.
KINDS = {
    "n": "numbers",
    "d": "dates",
    "u": "URLs",
    "e": "e-mail addresses",
    "c": "code-like tokens",
    "s": "section numbers",
    "w": "names and terms",
    "t": "title words",
    "a": "anchors and images",
    "x": "glossary concepts",
    "y": "title concepts",
    "k": "word stems",
    "b": "paragraph counts",
    "g": "paragraph shapes",
}

_URL = re.compile(r"\b(?:(?:https?|ftp)://|www\.)[^\s<>\"'«»]+")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TOKEN = re.compile(r"[^\W_](?:[^\W_]|[-._/+](?=[^\W_]))*")
_NUMBER = re.compile(r"\d+(?:\.\d+)*")
_SECTION = re.compile(r"\d{1,3}(?:\.\d{1,3})+")
_DIGITS = re.compile(r"\d+")
_HEADING = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,3})*)\.?\s+[^\W\d_]", re.MULTILINE)
_ARTICLE = re.compile(r"\b(?:article|artikel|art\.|§)\s*(\d{1,3})\b")
_TRAILING = ".,;:!?)]}>'\"»"

#: Words shorter than this are mostly grammar, whatever the language.
MIN_WORD = 3
#: Words from this length on also give their consonant skeleton (cognates).
MIN_COGNATE = 5
SKELETON = 4
#: Paragraph lengths are compared on this logarithmic scale (translations vary by ~20%).
SHAPE_BASE = 3.0


@dataclass(frozen=True)
class Profile:
    """One document's features and shape, as the aligner compares them.

    A pure function of the text, title and language (`profile()`), so a caller may keep
    it keyed by the document's fingerprint and PROFILE_VERSION instead of the text.
    """

    bag: dict[str, int]  # feature -> occurrences, e.g. {"n:2024": 3, "c:debian/control": 1}
    numbers: tuple[str, ...]  # every number in reading order (drift)
    dates: frozenset[str]
    articles: frozenset[str]  # article numbers ("Article 5", "Artikel 5", "§ 5")
    headings: tuple[str, ...]  # numbering at the start of lines, in order
    chars: int  # letters and digits: length without layout
    blocks: int  # paragraphs (HTML, text) or pages (PDF)
    lengths: tuple[int, ...] = ()  # letters and digits per paragraph or page, in order
    #: (letters, content features) of at most PIECES runs of consecutive paragraphs:
    #: where in the text the evidence sits (a series' header and footer cover little).
    pieces: tuple[tuple[int, frozenset[str]], ...] = ()


#: Bump when `profile()` changes what it returns: cached profiles are then stale.
PROFILE_VERSION = 3
#: Paragraphs are pooled into at most this many pieces for locating evidence.
PIECES = 60
#: Feature kinds whose place in the text is recorded in `Profile.pieces`.
LOCATED_KINDS = frozenset("ndueckwx")


def fold(text: str) -> str:
    """Lower case without accents: `Sécurité` and `securite` are one token in any language."""
    if text.isascii():
        return text.lower()
    return text.translate(_FOLDED)


class _FoldTable(dict):
    """Character -> folded text, filled on first sight (`str.translate` asks it per character).

    Decomposing, dropping combining marks and case-folding character by character gives
    what the whole string would give, and a book repeats few distinct characters.
    """

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
        self[code] = folded
        return folded


_FOLDED = _FoldTable()


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Grammar words of every known language: `die`, `des` and `in` prove nothing across them."""
    return frozenset(fold(w) for lang in LANGUAGES.values() for w in lang.stopwords)


def profile_key(doc: Document) -> str:
    """What a document's profile depends on: content, sidecar, title, language, version."""
    fp = doc.fingerprint
    content = fp.sha256 or f"{fp.size}:{fp.mtime_ns}"
    return f"{PROFILE_VERSION}|{doc.lang}|{content}|{fp.sidecar}|{doc.title}"


def document_profile(doc: Document) -> Profile:
    """A document's profile (kept under `profile_key(doc)`).

    Also made in the indexing workers, which therefore import only this module of the
    aligner's: the rest needs numpy, whose import cost each worker 0.15 s of a run
    that changed 100 files.
    """
    return profile(doc.text, doc.title, doc.lang, tuple(doc.marks))


def profile(text: str, title: str = "", lang: str = "", marks: Sequence[str] = ()) -> Profile:
    """Features of a text (and its title, and its markup's `marks`) in `lang`; pure.

    The language only adds glossary concepts (`x:`). The text is read piece by piece
    (runs of paragraphs, see PIECES), so each feature's place comes for free. `marks`
    (`Extracted.marks`: anchors, image file names) become `a:` features: a help page
    of two sentences may share no word with its translation, but every paragraph id.
    """
    folded = fold(text)
    blocks = folded.split("\n\n")
    letters = [_letters(block) for block in blocks]
    lengths = [n for n in letters if n]
    bag: dict[str, int] = {}
    numbers: list[str] = []
    dates: set[str] = set()
    articles: set[str] = set()
    pieces = []
    for piece_blocks in _runs(blocks, letters):
        piece = "\n\n".join(piece_blocks)
        found = _piece_features(piece, lang, numbers, dates, articles)
        for feature in found:
            bag[feature] = bag.get(feature, 0) + 1
        located = frozenset(f for f in found if f[0] in LOCATED_KINDS)
        pieces.append((sum(map(_letters, piece_blocks)), located))
    for token in _TOKEN.findall(fold(title)):
        if len(token) >= MIN_WORD and token not in stopwords():
            for feature in ("t:" + token, *("y:" + c for c in concepts(token, lang))):
                bag[feature] = bag.get(feature, 0) + 1
    for mark in marks:
        feature = "a:" + fold(mark)
        bag[feature] = bag.get(feature, 0) + 1
    bag[f"b:{len(lengths)}"] = 1
    shapes = [str(int(math.log(n + 1, SHAPE_BASE))) for n in lengths]
    for x in range(len(shapes) - 2):
        feature = "g:" + ".".join(shapes[x : x + 3])
        bag[feature] = bag.get(feature, 0) + 1
    return Profile(
        bag=bag,
        numbers=tuple(numbers),
        dates=frozenset(dates),
        articles=frozenset(articles),
        headings=tuple(_HEADING.findall(folded)),
        chars=sum(lengths),
        blocks=len(lengths),
        lengths=tuple(lengths),
        pieces=tuple(pieces),
    )


def _runs(blocks: list[str], letters: list[int]) -> list[list[str]]:
    """Consecutive paragraphs pooled into at most PIECES runs of equal paragraph count."""
    count = sum(1 for n in letters if n)
    if not count:
        return []
    size = math.ceil(count / PIECES)
    runs: list[list[str]] = [[]]
    seen = 0
    for block, n in zip(blocks, letters, strict=True):
        if n and seen and seen % size == 0 and runs[-1]:
            runs.append([])
        if n:
            seen += 1
        runs[-1].append(block)
    return runs


def _piece_features(
    piece: str, lang: str, numbers: list[str], dates: set[str], articles: set[str]
) -> list[str]:
    """Every feature occurrence of one folded piece of text (numbers, dates noted on the way)."""
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in _URL.finditer(piece):
        url = normalise_url(match.group())
        if url:
            found.append("u:" + url)
        spans.append(match.span())
    for match in _EMAIL.finditer(piece):
        found.append("e:" + match.group().strip(_TRAILING))
        spans.append(match.span())
    for start, end, iso in find_dates(piece):
        found += ("d:" + iso, "n:" + iso[:4])
        dates.add(iso)
        spans.append((start, end))
    rest = _blank(piece, spans)
    for token in _TOKEN.findall(rest):
        features, runs = _token_features(token, lang)
        if runs:
            numbers.extend(runs)
        found += features
    articles.update(_ARTICLE.findall(rest))
    return found


_NOT_ALNUM = re.compile(r"[\W_]+")
_CODE_MARK = re.compile(r"[\d\-._/+]")


def _letters(block: str) -> int:
    """Letters and digits (what `str.isalnum` counts), without layout and punctuation."""
    return len(_NOT_ALNUM.sub("", block))


@lru_cache(maxsize=500_000)
def _token_features(token: str, lang: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(features, digit runs) of one folded token; tokens repeat, so this is cached."""
    if _NUMBER.fullmatch(token):
        runs = tuple(_DIGITS.findall(token))
        features = ["n:" + run.lstrip("0") if run.strip("0") else "n:0" for run in runs]
        if _SECTION.fullmatch(token):
            features.append("s:" + token)
        return tuple(features), runs
    if _CODE_MARK.search(token):
        return ("c:" + token,), ()
    if len(token) < MIN_WORD or token in stopwords():
        return (), ()
    features = ["w:" + token]
    if len(token) >= MIN_COGNATE:
        features.append("k:" + skeleton(token))
    features.extend("x:" + c for c in concepts(token, lang))
    return tuple(features), ()


_SKELETON_RULES = (
    ("sch", "s"),
    ("ph", "f"),
    ("th", "t"),
    ("ck", "c"),
    ("k", "c"),
    ("q", "c"),
    ("z", "c"),
    ("w", "v"),
)
_VOWELS = re.compile(r"[aeiouy]+")
_DOUBLES = re.compile(r"(.)\1+")


@lru_cache(maxsize=200_000)
def skeleton(word: str) -> str:
    """Consonant skeleton of a word's start: `Funktion`, `function` and `fonction` share `fnct`.

    Cognates are the bulk of a technical vocabulary in German, English and French.
    """
    for old, new in _SKELETON_RULES:
        word = word.replace(old, new)
    return _DOUBLES.sub(r"\1", word[0] + _VOWELS.sub("", word[1:]))[:SKELETON]


def normalise_url(url: str) -> str:
    """`https://www.debian.org/doc/` and `http://debian.org/doc` are one address."""
    url = url.rstrip(_TRAILING)
    url = re.sub(r"^(?:https?|ftp)://", "", url)
    url = re.sub(r"^www\.", "", url)
    return url.rstrip("/")


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with URL, e-mail and date spans blanked, so their parts are not read twice."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


#: Paragraph lengths of a translation stay within this log-ratio of the original's.
SHAPE_TOLERANCE = 0.35
#: Paragraphs further apart than this in the two sequences are never matched (cost bound).
SHAPE_BAND = 12
#: Longer paragraph sequences are pooled into this many pieces (books, long PDFs).
SHAPE_CHUNKS = 120


@dataclass(frozen=True)
class ShapeSequence:
    """Paragraph lengths ready for `shape_similarity`: pooled, with their logarithms."""

    lengths: tuple[int, ...]
    logs: tuple[float, ...]
    total: int

    @classmethod
    def of(cls, lengths: tuple[int, ...]) -> ShapeSequence:
        pooled = [n for n in _pooled(lengths) if n > 0]
        return cls(tuple(pooled), tuple(math.log(n) for n in pooled), sum(pooled))


def shape_similarity(
    a: ShapeSequence | tuple[int, ...], b: ShapeSequence | tuple[int, ...], ratio: float = 1.0
) -> float:
    """How well two paragraph-length sequences align one to one (Gale-Church without words).

    A translation keeps the paragraphs in order and each about as long (times `ratio`,
    the usual length ratio of the two languages); two pages built on one template share
    only the template's short paragraphs. 1.0 when every letter sits in a matched pair.
    Long sequences are pooled into SHAPE_CHUNKS pieces first, so a book costs no more
    than a flyer.
    """
    a = a if isinstance(a, ShapeSequence) else ShapeSequence.of(tuple(a))
    b = b if isinstance(b, ShapeSequence) else ShapeSequence.of(tuple(b))
    if not a.lengths or not b.lengths:
        return 0.0
    n, m = len(a.lengths), len(b.lengths)
    log_ratio = math.log(ratio)
    tolerance = SHAPE_TOLERANCE
    blen, blog = b.lengths, b.logs
    previous = [0.0] * (m + 1)
    for i in range(1, n + 1):
        scaled, log_a = a.lengths[i - 1] / ratio, a.logs[i - 1] - log_ratio
        current = previous[:]
        centre = round(i * m / n)
        low, high = max(1, centre - SHAPE_BAND), min(m, centre + SHAPE_BAND)
        for j in range(low, high + 1):
            best = previous[j]
            if current[j - 1] > best:
                best = current[j - 1]
            deviation = abs(log_a - blog[j - 1])
            if deviation < tolerance:
                matched = previous[j - 1] + (scaled + blen[j - 1]) * (1 - deviation / tolerance)
                if matched > best:
                    best = matched
            current[j] = best
        best = current[high]
        for j in range(high + 1, m + 1):
            if current[j] >= best:
                break
            current[j] = best
        previous = current
    return previous[m] / (a.total / ratio + b.total)


def _pooled(lengths: tuple[int, ...]) -> list[int]:
    if len(lengths) <= SHAPE_CHUNKS:
        return list(lengths)
    pooled = [0] * SHAPE_CHUNKS
    for k, n in enumerate(lengths):
        pooled[k * SHAPE_CHUNKS // len(lengths)] += n
    return pooled
