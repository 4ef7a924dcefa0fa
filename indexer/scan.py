"""Walk the documents root and say which files are documents, sidecars or to be ignored."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from archive.document import Fingerprint

SIDECAR_SUFFIX = ".toml"
BACKUP_SUFFIXES = ("~", ".bak", ".swp", ".swo", ".tmp", ".orig", ".part")


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
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        for name in list(dirnames):
            if is_ignored_name(name) or (base / name).is_symlink():
                dirnames.remove(name)
                if not is_ignored_name(name):
                    result.skipped.append((_rel(base / name, root), "linked folder"))
        dirnames.sort()
        names = set(filenames)
        for name in sorted(filenames):
            path = base / name
            rel = _rel(path, root)
            if is_ignored_name(name):
                continue
            if name.endswith(SIDECAR_SUFFIX) and name[: -len(SIDECAR_SUFFIX)] in names:
                continue
            if path.is_symlink() and not _inside(path, root):
                result.skipped.append((rel, "link leading outside the documents folder"))
                continue
            if path.suffix.lower() not in supported_suffixes:
                result.unsupported.append(rel)
                continue
            try:
                st = path.stat()
            except OSError as exc:
                result.skipped.append((rel, f"cannot read: {exc.strerror}"))
                continue
            result.files[rel] = Fingerprint(st.st_size, st.st_mtime_ns, "", _sidecar_stamp(path))
    return result


def _sidecar_stamp(path: Path) -> str:
    try:
        st = sidecar_path(path).stat()
    except OSError:
        return ""
    return f"{st.st_size}:{st.st_mtime_ns}"


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve(strict=True).relative_to(root)
    except (OSError, ValueError, RuntimeError):
        return False
    return True


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()
