"""Language detection per segment, so a bilingual flyer is indexed under both languages.

langdetect is seeded, so the same text always gets the same answer. Segments
too short to judge take their neighbours' language; a document whose text is
too thin to judge at all is `und`, never guessed.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from archive.document import Segment
from archive.languages import LANGUAGES, STOPWORDS, UNDETERMINED
from indexer import langprofiles
from indexer.extract import RawSegment

#: Fewer letters than this and a segment is judged by its neighbours.
MIN_LETTERS = 40
#: A language outside de/en/fr must be this certain, on this much text, to be believed.
OTHER_MIN_PROB, OTHER_MIN_LETTERS = 0.90, 200
#: Share of a document's letters that makes a language one of its `languages`.
MIN_SHARE = 0.10
#: langdetect looks at this many characters of a segment; more adds time, not accuracy.
SAMPLE_CHARS = 2000
#: Consecutive segments are judged together up to this many letters (one langdetect call
#: instead of one per paragraph: detection was half the indexing time) ...
WINDOW_LETTERS = 1500
#: ... and the window's answer is taken for all of them only when langdetect is this sure
#: and no segment's own stopwords point to another language; otherwise each is judged alone.
WINDOW_SURE = 0.99
#: A segment's stopwords name its language (or confirm its window's) when at least this
#: many are of that language and at least twice as many as of any other.
CUE_MIN_WORDS = 3
#: A window is taken to be in a language without asking langdetect when at least
#: CUE_SURE_WORDS of its words are stopwords of that language and of no other of the 14
#: languages with a list (`STOPWORDS`), they are at least CUE_SURE_DENSITY of all its
#: words and CUE_SURE_SHARE of such stopwords. Running de/en/fr text has 28/27/14 % such
#: words (wordfreq's frequencies); no other language of wordfreq's lends one of ours more
#: than 2.4 % (Polish "to" is English). Code, lists and names have few and still go to
#: langdetect, which was a third of a full index.
CUE_SURE_WORDS, CUE_SURE_DENSITY, CUE_SURE_SHARE = 12, 0.07, 0.9


@lru_cache(maxsize=1)
def _factory():
    return langprofiles.factory()


def load_profiles() -> None:
    """Load langdetect's language profiles now (before worker processes fork)."""
    _factory()


def letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def _ranked(text: str) -> list:
    """langdetect's (language, probability) list for `text`, best first; [] when it cannot say."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _factory().create()
    detector.append(text[:SAMPLE_CHARS])
    try:
        return detector.get_probabilities()
    except LangDetectException:
        return []


def detect_one(text: str) -> str | None:
    """Language of one piece of text, or None when it is too short or too unsure to say."""
    n = letters(text)
    if n < MIN_LETTERS:
        return None
    ranked = _ranked(text)
    if not ranked:
        return None
    top = ranked[0]
    if top.lang in LANGUAGES and top.prob >= 0.5:
        return top.lang
    if top.lang not in LANGUAGES and top.prob >= OTHER_MIN_PROB and n >= OTHER_MIN_LETTERS:
        return top.lang
    known = [r for r in ranked if r.lang in LANGUAGES and r.prob >= 0.3]
    return known[0].lang if known else None


def _owned(lists: dict[str, frozenset[str]]) -> dict[str, str]:
    """The words of exactly one of the lists (two letters or more): word -> its language."""
    owners: dict[str, set[str]] = {}
    for code, words in lists.items():
        for word in words:
            owners.setdefault(word, set()).add(code)
    return {w: next(iter(c)) for w, c in owners.items() if len(c) == 1 and len(w) > 1}


@lru_cache(maxsize=1)
def _cue_words() -> dict[str, str]:
    """Stopwords of exactly one of de/en/fr: a segment's hint at its own language."""
    return _owned({code: language.stopwords for code, language in LANGUAGES.items()})


_WORD = re.compile(r"[^\W\d_]{2,}")


def _cue_counts(text: str) -> Counter:
    cues = _cue_words()
    return Counter(cues[w] for w in _WORD.findall(text.lower()) if w in cues)


def cued(texts: list[str]) -> str | None:
    """The language the stopwords of consecutive segments leave no doubt about, or None.

    See CUE_SURE_WORDS; when in doubt langdetect decides.
    """
    words = _WORD.findall("\n".join(texts).lower())
    cues = _sure_cues()
    counts = Counter(cues[w] for w in words if w in cues)
    if not counts:
        return None
    lang, top = counts.most_common(1)[0]
    sure = (
        lang in LANGUAGES
        and top >= CUE_SURE_WORDS
        and top >= CUE_SURE_DENSITY * len(words)
        and top >= CUE_SURE_SHARE * sum(counts.values())
    )
    return lang if sure else None


@lru_cache(maxsize=1)
def _sure_cues() -> dict[str, str]:
    """Stopwords of exactly one language among all 14 lists (Spanish "de la" is no cue)."""
    return _owned(STOPWORDS)


def agrees(text: str, lang: str) -> bool:
    """Whether a segment's own stopwords fit the language of the window around it.

    Cheap (no langdetect call): it only has to notice a paragraph that may be in
    another language, such as the German half of a bilingual flyer or an English
    quotation in a German report; those are then judged alone. Stopwords of another
    language must be clearly outnumbered by the window language's own.
    """
    counts = _cue_counts(text)
    own = counts.pop(lang, 0)
    other = max(counts.values(), default=0)
    return other == 0 or (own >= CUE_MIN_WORDS and own >= 2 * other)


def _windows(raw) -> list[list[int]]:
    """Runs of consecutive segments with about WINDOW_LETTERS letters each."""
    windows: list[list[int]] = []
    size = WINDOW_LETTERS
    for i, seg in enumerate(raw):
        if size >= WINDOW_LETTERS:
            windows.append([])
            size = 0
        windows[-1].append(i)
        size += letters(seg.text)
    return windows


def _window_langs(raw) -> list[str | None]:
    """Each segment's language: one answer per window when the window is clearly one language.

    The window's language comes from its stopwords when they leave no doubt (`cued`),
    else from langdetect when it is sure; a segment whose own stopwords point elsewhere
    (an English line in a German page, the other half of a bilingual flyer) is judged
    alone, and so is every segment of a window that is neither.
    """
    langs: list[str | None] = [None] * len(raw)
    for window in _windows(raw):
        texts = [raw[i].text for i in window]
        lang = cued(texts)
        if lang is None and len(window) > 1:
            ranked = _ranked("\n".join(texts))
            top = ranked[0] if ranked else None
            if top is not None and top.lang in LANGUAGES and top.prob >= WINDOW_SURE:
                lang = top.lang
        for i, text in zip(window, texts, strict=True):
            if lang is not None and agrees(text, lang):
                langs[i] = lang if letters(text) >= MIN_LETTERS else None
            else:
                langs[i] = detect_one(text)
    return langs


def fill_gaps(langs: list[str | None]) -> list[str | None]:
    """Undecided segments take the language of the previous decided one (else the next)."""
    filled = list(langs)
    last = None
    for i, lang in enumerate(filled):
        if lang is None:
            filled[i] = last
        else:
            last = lang
    nxt = None
    for i in range(len(filled) - 1, -1, -1):
        if langs[i] is not None:
            nxt = langs[i]
        if filled[i] is None:
            filled[i] = nxt
    return filled


def detect_segments(raw: tuple[RawSegment, ...] | list[RawSegment]) -> list[Segment]:
    """Label every segment with a language; adjacent blocks of one language are merged."""
    langs = fill_gaps(_window_langs(raw))
    if raw and all(lang is None for lang in langs):
        whole = detect_one("\n".join(seg.text for seg in raw))
        langs = [whole] * len(raw)
    merged: list[Segment] = []
    for seg, lang in zip(raw, langs, strict=True):
        lang = lang or UNDETERMINED
        prev = merged[-1] if merged else None
        if prev and prev.lang == lang and prev.page == seg.page:
            merged[-1] = Segment(prev.text + "\n\n" + seg.text, lang, seg.page)
        else:
            merged.append(Segment(seg.text, lang, seg.page))
    return merged


def document_languages(segments: list[Segment]) -> tuple[str, list[str]]:
    """Primary language and every language with a real share, biggest first."""
    shares = Counter()
    for seg in segments:
        if seg.lang != UNDETERMINED:
            shares[seg.lang] += letters(seg.text)
    total = sum(shares.values())
    if not total:
        return UNDETERMINED, []
    ranked = [lang for lang, n in shares.most_common() if n / total >= MIN_SHARE]
    return ranked[0], ranked


def override(segments: list[Segment], lang: str) -> tuple[list[Segment], str, list[str]]:
    """Apply a sidecar's `lang`: it names the primary language; a one-language text follows it."""
    _primary, languages = document_languages(segments)
    if len(languages) <= 1:
        segments = [Segment(s.text, lang, s.page) for s in segments]
        return segments, lang, [lang]
    return segments, lang, [lang, *[x for x in languages if x != lang]]
