"""page_text() recovers the word gaps pypdf loses on TeX-made PDFs, and leaves other PDFs alone."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import pytest
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
)

from indexer.pdftext import page_text

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(
    not (CORPUS / "files").is_dir(), reason=f"shared test corpus not found at {CORPUS}"
)


@cache
def _reader(name: str) -> PdfReader:
    reader = PdfReader(CORPUS / name)
    if reader.is_encrypted:
        reader.decrypt("")
    return reader


def _text(name: str, page: int) -> str:
    return page_text(_reader(name).pages[page])


def _pdf_page(content: bytes, code_32_glyph: str = "/space") -> PageObject:
    """A one-page PDF in Helvetica whose code 32 draws ``code_32_glyph``, read back."""
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    encoding = {
        NameObject("/Type"): NameObject("/Encoding"),
        NameObject("/Differences"): ArrayObject([NumberObject(32), NameObject(code_32_glyph)]),
    }
    font = {
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): DictionaryObject(encoding),
    }
    fonts = DictionaryObject({NameObject("/F1"): DictionaryObject(font)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    stream = DecodedStreamObject()
    stream.set_data(content)
    page.replace_contents(stream)
    buffer = io.BytesIO()
    writer.write(buffer)
    return PdfReader(buffer).pages[0]


@needs_corpus
def test_german_xelatex_pdf_keeps_word_gaps() -> None:
    text = _text("files/c002.pdf", 12)
    assert "Das offizielle Dokument, welches die Installation beschreibt" in text


@needs_corpus
def test_english_xelatex_pdf_keeps_word_gaps() -> None:
    text = _text("files/c001.pdf", 12)
    assert "The official document giving installation instructions is the Debian" in text


@needs_corpus
def test_french_xelatex_pdf_keeps_word_gaps() -> None:
    text = _text("files/c003.pdf", 12)
    assert "La documentation officielle décrivant les instructions d’installation" in text


@needs_corpus
def test_words_are_not_split_inside() -> None:
    text = _text("files/c002.pdf", 12)
    assert "Dokument," in text
    assert "Doku ment" not in text
    assert "Veröffentlichung" in text
    assert "Veröffent lichung" not in text


@needs_corpus
def test_words_hyphenated_at_a_line_end_are_joined() -> None:
    text = _text("files/c002.pdf", 12)
    assert "Installationsanleitung" in text
    assert "Sicherheitsaktualisierungen." in text
    assert "Installationsan-" not in text


@needs_corpus
def test_lines_and_paragraphs_stay_apart() -> None:
    lines = _text("files/c002.pdf", 12).splitlines()
    assert "Kapitel 2" in lines
    assert "installieren" in lines
    heading = lines.index("2.1 Was ist die aktuelle Version von Debian?")
    assert lines[heading - 1] == lines[heading + 1] == ""


@needs_corpus
def test_footnote_mark_does_not_glue_to_the_footnote() -> None:
    assert "1 Die Linux Standard Base" in _text("files/c002.pdf", 25)


@needs_corpus
def test_bilingual_pdf_keeps_word_gaps_in_both_languages() -> None:
    assert "Was ist der Unterschied zwischen Debian GNU/Linux und anderen" in _text(
        "hard/h01.pdf", 0
    )
    assert "What is the difference between Debian GNU/Linux and other Linux" in _text(
        "hard/h01.pdf", 3
    )


@needs_corpus
def test_pdf_encrypted_with_empty_password_keeps_word_gaps() -> None:
    assert "liste de diffusion" in _text("hard/h03.pdf", 10)


def test_tj_gaps_become_spaces_when_the_font_has_no_space_glyph() -> None:
    # Code 32 draws a wide "W", so plain pypdf takes 0.3 em for kerning.
    page = _pdf_page(
        b"BT /F1 12 Tf 72 700 Td [(Hello) -300 (wor) 30 (ld)] TJ"
        b" 0 -14 Td [(next) -300 (line)] TJ 0 -40 Td (paragraph) Tj ET",
        code_32_glyph="/W",
    )
    assert page_text(page) == "Hello world\nnext line\n\nparagraph"


def test_ordinary_pdf_text_is_unchanged() -> None:
    page = _pdf_page(
        b"BT /F1 12 Tf 72 700 Td (Ordinary text, spaced) Tj 0 -14 Td (by its maker.) Tj ET"
    )
    assert page_text(page) == page.extract_text()
    assert "Ordinary text, spaced" in page_text(page)


def test_fpdf2_pdf_text_is_unchanged() -> None:
    fpdf = pytest.importorskip("fpdf", reason="fpdf2 is not installed")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, "Grüße aus Köln. " * 12 + "\nZweiter Absatz, ganz gewöhnlich.")
    page = PdfReader(io.BytesIO(bytes(pdf.output()))).pages[0]
    assert page_text(page) == page.extract_text()
    assert "Zweiter Absatz, ganz gewöhnlich." in page_text(page)


def test_empty_page_gives_empty_text() -> None:
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    buffer = io.BytesIO()
    writer.write(buffer)
    assert page_text(PdfReader(buffer).pages[0]) == ""
