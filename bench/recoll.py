"""Our indexer beside Recoll, an established desktop search engine, on the same files.

Why: our own figures (bench/indexing.py) only say how fast we are compared with
ourselves.  Recoll (C++ on Xapian) indexes the same kinds of files (PDF through
pdftotext, HTML, text) with stemming for several languages, so timing both on the
same files and machine tells whether our speed and memory are in a sensible range.

Run: ``python bench/recoll.py [--repeat N] [--corpus NAME ...]`` with the project's
Python.  Prints Markdown tables.  Needs ``recollindex`` and ``recollq`` (Debian:
``apt-get install recollcmd poppler-utils``) and GNU time (``/usr/bin/time``); without
them it prints one line and exits 0.

Each corpus is hard-linked (or copied) into a scratch folder, keeping only the
files our indexer supports, so both engines see exactly the same files.  Per repeat
and engine: a full index from scratch (Recoll: ``recollindex -z``; ours:
``archive index --full``, ``--jobs 0`` and ``--jobs 1``), then a second run with
nothing changed.  Figures are medians.  Peak RSS is GNU time's: the largest single
process of the run (the indexer or one of its workers or filters), not a sum.
Recoll does no OCR by default, so ours runs with ``--no-ocr``; Recoll keeps its
default threading (pipeline threads sized from the CPU count).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from indexing import SHARED, code_version, table  # noqa: E402
from translations import SOURCES, fetch_packages  # noqa: E402  (puts the repo on sys.path)

from indexer.extract import supported_suffixes  # noqa: E402

GNU_TIME = "/usr/bin/time"
#: Corpora: name -> (Debian packages to unpack, or None for the shared corpus)
CORPORA = {
    "shared": None,
    "debian-books": tuple(p for s in SOURCES if s.name != "libreoffice-help" for p in s.packages),
    "libreoffice-help": next(s.packages for s in SOURCES if s.name == "libreoffice-help"),
}
DEFAULT = ["shared", "debian-books"]  # libreoffice-help (7,683 pages) takes long for us


def archive_cmd() -> list[str]:
    """The `archive` console script beside this Python, else the module."""
    script = Path(sys.executable).with_name("archive")
    return [str(script)] if script.exists() else [sys.executable, "-m", "indexer.cli"]


def build_corpus(name: str, dest: Path) -> list[Path]:
    """Link the supported files of one corpus under `dest`; return them."""
    packages = CORPORA[name]
    if packages is None:
        base, roots = SHARED, [SHARED]
    else:  # one folder per package: docs/<package>/usr/share/...
        base = fetch_packages(packages)
        roots = [base / p for p in packages]
    suffixes = supported_suffixes()
    files = []
    for root in roots:
        for src in sorted(root.rglob("*")):
            if not src.is_file() or src.suffix.lower() not in suffixes:
                continue
            target = dest / src.relative_to(base)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(src, target)
            except OSError:
                shutil.copy2(src, target)
            files.append(target)
    for path in files:  # warm the page cache: the first engine timed must not pay for it
        path.read_bytes()
    return files


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run `cmd` under GNU time: (wall seconds, peak RSS MB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        started = time.perf_counter()
        proc = subprocess.run(
            [GNU_TIME, "-f", "%M", "-o", out.name, *cmd],
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        return wall, int(out.read().split()[-1]) / 1024


class Recoll:
    def __init__(self, corpus: Path, work: Path):
        self.conf = work / "recoll-conf"
        self.conf.mkdir()
        (self.conf / "recoll.conf").write_text(
            f"topdirs = {corpus}\n"
            "indexstemminglanguages = english german french\n"
            "noaspell = 1\n"  # no spelling dictionary: we build none either
            "loglevel = 2\n"
        )
        self.label = "recoll"

    def full(self) -> tuple[float, float]:
        return timed(["recollindex", "-c", str(self.conf), "-z"])

    def noop(self) -> tuple[float, float]:
        return timed(["recollindex", "-c", str(self.conf)])

    def count(self) -> tuple[int, str]:
        """Documents in the index (directories, which Recoll also indexes, left out)."""
        out = subprocess.run(
            ["recollq", "-c", str(self.conf), "-n", "0", "mime:*"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        mimes = [line.split("\t")[0] for line in out.splitlines() if "\t[file://" in line]
        status = (self.conf / "idxstatus.txt").read_text()
        errors = int(re.search(r"fileerrors = (\d+)", status).group(1))
        dirs = mimes.count("inode/directory")
        return len(mimes) - dirs, f"{errors} file errors; {dirs} directories not counted"


class Ours:
    def __init__(self, corpus: Path, work: Path, jobs: int):
        self.index = work / f"ours-index-{jobs}"
        self.env = {"ARCHIVE_DOCUMENTS": str(corpus), "ARCHIVE_INDEX": str(self.index)}
        self.args = ["--no-ocr", "--quiet", "--jobs", str(jobs)]
        self.label = f"ours --jobs {jobs}" + (f" ({os.cpu_count()} procs)" if jobs == 0 else "")

    def full(self) -> tuple[float, float]:
        shutil.rmtree(self.index, ignore_errors=True)  # from scratch, like recollindex -z
        return timed([*archive_cmd(), "index", "--full", *self.args], self.env)

    def noop(self) -> tuple[float, float]:
        return timed([*archive_cmd(), "index", *self.args], self.env)

    def count(self) -> tuple[int, str]:
        out = subprocess.run(
            [*archive_cmd(), "status", "--json"],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        status = json.loads(out)
        failed = [f"{f['path']} ({f['reason']})" for f in status["failures"]]
        return status["documents"], "; ".join([f"{len(failed)} failed", *failed[:3]])


def bench_corpus(name: str, repeat: int) -> tuple[int, list[dict]]:
    with tempfile.TemporaryDirectory(prefix=f"bench-recoll-{name}-") as tmp:
        work = Path(tmp)
        files = build_corpus(name, work / "docs")
        engines = [Recoll(work / "docs", work), Ours(work / "docs", work, 0)]
        engines.append(Ours(work / "docs", work, 1))
        runs: dict[str, dict[str, list]] = {e.label: {"full": [], "noop": []} for e in engines}
        for _ in range(repeat):  # engines alternate, so drifting load hits them alike
            for engine in engines:
                runs[engine.label]["full"].append(engine.full())
                runs[engine.label]["noop"].append(engine.noop())
        rows = []
        for engine in engines:
            full, noop = runs[engine.label]["full"], runs[engine.label]["noop"]
            docs, note = engine.count()
            rows.append({
                "engine": engine.label,
                "full": statistics.median(w for w, _ in full),
                "noop": statistics.median(w for w, _ in noop),
                "rss": statistics.median(m for _, m in full),
                "docs": docs,
                "note": note,
            })  # fmt: skip
        return len(files), rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--corpus", nargs="+", choices=list(CORPORA), default=DEFAULT)
    args = parser.parse_args()
    missing = [t for t in ("recollindex", "recollq", GNU_TIME) if not shutil.which(t)]
    if missing:
        print(f"Recoll benchmark skipped: {', '.join(missing)} not installed "
              "(apt-get install recollcmd poppler-utils time).")  # fmt: skip
        return 0
    version = subprocess.run(["recollq", "-v"], capture_output=True, text=True).stdout.strip()
    print(
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; {version}; "
        f"pdftotext {'found' if shutil.which('pdftotext') else 'MISSING (Recoll skips PDFs)'}; "
        f"{code_version()}; medians of {args.repeat} runs; "
        f"load average {os.getloadavg()[0]:.2f} at the start.\n"
    )
    rows, notes = [], []
    for name in args.corpus:
        files, results = bench_corpus(name, args.repeat)
        base = results[0]
        for r in results:
            ours = r is not base
            rows.append([
                name, str(files), r["engine"], f"{r['full']:.2f}", f"{r['noop']:.2f}",
                f"{r['rss']:.0f}", str(r["docs"]),
                f"{r['full'] / base['full']:.1f}" if ours else "-",
                f"{r['noop'] / base['noop']:.1f}" if ours else "-",
            ])  # fmt: skip
            notes.append(f"- {name}, {r['engine']}: {r['note']}")
    head = ["corpus", "files", "engine", "full s", "no-op s", "peak RSS MB", "docs indexed"]
    head += ["ours/recoll full", "ours/recoll no-op"]
    print("### Full index and no-op reindex (wall seconds, medians)\n")
    print(table(head, rows, text_cols=3) + "\n\n" + "\n".join(notes))
    print(f"\nLoad average {os.getloadavg()[0]:.2f} at the end (other work shares the cores).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
