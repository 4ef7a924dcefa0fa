"""How fast does indexing go, where does the time go, and what does a reindex cost?

Run: ``python bench/indexing.py [--repeat N]``.  Prints Markdown tables for three
corpora (the shared Debian corpus, the repo's sample ``documents/``, both together),
all indexed through the real facade ``Archive(documents, index_dir).index(...)`` on
temporary copies, so neither the repo nor the shared corpus is touched.

Every measured run happens in a fresh interpreter so that peak memory (max RSS of
the indexing process and of its worker processes) belongs to that run alone, and so
that a "command" time includes interpreter start-up and imports like a real
``archive index``.  This process imports nothing of the archive: Linux carries a
parent's peak RSS into a child's ``ru_maxrss`` across fork and exec.  Machines are
noisy: figures are medians over ``--repeat`` runs, and jobs=1 / all-cores runs
alternate within each repeat so their ratio is fair.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "files"
SAMPLE = REPO / "documents"

#: Runs in a fresh interpreter: one facade call, timed without the imports, plus peak RSS.
CHILD = """
import json, resource, sys, time
from archive import Archive
import indexer.pipeline  # imported before the clock starts: index() s is work, not imports
docs, index, full, jobs = sys.argv[1], sys.argv[2], sys.argv[3] == "1", int(sys.argv[4])
started = time.perf_counter()
out = Archive(docs, index).index(full=full, jobs=jobs).to_dict()
out["wall"] = time.perf_counter() - started
out["rss_self_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out["rss_workers_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
out["index_mb"] = Archive(docs, index).store.size_bytes() / 1e6  # a directory listing
print(json.dumps(out))
"""


def index_once(docs: Path, index: Path, *, full: bool, jobs: int) -> dict:
    """One indexing run in a fresh process: its report, index() seconds, command seconds, RSS."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(docs), str(index), "1" if full else "0", str(jobs)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"indexing {docs} failed:\n{proc.stderr}")
    result = json.loads(proc.stdout)
    result["command"] = time.perf_counter() - started
    return result


def copy_corpus(name: str, dest: Path) -> Path:
    """A private copy of a corpus, so the runs may touch and edit its files."""
    docs = dest / "docs"
    if name in ("debian", "both"):
        shutil.copytree(SHARED, docs / "debian" if name == "both" else docs)
    if name in ("sample", "both"):
        shutil.copytree(SAMPLE, docs / "sample" if name == "both" else docs)
    return docs


def files_of(docs: Path) -> list[Path]:
    return sorted(p for p in docs.rglob("*") if p.is_file())


def touch(paths: list[Path]) -> None:
    """New mtime, same content: what a copy or a fresh checkout does to a folder."""
    stamp = time.time_ns()
    for path in paths:
        os.utime(path, ns=(stamp, stamp))


def change_one(docs: Path) -> str:
    """Append a line to the first text file: one document whose content really changed."""
    path = next(p for p in files_of(docs) if p.suffix == ".txt")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"\nBenchmark edit {time.time_ns()}.\n")
    return path.relative_to(docs).as_posix()


def med(runs: list[dict], key: str) -> float:
    """Median of one figure over the repeats; `key` names a run field or a `timing` entry."""
    return statistics.median(r[key] if key in r else r["timing"][key] for r in runs)


def table(header: list[str], rows: list[list[str]], text_cols: int = 1) -> str:
    """A Markdown table: the first `text_cols` columns left-aligned, numbers right-aligned."""
    align = ["---"] * text_cols + ["---:"] * (len(header) - text_cols)
    lines = [header, align, *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def bench_corpus(name: str, repeat: int, all_jobs: int) -> dict:
    """Full runs (jobs=1 and all cores, alternating), then incremental scenarios."""
    with tempfile.TemporaryDirectory(prefix=f"bench-indexing-{name}-") as tmp:
        docs = copy_corpus(name, Path(tmp))
        files = files_of(docs)
        full: dict[int, list[dict]] = {1: [], all_jobs: []}
        speedups = []
        for r in range(repeat):
            walls = {}
            for jobs in full:
                index = Path(tmp) / f"index-{r}-{jobs}"
                full[jobs].append(index_once(docs, index, full=True, jobs=jobs))
                walls[jobs] = full[jobs][-1]["wall"]
            speedups.append(walls[1] / walls[all_jobs])
        docs_only = [p for p in files if not p.name.endswith(".toml")]
        scenarios: dict[str, Callable[[], object]] = {
            "no-op": lambda: None,
            "touch all files": lambda: touch(files),
            "touch all but sidecars": lambda: touch(docs_only),
            "1 file changed": lambda: change_one(docs),
        }
        incremental = {}
        for label, mutate in scenarios.items():
            runs = []
            for _ in range(repeat):
                what = mutate()
                runs.append(index_once(docs, index, full=False, jobs=0))
            incremental[label + (f" ({what})" if isinstance(what, str) else "")] = runs
        last = full[1][-1]
        return {
            "docs": last["added"],
            "failed": len(last["failed"]),
            "pdfs": sum(p.suffix.lower() == ".pdf" for p in files),
            "input_mb": sum(p.stat().st_size for p in files) / 1e6,
            "index_mb": last["index_mb"],
            "full": full,
            "speedup": statistics.median(speedups),
            "incremental": incremental,
        }


def report(results: dict[str, dict], all_jobs: int) -> None:
    """Print the four tables."""
    rows = []
    for name, res in results.items():
        t = res["full"][1][-1]["timing"]
        rows.append([
            name, str(res["docs"]), str(res["failed"]), str(res["pdfs"]), f"{t['pages']:.0f}",
            f"{res['input_mb']:.2f}", f"{t['text_mb']:.2f}", f"{res['index_mb']:.2f}",
        ])  # fmt: skip
    head = ["corpus", "docs", "failed", "PDFs", "PDF pages", "files MB", "text MB", "index MB"]
    print("### Corpora\n\n" + table(head, rows) + "\n")

    rows = []
    for name, res in results.items():
        for jobs, runs in res["full"].items():
            wall, t = med(runs, "wall"), runs[-1]["timing"]
            rows.append([
                name, str(jobs), f"{wall:.2f}", f"{med(runs, 'command'):.2f}",
                f"{res['docs'] / wall:.1f}", f"{t['pages'] / wall:.1f}",
                f"{t['text_mb'] / wall:.3f}",
                "1.00" if jobs == 1 else f"{res['speedup']:.2f}",
                f"{med(runs, 'rss_self_mb'):.0f}", f"{med(runs, 'rss_workers_mb'):.0f}",
            ])  # fmt: skip
    head = ["corpus", "jobs", "index() s", "command s", "docs/s", "pages/s", "text MB/s"]
    head += ["speed-up", "RSS parent MB", "RSS worker MB"]
    print("### Full index (`index(full=True)`)\n\n" + table(head, rows) + "\n")

    rows = []
    for name, res in results.items():
        base = med(res["full"][1], "wall")
        for jobs, runs in res["full"].items():
            wall = med(runs, "wall")
            parts = [med(runs, key) for key in ("extract", "detect", "analyse", "write")]
            # Summed worker time exceeds the wall time of a parallel run: "other" is jobs=1 only.
            parts += [wall - sum(parts)] if jobs == 1 else []
            cells = [f"{s:.2f} ({100 * s / base:.0f} %)" for s in parts]
            rows.append([name, str(jobs), f"{wall:.2f}", *cells] + ["-"] * (jobs != 1))
    head = ["corpus", "jobs", "wall s", "extract s", "detect s", "analyse s", "write s"]
    head += ["other s"]
    print(
        "### Where the time goes (full index; % of the jobs=1 wall time; extract, detect and "
        "analyse (the text for the index) are summed over workers, write is the workers "
        "writing their segments plus the writer's commit; other = wall minus the four, "
        "jobs=1 only)\n\n" + table(head, rows) + "\n"
    )

    rows = []
    for name, res in results.items():
        for label, runs in res["incremental"].items():
            wall, last = med(runs, "wall"), runs[-1]
            rows.append([
                name, label, f"{wall:.3f}", f"{med(runs, 'command'):.2f}",
                f"{(last['unchanged'] + last['touched'] + last['updated']) / wall:.0f}",
                str(last["touched"] + last["updated"]), str(last["updated"]),
                f"{med(runs, 'rss_self_mb'):.0f}", f"{last['index_mb']:.2f}",
            ])  # fmt: skip
    head = ["corpus", "scenario", "index() s", "command s", "docs checked/s", "re-hashed"]
    head += ["re-extracted", "RSS parent MB", "index MB after"]
    print(
        f"### Incremental reindex (`index()`, jobs={all_jobs}; scenarios run in this order on "
        "the index of the last full run; index MB after the last repeat)\n\n"
        + table(head, rows, text_cols=2)
    )


def code_version() -> str:
    """The commit measured, and whether the working tree differs from it (read-only git)."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    git = ["git", "-C", str(REPO)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0:
        return "unknown commit"
    dirty = subprocess.run([*git, "diff", "--quiet", "HEAD", "--"], env=env).returncode != 0
    return f"commit {head.stdout.strip()}" + (" + uncommitted changes" if dirty else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"shared corpus not found at {SHARED}: it must sit beside the repo")
    all_jobs = os.cpu_count() or 1
    print(
        f"Machine: {all_jobs} CPUs, Python {platform.python_version()} ({platform.machine()}), "
        f"pypdf {version('pypdf')}, Whoosh-Reloaded {version('Whoosh-Reloaded')}, "
        f"langdetect {version('langdetect')}; {code_version()}; medians of {args.repeat} runs; "
        f"load average {os.getloadavg()[0]:.1f} at the start.\n"
    )
    results = {
        name: bench_corpus(name, args.repeat, all_jobs) for name in ("debian", "sample", "both")
    }
    report(results, all_jobs)
    print(f"\nLoad average {os.getloadavg()[0]:.1f} at the end (other work shares the cores).")


if __name__ == "__main__":
    main()
