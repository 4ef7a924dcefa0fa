"""Archives of any size, composed from real paragraphs, for the search and reindex benchmarks.

The shared corpus has 45 documents; the targets speak of 10,000 and 100,000. This
module cuts the corpus's HTML and text files into paragraphs (their language
detected by the project's own detector), then writes N plain-text documents, each
a seeded random run of 3 to 10 paragraphs of one language (every tenth one
bilingual, like the flyers), spread over the archive's four kind folders in
sub-folders of 1,000 files, their dates spread over 2015-2026 (file times). Same N,
same seed: same files, byte for byte.

The archives and their indexes are kept in ``~/.cache/archive-bench/scale/N`` and
reused while the schema stays the same (``ARCHIVE_BENCH_CACHE`` moves the cache).

    python bench/scale.py 10000          # build (or reuse) the 10,000-document archive
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from archive import Archive  # noqa: E402
from archive.errors import ArchiveError  # noqa: E402

SHARED = REPO.parent / "shared" / "corpus" / "files"
CACHE = Path(os.environ.get("ARCHIVE_BENCH_CACHE", Path.home() / ".cache" / "archive-bench"))
LANGS = ("de", "en", "fr")
FOLDERS = ("declarations", "flyers", "papers", "reports")
PER_FOLDER = 1000
SEED = 7


def paragraphs() -> dict[str, list[str]]:
    """Real paragraphs of at least 200 letters per language, from the shared corpus (cached)."""
    cache = CACHE / "scale" / "paragraphs.json"
    if cache.exists():
        return json.loads(cache.read_text(encoding="utf-8"))
    from indexer.detect import detect_one
    from indexer.extract import extract

    pool: dict[str, list[str]] = {lang: [] for lang in LANGS}
    seen = set()
    for path in sorted(SHARED.iterdir()):
        if path.suffix not in (".html", ".txt"):
            continue
        for seg in extract(path).segments:
            text = " ".join(seg.text.split())
            if sum(c.isalpha() for c in text) < 200 or text in seen:
                continue
            seen.add(text)
            lang = detect_one(text)
            if lang in pool:
                pool[lang].append(text)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(pool, ensure_ascii=False), encoding="utf-8")
    return pool


@dataclass(frozen=True)
class Composed:
    path: str  # relative to the archive root
    title: str
    mtime: int  # seconds; spread over the years, so the year filter has something to do
    parts: tuple[tuple[str, str], ...]  # (paragraph, language)

    @property
    def text(self) -> str:
        return "\n\n".join([self.title, *(p for p, _ in self.parts)]) + "\n"


def compose(n: int, pool: dict[str, list[str]]) -> list[Composed]:
    """The n documents; deterministic for a given n."""
    rng = random.Random(SEED)
    docs = []
    for i in range(n):
        lang = LANGS[i % 3]
        count = rng.randint(3, 10)
        langs = [lang] * count
        if i % 10 == 9:  # bilingual: the first half in one language, the rest in another
            langs[count // 2 :] = [LANGS[(i + 1) % 3]] * (count - count // 2)
        parts = tuple((rng.choice(pool[x]), x) for x in langs)
        title = " ".join(re.findall(r"\w+", parts[0][0])[:8])
        folder = f"{FOLDERS[i % len(FOLDERS)]}/{i // PER_FOLDER:03d}"
        mtime = rng.randint(1_420_070_400, 1_780_000_000)  # 2015-01-01 to mid-2026
        docs.append(Composed(f"{folder}/doc-{i:06d}.txt", title, mtime, parts))
    return docs


def write_archive(docs: list[Composed], root: Path) -> None:
    """Write the documents under root, touching only files whose content differs."""
    for doc in docs:
        path = root / doc.path
        text = doc.text
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        os.utime(path, (doc.mtime, doc.mtime))


def write_index(docs: list[Composed], root: Path, arch: Archive) -> int:
    """Index the written files as `archive index` would, but with their languages known.

    Extraction and detection of 100,000 files would take the better part of an hour
    and are measured by bench/indexing.py; the documents written here are the ones the
    pipeline builds (same ids, fingerprints, titles, kinds), so a later `archive index`
    over the folder finds nothing to do. Automatic translations are not computed.
    """
    from archive.document import Fingerprint, Segment
    from archive.store import batch
    from indexer.pipeline import Analysed, build_document
    from indexer.scan import sha256_of

    store = arch.store
    with store.write_lock():
        gen = store.new_generation()
        ix = store.open_generation(gen)
        with batch(ix) as writer:
            for n, doc in enumerate(docs, start=1):
                path = root / doc.path
                segments: list[Segment] = [Segment(doc.title, doc.parts[0][1])]
                for text, lang in doc.parts:
                    if segments[-1].lang == lang:
                        segments[-1] = Segment(segments[-1].text + "\n\n" + text, lang)
                    else:
                        segments.append(Segment(text, lang))
                analysed = Analysed(segments, doc.title, None, None, "text/plain", sha256_of(path))
                st = path.stat()
                fingerprint = Fingerprint(st.st_size, st.st_mtime_ns)
                writer.upsert(build_document(doc.path, fingerprint, analysed, None))
                if writer.count >= 5000:
                    writer.checkpoint()
                if n % 10_000 == 0:
                    print(f"  {n:,} documents written", file=sys.stderr)
        store.write_translations(gen, {"links": {}, "suggestions": [], "drift": []})
        store.publish(gen)
        store.prune()
    return len(docs)


def archive(n: int, *, log=print) -> Archive:
    """The n-document archive with an up-to-date index, built on first use."""
    base = CACHE / "scale" / str(n)
    root = base / "documents"
    arch = Archive(root, base / "index")
    marker = base / "complete"
    try:
        arch.check_index()
        if marker.exists():
            return arch
    except ArchiveError:
        pass  # none yet, or built by another schema version
    docs = compose(n, paragraphs())
    started = time.perf_counter()
    write_archive(docs, root)
    log(f"wrote {n:,} documents in {time.perf_counter() - started:.1f} s to {root}")
    started = time.perf_counter()
    write_index(docs, root, arch)
    marker.write_text("ok\n")
    log(
        f"indexed {n:,} documents in {time.perf_counter() - started:.1f} s "
        f"(index {arch.store.size_bytes() / 1e6:.1f} MB)"
    )
    return arch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="+", help="numbers of documents")
    args = parser.parse_args()
    for n in args.sizes:
        archive(n)


if __name__ == "__main__":
    main()
