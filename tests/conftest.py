"""Shared fixtures: real archives built from real files in temporary folders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from archive import Archive

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "documents"
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"


def require_corpus() -> Path:
    if not (CORPUS / "files").is_dir():
        pytest.skip(f"the shared corpus is not beside the repository ({CORPUS})")
    return CORPUS


@pytest.fixture(scope="session", autouse=True)
def user_cache_folder(tmp_path_factory) -> Path:
    """A cache folder of the test session's own: tests neither read the caches of the
    user running them nor leave theirs behind (CI starts from a clean machine)."""
    folder = tmp_path_factory.mktemp("user-cache")
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    yield folder
    if before is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(scope="session")
def sample_archive(tmp_path_factory) -> Archive:
    """The repository's sample archive, copied and indexed once per test session (read only)."""
    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(SAMPLE, root / "documents")
    archive = Archive(root / "documents", root / "index")
    report = archive.index(jobs=2)
    assert report.failed == [], report.failed
    return archive


@pytest.fixture(scope="session")
def corpus_archive(tmp_path_factory) -> Archive:
    """The 45 real Debian documents of ../shared/corpus/files, indexed once (read only)."""
    corpus = require_corpus()
    root = tmp_path_factory.mktemp("corpus")
    archive = Archive(corpus / "files", root / "index")
    archive.index(jobs=2)
    return archive


@pytest.fixture
def workspace(tmp_path) -> Path:
    """An empty documents folder beside an index folder, for tests that change files."""
    (tmp_path / "documents").mkdir()
    return tmp_path


@pytest.fixture
def archive_in(workspace) -> Archive:
    return Archive(workspace / "documents", workspace / "index")
