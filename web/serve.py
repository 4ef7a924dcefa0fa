"""`archive serve`: the site on waitress, a production WSGI server with a thread pool.

Bottle's own development server handles one request at a time and is not meant
to face visitors; waitress is pure Python, well kept and runs everywhere Python does.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import sys

import waitress
from waitress import trigger
from waitress.channel import HTTPChannel
from waitress.task import ErrorTask, ThreadedTaskDispatcher

from archive import Archive, ConfigError, IndexMissing, SchemaMismatch
from archive.processes import die_with
from web.app import create_app
from web.security import SECURITY_HEADERS


class _SecureErrorTask(ErrorTask):
    """Waitress answers a malformed request (400, 413, 431...) itself, before the app
    and its `secure()` see it: those answers carry the security headers too."""

    def execute(self) -> None:
        self.response_headers.extend(SECURITY_HEADERS.items())
        super().execute()


class _Channel(HTTPChannel):
    error_task_class = _SecureErrorTask


def serve(
    archive: Archive,
    host: str = "127.0.0.1",
    port: int = 8080,
    threads: int = 8,
    processes: int = 1,
) -> None:
    """Serve the site until Ctrl+C; a reindex by cron is picked up without a restart.

    The socket is bound before the address is announced, so the line people read
    is true; a port in use is a one-line error (through the CLI), not a traceback.
    With `processes` > 1 the bound socket is shared by that many server processes:
    searching is Python work, and one process uses one core however many threads
    it has.
    """
    _allow_open_files()
    app = create_app(archive)
    try:
        listeners: dict = {}
        server = waitress.create_server(
            app, map=listeners, host=host, port=port, threads=max(1, threads), ident="archive"
        )
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
            "is another server running there? Choose another one with --port"
        ) from None
    for listener in listeners.values():  # each connection's channel is made from this class
        listener.channel_class = _Channel
    # Before anything opens the index: a forked process must not share open files.
    children = [_fork_server(server, threads) for _ in range(max(1, processes) - 1)]
    shown = f"[{host}]" if ":" in host else host
    print(f"Serving the archive on http://{shown}:{port}/ (Ctrl+C to stop)", file=sys.stderr)
    try:
        archive.health()
    except (IndexMissing, SchemaMismatch) as exc:  # served as 503 pages until it is fixed
        print(f"archive: warning: {exc}", file=sys.stderr)
    if not children:
        server.run()
        return

    def stop(signum, _frame) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _fork_server(server, threads: int) -> int:
    """One more process answering on the same socket; it ends when this one does.

    Threads do not survive a fork, so the copy gets a task dispatcher of its own, and
    a wake-up pipe of its own: with the parent's, a finished request could wake the
    other process's loop and wait a second for its reply to be sent.
    """
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    code = 0
    try:
        die_with(parent, signal.SIGTERM)
        signal.signal(signal.SIGTERM, lambda signum, _frame: os._exit(0))
        server.trigger.close()
        server.trigger = trigger.trigger(server._map)
        server.task_dispatcher = ThreadedTaskDispatcher()
        server.task_dispatcher.set_thread_count(max(1, threads))
        server.run()
    except BaseException:  # never return into the parent's code path
        code = 1
    finally:
        os._exit(code)


def _allow_open_files(wanted: int = 65536) -> None:
    """Raise the soft limit of open files as far as allowed.

    Each server thread keeps its own searcher, and a searcher keeps a file open for
    each part of each index segment: a few hundred per thread on a large archive,
    more than the usual soft limit of 1,024 for 8 threads.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
