"""Index segments written by the indexing run's worker processes, committed by its writer.

The run's one writer (`store.Batch`) used to add every document itself and write all
postings at its commit: with the 45-file corpus and two workers, about 2.3 s of a
7.3 s run in one process while the other core waited. A Whoosh index is a list of
segments, so here each worker writes what it extracted into a segment of its own, and
the writer lists the finished segments in the index's table of contents at its commit,
with its own changes (deleted old versions, failure records, merged small segments).
Whoosh's MpWriter (multisegment) does the same on its own pool, which cannot kill a
hung parser; ours can (indexer/pool.py), and the run redoes what a killed worker lost.

While workers write, a commit must not clean up files the table of contents does not
list: those are the segments being written. Only the last commit of a run cleans up.

Which old segments a commit merges (`merge_tiers`): Whoosh's default merged the
smallest segments up to a size it allows, which on a small archive took in a worker's
half of the last full run: the fourth one-file run on the 45-file corpus spent 3.3 s
rewriting it. Segments are grouped by size instead, and only a size class with
MERGE_AT segments is merged: each document is rewritten a few times over its life, a
run pays for merges of its own size, and no class holds many segments long.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from archive.collector import collector_paused

#: Memory each worker's segment keeps postings in before it spills them to disk; the
#: worker's memory cap (`archive index --memory-mb`) must leave room for parsing too.
WORKER_MEMORY_MB = 128
#: Folder names of the workers' scratch files, in the index folder (never listed in the
#: table of contents: Whoosh leaves names starting with a dot alone).
SCRATCH = ".segment-{pid}.tmp"
#: Segments of one size class (documents in [4**k, 4**(k+1))) merged together.
MERGE_AT = 5


class WorkerSegment:
    """The segment one worker process writes; made in the parent, opened in the worker.

    A copy of it reaches each forked worker unopened; `add` opens it there, so the
    worker writes its own files.
    """

    def __init__(self, ix, seal_every: int = 0):
        self._ix = ix
        self._seal_every = seal_every
        self._writer = None
        self.count = 0

    def add(self, fields: dict):
        """Add one document's fields; returns the sealed segment once `seal_every`
        documents are in it (a run's checkpoint), else None. On any error the segment is
        given up (`discard`) and the error raised: the caller redoes what it held."""
        try:
            if self._writer is None:
                self._writer = _open(self._ix)
            self._writer.add_document(**fields)
        except Exception:
            self.discard()
            raise
        self.count += 1
        if self._seal_every and self.count >= self._seal_every:
            return self.seal()
        return None

    def seal(self):
        """Write the postings and close the files; returns Whoosh's segment (it pickles),
        or None when nothing was added. On any error, as `add`."""
        if self._writer is None:
            return None
        try:
            with collector_paused():  # a tuple per posting, none in a cycle
                segment = self._writer._finalize_segment()
        except Exception:
            self.discard()
            raise
        writer, self._writer, self.count = self._writer, None, 0
        writer._tempstorage.destroy()
        return segment

    def discard(self) -> None:
        """Give up the documents added since the last seal (the caller redoes them)."""
        writer, self._writer, self.count = self._writer, None, 0
        if writer is not None:
            with contextlib.suppress(Exception):  # already broken: its files are dropped
                writer._close_segment()
                writer._tempstorage.destroy()


def _open(ix):
    from whoosh.writing import PostingPool, SegmentWriter

    from archive.store import writer_options

    options = {**writer_options(), "limitmb": WORKER_MEMORY_MB}
    writer = SegmentWriter(ix, _lk=False, **options)  # the run's writer holds the lock
    # Whoosh gives every writer of an index the same scratch folder, which the first to
    # finish deletes: each worker gets its own.
    writer._tempstorage = ix.storage.temp_storage(SCRATCH.format(pid=os.getpid()))
    writer.pool = PostingPool(writer._tempstorage, writer.newsegment, limitmb=WORKER_MEMORY_MB)
    return writer


def commit(writer, adopted: list, clean: bool) -> None:
    """Commit `writer` with the workers' segments `adopted` (Whoosh's commit, which would
    also delete every file it does not list: only with `clean`, once no worker writes)."""
    from whoosh.index import TOC

    writer._check_state()
    with collector_paused():
        segments = writer._merge_segments(_merge_policy, None, None)
        if writer._added:
            segments.append(writer._finalize_segment())
        else:
            writer._close_segment()
        segments += adopted
        if clean:
            writer._commit_toc(segments)
        else:
            TOC(writer.schema, segments, writer.generation).write(writer.storage, writer.indexname)
        writer._finish()
    if clean:
        remove_scratch(writer.storage.folder)


def remove_scratch(folder: str) -> None:
    """The scratch folders of workers that were killed (once no worker runs)."""
    for path in Path(folder).glob(SCRATCH.format(pid="*")):
        shutil.rmtree(path, ignore_errors=True)


def merge_tiers(live: list[int]) -> tuple[list[int], list[int]]:
    """Which segments to keep and which to merge, by position, given each one's count of
    live documents: every size class with MERGE_AT segments or more is merged; a segment
    without a live document is dropped (it is in neither list)."""
    classes: dict[int, list[int]] = {}
    for n, count in enumerate(live):
        if count > 0:
            classes.setdefault((count.bit_length() - 1) // 2, []).append(n)
    keep, merge = [], []
    for members in classes.values():
        (merge if len(members) >= MERGE_AT else keep).extend(members)
    return sorted(keep), sorted(merge)


def _merge_policy(writer, segments: list) -> list:
    """A Whoosh merge function: merges `merge_tiers`' choice into `writer`."""
    from whoosh.reading import SegmentReader

    keep, merge = merge_tiers([segment.doc_count() for segment in segments])
    for n in merge:
        reader = SegmentReader(writer.storage, writer.schema, segments[n])
        writer.add_reader(reader)
        reader.close()
    return [segments[n] for n in keep]
