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
from dataclasses import dataclass
from functools import lru_cache

from archive.languages import LANGUAGES
from indexer.align_dates import find_dates

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
    """One document's features and shape, as the aligner compares them."""

    bag: dict[str, int]  # feature -> occurrences, e.g. {"n:2024": 3, "c:debian/control": 1}
    numbers: tuple[str, ...]  # every number in reading order (drift)
    dates: frozenset[str]
    articles: frozenset[str]  # article numbers ("Article 5", "Artikel 5", "§ 5")
    headings: tuple[str, ...]  # numbering at the start of lines, in order
    chars: int  # letters and digits: length without layout
    blocks: int  # paragraphs (HTML, text) or pages (PDF)
    lengths: tuple[int, ...] = ()  # letters and digits per paragraph or page, in order


def fold(text: str) -> str:
    """Lower case without accents: `Sécurité` and `securite` are one token in any language."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Grammar words of every known language: `die`, `des` and `in` prove nothing across them."""
    return frozenset(fold(w) for lang in LANGUAGES.values() for w in lang.stopwords)


def profile(text: str, title: str = "") -> Profile:
    """Features of a text (and its title); pure and deterministic."""
    folded = fold(text)
    bag: dict[str, int] = {}

    def add(feature: str) -> None:
        bag[feature] = bag.get(feature, 0) + 1

    spans: list[tuple[int, int]] = []
    for match in _URL.finditer(folded):
        url = normalise_url(match.group())
        if url:
            add("u:" + url)
        spans.append(match.span())
    for match in _EMAIL.finditer(folded):
        add("e:" + match.group().strip(_TRAILING))
        spans.append(match.span())
    dates = set()
    for start, end, iso in find_dates(folded):
        add("d:" + iso)
        add("n:" + iso[:4])
        dates.add(iso)
        spans.append((start, end))
    rest = _blank(folded, spans)
    numbers: list[str] = []
    words = stopwords()
    for match in _TOKEN.finditer(rest):
        token = match.group()
        if _NUMBER.fullmatch(token):
            runs = _DIGITS.findall(token)
            numbers.extend(runs)
            for run in runs:
                add("n:" + run.lstrip("0") if run.strip("0") else "n:0")
            if _SECTION.fullmatch(token):
                add("s:" + token)
        elif any(ch.isdigit() for ch in token) or any(ch in "-._/+" for ch in token):
            add("c:" + token)
        elif len(token) >= MIN_WORD and token not in words:
            add("w:" + token)
            if len(token) >= MIN_COGNATE:
                add("k:" + skeleton(token))
    for token in _TOKEN.findall(fold(title)):
        if len(token) >= MIN_WORD and token not in words:
            add("t:" + token)
    lengths = [sum(ch.isalnum() for ch in block) for block in text.split("\n\n")]
    lengths = [n for n in lengths if n]
    add(f"b:{len(lengths)}")
    shapes = [str(int(math.log(n + 1, SHAPE_BASE))) for n in lengths]
    for x in range(len(shapes) - 2):
        add("g:" + ".".join(shapes[x : x + 3]))
    return Profile(
        bag=bag,
        numbers=tuple(numbers),
        dates=frozenset(dates),
        articles=frozenset(_ARTICLE.findall(rest)),
        headings=tuple(_HEADING.findall(folded)),
        chars=sum(ch.isalnum() for ch in text),
        blocks=len(lengths),
        lengths=tuple(lengths),
    )


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


def shape_similarity(a: tuple[int, ...], b: tuple[int, ...], ratio: float = 1.0) -> float:
    """How well two paragraph-length sequences align one to one (Gale-Church without words).

    A translation keeps the paragraphs in order and each about as long (times `ratio`,
    the usual length ratio of the two languages); two pages built on one template share
    only the template's short paragraphs. 1.0 when every letter sits in a matched pair.
    Long sequences are pooled into SHAPE_CHUNKS pieces first, so a book costs no more
    than a flyer.
    """
    a, b = _pooled(a), _pooled(b)
    if not a or not b:
        return 0.0
    n, m = len(a), len(b)
    log_ratio = math.log(ratio)
    previous = [0.0] * (m + 1)
    for i in range(1, n + 1):
        current = previous[:]
        centre = round(i * m / n)
        low, high = max(1, centre - SHAPE_BAND), min(m, centre + SHAPE_BAND)
        for j in range(low, high + 1):
            deviation = abs(math.log(a[i - 1] / b[j - 1]) - log_ratio)
            gain = (a[i - 1] / ratio + b[j - 1]) * max(0.0, 1 - deviation / SHAPE_TOLERANCE)
            current[j] = max(previous[j - 1] + gain, previous[j], current[j - 1])
        best = current[high]
        for j in range(high + 1, m + 1):
            if current[j] >= best:
                break
            current[j] = best
        previous = current
    return previous[m] / (sum(a) / ratio + sum(b))


def _pooled(lengths: tuple[int, ...]) -> list[int]:
    if len(lengths) <= SHAPE_CHUNKS:
        return list(lengths)
    pooled = [0] * SHAPE_CHUNKS
    for k, n in enumerate(lengths):
        pooled[k * SHAPE_CHUNKS // len(lengths)] += n
    return pooled
