"""What counts as a document on disk, and the TOML sidecar staff write by hand."""

import os

import pytest

from indexer.extract import supported_suffixes
from indexer.scan import scan
from indexer.sidecar import SidecarError, parse_sidecar, read_sidecar


def test_hidden_backup_sidecar_and_linked_files_are_not_documents(tmp_path):
    root = tmp_path / "documents"
    (root / "flyers").mkdir(parents=True)
    (root / "flyers" / "a.pdf").write_bytes(b"%PDF-1.4")
    (root / "flyers" / "a.pdf.toml").write_text('title = "A"')
    (root / "flyers" / ".hidden.pdf").write_bytes(b"x")
    (root / "flyers" / "a.txt~").write_text("backup")
    (root / "flyers" / "photo.jpg").write_bytes(b"\xff\xd8")
    (root / ".git").mkdir()
    (root / ".git" / "x.txt").write_text("x")
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    os.symlink(outside, root / "flyers" / "link.txt")
    os.symlink(root, root / "flyers" / "loop")
    found = scan(root, supported_suffixes())
    assert list(found.files) == ["flyers/a.pdf"]
    assert found.files["flyers/a.pdf"].sidecar
    assert found.unsupported == ["flyers/photo.jpg"]
    assert ("flyers/link.txt", "link leading outside the documents folder") in found.skipped
    assert ("flyers/loop", "linked folder") in found.skipped


def test_lone_toml_file_is_unsupported_not_a_sidecar(tmp_path):
    (tmp_path / "notes.toml").write_text("x = 1")
    assert scan(tmp_path, supported_suffixes()).unsupported == ["notes.toml"]


def test_sidecar_values_are_read_and_normalised(tmp_path):
    (tmp_path / "x.pdf.toml").write_text(
        'title = "Erklärung"\ndate = 2024-03-18\nlang = "DE"\ngroup = "g1"\n', "utf-8"
    )
    side = read_sidecar(tmp_path / "x.pdf")
    assert (side.title, side.date, side.lang, side.group) == ("Erklärung", "2024-03-18", "de", "g1")


def test_sidecar_year_only_date_is_accepted():
    assert parse_sidecar({"date": "2024"}).date == "2024-01-01"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"titel": "x"}, "unknown key"),
        ({"title": 3}, "must be text"),
        ({"date": "18.03.2024"}, "2024-03-18"),
        ({"lang": "deutsch"}, "language code"),
    ],
)
def test_sidecar_mistakes_are_explained(data, message):
    with pytest.raises(SidecarError, match=message):
        parse_sidecar(data)


def test_broken_toml_names_the_file(tmp_path):
    (tmp_path / "x.pdf.toml").write_text('title = "unterminated\n')
    with pytest.raises(SidecarError, match=r"x\.pdf\.toml"):
        read_sidecar(tmp_path / "x.pdf")


def test_no_sidecar_is_none(tmp_path):
    assert read_sidecar(tmp_path / "x.pdf") is None
