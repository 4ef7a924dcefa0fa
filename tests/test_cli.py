"""The `archive` command as cron and staff use it: exit codes, quiet runs, locks, crashes."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from archive import Archive
from archive.store import SETTINGS_FILE, IndexStore
from tests.conftest import SAMPLE, require_corpus


def archive_cmd(*args, docs: Path, index: Path, **kwargs) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "indexer.cli",
        *args,
        "--documents",
        str(docs),
        "--index",
        str(index),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture
def sample_copy(tmp_path) -> tuple[Path, Path]:
    shutil.copytree(SAMPLE, tmp_path / "documents")
    return tmp_path / "documents", tmp_path / "index"


def index_json(docs, index, *extra) -> dict:
    run = archive_cmd("index", "--json", *extra, docs=docs, index=index)
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)


def test_cron_run_is_silent_on_success(sample_copy):
    run = archive_cmd("index", docs=sample_copy[0], index=sample_copy[1])
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


def test_second_run_extracts_nothing(sample_copy):
    first = index_json(*sample_copy)
    second = index_json(*sample_copy)
    assert first["added"] > 10
    assert (second["added"], second["updated"], second["removed"]) == (0, 0, 0)
    assert second["unchanged"] == first["added"]


def test_changed_added_and_deleted_files_are_picked_up(sample_copy):
    docs, index = sample_copy
    index_json(docs, index)
    text = docs / "papers" / "press-release-conference-2025.fr.txt"
    text.write_text(text.read_text(encoding="utf-8") + "\nMot ajouté : zinzolin.\n", "utf-8")
    (docs / "flyers" / "night-cycling.en.pdf").unlink()
    (docs / "papers" / "notes.md").write_text(
        "# Notizen\n\nDie Kriminalprävention in Städten braucht Geduld und Vertrauen.\n", "utf-8"
    )
    summary = index_json(docs, index)
    assert (summary["added"], summary["updated"], summary["removed"]) == (1, 1, 1)
    assert Archive(docs, index).search("zinzolin").total == 1


def test_touched_file_with_same_content_is_not_extracted_again(sample_copy):
    docs, index = sample_copy
    index_json(docs, index)
    pdf = docs / "flyers" / "burglary-prevention.de.pdf"
    os.utime(pdf, (time.time() + 100, time.time() + 100))
    size = Archive(docs, index).store.size_bytes()
    summary = index_json(docs, index)
    assert (summary["touched"], summary["updated"]) == (1, 0)
    assert Archive(docs, index).store.size_bytes() < size + 4096, "no document was rewritten"
    again = index_json(docs, index)
    assert (again["touched"], again["updated"]) == (0, 0)
    assert again["unchanged"] == summary["unchanged"] + 1
    with open(pdf, "ab") as fh:  # a real change after the touch is still seen
        fh.write(b"\n% appended\n")
    assert index_json(docs, index)["updated"] == 1


def test_a_broken_file_exits_1_and_names_the_file_on_stderr(sample_copy):
    docs, index = sample_copy
    (docs / "flyers" / "broken.pdf").write_bytes(b"this is no PDF at all")
    run = archive_cmd("index", docs=docs, index=index)
    assert run.returncode == 1
    assert "flyers/broken.pdf: not a PDF" in run.stderr
    assert run.stdout == ""
    again = archive_cmd("index", docs=docs, index=index)
    assert again.returncode == 0, "an unchanged broken file is not retried every night"
    status = json.loads(archive_cmd("status", "--json", docs=docs, index=index).stdout)
    assert {"path": "flyers/broken.pdf", "reason": "not a PDF"} in status["failures"]


def test_invalid_sidecar_is_a_warning_and_the_document_is_still_indexed(sample_copy):
    docs, index = sample_copy
    (docs / "flyers" / "night-cycling.de.pdf.toml").write_text('titel = "Tippfehler"\n', "utf-8")
    run = archive_cmd("index", docs=docs, index=index)
    assert run.returncode == 1
    assert "night-cycling.de.pdf: invalid sidecar" in run.stderr and "titel" in run.stderr
    assert Archive(docs, index).search("", lang="de").total > 0


def test_second_run_while_one_holds_the_lock_exits_75(sample_copy):
    docs, index = sample_copy
    index_json(docs, index)
    with IndexStore(index).write_lock():
        run = archive_cmd("index", docs=docs, index=index)
    assert run.returncode == 75
    assert "another indexing run" in run.stderr


def test_wait_waits_for_the_running_indexer(sample_copy):
    docs, index = sample_copy
    index_json(docs, index)
    store = IndexStore(index)
    with store.write_lock():
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "indexer.cli",
                "index",
                "--wait",
                "--documents",
                str(docs),
                "--index",
                str(index),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(1.5)
        assert proc.poll() is None, "it should still be waiting"
    assert proc.wait(timeout=60) == 0


def test_full_rebuild_swaps_in_a_new_generation_while_old_one_serves(sample_copy):
    docs, index = sample_copy
    index_json(docs, index)
    archive = Archive(docs, index)
    before = archive.store.current_name()
    hits_before = archive.search("Radikalisierung").total
    errors = []
    stop = threading.Event()

    def keep_searching():
        while not stop.is_set():
            try:
                if archive.search("Radikalisierung").total != hits_before:
                    errors.append("different result during rebuild")
            except Exception as exc:  # anything at all is a failure of the swap
                errors.append(repr(exc))

    reader = threading.Thread(target=keep_searching)
    reader.start()
    try:
        summary = index_json(docs, index, "--full")
    finally:
        stop.set()
        reader.join()
    assert summary["full"] and summary["added"] == summary["added"] > 0
    assert archive.store.current_name() != before
    assert errors == []
    assert archive.search("Radikalisierung").total == hits_before
    assert len(archive.store.generations()) <= 2


def test_index_built_by_another_schema_is_rebuilt_by_the_next_run(sample_copy):
    docs, index = sample_copy
    index_json(docs, index)
    store = IndexStore(index)
    settings_file = index / store.current_name() / SETTINGS_FILE
    settings_file.write_text(json.dumps({"schema_version": 0, "languages": ["de"]}))
    run = archive_cmd("search", "Stadt", docs=docs, index=index)
    assert run.returncode == 2 and "archive index --full" in run.stderr
    nightly = archive_cmd("index", docs=docs, index=index)
    assert nightly.returncode == 0 and "rebuilding it in full" in nightly.stderr
    assert archive_cmd("search", "Stadt", docs=docs, index=index).returncode == 0
    assert archive_cmd("index", docs=docs, index=index).stderr == ""


def test_missing_documents_folder_is_a_usage_error(tmp_path):
    run = archive_cmd("index", docs=tmp_path / "nope", index=tmp_path / "index")
    assert run.returncode == 2 and "documents folder not found" in run.stderr


def test_search_before_any_index_says_what_to_do(tmp_path):
    run = archive_cmd("search", "Stadt", docs=tmp_path, index=tmp_path / "index")
    assert run.returncode == 2 and "archive index" in run.stderr


def test_search_json_has_the_shared_result_shape(sample_copy):
    docs, index = sample_copy
    index_json(docs, index)
    run = archive_cmd("search", "Radikalisierung", "--json", docs=docs, index=index)
    data = json.loads(run.stdout)
    assert {"query", "total", "results"} <= set(data)
    hit = data["results"][0]
    assert {
        "id",
        "path",
        "title",
        "lang",
        "languages",
        "kind",
        "date",
        "score",
        "snippet",
        "translations",
    } <= set(hit)
    assert {"id", "path", "lang", "title"} <= set(hit["translations"][0])


def test_list_shows_which_flyers_lack_a_french_version(sample_copy):
    docs, index = sample_copy
    index_json(docs, index)
    listing = json.loads(archive_cmd("list", "--json", docs=docs, index=index).stdout)
    cycling = next(d for d in listing if d["path"] == "flyers/night-cycling.de.pdf")
    assert {t["lang"] for t in cycling["translations"]} == {"en"}


def test_status_reports_languages_kinds_and_schema(sample_copy):
    docs, index = sample_copy
    index_json(docs, index)
    status = json.loads(archive_cmd("status", "--json", docs=docs, index=index).stdout)
    assert set(status["per_language"]) >= {"de", "en", "fr"}
    assert set(status["per_kind"]) >= {"declaration", "flyer", "paper"}
    assert status["schema_version"] >= 1 and status["last_run"]["finished"]


def test_killed_indexer_leaves_last_index_searchable_and_next_run_finishes(tmp_path):
    corpus = require_corpus()
    docs = tmp_path / "documents"
    shutil.copytree(SAMPLE, docs)
    index = tmp_path / "index"
    sample_count = index_json(docs, index)["added"]
    shutil.copytree(corpus / "files", docs / "debian")
    for kill_after in (0.5, 2.0, 4.0):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "indexer.cli",
                "index",
                "--jobs",
                "2",
                "--documents",
                str(docs),
                "--index",
                str(index),
            ],
            start_new_session=True,
        )
        time.sleep(kill_after)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        assert Archive(docs, index).search("Radikalisierung").total > 0
    summary = index_json(docs, index)
    assert summary["failed"] == []
    total = sample_count + len(list((docs / "debian").iterdir()))
    assert Archive(docs, index).search("", per_page=1).total == total
    assert index_json(docs, index)["added"] == 0
    assert len([p for p in index.iterdir() if p.name.startswith("gen-")]) <= 2


def test_a_sidecar_whose_time_changed_but_not_its_content_costs_no_extraction(sample_copy):
    docs, index = sample_copy
    index_json(docs, index)
    sidecar = docs / "flyers" / "helpline-bilingual.pdf.toml"
    os.utime(sidecar, (time.time() + 100, time.time() + 100))
    assert index_json(docs, index)["updated"] == 0
    sidecar.write_text(sidecar.read_text(encoding="utf-8") + "\n# checked by staff\n", "utf-8")
    summary = index_json(docs, index)
    assert (summary["updated"], summary["warnings"]) == (1, [])
