"""Our content-stream reader gives exactly what pypdf's gives, or hands the stream back."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ContentStream,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NullObject,
    NumberObject,
)

from indexer.pdfcontent import Unreadable, operations

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _plain(value):
    """pypdf's objects as the plain values our reader gives."""
    if isinstance(value, NameObject):
        return str(value)
    if isinstance(value, NullObject):
        return None
    if isinstance(value, BooleanObject):
        return value.value
    if isinstance(value, DictionaryObject):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, ArrayObject):
        return [_plain(v) for v in value]
    if isinstance(value, FloatObject):
        return float(value)
    if isinstance(value, NumberObject):
        return int(value)
    if isinstance(value, bytes):
        return bytes(value)
    raise AssertionError(f"unexpected {type(value).__name__} {value!r}")


def _typed(value):
    """Our values with their types spelled out (1 and 1.0, True and 1 differ)."""
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    return (type(value).__name__, value)


def _pypdf(data: bytes) -> list:
    stream = DecodedStreamObject()
    stream.set_data(data)
    ops = ContentStream(stream, None, "bytes").operations
    return [(_typed([_plain(o) for o in operands]), bytes(op)) for operands, op in ops]


def _ours(data: bytes) -> list:
    return [(_typed(operands), op) for operands, op in operations(data)]


def test_every_kind_of_token_reads_as_pypdf_reads_it():
    data = (
        b"% a comment\n/P <</MCID 3 /Alt (a \\(b\\) c)>> BDC q 1 0 0 -1.5 .5 +7 cm BT\n"
        b"/F#31 9.96 Tf [(Das) -293 (offi\\\nzielle) 12.5 <48 65 6C6C 6f>] TJ\n"
        b"(nested (parens) here\\051 and \\101\\60\\n) Tj <414> Tj 0 -11.5 TD T* "
        b"(x) ' 1 2 (y) \" [true false null /N [1 [2]]] 0 d ET Q EMC\r\n/Im1 Do"
    )
    assert _ours(data) == _pypdf(data)


def test_flat_arrays_read_in_one_match_as_pypdf_reads_them():
    """What TJ shows (strings and numbers, no nesting) takes a shortcut; edge cases of it."""
    data = (
        b"[1 2] TJ [(a)3] TJ [<>] TJ [()] TJ [<abc>] TJ [ ] TJ [-.5 +1. 7] TJ [[1] 2] TJ "
        b"[\x00(a)\x0c2]TJ [1(a)<41>-12.5] TJ [(a\\)b) 1] TJ [(a(b)c)] TJ [<00 11>] TJ "
        b"[%c\n1] TJ [1/F] TJ << /A [1 2] /B [(x)] >> BDC"
    )
    assert _ours(data) == _pypdf(data)


def test_what_it_does_not_read_is_handed_back():
    for data in (
        b"BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI Q",  # inline image
        b"[(a) 1 TJ",  # array not closed
        b"(never closed Tj",
        b"<< /A 1 >> ] Tj",
    ):
        with pytest.raises(Unreadable):
            operations(data)


@pytest.mark.skipif(not (CORPUS / "files").is_dir(), reason="shared corpus not beside the repo")
def test_every_page_of_the_corpus_reads_as_pypdf_reads_it():
    sample = sorted(REPO.joinpath("documents").rglob("*.pdf"))
    pdfs = sorted((CORPUS / "files").glob("*.pdf")) + sample
    pages = 0
    for path in pdfs:
        reader = PdfReader(path)
        for page in reader.pages:
            contents = page["/Contents"].get_object()
            parts = contents if isinstance(contents, ArrayObject) else [contents]
            data = b"\n".join(part.get_object().get_data() for part in parts)
            assert _ours(data) == _pypdf(data), f"{path.name} page {page.page_number + 1}"
            pages += 1
    assert pages > 400
