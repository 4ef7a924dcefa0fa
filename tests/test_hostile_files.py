"""Hostile files: each one ends indexed or reported with a reason, and none stops the run.

The documents folder comes from tests/hostile.py (about 150 files: damaged and
encrypted PDFs, decompression bombs, cyclic and deep page trees, 5,000 pages, odd
HTML and text, empty and unreadable files, links out of the root and loops,
awkward names). It is indexed once, the way cron runs it: `archive index` as a
process with small limits (--timeout 10 --memory-mb 512, two workers). As root,
the run goes without root's power to read every file (setpriv drops
CAP_DAC_OVERRIDE), so unreadable files really are unreadable.

`pytest tests/test_hostile_files.py -s` prints what became of each family of files.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

from archive import Archive
from tests.hostile import (
    EITHER,
    FAILED,
    FORGED,
    INDEXED,
    REASONS,
    REPO,
    SKIPPED,
    Case,
    build,
)

TIMEOUT = 10
MEMORY_MB = 512
#: The whole run: ~15 s on two cores; a file that hung would cost TIMEOUT, not forever.
RUN_SECONDS = 100
UNPRIVILEGED = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
                "--bounding-set=-dac_override,-dac_read_search"]  # fmt: skip


@dataclass
class Run:
    cases: list[Case]
    archive: Archive
    report: dict
    stderr: str
    returncode: int
    seconds: float
    max_rss_mb: int
    unprivileged: bool

    def outcome(self, path: str) -> tuple[str, str]:
        """(indexed | failed | skipped | missing, reason) of one path."""
        if path in self.documents:
            return INDEXED, ""
        for kind in (FAILED, SKIPPED):
            for entry in self.report[kind]:
                if entry["path"] == path:
                    return kind, entry["reason"]
        return "missing", ""

    @property
    def documents(self) -> dict:
        return {doc.path: doc for doc in self.archive.all_documents()}


#: Runs a command as a child of this small process and writes the child's peak resident
#: size in kB (its own or a reaped worker's) to a file. Measured here, not by the test
#: process: Linux counts the memory a process had before `exec` in its peak, so a child
#: of pytest (hundreds of MB by the time this runs) would report pytest's size.
MEASURED = """import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as fh:
    fh.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def index_like_cron(documents: Path, index: Path, *extra: str) -> tuple[int, str, str, float, int]:
    """(exit code, stdout, stderr, seconds, largest resident size in MB of any process)."""
    prefix = UNPRIVILEGED if os.geteuid() == 0 and shutil.which("setpriv") else []
    rss_file = index.parent / "max-rss-kb"
    command = [*prefix, sys.executable, "-c", MEASURED, str(rss_file),
               sys.executable, "-m", "indexer.cli", "index", "--json", "--jobs", "2",
               "--timeout", str(TIMEOUT), "--memory-mb", str(MEMORY_MB),
               "--documents", str(documents), "--index", str(index), *extra]  # fmt: skip
    out, err = index.parent / "stdout", index.parent / "stderr"
    started = time.monotonic()
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        process = subprocess.Popen(command, cwd=REPO, stdout=stdout, stderr=stderr)
    watchdog = threading.Timer(RUN_SECONDS * 2, process.kill)
    watchdog.start()
    try:
        _, status, _usage = os.wait4(process.pid, 0)
    finally:
        watchdog.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    return (process.returncode, out.read_text(), err.read_text(errors="replace"), seconds,
            int(rss_file.read_text()) // 1024)  # fmt: skip


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Run:
    root = tmp_path_factory.mktemp("hostile")
    cases = build(root / "documents")
    code, out, err, seconds, rss = index_like_cron(root / "documents", root / "index")
    assert out, f"no report (exit code {code}):\n{err}"
    run = Run(
        cases,
        Archive(root / "documents", root / "index"),
        json.loads(out),
        err,
        code,
        seconds,
        rss,
        os.geteuid() != 0 or bool(shutil.which("setpriv")),
    )
    _print_families(run)
    return run


def _print_families(run: Run) -> None:
    print(f"\n{len(run.cases)} hostile files, {run.seconds:.1f} s, max RSS {run.max_rss_mb} MB")
    families: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for case in run.cases:
        kind, reason = run.outcome(case.path)
        families[case.family][f"{kind}: {reason.split(' (')[0]}" if reason else kind] += 1
    for family, outcomes in families.items():
        print(f"  {family}: " + ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())))


def test_the_run_ends_in_bounded_time_with_exit_code_1_and_no_traceback(hostile):
    assert hostile.returncode == 1  # some files failed: cron mails the list
    assert hostile.seconds < RUN_SECONDS
    assert "Traceback" not in hostile.stderr


def test_every_file_is_indexed_or_reported_with_a_reason(hostile):
    wrong = []
    for case in hostile.cases:
        kind, reason = hostile.outcome(case.path)
        if case.unprivileged and not hostile.unprivileged:
            ok = kind != "missing"  # root reads everything; any outcome with a reason is fine
        elif case.expect == EITHER:
            ok = kind == INDEXED or (kind == FAILED and bool(reason))
        else:
            ok = kind == case.expect and reason.startswith(case.reason)
        if not ok:
            wrong.append(
                f"{case.path!r}: expected {case.expect} {case.reason}, got {kind} {reason}"
            )
    assert wrong == []


def test_every_failure_is_one_of_the_reasons_staff_know(hostile):
    for failure in hostile.report["failed"]:
        assert failure["reason"].startswith(REASONS), failure
        # The pool's last resort ("damaged (IndexError: ...)") means the extractor met an
        # exception it does not know: the reason would be right but only by luck.
        assert "Error:" not in failure["reason"], failure


def test_nothing_outside_the_generated_cases_was_indexed_failed_or_skipped(hostile):
    expected = {case.path for case in hostile.cases}
    seen = set(hostile.documents)
    seen |= {entry["path"] for kind in (FAILED, SKIPPED) for entry in hostile.report[kind]}
    assert seen - expected == set()


def test_the_normal_file_indexed_in_the_same_run_is_searchable(hostile):
    hits = hostile.archive.search("Laternen Gemeinderat", lang="de", per_page=100)
    assert "control/laternen.de.txt" in {hit.document.path for hit in hits.results}


def test_each_indexed_file_is_found_by_its_own_word(hostile):
    documents = hostile.documents
    for case in hostile.cases:
        if case.word and case.path in documents:
            hits = hostile.archive.search(case.word, per_page=100).results
            assert case.path in {hit.document.path for hit in hits}, case


def test_scripts_styles_and_comments_of_html_are_not_searchable(hostile):
    hidden = [case.absent for case in hostile.cases if case.absent]
    assert hidden
    for word in hidden:
        assert hostile.archive.search(word).total == 0, word


def test_no_process_of_the_run_grew_past_the_memory_cap(hostile):
    assert hostile.max_rss_mb < MEMORY_MB


def test_titles_hold_no_control_characters(hostile):
    """Titles come from the files and reach terminals: `\\x1b]0;...` must not get there."""
    for doc in hostile.documents.values():
        bad = [ch for ch in doc.title if unicodedata.category(ch) == "Cc" and ch not in "\n\t"]
        assert bad == [], (doc.path, doc.title)


def test_each_failure_is_named_on_stderr(hostile):
    lines = hostile.stderr.splitlines()
    for failure in hostile.report["failed"]:
        if "\n" not in failure["path"]:
            assert any(line.startswith(f"failed: {failure['path']}: ") for line in lines)


def test_a_file_name_cannot_forge_lines_on_stderr(hostile):
    failed = [line for line in hostile.stderr.splitlines() if line.startswith("failed: ")]
    assert len(failed) == len(hostile.report["failed"]), f"a name like {FORGED!r} adds lines"
    assert "\x1b" not in hostile.stderr


def test_a_file_with_the_longest_name_gets_no_sidecar_warning(hostile):
    longest = [w for w in hostile.report["warnings"] if w["path"].endswith("n" * 200 + ".txt")]
    assert longest == []


def test_the_next_run_retries_only_unfinished_text_recognition(hostile):
    """Cron's next night: broken files were reported once and are not read again.

    Only a file whose text recognition ran out of time is retried (from its cache):
    that is how a scanned file too long for one run gets done over several.
    """
    unfinished = {
        failure["path"]
        for failure in hostile.report["failed"]
        if failure["reason"] == "timeout" and "text recognition" in failure["detail"]
    }
    index = hostile.archive.store.root
    code, out, err, seconds, _rss = index_like_cron(hostile.archive.documents, index)
    summary = json.loads(out)
    retried = {failure["path"] for failure in summary["failed"]}
    assert summary["added"] == 0 and retried <= unfinished, err
    assert summary["updated"] + len(retried) <= len(unfinished)
    assert code == (1 if retried else 0)
    assert seconds < RUN_SECONDS
