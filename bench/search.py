"""How fast is search at 1,000, 10,000 and 100,000 documents, in-process and over HTTP?

Run: ``python bench/search.py [--sizes 1000 10000 100000] [--queries 20] [--seconds 10]``.

The archives come from ``bench/scale.py`` (real paragraphs of the shared corpus, built
on first use and cached). Queries are 1, 2 and 3 neighbouring words (at least four
letters) of random paragraphs of the pool, in de, en and fr, seeded; each runs without
and with its language as filter, after one unmeasured pass over them (a running
server's index is in the page cache), always with snippets for the 10 hits shown, with the
query's language as reading language. Prints Markdown tables:

- latency p50/p95/p99 in-process (``Archive.search``) and through the JSON API of a
  running ``archive serve`` (waitress, loopback, one client);
- requests/s and latency of the HTML search page and of document pages under 1, 8
  and 32 concurrent keep-alive clients (a bounded threaded load generator);
- index size per 1,000 documents and per MB of text, and the server's peak memory.

Machines are noisy: compare figures within one run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import scale  # noqa: E402

from tests.server import served  # noqa: E402

LANGS = ("de", "en", "fr")
SEED = 11


def make_queries(per_kind: int) -> list[tuple[int, str, str]]:
    """(words, language, query): per_kind queries of 1, 2 and 3 words, languages in turn."""
    rng = random.Random(SEED)
    pool = scale.paragraphs()
    out = []
    for words in (1, 2, 3):
        for i in range(per_kind):
            lang = LANGS[i % 3]
            while True:
                tokens = [
                    w for w in re.findall(r"[^\W\d_]+", rng.choice(pool[lang])) if len(w) >= 4
                ]
                if len(tokens) >= words:
                    start = rng.randrange(len(tokens) - words + 1)
                    out.append((words, lang, " ".join(tokens[start : start + words])))
                    break
    return out


def percentiles(seconds: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in milliseconds."""
    ms = sorted(s * 1000 for s in seconds)
    cut = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    return cut[49], cut[94], cut[98]


def in_process(arch, queries, filtered: bool) -> dict[int, list[float]]:
    times: dict[int, list[float]] = {1: [], 2: [], 3: []}
    for words, lang, text in queries:
        started = time.perf_counter()
        arch.search(text, lang=lang if filtered else None, prefer=lang)
        times[words].append(time.perf_counter() - started)
    return times


def over_api(port: int, queries, filtered: bool) -> dict[int, list[float]]:
    times: dict[int, list[float]] = {1: [], 2: [], 3: []}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for words, lang, text in queries:
        params = {"q": text, "prefer": lang, **({"lang": lang} if filtered else {})}
        started = time.perf_counter()
        conn.request("GET", "/api/search?" + urllib.parse.urlencode(params))
        answer = conn.getresponse()
        body = answer.read()
        times[words].append(time.perf_counter() - started)
        if answer.status != 200:
            sys.exit(f"API answered {answer.status}: {body[:200]!r}")
        json.loads(body)
    conn.close()
    return times


def load(port: int, paths: list[str], clients: int, seconds: float) -> dict:
    """`clients` threads with a keep-alive connection each, requesting paths in turn."""
    deadline = time.monotonic() + seconds
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine, i = [], offset
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", paths[i % len(paths)], headers={"Accept-Language": "de"})
                answer = conn.getresponse()
                answer.read()
                ok = answer.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            mine.append(time.perf_counter() - started)
            if not ok:
                with lock:
                    errors[0] += 1
            i += 1
        conn.close()
        with lock:
            times.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n * 7,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {"requests": len(times), "rps": len(times) / wall, "errors": errors[0],
            "latency": percentiles(times)}  # fmt: skip


#: (server processes, threads per process) of the load runs: the default, two
#: processes, and two processes with few threads (threads share a core).
SERVERS = ((1, 8), (2, 8), (2, 2))


def load_table(arch, size: int, queries, seconds: float) -> list[list[str]]:
    """Search and document pages under 1, 8 and 32 clients, for each of SERVERS."""
    rows = []
    docs = arch.documents_page(1, 50)[1]
    searches = ["/?" + urllib.parse.urlencode({"q": q}) for _w, _l, q in queries]
    pages = [f"/documents/{d.id}" for d in docs]
    for processes, threads in SERVERS:
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "server.log"
            with served(arch.documents, arch.store.root, log, threads, processes) as server:
                for paths in (searches, pages):  # every process opens the index first
                    load(server.port, paths, 8, 3)
                for label, paths in (("search page", searches), ("document page", pages)):
                    for clients in (1, 8, 32):
                        r = load(server.port, paths, clients, seconds)
                        rows.append([
                            f"{size:,}", label, str(processes), str(threads), str(clients),
                            str(r["requests"]),
                            f"{r['rps']:.1f}", *(f"{x:.0f}" for x in r["latency"]),
                            str(r["errors"]),
                        ])  # fmt: skip
    return rows


def server_memory(pid: int) -> tuple[float, float, float]:
    """(private, mapped index files, peak total) resident memory of a process in MB.

    Whoosh maps the index files into memory, once per open searcher (one per server
    thread): those pages belong to the page cache and count in RSS once per mapping.
    """
    status = Path(f"/proc/{pid}/status").read_text()
    kb = {k: int(v.split()[0]) for k, v in re.findall(r"^(\w+):\s+(\d+) kB$", status, re.M)}
    return kb["RssAnon"] / 1024, kb["RssFile"] / 1024, kb["VmHWM"] / 1024


def table(header: list[str], rows: list[list[str]], text_cols: int = 1) -> str:
    align = ["---"] * text_cols + ["---:"] * (len(header) - text_cols)
    return "\n".join("| " + " | ".join(r) + " |" for r in [header, align, *rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=20, help="queries per word count")
    parser.add_argument("--seconds", type=float, default=10, help="duration of each load run")
    parser.add_argument("--load-size", type=int, default=10_000, help="archive for load runs")
    args = parser.parse_args()
    queries = make_queries(args.queries)
    print(
        f"Machine: {os.cpu_count()} CPUs; {len(queries)} queries per size and mode; "
        f"load average {os.getloadavg()[0]:.1f} at the start.\n"
    )
    latency_rows, size_rows, load_rows = [], [], []
    for n in args.sizes:
        arch = scale.archive(n, log=lambda m: print(m, file=sys.stderr))
        # A running server's index is in the page cache and its per-index caches are
        # filled: one unmeasured pass over the queries first (in-process and API).
        in_process(arch, queries, False)
        files = [p for p in arch.documents.rglob("*.txt")]
        text_mb = sum(p.stat().st_size for p in files) / 1e6
        index_mb = arch.store.size_bytes() / 1e6
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "server.log"
            with served(arch.documents, arch.store.root, log, threads=8) as server:
                over_api(server.port, queries, False)
                results = {}
                for filtered in (False, True):
                    results[("in-process", filtered)] = in_process(arch, queries, filtered)
                    results[("JSON API", filtered)] = over_api(server.port, queries, filtered)
                for (mode, filtered), times in results.items():
                    for words in (1, 2, 3):
                        p50, p95, p99 = percentiles(times[words])
                        latency_rows.append([
                            f"{n:,}", mode, "yes" if filtered else "no", str(words),
                            f"{p50:.1f}", f"{p95:.1f}", f"{p99:.1f}",
                        ])  # fmt: skip
                private, mapped, peak = server_memory(server.process.pid)
        if n == args.load_size:
            load_rows += load_table(arch, n, queries, args.seconds)
        size_rows.append([
            f"{n:,}", f"{text_mb:.1f}", f"{index_mb:.1f}", f"{index_mb / n * 1000:.2f}",
            f"{index_mb / text_mb:.2f}", f"{private:.0f}", f"{mapped:.0f}", f"{peak:.0f}",
        ])  # fmt: skip
    head = ["documents", "mode", "language filter", "words", "p50 ms", "p95 ms", "p99 ms"]
    print("### Search latency (10 hits with snippets)\n\n" + table(head, latency_rows, 3))
    if load_rows:
        head = ["documents", "page", "server processes", "threads", "clients", "requests"]
        head += ["requests/s", "p50 ms", "p95 ms", "p99 ms", "errors"]
        print(
            f"\n### Web under load ({args.seconds:.0f} s per row, keep-alive clients)\n\n"
            + table(head, load_rows, 2)
        )
    head = ["documents", "text MB", "index MB", "index MB per 1,000 docs"]
    head += ["index MB per text MB", "server private MB", "server mapped files MB"]
    head += ["server peak RSS MB"]
    print("\n### Size and memory (server memory after the runs above)\n\n" + table(head, size_rows))
    print(f"\nLoad average {os.getloadavg()[0]:.1f} at the end.")


if __name__ == "__main__":
    main()
