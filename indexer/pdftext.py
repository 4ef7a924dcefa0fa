"""Text of PDF pages with the word boundaries that pypdf loses on TeX output.

Why: XeLaTeX/xdvipdfmx (and other TeX drivers) set text in composite
(Type0/Identity-H) fonts that have no space glyph.  A word gap is only a move
of the pen, usually a number in a ``TJ`` array (``[(Das) -293 (offizielle)]``).
pypdf guesses the width of a space from whatever glyph has code 32, which in
such fonts is an arbitrary, often 1000-unit wide glyph, so it reads the gaps as
kerning and glues the words together (py-pdf/pypdf#3978).  The text is then
unsearchable.

How: for pages whose fonts cannot spell a space, we walk the content stream
ourselves (read by `indexer.pdfcontent`, pypdf's reader where that gives up),
decode the strings with pypdf's own font tables, and decide
separators from geometry measured in em of the current font: a pen move along
the line of at least ``GAP_EM`` is a word gap, a move across the line starts a
new line, a larger one a new paragraph.  Every other page, and any page we
cannot walk, goes to plain ``page.extract_text()``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

from pypdf import PageObject
from pypdf.generic import ArrayObject, ContentStream, DictionaryObject

from indexer.pdfcontent import Unreadable, operations

# Private module, but it is exactly what pypdf's own extract_text decodes with;
# if it moves, page_text() degrades to plain extract_text() instead of failing.
try:
    from pypdf.generic._font import Font
except ImportError:  # pragma: no cover
    Font = None  # type: ignore[assignment,misc]

# TeX shrinks a word space to ~0.17 em at most; kerning stays within ~0.1 em.
GAP_EM = 0.15
# A baseline shift beyond half an em is a new line, beyond 1.6 em (normal leading
# is ~1.2 em) a new paragraph; a smaller one (a superscript like a footnote mark)
# separates words, as a gap does.
LINE_EM = 0.5
PARAGRAPH_EM = 1.6
# Rank of the separators, so that the strongest pending one wins.
_SEPARATORS = ("", " ", "\n", "\n\n")
_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)
# "Doku-\nment, und" -> "Dokument,\nund": a hyphen at a line end before a lower-case letter.
_HYPHENATED = re.compile(r"(\w)-\n(\S+)[ \t]*")

# Operators that just set one number of the text state.
_TEXT_STATE = {b"Tc": "char_spacing", b"Tw": "word_spacing", b"Tz": "scale", b"TL": "leading"}
Matrix = list[float]
IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]


class _Unsupported(Exception):
    """The page uses something the walker does not follow (e.g. form XObjects)."""


def page_text(page: PageObject) -> str:
    """Text of one PDF page with word boundaries recovered (why: see the module docstring).

    Lines are separated by newlines, paragraphs by blank lines.  Pages whose fonts
    have a real space glyph are already spaced by their producer and are returned
    by ``page.extract_text()`` unchanged.
    """
    text = None
    try:
        fonts = {name: Font.from_font_resource(f) for name, f in _resources(page, "/Font").items()}
        if not all(_has_space_glyph(font) for font in fonts.values()):
            text = _Walker(fonts).text(page)
    except Exception:  # any surprise (Font is None included): plain pypdf is the safe answer
        text = None
    return page.extract_text() if text is None else text


def _resources(page: PageObject, kind: str) -> dict[str, DictionaryObject]:
    """The page's resources of one kind ("/Font", "/XObject") by name, resolved."""
    resources = page.get("/Resources")
    named = resources.get_object().get(kind) if resources is not None else None
    return {} if named is None else {k: v.get_object() for k, v in named.get_object().items()}


def _has_space_glyph(font: Font) -> bool:
    """Whether some code of the font decodes to a space, so its producer can type spaces."""
    char = font.encoding.get(32, "") if isinstance(font.encoding, dict) else ""
    return " " in font.character_map.values() or font.character_map.get(char, char) == " "


def _mul(m: Matrix, n: Matrix) -> Matrix:
    """Matrix product m x n in PDF's row-vector convention."""
    a, b, c, d, e, f = m
    return [
        a * n[0] + b * n[2],
        a * n[1] + b * n[3],
        c * n[0] + d * n[2],
        c * n[1] + d * n[3],
        e * n[0] + f * n[2] + n[4],
        e * n[1] + f * n[3] + n[5],
    ]


@dataclass
class _State:
    """The part of the graphics state that q/Q save and text decoding needs."""

    ctm: Matrix = field(default_factory=lambda: IDENTITY.copy())
    font: Font | None = None
    size: float = 0.0
    char_spacing: float = 0.0
    word_spacing: float = 0.0
    scale: float = 100.0  # percent
    leading: float = 0.0


class _Walker:
    """Follows one content stream and collects text runs with their separators."""

    def __init__(self, fonts: dict[str, Font]) -> None:
        self.fonts = fonts
        self.parts: list[str] = []
        self.pending = 0  # index into _SEPARATORS
        self.last: tuple[float, float, float, float, float] | None = None  # x, y, ux, uy, em

    def text(self, page: PageObject) -> str:
        """The page's text; raises _Unsupported where pypdf should do it instead."""
        contents = page.get("/Contents")
        if contents is None:
            return ""
        forms = {n for n, x in _resources(page, "/XObject").items() if x.get("/Subtype") == "/Form"}
        gs, stack, tm, tlm = _State(), [], IDENTITY, IDENTITY
        for operands, op in _operations(contents.get_object(), page):
            if op == b"q":
                stack.append(replace(gs))
            elif op == b"Q" and stack:
                gs = stack.pop()
            elif op == b"cm":
                gs.ctm = _mul([float(x) for x in operands[:6]], gs.ctm)
            elif op == b"BT":
                tm = tlm = IDENTITY
            elif op == b"Tf":
                gs.font, gs.size = self.fonts.get(operands[0]), float(operands[1])
            elif op in _TEXT_STATE:
                setattr(gs, _TEXT_STATE[op], float(operands[0]))
            elif op in (b"Td", b"TD", b"T*", b"'", b'"'):
                tx, ty = (0.0, -gs.leading) if len(operands) != 2 else map(float, operands)
                if op == b"TD":
                    gs.leading = -ty
                if op == b'"':
                    gs.word_spacing, gs.char_spacing = float(operands[0]), float(operands[1])
                tm = tlm = _mul([1.0, 0.0, 0.0, 1.0, tx, ty], tlm)
                if op in (b"'", b'"'):
                    tm = self._show([operands[-1]], tm, gs)
            elif op == b"Tm":
                tm = tlm = [float(x) for x in operands[:6]]
            elif op == b"Tj":
                tm = self._show(operands[:1], tm, gs)
            elif op == b"TJ":
                tm = self._show(list(operands[0]), tm, gs)
            elif op == b"Do" and operands[0] in forms:
                raise _Unsupported("text in form XObjects is left to pypdf")
        return _tidy("".join(self.parts))

    def _show(self, items: list, tm: Matrix, gs: _State) -> Matrix:
        """Show the strings of a Tj/TJ; numbers in between are pen moves in 1/1000 em."""
        first = True
        for item in items:
            if isinstance(item, bytes):
                tm, first = self._run(item, tm, gs, measure_gap=first), False
            elif isinstance(item, (int, float)):
                tm = _advance(tm, -float(item) / 1000 * gs.size * gs.scale / 100)
                if -item / 1000 >= GAP_EM:
                    self.pending = max(self.pending, 1)
        return tm

    def _run(self, data: bytes, tm: Matrix, gs: _State, measure_gap: bool) -> Matrix:
        """Emit one string; measure the gap to the previous one unless a TJ number already did."""
        if (font := gs.font) is None:
            return tm
        trm = _mul(tm, gs.ctm)
        em = gs.size * math.hypot(trm[2], trm[3])
        if measure_gap and self.last is not None and em > 0:
            self.pending = max(self.pending, self._separator(trm[4], trm[5], em))
        raw, text = _decode(font, data)
        if text:
            separator = _SEPARATORS[self.pending] if self.parts else ""
            if separator.startswith("\n"):
                self.parts[-1] = self.parts[-1].rstrip(" ")
            elif self.parts[-1:] and (self.parts[-1][-1:].isspace() or text[:1].isspace()):
                separator = ""
            self.parts.append(separator + text)
            self.pending = 0
        widths = font.character_widths
        advance = sum(widths.get(c, widths.get("default", 500)) for c in raw) * gs.size / 1000
        advance += gs.char_spacing * len(raw)
        if isinstance(font.encoding, dict):  # Tw only applies to single-byte code 32
            advance += gs.word_spacing * data.count(32)
        tm = _advance(tm, advance * gs.scale / 100)
        end, norm = _mul(tm, gs.ctm), math.hypot(trm[0], trm[1]) or 1.0
        self.last = (end[4], end[5], trm[0] / norm, trm[1] / norm, em)
        return tm

    def _separator(self, x: float, y: float, em: float) -> int:
        """Rank of the separator implied by the pen move from the end of the last string."""
        x0, y0, ux, uy, last_em = self.last  # type: ignore[misc]
        along, across = (x - x0) * ux + (y - y0) * uy, (y - y0) * ux - (x - x0) * uy
        if abs(across) > PARAGRAPH_EM * max(em, last_em):
            return 3
        if abs(across) > LINE_EM * max(em, last_em):
            return 2
        return int(max(abs(along), abs(across)) >= GAP_EM * min(em, last_em))


def _operations(contents, page: PageObject) -> list[tuple[list, bytes]]:
    """The page's content operations: our fast reader, pypdf's where ours gives up."""
    try:
        if isinstance(contents, ArrayObject):
            data = b"\n".join(part.get_object().get_data() for part in contents)
        else:
            data = contents.get_data()
        return operations(data)
    except Unreadable:
        return ContentStream(contents, page.pdf, "bytes").operations


def _decode(font: Font, data: bytes) -> tuple[str, str]:
    """(font codes as characters, for widths; Unicode text), decoded the way pypdf does."""
    if isinstance(font.encoding, str):
        raw = data.decode(font.encoding, "surrogatepass")
        return raw, "".join(font.character_map.get(c, c) for c in raw)
    chars = (font.encoding.get(b, chr(b)) for b in data)
    return data.decode("latin-1"), "".join(font.character_map.get(c, c) for c in chars)


def _advance(tm: Matrix, dx: float) -> Matrix:
    """The text matrix after moving the pen dx along the text line (text space units)."""
    return [*tm[:4], tm[4] + dx * tm[0], tm[5] + dx * tm[1]]


def _tidy(text: str) -> str:
    """Expand ligatures and rejoin words hyphenated at a line end (lower case follows)."""
    text = text.translate(_LIGATURES)
    return _HYPHENATED.sub(lambda m: f"{m[1]}{m[2]}\n" if m[2][0].islower() else m[0], text)
