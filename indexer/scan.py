"""Walk the documents root and say which files are documents, sidecars or to be ignored."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from archive.document import Fingerprint

SIDECAR_SUFFIX = ".toml"
BACKUP_SUFFIXES = ("~", ".bak", ".swp", ".swo", ".tmp", ".orig", ".part")
NOT_UTF8 = "name is not valid UTF-8 (rename it)"


@dataclass
class ScanResult:
    """What is on disk: documents by relative path, plus what was passed over and why."""

    files: dict[str, Fingerprint] = field(default_factory=dict)  # sha256 left empty
    unsupported: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def sidecar_path(path: Path) -> Path:
    """`report.pdf` -> `report.pdf.toml`: the metadata file staff may put beside a document."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def is_ignored_name(name: str) -> bool:
    """Hidden files and editor leftovers are not documents."""
    return (
        name.startswith(".")
        or (name.startswith("#") and name.endswith("#"))
        or name.endswith(BACKUP_SUFFIXES)
    )


def scan(root: Path, supported_suffixes: frozenset[str]) -> ScanResult:
    """Every regular file under `root`, recursively, without following links out of it."""
    root = Path(root).resolve()
    result = ScanResult()

    def unreadable(error: OSError) -> None:
        """os.walk passes over a folder it cannot list in silence; staff must hear of it."""
        folder = _rel(Path(error.filename or root), root)
        result.skipped.append((folder, f"cannot read folder: {error.strerror}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable, followlinks=False):
        base = Path(dirpath)
        for name in list(dirnames):
            if is_ignored_name(name) or (base / name).is_symlink() or not _utf8(name):
                dirnames.remove(name)
                if not _utf8(name):
                    result.skipped.append((_shown(base / name, root), NOT_UTF8))
                elif not is_ignored_name(name):
                    result.skipped.append((_rel(base / name, root), "linked folder"))
        dirnames.sort()
        names = set(filenames)
        for name in sorted(filenames):
            path = base / name
            rel = _rel(path, root)
            if is_ignored_name(name):
                continue
            if not _utf8(name):
                result.skipped.append((_shown(path, root), NOT_UTF8))
                continue
            if name.endswith(SIDECAR_SUFFIX) and name[: -len(SIDECAR_SUFFIX)] in names:
                continue
            problem = _link_problem(path, root) if path.is_symlink() else None
            if problem:
                result.skipped.append((rel, problem))
                continue
            if path.suffix.lower() not in supported_suffixes:
                result.unsupported.append(rel)
                continue
            try:
                st = path.stat()
            except OSError as exc:
                result.skipped.append((rel, f"cannot read: {exc.strerror}"))
                continue
            if not stat.S_ISREG(st.st_mode):  # a FIFO would block its reader until the timeout
                result.skipped.append((rel, "not a regular file"))
                continue
            result.files[rel] = Fingerprint(st.st_size, st.st_mtime_ns, "", _sidecar_stamp(path))
    return result


def _sidecar_stamp(path: Path) -> str:
    """A short hash of the sidecar's content: a checkout that only resets its time changes
    nothing, while any edit does (sidecars are tiny, reading them is cheap)."""
    try:
        data = sidecar_path(path).read_bytes()
    except OSError:
        return ""
    return "sha1:" + hashlib.sha1(data).hexdigest()[:16]


def _link_problem(path: Path, root: Path) -> str | None:
    """Why a symbolic link is not followed, or None when it leads to a file inside `root`."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # a missing target, or a loop (RuntimeError before 3.13)
        return "broken link (its target is missing or loops)"
    if not target.is_relative_to(root):
        return "link leading outside the documents folder"
    return None


def _utf8(name: str) -> bool:
    """Whether a name read from disk is UTF-8 (other bytes arrive as lone surrogates).

    Paths are stored, shown and hashed as UTF-8 text; one name from a Latin-1 zip
    or share would otherwise stop the whole run, every night.
    """
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(path: Path, root: Path) -> str:
    """The relative path with undecodable bytes written as \\xNN, so staff can find it."""
    return os.fsencode(_rel(path, root)).decode("utf-8", "backslashreplace")


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def sha256_of(path: Path) -> str:
    """Content hash of a file, read in chunks: what confirms a change and keys the OCR cache."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
