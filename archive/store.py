"""The index on disk: generations, the write lock, atomic swaps and write batches.

Layout of the index folder::

    CURRENT          name of the generation that serves searches (replaced atomically)
    gen-000001/      a Whoosh index plus settings.json (schema version, languages) and
                     holdings.json (what it holds, for runs with nothing to do)
    write.lock       held (flock) by the one indexing run; the kernel frees it if the run dies
    last-run.json    summary of the last indexing run, for `archive status`
    ocr-cache/, text-cache/, align-profiles.sqlite
                     derived data kept by content across runs and generations

Incremental runs commit into the current generation (Whoosh commits are atomic);
a full rebuild writes a new generation and swaps CURRENT, so readers keep the
old one until the new one is complete.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pickle
import secrets
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from archive.columns import whole_column
from archive.document import Document, Fingerprint
from archive.errors import ArchiveError, IndexLocked, IndexMissing, SchemaMismatch
from archive.schema import settings

if TYPE_CHECKING:  # Whoosh and what builds on it load when an index is opened, not before:
    from archive.keyed import KeyedValues
    from archive.prepared import Prepared  # a run with nothing to do never opens it


SETTINGS_FILE = "settings.json"
CURRENT_FILE = "CURRENT"
LOCK_FILE = "write.lock"
LAST_RUN_FILE = "last-run.json"
OCR_CACHE = "ocr-cache"  # beside the generations, so a --full rebuild keeps it
TEXT_CACHE = "text-cache"  # extracted text by content, likewise (indexer/textcache.py)
TRANSLATIONS_FILE = "translations.json"  # automatic translation links of a generation
RESTAMPS_FILE = "restamps.json"  # new stat of files whose content did not change
PROFILES_DB = "align-profiles.sqlite"  # the aligner's per-document evidence, by content
ALIGN_DOCUMENTS_FILE = "align-documents.pickle"  # what it reads of each document, no text
#: The entries of ALIGN_DOCUMENTS_FILE that changed since it was written whole.
ALIGN_DOCUMENTS_SINCE_FILE = "align-documents-since.pickle"
#: The whole file is written again once the changes since make this share of it.
ALIGN_DOCUMENTS_REWRITE = 0.1
PAIR_MEMO_FILE = "align-pairs.pickle"  # the aligner's factors of scored pairs, by content
PAIR_MEMO_SINCE_FILE = "align-pairs-since.pickle"  # those added since the last full alignment
ALIGN_STATE_FILE = "align-state.pickle"  # what an incremental alignment starts from
#: The weight rows of the last full alignment, which the state names (written once).
ALIGN_WEIGHTS_FILE = "align-weights-{name}.pickle"
HOLDINGS_FILE = "holdings.json"  # what the generation holds, for runs with nothing to do
GEN_PREFIX = "gen-"
WRITER_MEMORY_MB = 256


def writer_options() -> dict:
    """Segments as separate files, not one compound file: Whoosh-Reloaded reads a compound
    segment through a BytesIO copy, so every open searcher (one per web server thread)
    held a private copy of the postings: 6.4 GB for 8 threads at 100,000 documents.
    Separate files are read through the operating system's page cache, shared by all.
    The codec stores posting blocks as arrays that ranking reads without unpickling
    (archive/codec.py).
    """
    from archive.codec import ArchiveCodec

    return {"limitmb": WRITER_MEMORY_MB, "compound": False, "codec": ArchiveCodec()}


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write `path` so that readers see the old or the new content, never a mix."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    data = text.encode("utf-8") if isinstance(text, str) else text
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class IndexStore:
    """One index folder; readers and the single writer both go through it."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._opened: tuple[str, object] | None = None
        self._open_lock = threading.Lock()
        self._local = threading.local()
        #: The last holdings record read, with what it was read from (`holdings`).
        self._held: tuple[tuple, dict] | None = None

    # -- generations -----------------------------------------------------------------

    def current_name(self) -> str | None:
        try:
            name = (self.root / CURRENT_FILE).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name or None

    def exists(self) -> bool:
        name = self.current_name()
        return bool(name) and (self.root / name).is_dir()

    def generations(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir() if p.name.startswith(GEN_PREFIX))

    def check(self) -> str:
        """The current generation's name; IndexMissing or SchemaMismatch unless it was
        built by this version of the archive (read from its settings file, not opened)."""
        name = self.current_name()
        if not name or not (self.root / name).is_dir():
            raise IndexMissing(f"no index in {self.root}; run `archive index` first")
        check_settings(self.root / name)
        return name

    def open_index(self):
        """The Whoosh index of the current generation, checked against our schema version."""
        from whoosh import index as whoosh_index

        name = self.current_name()
        if not name or not (self.root / name).is_dir():
            raise IndexMissing(f"no index in {self.root}; run `archive index` first")
        with self._open_lock:
            if self._opened and self._opened[0] == name:
                return self._opened[1]
            gen = self.root / name
            check_settings(gen)
            ix = whoosh_index.open_dir(str(gen))
            self._opened = (name, ix)
            return ix

    def new_generation(self) -> Path:
        """An empty index in a fresh generation folder (call with the write lock held)."""
        from whoosh import index as whoosh_index

        from archive.schema import build_schema

        self.root.mkdir(parents=True, exist_ok=True)
        numbers = [int(p.name[len(GEN_PREFIX) :]) for p in self.generations()]
        gen = self.root / f"{GEN_PREFIX}{max(numbers, default=0) + 1:06d}"
        gen.mkdir()
        (gen / SETTINGS_FILE).write_text(json.dumps(settings(), indent=2), encoding="utf-8")
        whoosh_index.create_in(str(gen), build_schema())
        return gen

    def open_generation(self, gen: Path):
        """The Whoosh index in `gen` (a new one, not yet published)."""
        from whoosh import index as whoosh_index

        check_settings(gen)
        return whoosh_index.open_dir(str(gen))

    def publish(self, gen: Path) -> None:
        """Make `gen` the generation that serves searches, atomically."""
        write_atomically(self.root / CURRENT_FILE, gen.name + "\n")

    def prune(self) -> list[Path]:
        """Delete generations other than the current one and the one before it.

        The previous generation stays because a reader may still be searching
        it right after a swap; leftovers of killed rebuilds (newer than CURRENT)
        go, and so do half-written files of `write_atomically` (only the lock
        holder writes them, so with the lock held they belong to a dead run).
        Call with the write lock held.
        """
        current = self.current_name()
        keep: set[str] = set()
        if current:
            older = [p.name for p in self.generations() if p.name <= current]
            keep = set(older[-2:])
        removed = []
        for gen in self.generations():
            if gen.name not in keep:
                shutil.rmtree(gen, ignore_errors=True)
                removed.append(gen)
        stale_files = [*self.root.glob(".*.tmp"), *self.root.glob("*/.*.tmp")]
        # Earlier versions kept the aligner's profiles in each generation (now PROFILES_DB).
        stale_files += self.root.glob(f"{GEN_PREFIX}*/align-profiles.pickle")
        for stale in stale_files if self.root.is_dir() else []:
            if stale.is_dir():  # a killed worker's scratch folder (archive/segments.py)
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)
            removed.append(stale)
        return removed

    # -- locking ---------------------------------------------------------------------

    @contextlib.contextmanager
    def write_lock(self, wait: bool = False) -> Iterator[None]:
        """Hold the one writer lock; an flock dies with its process, so no stale lock."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK_FILE, "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                raise IndexLocked(f"another indexing run holds {self.root / LOCK_FILE}") from None
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # -- reading ---------------------------------------------------------------------

    @contextlib.contextmanager
    def searcher(self):
        """A searcher on the newest committed state; kept per thread and refreshed."""
        ix = self.open_index()
        cached = getattr(self._local, "searcher", None)
        if cached is not None and cached[0] is ix:
            searcher = cached[1]
            if not searcher.up_to_date():
                searcher = searcher.refresh()
        else:
            if cached is not None:
                cached[1].close()
            searcher = ix.searcher()
        self._local.searcher = (ix, searcher)
        yield searcher

    def fingerprints(self, ix=None) -> dict[str, tuple[Fingerprint, str]]:
        """Path -> (fingerprint, state) of every file the index knows.

        Read from columns, not stored fields, so that a no-op run does not load
        every document's text.
        """
        ix = ix or self.open_index()
        result = {}
        with ix.reader() as reader:
            if reader.doc_count() == 0:
                return result
            # Each column read whole, in one pass (a lookup per document took twice as long).
            paths, prints, states = (
                whole_column(reader, name) for name in ("path", "fingerprint", "state")
            )
            for docnum in reader.all_doc_ids():
                result[paths[docnum]] = (Fingerprint.decode(prints[docnum]), states[docnum])
        return result

    def documents(self, ix) -> list[Document]:
        """Every indexed document (for whole-archive work such as automatic grouping)."""
        from archive.records import from_stored

        with ix.searcher() as searcher:
            return [from_stored(f) for f in searcher.documents(state="ok")]

    def documents_at(self, ix, paths: list[str]) -> dict[str, Document]:
        """The indexed documents at `paths` (those that are ok), by path.

        Each stored record holds the whole text, so a run that changed a few files reads
        those, not the archive; past a quarter of it one pass over all is cheaper.
        """
        from archive.records import from_stored

        wanted = set(paths)
        with ix.searcher() as searcher:
            if len(wanted) * 4 > searcher.doc_count():
                stored = (f for f in searcher.documents(state="ok") if f["path"] in wanted)
            else:
                stored = (searcher.document(path=p) for p in paths)
            return {f["path"]: from_stored(f) for f in stored if f and f["state"] == "ok"}

    # -- files whose stat changed but not their content ----------------------------------

    def restamps(self, gen: Path) -> dict[str, Fingerprint]:
        """Path -> fingerprint of files touched since they were indexed.

        A copy or a checkout gives every file a new mtime; rewriting each document
        in Whoosh to store it re-analysed all their text and grew the index until
        the next merge. The new stat is kept beside the index instead.
        """
        try:
            data = json.loads((gen / RESTAMPS_FILE).read_text(encoding="utf-8"))
            return {path: Fingerprint.decode(fp) for path, fp in data.items()}
        except (OSError, ValueError, AttributeError):
            return {}  # none yet, or unreadable: the files are hashed again, nothing is lost

    def write_restamps(self, gen: Path, restamps: dict[str, Fingerprint]) -> None:
        data = {path: fp.encode() for path, fp in restamps.items()}
        write_atomically(gen / RESTAMPS_FILE, json.dumps(data, ensure_ascii=False))

    # -- automatic translations ----------------------------------------------------------

    def align_profiles(self) -> KeyedValues:
        """The translation aligner's evidence per document, kept from earlier runs.

        Profiles depend on a document's content only (their keys say which), so a run
        that changed one file recomputes one profile instead of reading every text, and
        they sit beside the generations, for a --full rebuild too. A missing or
        unreadable entry only costs that work again.
        """
        from archive.keyed import KeyedValues  # sqlite3: only for the translations step

        return KeyedValues(self.root / PROFILES_DB)

    def align_documents(self, gen: Path | None) -> AlignDocuments:
        """Path -> (encoded fingerprint, Document without its text) from the last run.

        What the aligner reads of an unchanged document, without loading its text from
        the index; the fingerprint says whether it still is the indexed version.
        """
        data = _read_pickle(gen / ALIGN_DOCUMENTS_FILE) if gen else None
        if not (isinstance(data, tuple) and len(data) == 3 and data[0] == ALIGN_DOCUMENTS_FILE):
            return AlignDocuments(data if isinstance(data, dict) else {})  # none, or older
        _kind, token, whole = data
        entries = dict(whole)
        since = _read_pickle(gen / ALIGN_DOCUMENTS_SINCE_FILE)
        if isinstance(since, tuple) and len(since) == 3 and since[0] == token:
            entries.update(since[1])
            for path in since[2]:
                entries.pop(path, None)
        return AlignDocuments(entries, whole, token)

    def write_align_documents(
        self, gen: Path, entries: dict, last: AlignDocuments | None = None
    ) -> None:
        """Keep `entries` for the next run. With `last`, what `align_documents(gen)` read,
        only the entries that differ from its whole file are written, beside it: a run
        that changed one file of 10,000 wrote 4 MB (80 ms) for it. Once they are many
        (ALIGN_DOCUMENTS_REWRITE), the whole file is written again."""
        if last is not None and last.token:
            whole = last.whole
            # An unchanged document's entry holds the very Document read from the whole
            # file (the caller reuses it), so identity tells it apart without comparing.
            changed = {
                path: entry
                for path, entry in entries.items()
                if (was := whole.get(path)) is None or was[0] != entry[0] or was[1] is not entry[1]
            }
            gone = [path for path in whole if path not in entries]
            if len(changed) + len(gone) <= ALIGN_DOCUMENTS_REWRITE * len(whole):
                data = (last.token, changed, gone)
                _write_pickle(gen / ALIGN_DOCUMENTS_SINCE_FILE, data)
                return
        # The changes first: killed in between, the last whole file stays, without them
        # (the documents they held are then read from the index: only work is lost).
        (gen / ALIGN_DOCUMENTS_SINCE_FILE).unlink(missing_ok=True)
        data = (ALIGN_DOCUMENTS_FILE, secrets.token_hex(8), entries)
        _write_pickle(gen / ALIGN_DOCUMENTS_FILE, data)

    def pair_memo(self, gen: Path | None, since: bool = False):
        """The aligner's `PairMemo` of the last full alignment, or with `since` the values
        the incremental ones after it added; None when there is none (then pairs are
        scored again)."""
        return (
            _read_pickle(gen / (PAIR_MEMO_SINCE_FILE if since else PAIR_MEMO_FILE)) if gen else None
        )

    def write_pair_memo(self, gen: Path, memo, whole: bool = True) -> None:
        """Keep `memo`: all values (`whole`), or those added since the last whole one.

        An incremental alignment adds a few thousand values to about 250,000 (10,000
        documents): it writes only its own instead of all (0.06 s). Whole, the values
        added since are dropped first: should the run stop in between, only work is lost.
        """
        if whole:
            (gen / PAIR_MEMO_SINCE_FILE).unlink(missing_ok=True)
        _write_pickle(gen / (PAIR_MEMO_FILE if whole else PAIR_MEMO_SINCE_FILE), memo)

    def align_state(self, gen: Path | None):
        """The aligner's `AlignState` of the last run, or None (then it aligns in full)."""
        return _read_pickle(gen / ALIGN_STATE_FILE) if gen else None

    def write_align_state(self, gen: Path, state) -> None:
        _write_pickle(gen / ALIGN_STATE_FILE, state)

    def align_weights(self, gen: Path | None, name: str):
        """The weight rows of the full alignment called `name`, or None."""
        if not (gen and name):
            return None
        return _read_pickle(gen / ALIGN_WEIGHTS_FILE.format(name=name), arrays=True)

    def write_align_weights(self, gen: Path, name: str, weights) -> None:
        """Keep the weight rows of the full alignment `name` (from a state, see
        `indexer.align_update.without_base`): written once, at 10,000 documents 39 MB
        that every incremental run after it reads and none rewrites."""
        path = gen / ALIGN_WEIGHTS_FILE.format(name=name)
        if not path.exists():
            _write_pickle(path, weights)

    def prune_align_weights(self, gen: Path, name: str) -> None:
        """Delete the weight rows of other full alignments than `name` (after the state
        that names it is written: until then, the last state's stay readable)."""
        keep = ALIGN_WEIGHTS_FILE.format(name=name)
        for path in gen.glob(ALIGN_WEIGHTS_FILE.format(name="*")):
            if path.name != keep:
                path.unlink(missing_ok=True)

    def translations_file(self, gen: Path) -> Path:
        return gen / TRANSLATIONS_FILE

    def write_translations(self, gen: Path, data: dict) -> None:
        write_atomically(self.translations_file(gen), json.dumps(data, ensure_ascii=False))

    def translations(self) -> dict:
        """The automatic links of the current generation, re-read only when the file changes."""
        name = self.current_name()
        path = self.root / (name or "") / TRANSLATIONS_FILE
        try:
            stamp = (name, path.stat().st_mtime_ns)
        except OSError:
            return {}
        cached = getattr(self, "_translations", None)
        if cached and cached[0] == stamp:
            return cached[1]
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        self._translations = (stamp, data)
        return data

    # -- what the index holds, for runs with nothing to do ------------------------------

    def write_holdings(self, gen: Path, held: dict[str, tuple[Fingerprint, str]] | None) -> None:
        """Record what the index in `gen` holds (path -> (fingerprint, state), as
        `fingerprints` reads it), with the state of the generation's files; None removes
        the record.

        Call last in a run, with the write lock held (indexer/unchanged.py reads it).
        """
        if held is None:
            (gen / HOLDINGS_FILE).unlink(missing_ok=True)
            return
        files = {path: [fp.encode(), state] for path, (fp, state) in held.items()}
        data = {"generation": gen.name, "witness": _witness(gen), "indexed": files}
        write_atomically(gen / HOLDINGS_FILE, json.dumps(data, ensure_ascii=False))

    def holdings(self) -> dict[str, tuple[Fingerprint, str]] | None:
        """What the current generation holds, as the last run recorded it; None unless the
        record is certainly still true: it names the current generation, and no file of
        that generation changed since it was written (a commit, restamps, translations)."""
        name = self.current_name()
        if not name:
            return None
        gen = self.root / name
        try:
            witness = _witness(gen)
            st = (gen / HOLDINGS_FILE).stat()
            # A run with work reads the record twice, once to find the work and once under
            # its own lock (40 ms each at 10,000 files): the second is this if nothing moved.
            read_from = (name, witness, st.st_size, st.st_mtime_ns, st.st_ino)
            if self._held is not None and self._held[0] == read_from:
                return dict(self._held[1])
            data = json.loads((gen / HOLDINGS_FILE).read_text(encoding="utf-8"))
            if data["generation"] == name and data["witness"] == witness:
                files = data["indexed"]
                held = {
                    path: (Fingerprint.decode(fp), state) for path, (fp, state) in files.items()
                }
                self._held = (read_from, held)
                return dict(held)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # none, damaged or from another version: the normal run decides
        return None

    # -- run summary -----------------------------------------------------------------

    def write_last_run(self, summary: dict) -> None:
        write_atomically(self.root / LAST_RUN_FILE, json.dumps(summary, indent=2))

    def last_run(self) -> dict | None:
        try:
            return json.loads((self.root / LAST_RUN_FILE).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None

    def size_bytes(self) -> int:
        name = self.current_name()
        if not name:
            return 0
        return sum(p.stat().st_size for p in (self.root / name).iterdir() if p.is_file())


def _witness(gen: Path) -> list[list]:
    """Name, size, modification time and inode of each file in `gen` but the holdings
    record: any commit (Whoosh writes a new table of contents each time) or rewritten
    file of ours changes it."""
    entries = []
    with os.scandir(gen) as found:
        for entry in found:
            if entry.name != HOLDINGS_FILE and entry.is_file(follow_symlinks=False):
                st = entry.stat(follow_symlinks=False)
                entries.append([entry.name, st.st_size, st.st_mtime_ns, st.st_ino])
    return sorted(entries)


@dataclass
class AlignDocuments:
    """What `IndexStore.align_documents` read: the entries as the last run left them, and
    the whole file's (which the changes since are counted from) with its token."""

    entries: dict
    whole: dict = field(default_factory=dict)
    token: str = ""


def _read_pickle(path: Path, arrays: bool = False):
    """A cache file's content, or None when missing or unreadable (only work is lost).

    With `arrays` (a file of large numpy arrays), unpickled from the open file: each
    array is read straight into its own memory instead of being copied out of the
    whole file's bytes (the 39 MB of weight rows at 10,000 documents: 5 ms, not 33).
    """
    try:
        if arrays:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        return pickle.loads(path.read_bytes())
    except Exception:  # any damage or an older format: start afresh, nothing is lost
        return None


def _write_pickle(path: Path, data) -> None:
    write_atomically(path, pickle.dumps(data, pickle.HIGHEST_PROTOCOL))


def check_settings(gen: Path) -> None:
    try:
        found = json.loads((gen / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        found = None
    if found != settings():
        raise SchemaMismatch(
            f"the index in {gen} was built by another version of the archive "
            f"(found {found}, expected {settings()}); rebuild it with `archive index --full`"
        )


class Batch:
    """Changes to one index, committed together on success only."""

    def __init__(self, ix):
        self._ix = ix
        self._writer = ix.writer(**writer_options())
        self._adopted: list = []
        self.count = 0
        #: Path -> (fingerprint, state) this batch wrote, or None: removed. With what the
        #: index held before, what it holds after (`IndexStore.fingerprints`), unread.
        self.changes: dict[str, tuple[Fingerprint, str] | None] = {}

    def checkpoint(self) -> None:
        """Commit what is done so far and go on: a killed long run keeps its progress.

        Files of segments workers are still writing stay (only the last commit cleans up).
        """
        self.commit(clean=False)
        self._writer = self._ix.writer(**writer_options())
        self.count = 0

    def worker_segment(self, seal_every: int = 0):
        """A segment for each worker process to write its documents into (see
        archive/segments.py); the worker hands it over sealed, to `adopt`."""
        from archive.segments import WorkerSegment

        return WorkerSegment(self._ix, seal_every)

    def fields(self, doc: Document | Prepared) -> dict:
        """What the index stores of `doc`; a `Prepared` one was analysed by a worker."""
        from archive.prepared import Prepared, accepts
        from archive.records import to_fields

        if not isinstance(doc, Prepared):
            return to_fields(doc)
        if accepts(self._writer.schema, doc):
            return doc.fields
        return to_fields(doc.doc)  # an index written before its text fields took postings

    def adopt(self, segment, docs: list[Document], replaced: list[str]) -> None:
        """Add a worker's sealed segment, which holds `docs`, at the next commit, and
        delete then the old versions of those it holds new ones of (`replaced`)."""
        for path in replaced:
            self._writer.delete_by_term("path", path)
        self._adopted.append(segment)
        self.count += segment.doc_count_all()
        self.changes.update((doc.path, (doc.fingerprint, "ok")) for doc in docs)

    def prepare(self, doc: Document) -> Prepared:
        """`doc` analysed for this batch's index; runs in a worker, and only reads the schema.

        The writer's schema, not `ix.schema`: that one is read from disk on every access,
        with new analyzers whose stemmers and caches start cold.
        """
        from archive.prepared import prepare

        return prepare(self._writer.schema, doc)

    def load_analyzers(self) -> None:
        """Load what the analyzers read on first use, before the workers are forked."""
        from archive.prepared import warm

        warm()

    def upsert(self, doc: Document | Prepared) -> None:
        """Write `doc`; a `Prepared` one was analysed by a worker (archive/prepared.py)."""
        self._writer.update_document(**self.fields(doc))
        self.count += 1
        written = getattr(doc, "doc", doc)  # a Prepared one holds its Document
        self.changes[written.path] = (written.fingerprint, "ok")

    def fail(self, path: str, fingerprint: Fingerprint, reason: str, retry: bool = False) -> None:
        from archive.records import failure_fields

        self._writer.update_document(**failure_fields(path, fingerprint, reason, retry))
        self.count += 1
        self.changes[path] = (fingerprint, "retry" if retry else "failed")

    def remove(self, path: str) -> None:
        self._writer.delete_by_term("path", path)
        self.count += 1
        self.changes[path] = None

    def commit(self, clean: bool = True) -> None:
        """Whoosh writes the segment from a tuple per posting (108,000 for the 45-file
        corpus), none in a cycle: the collector walking them was a tenth of the commit."""
        from archive.segments import commit

        adopted, self._adopted = self._adopted, []
        commit(self._writer, adopted, clean)

    def cancel(self) -> None:
        from archive.segments import remove_scratch

        self._writer.cancel()
        remove_scratch(self._ix.storage.folder)


@contextlib.contextmanager
def batch(ix) -> Iterator[Batch]:
    """Commit when the block ends normally; on any exception cancel and re-raise."""
    b = Batch(ix)
    try:
        yield b
    except BaseException:
        b.cancel()
        raise
    b.commit()


def ok_only():
    """The filter every search uses: failed files live in the index but are not documents."""
    from whoosh.query import Term

    return Term("state", "ok")


__all__ = ["ArchiveError", "Batch", "IndexStore", "batch", "ok_only"]
