"""German decompounding: `Kriminalprävention` is also indexed as `kriminal` + `prävention`.

Done at index time only. Queries are never split, so an English `potato` run through
the German analyzer cannot turn into `po` + `tat` and match German `Tat`.
The vocabulary is wordfreq's German word list (frequent words of at least four letters);
a split must consist of such words, optionally joined by a linking element (Fugen-s...).
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from functools import lru_cache
from pathlib import Path

from archive import cachefiles

#: Shorter parts are too ambiguous (`tat`, `ort`, `gen`) to be worth a split.
MIN_PART = 4
#: Words this short are rarely compounds; splitting them mostly finds accidents.
MIN_COMPOUND = 8
MAX_PARTS = 4
#: Words at least this frequent (wordfreq's Zipf scale) can be parts.
MIN_ZIPF = 2.5
#: Linking elements between parts (Sicherheit-s-gefühl, Straße-n-bahn).
LINKS = ("", "s", "es", "n", "en", "e", "er", "ens")
#: Suffixes that are frequent "words" in web text but never heads of a compound.
NOT_PARTS = frozenset(
    "heit keit ung ungen lich isch chen lein tion tionen ment ling nis schaft schaften "
    "haft tum ismus ist isten ieren bar sam los innen rinnen".split()
)


#: Where the vocabulary is kept between runs (the indexer sets its text-cache folder);
#: the user's cache folder is tried after it (see `_kept_paths`).
_kept_in: Path | None = None


def keep_vocabulary_in(folder: Path | None) -> None:
    """Keep the built vocabulary in `folder` (about 1 MB; rebuilt when its inputs change).

    Set before the indexer's workers are forked, so they read it from there too.
    """
    global _kept_in
    _kept_in = Path(folder) if folder else None


@lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    """Folded German words that may be parts of a compound (loaded once, on first use).

    From a kept copy when there is one (see `_kept_paths`): loading it takes 20 ms,
    building it 0.35 s.
    """
    places = _kept_paths()
    for kept in places:
        with contextlib.suppress(Exception):  # missing or damaged: try the next, or build
            words = pickle.loads(kept.read_bytes())
            if isinstance(words, frozenset):
                return words
    words = _build_vocabulary()
    data = pickle.dumps(words, protocol=pickle.HIGHEST_PROTOCOL)
    for kept in places:
        cachefiles.keep(kept, data)
    return words


def _kept_paths() -> list[Path]:
    """Where kept copies are: the index folder's (see `keep_vocabulary_in`), then the user's
    cache folder, which a new index folder reuses (a --full rebuild into an empty folder
    otherwise built it first, serially, before the workers start).

    The file is named by what the vocabulary is made of (wordfreq's version and our
    code), so a new word list, a new setting or new folding code never reads an old one.
    """
    from importlib.metadata import version

    digest = hashlib.sha256(version("wordfreq").encode())
    for module in ("compounds.py", "analysis.py"):
        digest.update(Path(__file__).with_name(module).read_bytes())
    name = f"compounds-{digest.hexdigest()[:12]}.pickle"
    return [folder / name for folder in (_kept_in, cachefiles.user_folder()) if folder]


def _build_vocabulary() -> frozenset[str]:
    """Read from wordfreq's list of frequency buckets, most frequent first, up to the last
    bucket at MIN_ZIPF: its dictionary of all 630,000 words cost a quarter second more."""
    import wordfreq

    from archive.analysis import fold

    least = 10 ** (MIN_ZIPF - 9)  # Zipf = log10(frequency per billion words)
    words = []
    for index, bucket in enumerate(wordfreq.get_frequency_list("de", wordlist="large")):
        if 10 ** (-index / 100) < least:  # wordfreq's bucket frequency, in centibels
            break
        words.extend(bucket)
    return frozenset(fold(w) for w in words if len(w) >= MIN_PART and w.isalpha()) - NOT_PARTS


@lru_cache(maxsize=200_000)
def split_compound(word: str) -> tuple[str, ...]:
    """Parts of a folded lower-case German compound, or () when it is not one."""
    if len(word) < MIN_COMPOUND or not word.isalpha():
        return ()
    parts = _split(word, vocabulary(), MAX_PARTS)
    return parts if parts and len(parts) >= 2 else ()


def _split(word: str, vocab: frozenset[str], budget: int) -> tuple[str, ...] | None:
    """Fewest parts covering `word`; ties go to the longest head (the last part)."""
    best: tuple[str, ...] | None = None
    for cut in range(MIN_PART, len(word) - MIN_PART + 1):
        head = word[cut:]
        if head not in vocab:
            continue
        left = word[:cut]
        for link in LINKS:
            if link and not left.endswith(link):
                continue
            modifier = left[: len(left) - len(link)]
            if len(modifier) < MIN_PART:
                continue
            if modifier in vocab:
                found: tuple[str, ...] | None = (modifier, head)
            elif budget > 2:
                rest = _split(modifier, vocab, budget - 1)
                found = (*rest, head) if rest else None
            else:
                found = None
            if found and (best is None or len(found) < len(best)):
                best = found
        if best is not None and len(best) == 2:
            return best  # the longest head with two parts: good enough
    return best
