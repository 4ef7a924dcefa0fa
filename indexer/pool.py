"""Worker processes that run one file at a time under a time limit and a memory cap.

Malformed PDFs can make a parser loop or balloon; a worker that overruns is
killed and replaced, and only its file is reported. concurrent.futures cannot
kill one hung task, hence this small pool.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import resource
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from archive.processes import die_with


@dataclass(frozen=True)
class Outcome:
    item: str
    value: object = None
    error: str | None = None  # short reason when the job failed


def _serve(conn: Connection, fn: Callable, memory_mb: int, parent: int = 0) -> None:
    if parent:
        die_with(parent)  # a worker holds the write lock: it must not outlive the indexer
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            item = conn.recv()
        except EOFError:
            return
        if item is None:
            return
        try:
            conn.send(("ok", fn(item)))
        except MemoryError:
            conn.send(("err", "too large (memory limit reached)"))
        # The job function turns expected problems into values; anything else is a bug or
        # a parser crash on hostile input and must cost only this file.
        except Exception as exc:
            conn.send(("err", f"damaged ({type(exc).__name__}: {str(exc)[:200]})"))


class _Worker:
    def __init__(self, ctx, fn: Callable, memory_mb: int):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_serve, args=(child, fn, memory_mb, os.getpid()), daemon=True
        )
        self.process.start()
        child.close()
        self.item: str | None = None
        self.deadline = 0.0

    def give(self, item: str, timeout: float) -> None:
        self.item = item
        self.deadline = time.monotonic() + timeout
        self.conn.send(item)

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.kill()


def run(
    fn: Callable[[str], object],
    items: Iterable[str],
    jobs: int,
    timeout: float,
    memory_mb: int = 0,
) -> Iterator[Outcome]:
    """Yield one Outcome per item, in completion order."""
    pending = list(items)
    pending.reverse()
    if not pending:
        return
    ctx = mp.get_context("fork")
    workers = [_Worker(ctx, fn, memory_mb) for _ in range(max(1, min(jobs, len(pending))))]
    idle = list(workers)
    busy: dict[Connection, _Worker] = {}
    try:
        while pending or busy:
            while idle and pending:
                worker = idle.pop()
                worker.give(pending.pop(), timeout)
                busy[worker.conn] = worker
            now = time.monotonic()
            soonest = min(w.deadline for w in busy.values())
            ready = wait(list(busy), timeout=max(0.0, soonest - now))
            for conn in ready:
                worker = busy.pop(conn)
                try:
                    status, value = conn.recv()
                except (EOFError, OSError):
                    yield Outcome(worker.item, error="crashed (out of memory?)")
                    worker.kill()
                    workers.remove(worker)
                    worker = _Worker(ctx, fn, memory_mb)
                    workers.append(worker)
                else:
                    yield Outcome(
                        worker.item,
                        value if status == "ok" else None,
                        None if status == "ok" else value,
                    )
                idle.append(worker)
            now = time.monotonic()
            for conn, worker in list(busy.items()):
                if worker.deadline <= now:
                    del busy[conn]
                    yield Outcome(worker.item, error=f"timeout (over {timeout:g} s)")
                    worker.kill()
                    workers.remove(worker)
                    replacement = _Worker(ctx, fn, memory_mb)
                    workers.append(replacement)
                    idle.append(replacement)
    finally:
        for worker in workers:
            if worker.conn in busy:
                worker.kill()
            else:
                worker.stop()
