"""The reindex plan is decided without an index: pure functions over fingerprints."""

from archive.document import Fingerprint
from indexer.plan import confirm, plan, restamped


def fp(size=100, mtime=1, sha="", sidecar=""):
    return Fingerprint(size, mtime, sha, sidecar)


def test_nothing_changed_means_nothing_to_do():
    disk = {"a.pdf": fp(), "b.txt": fp(5)}
    indexed = {"a.pdf": fp(sha="x"), "b.txt": fp(5, sha="y")}
    steps = plan(disk, indexed)
    assert (steps.add, steps.check, steps.remove) == ([], [], [])
    assert steps.unchanged == ["a.pdf", "b.txt"]


def test_new_changed_and_deleted_files_are_told_apart():
    disk = {"new.pdf": fp(), "changed.pdf": fp(mtime=2)}
    indexed = {"changed.pdf": fp(mtime=1, sha="s"), "gone.pdf": fp()}
    steps = plan(disk, indexed)
    assert steps.add == ["new.pdf"]
    assert steps.check == ["changed.pdf"]
    assert steps.remove == ["gone.pdf"]


def test_a_changed_sidecar_is_a_change():
    steps = plan({"a.pdf": fp(sidecar="10:5")}, {"a.pdf": fp(sidecar="")})
    assert steps.check == ["a.pdf"]


def test_same_content_with_new_mtime_is_only_touched():
    disk = {"a.pdf": fp(mtime=2)}
    indexed = {"a.pdf": fp(mtime=1, sha="same")}
    done = confirm(["a.pdf"], {"a.pdf": "same"}, disk, indexed)
    assert (done.touch, done.update) == (["a.pdf"], [])


def test_new_content_is_extracted_again():
    disk = {"a.pdf": fp(mtime=2)}
    indexed = {"a.pdf": fp(mtime=1, sha="old")}
    done = confirm(["a.pdf"], {"a.pdf": "new"}, disk, indexed)
    assert (done.touch, done.update) == ([], ["a.pdf"])


def test_same_content_but_new_sidecar_is_extracted_again():
    disk = {"a.pdf": fp(mtime=2, sidecar="1:2")}
    indexed = {"a.pdf": fp(mtime=1, sha="same")}
    assert confirm(["a.pdf"], {"a.pdf": "same"}, disk, indexed).update == ["a.pdf"]


def test_a_restamp_stands_for_the_content_the_index_holds():
    indexed = {"a.pdf": (fp(mtime=1, sha="same"), "ok"), "b.pdf": (fp(mtime=1, sha="v2"), "ok")}
    restamps = {"a.pdf": fp(mtime=9, sha="same"), "b.pdf": fp(mtime=9, sha="v1")}
    merged = restamped(indexed, restamps)
    assert merged["a.pdf"] == (fp(mtime=9, sha="same"), "ok")
    assert merged["b.pdf"] == indexed["b.pdf"], "b changed after its restamp: the index is newer"
