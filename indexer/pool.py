"""Worker processes that run one file at a time under a time limit and a memory cap.

Malformed PDFs can make a parser loop or balloon; a worker that overruns is
killed and replaced, and only its file is reported. concurrent.futures cannot
kill one hung task, hence this small pool.

A worker may also keep what it made across items (the index segment it writes): with
`finish`, each worker runs it once the queue is empty and hands over its result, and an
outcome with `lost` says that a worker died, and with it whatever it had kept since its
last `finish` (or since the caller last took it), which the caller may queue again.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import resource
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from archive.processes import die_with

#: How long a worker may take to hand over what it kept (writing an index segment is our
#: own code on our own data, not a hostile file; the limit only ends a hung run).
FINISH_TIMEOUT = 3600.0
_FINISH = ("finish",)


@dataclass(frozen=True)
class Outcome:
    item: str  # "" for a worker's `finish`
    value: object = None
    error: str | None = None  # short reason when the job failed
    worker: int = 0  # the worker's process id
    lost: bool = False  # the worker died: what it kept is gone
    finished: bool = False  # the result of `finish`, not of an item


def _serve(
    conn: Connection, fn: Callable, memory_mb: int, parent: int = 0, finish: Callable | None = None
) -> None:
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
            conn.send(("ok", finish() if item == _FINISH and finish else fn(item)))
        except MemoryError:
            conn.send(("err", "too large (memory limit reached)"))
        # The job function turns expected problems into values; anything else is a bug or
        # a parser crash on hostile input and must cost only this file.
        except Exception as exc:
            conn.send(("err", f"damaged ({type(exc).__name__}: {str(exc)[:200]})"))


class _Worker:
    def __init__(self, ctx, fn: Callable, memory_mb: int, finish: Callable | None = None):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_serve, args=(child, fn, memory_mb, os.getpid(), finish), daemon=True
        )
        self.process.start()
        child.close()
        self.item: str | None = None
        self.deadline = 0.0
        self.keeps = finish is not None
        self.finished = True  # nothing kept since the last `finish` (or ever)

    def give(self, item, timeout: float) -> None:
        self.item = "" if item == _FINISH else item
        self.finished = item == _FINISH or not self.keeps
        self.deadline = time.monotonic() + timeout
        self.conn.send(item)

    def outcome(self, value=None, error=None, lost=False) -> Outcome:
        return Outcome(self.item or "", value, error, self.process.pid or 0, lost, not self.item)

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
    finish: Callable[[], object] | None = None,
) -> Iterator[Outcome]:
    """Yield one Outcome per item, in completion order, then one per worker's `finish`.

    `items` may be a deque the caller appends to while iterating (work a lost worker
    had kept, to do again).
    """
    pending = items if isinstance(items, deque) else deque(items)
    if not pending:
        return
    ctx = mp.get_context("fork")

    def start() -> _Worker:
        return _Worker(ctx, fn, memory_mb, finish)

    workers = [start() for _ in range(max(1, min(jobs, len(pending))))]
    idle = list(workers)
    busy: dict[Connection, _Worker] = {}
    try:
        while pending or busy or not all(w.finished for w in workers):
            while idle and pending:
                worker = idle.pop()
                worker.give(pending.popleft(), timeout)
                busy[worker.conn] = worker
            for worker in [w for w in idle if not w.finished]:
                idle.remove(worker)
                worker.give(_FINISH, max(timeout, FINISH_TIMEOUT))
                busy[worker.conn] = worker
            now = time.monotonic()
            soonest = min(w.deadline for w in busy.values())
            ready = wait(list(busy), timeout=max(0.0, soonest - now))
            for conn in ready:
                worker = busy.pop(conn)
                try:
                    status, value = conn.recv()
                except (EOFError, OSError):
                    yield worker.outcome(error="crashed (out of memory?)", lost=True)
                    worker.kill()
                    workers.remove(worker)
                    worker = start()
                    workers.append(worker)
                else:
                    ok = status == "ok"
                    yield worker.outcome(value if ok else None, None if ok else value)
                idle.append(worker)
            now = time.monotonic()
            for conn, worker in list(busy.items()):
                if worker.deadline <= now:
                    del busy[conn]
                    over = timeout if worker.item else max(timeout, FINISH_TIMEOUT)
                    yield worker.outcome(error=f"timeout (over {over:g} s)", lost=True)
                    worker.kill()
                    workers.remove(worker)
                    replacement = start()
                    workers.append(replacement)
                    idle.append(replacement)
    finally:
        for worker in workers:
            if worker.conn in busy:
                worker.kill()
            else:
                worker.stop()
