"""Text extraction: one pure function per file type, chosen from a registry by suffix.

`extract(path)` reads the file and returns a value; it writes nothing. Broken
files raise ExtractionError with the short reason staff will read.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from archive.errors import ExtractionError, UnsupportedFormat


@dataclass(frozen=True)
class RawSegment:
    """Text of one page (PDF) or block (HTML, text) before its language is known."""

    text: str
    page: int | None = None


@dataclass(frozen=True)
class Extracted:
    segments: tuple[RawSegment, ...]
    title: str | None
    mime: str
    pages: int | None = None
    date: str | None = None  # ISO date the file itself claims (PDF metadata)
    ocr_pages: tuple[int, ...] = ()  # pages whose text was recognised from the picture
    #: Anchors (`id`, `name`) and image file names of an HTML page's visible part, in order:
    #: translation tools rewrite the text and leave the markup alone, so the language
    #: versions of a page share them (evidence for `indexer.align`, never shown).
    marks: tuple[str, ...] = ()


@dataclass(frozen=True)
class OcrOptions:
    """How to recognise scanned pages in this run (None in `extract` means OCR is off)."""

    cache_dir: Path
    deadline: float | None = None  # time.monotonic() by which the file must be done


Extractor = Callable[[Path, bytes, "OcrOptions | None"], Extracted]
EXTRACTORS: dict[str, tuple[str, Extractor]] = {}


def extractor(*suffixes: str, mime: str):
    """Register an extractor for file suffixes (lower-case, with the dot)."""

    def register(fn: Extractor) -> Extractor:
        for suffix in suffixes:
            EXTRACTORS[suffix] = (mime, fn)
        return fn

    return register


def supported_suffixes() -> frozenset[str]:
    return frozenset(EXTRACTORS)


def mime_for(path: Path) -> str:
    entry = EXTRACTORS.get(path.suffix.lower())
    return entry[0] if entry else "application/octet-stream"


def extract(path: Path, ocr: OcrOptions | None = None) -> Extracted:
    """Read `path` with the extractor for its type; scanned PDF pages need `ocr`."""
    entry = EXTRACTORS.get(path.suffix.lower())
    if entry is None:
        raise UnsupportedFormat(f"no extractor for {path.suffix or 'files without suffix'}")
    try:
        data = path.read_bytes()
    except PermissionError:
        raise ExtractionError("unreadable", "permission denied") from None
    except OSError as exc:
        raise ExtractionError("unreadable", exc.strerror or str(exc)) from None
    if not data.strip():
        raise ExtractionError("empty")
    return entry[1](path, data, ocr)


# -- plain text and Markdown ---------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 as staff's old files are."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")  # a cut-off last character costs only it
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def clean(text: str) -> str:
    """NFC, no control characters, runs of blanks folded; line breaks kept."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[^\S\n]+", " ", text.replace("\x00", ""))
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    return re.sub(r" *\n *", "\n", text).strip()


def blocks(text: str) -> tuple[RawSegment, ...]:
    """Paragraphs: runs of lines separated by blank lines."""
    parts = (clean(p) for p in re.split(r"\n\s*\n", text))
    return tuple(RawSegment(p) for p in parts if p)


def first_line(text: str) -> str | None:
    for line in text.splitlines():
        line = clean(line).lstrip("#").strip()  # titles reach terminals: no escape sequences
        if re.search(r"\w", line):
            return line[:200]
    return None


@extractor(".txt", ".text", mime="text/plain")
def extract_text(path: Path, data: bytes, ocr: OcrOptions | None = None) -> Extracted:
    text = decode_text(data)
    return Extracted(blocks(text), first_line(text), "text/plain")


@extractor(".md", ".markdown", mime="text/markdown")
def extract_markdown(path: Path, data: bytes, ocr: OcrOptions | None = None) -> Extracted:
    text = decode_text(data)
    heading = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
    title = clean(heading.group(1)) if heading else first_line(text)
    return Extracted(blocks(text), title, "text/markdown")


# -- HTML ----------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "header",
        "footer",
        "main",
        "aside",
        "nav",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "pre",
        "blockquote",
        "table",
        "tr",
        "td",
        "th",
        "caption",
        "figure",
        "figcaption",
        "form",
        "fieldset",
        "address",
        "hr",
        "br",
    ]
)
_HIDDEN_TAGS = frozenset(
    ["script", "style", "noscript", "template", "head", "svg", "object", "iframe"]
)
_VOID_TAGS = frozenset(
    [
        "br",
        "hr",
        "img",
        "meta",
        "link",
        "input",
        "area",
        "base",
        "col",
        "embed",
        "source",
        "track",
        "wbr",
    ]
)


class _VisibleText(HTMLParser):
    """Collects the visible text by block, the <title>, the first <h1> and the marks."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] = []
        self._hidden: list[str] = []
        self._in_title = False
        self._in_h1 = False
        self.title_parts: list[str] = []
        self.h1_parts: list[str] = []
        self.marks: list[str] = []

    def _flush(self):
        text = clean("".join(self._current))
        if text:
            self.blocks.append(text)
        self._current = []

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self._in_title = True
        elif tag in _HIDDEN_TAGS and tag not in _VOID_TAGS:
            self._hidden.append(tag)
        if not self._hidden and not self._in_title:
            self.marks.extend(_marks(tag, attrs))
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag == "h1" and not self.h1_parts:
            self._in_h1 = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag in _HIDDEN_TAGS and tag in self._hidden:
            while self._hidden and self._hidden.pop() != tag:
                pass
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._in_title:
            self.title_parts.append(data)
        elif not self._hidden:
            self._current.append(data)
            if self._in_h1:
                self.h1_parts.append(data)

    def close(self):
        super().close()
        self._flush()


#: Longer attribute values are data, not names (inline images, generated blobs).
MAX_MARK = 80


def _marks(tag: str, attrs: list[tuple[str, str | None]]) -> list[str]:
    """`#anchor` for an element's id or name, `img:file.png` for an image's file name.

    Only the image's file name, never its folder: folders often name the language.
    """
    found = []
    for name, value in attrs:
        if not value or len(value) > MAX_MARK:
            continue
        if name in ("id", "name"):
            found.append("#" + value.strip())
        elif name == "src" and tag == "img" and not value.startswith("data:"):
            file_name = value.split("?")[0].split("#")[0].rstrip("/").rsplit("/", 1)[-1]
            if file_name:
                found.append("img:" + file_name)
    return found


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


def decode_html(data: bytes) -> str:
    """BOM first, then the charset the page declares, then UTF-8/Windows-1252."""
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode_text(data)
    declared = _CHARSET.search(data[:4096])
    if declared:
        try:
            codec = codecs.lookup(declared.group(1).decode("ascii")).name
            # As the HTML standard says: a declaration readable as ASCII is no UTF-16/32
            # page whatever it claims, and UTF-7 is never honoured. Some codecs Python
            # knows decode no text at all (`rot13`, `undefined`): UnicodeError, LookupError.
            if not codec.startswith(("utf-16", "utf-32", "utf-7")):
                return data.decode(codec)
        except (LookupError, UnicodeError):
            pass
    return decode_text(data)


@extractor(".html", ".htm", ".xhtml", mime="text/html")
def extract_html(path: Path, data: bytes, ocr: OcrOptions | None = None) -> Extracted:
    parser = _VisibleText()
    parser.feed(decode_html(data))
    parser.close()
    title = clean(" ".join(parser.title_parts)) or clean(" ".join(parser.h1_parts)) or None
    return Extracted(
        tuple(RawSegment(b) for b in parser.blocks), title, "text/html", marks=tuple(parser.marks)
    )


# -- PDF -----------------------------------------------------------------------------

#: A page with fewer letters than this has no usable text layer.
MIN_PAGE_LETTERS = 20


def pdf_date(value: object) -> str | None:
    """`D:20220531112935-00'00'` -> `2022-05-31`."""
    match = re.match(r"(?:D:)?(\d{4})(\d{2})?(\d{2})?", str(value or ""))
    if not match:
        return None
    year, month, day = match.group(1), match.group(2) or "01", match.group(3) or "01"
    if not ("1900" <= year <= "2999" and "01" <= month <= "12" and "01" <= day <= "31"):
        return None
    return f"{year}-{month}-{day}"


@extractor(".pdf", mime="application/pdf")
def extract_pdf(path: Path, data: bytes, ocr: OcrOptions | None = None) -> Extracted:
    import pypdf  # imported here: only PDF work pays for it
    from pypdf.errors import DependencyError, LimitReachedError, PyPdfError

    from indexer.pdftext import page_text

    if b"%PDF-" not in data[:1024]:
        raise ExtractionError("not a PDF")
    # pypdf logs every repair it makes; the reason we report is what staff need, and cron
    # must stay quiet when nothing failed.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    try:
        reader = pypdf.PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError("encrypted", "needs a password")
        pages = list(reader.pages)
    except ExtractionError:
        raise
    # PyPdfError, not just PdfReadError: pypdf's limits (a page tree 5,000 levels deep, a
    # stream that inflates to gigabytes) raise LimitReachedError, a sibling of it.
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise ExtractionError("damaged", str(exc)[:200]) from None
    except (NotImplementedError, DependencyError) as exc:
        raise ExtractionError("encrypted", f"unsupported encryption ({exc})") from None
    layer: dict[int, str] = {}
    broken = 0
    bombs = set()
    for number, page in enumerate(pages, start=1):
        try:
            layer[number] = clean(page_text(page))
        except LimitReachedError:  # inflates to gigabytes: PDFium, which renders for OCR,
            broken += 1  # has no such limit and would take the whole file down with it
            layer[number] = ""
            bombs.add(number)
        # pypdf raises many exception types on malformed content streams; one bad page
        # must not lose the others, so any error here marks just this page.
        except Exception:
            broken += 1
            layer[number] = ""
    readable = {number: text for number, text in layer.items() if number not in bombs}
    recognised = _recognise(path, data, readable, ocr) if ocr else {}
    segments, ocr_pages = [], []
    for number, text in layer.items():
        if _letters(recognised.get(number, "")) > _letters(text):
            text = recognised[number]
            ocr_pages.append(number)
        if _letters(text) >= MIN_PAGE_LETTERS:
            segments.append(RawSegment(text, number))
    if not segments:
        if broken and broken == len(pages):
            raise ExtractionError("damaged", "no page could be read")
        if recognised:
            raise ExtractionError("no usable text", "text recognition found no words")
        raise ExtractionError("no text layer (scanned?)")
    meta = _metadata(reader)
    title = clean(str(meta.get("/Title") or "")) or first_line(segments[0].text)
    date = pdf_date(meta.get("/CreationDate"))
    return Extracted(tuple(segments), title, "application/pdf", len(pages), date, tuple(ocr_pages))


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def _recognise(path: Path, data: bytes, layer: dict[int, str], ocr: OcrOptions) -> dict[int, str]:
    """Recognised text of the pages without a usable text layer (cached by content hash)."""
    import hashlib

    from indexer import ocr as engine

    scanned = [number for number, text in layer.items() if engine.needs_ocr(text)]
    if not scanned:
        return {}
    cache = engine.OcrCache(ocr.cache_dir)
    try:
        found = engine.ocr_pages(
            path,
            scanned,
            cache=cache,
            deadline=ocr.deadline,
            sha256=hashlib.sha256(data).hexdigest(),
        )
    except engine.OcrDeadline as exc:
        raise ExtractionError(
            "timeout",
            f"text recognition unfinished, {len(exc.missing)} page(s) left; the next run continues",
        ) from None
    except engine.OcrError:
        return {}  # cannot render or recognise: the page stays "no text layer"
    return {number: clean(text) for number, text in found.items()}


def _metadata(reader) -> dict:
    try:
        return dict(reader.metadata or {})
    except Exception:  # a broken Info dictionary is no reason to lose the text
        return {}
