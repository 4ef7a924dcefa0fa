"""What does the nightly reindex cost on a 10,000-file archive?

Run: ``python bench/reindex.py [--size 10000] [--repeat 3] [--full]``.

Works on a private copy of the archive from ``bench/scale.py`` (files and index), so
the cache stays untouched. Each run is a fresh interpreter calling the facade
(``Archive.index()``) as cron's ``archive index`` would (see bench/indexing.py, whose
runner this reuses). Scenarios, in this order: a no-op run, a run after changing one
file (the fixed part of a run with work: five runs at least, as they are short and this
machine is noisy), a run after changing 1 % of the files (a line appended), the same
with a full alignment of translations (what
every run pays once 5 % of the documents changed since the last one: see
indexer/align_update.py), a run after deleting 1 %; with ``--full``, first a
full rebuild of the copy through the whole pipeline (extraction, detection,
translations; no text kept from an earlier run), the yardstick for "1 % changed costs
about 1 % of a full run", and a second one that takes the texts from the text cache;
the targets' figures follow the table.

Every timed run starts after `os.sync()`: a copy or a run leaves the index files dirty in
the page cache, and the next run's first fsync would flush all of them (the aligner's
profiles alone are 68 MB at 10,000 files). The no-op run comes first because a copied
index has new inodes, so its holdings record no longer vouches for it: that run reads
the index's fingerprints and writes the record again.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import scale  # noqa: E402
from indexing import index_once, table  # noqa: E402

SEED = 5
#: archive.store.TEXT_CACHE and ALIGN_STATE_FILE (not imported: the runs' peak memory
#: must be their own).
TEXT_CACHE = "text-cache"
ALIGN_STATE_FILE = "align-state.pickle"


def change(files: list[Path], share: float, rng: random.Random) -> int:
    """Append a line to `share` of the files (one at least); how many."""
    chosen = rng.sample(files, max(1, int(len(files) * share)))
    for path in chosen:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"\nNachtrag {time.time_ns()}: Änderung für den Benchmark.\n")
    return len(chosen)


def forget_statistics(index: Path) -> None:
    """Make the next run align in full, as one does after 5 % of the files changed."""
    current = (index / "CURRENT").read_text(encoding="utf-8").strip()
    (index / current / ALIGN_STATE_FILE).unlink(missing_ok=True)


def delete(files: list[Path], share: float, rng: random.Random) -> int:
    chosen = rng.sample(files, max(1, int(len(files) * share)))
    for path in chosen:
        path.unlink()
        files.remove(path)
    return len(chosen)


def row(label: str, runs: list[dict], full_wall: float | None) -> list[str]:
    wall = statistics.median(r["wall"] for r in runs)
    last = runs[-1]
    timing = last.get("timing", {})
    share = f"{100 * wall / full_wall:.1f} %" if full_wall else "-"
    return [
        label,
        f"{wall:.2f}",
        f"{statistics.median(r['command'] for r in runs):.2f}",
        str(last["added"] + last["updated"]),
        str(last["removed"]),
        f"{timing.get('grouping', 0):.2f}",
        share,
        f"{statistics.median(r['rss_self_mb'] for r in runs):.0f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario (median)")
    parser.add_argument("--full", action="store_true", help="also time a full pipeline run")
    args = parser.parse_args()
    arch = scale.archive(args.size, log=lambda m: print(m, file=sys.stderr))
    rng = random.Random(SEED)
    print(
        f"Machine: {os.cpu_count()} CPUs; {args.size:,} files; medians of {args.repeat} runs; "
        f"load average {os.getloadavg()[0]:.1f} at the start.\n"
    )
    with tempfile.TemporaryDirectory(prefix="bench-reindex-") as tmp:
        docs, index = Path(tmp) / "documents", Path(tmp) / "index"
        shutil.copytree(arch.documents, docs)
        shutil.copytree(arch.store.root, index)
        os.sync()
        rows = []
        full_wall = None
        if args.full:
            # The yardstick reads every file (no text kept from an earlier run); a second
            # full run shows what the text cache saves a rebuild after an upgrade.
            shutil.rmtree(index / TEXT_CACHE, ignore_errors=True)
            run = index_once(docs, index, full=True, jobs=0)
            os.sync()
            full_wall = run["wall"]
            rows.append(row("full rebuild (whole pipeline)", [run], full_wall))
            run = index_once(docs, index, full=True, jobs=0)
            os.sync()
            rows.append(row("full rebuild, texts kept from the last run", [run], full_wall))
        files = sorted(docs.rglob("*.txt"))
        scenarios = (
            ("no-op", lambda: 0),
            ("1 file changed (the fixed part)", lambda: change(files, 0, rng)),
            ("1 % of files changed", lambda: change(files, 0.01, rng)),
            (
                "1 % changed, full alignment (after 5 % of changes)",
                lambda: (change(files, 0.01, rng), forget_statistics(index)),
            ),
            ("1 % of files deleted", lambda: delete(files, 0.01, rng)),
        )
        walls = {}
        for label, mutate in scenarios:
            runs = []
            for _ in range(max(args.repeat, 5) if label.startswith("1 file") else args.repeat):
                mutate()
                os.sync()
                runs.append(index_once(docs, index, full=False, jobs=0))
            rows.append(row(label, runs, full_wall))
            walls[label] = [r["wall"] for r in runs]
    head = ["scenario", "index() s", "command s", "re-extracted", "removed"]
    head += ["translations s", "of a full run", "RSS parent MB"]
    print(f"### Reindex of {args.size:,} files (all cores)\n\n" + table(head, rows))
    print(f"\nLoad average {os.getloadavg()[0]:.1f} at the end.\n")
    print("\n".join(targets(walls, full_wall)))


def targets(walls: dict[str, list[float]], full_wall: float | None) -> list[str]:
    """The reindex targets (bench/README.md) against this run's figures, index() seconds."""
    noop, one, some = (
        walls[k] for k in ("no-op", "1 file changed (the fixed part)", "1 % of files changed")
    )
    lines = [
        f"- no-op: median {statistics.median(noop):.2f} s (aim under 1 s)",
        f"- fixed part, one file changed: median {statistics.median(one):.2f} s, "
        f"{min(one):.2f}-{max(one):.2f} s over {len(one)} runs (aim under 1 s)",
    ]
    if full_wall:
        budget = 0.01 * full_wall + 1.0
        lines.append(
            f"- 1 % changed: median {statistics.median(some):.2f} s, "
            f"{100 * statistics.median(some) / full_wall:.1f} % of the full rebuild; budget "
            f"{budget:.2f} s (1 % of the full rebuild plus 1 s)"
        )
    return lines


if __name__ == "__main__":
    main()
