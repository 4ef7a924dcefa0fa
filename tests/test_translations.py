"""Language versions nobody tagged are found automatically; staff can reject a link."""

import csv
import json
import pickle
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from webtest import TestApp

from archive import Archive
from indexer.grouping import regroup
from tests.conftest import require_corpus
from web.app import create_app


@pytest.fixture(scope="module")
def manifest_groups():
    corpus = require_corpus()
    with open(corpus / "manifest.tsv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return {row["file"]: row["group"] for row in rows}


def test_every_corpus_group_is_found_without_names(corpus_archive, manifest_groups):
    docs = corpus_archive.all_documents()
    found = {(d.path, t.path) for d in docs for t in d.translations}
    truth = {
        (a, b)
        for a in manifest_groups
        for b in manifest_groups
        if a != b and manifest_groups[a] == manifest_groups[b]
    }
    assert found == truth
    assert {t.source for d in docs for t in d.translations} == {"automatic"}


def test_automatic_links_carry_confidence_and_evidence(corpus_archive):
    doc = next(d for d in corpus_archive.all_documents() if d.path == "c011.html")
    link = next(t for t in doc.translations if t.path == "c010.html")
    assert link.confidence >= 0.8
    assert link.evidence and all(isinstance(e, str) for e in link.evidence)


def test_api_and_document_page_show_where_a_link_comes_from(corpus_archive):
    app = TestApp(create_app(corpus_archive))
    doc = next(d for d in corpus_archive.all_documents() if d.path == "c011.html")
    data = app.get(f"/api/documents/{doc.id}").json
    assert {t["source"] for t in data["translations"]} == {"automatic"}
    assert all(t["confidence"] for t in data["translations"])
    page = app.get(f"/documents/{doc.id}", params={"ui": "de"})
    assert "automatisch gefunden" in page.text and "Warum?" in page.text


def test_named_versions_keep_their_source(sample_archive):
    doc = next(
        d for d in sample_archive.all_documents() if d.path == "flyers/burglary-prevention.de.pdf"
    )
    assert {t.source for t in doc.translations} == {"name"}


def three_versions(tmp_path):
    """The FAQ's three language versions of one chapter (c010-c012), indexed."""
    corpus = require_corpus()
    docs = tmp_path / "documents"
    docs.mkdir()
    for name in ("c010.html", "c011.html", "c012.html"):
        shutil.copy(corpus / "files" / name, docs / name)
    archive = Archive(docs, tmp_path / "index")
    archive.index(jobs=1)
    return docs, archive


def test_a_rejection_in_a_sidecar_survives_reindexing(tmp_path):
    docs, archive = three_versions(tmp_path)
    german = next(d for d in archive.all_documents() if d.path == "c011.html")
    assert {t.path for t in german.translations} == {"c010.html", "c012.html"}

    (docs / "c011.html.toml").write_text('not_translations = ["c012.html"]\n', "utf-8")
    archive.index(jobs=1)
    for _ in range(2):
        german = next(d for d in archive.all_documents() if d.path == "c011.html")
        assert "c012.html" not in {t.path for t in german.translations}
        with open(docs / "c010.html", "a", encoding="utf-8") as fh:
            fh.write("\n<!-- edited -->\n")  # another run with a change elsewhere
        assert archive.index(jobs=1).updated == 1


def test_help_pages_are_linked_by_the_markup_their_translations_keep(tmp_path):
    """Through the whole pipeline: the anchors and icons of HTML pages reach the aligner.

    Short help pages share no number, name or word across languages; only their
    markup (paragraph ids, bookmarks, icon file names) tells that three are one page.
    File names are opaque, so nothing else can link them. (The site needs a few pages:
    in a four-page archive every mark is common, and weighs little.)
    """
    from tests.test_align import HELP, HELP_PAGE, PRINT, SAVE, ZOOM_IN, ZOOM_OUT

    docs = tmp_path / "documents"
    docs.mkdir()
    pages = [(f"p{n}.html", lang, ZOOM_IN, "zoomin", ("id3148491", "id3145069", "id3155854"))
             for n, lang in enumerate(("de", "en", "fr"))]  # fmt: skip
    pages.append(("p9.html", "de", ZOOM_OUT, "zoomout", ("id3159096", "id3150398", "id3153192")))
    for n, lang in enumerate(("en", "fr")):
        pages.append((f"q{n}.html", lang, PRINT, "print", ("id3154100", "id3156027", "id3150127")))
        pages.append((f"r{n}.html", lang, SAVE, "save", ("id3147543", "id3153255", "id3152551")))
    for name, lang, texts, icon, ids in pages:
        title, body = texts[lang]
        html = HELP_PAGE.format(
            title=title, body=body, lang=lang, help=HELP[lang], bookmark=ids[0],
            first=ids[1], second=ids[2], icon=f"sc_{icon}.svg",
        )  # fmt: skip
        (docs / name).write_text(html, encoding="utf-8")
    archive = Archive(docs, tmp_path / "index")
    archive.index(jobs=1)
    german = next(d for d in archive.all_documents() if d.path == "p0.html")
    assert "#par_id3145069" in german.marks
    found = {t.path: t for t in german.translations}
    assert set(found) == {"p1.html", "p2.html"}
    assert all(t.source == "automatic" for t in found.values())
    alone = next(d for d in archive.all_documents() if d.path == "p9.html")
    assert alone.translations == []


def test_the_aligners_profiles_are_kept_for_unchanged_documents(tmp_path):
    """After one file changed, only its profile is computed again (the others are kept)."""
    docs, archive = three_versions(tmp_path)
    before = archive.store.align_profiles().keys()
    assert len(before) == 3
    with open(docs / "c012.html", "a", encoding="utf-8") as fh:
        fh.write("\n<p>Une phrase ajoutée pour le test.</p>\n")
    archive.index(jobs=1)
    after = archive.store.align_profiles().keys()
    assert len(after) == 3 and len(before & after) == 2


def test_translations_command_lists_groups_and_missing_versions(sample_archive):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "indexer.cli",
            "translations",
            "--json",
            "--suggestions",
            "--documents",
            str(sample_archive.documents),
            "--index",
            str(sample_archive.store.root),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(run.stdout)
    assert {"groups", "missing", "drift", "suggestions"} <= set(report)
    assert "flyers/night-cycling.de.pdf + flyers/night-cycling.en.pdf" in report["missing"]["fr"]
    sources = {g["source"] for g in report["groups"]}
    assert {"name", "explicit"} <= sources


def test_regrouping_with_profiles_kept_from_the_last_run_changes_nothing(corpus_archive):
    docs = corpus_archive.all_documents()
    profiles = {}
    fresh = regroup(docs)[0]
    assert regroup(docs, profiles)[0] == fresh
    assert len(profiles) == len(docs)
    assert regroup(docs, profiles)[0] == fresh  # now every profile comes from the cache


def chapters(tmp_path, names):
    """FAQ chapters of the shared corpus (three versions each, some alone), indexed."""
    corpus = require_corpus()
    docs = tmp_path / "documents"
    docs.mkdir()
    for name in names:
        shutil.copy(corpus / "files" / name, docs / name)
    archive = Archive(docs, tmp_path / "index")
    archive.index(jobs=1)
    return docs, archive


def aligned_from_scratch(archive) -> dict:
    """What a full alignment of the indexed state gives: every text read, nothing kept."""
    store = archive.store
    return json.loads(
        json.dumps(regroup(store.documents(store.open_index()))[0], ensure_ascii=False)
    )


def chapter_changes(docs: Path) -> list:
    """One change at a time to the FAQ chapters: an edit, a deletion, a new file, a rejection."""
    french = (docs / "c012.html").read_text("utf-8")
    return [
        # the French version loses its second half: its length, shape and spread change
        lambda: (docs / "c012.html").write_text(french[: len(french) // 2], "utf-8"),
        lambda: (docs / "c014.html").unlink(),
        lambda: shutil.copy(require_corpus() / "files" / "c025.html", docs / "c025.html"),
        lambda: (docs / "c011.html.toml").write_text('not_translations = ["c010.html"]\n', "utf-8"),
    ]


def test_reindexing_after_changes_gives_what_aligning_from_scratch_gives(tmp_path):
    names = [f"c0{n}.html" for n in range(10, 25)]
    docs, archive = chapters(tmp_path, names)
    store = archive.store
    assert store.translations() == aligned_from_scratch(archive)
    for change in chapter_changes(docs):
        change()
        report = archive.index(jobs=1)
        assert report.added + report.updated + report.removed == 1
        gen = store.root / store.current_name()
        memo = store.pair_memo(gen)
        assert memo.hits > 0  # factors kept from the last run were used
        assert store.translations() == aligned_from_scratch(archive)


def test_what_the_aligner_reads_of_unchanged_documents_is_kept_not_read_again(tmp_path):
    """A probe: the kept record of an unchanged document says c011 is no version of c010.

    An incremental run after another file changed obeys it (the kept record was used,
    the index was not read); a full run reads the index again and links them.
    """
    docs, archive = chapters(tmp_path, ["c010.html", "c011.html", "c012.html"])
    store = archive.store
    gen = store.root / store.current_name()
    kept = store.align_documents(gen).entries
    _stamp, german = kept["c011.html"]
    assert german.segments == []  # no text kept
    german.not_translations.append("c010.html")
    store.write_align_documents(gen, kept)

    with open(docs / "c012.html", "a", encoding="utf-8") as fh:
        fh.write("\n<p>Une phrase ajoutée pour le test.</p>\n")
    archive.index(jobs=1)
    links = store.translations()["links"]
    ids = {d.path: d.id for d in archive.all_documents()}
    assert ids["c010.html"] not in links.get(ids["c011.html"], {})

    archive.index(jobs=1, full=True)
    links = store.translations()["links"]
    assert ids["c010.html"] in links[ids["c011.html"]]


def test_a_run_that_changed_one_file_leaves_the_aligners_record_of_the_others_alone(tmp_path):
    """What the aligner read of each document is kept whole once, then as changes beside
    it: the run writes one entry, not all, and the next one reads both."""
    names = [f"c0{n}.html" for n in range(10, 25)]
    docs, archive = chapters(tmp_path, names)
    store = archive.store
    gen = store.root / store.current_name()
    whole, since = gen / "align-documents.pickle", gen / "align-documents-since.pickle"
    written = (whole.stat().st_ino, whole.stat().st_mtime_ns)
    with open(docs / "c013.html", "a", encoding="utf-8") as fh:
        fh.write("\n<p>Une phrase ajoutée pour le test.</p>\n")
    archive.index(jobs=1)
    assert (whole.stat().st_ino, whole.stat().st_mtime_ns) == written and since.exists()
    kept = store.align_documents(gen)
    assert sorted(kept.entries) == names
    assert kept.entries["c013.html"][0] != kept.whole["c013.html"][0]  # the new version's
    assert store.translations() == aligned_from_scratch(archive)
    # Changes counted from another whole file are not applied.
    since.write_bytes(pickle.dumps(("0" * 16, {}, ["c010.html"])))
    assert store.align_documents(gen).entries == kept.whole


def linked_pairs(translations: dict) -> set[frozenset[str]]:
    return {frozenset((a, b)) for a, others in translations["links"].items() for b in others}


def test_incremental_alignments_link_what_aligning_from_scratch_links(tmp_path, monkeypatch):
    """Large archives with few changes are aligned incrementally, with the statistics of
    the last full alignment (indexer/align_update.py); here forced on 15 chapters."""
    from indexer import align_update

    monkeypatch.setattr(align_update, "INCREMENTAL_FROM", 1)
    monkeypatch.setattr(align_update, "REFRESH_SHARE", 1.0)
    names = [f"c0{n}.html" for n in range(10, 25)]
    docs, archive = chapters(tmp_path, names)
    store = archive.store
    french = (docs / "c012.html").read_text("utf-8")
    changes = [*chapter_changes(docs), lambda: (docs / "c012.html").write_text(french, "utf-8")]
    gen = store.root / store.current_name()
    written_once = kept_whole(gen)  # the last full alignment's weights and pair factors
    assert len(written_once) == 2
    for number, change in enumerate(changes, start=1):
        change()
        archive.index(jobs=1)
        state = store.align_state(store.root / store.current_name())
        assert state.changed >= number  # aligned incrementally, from the last run's state
        assert linked_pairs(store.translations()) == linked_pairs(aligned_from_scratch(archive))
        assert kept_whole(gen) == written_once and (gen / "align-pairs-since.pickle").exists()
    ids = {d.path: d.id for d in archive.all_documents()}
    assert ids["c010.html"] not in store.translations()["links"].get(ids["c011.html"], {})
    archive.index(jobs=1, full=True)
    gen = store.root / store.current_name()
    assert store.align_state(gen).changed == 0
    assert len(kept_whole(gen)) == 2 and not (gen / "align-pairs-since.pickle").exists()


def kept_whole(gen: Path) -> dict[str, tuple[int, int]]:
    """The files a full alignment writes once (weights, pair factors): name -> inode, mtime."""
    found = [*gen.glob("align-weights-*.pickle"), gen / "align-pairs.pickle"]
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in found if p.exists()}


def test_an_unreadable_kept_profile_is_made_again_from_the_text(tmp_path):
    """The aligner's keyed file loses an entry: the run reads that text from the index."""
    names = [f"c0{n}.html" for n in range(10, 16)]
    docs, archive = chapters(tmp_path, names)
    before = linked_pairs(archive.store.translations())
    kept = archive.store.align_profiles()
    kept.keep_only(sorted(kept.keys())[1:])  # one profile gone
    with open(docs / "c013.html", "a", encoding="utf-8") as fh:
        fh.write("\n<p>Une phrase ajoutée pour le test.</p>\n")
    archive.index(jobs=1)
    assert linked_pairs(archive.store.translations()) == before
    assert len(archive.store.align_profiles().keys()) == len(names)
    # A damaged entry: its key is there, its value cannot be read.
    with sqlite3.connect(kept.path) as db:
        db.execute("UPDATE entries SET value = ? WHERE key = ?", (b"torn", min(kept.keys())))
    with open(docs / "c013.html", "a", encoding="utf-8") as fh:
        fh.write("\n<p>Encore une phrase.</p>\n")
    archive.index(jobs=1)
    assert linked_pairs(archive.store.translations()) == before
