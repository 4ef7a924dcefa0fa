"""One indexing run: scan, plan, extract in workers, write in batches, report.

This is the only place where the plan meets the disk and the index.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import hashlib
import os
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from archive.collector import collector_paused
from archive.compounds import keep_vocabulary_in
from archive.document import Document, Failure, Fingerprint, Segment
from archive.errors import ConfigError, ExtractionError
from archive.languages import UNDETERMINED
from archive.prepared import Prepared
from archive.store import ALIGN_DOCUMENTS_FILE, OCR_CACHE, TEXT_CACHE, IndexStore, batch
from indexer import pool
from indexer.align_features import Profile, document_profile, profile_key
from indexer.align_memo import PairMemo
from indexer.detect import detect_segments, document_languages, load_profiles, override
from indexer.extract import OcrOptions, extract, supported_suffixes
from indexer.names import kind_from_path, name_group
from indexer.plan import confirm, plan, restamped
from indexer.report import TIMING, RunReport
from indexer.scan import ScanResult, scan, sha256_of
from indexer.sidecar import Sidecar, SidecarError, read_sidecar
from indexer.textcache import TextCache
from indexer.unchanged import holdings

#: Commit after this many changed documents, so a killed run keeps most of its work: each
#: worker hands over its segment after writing this many. Not in a rebuild: its
#: generation is published whole or pruned by the next run, and each commit merged
#: segments again (10,000 files: 136 s with, 99 s without).
COMMIT_EVERY = 500

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class RunOptions:
    full: bool = False
    jobs: int = 0  # 0: all cores
    wait: bool = False
    timeout: float = 120.0
    memory_mb: int = 1024
    ocr: bool = True  # recognise scanned pages when Tesseract is installed


@dataclass(frozen=True)
class Analysed:
    """What a worker learns from one file: its text by language, and what the file says."""

    segments: list[Segment]
    title: str | None
    date: str | None
    pages: int | None
    mime: str
    sha256: str
    extract_seconds: float = 0.0
    detect_seconds: float = 0.0
    ocr_pages: tuple[int, ...] = ()
    marks: tuple[str, ...] = ()
    cached: bool = False  # taken from the text cache, not extracted in this run


@dataclass(frozen=True)
class Ready:
    """One file as the worker hands it to the writer: a prepared document or why not.

    `timing` holds the worker's seconds (extract, detect, analyse) and the amount of
    text (pages, text_mb), for the run's report.
    """

    #: A Document (without its text) is written in the worker's own index segment.
    entry: Document | Failure
    warning: Failure | None = None  # an unreadable sidecar: the file is indexed without it
    timing: dict = field(default_factory=dict)
    #: The translation aligner's profile of the document (`align_features.profile_key`, profile):
    #: made here, in parallel, rather than in the parent after the last file.
    profile: tuple[str, Profile] | None = None
    segment: object = None  # the worker's segment, sealed after this document (a checkpoint)
    lost: bool = False  # the worker's segment broke: what it held since its last seal is lost


def analyse(path: Path, ocr: OcrOptions | None = None, cache: TextCache | None = None) -> Analysed:
    """Extract and detect one file (runs in a worker process).

    With `cache`, a file whose content was read before (by this code) is not read again.
    """
    sha256 = None
    if cache is not None:
        with contextlib.suppress(OSError):  # unreadable: extract() says so in its words
            sha256 = sha256_of(path)
        kept = cache.get(sha256) if sha256 else None
        if isinstance(kept, Analysed):
            return replace(kept, extract_seconds=0.0, detect_seconds=0.0, cached=True)
    started = time.perf_counter()
    extracted = extract(path, ocr)
    extracted_at = time.perf_counter()
    segments = detect_segments(extracted.segments)
    analysed = Analysed(
        segments,
        extracted.title,
        extracted.date,
        extracted.pages,
        extracted.mime,
        sha256 or sha256_of(path),
        extracted_at - started,
        time.perf_counter() - extracted_at,
        extracted.ocr_pages,
        extracted.marks,
    )
    if cache is not None and not extracted.ocr_pages:
        cache.put(analysed.sha256, analysed)
    return analysed


def document_id(relpath: str) -> str:
    """Stable id from the path: links stay valid across reindexing."""
    return hashlib.sha1(relpath.encode("utf-8")).hexdigest()[:12]


def build_document(
    relpath: str, fingerprint: Fingerprint, analysed: Analysed, sidecar: Sidecar | None
) -> Document:
    """Merge what the file says with the sidecar and the naming conventions (sidecar wins)."""
    side = sidecar or Sidecar()
    segments = analysed.segments
    lang, languages = document_languages(segments)
    if side.lang:
        segments, lang, languages = override(segments, side.lang)
    if lang == UNDETERMINED:
        raise ExtractionError("no usable text", "too little text to tell its language")
    if side.group:
        group, source = f"explicit:{side.group}", "explicit"
    else:
        named = name_group(relpath)
        group, source = (named[0], "name") if named else (None, None)
    date = side.date or analysed.date or _mtime_date(fingerprint)
    return Document(
        id=document_id(relpath),
        path=relpath,
        title=side.title or analysed.title or Path(relpath).stem,
        lang=lang,
        languages=languages,
        kind=side.kind or kind_from_path(relpath),
        date=date,
        summary=side.summary or "",
        group=group,
        group_source=source,
        segments=segments,
        pages=analysed.pages,
        mime=analysed.mime,
        fingerprint=replace(fingerprint, sha256=analysed.sha256),
        source_title=analysed.title,
        source_date=analysed.date,
        ocr_pages=list(analysed.ocr_pages),
        not_translations=list(side.not_translations),
        marks=list(analysed.marks),
    )


def _mtime_date(fingerprint: Fingerprint) -> str:
    stamp = dt.datetime.fromtimestamp(fingerprint.mtime_ns / 1e9, tz=dt.UTC)
    return stamp.date().isoformat()


def run(
    store: IndexStore,
    documents: Path,
    options: RunOptions,
    progress: Progress | None = None,
    scanned: ScanResult | None = None,
) -> RunReport:
    """Bring the index in line with the documents folder (see the module docstring);
    `scanned`: the folder's scan, when the caller just made one."""
    documents = Path(documents)
    if not documents.is_dir():
        raise ConfigError(f"documents folder not found: {documents}")
    started = time.monotonic()
    report = RunReport(full=options.full)
    with store.write_lock(wait=options.wait):
        store.prune()
        rebuilding = options.full or not store.exists()
        previous = store.root / store.current_name() if store.current_name() else None
        if rebuilding:
            gen = store.new_generation()
            ix = store.open_generation(gen)
            indexed: dict[str, tuple[Fingerprint, str]] = {}
        else:
            held = store.holdings()  # checked under this run's lock
            ix = store.open_index()
            gen = store.root / (store.current_name() or "")
            indexed = held if held is not None else store.fingerprints(ix)
        before = indexed
        restamps = store.restamps(gen)
        indexed = restamped(indexed, restamps)
        ocr_setup = functools.partial(_ocr_setup, store, options, report)
        text_dir = store.root / TEXT_CACHE
        fresh: dict[str, tuple[Document, str, Profile]] = {}
        touched, unchanged, written = _apply(
            ix,
            documents,
            indexed,
            options,
            report,
            progress,
            ocr_setup,
            text_dir,
            fresh,
            checkpoints=not rebuilding,
            scanned=scanned,
        )
        if touched or restamps:
            kept = {p: f for p, f in restamps.items() if p in unchanged}
            restamps = {**kept, **touched}
            store.write_restamps(gen, restamps)
        changed = report.added or report.updated or report.removed
        regrouping = changed or not store.translations_file(gen).exists()
        now = _after(before, written)
        if changed:
            TextCache(text_dir).prune(fp.sha256 for fp, state in now.values() if state == "ok")
        if regrouping:
            started_grouping = time.perf_counter()
            with collector_paused():
                _regroup(store, ix, gen, previous, options.full, fresh, now)
            report.timing["grouping"] = time.perf_counter() - started_grouping
        store.write_holdings(gen, holdings(now, store.translations_file(gen).exists()))
        if rebuilding:
            store.publish(gen)
            store.prune()
        report.generation = gen.name
        report.seconds = time.monotonic() - started
        report.finished = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        store.write_last_run(report.to_dict())
    return report


def _after(
    before: dict[str, tuple[Fingerprint, str]], written: dict[str, tuple[Fingerprint, str] | None]
) -> dict[str, tuple[Fingerprint, str]]:
    """What the index holds after a run (as `IndexStore.fingerprints` would read it), from
    what it held before and what the run wrote (`Batch.changes`), without reading it."""
    now = {**before, **written}
    return {path: entry for path, entry in now.items() if entry is not None}


def _regroup(
    store: IndexStore,
    ix,
    gen: Path,
    previous: Path | None,
    full: bool,
    fresh: dict[str, tuple[Document, str, Profile]] | None = None,
    indexed: dict[str, tuple[Fingerprint, str]] | None = None,
) -> None:
    """Automatic translations, reusing what the aligner kept about unchanged documents.

    Kept from the last run: each document's profile (by content, in the store's keyed
    file: a run writes only the new ones and reads only those it needs), what the
    aligner reads of it (so unchanged texts are not loaded from the index), the IDF-free
    factors of scored pairs, none of which changes the result; and the aligner's state,
    from which a large archive with few changes is aligned incrementally, with the
    statistics of the last full alignment (`indexer.align_update`). A --full run aligns
    in full (profiles, a function of the file's content, are still reused). The
    documents this run wrote come in `fresh`, with the profiles the workers made;
    `indexed` is what the index holds now (`IndexStore.fingerprints`).
    """
    # numpy and scipy: only when needed
    from indexer.align_update import with_base, without_base
    from indexer.grouping import profile_key, regroup

    source = gen if gen.joinpath(ALIGN_DOCUMENTS_FILE).exists() else previous
    indexed = store.fingerprints(ix) if indexed is None else indexed
    stamps = {p: fp.encode() for p, (fp, state) in indexed.items() if state == "ok"}
    last = None if full else store.align_documents(source)
    kept = last.entries if last else {}
    unchanged = {p: kept[p][1] for p, stamp in stamps.items() if kept.get(p, ("",))[0] == stamp}
    kept_profiles = store.align_profiles()
    stored = kept_profiles.keys()
    reused = {path: doc for path, doc in unchanged.items() if profile_key(doc) in stored}
    profiles: dict[str, Profile] = {}
    for path, (doc, key, prof) in (fresh or {}).items():
        if path in stamps:  # written in this run: its profile needs no text, nor a read
            profiles[key] = prof
            reused[path] = doc
    read = store.documents_at(ix, [p for p in stamps if p not in reused])
    docs = [reused.get(p) or read[p] for p in stamps if p in reused or p in read]
    memo = None if full else store.pair_memo(source, since=True)
    state = None if full else store.align_state(source)
    stamp = _scoring_stamp()
    if not isinstance(memo, PairMemo) or memo.stamp != stamp:
        memo = PairMemo(stamp=stamp)
    if not full:  # the values of the last full alignment: read if this one is full too
        memo.earlier = functools.partial(store.pair_memo, source)
    if getattr(state, "stamp", None) != stamp:
        state = None
    state = with_base(state, store.align_weights(source, getattr(state, "base_name", "")))
    try:
        found, state = regroup(docs, profiles, memo, state, kept_profiles)
    except LookupError:  # a kept profile was unreadable: read those documents' texts
        read = store.documents_at(ix, list(stamps))
        docs = [read[p] for p in stamps if p in read]
        found, state = regroup(docs, profiles, PairMemo(stamp=stamp))
    state.stamp = stamp
    store.write_translations(gen, found)
    live = {profile_key(d) for d in docs}
    kept_profiles.put_many({k: v for k, v in profiles.items() if k in live and k not in stored})
    kept_profiles.keep_only(live, known=stored)
    texts_left_out = {
        d.path: (stamps[d.path], replace(d, segments=[]) if d.segments else d) for d in docs
    }
    store.write_align_documents(gen, texts_left_out, last if source == gen else None)
    store.write_pair_memo(gen, memo, memo.whole)
    state, name, base = without_base(state)
    store.write_align_weights(gen, name, base)
    store.write_align_state(gen, state)
    store.prune_align_weights(gen, name)


@contextlib.contextmanager
def _shared_with_workers():
    """What the parent holds (langdetect's profiles, word lists, the schema) kept out of
    the cycle collector's sight while forked workers run, frozen as it is at the fork.

    A worker shares the parent's memory until it writes to it, and the collector writes
    to every object it walks: each worker's collections walked all of it again and
    copied the pages it lives on. The 45-file corpus with --jobs 2 took 0.5 s longer.
    Unfrozen after, so that nothing the parent dropped stays uncollected.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _scoring_stamp() -> str:
    """The version of the aligner's code: pair factors kept by another version are dropped."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("align*")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _ocr_setup(store: IndexStore, options: RunOptions, report: RunReport) -> Path | None:
    """The OCR cache folder when OCR can run; otherwise a notice says why it is off."""
    if not options.ocr:
        return None
    from indexer import ocr

    reason = ocr.available()
    if reason:
        report.notices.append(f"text recognition (OCR) is off: {reason}")
        return None
    return store.root / OCR_CACHE


def _apply(
    ix,
    documents: Path,
    indexed_states,
    options: RunOptions,
    report: RunReport,
    progress,
    ocr_setup: Callable[[], Path | None],
    text_dir: Path | None = None,
    fresh: dict | None = None,
    checkpoints: bool = True,
    scanned: ScanResult | None = None,
) -> tuple[dict[str, Fingerprint], set[str], dict[str, tuple[Fingerprint, str] | None]]:
    """Apply one run's changes; returns touched files' new stat, the paths left as they
    were, and what was written (`Batch.changes`).

    `fresh` collects what the translations step needs of each written document.
    """
    found = scanned or scan(documents, supported_suffixes())
    report.unsupported = found.unsupported
    report.skipped = [Failure(path, reason) for path, reason in found.skipped]
    indexed = {path: fp for path, (fp, _state) in indexed_states.items()}
    steps = plan(found.files, indexed)
    report.unchanged = len(steps.unchanged)
    hashes = {}
    for path in steps.check:
        try:
            hashes[path] = sha256_of(documents / path)
        except OSError:
            hashes[path] = ""
    confirmed = confirm(steps.check, hashes, found.files, indexed)
    touch = [p for p in confirmed.touch if indexed_states[p][1] == "ok"]
    update = confirmed.update + [p for p in confirmed.touch if indexed_states[p][1] != "ok"]
    update += [p for p in steps.unchanged if indexed_states[p][1] == "retry"]
    report.unchanged -= sum(1 for p in steps.unchanged if indexed_states[p][1] == "retry")
    # Largest files first: a big PDF started last would keep one core busy alone at
    # the end while the others wait.
    to_extract = sorted(steps.add + update, key=lambda p: (-found.files[p].size, p))
    jobs = options.jobs or os.cpu_count() or 1

    timing = dict.fromkeys(TIMING, 0.0)
    report.timing = timing
    with batch(ix) as writer:
        for path in steps.remove:
            writer.remove(path)
            report.removed += 1
        touched = {p: replace(found.files[p], sha256=hashes[p]) for p in touch}
        report.touched = len(touched)
        # Checked only when a PDF is to be read (only scanned PDF pages need it): a run that
        # reads text and HTML files loads no OCR libraries and starts no tesseract (0.2 s).
        ocr_dir = ocr_setup() if any(p.lower().endswith(".pdf") for p in to_extract) else None
        cache = TextCache(text_dir, ocr=ocr_dir is not None) if text_dir else None
        keep_vocabulary_in(text_dir)  # before the workers are forked: they read it too
        segment = writer.worker_segment(COMMIT_EVERY if checkpoints else 0)
        write = functools.partial(_write, segment, writer.fields)  # runs in the workers
        worker = _analyse_under(
            documents, ocr_dir, options.timeout, found.files, writer.prepare, cache, write
        )
        with collector_paused():  # langdetect's profiles alone are 87,000 lists
            if len(to_extract) > jobs:
                # With more files than workers, langdetect's profiles and the analyzers' word
                # lists are loaded once here, before the fork, and shared; for fewer, each
                # worker loads what its text needs (clear text needs no langdetect, English
                # no compounds), at the same time as the others.
                load_profiles()
                loading = time.perf_counter()
                writer.load_analyzers()
                timing["analyse"] += time.perf_counter() - loading
        queue = deque(to_extract)
        segments = _Segments(writer, report, fresh)
        with _shared_with_workers():
            finish = functools.partial(_seal, segment)
            outcomes = pool.run(worker, queue, jobs, options.timeout, options.memory_mb, finish)
            done = 0
            for outcome in outcomes:
                queue.extend(segments.redo(outcome, found.files))
                value = outcome.value
                if outcome.finished:
                    if not outcome.error and value:
                        timing["write"] += value[1]
                        segments.adopt(outcome.worker, value[0])
                    continue
                done += 1
                if progress:
                    progress(done, len(to_extract) + len(segments.redone), outcome.item)
                is_new = outcome.item not in indexed
                if isinstance(value, Ready):
                    for key, amount in value.timing.items():
                        timing[key] += amount
                writing = time.perf_counter()
                if isinstance(value, Ready) and isinstance(value.entry, Document):
                    segments.written(outcome.worker, value, is_new)
                    if value.segment is not None:
                        segments.adopt(outcome.worker, value.segment)
                        writer.checkpoint()
                else:
                    _record_failure(outcome, found.files[outcome.item], writer, report)
                timing["write"] += time.perf_counter() - writing
        committing = time.perf_counter()
    timing["write"] += time.perf_counter() - committing
    return touched, set(steps.unchanged) - set(update), writer.changes


class _Segments:
    """The documents each worker wrote into its segment, counted once the segment is in.

    A worker's documents become the index's (and the report's, and the translations
    step's) when it hands over its sealed segment; if the worker dies first, they are
    queued again (their text comes from the text cache), once: a second loss of the same
    file is reported as its failure.
    """

    def __init__(self, writer, report: RunReport, fresh: dict | None):
        self._writer = writer
        self._report = report
        self._fresh = fresh
        self._held: dict[int, list[tuple[Ready, bool]]] = defaultdict(list)
        self.redone: set[str] = set()

    def written(self, worker: int, ready: Ready, is_new: bool) -> None:
        self._held[worker].append((ready, is_new))

    def adopt(self, worker: int, segment) -> None:
        held = self._held.pop(worker, [])
        replaced = [ready.entry.path for ready, is_new in held if not is_new]
        self._writer.adopt(segment, [ready.entry for ready, _is_new in held], replaced)
        for ready, is_new in held:
            doc = ready.entry
            if ready.warning:
                self._report.warnings.append(ready.warning)
            if self._fresh is not None and ready.profile is not None:
                self._fresh[doc.path] = (doc, *ready.profile)
            if is_new:
                self._report.added += 1
            else:
                self._report.updated += 1

    def redo(self, outcome: pool.Outcome, files: dict[str, Fingerprint]) -> list[str]:
        """The files to do again when `outcome` says its worker lost its segment: the
        worker died, or writing or sealing the segment failed."""
        broken = (outcome.finished and outcome.error) or getattr(outcome.value, "lost", False)
        if not (outcome.lost or broken):
            return []
        again = []
        for ready, _is_new in self._held.pop(outcome.worker, []):
            path = ready.entry.path
            if path in self.redone:
                reason = "could not be written (its worker stopped twice)"
                self._writer.fail(path, files[path], reason, retry=True)
                self._report.failed.append(Failure(path, reason))
            else:
                again.append(path)
        self.redone.update(again)
        return again


def _write(segment, fields, prepared: Prepared):
    """Add `prepared` to this worker's segment; the sealed segment at a checkpoint."""
    return segment.add(fields(prepared))


def _seal(segment) -> tuple[object, float] | None:
    """Seal this worker's segment at the end of the run: (segment, seconds) or None."""
    started = time.perf_counter()
    sealed = segment.seal()
    return (sealed, time.perf_counter() - started) if sealed is not None else None


def _analyse_under(
    documents: Path,
    ocr_dir: Path | None,
    timeout: float,
    files: dict[str, Fingerprint],
    prepare: Callable[[Document], Prepared],
    cache: TextCache | None,
    write: Callable[[Prepared], object],
):
    """The job each worker runs: extract, detect, build the document, analyse its text
    and add it to the worker's own index segment (`write`: `_write`).
    """

    def work(relpath: str):
        # OCR stops itself a little before the pool would kill the worker, keeping its pages.
        deadline = time.monotonic() + timeout * 0.9
        ocr = OcrOptions(ocr_dir, deadline) if ocr_dir else None
        try:
            analysed = analyse(documents / relpath, ocr, cache)
        except ExtractionError as exc:
            return Failure(relpath, exc.reason, exc.detail)
        return _ready(relpath, files[relpath], analysed, documents, prepare, write)

    return work


def _ready(relpath, fingerprint, analysed: Analysed, documents: Path, prepare, write) -> Ready:
    started = time.perf_counter()
    timing = {
        "extract": analysed.extract_seconds,
        "detect": analysed.detect_seconds,
        "pages": analysed.pages or 0,
        "text_mb": sum(len(s.text) for s in analysed.segments) / 1e6,
        "cached": 1 if analysed.cached else 0,
    }
    warning = None
    try:
        sidecar = read_sidecar(documents / relpath)
    except SidecarError as exc:
        warning = Failure(relpath, "invalid sidecar", str(exc))
        sidecar = None
    try:
        doc = build_document(relpath, fingerprint, analysed, sidecar)
    except ExtractionError as exc:
        return Ready(Failure(relpath, exc.reason, exc.detail), warning, timing)
    entry = prepare(doc)
    profile = (profile_key(doc), document_profile(doc))
    timing["analyse"] = time.perf_counter() - started
    writing = time.perf_counter()
    try:
        sealed = write(entry)
    except Exception as exc:
        detail = f"could not be written ({type(exc).__name__}: {str(exc)[:200]})"
        return Ready(Failure(relpath, "damaged", detail), warning, timing, lost=True)
    timing["write"] = time.perf_counter() - writing
    return Ready(replace(doc, segments=[]), warning, timing, profile, segment=sealed)


def _record_failure(outcome, fingerprint, writer, report) -> None:
    """Write why a file is not indexed (the index keeps a record of it, to retry or skip)."""
    value = Failure(outcome.item, outcome.error) if outcome.error else outcome.value
    if isinstance(value, Ready):
        if value.warning:
            report.warnings.append(value.warning)
        value = value.entry
    writer.fail(value.path, fingerprint, value.reason, retry=value.reason == "timeout")
    report.failed.append(value)
