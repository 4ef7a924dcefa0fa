"""A real `archive serve` process for tests: started on a free port, stopped afterwards.

Browser, load and crash tests all meet the site as visitors do: the CLI in a
subprocess on waitress, answering on loopback.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

STARTUP_SECONDS = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Server:
    url: str
    port: int
    process: subprocess.Popen
    log: Path


@contextlib.contextmanager
def served(
    documents: Path, index: Path, log: Path, threads: int = 8, processes: int = 1
) -> Iterator[Server]:
    """`archive serve` as visitors meet it (default host), stopped when the block ends."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "indexer.cli",
        "serve",
        "--documents",
        str(documents),
        "--index",
        str(index),
        "--port",
        str(port),
        "--threads",
        str(threads),
        "--processes",
        str(processes),
    ]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", port, process, log)
    try:
        _wait_until_healthy(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{server.log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{server.url}/api/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"no answer within {STARTUP_SECONDS} s:\n{server.log.read_text()}")
