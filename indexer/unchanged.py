"""A run with nothing to do, told without opening the index.

Most nightly runs find nothing changed, and opening the Whoosh index to read the
indexed files' fingerprints (mostly: importing Whoosh) was most of such a run's time.
So each run ends by recording what the index holds (`IndexStore.write_holdings`),
and the next run trusts that record only while it names the current generation and
no file of that generation changed since (a run with work reads it too, instead of
the index's columns). When every file on disk then has the stat
the record names, the plan is empty and the run only writes its report. Anything
else (a changed, new or removed file, a file to retry, translations to make, another
generation or schema) takes the normal way, indexer/pipeline.py.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from archive.document import Failure, Fingerprint
from archive.errors import IndexMissing, SchemaMismatch
from archive.store import IndexStore
from indexer.extract import supported_suffixes
from indexer.plan import plan, restamped
from indexer.report import TIMING, RunReport
from indexer.scan import ScanResult, scan


def holdings(
    indexed: dict[str, tuple[Fingerprint, str]], translations_made: bool
) -> dict[str, tuple[Fingerprint, str]] | None:
    """What a run records of the index it leaves (`indexed`, as `IndexStore.fingerprints`
    reads it), or None when the next run has work whatever the disk says: a file to
    retry, or translations still to make."""
    if not translations_made or any(state == "retry" for _fp, state in indexed.values()):
        return None
    return indexed


def nothing_to_do(on_disk: dict[str, Fingerprint], indexed: dict[str, Fingerprint]) -> bool:
    """Whether the plan finds every file unchanged: none new, none gone, no stat changed."""
    steps = plan(on_disk, indexed)
    return not (steps.add or steps.check or steps.remove)


def unchanged_run(
    store: IndexStore, documents: Path, wait: bool = False
) -> tuple[RunReport | None, ScanResult | None]:
    """The report of a run with nothing to do, written as any run's; None when there may
    be something to do (then nothing was written: the normal run decides), with the
    folder's scan when one was made (the normal run need not walk the folder again)."""
    documents = Path(documents)
    if not documents.is_dir():
        return None, None
    started = time.monotonic()
    with store.write_lock(wait=wait):
        store.prune()
        try:
            name = store.check()
        except (IndexMissing, SchemaMismatch):
            return None, None
        held = store.holdings()
        if held is None:
            return None, None
        indexed = restamped(held, store.restamps(store.root / name))
        found = scan(documents, supported_suffixes())
        if not nothing_to_do(found.files, {path: fp for path, (fp, _state) in indexed.items()}):
            return None, found
        report = RunReport(
            unchanged=len(found.files),
            unsupported=found.unsupported,
            skipped=[Failure(path, reason) for path, reason in found.skipped],
            generation=name,
            timing=dict.fromkeys(TIMING, 0.0),
        )
        report.seconds = time.monotonic() - started
        report.finished = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        store.write_last_run(report.to_dict())
    return report, found
