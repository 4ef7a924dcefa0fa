"""The nightly run with nothing to do: told without opening the index, never wrongly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from archive import Archive
from archive.document import Fingerprint
from archive.store import HOLDINGS_FILE, batch
from indexer.unchanged import holdings, nothing_to_do
from tests.conftest import REPO

GERMAN = (
    "Die Polizei rät allen Bürgerinnen und Bürgern, die Fenster und Türen zu schließen, "
    "wenn sie das Haus verlassen. Auch im Sommer ist es wichtig, dass die Nachbarn auf "
    "die Wohnung achten, wenn man im Urlaub ist und niemand zu Hause ist.\n"
)
ENGLISH = (
    "The police advise all citizens to close their windows and doors when they leave the "
    "house. Even in summer it is important that the neighbours keep an eye on the flat "
    "while you are on holiday and nobody is at home.\n"
)
FRENCH = (
    "La police conseille à tous les citoyens de fermer les fenêtres et les portes quand "
    "ils quittent la maison. Même en été, il est important que les voisins surveillent "
    "l'appartement pendant que vous êtes en vacances et que personne n'est à la maison.\n"
)


@pytest.fixture
def indexed(archive_in: Archive) -> Archive:
    docs = archive_in.documents
    (docs / "fenster.de.txt").write_text(GERMAN, "utf-8")
    (docs / "windows.en.txt").write_text(ENGLISH, "utf-8")
    (docs / "fenetres.fr.txt").write_text(FRENCH, "utf-8")
    report = archive_in.index(jobs=1)
    assert (report.added, report.failed) == (3, [])
    return archive_in


@pytest.fixture
def no_full_run(monkeypatch):
    """Fail the test if the run takes the normal way (the one that opens the index)."""

    def normal_run(*args, **kwargs):
        raise AssertionError("the normal run was started")

    monkeypatch.setattr("indexer.pipeline.run", normal_run)


def test_a_run_with_nothing_changed_is_told_without_the_normal_run(indexed, no_full_run):
    report = indexed.index()
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, 3)
    assert indexed.store.last_run()["unchanged"] == 3


def test_a_run_with_nothing_changed_loads_no_whoosh(indexed):
    script = (
        "import sys; from archive import Archive; "
        f"r = Archive({str(indexed.documents)!r}, {str(indexed.store.root)!r}).index(); "
        "print(r.unchanged, 'whoosh.index' in sys.modules)"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert run.stdout.split() == ["3", "False"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("edited", {"updated": 1}),
        ("touched", {"touched": 1}),
        ("added", {"added": 1}),
        ("removed", {"removed": 1}),
        ("sidecar", {"updated": 1}),
    ],
)
def test_a_changed_added_or_removed_document_is_never_taken_for_nothing_to_do(
    indexed, change, expected
):
    docs = indexed.documents
    german = docs / "fenster.de.txt"
    if change == "edited":
        german.write_text(GERMAN + "Ein neuer Satz über die Einbruchsprävention.\n", "utf-8")
    elif change == "touched":
        later = time.time() + 100
        os.utime(german, (later, later))
    elif change == "added":
        (docs / "fenster-kopie.de.txt").write_text(GERMAN, "utf-8")
    elif change == "removed":
        german.unlink()
    else:
        (docs / "fenster.de.txt.toml").write_text('title = "Fenster schließen"\n', "utf-8")
    report = indexed.index()
    found = {key: getattr(report, key) for key in ("added", "updated", "removed", "touched")}
    assert found == {**dict.fromkeys(found, 0), **expected}


def test_a_commit_since_the_last_run_is_noticed(indexed):
    """Whatever wrote to the index after the record, the record is no longer trusted."""
    with batch(indexed.store.open_index()) as writer:
        writer.remove("windows.en.txt")
    report = indexed.index()
    assert report.added == 1
    assert indexed.search("neighbours").total == 1


def test_a_record_of_another_generation_is_not_trusted(indexed):
    store = indexed.store
    old = store.root / store.current_name()
    shutil.copy(old / HOLDINGS_FILE, store.root / "kept-holdings.json")
    indexed.index(full=True)
    new = store.root / store.current_name()
    assert new != old
    (new / HOLDINGS_FILE).unlink()
    with batch(store.open_index()) as writer:  # what the copied record does not know
        writer.remove("windows.en.txt")
    shutil.copy(store.root / "kept-holdings.json", new / HOLDINGS_FILE)
    assert store.holdings() is None
    assert indexed.index().added == 1


def test_missing_translations_are_made_again(indexed):
    store = indexed.store
    translations = store.translations_file(store.root / store.current_name())
    translations.unlink()
    indexed.index()
    assert translations.exists()


def test_the_record_is_what_the_index_holds_after_every_kind_of_change(indexed):
    """The run works out the record from what it wrote; it must equal a reading of the
    index, since the next run with work reads it instead of the index."""
    store, docs = indexed.store, indexed.documents
    steps = [
        lambda: (docs / "windows.en.txt").write_text(ENGLISH + "Updated.\n", "utf-8"),
        lambda: (docs / "fenetres.fr.txt").unlink(),
        lambda: (docs / "leer.txt").write_bytes(b""),  # a failure record
        lambda: os.utime(docs / "fenster.de.txt", (time.time() + 50, time.time() + 50)),
        lambda: (docs / "neu.fr.txt").write_text(FRENCH, "utf-8"),
    ]
    for step in steps:
        step()
        indexed.index(jobs=2)
        assert store.holdings() == store.fingerprints()
    indexed.index(full=True)
    assert store.holdings() == store.fingerprints()


def test_a_file_to_retry_or_translations_to_make_leave_no_record():
    ok = Fingerprint(10, 1, "abc")
    assert holdings({"a.txt": (ok, "ok"), "b.pdf": (ok, "failed")}, True) == {
        "a.txt": (ok, "ok"),
        "b.pdf": (ok, "failed"),
    }
    assert holdings({"a.txt": (ok, "ok"), "b.pdf": (ok, "retry")}, True) is None
    assert holdings({"a.txt": (ok, "ok")}, translations_made=False) is None


def test_nothing_to_do_only_when_every_file_has_the_recorded_stat():
    held = {"a.txt": Fingerprint(10, 1, "abc")}
    assert nothing_to_do({"a.txt": Fingerprint(10, 1)}, held)
    assert not nothing_to_do({"a.txt": Fingerprint(10, 2)}, held)
    assert not nothing_to_do({"a.txt": Fingerprint(11, 1)}, held)
    assert not nothing_to_do({"a.txt": Fingerprint(10, 1, "", "sha1:0123")}, held)
    assert not nothing_to_do({"a.txt": Fingerprint(10, 1), "b.txt": Fingerprint(1, 1)}, held)
    assert not nothing_to_do({}, held)


def test_a_record_read_again_is_the_file_as_it_is_now(indexed):
    """The store keeps the record it read last (a run with work reads it twice); a
    record written since, or damaged since, is read from the file again."""
    store = indexed.store
    first = store.holdings()
    assert first and store.holdings() == first
    gen = store.root / store.current_name()
    shorter = {path: entry for path, entry in first.items() if path != "windows.en.txt"}
    store.write_holdings(gen, shorter)
    assert store.holdings() == shorter
    (gen / HOLDINGS_FILE).write_text("{}", "utf-8")
    assert store.holdings() is None
