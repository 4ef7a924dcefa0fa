"""Translation discovery benchmark: does `indexer.align` find the language versions?

Real parallel documents whose file names are hidden from the aligner:

- the shared corpus (`../shared/corpus`, groups in `manifest.tsv`);
- Debian packages that ship translated documentation in de, en and fr, fetched once
  with `apt-get download` into `~/.cache/archive-bench/debs` and unpacked with
  `dpkg-deb -x`; which files are versions of each other is known from their paths
  (`ch01.de.html` / `ch01.en.html`, `help/de/X.html` / `help/en-US/X.html`, ...), and
  every format (HTML chapter, one-page HTML, PDF book, plain-text book, reST source)
  is its own group, so the same book in another format is a near miss.

Text comes from the project's own extractor; the aligner sees an opaque id, the
language, the text, the title, page count, date, MIME type and the HTML marks (anchors,
image file names: `Extracted.marks`), never the path.
Prints Markdown tables: precision, recall and F1 over pairs per source and per
language pair, and the time `align()` takes for 10,000 documents.

    python bench/translations.py [--no-scale] [--show-errors] [--only NAME]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import combinations
from multiprocessing import Pool
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from indexer.align import AlignDoc, Alignment, align, features_of  # noqa: E402
from indexer.detect import SAMPLE_CHARS, detect_one  # noqa: E402
from indexer.extract import extract  # noqa: E402

SHARED = REPO.parent / "shared" / "corpus"
CACHE = Path(os.environ.get("ARCHIVE_BENCH_CACHE", Path.home() / ".cache" / "archive-bench"))
LANGS = ("de", "en", "fr")
LANG_PAIRS = (("de", "en"), ("de", "fr"), ("en", "fr"))
SCALE = 10_000
#: Bump when `_extract_one` returns something new: cached extractions are then redone.
TEXTS_VERSION = 2  # 2: the HTML marks (anchors, image file names)


@dataclass(frozen=True)
class Source:
    """One Debian documentation set: its packages and how a path names group and language."""

    name: str
    packages: tuple[str, ...]
    # (regex on the path inside the package, group template) -- the regex has a `lang` group
    patterns: tuple[tuple[str, str], ...]
    role: str  # "tune" (thresholds were chosen on it) or "held out"
    strip: str = ""  # regex of text that names the file (removed: names must reveal nothing)


SOURCES = (
    Source(
        "developers-reference",
        ("developers-reference", "developers-reference-de", "developers-reference-fr"),
        (
            (
                r"usr/share/developers-reference/(?:(?P<lang>de|fr)/)?(?P<name>[\w-]+)\.html$",
                "html:{name}",
            ),
            (
                r"usr/share/developers-reference/(?:(?P<lang>de|fr)/)?developers-reference\.(?P<name>pdf|txt\.gz)$",
                "book:{name}",
            ),
        ),
        "tune",
    ),
    Source(
        "debian-reference",
        ("debian-reference-en", "debian-reference-de", "debian-reference-fr"),
        (
            (r"usr/share/debian-reference/(?P<name>\w+)\.(?P<lang>de|en|fr)\.html$", "html:{name}"),
            (
                r"usr/share/debian-reference/debian-reference\.(?P<lang>de|en|fr)\.(?P<name>pdf|txt\.gz)$",
                "book:{name}",
            ),
        ),
        "tune",
    ),
    Source(
        "libreoffice-help",
        ("libreoffice-help-en-us", "libreoffice-help-de", "libreoffice-help-fr"),
        ((r"usr/share/libreoffice/help/(?P<lang>de|fr|en-US)/(?P<name>text/.+)\.html$", "{name}"),),
        "tune",
        # every page ends with "Help content debug info: This page is: /text/.../NAME.xhp"
        strip=r"\n\nHelp content debug info:.*",
    ),
    Source(
        "debian-faq",
        ("debian-faq", "debian-faq-de", "debian-faq-fr"),
        (
            (
                r"usr/share/doc/debian/FAQ/(?:(?:de|fr)/)?(?P<name>[\w-]+)\.(?P<lang>de|en|fr)\.html$",
                "html:{name}",
            ),
            (
                r"usr/share/doc/debian/FAQ/debian-faq\.(?P<lang>de|en|fr)\.(?P<name>pdf\.gz|txt\.gz)$",
                "book:{name}",
            ),
        ),
        "held out",
    ),
    Source(
        "maint-guide",
        ("maint-guide", "maint-guide-de", "maint-guide-fr"),
        (
            (
                r"usr/share/doc/maint-guide(?:-de|-fr)?/html/(?P<name>\w+)\.(?P<lang>de|en|fr)\.html$",
                "html:{name}",
            ),
            (
                r"usr/share/doc/maint-guide(?:-de|-fr)?/maint-guide\.(?P<lang>de|en|fr)\.(?P<name>pdf|txt\.gz)$",
                "book:{name}",
            ),
        ),
        "held out",
    ),
)


@dataclass(frozen=True)
class Dataset:
    name: str
    role: str
    docs: list[AlignDoc]
    truth: dict[str, str]  # doc id -> group


# -- getting the documents -----------------------------------------------------------


def fetch_packages(packages: Iterable[str]) -> Path:
    """Download (once) and unpack the .deb files; only apt-get touches the network."""
    debs = CACHE / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    missing = [p for p in packages if not list(debs.glob(f"{p}_*.deb"))]
    if missing:
        subprocess.run(["apt-get", "download", *missing], cwd=debs, check=True)
    root = CACHE / "unpacked"
    for package in packages:
        deb = sorted(debs.glob(f"{package}_*.deb"))[-1]
        target = root / package
        if not target.is_dir():
            tmp = root / f".{package}.tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            subprocess.run(["dpkg-deb", "-x", str(deb), str(tmp)], check=True)
            tmp.rename(target)
    return root


def _extract_one(path: str) -> dict | None:
    """Text and metadata as the indexer sees them (gzip books are unpacked first)."""
    source = Path(path)
    try:
        if source.suffix == ".gz":
            inner = source.name[: -len(".gz")]
            with tempfile.TemporaryDirectory() as tmp:
                plain = Path(tmp) / ("doc" + Path(inner).suffix)
                plain.write_bytes(gzip.decompress(source.read_bytes()))
                extracted = extract(plain)
        else:
            extracted = extract(source)
    except Exception as exc:  # a broken file is left out of the benchmark, and said so
        print(f"note: skipped {path}: {exc}", file=sys.stderr)
        return None
    text = "\n\n".join(s.text for s in extracted.segments)
    return {
        "detected": _main_language(text),
        "text": text,
        "title": extracted.title or "",
        "pages": extracted.pages,
        "date": extracted.date,
        "mime": extracted.mime,
        "marks": list(extracted.marks),
    }


def _main_language(text: str) -> str | None:
    """Majority of five samples across the text: a German book may open with an English licence."""
    step = max(len(text) // 5, SAMPLE_CHARS)
    votes = Counter(detect_one(text[i : i + SAMPLE_CHARS]) for i in range(0, len(text), step))
    votes.pop(None, None)
    return votes.most_common(1)[0][0] if votes else None


def extract_all(paths: list[Path]) -> list[dict | None]:
    """Extract in parallel, cached by path, size and mtime (the Debian files never change)."""
    stats = [f"{p}|{p.stat().st_size}|{p.stat().st_mtime_ns}" for p in paths]
    key = hashlib.sha1("\n".join([f"v{TEXTS_VERSION}", *stats]).encode()).hexdigest()[:16]
    cache = CACHE / "texts" / f"{key}.json.gz"
    if cache.is_file():
        with gzip.open(cache, "rt", encoding="utf-8") as fh:
            return json.load(fh)
    with Pool(os.cpu_count() or 1) as pool:
        results = pool.map(_extract_one, [str(p) for p in paths], chunksize=8)
    cache.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(cache, "wt", encoding="utf-8") as fh:
        json.dump(results, fh)
    return results


def _lang(code: str | None) -> str:
    return "en" if code in (None, "en-US") else code


def load_source(source: Source) -> Dataset:
    root = fetch_packages(source.packages)
    found: list[tuple[Path, str, str]] = []
    for package in source.packages:
        base = root / package
        for path in sorted(base.rglob("*")):
            rel = path.relative_to(base).as_posix()
            for pattern, template in source.patterns:
                match = re.fullmatch(pattern, rel)
                if match and path.is_file():
                    group = template.format(**match.groupdict())
                    found.append((path, _lang(match.group("lang")), group))
                    break
    extracted = extract_all([p for p, _, _ in found])
    if source.strip:
        pattern = re.compile(source.strip, re.DOTALL)
        extracted = [e and {**e, "text": pattern.sub("", e["text"])} for e in extracted]
    return _dataset(source.name, source.role, found, extracted)


def load_shared_corpus() -> Dataset | None:
    if not (SHARED / "manifest.tsv").is_file():
        print(f"note: {SHARED} missing; the shared corpus is left out", file=sys.stderr)
        return None
    with open(SHARED / "manifest.tsv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    found = [(SHARED / "files" / r["file"], r["lang"], r["group"]) for r in rows]
    return _dataset("shared corpus", "held out", found, extract_all([p for p, _, _ in found]))


def _dataset(name, role, found, extracted) -> Dataset:
    docs, truth = [], {}
    untranslated = 0
    for n, ((_path, lang, group), data) in enumerate(zip(found, extracted, strict=True)):
        if data is None or not data["text"].strip():
            continue
        data = dict(data)
        if data.pop("detected") != lang:  # an untranslated page is not a version in `lang`
            untranslated += 1
            continue
        doc_id = f"{re.sub(r'[^a-z]+', '-', name)}-{n:05d}"
        data["marks"] = tuple(data.get("marks", ()))
        docs.append(AlignDoc(id=doc_id, path=f"{doc_id}.doc", lang=lang, **data))
        truth[doc_id] = group
    if untranslated:
        print(f"note: {name}: {untranslated} documents left out (not in their path's language)")
    return Dataset(name, role, docs, truth)


def with_gaps(dataset: Dataset) -> Dataset:
    """The same documents with versions missing, as in a real archive.

    Of every three groups (in name order) one keeps all versions, one loses one
    language (rotating), and one keeps a single version: a document whose translation
    is absent must not be linked to the next best.
    """
    by_work: dict[str, list[AlignDoc]] = defaultdict(list)
    for doc in dataset.docs:
        by_work[work(dataset.truth[doc.id])].append(doc)
    keep: list[AlignDoc] = []
    for k, name in enumerate(sorted(by_work)):
        langs = sorted({d.lang for d in by_work[name]})
        turn = (k // 3) % len(langs)
        if k % 3 == 1 and len(langs) > 1:
            langs = langs[:turn] + langs[turn + 1 :]
        elif k % 3 == 2:
            langs = [langs[turn]]
        keep.extend(d for d in by_work[name] if d.lang in langs)
    return replace(dataset, name=dataset.name + " (with gaps)", docs=keep)


def work(group: str) -> str:
    """The text behind a group: a book in PDF and as plain text is one work in two formats.

    When a work lacks a language, it lacks it in every format; otherwise the PDF whose
    translation is missing would rightly find the plain-text translation.
    """
    if group.startswith("book:"):
        return "book"
    return group.removesuffix("-txt")


# -- measuring -----------------------------------------------------------------------


def truth_pairs(dataset: Dataset) -> set[frozenset[str]]:
    by_group: dict[str, list[AlignDoc]] = defaultdict(list)
    for doc in dataset.docs:
        by_group[dataset.truth[doc.id]].append(doc)
    return {
        frozenset((a.id, b.id))
        for docs in by_group.values()
        for a, b in combinations(docs, 2)
        if a.lang != b.lang
    }


def predicted_pairs(alignment: Alignment) -> set[frozenset[str]]:
    """Every pair a visitor would see linked: all pairs within a group."""
    return {frozenset(p) for group in alignment.groups for p in combinations(group, 2)}


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def pair_langs(pair: frozenset[str], lang: dict[str, str]) -> tuple[str, str]:
    a, b = sorted(lang[x] for x in pair)
    return a, b


def evaluate(dataset: Dataset) -> dict:
    started = time.perf_counter()
    alignment = align(dataset.docs)
    seconds = time.perf_counter() - started
    lang = {d.id: d.lang for d in dataset.docs}
    truth, found = truth_pairs(dataset), predicted_pairs(alignment)
    per_pair: dict[tuple[str, str], Counts] = defaultdict(Counts)
    total = Counts()
    for pair in truth | found:
        counts = per_pair[pair_langs(pair, lang)]
        for c in (counts, total):
            if pair in truth and pair in found:
                c.tp += 1
            elif pair in found:
                c.fp += 1
            else:
                c.fn += 1
    suggested = {frozenset((s.a, s.b)) for s in alignment.suggestions}
    n = len(dataset.docs)
    return {
        "dataset": dataset,
        "alignment": alignment,
        "total": total,
        "per_pair": per_pair,
        "truth": truth,
        "found": found,
        "suggestions": len(suggested),
        "suggestions_true": len(suggested & truth),
        "seconds": seconds,
        "docs": n,
        "scored": alignment.scored_pairs,
        "all_pairs": n * (n - 1) // 2,
    }


def show_errors(result: dict) -> None:
    dataset = result["dataset"]
    by_id = {d.id: d for d in dataset.docs}
    conf = {frozenset((x.a, x.b)): x for x in result["alignment"].links}
    sugg = {frozenset((x.a, x.b)): x for x in result["alignment"].suggestions}

    def name(x):
        d = by_id[x]
        return f"{x}[{d.lang} {dataset.truth[x]} {d.mime.split('/')[-1]} {len(d.text)}c]"

    for pair in sorted(result["found"] - result["truth"], key=sorted):
        a, b = sorted(pair)
        link = conf.get(pair)
        print(f"  false link: {name(a)} ~ {name(b)} {link.confidence if link else '(transitive)'}")
        if link:
            print("     ", "; ".join(link.evidence))
    for pair in sorted(result["truth"] - result["found"], key=sorted):
        a, b = sorted(pair)
        s = sugg.get(pair)
        print(f"  missed: {name(a)} ~ {name(b)} {'suggested ' + str(s.confidence) if s else ''}")


def fmt(x: float) -> str:
    return f"{x:.3f}"


def synthetic(datasets: list[Dataset], total: int, seed: int = 7) -> Dataset:
    """All real documents, topped up to `total` with documents made of real paragraphs.

    Each made-up document takes 3-30 paragraphs from random real documents of one
    language and gets fresh numbers and a date, so it resembles the archive but has no
    translation: the aligner must leave it alone.
    """
    rng = random.Random(seed)
    docs = [d for ds in datasets for d in ds.docs]
    truth = {d.id: f"{ds.name}/{ds.truth[d.id]}" for ds in datasets for d in ds.docs}
    paragraphs: dict[str, list[str]] = defaultdict(list)
    for doc in docs:
        paragraphs[doc.lang].extend(p for p in doc.text.split("\n\n") if len(p) > 40)
    for n in range(max(0, total - len(docs))):
        lang = rng.choice(LANGS)
        body = rng.sample(paragraphs[lang], rng.randint(3, 30))
        body.insert(rng.randrange(len(body)), f"{rng.randint(10, 9999)} / {rng.randint(1, 999)}")
        doc_id = f"synthetic-{n:05d}"
        date = f"20{rng.randint(10, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        docs.append(AlignDoc(doc_id, doc_id, lang, "\n\n".join(body), date=date, mime="text/html"))
        truth[doc_id] = doc_id
    return Dataset(f"{total:,} documents (all of the above + synthetic)", "scale", docs, truth)


def cached_run(dataset: Dataset) -> dict:
    """Seconds to profile every document, and for `align()` once the profiles are kept.

    The profiles are a pure function of each document, so an indexer can keep them
    between runs; the second figure is what regrouping costs when nothing changed.
    """
    started = time.perf_counter()
    kept = [replace(d, text="", features=features_of(d)) for d in dataset.docs]
    profiling = time.perf_counter() - started
    started = time.perf_counter()
    align(kept)
    return {"profiles": profiling, "cached": time.perf_counter() - started}


def incremental_run(dataset: Dataset, share: float = 0.01, seed: int = 11) -> dict:
    """A nightly run's translations step: `share` of the documents changed (each loses its
    last paragraph) since the last full alignment. Aligned from the kept state (the
    statistics of that alignment, indexer/align_update.py) and in full, with fresh
    statistics: seconds, precision and recall of each, and how many linked pairs differ.
    """
    kept = [replace(d, text="", features=features_of(d), key=f"{d.id}@1") for d in dataset.docs]
    first = align(kept)
    rng = random.Random(seed)
    changed = set(rng.sample(range(len(kept)), int(share * len(kept))))
    later = list(kept)
    for k in changed:
        d = dataset.docs[k]
        text = "\n\n".join(d.text.split("\n\n")[:-1]) or d.text
        later[k] = replace(d, text="", features=features_of(replace(d, text=text)), key=f"{d.id}@2")
    timed = {}
    for name, state in (("incremental", first.state), ("full", None)):
        started = time.perf_counter()
        alignment = align(later, kept=state)
        seconds = time.perf_counter() - started
        found = predicted_pairs(alignment)
        truth = truth_pairs(dataset)
        counts = Counts(len(found & truth), len(found - truth), len(truth - found))
        timed[name] = {"seconds": seconds, "counts": counts, "found": found}
    differ = timed["incremental"]["found"] ^ timed["full"]["found"]
    return {"changed": len(changed), "differ": len(differ), **timed}


def print_tables(
    results: list[tuple[dict, dict]], scale: dict | None, nightly: dict | None = None
) -> None:
    print("### Per source\n")
    print(
        "| source | role | variant | documents | true pairs | precision | recall | F1 "
        "| suggestions (true) | scored pairs / all pairs | seconds |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = [r for pair in results for r in pair] + ([scale] if scale else [])
    for r in rows:
        t = r["total"]
        name, _, variant = r["dataset"].name.partition(" (")
        print(
            f"| {name} | {r['dataset'].role} | {variant.rstrip(')') or 'complete'} | {r['docs']:,} "
            f"| {len(r['truth']):,} | {fmt(t.precision)} | {fmt(t.recall)} | {fmt(t.f1)} "
            f"| {r['suggestions']:,} ({r['suggestions_true']:,}) "
            f"| {r['scored']:,} / {r['all_pairs']:,} | {r['seconds']:.1f} |"
        )
    print("\n### Per language pair\n")
    print(
        "| source | pair | true pairs | precision | recall | F1 "
        "| with gaps: true pairs | precision | recall | F1 |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for complete, gaps in results:
        for lp in LANG_PAIRS:
            cells = []
            for r in (complete, gaps):
                c = r["per_pair"].get(lp, Counts())
                cells.append(
                    f"{c.tp + c.fn:,} | {fmt(c.precision)} | {fmt(c.recall)} | {fmt(c.f1)}"
                )
            print(f"| {complete['dataset'].name} | {lp[0]}-{lp[1]} | {cells[0]} | {cells[1]} |")
    if scale and "cached" in scale:
        print(
            f"\n{scale['docs']:,} documents: align() {scale['seconds']:.1f} s from the texts; "
            f"profiling every document alone {scale['cached']['profiles']:.1f} s; align() with "
            f"the profiles kept from an earlier run {scale['cached']['cached']:.1f} s."
        )
    if nightly:
        print(
            f"\n### {nightly['changed']:,} of {scale['docs']:,} documents changed "
            "(profiles kept; align() only)\n\n"
            "| alignment | seconds | precision | recall | F1 |\n|---|---:|---:|---:|---:|"
        )
        for name in ("incremental", "full"):
            c = nightly[name]["counts"]
            print(
                f"| {name} | {nightly[name]['seconds']:.2f} | {fmt(c.precision)} "
                f"| {fmt(c.recall)} | {fmt(c.f1)} |"
            )
        print(f"\nLinked pairs that differ between the two: {nightly['differ']:,}.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-scale", action="store_true", help="skip the 10,000-document run")
    parser.add_argument("--show-errors", action="store_true", help="list wrong and missed pairs")
    parser.add_argument("--only", help="run only sources whose name contains this")
    args = parser.parse_args(argv)
    datasets = []
    shared = load_shared_corpus()
    if shared:
        datasets.append(shared)
    datasets.extend(load_source(s) for s in SOURCES)
    if args.only:
        datasets = [d for d in datasets if args.only in d.name]
    results = []
    for dataset in datasets:
        pair = (evaluate(dataset), evaluate(with_gaps(dataset)))
        results.append(pair)
        if args.show_errors:
            for result in pair:
                print(f"## {result['dataset'].name}")
                show_errors(result)
    scale = nightly = None
    if not args.no_scale:
        big = synthetic(datasets, SCALE)
        scale = evaluate(big)
        scale["cached"] = cached_run(big)
        nightly = incremental_run(big)
    print_tables(results, scale, nightly)
    return 0


if __name__ == "__main__":
    sys.exit(main())
