"""Extraction per file type: visible text, encodings, titles, and clear reasons for bad files."""

import pytest

from archive.errors import ExtractionError, UnsupportedFormat
from indexer.extract import extract, pdf_date


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_html_gives_visible_text_and_title_without_scripts(tmp_path):
    page = write(
        tmp_path,
        "p.html",
        b"""<html><head><title>Programm &amp; Ablauf</title>
        <style>.x { color: red } stilwort</style></head><body>
        <script>var geheim = "skriptwort";</script>
        <h1>Konferenz</h1><p>Die <em>sichere</em> Stadt.</p><!-- kommentarwort -->
        <noscript>noscriptwort</noscript><p>Zweiter&nbsp;Absatz</p></body></html>""",
    )
    result = extract(page)
    text = "\n".join(s.text for s in result.segments)
    assert result.title == "Programm & Ablauf"
    assert "Die sichere Stadt." in text and "Zweiter Absatz" in text
    for hidden in ("stilwort", "skriptwort", "kommentarwort", "noscriptwort"):
        assert hidden not in text


def test_html_declared_charset_is_honoured(tmp_path):
    page = write(
        tmp_path, "p.html", '<meta charset="iso-8859-1"><p>Straße für Bürger</p>'.encode("latin-1")
    )
    assert extract(page).segments[0].text == "Straße für Bürger"


def test_html_with_unknown_charset_falls_back(tmp_path):
    page = write(tmp_path, "p.html", '<meta charset="x-klingon"><p>Sécurité</p>'.encode())
    assert extract(page).segments[0].text == "Sécurité"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b""), ("cp1252", b"")],
)
def test_text_encodings_are_decoded(tmp_path, encoding, prefix):
    text = "Sécurité à Paris\n\nDeuxième paragraphe, « citation »."
    result = extract(write(tmp_path, "t.txt", prefix + text.encode(encoding)))
    assert [s.text for s in result.segments] == text.split("\n\n")
    assert result.title == "Sécurité à Paris"


def test_invalid_utf8_is_read_as_windows_1252(tmp_path):
    result = extract(write(tmp_path, "t.txt", b"caf\xe9 cr\xe8me \x81"))
    assert result.segments[0].text.startswith("café crème")


def test_markdown_title_is_its_first_heading(tmp_path):
    result = extract(write(tmp_path, "n.md", b"Intro\n\n# Titel der Notiz\n\nText."))
    assert result.title == "Titel der Notiz"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.pdf", b"", "empty"),
        ("blank.txt", b"  \n\n ", "empty"),
        ("fake.pdf", b"GIF89a not a pdf", "not a PDF"),
        ("cut.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "damaged"),
    ],
)
def test_bad_files_raise_with_a_reason(tmp_path, name, data, reason):
    with pytest.raises(ExtractionError) as caught:
        extract(write(tmp_path, name, data))
    assert caught.value.reason == reason


def test_unreadable_file_is_reported(tmp_path):
    path = write(tmp_path, "secret.txt", b"Geheim")
    path.chmod(0)
    try:
        if path.read_bytes():  # root can read anyway; nothing to test then
            pytest.skip("running as root: permissions do not stop reading")
    except PermissionError:
        with pytest.raises(ExtractionError) as caught:
            extract(path)
        assert caught.value.reason == "unreadable"
    finally:
        path.chmod(0o644)


def test_unknown_types_are_unsupported(tmp_path):
    with pytest.raises(UnsupportedFormat):
        extract(write(tmp_path, "photo.jpg", b"\xff\xd8\xff"))


def test_sample_pdf_gives_pages_title_and_date():
    from tests.conftest import SAMPLE

    result = extract(SAMPLE / "declarations" / "mayors-declaration-radicalisation.de.pdf")
    assert result.pages == 3 and result.mime == "application/pdf"
    assert [s.page for s in result.segments] == [1, 2, 3]
    assert result.date == "2024-03-18"
    assert "Radikalisierung" in result.title


def test_pdf_dates_are_read_leniently():
    assert pdf_date("D:20220531112935-00'00'") == "2022-05-31"
    assert pdf_date("D:2019") == "2019-01-01"
    assert pdf_date("garbage") is None and pdf_date(None) is None


def test_html_keeps_anchors_and_image_file_names_of_the_visible_page(tmp_path):
    page = write(
        tmp_path,
        "p.html",
        """<html><head><title>Zoom</title><link id="style" href="de/a.css">
        <script id="loader" src="de/x.js"></script></head><body>
        <a name="bm_id3148491"></a><h1 id="hd_id3148491">Maßstab vergrößern</h1>
        <p id="par_id3145069">Vergrößert die Anzeige.
        <img src="media/icon-themes/de/cmd/sc_zoomin.svg?v=2" alt="Symbol"></p>
        <img src="data:image/png;base64,AAAA"></body></html>""".encode(),
    )
    result = extract(page)
    assert result.marks == (
        "#bm_id3148491",
        "#hd_id3148491",
        "#par_id3145069",
        "img:sc_zoomin.svg",
    )
    assert "bm_id" not in "\n".join(s.text for s in result.segments)
