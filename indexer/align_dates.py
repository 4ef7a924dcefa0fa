"""Dates written in German, English or French, normalised so that versions can be compared.

`18.03.2024`, `18. März 2024`, `18 March 2024`, `March 18, 2024`, `18 mars 2024` and
`2024-03-18` are one date in three languages; a translation keeps the date and changes
its spelling. The month names are the only words of the aligner's glossary.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

#: Month names and abbreviations, accent-folded and lower-case (see `fold` in align_features).
MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            "january januar janvier jan janv janner",
            "february februar fevrier feb fevr fev",
            "march marz mars mar mrz",
            "april avril apr avr",
            "may mai",
            "june juni juin jun",
            "july juli juillet jul juil",
            "august aout aug",
            "september septembre sep sept",
            "october oktober octobre oct okt",
            "november novembre nov",
            "december dezember decembre dec dez",
        ),
        start=1,
    )
    for name in names.split()
}

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = r"(?P<d>[0-3]?\d)"
_YEAR = r"(?P<y>(?:1[89]|2[01])\d\d)"

_ANY_YEAR = re.compile(r"(?:1[89]|2[01])\d\d")

#: Most specific first: a span taken by one pattern is not read again by the next.
_PATTERNS = (
    re.compile(rf"\b{_YEAR}-(?P<m>[01]?\d)-{_DAY}\b"),
    re.compile(rf"\b{_DAY}\s?[./]\s?(?P<m>[01]?\d)\s?[./]\s?{_YEAR}\b"),
    re.compile(rf"\b{_DAY}(?:er|st|nd|rd|th)?\.?\s+(?:of\s+)?(?P<mn>{_MONTH})\.?,?\s+{_YEAR}\b"),
    re.compile(rf"\b(?P<mn>{_MONTH})\.?\s+{_DAY}(?:st|nd|rd|th)?,?\s+{_YEAR}\b"),
    re.compile(rf"\b(?P<mn>{_MONTH})\.?\s+{_YEAR}\b"),
)


def find_dates(folded: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, ISO date) for every date in accent-folded lower-case text.

    A date without a day (`März 2024`) gives `2024-03`; impossible dates are skipped.
    """
    if not _ANY_YEAR.search(folded):  # every pattern needs a year: most paragraphs have none
        return
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(folded):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            iso = _iso(match.groupdict())
            if iso:
                taken.append((start, end))
                yield start, end, iso


def _iso(parts: dict[str, str | None]) -> str | None:
    year = int(parts["y"] or 0)
    month = int(parts["m"]) if parts.get("m") else MONTHS.get(parts.get("mn") or "", 0)
    if not 1 <= month <= 12:
        return None
    day = parts.get("d")
    if day is None:
        return f"{year:04d}-{month:02d}"
    if not 1 <= int(day) <= 31:
        return None
    return f"{year:04d}-{month:02d}-{int(day):02d}"
