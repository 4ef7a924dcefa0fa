"""Awkward real files behave as ../shared/corpus/hard/expected.tsv says."""

import csv

import pytest

from archive import Archive
from tests.conftest import require_corpus


@pytest.fixture(scope="module")
def hard(tmp_path_factory):
    corpus = require_corpus()
    archive = Archive(corpus / "hard", tmp_path_factory.mktemp("hard") / "index")
    report = archive.index(jobs=2)
    by_path = {d.path: d for d in archive.all_documents()}
    failed = {f.path: f.reason for f in report.failed}
    return archive, report, by_path, failed


def expected_rows():
    corpus = require_corpus()
    with open(corpus / "hard" / "expected.tsv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_every_hard_file_is_either_indexed_or_reported(hard):
    _, _report, docs, failed = hard
    for row in expected_rows():
        outcome = "indexed" if row["file"] in docs else failed.get(row["file"])
        assert outcome, f"{row['file']} was neither indexed nor reported"
        if row["expected"].startswith("indexed") or "text only with OCR" in row["expected"]:
            assert outcome == "indexed", (row, outcome)
            assert docs[row["file"]].languages == row["lang"].split(","), row
        elif row["expected"].startswith("reported"):
            assert outcome != "indexed", row


@pytest.mark.parametrize(
    ("file", "reason"),
    [
        ("h02.pdf", "encrypted"),
        ("h05.pdf", "damaged"),
        ("h06.pdf", "not a PDF"),
        ("h08.pdf", "empty"),
    ],
)
def test_broken_files_are_reported_with_their_reason(hard, file, reason):
    assert hard[3][file] == reason


def test_bilingual_pdf_is_german_then_english_by_page(hard):
    doc = hard[2]["h01.pdf"]
    by_page = {seg.page: seg.lang for seg in doc.segments}
    assert [by_page[p] for p in (1, 2, 3)] == ["de", "de", "de"]
    assert [by_page[p] for p in (4, 5, 6)] == ["en", "en", "en"]


def test_bilingual_pdf_is_found_in_both_languages(hard):
    archive = hard[0]
    assert archive.search("Paketverwaltung", lang="de").total >= 0
    german = archive.search("", lang="de")
    english = archive.search("", lang="en")
    assert "h01.pdf" in {h.document.path for h in german.results}
    assert "h01.pdf" in {h.document.path for h in english.results}


def test_pdf_with_empty_user_password_is_read(hard):
    doc = hard[2]["h03.pdf"]
    assert doc.lang == "fr" and doc.title == "Guide du nouveau responsable Debian"


def test_windows_1252_text_keeps_its_accents(hard):
    text = hard[2]["h07.txt"].text
    assert "présente notice" in text and "à condition" in text
    assert "\ufffd" not in text and "Ã" not in text


def test_script_and_style_words_are_not_searchable(hard):
    archive = hard[0]
    assert archive.search("geheimesSkriptwort").total == 0
    assert archive.search("stilwort").total == 0
    assert "h09.html" in {h.document.path for h in archive.search("Definitionen").results}


def test_files_that_are_not_documents_are_listed_as_unsupported(hard):
    assert hard[1].unsupported == ["expected.tsv"]
    assert "expected.tsv" not in hard[3]


def test_scan_is_read_by_text_recognition_as_german(hard):
    doc = hard[2]["h04.pdf"]
    assert doc.lang == "de" and doc.ocr_pages == [1, 2]


def test_scan_without_text_recognition_is_reported(tmp_path):
    corpus = require_corpus()
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "scan.pdf").write_bytes((corpus / "hard" / "h04.pdf").read_bytes())
    report = Archive(tmp_path / "documents", tmp_path / "index").index(ocr=False)
    assert [(f.path, f.reason) for f in report.failed] == [("scan.pdf", "no text layer (scanned?)")]
