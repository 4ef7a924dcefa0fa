"""Workers write their own index segments (archive/segments.py): nothing they held is
lost when one is killed, and the index lists each document once."""

from __future__ import annotations

import zlib

from archive import Archive
from archive.segments import merge_tiers
from tests.hostile import FONT, GERMAN, nonce, page, raw_pdf, stream, text_content

#: Lines of the slow PDF: its one content stream inflates from about 5 KB to 1.7 MB of text
#: operators, which takes the PDF reader far longer than the run's limit.
SLOW_LINES = 40_000


def slow_pdf() -> bytes:
    content = text_content(["Die Stadt stellt neue Laternen auf"] * SLOW_LINES)
    return raw_pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [10 0 R] /Count 1 >>",
            3: FONT,
            10: page(2, 11),
            11: stream(zlib.compress(content, 9), b"/Filter /FlateDecode "),
        }
    )


def words_in(docs, count: int) -> list[str]:
    """`count` German text files, each larger than the slow PDF, each with a word of its own."""
    words = [nonce(n) for n in range(count)]
    for word in words:
        (docs / f"{word}.txt").write_text(f"{word} {GERMAN}\n" * 60, encoding="utf-8")
    return words


def test_files_a_killed_worker_had_written_are_indexed_by_the_next_one(tmp_path):
    docs = tmp_path / "documents"
    docs.mkdir()
    words = words_in(docs, 4)
    (docs / "slow.pdf").write_bytes(slow_pdf())
    smallest = min((docs / f"{w}.txt").stat().st_size for w in words)
    assert smallest > (docs / "slow.pdf").stat().st_size
    archive = Archive(docs, tmp_path / "index")
    # One worker, files largest first: it writes the four texts into its segment, then
    # is killed on the PDF, and its segment with it.
    report = archive.index(jobs=1, timeout=2, ocr=False)
    assert [(f.path, f.reason) for f in report.failed] == [("slow.pdf", "timeout (over 2 s)")]
    assert report.added == 4
    for word in words:
        assert [hit.document.path for hit in archive.search(word).results] == [f"{word}.txt"]
    assert archive.search("", per_page=1).total == 4
    assert not list((tmp_path / "index").glob("gen-*/.segment-*"))  # no scratch left
    assert archive.index(ocr=False).added == 0


def test_every_worker_adds_a_segment_and_an_update_replaces_the_old_version(tmp_path):
    docs = tmp_path / "documents"
    docs.mkdir()
    words = words_in(docs, 6)
    archive = Archive(docs, tmp_path / "index")
    assert archive.index(jobs=2, ocr=False).added == 6
    assert segments_of(archive) == 2
    first = docs / f"{words[0]}.txt"
    first.write_text(first.read_text(encoding="utf-8") + "Nachtrag Laternenfest\n", "utf-8")
    report = archive.index(jobs=2, ocr=False)
    assert (report.added, report.updated) == (0, 1)
    assert [hit.document.path for hit in archive.search("Laternenfest").results] == [first.name]
    assert [hit.document.path for hit in archive.search(words[0]).results] == [first.name]
    assert archive.search("", per_page=1).total == 6


def segments_of(archive: Archive) -> int:
    ix = archive.store.open_index()
    with ix.reader() as reader:
        return len(list(reader.leaf_readers()))


def test_browsing_and_filters_see_every_segment_with_failure_records_in_their_own(tmp_path):
    docs = tmp_path / "documents"
    docs.mkdir()
    words = words_in(docs, 5)
    (docs / "empty.txt").write_bytes(b"")  # a failure record, in the writer's own segment
    archive = Archive(docs, tmp_path / "index")
    report = archive.index(jobs=2, ocr=False)
    assert [f.path for f in report.failed] == ["empty.txt"] and segments_of(archive) == 3
    expected = sorted(f"{w}.txt" for w in words)
    for lang in (None, "de"):  # newest first: from the dates of every segment
        shown = archive.search("", lang=lang, per_page=50).results
        assert sorted(hit.document.path for hit in shown) == expected
    assert sorted(archive.store.fingerprints()) == sorted([*expected, "empty.txt"])


def test_only_a_size_class_with_enough_segments_is_merged():
    assert merge_tiers([22, 23, 1, 1, 1, 1]) == ([0, 1, 2, 3, 4, 5], [])
    assert merge_tiers([22, 23, 1, 1, 2, 1, 3]) == ([0, 1], [2, 3, 4, 5, 6])
    assert merge_tiers([5000, 5000, 40, 60, 50, 45, 63]) == ([0, 1], [2, 3, 4, 5, 6])
    assert merge_tiers([5000, 0, 4, 64]) == ([0, 2, 3], [])  # the empty one is dropped


def test_small_runs_leave_the_segments_of_a_full_run_alone(tmp_path):
    docs = tmp_path / "documents"
    docs.mkdir()
    words = words_in(docs, 12)
    archive = Archive(docs, tmp_path / "index")
    archive.index(jobs=2, ocr=False)
    full_run = segment_ids(archive)
    changed = docs / f"{words[0]}.txt"
    for n in range(6):  # the fifth one-file segment makes their size class merge
        changed.write_text(changed.read_text(encoding="utf-8") + f"Nachtrag{n}\n", "utf-8")
        assert archive.index(jobs=2, ocr=False).updated == 1
        assert full_run <= segment_ids(archive)
    assert len(segment_ids(archive)) < 2 + 6
    assert archive.search("", per_page=1).total == 12
    assert [hit.document.path for hit in archive.search("Nachtrag5").results] == [changed.name]


def segment_ids(archive: Archive) -> set[str]:
    ix = archive.store.open_index()
    return {segment.segment_id() for segment in ix._segments()}
