"""Crashes and concurrency: killed runs, a full disk, a read-only index, two crons, readers.

Every test drives the `archive` command as cron does, in a subprocess, on a copy of
the sample archive. What must hold after each blow: the index opens and serves the
last committed state, no stale lock blocks the next run, temporary files and
generations do not pile up, and the next run completes.

More kill points on demand: `ARCHIVE_KILL_POINTS=50 python -m pytest tests/test_crash_safety.py`.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from archive import Archive, IndexLocked
from archive.store import GEN_PREFIX, IndexStore
from indexer.extract import supported_suffixes
from indexer.scan import scan
from tests.conftest import SAMPLE
from tests.hostile import GERMAN, REPO, text_pdf
from tests.server import served

KILL_POINTS = int(os.environ.get("ARCHIVE_KILL_POINTS", "10"))
QUERIES = ["Einbruch", "Radikalisierung", "night", "sécurité", ""]


def archive_cmd(*args: str, docs: Path, index: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "indexer.cli", *args, "--documents", str(docs),
               "--index", str(index)]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=REPO)


def start_index(docs: Path, index: Path, *args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "indexer.cli", "index", "--jobs", "2", *args,
               "--documents", str(docs), "--index", str(index)]  # fmt: skip
    return subprocess.Popen(
        command, cwd=REPO, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def workers_of(process: subprocess.Popen) -> list[int]:
    try:
        with open(f"/proc/{process.pid}/task/{process.pid}/children") as fh:
            return [int(pid) for pid in fh.read().split()]
    except FileNotFoundError:
        return []


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def all_gone(pids: list[int], within: float = 5.0) -> bool:
    """Whether the processes have exited (polled: SIGKILL takes effect within ms)."""
    deadline = time.monotonic() + within
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def lock_is_free(index: Path, within: float = 5.0) -> bool:
    """Whether a new run could take the write lock (polled: a killed worker dies in ms)."""
    deadline = time.monotonic() + within
    while True:
        try:
            with IndexStore(index).write_lock():
                return True
        except IndexLocked:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)


def state(docs: Path, index: Path) -> tuple[frozenset[str], dict[str, int]]:
    """(paths of the indexed documents, hits per query), read by a fresh Archive."""
    archive = Archive(docs, index)
    paths = frozenset(doc.path for doc in archive.all_documents())
    return paths, {q: archive.search(q, per_page=1).total for q in QUERIES}


def on_disk(docs: Path) -> frozenset[str]:
    return frozenset(scan(docs, supported_suffixes()).files)


def leftovers(index: Path) -> tuple[list[str], list[str]]:
    """(generation folders, temporary files) in the index folder."""
    gens = sorted(p.name for p in index.iterdir() if p.name.startswith(GEN_PREFIX))
    temps = sorted(str(p.relative_to(index)) for p in index.rglob("*") if ".tmp" in p.name)
    return gens, temps


@pytest.fixture
def sample_copy(tmp_path) -> tuple[Path, Path]:
    shutil.copytree(SAMPLE, tmp_path / "documents")
    return tmp_path / "documents", tmp_path / "index"


def change_some_files(docs: Path, step: int) -> None:
    """Work for the next incremental run: add, change and remove files, change PDFs."""
    papers = docs / "papers"
    (papers / f"added-{step}.de.txt").write_text(
        f"Nachtrag {step}\n\n{GERMAN} Schritt {step}.\n", encoding="utf-8"
    )
    (papers / f"added-{step - 2}.de.txt").unlink(missing_ok=True)
    with open(papers / "pressemitteilung-konferenz-strassburg.de.txt", "a", encoding="utf-8") as fh:
        fh.write(f"\nNachtrag {step}: {GERMAN}\n")
    for pdf in sorted((docs / "declarations").glob("*.pdf"))[:3]:
        with open(pdf, "ab") as fh:  # after %%EOF: still the same, valid PDF
            fh.write(b"\n%% step %d\n" % step)


def kill(process: subprocess.Popen, whole_group: bool) -> None:
    """SIGKILL the run as systemd does (the whole group) or as `timeout -s KILL` does."""
    if whole_group:
        os.killpg(process.pid, signal.SIGKILL)
    else:
        process.kill()
    process.communicate()


def test_sigkill_at_random_moments_of_incremental_runs_loses_nothing(sample_copy):
    docs, index = sample_copy
    assert archive_cmd("index", docs=docs, index=index).returncode == 0
    rng = random.Random(2025)
    seen = {"old state": 0, "new state": 0}
    for step in range(KILL_POINTS):
        before, _hits = state(docs, index)
        change_some_files(docs, step)
        process = start_index(docs, index)
        time.sleep(rng.uniform(0.2, 4.5))  # a run takes ~2.7 s: before, during and after
        workers = workers_of(process)
        kill(process, whole_group=step % 2 == 0)
        assert lock_is_free(index), f"kill point {step}: the lock is still held"
        assert all_gone(workers), "a worker outlived its indexer"
        paths, hits = state(docs, index)
        assert paths in (before, on_disk(docs)), f"kill point {step}: a half-applied run"
        assert hits["Einbruch"] > 0
        seen["old state" if paths == before else "new state"] += 1
        gens, _temps = leftovers(index)
        assert len(gens) <= 3  # current, previous, and at most one killed rebuild
    print(f"\n{KILL_POINTS} kill points (incremental): {seen}")
    finished = archive_cmd("index", docs=docs, index=index)
    assert finished.returncode == 0, finished.stderr
    assert state(docs, index)[0] == on_disk(docs)
    assert leftovers(index)[1] == []
    assert len(leftovers(index)[0]) <= 2
    fresh = archive_cmd("index", docs=docs, index=index.parent / "fresh")
    assert fresh.returncode == 0
    assert state(docs, index) == state(docs, index.parent / "fresh")


def test_sigkill_at_random_moments_of_full_rebuilds_keeps_serving(sample_copy):
    docs, index = sample_copy
    assert archive_cmd("index", docs=docs, index=index).returncode == 0
    expected = state(docs, index)
    rng = random.Random(75)
    generations = set()
    for step in range(KILL_POINTS):
        process = start_index(docs, index, "--full")
        time.sleep(rng.uniform(0.3, 4.0))
        workers = workers_of(process)
        kill(process, whole_group=step % 2 == 1)
        assert lock_is_free(index), f"kill point {step}: the lock is still held"
        assert all_gone(workers), "a worker outlived its indexer"
        assert state(docs, index) == expected, f"kill point {step}: not the committed state"
        gens, _temps = leftovers(index)
        assert len(gens) <= 3
        generations.add(IndexStore(index).current_name())
    print(f"\n{KILL_POINTS} kill points (--full): generations served {sorted(generations)}")
    finished = archive_cmd("index", "--full", docs=docs, index=index)
    assert finished.returncode == 0, finished.stderr
    assert state(docs, index) == expected
    gens, temps = leftovers(index)
    assert len(gens) <= 2 and temps == []


def test_killing_only_the_indexer_stops_its_workers_and_frees_the_lock(tmp_path):
    """`timeout -s KILL` or the OOM killer hit the indexer, not its workers.

    A worker inherits the write lock; had it lived on (here on a 5,000-page file that
    takes ~20 s), every cron run would have exited 75 until it finished.
    """
    docs = tmp_path / "documents"
    docs.mkdir()
    pages = [[f"Seite {n}: {GERMAN[:70]}"] for n in range(5000)]
    (docs / "long.pdf").write_bytes(text_pdf(pages))
    index = tmp_path / "index"
    process = start_index(docs, index, "--jobs", "1")
    deadline = time.monotonic() + 20
    while not (workers := workers_of(process)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert workers, "the indexer started no worker"
    time.sleep(1.0)
    process.kill()
    process.communicate()
    assert lock_is_free(index), "the worker kept the lock"
    assert all_gone(workers)
    again = archive_cmd("index", "--timeout", "2", docs=docs, index=index)
    assert again.returncode == 1 and "long.pdf: timeout" in again.stderr


def test_a_half_written_file_of_a_killed_swap_is_removed_by_the_next_run(sample_copy):
    docs, index = sample_copy
    assert archive_cmd("index", docs=docs, index=index).returncode == 0
    stale = [index / ".CURRENT.4242.tmp", index / ".last-run.json.4242.tmp"]
    for path in stale:
        path.write_text("gen-0000", encoding="utf-8")  # what a kill between write and rename leaves
    assert archive_cmd("index", docs=docs, index=index).returncode == 0
    assert not any(path.exists() for path in stale)


# -- a full disk, a read-only index folder ------------------------------------------------------


def mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount here ({result.stderr.strip() or 'not root'}); needs root")


@pytest.fixture
def small_disk(tmp_path):
    """A 6 MB tmpfs for the index: room for the sample index and a little more."""
    folder = tmp_path / "index"
    folder.mkdir()
    mount("-t", "tmpfs", "-o", "size=6m", "tmpfs", str(folder))
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path, leave_kb: int = 8) -> Path:
    free = shutil.disk_usage(folder).free
    filler = folder / "filler"
    with open(filler, "wb") as fh:
        fh.truncate(0)
        chunk = b"\0" * (1 << 16)
        for _ in range(max(0, free - leave_kb * 1024) // len(chunk)):
            fh.write(chunk)
    return filler


def assert_one_clear_line(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode in (1, 2), result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("archive: "), result.stderr
    assert all(word in lines[0] for word in words), lines[0]
    assert "Traceback" not in result.stderr


def test_a_full_disk_is_one_clear_error_and_the_index_keeps_its_answers(tmp_path, small_disk):
    docs = tmp_path / "documents"
    shutil.copytree(SAMPLE, docs)
    assert archive_cmd("index", docs=docs, index=small_disk).returncode == 0
    before = state(docs, small_disk)
    filler = fill(small_disk)
    for n in range(3):
        (docs / "papers" / f"neu-{n}.de.txt").write_text(f"Neu {n}\n\n{GERMAN * 40}\n", "utf-8")
    for args in (["index"], ["index", "--full"]):
        result = archive_cmd(*args, docs=docs, index=small_disk)
        assert_one_clear_line(result, "No space left on device")
        assert state(docs, small_disk) == before, f"{args}: the previous index changed"
    filler.unlink()
    after = archive_cmd("index", docs=docs, index=small_disk)
    assert after.returncode == 0, after.stderr
    assert state(docs, small_disk)[0] == on_disk(docs)
    gens, temps = leftovers(small_disk)
    assert len(gens) <= 2 and temps == []


def test_a_read_only_index_folder_is_one_clear_error_and_still_answers(tmp_path):
    docs, writable, frozen = tmp_path / "documents", tmp_path / "index", tmp_path / "frozen"
    shutil.copytree(SAMPLE, docs)
    assert archive_cmd("index", docs=docs, index=writable).returncode == 0
    before = state(docs, writable)
    frozen.mkdir()
    mount("--bind", str(writable), str(frozen))
    try:
        mount("-o", "remount,bind,ro", str(frozen))
        (docs / "papers" / "neu.de.txt").write_text(f"Neu\n\n{GERMAN}\n", "utf-8")
        for args in (["index"], ["index", "--full"], ["index", "--wait"]):
            assert_one_clear_line(
                archive_cmd(*args, docs=docs, index=frozen), "Read-only file system"
            )
        assert state(docs, frozen) == before
        search = archive_cmd("search", "Einbruch", "--json", docs=docs, index=frozen)
        assert search.returncode == 0 and json.loads(search.stdout)["total"] > 0
    finally:
        subprocess.run(["umount", "-l", str(frozen)], check=False)


# -- two cron runs, readers during a rebuild ----------------------------------------------------


def test_two_cron_runs_started_at_once_one_indexes_and_the_other_exits_75(sample_copy):
    docs, index = sample_copy
    first, second = start_index(docs, index), start_index(docs, index)
    results = [(p.wait(timeout=120), p.communicate()[1].decode()) for p in (first, second)]
    assert sorted(code for code, _ in results) == [0, 75]
    assert "another indexing run" in next(err for code, err in results if code == 75)
    assert state(docs, index)[0] == on_disk(docs)


def test_with_wait_the_second_cron_run_queues_and_finds_nothing_left(sample_copy):
    docs, index = sample_copy
    runs = [start_index(docs, index, "--wait", "--json") for _ in range(2)]
    summaries = []
    for process in runs:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        summaries.append(json.loads(out))
    added = sorted(summary["added"] for summary in summaries)
    assert added == [0, len(on_disk(docs))]


def test_pages_and_search_keep_answering_while_full_rebuilds_swap_in(sample_copy, tmp_path):
    docs, index = sample_copy
    assert archive_cmd("index", docs=docs, index=index).returncode == 0
    with served(docs, index, tmp_path / "server.log") as server:
        hits = _get_json(f"{server.url}/api/search?q=Einbruch")
        doc_id = hits["results"][0]["id"]
        generation = _get_json(f"{server.url}/api/health")["generation"]
        paths = ["/", "/?q=Einbruch", "/api/search?q=Einbruch", f"/documents/{doc_id}",
                 f"/compare/{doc_id}", "/api/health", f"/documents/{doc_id}/file"]  # fmt: skip
        counts = {"requests": 0, "errors": []}
        stop = threading.Event()

        def client(offset: int) -> None:
            n = offset
            while not stop.is_set():
                path = paths[n % len(paths)]
                n += 1
                try:
                    with urllib.request.urlopen(server.url + path, timeout=10) as answer:
                        body = answer.read()
                        if path.startswith("/api/search"):
                            assert json.loads(body)["total"] == hits["total"]
                except (OSError, AssertionError, ValueError) as exc:
                    counts["errors"].append(f"{path}: {exc!r}")
                counts["requests"] += 1

        clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
        for thread in clients:
            thread.start()
        try:
            for _ in range(2):  # the second swap deletes the generation served at first
                rebuild = archive_cmd("index", "--full", docs=docs, index=index)
                assert rebuild.returncode == 0, rebuild.stderr
            time.sleep(1.0)  # and a moment on the new generation
        finally:
            stop.set()
            for thread in clients:
                thread.join(timeout=30)
        now = _get_json(f"{server.url}/api/health")["generation"]
    print(
        f"\nduring two full rebuilds: {counts['requests']} requests, {len(counts['errors'])} errors"
    )
    assert counts["errors"] == []
    assert counts["requests"] > 50
    assert now.split("/")[0] != generation.split("/")[0], "no new generation was swapped in"


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.load(answer)
