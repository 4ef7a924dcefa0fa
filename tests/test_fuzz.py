"""Fuzzing the extractors: whatever bytes arrive, `extract` gives text or says why not.

The pipeline relies on one contract: `extract(path)` returns an `Extracted` or raises
`ExtractionError`/`UnsupportedFormat` - nothing else - and does so in bounded time and
memory. PDFs are mutated from real files (a sample flyer and a PDF written byte by byte
in tests/hostile.py) and read in a worker of `indexer.pool`, under a time limit and a
memory cap like indexing, so a hang or a balloon fails the test instead of stalling the
suite. Text and HTML are parsed in-process.

Brief in CI (a fixed seed, a few dozen examples each); longer on demand with a random
seed: `ARCHIVE_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz.py`.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.errors import ExtractionError, UnsupportedFormat
from indexer import pool
from indexer.extract import Extracted, extract
from tests.hostile import GERMAN, REPO, text_pdf

LONG_RUN = int(os.environ.get("ARCHIVE_FUZZ_EXAMPLES", "0"))
PDF_TIMEOUT = 20.0
#: Memory a worker may use beyond what it inherits from the test process at fork.
PDF_MEMORY_MB = 512

FUZZ = settings(
    max_examples=LONG_RUN or 40,
    derandomize=not LONG_RUN,  # CI: the same examples every run; on demand: new ones
    deadline=None,  # the pool's time limit is the deadline for PDFs; see _in_time for text
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TEXT_SECONDS = 5.0

SEEDS = {
    "flyer": (REPO / "documents" / "flyers" / "night-cycling.de.pdf").read_bytes(),
    "handmade": text_pdf(
        [[GERMAN[:90], GERMAN[90:], "Zweite Zeile (mit Klammern) und \\ Schrägstrich."]] * 2,
        title="Laternen",
    ),
}
PDF_WORDS = [
    b"obj", b"endobj", b"stream", b"endstream", b"xref", b"trailer", b"startxref", b"R",
    b"/Length", b"/Filter", b"/FlateDecode", b"/Kids", b"/Parent", b"/Count", b"/Pages",
    b"/Page", b"/Contents", b"/Resources", b"/Font", b"/Encoding", b"/ToUnicode", b"/W",
    b"/DecodeParms", b"/Predictor", b"/ObjStm", b"/XRef", b"/Encrypt", b"/Root", b"/Info",
    b"<<", b">>", b"[", b"]", b"(", b")", b"<", b">", b"BT", b"ET", b"Tj", b"TJ", b"Tf",
    b"Td", b"Tm", b"cm", b"q", b"Q", b"Do", b"null", b"true",
]  # fmt: skip
NUMBERS = [b"0", b"-1", b"1", b"2147483648", b"99999999999999999999", b"1e308", b"-0.0", b"nan"]


@st.composite
def mutated_pdfs(draw) -> bytes:
    """A real PDF after a few random edits: bit flips, cuts, splices, swapped tokens."""
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "cut", "delete", "insert", "repeat", "word", "num"]))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[max(at, 16) :]
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 512))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 256))] * draw(st.integers(2, 50))
        else:
            tokens = [m.span() for m in re.finditer(rb"-?\d+(?:\.\d+)?|/?\w+|<<|>>", data)]
            start, end = tokens[draw(st.integers(0, len(tokens) - 1))]
            choices = PDF_WORDS if kind == "word" else NUMBERS
            data[start:end] = draw(st.sampled_from(choices))
        if not data:
            data = bytearray(b"%PDF-")
    return bytes(data)


def _outcome(path: str) -> str:
    """Runs in the worker: what extract did, as a word the test can check."""
    try:
        result = extract(Path(path))
    except (ExtractionError, UnsupportedFormat) as exc:
        return f"reported: {exc}"
    assert isinstance(result, Extracted)
    _check(result)
    return "extracted"


def _check(result: Extracted) -> None:
    """Text and title hold no control characters: they reach pages, JSON and terminals."""
    for text in [result.title or "", *(s.text for s in result.segments)]:
        bad = {ch for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\t"}
        assert not bad, f"control characters {bad} in {text[:80]!r}"


def _inherited_mb() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE") // 2**20


@FUZZ
@given(data=mutated_pdfs())
def test_a_mutated_pdf_is_read_or_reported_in_bounded_time_and_memory(data, tmp_path_factory):
    folder = tmp_path_factory.getbasetemp() / "fuzz-pdf"
    folder.mkdir(exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=".pdf", dir=folder) as fh:
        fh.write(data)
        fh.flush()
        cap = _inherited_mb() + PDF_MEMORY_MB
        (outcome,) = pool.run(_outcome, [fh.name], jobs=1, timeout=PDF_TIMEOUT, memory_mb=cap)
    assert outcome.error is None, f"{outcome.error} on {len(data)} bytes"
    assert outcome.value == "extracted" or outcome.value.startswith("reported: ")


def _extract_bytes(data: bytes, suffix: str, folder: Path) -> Extracted | None:
    """extract() on `data` in a file; None when it reported a reason (or has no extractor)."""
    with tempfile.NamedTemporaryFile(suffix=suffix, dir=folder) as fh:
        fh.write(data)
        fh.flush()
        try:
            result = extract(Path(fh.name))
        except (ExtractionError, UnsupportedFormat) as exc:
            assert str(exc)
            return None
    assert isinstance(result, Extracted)
    _check(result)
    return result


def _in_time(started: float) -> None:
    assert time.monotonic() - started < TEXT_SECONDS, "extraction took too long"


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"]


@st.composite
def text_files(draw) -> bytes:
    """Random bytes, or random text in an encoding, maybe with a BOM, maybe cut short."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=2048))
    text = draw(st.text(max_size=500))
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if draw(st.booleans()):
        data = draw(st.sampled_from([b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf"])) + data
    if data and draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


@FUZZ
@given(data=text_files(), suffix=st.sampled_from([".txt", ".md"]))
def test_any_text_file_is_read_or_reported(data, suffix, tmp_path_factory):
    started = time.monotonic()
    _extract_bytes(data, suffix, tmp_path_factory.getbasetemp())
    _in_time(started)


HIDDEN = "geheimeswort"
TAGS = ["p", "div", "span", "b", "a", "h1", "li", "td", "table", "br", "svg", "head"]
HIDING = ["script", "style", "noscript", "template", "iframe", "object"]
ENTITIES = ["&amp", "&#0;", "&#x110000;", "&#99999999;", "&lt;", "&nbsp;", "&unknown;", "&#"]
#: Markup that rightly shows what follows: `<!<script>` is a bogus comment then text, and
#: everything in a <title> is its text, for browsers too.
BROKEN = ["<", ">", "</", "<!", "<?", "<![CDATA[", "]]>", "<p<p>", "<a href='", '"', "<!--"]
BROKEN += ["<title>", "</title>"]
CHARSETS = ["utf-8", "utf-16", "utf-32", "x-klingon", "undefined", "rot13", "idna", "utf-7", ""]


@st.composite
def html_pages(draw) -> tuple[bytes, bool]:
    """(page, well_formed): pages from a grammar of tags, comments, entities and charsets.

    The word HIDDEN only ever appears inside scripts, styles, comments and the like. A
    well-formed page has no broken markup, which may rightly show it (`<!<script>` is a
    bogus comment followed by text, for browsers too).
    """
    well_formed = draw(st.booleans())
    pieces = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 8 if well_formed else 9))
        tag = draw(st.sampled_from(TAGS))
        text = draw(st.text(max_size=40)).replace(HIDDEN, "")
        if well_formed:
            text = html.escape(text)
        if kind == 0:
            pieces.append(f"<{tag}>")
        elif kind == 1:
            pieces.append(f"</{tag}>")
        elif kind == 2:
            pieces.append(text)
        elif kind == 3:
            hiding = draw(st.sampled_from(HIDING))
            pieces.append(f"<{hiding}>{HIDDEN} <{tag}></{hiding}>")
        elif kind == 4:
            pieces.append(f"<!-- {HIDDEN} -->")
        elif kind == 5:
            pieces.append(draw(st.sampled_from(ENTITIES)))
        elif kind == 6:
            pieces.append(f'<meta charset="{draw(st.sampled_from(CHARSETS))}">')
        elif kind == 7:
            pieces.append(f'<{tag} title="{text}" class=x>')
        elif kind == 8:
            pieces.append(GERMAN[: draw(st.integers(0, len(GERMAN)))])
        else:
            pieces.append(draw(st.sampled_from(BROKEN)))
    encoding = draw(st.sampled_from(["utf-8", "cp1252"] if well_formed else ["utf-8", "utf-16"]))
    data = "".join(pieces).encode(encoding, errors="xmlcharrefreplace")
    if not well_formed and draw(st.booleans()):
        data += draw(st.binary(max_size=64))
    return data, well_formed


@FUZZ
@given(page=html_pages())
def test_any_html_page_is_read_or_reported_and_hidden_parts_stay_hidden(page, tmp_path_factory):
    data, well_formed = page
    started = time.monotonic()
    result = _extract_bytes(data, ".html", tmp_path_factory.getbasetemp())
    _in_time(started)
    if result is not None and well_formed:
        visible = " ".join([result.title or "", *(s.text for s in result.segments)])
        assert HIDDEN not in visible, data


@pytest.mark.parametrize("suffix", [".pdf", ".txt", ".html", ".md", ".xyz"])
@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes_under_any_name_are_read_or_reported(data, suffix, tmp_path_factory):
    started = time.monotonic()
    result = _extract_bytes(data, suffix, tmp_path_factory.getbasetemp())
    _in_time(started)
    if suffix == ".xyz":
        assert result is None
