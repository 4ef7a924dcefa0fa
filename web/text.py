"""Extracted text laid out for reading: paragraphs, and screens of a readable length.

Text from a PDF arrives with a line break at the end of every printed line.
Kept as it is, a phone would wrap each of those lines again and the text would
look torn; so lines are joined into paragraphs, and a break is kept only where
the layout clearly had one (a blank line, a short line, a list item).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise, zip_longest

from archive.document import Segment

#: About one printed page: long texts are shown in screens of this many characters.
SCREEN_CHARS = 5000

_LIST_ITEM = re.compile(r"^\s*(?:[•▪◦·*–—-]\s|\d{1,3}[.)]\s|[a-z][.)]\s)")


@dataclass(frozen=True)
class Passage:
    """A run of text in one language, usually one PDF page, as paragraphs."""

    lang: str
    page: int | None
    paragraphs: tuple[str, ...]

    @property
    def chars(self) -> int:
        return sum(len(p) for p in self.paragraphs)


def paragraphs(text: str) -> list[str]:
    """Reflow hard-wrapped lines into paragraphs."""
    result: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        longest = max(len(line) for line in lines)
        current = lines[0]
        for previous, line in pairwise(lines):
            short = len(line) < 0.7 * longest  # a heading, or the last line of a paragraph
            if (
                len(previous) < 0.7 * longest
                or _LIST_ITEM.match(line)
                or (short and previous.endswith((".", ":", "!", "?")))
            ):
                result.append(current)
                current = line
            else:
                current = f"{current} {line}"
        result.append(current)
    return result


def _split(paragraph_list: list[str], limit: int) -> list[list[str]]:
    """Group paragraphs into chunks of at most about `limit` characters."""
    chunks: list[list[str]] = [[]]
    size = 0
    for paragraph in paragraph_list:
        if chunks[-1] and size + len(paragraph) > limit:
            chunks.append([])
            size = 0
        chunks[-1].append(paragraph)
        size += len(paragraph)
    return [chunk for chunk in chunks if chunk]


def passages(segments: Iterable[Segment], limit: int = SCREEN_CHARS) -> list[Passage]:
    """One passage per segment; a segment longer than a screen is cut between paragraphs."""
    found = []
    for segment in segments:
        for chunk in _split(paragraphs(segment.text), limit):
            found.append(Passage(segment.lang, segment.page, tuple(chunk)))
    return found


def screens(segments: Sequence[Segment], limit: int = SCREEN_CHARS) -> list[list[Passage]]:
    """Whole passages (pages) packed into screens of about `limit` characters."""
    packed: list[list[Passage]] = []
    size = 0
    for passage in passages(segments, limit):
        if packed and size + passage.chars <= limit:
            packed[-1].append(passage)
            size += passage.chars
        else:
            packed.append([passage])
            size = passage.chars
    return packed


Row = tuple[Passage | None, Passage | None]


def side_by_side(
    left: Sequence[Segment], right: Sequence[Segment], limit: int = SCREEN_CHARS
) -> list[list[Row]]:
    """Two versions' passages in rows (page beside page), packed into screens."""
    rows = list(zip_longest(passages(left, limit), passages(right, limit)))
    packed: list[list[Row]] = []
    size = 0
    for row in rows:
        chars = max(p.chars for p in row if p is not None)
        if packed and size + chars <= limit:
            packed[-1].append(row)
            size += chars
        else:
            packed.append([row])
            size = chars
    return packed
