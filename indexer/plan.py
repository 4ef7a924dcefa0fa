"""Decide what an indexing run has to do, without touching the index or the files."""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.document import Fingerprint


@dataclass
class Plan:
    add: list[str] = field(default_factory=list)  # new files
    check: list[str] = field(default_factory=list)  # stat differs: hash to confirm
    remove: list[str] = field(default_factory=list)  # gone from disk
    unchanged: list[str] = field(default_factory=list)


@dataclass
class Confirmed:
    update: list[str] = field(default_factory=list)  # content changed: extract again
    touch: list[str] = field(default_factory=list)  # same content: refresh the record only


def plan(on_disk: dict[str, Fingerprint], indexed: dict[str, Fingerprint]) -> Plan:
    """Compare stat fingerprints: the cheap first pass of an incremental run."""
    result = Plan()
    for path in sorted(on_disk):
        known = indexed.get(path)
        if known is None:
            result.add.append(path)
        elif known.same_stat(on_disk[path]):
            result.unchanged.append(path)
        else:
            result.check.append(path)
    result.remove = sorted(set(indexed) - set(on_disk))
    return result


def confirm(
    check: list[str],
    hashes: dict[str, str],
    on_disk: dict[str, Fingerprint],
    indexed: dict[str, Fingerprint],
) -> Confirmed:
    """Files whose stat changed are re-extracted only when their content or sidecar changed.

    Same content and same sidecar (a copy, a checkout that reset mtimes) is a
    touch: the stored record gets the new stat, nothing is extracted.
    """
    result = Confirmed()
    for path in check:
        same_content = bool(hashes.get(path)) and hashes[path] == indexed[path].sha256
        if same_content and on_disk[path].sidecar == indexed[path].sidecar:
            result.touch.append(path)
        else:
            result.update.append(path)
    return result


def restamped(
    indexed: dict[str, tuple[Fingerprint, str]], restamps: dict[str, Fingerprint]
) -> dict[str, tuple[Fingerprint, str]]:
    """The indexed fingerprints with the newer stat of touched files laid over them.

    A restamp counts only while it describes the content the index holds (same
    hash and sidecar); after any real change the index's own fingerprint is newer.
    """
    merged = dict(indexed)
    for path, stamp in restamps.items():
        known = merged.get(path)
        if known and (stamp.sha256, stamp.sidecar) == (known[0].sha256, known[0].sidecar):
            merged[path] = (stamp, known[1])
    return merged
