"""Language detection per segment, so a bilingual flyer is indexed under both languages.

langdetect is seeded, so the same text always gets the same answer. Segments
too short to judge take their neighbours' language; a document whose text is
too thin to judge at all is `und`, never guessed.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from archive.document import Segment
from archive.languages import LANGUAGES, UNDETERMINED
from indexer.extract import RawSegment

#: Fewer letters than this and a segment is judged by its neighbours.
MIN_LETTERS = 40
#: A language outside de/en/fr must be this certain, on this much text, to be believed.
OTHER_MIN_PROB, OTHER_MIN_LETTERS = 0.90, 200
#: Share of a document's letters that makes a language one of its `languages`.
MIN_SHARE = 0.10
#: langdetect looks at this many characters of a segment; more adds time, not accuracy.
SAMPLE_CHARS = 2000


@lru_cache(maxsize=1)
def _factory():
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = 0
    return factory


def load_profiles() -> None:
    """Load langdetect's language profiles now (before worker processes fork)."""
    _factory()


def letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def detect_one(text: str) -> str | None:
    """Language of one piece of text, or None when it is too short or too unsure to say."""
    n = letters(text)
    if n < MIN_LETTERS:
        return None
    from langdetect.lang_detect_exception import LangDetectException

    detector = _factory().create()
    detector.append(text[:SAMPLE_CHARS])
    try:
        ranked = detector.get_probabilities()
    except LangDetectException:
        return None
    if not ranked:
        return None
    top = ranked[0]
    if top.lang in LANGUAGES and top.prob >= 0.5:
        return top.lang
    if top.lang not in LANGUAGES and top.prob >= OTHER_MIN_PROB and n >= OTHER_MIN_LETTERS:
        return top.lang
    known = [r for r in ranked if r.lang in LANGUAGES and r.prob >= 0.3]
    return known[0].lang if known else None


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
    langs = fill_gaps([detect_one(seg.text) for seg in raw])
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
