"""A --full rebuild or a moved folder does not parse unchanged files again."""

from __future__ import annotations

import shutil

from archive import Archive
from archive.store import TEXT_CACHE
from indexer.textcache import TextCache, code_stamp
from tests.conftest import SAMPLE

SHA = "ab" * 32


def _entries(index) -> set[str]:
    return {p.name for p in (index / TEXT_CACHE).glob("??/*.pickle")}


def test_a_full_rebuild_takes_unchanged_files_from_the_cache(tmp_path):
    docs, index = tmp_path / "documents", tmp_path / "index"
    shutil.copytree(SAMPLE, docs)
    archive = Archive(docs, index)
    first = archive.index(jobs=2)
    files = first.added
    assert first.timing["cached"] == 0
    assert len(_entries(index)) == files  # the sample archive has no scans

    changed = docs / "papers" / "pressemitteilung-konferenz-strassburg.de.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nNachtrag: Wasserstoffbus.\n")
    second = archive.index(full=True, jobs=2)
    assert second.failed == []
    assert second.timing["cached"] == files - 1  # the changed file was read again
    assert second.timing["extract"] < first.timing["extract"]
    assert archive.search("Wasserstoffbus").total == 1
    assert archive.search("Radikalisierung").total == 3
    assert len(_entries(index)) == files  # the old version's entry was pruned


def test_a_moved_folder_is_not_parsed_again(tmp_path):
    docs, index = tmp_path / "documents", tmp_path / "index"
    shutil.copytree(SAMPLE, docs)
    archive = Archive(docs, index)
    archive.index(jobs=1)
    shutil.move(docs / "declarations", docs / "erklaerungen")
    report = archive.index(jobs=1)
    assert report.added == report.removed > 0
    assert report.timing["cached"] == report.added
    paths = {h.document.path.split("/")[0] for h in archive.search("Radikalisierung").results}
    assert "erklaerungen" in paths and "declarations" not in paths


def test_entries_of_other_code_or_damaged_ones_are_not_used(tmp_path):
    cache = TextCache(tmp_path)
    cache.put(SHA, {"text": "kept"})
    assert cache.get(SHA) == {"text": "kept"}
    path = cache.path(SHA)
    assert code_stamp() in path.name

    whole = path.read_bytes()
    # What a power cut can leave of an entry that was renamed before it reached the disk
    # (entries are not synced): cut short, empty, or zeros of the right length.
    for torn in (whole[:10], whole[:-4], b"", bytes(len(whole))):
        path.write_bytes(torn)
        assert cache.get(SHA) is None

    other = path.with_name(f"{SHA}-000000000000.pickle")  # made by other code
    other.write_bytes(b"")
    cache.put(SHA, "again")
    assert cache.prune(keep={SHA}) == 1
    assert not other.exists() and cache.get(SHA) == "again"
    assert cache.prune(keep=set()) == 1
    assert list(tmp_path.rglob("*.pickle")) == []


def test_an_unwritable_cache_is_skipped(tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder should be")
    cache = TextCache(blocker)
    cache.put(SHA, "value")  # no error
    assert cache.get(SHA) is None


def test_text_read_without_ocr_is_not_served_to_a_run_with_ocr(tmp_path):
    """A partly scanned PDF read with OCR off lacks its scanned pages; OCR must read it."""
    without = TextCache(tmp_path, ocr=False)
    without.put(SHA, "text pages only")
    with_ocr = TextCache(tmp_path, ocr=True)
    assert with_ocr.get(SHA) is None
    with_ocr.put(SHA, "every page")
    assert (without.get(SHA), with_ocr.get(SHA)) == ("text pages only", "every page")
    assert TextCache(tmp_path).prune(keep={SHA}) == 0  # pruning keeps both


def test_the_compound_vocabulary_is_kept_and_read_back(tmp_path, monkeypatch):
    """Each indexing run that reads a file needs it; building it took 0.35 s per run."""
    import pickle

    import archive.compounds as compounds

    built = compounds._build_vocabulary()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "no-user-cache-yet"))
    monkeypatch.setattr(compounds, "_kept_in", tmp_path)
    compounds.vocabulary.cache_clear()
    try:
        assert compounds.vocabulary() == built
        (kept,) = tmp_path.glob("compounds-*.pickle")
        kept.write_bytes(pickle.dumps(frozenset({"nur"})))  # read back, not built again
        compounds.vocabulary.cache_clear()
        assert compounds.vocabulary() == frozenset({"nur"})
        kept.write_bytes(b"damaged")
        compounds.vocabulary.cache_clear()
        assert compounds.vocabulary() == built
    finally:
        compounds.vocabulary.cache_clear()


def test_a_new_index_folder_reuses_the_vocabulary_kept_in_the_user_cache(tmp_path, monkeypatch):
    """A --full rebuild into a fresh folder built it anew, before the workers could start."""
    import archive.compounds as compounds

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(compounds, "_build_vocabulary", lambda: frozenset({"haus", "tür"}))
    monkeypatch.setattr(compounds, "_kept_in", tmp_path / "first-index" / "text-cache")
    compounds.vocabulary.cache_clear()
    try:
        assert compounds.vocabulary() == frozenset({"haus", "tür"})
        assert list((tmp_path / "cache" / "archive").glob("compounds-*.pickle"))

        def not_again():
            raise AssertionError("built again although the user cache holds it")

        monkeypatch.setattr(compounds, "_build_vocabulary", not_again)
        monkeypatch.setattr(compounds, "_kept_in", tmp_path / "second-index" / "text-cache")
        compounds.vocabulary.cache_clear()
        assert compounds.vocabulary() == frozenset({"haus", "tür"})
    finally:
        compounds.vocabulary.cache_clear()


def test_an_unusable_user_cache_folder_is_passed_over_in_silence(tmp_path, monkeypatch):
    """Another user's home, a read-only one or none at all must not stop an indexing run."""
    import archive.compounds as compounds

    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file"))
    monkeypatch.setattr(compounds, "_build_vocabulary", lambda: frozenset({"haus"}))
    monkeypatch.setattr(compounds, "_kept_in", tmp_path / "index" / "text-cache")
    compounds.vocabulary.cache_clear()
    try:
        assert compounds.vocabulary() == frozenset({"haus"})
        assert list((tmp_path / "index" / "text-cache").glob("compounds-*.pickle"))
    finally:
        compounds.vocabulary.cache_clear()


def test_the_user_cache_folder_follows_xdg_and_else_home(monkeypatch, tmp_path):
    from archive.cachefiles import user_folder

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert user_folder() == tmp_path / "xdg" / "archive"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_folder() == tmp_path / "home" / ".cache" / "archive"
